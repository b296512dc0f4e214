-- 0002 (PostgreSQL): the transparency log; see migrations/sqlite/0002_log.sql.
CREATE TABLE log_leaves (
    idx BIGINT PRIMARY KEY CHECK (idx >= 0),
    hash BYTEA NOT NULL CHECK (octet_length(hash) = 32),
    data BYTEA NOT NULL CHECK (octet_length(data) <= 65535),
    created TEXT NOT NULL,
    lars TEXT,
    version BIGINT
);
CREATE INDEX log_leaves_version ON log_leaves(lars, version);
CREATE TABLE log_hashes (
    level BIGINT NOT NULL CHECK (level >= 1),
    idx BIGINT NOT NULL CHECK (idx >= 0),
    hash BYTEA NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (level, idx)
);
CREATE TABLE log_checkpoints (
    size BIGINT PRIMARY KEY,
    note TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TRIGGER log_leaves_immutable BEFORE UPDATE OR DELETE ON log_leaves
    FOR EACH ROW EXECUTE FUNCTION ar_refuse('the log is append-only');
CREATE TRIGGER log_hashes_immutable BEFORE UPDATE OR DELETE ON log_hashes
    FOR EACH ROW EXECUTE FUNCTION ar_refuse('the log is append-only');
CREATE TRIGGER log_checkpoints_immutable BEFORE UPDATE OR DELETE ON log_checkpoints
    FOR EACH ROW EXECUTE FUNCTION ar_refuse('checkpoints are never changed');
