-- 0004: AI Act workflows. Classifications are stored with the registration version they
-- judged; EU database submissions keep a copy of exactly what left the register; each
-- use of remote biometric identification (and each facial-recognition review) is a case
-- whose every transition is an append-only event. Shared AI_ACT.md §3-§7.
CREATE TABLE classifications (
    id INTEGER PRIMARY KEY,
    reg_id INTEGER NOT NULL REFERENCES registrations(id),
    version INTEGER NOT NULL,
    created TEXT NOT NULL,
    author TEXT NOT NULL,
    conclusion TEXT NOT NULL,
    doc TEXT NOT NULL                -- canonical JSON: answers, path, assessment
);
CREATE INDEX classifications_reg ON classifications(reg_id, id);
CREATE TRIGGER classifications_immutable BEFORE UPDATE ON classifications
BEGIN SELECT RAISE(ABORT, 'classifications are immutable'); END;

CREATE TABLE eu_submissions (
    id INTEGER PRIMARY KEY,
    reg_id INTEGER NOT NULL REFERENCES registrations(id),
    section TEXT NOT NULL CHECK (section IN ('A', 'B', 'C', 'IX')),
    reference TEXT NOT NULL,         -- the EU database's id of the entry
    submitted TEXT NOT NULL,
    author TEXT NOT NULL,
    doc TEXT NOT NULL                -- canonical JSON of what was transmitted
);
CREATE INDEX eu_submissions_reg ON eu_submissions(reg_id, section);
CREATE TRIGGER eu_submissions_immutable BEFORE UPDATE ON eu_submissions
BEGIN SELECT RAISE(ABORT, 'submissions are immutable'); END;

CREATE TABLE aiact_cases (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('realtime', 'post', 'review')),
    reg_id INTEGER NOT NULL REFERENCES registrations(id),
    state TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    created_by TEXT NOT NULL,
    authority TEXT NOT NULL DEFAULT '',   -- the authorising authority addressed
    machine TEXT NOT NULL,           -- JSON: timers and flags of the state machine
    data TEXT NOT NULL               -- JSON: the request as it stands (confidential)
);
CREATE INDEX aiact_cases_state ON aiact_cases(kind, state);

CREATE TABLE aiact_events (
    case_id INTEGER NOT NULL REFERENCES aiact_cases(id),
    seq INTEGER NOT NULL,
    ts TEXT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    event TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('done', 'refused')),
    rules TEXT NOT NULL,             -- JSON array of rule and article references
    data TEXT NOT NULL,              -- JSON: what the event carried (confidential)
    digest TEXT NOT NULL,            -- SHA-256 of the canonical event record
    PRIMARY KEY (case_id, seq)
) WITHOUT ROWID;
CREATE TRIGGER aiact_events_immutable_update BEFORE UPDATE ON aiact_events
BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;
CREATE TRIGGER aiact_events_immutable_delete BEFORE DELETE ON aiact_events
BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;

-- Notifications to the market surveillance authority and the data-protection authority
-- (Art. 5(4), 26(10)): what was sent, without sensitive operational data.
CREATE TABLE aiact_notices (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES aiact_cases(id),
    recipient TEXT NOT NULL CHECK (recipient IN ('msa', 'dpa')),
    ts TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE TRIGGER aiact_notices_immutable BEFORE UPDATE ON aiact_notices
BEGIN SELECT RAISE(ABORT, 'notices are immutable'); END;
