// The command line as a user meets it: help, version, unknown commands and bad flags.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/tests_process.hpp"

namespace brevduva::tests {
namespace {

using ::testing::HasSubstr;

TEST(Cli, HelpListsTheCommands) {
    const auto r = run_brevduva({"--help"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("config"));
    EXPECT_THAT(r.out, HasSubstr("db"));
    EXPECT_THAT(r.out, HasSubstr("--config"));
}

TEST(Cli, SubcommandHelpDescribesTheSubcommand) {
    const auto r = run_brevduva({"db", "--help"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("migrate"));
    EXPECT_THAT(r.out, HasSubstr("status"));
}

TEST(Cli, VersionPrintsTheVersion) {
    const auto r = run_brevduva({"--version"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_THAT(r.out, ::testing::StartsWith("brevduva 0."));
}

// Output lost to a full disk must not pass for success: the help and the version as much as a
// report a script redirects to a file.
TEST(Cli, OutputThatCannotBeWrittenIsReportedAndExitsOne) {
    for (const char* what : {"--version", "--help"}) {
        const auto r = run_process(
            "/bin/sh", {"-c", "exec \"$0\" \"$1\" > /dev/full", brevduva_binary().string(), what});
        EXPECT_EQ(r.exit_code, 1) << what;
        EXPECT_THAT(r.err, HasSubstr("the output could not be written: No space left on device"))
            << what;
    }
}

TEST(Cli, UnknownCommandExitsTwoNamingIt) {
    const auto r = run_brevduva({"frobnicate"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("frobnicate"));
    EXPECT_TRUE(r.out.empty());
}

TEST(Cli, UnknownSubcommandExitsTwoNamingIt) {
    const auto r = run_brevduva({"db", "vacuum"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("unknown command 'vacuum' for 'brevduva db'"));
}

TEST(Cli, BadFlagExitsTwoNamingIt) {
    const auto r = run_brevduva({"db", "status", "--colour"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("--colour"));
}

TEST(Cli, NoCommandExitsTwo) {
    const auto r = run_brevduva({});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("subcommand"));
}

}  // namespace
}  // namespace brevduva::tests
