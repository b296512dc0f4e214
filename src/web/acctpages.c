/* acctpages.c — signing in and out, one's own account (API tokens, password) and the
 * administrator's page. Every form carries the session's CSRF token (the router checks
 * it); messages appear next to the field, typed values come back except passwords. */
#include "api/api.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/msg.h"
#include "json/json.h"
#include "oidc/oidc.h"
#include "web/pages.h"
#include "web/tmpl.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Behind a TLS-terminating proxy (X-Forwarded-Proto: https) the cookie is Secure. */
static void set_cookie(struct ar_req *r, const char *value, int max_age)
{
    int tls = r->forwarded_proto && !strcmp(r->forwarded_proto, "https");
    ar_req_header(r, "Set-Cookie",
                  ar_arena_printf(r->arena,
                                  "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
                                  AR_SESSION_COOKIE, value, max_age, tls ? "; Secure" : ""));
}

/* Only a path on this site: never "//host" or a scheme, so the form cannot send a
 * visitor elsewhere after signing in. */
static const char *local_next(const char *next)
{
    return next && next[0] == '/' && next[1] != '/' && next[1] != '\\' && !strchr(next, ':')
               ? next
               : "/account";
}

static void login_page(struct ar_req *r, int status, const char *error)
{
    json_t *ctx = ar_web_ctx(r, NULL);
    json_object_set_new(ctx, "title", json_string(ar_web_msg(r, ctx, "login_title")));
    const char *name = ar_req_arg(r, "name"), *next = ar_req_arg(r, "next");
    json_object_set_new(ctx, "name", json_string(name ? name : ""));
    json_object_set_new(ctx, "next", json_string(local_next(next)));
    if (error)
        json_object_set_new(ctx, "error", json_string(error));
    json_t *providers = json_array();
    for (int i = 0; i < ar_oidc_count(r->app->oidc); i++) {
        const struct ar_oidc_provider *op = ar_oidc_at(r->app->oidc, i);
        json_array_append_new(providers, json_pack("{s:s, s:s, s:s}", "name", op->name, "label",
                                                   op->label, "next", local_next(next)));
    }
    json_object_set_new(ctx, "has_providers", json_boolean(json_array_size(providers)));
    json_object_set_new(ctx, "providers", providers);
    const char *changed = ar_req_arg(r, "changed");
    if (!error && changed && !strcmp(changed, "1"))
        json_object_set_new(ctx, "notice", json_string(ar_web_msg(r, ctx, "login_changed")));
    ar_req_header(r, "Cache-Control", "no-store");
    ar_web_render(r, status, "login", ctx);
    json_decref(ctx);
}

static void h_login_form(struct ar_req *r)
{
    login_page(r, 200, NULL);
}

static void h_login(struct ar_req *r)
{
    if (ar_req_parse_form(r)) {
        ar_web_error(r, 400, "error_bad_form");
        return;
    }
    char cookie[AR_AUTH_SECRET_LEN + 1];
    struct ar_principal p;
    long long retry = 0;
    const char *name = ar_req_arg(r, "name"), *pw = ar_req_arg(r, "password");
    int rc = ar_auth_login(r->store, name, pw, r->client, cookie, &p, &retry);
    if (rc == 0) {
        set_cookie(r, cookie, AR_AUTH_MAX);
        sodium_memzero(cookie, sizeof cookie);
        ar_web_see_other(r, local_next(ar_req_arg(r, "next")));
        return;
    }
    json_t *ctx = ar_web_ctx(r, NULL);
    char text[300];
    if (rc == AR_ELIMIT) {
        const char *m = ar_web_msg(r, ctx, "login_locked"), *at = strstr(m, "{minutes}");
        if (at)
            snprintf(text, sizeof text, "%.*s%lld%s", (int)(at - m), m, (retry + 59) / 60, at + 9);
        else
            snprintf(text, sizeof text, "%s", m);
        ar_req_header(r, "Retry-After", ar_arena_printf(r->arena, "%lld", retry));
    } else {
        snprintf(text, sizeof text, "%s",
                 ar_web_msg(r, ctx, rc == AR_EDENIED ? "login_wrong" : "error_internal"));
    }
    json_decref(ctx);
    login_page(r, rc == AR_ELIMIT ? 429 : rc == AR_EDENIED ? 401 : 500, text);
}

