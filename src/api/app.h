/* app.h — what every handler can reach: configuration, compiled templates, and the
 * write tokens. One per server process; read-only after start-up. */
#ifndef AR_API_APP_H
#define AR_API_APP_H

#include "http/req.h"

struct ar_tmpl_set;
struct ar_log_signer;
struct ar_seal_key;
struct ar_exception_cfg;
struct ar_aiact_cfg;
struct ar_tree;
struct ar_witness;
struct ar_witness_cfg;

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
    int link_minutes;                       /* check links this often; 0 = never */
    int ntables;
};

/* Route tables (NULL method ends). */
extern const struct ar_route ar_api_routes[];
extern const struct ar_route ar_web_routes[];
extern const struct ar_route ar_log_routes[];
extern const struct ar_route ar_exception_routes[];
extern const struct ar_route ar_aiact_routes[];
extern const struct ar_route ar_witness_routes[]; /* algoreg witness */
extern const struct ar_route ar_quality_routes[];

/* 404 for an unknown path: problem+json under /api/, an HTML page elsewhere. */
void ar_api_not_found(struct ar_req *r);
void ar_web_not_found(struct ar_req *r);

/* Parse "name:token,name2:token2" (or a file with one name:token per line; a third
 * part ":supervisor" marks a supervisor's token) into app.
 * Returns 0 or AR_EINVAL with a message on stderr. */
int ar_app_add_tokens(struct ar_app *app, const char *spec);
/* Author name for a valid "Bearer <token>" header of a registrant or supervisor, else
 * NULL (constant-time compare). */
const char *ar_app_auth(const struct ar_app *app, const char *authorization);
/* Any valid token: its name, and its role in *role (NULL when not valid). */
const char *ar_app_auth_role(const struct ar_app *app, const char *authorization,
                             const char **role);
/* The same, but only for a supervisor's token. */
const char *ar_app_auth_supervisor(const struct ar_app *app, const char *authorization);

#endif
