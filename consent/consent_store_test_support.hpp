// Shared by the consent store tests: a fresh migrated SQLite database in a temporary folder,
// the default purposes, the repositories over it, and small builders for contacts and events.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "consent/consent_migrations.hpp"
#include "consent/consent_store.hpp"
#include "store/store_database.hpp"
#include "store/store_migrate.hpp"

namespace brevduva::consent::test {
namespace fs = std::filesystem;
using namespace std::chrono;

inline const TimePoint t0 = sys_days{2025y / January / 31} + 12h;
inline TimePoint day(int n) { return t0 + days{n}; }

inline const std::string test_secret = "suppression-secret-for-tests-0123456789abcdef";

[[nodiscard]] inline EmailAddress address(std::string_view text) {
    auto normal = normalise_address(text);
    if (!normal) throw std::invalid_argument(normal.error());
    return std::move(normal).value();
}

class StoreFixture : public ::testing::Test {
  protected:
    StoreFixture()
        : folder_(fs::temp_directory_path() / fmt::format("brevduva-consent-test-{}-{:08x}",
                                                          ::getpid(), std::random_device{}())),
          db_(open()) {
        store::Migrator migrator(db_, builtin_migrations(store::Backend::sqlite, purposes_));
        (void)migrator.migrate();
    }
    ~StoreFixture() override {
        std::error_code ignored;
        fs::remove_all(folder_, ignored);
    }

    [[nodiscard]] fs::path db_path() const { return folder_ / "brevduva.db"; }

    // Creates (or merges) a contact and returns its id.
    ContactId contact(std::string_view text, const std::string& organisation = "") {
        ContactUpdate update;
        update.address = address(text);
        update.address_given = std::string(text);
        if (!organisation.empty()) update.organisation = organisation;
        auto result = contacts_.upsert(update);
        if (!result) throw std::runtime_error(result.error());
        return result.value().id;
    }

    Appended append(ContactId id, Action action, LawfulBasis basis, TimePoint at,
                    std::string purpose = "product_marketing") {
        LedgerEntry entry;
        entry.contact_id = id;
        entry.event = {0,       std::move(purpose), action,  basis, at,
                       "admin", "test evidence",    "tester"};
        auto result = ledger_.append(entry);
        if (!result) throw std::runtime_error(std::string(to_string(result.error())));
        return std::move(result).value();
    }

    fs::path folder_;
    store::Database db_;
    std::vector<PurposeSettings> purposes_ = config::Settings::default_purposes();
    ContactStore contacts_{db_, purposes_};
    Ledger ledger_{db_, purposes_};
    SuppressionStore suppressions_{db_, test_secret};
    Eligibility eligibility_{db_, purposes_, suppressions_};

  private:
    store::Database open() {
        fs::create_directories(folder_);
        return store::Database::open_sqlite(db_path(), 2000ms);
    }
};

}  // namespace brevduva::consent::test
