#include "consent/consent_import_sqlite.hpp"

#include <Poco/Data/SQLite/Utility.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "consent/consent_store_sql.hpp"

namespace brevduva::consent {
namespace {

// One value of a gathered row, kept until the row is written (bound without a copy).
struct Value {
    enum class Kind { null, integer, text };
    Kind kind = Kind::null;
    std::int64_t integer = 0;
    std::string text;

    void set(std::int64_t n) {
        kind = Kind::integer;
        integer = n;
    }
    void set(std::string_view t) {
        kind = Kind::text;
        text.assign(t);
    }
    void set(const std::optional<std::string>& t) {
        if (t) return set(std::string_view(*t));
        kind = Kind::null;
    }
    void set_null() { kind = Kind::null; }
};

// One prepared statement, reset after every use. Values are bound without a copy
// (SQLITE_STATIC): they must outlive the run that reads them.
class Prepared {
  public:
    Prepared(sqlite3* db, const std::string& sql) : db_(db) {
        if (sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()),
                               SQLITE_PREPARE_PERSISTENT, &statement_, nullptr) != SQLITE_OK) {
            throw store::StoreError(
                fmt::format("preparing an import statement failed: {}", sqlite3_errmsg(db)));
        }
    }
    ~Prepared() { sqlite3_finalize(statement_); }
    Prepared(const Prepared&) = delete;
    Prepared& operator=(const Prepared&) = delete;

    Prepared& bind(int index, const Value& value) {
        int rc = SQLITE_OK;
        switch (value.kind) {
            case Value::Kind::null:
                rc = sqlite3_bind_null(statement_, index);
                break;
            case Value::Kind::integer:
                rc = sqlite3_bind_int64(statement_, index, value.integer);
                break;
            case Value::Kind::text:
                rc = sqlite3_bind_text(statement_, index, value.text.data(),
                                       static_cast<int>(value.text.size()), SQLITE_STATIC);
                break;
        }
        if (rc != SQLITE_OK) {
            throw store::StoreError(
                fmt::format("binding an import value failed: {}", sqlite3_errmsg(db_)));
        }
        return *this;
    }
    Prepared& text(int index, const std::string& value) {
        if (sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                              SQLITE_STATIC) != SQLITE_OK) {
            throw store::StoreError(
                fmt::format("binding an import value failed: {}", sqlite3_errmsg(db_)));
        }
        return *this;
    }

    // Runs the statement to its end: the first column of its first row, if it gave one.
    std::optional<std::int64_t> run() {
        int rc = sqlite3_step(statement_);
        std::optional<std::int64_t> first;
        if (rc == SQLITE_ROW) first = sqlite3_column_int64(statement_, 0);
        while (rc == SQLITE_ROW) rc = sqlite3_step(statement_);
        sqlite3_reset(statement_);
        sqlite3_clear_bindings(statement_);
        if (rc != SQLITE_DONE) {
            throw store::StoreError(
                fmt::format("an import statement failed: {}", sqlite3_errmsg(db_)));
        }
        return first;
    }

  private:
    sqlite3* db_;
    sqlite3_stmt* statement_ = nullptr;
};

// Rows gathered for one table, written `chunk` rows per INSERT (one statement's fixed costs,
// CHECK constraints included, shared by the chunk) and the rest one by one.
class Gathered {
  public:
    static constexpr std::size_t chunk = 32;

    Gathered(sqlite3* db, std::string_view head, std::size_t columns, std::string_view tail = "")
        : columns_(columns),
          single_(db, statement(head, columns, 1, tail)),
          multi_(db, statement(head, columns, chunk, tail)) {}

    // The values of a new row, to be filled in.
    Value* add() {
        if ((rows_ + 1) * columns_ > values_.size()) values_.resize((rows_ + 1) * columns_);
        return &values_[rows_++ * columns_];
    }
    [[nodiscard]] bool full() const { return rows_ >= chunk; }

    void write() {
        std::size_t row = 0;
        for (; row + chunk <= rows_; row += chunk) run(multi_, row, chunk);
        for (; row < rows_; ++row) run(single_, row, 1);
        rows_ = 0;
    }

  private:
    static std::string statement(std::string_view head, std::size_t columns, std::size_t rows,
                                 std::string_view tail) {
        std::string one = "(?";
        for (std::size_t c = 1; c < columns; ++c) one += ",?";
        one += ')';
        std::string sql = std::string(head) + " VALUES " + one;
        for (std::size_t r = 1; r < rows; ++r) sql += "," + one;
        return sql + std::string(tail);
    }

    void run(Prepared& statement, std::size_t first, std::size_t count) {
        int index = 1;
        for (std::size_t i = first * columns_; i < (first + count) * columns_; ++i) {
            statement.bind(index++, values_[i]);
        }
        statement.run();
    }

    std::size_t columns_;
    Prepared single_;
    Prepared multi_;
    std::vector<Value> values_;  // strings keep their capacity from chunk to chunk
    std::size_t rows_ = 0;
};

