// Loading the config file: the example passes, and each kind of problem is reported with its
// place and key, all of them in one run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "config/config_test_support.hpp"

namespace brevduva::config::testing {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

std::string with_minimal(std::string_view extra) {
    return std::string(minimal_yaml) + std::string(extra);
}

// Lines of minimal_yaml, so that tests adding to it can name their lines.
constexpr int minimal_lines = 8;

TEST_F(ConfigTest, ExamplePassesWithoutWarnings) {
    const auto result = load_example();
    ASSERT_TRUE(result.settings) << listing(result.problems);
    EXPECT_TRUE(result.warnings.empty()) << listing(result.warnings);
    const Settings& s = *result.settings;
    EXPECT_EQ(s.source, example_);
    EXPECT_EQ(s.database.sqlite_path, dir_ / "brevduva.db");
    ASSERT_EQ(s.relays.size(), 1U);
    EXPECT_EQ(s.relays[0].port, 587);
    EXPECT_EQ(s.relays[0].tls, TlsMode::starttls);
    EXPECT_EQ(s.relays[0].password.file, dir_ / "secrets/relay-password");
    EXPECT_EQ(s.public_url.token_secret.file, dir_ / "secrets/token-secret");
    EXPECT_EQ(s.consent.suppression_secret.file, dir_ / "secrets/suppression-secret");
    EXPECT_EQ(s.http.admin_listener.address, "127.0.0.1");
    EXPECT_EQ(s.http.admin_listener.port, 8081);
    EXPECT_EQ(s.sending.maximum_age, 72h);
    EXPECT_EQ(s.sending.retry_max, 3600s);
    ASSERT_EQ(s.sending.destinations.size(), 2U);
    EXPECT_EQ(s.sending.destinations[1].domains.back(), "live.se");
    EXPECT_EQ(s.purposes.size(), Settings::default_purposes().size());
    EXPECT_EQ(s.logging.format, LogFormat::text);
    EXPECT_EQ(s.sending.transport, TransportKind::smtp);
    EXPECT_EQ(s.relays[0].timeouts.data_end, 10min);
    EXPECT_EQ(s.relays[0].timeouts.data_init, 2min);
}

TEST_F(ConfigTest, MinimalConfigKeepsDefaults) {
    const auto result = load_yaml(minimal_yaml);
    ASSERT_TRUE(result.settings) << listing(result.problems);
    EXPECT_EQ(result.settings->sending.global_rate, SendingSettings{}.global_rate);
    EXPECT_EQ(result.settings->purposes.size(), 4U);
    EXPECT_NE(problem_for(result.warnings, "dkim.domain"), nullptr) << listing(result.warnings);
    EXPECT_NE(problem_for(result.warnings, "relays"), nullptr) << listing(result.warnings);
}

TEST_F(ConfigTest, MissingOrEmptyFileIsOneProblemAtLineZero) {
    for (const auto& path : {dir_ / "absent.yaml", write("empty.yaml", ""),
                             write("comments.yaml", "# nothing yet\n"), dir_ / "secrets"}) {
        const auto result = load_settings(path);
        ASSERT_EQ(result.problems.size(), 1U) << listing(result.problems);
        const Problem& p = result.problems[0];
        EXPECT_EQ(p.file, path.string());
        EXPECT_EQ(p.line, 0);
        EXPECT_EQ(p.column, 0);
        EXPECT_FALSE(result.settings);
    }
}

TEST_F(ConfigTest, SyntaxErrorHasItsPlace) {
    const auto result = load_yaml("sender:\n  from_address: news@example.se: x\npublic: {}\n");
    ASSERT_EQ(result.problems.size(), 1U) << listing(result.problems);
    EXPECT_EQ(result.problems[0].line, 2);
    EXPECT_EQ(result.problems[0].column, 32);  // the second ':'
    EXPECT_EQ(result.problems[0].key, "");
    EXPECT_THAT(result.problems[0].message, HasSubstr("YAML syntax error"));
}

TEST_F(ConfigTest, UnknownKeySuggestsTheNearest) {
    const auto result = load_yaml(with_minimal("sending:\n  global_rat: 10\n"));
    ASSERT_EQ(result.problems.size(), 1U) << listing(result.problems);
    const Problem& p = result.problems[0];
    EXPECT_EQ(p.key, "sending.global_rat");
    EXPECT_EQ(p.line, minimal_lines + 2);
    EXPECT_EQ(p.column, 3);
    EXPECT_THAT(p.message, HasSubstr("did you mean 'global_rate'?"));
    EXPECT_EQ(to_string(p), p.file + ":10:3: sending.global_rat: " + p.message);
}

TEST_F(ConfigTest, WrongTypesAreNamed) {
    const auto result = load_yaml(with_minimal(
        "relays: {host: smtp.example.se}\nsending:\n  global_rate: fast\n  batch_size: \"100\"\n"));
    const Problem* relays = problem_for(result.problems, "relays");
    ASSERT_NE(relays, nullptr) << listing(result.problems);
    EXPECT_THAT(relays->message, HasSubstr("expected a list"));
    const Problem* rate = problem_for(result.problems, "sending.global_rate");
    ASSERT_NE(rate, nullptr) << listing(result.problems);
    EXPECT_THAT(rate->message, HasSubstr("expected a number, got 'fast'"));
    EXPECT_EQ(rate->line, minimal_lines + 3);
    EXPECT_EQ(rate->column, 16);
    const Problem* batch = problem_for(result.problems, "sending.batch_size");
    ASSERT_NE(batch, nullptr) << listing(result.problems);
    EXPECT_THAT(batch->message, HasSubstr("remove the quotes"));
}

TEST_F(ConfigTest, NegativeRateIsRefused) {
    const auto result = load_yaml(with_minimal("sending:\n  global_rate: -5\n"));
    const Problem* p = problem_for(result.problems, "sending.global_rate");
    ASSERT_NE(p, nullptr) << listing(result.problems);
    EXPECT_THAT(p->message, HasSubstr("cannot be negative"));
}

TEST_F(ConfigTest, PortsOutOfRangeAreRefused) {
    const auto result = load_yaml(
        with_minimal("relays:\n  - host: a.example.se\n    port: 0\n  - host: b.example.se\n"
                     "    port: 70000\n"));
    ASSERT_EQ(result.problems.size(), 2U) << listing(result.problems);
    EXPECT_EQ(result.problems[0].key, "relays[0].port");
    EXPECT_EQ(result.problems[0].line, minimal_lines + 3);
    EXPECT_EQ(result.problems[0].column, 11);
    EXPECT_THAT(result.problems[0].message, HasSubstr("between 1 and 65535"));
    EXPECT_EQ(result.problems[1].key, "relays[1].port");
}

TEST_F(ConfigTest, UnknownEnumListsTheAllowedValues) {
    const auto result =
        load_yaml(with_minimal("relays:\n  - host: a.example.se\n    tls: foo\n"
                               "logging:\n  format: jsno\n"));
    const Problem* tls = problem_for(result.problems, "relays[0].tls");
    ASSERT_NE(tls, nullptr) << listing(result.problems);
    EXPECT_THAT(tls->message, HasSubstr("none, starttls, implicit"));
    const Problem* format = problem_for(result.problems, "logging.format");
    ASSERT_NE(format, nullptr) << listing(result.problems);
    EXPECT_THAT(format->message, HasSubstr("did you mean 'json'?"));
}

TEST_F(ConfigTest, MissingRequiredKeysAreReportedAtTheirParent) {
    const auto result = load_yaml("database:\n  busy_timeout: 1s\nsender:\n  from_name: X\n");
    const Problem* from = problem_for(result.problems, "sender.from_address");
    ASSERT_NE(from, nullptr) << listing(result.problems);
    EXPECT_EQ(from->line, 4);  // the sender map starts at its first key
    EXPECT_EQ(from->column, 3);
    ASSERT_NE(problem_for(result.problems, "sender.bounce_domain"), nullptr);
    const Problem* base = problem_for(result.problems, "public.base_url");
    ASSERT_NE(base, nullptr) << listing(result.problems);
    EXPECT_EQ(base->line, 1);  // no public section: the top of the file
    EXPECT_NE(problem_for(result.problems, "public.token_secret_file"), nullptr);
}

TEST_F(ConfigTest, MissingKeyFileIsNamed) {
    const auto result = load_yaml(with_minimal(
        "dkim:\n  domain: example.se\n  selector: s1\n  rsa_key_file: secrets/nope.pem\n"));
    const Problem* p = problem_for(result.problems, "dkim.rsa_key_file");
    ASSERT_NE(p, nullptr) << listing(result.problems);
    EXPECT_EQ(p->line, minimal_lines + 4);
    EXPECT_EQ(p->column, 17);
    EXPECT_THAT(p->message, HasSubstr((dir_ / "secrets/nope.pem").string() + " does not exist"));
}

TEST_F(ConfigTest, UnreadableOrEmptySecretFilesAreProblems) {
    write("secrets/empty", "\n");
    auto result = load_yaml(with_minimal("http:\n  admin_token_file: secrets/empty\n"));
    const Problem* empty = problem_for(result.problems, "http.admin_token_file");
    ASSERT_NE(empty, nullptr) << listing(result.problems);
    EXPECT_THAT(empty->message, HasSubstr("is empty"));
    result = load_yaml(with_minimal("http:\n  admin_token_file: secrets\n"));
    const Problem* folder = problem_for(result.problems, "http.admin_token_file");
    ASSERT_NE(folder, nullptr) << listing(result.problems);
    EXPECT_THAT(folder->message, HasSubstr("is a directory"));
}

TEST_F(ConfigTest, ShortTokenSecretIsRefused) {
    write("secrets/token-secret", "short\n");
    const auto result = load_yaml(minimal_yaml);
    const Problem* p = problem_for(result.problems, "public.token_secret_file");
    ASSERT_NE(p, nullptr) << listing(result.problems);
    EXPECT_THAT(p->message, HasSubstr("too short"));
    EXPECT_THAT(p->message, ::testing::Not(HasSubstr("short\n")));
}

TEST_F(ConfigTest, SuppressionSecretIsRequiredAndLongEnough) {
    auto result = load_yaml(
        "sender:\n  from_address: news@example.se\n  bounce_domain: bounces.example.se\n"
        "public:\n  base_url: https://mail.example.se\n"
        "  token_secret_file: secrets/token-secret\n");
    const Problem* missing = problem_for(result.problems, "consent.suppression_secret_file");
    ASSERT_NE(missing, nullptr) << listing(result.problems);
    EXPECT_THAT(missing->message, HasSubstr("never change"));
    write("secrets/suppression-secret", "sixteen-bytes-ab\n");
    result = load_yaml(minimal_yaml);
    const Problem* shorter = problem_for(result.problems, "consent.suppression_secret_file");
    ASSERT_NE(shorter, nullptr) << listing(result.problems);
    EXPECT_THAT(shorter->message, HasSubstr("too short"));
    EXPECT_THAT(shorter->message, ::testing::Not(HasSubstr("sixteen-bytes-ab")));
}

TEST_F(ConfigTest, SecretFromUnsetEnvironmentVariableIsAProblem) {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): set before any thread reads it
    ::unsetenv("BREVDUVA_CONFIG_TEST_UNSET");
    const std::string yaml = with_minimal("http:\n  admin_token_env: BREVDUVA_CONFIG_TEST_UNSET\n");
    auto result = load_yaml(yaml);
    const Problem* p = problem_for(result.problems, "http.admin_token_env");
    ASSERT_NE(p, nullptr) << listing(result.problems);
    EXPECT_THAT(p->message, HasSubstr("BREVDUVA_CONFIG_TEST_UNSET is not set"));
    // NOLINTNEXTLINE(concurrency-mt-unsafe): set before any thread reads it
    ::setenv("BREVDUVA_CONFIG_TEST_UNSET", "an-admin-token-long-enough", 1);
    result = load_yaml(yaml);
    // NOLINTNEXTLINE(concurrency-mt-unsafe): set before any thread reads it
    ::unsetenv("BREVDUVA_CONFIG_TEST_UNSET");
    ASSERT_TRUE(result.settings) << listing(result.problems);
    EXPECT_EQ(result.settings->http.admin_token.env, "BREVDUVA_CONFIG_TEST_UNSET");
}

