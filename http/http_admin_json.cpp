#include "http/http_admin_json.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include "store/store_time.hpp"

namespace brevduva::http::detail {
namespace {

using Poco::JSON::Object;

Poco::Dynamic::Var optional_time(const std::optional<consent::TimePoint>& at) {
    return at ? Poco::Dynamic::Var(store::stored_time(*at)) : Poco::Dynamic::Var();
}

}  // namespace

Object::Ptr contact_json(const consent::Contact& c) {
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("id", c.id);
    out->set("email", c.address);
    out->set("email_given", c.address_given);
    out->set("name", c.name);
    out->set("phone", c.phone);
    out->set("postal_address", c.postal_address);
    out->set("organisation", c.organisation);
    out->set("locale", c.locale);
    Poco::JSON::Parser parser;
    out->set("attributes", parser.parse(c.attributes));
    Poco::JSON::Array::Ptr lists = new Poco::JSON::Array;
    for (const auto& list : c.lists) lists->add(list);
    out->set("lists", lists);
    out->set("created_at", store::stored_time(c.created_at));
    out->set("updated_at", store::stored_time(c.updated_at));
    return out;
}

Object::Ptr event_json(const consent::LedgerEntry& e) {
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("id", e.event.id);
    out->set("purpose", e.event.purpose);
    out->set("action", std::string(consent::to_string(e.event.action)));
    out->set("basis", std::string(consent::lawful_basis_name(e.event.basis)));
    out->set("at", store::stored_time(e.event.at));
    out->set("source", e.event.source);
    Object::Ptr evidence = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    evidence->set("text", e.event.evidence);
    evidence->set("ip", e.details.ip);
    evidence->set("user_agent", e.details.user_agent);
    evidence->set("wording", e.details.wording);
    out->set("evidence", evidence);
    out->set("actor", e.event.actor);
    out->set("recorded_at", store::stored_time(e.recorded_at));
    return out;
}

Object::Ptr state_json(const consent::ConsentState& s) {
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("purpose", s.purpose);
    out->set("status", std::string(consent::to_string(s.status)));
    out->set("basis", s.basis
                          ? Poco::Dynamic::Var(std::string(consent::lawful_basis_name(*s.basis)))
                          : Poco::Dynamic::Var());
    out->set("granted_at", optional_time(s.granted_at));
    out->set("confirmed_at", optional_time(s.confirmed_at));
    out->set("lapses_at", optional_time(s.lapses_at));
    out->set("ended_at", optional_time(s.ended_at));
    return out;
}

Object::Ptr suppression_json(const consent::SuppressionEntry& s) {
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("key", s.key);
    out->set("purpose", s.suppression.purpose.empty() ? Poco::Dynamic::Var("all")
                                                      : Poco::Dynamic::Var(s.suppression.purpose));
    out->set("reason", std::string(consent::to_string(s.suppression.reason)));
    out->set("at", store::stored_time(s.suppression.at));
    out->set("actor", s.actor);
    return out;
}

}  // namespace brevduva::http::detail
