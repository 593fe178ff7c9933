// brevduva::store: opening SQLite safely (and refusing what it cannot use, without touching
// it), transactions and scripts, against real SQLite files in a temporary folder. The
// PostgreSQL tests run when BREVDUVA_TEST_POSTGRES_URL names a database they may fill.
#include <Poco/Data/Session.h>
#include <fmt/format.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <sstream>

#include "store/store_backup.hpp"
#include "store/store_database.hpp"
#include "store/store_migrate.hpp"
#include "store/store_postgres.hpp"
#include "store/store_test_support.hpp"

namespace brevduva::store::test {
namespace {
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

[[nodiscard]] std::string read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

[[nodiscard]] std::vector<std::string> listing(const fs::path& folder) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

// What open_sqlite says about path: the StoreError's message, or "opened".
[[nodiscard]] std::string open_outcome(const fs::path& path) {
    try {
        auto db = Database::open_sqlite(path, busy_timeout);
        return "opened";
    } catch (const StoreError& e) {
        return e.what();
    }
}

// Runs body as the unprivileged user nobody in a child process when the test runs as root,
// where permission bits would not stop a write. Returns nullopt when privileges cannot be
// dropped here (no CAP_SETUID), so the caller can skip rather than pass vacuously.
[[nodiscard]] std::optional<std::string> as_unprivileged(const std::function<std::string()>& body) {
    if (::geteuid() != 0) {
        return body();
    }
    int fds[2];
    if (::pipe(fds) != 0) {
        return std::nullopt;
    }
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(fds[0]);
        const bool dropped =
            ::setgroups(0, nullptr) == 0 && ::setgid(65534) == 0 && ::setuid(65534) == 0;
        const std::string out = dropped ? body() : std::string();
        const ssize_t written = ::write(fds[1], out.data(), out.size());
        ::_exit(dropped && written == static_cast<ssize_t>(out.size()) ? 0 : 3);
    }
    ::close(fds[1]);
    std::string out;
    char buffer[512];
    for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) {
        out.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return std::nullopt;
    }
    return out;
}

TEST_F(StoreTest, OpenedDatabaseUsesWalForeignKeysAndTheBusyTimeout) {
    auto db = open();
    EXPECT_EQ(db.backend(), Backend::sqlite);
    EXPECT_EQ(db.location(), db_path().string());
    std::string journal_mode;
    int foreign_keys = 0;
    int synchronous = 0;
    int timeout = 0;
    db.session() << "PRAGMA journal_mode", into(journal_mode), now;
    db.session() << "PRAGMA foreign_keys", into(foreign_keys), now;
    db.session() << "PRAGMA synchronous", into(synchronous), now;
    db.session() << "PRAGMA busy_timeout", into(timeout), now;
    EXPECT_EQ(journal_mode, "wal");
    EXPECT_EQ(foreign_keys, 1);
    EXPECT_EQ(synchronous, 2);  // FULL: a commit is on disk before it returns
    EXPECT_EQ(timeout, 2000);
}

TEST_F(StoreTest, TransactionRollsBackUnlessCommitted) {
    auto db = open();
    db.execute_script("CREATE TABLE t (x INTEGER)");
    {
        Transaction transaction(db);
        db.execute_script("INSERT INTO t VALUES (1)");
        EXPECT_TRUE(db.in_transaction());
    }
    EXPECT_FALSE(db.in_transaction());
    EXPECT_EQ(count_rows(db, "t"), 0);
    {
        Transaction transaction(db);
        db.execute_script("INSERT INTO t VALUES (2)");
        transaction.commit();
    }
    EXPECT_EQ(count_rows(db, "t"), 1);
    Transaction transaction(db);
    transaction.commit();
    EXPECT_THROW(transaction.commit(), StoreError);
}

