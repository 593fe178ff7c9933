// A consistent copy of a running SQLite database, the one safe way to back it up while web,
// worker and serve keep writing: SQLite itself writes the copy (VACUUM INTO, one read
// snapshot), so no other descriptor ever opens the database file (store_sqlite.hpp says why
// that matters). The copy is written beside the target under a temporary name, readable by
// its owner only (it holds personal data and the consent ledger), synced, checked with
// PRAGMA integrity_check, and only then renamed into place: FILE either does not exist or is
// a whole, checked backup.
#pragma once

#include <cstdint>
#include <filesystem>

#include "store/store_database.hpp"

namespace brevduva::store {

struct BackupReport {
    std::filesystem::path file;
    std::uintmax_t bytes = 0;
};

// Throws StoreError: FILE already exists, its folder is missing or not writable, the copy or
// its check failed (nothing is left behind then), or the database is PostgreSQL (pg_dump and
// the server's own backups are the tools there).
[[nodiscard]] BackupReport backup(Database& db, const std::filesystem::path& file);

}  // namespace brevduva::store
