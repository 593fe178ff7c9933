// Durations as the config file writes them: a whole number and a unit, possibly several in a
// row ("250ms", "60s", "5m", "1h30m", "3d"). A bare number is refused, because "60" could be
// seconds or minutes and a wrong guess here delays or floods real mail. Pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace brevduva::config {

struct DurationParse {
    std::optional<std::chrono::milliseconds> value;
    std::string error;  // why the text is not a duration, when value is empty
};

[[nodiscard]] DurationParse parse_duration(std::string_view text);

// The shortest exact spelling that parse_duration reads back to the same value ("1h30m").
[[nodiscard]] std::string format_duration(std::chrono::milliseconds duration);

}  // namespace brevduva::config