TEST_F(StoreTest, ScriptsAreSplitAsSqliteSplitsThem) {
    auto db = open();
    db.execute_script(
        "-- a comment; with a semicolon\n"
        "CREATE TABLE log (entry TEXT); /* another; comment */\n"
        "CREATE TABLE item (name TEXT);\n"
        "CREATE TRIGGER item_logged AFTER INSERT ON item BEGIN\n"
        "    INSERT INTO log VALUES ('added; ' || new.name);\n"
        "    INSERT INTO log VALUES ('twice -- not a comment');\n"
        "END;\n"
        "INSERT INTO item VALUES ('semi;colon');\n");
    EXPECT_EQ(count_rows(db, "item"), 1);
    EXPECT_EQ(count_rows(db, "log"), 2);
    std::string first;
    db.session() << "SELECT entry FROM log ORDER BY rowid LIMIT 1", into(first), now;
    EXPECT_EQ(first, "added; semi;colon");
}

TEST_F(StoreTest, TextFileIsRefusedAndLeftByteIdentical) {
    const std::string text = "to: marketing@example.se\nsubject: not a database;\n";
    std::ofstream(db_path(), std::ios::binary) << text;
    const auto before = listing(folder_.path());

    const std::string outcome = open_outcome(db_path());
    EXPECT_NE(outcome.find(db_path().string()), std::string::npos) << outcome;
    EXPECT_NE(outcome.find("is not an SQLite database"), std::string::npos) << outcome;
    EXPECT_EQ(read_bytes(db_path()), text);
    EXPECT_EQ(listing(folder_.path()), before);
}

TEST_F(StoreTest, ShortFileIsRefusedAsNotSqlite) {
    std::ofstream(db_path(), std::ios::binary) << "SQLite fo";
    const std::string outcome = open_outcome(db_path());
    EXPECT_NE(outcome.find("is not an SQLite database"), std::string::npos) << outcome;
    EXPECT_EQ(read_bytes(db_path()), "SQLite fo");
}

// Opening a connection must never open and close a second descriptor on the database file:
// on Linux that drops every POSIX lock the process holds on it, SQLite's own shared lock
// included, and another process closing the database would then checkpoint and delete the WAL
// that this process still writes to.
TEST_F(StoreTest, OpeningMoreConnectionsKeepsTheLocksThisProcessHolds) {
    auto first = open();
    first.execute_script("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)");
    std::int64_t rows = 0;
    first.session() << "SELECT count(*) FROM t", into(rows), now;
    const auto held = posix_locks(::getpid(), db_path());
    ASSERT_FALSE(held.empty()) << "a WAL connection that has read holds a shared lock";
    for (int i = 0; i < 3; ++i) {
        auto more = open();
        more.session() << "SELECT count(*) FROM t", into(rows), now;
    }
    EXPECT_EQ(posix_locks(::getpid(), db_path()), held);
    EXPECT_EQ(open_outcome(db_path()), "opened");
    EXPECT_EQ(posix_locks(::getpid(), db_path()), held);
}

// db backup: SQLite writes the copy, so this process keeps its locks; the copy holds what was
// committed, is readable by its owner only, passes its integrity check, and an existing file
// is never overwritten.
TEST_F(StoreTest, BackupIsAWholePrivateCopyAndNeverOverwrites) {
    auto db = open();
    db.execute_script("CREATE TABLE t (x INTEGER)");
    for (int i = 0; i < 100; ++i) db.execute_script(fmt::format("INSERT INTO t VALUES ({})", i));
    std::int64_t rows = 0;
    db.session() << "SELECT count(*) FROM t", into(rows), now;
    const auto held = posix_locks(::getpid(), db_path());

    const fs::path copy = folder_.path() / "backup.db";
    const auto report = backup(db, copy);
    EXPECT_EQ(report.file, copy);
    EXPECT_EQ(report.bytes, fs::file_size(copy));
    EXPECT_EQ(fs::status(copy).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(posix_locks(::getpid(), db_path()), held);
    EXPECT_FALSE(fs::exists(copy.string() + ".partial"));
    {
        auto restored = Database::open_sqlite(copy, busy_timeout);
        EXPECT_EQ(count_rows(restored, "t"), 100);
    }

    const std::string before = read_bytes(copy);
    db.execute_script("INSERT INTO t VALUES (100)");
    try {
        (void)backup(db, copy);
        FAIL() << "an existing file was overwritten";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("exists"), std::string::npos) << e.what();
    }
    EXPECT_EQ(read_bytes(copy), before);
    EXPECT_THROW((void)backup(db, folder_.path() / "missing" / "backup.db"), StoreError);
    EXPECT_THROW((void)backup(db, db_path()), StoreError);
}

