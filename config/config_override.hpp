// Internal to config/: applies `--set key.path=value` overrides onto the parsed file, before
// validation, so that an override is checked exactly like the file. Records where each one's
// key segments and value sit in its text, so that problems point into the override.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/config_load.hpp"
#include "config/config_yaml_reader.hpp"

namespace brevduva::config::detail {

struct AppliedOverrides {
    std::vector<OverrideOrigin> origins;  // for the overrides that were applied, in order
    std::vector<Problem> problems;        // overrides that are malformed or cannot be applied
};

// `root` must be a map. Segments that are numbers index lists (relays.0.port, or relays[0].port);
// the index one past the end adds an entry. Missing maps and lists on the way are created.
[[nodiscard]] AppliedOverrides apply_overrides(YAML::Node& root,
                                               const std::vector<std::string>& overrides);

}  // namespace brevduva::config::detail