// Names to ids of a table whose rows are never renamed while an import runs.
class NamedIds {
  public:
    NamedIds(sqlite3* db, std::string_view table)
        : select_(db, fmt::format("SELECT id FROM {} WHERE name = ?1", table)),
          insert_(db, fmt::format("INSERT INTO {} (name, created_at) VALUES (?1, ?2)", table)),
          db_(db) {}

    std::int64_t id(const std::string& name, const std::string& now) {
        if (const auto found = cache_.find(name); found != cache_.end()) return found->second;
        auto id = select_.text(1, name).run();
        if (!id) {
            insert_.text(1, name).text(2, now).run();
            id = sqlite3_last_insert_rowid(db_);
        }
        if (cache_.size() >= max_cached) cache_.clear();  // memory stays bounded
        cache_.emplace(name, *id);
        return *id;
    }

  private:
    static constexpr std::size_t max_cached = 50'000;
    Prepared select_;
    Prepared insert_;
    sqlite3* db_;
    std::unordered_map<std::string, std::int64_t> cache_;
};

// The id AUTOINCREMENT would give the next row of table: one above both the largest id in use
// and the largest ever used (sqlite_sequence).
std::string next_id_query(std::string_view table) {
    return fmt::format(
        "SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{0}'), 0),"
        " COALESCE((SELECT max(id) FROM {0}), 0)) + 1",
        table);
}

// SQLite 3.40 evaluates CHECK (x IN (a, b, c)) by building a temporary B-tree for every row
// written (a third of the import's CPU time). Every value those checks guard is written by the
// import from a typed value (Action, LawfulBasis, ConsentStatus) or one validate() accepted
// (locale), so the checks could only agree: they are off on this connection while the import
// runs. NOT NULL, UNIQUE and foreign keys are still enforced. Changing the flag makes SQLite
// prepare every statement of the connection again, so it is set once, not per batch.
void ignore_check_constraints(sqlite3* handle, bool ignore) {
    const char* sql =
        ignore ? "PRAGMA ignore_check_constraints = ON" : "PRAGMA ignore_check_constraints = OFF";
    if (sqlite3_exec(handle, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        throw store::StoreError(fmt::format("switching CHECK constraints for an import failed: {}",
                                            sqlite3_errmsg(handle)));
    }
}

// 64 MiB of 4 KiB pages: the WAL an import lets grow between checkpoints; and SQLite's own.
constexpr int import_wal_pages = 16384;
constexpr std::int64_t default_wal_pages = 1000;

}  // namespace

struct SqliteNewContacts::Statements {
    explicit Statements(sqlite3* handle)
        : organisations(handle, "organisations"),
          lists(handle, "lists"),
          existing(handle, "SELECT id FROM contacts WHERE folded_address = ?1"),
          next_contact(handle, next_id_query("contacts")),
          next_event(handle, next_id_query("consent_events")),
          contacts(handle,
                   "INSERT INTO contacts (id, address, folded_address, address_given, name, phone,"
                   " postal_address, organisation_id, locale, attributes, created_at, updated_at)",
                   12),
          members(handle, "INSERT INTO list_members (list_id, contact_id, added_at)", 3,
                  " ON CONFLICT DO NOTHING"),
          events(handle,
                 "INSERT INTO consent_events (id, contact_id, purpose, action, basis, source,"
                 " evidence, evidence_ip, evidence_user_agent, evidence_wording, actor,"
                 " occurred_at, recorded_at)",
                 13),
          states(handle,
                 "INSERT INTO consent_state (contact_id, purpose, status, basis, granted_at,"
                 " confirmed_at, lapses_at, ended_at, objected_at, last_event_id)",
                 10) {}

    // The stored form of `now`, formatted again only when the time changes.
    const std::string& stored_now(TimePoint now) {
        if (now != time_of || time.empty()) {
            time_of = now;
            time = detail::stored_time(now);
        }
        return time;
    }

    static std::int64_t take(std::optional<std::int64_t>& next, Prepared& query) {
        if (!next) next = query.run();
        return (*next)++;
    }

    NamedIds organisations;
    NamedIds lists;
    Prepared existing;
    Prepared next_contact;
    Prepared next_event;
    Gathered contacts;
    Gathered members;
    Gathered events;
    Gathered states;
    std::unordered_set<std::string> gathered_folded;
    std::optional<ContactId> next_contact_id;  // valid until the next flush
    std::optional<std::int64_t> next_event_id;
    TimePoint time_of;
    std::string time;
};

SqliteNewContacts::SqliteNewContacts(store::Database& db) {
    if (db.backend() != store::Backend::sqlite) {
        throw std::logic_error("SqliteNewContacts needs a SQLite database");
    }
    handle_ = Poco::Data::SQLite::Utility::dbHandle(db.session());
    statements_ = std::make_unique<Statements>(handle_);
    wal_pages_ = static_cast<int>(
        Prepared(handle_, "PRAGMA wal_autocheckpoint").run().value_or(default_wal_pages));
    // Last of what may throw, so that a constructor that fails leaves the connection as it was.
    // The statements prepared above are prepared again, without the checks, on their first run.
    ignore_check_constraints(handle_, true);
    // A batch of new contacts dirties one leaf page of the address index per row, at random
    // places, and each commit writes them to the WAL. Checkpointing after 1000 pages (SQLite's
    // default) copied every commit to the database file and synced it; after 64 MiB of WAL a
    // page rewritten by several commits is copied once. Halved the wall time at 1M rows.
    sqlite3_wal_autocheckpoint(handle_, import_wal_pages);
}

