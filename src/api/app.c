/* app.c — who a request is from and whether the route lets them in: API tokens and
 * session cookies of accounts (src/auth), the interim token file (parsed once, kept
 * only as hashes, compared in constant time), and the router's access gate with its
 * CSRF check. */
#include "api/app.h"
#include "auth/auth.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/msg.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The token table is read by every request with a token-file token and replaced by a
 * reload; readers copy what they need while holding the read side. */
static pthread_rwlock_t g_tokens_lock = PTHREAD_RWLOCK_INITIALIZER;

static int add_one(struct ar_app *app, const char *entry, size_t n)
{
    const char *colon = memchr(entry, ':', n);
    if (!colon || colon == entry || (size_t)(colon - entry) > 64 ||
        n - (size_t)(colon - entry) - 1 < 16) {
        ar_msg(AR_MSG_ERR, "token entries are NAME:TOKEN with a token of at least 16"
                           " characters");
        return AR_EINVAL;
    }
    if (app->ntokens >= (int)(sizeof app->tokens / sizeof app->tokens[0])) {
        ar_msg(AR_MSG_ERR, "at most 16 API tokens");
        return AR_EINVAL;
    }
    struct ar_token *t = &app->tokens[app->ntokens++];
    size_t tlen = n - (size_t)(colon - entry) - 1;
    const char *role = memchr(colon + 1, ':', tlen);
    snprintf(t->role, sizeof t->role, "registrant");
    if (role) {
        size_t rlen = tlen - (size_t)(role - colon - 1) - 1;
        char name[24];
        snprintf(name, sizeof name, "%.*s", (int)(rlen < 23 ? rlen : 23), role + 1);
        if (rlen >= sizeof name || !ar_auth_role_bit(name)) {
            ar_msg(AR_MSG_ERR, "a token's role is one of %s", ar_auth_role_names);
            app->ntokens--;
            return AR_EINVAL;
        }
        snprintf(t->role, sizeof t->role, "%s", name);
        tlen = (size_t)(role - colon - 1);
    }
    t->supervisor = strcmp(t->role, "supervisor") == 0;
    if (tlen < 16) {
        ar_msg(AR_MSG_ERR, "tokens must be at least 16 characters");
        app->ntokens--;
        return AR_EINVAL;
    }
    t->name = ar_xstrndup(entry, (size_t)(colon - entry));
    crypto_generichash(t->hash, sizeof t->hash, (const unsigned char *)colon + 1, tlen, NULL, 0);
    return 0;
}

int ar_app_add_tokens(struct ar_app *app, const char *spec)
{
    const char *p = spec;
    while (*p) {
        size_t n = strcspn(p, ",\n");
        size_t m = n;
        while (m && (p[m - 1] == '\r' || p[m - 1] == ' '))
            m--;
        if (m && *p != '#') {
            int rc = add_one(app, p, m);
            if (rc)
                return rc;
        }
        p += n;
        if (*p)
            p++;
    }
    return 0;
}

void ar_app_swap_tokens(struct ar_app *app, struct ar_app *from)
{
    struct ar_token old[sizeof app->tokens / sizeof app->tokens[0]];
    pthread_rwlock_wrlock(&g_tokens_lock);
    memcpy(old, app->tokens, sizeof old);
    int nold = app->ntokens;
    memcpy(app->tokens, from->tokens, sizeof old);
    app->ntokens = from->ntokens;
    pthread_rwlock_unlock(&g_tokens_lock);
    memcpy(from->tokens, old, sizeof old);
    from->ntokens = nold;
}

void ar_app_free_tokens(struct ar_app *app)
{
    for (int i = 0; i < app->ntokens; i++)
        free((char *)app->tokens[i].name);
    app->ntokens = 0;
}

/* Copy the token-file entry matching tok into p; 0 when found. */
static int find_token(const struct ar_app *app, const char *tok, struct ar_principal *p)
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)tok, strlen(tok), NULL, 0);
    int found = AR_ENOTFOUND;
    pthread_rwlock_rdlock(&g_tokens_lock);
    for (int i = 0; i < app->ntokens; i++)
        if (sodium_memcmp(h, app->tokens[i].hash, sizeof h) == 0) {
            memset(p, 0, sizeof *p);
            snprintf(p->name, sizeof p->name, "%s", app->tokens[i].name);
            snprintf(p->role, sizeof p->role, "%s", app->tokens[i].role);
            p->bit = ar_auth_role_bit(app->tokens[i].role);
            found = 0;
        }
    pthread_rwlock_unlock(&g_tokens_lock);
    return found;
}

/* The principal of a bearer token: an account's ("ar_…") or the token file's. */
static struct ar_principal *bearer(struct ar_req *r, const char *tok)
{
    struct ar_principal *p = ar_arena_alloc(r->arena, sizeof *p);
    if (strncmp(tok, "ar_", 3) == 0 && r->store && ar_auth_token_check(r->store, tok, p) == 0)
        return p;
    return find_token(r->app, tok, p) == 0 ? p : NULL;
}

