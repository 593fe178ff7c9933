// --set overrides: applied on top of the file and checked like it; their problems point into
// the override's own text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config_test_support.hpp"

namespace brevduva::config::testing {
namespace {

using ::testing::HasSubstr;

TEST_F(ConfigTest, OverridesAreApplied) {
    const auto result = load_example({"sending.global_rate=10", "logging.format=json",
                                      "relays.0.port=2525", "relays[1].host=backup.example.se",
                                      "sender.reply_to=", "sending.retry_max=2h",
                                      "sending.destinations.0.domains=[gmail.com]"});
    ASSERT_TRUE(result.settings) << listing(result.problems);
    const Settings& s = *result.settings;
    EXPECT_EQ(s.sending.global_rate, 10);
    EXPECT_EQ(s.logging.format, LogFormat::json);
    ASSERT_EQ(s.relays.size(), 2U);
    EXPECT_EQ(s.relays[0].port, 2525);
    EXPECT_EQ(s.relays[0].host, "smtp.example.se");  // the rest of the entry stays
    EXPECT_EQ(s.relays[1].host, "backup.example.se");
    EXPECT_EQ(s.relays[1].port, RelaySettings{}.port);
    EXPECT_EQ(s.sender.reply_to, "");  // an empty value restores the default
    EXPECT_EQ(s.sending.retry_max, std::chrono::hours(2));
    EXPECT_EQ(s.sending.destinations[0].domains, std::vector<std::string>{"gmail.com"});
}

TEST_F(ConfigTest, OverridesCreateMissingSections) {
    write("elsewhere/token", std::string(token_secret_content));
    const auto result = load_yaml(minimal_yaml, {"public.token_secret_file=elsewhere/token",
                                                 "sending.destinations.0={name: google, "
                                                 "domains: [gmail.com]}"});
    ASSERT_TRUE(result.settings) << listing(result.problems);
    EXPECT_EQ(result.settings->public_url.token_secret.file, dir_ / "elsewhere/token");
    ASSERT_EQ(result.settings->sending.destinations.size(), 1U);
    EXPECT_EQ(result.settings->sending.destinations[0].name, "google");
}

TEST_F(ConfigTest, BadOverrideValueIsReportedAgainstSet) {
    const auto result = load_example({"relays.0.port=hello", "sending.global_rate=-1"});
    ASSERT_EQ(result.problems.size(), 2U) << listing(result.problems);
    const Problem& port = result.problems[0];
    EXPECT_EQ(port.file, "--set");
    EXPECT_EQ(port.line, 1);
    EXPECT_EQ(port.column, 15);  // the 'h' of hello
    EXPECT_EQ(port.key, "relays[0].port");
    EXPECT_THAT(port.message, HasSubstr("expected a whole number"));
    const Problem& rate = result.problems[1];
    EXPECT_EQ(rate.file, "--set");
    EXPECT_EQ(rate.column, 21);
    EXPECT_EQ(rate.key, "sending.global_rate");
    EXPECT_EQ(to_string(rate), "--set:1:21: sending.global_rate: " + rate.message);
}

TEST_F(ConfigTest, UnknownOverrideKeyPointsAtItsSegment) {
    const auto result = load_example({"sending.global_rat=10", "sending={global_rat: 1}"});
    ASSERT_EQ(result.problems.size(), 1U) << listing(result.problems);
    // The second override replaced the whole section, so only its own typo remains.
    EXPECT_EQ(result.problems[0].file, "--set");
    EXPECT_EQ(result.problems[0].column, 10);
    EXPECT_THAT(result.problems[0].message, HasSubstr("did you mean 'global_rate'?"));
    const auto first = load_example({"sending.global_rat=10"});
    ASSERT_EQ(first.problems.size(), 1U) << listing(first.problems);
    EXPECT_EQ(first.problems[0].column, 9);
    EXPECT_EQ(first.problems[0].key, "sending.global_rat");
}

TEST_F(ConfigTest, MalformedOverridesAreProblems) {
    const auto result =
        load_example({"sending.global_rate", "relays.5.port=1", "sending.destinations=[a",
                      "sending..x=1", "relays.host=x", "logging.level.x=1"});
    ASSERT_EQ(result.problems.size(), 6U) << listing(result.problems);
    for (const auto& p : result.problems) EXPECT_EQ(p.file, "--set") << to_string(p);
    EXPECT_EQ(result.problems[0].column, 1);
    EXPECT_THAT(result.problems[0].message, HasSubstr("key.path=value"));
    EXPECT_EQ(result.problems[1].column, 8);
    EXPECT_THAT(result.problems[1].message, HasSubstr("has 1 entries"));
    EXPECT_GT(result.problems[2].column, 21);
    EXPECT_EQ(result.problems[2].key, "sending.destinations");
    EXPECT_EQ(result.problems[3].column, 9);
    EXPECT_THAT(result.problems[4].message, HasSubstr("is a list"));
    EXPECT_THAT(result.problems[5].message, HasSubstr("single value"));
}

}  // namespace
}  // namespace brevduva::config::testing
