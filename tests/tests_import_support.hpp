// What the import tests share: a folder with a minimal configuration and a migrated SQLite
// database, running `brevduva contacts import` on CSV text, and a dump of everything an
// import writes (contacts, organisations, lists, ledger, view) without the times at which
// rows were written, so that two databases can be compared for the same state.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tests/tests_process.hpp"

namespace brevduva::tests {

class ImportFolder {
  public:
    // Writes config.yaml and migrates a fresh database named db_name.
    explicit ImportFolder(const std::string& db_name = "brevduva.db");

    [[nodiscard]] std::filesystem::path path(const std::string& name) const { return dir_ / name; }
    [[nodiscard]] const std::filesystem::path& config() const { return config_; }
    [[nodiscard]] const std::filesystem::path& database() const { return database_; }

    // Writes csv to a file of that name and imports it with the extra arguments.
    ProcessResult import(const std::string& file, const std::string& csv,
                         const std::vector<std::string>& extra = {}) const;
    // Runs brevduva with this folder's configuration.
    ProcessResult brevduva(std::vector<std::string> args) const;

    // One line per row, tables in a fixed order; written times left out.
    [[nodiscard]] std::string dump() const;
    // The result of one query, one line per row, columns separated by '|', NULL as "NULL".
    [[nodiscard]] std::string query(const std::string& sql) const;

  private:
    TempDir dir_;
    std::filesystem::path config_;
    std::filesystem::path database_;
};

}  // namespace brevduva::tests
