// brevduva::store migrations: the built-in set is well formed, a fresh database reaches the
// latest version, re-running changes nothing, a failing migration leaves no trace, and a
// database this binary does not understand is refused.
#include "store/store_migrate.hpp"

#include <Poco/Data/Session.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/store_database.hpp"
#include "store/store_test_support.hpp"

namespace brevduva::store::test {
namespace {
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

[[nodiscard]] std::string schema_of(Database& db) {
    std::vector<std::string> rows;
    db.session() << "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master"
                    " ORDER BY type, name",
        into(rows), now;
    std::string schema;
    for (const auto& row : rows) {
        schema += row + "\n";
    }
    return schema;
}

[[nodiscard]] std::chrono::system_clock::time_point fixed_time() {
    return std::chrono::sys_days{std::chrono::year{2025} / 3 / 1} + 9h + 30min;
}

TEST(Migrations, BuiltinSetsAreWellFormedAndAlikeForBothEngines) {
    const auto sqlite = builtin_migrations(Backend::sqlite);
    const auto postgres = builtin_migrations(Backend::postgresql);
    ASSERT_FALSE(sqlite.empty());
    EXPECT_EQ(sqlite.front().version, 1);
    EXPECT_EQ(sqlite.front().name, "instance");
    // Both engines must end at the same schema version, or one would refuse the other's data.
    ASSERT_EQ(sqlite.size(), postgres.size());
    for (std::size_t i = 0; i < sqlite.size(); ++i) {
        EXPECT_EQ(sqlite[i].version, postgres[i].version);
        EXPECT_EQ(sqlite[i].name, postgres[i].name);
    }
}

// The list in store/CMakeLists.txt is written by hand; a file missing from it would silently
// never run.
TEST(Migrations, EveryFileInTheSourceTreeIsEmbedded) {
    const fs::path store_folder = fs::path(BREVDUVA_SOURCE_DIR) / "store";
    std::vector<std::string> on_disk;
    for (const auto& entry : fs::recursive_directory_iterator(store_folder / "migrations")) {
        if (entry.is_regular_file()) {
            on_disk.push_back(entry.path().lexically_relative(store_folder).generic_string());
        }
    }
    std::sort(on_disk.begin(), on_disk.end());
    std::vector<std::string> embedded;
    for (const EmbeddedFile& file : embedded_files()) {
        embedded.emplace_back(file.name);
    }
    EXPECT_EQ(embedded, on_disk);
}

TEST(Migrations, MalformedSetsAreProgrammingErrors) {
    const auto parse = [](std::vector<EmbeddedFile> files) {
        return parse_migrations(files, "migrations/sqlite");
    };
    EXPECT_THROW((void)parse({{"migrations/sqlite/0001_a.sql", "SELECT 1;"},
                              {"migrations/sqlite/0003_c.sql", "SELECT 1;"}}),
                 std::logic_error);
    EXPECT_THROW((void)parse({{"migrations/sqlite/0001_a.sql", "SELECT 1;"},
                              {"migrations/sqlite/0001_b.sql", "SELECT 1;"}}),
                 std::logic_error);
    EXPECT_THROW((void)parse({{"migrations/sqlite/0002_a.sql", "SELECT 1;"}}), std::logic_error);
    EXPECT_THROW((void)parse({{"migrations/sqlite/1_a.sql", "SELECT 1;"}}), std::logic_error);
    EXPECT_THROW((void)parse({{"migrations/sqlite/0001-a.sql", "SELECT 1;"}}), std::logic_error);
    EXPECT_THROW((void)parse({{"migrations/sqlite/0001_A.sql", "SELECT 1;"}}), std::logic_error);
    EXPECT_THROW((void)parse({{"migrations/sqlite/0001_a.sql", " \n"}}), std::logic_error);

    const auto good = parse({{"migrations/postgresql/0007_other.sql", "SELECT 1;"},
                             {"migrations/sqlite/0002_b.sql", "SELECT 2;"},
                             {"migrations/sqlite/0001_a.sql", "SELECT 1;"}});
    ASSERT_EQ(good.size(), 2u);
    EXPECT_EQ(good[0].version, 1);
    EXPECT_EQ(good[0].name, "a");
    EXPECT_EQ(good[1].version, 2);
    EXPECT_EQ(good[1].sql, "SELECT 2;");
}

TEST_F(StoreTest, FreshDatabaseMigratesToTheLatestVersion) {
    auto db = open();
    Migrator migrator(db, builtin_, fixed_time);
    EXPECT_EQ(migrator.status().current_version, 0);
    EXPECT_EQ(migrator.status().pending.size(), builtin_.size());

    const auto applied = migrator.migrate();
    ASSERT_EQ(applied.size(), builtin_.size());

    const auto status = migrator.status();
    EXPECT_EQ(status.current_version, builtin_.back().version);
    EXPECT_EQ(status.latest_known, builtin_.back().version);
    EXPECT_TRUE(status.pending.empty());
    ASSERT_EQ(status.applied.size(), builtin_.size());
    EXPECT_EQ(status.applied.front().name, "instance");
    EXPECT_EQ(status.applied.front().applied_at, "2025-03-01T09:30:00Z");

    EXPECT_EQ(count_rows(db, "instance"), 1);
    EXPECT_TRUE(std::regex_match(instance_id(db), std::regex("[0-9a-f]{32}")));
}

TEST_F(StoreTest, InstanceIdIsRandomPerDatabaseAndFixed) {
    auto first = open();
    (void)Migrator(first, builtin_).migrate();
    auto second = Database::open_sqlite(folder_.path() / "other.db", busy_timeout);
    (void)Migrator(second, builtin_).migrate();
    EXPECT_NE(instance_id(first), instance_id(second));

    EXPECT_THROW(first.execute_script("INSERT INTO instance VALUES ('x', 'y')"), StoreError);
    EXPECT_THROW(first.execute_script("UPDATE instance SET id = 'x'"), StoreError);
    EXPECT_EQ(count_rows(first, "instance"), 1);
}

TEST_F(StoreTest, RerunningMigrateIsANoOp) {
    auto db = open();
    (void)Migrator(db, builtin_, fixed_time).migrate();
    const std::string schema = schema_of(db);
    const std::string id = instance_id(db);

    Migrator later(db, builtin_, [] { return fixed_time() + 24h; });
    EXPECT_TRUE(later.migrate().empty());
    EXPECT_EQ(schema_of(db), schema);
    EXPECT_EQ(instance_id(db), id);
    EXPECT_EQ(later.status().applied.front().applied_at, "2025-03-01T09:30:00Z");
}

TEST_F(StoreTest, FailingMigrationLeavesTheDatabaseAsItWas) {
    auto db = open();
    (void)Migrator(db, builtin_).migrate();
    const std::string schema = schema_of(db);
    const std::string id = instance_id(db);
    const int latest = builtin_.back().version;

    auto with_broken = builtin_;
    with_broken.push_back(broken_migration(latest + 1));
    Migrator migrator(db, with_broken);
    try {
        (void)migrator.migrate();
        FAIL() << "a broken migration was applied";
    } catch (const StoreError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(fmt::format("migration {:04}_broken failed", latest + 1)),
                  std::string::npos)
            << message;
        EXPECT_NE(message.find("no_such_table"), std::string::npos) << message;
    }
    EXPECT_FALSE(db.has_table("half_done"));
    EXPECT_FALSE(db.in_transaction());
    EXPECT_EQ(schema_of(db), schema);
    EXPECT_EQ(migrator.status().current_version, latest);
    EXPECT_EQ(instance_id(db), id);
}

TEST_F(StoreTest, FailureKeepsTheMigrationsBeforeIt) {
    auto db = open();
    auto with_broken = builtin_;
    with_broken.push_back(broken_migration(builtin_.back().version + 1));
    EXPECT_THROW((void)Migrator(db, with_broken).migrate(), StoreError);

    EXPECT_EQ(Migrator(db, builtin_).status().current_version, builtin_.back().version);
    EXPECT_EQ(count_rows(db, "instance"), 1);
    EXPECT_FALSE(db.has_table("half_done"));
}

TEST_F(StoreTest, MigrationMayNotEndItsOwnTransaction) {
    auto db = open();
    auto migrations = builtin_;
    migrations.push_back({builtin_.back().version + 1,
                          "commits",
                          "CREATE TABLE before_commit (x INTEGER);\nCOMMIT;\n"
                          "CREATE TABLE after_commit (x INTEGER);\n",
                          {},
                          {}});
    EXPECT_THROW((void)Migrator(db, migrations).migrate(), StoreError);
    EXPECT_FALSE(db.has_table("before_commit"));
    EXPECT_FALSE(db.has_table("after_commit"));
    EXPECT_EQ(Migrator(db, builtin_).status().current_version, builtin_.back().version);
}

TEST_F(StoreTest, DatabaseNewerThanThisBinaryIsRefused) {
    auto db = open();
    auto newer = builtin_;
    const int latest = builtin_.back().version;
    newer.push_back({latest + 1, "from_the_future", "CREATE TABLE future (x INTEGER);", {}, {}});
    (void)Migrator(db, newer).migrate();

    Migrator migrator(db, builtin_);
    const auto status = migrator.status();
    EXPECT_TRUE(status.newer_than_known());
    EXPECT_EQ(status.current_version, latest + 1);
    try {
        (void)migrator.migrate();
        FAIL() << "a newer database was accepted";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find(fmt::format(
                      "is at version {}, this brevduva knows up to {}: upgrade brevduva",
                      latest + 1, latest)),
                  std::string::npos)
            << e.what();
    }
}