TEST_F(ConfigTest, SecretFromBothFileAndEnvironmentIsAProblem) {
    const auto result = load_yaml(
        with_minimal("http:\n  admin_token_file: secrets/admin-token\n  admin_token_env: HOME\n"));
    const Problem* p = problem_for(result.problems, "http.admin_token_env");
    ASSERT_NE(p, nullptr) << listing(result.problems);
    EXPECT_THAT(p->message, HasSubstr("not both"));
}

TEST_F(ConfigTest, DurationsNeedAUnitAndTheirTypesStep) {
    const auto result = load_yaml(
        with_minimal("sending:\n  retry_initial: 60\n  maximum_age: 90m\n  retry_max: 5x\n"));
    ASSERT_EQ(result.problems.size(), 3U) << listing(result.problems);
    EXPECT_THAT(problem_for(result.problems, "sending.retry_initial")->message,
                HasSubstr("no unit"));
    EXPECT_THAT(problem_for(result.problems, "sending.maximum_age")->message,
                HasSubstr("whole number of 1h"));
    EXPECT_THAT(problem_for(result.problems, "sending.retry_max")->message,
                HasSubstr("unknown unit"));
}

TEST_F(ConfigTest, EveryProblemInAFileIsReportedWithItsPlace) {
    const std::string yaml =
        "sender:\n"                                    // 1
        "  from_address: news.example.se\n"            // 2
        "  bounce_domain: bounces.example.se\n"        // 3
        "public:\n"                                    // 4
        "  base_url: ftp://mail.example.se\n"          // 5
        "  token_secret_file: secrets/token-secret\n"  // 6
        "relays:\n"                                    // 7
        "  - host: smtp.example.se\n"                  // 8
        "    conections: 4\n"                          // 9
        "    connect_timeout: soon\n"                  // 10
        "purposes:\n"                                  // 11
        "  - name: open_tracking\n"                    // 12
        "    allowed_bases: [legitimate_interest]\n"   // 13
        "logging:\n"                                   // 14
        "  level: loud\n"                              // 15
        "consent:\n"                                   // 16
        "  suppression_secret_file: "                  // 17
        "secrets/suppression-secret\n";
    const auto result = load_yaml(yaml);
    struct Expected {
        std::string key;
        int line;
        int column;
    };
    const std::vector<Expected> expected = {
        {"sender.from_address", 2, 17},        {"public.base_url", 5, 13},
        {"relays[0].conections", 9, 5},        {"relays[0].connect_timeout", 10, 22},
        {"purposes[0].allowed_bases", 13, 20}, {"logging.level", 15, 10},
    };
    ASSERT_EQ(result.problems.size(), expected.size()) << listing(result.problems);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(result.problems[i].key, expected[i].key) << listing(result.problems);
        EXPECT_EQ(result.problems[i].line, expected[i].line) << to_string(result.problems[i]);
        EXPECT_EQ(result.problems[i].column, expected[i].column) << to_string(result.problems[i]);
    }
    EXPECT_FALSE(result.settings);
}

