// Numbered schema migrations. The schema of a database is the list of migrations recorded in
// its schema_version table; migrate() brings it to the newest this binary knows, each
// migration in one transaction together with its schema_version row, so a database is always
// exactly at some version and never between two. A failing migration leaves the database as
// it was before it. Migrations are only ever added: a database newer than this binary is
// refused, never "downgraded". Each .sql file is one migration, run as one script by the
// engine's own parser (Database::execute_script); it must not contain BEGIN or COMMIT.
#pragma once

#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/store_database.hpp"
#include "store/store_embedded.hpp"

namespace brevduva::store {

// Defined by the build (brevduva_embed_files in store/CMakeLists.txt): every file under
// store/migrations/, named relative to store/, sorted by name.
std::span<const EmbeddedFile> embedded_files();

struct Migration {
    int version = 0;
    std::string name;  // from the file name: 0001_instance.sql is version 1, name "instance"
    std::string sql;
};

struct AppliedMigration {
    int version = 0;
    std::string name;
    std::string applied_at;  // ISO 8601 UTC, e.g. 2025-03-01T09:30:00Z
};

struct MigrationStatus {
    int current_version = 0;  // 0: nothing applied yet
    int latest_known = 0;     // the newest migration this binary has
    std::vector<AppliedMigration> applied;
    std::vector<Migration> pending;

    [[nodiscard]] bool newer_than_known() const { return current_version > latest_known; }
};

// Reads the files under folder ("migrations/sqlite") named NNNN_name.sql, with NNNN four
// digits counting up from 0001 without gaps or duplicates and name in [a-z0-9_]. Files
// outside folder are ignored. A malformed set is a programming error: throws
// std::logic_error, so the test suite catches it before a release does.
[[nodiscard]] std::vector<Migration> parse_migrations(std::span<const EmbeddedFile> files,
                                                      std::string_view folder);

// The migrations compiled into this binary for backend.
[[nodiscard]] std::vector<Migration> builtin_migrations(Backend backend);

class Migrator {
  public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;

    // migrations must be as parse_migrations returns them; tests pass their own.
    Migrator(Database& db, std::vector<Migration> migrations,
             Clock clock = &std::chrono::system_clock::now);

    // Reads schema_version without writing anything. A database newer than this binary is
    // reported (newer_than_known), not refused, so that it can be shown.
    [[nodiscard]] MigrationStatus status();

    // Applies every pending migration in order and returns those it applied: none when the
    // database is current. Throws StoreError when a migration fails (earlier ones stay
    // applied), when the database is newer than this binary, or when its recorded history
    // differs from the migrations known here.
    [[nodiscard]] std::vector<Migration> migrate();

  private:
    [[nodiscard]] std::vector<AppliedMigration> read_applied();
    void check_history(const std::vector<AppliedMigration>& applied) const;
    [[nodiscard]] int current_version_locked();
    void apply(const Migration& migration);

    Database& db_;
    std::vector<Migration> migrations_;
    Clock clock_;
};

}  // namespace brevduva::store
