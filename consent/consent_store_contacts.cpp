// ContactStore: contacts, their organisation and their list memberships.
#include <Poco/Data/Session.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <sstream>

#include "consent/consent_store.hpp"
#include "consent/consent_store_sql.hpp"

namespace brevduva::consent {
using detail::read_stored_time;
using detail::stored_time;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

namespace {

constexpr const char* contact_columns =
    "SELECT c.id, c.address, c.address_given, c.name, c.phone, c.postal_address,"
    " COALESCE(o.name, ''), c.locale, c.attributes, c.created_at, c.updated_at"
    " FROM contacts c LEFT JOIN organisations o ON o.id = c.organisation_id ";

// One page of contact rows, column by column, as Poco::Data fills them.
struct ContactColumns {
    std::vector<std::int64_t> id;
    std::vector<std::string> address, given, name, phone, postal, organisation, locale, attributes,
        created, updated;

    template <typename Statement>
    void bind(Statement& statement) {
        statement, into(id), into(address), into(given), into(name), into(phone), into(postal),
            into(organisation), into(locale), into(attributes), into(created), into(updated);
    }

    [[nodiscard]] Contact row(std::size_t i) const {
        return {id[i],
                address[i],
                given[i],
                name[i],
                phone[i],
                postal[i],
                organisation[i],
                locale[i],
                attributes[i],
                {},
                read_stored_time(created[i]),
                read_stored_time(updated[i])};
    }
};

std::map<ContactId, std::vector<std::string>> read_lists(store::Database& db, ContactId first,
                                                         ContactId last) {
    std::vector<std::int64_t> contacts;
    std::vector<std::string> names;
    db.session() << "SELECT m.contact_id, l.name FROM list_members m"
                    " JOIN lists l ON l.id = m.list_id WHERE m.contact_id BETWEEN $1 AND $2"
                    " ORDER BY m.contact_id, l.name",
        use(first), use(last), into(contacts), into(names), now;
    std::map<ContactId, std::vector<std::string>> lists;
    for (std::size_t i = 0; i < contacts.size(); ++i) lists[contacts[i]].push_back(names[i]);
    return lists;
}

template <typename Key>
std::optional<Contact> find_where(store::Database& db, const char* where, Key key) {
    ContactColumns page;
    Poco::Data::Statement select(db.session());
    select << std::string(contact_columns) + where, use(key);
    page.bind(select);
    select.execute();
    if (page.id.empty()) return std::nullopt;
    Contact contact = page.row(0);
    contact.lists = std::move(read_lists(db, contact.id, contact.id)[contact.id]);
    return contact;
}

// The stored attributes with the update's keys laid over them, as compact JSON.
std::string merge_attributes(const std::string& stored, const std::string& update) {
    Poco::JSON::Parser parser;
    auto merged = parser.parse(stored).extract<Poco::JSON::Object::Ptr>();
    parser.reset();
    const auto given = parser.parse(update).extract<Poco::JSON::Object::Ptr>();
    for (const auto& [key, value] : *given) merged->set(key, value);
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(merged, out);
    return out.str();
}

std::string normal_attributes(const std::string& text) { return merge_attributes("{}", text); }

// The contact as it will be after the update, from what is stored.
Contact merged(Contact stored, const ContactUpdate& update) {
    if (!update.address_given.empty()) stored.address_given = update.address_given;
    if (update.name) stored.name = *update.name;
    if (update.phone) stored.phone = *update.phone;
    if (update.postal_address) stored.postal_address = *update.postal_address;
    if (update.organisation) stored.organisation = *update.organisation;
    if (update.locale) stored.locale = *update.locale;
    if (update.attributes)
        stored.attributes = merge_attributes(stored.attributes, *update.attributes);
    return stored;
}

bool same_fields(const Contact& a, const Contact& b) {
    return a.address_given == b.address_given && a.name == b.name && a.phone == b.phone &&
           a.postal_address == b.postal_address && a.organisation == b.organisation &&
           a.locale == b.locale && a.attributes == b.attributes;
}

// The id of the row of that name in a table of names (organisations, lists), made when absent.
// Looked up first: on an import nearly every name exists already.
std::int64_t named_id(store::Database& db, const std::string& table, std::string_view name) {
    std::string text(name);
    std::vector<std::int64_t> ids;
    db.session() << "SELECT id FROM " + table + " WHERE name = $1", use(text), into(ids), now;
    if (!ids.empty()) return ids.front();
    std::string created = stored_time(std::chrono::system_clock::now());
    std::int64_t id = 0;
    db.session() << "INSERT INTO " + table + " (name, created_at) VALUES ($1, $2) RETURNING id",
        use(text), use(created), into(id), now;
    return id;
}

}  // namespace

ContactStore::ContactStore(store::Database& db, std::span<const PurposeSettings> purposes)
    : db_(db), purposes_(purposes.begin(), purposes.end()) {}

std::optional<Contact> ContactStore::find(const EmailAddress& address) {
    return find_where(db_, "WHERE c.folded_address = $1", fold_address(address));
}

std::optional<Contact> ContactStore::find(ContactId id) {
    if (auto contact = find_where(db_, "WHERE c.id = $1", std::int64_t{id})) return contact;
    // An id from before a merge (in a token of a message sent then) names the contact it was
    // joined into.
    std::vector<std::int64_t> into_contact;
    std::int64_t merged = id;
    db_.session() << "SELECT contact_id FROM contact_merges WHERE merged_contact_id = $1",
        use(merged), into(into_contact), now;
    if (into_contact.empty()) return std::nullopt;
    return find_where(db_, "WHERE c.id = $1", into_contact.front());
}

std::int64_t ContactStore::organisation_id(std::string_view name) {
    return named_id(db_, "organisations", name);
}

std::int64_t ContactStore::list_id(std::string_view name) { return named_id(db_, "lists", name); }

Result<Upserted, std::string> ContactStore::upsert(const ContactUpdate& update) {
    using R = Result<Upserted, std::string>;
    if (auto problem = validate(update)) return R::failure(std::move(*problem));
    detail::WriteScope scope(db_);
    const auto stored = find(update.address);
    Contact next;
    if (stored) {
        next = merged(*stored, update);
    } else {
        next.address = update.address.text();
        next = merged(std::move(next), update);
        if (next.address_given.empty()) next.address_given = next.address;
        next.attributes = normal_attributes(next.attributes);
    }
    const auto when = std::chrono::system_clock::now();
    bool changed = !stored || !same_fields(*stored, next);
    ContactId id = stored ? stored->id : 0;
    if (changed) id = write_contact(id, next, when);
    changed = add_to_lists(id, update.lists, when) || changed;
    if (stored && stored->organisation.empty() != next.organisation.empty()) {
        Ledger(db_, purposes_).refresh(id);  // the fold reads whether there is an organisation
    }
    scope.commit();
    const auto outcome = !stored ? UpsertOutcome::created
                                 : (changed ? UpsertOutcome::updated : UpsertOutcome::unchanged);
    return R::success({id, outcome});
}

ContactId ContactStore::write_contact(ContactId id, const Contact& c, TimePoint when) {
    Poco::Nullable<std::int64_t> organisation;
    if (!c.organisation.empty()) organisation = organisation_id(c.organisation);
    std::string address = c.address, given = c.address_given, name = c.name, phone = c.phone,
                postal = c.postal_address, locale = c.locale, attributes = c.attributes,
                time = stored_time(when);
    if (id == 0) {
        std::string folded = fold_address(detail::stored_address(address));
        db_.session() << "INSERT INTO contacts (address, folded_address, address_given, name,"
                         " phone, postal_address, organisation_id, locale, attributes,"
                         " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
                         " $10, $10) RETURNING id",
            use(address), use(folded), use(given), use(name), use(phone), use(postal),
            use(organisation), use(locale), use(attributes), use(time), into(id), now;
        return id;
    }
    db_.session() << "UPDATE contacts SET address_given = $1, name = $2, phone = $3,"
                     " postal_address = $4, organisation_id = $5, locale = $6, attributes = $7,"
                     " updated_at = $8 WHERE id = $9",
        use(given), use(name), use(phone), use(postal), use(organisation), use(locale),
        use(attributes), use(time), use(id), now;
    return id;
}

bool ContactStore::add_to_lists(ContactId id, std::span<const std::string> lists, TimePoint when) {
    bool added = false;
    std::string time = stored_time(when);
    for (const auto& name : lists) {
        std::int64_t list = list_id(name);
        std::int64_t before = 0;
        db_.session() << "SELECT count(*) FROM list_members WHERE list_id = $1"
                         " AND contact_id = $2",
            use(list), use(id), into(before), now;
        if (before > 0) continue;
        db_.session() << "INSERT INTO list_members (list_id, contact_id, added_at)"
                         " VALUES ($1, $2, $3)",
            use(list), use(id), use(time), now;
        added = true;
    }
    return added;
}

void ContactStore::set_lists(ContactId id, std::span<const std::string> lists) {
    for (const auto& name : lists) {
        if (name.empty()) throw std::invalid_argument("a list name is empty");
    }
    detail::WriteScope scope(db_);
    db_.session() << "DELETE FROM list_members WHERE contact_id = $1", use(id), now;
    (void)add_to_lists(id, lists, std::chrono::system_clock::now());
    scope.commit();
}

void ContactStore::for_each(const ContactFilter& filter,
                            const std::function<void(const Contact&)>& visit,
                            std::size_t page_size) {
    std::int64_t after = 0;
    std::string organisation = filter.organisation, list = filter.list;
    auto limit = static_cast<std::int64_t>(std::max<std::size_t>(page_size, 1));
    for (;;) {
        ContactColumns page;
        Poco::Data::Statement select(db_.session());
        select << std::string(contact_columns) +
                      "WHERE c.id > $1 AND ($2 = '' OR o.name = $2) AND ($3 = '' OR EXISTS"
                      " (SELECT 1 FROM list_members m JOIN lists l ON l.id = m.list_id"
                      " WHERE m.contact_id = c.id AND l.name = $3)) ORDER BY c.id LIMIT $4",
            use(after), use(organisation), use(list), use(limit);
        page.bind(select);
        select.execute();
        if (page.id.empty()) return;
        auto lists = read_lists(db_, page.id.front(), page.id.back());
        for (std::size_t i = 0; i < page.id.size(); ++i) {
            Contact contact = page.row(i);
            contact.lists = std::move(lists[contact.id]);
            visit(contact);
        }
        after = page.id.back();
    }
}

}  // namespace brevduva::consent
