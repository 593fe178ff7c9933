// Admin API: contacts (create or update, read, list, update, delete = erase, import) and the
// GDPR export and erasure. Addresses come in bodies only.
#include <Poco/Data/Session.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/TemporaryFile.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "consent/consent_import.hpp"
#include "consent/consent_store.hpp"
#include "http/http_admin_json.hpp"
#include "http/http_admin_routes.hpp"
#include "http/http_request.hpp"

namespace brevduva::http::detail {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using Poco::Net::HTTPResponse;

std::string json_text(const Poco::Dynamic::Var& value) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(value, out);
    return out.str();
}

// The update a body describes: every field it names, the others left as they are.
consent::ContactUpdate update_from(const Object::Ptr& body, const consent::EmailAddress& address,
                                   const std::string& given) {
    consent::ContactUpdate update;
    update.address = address;
    update.address_given = given;
    update.name = optional_text(body, "name");
    update.phone = optional_text(body, "phone");
    update.postal_address = optional_text(body, "postal_address");
    update.organisation = optional_text(body, "organisation");
    update.locale = optional_text(body, "locale");
    if (body->has("attributes")) {
        if (body->getObject("attributes").isNull()) {
            throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, "attributes must be a JSON object");
        }
        update.attributes = json_text(body->get("attributes"));
    }
    return update;
}

std::vector<std::string> lists_from(const Object::Ptr& body) {
    std::vector<std::string> lists;
    if (!body->has("lists")) return lists;
    const auto array = body->getArray("lists");
    if (array.isNull()) throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, "lists must be an array");
    for (std::size_t i = 0; i < array->size(); ++i) {
        if (!array->get(i).isString()) {
            throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, "lists must hold strings");
        }
        lists.push_back(array->get(i).extract<std::string>());
    }
    return lists;
}

Object::Ptr contact_with_consent(AdminRequest& r, const consent::Contact& contact) {
    consent::Ledger ledger(r.db, r.context.settings.purposes);
    consent::SuppressionStore suppressions(r.db, r.context.suppression_secret);
    Object::Ptr out = contact_json(contact);
    Array::Ptr states = new Array;
    for (const auto& s : ledger.states(contact.id)) states->add(state_json(s));
    out->set("consent_state", states);
    Array::Ptr suppressed = new Array;
    if (auto address = consent::normalise_address(contact.address)) {
        for (const auto& s : suppressions.entries_for_key(suppressions.key_for(address.value()))) {
            suppressed->add(suppression_json(s));
        }
    }
    out->set("suppressions", suppressed);
    return out;
}

consent::Contact contact_or_404(consent::ContactStore& contacts, std::int64_t id) {
    auto contact = contacts.find(id);
    if (!contact) throw ApiError(HTTPResponse::HTTP_NOT_FOUND, "no such contact");
    return std::move(*contact);
}

void upsert(AdminRequest& r) {
    const auto body = r.body();
    const auto address = email_field(body);
    consent::ContactStore contacts(r.db, r.context.settings.purposes);
    store::Transaction transaction(r.db);
    auto update = update_from(body, address, text_field(body, "email"));
    update.lists = lists_from(body);
    auto result = contacts.upsert(update);
    if (!result) throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, result.error());
    transaction.commit();
    const auto contact = contact_or_404(contacts, result.value().id);
    Object::Ptr out = contact_json(contact);
    const auto outcome = result.value().outcome;
    out->set("outcome", outcome == consent::UpsertOutcome::created   ? "created"
                        : outcome == consent::UpsertOutcome::updated ? "updated"
                                                                     : "unchanged");
    send_object(r,
                outcome == consent::UpsertOutcome::created ? HTTPResponse::HTTP_CREATED
                                                           : HTTPResponse::HTTP_OK,
                out);
}

void patch(AdminRequest& r, std::int64_t id) {
    const auto body = r.body();
    consent::ContactStore contacts(r.db, r.context.settings.purposes);
    store::Transaction transaction(r.db);
    const auto contact = contact_or_404(contacts, id);
    auto address = consent::normalise_address(contact.address);
    if (!address) throw ApiError(HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, "stored address");
    auto result = contacts.upsert(update_from(body, address.value(), contact.address_given));
    if (!result) throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, result.error());
    if (body->has("lists")) {
        const auto lists = lists_from(body);
        contacts.set_lists(id, lists);
    }
    transaction.commit();
    send_object(r, HTTPResponse::HTTP_OK, contact_with_consent(r, contact_or_404(contacts, id)));
}

void list(AdminRequest& r) {
    using Poco::Data::Keywords::into;
    using Poco::Data::Keywords::limit;
    using Poco::Data::Keywords::now;
    using Poco::Data::Keywords::use;
    std::int64_t after = 0;
    std::int64_t page = 100;
    const auto number = [](const std::string& text, std::int64_t& out) {
        if (text.empty()) return;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
        if (ec != std::errc{} || ptr != text.data() + text.size() || out < 0) {
            throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, "after and limit are numbers");
        }
    };
    number(r.query("after"), after);
    number(r.query("limit"), page);
    page = std::clamp<std::int64_t>(page, 1, 1000);
    std::string list_name = r.query("list");
    std::string organisation = r.query("organisation");
    std::vector<std::int64_t> ids;
    r.db.session() << "SELECT c.id FROM contacts c LEFT JOIN organisations o ON o.id = "
                      "c.organisation_id WHERE c.id > $1 AND ($2 = '' OR o.name = $2) AND ($3 = '' "
                      "OR EXISTS (SELECT 1 FROM list_members m JOIN lists l ON l.id = m.list_id "
                      "WHERE m.contact_id = c.id AND l.name = $3)) ORDER BY c.id LIMIT $4",
        into(ids), use(after), use(organisation), use(list_name), use(page), now;
    consent::ContactStore contacts(r.db, r.context.settings.purposes);
    Array::Ptr items = new Array;
    for (const auto id : ids) {
        if (auto contact = contacts.find(id)) items->add(contact_json(*contact));
    }
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("contacts", items);
    out->set("next_after", ids.size() == static_cast<std::size_t>(page)
                               ? Poco::Dynamic::Var(ids.back())
                               : Poco::Dynamic::Var());
    send_object(r, HTTPResponse::HTTP_OK, out);
}

