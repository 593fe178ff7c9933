-- One person is one contact. A contact is keyed by its folded address (consent::fold_address:
-- the whole address in lower case), so that every capitalisation finds the same contact, the
-- same ledger and the same suppressions; the address as written stays for sending
-- (docs/consent.md, "One person, one contact"). Contacts whose addresses differed only in case
-- are merged here into the first one made (the lowest id): their ledger events, list
-- memberships and deliveries move to it unchanged (ids, times and evidence kept), fields it
-- lacks are taken from them, and each merge is recorded in contact_merges, which
-- `consent history` and `gdpr export` show.
-- Two deliveries of one campaign for what is now one person both stay (merged_from says which
-- contact the moved one was made for); one of them still waiting to be sent becomes
-- skipped(duplicate_contact), so that the person is not mailed twice.
-- The code step folds the consent view again for every contact that gained events, and for
-- every contact with events of one time, which the fold now orders grant, confirm, withdraw,
-- object (a tie fails closed).
-- step: refold_views

-- Who joins whom: every contact whose folded address one made before it shares, and the first.
CREATE TEMP TABLE merge_identity AS SELECT id, lower(address) AS folded FROM contacts;
CREATE INDEX temp.merge_identity_folded ON merge_identity (folded, id);
CREATE TEMP TABLE merge_map AS
SELECT i.id AS merged_id,
       (SELECT min(o.id) FROM merge_identity o WHERE o.folded = i.folded) AS into_id
FROM merge_identity i
WHERE EXISTS (SELECT 1 FROM merge_identity o WHERE o.folded = i.folded AND o.id < i.id);
CREATE INDEX temp.merge_map_merged ON merge_map (merged_id);
CREATE INDEX temp.merge_map_into ON merge_map (into_id);

-- The record of each merge: ids and counts, never an address or a name.
CREATE TABLE contact_merges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),  -- the contact that stays
    merged_contact_id INTEGER NOT NULL,  -- the contact joined into it; its row is gone
    reason TEXT NOT NULL CHECK (reason IN ('case_variant')),
    consent_events INTEGER NOT NULL,     -- what moved with it
    list_memberships INTEGER NOT NULL,
    deliveries INTEGER NOT NULL,
    actor TEXT NOT NULL,
    merged_at TEXT NOT NULL
);
CREATE INDEX contact_merges_contact ON contact_merges (contact_id);

INSERT INTO contact_merges (contact_id, merged_contact_id, reason, consent_events,
                            list_memberships, deliveries, actor, merged_at)
SELECT m.into_id, m.merged_id, 'case_variant',
       (SELECT count(*) FROM consent_events e WHERE e.contact_id = m.merged_id),
       (SELECT count(*) FROM list_members l WHERE l.contact_id = m.merged_id),
       (SELECT count(*) FROM deliveries d WHERE d.contact_id = m.merged_id),
       'migration 0005_identity',
       strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z'
FROM merge_map m ORDER BY m.merged_id;

-- Fields the contact that stays lacks come from the most recently updated variant that has
-- them; attribute keys likewise, key by key: its own keys win whatever their value (null and
-- nested objects included, as they are), then the newer variant's.
CREATE TEMP TABLE merge_attributes AS
WITH
    sources (into_id, priority, attributes) AS (
        SELECT c.id, 0, c.attributes FROM contacts c
        WHERE c.id IN (SELECT into_id FROM merge_map)
        UNION ALL
        SELECT m.into_id,
               row_number() OVER (PARTITION BY m.into_id ORDER BY c.updated_at DESC, c.id DESC),
               c.attributes
        FROM merge_map m JOIN contacts c ON c.id = m.merged_id),
    pairs (into_id, priority, key, type, value) AS (
        SELECT s.into_id, s.priority, e.key, e.type, e.value
        FROM sources s, json_each(s.attributes) e),
    chosen AS (
        SELECT p.* FROM pairs p
        WHERE p.priority = (SELECT min(q.priority) FROM pairs q
                            WHERE q.into_id = p.into_id AND q.key = p.key))
SELECT into_id,
       json_group_object(key, CASE type WHEN 'object' THEN json(value)
                                        WHEN 'array' THEN json(value)
                                        WHEN 'true' THEN json('true')
                                        WHEN 'false' THEN json('false')
                                        ELSE value END) AS attributes
FROM chosen GROUP BY into_id;

