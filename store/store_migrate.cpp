#include "store/store_migrate.hpp"

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <regex>
#include <stdexcept>
#include <utility>
#include <vector>

namespace brevduva::store {
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

namespace {

constexpr std::string_view create_schema_version =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS schema_steps ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, done_at TEXT)";

[[nodiscard]] std::string iso8601_utc(std::chrono::system_clock::time_point at) {
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                       fmt::gmtime(std::chrono::system_clock::to_time_t(at)));
}

[[nodiscard]] std::string label(int version, std::string_view name) {
    return fmt::format("{:04}_{}", version, name);
}

[[nodiscard]] Migration parse_file(const EmbeddedFile& file, std::string_view base_name) {
    static const std::regex pattern(R"(([0-9]{4})_([a-z0-9_]+)\.sql)");
    const std::string base(base_name);
    std::smatch match;
    if (!std::regex_match(base, match, pattern)) {
        throw std::logic_error(
            fmt::format("migration file {} is not named NNNN_name.sql", file.name));
    }
    if (file.contents.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        throw std::logic_error(fmt::format("migration file {} is empty", file.name));
    }
    static const std::regex step_line(R"((^|\n)-- step: ([a-z0-9_]+)[ \t]*(\r?\n|$))");
    std::string sql(file.contents);
    std::smatch step;
    std::string step_name;
    if (std::regex_search(sql, step, step_line)) step_name = step[2].str();
    return Migration{
        std::stoi(match[1].str()), match[2].str(), std::move(sql), std::move(step_name), {}};
}

[[nodiscard]] StoreError failed(const Migration& migration, std::string_view cause) {
    return StoreError(fmt::format("migration {} failed, the database stays at version {}: {}",
                                  label(migration.version, migration.name), migration.version - 1,
                                  cause));
}

[[nodiscard]] StoreError failed_step(const Migration& migration, std::string_view cause) {
    return StoreError(
        fmt::format("the step {} of migration {} failed; it stays owed and runs "
                    "again at the next 'brevduva db migrate': {}",
                    migration.step_name, label(migration.version, migration.name), cause));
}

// Serialises migrate() between processes. SQLite's BEGIN IMMEDIATE already holds the one
// write lock; PostgreSQL needs an explicit lock held until the transaction ends.
void lock_for_migration(Database& db) {
    if (db.backend() == Backend::postgresql) {
        db.execute_script("SELECT pg_advisory_xact_lock(6441767437129410925)");
    }
}

// SQLite: foreign keys off for as long as it lives (they cannot be switched inside a
// transaction, so it is made before the migration's transaction begins), on again after.
class ForeignKeysOff {
  public:
    explicit ForeignKeysOff(Database& db) : db_(db) {
        if (db_.backend() == Backend::sqlite) db_.execute_script("PRAGMA foreign_keys = OFF");
    }
    ForeignKeysOff(const ForeignKeysOff&) = delete;
    ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;
    ~ForeignKeysOff() {
        if (db_.backend() != Backend::sqlite) return;
        try {
            db_.execute_script("PRAGMA foreign_keys = ON");
        } catch (const StoreError& e) {
            // Setting a flag outside a transaction does not fail short of the connection
            // breaking; the next statement on it will say so.
            spdlog::error("database {}: foreign keys could not be switched on again: {}",
                          db_.location(), e.what());
        }
    }

  private:
    Database& db_;
};

// SQLite checks foreign keys only while they are on: what the migration left must be
// checked before it commits.
void check_foreign_keys(Database& db) {
    if (db.backend() != Backend::sqlite) return;
    std::vector<std::string> tables, parents;
    std::vector<Poco::Nullable<std::int64_t>> rows;
    std::vector<std::int64_t> keys;
    db.session() << "PRAGMA foreign_key_check", into(tables), into(rows), into(parents), into(keys),
        now;
    if (!tables.empty()) {
        throw StoreError(fmt::format(
            "it leaves {} row{} whose foreign key points nowhere (the first in {}, to {})",
            tables.size(), tables.size() == 1 ? "" : "s", tables.front(), parents.front()));
    }
}

}  // namespace

