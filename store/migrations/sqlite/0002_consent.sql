-- Contacts, the consent ledger and its materialised view, suppressions and erasures
-- (consent/consent_store.hpp; docs/consent.md). Times are fixed-width ISO 8601 UTC text with
-- microseconds, so that text order is time order. Ids are AUTOINCREMENT: an id is never
-- reused, so a token minted for an erased contact can never act on a later one.

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    address TEXT NOT NULL UNIQUE,  -- normalised: local part as written, A-label domain
    address_given TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    postal_address TEXT NOT NULL DEFAULT '',
    organisation_id INTEGER REFERENCES organisations (id),
    locale TEXT NOT NULL DEFAULT 'sv' CHECK (locale IN ('sv', 'en')),
    attributes TEXT NOT NULL DEFAULT '{}',  -- a JSON object
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- Set to 1 only by the erasure transaction, just before it deletes the row: the one
    -- state in which the ledger lets the contact's events be deleted.
    erasing INTEGER NOT NULL DEFAULT 0 CHECK (erasing IN (0, 1))
);
CREATE INDEX contacts_organisation ON contacts (organisation_id);

CREATE TABLE lists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE list_members (
    list_id INTEGER NOT NULL REFERENCES lists (id),
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (list_id, contact_id)
);
CREATE INDEX list_members_contact ON list_members (contact_id);

-- A stable number for each purpose name, for tokens (which carry ids, never names): it does
-- not change when the purposes in the config are reordered. Made on first use.
CREATE TABLE purposes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- The ledger: append-only. No foreign key cascades: a contact with events cannot be deleted
-- except by the erasure, which deletes its events first.
CREATE TABLE consent_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    purpose TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('grant', 'confirm', 'withdraw', 'object')),
    basis TEXT NOT NULL CHECK (basis IN ('consent', 'legitimate_interest', 'contract')),
    source TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '',
    evidence_ip TEXT NOT NULL DEFAULT '',
    evidence_user_agent TEXT NOT NULL DEFAULT '',
    evidence_wording TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX consent_events_contact ON consent_events (contact_id, purpose, occurred_at, id);

CREATE TRIGGER consent_events_never_updated BEFORE UPDATE ON consent_events
BEGIN
    SELECT RAISE(ABORT, 'consent events are append-only: an event is never changed');
END;

CREATE TRIGGER consent_events_deleted_only_by_erasure BEFORE DELETE ON consent_events
WHEN NOT EXISTS (SELECT 1 FROM contacts WHERE id = OLD.contact_id AND erasing = 1)
BEGIN
    SELECT RAISE(ABORT, 'consent events are append-only: only the erasure of the contact removes them');
END;

-- The materialised view: exactly consent::fold of the contact's events for the purpose, one
-- row per contact and purpose that has events. A cache, rebuilt by `brevduva consent rebuild`.
CREATE TABLE consent_state (
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    purpose TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('none', 'pending', 'granted', 'withdrawn', 'objected')),
    basis TEXT,
    granted_at TEXT,
    confirmed_at TEXT,
    lapses_at TEXT,
    ended_at TEXT,
    objected_at TEXT,
    last_event_id INTEGER NOT NULL,
    PRIMARY KEY (contact_id, purpose)
);

-- Keyed by HMAC-SHA256 of the normalised address under consent.suppression_secret, so an
-- erased person stays suppressed without their address being stored. purpose '' = all.
CREATE TABLE suppressions (
    address_key TEXT NOT NULL CHECK (length(address_key) = 64),
    purpose TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL CHECK (reason IN ('unsubscribed', 'hard_bounce', 'complaint',
                                           'objection', 'erased', 'manual')),
    suppressed_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (address_key, purpose)
);
CREATE INDEX suppressions_time ON suppressions (suppressed_at, address_key, purpose);

-- One row per erasure: who, when and how much, never whom.
CREATE TABLE erasures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    erased_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    contact_found INTEGER NOT NULL CHECK (contact_found IN (0, 1)),
    list_memberships INTEGER NOT NULL,
    consent_events INTEGER NOT NULL,
    consent_states INTEGER NOT NULL,
    deliveries INTEGER NOT NULL,
    opens INTEGER NOT NULL,
    clicks INTEGER NOT NULL
);

CREATE TRIGGER erasures_never_changed BEFORE UPDATE ON erasures
BEGIN
    SELECT RAISE(ABORT, 'the erasure record is append-only');
END;

CREATE TRIGGER erasures_never_deleted BEFORE DELETE ON erasures
BEGIN
    SELECT RAISE(ABORT, 'the erasure record is append-only');
END;
