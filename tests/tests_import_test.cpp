// `brevduva contacts import` as an operator meets it: RFC 4180 files from spreadsheets, rows
// that are rejected with their line and reason, duplicates merged, bad input stored safely or
// rejected, and refusals that leave the database as it was.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/tests_import_support.hpp"

namespace brevduva::tests {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::string_literals;

class Import : public ::testing::Test {
  protected:
    ImportFolder folder_;
};

TEST_F(Import, ReadsASemicolonFileWithABomQuotedDelimitersAndLineBreaks) {
    const auto r = folder_.import("contacts.csv",
                                  "\xEF\xBB\xBF"
                                  "email;name;address;organisation;lists\r\n"
                                  "anna@example.se;\"Svensson; Anna \"\"Ann\"\"\";\"Storgatan 1\r\n"
                                  "111 22 Stockholm\";Företag AB;news|events\r\n"
                                  "bo@example.se;Bo;;;news\r\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("2 new contacts"));
    EXPECT_EQ(folder_.query("SELECT name, postal_address FROM contacts ORDER BY id"),
              "Svensson; Anna \"Ann\"|Storgatan 1\n111 22 Stockholm\nBo|\n");
    EXPECT_EQ(folder_.query("SELECT name FROM organisations"), "Företag AB\n");
    EXPECT_EQ(folder_.query("SELECT l.name, count(*) FROM list_members m JOIN lists l"
                            " ON l.id = m.list_id GROUP BY l.name ORDER BY l.name"),
              "events|1\nnews|2\n");
}

TEST_F(Import, ReadsACommaFileWithQuotedCommas) {
    const auto r = folder_.import("c.csv", "email,name\n\"anna@example.se\",\"Svensson, Anna\"\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(folder_.query("SELECT address, name FROM contacts"),
              "anna@example.se|Svensson, Anna\n");
}

TEST_F(Import, WritesRejectedRowsWithLineAndReasonAndExitsZero) {
    const auto r = folder_.import("c.csv",
                                  "email,name,address\n"
                                  "anna@example.se,Anna,\"Storgatan 1\n111 22\"\n"
                                  "not-an-address,Bo,\n"
                                  "cia@example.se,\"Cia\x01\",\n"
                                  "dan@example.se,Dan\n"
                                  "eva@example.se,Eva,\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("3 rejected"));
    EXPECT_THAT(r.out, HasSubstr("c.rejects.csv"));
    EXPECT_EQ(folder_.query("SELECT address FROM contacts ORDER BY id"),
              "anna@example.se\neva@example.se\n");
    const auto rejects = read_file(folder_.path("c.rejects.csv"));
    EXPECT_THAT(rejects, HasSubstr("line,reason,email,name,address\r\n"));
    EXPECT_THAT(rejects, HasSubstr("4,email: address has no @,not-an-address,Bo,\r\n"));
    EXPECT_THAT(rejects, HasSubstr("5,name contains the control character U+0001,"));
    EXPECT_THAT(rejects, HasSubstr("6,has 2 fields where the header has 3,dan@example.se,Dan\r\n"));
}

// Names, organisations and lists written by whoever filled the source file come back in the
// reject file and in `contacts list`, which staff open in a spreadsheet: a cell that starts a
// formula is written with an apostrophe in front (OWASP, CSV injection).
TEST_F(Import, FormulaCellsAreNeutralisedInEveryFileStaffMayOpen) {
    const auto r =
        folder_.import("c.csv",
                       "email,name,organisation,lists\n"
                       "anna@example.se,\"=HYPERLINK(\"\"http://x.example\"\",\"\"Klicka\"\")\","
                       "+46 Kund AB,@nyheter\n"
                       "=cmd|' /C calc'!A0,-Bo,,\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto rejects = read_file(folder_.path("c.rejects.csv"));
    EXPECT_THAT(rejects, HasSubstr("'=cmd|' /C calc'!A0,'-Bo")) << rejects;
    const auto listed = folder_.brevduva({"contacts", "list"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_THAT(listed.out,
                HasSubstr("anna@example.se\t'=HYPERLINK(\"http://x.example\",\"Klicka\")"
                          "\t'+46 Kund AB\tsv\t'@nyheter\n"))
        << listed.out;
    // What is stored is what was given: only the file written for people changes.
    EXPECT_EQ(folder_.query("SELECT name FROM contacts"),
              "=HYPERLINK(\"http://x.example\",\"Klicka\")\n");
    const auto suppressed = folder_.brevduva({"suppress", "add", "anna@example.se", "--reason",
                                              "manual", "--actor", "=SUM(1+1)*cmd|' /C calc'!A0"});
    ASSERT_EQ(suppressed.exit_code, 0) << suppressed.err;
    const auto suppressions = folder_.brevduva({"suppress", "list"});
    EXPECT_THAT(suppressions.out, HasSubstr("\t'=SUM(1+1)*cmd|' /C calc'!A0\n"))
        << suppressions.out;
}

TEST_F(Import, RejectsAddressesWithLineBreaksOrNulAndStoresNothingOfThem) {
    const std::string csv =
        std::string("email,name\n") + "\"anna@example.se\r\nBcc: x@evil.se\",A\n" +
        "\"bo@exa\nmple.se\",B\n" + "cia@ex\0ample.se,C\n"s + "dan@example.se,D\n";
    const auto r = folder_.import("c.csv", csv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("3 rejected"));
    EXPECT_EQ(folder_.query("SELECT address FROM contacts"), "dan@example.se\n");
    const auto rejects = read_file(folder_.path("c.rejects.csv"));
    for (const char* line : {"\n2,email: ", "\n4,email: ", "\n6,email: "}) {
        EXPECT_THAT(rejects, HasSubstr(line));
    }
}

TEST_F(Import, RejectsInvalidUtf8AndMegabyteFieldsAndGoesOn) {
    const std::string huge(2 * 1024 * 1024, 'x');
    const std::string csv = "email,name\n" + std::string("anna@example.se,Ann\xC3\x28\n") +
                            "bo@example.se,\"" + huge + "\"\n" + "cia@example.se," +
                            std::string(70 * 1024, 'y') + "\n" + "dan@example.se,Dan\n";
    const auto r = folder_.import("c.csv", csv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("3 rejected"));
    EXPECT_EQ(folder_.query("SELECT address, name FROM contacts"), "dan@example.se|Dan\n");
    const auto rejects = read_file(folder_.path("c.rejects.csv"));
    EXPECT_THAT(rejects, HasSubstr("\n2,"));
    EXPECT_THAT(rejects, HasSubstr("UTF-8"));
    EXPECT_THAT(rejects, HasSubstr("\n3,"));
    EXPECT_THAT(rejects, HasSubstr("\n4,"));
    EXPECT_LT(rejects.size(), 4096u) << "unreadable records are not copied whole";
}

TEST_F(Import, MergesDuplicateAddressesLaterRowsUpdatingAndListsAddingUp) {
    const auto r = folder_.import("c.csv",
                                  "email,name,phone,lists,attr:team,locale\n"
                                  "Anna@Example.se,Anna,08-1,news,sales,en\n"
                                  "Anna@EXAMPLE.SE,Anna Svensson,,events,,\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("1 new contacts, 1 updated"));
    EXPECT_EQ(folder_.query("SELECT address, address_given, name, phone, locale, attributes"
                            " FROM contacts"),
              "Anna@example.se|Anna@EXAMPLE.SE|Anna Svensson|08-1|en|{\"team\":\"sales\"}\n");
    EXPECT_EQ(folder_.query("SELECT l.name FROM list_members m JOIN lists l ON l.id = m.list_id"
                            " ORDER BY l.name"),
              "events\nnews\n");
}

TEST_F(Import, ReimportingTheSameFileChangesNothing) {
    const std::string csv =
        "email,name,lists,consent:product_marketing,consent:open_tracking,consent_at\n"
        "anna@example.se,Anna,news,granted,granted,2024-05-01T10:00:00+02:00\n"
        "bo@example.se,Bo,news|events,withdrawn,,2024-05-02T10:00:00Z\n"
        "anna@example.se,Anna S,vip,,withdrawn,2024-06-01T10:00:00Z\n";
    ASSERT_EQ(folder_.import("c.csv", csv).exit_code, 0);
    const auto first = folder_.dump();
    const auto again = folder_.import("c.csv", csv);
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_THAT(again.out, HasSubstr("0 new contacts"));
    EXPECT_THAT(again.out, HasSubstr("0 consent events written (4 already recorded)"));
    EXPECT_EQ(folder_.dump(), first);
}

TEST_F(Import, AnOlderGrantImportedAfterANewerWithdrawalDoesNotRestoreConsent) {
    ASSERT_EQ(folder_
                  .import("late.csv",
                          "email,consent:product_marketing,consent_at\n"
                          "anna@example.se,withdrawn,2024-06-01T10:00:00Z\n")
                  .exit_code,
              0);
    const auto r = folder_.import("early.csv",
                                  "email,consent:product_marketing,consent_at\n"
                                  "anna@example.se,granted,2024-01-01T10:00:00Z\n"
                                  "bo@example.se,withdrawn,2024-06-01T10:00:00Z\n"
                                  "bo@example.se,granted,2024-01-01T10:00:00Z\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("3 consent events written"));
    EXPECT_EQ(folder_.query("SELECT c.address, s.status FROM consent_state s JOIN contacts c"
                            " ON c.id = s.contact_id ORDER BY c.address"),
              "anna@example.se|withdrawn\nbo@example.se|withdrawn\n");
}

TEST_F(Import, ConsentRowsNeedTheirOwnTimeOrAFileLevelOne) {
    const std::string csv = "email,consent:open_tracking\nanna@example.se,granted\n";
    const auto refused = folder_.import("c.csv", csv);
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_THAT(refused.err, HasSubstr("consent_at"));
    const auto r = folder_.import(
        "c.csv", csv,
        {"--consent-at", "2023-09-01T12:00:00+02:00", "--actor", "ops", "--source", "fair-2023"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(folder_.query("SELECT purpose, action, basis, source, actor, occurred_at"
                            " FROM consent_events"),
              "open_tracking|grant|consent|fair-2023|ops|2023-09-01T10:00:00.000000Z\n");
}

TEST_F(Import, ABadHeaderIsRefusedBeforeAnyRowNamingTheNearestColumn) {
    const auto r = folder_.import("c.csv", "email,nmae\nanna@example.se,Anna\n");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("unknown column 'nmae' (nearest known: 'name')"));
    EXPECT_THAT(r.err, HasSubstr("nothing was imported"));
    EXPECT_EQ(folder_.query("SELECT count(*) FROM contacts"), "0\n");
    EXPECT_FALSE(std::filesystem::exists(folder_.path("c.rejects.csv")));
}

TEST_F(Import, AMissingOrEmptyFileIsRefused) {
    auto r = folder_.brevduva({"contacts", "import", folder_.path("absent.csv").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("cannot read"));
    r = folder_.import("empty.csv", "");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("empty"));
}

TEST_F(Import, AnUnmigratedDatabaseIsAnEnvironmentFailure) {
    std::filesystem::remove(folder_.database());
    const auto r = folder_.import("c.csv", "email\nanna@example.se\n");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("db migrate"));
}

TEST_F(Import, RejectsGoWhereAskedAndNoRejectFileStaysWhenThereAreNone) {
    write_file(folder_.path("c.rejects.csv"), "stale\n");
    auto r = folder_.import("c.csv", "email\nanna@example.se\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(std::filesystem::exists(folder_.path("c.rejects.csv")));
    r = folder_.import("c.csv", "email\nbad\n", {"--rejects", folder_.path("out.csv").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(read_file(folder_.path("out.csv")), HasSubstr("2,email: "));
    const auto mode = std::filesystem::status(folder_.path("out.csv")).permissions();
    EXPECT_EQ(mode & std::filesystem::perms::others_read, std::filesystem::perms::none);
}

TEST_F(Import, ShowsNoProgressBarWhenStderrIsNotATerminal) {
    const auto r = folder_.import("c.csv", "email\nanna@example.se\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.err, Not(HasSubstr("rows/s")));
}

}  // namespace
}  // namespace brevduva::tests
