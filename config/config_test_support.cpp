#include "config/config_test_support.hpp"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>

namespace brevduva::config::testing {

namespace {

constexpr std::string_view fake_private_key =
    "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIFakeKeyForConfigTestsOnly0000000000\n"
    "-----END PRIVATE KEY-----\n";

std::filesystem::path fresh_folder() {
    static std::atomic<int> counter{0};
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string name = "brevduva-config-" + std::to_string(::getpid()) + "-" +
                             std::to_string(counter++) + "-" + (test ? test->name() : "x");
    auto dir = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace

std::string example_text() {
    std::ifstream in(std::filesystem::path(BREVDUVA_SOURCE_DIR) / "config" /
                     "brevduva.example.yaml");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void ConfigTest::SetUp() {
    dir_ = fresh_folder();
    write("secrets/token-secret", std::string(token_secret_content) + "\n");
    write("secrets/admin-token", std::string(admin_token_content) + "\n");
    write("secrets/relay-password", std::string(relay_password_content) + "\n");
    write("secrets/suppression-secret", std::string(suppression_secret_content) + "\n");
    write("secrets/dkim-rsa.pem", fake_private_key);
    write("secrets/dkim-ed25519.pem", fake_private_key);
    example_ = write("brevduva.example.yaml", example_text());
}

void ConfigTest::TearDown() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::filesystem::path ConfigTest::write(const std::filesystem::path& relative,
                                        std::string_view content) {
    auto path = dir_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    return path;
}

LoadResult ConfigTest::load_yaml(std::string_view yaml, const std::vector<std::string>& overrides) {
    return load_settings(write("brevduva.yaml", yaml), overrides);
}

LoadResult ConfigTest::load_example(const std::vector<std::string>& overrides) {
    return load_settings(example_, overrides);
}

std::string listing(const std::vector<Problem>& problems) {
    std::string out;
    for (const auto& problem : problems) out += to_string(problem) + "\n";
    return out.empty() ? "(none)\n" : out;
}

const Problem* problem_for(const std::vector<Problem>& problems, std::string_view key) {
    for (const auto& problem : problems) {
        if (problem.key == key) return &problem;
    }
    return nullptr;
}

}  // namespace brevduva::config::testing
