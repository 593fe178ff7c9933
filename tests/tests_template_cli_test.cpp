// `template check`, `template preview` and `dkim keygen` as an operator meets them, on the real
// binary: the shipped example passes, every problem comes out as file:line:column with exit 2,
// keys are written once with mode 0600 and their DNS record printed, and a preview is the
// signed message the contact would receive, verified by dkimpy with the printed record.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/tests_process.hpp"

namespace brevduva::tests {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::filesystem::path kExample =
    std::filesystem::path(BREVDUVA_SOURCE_DIR) / "templates/examples/nyhetsbrev";

unsigned mode_of(const std::filesystem::path& file) {
    struct stat info {};
    EXPECT_EQ(::stat(file.c_str(), &info), 0);
    return info.st_mode & 0777u;
}

// The quoted strings of a printed TXT record, joined as DNS joins them.
std::string record_value(const std::string& printed) {
    std::string value;
    for (std::size_t open = printed.find('"'); open != std::string::npos;
         open = printed.find('"', printed.find('"', open + 1) + 1)) {
        const std::size_t close = printed.find('"', open + 1);
        EXPECT_LE(close - open - 1, 255u);
        value += printed.substr(open + 1, close - open - 1);
    }
    return value;
}

TEST(TemplateCli, TheExampleCampaignPassesTheCheck) {
    const auto r = run_brevduva({"template", "check", kExample.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("nyhetsbrev: ok: subject, preheader, HTML, text derived from the "
                                 "HTML; 4 tracked links"));
    EXPECT_THAT(r.out,
                HasSubstr("link 4: https://www.example.se/ (partials/layout.mustache:20:16)"));
}

TEST(TemplateCli, EveryProblemIsNamedWithFileLineAndColumn) {
    TempDir dir;
    std::filesystem::create_directories(dir / "c/partials");
    write_file(dir / "c/subject.mustache", "Hej {{contact.first_name}}\n");
    write_file(dir / "c/body.html.mustache", "{{>footer}}\n<p>Hej {{first_name}}</p>\n");
    write_file(dir / "c/partials/footer.mustache", "<p>{{attributes.kundnr}}</p>\n");
    const std::string folder = (dir / "c").string();
    auto r = run_brevduva({"template", "check", folder});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_THAT(r.err, HasSubstr(folder + "/body.html.mustache:1:1: a marketing template needs "
                                          "{{unsubscribe_url}}"));
    EXPECT_THAT(r.err, HasSubstr(folder + "/body.html.mustache:2:8: unknown variable "
                                          "\"first_name\""));
    EXPECT_THAT(r.err, HasSubstr(folder + "/partials/footer.mustache:1:4: unknown variable "
                                          "\"attributes.kundnr\""));
    EXPECT_THAT(r.err, HasSubstr("brevduva: " + folder + ": 3 problems"));
    r = run_brevduva(
        {"template", "check", folder, "--purpose", "service_status", "--attribute", "kundnr"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("1 problem\n"));
    write_file(dir / "c/body.html.mustache", "{{>footer}}\n<p>Hej {{contact.first_name}}</p>\n");
    r = run_brevduva(
        {"template", "check", folder, "--purpose", "service_status", "--attribute", "kundnr"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(TemplateCli, AFolderThatIsNotACampaignIsNamed) {
    TempDir dir;
    const auto r = run_brevduva({"template", "check", (dir / "nowhere").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("nowhere: cannot open the folder"));
}

TEST(DkimCli, KeygenWritesAPrivateKeyOnceAndPrintsTheRecord) {
    TempDir dir;
    const auto key = dir / "rsa.pem";
    auto r = run_brevduva(
        {"dkim", "keygen", "--domain", "example.se", "--selector", "s2025", "--out", key.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(mode_of(key), 0600u);
    EXPECT_THAT(r.out, ::testing::StartsWith("s2025._domainkey.example.se. IN TXT (\n    \""));
    const std::string value = record_value(r.out);
    EXPECT_THAT(value, ::testing::StartsWith("v=DKIM1; k=rsa; p=MII"));
    EXPECT_GT(value.size(), 255u);  // 2048 bits: more than one string
    const std::string before = read_file(key);
    r = run_brevduva(
        {"dkim", "keygen", "--domain", "example.se", "--selector", "s2025", "--out", key.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("is never overwritten"));
    EXPECT_EQ(read_file(key), before);
    r = run_brevduva({"dkim", "keygen", "--domain", "example.se", "--selector", "ed", "--type",
                      "ed25519", "--out", (dir / "ed.pem").string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(record_value(r.out), ::testing::MatchesRegex("v=DKIM1; k=ed25519; p=.{44}"));
    r = run_brevduva({"dkim", "keygen", "--domain", "exa mple.se", "--selector", "s"});
    EXPECT_EQ(r.exit_code, 2);
    r = run_brevduva(
        {"dkim", "keygen", "--domain", "example.se", "--selector", "s", "--type", "dsa"});
    EXPECT_EQ(r.exit_code, 2);
}

class PreviewCli : public ::testing::Test {
  protected:
    void SetUp() override {
        std::filesystem::create_directories(dir_ / "secrets");
        write_file(dir_ / "secrets/token", "token-secret-for-the-template-cli-test-0123\n");
        write_file(dir_ / "secrets/suppression", "suppression-secret-for-the-template-test-4567\n");
        auto r = brevduva({"dkim", "keygen", "--domain", "example.se", "--selector", "s2025",
                           "--out", (dir_ / "secrets/dkim.pem").string()});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        record_ = "s2025=" + record_value(r.out);
        write_file(dir_ / "config.yaml",
                   "database:\n  sqlite_path: brevduva.db\n"
                   "sender:\n  from_address: nyheter@example.se\n  from_name: Exempelföretaget\n"
                   "  bounce_domain: bounces.example.se\n"
                   "  unsubscribe_mailbox: avregistrera@example.se\n"
                   "public:\n  base_url: https://mail.example.se\n"
                   "  token_secret_file: secrets/token\n"
                   "consent:\n  suppression_secret_file: secrets/suppression\n"
                   "dkim:\n  domain: example.se\n  selector: s2025\n"
                   "  rsa_key_file: secrets/dkim.pem\n");
        r = brevduva({"db", "migrate"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        // The contact and its consent, as an operator records them.
        for (const char* purpose : {"product_marketing", "open_tracking"}) {
            r = brevduva({"consent", "grant", "orjan@kund.se", purpose, "--evidence", "test"});
            ASSERT_EQ(r.exit_code, 0) << r.err;
        }
    }

    ProcessResult brevduva(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--config", (dir_ / "config.yaml").string()});
        return run_brevduva(args);
    }

    TempDir dir_;
    std::string record_;
};

TEST_F(PreviewCli, WritesTheSignedMessageTheContactWouldReceive) {
    const auto out = dir_ / "preview.eml";
    const auto r = brevduva({"template", "preview", kExample.string(), "--contact", "orjan@kund.se",
                             "--out", out.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(mode_of(out), 0600u);
    EXPECT_THAT(r.err, HasSubstr("envelope: MAIL FROM:<b-"));
    EXPECT_THAT(r.err, HasSubstr("open tracking on, click tracking off"));
    const std::string wire = read_file(out);
    EXPECT_THAT(wire, ::testing::StartsWith("DKIM-Signature: v=1; a=rsa-sha256;"));
    EXPECT_THAT(wire, HasSubstr("\r\nTo: orjan@kund.se\r\n"));
    EXPECT_THAT(wire, HasSubstr("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
    EXPECT_THAT(wire, HasSubstr("https://mail.example.se/o/"));       // open tracking granted
    EXPECT_THAT(wire, Not(HasSubstr("https://mail.example.se/c/")));  // click tracking not
    const auto verified = run_process(
        "/usr/bin/python3",
        {(std::filesystem::path(BREVDUVA_SOURCE_DIR) / "tests/tools/dkim_verify.py").string(),
         out.string(), record_});
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
    EXPECT_EQ(verified.out, "signature 0: pass\n");
}

TEST_F(PreviewCli, AnUnknownContactIsNamed) {
    const auto r =
        brevduva({"template", "preview", kExample.string(), "--contact", "nobody@kund.se"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("no contact has the address nobody@kund.se"));
    EXPECT_TRUE(r.out.empty());
}

}  // namespace
}  // namespace brevduva::tests