std::vector<Migration> parse_migrations(std::span<const EmbeddedFile> files,
                                        std::string_view folder) {
    const std::string prefix = fmt::format("{}/", folder);
    std::vector<Migration> migrations;
    for (const EmbeddedFile& file : files) {
        if (file.name.starts_with(prefix)) {
            migrations.push_back(parse_file(file, file.name.substr(prefix.size())));
        }
    }
    std::sort(migrations.begin(), migrations.end(),
              [](const Migration& a, const Migration& b) { return a.version < b.version; });
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        const int expected = static_cast<int>(i) + 1;
        if (migrations[i].version != expected) {
            throw std::logic_error(
                fmt::format("migrations in {}: expected version {:04}, found {} ({})", folder,
                            expected, label(migrations[i].version, migrations[i].name),
                            migrations[i].version < expected ? "a duplicate" : "a gap"));
        }
    }
    return migrations;
}

std::vector<Migration> builtin_migrations(Backend backend) {
    return parse_migrations(embedded_files(), backend == Backend::sqlite ? "migrations/sqlite"
                                                                         : "migrations/postgresql");
}

Migrator::Migrator(Database& db, std::vector<Migration> migrations, Clock clock)
    : db_(db), migrations_(std::move(migrations)), clock_(std::move(clock)) {}

MigrationStatus Migrator::status() {
    MigrationStatus status;
    status.latest_known = migrations_.empty() ? 0 : migrations_.back().version;
    {
        Transaction snapshot(db_, Transaction::Intent::read);
        if (db_.has_table("schema_version")) {
            status.applied = read_applied();
        }
    }
    status.current_version = status.applied.empty() ? 0 : status.applied.back().version;
    for (const Migration& migration : migrations_) {
        if (migration.version > status.current_version) {
            status.pending.push_back(migration);
        }
    }
    for (const auto& [version, name] : owed_steps()) {
        const auto known =
            std::find_if(migrations_.begin(), migrations_.end(),
                         [v = version](const Migration& m) { return m.version == v; });
        status.pending_steps.push_back(fmt::format(
            "{}: {}",
            known == migrations_.end() ? std::to_string(version) : label(version, known->name),
            name));
    }
    return status;
}

std::vector<std::pair<int, std::string>> Migrator::owed_steps() {
    std::vector<std::pair<int, std::string>> owed;
    if (!db_.has_table("schema_steps")) return owed;
    std::vector<int> versions;
    std::vector<std::string> names;
    db_.session() << "SELECT version, name FROM schema_steps WHERE done_at IS NULL"
                     " ORDER BY version",
        into(versions), into(names), now;
    for (std::size_t i = 0; i < versions.size(); ++i) owed.emplace_back(versions[i], names[i]);
    return owed;
}

void Migrator::run_owed_steps() {
    for (;;) {
        Transaction transaction(db_);
        lock_for_migration(db_);
        const auto owed = owed_steps();
        if (owed.empty()) break;
        const auto& [version, name] = owed.front();
        const auto migration =
            std::find_if(migrations_.begin(), migrations_.end(),
                         [v = version](const Migration& m) { return m.version == v; });
        if (migration == migrations_.end() || !migration->step) {
            throw std::logic_error(
                fmt::format("the step '{}' of migration {:04} is owed, and "
                            "nothing attached it",
                            name, version));
        }
        try {
            migration->step(db_);
            int v = version;
            std::string done_at = iso8601_utc(clock_());
            db_.session() << (db_.backend() == Backend::sqlite
                                  ? "UPDATE schema_steps SET done_at = ? WHERE version = ?"
                                  : "UPDATE schema_steps SET done_at = $1 WHERE version = $2"),
                use(done_at), use(v), now;
        } catch (const Poco::Exception& e) {
            throw failed_step(*migration, e.displayText());
        } catch (const StoreError& e) {
            throw failed_step(*migration, e.what());
        }
        transaction.commit();
        spdlog::info("database {}: ran the step {} of migration {}", db_.location(), name,
                     label(migration->version, migration->name));
    }
}

