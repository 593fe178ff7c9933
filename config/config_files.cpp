#include "config/config_files.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>

namespace brevduva::config {

namespace {

FileRead failure(const std::filesystem::path& file, std::string_view reason) {
    return {std::nullopt, file.string() + " " + std::string(reason)};
}

}  // namespace

FileRead read_small_file(const std::filesystem::path& file) {
    std::error_code ec;
    const auto status = std::filesystem::status(file, ec);
    if (status.type() == std::filesystem::file_type::not_found) {
        return failure(file, "does not exist");
    }
    if (ec) return failure(file, "cannot be examined: " + ec.message());
    if (std::filesystem::is_directory(status)) return failure(file, "is a directory, not a file");
    if (std::filesystem::is_regular_file(status) &&
        std::filesystem::file_size(file, ec) > largest_small_file) {
        return failure(file, "is larger than 1 MiB; is this the right file?");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return failure(file,
                       std::string("cannot be read: ") + std::generic_category().message(errno));
    std::string content;
    content.reserve(4096);
    char buffer[4096];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        content.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (content.size() > largest_small_file) {
            return failure(file, "is larger than 1 MiB; is this the right file?");
        }
    }
    if (in.bad())
        return failure(file,
                       std::string("cannot be read: ") + std::generic_category().message(errno));
    return {std::move(content), {}};
}

}  // namespace brevduva::config
