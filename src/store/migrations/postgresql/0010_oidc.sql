-- 0010 (PostgreSQL): single sign-on with OpenID Connect (issue 12).
--
-- A sign-in in progress: the state sent to the provider (stored hashed), the nonce the ID
-- token must carry and the PKCE verifier. Taken (deleted) when the provider sends the
-- browser back, so a state works once; rows older than ten minutes are void.
CREATE TABLE oidc_pending (
    state TEXT PRIMARY KEY,             -- BLAKE2b-256 of the state value, hex
    provider TEXT NOT NULL,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    return_to TEXT,
    created BIGINT NOT NULL            -- POSIX seconds
);
-- Which account a provider's subject is; made at the first sign-in.
CREATE TABLE oidc_links (
    provider TEXT NOT NULL,
    sub TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    PRIMARY KEY (provider, sub)
);
-- Sessions that came from a provider, for its back-channel logout (by sub or sid) and
-- for logging out at the provider too.
CREATE TABLE oidc_sessions (
    session TEXT PRIMARY KEY,           -- sessions.hash
    provider TEXT NOT NULL,
    sub TEXT NOT NULL,
    sid TEXT
);
CREATE INDEX oidc_sessions_sub ON oidc_sessions(provider, sub);