static void h_logout(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    char provider[33];
    char *away = NULL;
    /* a session from a provider ends there too (RP-initiated logout) */
    if (p && p->session[0] && ar_store_oidc_sess_provider(r->store, p->session, provider) == 0) {
        int i = ar_oidc_find(r->app->oidc, provider);
        if (i >= 0)
            away = ar_oidc_logout_url(r->app->oidc, i,
                                      ar_arena_printf(r->arena, "%s/", ar_req_base_url(r)));
    }
    if (p && p->session[0])
        ar_auth_logout(r->store, p, r->client);
    set_cookie(r, "", 0);
    ar_web_see_other(r, away ? ar_arena_strdup(r->arena, away) : "/");
    free(away);
}

/* ---- single sign-on (OpenID Connect; the protocol is src/oidc's) ----------------------- */

#define SSO_COOKIE "algoreg_sso"
#define SSO_PENDING_SECONDS 600

/* A page saying why a sign-in through a provider did not work, with the detail. */
static void sso_error(struct ar_req *r, int status, const char *key, const char *detail)
{
    json_t *ctx = ar_web_ctx(r, NULL);
    json_object_set_new(ctx, "title", json_string(ar_web_msg(r, ctx, "sso_failed_title")));
    json_object_set_new(ctx, "message", json_string(ar_web_msg(r, ctx, key)));
    if (detail && *detail)
        json_object_set_new(ctx, "detail", json_string(detail));
    json_object_set_new(ctx, "status", json_integer(status));
    json_object_set_new(ctx, "login_link", json_true());
    ar_req_header(r, "Cache-Control", "no-store");
    ar_web_render(r, status, "error", ctx);
    json_decref(ctx);
}

static int sso_provider(struct ar_req *r)
{
    int i = ar_oidc_find(r->app->oidc, r->params[0]);
    if (i < 0)
        ar_web_error(r, 404, "error_not_found");
    return i;
}

