-- The identity of this installation. Its id goes into every Message-ID, so that a message
-- resent after a crash can be recognised downstream; it is made once, here, and never changes.
CREATE TABLE instance (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);

INSERT INTO instance (id, created_at)
VALUES (lower(hex(randomblob(16))), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));

-- A second row or a changed id would make "this installation" ambiguous.
CREATE TRIGGER instance_single_row BEFORE INSERT ON instance
BEGIN
    SELECT RAISE(ABORT, 'instance holds exactly one row; it is created by migration 0001');
END;

CREATE TRIGGER instance_id_fixed BEFORE UPDATE OF id ON instance
BEGIN
    SELECT RAISE(ABORT, 'the instance id never changes: Message-IDs depend on it');
END;
