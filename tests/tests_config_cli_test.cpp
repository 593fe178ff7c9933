// `config check` and `db migrate|status` as an operator meets them: a good file, each kind of
// broken file, and databases that cannot be used. Every failure is one clear message, a
// non-zero exit, and nothing changed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "tests/tests_process.hpp"

namespace brevduva::tests {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* token_secret = "0123456789abcdef0123456789abcdef-token";

class ConfigCli : public ::testing::Test {
  protected:
    void SetUp() override {
        std::filesystem::create_directories(dir_ / "secrets");
        write_file(dir_ / "secrets/token-secret", std::string(token_secret) + "\n");
    }

    // A minimal valid configuration with the database in the test folder.
    std::string minimal(const std::string& extra = "") const {
        return "database:\n  sqlite_path: " + (dir_ / "brevduva.db").string() +
               "\nsender:\n  from_address: news@example.se\n  bounce_domain: "
               "bounces.example.se\npublic:\n  base_url: https://mail.example.se\n  "
               "token_secret_file: secrets/token-secret\nconsent:\n  "
               "suppression_secret_file: secrets/token-secret\n" +
               extra;
    }

    std::string write_config(const std::string& yaml) const {
        const auto path = dir_ / "config.yaml";
        write_file(path, yaml);
        return path.string();
    }

    TempDir dir_;
};

TEST_F(ConfigCli, ShippedExamplePassesAndNeverPrintsSecrets) {
    std::filesystem::copy_file(
        std::filesystem::path(BREVDUVA_SOURCE_DIR) / "config" / "brevduva.example.yaml",
        dir_ / "example.yaml");
    for (const char* name : {"admin-token", "relay-password", "suppression-secret"}) {
        write_file(dir_ / "secrets" / name, "secret-value-that-must-not-show-" + std::string(name));
    }
    write_file(dir_ / "secrets/dkim-rsa.pem", "-----BEGIN PRIVATE KEY-----\n");
    write_file(dir_ / "secrets/dkim-ed25519.pem", "-----BEGIN PRIVATE KEY-----\n");
    const auto r = run_brevduva({"config", "check", "--config", (dir_ / "example.yaml").string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("global_rate"));
    EXPECT_THAT(r.out, Not(HasSubstr(token_secret)));
    EXPECT_THAT(r.out, Not(HasSubstr("secret-value-that-must-not-show")));
}

TEST_F(ConfigCli, BrokenYamlSyntaxNamesLineAndColumn) {
    const auto file = write_config("sender:\n  from_address: [news@example.se\n");
    const auto r = run_brevduva({"config", "check", "--config", file});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr(file + ":"));
    EXPECT_TRUE(r.out.empty());
}

TEST_F(ConfigCli, EveryProblemIsOneLineWithPositionAndKey) {
    const auto file = write_config(
        minimal("sending:\n  global_rte: 5\n  retry_max: lots\n  batch_size: -3\n"
                "dkim:\n  domain: example.se\n  selector: s1\n  rsa_key_file: missing.pem\n"));
    const auto r = run_brevduva({"config", "check", "--config", file});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr(file + ":12:3: sending.global_rte"));
    EXPECT_THAT(r.err, HasSubstr("global_rate"));  // the suggestion
    EXPECT_THAT(r.err, HasSubstr(file + ":13:14: sending.retry_max"));
    EXPECT_THAT(r.err, HasSubstr(file + ":14:15: sending.batch_size"));
    EXPECT_THAT(r.err, HasSubstr(file + ":18:17: dkim.rsa_key_file"));
    EXPECT_THAT(r.err, HasSubstr("4 problems"));
}

TEST_F(ConfigCli, NegativeRateFromSetIsRefused) {
    const auto file = write_config(minimal());
    const auto r =
        run_brevduva({"config", "check", "--config", file, "--set", "sending.global_rate=-1"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("--set:1:21: sending.global_rate"));
}

TEST_F(ConfigCli, SetOverridesTheFile) {
    const auto file = write_config(minimal());
    const auto r =
        run_brevduva({"config", "check", "--config", file, "--set", "sending.global_rate=7.5"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("7.5"));
}

TEST_F(ConfigCli, MigrateCreatesTheSchemaAndRerunIsANoOp) {
    const auto file = write_config(minimal());
    auto r = run_brevduva({"db", "status", "--config", file});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("pending  0001"));

    r = run_brevduva({"db", "migrate", "--config", file});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("applied 0001"));

    r = run_brevduva({"db", "migrate", "--config", file});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("already up to date"));
    EXPECT_THAT(r.out, Not(HasSubstr("applied 0001")));

    r = run_brevduva({"db", "status", "--config", file});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("applied  0001"));
    EXPECT_THAT(r.out, Not(HasSubstr("pending")));
}

TEST_F(ConfigCli, FileThatIsNotSqliteIsRefusedAndLeftAlone) {
    const std::string text = "name,email\nAnna,anna@example.se\n";
    write_file(dir_ / "brevduva.db", text);
    const auto file = write_config(minimal());
    const auto r = run_brevduva({"db", "migrate", "--config", file});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("is not an SQLite database"));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(read_file(dir_ / "brevduva.db"), text);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "brevduva.db-wal"));
}

TEST_F(ConfigCli, ReadOnlyDatabaseFolderIsRefusedAndNothingIsCreated) {
    const auto db_dir = dir_ / "readonly";
    std::filesystem::create_directory(db_dir);
    std::filesystem::permissions(
        db_dir, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec |
                    std::filesystem::perms::group_read | std::filesystem::perms::group_exec |
                    std::filesystem::perms::others_read | std::filesystem::perms::others_exec);
    const auto file =
        write_config(minimal("") + "  # the database below moves into a read-only folder\n");
    write_file(file, minimal() + "");
    auto yaml = minimal();
    const std::string original = (dir_ / "brevduva.db").string();
    yaml.replace(yaml.find(original), original.size(), (db_dir / "brevduva.db").string());
    write_file(file, yaml);
    std::filesystem::permissions(dir_ / "secrets", std::filesystem::perms::all);
    std::filesystem::permissions(dir_ / "secrets/token-secret", std::filesystem::perms::all);
    ProcessOptions as_nobody;
    as_nobody.as_nobody = true;  // root ignores permission bits; the service never runs as root
    const auto r = run_brevduva({"db", "migrate", "--config", file}, as_nobody);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr("not writable"));
    EXPECT_TRUE(std::filesystem::is_empty(db_dir));
}

}  // namespace
}  // namespace brevduva::tests
