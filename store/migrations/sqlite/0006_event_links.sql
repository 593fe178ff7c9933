-- Which message's link recorded a consent event: the delivery whose unsubscribe (or double
-- opt-in) link the person followed, NULL for events from anywhere else. It is proof of where a
-- withdrawal came from (Art. 7(1)), and what bounds the undo button of an unsubscribe page to
-- that link's own withdrawal (consent/consent_undo.hpp). No foreign key: the ledger outlives
-- delivery records, which retention may purge.
ALTER TABLE consent_events ADD COLUMN delivery_id INTEGER;
