// Shared by the store tests: a temporary folder that is removed afterwards, a fixture with a
// fresh SQLite path and the built-in migrations, and small queries on what migrations made.
#pragma once

#include <Poco/Data/Session.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "config/config_settings.hpp"
#include "consent/consent_migrations.hpp"
#include "store/store_database.hpp"
#include "store/store_migrate.hpp"

namespace brevduva::store::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline constexpr auto busy_timeout = 2000ms;

class TempFolder {
  public:
    TempFolder() {
        std::random_device random;
        path_ = fs::temp_directory_path() /
                fmt::format("brevduva-store-test-{}-{:08x}", ::getpid(), random());
        fs::create_directories(path_);
    }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;
    ~TempFolder() {
        std::error_code ec;
        for (const auto& entry : fs::recursive_directory_iterator(path_, ec)) {
            fs::permissions(entry.path(), fs::perms::owner_all, fs::perm_options::add, ec);
        }
        fs::remove_all(path_, ec);
    }
    [[nodiscard]] const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

// The POSIX (fcntl) locks process `pid` holds on the file at `path`, as /proc/locks lists
// them: one "READ 1073741826 1073742335"-style line each (type and byte range). SQLite keeps a
// shared lock on the database file for as long as a WAL connection has read it; when a process
// loses it, another process may take the database for unused and delete its WAL.
[[nodiscard]] inline std::vector<std::string> posix_locks(pid_t pid, const fs::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};
    // /proc/locks names a file as MAJOR:MINOR:INODE, the numbers in hex, hex, decimal.
    const std::string file = fmt::format(":{}", static_cast<unsigned long long>(st.st_ino));
    std::ifstream in("/proc/locks");
    std::vector<std::string> held;
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::string number, kind, mode, type, owner, id, start, end;
        fields >> number >> kind >> mode >> type >> owner >> id >> start >> end;
        if (kind != "POSIX" || owner != std::to_string(pid)) continue;
        if (id.size() < file.size() || id.compare(id.size() - file.size(), file.size(), file) != 0)
            continue;
        held.push_back(fmt::format("{} {} {}", type, start, end));
    }
    return held;
}

[[nodiscard]] inline std::int64_t count_rows(Database& db, const std::string& table) {
    using Poco::Data::Keywords::into;
    using Poco::Data::Keywords::now;
    std::int64_t count = 0;
    db.session() << fmt::format("SELECT count(*) FROM {}", table), into(count), now;
    return count;
}

[[nodiscard]] inline std::string instance_id(Database& db) {
    using Poco::Data::Keywords::into;
    using Poco::Data::Keywords::now;
    std::string id;
    db.session() << "SELECT id FROM instance", into(id), now;
    return id;
}

// A migration whose third statement fails after the first two succeeded.
[[nodiscard]] inline Migration broken_migration(int version) {
    return {version,
            "broken",
            "CREATE TABLE half_done (x INTEGER);\n"
            "INSERT INTO half_done VALUES (1);\n"
            "INSERT INTO no_such_table VALUES (1);\n",
            {},
            {}};
}

class StoreTest : public ::testing::Test {
  protected:
    [[nodiscard]] fs::path db_path() const { return folder_.path() / "brevduva.db"; }
    [[nodiscard]] Database open() const { return Database::open_sqlite(db_path(), busy_timeout); }

    TempFolder folder_;
    // With the steps consent/ attaches: some migrations need them, and a store without them
    // refuses to migrate.
    std::vector<Migration> builtin_ =
        consent::builtin_migrations(Backend::sqlite, config::Settings::default_purposes());
};

}  // namespace brevduva::store::test
