#include "consent/consent_json.hpp"

#include "consent/consent_store_sql.hpp"

namespace brevduva::consent {
using detail::stored_time;
using Poco::JSON::Object;

Poco::Dynamic::Var optional_time_json(const std::optional<TimePoint>& at) {
    return at ? Poco::Dynamic::Var(stored_time(*at)) : Poco::Dynamic::Var();
}

Object::Ptr event_json(const LedgerEntry& e) {
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("id", e.event.id);
    out->set("purpose", e.event.purpose);
    out->set("action", std::string(to_string(e.event.action)));
    out->set("basis", std::string(lawful_basis_name(e.event.basis)));
    out->set("at", stored_time(e.event.at));
    out->set("source", e.event.source);
    Object::Ptr evidence = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    evidence->set("text", e.event.evidence);
    evidence->set("ip", e.details.ip);
    evidence->set("user_agent", e.details.user_agent);
    evidence->set("wording", e.details.wording);
    out->set("evidence", evidence);
    out->set("actor", e.event.actor);
    out->set("recorded_at", stored_time(e.recorded_at));
    out->set("delivery_id",
             e.delivery_id != 0 ? Poco::Dynamic::Var(e.delivery_id) : Poco::Dynamic::Var());
    return out;
}

Object::Ptr merge_json(const ContactMerge& m) {
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("merged_contact_id", m.merged_contact_id);
    out->set("reason", m.reason);
    out->set("consent_events", m.consent_events);
    out->set("list_memberships", m.list_memberships);
    out->set("deliveries", m.deliveries);
    out->set("actor", m.actor);
    out->set("merged_at", stored_time(m.merged_at));
    return out;
}

Object::Ptr state_json(const ConsentState& s) {
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("purpose", s.purpose);
    out->set("status", std::string(to_string(s.status)));
    out->set("basis", s.basis ? Poco::Dynamic::Var(std::string(lawful_basis_name(*s.basis)))
                              : Poco::Dynamic::Var());
    out->set("granted_at", optional_time_json(s.granted_at));
    out->set("confirmed_at", optional_time_json(s.confirmed_at));
    out->set("lapses_at", optional_time_json(s.lapses_at));
    out->set("ended_at", optional_time_json(s.ended_at));
    out->set("objected_at", optional_time_json(s.objected_at));
    return out;
}

Object::Ptr suppression_json(const SuppressionEntry& s, bool with_key) {
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    if (with_key) out->set("key", s.key);
    out->set("purpose", s.suppression.purpose.empty() ? Poco::Dynamic::Var("all")
                                                      : Poco::Dynamic::Var(s.suppression.purpose));
    out->set("reason", std::string(to_string(s.suppression.reason)));
    out->set("at", stored_time(s.suppression.at));
    out->set("actor", s.actor);
    return out;
}

// Every column of every row the query selects for the contact, as the engine gives it: these
// tables belong to later components, so their columns are not known here.
}  // namespace brevduva::consent
