#include "consent/consent_store_sql.hpp"

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>
#include <Poco/Nullable.h>
#include <fmt/format.h>

#include <chrono>

namespace brevduva::consent::detail {
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;
namespace chrono = std::chrono;

namespace {

Poco::Nullable<std::string> nullable(const std::optional<std::string>& text) {
    return text ? Poco::Nullable<std::string>(*text) : Poco::Nullable<std::string>();
}

std::optional<std::string> optional(const Poco::Nullable<std::string>& text) {
    return text.isNull() ? std::nullopt : std::optional<std::string>(text.value());
}

}  // namespace

std::optional<std::string> stored_optional_time(const std::optional<TimePoint>& at) {
    return at ? std::optional<std::string>(stored_time(*at)) : std::nullopt;
}

std::optional<TimePoint> read_optional_time(const std::optional<std::string>& text) {
    return text ? std::optional<TimePoint>(read_stored_time(*text)) : std::nullopt;
}

EmailAddress stored_address(const std::string& text) {
    const auto at = text.rfind('@');
    if (at == std::string::npos) {
        throw store::StoreError("the database holds a contact address without a domain");
    }
    return {text.substr(0, at), text.substr(at + 1)};
}

WriteScope::WriteScope(store::Database& db) {
    if (!db.in_transaction()) own_.emplace(db, store::Transaction::Intent::write);
}

void WriteScope::commit() {
    if (own_) own_->commit();
}

ContactRow read_contact_facts(store::Database& db, ContactId contact) {
    std::int64_t found = 0;
    std::int64_t organisations = 0;
    db.session() << "SELECT count(*), count(organisation_id) FROM contacts WHERE id = $1",
        use(contact), into(found), into(organisations), now;
    return {found > 0, ContactFacts{organisations > 0}};
}

std::vector<LedgerEntry> read_events(store::Database& db, ContactId contact,
                                     std::string_view purpose) {
    std::vector<std::int64_t> ids;
    std::vector<std::string> purposes, actions, bases, sources, evidence, ips, agents, wordings,
        actors, occurred, recorded;
    std::vector<Poco::Nullable<std::int64_t>> deliveries;
    std::string wanted(purpose);
    db.session() << "SELECT id, purpose, action, basis, source, evidence, evidence_ip,"
                    " evidence_user_agent, evidence_wording, actor, occurred_at, recorded_at,"
                    " delivery_id"
                    " FROM consent_events WHERE contact_id = $1 AND ($2 = '' OR purpose = $2)"
                    " ORDER BY occurred_at, id",
        use(contact), use(wanted), into(ids), into(purposes), into(actions), into(bases),
        into(sources), into(evidence), into(ips), into(agents), into(wordings), into(actors),
        into(occurred), into(recorded), into(deliveries), now;
    std::vector<LedgerEntry> entries;
    entries.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto action = parse_action(actions[i]);
        const auto basis = parse_lawful_basis(bases[i]);
        if (!action || !basis) {
            throw store::StoreError(fmt::format("consent event {} is malformed", ids[i]));
        }
        LedgerEntry& e = entries.emplace_back();
        e.contact_id = contact;
        e.event = {ids[i],     purposes[i], *action,  *basis, read_stored_time(occurred[i]),
                   sources[i], evidence[i], actors[i]};
        e.details = {ips[i], agents[i], wordings[i]};
        e.recorded_at = read_stored_time(recorded[i]);
        e.delivery_id = deliveries[i].isNull() ? 0 : deliveries[i].value();
    }
    return entries;
}

void write_state(store::Database& db, ContactId contact, const ConsentState& state) {
    std::string purpose = state.purpose;
    std::string status(to_string(state.status));
    Poco::Nullable<std::string> basis;
    if (state.basis) basis = std::string(lawful_basis_name(*state.basis));
    auto granted = nullable(stored_optional_time(state.granted_at));
    auto confirmed = nullable(stored_optional_time(state.confirmed_at));
    auto lapses = nullable(stored_optional_time(state.lapses_at));
    auto ended = nullable(stored_optional_time(state.ended_at));
    auto objected = nullable(stored_optional_time(state.objected_at));
    std::int64_t last = state.last_event_id;
    db.session() << "INSERT INTO consent_state (contact_id, purpose, status, basis, granted_at,"
                    " confirmed_at, lapses_at, ended_at, objected_at, last_event_id)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                    " ON CONFLICT (contact_id, purpose) DO UPDATE SET status = excluded.status,"
                    " basis = excluded.basis, granted_at = excluded.granted_at,"
                    " confirmed_at = excluded.confirmed_at, lapses_at = excluded.lapses_at,"
                    " ended_at = excluded.ended_at, objected_at = excluded.objected_at,"
                    " last_event_id = excluded.last_event_id",
        use(contact), use(purpose), use(status), use(basis), use(granted), use(confirmed),
        use(lapses), use(ended), use(objected), use(last), now;
}

std::vector<StoredState> read_states(store::Database& db, ContactId first, ContactId last) {
    std::vector<std::int64_t> contacts, last_events;
    std::vector<std::string> purposes, statuses;
    std::vector<Poco::Nullable<std::string>> bases, granted, confirmed, lapses, ended, objected;
    db.session() << "SELECT contact_id, purpose, status, basis, granted_at, confirmed_at,"
                    " lapses_at, ended_at, objected_at, last_event_id FROM consent_state"
                    " WHERE contact_id BETWEEN $1 AND $2 ORDER BY contact_id, purpose",
        use(first), use(last), into(contacts), into(purposes), into(statuses), into(bases),
        into(granted), into(confirmed), into(lapses), into(ended), into(objected),
        into(last_events), now;
    std::vector<StoredState> rows;
    rows.reserve(contacts.size());
    for (std::size_t i = 0; i < contacts.size(); ++i) {
        const auto status = parse_consent_status(statuses[i]);
        const auto basis = bases[i].isNull() ? std::nullopt : parse_lawful_basis(bases[i].value());
        if (!status || (!bases[i].isNull() && !basis)) {
            throw store::StoreError(
                fmt::format("the consent view row of contact {} for {} is "
                            "malformed",
                            contacts[i], purposes[i]));
        }
        ConsentState s;
        s.purpose = purposes[i];
        s.status = *status;
        s.basis = basis;
        s.granted_at = read_optional_time(optional(granted[i]));
        s.confirmed_at = read_optional_time(optional(confirmed[i]));
        s.lapses_at = read_optional_time(optional(lapses[i]));
        s.ended_at = read_optional_time(optional(ended[i]));
        s.objected_at = read_optional_time(optional(objected[i]));
        s.last_event_id = last_events[i];
        rows.push_back({contacts[i], std::move(s)});
    }
    return rows;
}

std::int64_t count_for(store::Database& db, const std::string& sql, std::int64_t id) {
    std::int64_t count = 0;
    db.session() << sql, use(id), into(count), now;
    return count;
}

}  // namespace brevduva::consent::detail
