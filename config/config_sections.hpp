// Internal to config/: the readers of each top-level section of the config file. The YAML key
// of every setting is the name of its field in config_settings.hpp, except that `public` holds
// Settings::public_url and a SecretSource `x` is written as `x_file` or `x_env`. Checks that
// span two settings (retry_max after retry_initial, DKIM domain against from_address) live
// here too, next to the values they compare.
#pragma once

#include "config/config_settings.hpp"
#include "config/config_yaml_reader.hpp"

namespace brevduva::config::detail {

// Reads the whole document; `out` keeps its defaults wherever the file is silent or wrong.
void read_settings(const YAML::Node& root, ReadContext& context, Settings& out);

void read_sending(MapReader& reader, SendingSettings& out);
void read_purposes(MapReader& top, std::vector<PurposeSettings>& out);
void read_retention(MapReader& reader, RetentionSettings& out);
void read_logging(MapReader& reader, LoggingSettings& out);

}  // namespace brevduva::config::detail