std::vector<Migration> Migrator::migrate() {
    for (const Migration& migration : migrations_) {
        if (!migration.step_name.empty() && !migration.step) {
            throw std::logic_error(fmt::format("migration {} needs the step '{}', not attached",
                                               label(migration.version, migration.name),
                                               migration.step_name));
        }
    }
    {
        Transaction transaction(db_);
        lock_for_migration(db_);
        db_.execute_script(create_schema_version);
        transaction.commit();
    }
    std::vector<Migration> applied;
    // One transaction per migration, and the version re-read inside it: another process
    // may have migrated while this one waited for the lock.
    for (;;) {
        const ForeignKeysOff foreign_keys_off(db_);
        Transaction transaction(db_);
        lock_for_migration(db_);
        const int current = current_version_locked();
        if (static_cast<std::size_t>(current) >= migrations_.size()) {
            break;
        }
        const Migration& next = migrations_[static_cast<std::size_t>(current)];
        apply(next);
        transaction.commit();
        spdlog::info("database {}: applied migration {}", db_.location(),
                     label(next.version, next.name));
        applied.push_back(next);
    }
    run_owed_steps();
    return applied;
}

std::vector<AppliedMigration> Migrator::read_applied() {
    std::vector<int> versions;
    std::vector<std::string> names;
    std::vector<std::string> times;
    db_.session() << "SELECT version, name, applied_at FROM schema_version ORDER BY version",
        into(versions), into(names), into(times), now;
    std::vector<AppliedMigration> applied;
    for (std::size_t i = 0; i < versions.size(); ++i) {
        applied.push_back({versions[i], names[i], times[i]});
    }
    return applied;
}

void Migrator::check_history(const std::vector<AppliedMigration>& applied) const {
    const int latest = migrations_.empty() ? 0 : migrations_.back().version;
    if (!applied.empty() && applied.back().version > latest) {
        throw StoreError(fmt::format(
            "database {} is at version {}, this brevduva knows up to {}: upgrade brevduva",
            db_.location(), applied.back().version, latest));
    }
    // Same numbers with other names mean the database was migrated by a different line of
    // development; building on it would give a schema nobody wrote.
    for (std::size_t i = 0; i < applied.size(); ++i) {
        const bool matches = i < migrations_.size() &&
                             applied[i].version == migrations_[i].version &&
                             applied[i].name == migrations_[i].name;
        if (!matches) {
            throw StoreError(fmt::format(
                "database {} records migration {} where this brevduva has {}: its schema "
                "history differs from this build's",
                db_.location(), label(applied[i].version, applied[i].name),
                i < migrations_.size() ? label(migrations_[i].version, migrations_[i].name)
                                       : "none"));
        }
    }
}

int Migrator::current_version_locked() {
    const std::vector<AppliedMigration> applied = read_applied();
    check_history(applied);
    return applied.empty() ? 0 : applied.back().version;
}

void Migrator::apply(const Migration& migration) {
    int version = migration.version;
    std::string name = migration.name;
    std::string applied_at = iso8601_utc(clock_());
    try {
        db_.execute_script(migration.sql);
        check_foreign_keys(db_);
        db_.session() << (db_.backend() == Backend::sqlite
                              ? "INSERT INTO schema_version (version, name, applied_at)"
                                " VALUES (?, ?, ?)"
                              : "INSERT INTO schema_version (version, name, applied_at)"
                                " VALUES ($1, $2, $3)"),
            use(version), use(name), use(applied_at), now;
        if (!migration.step_name.empty()) {
            std::string step = migration.step_name;
            db_.session() << (db_.backend() == Backend::sqlite
                                  ? "INSERT INTO schema_steps (version, name) VALUES (?, ?)"
                                  : "INSERT INTO schema_steps (version, name) VALUES ($1, $2)"),
                use(version), use(step), now;
        }
    } catch (const Poco::Exception& e) {
        // Poco's what() is only the exception's class; displayText() has the engine's words.
        throw failed(migration, e.displayText());
    } catch (const StoreError& e) {
        throw failed(migration, e.what());
    }
}

}  // namespace brevduva::store
