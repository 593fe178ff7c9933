-- Campaigns, the template snapshot each one sends, its tracked links, and the durable delivery
-- queue (dispatcher/dispatcher_store.hpp; docs/dispatcher.md). The database is the queue: every
-- Delivery has one explicit state, every state change is one transaction. Times are the fixed-
-- width ISO 8601 UTC text of store/store_time.hpp; state names are those of
-- dispatcher/dispatcher_states.hpp.

CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    purpose TEXT NOT NULL,
    template_folder TEXT NOT NULL,           -- where the snapshot is read from when queued
    template_attributes TEXT NOT NULL DEFAULT '[]',  -- JSON array: attributes it may use
    audience_lists TEXT NOT NULL,            -- a JSON array of list names (at least one)
    audience_organisations TEXT NOT NULL DEFAULT '[]',  -- a JSON array; empty: every one
    from_name TEXT NOT NULL DEFAULT '',      -- empty: sender.from_name of the config
    from_address TEXT NOT NULL DEFAULT '',   -- empty: sender.from_address
    reply_to TEXT NOT NULL DEFAULT '',       -- empty: sender.reply_to
    send_at TEXT,                            -- NULL: as soon as it is queued
    sending_window TEXT NOT NULL DEFAULT '', -- e.g. "mon-fri 08:00-17:00 Europe/Stockholm"
    -- Set by --force: fire the schedule even when it is older than sending.schedule_guard.
    fire_overdue INTEGER NOT NULL DEFAULT 0 CHECK (fire_overdue IN (0, 1)),
    state TEXT NOT NULL DEFAULT 'draft'
        CHECK (state IN ('draft', 'scheduled', 'running', 'paused', 'finished', 'cancelled')),
    template_hash TEXT NOT NULL DEFAULT '',  -- SHA-256 of the snapshot, set when queued
    recipients INTEGER NOT NULL DEFAULT 0,   -- deliveries made when queued
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    queued_at TEXT,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX campaigns_state ON campaigns (state, send_at);

-- What the campaign sends, frozen when it is queued: later edits of the folder change nothing.
CREATE TABLE campaign_templates (
    campaign_id INTEGER PRIMARY KEY REFERENCES campaigns (id),
    hash TEXT NOT NULL CHECK (length(hash) = 64),
    sources TEXT NOT NULL  -- JSON: subject, html, text, preheader, partials
);

-- The tracked links of the snapshot: a click token carries (campaign, link id), and the
-- public listener redirects only to the URL stored here.
CREATE TABLE campaign_links (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    link_id INTEGER NOT NULL,
    url TEXT NOT NULL,
    PRIMARY KEY (campaign_id, link_id)
);

-- Who moved a campaign, when, from which state to which: the operator's audit trail.
CREATE TABLE campaign_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX campaign_log_campaign ON campaign_log (campaign_id, id);

-- One row per (campaign, contact): the unit of work. contact_id is kept while the contact
-- exists; the erasure deletes the contact's deliveries (consent/consent_store_erasure.cpp).
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'claimed', 'sending', 'sent', 'deferred', 'failed',
                         'skipped', 'ambiguous')),
    skip_reason TEXT NOT NULL DEFAULT '',   -- the gate's reason, or campaign_cancelled
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
    UNIQUE (campaign_id, contact_id)
);
CREATE INDEX deliveries_queue ON deliveries (campaign_id, state, due_at);
CREATE INDEX deliveries_contact ON deliveries (contact_id);
CREATE INDEX deliveries_lease ON deliveries (lease_owner, state);
