-- 0003: the law-enforcement exception. A withholding keeps a registration's content (or
-- some fields) out of public view for a listed ground until a date; the content is
-- sealed (XChaCha20-Poly1305, key outside the database) and committed to in the log.
CREATE TABLE withholdings (
    id INTEGER PRIMARY KEY,
    reg_id INTEGER NOT NULL UNIQUE REFERENCES registrations(id),
    scope TEXT NOT NULL CHECK (scope IN ('all', 'fields')),
    fields TEXT NOT NULL,            -- JSON array of withheld field names (public)
    ground TEXT NOT NULL CHECK (ground IN ('prevention', 'investigation', 'detection',
                                           'prosecution', 'execution_of_penalties')),
    until TEXT NOT NULL,             -- YYYY-MM-DD, UTC: published from 00:00Z that day
    state TEXT NOT NULL CHECK (state IN ('withheld', 'published')),
    extensions INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    published TEXT,
    sealed_meta BLOB NOT NULL        -- nonce ‖ AEAD({justification, case_reference})
);
CREATE INDEX withholdings_state ON withholdings(state, until);

-- The sealed content of each withheld version, and its public commitment.
CREATE TABLE sealed_versions (
    reg_id INTEGER NOT NULL REFERENCES registrations(id),
    version INTEGER NOT NULL,
    commitment TEXT NOT NULL,        -- hex SHA-256(salt ‖ canonical JSON of the content)
    sealed BLOB NOT NULL,            -- nonce ‖ AEAD({content, salt})
    PRIMARY KEY (reg_id, version)
) WITHOUT ROWID;
CREATE TRIGGER sealed_versions_immutable_update BEFORE UPDATE ON sealed_versions
BEGIN SELECT RAISE(ABORT, 'sealed versions are immutable'); END;

CREATE TABLE withholding_extensions (
    id INTEGER PRIMARY KEY,
    withholding_id INTEGER NOT NULL REFERENCES withholdings(id),
    requested TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_until TEXT NOT NULL,
    sealed_reason BLOB NOT NULL,     -- how publication would hinder other investigations
    state TEXT NOT NULL CHECK (state IN ('requested', 'granted', 'refused')),
    decided TEXT,
    decided_by TEXT,
    sealed_decision BLOB
);
