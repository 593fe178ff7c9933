// Loading and validating the config file, with --set overrides on top, into Settings. Every
// problem is reported at once, each with its place and dotted key, so an operator fixes the file
// in one pass; Settings are returned only when there is none. Relative paths in the file and in
// overrides resolve against the config file's folder. Secrets are checked to be readable (and
// the token secret long enough), but are never kept. This is the only code that reads YAML.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/config_settings.hpp"

namespace brevduva::config {

struct Problem {
    std::string file;  // the config file as given, or "--set" for an override
    int line = 0;      // 1-based; 0 when the problem is with the file as a whole
    int column = 0;    // 1-based; for "--set", the column within that override's text
    std::string key;   // dotted path such as relays[0].port; empty for the file as a whole
    std::string message;
};

// "FILE:LINE:COLUMN: KEY: MESSAGE" (without "KEY: " when there is no key).
[[nodiscard]] std::string to_string(const Problem& problem);

struct LoadResult {
    std::optional<Settings> settings;  // set exactly when problems is empty
    std::vector<Problem> problems;
    std::vector<Problem> warnings;  // legal but probably unintended, e.g. DKIM off
};

// overrides: "key.path=value" (relays.0.port=2525 or relays[0].port=2525); the value is read as
// YAML, so "[a, b]" is a list and an empty value restores the default.
[[nodiscard]] LoadResult load_settings(const std::filesystem::path& file,
                                       const std::vector<std::string>& overrides = {});

}  // namespace brevduva::config
