-- 0005: witnesses (c2sp.org/tlog-witness, tlog-cosignature).
-- Register side: the witnesses this log pushes its checkpoints to, how far each has
-- cosigned, and every cosignature received (kept for good: they are the evidence of
-- when an entry was logged).
CREATE TABLE witnesses (
    name TEXT PRIMARY KEY,
    vkey TEXT NOT NULL,
    url TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,   -- the size this witness last cosigned for us
    last_ok TEXT,
    last_attempt TEXT,
    last_error TEXT
);
CREATE TABLE cosignatures (
    size INTEGER NOT NULL REFERENCES log_checkpoints(size),
    witness TEXT NOT NULL,
    ts INTEGER NOT NULL,               -- the cosignature's own timestamp (POSIX seconds)
    line TEXT NOT NULL,                -- the signature line as received
    PRIMARY KEY (size, witness)
) WITHOUT ROWID;
CREATE INDEX cosignatures_witness ON cosignatures(witness, size);
CREATE TRIGGER cosignatures_immutable BEFORE UPDATE ON cosignatures
BEGIN SELECT RAISE(ABORT, 'cosignatures are never changed'); END;
CREATE TRIGGER cosignatures_kept BEFORE DELETE ON cosignatures
BEGIN SELECT RAISE(ABORT, 'cosignatures are never removed'); END;

-- Witness side (algoreg witness): the latest cosigned checkpoint per log, and every tree
-- head it ever cosigned, so it can never cosign two different trees of one size.
CREATE TABLE witness_state (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    root BLOB NOT NULL CHECK (length(root) = 32),
    note TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE witness_history (
    origin TEXT NOT NULL,
    size INTEGER NOT NULL,
    root BLOB NOT NULL CHECK (length(root) = 32),
    cosigned TEXT NOT NULL,
    PRIMARY KEY (origin, size)
) WITHOUT ROWID;
CREATE TRIGGER witness_history_immutable BEFORE UPDATE ON witness_history
BEGIN SELECT RAISE(ABORT, 'witness history is append-only'); END;
-- Requests refused for a bad consistency proof or a conflicting tree: evidence of a
-- log misbehaving, kept as they came.
CREATE TABLE witness_refused (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    received TEXT NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT NOT NULL,
    body TEXT NOT NULL
);

-- What was revealed when a withheld registration was published: the salt and content of
-- every sealed version, public from then on. The publication's log leaf carries them when
-- they fit the tlog-tiles entry limit, and otherwise their digests, with the content here.
CREATE TABLE revealed_versions (
    reg_id INTEGER NOT NULL REFERENCES registrations(id),
    version INTEGER NOT NULL,
    salt TEXT NOT NULL,
    content TEXT NOT NULL,           -- canonical JSON
    PRIMARY KEY (reg_id, version)
) WITHOUT ROWID;
CREATE TRIGGER revealed_versions_immutable BEFORE UPDATE ON revealed_versions
BEGIN SELECT RAISE(ABORT, 'revealed content is immutable'); END;
