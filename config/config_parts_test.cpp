// The pure pieces behind loading: durations, suggestions, address shapes and secrets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "config/config_address.hpp"
#include "config/config_duration.hpp"
#include "config/config_secret.hpp"
#include "config/config_suggest.hpp"
#include "config/config_test_support.hpp"

namespace brevduva::config::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

TEST(ConfigDuration, ParsesUnitsAndCombinations) {
    EXPECT_EQ(parse_duration("250ms").value, 250ms);
    EXPECT_EQ(parse_duration("60s").value, 60s);
    EXPECT_EQ(parse_duration("5m").value, 5min);
    EXPECT_EQ(parse_duration("1h30m").value, 90min);
    EXPECT_EQ(parse_duration("3d").value, 72h);
    for (const auto* bad : {"", "60", "-5s", "1.5h", "5x", "s", "99999999999999999d"}) {
        const auto parsed = parse_duration(bad);
        EXPECT_FALSE(parsed.value) << bad;
        EXPECT_FALSE(parsed.error.empty()) << bad;
    }
}

TEST(ConfigDuration, FormatsTheShortestExactSpelling) {
    EXPECT_EQ(format_duration(0ms), "0s");
    EXPECT_EQ(format_duration(90min), "1h30m");
    EXPECT_EQ(format_duration(72h), "3d");
    EXPECT_EQ(format_duration(1500ms), "1s500ms");
    EXPECT_EQ(parse_duration(format_duration(93784005ms)).value, 93784005ms);
}

TEST(ConfigSuggest, FindsOnlyNearWords) {
    EXPECT_EQ(edit_distance("global_rat", "global_rate"), 1U);
    EXPECT_EQ(edit_distance("", "abc"), 3U);
    constexpr std::string_view keys[] = {"global_rate", "batch_size", "retry_initial"};
    EXPECT_EQ(nearest_word("retry_intial", keys), "retry_initial");
    EXPECT_EQ(nearest_word("colour", keys), std::nullopt);
    constexpr std::string_view modes[] = {"none", "starttls", "implicit"};
    EXPECT_EQ(nearest_word("starttsl", modes), "starttls");
}

TEST(ConfigAddress, ChecksShapesCheaply) {
    EXPECT_TRUE(is_mail_address("news@example.se"));
    EXPECT_FALSE(is_mail_address("news.example.se"));
    EXPECT_FALSE(is_mail_address("a@b@example.se"));
    EXPECT_FALSE(is_mail_address("news@localhost"));
    EXPECT_FALSE(is_mail_address("mailto:news@example.se"));
    EXPECT_TRUE(is_domain_name("xn--rksmrgs-5wao1o.se"));
    EXPECT_FALSE(is_domain_name("-bad.se"));
    EXPECT_TRUE(same_organisation("bounces.example.se", "example.se"));
    EXPECT_FALSE(same_organisation("example.com", "example.se"));
    EXPECT_FALSE(base_url_problem("https://mail.example.se/x"));
    EXPECT_TRUE(base_url_problem("http://localhost:8080"));
    EXPECT_TRUE(base_url_problem("mail.example.se"));
    EXPECT_TRUE(base_url_problem("https://mail.example.se/?a=b"));
}

TEST_F(ConfigTest, ReadSecretStripsTheNewlineAndNamesOnlyTheSource) {
    EXPECT_EQ(read_secret({dir_ / "secrets/token-secret", {}}), token_secret_content);
    // NOLINTNEXTLINE(concurrency-mt-unsafe): set before any thread reads it
    ::setenv("BREVDUVA_CONFIG_TEST_SECRET", "from-the-environment", 1);
    EXPECT_EQ(read_secret({{}, "BREVDUVA_CONFIG_TEST_SECRET"}), "from-the-environment");
    // NOLINTNEXTLINE(concurrency-mt-unsafe): set before any thread reads it
    ::unsetenv("BREVDUVA_CONFIG_TEST_SECRET");
    try {
        (void)read_secret({{}, "BREVDUVA_CONFIG_TEST_SECRET"});
        ADD_FAILURE() << "an unset variable must throw";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("BREVDUVA_CONFIG_TEST_SECRET is not set"));
    }
    const auto missing = dir_ / "secrets/absent";
    try {
        (void)read_secret({missing, {}});
        ADD_FAILURE() << "a missing file must throw";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), HasSubstr(missing.string()));
    }
    write("secrets/blank", "\n\n");
    EXPECT_THROW((void)read_secret({dir_ / "secrets/blank", {}}), std::runtime_error);
    EXPECT_THROW((void)read_secret({}), std::runtime_error);
    EXPECT_EQ(describe_source({dir_ / "x", {}}), "<from file " + (dir_ / "x").string() + ">");
}

}  // namespace
}  // namespace brevduva::config::testing
