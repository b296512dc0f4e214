/* auth.h — accounts, roles, passwords, API tokens, sessions, login throttling and the
 * audit trail. The store keeps rows; this module keeps the rules:
 *
 *   - passwords: at least 12 characters and not guessable from a short list or the
 *     account name; stored as argon2id strings (libsodium crypto_pwhash_str);
 *   - API tokens and session ids: 32 random bytes, handed out once, kept only as
 *     BLAKE2b-256 hashes, so a stolen database signs nobody in;
 *   - sessions: idle expiry after AR_AUTH_IDLE seconds, absolute after AR_AUTH_MAX;
 *     logout deletes the row, so a copied cookie dies with it;
 *   - throttling: AR_AUTH_FAIL_ACCOUNT failed logins of one account, or
 *     AR_AUTH_FAIL_ADDRESS from one address, within AR_AUTH_WINDOW lock that account
 *     or address out for AR_AUTH_LOCK seconds, right password or not.
 *
 * Every outcome worth knowing (login, failure, logout, account change) is written to
 * the audit table with who, when and from where. Times come from ar_clock_now(). */
#ifndef AR_AUTH_AUTH_H
#define AR_AUTH_AUTH_H

#include <stddef.h>

#include "store/store.h"

#define AR_AUTH_IDLE (30 * 60)
#define AR_AUTH_MAX (10 * 60 * 60)
#define AR_AUTH_WINDOW (15 * 60)
#define AR_AUTH_LOCK (15 * 60)
#define AR_AUTH_FAIL_ACCOUNT 5
#define AR_AUTH_FAIL_ADDRESS 20
#define AR_AUTH_SECRET_LEN 46 /* "ar_" and 43 base64url characters: 32 random bytes */

/* Role bits, for route rules (struct ar_route.access). Anonymous visitors are
 * AR_ROLE_PUBLIC; every signed-in principal also counts as public. */
enum {
    AR_ROLE_PUBLIC = 1 << 0,
    AR_ROLE_REGISTRANT_BIT = 1 << 1,
    AR_ROLE_APPROVER_BIT = 1 << 2,
    AR_ROLE_SUPERVISOR_BIT = 1 << 3,
    AR_ROLE_AUTHORITY_BIT = 1 << 4,
    AR_ROLE_REVIEW_BIT = 1 << 5,
    AR_ROLE_ADMIN_BIT = 1 << 6,
    AR_ROLE_CHIEF_BIT = 1 << 7,
    AR_ROLE_PROSECUTOR_BIT = 1 << 8,
    AR_ROLE_MAYOR_BIT = 1 << 9,
};
/* Everyone signed in, whatever the role. */
#define AR_ROLE_SIGNED 0x3fe
/* Those who work on registrations: an organisation's editors and approvers. */
#define AR_ROLE_ORG (AR_ROLE_REGISTRANT_BIT | AR_ROLE_APPROVER_BIT)
/* The parties of the AI Act workflows (cases, classifications, submissions). */
#define AR_ROLE_AIACT                                                                              \
    (AR_ROLE_ORG | AR_ROLE_SUPERVISOR_BIT | AR_ROLE_AUTHORITY_BIT | AR_ROLE_REVIEW_BIT |           \
     AR_ROLE_CHIEF_BIT | AR_ROLE_PROSECUTOR_BIT | AR_ROLE_MAYOR_BIT)

/* The bit of a role name ("registrant", "approver", "supervisor",
 * "authorising_authority", "review_committee", "admin", "police_chief", "prosecutor",
 * "mayor"); 0 for anything else. */
unsigned ar_auth_role_bit(const char *role);
/* The name of one bit ("" for none or several). */
const char *ar_auth_role_name(unsigned bit);
/* The names, comma-separated, for messages. */
extern const char ar_auth_role_names[];

/* Who a request is from. account 0 for the interim token file's tokens. */
struct ar_principal {
    long long account;
    char name[65];
    char role[24];
    char org[65];     /* organisation slug, "" when the role is not tied to one */
    unsigned bit;     /* ar_auth_role_bit(role) */
    char csrf[48];    /* the session's form token; "" for API tokens */
    char session[65]; /* hash of the session id; "" for API tokens */
};

/* Account names: 2..64 of a-z, 0-9, '.', '-', '_', starting with a letter. */
int ar_auth_name_ok(const char *name);
/* 0 when the password is acceptable for account name, else AR_EINVAL with why. */
int ar_auth_password_ok(const char *pw, const char *name, char *why, size_t whylen);

