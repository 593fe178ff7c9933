// Persistence for the consent component: contacts, the consent ledger with its materialised
// view, suppressions, the eligibility check, and the data-subject rights (export, erasure),
// all over one store::Database through prepared Poco::Data statements. The schema is migration
// 0002_consent (store/migrations/); this is the only code that writes those tables.
//
// Contract:
// - The ledger is append-only: nothing here updates or deletes an event, and the database
//   refuses it too (triggers); the one exception is erase(), which removes a person's events
//   together with everything else about them.
// - The view (consent_state) is always what consent::fold gives for the contact's events:
//   every write that can change a fold (an appended event, a contact gaining or losing an
//   organisation) refreshes it in the same transaction.
// - Write methods run inside the caller's transaction when one is open (an import commits
//   many rows per transaction), otherwise in one of their own; a failure rolls back whatever
//   the method wrote. Reads run as they are; open a Transaction(Intent::read) for a snapshot.
// - Expected failures (an invalid field, an unknown purpose) are values; the database failing
//   is an exception (store::StoreError or Poco::Exception).
// - Nothing here logs personal data; messages that name a contact use its id.
// - Times are stored as fixed-width ISO 8601 UTC text with microseconds
//   (2025-03-01T09:30:00.000000Z), so that text order is time order on both engines; times
//   read back are exact to the microsecond.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config_settings.hpp"
#include "consent/consent_address.hpp"
#include "consent/consent_event.hpp"
#include "consent/consent_gate.hpp"
#include "consent/consent_result.hpp"
#include "consent/consent_state.hpp"
#include "store/store_database.hpp"

namespace brevduva::consent {

using ContactId = std::int64_t;

// ---- contacts -------------------------------------------------------------------------------

struct Contact {
    ContactId id = 0;
    std::string address;        // normalised (consent_address.hpp), as written: for sending
                                // (fold_address() of it is unique: the contact's identity)
    std::string address_given;  // as it arrived, for the person's own export
    std::string name;
    std::string phone;
    std::string postal_address;
    std::string organisation;        // its name; empty: none (treated as a natural person)
    std::string locale = "sv";       // "sv" or "en"
    std::string attributes = "{}";   // a JSON object, for templates
    std::vector<std::string> lists;  // names, sorted
    TimePoint created_at;
    TimePoint updated_at;
};

// What an import row, the API or an admin command knows about a contact. Unset fields keep
// what is stored (merge, not replace); an empty string clears a field.
struct ContactUpdate {
    // Already normalised; the key is fold_address() of it, so any capitalisation finds the same
    // contact. A new contact is stored with it as given; an existing one keeps its address.
    EmailAddress address;
    std::string address_given;  // stored as given; empty: address.text()
    std::optional<std::string> name;
    std::optional<std::string> phone;
    std::optional<std::string> postal_address;
    std::optional<std::string> organisation;  // looked up by name, created when new
    std::optional<std::string> locale;        // "sv" or "en"
    // A JSON object merged key by key into the stored one (a key given replaces, others stay).
    std::optional<std::string> attributes;
    // List names the contact is added to; memberships are never removed by an upsert.
    std::vector<std::string> lists;
};

enum class UpsertOutcome { created, updated, unchanged };

struct Upserted {
    ContactId id = 0;
    UpsertOutcome outcome = UpsertOutcome::unchanged;
};

// Limits that keep one field from filling the database; an import rejects the row.
inline constexpr std::size_t max_text_field_bytes = 1024;
inline constexpr std::size_t max_attributes_bytes = 16 * 1024;

// Why an update cannot be stored ("name contains a control character", "locale 'de' is not
// sv or en", "attributes is not a JSON object"), or nullopt. Pure; upsert calls it.
[[nodiscard]] std::optional<std::string> validate(const ContactUpdate& update);

struct ContactFilter {
    std::string list;          // empty: any
    std::string organisation;  // empty: any
};

class ContactStore {
  public:
    // purposes: the configured ones, for refreshing the view when an organisation changes.
    ContactStore(store::Database& db, std::span<const PurposeSettings> purposes);