const struct ar_principal *ar_app_principal(struct ar_req *r)
{
    if (r->principal_done)
        return r->principal;
    r->principal_done = 1;
    if (r->authorization) {
        /* A wrong token is not silently anonymous: the gate answers 401. */
        if (strncmp(r->authorization, "Bearer ", 7) == 0)
            r->principal = bearer(r, r->authorization + 7);
        return r->principal;
    }
    const char *sid = ar_req_cookie(r, AR_SESSION_COOKIE);
    if (sid && r->store) {
        struct ar_principal *p = ar_arena_alloc(r->arena, sizeof *p);
        if (ar_auth_session(r->store, sid, p) == 0)
            r->principal = p;
    }
    return r->principal;
}

const char *ar_app_bearer_role(struct ar_req *r, const char *token, const char **role)
{
    const struct ar_principal *p = token && *token ? bearer(r, token) : NULL;
    *role = p ? p->role : NULL;
    return p ? p->name : NULL;
}

const char *ar_app_auth_supervisor(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    return p && (p->bit & AR_ROLE_SUPERVISOR_BIT) ? p->name : NULL;
}

/* Registry writes: an organisation's editors and approvers, and the supervisor (who
 * wrote before accounts existed); deciding roles act only on their own routes. */
const char *ar_app_auth(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    return p && (p->bit & (AR_ROLE_ORG | AR_ROLE_SUPERVISOR_BIT)) ? p->name : NULL;
}

const char *ar_app_auth_role(struct ar_req *r, const char **role)
{
    const struct ar_principal *p = ar_app_principal(r);
    *role = p ? p->role : NULL;
    return p ? p->name : NULL;
}

int ar_app_csrf_ok(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    if (!p || !p->session[0])
        return 1; /* no cookie, nothing a forged request could borrow */
    const char *t = r->csrf_header;
    if (!t && ar_req_parse_form(r) == 0)
        t = ar_req_arg(r, "csrf");
    size_t n = strlen(p->csrf);
    return t && strlen(t) == n && sodium_memcmp(t, p->csrf, n) == 0;
}

static int safe_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

static int is_api(const struct ar_req *r)
{
    return strncmp(r->path, "/api/", 5) == 0 || strncmp(r->path, "/aanleverapi/", 13) == 0 ||
           r->app->tables;
}

int ar_app_gate(struct ar_req *r, const struct ar_route *rt)
{
    r->route = rt;
    if (!safe_method(r->method) && !ar_app_csrf_ok(r)) {
        if (rt->access & AR_ROLE_PUBLIC) {
            /* A public form sent with a session cookie but without the session's form
             * token: served as from an anonymous visitor, never with the account. */
            r->principal = NULL;
            return 0;
        }
        ar_auth_audit(r->store, r->principal, "denied.csrf", r->path, 403, r->client);
        r->audited = 1;
        if (!is_api(r)) {
            ar_web_denied(r, 403, "error_csrf");
            return -1;
        }
        ar_resp_problem(r, 403, "csrf", "Forbidden",
                        "the form's security token is missing or stale: reload the page and"
                        " send it again",
                        NULL);
        return -1;
    }
    if (rt->access & AR_ROLE_PUBLIC)
        return 0;
    const struct ar_principal *p = ar_app_principal(r);
    if (!p) {
        if (r->store)
            ar_auth_audit(r->store, NULL, "denied", r->path, 401, r->client);
        r->audited = 1;
        if (!is_api(r)) {
            ar_web_denied(r, 401, "error_signin");
            return -1;
        }
        ar_req_header(r, "WWW-Authenticate", "Bearer realm=\"algoreg\"");
        ar_resp_problem(r, 401, "unauthorized", "Unauthorized",
                        r->authorization ? "the API token is not valid (revoked, or its account"
                                           " is disabled)"
                                         : "sign in, or send an API token: Authorization: Bearer"
                                           " <token>",
                        NULL);
        return -1;
    }
    if (!(p->bit & rt->access)) {
        ar_auth_audit(r->store, p, "denied", r->path, 403, r->client);
        r->audited = 1;
        if (!is_api(r)) {
            ar_web_denied(r, 403, "error_forbidden");
            return -1;
        }
        struct ar_buf b;
        ar_buf_init(&b, 0);
        ar_buf_printf(&b, "%s may not do this; it is for: ", p->role);
        int first = 1;
        for (unsigned bit = AR_ROLE_REGISTRANT_BIT; bit <= AR_ROLE_MAYOR_BIT; bit <<= 1)
            if (rt->access & bit) {
                ar_buf_printf(&b, "%s%s", first ? "" : ", ", ar_auth_role_name(bit));
                first = 0;
            }
        ar_resp_problem(r, 403, "forbidden", "Forbidden", ar_buf_cstr(&b), NULL);
        ar_buf_free(&b);
        return -1;
    }
    return 0;
}

void ar_app_audit_write(struct ar_req *r)
{
    if (r->audited || !r->route || !r->store)
        return;
    const struct ar_principal *p = r->principal_done ? r->principal : NULL;
    if (p && (r->status == 401 || r->status == 403)) { /* a handler's finer rule said no */
        ar_auth_audit(r->store, p, "denied", r->path, r->status, r->client);
        return;
    }
    if (safe_method(r->method) || !p)
        return; /* anonymous public writes (error reports) have their own records */
    char action[160];
    snprintf(action, sizeof action, "%s %s", r->method, r->route->pattern);
    ar_auth_audit(r->store, p, action, r->path, r->status, r->client);
}
