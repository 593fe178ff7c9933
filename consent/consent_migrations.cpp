#include "consent/consent_migrations.hpp"

#include <Poco/Data/Session.h>
#include <fmt/format.h>

#include "consent/consent_store.hpp"

namespace brevduva::consent {
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

namespace {

void refold_merged_contacts(store::Database& db,
                            std::span<const config::PurposeSettings> purposes) {
    std::vector<std::int64_t> contacts;
    db.session() << "SELECT DISTINCT contact_id FROM contact_merges ORDER BY contact_id",
        into(contacts), now;
    Ledger ledger(db, purposes);
    for (const std::int64_t contact : contacts) ledger.refresh(contact);
}

}  // namespace

std::vector<store::Migration> builtin_migrations(
    store::Backend backend, std::span<const config::PurposeSettings> purposes) {
    auto migrations = store::builtin_migrations(backend);
    const std::vector<config::PurposeSettings> configured(purposes.begin(), purposes.end());
    for (auto& migration : migrations) {
        if (migration.step_name == "refold_merged_contacts") {
            migration.step = [configured](store::Database& db) {
                refold_merged_contacts(db, configured);
            };
        }
    }
    return migrations;
}

}  // namespace brevduva::consent