    [[nodiscard]] std::optional<Contact> find(const EmailAddress& address);
    // By id; an id that a merge joined into another contact (contact_merges) finds that one, so
    // that links in mail sent before the merge keep working.
    [[nodiscard]] std::optional<Contact> find(ContactId id);

    // Creates the contact or merges the update into it. The error is validate()'s reason.
    [[nodiscard]] Result<Upserted, std::string> upsert(const ContactUpdate& update);

    // Replaces the contact's memberships with exactly these lists (created when new).
    void set_lists(ContactId id, std::span<const std::string> lists);

    // The organisation's id, creating it when there is none of that name.
    [[nodiscard]] std::int64_t organisation_id(std::string_view name);
    // The list's id, creating it when there is none of that name.
    [[nodiscard]] std::int64_t list_id(std::string_view name);

    // Visits matching contacts in id order, reading page_size rows per query, so memory stays
    // bounded whatever the number of contacts. Contacts come with their lists filled in.
    void for_each(const ContactFilter& filter, const std::function<void(const Contact&)>& visit,
                  std::size_t page_size = 500);

  private:
    // Inserts (id 0) or updates the row; returns its id.
    ContactId write_contact(ContactId id, const Contact& contact, TimePoint when);
    bool add_to_lists(ContactId id, std::span<const std::string> lists, TimePoint when);

    store::Database& db_;
    std::vector<PurposeSettings> purposes_;
};

// ---- the ledger and its view ----------------------------------------------------------------

// Evidence beyond ConsentEvent::evidence (free text): Art. 7(1) "able to demonstrate".
struct EventEvidence {
    std::string ip;
    std::string user_agent;
    std::string wording;  // the wording or policy version shown, e.g. "signup-form v3"

    friend bool operator==(const EventEvidence&, const EventEvidence&) = default;
};

struct LedgerEntry {
    ContactId contact_id = 0;
    ConsentEvent event;  // event.id is the ledger id once appended (ignored by append)
    EventEvidence details;
    TimePoint recorded_at;  // set by append: when the row was written
    // The delivery whose public link (unsubscribe, double opt-in) recorded the event; 0 for
    // events from anywhere else.
    std::int64_t delivery_id = 0;
};

// A contact that was joined into this one (migration 0005_identity merged case variants of one
// address): who it was by id, why, what moved with it, when and by whom. Ids and counts only.
struct ContactMerge {
    ContactId merged_contact_id = 0;
    std::string reason;  // "case_variant"
    std::int64_t consent_events = 0;
    std::int64_t list_memberships = 0;
    std::int64_t deliveries = 0;
    std::string actor;
    TimePoint merged_at;
};

struct Appended {
    std::int64_t event_id = 0;
    ConsentState state;  // the refreshed view row for the contact and the event's purpose
};

// One row where the stored view and the fold of the ledger disagree.
struct ViewDifference {
    ContactId contact_id = 0;
    std::string purpose;
    std::optional<ConsentState> stored;  // nullopt: the view has no row
    std::optional<ConsentState> folded;  // nullopt: the ledger gives no row

    [[nodiscard]] std::string describe() const;  // one line, ids only
};

enum class LedgerError { unknown_purpose, unknown_contact };

class Ledger {
  public:
    Ledger(store::Database& db, std::span<const PurposeSettings> purposes);

    // The configured purpose of that name, or nullptr.
    [[nodiscard]] const PurposeSettings* purpose(std::string_view name) const;

    // Appends the event and, in the same transaction, refreshes the view row for the contact
    // and the purpose from all of that contact's events for it. recorded_at is set here.
    [[nodiscard]] Result<Appended, LedgerError> append(const LedgerEntry& entry);

    // As append, unless an event with the same contact, purpose, action, basis, time and
    // source is already in the ledger: then nothing is written and nullopt is returned. Makes
    // a re-run of an interrupted import write each event once.
    [[nodiscard]] Result<std::optional<Appended>, LedgerError> append_once(
        const LedgerEntry& entry);

