// Reading the small files a deployment names (the config file, secrets, keys, CA bundles) whole,
// with a reason a person can act on when that fails. A reason names the file, never its content.
// Size is capped because none of these files is large and a mistaken path (a log, a device)
// must not be slurped into memory.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace brevduva::config {

inline constexpr std::size_t largest_small_file = 1024 * 1024;

struct FileRead {
    std::optional<std::string> content;
    std::string error;  // e.g. "/etc/brevduva/dkim.pem does not exist", when content is empty
};

[[nodiscard]] FileRead read_small_file(const std::filesystem::path& file);

}  // namespace brevduva::config