UPDATE contacts SET
    name = CASE WHEN name <> '' THEN name ELSE COALESCE((
        SELECT c.name FROM merge_map m JOIN contacts c ON c.id = m.merged_id
        WHERE m.into_id = contacts.id AND c.name <> ''
        ORDER BY c.updated_at DESC, c.id DESC LIMIT 1), '') END,
    phone = CASE WHEN phone <> '' THEN phone ELSE COALESCE((
        SELECT c.phone FROM merge_map m JOIN contacts c ON c.id = m.merged_id
        WHERE m.into_id = contacts.id AND c.phone <> ''
        ORDER BY c.updated_at DESC, c.id DESC LIMIT 1), '') END,
    postal_address = CASE WHEN postal_address <> '' THEN postal_address ELSE COALESCE((
        SELECT c.postal_address FROM merge_map m JOIN contacts c ON c.id = m.merged_id
        WHERE m.into_id = contacts.id AND c.postal_address <> ''
        ORDER BY c.updated_at DESC, c.id DESC LIMIT 1), '') END,
    organisation_id = COALESCE(organisation_id, (
        SELECT c.organisation_id FROM merge_map m JOIN contacts c ON c.id = m.merged_id
        WHERE m.into_id = contacts.id AND c.organisation_id IS NOT NULL
        ORDER BY c.updated_at DESC, c.id DESC LIMIT 1)),
    attributes = COALESCE(
        (SELECT a.attributes FROM merge_attributes a WHERE a.into_id = contacts.id), attributes),
    created_at = min(created_at, (
        SELECT min(c.created_at) FROM merge_map m JOIN contacts c ON c.id = m.merged_id
        WHERE m.into_id = contacts.id)),
    updated_at = strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z'
WHERE id IN (SELECT into_id FROM merge_map);

-- Lists: the union, each membership with its earliest time.
INSERT INTO list_members (list_id, contact_id, added_at)
SELECT l.list_id, m.into_id, min(l.added_at)
FROM list_members l JOIN merge_map m ON m.merged_id = l.contact_id
GROUP BY l.list_id, m.into_id
ON CONFLICT (list_id, contact_id) DO UPDATE SET added_at = min(added_at, excluded.added_at);
DELETE FROM list_members WHERE contact_id IN (SELECT merged_id FROM merge_map);

-- The ledger: every event moves as it is. The triggers that keep it append-only are set aside
-- for this one statement and made again below, word for word.
DROP TRIGGER consent_events_never_updated;
DROP TRIGGER consent_events_deleted_only_by_erasure;
UPDATE consent_events
SET contact_id = (SELECT m.into_id FROM merge_map m WHERE m.merged_id = consent_events.contact_id)
WHERE contact_id IN (SELECT merged_id FROM merge_map);

-- The view rows of every contact involved go; the step folds them again from the ledger.
DELETE FROM consent_state
WHERE contact_id IN (SELECT merged_id FROM merge_map) OR contact_id IN (SELECT into_id FROM merge_map);

-- Deliveries: the table is made again without UNIQUE (campaign_id, contact_id), which only the
-- deliveries made when a campaign is queued keep (merged_from IS NULL).
CREATE TEMP TABLE merge_sequences AS SELECT name, seq FROM sqlite_sequence
WHERE name IN ('contacts', 'deliveries');

CREATE TEMP TABLE merge_deliveries AS
SELECT d.id, d.campaign_id, d.state, COALESCE(m.into_id, d.contact_id) AS person
FROM deliveries d LEFT JOIN merge_map m ON m.merged_id = d.contact_id
WHERE d.contact_id IN (SELECT merged_id FROM merge_map)
   OR d.contact_id IN (SELECT into_id FROM merge_map);
CREATE INDEX temp.merge_deliveries_person ON merge_deliveries (campaign_id, person);
-- Of one person's deliveries in one campaign, at most one may still be sent: none when one was
-- already sent (or may have been), else the oldest of those waiting.
CREATE TEMP TABLE merge_duplicates AS
SELECT w.id FROM merge_deliveries w
WHERE w.state IN ('pending', 'claimed', 'deferred')
  AND EXISTS (SELECT 1 FROM merge_deliveries o
              WHERE o.campaign_id = w.campaign_id AND o.person = w.person AND o.id <> w.id
                AND (o.state IN ('sent', 'sending', 'ambiguous')
                     OR (o.state IN ('pending', 'claimed', 'deferred') AND o.id < w.id)));