// A new database holds personal data: its file, -wal and -shm are its owner's alone, whatever
// the umask; with a group named, its members may use it too (0660, group set), as the split
// pair's web user does.
TEST_F(StoreTest, ANewDatabaseAndItsCompanionsAreCreatedPrivate) {
    const auto mode_of = [](const fs::path& p) {
        struct stat st {};
        EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
        return st.st_mode & 0777;
    };
    const mode_t umask_before = ::umask(022);
    {
        auto db = open();
        db.execute_script("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)");
        for (const char* suffix : {"", "-wal", "-shm"}) {
            EXPECT_EQ(mode_of(db_path().string() + suffix), 0600u) << suffix;
        }
    }
    struct group entry {};
    struct group* found = nullptr;
    std::vector<char> buffer(16384);
    ASSERT_EQ(::getgrgid_r(::getegid(), &entry, buffer.data(), buffer.size(), &found), 0);
    ASSERT_NE(found, nullptr);
    const std::string group = found->gr_name;
    const fs::path shared = folder_.path() / "shared.db";
    ::umask(077);
    {
        auto db = Database::open_sqlite(shared, busy_timeout, group);
        db.execute_script("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)");
        for (const char* suffix : {"", "-wal", "-shm"}) {
            EXPECT_EQ(mode_of(shared.string() + suffix), 0660u) << suffix;
            struct stat st {};
            ASSERT_EQ(::stat((shared.string() + suffix).c_str(), &st), 0);
            EXPECT_EQ(st.st_gid, ::getegid());
        }
    }
    ::umask(umask_before);
    const std::string outcome = [&] {
        try {
            (void)Database::open_sqlite(folder_.path() / "other.db", busy_timeout,
                                        "no-such-group-brevduva");
            return std::string("opened");
        } catch (const StoreError& e) {
            return std::string(e.what());
        }
    }();
    EXPECT_NE(outcome.find("the group 'no-such-group-brevduva'"), std::string::npos) << outcome;
    EXPECT_FALSE(fs::exists(folder_.path() / "other.db"));
}

TEST_F(StoreTest, MissingFolderIsRefusedAndNothingIsCreated) {
    const fs::path missing = folder_.path() / "missing";
    const std::string outcome = open_outcome(missing / "deeper" / "brevduva.db");
    EXPECT_NE(outcome.find((missing / "deeper").string()), std::string::npos) << outcome;
    EXPECT_NE(outcome.find("does not exist"), std::string::npos) << outcome;
    EXPECT_FALSE(fs::exists(missing));
}

TEST_F(StoreTest, ReadOnlyFolderIsRefusedAndNothingIsCreated) {
    const fs::path folder = folder_.path() / "read-only";
    fs::create_directory(folder);
    fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                fs::perms::group_exec | fs::perms::others_read |
                                fs::perms::others_exec);
    const auto outcome = as_unprivileged([&] { return open_outcome(folder / "brevduva.db"); });
    if (!outcome) {
        GTEST_SKIP() << "running as root without the right to become nobody";
    }
    EXPECT_NE(outcome->find(folder.string()), std::string::npos) << *outcome;
    EXPECT_NE(outcome->find("is not writable"), std::string::npos) << *outcome;
    EXPECT_TRUE(listing(folder).empty());
}

