// erase(): GDPR Art. 17 in one transaction, then a WAL checkpoint so no copy stays behind.
#include <Poco/Data/Session.h>

#include "consent/consent_store.hpp"
#include "consent/consent_store_sql.hpp"

namespace brevduva::consent {
using detail::count_for;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

namespace {

// Counts the rows the query's WHERE selects for the contact, then deletes them.
std::int64_t delete_counted(store::Database& db, const std::string& table, const std::string& where,
                            std::int64_t contact) {
    const std::int64_t count =
        count_for(db, "SELECT count(*) FROM " + table + " WHERE " + where, contact);
    if (count > 0) {
        std::int64_t id = contact;
        db.session() << "DELETE FROM " + table + " WHERE " + where, use(id), now;
    }
    return count;
}

// Deliveries and their opens and clicks belong to later components; erased when they exist.
void erase_deliveries(store::Database& db, std::int64_t contact, ErasureReport& report) {
    if (!db.has_table("deliveries")) return;
    const std::string of_contact =
        "delivery_id IN (SELECT id FROM deliveries WHERE contact_id = $1)";
    if (db.has_table("opens")) report.opens = delete_counted(db, "opens", of_contact, contact);
    if (db.has_table("clicks")) report.clicks = delete_counted(db, "clicks", of_contact, contact);
    report.deliveries = delete_counted(db, "deliveries", "contact_id = $1", contact);
}

void erase_contact(store::Database& db, std::int64_t contact, std::int64_t organisation,
                   ErasureReport& report) {
    // The one state in which the ledger's trigger lets the contact's events go.
    db.session() << "UPDATE contacts SET erasing = 1 WHERE id = $1", use(contact), now;
    erase_deliveries(db, contact, report);
    report.list_memberships = delete_counted(db, "list_members", "contact_id = $1", contact);
    report.consent_states = delete_counted(db, "consent_state", "contact_id = $1", contact);
    report.consent_events = delete_counted(db, "consent_events", "contact_id = $1", contact);
    // Ids and counts only, but of this person's history: they go with it.
    (void)delete_counted(db, "contact_merges", "contact_id = $1", contact);
    db.session() << "DELETE FROM contacts WHERE id = $1", use(contact), now;
    if (organisation != 0 &&
        count_for(db, "SELECT count(*) FROM contacts WHERE organisation_id = $1", organisation) ==
            0) {
        db.session() << "DELETE FROM organisations WHERE id = $1", use(organisation), now;
        report.organisation_removed = true;
    }
}

// The all-purposes suppression with reason erased; one of another reason is raised to erased,
// so that lifting it needs the deliberate --lift-erasure.
bool suppress_erased(store::Database& db, const std::string& key, std::string_view actor,
                     TimePoint at) {
    std::string k = key, who(actor), when = detail::stored_time(at);
    std::string erased(to_string(SuppressionReason::erased));
    std::vector<std::string> reasons;
    db.session() << "SELECT reason FROM suppressions WHERE address_key = $1 AND purpose = ''",
        use(k), into(reasons), now;
    if (!reasons.empty() && reasons.front() == erased) return false;
    db.session() << "INSERT INTO suppressions (address_key, purpose, reason, suppressed_at, actor)"
                    " VALUES ($1, '', $2, $3, $4) ON CONFLICT (address_key, purpose) DO UPDATE"
                    " SET reason = excluded.reason, suppressed_at = excluded.suppressed_at,"
                    " actor = excluded.actor",
        use(k), use(erased), use(when), use(who), now;
    return true;
}

std::int64_t record_erasure(store::Database& db, const ErasureReport& r, std::string_view actor,
                            TimePoint at) {
    std::string when = detail::stored_time(at), who(actor);
    int found = r.contact_found ? 1 : 0;
    std::int64_t lists = r.list_memberships, events = r.consent_events, states = r.consent_states,
                 deliveries = r.deliveries, opens = r.opens, clicks = r.clicks, id = 0;
    db.session() << "INSERT INTO erasures (erased_at, actor, contact_found, list_memberships,"
                    " consent_events, consent_states, deliveries, opens, clicks)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        use(when), use(who), use(found), use(lists), use(events), use(states), use(deliveries),
        use(opens), use(clicks), into(id), now;
    return id;
}

}  // namespace

ErasureReport erase(SuppressionStore& suppressions, const EmailAddress& address,
                    std::string_view actor, TimePoint at) {
    store::Database& db = suppressions.database();
    ErasureReport report;
    {
        store::Transaction transaction(db, store::Transaction::Intent::write);
        std::string folded = fold_address(address);
        std::vector<std::int64_t> ids, organisations;
        db.session() << "SELECT id, COALESCE(organisation_id, 0) FROM contacts"
                        " WHERE folded_address = $1",
            use(folded), into(ids), into(organisations), now;
        if (!ids.empty()) {
            report.contact_found = true;
            erase_contact(db, ids.front(), organisations.front(), report);
        }
        report.suppression_added = suppress_erased(db, suppressions.key_for(address), actor, at);
        report.erasure_id = record_erasure(db, report, actor, at);
        transaction.commit();
    }
    if (db.backend() == store::Backend::sqlite) {
        // The WAL still holds the pages as they were before; TRUNCATE copies the zeroed pages
        // into the main file and empties the WAL, unless a reader holds an older snapshot.
        int busy = 0, log_frames = 0, checkpointed = 0;
        db.session() << "PRAGMA wal_checkpoint(TRUNCATE)", into(busy), into(log_frames),
            into(checkpointed), now;
        report.wal_truncated = busy == 0;
    } else {
        report.wal_truncated = true;  // not SQLite: there is no WAL file of ours to empty
    }
    return report;
}

}  // namespace brevduva::consent
