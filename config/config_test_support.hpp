// What the config tests share: a fresh temporary folder per test holding a copy of
// brevduva.example.yaml and the secret and key files it names, removed afterwards.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_load.hpp"

namespace brevduva::config::testing {

// Distinctive contents, so a test can prove they never appear in output.
inline constexpr std::string_view token_secret_content =
    "token-secret-7c1f0e9a2b4d6c8e0f1a3b5c7d9e1f20";
inline constexpr std::string_view admin_token_content = "admin-token-5e2d8c4b1a97";
inline constexpr std::string_view relay_password_content = "relay-password-0b9e4a";
inline constexpr std::string_view suppression_secret_content =
    "suppression-secret-3a8d1c7e5b9f2046e1d3c5b7a9f0e2d4";

// The least a config needs to load without problems (it does draw warnings).
inline constexpr std::string_view minimal_yaml =
    "sender:\n"
    "  from_address: news@example.se\n"
    "  bounce_domain: bounces.example.se\n"
    "public:\n"
    "  base_url: https://mail.example.se\n"
    "  token_secret_file: secrets/token-secret\n"
    "consent:\n"
    "  suppression_secret_file: secrets/suppression-secret\n";

class ConfigTest : public ::testing::Test {
  protected:
    void SetUp() override;
    void TearDown() override;

    // Writes `content` to a file under the test's folder and returns its path.
    std::filesystem::path write(const std::filesystem::path& relative, std::string_view content);
    // Writes brevduva.yaml in the test's folder and loads it.
    LoadResult load_yaml(std::string_view yaml, const std::vector<std::string>& overrides = {});
    // Loads the copy of the example.
    LoadResult load_example(const std::vector<std::string>& overrides = {});

    std::filesystem::path dir_;
    std::filesystem::path example_;
};

[[nodiscard]] std::string example_text();

// Every problem, one per line, for failure messages.
[[nodiscard]] std::string listing(const std::vector<Problem>& problems);

// The first problem about `key`, or nullptr.
[[nodiscard]] const Problem* problem_for(const std::vector<Problem>& problems,
                                         std::string_view key);

}  // namespace brevduva::config::testing