TEST_F(StoreTest, ReadOnlyFileIsRefusedAndLeftAsItWas) {
    {
        auto db = open();
        (void)Migrator(db, builtin_).migrate();
    }
    fs::permissions(folder_.path(), fs::perms::all);  // writable for nobody too
    fs::permissions(db_path(),
                    fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    const auto before = listing(folder_.path());
    const std::string bytes = read_bytes(db_path());

    const auto outcome = as_unprivileged([&] { return open_outcome(db_path()); });
    if (!outcome) {
        GTEST_SKIP() << "running as root without the right to become nobody";
    }
    EXPECT_NE(outcome->find(db_path().string()), std::string::npos) << *outcome;
    EXPECT_NE(outcome->find("the file is not writable"), std::string::npos) << *outcome;
    EXPECT_EQ(listing(folder_.path()), before);
    EXPECT_EQ(read_bytes(db_path()), bytes);
}

TEST_F(StoreTest, EmptyFileIsAnEmptyDatabase) {
    { const std::ofstream touched(db_path()); }  // an empty file, as touch(1) makes
    auto db = open();
    EXPECT_EQ(Migrator(db, builtin_).migrate().size(), builtin_.size());
}

TEST_F(StoreTest, FolderInPlaceOfTheFileIsRefused) {
    fs::create_directory(db_path());
    EXPECT_NE(open_outcome(db_path()).find("is a folder"), std::string::npos);
}

TEST(PostgresUrl, PasswordIsAddedAsAKeywordAndNeverShown) {
    EXPECT_EQ(postgres::keyword_conninfo("postgresql://mail@db:5433/brevduva", "p@ss w/r'd"),
              "user='mail' dbname='brevduva' host='db' port='5433' password='p@ss w/r\\'d'");
    EXPECT_EQ(postgres::keyword_conninfo("postgresql://u:old@db/b?sslmode=require", "new"),
              "user='u' dbname='b' host='db' sslmode='require' password='new'");
    EXPECT_EQ(postgres::keyword_conninfo("host=db dbname=b", ""), "dbname='b' host='db'");
    EXPECT_THROW((void)postgres::keyword_conninfo("postgresql://db/b?no_such_option=1", ""),
                 StoreError);

    EXPECT_EQ(postgres::redact("postgresql://mail:secret@db/b"), "postgresql://mail:***@db/b");
    EXPECT_EQ(postgres::redact("postgresql://db/b?password=secret&x=1"),
              "postgresql://db/b?password=***&x=1");
    EXPECT_EQ(postgres::redact("host=db password='a b' dbname=b"), "host=db password=*** dbname=b");
}

TEST(Postgres, UnreachableServerGivesOneClearError) {
    try {
        auto db = Database::open_postgres("postgresql://nobody@127.0.0.1:1/none", "secret");
        FAIL() << "connected to a closed port";
    } catch (const StoreError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("cannot connect to PostgreSQL postgresql://nobody@127.0.0.1:1"),
                  std::string::npos)
            << message;
        EXPECT_EQ(message.find("secret"), std::string::npos) << message;
    }
}

// Fills the database named by BREVDUVA_TEST_POSTGRES_URL; it must be empty or made by an
// earlier run of this test.
TEST(Postgres, MigratesAndRollsBackLikeSqlite) {
    const char* url = std::getenv("BREVDUVA_TEST_POSTGRES_URL");
    if (url == nullptr || *url == '\0') {
        GTEST_SKIP() << "BREVDUVA_TEST_POSTGRES_URL is not set";
    }
    auto db = Database::open_postgres(url);
    EXPECT_EQ(db.backend(), Backend::postgresql);
    const auto builtin =
        consent::builtin_migrations(Backend::postgresql, config::Settings::default_purposes());
    (void)Migrator(db, builtin).migrate();
    EXPECT_TRUE(Migrator(db, builtin).migrate().empty());
    EXPECT_EQ(count_rows(db, "instance"), 1);
    EXPECT_TRUE(std::regex_match(instance_id(db), std::regex("[0-9a-f]{32}")));

    auto with_broken = builtin;
    with_broken.push_back(broken_migration(builtin.back().version + 1));
    EXPECT_THROW((void)Migrator(db, with_broken).migrate(), StoreError);
    EXPECT_FALSE(db.has_table("half_done"));
    EXPECT_EQ(Migrator(db, builtin).status().current_version, builtin.back().version);

    db.execute_script("CREATE TEMPORARY TABLE t (x INTEGER)");
    {
        Transaction transaction(db);
        db.execute_script("INSERT INTO t VALUES (1)");
    }
    EXPECT_EQ(count_rows(db, "t"), 0);
}

}  // namespace
}  // namespace brevduva::store::test
