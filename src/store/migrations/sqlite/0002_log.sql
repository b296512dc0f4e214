-- 0002: the transparency log (RFC 9162 tree, c2sp.org/tlog-tiles layout).
-- Leaves hold their data and leaf hash; log_hashes holds every complete subtree above
-- the leaves (level >= 1), so proofs and tiles are read, never recomputed.
CREATE TABLE log_leaves (
    idx INTEGER PRIMARY KEY CHECK (idx >= 0),
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    data BLOB NOT NULL CHECK (length(data) <= 65535),
    created TEXT NOT NULL,
    lars TEXT,
    version INTEGER
);
CREATE INDEX log_leaves_version ON log_leaves(lars, version);
CREATE TABLE log_hashes (
    level INTEGER NOT NULL CHECK (level >= 1),
    idx INTEGER NOT NULL CHECK (idx >= 0),
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE log_checkpoints (
    size INTEGER PRIMARY KEY,
    note TEXT NOT NULL,
    created TEXT NOT NULL
);
-- Append-only: what was logged is never changed or removed.
CREATE TRIGGER log_leaves_immutable_update BEFORE UPDATE ON log_leaves
BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
CREATE TRIGGER log_leaves_immutable_delete BEFORE DELETE ON log_leaves
BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
CREATE TRIGGER log_hashes_immutable_update BEFORE UPDATE ON log_hashes
BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
CREATE TRIGGER log_hashes_immutable_delete BEFORE DELETE ON log_hashes
BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
CREATE TRIGGER log_checkpoints_immutable_update BEFORE UPDATE ON log_checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are never changed'); END;
CREATE TRIGGER log_checkpoints_immutable_delete BEFORE DELETE ON log_checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are never changed'); END;
