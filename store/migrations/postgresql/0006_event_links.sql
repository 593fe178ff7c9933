-- Which message's link recorded a consent event; see the SQLite migration of the same name.
ALTER TABLE consent_events ADD COLUMN delivery_id BIGINT;
