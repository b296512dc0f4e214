-- 0007: accounts, their API tokens and sessions, failed-login counters and the audit
-- trail. Passwords are argon2id strings (libsodium); tokens and session ids are kept only
-- as BLAKE2b hashes, so a copy of the database signs nobody in.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,          -- login name
    role TEXT NOT NULL,                 -- registrant, approver, supervisor, …, admin
    org_slug TEXT,                      -- for registrants and approvers: their organisation
    pw_hash TEXT,                       -- NULL: signs in with API tokens only
    disabled INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    changed TEXT NOT NULL
);
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    hash TEXT NOT NULL UNIQUE,          -- BLAKE2b-256 of the token, hex
    label TEXT NOT NULL,
    created TEXT NOT NULL,
    last_used TEXT,
    revoked TEXT
);
CREATE INDEX api_tokens_account ON api_tokens(account_id);
CREATE TABLE sessions (
    hash TEXT PRIMARY KEY,              -- BLAKE2b-256 of the cookie value, hex
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    csrf TEXT NOT NULL,                 -- the form token of this session
    created TEXT NOT NULL,
    seen INTEGER NOT NULL,              -- POSIX seconds of the last request (idle expiry)
    expires INTEGER NOT NULL            -- POSIX seconds (absolute expiry)
) WITHOUT ROWID;
CREATE INDEX sessions_account ON sessions(account_id);
CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,               -- "account:NAME" or "address:IP"
    failures INTEGER NOT NULL,
    since INTEGER NOT NULL,             -- POSIX seconds of the first failure in the window
    locked_until INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
-- Who did what and when: logins, logouts, refused access, account changes and every
-- write through the API or the site. Never a password, token or withheld content.
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT,                         -- account name; NULL when anonymous
    role TEXT,
    action TEXT NOT NULL,
    target TEXT,
    outcome INTEGER,                    -- HTTP status or 0
    address TEXT
);
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_actor ON audit(actor, at);
