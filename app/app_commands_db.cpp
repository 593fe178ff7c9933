// brevduva db migrate|status|backup: bring the database schema up to date, show where it stands,
// or copy it safely while it runs.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "app/app_commands.hpp"
#include "consent/consent_migrations.hpp"
#include "store/store_backup.hpp"
#include "store/store_database.hpp"
#include "store/store_migrate.hpp"

namespace brevduva::app {
namespace {

void migrate(Context& context) {
    auto& db = context.database();
    store::Migrator migrator(
        db, consent::builtin_migrations(db.backend(), context.settings().purposes));
    const auto applied = migrator.migrate();
    for (const auto& m : applied) {
        fmt::print("applied {:04} {}\n", m.version, m.name);
    }
    const auto status = migrator.status();
    fmt::print("database {} is at version {}{}\n", db.location(), status.current_version,
               applied.empty() ? " (already up to date)" : "");
}

void print_status(Context& context) {
    auto& db = context.database();
    store::Migrator migrator(db, store::builtin_migrations(db.backend()));
    const auto status = migrator.status();
    fmt::print("database: {}\nversion:  {}\n", db.location(), status.current_version);
    for (const auto& a : status.applied) {
        fmt::print("  applied  {:04} {:<32} {}\n", a.version, a.name, a.applied_at);
    }
    for (const auto& p : status.pending) {
        fmt::print("  pending  {:04} {}\n", p.version, p.name);
    }
    for (const auto& step : status.pending_steps) fmt::print("  owed     step {}\n", step);
    if (status.behind()) {
        fmt::print("run 'brevduva db migrate' to apply {} pending migration{} and {} owed step{}\n",
                   status.pending.size(), status.pending.size() == 1 ? "" : "s",
                   status.pending_steps.size(), status.pending_steps.size() == 1 ? "" : "s");
    }
}

void backup(Context& context, const std::string& file) {
    const auto report = store::backup(context.database(), file);
    fmt::print("backup written to {} ({} bytes), integrity ok\n", report.file.string(),
               report.bytes);
}

}  // namespace

void add_db_commands(CLI::App& app, Context& context) {
    auto* db = app.add_subcommand("db", "Manage the database schema");
    db->require_subcommand(1);
    db->add_subcommand("migrate", "Apply pending schema migrations (each in its own transaction)")
        ->callback([&context] { migrate(context); });
    db->add_subcommand("status", "Show the schema version and applied and pending migrations")
        ->callback([&context] { print_status(context); });
    auto* backup_command = db->add_subcommand(
        "backup",
        "Write a consistent copy of the SQLite database to FILE while Brevduva keeps running "
        "(SQLite's VACUUM INTO; mode 0600; checked before it is renamed into place)");
    auto backup_file = std::make_shared<std::string>();
    backup_command->add_option("FILE", *backup_file, "The new file (must not exist)")->required();
    backup_command->callback([&context, backup_file] { backup(context, *backup_file); });
}

}  // namespace brevduva::app