CREATE TABLE deliveries_merged (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'claimed', 'sending', 'sent', 'deferred', 'failed',
                         'skipped', 'ambiguous')),
    skip_reason TEXT NOT NULL DEFAULT '',   -- the gate's reason, campaign_cancelled or
                                            -- duplicate_contact
    attempts INTEGER NOT NULL DEFAULT 0,    -- transactions begun (moves to sending)
    due_at TEXT NOT NULL,                   -- not claimed before this
    first_attempt_at TEXT,
    lease_owner TEXT NOT NULL DEFAULT '',   -- the worker holding it while claimed or sending
    lease_until TEXT,
    open_tracking INTEGER NOT NULL DEFAULT 0 CHECK (open_tracking IN (0, 1)),   -- as sent
    click_tracking INTEGER NOT NULL DEFAULT 0 CHECK (click_tracking IN (0, 1)),
    decided_at TEXT,                        -- when the gate last said send
    sent_at TEXT,                           -- the 2xx to the end of DATA
    last_reply TEXT NOT NULL DEFAULT '',    -- the relay's last reply, or why it failed
    updated_at TEXT NOT NULL,
    -- The contact it was made for, when a merge of case variants moved it to this one.
    merged_from INTEGER
);
INSERT INTO deliveries_merged (id, campaign_id, contact_id, state, skip_reason, attempts, due_at,
                               first_attempt_at, lease_owner, lease_until, open_tracking,
                               click_tracking, decided_at, sent_at, last_reply, updated_at,
                               merged_from)
SELECT d.id, d.campaign_id, COALESCE(m.into_id, d.contact_id),
       CASE WHEN x.id IS NULL THEN d.state ELSE 'skipped' END,
       CASE WHEN x.id IS NULL THEN d.skip_reason ELSE 'duplicate_contact' END,
       d.attempts, d.due_at, d.first_attempt_at,
       CASE WHEN x.id IS NULL THEN d.lease_owner ELSE '' END,
       CASE WHEN x.id IS NULL THEN d.lease_until ELSE NULL END,
       d.open_tracking, d.click_tracking, d.decided_at, d.sent_at, d.last_reply,
       CASE WHEN x.id IS NULL THEN d.updated_at
            ELSE strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z' END,
       m.merged_id
FROM deliveries d
LEFT JOIN merge_map m ON m.merged_id = d.contact_id
LEFT JOIN merge_duplicates x ON x.id = d.id;
DROP TABLE deliveries;
ALTER TABLE deliveries_merged RENAME TO deliveries;
CREATE INDEX deliveries_queue ON deliveries (campaign_id, state, due_at);
CREATE INDEX deliveries_contact ON deliveries (contact_id);
CREATE INDEX deliveries_lease ON deliveries (lease_owner, state);
CREATE UNIQUE INDEX deliveries_campaign_contact ON deliveries (campaign_id, contact_id)
WHERE merged_from IS NULL;

-- Contacts: the merged rows go, and the table is made again keyed by the folded address.
CREATE TABLE contacts_merged (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    address TEXT NOT NULL,  -- for sending: local part as written, A-label domain
    folded_address TEXT NOT NULL UNIQUE,  -- who it is: consent::fold_address(address)
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
INSERT INTO contacts_merged (id, address, folded_address, address_given, name, phone,
                             postal_address, organisation_id, locale, attributes, created_at,
                             updated_at, erasing)
SELECT id, address, lower(address), address_given, name, phone, postal_address, organisation_id,
       locale, attributes, created_at, updated_at, erasing
FROM contacts WHERE id NOT IN (SELECT merged_id FROM merge_map);
DROP TABLE contacts;
ALTER TABLE contacts_merged RENAME TO contacts;
CREATE INDEX contacts_organisation ON contacts (organisation_id);

-- An id is never reused (a token minted for an erased contact or a delivery must never act on
-- a later one): the sequences continue from where they were, not from the largest id left.
UPDATE sqlite_sequence
SET seq = max(seq, (SELECT s.seq FROM merge_sequences s WHERE s.name = sqlite_sequence.name))
WHERE name IN (SELECT name FROM merge_sequences);

CREATE TRIGGER consent_events_never_updated BEFORE UPDATE ON consent_events
BEGIN
    SELECT RAISE(ABORT, 'consent events are append-only: an event is never changed');
END;

CREATE TRIGGER consent_events_deleted_only_by_erasure BEFORE DELETE ON consent_events
WHEN NOT EXISTS (SELECT 1 FROM contacts WHERE id = OLD.contact_id AND erasing = 1)
BEGIN
    SELECT RAISE(ABORT, 'consent events are append-only: only the erasure of the contact removes them');
END;

CREATE TRIGGER contact_merges_never_updated BEFORE UPDATE ON contact_merges
BEGIN
    SELECT RAISE(ABORT, 'the merge record is append-only');
END;

CREATE TRIGGER contact_merges_deleted_only_by_erasure BEFORE DELETE ON contact_merges
WHEN NOT EXISTS (SELECT 1 FROM contacts WHERE id = OLD.contact_id AND erasing = 1)
BEGIN
    SELECT RAISE(ABORT, 'the merge record is append-only: only the erasure of the contact removes it');
END;

DROP TABLE temp.merge_duplicates;
DROP TABLE temp.merge_deliveries;
DROP TABLE temp.merge_sequences;
DROP TABLE temp.merge_attributes;
DROP TABLE temp.merge_map;
DROP TABLE temp.merge_identity;
