/* acctapi.c — accounts over HTTP: who am I, one's own API tokens, and the
 * administrator's account list, account changes and audit trail. The administrator
 * manages accounts only: no route here reads registrations or withheld content. */
#include "api/api.h"
#include "auth/auth.h"
#include "base/err.h"
#include "json/json.h"
#include "model/record.h"

#include <stdlib.h>
#include <sodium.h>
#include <string.h>

/* The signed-in principal, which the gate guarantees; tokens of the interim token
 * file have no account to keep tokens for. */
static const struct ar_principal *account_of(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    if (p && p->account)
        return p;
    ar_resp_problem(r, 409, "conflict", "No account",
                    "this token comes from the server's token file, not from an account", NULL);
    return NULL;
}

static void h_me(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    json_t *a = NULL;
    if (p->account)
        ar_store_acct_get(r->store, p->name, &a);
    json_t *v =
        json_pack("{s:s, s:s, s:s?, s:I, s:s, s:s?}", "name", p->name, "role", p->role, "org",
                  p->org[0] ? p->org : NULL, "account", (json_int_t)p->account, "via",
                  p->session[0] ? "session" : "token", "email", a ? ar_json_str(a, "email") : NULL);
    json_decref(a);
    ar_req_header(r, "Cache-Control", "no-store");
    ar_resp_json(r, 200, v);
    json_decref(v);
}

/* PUT {"email": ADDR} sets where one's notices go; null or "" stops them. */
static void h_me_email(struct ar_req *r)
{
    const struct ar_principal *p = account_of(r);
    json_t *b = p ? ar_api_body_object(r, "validation") : NULL, *pr = json_array();
    if (!b) {
        json_decref(pr);
        return;
    }
    json_t *e = json_object_get(b, "email");
    char why[256] = "";
    int rc = AR_EINVAL;
    if (json_object_size(b) != 1 || !json_object_get(b, "email"))
        ar_problem_add(pr, "email", "required", "the body is {\"email\": ADDRESS or null}");
    else if (!json_is_string(e) && !json_is_null(e))
        ar_problem_add(pr, "email", "type", "email is a string or null");
    else if ((rc = ar_auth_email_set(r->store, p->name, json_string_value(e), p->name, why,
                                     sizeof why)) == AR_EINVAL)
        ar_problem_add(pr, "email", "format", "%s", why);
    if (rc)
        ar_api_fail(r, rc, pr, "validation", "The address was not changed");
    else
        h_me(r);
    json_decref(pr);
    json_decref(b);
}

static void h_tokens(struct ar_req *r)
{
    const struct ar_principal *p = account_of(r);
    json_t *list = NULL;
    if (!p)
        return;
    if (ar_store_token_list(r->store, p->account, &list)) {
        ar_api_fail(r, AR_EIO, NULL, "accounts", "");
        return;
    }
    json_t *v = json_pack("{s:o}", "items", list);
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void h_token_add(struct ar_req *r)
{
    const struct ar_principal *p = account_of(r);
    json_t *b;
    if (!p || !(b = ar_api_body_object(r, "validation")))
        return;
    json_t *pr = json_array(), *l = json_object_get(b, "label");
    if (l && (!json_is_string(l) || json_string_length(l) > 100))
        ar_problem_add(pr, "label", "type", "label is a text of at most 100 characters");
    char tok[AR_AUTH_SECRET_LEN + 1];
    long long id = 0;
    int rc = json_array_size(pr)
                 ? AR_EINVAL
                 : ar_auth_token_issue(r->store, p->name, json_string_value(l), p->name, tok, &id);
    if (rc) {
        ar_api_fail(r, rc, pr, "validation", "The token was not made");
    } else {
        json_t *v = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "token", tok, "label",
                              l ? json_string_value(l) : "token");
        ar_req_header(r, "Cache-Control", "no-store");
        ar_resp_json(r, 201, v);
        json_decref(v);
    }
    sodium_memzero(tok, sizeof tok);
    json_decref(pr);
    json_decref(b);
}

static void h_token_del(struct ar_req *r)
{
    const struct ar_principal *p = account_of(r);
    if (!p)
        return;
    char *end;
    long long id = strtoll(r->params[0], &end, 10);
    int rc = *end || id < 1 ? AR_ENOTFOUND : ar_auth_token_revoke(r->store, p->name, id, p->name);
    if (rc) {
        json_t *pr = json_array();
        ar_problem_add(pr, "token", "exists", "you have no active token %s", r->params[0]);
        ar_api_fail(r, rc, pr, "accounts", "");
        json_decref(pr);
        return;
    }
    r->status = 204;
}

