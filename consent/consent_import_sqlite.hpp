// Internal to consent/: the fast way an import writes a contact that does not exist yet, on
// SQLite. Rows are gathered and written by multi-row INSERTs, prepared once per import on the
// connection's own sqlite3 handle and reused; organisation and list ids are cached (bounded).
// Ids are given explicitly, exactly as AUTOINCREMENT would give them, so it writes the same rows
// with the same ids that ContactStore::upsert and Ledger::append write for a new contact and
// its first events (consent_import_test compares the two ways). A contact that exists already
// is left to those classes, so that merging lives in one place.
//
// It joins the caller's transaction and never opens one; it does not validate (the caller runs
// consent::validate first). While it lives, the connection ignores CHECK constraints: SQLite
// 3.40 builds a temporary B-tree per row for each CHECK (x IN (…)), and every value they guard
// comes from a typed value or one validate() accepted, for this class and for what the import
// sends through ContactStore and Ledger meanwhile. It also lets the WAL grow to 64 MiB between
// automatic checkpoints. The destructor restores both settings. What it has gathered must be
// written (flush) before the transaction commits and before anything else writes contacts,
// memberships or the ledger: create() does so itself when it answers that the address exists.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "consent/consent_store.hpp"

struct sqlite3;

namespace brevduva::consent {

class SqliteNewContacts {
  public:
    // db must be SQLite with the consent schema.
    explicit SqliteNewContacts(store::Database& db);
    ~SqliteNewContacts();
    SqliteNewContacts(const SqliteNewContacts&) = delete;
    SqliteNewContacts& operator=(const SqliteNewContacts&) = delete;

    // The new contact's id, or nullopt when the address is a contact already (then everything
    // gathered has been written, so the caller may go on through ContactStore and Ledger).
    [[nodiscard]] std::optional<ContactId> create(const ContactUpdate& update, TimePoint now);

    // Adds a contact from create() to the lists, creating lists that are new.
    void add_to_lists(ContactId contact, std::span<const std::string> lists, TimePoint now);

    // The event of a contact from create() that has no event for this purpose yet, and its
    // view row: the fold of that one event.
    void append_first(const LedgerEntry& entry, const PurposeSettings& purpose,
                      const ContactFacts& facts, TimePoint now);

    // Writes everything gathered. Call before commit; the next id is read again afterwards,
    // since another process may write between two transactions.
    void flush();

  private:
    struct Statements;
    sqlite3* handle_ = nullptr;
    int wal_pages_ = 0;  // the connection's wal_autocheckpoint before the import
    std::unique_ptr<Statements> statements_;
};

}  // namespace brevduva::consent
