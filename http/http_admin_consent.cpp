// Admin API: consent events (what `consent grant|confirm|withdraw|object` records), the gate's
// decision (`consent check`) and suppressions (`suppress add|remove|list`).
#include <Poco/JSON/Array.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "consent/consent_gate.hpp"
#include "consent/consent_store.hpp"
#include "consent/consent_time.hpp"
#include "http/http_admin_json.hpp"
#include "http/http_admin_routes.hpp"

namespace brevduva::http::detail {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using Poco::Net::HTTPResponse;

const config::PurposeSettings& purpose_field(AdminRequest& r, const Object::Ptr& body) {
    const auto name = text_field(body, "purpose", true);
    const auto& purposes = r.context.settings.purposes;
    const auto it = std::find_if(purposes.begin(), purposes.end(),
                                 [&](const auto& p) { return p.name == name; });
    if (it == purposes.end()) {
        throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, "purpose '" + name + "' is not configured");
    }
    return *it;
}

consent::TimePoint time_field(AdminRequest& r, const Object::Ptr& body, const std::string& name) {
    const auto text = text_field(body, name);
    if (text.empty()) return r.context.clock();
    auto at = consent::parse_timestamp(text);
    if (!at) throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, name + ": " + at.error());
    return at.value();
}

void record_event(AdminRequest& r) {
    const auto body = r.body();
    const auto address = email_field(body);
    const auto& purpose = purpose_field(r, body);
    const auto action = consent::parse_action(text_field(body, "action", true));
    if (!action) {
        throw ApiError(HTTPResponse::HTTP_BAD_REQUEST,
                       "action must be grant, confirm, withdraw or object");
    }
    consent::ContactStore contacts(r.db, r.context.settings.purposes);
    consent::Ledger ledger(r.db, r.context.settings.purposes);
    store::Transaction transaction(r.db);
    auto contact = contacts.find(address);
    consent::ContactId id = contact ? contact->id : 0;
    if (id == 0) {
        if (*action != consent::Action::grant) {
            throw ApiError(HTTPResponse::HTTP_NOT_FOUND, "no such contact");
        }
        consent::ContactUpdate update;
        update.address = address;
        update.address_given = text_field(body, "email");
        auto created = contacts.upsert(update);
        if (!created) throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, created.error());
        id = created.value().id;
    }
    consent::LedgerEntry entry;
    entry.contact_id = id;
    entry.event.purpose = purpose.name;
    entry.event.action = *action;
    const auto basis_text = text_field(body, "basis");
    if (!basis_text.empty()) {
        const auto basis = consent::parse_lawful_basis(basis_text);
        if (!basis) throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, "basis is not a lawful basis");
        entry.event.basis = *basis;
    } else if (*action == consent::Action::grant && purpose.allowed_bases.size() == 1) {
        entry.event.basis = purpose.allowed_bases.front();
    } else if (*action != consent::Action::grant) {
        for (const auto& s : ledger.states(id)) {
            if (s.purpose == purpose.name && s.basis) entry.event.basis = *s.basis;
        }
    }
    const auto& allowed = purpose.allowed_bases;
    if (*action == consent::Action::grant &&
        std::find(allowed.begin(), allowed.end(), entry.event.basis) == allowed.end()) {
        throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, "the purpose does not allow that basis");
    }
    entry.event.at = time_field(r, body, "at");
    entry.event.source = text_field(body, "source").empty() ? "api" : text_field(body, "source");
    entry.event.evidence = text_field(body, "evidence");
    entry.event.actor = actor_field(body);
    entry.details = {text_field(body, "ip"), text_field(body, "user_agent"),
                     text_field(body, "wording")};
    auto appended = ledger.append(entry);
    if (!appended) {
        throw ApiError(HTTPResponse::HTTP_BAD_REQUEST,
                       std::string(consent::to_string(appended.error())));
    }
    transaction.commit();
    spdlog::info("consent {} of {} recorded for contact {} through the admin API",
                 consent::to_string(*action), purpose.name, id);
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("event_id", appended.value().event_id);
    out->set("contact_id", id);
    out->set("state", state_json(appended.value().state));
    send_object(r, HTTPResponse::HTTP_CREATED, out);
}