SqliteNewContacts::~SqliteNewContacts() {
    statements_.reset();
    (void)sqlite3_wal_autocheckpoint(handle_, wal_pages_);
    // Setting a flag of the connection does not fail short of running out of memory, and a
    // destructor cannot report it: the next import or the next connection starts clean anyway.
    (void)sqlite3_exec(handle_, "PRAGMA ignore_check_constraints = OFF", nullptr, nullptr, nullptr);
}

std::optional<ContactId> SqliteNewContacts::create(const ContactUpdate& update, TimePoint now) {
    auto& s = *statements_;
    if (s.contacts.full() || s.members.full() || s.events.full() || s.states.full()) flush();
    std::string folded = fold_address(update.address);
    if (s.gathered_folded.contains(folded) || s.existing.text(1, folded).run()) {
        flush();
        return std::nullopt;
    }
    const std::string& time = s.stored_now(now);
    const ContactId id = Statements::take(s.next_contact_id, s.next_contact);
    const std::string address = update.address.text();
    Value* v = s.contacts.add();
    v[0].set(id);
    v[1].set(std::string_view(address));
    v[2].set(std::string_view(folded));
    v[3].set(update.address_given.empty() ? std::string_view(address)
                                          : std::string_view(update.address_given));
    v[4].set(update.name ? std::string_view(*update.name) : std::string_view());
    v[5].set(update.phone ? std::string_view(*update.phone) : std::string_view());
    v[6].set(update.postal_address ? std::string_view(*update.postal_address) : std::string_view());
    if (update.organisation && !update.organisation->empty()) {
        v[7].set(s.organisations.id(*update.organisation, time));
    } else {
        v[7].set_null();
    }
    v[8].set(update.locale ? std::string_view(*update.locale) : std::string_view("sv"));
    v[9].set(update.attributes ? std::string_view(*update.attributes) : std::string_view("{}"));
    v[10].set(std::string_view(time));
    v[11].set(std::string_view(time));
    s.gathered_folded.insert(std::move(folded));
    return id;
}

void SqliteNewContacts::add_to_lists(ContactId contact, std::span<const std::string> lists,
                                     TimePoint now) {
    auto& s = *statements_;
    const std::string& time = s.stored_now(now);
    for (const auto& name : lists) {
        Value* v = s.members.add();
        v[0].set(s.lists.id(name, time));
        v[1].set(contact);
        v[2].set(std::string_view(time));
    }
}

void SqliteNewContacts::append_first(const LedgerEntry& entry, const PurposeSettings& purpose,
                                     const ContactFacts& facts, TimePoint now) {
    auto& s = *statements_;
    ConsentEvent e = entry.event;
    e.id = Statements::take(s.next_event_id, s.next_event);
    Value* v = s.events.add();
    v[0].set(e.id);
    v[1].set(entry.contact_id);
    v[2].set(std::string_view(e.purpose));
    v[3].set(to_string(e.action));
    v[4].set(lawful_basis_name(e.basis));
    v[5].set(std::string_view(e.source));
    v[6].set(std::string_view(e.evidence));
    v[7].set(std::string_view(entry.details.ip));
    v[8].set(std::string_view(entry.details.user_agent));
    v[9].set(std::string_view(entry.details.wording));
    v[10].set(std::string_view(e.actor));
    v[11].set(std::string_view(detail::stored_time(e.at)));
    v[12].set(std::string_view(s.stored_now(now)));

    const ConsentState folded = fold(std::span(&e, 1), purpose, facts);
    Value* w = s.states.add();
    w[0].set(entry.contact_id);
    w[1].set(std::string_view(folded.purpose));
    w[2].set(to_string(folded.status));
    if (folded.basis) {
        w[3].set(lawful_basis_name(*folded.basis));
    } else {
        w[3].set_null();
    }
    w[4].set(detail::stored_optional_time(folded.granted_at));
    w[5].set(detail::stored_optional_time(folded.confirmed_at));
    w[6].set(detail::stored_optional_time(folded.lapses_at));
    w[7].set(detail::stored_optional_time(folded.ended_at));
    w[8].set(detail::stored_optional_time(folded.objected_at));
    w[9].set(folded.last_event_id);
}

void SqliteNewContacts::flush() {
    auto& s = *statements_;
    // Parents first: the foreign keys are checked row by row.
    s.contacts.write();
    s.members.write();
    s.events.write();
    s.states.write();
    s.gathered_folded.clear();
    s.next_contact_id.reset();
    s.next_event_id.reset();
}

}  // namespace brevduva::consent
