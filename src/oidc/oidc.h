/* oidc.h — single sign-on with OpenID Connect (authorization code flow with PKCE, state
 * and nonce) for the identity providers government organisations already run.
 *
 * This module holds the protocol: the providers' configuration, discovery and key sets
 * (fetched with libcurl, checked before they are kept), the authorization request,
 * the code exchange, and the validation of ID tokens and back-channel logout tokens
 * (signature with cjose against the provider's JWKS, key rotation by kid, issuer,
 * audience, authorized party, expiry, issued-at and not-before with a leeway, nonce).
 * Which role and organisation a person gets is the configuration's mapping of claims;
 * accounts and sessions are src/auth's, the pages src/web's.
 *
 * Nothing fetched is kept unless it validated: a malformed discovery document or key
 * set leaves the previous good one (or none) in place. */
#ifndef AR_OIDC_OIDC_H
#define AR_OIDC_OIDC_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#define AR_OIDC_MAX_PROVIDERS 16
#define AR_OIDC_MAX_DOC (256 * 1024) /* discovery, key set and token answers */

struct ar_oidc;

/* One provider as configured. */
struct ar_oidc_provider {
    char name[33];   /* [a-z0-9-], in paths: /login/oidc/NAME */
    char label[101]; /* on the sign-in page */
    char issuer[513];
    char client_id[257];
    char client_secret[257];
    char scopes[257];  /* "openid …" */
    char contact[301]; /* whom an unmapped user asks, on the refusal page */
    int leeway;        /* seconds of clock skew accepted (default 60, at most 300) */
    long session_max;  /* seconds; 0: the ID token's own lifetime */
    int timeout_ms;    /* per request to the provider (default 5,000) */
    int jwks_refetch;  /* seconds between key-set fetches for an unknown kid (60) */
    json_t *rules;     /* [{when: {claim: value}, role, org}] in order */
};

/* Read the providers file (YAML: {providers: [...]}, see doc/algoreg.conf) and every
 * client secret file it names. AR_EINVAL with why (the provider and the rule broken). */
int ar_oidc_load(struct ar_oidc **out, const char *path, char *why, size_t whylen);
/* The same from text (tests); secrets given inline as client_secret. */
int ar_oidc_parse(struct ar_oidc **out, const char *text, size_t len, char *why, size_t whylen);
void ar_oidc_free(struct ar_oidc *o); /* accepts NULL */

int ar_oidc_count(const struct ar_oidc *o);
const struct ar_oidc_provider *ar_oidc_at(const struct ar_oidc *o, int i);
/* The index of provider name, or -1. */
int ar_oidc_find(const struct ar_oidc *o, const char *name);

/* Where to send the browser: the provider's authorization endpoint with client_id,
 * redirect_uri, scope, state, nonce, the PKCE S256 challenge of verifier, and
 * login_hint when given. Fetches discovery when needed (AR_EUNAVAIL with why when the
 * provider is down, slow or answers nonsense). *url is malloc'd. */
int ar_oidc_auth_url(struct ar_oidc *o, int i, const char *redirect_uri, const char *state,
                     const char *nonce, const char *verifier, const char *login_hint, char **url,
                     char *why, size_t whylen);

/* Exchange code at the token endpoint (client_secret_basic, code_verifier) and validate
 * the ID token it returns against nonce at time now: *claims gets its payload.
 * AR_EUNAVAIL for a provider that cannot be reached or answers an error, AR_EDENIED for
 * a token that fails validation (why says which check). */
int ar_oidc_exchange(struct ar_oidc *o, int i, const char *code, const char *redirect_uri,
                     const char *verifier, const char *nonce, time_t now, json_t **claims,
                     char *why, size_t whylen);

/* Validate an ID token (compact JWS) of provider i: 0 with *claims, or AR_EDENIED with
 * why. Unknown kid: the key set is fetched again (at most every jwks_refetch seconds). */
int ar_oidc_validate_id_token(struct ar_oidc *o, int i, const char *jwt, const char *nonce,
                              time_t now, json_t **claims, char *why, size_t whylen);
/* Validate a back-channel logout token: *sub and/or *sid (malloc'd, either may be NULL
 * but not both). */
int ar_oidc_validate_logout_token(struct ar_oidc *o, int i, const char *jwt, time_t now, char **sub,
                                  char **sid, char *why, size_t whylen);

/* The first rule whose every claim matches (a string claim equal to the value, or an
 * array claim containing it): its role and organisation slug ("" for roles without
 * one). AR_ENOTFOUND when no rule matches. */
int ar_oidc_map(const struct ar_oidc_provider *p, const json_t *claims, const char **role,
                const char **org);

/* The provider's end_session_endpoint with client_id and post_logout_redirect_uri, or
 * NULL when it has none (the local session still ends). malloc'd. */
char *ar_oidc_logout_url(struct ar_oidc *o, int i, const char *post_logout_uri);

/* Test hooks: replace the cached discovery document or key set (validated as fetched
 * ones are); 0 or AR_EINVAL with why. */
int ar_oidc_set_metadata(struct ar_oidc *o, int i, const char *doc, char *why, size_t whylen);
int ar_oidc_set_jwks(struct ar_oidc *o, int i, const char *doc, char *why, size_t whylen);

#endif
