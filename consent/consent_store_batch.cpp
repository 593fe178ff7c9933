// The gate's facts for a batch of contacts in three queries: what the worker reads for every
// batch it is about to send, instead of four queries per recipient.
#include <Poco/Data/Session.h>
#include <fmt/format.h>

#include "consent/consent_store.hpp"
#include "consent/consent_store_sql.hpp"
#include "store/store_sql.hpp"

namespace brevduva::consent {
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

std::unordered_map<ContactId, GateFacts> load_gate_facts(SuppressionStore& suppressions,
                                                         std::span<const ContactId> ids) {
    std::unordered_map<ContactId, GateFacts> facts;
    if (ids.empty()) return facts;
    store::Database& db = suppressions.database();
    const std::string in = store::id_list(ids);

    std::vector<std::int64_t> contact_ids;
    std::vector<std::string> addresses, names, organisations, locales, attributes;
    db.session() << "SELECT c.id, c.address, c.name, COALESCE(o.name, ''), c.locale,"
                    " c.attributes FROM contacts c LEFT JOIN organisations o"
                    " ON o.id = c.organisation_id WHERE c.id IN (" +
                        in + ")",
        into(contact_ids), into(addresses), into(names), into(organisations), into(locales),
        into(attributes), now;
    // A key to every contact of the batch it matches: contacts are one per folded address, as
    // keys are, but a key matching two contacts must reach both, never only the first.
    std::unordered_map<std::string, std::vector<ContactId>> by_key;
    std::string keys;
    for (std::size_t i = 0; i < contact_ids.size(); ++i) {
        GateFacts& f = facts[contact_ids[i]];
        f.contact.id = contact_ids[i];
        f.contact.address = addresses[i];
        f.contact.name = names[i];
        f.contact.organisation = organisations[i];
        f.contact.locale = locales[i];
        f.contact.attributes = attributes[i];
        // Keys are 64 hex digits made here, never text from outside: safe to inline.
        std::string key = suppressions.key_for(detail::stored_address(addresses[i]));
        auto& matching = by_key[key];
        if (matching.empty()) keys += fmt::format("{}'{}'", keys.empty() ? "" : ",", key);
        matching.push_back(contact_ids[i]);
    }
    if (facts.empty()) return facts;

    std::vector<std::int64_t> event_contacts, event_ids;
    std::vector<std::string> purposes, actions, bases, occurred, sources, evidence, actors;
    db.session() << "SELECT contact_id, id, purpose, action, basis, occurred_at, source, evidence,"
                    " actor FROM consent_events WHERE contact_id IN (" +
                        in + ") ORDER BY contact_id, occurred_at, id",
        into(event_contacts), into(event_ids), into(purposes), into(actions), into(bases),
        into(occurred), into(sources), into(evidence), into(actors), now;
    for (std::size_t i = 0; i < event_ids.size(); ++i) {
        const auto action = parse_action(actions[i]);
        const auto basis = parse_lawful_basis(bases[i]);
        if (!action || !basis) {
            throw store::StoreError(fmt::format("consent event {} is malformed", event_ids[i]));
        }
        facts[event_contacts[i]].events.push_back({event_ids[i], purposes[i], *action, *basis,
                                                   detail::read_stored_time(occurred[i]),
                                                   sources[i], evidence[i], actors[i]});
    }

    std::vector<std::string> found_keys, scopes, reasons, times;
    db.session() << "SELECT address_key, purpose, reason, suppressed_at FROM suppressions"
                    " WHERE address_key IN (" +
                        keys + ") ORDER BY suppressed_at, purpose",
        into(found_keys), into(scopes), into(reasons), into(times), now;
    for (std::size_t i = 0; i < found_keys.size(); ++i) {
        const auto reason = parse_suppression_reason(reasons[i]);
        if (!reason) {
            throw store::StoreError(
                fmt::format("a suppression has the unknown reason '{}'", reasons[i]));
        }
        for (const ContactId contact : by_key.at(found_keys[i])) {
            facts[contact].suppressions.push_back(
                {*reason, scopes[i], detail::read_stored_time(times[i])});
        }
    }
    return facts;
}

}  // namespace brevduva::consent