    // Every event of the contact, all purposes, in (at, id) order, with evidence.
    [[nodiscard]] std::vector<LedgerEntry> history(ContactId contact);
    // The same events as the gate wants them.
    [[nodiscard]] std::vector<ConsentEvent> events(ContactId contact);

    // The stored view rows of the contact, by purpose.
    [[nodiscard]] std::vector<ConsentState> states(ContactId contact);

    // The contacts joined into this one, oldest merge first: part of its history, since their
    // events are now among its own.
    [[nodiscard]] std::vector<ContactMerge> merges(ContactId contact);

    // Recomputes the contact's view rows for every configured purpose (after a change of
    // organisation, which the fold depends on).
    void refresh(ContactId contact);

    // Folds the whole ledger, page_size contacts at a time, and compares it with the stored
    // view: every difference, none when the view is right. Read-only, in one read snapshot of
    // its own (call it outside a transaction).
    // View rows of purposes that are not configured are differences too.
    [[nodiscard]] std::vector<ViewDifference> verify(std::size_t page_size = 1000);

    // Replaces the whole view with the fold of the ledger, in one transaction (needed after a
    // purpose's settings change); call it outside a transaction. Returns the number of view
    // rows written.
    std::size_t rebuild(std::size_t page_size = 1000);

  private:
    [[nodiscard]] Result<std::optional<Appended>, LedgerError> append_once_or_always(
        const LedgerEntry& entry, bool once);

    store::Database& db_;
    std::vector<PurposeSettings> purposes_;
};

[[nodiscard]] std::string_view to_string(LedgerError error);

// Serialises the consent writes of one contact until the transaction ends: on PostgreSQL a
// row lock on the contact (READ COMMITTED would otherwise let two transactions decide on the
// same ledger and both write); SQLite's write transaction holds the database's one write lock
// already. Call it inside a write transaction, before reading what the write depends on.
void lock_contact(store::Database& db, ContactId contact);

// The stable number of a purpose name, for tokens (TokenClaims::purpose_id), made on first
// use; and the name back from a token's number.
[[nodiscard]] std::int64_t purpose_id(store::Database& db, std::string_view name);
[[nodiscard]] std::optional<std::string> purpose_name(store::Database& db, std::int64_t id);

// ---- suppressions ---------------------------------------------------------------------------

struct SuppressionEntry {
    std::string key;  // suppression_key() of the address: 64 hex digits
    Suppression suppression;
    std::string actor;
};

class SuppressionStore {
  public:
    // secret: the suppression secret (config consent.suppression_secret), at least
    // min_suppression_secret_bytes. It never rotates: a new secret would orphan every key.
    SuppressionStore(store::Database& db, std::string secret);
    ~SuppressionStore();
    SuppressionStore(const SuppressionStore&) = delete;
    SuppressionStore& operator=(const SuppressionStore&) = delete;

    [[nodiscard]] std::string key_for(const EmailAddress& address) const;

    // Adds the suppression unless one with the same key and purpose exists: then the first
    // reason and time stand and false is returned, except that an `unsubscribed` one gives way
    // to a later claim of another reason or by another actor (an operator's objection, a
    // phoned-in unsubscription), which replaces it.
    bool add(const std::string& key, const Suppression& suppression, std::string_view actor);
    enum class Removed { removed, absent, kept_erased };
    // Removes the suppression for exactly that purpose ("" = the all-purposes one). One with
    // reason erased is kept (kept_erased) unless lift_erasure: it is what keeps an erased
    // person from being mailed again, so lifting it is a deliberate act.
    Removed remove(const std::string& key, std::string_view purpose, bool lift_erasure = false);

    // All suppressions of the key (any purpose), oldest first.
    [[nodiscard]] std::vector<Suppression> for_key(const std::string& key);
    [[nodiscard]] std::vector<SuppressionEntry> entries_for_key(const std::string& key);