/* Create an account. org: required for registrants and approvers (an existing
 * organisation's slug), refused for the other roles. email: where notices go (NULL or
 * "": none; see ar_auth_email_ok). password NULL: tokens only.
 * actor is who did it (for the audit). AR_EINVAL with why, AR_ECONFLICT for a taken
 * name. */
int ar_auth_account_add(struct ar_store *s, const char *name, const char *role, const char *org,
                        const char *email, const char *password, const char *actor, char *why,
                        size_t whylen);
/* Disable (1) or enable (0): a disabled account's sessions end and its tokens stop
 * working. */
int ar_auth_account_disable(struct ar_store *s, const char *name, int disabled, const char *actor);
int ar_auth_password_set(struct ar_store *s, const char *name, const char *password,
                         const char *actor, char *why, size_t whylen);

/* 1 for an address notices can go to: local@host.domain, a dot-atom local part (no
 * quotes, spaces or control characters, so it is safe in a mail header) of at most 64
 * characters, a host name of letters, digits and dashes; 254 characters at most. */
int ar_auth_email_ok(const char *addr);
/* Set (NULL or "": clear) the address account name gets notices at; audited. AR_EINVAL
 * with why for a malformed address, AR_ENOTFOUND for an unknown account. */
int ar_auth_email_set(struct ar_store *s, const char *name, const char *email, const char *actor,
                      char *why, size_t whylen);
/* A signed-in user changes their own password: current must be right (a wrong one
 * counts as a failed login). Every session of the account ends, this one too. */
int ar_auth_password_change(struct ar_store *s, const struct ar_principal *p, const char *current,
                            const char *password, const char *address, char *why, size_t whylen);

/* A new API token for account name: written to out (AR_AUTH_SECRET_LEN + 1 bytes); only
 * its hash is kept. *id gets the token's number (for revoking). */
int ar_auth_token_issue(struct ar_store *s, const char *name, const char *label, const char *actor,
                        char out[AR_AUTH_SECRET_LEN + 1], long long *id);
int ar_auth_token_revoke(struct ar_store *s, const char *name, long long id, const char *actor);
/* The principal of a token (the part after "Bearer "). AR_EDENIED for an unknown,
 * revoked or disabled one. */
int ar_auth_token_check(struct ar_store *s, const char *token, struct ar_principal *p);

/* Sign in. On success the session cookie value is written to cookie and *p filled.
 * AR_EDENIED for a wrong name or password (one message for both), AR_ELIMIT while the
 * account or address is locked out (*retry: seconds). address may be NULL. */
int ar_auth_login(struct ar_store *s, const char *name, const char *password, const char *address,
                  char cookie[AR_AUTH_SECRET_LEN + 1], struct ar_principal *p, long long *retry);
/* The principal of a session cookie value; AR_EDENIED when unknown, expired or the
 * account is disabled. Extends the idle time. */
int ar_auth_session(struct ar_store *s, const char *cookie, struct ar_principal *p);
/* End the session p came from (server-side). */
int ar_auth_logout(struct ar_store *s, const struct ar_principal *p, const char *address);

/* Record one audit row now. actor/role from p (NULL for anonymous). */
void ar_auth_audit(struct ar_store *s, const struct ar_principal *p, const char *action,
                   const char *target, int outcome, const char *address);

/* ---- single sign-on (the protocol is src/oidc's; these are the account rules) ------ */

/* A person an identity provider vouched for, with what its claims map to. */
struct ar_external {
    const char *provider, *sub, *sid; /* sid may be NULL */
    const char *name_hint;            /* preferred_username or e-mail, for a new account */
    const char *role, *org;           /* org "" for roles without one */
    long long expires;                /* the session ends then at the latest (POSIX s) */
};

/* Sign x in: the account linked to (provider, sub) — made at the first sign-in, named
 * after name_hint, without a password — takes the role and organisation the claims map
 * to now (a change is logged like any account change), and gets a session ending at
 * x->expires at the latest (never later than a password session would). AR_EDENIED for
 * a disabled account or an organisation that does not exist (why says which). */
int ar_auth_external_login(struct ar_store *s, const struct ar_external *x, const char *address,
                           char cookie[AR_AUTH_SECRET_LEN + 1], struct ar_principal *p, char *why,
                           size_t whylen);
/* The provider's back-channel logout: end its sessions of sub and/or sid. */
int ar_auth_external_logout(struct ar_store *s, const char *provider, const char *sub,
                            const char *sid, int *ended);

#endif