static void random_text(char *out, size_t cap)
{
    unsigned char b[32];
    randombytes_buf(b, sizeof b);
    sodium_bin2base64(out, cap, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void hash_hex(const char *v, char hex[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)v, strlen(v), NULL, 0);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

static const char *sso_redirect_uri(struct ar_req *r, const char *provider)
{
    return ar_arena_printf(r->arena, "%s/login/oidc/%s/callback", ar_req_base_url(r), provider);
}

/* GET /login/oidc/{provider}: to the provider with a fresh state, nonce and PKCE
 * verifier; the state is also put in a cookie, so the answer must come back to the same
 * browser. */
static void h_sso_start(struct ar_req *r)
{
    int i = sso_provider(r);
    char state[48], nonce[48], verifier[48], hash[65], why[512];
    char *url = NULL;
    if (i < 0)
        return;
    const struct ar_oidc_provider *op = ar_oidc_at(r->app->oidc, i);
    random_text(state, sizeof state);
    random_text(nonce, sizeof nonce);
    random_text(verifier, sizeof verifier);
    hash_hex(state, hash);
    const char *hint = ar_req_arg(r, "login_hint");
    if (hint && strlen(hint) > 200)
        hint = NULL;
    int rc = ar_oidc_auth_url(r->app->oidc, i, sso_redirect_uri(r, op->name), state, nonce,
                              verifier, hint, &url, why, sizeof why);
    if (rc) {
        ar_msg(AR_MSG_WARNING, "sign-in through %s: %s", op->name, why);
        sso_error(r, 503, "sso_unavailable", op->label);
        return;
    }
    if (ar_store_oidc_pending_add(r->store, hash, op->name, nonce, verifier,
                                  local_next(ar_req_arg(r, "next")), (long long)ar_clock_now())) {
        free(url);
        ar_web_error(r, 503, "error_unavailable");
        return;
    }
    int tls = r->forwarded_proto && !strcmp(r->forwarded_proto, "https");
    ar_req_header(r, "Set-Cookie",
                  ar_arena_printf(r->arena,
                                  "%s=%s; Path=/login/oidc; HttpOnly; SameSite=Lax; Max-Age=%d%s",
                                  SSO_COOKIE, state, SSO_PENDING_SECONDS, tls ? "; Secure" : ""));
    ar_web_see_other(r, ar_arena_strdup(r->arena, url));
    free(url);
}

/* GET /login/oidc/{provider}/callback: the provider sends the browser back with a code
 * (or an error). */
static void h_sso_callback(struct ar_req *r)
{
    int i = sso_provider(r);
    char hash[65], why[512] = "", cookie[AR_AUTH_SECRET_LEN + 1];
    json_t *pending = NULL, *claims = NULL;
    struct ar_principal p;
    if (i < 0)
        return;
    const struct ar_oidc_provider *op = ar_oidc_at(r->app->oidc, i);
    const char *state = ar_req_arg(r, "state"), *code = ar_req_arg(r, "code");
    const char *err = ar_req_arg(r, "error"), *mine = ar_req_cookie(r, SSO_COOKIE);
    time_t now = ar_clock_now();
    if (err) {
        snprintf(why, sizeof why, "%.100s", err);
        sso_error(r, 401, "sso_refused_by_provider", why);
        goto out;
    }
    if (!state || !code || strlen(state) > 100 || strlen(code) > 4096 || !mine ||
        strlen(mine) != strlen(state) || sodium_memcmp(mine, state, strlen(state)) != 0) {
        sso_error(r, 400, "sso_bad_state", NULL);
        goto out;
    }
    const char *iss = ar_req_arg(r, "iss"); /* RFC 9207: which provider answered */
    if (iss && strcmp(iss, op->issuer)) {
        sso_error(r, 400, "sso_not_verified", "the answer came from another issuer (iss)");
        goto out;
    }
    hash_hex(state, hash);
    if (ar_store_oidc_pending_take(r->store, hash, (long long)now - SSO_PENDING_SECONDS,
                                   &pending) ||
        strcmp(ar_json_str(pending, "provider"), op->name) ||
        json_integer_value(json_object_get(pending, "created")) <
            (long long)now - SSO_PENDING_SECONDS) {
        sso_error(r, 400, "sso_bad_state", NULL);
        goto out;
    }
    int rc = ar_oidc_exchange(r->app->oidc, i, code, sso_redirect_uri(r, op->name),
                              ar_json_str(pending, "verifier"), ar_json_str(pending, "nonce"), now,
                              &claims, why, sizeof why);
    if (rc) {
        ar_msg(AR_MSG_WARNING, "sign-in through %s refused: %s", op->name, why);
        ar_auth_audit(r->store, NULL, "login.sso.failed", op->name, rc == AR_EUNAVAIL ? 503 : 401,
                      r->client);
        sso_error(r, rc == AR_EUNAVAIL ? 503 : 401,
                  rc == AR_EUNAVAIL ? "sso_unavailable" : "sso_not_verified",
                  rc == AR_EUNAVAIL ? op->label : why);
        goto out;
    }
    const char *role, *org;
    if (ar_oidc_map(op, claims, &role, &org)) {
        ar_auth_audit(r->store, NULL, "login.sso.unmapped", op->name, 403, r->client);
        sso_error(r, 403, "sso_no_role", op->contact[0] ? op->contact : op->label);
        goto out;
    }
    json_int_t exp = json_integer_value(json_object_get(claims, "exp"));
    struct ar_external x = {
        op->name,
        ar_json_str(claims, "sub"),
        ar_json_str(claims, "sid"),
        ar_json_str(claims, "preferred_username") ?: ar_json_str(claims, "email"),
        role,
        org,
        op->session_max ? (long long)now + op->session_max : (long long)exp,
    };
    rc = ar_auth_external_login(r->store, &x, r->client, cookie, &p, why, sizeof why);
    if (rc) {
        sso_error(r, rc == AR_EDENIED ? 403 : 503,
                  rc == AR_EDENIED ? "sso_account_refused" : "error_unavailable", why);
        goto out;
    }
    set_cookie(r, cookie, (int)(x.expires - (long long)now > 0 ? x.expires - (long long)now : 0));
    ar_req_header(
        r, "Set-Cookie",
        ar_arena_printf(r->arena, "%s=; Path=/login/oidc; HttpOnly; Max-Age=0", SSO_COOKIE));
    ar_web_see_other(r, ar_arena_strdup(r->arena, local_next(ar_json_str(pending, "return_to"))));
    sodium_memzero(cookie, sizeof cookie);
out:
    json_decref(claims);
    json_decref(pending);
}

/* POST /login/oidc/{provider}/backchannel-logout: the provider ends sessions (OpenID
 * Connect Back-Channel Logout 1.0): 200 when the token is good, 400 otherwise. */
static void h_sso_backchannel(struct ar_req *r)
{
    int i = ar_oidc_find(r->app->oidc, r->params[0]);
    char why[512], *sub = NULL, *sid = NULL;
    int ended = 0, rc = AR_EINVAL;
    const char *tok = NULL;
    if (i >= 0 && ar_req_parse_form(r) == 0)
        tok = ar_req_arg(r, "logout_token");
    if (!tok)
        snprintf(why, sizeof why, "a form with logout_token is required");
    else if (!(rc = ar_oidc_validate_logout_token(r->app->oidc, i, tok, ar_clock_now(), &sub, &sid,
                                                  why, sizeof why)))
        rc = ar_auth_external_logout(r->store, r->params[0], sub, sid, &ended);
    ar_req_header(r, "Cache-Control", "no-store");
    json_t *v = rc ? json_pack("{s:s, s:s}", "error", "invalid_request", "error_description", why)
                   : json_pack("{s:i}", "sessions_ended", ended);
    if (rc)
        ar_msg(AR_MSG_WARNING, "back-channel logout refused: %s", why);
    ar_resp_json(r, rc ? 400 : 200, v);
    json_decref(v);
    free(sub);
    free(sid);
}

/* The account page; new_token is shown once, error next to its form. */
static void account_page(struct ar_req *r, int status, const char *new_token, const char *form,
                         const char *error)
{
    const struct ar_principal *p = ar_app_principal(r);
    json_t *ctx = ar_web_ctx(r, NULL), *tokens = NULL;
    json_object_set_new(ctx, "title", json_string(ar_web_msg(r, ctx, "account_title")));
    json_object_set_new(ctx, "has_account", json_boolean(p->account != 0));
    if (p->account && ar_store_token_list(r->store, p->account, &tokens) == 0)
        json_object_set_new(ctx, "tokens", tokens);
    json_t *a = NULL;
    if (p->account && ar_store_acct_get(r->store, p->name, &a) == 0 && ar_json_str(a, "email"))
        json_object_set_new(ctx, "email", json_string(ar_json_str(a, "email")));
    json_decref(a);
    if (new_token)
        json_object_set_new(ctx, "new_token", json_string(new_token));
    if (error && form) {
        json_object_set_new(ctx, ar_arena_printf(r->arena, "%s_error", form), json_string(error));
        const char *label = ar_req_arg(r, "label"), *email = ar_req_arg(r, "email");
        json_object_set_new(ctx, "label", json_string(label ? label : ""));
        if (!strcmp(form, "email")) /* what was typed, not what is stored */
            json_object_set_new(ctx, "email", json_string(email ? email : ""));
    }
    if (ar_req_arg(r, "email_saved"))
        json_object_set_new(ctx, "email_saved", json_true());
    ar_req_header(r, "Cache-Control", "no-store");
    ar_web_render(r, status, "account", ctx);
    json_decref(ctx);
}

static void h_account(struct ar_req *r)
{
    account_page(r, 200, NULL, NULL, NULL);
}

static void h_token_new(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    if (ar_req_parse_form(r) || !p->account) {
        ar_web_error(r, 400, "error_bad_form");
        return;
    }
    const char *label = ar_req_arg(r, "label");
    json_t *ctx = ar_web_ctx(r, NULL);
    const char *error = label && strlen(label) > 100 ? ar_web_msg(r, ctx, "tok_label_long") : NULL;
    char tok[AR_AUTH_SECRET_LEN + 1];
    long long id;
    if (!error && ar_auth_token_issue(r->store, p->name, label, p->name, tok, &id))
        error = ar_web_msg(r, ctx, "error_internal");
    if (error)
        account_page(r, 422, NULL, "token", error);
    else
        account_page(r, 201, tok, NULL, NULL);
    sodium_memzero(tok, sizeof tok);
    json_decref(ctx);
}

static void h_token_revoke(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    char *end;
    long long id = strtoll(r->params[0], &end, 10);
    if (*end || id < 1 || ar_auth_token_revoke(r->store, p->name, id, p->name)) {
        ar_web_error(r, 404, "error_not_found");
        return;
    }
    ar_web_see_other(r, "/account#tokens");
}

static void h_password(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    if (ar_req_parse_form(r) || !p->account) {
        ar_web_error(r, 400, "error_bad_form");
        return;
    }
    const char *cur = ar_req_arg(r, "current"), *pw = ar_req_arg(r, "password"),
               *again = ar_req_arg(r, "password_again");
    char why[256] = "";
    json_t *ctx = ar_web_ctx(r, NULL);
    int rc = AR_EINVAL;
    if (!pw || !again || strcmp(pw, again) != 0)
        snprintf(why, sizeof why, "%s", ar_web_msg(r, ctx, "password_mismatch"));
    else
        rc = ar_auth_password_change(r->store, p, cur, pw, r->client, why, sizeof why);
    json_decref(ctx);
    if (rc) {
        account_page(r, rc == AR_EDENIED ? 403 : 422, NULL, "password", why);
        return;
    }
    /* Every session ended with the old password, this one too: sign in again. */
    set_cookie(r, "", 0);
    ar_web_see_other(r, "/login?changed=1");
}

static void h_email(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    if (ar_req_parse_form(r) || !p->account) {
        ar_web_error(r, 400, "error_bad_form");
        return;
    }
    char why[256] = "";
    json_t *ctx = ar_web_ctx(r, NULL);
    int rc = ar_auth_email_set(r->store, p->name, ar_req_arg(r, "email"), p->name, why, sizeof why);
    if (rc == AR_EINVAL)
        account_page(r, 422, NULL, "email", ar_web_msg(r, ctx, "email_bad"));
    else if (rc)
        account_page(r, 500, NULL, "email", ar_web_msg(r, ctx, "error_internal"));
    else
        ar_web_see_other(r, "/account?email_saved=1#email");
    json_decref(ctx);
}

static void admin_page(struct ar_req *r, int status, const char *error)
{
    json_t *ctx = ar_web_ctx(r, NULL), *list = NULL, *audit = NULL;
    json_object_set_new(ctx, "title", json_string(ar_web_msg(r, ctx, "admin_title")));
    if (ar_store_acct_list(r->store, &list) == 0)
        json_object_set_new(ctx, "accounts", list);
    if (ar_store_audit_list(r->store, NULL, 0, 50, &audit) == 0)
        json_object_set_new(ctx, "audit", audit);
    json_t *roles = json_array();
    const char *want = ar_req_arg(r, "role");
    for (unsigned bit = AR_ROLE_REGISTRANT_BIT; bit <= AR_ROLE_MAYOR_BIT; bit <<= 1)
        json_array_append_new(roles,
                              json_pack("{s:s, s:b}", "name", ar_auth_role_name(bit), "selected",
                                        want && !strcmp(want, ar_auth_role_name(bit))));
    json_object_set_new(ctx, "roles", roles);
    if (error) {
        json_object_set_new(ctx, "error", json_string(error));
        const char *n = ar_req_arg(r, "name"), *o = ar_req_arg(r, "org"),
                   *e = ar_req_arg(r, "email");
        json_object_set_new(ctx, "name", json_string(n ? n : ""));
        json_object_set_new(ctx, "org", json_string(o ? o : ""));
        json_object_set_new(ctx, "email", json_string(e ? e : ""));
    }
    ar_req_header(r, "Cache-Control", "no-store");
    ar_web_render(r, status, "admin", ctx);
    json_decref(ctx);
}

static void h_admin(struct ar_req *r)
{
    admin_page(r, 200, NULL);
}

static void h_admin_add(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    if (ar_req_parse_form(r)) {
        ar_web_error(r, 400, "error_bad_form");
        return;
    }
    const char *org = ar_req_arg(r, "org"), *pw = ar_req_arg(r, "password");
    char why[256] = "";
    int rc = ar_auth_account_add(r->store, ar_req_arg(r, "name"), ar_req_arg(r, "role"),
                                 org && *org ? org : NULL, ar_req_arg(r, "email"),
                                 pw && *pw ? pw : NULL, p->name, why, sizeof why);
    if (rc) {
        admin_page(r, rc == AR_ECONFLICT ? 409 : 422, *why ? why : "the account was not added");
        return;
    }
    ar_web_see_other(r, "/admin#accounts");
}

static void admin_set(struct ar_req *r, int disabled)
{
    const struct ar_principal *p = ar_app_principal(r);
    if (disabled && !strcmp(p->name, r->params[0])) {
        json_t *ctx = ar_web_ctx(r, NULL);
        admin_page(r, 409, ar_web_msg(r, ctx, "admin_not_self"));
        json_decref(ctx);
        return;
    }
    if (ar_auth_account_disable(r->store, r->params[0], disabled, p->name)) {
        ar_web_error(r, 404, "error_not_found");
        return;
    }
    ar_web_see_other(r, "/admin#accounts");
}

static void h_admin_disable(struct ar_req *r)
{
    admin_set(r, 1);
}

static void h_admin_enable(struct ar_req *r)
{
    admin_set(r, 0);
}

const struct ar_route ar_account_web_routes[] = {
    {"GET", "/login", h_login_form, "Sign-in form", AR_ROLE_PUBLIC},
    {"POST", "/login", h_login, "Sign in", AR_ROLE_PUBLIC},
    {"POST", "/logout", h_logout, "Sign out (ends the session on the server)", AR_ROLE_SIGNED},
    {"GET", "/login/oidc/{provider}", h_sso_start, "Sign in through an identity provider",
     AR_ROLE_PUBLIC},
    {"GET", "/login/oidc/{provider}/callback", h_sso_callback,
     "The identity provider's answer (authorization code)", AR_ROLE_PUBLIC},
    {"POST", "/login/oidc/{provider}/backchannel-logout", h_sso_backchannel,
     "The identity provider ends sessions (back-channel logout)", AR_ROLE_PUBLIC},
    {"GET", "/account", h_account, "One's account and API tokens", AR_ROLE_SIGNED},
    {"POST", "/account/tokens", h_token_new, "Make an API token", AR_ROLE_SIGNED},
    {"POST", "/account/tokens/{token}/revoke", h_token_revoke, "Revoke an API token",
     AR_ROLE_SIGNED},
    {"POST", "/account/password", h_password, "Change one's password", AR_ROLE_SIGNED},
    {"POST", "/account/email", h_email, "Where one's e-mail notices go", AR_ROLE_SIGNED},
    {"GET", "/admin", h_admin, "Accounts and the audit trail", AR_ROLE_ADMIN_BIT},
    {"POST", "/admin/accounts", h_admin_add, "Add an account", AR_ROLE_ADMIN_BIT},
    {"POST", "/admin/accounts/{name}/disable", h_admin_disable, "Disable an account",
     AR_ROLE_ADMIN_BIT},
    {"POST", "/admin/accounts/{name}/enable", h_admin_enable, "Enable an account",
     AR_ROLE_ADMIN_BIT},
    {NULL, NULL, NULL, NULL, 0},
};
