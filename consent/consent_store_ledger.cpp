// Ledger: appending events and keeping the view row of each contact and purpose equal to the
// fold of its events, in the same transaction as the event.
#include <Poco/Data/Session.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "consent/consent_store.hpp"
#include "consent/consent_store_sql.hpp"

namespace brevduva::consent {
using detail::stored_time;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

namespace {

std::vector<ConsentEvent> plain_events(std::vector<LedgerEntry> entries) {
    std::vector<ConsentEvent> events;
    events.reserve(entries.size());
    for (auto& entry : entries) events.push_back(std::move(entry.event));
    return events;
}

// Folds the contact's events for the purpose and stores the result.
ConsentState refresh_one(store::Database& db, ContactId contact, const PurposeSettings& purpose,
                         const ContactFacts& facts) {
    const auto events = plain_events(detail::read_events(db, contact, purpose.name));
    ConsentState state = fold(events, purpose, facts);
    if (events.empty()) {
        std::string name = purpose.name;
        db.session() << "DELETE FROM consent_state WHERE contact_id = $1 AND purpose = $2",
            use(contact), use(name), now;
    } else {
        detail::write_state(db, contact, state);
    }
    return state;
}

bool already_recorded(store::Database& db, const LedgerEntry& entry) {
    std::int64_t contact = entry.contact_id;
    std::string purpose = entry.event.purpose;
    std::string action(to_string(entry.event.action));
    std::string basis(lawful_basis_name(entry.event.basis));
    std::string at = stored_time(entry.event.at);
    std::string source = entry.event.source;
    std::int64_t count = 0;
    db.session() << "SELECT count(*) FROM consent_events WHERE contact_id = $1 AND purpose = $2"
                    " AND action = $3 AND basis = $4 AND occurred_at = $5 AND source = $6",
        use(contact), use(purpose), use(action), use(basis), use(at), use(source), into(count), now;
    return count > 0;
}

std::int64_t insert_event(store::Database& db, const LedgerEntry& entry, TimePoint recorded) {
    std::int64_t contact = entry.contact_id;
    std::string purpose = entry.event.purpose;
    std::string action(to_string(entry.event.action));
    std::string basis(lawful_basis_name(entry.event.basis));
    std::string source = entry.event.source, evidence = entry.event.evidence, ip = entry.details.ip,
                agent = entry.details.user_agent, wording = entry.details.wording,
                actor = entry.event.actor;
    std::string at = stored_time(entry.event.at);
    std::string recorded_at = stored_time(recorded);
    Poco::Nullable<std::int64_t> delivery;
    if (entry.delivery_id != 0) delivery = entry.delivery_id;
    std::int64_t id = 0;
    db.session() << "INSERT INTO consent_events (contact_id, purpose, action, basis, source,"
                    " evidence, evidence_ip, evidence_user_agent, evidence_wording, actor,"
                    " occurred_at, recorded_at, delivery_id)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                    " RETURNING id",
        use(contact), use(purpose), use(action), use(basis), use(source), use(evidence), use(ip),
        use(agent), use(wording), use(actor), use(at), use(recorded_at), use(delivery), into(id),
        now;
    return id;
}

}  // namespace

std::string_view to_string(LedgerError error) {
    switch (error) {
        case LedgerError::unknown_purpose:
            return "unknown_purpose";
        case LedgerError::unknown_contact:
            return "unknown_contact";
    }
    return "unknown";
}

std::int64_t purpose_id(store::Database& db, std::string_view name) {
    std::string text(name);
    std::string created = stored_time(std::chrono::system_clock::now());
    db.session() << "INSERT INTO purposes (name, created_at) VALUES ($1, $2)"
                    " ON CONFLICT (name) DO NOTHING",
        use(text), use(created), now;
    std::int64_t id = 0;
    db.session() << "SELECT id FROM purposes WHERE name = $1", use(text), into(id), now;
    return id;
}

std::optional<std::string> purpose_name(store::Database& db, std::int64_t id) {
    std::vector<std::string> names;
    db.session() << "SELECT name FROM purposes WHERE id = $1", use(id), into(names), now;
    return names.empty() ? std::nullopt : std::optional<std::string>(names.front());
}

Ledger::Ledger(store::Database& db, std::span<const PurposeSettings> purposes)
    : db_(db), purposes_(purposes.begin(), purposes.end()) {}

const PurposeSettings* Ledger::purpose(std::string_view name) const {
    const auto found = std::find_if(purposes_.begin(), purposes_.end(),
                                    [&](const PurposeSettings& p) { return p.name == name; });
    return found == purposes_.end() ? nullptr : &*found;
}

Result<Appended, LedgerError> Ledger::append(const LedgerEntry& entry) {
    using R = Result<Appended, LedgerError>;
    auto appended = append_once_or_always(entry, false);
    if (!appended) return R::failure(appended.error());
    return R::success(std::move(*std::move(appended).value()));
}

Result<std::optional<Appended>, LedgerError> Ledger::append_once(const LedgerEntry& entry) {
    return append_once_or_always(entry, true);
}

Result<std::optional<Appended>, LedgerError> Ledger::append_once_or_always(const LedgerEntry& entry,
                                                                           bool once) {
    using R = Result<std::optional<Appended>, LedgerError>;
    const PurposeSettings* settings = purpose(entry.event.purpose);
    if (settings == nullptr) return R::failure(LedgerError::unknown_purpose);
    detail::WriteScope scope(db_);
    lock_contact(db_, entry.contact_id);
    const auto contact = detail::read_contact_facts(db_, entry.contact_id);
    if (!contact.exists) return R::failure(LedgerError::unknown_contact);
    if (once && already_recorded(db_, entry)) return R::success(std::nullopt);
    Appended appended;
    appended.event_id = insert_event(db_, entry, std::chrono::system_clock::now());
    appended.state = refresh_one(db_, entry.contact_id, *settings, contact.facts);
    scope.commit();
    return R::success(std::move(appended));
}

std::vector<LedgerEntry> Ledger::history(ContactId contact) {
    return detail::read_events(db_, contact, "");
}

std::vector<ConsentEvent> Ledger::events(ContactId contact) {
    return plain_events(detail::read_events(db_, contact, ""));
}

std::vector<ConsentState> Ledger::states(ContactId contact) {
    std::vector<ConsentState> states;
    for (auto& row : detail::read_states(db_, contact, contact)) {
        states.push_back(std::move(row.state));
    }
    return states;
}

void lock_contact(store::Database& db, ContactId contact) {
    if (db.backend() != store::Backend::postgresql) return;
    std::vector<std::int64_t> locked;
    db.session() << "SELECT id FROM contacts WHERE id = $1 FOR UPDATE", use(contact), into(locked),
        now;
}

std::vector<ContactMerge> Ledger::merges(ContactId contact) {
    std::vector<std::int64_t> merged, events, lists, deliveries;
    std::vector<std::string> reasons, actors, times;
    db_.session() << "SELECT merged_contact_id, reason, consent_events, list_memberships,"
                     " deliveries, actor, merged_at FROM contact_merges WHERE contact_id = $1"
                     " ORDER BY id",
        use(contact), into(merged), into(reasons), into(events), into(lists), into(deliveries),
        into(actors), into(times), now;
    std::vector<ContactMerge> out;
    for (std::size_t i = 0; i < merged.size(); ++i) {
        out.push_back({merged[i], reasons[i], events[i], lists[i], deliveries[i], actors[i],
                       detail::read_stored_time(times[i])});
    }
    return out;
}

void Ledger::refresh(ContactId contact) {
    detail::WriteScope scope(db_);
    const auto row = detail::read_contact_facts(db_, contact);
    if (!row.exists) return;
    for (const auto& settings : purposes_) (void)refresh_one(db_, contact, settings, row.facts);
    scope.commit();
}

}  // namespace brevduva::consent
