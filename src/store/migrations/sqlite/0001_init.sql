-- 0001: organisations, registrations with immutable versions, full-text index.
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'other'
        CHECK (kind IN ('police', 'public_prosecutor', 'ministry', 'municipality', 'other')),
    contact TEXT,
    created TEXT NOT NULL
);

-- One row per registration: the public id and a copy of the latest version's
-- filterable values, so search never has to parse documents.
CREATE TABLE registrations (
    id INTEGER PRIMARY KEY,
    lars TEXT NOT NULL UNIQUE CHECK (length(lars) = 8),
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    descr TEXT NOT NULL,
    name_en TEXT,
    descr_en TEXT,
    status TEXT NOT NULL,
    pubcat TEXT NOT NULL,
    is_ai INTEGER NOT NULL DEFAULT -1,
    themes TEXT NOT NULL DEFAULT '', -- the latest version's themes, joined by '|'
    source_id TEXT
);
-- Search orders and filters in memory (src/store/search.c), so the only index besides
-- the public id is the one idempotent imports look up by.
CREATE INDEX registrations_source ON registrations(org_id, source_id);


-- Versions are immutable: nothing is ever updated or deleted (issue: register core).
-- A rowid table: documents are large rows, which WITHOUT ROWID tables handle badly.
CREATE TABLE versions (
    id INTEGER PRIMARY KEY,
    reg_id INTEGER NOT NULL REFERENCES registrations(id),
    version INTEGER NOT NULL CHECK (version >= 1),
    author TEXT NOT NULL,
    created TEXT NOT NULL,
    note TEXT NOT NULL,
    doc TEXT NOT NULL,
    UNIQUE (reg_id, version)
);
CREATE TRIGGER versions_immutable_update BEFORE UPDATE ON versions
BEGIN SELECT RAISE(ABORT, 'versions are immutable'); END;
CREATE TRIGGER versions_immutable_delete BEFORE DELETE ON versions
BEGIN SELECT RAISE(ABORT, 'versions are immutable'); END;
CREATE TRIGGER registrations_no_delete BEFORE DELETE ON registrations
BEGIN SELECT RAISE(ABORT, 'registrations are never deleted'); END;

-- Public text only: Dutch and English columns; rowid = registrations.id.
-- prefix '3 4': the last word of a query is a prefix (Dutch compounds: "gezicht" finds
-- "gezichtsherkenning"); short prefixes would otherwise merge thousands of doclists.
CREATE VIRTUAL TABLE registration_fts USING fts5(
    nl, en, tokenize = 'unicode61 remove_diacritics 2', prefix = '3 4'
);

-- A change counter, moved by every write that search results and cached pages depend
-- on (the store bumps it in the same transaction as the write); each server process
-- keeps an in-memory facet snapshot and a page cache keyed by it, so writes by other
-- connections or processes are seen.
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('changes', 0);
