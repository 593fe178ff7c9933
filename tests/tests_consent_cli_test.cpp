// The consent commands as an operator meets them, on the real binary with a configuration and
// an SQLite database in a temporary folder: grant, confirm, withdraw and check with their exit
// codes, history, verify, suppressions, export and erasure.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/tests_process.hpp"

namespace brevduva::tests {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ConsentCli : public ::testing::Test {
  protected:
    void SetUp() override {
        std::filesystem::create_directories(dir_ / "secrets");
        write_file(dir_ / "secrets/token-secret", "token-secret-for-the-consent-cli-test-0123\n");
        write_file(dir_ / "secrets/suppression-secret",
                   "suppression-secret-for-the-consent-cli-test-4567\n");
        write_file(dir_ / "config.yaml",
                   "database:\n  sqlite_path: brevduva.db\n"
                   "sender:\n  from_address: news@example.se\n"
                   "  bounce_domain: bounces.example.se\n"
                   "public:\n  base_url: https://mail.example.se\n"
                   "  token_secret_file: secrets/token-secret\n"
                   "consent:\n  suppression_secret_file: secrets/suppression-secret\n"
                   "purposes:\n"
                   "  - name: product_marketing\n    allowed_bases: [consent]\n"
                   "    double_opt_in: false\n    lapse_months: 24\n"
                   "  - name: newsletter\n    allowed_bases: [consent]\n"
                   "    double_opt_in: true\n");
        const auto migrated = brevduva({"db", "migrate"});
        ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
    }

    ProcessResult brevduva(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--config", (dir_ / "config.yaml").string()});
        return run_brevduva(args);
    }