static void h_accounts(struct ar_req *r)
{
    json_t *list = NULL;
    if (ar_store_acct_list(r->store, &list)) {
        ar_api_fail(r, AR_EIO, NULL, "accounts", "");
        return;
    }
    json_t *v = json_pack("{s:o}", "items", list);
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void h_account_add(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    json_t *b = ar_api_body_object(r, "validation");
    if (!b)
        return;
    json_t *pr = json_array();
    static const char *const keys[] = {"name", "role", "org", "email", "password", NULL};
    const char *k;
    json_t *v;
    json_object_foreach (b, k, v) {
        int known = 0;
        for (const char *const *q = keys; *q; q++)
            known |= !strcmp(k, *q);
        if (!known)
            ar_problem_add(pr, k, "unknown_field", "%s is not a member of an account", k);
        else if (!json_is_string(v))
            ar_problem_add(pr, k, "type", "%s must be a string", k);
    }
    char why[256] = "";
    int rc = AR_EINVAL;
    if (!json_array_size(pr)) {
        rc = ar_auth_account_add(r->store, ar_json_str(b, "name"), ar_json_str(b, "role"),
                                 ar_json_str(b, "org"), ar_json_str(b, "email"),
                                 ar_json_str(b, "password"), p->name, why, sizeof why);
        if (rc == AR_EINVAL || rc == AR_ECONFLICT) {
            const char *field = strstr(why, "e-mail")                                ? "email"
                                : strstr(why, "password")                            ? "password"
                                : strstr(why, "organisation") || strstr(why, "slug") ? "org"
                                : strstr(why, "role")                                ? "role"
                                                                                     : "name";
            ar_problem_add(pr, field, rc == AR_ECONFLICT ? "unique" : "rule", "%s", why);
        }
    }
    if (rc) {
        ar_api_fail(r, rc, pr, "validation", "The account was not added");
    } else {
        json_t *a = NULL;
        if (ar_store_acct_get(r->store, ar_json_str(b, "name"), &a) == 0) {
            json_object_del(a, "pw_hash");
            ar_resp_json(r, 201, a);
        }
        json_decref(a);
    }
    json_decref(pr);
    json_decref(b);
}

static void set_disabled(struct ar_req *r, int disabled)
{
    const struct ar_principal *p = ar_app_principal(r);
    if (disabled && !strcmp(p->name, r->params[0])) {
        json_t *pr = json_array();
        ar_problem_add(pr, "name", "self", "an administrator cannot disable their own account");
        ar_api_fail(r, AR_ECONFLICT, pr, "accounts", "");
        json_decref(pr);
        return;
    }
    int rc = ar_auth_account_disable(r->store, r->params[0], disabled, p->name);
    if (rc) {
        json_t *pr = json_array();
        ar_problem_add(pr, "name", "exists", "no account %s", r->params[0]);
        ar_api_fail(r, rc, pr, "accounts", "");
        json_decref(pr);
        return;
    }
    json_t *v = json_pack("{s:s, s:b}", "name", r->params[0], "disabled", disabled);
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void h_disable(struct ar_req *r)
{
    set_disabled(r, 1);
}

static void h_enable(struct ar_req *r)
{
    set_disabled(r, 0);
}

static void h_audit(struct ar_req *r)
{
    const char *lim = ar_req_arg(r, "limit"), *before = ar_req_arg(r, "before");
    long n = lim ? strtol(lim, NULL, 10) : 100;
    long long b = before ? strtoll(before, NULL, 10) : 0;
    if (n < 1 || n > 1000 || b < 0) {
        json_t *pr = json_array();
        ar_problem_add(pr, n < 1 || n > 1000 ? "limit" : "before", "range",
                       "limit is 1 to 1000, before a positive audit id");
        ar_resp_problem(r, 400, "bad-query", "Invalid query", NULL, pr);
        json_decref(pr);
        return;
    }
    json_t *rows = NULL;
    if (ar_store_audit_list(r->store, ar_req_arg(r, "actor"), b, (int)n, &rows)) {
        ar_api_fail(r, AR_EIO, NULL, "accounts", "");
        return;
    }
    json_t *v = json_pack("{s:o}", "items", rows);
    ar_resp_json(r, 200, v);
    json_decref(v);
}

const struct ar_route ar_account_api_routes[] = {
    {"GET", "/api/v1/me", h_me, "Who the request is from", AR_ROLE_SIGNED},
    {"PUT", "/api/v1/me/email", h_me_email, "Where one's e-mail notices go", AR_ROLE_SIGNED},
    {"GET", "/api/v1/me/tokens", h_tokens, "One's own API tokens", AR_ROLE_SIGNED},
    {"POST", "/api/v1/me/tokens", h_token_add, "Make an API token (shown once)", AR_ROLE_SIGNED},
    {"DELETE", "/api/v1/me/tokens/{token}", h_token_del, "Revoke one's API token", AR_ROLE_SIGNED},
    {"GET", "/api/v1/accounts", h_accounts, "Accounts", AR_ROLE_ADMIN_BIT},
    {"POST", "/api/v1/accounts", h_account_add, "Add an account", AR_ROLE_ADMIN_BIT},
    {"POST", "/api/v1/accounts/{name}/disable", h_disable, "Disable an account", AR_ROLE_ADMIN_BIT},
    {"POST", "/api/v1/accounts/{name}/enable", h_enable, "Enable an account", AR_ROLE_ADMIN_BIT},
    {"GET", "/api/v1/audit", h_audit, "The audit trail", AR_ROLE_ADMIN_BIT},
    {NULL, NULL, NULL, NULL, 0},
};
