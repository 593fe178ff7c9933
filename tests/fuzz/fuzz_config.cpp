// The config file as `brevduva --config FILE` loads it. The input is the YAML file, optionally
// followed by a line "# --set" and then one `--set` override per line. The file is written into
// a private temporary folder, created once per process and removed at exit, that also holds the
// secret and key files a config names (token-secret, admin-token, relay-password,
// suppression-secret, dkim-rsa.pem, dkim-ed25519.pem, ca.pem) and two folders (data, previews).
// Relative paths resolve against that folder. So that no path an input names can reach a file
// outside it, an input is skipped when it holds a '\' (YAML escapes could spell '/') or a '/'
// that is not part of a URL's "scheme://": then no path can start with '/' or go up with "../".
// Loading only reads files, never writes them.
//
// Properties: settings come exactly when there is no problem; loading twice gives the same
// problems and warnings; every problem has a message and a file that is the config file or
// "--set"; and no problem, warning or `config check` description (describe) ever contains the
// content of a secret, whether from a file or from an environment variable.
#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_describe.hpp"
#include "config/config_load.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace brevduva::config {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 6> kSecrets = {
    "fuzz-token-secret-7c1f0e9a2b5d48e3a6c0f1d2e3b4a5c6d7e8f901",
    "fuzz-admin-token-4b8e2a61d09c",
    "fuzz-relay-password-93d1c7",
    "fuzz-suppression-secret-2f6a9d0c8b7e41f5a3c2d1e0f9a8b7c6d5e4",
    "fuzz-env-token-secret-5a4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e",
    "fuzz-env-admin-token-8d7c6b5a4f3e",
};

void write_file(const fs::path& file, std::string_view content) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

// The private folder with the files a config may name; removed when the process exits.
class Sandbox {
  public:
    Sandbox() {
        std::string pattern = (fs::temp_directory_path() / "brevduva-fuzz-config-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
        const std::string key =
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIFuzzKeyForConfigOnly000000000000\n"
            "-----END PRIVATE KEY-----\n";
        write_file(dir_ / "token-secret", std::string(kSecrets[0]) + "\n");
        write_file(dir_ / "admin-token", std::string(kSecrets[1]) + "\n");
        write_file(dir_ / "relay-password", std::string(kSecrets[2]) + "\n");
        write_file(dir_ / "suppression-secret", std::string(kSecrets[3]) + "\n");
        write_file(dir_ / "dkim-rsa.pem", key);
        write_file(dir_ / "dkim-ed25519.pem", key);
        write_file(dir_ / "ca.pem",
                   "-----BEGIN CERTIFICATE-----\nMIIBfuzz\n-----END CERTIFICATE-----\n");
        fs::create_directory(dir_ / "data");
        fs::create_directory(dir_ / "previews");
        // NOLINTNEXTLINE(concurrency-mt-unsafe): set before any thread reads it
        ::setenv("BREVDUVA_TOKEN_SECRET", kSecrets[4].data(), 1);
        // NOLINTNEXTLINE(concurrency-mt-unsafe): set before any thread reads it
        ::setenv("BREVDUVA_ADMIN_TOKEN", kSecrets[5].data(), 1);
    }
    ~Sandbox() {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    [[nodiscard]] fs::path config_file() const { return dir_ / "brevduva.yaml"; }

  private:
    fs::path dir_;
};

// Every run of '/' must follow "<letter or digit>:", as in https://; no '\' at all.
bool stays_in_sandbox(std::string_view input) {
    if (input.find('\\') != std::string_view::npos) return false;
    for (std::size_t i = 0; i < input.size(); ++i) {
        if (input[i] != '/' || (i > 0 && input[i - 1] == '/')) continue;
        if (i < 2 || input[i - 1] != ':') return false;
        const auto c = static_cast<unsigned char>(input[i - 2]);
        if (std::isalnum(c) == 0) return false;
    }
    return true;
}

std::string listing(const std::vector<Problem>& problems) {
    std::string out;
    for (const Problem& p : problems) out += to_string(p) + "\n";
    return out;
}

bool mentions_a_secret(std::string_view text) {
    for (const std::string_view secret : kSecrets) {
        if (text.find(secret) != std::string_view::npos) return true;
    }
    return false;
}

void check_problems(const std::vector<Problem>& problems, const fs::path& file) {
    for (const Problem& p : problems) {
        FUZZ_REQUIRE(!p.message.empty());
        FUZZ_REQUIRE(p.file == file.string() || p.file == "--set");
        FUZZ_REQUIRE(p.line >= 0 && p.column >= 0);
    }
}

}  // namespace
}  // namespace brevduva::config

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace brevduva::config;
    static const Sandbox sandbox;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    if (!stays_in_sandbox(input)) return 0;

    std::string_view rest = input;
    std::string_view yaml;
    std::vector<std::string> overrides;
    if (brevduva::fuzz::split_off(rest, "\n# --set\n", yaml)) {
        std::string_view line;
        while (!rest.empty()) {
            brevduva::fuzz::split_off(rest, "\n", line);
            overrides.emplace_back(line);
        }
    }
    const auto file = sandbox.config_file();
    write_file(file, yaml);
    const LoadResult first = load_settings(file, overrides);
    const LoadResult second = load_settings(file, overrides);

    FUZZ_REQUIRE(first.settings.has_value() == first.problems.empty());
    FUZZ_REQUIRE(listing(first.problems) == listing(second.problems));
    FUZZ_REQUIRE(listing(first.warnings) == listing(second.warnings));
    check_problems(first.problems, file);
    check_problems(first.warnings, file);
    const bool given = mentions_a_secret(input);
    if (!given) {
        FUZZ_REQUIRE(!mentions_a_secret(listing(first.problems)));
        FUZZ_REQUIRE(!mentions_a_secret(listing(first.warnings)));
    }
    if (first.settings) {
        const std::string description = describe(*first.settings);
        FUZZ_REQUIRE(description == describe(*second.settings));
        if (!given) FUZZ_REQUIRE(!mentions_a_secret(description));
    }
    return 0;
}