TEST_F(ConfigTest, PurposesReplaceTheDefaultsAndMustBeUnique) {
    auto result =
        load_yaml(with_minimal("purposes:\n  - name: newsletter\n    allowed_bases: [consent]\n    "
                               "double_opt_in: true\n"));
    ASSERT_TRUE(result.settings) << listing(result.problems);
    ASSERT_EQ(result.settings->purposes.size(), 1U);
    EXPECT_TRUE(result.settings->purposes[0].double_opt_in);
    result =
        load_yaml(with_minimal("purposes:\n  - name: a\n    allowed_bases: [consent]\n"
                               "  - name: a\n    allowed_bases: [consent, consent]\n"));
    EXPECT_NE(problem_for(result.problems, "purposes[1].name"), nullptr)
        << listing(result.problems);
    EXPECT_NE(problem_for(result.problems, "purposes[1].allowed_bases[1]"), nullptr)
        << listing(result.problems);
}

TEST_F(ConfigTest, RepeatedKeysAndDomainsPointAtTheRepeat) {
    const auto result =
        load_yaml(with_minimal("sending:\n"
                               "  batch_size: 10\n"
                               "  batch_size: 20\n"
                               "  destinations:\n"
                               "    - name: google\n"
                               "      domains: [gmail.com]\n"
                               "    - name: other\n"
                               "      domains: [example.com, GMail.com]\n"));
    ASSERT_EQ(result.problems.size(), 2U) << listing(result.problems);
    EXPECT_EQ(result.problems[0].key, "sending.batch_size");
    EXPECT_EQ(result.problems[0].line, minimal_lines + 3);
    EXPECT_EQ(result.problems[1].key, "sending.destinations[1].domains[1]");
    EXPECT_EQ(result.problems[1].line, minimal_lines + 8);
    EXPECT_EQ(result.problems[1].column, 30);
    EXPECT_THAT(result.problems[1].message, HasSubstr("already in destination 'google'"));
}

