// export_personal_data(): GDPR Art. 15 and 20, everything stored about one address as JSON.
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <chrono>
#include <sstream>

#include "consent/consent_json.hpp"
#include "consent/consent_store.hpp"
#include "consent/consent_store_sql.hpp"

namespace brevduva::consent {
using detail::stored_time;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

Object::Ptr contact_json(const Contact& c) {
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    out->set("id", c.id);
    out->set("address", c.address);
    out->set("address_given", c.address_given);
    out->set("name", c.name);
    out->set("phone", c.phone);
    out->set("postal_address", c.postal_address);
    out->set("locale", c.locale);
    Poco::JSON::Parser parser;
    out->set("attributes", parser.parse(c.attributes));
    out->set("created_at", stored_time(c.created_at));
    out->set("updated_at", stored_time(c.updated_at));
    return out;
}

Array::Ptr rows_json(store::Database& db, const std::string& sql, std::int64_t contact) {
    Poco::Data::Statement select(db.session());
    select << sql, use(contact);
    select.execute();
    Poco::Data::RecordSet rows(select);
    Array::Ptr out = new Array;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
        Object::Ptr row = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        for (std::size_t column = 0; column < rows.columnCount(); ++column) {
            const auto& value = rows.value(column);
            row->set(rows.columnName(column),
                     value.isEmpty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(value.toString()));
        }
        out->add(row);
    }
    return out;
}

void add_deliveries(store::Database& db, std::int64_t contact, Object& out) {
    if (!db.has_table("deliveries")) return;
    out.set("deliveries",
            rows_json(db, "SELECT * FROM deliveries WHERE contact_id = $1 ORDER BY id", contact));
    const std::string of_contact =
        " WHERE delivery_id IN (SELECT id FROM deliveries WHERE contact_id = $1)";
    for (const std::string table : {"opens", "clicks"}) {
        if (db.has_table(table)) {
            std::string select = "SELECT * FROM " + table;
            select += of_contact;
            out.set(table, rows_json(db, select, contact));
        }
    }
}

void add_contact(store::Database& db, const Contact& contact, Object& out) {
    out.set("contact", contact_json(contact));
    out.set("organisation", contact.organisation.empty()
                                ? Poco::Dynamic::Var()
                                : Poco::Dynamic::Var(contact.organisation));
    Array::Ptr lists = new Array;
    for (const auto& list : contact.lists) lists->add(list);
    out.set("lists", lists);
    Ledger ledger(db, {});
    Array::Ptr events = new Array;
    for (const auto& entry : ledger.history(contact.id)) events->add(event_json(entry));
    out.set("consent_events", events);
    Array::Ptr merges = new Array;
    for (const auto& merge : ledger.merges(contact.id)) merges->add(merge_json(merge));
    out.set("merged_contacts", merges);
    Array::Ptr states = new Array;
    for (const auto& state : ledger.states(contact.id)) states->add(state_json(state));
    out.set("consent_state", states);
    add_deliveries(db, contact.id, out);
}

}  // namespace

std::string export_personal_data(SuppressionStore& suppressions, const EmailAddress& address) {
    store::Database& db = suppressions.database();
    store::Transaction snapshot(db, store::Transaction::Intent::read);
    Object out(Poco::JSON_PRESERVE_KEY_ORDER);
    out.set("exported_at", stored_time(std::chrono::system_clock::now()));
    out.set("address", address.text());
    if (const auto contact = ContactStore(db, {}).find(address)) {
        add_contact(db, *contact, out);
    } else {
        out.set("contact", Poco::Dynamic::Var());
    }
    Array::Ptr list = new Array;
    for (const auto& entry : suppressions.entries_for_key(suppressions.key_for(address))) {
        list->add(suppression_json(entry, false));
    }
    out.set("suppressions", list);
    snapshot.commit();
    std::ostringstream text;
    out.stringify(text, 2);
    return text.str();
}

}  // namespace brevduva::consent
