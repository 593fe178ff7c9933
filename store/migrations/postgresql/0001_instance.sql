-- The identity of this installation. Its id goes into every Message-ID, so that a message
-- resent after a crash can be recognised downstream; it is made once, here, and never changes.
-- Same shape as the SQLite migration: 32 lower-case hex digits, created_at as ISO 8601 UTC.
CREATE TABLE instance (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);

-- Two random UUIDs carry 244 random bits; their md5 spreads them over all 128 bits of the id
-- without needing the pgcrypto extension for gen_random_bytes().
INSERT INTO instance (id, created_at)
VALUES (md5(gen_random_uuid()::text || gen_random_uuid()::text),
        to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));

-- A second row or a changed id would make "this installation" ambiguous.
CREATE FUNCTION instance_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        RAISE EXCEPTION 'instance holds exactly one row; it is created by migration 0001';
    END IF;
    RAISE EXCEPTION 'the instance id never changes: Message-IDs depend on it';
END;
$$;

CREATE TRIGGER instance_single_row BEFORE INSERT ON instance
    FOR EACH ROW EXECUTE FUNCTION instance_guard();
CREATE TRIGGER instance_id_fixed BEFORE UPDATE OF id ON instance
    FOR EACH ROW EXECUTE FUNCTION instance_guard();
