-- Opens and clicks recorded by the public listener (http/http_tracking.hpp; docs/http.md).
-- A hit is stored against a delivery only when the person had open_tracking (click_tracking)
-- consent at the moment of the hit; every valid hit, with or without consent, is also counted
-- in tracking_counts, which holds no personal data: no delivery, contact, address, IP or user
-- agent, only the campaign, the link, the UTC day and the source class. The erasure deletes a
-- person's opens and clicks through opens.delivery_id and clicks.delivery_id
-- (consent/consent_store_erasure.cpp); tracking_counts stays, having nothing of theirs.

-- source_class: human, privacy_proxy (Apple Mail Privacy Protection, Google's image proxy) or
-- scanner (security gateways, headless clients, HEAD, or a hit within seconds of delivery).
-- class_reason is the evidence the class rests on ("ua:GoogleImageProxy", "3 s after
-- delivery"); user_agent and ip_prefix (IPv4 /24, IPv6 /48) are the raw evidence.
CREATE TABLE opens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
    campaign_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    seconds_after_delivery INTEGER,  -- NULL when the delivery has no sent_at
    source_class TEXT NOT NULL CHECK (source_class IN ('human', 'privacy_proxy', 'scanner')),
    class_reason TEXT NOT NULL,
    method TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    ip_prefix TEXT NOT NULL
);
CREATE INDEX opens_delivery ON opens (delivery_id);

CREATE TABLE clicks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
    campaign_id INTEGER NOT NULL,
    link_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    seconds_after_delivery INTEGER,
    source_class TEXT NOT NULL CHECK (source_class IN ('human', 'privacy_proxy', 'scanner')),
    class_reason TEXT NOT NULL,
    method TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    ip_prefix TEXT NOT NULL
);
CREATE INDEX clicks_delivery ON clicks (delivery_id);

-- Every valid hit, attributed or not, by campaign, kind, link (0 for opens), UTC day
-- (YYYY-MM-DD) and source class. No personal data.
CREATE TABLE tracking_counts (
    campaign_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('open', 'click')),
    link_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    source_class TEXT NOT NULL CHECK (source_class IN ('human', 'privacy_proxy', 'scanner')),
    hits INTEGER NOT NULL,
    attributed INTEGER NOT NULL,  -- of those hits, how many are also stored against a delivery
    PRIMARY KEY (campaign_id, kind, link_id, day, source_class)
);
