-- 0006: register quality. The full-text index's vocabulary (document frequencies, for
-- similar entries), the links found in the register with their check history, and error
-- reports from visitors with the owning organisation's answers.
CREATE VIRTUAL TABLE registration_fts_vocab USING fts5vocab(registration_fts, 'row');

CREATE TABLE links (
    url TEXT PRIMARY KEY,
    status INTEGER,                  -- last HTTP status, NULL when no answer
    error TEXT,                      -- last failure, NULL when fine
    checked TEXT,                    -- last check (UTC)
    failures INTEGER NOT NULL DEFAULT 0,   -- consecutive failures
    next_check INTEGER NOT NULL DEFAULT 0  -- POSIX seconds; back-off grows with failures
);
CREATE INDEX links_due ON links(next_check);
-- Where each URL stands: rebuilt from the latest versions by every check run.
CREATE TABLE link_refs (
    url TEXT NOT NULL,
    reg_id INTEGER NOT NULL REFERENCES registrations(id),
    field TEXT NOT NULL,
    PRIMARY KEY (url, reg_id, field)
) WITHOUT ROWID;
CREATE INDEX link_refs_reg ON link_refs(reg_id);
CREATE TABLE link_history (
    url TEXT NOT NULL,
    checked TEXT NOT NULL,
    status INTEGER,
    ms INTEGER,
    error TEXT
);
CREATE INDEX link_history_url ON link_history(url, checked);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    reg_id INTEGER NOT NULL REFERENCES registrations(id),
    created TEXT NOT NULL,
    message TEXT NOT NULL,           -- public once answered
    contact TEXT,                    -- never public
    answer TEXT,
    answered TEXT,
    answered_by TEXT
);
CREATE INDEX reports_reg ON reports(reg_id, created);
CREATE TRIGGER reports_answer_once BEFORE UPDATE ON reports WHEN OLD.answered IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a report is answered once'); END;
