// Internal to consent/: what the consent_store_*.cpp files share. How times and view rows are
// stored, a write scope that joins the caller's transaction or opens its own, and the small
// queries several repositories need. SQL placeholders are written $1, $2, … in the order they
// first appear: PostgreSQL numbers them so, and SQLite numbers named parameters by first
// appearance, so one text serves both engines.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consent/consent_state.hpp"
#include "consent/consent_store.hpp"
#include "store/store_database.hpp"
#include "store/store_time.hpp"

namespace brevduva::consent::detail {

// Times as every component stores them (store/store_time.hpp).
using store::read_stored_time;
using store::stored_time;
[[nodiscard]] std::optional<std::string> stored_optional_time(const std::optional<TimePoint>& at);
[[nodiscard]] std::optional<TimePoint> read_optional_time(const std::optional<std::string>& text);

// The address as stored (normalised text) split back into its parts.
[[nodiscard]] EmailAddress stored_address(const std::string& text);

// Joins the transaction open on the connection, or opens a write transaction of its own that
// commit() commits; destroyed uncommitted, its own transaction rolls back.
class WriteScope {
  public:
    explicit WriteScope(store::Database& db);
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;
    void commit();

  private:
    std::optional<store::Transaction> own_;
};

// True when the contact exists; has_organisation says whether it has one.
struct ContactRow {
    bool exists = false;
    ContactFacts facts;
};
[[nodiscard]] ContactRow read_contact_facts(store::Database& db, ContactId contact);

// The contact's events (one purpose, or all when purpose is empty) in (at, id) order.
[[nodiscard]] std::vector<LedgerEntry> read_events(store::Database& db, ContactId contact,
                                                   std::string_view purpose);

// Writes (insert or replace) one view row.
void write_state(store::Database& db, ContactId contact, const ConsentState& state);
// The stored view rows of the contacts in [first, last], ordered by contact and purpose.
struct StoredState {
    ContactId contact_id = 0;
    ConsentState state;
};
[[nodiscard]] std::vector<StoredState> read_states(store::Database& db, ContactId first,
                                                   ContactId last);

// The number of rows a count(*) query gives for one bound id.
[[nodiscard]] std::int64_t count_for(store::Database& db, const std::string& sql, std::int64_t id);

}  // namespace brevduva::consent::detail