    TempDir dir_;
};

TEST_F(ConsentCli, GrantWithdrawAndCheckExitCodes) {
    auto r = brevduva({"consent", "check", "anna@example.se", "product_marketing"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_THAT(r.out, HasSubstr("skip: no_basis"));
    r = brevduva({"consent", "grant", "anna@example.se", "product_marketing", "--evidence",
                  "signup form", "--at", "2025-03-01T09:30:00+01:00", "--actor", "marketing"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("product_marketing is now granted"));
    EXPECT_THAT(r.err, Not(HasSubstr("anna@example.se")));  // the log never names the person
    r = brevduva({"consent", "check", "anna@example.se", "product_marketing"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("send"));
    r = brevduva({"consent", "withdraw", "anna@example.se", "product_marketing"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = brevduva({"consent", "check", "anna@example.se", "product_marketing"});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_THAT(r.out, HasSubstr("skip: withdrawn"));
}

TEST_F(ConsentCli, BadPurposeBasisAddressOrTimeExitTwoNamingTheValue) {
    auto r = brevduva({"consent", "grant", "anna@example.se", "telepathy"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("unknown purpose 'telepathy'"));
    r = brevduva({"consent", "grant", "anna@example.se", "product_marketing", "--basis", "whim"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("unknown basis 'whim'"));
    r = brevduva(
        {"consent", "grant", "anna@example.se", "product_marketing", "--basis", "contract"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("does not allow the basis contract"));
    r = brevduva({"consent", "grant", "anna.example.se", "product_marketing"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("'anna.example.se' is not a usable address"));
    r = brevduva(
        {"consent", "grant", "anna@example.se", "product_marketing", "--at", "2025-03-01"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("--at '2025-03-01'"));
    // None of the failures left a contact behind.
    r = brevduva({"contacts", "show", "anna@example.se"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("no contact has the address anna@example.se"));
}

TEST_F(ConsentCli, DoubleOptInStaysPendingUntilConfirmed) {
    auto r = brevduva({"consent", "grant", "bo@example.se", "newsletter", "--evidence", "form"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("newsletter is now pending"));
    EXPECT_THAT(r.out, HasSubstr("confirmation token: "));
    const auto at = r.out.find("confirmation token: ");
    const std::string token = r.out.substr(at + 20, r.out.find('\n', at) - at - 20);
    r = brevduva({"consent", "check", "bo@example.se", "newsletter"});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_THAT(r.out, HasSubstr("skip: unconfirmed"));
    r = brevduva({"consent", "confirm", "bo@example.se", "newsletter", "--evidence", "link",
                  "--token", "AAAA" + token});
    EXPECT_EQ(r.exit_code, 2) << r.out;
    r = brevduva({"consent", "confirm", "bo@example.se", "newsletter", "--evidence",
                  "clicked the link", "--token", token});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = brevduva({"consent", "check", "bo@example.se", "newsletter"});
    EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST_F(ConsentCli, HistoryShowsTheEvidenceAndVerifyFindsNoDifference) {
    ASSERT_EQ(brevduva({"consent", "grant", "anna@example.se", "product_marketing", "--evidence",
                        "ticked the box", "--ip", "192.0.2.44", "--wording", "policy v7"})
                  .exit_code,
              0);
    ASSERT_EQ(brevduva({"consent", "object", "anna@example.se", "product_marketing"}).exit_code, 0);
    auto r = brevduva({"consent", "history", "anna@example.se"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("2 consent events"));
    EXPECT_THAT(r.out, HasSubstr("ticked the box"));
    EXPECT_THAT(r.out, HasSubstr("192.0.2.44"));
    EXPECT_THAT(r.out, HasSubstr("policy v7"));
    EXPECT_THAT(r.out, HasSubstr("object"));
    r = brevduva({"consent", "verify"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    r = brevduva({"contacts", "list"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_THAT(r.out, HasSubstr("anna@example.se"));
}

TEST_F(ConsentCli, VerifyExitsOneNamingEachDifference) {
    const std::filesystem::path sqlite3 = "/usr/bin/sqlite3";
    if (!std::filesystem::exists(sqlite3)) GTEST_SKIP() << "needs the sqlite3 shell to tamper";
    ASSERT_EQ(brevduva({"consent", "grant", "anna@example.se", "product_marketing"}).exit_code, 0);
    const auto tamper = run_process(sqlite3, {(dir_ / "brevduva.db").string(),
                                              "UPDATE consent_state SET status = 'withdrawn'"});
    ASSERT_EQ(tamper.exit_code, 0) << tamper.err;
    const auto r = brevduva({"consent", "verify"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.out, HasSubstr("purpose product_marketing: the view has withdrawn"));
    EXPECT_THAT(r.err, HasSubstr("1 difference"));
    EXPECT_EQ(brevduva({"consent", "rebuild"}).exit_code, 0);
    EXPECT_EQ(brevduva({"consent", "verify"}).exit_code, 0);
}

TEST_F(ConsentCli, SuppressionsBeatConsent) {
    ASSERT_EQ(brevduva({"consent", "grant", "anna@example.se", "product_marketing"}).exit_code, 0);
    auto r = brevduva({"suppress", "add", "Anna@EXAMPLE.se", "--reason", "hard_bounce"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = brevduva({"consent", "check", "anna@example.se", "product_marketing"});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_THAT(r.out, HasSubstr("suppressed:hard_bounce"));
    r = brevduva({"suppress", "list"});
    EXPECT_THAT(r.out, HasSubstr("hard_bounce"));
    EXPECT_THAT(r.out, Not(HasSubstr("anna")));  // the list holds keys, not addresses
    r = brevduva({"suppress", "add", "anna@example.se", "--reason", "bored"});
    EXPECT_EQ(r.exit_code, 2);
    r = brevduva({"suppress", "remove", "anna@example.se"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(brevduva({"consent", "check", "anna@example.se", "product_marketing"}).exit_code, 0);
}

TEST_F(ConsentCli, ExportIsJsonWithTheLedgerAndItsEvidence) {
    ASSERT_EQ(brevduva({"consent", "grant", "anna@example.se", "product_marketing", "--evidence",
                        "ticked the box", "--user-agent", "Firefox/128"})
                  .exit_code,
              0);
    const auto r = brevduva({"gdpr", "export", "anna@example.se"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    Poco::JSON::Parser parser;
    const auto json = parser.parse(r.out).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(json->getObject("contact")->getValue<std::string>("address"), "anna@example.se");
    const auto event = json->getArray("consent_events")->getObject(0);
    EXPECT_EQ(event->getValue<std::string>("action"), "grant");
    EXPECT_EQ(event->getObject("evidence")->getValue<std::string>("text"), "ticked the box");
    EXPECT_EQ(event->getObject("evidence")->getValue<std::string>("user_agent"), "Firefox/128");
}

TEST_F(ConsentCli, EraseRemovesThePersonAndKeepsThemSuppressed) {
    ASSERT_EQ(brevduva({"consent", "grant", "anna@example.se", "product_marketing"}).exit_code, 0);
    auto r = brevduva({"gdpr", "erase", "anna@example.se"});
    EXPECT_EQ(r.exit_code, 2);  // no terminal to ask on, and no --yes
    r = brevduva({"gdpr", "erase", "anna@example.se", "--yes"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("1 consent event"));
    EXPECT_THAT(r.out, HasSubstr("stays suppressed"));
    r = brevduva({"consent", "check", "anna@example.se", "product_marketing"});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_THAT(r.out, HasSubstr("suppressed:erased"));
    // Granted again, as a new import would: still not eligible.
    ASSERT_EQ(brevduva({"consent", "grant", "anna@example.se", "product_marketing"}).exit_code, 0);
    r = brevduva({"consent", "check", "anna@example.se", "product_marketing"});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_THAT(r.out, HasSubstr("suppressed:erased"));
    r = brevduva({"suppress", "remove", "anna@example.se"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("--lift-erasure"));
}

TEST_F(ConsentCli, CommandsRefuseASchemaThatIsBehind) {
    std::filesystem::remove(dir_ / "brevduva.db");
    const auto r = brevduva({"consent", "verify"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("run 'brevduva db migrate'"));
}

}  // namespace
}  // namespace brevduva::tests