TEST_F(StoreTest, DatabaseWithAnotherHistoryIsRefused) {
    auto db = open();
    auto other = builtin_;
    other.push_back({builtin_.back().version + 1, "one_thing", "SELECT 1;", {}, {}});
    (void)Migrator(db, other).migrate();
    other.back().name = "another_thing";
    EXPECT_THROW((void)Migrator(db, other).migrate(), StoreError);
}

}  // namespace
}  // namespace brevduva::store::test

namespace brevduva::store::test {
namespace {

// A migration that names a step nobody attached is refused before anything is applied: the
// schema would otherwise say a version whose work was only half done.
TEST_F(StoreTest, AMigrationWhoseStepIsNotAttachedIsRefusedBeforeAnything) {
    auto db = open();
    auto migrations = builtin_migrations(Backend::sqlite);
    ASSERT_TRUE(std::any_of(migrations.begin(), migrations.end(), [](const Migration& m) {
        return !m.step_name.empty();
    })) << "a built-in migration names its step in a '-- step:' line";
    EXPECT_THROW((void)Migrator(db, migrations).migrate(), std::logic_error);
    EXPECT_FALSE(db.has_table("instance"));
}

// A step runs once every migration's SQL is in (it is the component's current code, which
// reads the newest schema), in a transaction of its own; one that fails stays owed, the
// database counts as behind, and the next migrate runs it.
TEST_F(StoreTest, AStepRunsAfterEverySqlAndStaysOwedUntilItSucceeds) {
    auto db = open();
    auto migrations = builtin_;
    const int next = builtin_.back().version + 1;
    bool fail = true;
    std::vector<std::string> seen_tables;
    migrations.push_back(
        {next, "with_step", "CREATE TABLE stepped (x INTEGER);", "fill", [&](Database& d) {
             seen_tables.push_back(d.has_table("later") ? "later" : "");
             d.execute_script("INSERT INTO stepped VALUES (42)");
             if (fail) throw StoreError("the step failed");
         }});
    migrations.push_back({next + 1, "later", "CREATE TABLE later (x INTEGER);", {}, {}});
    EXPECT_THROW((void)Migrator(db, migrations).migrate(), StoreError);
    EXPECT_EQ(seen_tables, std::vector<std::string>{"later"}) << "it ran after every SQL";
    EXPECT_TRUE(db.has_table("later"));
    EXPECT_EQ(count_rows(db, "stepped"), 0) << "the failed step left nothing";
    auto status = Migrator(db, migrations).status();
    EXPECT_EQ(status.current_version, next + 1);
    ASSERT_EQ(status.pending_steps.size(), 1U);
    EXPECT_NE(status.pending_steps.front().find("with_step: fill"), std::string::npos);
    EXPECT_TRUE(status.behind());

    fail = false;
    EXPECT_TRUE(Migrator(db, migrations).migrate().empty());
    EXPECT_EQ(count_rows(db, "stepped"), 1);
    EXPECT_FALSE(Migrator(db, migrations).status().behind());
    (void)Migrator(db, migrations).migrate();
    EXPECT_EQ(count_rows(db, "stepped"), 1) << "a step runs once";
}

// Foreign keys are off while a migration rebuilds tables, so they are checked before it
// commits: one that leaves a row pointing nowhere fails and leaves nothing behind.
TEST_F(StoreTest, AMigrationThatLeavesABrokenForeignKeyIsRolledBack) {
    auto db = open();
    (void)Migrator(db, builtin_).migrate();
    auto migrations = builtin_;
    migrations.push_back({builtin_.back().version + 1,
                          "orphan",
                          "CREATE TABLE parent (id INTEGER PRIMARY KEY);\n"
                          "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id));\n"
                          "INSERT INTO child VALUES (5);\n",
                          {},
                          {}});
    try {
        (void)Migrator(db, migrations).migrate();
        FAIL() << "an orphan row was committed";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("foreign key points nowhere"), std::string::npos)
            << e.what();
    }
    EXPECT_FALSE(db.has_table("child"));
    int foreign_keys = 0;
    db.session() << "PRAGMA foreign_keys", Poco::Data::Keywords::into(foreign_keys),
        Poco::Data::Keywords::now;
    EXPECT_EQ(foreign_keys, 1) << "foreign keys are on again after the migration";
}

TEST(MigrationFiles, AStepLineNamesTheStep) {
    const std::array<EmbeddedFile, 2> files{
        EmbeddedFile{"migrations/sqlite/0001_a.sql",
                     "-- what it does\n-- step: refold_x\nSELECT 1;\n"},
        EmbeddedFile{"migrations/sqlite/0002_b.sql", "SELECT 1; -- step: not_at_line_start\n"}};
    const auto parsed = parse_migrations(files, "migrations/sqlite");
    ASSERT_EQ(parsed.size(), 2u);
    EXPECT_EQ(parsed[0].step_name, "refold_x");
    EXPECT_EQ(parsed[1].step_name, "");
}

}  // namespace
}  // namespace brevduva::store::test
