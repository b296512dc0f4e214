-- 0008: four eyes. A version written by an organisation's registrant or approver waits
-- here until an approver who is not its author publishes it (or rejects it). The record
-- (and a withholding request) is sealed like withheld content: a draft of a withheld
-- registration must not sit in the database in plain text.
CREATE TABLE drafts (
    id INTEGER PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,           -- random; binds the sealed bytes to this row
    lars TEXT,                          -- NULL: a new registration
    org_slug TEXT NOT NULL,
    base_version INTEGER NOT NULL,      -- the published version it changes (0: new)
    withheld INTEGER NOT NULL DEFAULT 0,
    sealed BLOB NOT NULL,               -- {record, withhold?, note}
    author TEXT NOT NULL,
    created TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'rejected', 'withdrawn')),
    decided_by TEXT,
    decided_at TEXT,
    reason TEXT,
    published_lars TEXT,
    published_version INTEGER
);
CREATE INDEX drafts_org ON drafts(org_slug, state);
CREATE INDEX drafts_lars ON drafts(lars);