void check(AdminRequest& r) {
    const auto body = r.body();
    const auto address = email_field(body);
    const auto& purpose = purpose_field(r, body);
    consent::SuppressionStore suppressions(r.db, r.context.suppression_secret);
    consent::Eligibility eligibility(r.db, r.context.settings.purposes, suppressions);
    const auto decision = eligibility.check(address, purpose, time_field(r, body, "at"));
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("decision", decision.send ? "send" : "skip");
    out->set("reason", decision.send ? Poco::Dynamic::Var()
                                     : Poco::Dynamic::Var(consent::to_string(decision.reason)));
    send_object(r, HTTPResponse::HTTP_OK, out);
}

std::string scope_field(AdminRequest& r, const Object::Ptr& body) {
    auto purpose = text_field(body, "purpose");
    if (purpose.empty() || purpose == "all") return {};
    (void)purpose_field(r, body);
    return purpose;
}

void suppress(AdminRequest& r) {
    const auto body = r.body();
    const auto address = email_field(body);
    const auto purpose = scope_field(r, body);
    const auto reason = consent::parse_suppression_reason(text_field(body, "reason", true));
    if (!reason) throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, "reason is not a known reason");
    consent::SuppressionStore suppressions(r.db, r.context.suppression_secret);
    const auto key = suppressions.key_for(address);
    const bool added =
        suppressions.add(key, {*reason, purpose, r.context.clock()}, actor_field(body));
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("key", key);
    out->set("added", added);
    send_object(r, added ? HTTPResponse::HTTP_CREATED : HTTPResponse::HTTP_OK, out);
}

void unsuppress(AdminRequest& r) {
    const auto body = r.body();
    const auto address = email_field(body);
    const auto purpose = scope_field(r, body);
    const bool lift = body->has("lift_erasure") && body->get("lift_erasure").isBoolean() &&
                      body->get("lift_erasure").extract<bool>();
    consent::SuppressionStore suppressions(r.db, r.context.suppression_secret);
    const auto removed = suppressions.remove(suppressions.key_for(address), purpose, lift);
    if (removed == consent::SuppressionStore::Removed::kept_erased) {
        throw ApiError(HTTPResponse::HTTP_CONFLICT,
                       "the suppression records an erasure; lift it only on the person's own new "
                       "request, with lift_erasure");
    }
    Object::Ptr out = new Object;
    out->set("removed", removed == consent::SuppressionStore::Removed::removed);
    send_object(r, HTTPResponse::HTTP_OK, out);
}

void suppressions_of(AdminRequest& r, const std::optional<consent::EmailAddress>& address) {
    consent::SuppressionStore suppressions(r.db, r.context.suppression_secret);
    Array::Ptr items = new Array;
    if (address) {
        for (const auto& e : suppressions.entries_for_key(suppressions.key_for(*address))) {
            items->add(suppression_json(e));
        }
    } else {
        constexpr std::size_t max_items = 10'000;
        suppressions.for_each([&](const consent::SuppressionEntry& e) {
            if (items->size() < max_items) items->add(suppression_json(e));
        });
    }
    Object::Ptr out = new Object;
    out->set("suppressions", items);
    send_object(r, HTTPResponse::HTTP_OK, out);
}

}  // namespace

bool route_consent(AdminRequest& r) {
    const auto& s = r.segments;
    const auto& m = r.method();
    if (s[0] == "consent-events" && s.size() == 1 && m == "POST") return record_event(r), true;
    if (s[0] == "consent" && s.size() == 2 && s[1] == "check" && m == "POST") return check(r), true;
    if (s[0] != "suppressions") return false;
    if (s.size() == 1 && m == "POST") return suppress(r), true;
    if (s.size() == 1 && m == "GET") return suppressions_of(r, std::nullopt), true;
    if (s.size() == 2 && s[1] == "remove" && m == "POST") return unsuppress(r), true;
    if (s.size() == 2 && s[1] == "lookup" && m == "POST") {
        return suppressions_of(r, email_field(r.body())), true;
    }
    return false;
}

}  // namespace brevduva::http::detail