void erase(AdminRequest& r, const consent::EmailAddress& address, const std::string& actor) {
    consent::SuppressionStore suppressions(r.db, r.context.suppression_secret);
    const auto report = consent::erase(suppressions, address, actor, r.context.clock());
    spdlog::info("erasure {} done through the admin API by {}", report.erasure_id, actor);
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("erasure_id", report.erasure_id);
    out->set("contact_found", report.contact_found);
    out->set("list_memberships", report.list_memberships);
    out->set("consent_events", report.consent_events);
    out->set("consent_states", report.consent_states);
    out->set("deliveries", report.deliveries);
    out->set("opens", report.opens);
    out->set("clicks", report.clicks);
    out->set("organisation_removed", report.organisation_removed);
    out->set("suppression_added", report.suppression_added);
    send_object(r, HTTPResponse::HTTP_OK, out);
}

void import_csv(AdminRequest& r) {
    const auto body = read_body(r.request, r.context.max_body_bytes);
    if (!body) throw ApiError(HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE, "the CSV is too large");
    Poco::TemporaryFile folder;
    folder.createDirectories();
    const std::filesystem::path input = std::filesystem::path(folder.path()) / "import.csv";
    {
        std::ofstream out(input, std::ios::binary);
        out << *body;
    }
    consent::ContactImport import(r.db, r.context.settings.purposes);
    consent::ImportRequest request;
    request.input = input;
    request.actor = r.query("actor").empty() ? "api" : r.query("actor");
    request.source = r.query("source").empty() ? "import:api" : r.query("source");
    auto summary = import.run(request);
    if (!summary) throw ApiError(HTTPResponse::HTTP_BAD_REQUEST, summary.error());
    const auto& s = summary.value();
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("rows", s.rows);
    out->set("created", s.created);
    out->set("updated", s.updated);
    out->set("unchanged", s.unchanged);
    out->set("rejected", s.rejected);
    out->set("events_written", s.events_written);
    out->set("events_present", s.events_present);
    if (s.rejected > 0) {
        std::ifstream in(s.rejects, std::ios::binary);
        std::ostringstream rejects;
        rejects << in.rdbuf();
        out->set("rejects_csv", rejects.str());
    }
    send_object(r, HTTPResponse::HTTP_OK, out);
}

}  // namespace

bool route_contacts(AdminRequest& r) {
    const auto& s = r.segments;
    const auto& m = r.method();
    if (s[0] == "gdpr" && s.size() == 2 && m == "POST") {
        const auto body = r.body();
        const auto address = email_field(body);
        if (s[1] == "export") {
            consent::SuppressionStore suppressions(r.db, r.context.suppression_secret);
            send_json(r.response, HTTPResponse::HTTP_OK,
                      consent::export_personal_data(suppressions, address) + "\n");
            return true;
        }
        if (s[1] == "erase") {
            erase(r, address, actor_field(body));
            return true;
        }
        return false;
    }
    if (s[0] != "contacts") return false;
    if (s.size() == 1 && m == "POST") return upsert(r), true;
    if (s.size() == 1 && m == "GET") return list(r), true;
    if (s.size() == 2 && s[1] == "import" && m == "POST") return import_csv(r), true;
    if (s.size() == 2 && s[1] == "lookup" && m == "POST") {
        consent::ContactStore contacts(r.db, r.context.settings.purposes);
        auto contact = contacts.find(email_field(r.body()));
        if (!contact) throw ApiError(HTTPResponse::HTTP_NOT_FOUND, "no such contact");
        send_object(r, HTTPResponse::HTTP_OK, contact_with_consent(r, *contact));
        return true;
    }
    if (s.size() < 2) return false;
    const std::int64_t id = id_segment(s[1]);
    consent::ContactStore contacts(r.db, r.context.settings.purposes);
    if (s.size() == 2 && m == "GET") {
        send_object(r, HTTPResponse::HTTP_OK,
                    contact_with_consent(r, contact_or_404(contacts, id)));
        return true;
    }
    if (s.size() == 2 && m == "PATCH") return patch(r, id), true;
    if (s.size() == 2 && m == "DELETE") {
        const auto contact = contact_or_404(contacts, id);
        auto address = consent::normalise_address(contact.address);
        if (!address) throw ApiError(HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, "stored address");
        const std::string actor = r.query("actor").empty() ? "api" : r.query("actor");
        erase(r, address.value(), actor);
        return true;
    }
    if (s.size() == 3 && s[2] == "consent-events" && m == "GET") {
        const auto contact = contact_or_404(contacts, id);
        consent::Ledger ledger(r.db, r.context.settings.purposes);
        Array::Ptr events = new Array;
        for (const auto& e : ledger.history(contact.id)) events->add(event_json(e));
        Array::Ptr merges = new Array;
        for (const auto& merge : ledger.merges(contact.id)) merges->add(merge_json(merge));
        Object::Ptr out = new Object;
        out->set("events", events);
        out->set("merged_contacts", merges);
        send_object(r, HTTPResponse::HTTP_OK, out);
        return true;
    }
    return false;
}

}  // namespace brevduva::http::detail
