// MapReader's accessors for values that name things outside the file: paths, the files they
// point at, and secrets. These are checked now, so that a missing key file fails
// `config check` and the start-up rather than the first message hours later.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "config/config_files.hpp"
#include "config/config_secret.hpp"
#include "config/config_yaml_reader.hpp"

namespace brevduva::config::detail {

namespace {

bool is_env_name(const std::string& name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())) != 0) return false;
    return std::all_of(name.begin(), name.end(),
                       [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; });
}

std::optional<std::string> content_problem(const std::string& content, FileContent expected) {
    if (content.find_first_not_of(" \t\r\n") == std::string::npos) return "is empty";
    const bool pem = content.find("-----BEGIN ") != std::string::npos;
    switch (expected) {
        case FileContent::pem_private_key:
            if (!pem || content.find("PRIVATE KEY-----") == std::string::npos) {
                return "does not hold a PEM private key (-----BEGIN PRIVATE KEY-----)";
            }
            break;
        case FileContent::pem_certificates:
            if (!pem || content.find("CERTIFICATE-----") == std::string::npos) {
                return "does not hold PEM certificates (-----BEGIN CERTIFICATE-----)";
            }
            break;
        case FileContent::any:
            break;
    }
    return std::nullopt;
}

}  // namespace

std::filesystem::path MapReader::resolve(const std::string& text) const {
    const std::filesystem::path path(text);
    return (path.is_absolute() ? path : context_.base_dir / path).lexically_normal();
}

void MapReader::path(std::string_view key, std::filesystem::path& out) {
    const Entry* entry = find(key);
    if (entry == nullptr) return;
    auto text = scalar(*entry, "a file name");
    if (text && text->empty()) {
        report(entry, key, "is empty; leave the key out to use the default", false);
    } else if (text) {
        out = resolve(*text);
    }
}

void MapReader::readable_file(std::string_view key, std::filesystem::path& out,
                              FileContent content) {
    std::filesystem::path resolved;
    path(key, resolved);
    if (resolved.empty()) return;
    const FileRead read = read_small_file(resolved);
    if (!read.content) {
        report(find(key), key, read.error, false);
        return;
    }
    if (auto why = content_problem(*read.content, content)) {
        report(find(key), key, fmt::format("{} {}", resolved.string(), *why), false);
        return;
    }
    out = resolved;
}

void MapReader::check_secret(const Entry& entry, const SecretSource& source,
                             std::size_t min_bytes) {
    const SecretRead read = try_read_secret(source);
    if (!read.value) {
        report(&entry, entry.key, read.error, false);
    } else if (read.value->size() < min_bytes) {
        report(&entry, entry.key,
               fmt::format("the secret is too short: it needs at least {} bytes, such as the "
                           "output of `openssl rand -base64 48`",
                           min_bytes),
               false);
    }
}

void MapReader::secret(std::string_view stem, SecretSource& out, std::size_t min_bytes) {
    const std::string file_key = fmt::format("{}_file", stem);
    const std::string env_key = fmt::format("{}_env", stem);
    const Entry* file = find(file_key);
    const Entry* env = find(env_key);
    if (file != nullptr && env != nullptr) {
        report(env, env_key, fmt::format("give either {} or {}, not both", file_key, env_key),
               false);
        return;
    }
    if (file != nullptr) {
        std::filesystem::path resolved;
        path(file_key, resolved);
        if (resolved.empty()) return;
        out = {resolved, {}};
        check_secret(*file, out, min_bytes);
    } else if (env != nullptr) {
        auto name = scalar(*env, "the name of an environment variable");
        if (!name) return;
        if (!is_env_name(*name)) {
            report(env, env_key,
                   "is not an environment variable name (letters, digits and _, not starting "
                   "with a digit)",
                   false);
            return;
        }
        out = {{}, *name};
        check_secret(*env, out, min_bytes);
    }
}

}  // namespace brevduva::config::detail
