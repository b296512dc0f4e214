-- 0009: the national register's submission flow (issue 7).
--
-- A registration can be retracted: hidden from the public by its organisation, with the
-- time it happened (the log has a leaf for it). Its versions stay in the database and in
-- the log; a new publication makes it public again.
ALTER TABLE registrations ADD COLUMN retracted TEXT;

-- Drafts gain two states: 'concept' (saved by its author, not yet released for the four
-- eyes) and 'archived' (set aside by its organisation; can become a concept again).
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt.
CREATE TABLE drafts_new (
    id INTEGER PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,
    lars TEXT,                          -- NULL, or the id reserved for a new registration
    org_slug TEXT NOT NULL,
    base_version INTEGER NOT NULL,      -- the published version it changes (0: new)
    withheld INTEGER NOT NULL DEFAULT 0,
    sealed BLOB NOT NULL,
    author TEXT NOT NULL,
    created TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('concept', 'submitted', 'approved', 'rejected',
                                         'withdrawn', 'archived')),
    decided_by TEXT,
    decided_at TEXT,
    reason TEXT,
    published_lars TEXT,
    published_version INTEGER
);
INSERT INTO drafts_new SELECT id, ref, lars, org_slug, base_version, withheld, sealed, author,
    created, state, decided_by, decided_at, reason, published_lars, published_version FROM drafts;
DROP TABLE drafts;
ALTER TABLE drafts_new RENAME TO drafts;
CREATE INDEX drafts_org ON drafts(org_slug, state);
CREATE INDEX drafts_lars ON drafts(lars);
