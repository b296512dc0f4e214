/* app.h — what every handler can reach: configuration, compiled templates, and the
 * write tokens. One per server process; read-only after start-up. */
#ifndef AR_API_APP_H
#define AR_API_APP_H

#include "http/req.h"

#include <stdint.h>
#include <stdio.h>

struct ar_tmpl_set;
struct ar_log_signer;
struct ar_seal_key;
struct ar_exception_cfg;
struct ar_aiact_cfg;
struct ar_tree;
struct ar_witness;
struct ar_witness_cfg;
struct ar_oidc;
struct ar_notice_cfg;

struct ar_token {
    const char *name;       /* recorded as the author of versions written with it */
    unsigned char hash[32]; /* BLAKE2b of the token; the token itself is not kept */
    int supervisor;         /* NAME:TOKEN:supervisor — decides extensions, reads sealed content */
    char role[24]; /* registrant (default), supervisor, authorising_authority, review_committee,
                      police_chief, prosecutor, mayor */
};

struct ar_app {
    const char *db_path;
    struct ar_tmpl_set *tmpl;
    struct ar_token tokens[16];
    int ntokens;
    const char *base_url;                   /* for absolute links in the OpenAPI servers list */
    const struct ar_log_signer *signer;     /* signs the log's checkpoints */
    const struct ar_seal_key *seal;         /* seals withheld content */
    struct ar_exception_cfg *exception;     /* limits of the exception */
    const struct ar_aiact_cfg *aiact;       /* AI Act dates and national-law settings */
    const struct ar_tree *tree;             /* the decision tree the questionnaire runs */
    const struct ar_witness_cfg *witnesses; /* where checkpoints go to be cosigned */
    const struct ar_witness *witness;       /* set when serving as a witness */
    const struct ar_route *const *tables;   /* routes; NULL for the register's own */
    struct ar_oidc *oidc;                   /* single sign-on providers; NULL for none */
    const struct ar_notice_cfg *notice;     /* the SMTP relay for notices; NULL for none */
    int link_minutes;                       /* check links this often; 0 = never */
    /* requests per second per client address (bursts of ten times); 0 = off. Atomic:
     * a reload (SIGHUP) changes it while requests read it. */
    _Atomic int rate_limit;
    int service_publish; /* token-file tokens may write registrations (no four eyes) */
    FILE *access_log; /* one JSON line per request; NULL for none (see ar_server_set_access_log) */
    int access_journal;  /* the access log goes to journald as fields instead */
    uint32_t proxies[8]; /* trusted reverse proxies (IPv4, network order): their
                            X-Forwarded-For names the client */
    int nproxies;
    /* Called on SIGHUP: re-read the configuration and apply what can change while
     * serving; returns 0, or non-zero when the old settings were kept. */
    int (*reload)(struct ar_app *app);
    int ntables;
};

#define AR_RATE_LIMIT_DEFAULT 100

/* Route tables (NULL method ends). */
extern const struct ar_route ar_api_routes[];
extern const struct ar_route ar_web_routes[];
extern const struct ar_route ar_log_routes[];
extern const struct ar_route ar_exception_routes[];
extern const struct ar_route ar_aiact_routes[];
extern const struct ar_route ar_witness_routes[]; /* algoreg witness */
extern const struct ar_route ar_quality_routes[];
extern const struct ar_route ar_draft_routes[];       /* four eyes */
extern const struct ar_route ar_ops_routes[];         /* /healthz, /readyz, /metrics */
extern const struct ar_route ar_export_routes[];      /* spreadsheets; the publication standard */
extern const struct ar_route ar_feed_routes[];        /* changes: JSON with a cursor, Atom */
extern const struct ar_route ar_compat_routes[];      /* the national submission API */
extern const struct ar_route ar_work_routes[];        /* the editors' and approvers' pages */
extern const struct ar_route ar_exc_web_routes[];     /* withholding and supervision pages */
extern const struct ar_route ar_rbi_web_routes[];     /* the authority's and police's RBI pages */
extern const struct ar_route ar_review_web_routes[];  /* the facial-recognition review track */
extern const struct ar_route ar_account_api_routes[]; /* me, tokens, accounts, audit */
extern const struct ar_route ar_account_web_routes[]; /* sign-in, account, administration */

/* 404 for an unknown path: problem+json under /api/, an HTML page elsewhere. */
void ar_api_not_found(struct ar_req *r);
void ar_web_not_found(struct ar_req *r);
/* A page refused by the gate: to the sign-in form (401 on GET) or an error page. */
void ar_web_denied(struct ar_req *r, int status, const char *msg_key);

/* Parse "name:token,name2:token2" (or a file with one name:token per line; a third
 * part ":supervisor" marks a supervisor's token) into app.
 * Returns 0 or AR_EINVAL with a message on stderr. */
int ar_app_add_tokens(struct ar_app *app, const char *spec);
/* Put from's tokens in app's place while requests are being served (a reload) and
 * app's old ones in from, for the caller to free with ar_app_free_tokens. */
void ar_app_swap_tokens(struct ar_app *app, struct ar_app *from);
void ar_app_free_tokens(struct ar_app *app);
/* The name of the session cookie. */
#define AR_SESSION_COOKIE "algoreg_session"

/* Who sent r: an account's API token or session cookie, or a token of the interim
 * token file; NULL for anonymous or an invalid token. Resolved once per request. */
const struct ar_principal *ar_app_principal(struct ar_req *r);
/* Author name of a principal who may write registrations (an organisation's registrant
 * or approver, or the supervisor), else NULL. */
const char *ar_app_auth(struct ar_req *r);
/* Any principal: its name, and its role in *role (both NULL when anonymous). */
const char *ar_app_auth_role(struct ar_req *r, const char **role);
/* The same for a token typed into a form (the interim token field of some forms). */
const char *ar_app_bearer_role(struct ar_req *r, const char *token, const char **role);
/* Only for the supervisor. */
const char *ar_app_auth_supervisor(struct ar_req *r);

/* The router's gate, before a handler: refuses (writing 401 or 403, recorded in the
 * audit) a principal whose role is not in rt->access, and any unsafe request that
 * rides on a session cookie without the session's CSRF token (form field "csrf" or
 * header X-CSRF-Token). Returns 0 to go on. */
int ar_app_gate(struct ar_req *r, const struct ar_route *rt);
/* 1 when r carries its session's CSRF token or has no session. */
int ar_app_csrf_ok(struct ar_req *r);
/* After a handler: record a signed-in principal's write, or a handler's refusal, in the
 * audit. */
void ar_app_audit_write(struct ar_req *r);

#endif