TEST_F(ConfigTest, SmtpTimeoutsAreReadAndShortOnesAreWarnedAbout) {
    const auto result =
        load_yaml(with_minimal("relays:\n  - host: a.example.se\n    ehlo_name: mail.example.se\n"
                               "    timeouts:\n      data_end: 300ms\n      rcpt: 6m\n"));
    ASSERT_TRUE(result.settings) << listing(result.problems);
    const RelaySettings& relay = result.settings->relays.at(0);
    EXPECT_EQ(relay.ehlo_name, "mail.example.se");
    EXPECT_EQ(relay.timeouts.data_end, 300ms);
    EXPECT_EQ(relay.timeouts.rcpt, 6min);
    EXPECT_EQ(relay.timeouts.greeting, 5min);
    const Problem* p = problem_for(result.warnings, "relays[0].timeouts.data_end");
    ASSERT_NE(p, nullptr) << listing(result.warnings);
    EXPECT_THAT(p->message, HasSubstr("below RFC 5321's minimum of 10m"));
    EXPECT_EQ(problem_for(result.warnings, "relays[0].timeouts.rcpt"), nullptr);
}

TEST_F(ConfigTest, TheFileTransportNeedsAFolderAndNoRelay) {
    const auto missing = load_yaml(with_minimal("sending:\n  transport: file\n"));
    const Problem* p = problem_for(missing.problems, "sending.file_folder");
    ASSERT_NE(p, nullptr) << listing(missing.problems);
    EXPECT_THAT(p->message, HasSubstr("required with transport: file"));
    const auto result =
        load_yaml(with_minimal("sending:\n  transport: file\n  file_folder: previews\n"));
    ASSERT_TRUE(result.settings) << listing(result.problems);
    EXPECT_EQ(result.settings->sending.transport, TransportKind::file);
    EXPECT_EQ(result.settings->sending.file_folder, dir_ / "previews");
    EXPECT_EQ(problem_for(result.warnings, "relays"), nullptr) << listing(result.warnings);
    const auto wrong = load_yaml(with_minimal("sending:\n  transport: mail\n"));
    const Problem* choice = problem_for(wrong.problems, "sending.transport");
    ASSERT_NE(choice, nullptr) << listing(wrong.problems);
    EXPECT_THAT(choice->message, HasSubstr("smtp, file"));
}

}  // namespace
}  // namespace brevduva::config::testing
