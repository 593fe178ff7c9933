// The effective settings as YAML-like text, for `brevduva config check`: every value, defaults
// included, under the same keys the config file uses, so it can be compared with the file.
// A secret appears only as where it comes from (`password: <from file /etc/...>`), never as
// its content, so the output can be pasted into a ticket. Pure function.
#pragma once

#include <string>

#include "config/config_settings.hpp"

namespace brevduva::config {

[[nodiscard]] std::string describe(const Settings& settings);

}  // namespace brevduva::config
