#include "consent/consent_migrations.hpp"

#include <Poco/Data/Session.h>
#include <fmt/format.h>

#include "consent/consent_store.hpp"

namespace brevduva::consent {
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

namespace {

// The view rows the migration left stale: of every contact that gained events by a merge, and
// of every contact with two events of one purpose and one time, whose fold changed when ties
// began to fail closed.
void refold_views(store::Database& db, std::span<const config::PurposeSettings> purposes) {
    std::vector<std::int64_t> contacts;
    db.session() << "SELECT contact_id FROM contact_merges UNION"
                    " SELECT a.contact_id FROM consent_events a JOIN consent_events b"
                    " ON b.contact_id = a.contact_id AND b.purpose = a.purpose"
                    " AND b.occurred_at = a.occurred_at AND b.id > a.id"
                    " ORDER BY 1",
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
        if (migration.step_name == "refold_views") {
            migration.step = [configured](store::Database& db) { refold_views(db, configured); };
        }
    }
    return migrations;
}

}  // namespace brevduva::consent