    // Visits every suppression in (at, key, purpose) order, page by page.
    void for_each(const std::function<void(const SuppressionEntry&)>& visit,
                  std::size_t page_size = 500);

    [[nodiscard]] store::Database& database() { return db_; }

  private:
    store::Database& db_;
    std::string secret_;
};

// ---- eligibility ----------------------------------------------------------------------------

// Loads fresh facts (the ledger, the suppressions, the organisation) and asks the gate. This
// is what `consent check` and the worker call just before sending; it never reads the view.
class Eligibility {
  public:
    Eligibility(store::Database& db, std::span<const PurposeSettings> purposes,
                SuppressionStore& suppressions);

    // Decides for a known contact. The purpose must be configured (Ledger::purpose).
    [[nodiscard]] Decision check(const Contact& contact, const PurposeSettings& purpose,
                                 TimePoint now);
    // Decides for an address that may not be a contact: then only suppressions can speak,
    // and without a contact there is no basis.
    [[nodiscard]] Decision check(const EmailAddress& address, const PurposeSettings& purpose,
                                 TimePoint now);

  private:
    store::Database& db_;
    std::vector<PurposeSettings> purposes_;
    SuppressionStore& suppressions_;
};

// The gate's facts for one contact, as the worker reads them for a whole batch at once.
struct GateFacts {
    Contact contact;                        // without lists, phone, postal address or times
    std::vector<ConsentEvent> events;       // every purpose, in (at, id) order
    std::vector<Suppression> suppressions;  // those matching the contact's address
};

// The contacts of `ids` with their ledger events and suppressions, in three queries; ids that
// are not (or no longer) contacts are absent. Read on the suppression store's database, in the
// caller's transaction when one is open.
[[nodiscard]] std::unordered_map<ContactId, GateFacts> load_gate_facts(
    SuppressionStore& suppressions, std::span<const ContactId> ids);

// ---- data-subject rights --------------------------------------------------------------------

// What erase() removed, counts only: this is also what the erasures table keeps.
struct ErasureReport {
    std::int64_t erasure_id = 0;
    bool contact_found = false;
    std::int64_t list_memberships = 0;
    std::int64_t consent_events = 0;
    std::int64_t consent_states = 0;
    std::int64_t deliveries = 0;  // and their opens and clicks, when those tables exist
    std::int64_t opens = 0;
    std::int64_t clicks = 0;
    bool organisation_removed = false;  // it had no other contact (its name may be personal)
    bool suppression_added = false;     // false: an all-purposes erased suppression existed
    // SQLite: the checkpoint emptied the WAL (a reader can stop it); always true on PostgreSQL.
    bool wal_truncated = false;
};

// GDPR Art. 17. In one transaction: removes the contact row, its list memberships, its ledger
// events with their evidence, its view rows, its organisation when no other contact has it,
// and its deliveries, opens and clicks where those tables exist (deliveries.contact_id,
// opens.delivery_id, clicks.delivery_id); adds the all-purposes suppression with reason erased
// under the address's keyed hash (an all-purposes suppression of another reason becomes
// erased); records an erasure row with the counts, the actor and the time, and no personal
// data.
// After the commit, checkpoints SQLite's WAL (TRUNCATE), so that no copy of the erased rows
// stays in it; with secure_delete on, freed pages are zeroed in the main file. An address that
// is not a contact is still suppressed and recorded.
// Runs in a transaction of its own: call it outside one.
[[nodiscard]] ErasureReport erase(SuppressionStore& suppressions, const EmailAddress& address,
                                  std::string_view actor, TimePoint now);

// GDPR Art. 15 and 20: everything stored about the address as one JSON document (pretty
// printed): contact, organisation, lists, ledger with evidence, view, suppressions matching
// the address's key, and deliveries, opens and clicks where those tables exist. An address
// that is not a contact gives "contact": null and its suppressions. Reads in one snapshot of
// its own: call it outside a transaction.
[[nodiscard]] std::string export_personal_data(SuppressionStore& suppressions,
                                               const EmailAddress& address);

}  // namespace brevduva::consent
