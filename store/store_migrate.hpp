// Numbered schema migrations. The schema of a database is the list of migrations recorded in
// its schema_version table; migrate() brings it to the newest this binary knows, each
// migration in one transaction together with its schema_version row, so a database is always
// exactly at some version and never between two. A failing migration leaves the database as
// it was before it. Migrations are only ever added: a database newer than this binary is
// refused, never "downgraded". Each .sql file is one migration, run as one script by the
// engine's own parser (Database::execute_script); it must not contain BEGIN or COMMIT.
// On SQLite, foreign keys are off while a migration runs (SQLite's own procedure for changing a
// table's constraints: build the new table, copy, drop the old one, rename) and every foreign
// key is checked before its commit; a migration that leaves one pointing nowhere fails.
// What SQL cannot do (refolding the consent view after contacts are merged) is a step in
// code, named in the file by a line "-- step: NAME" and attached by the component that owns
// it. A step runs the component's current code, which reads the newest schema, so it runs
// once every migration's SQL is applied, each step in a transaction of its own, in version
// order; the migration records it as owed (schema_steps) in its own transaction, so a step
// interrupted by a crash is run by the next `db migrate`, and the database counts as behind
// until it has run. A migration's SQL must therefore not rely on an earlier migration's step.
#pragma once

#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
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
    std::string step_name;                // from a line "-- step: NAME"; empty: none
    std::function<void(Database&)> step;  // attached by its component; required when named
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
    std::vector<std::string> pending_steps;  // "0005_identity: refold_views"

    [[nodiscard]] bool newer_than_known() const { return current_version > latest_known; }
    // Migrations to apply or steps still owed: the database is not ready for use.
    [[nodiscard]] bool behind() const { return !pending.empty() || !pending_steps.empty(); }
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

    // Applies every pending migration in order, then every step still owed, and returns the
    // migrations it applied: none when the database is current. Throws StoreError when a
    // migration or step fails (what came before stays applied; a failed step stays owed), when
    // the database is newer than this binary, or when its recorded history differs from the
    // migrations known here; std::logic_error before anything is applied when a migration
    // names a step that nobody attached.
    [[nodiscard]] std::vector<Migration> migrate();

  private:
    [[nodiscard]] std::vector<AppliedMigration> read_applied();
    void check_history(const std::vector<AppliedMigration>& applied) const;
    [[nodiscard]] int current_version_locked();
    void apply(const Migration& migration);
    [[nodiscard]] std::vector<std::pair<int, std::string>> owed_steps();
    void run_owed_steps();

    Database& db_;
    std::vector<Migration> migrations_;
    Clock clock_;
};

}  // namespace brevduva::store
