#include "config/config_secret.hpp"

#include <cstdlib>
#include <stdexcept>

#include "config/config_files.hpp"

namespace brevduva::config {

namespace {

SecretRead from_file(const std::filesystem::path& file) {
    FileRead read = read_small_file(file);
    if (!read.content) return {std::nullopt, "secret file " + read.error};
    std::string value = std::move(*read.content);
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (value.empty()) return {std::nullopt, "secret file " + file.string() + " is empty"};
    return {std::move(value), {}};
}

SecretRead from_environment(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return {std::nullopt, "environment variable " + name + " is not set"};
    if (*value == '\0') return {std::nullopt, "environment variable " + name + " is empty"};
    return {std::string(value), {}};
}

}  // namespace

SecretRead try_read_secret(const SecretSource& source) {
    if (!source.file.empty()) return from_file(source.file);
    if (!source.env.empty()) return from_environment(source.env);
    return {std::nullopt, "no secret is configured"};
}

std::string read_secret(const SecretSource& source) {
    SecretRead read = try_read_secret(source);
    if (!read.value) throw std::runtime_error(read.error);
    return std::move(*read.value);
}

std::string describe_source(const SecretSource& source) {
    if (!source.file.empty()) return "<from file " + source.file.string() + ">";
    if (!source.env.empty()) return "<from environment variable " + source.env + ">";
    return "<not set>";
}

}  // namespace brevduva::config
