// describe(): every effective value, and secrets only as where they come from.
#include "config/config_describe.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "config/config_test_support.hpp"

namespace brevduva::config::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(ConfigTest, DescribeNeverShowsASecret) {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): set before any thread reads it
    ::setenv("BREVDUVA_CONFIG_TEST_RELAY", "env-relay-password-3f9a", 1);
    const auto result =
        load_example({"relays.1={host: b.example.se, auth_user: u, "
                      "password_env: BREVDUVA_CONFIG_TEST_RELAY}"});
    // NOLINTNEXTLINE(concurrency-mt-unsafe): set before any thread reads it
    ::unsetenv("BREVDUVA_CONFIG_TEST_RELAY");
    ASSERT_TRUE(result.settings) << listing(result.problems);
    const std::string text = describe(*result.settings);
    for (const auto secret :
         {token_secret_content, admin_token_content, relay_password_content,
          suppression_secret_content, std::string_view("env-relay-password-3f9a")}) {
        EXPECT_THAT(text, Not(HasSubstr(std::string(secret))));
    }
    EXPECT_THAT(text, HasSubstr("token_secret: <from file " +
                                (dir_ / "secrets/token-secret").string() + ">"));
    EXPECT_THAT(text, HasSubstr("suppression_secret: <from file " +
                                (dir_ / "secrets/suppression-secret").string() + ">"));
    EXPECT_THAT(text, HasSubstr("password: <from environment variable "
                                "BREVDUVA_CONFIG_TEST_RELAY>"));
}

TEST_F(ConfigTest, DescribeShowsEveryEffectiveValue) {
    const auto result = load_example({"sending.maximum_age=36h"});
    ASSERT_TRUE(result.settings) << listing(result.problems);
    const std::string text = describe(*result.settings);
    EXPECT_THAT(text, HasSubstr("\nsending:\n  transport: smtp\n"));
    EXPECT_THAT(text, HasSubstr("  global_rate: 50\n"));
    EXPECT_THAT(text, HasSubstr("    timeouts:\n      greeting: 5m\n      mail: 5m\n"));
    EXPECT_THAT(text, HasSubstr("      data_end: 10m\n"));
    EXPECT_THAT(text, HasSubstr("  maximum_age: 1d12h\n"));
    EXPECT_THAT(text, HasSubstr("  retry_initial: 1m\n"));
    EXPECT_THAT(text, HasSubstr("relays:\n  - host: smtp.example.se\n    port: 587\n"));
    EXPECT_THAT(text,
                HasSubstr("    - name: google\n      domains: [gmail.com, googlemail.com]\n"));
    EXPECT_THAT(text, HasSubstr("  from_name: Exempel AB – Nyheter\n"));
    EXPECT_THAT(text, HasSubstr("  admin_listener: 127.0.0.1:8081\n"));
    EXPECT_THAT(text, HasSubstr("allowed_bases: [contract, legitimate_interest]\n"));
    EXPECT_THAT(text, HasSubstr("  format: text\n"));
}

TEST(ConfigDescribe, DefaultsAreShownToo) {
    const std::string text = describe(Settings{});
    EXPECT_THAT(text, HasSubstr("relays: []\n"));
    EXPECT_THAT(text, HasSubstr("  sqlite_path: /var/lib/brevduva/brevduva.db\n"));
    EXPECT_THAT(text, HasSubstr("  postgres_url: \"\"\n"));
    EXPECT_THAT(text, HasSubstr("  token_secret: <not set>\n"));
    EXPECT_THAT(text, HasSubstr("  - name: click_tracking\n"));
    EXPECT_THAT(text, HasSubstr("  public_listener: 0.0.0.0:8080\n"));
}

}  // namespace
}  // namespace brevduva::config::testing
