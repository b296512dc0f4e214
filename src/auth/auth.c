/* auth.c — the rules of accounts, tokens, sessions and throttling (see auth.h). */
#include "auth/auth.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/utf8.h"
#include "json/json.h"
#include "log/log.h"
#include "base/msg.h"

#include <ctype.h>
#include <stdlib.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    unsigned bit;
} roles[] = {
    {"registrant", AR_ROLE_REGISTRANT_BIT},
    {"approver", AR_ROLE_APPROVER_BIT},
    {"supervisor", AR_ROLE_SUPERVISOR_BIT},
    {"authorising_authority", AR_ROLE_AUTHORITY_BIT},
    {"review_committee", AR_ROLE_REVIEW_BIT},
    {"admin", AR_ROLE_ADMIN_BIT},
    {"police_chief", AR_ROLE_CHIEF_BIT},
    {"prosecutor", AR_ROLE_PROSECUTOR_BIT},
    {"mayor", AR_ROLE_MAYOR_BIT},
};

const char ar_auth_role_names[] = "registrant, approver, supervisor, authorising_authority,"
                                  " review_committee, admin, police_chief, prosecutor, mayor";

unsigned ar_auth_role_bit(const char *role)
{
    for (size_t i = 0; role && i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(role, roles[i].name) == 0)
            return roles[i].bit;
    return 0;
}

const char *ar_auth_role_name(unsigned bit)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (roles[i].bit == bit)
            return roles[i].name;
    return "";
}

int ar_auth_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 2 || n > 64 || !islower((unsigned char)name[0]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) &&
            !strchr(".-_", name[i]))
            return 0;
    return 1;
}

/* Passwords people pick first; a longer list belongs in a file when someone asks. */
static const char *const common[] = {
    "password", "wachtwoord", "welkom", "welcome", "qwerty",  "azerty",   "123456",
    "letmein",  "admin",      "geheim", "secret",  "politie", "iloveyou", "monkey",
    "dragon",   "zomer",      "winter", "summer",  "algoreg", NULL,
};

int ar_auth_password_ok(const char *pw, const char *name, char *why, size_t whylen)
{
    size_t n = pw ? strlen(pw) : 0;
    if (n < 12) {
        snprintf(why, whylen, "a password has at least 12 characters");
        return AR_EINVAL;
    }
    if (n > 256 || !ar_utf8_valid(pw, n)) {
        snprintf(why, whylen, "a password is at most 256 bytes of valid UTF-8");
        return AR_EINVAL;
    }
    int seen[256] = {0}, distinct = 0;
    for (size_t i = 0; i < n; i++)
        distinct += !seen[(unsigned char)pw[i]]++;
    if (distinct < 5) {
        snprintf(why, whylen, "a password needs at least 5 different characters");
        return AR_EINVAL;
    }
    if (name && strlen(name) >= 3 && strcasestr(pw, name)) {
        snprintf(why, whylen, "a password must not contain the account name");
        return AR_EINVAL;
    }
    for (const char *const *c = common; *c; c++)
        if (strcasestr(pw, *c) && n < strlen(*c) + 8) {
            snprintf(why, whylen, "a password must not be built around a common word (%s)", *c);
            return AR_EINVAL;
        }
    return 0;
}

/* 32 random bytes as "ar_" + base64url; hex BLAKE2b-256 of a secret for storage. */
static void new_secret(char out[AR_AUTH_SECRET_LEN + 1])
{
    unsigned char b[32];
    randombytes_buf(b, sizeof b);
    memcpy(out, "ar_", 3);
    sodium_bin2base64(out + 3, AR_AUTH_SECRET_LEN - 2, b, sizeof b, /* 43 + NUL */
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(b, sizeof b);
}

static void secret_hash(const char *secret, char hex[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)secret, strlen(secret), NULL, 0);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

static void now_str(char out[32])
{
    ar_clock_fmt(out, 32, ar_clock_now());
}

void ar_auth_audit(struct ar_store *s, const struct ar_principal *p, const char *action,
                   const char *target, int outcome, const char *address)
{
    char at[32];
    if (!s)
        return; /* in-process router tests run without a store */
    now_str(at);
    struct ar_audit a = {
        at, p ? p->name : NULL, p && p->role[0] ? p->role : NULL, action, target, address, outcome};
    if (ar_store_audit_add(s, &a))
        ar_msg(AR_MSG_ERR, "audit: could not record %s", action);
}

static void audit_as(struct ar_store *s, const char *actor, const char *action, const char *target)
{
    struct ar_principal p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "%s", actor ? actor : "cli");
    ar_auth_audit(s, &p, action, target, 0, NULL);
}

/* An account change as a transparency-log leaf, in the caller's transaction: the
 * account's number, role and organisation, what happened and when; no name, password
 * or token. A register cannot later pretend an approver existed earlier than it did. */
static int log_account(struct ar_store *s, long long account, const char *action, const char *role,
                       const char *org)
{
    char now[32];
    now_str(now);
    json_t *leaf =
        json_pack("{s:s, s:I, s:s, s:s?, s:s?, s:s}", "kind", "account", "account",
                  (json_int_t)account, "action", action, "role", role, "org", org, "time", now);
    char *c = ar_json_canon_str(leaf);
    int rc = c ? ar_log_append(s, c, strlen(c), NULL, 0, NULL) : AR_EIO;
    free(c);
    json_decref(leaf);
    return rc;
}

/* log_account for the account called name (looked up in the transaction). */
static int log_account_named(struct ar_store *s, const char *name, const char *action)
{
    json_t *a = NULL;
    int rc = ar_store_acct_get(s, name, &a);
    if (!rc)
        rc = log_account(s, json_integer_value(json_object_get(a, "id")), action,
                         ar_json_str(a, "role"), ar_json_str(a, "org"));
    json_decref(a);
    return rc;
}

static int fill(struct ar_principal *p, const json_t *row)
{
    memset(p, 0, sizeof p[0]);
    p->account = json_integer_value(json_object_get(row, "id"));
    snprintf(p->name, sizeof p->name, "%s", json_string_value(json_object_get(row, "name")));
    snprintf(p->role, sizeof p->role, "%s", json_string_value(json_object_get(row, "role")));
    const char *org = json_string_value(json_object_get(row, "org"));
    snprintf(p->org, sizeof p->org, "%s", org ? org : "");
    p->bit = ar_auth_role_bit(p->role);
    return json_integer_value(json_object_get(row, "disabled")) || !p->bit ? AR_EDENIED : 0;
}

static int hash_password(const char *pw, char out[crypto_pwhash_STRBYTES])
{
    if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        ar_msg(AR_MSG_ERR, "auth: out of memory hashing a password");
        return AR_EIO;
    }
    return 0;
}

int ar_auth_account_add(struct ar_store *s, const char *name, const char *role, const char *org,
                        const char *email, const char *password, const char *actor, char *why,
                        size_t whylen)
{
    char hash[crypto_pwhash_STRBYTES], now[32];
    unsigned bit = ar_auth_role_bit(role);
    json_t *o = NULL;
    int rc = 0;
    if (!ar_auth_name_ok(name)) {
        snprintf(why, whylen,
                 "an account name is 2 to 64 of a-z, 0-9, '.', '-' and '_', starting with a"
                 " letter");
        return AR_EINVAL;
    }
    if (!bit) {
        snprintf(why, whylen, "the role is one of %s", ar_auth_role_names);
        return AR_EINVAL;
    }
    int needs_org = (bit & AR_ROLE_ORG) != 0;
    if (needs_org && (!org || !*org)) {
        snprintf(why, whylen, "a %s belongs to an organisation: give its slug", role);
        return AR_EINVAL;
    }
    if (!needs_org && org && *org) {
        snprintf(why, whylen, "a %s does not belong to an organisation", role);
        return AR_EINVAL;
    }
    if (needs_org && ar_store_org_get(s, org, &o) != 0) {
        snprintf(why, whylen, "no organisation %s in the register", org);
        return AR_EINVAL;
    }
    json_decref(o);
    if (email && *email && !ar_auth_email_ok(email)) {
        snprintf(why, whylen, "an e-mail address is like name@example.org (no spaces or quotes)");
        return AR_EINVAL;
    }
    if (password && ((rc = ar_auth_password_ok(password, name, why, whylen)) ||
                     (rc = hash_password(password, hash))))
        return rc;
    now_str(now);
    if ((rc = ar_store_begin(s)))
        return rc;
    long long id = 0;
    rc = ar_store_acct_add(s, name, role, needs_org ? org : NULL, password ? hash : NULL, now, &id);
    if (!rc && email && *email)
        rc = ar_store_acct_set_email(s, name, email, now);
    if (!rc)
        rc = log_account(s, id, "add", role, needs_org ? org : NULL);
    if (rc == AR_ECONFLICT)
        snprintf(why, whylen, "an account %s exists", name);
    if (!rc) {
        char target[160];
        snprintf(target, sizeof target, "%s (%s%s%s)", name, role, needs_org ? ", " : "",
                 needs_org ? org : "");
        audit_as(s, actor, "account.add", target);
        rc = ar_store_commit(s);
    } else {
        ar_store_rollback(s);
    }
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int ar_auth_account_disable(struct ar_store *s, const char *name, int disabled, const char *actor)
{
    char now[32];
    json_t *a = NULL;
    now_str(now);
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    if (!(rc = ar_store_acct_get(s, name, &a)) &&
        !(rc = ar_store_acct_update(s, name, NULL, disabled, now)) && disabled)
        rc = ar_store_sess_end(s, NULL, json_integer_value(json_object_get(a, "id")), 0);
    if (!rc)
        rc = log_account(s, json_integer_value(json_object_get(a, "id")),
                         disabled ? "disable" : "enable", ar_json_str(a, "role"),
                         ar_json_str(a, "org"));
    json_decref(a);
    if (rc) {
        ar_store_rollback(s);
        return rc;
    }
    audit_as(s, actor, disabled ? "account.disable" : "account.enable", name);
    return ar_store_commit(s);
}

int ar_auth_email_ok(const char *a)
{
    size_t n = a ? strlen(a) : 0;
    const char *at = a ? strchr(a, '@') : NULL;
    if (n < 3 || n > 254 || !at || at == a || strchr(at + 1, '@') || at - a > 64)
        return 0;
    for (const char *p = a; p < at; p++) /* a dot-atom local part: no quotes, no spaces */
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr(".!#$%&'*+/=?^_`{|}~-", *p)) ||
            (*p == '.' && (p == a || p[1] == '.' || p + 1 == at)))
            return 0;
    const char *label = at + 1;
    int dots = 0;
    for (const char *p = at + 1;; p++) { /* host name labels of letters, digits and dashes */
        if (*p == '.' || !*p) {
            if (p == label || p - label > 63 || *label == '-' || p[-1] == '-')
                return 0;
            if (!*p)
                break;
            dots++;
            label = p + 1;
        } else if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || *p == '-')) {
            return 0;
        }
    }
    return dots > 0 || !strcmp(at + 1, "localhost");
}

int ar_auth_email_set(struct ar_store *s, const char *name, const char *email, const char *actor,
                      char *why, size_t whylen)
{
    char now[32];
    if (email && *email && !ar_auth_email_ok(email)) {
        snprintf(why, whylen, "an e-mail address is like name@example.org (no spaces or quotes)");
        return AR_EINVAL;
    }
    now_str(now);
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    if ((rc = ar_store_acct_set_email(s, name, email, now))) {
        ar_store_rollback(s);
        if (rc == AR_ENOTFOUND)
            snprintf(why, whylen, "no account %s", name);
        return rc;
    }
    audit_as(s, actor, email && *email ? "account.email" : "account.email.clear", name);
    return ar_store_commit(s);
}

int ar_auth_password_set(struct ar_store *s, const char *name, const char *password,
                         const char *actor, char *why, size_t whylen)
{
    char hash[crypto_pwhash_STRBYTES], now[32];
    json_t *a = NULL;
    int rc = ar_auth_password_ok(password, name, why, whylen);
    if (rc || (rc = hash_password(password, hash)))
        return rc;
    now_str(now);
    if ((rc = ar_store_begin(s)))
        return rc;
    /* A new password ends every session of the account: whoever knew the old one is out. */
    if (!(rc = ar_store_acct_get(s, name, &a)) &&
        !(rc = ar_store_acct_update(s, name, hash, -1, now)) &&
        !(rc = ar_store_sess_end(s, NULL, json_integer_value(json_object_get(a, "id")), 0)))
        rc = log_account_named(s, name, "password");
    json_decref(a);
    sodium_memzero(hash, sizeof hash);
    if (rc) {
        ar_store_rollback(s);
        if (rc == AR_ENOTFOUND)
            snprintf(why, whylen, "no account %s", name);
        return rc;
    }
    audit_as(s, actor, "account.password", name);
    return ar_store_commit(s);
}

int ar_auth_token_issue(struct ar_store *s, const char *name, const char *label, const char *actor,
                        char out[AR_AUTH_SECRET_LEN + 1], long long *id)
{
    char hash[65], now[32];
    json_t *a = NULL;
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    if ((rc = ar_store_acct_get(s, name, &a)))
        goto out;
    if (json_integer_value(json_object_get(a, "disabled"))) {
        rc = AR_EDENIED;
        goto out;
    }
    new_secret(out);
    secret_hash(out, hash);
    now_str(now);
    if ((rc = ar_store_token_add(s, json_integer_value(json_object_get(a, "id")), hash,
                                 label && *label ? label : "token", now, id)) ||
        (rc = log_account_named(s, name, "token.issue")))
        goto out;
    audit_as(s, actor, "token.issue", name);
out:
    json_decref(a);
    if (rc) {
        ar_store_rollback(s);
        sodium_memzero(out, AR_AUTH_SECRET_LEN + 1);
        return rc;
    }
    return ar_store_commit(s);
}

int ar_auth_token_revoke(struct ar_store *s, const char *name, long long id, const char *actor)
{
    char now[32];
    json_t *a = NULL;
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    now_str(now);
    if (!(rc = ar_store_acct_get(s, name, &a)) &&
        !(rc = ar_store_token_revoke(s, json_integer_value(json_object_get(a, "id")), id, now)))
        rc = log_account_named(s, name, "token.revoke");
    json_decref(a);
    if (rc) {
        ar_store_rollback(s);
        return rc;
    }
    audit_as(s, actor, "token.revoke", name);
    return ar_store_commit(s);
}

int ar_auth_token_check(struct ar_store *s, const char *token, struct ar_principal *p)
{
    char hash[65], now[32];
    json_t *row = NULL;
    if (!token || strlen(token) != AR_AUTH_SECRET_LEN || strncmp(token, "ar_", 3) != 0)
        return AR_EDENIED;
    secret_hash(token, hash);
    int rc = ar_store_token_find(s, hash, &row);
    if (rc)
        return rc == AR_ENOTFOUND ? AR_EDENIED : rc;
    rc = fill(p, row);
    /* last_used to the day: enough to find forgotten tokens, one write a day. */
    const char *last = json_string_value(json_object_get(row, "last_used"));
    now_str(now);
    if (!rc && (!last || strncmp(last, now, 10) != 0))
        ar_store_token_touch(s, json_integer_value(json_object_get(row, "token_id")), now);
    json_decref(row);
    return rc;
}

/* A stored hash to verify against when the account does not exist, so a wrong name
 * costs the same time as a wrong password. */
static const char *dummy_hash(void)
{
    static char h[crypto_pwhash_STRBYTES];
    static int made;
    if (!made) {
        if (hash_password("not a password of anyone", h))
            return NULL;
        made = 1;
    }
    return h;
}

/* Count one failure of key; lock it out at limit. */
static int count_failure(struct ar_store *s, const char *key, int limit, time_t now)
{
    long long v[3];
    int rc = ar_store_fail_get(s, key, v);
    if (rc)
        return rc;
    if (v[1] + AR_AUTH_WINDOW <= now)
        v[0] = 0, v[1] = now;
    /* At the limit: locked from now; the count starts again when the window has passed
     * (the lock is as long as the window). */
    if (++v[0] >= limit)
        v[2] = now + AR_AUTH_LOCK, v[1] = now;
    return ar_store_fail_put(s, key, v);
}

int ar_auth_login(struct ar_store *s, const char *name, const char *password, const char *address,
                  char cookie[AR_AUTH_SECRET_LEN + 1], struct ar_principal *p, long long *retry)
{
    char akey[96], ikey[80], now_s[32], hash[65], csrf[AR_AUTH_SECRET_LEN + 1];
    time_t now = ar_clock_now();
    json_t *row = NULL;
    long long va[3], vi[3] = {0, 0, 0};
    int rc;
    *retry = 0;
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name ? name : "");
    snprintf(akey, sizeof akey, "account:%.64s", name ? name : "");
    snprintf(ikey, sizeof ikey, "address:%.64s", address ? address : "");
    now_str(now_s);
    if ((rc = ar_store_fail_get(s, akey, va)) || (address && (rc = ar_store_fail_get(s, ikey, vi))))
        return rc;
    long long until = va[2] > vi[2] ? va[2] : vi[2];
    if (until > now) {
        *retry = until - now;
        json_t *known = NULL;
        if (!name || ar_store_acct_get(s, name, &known) != 0)
            snprintf(p->name, sizeof p->name, "(unknown account)");
        json_decref(known);
        ar_auth_audit(s, p, "login.locked", NULL, 429, address);
        memset(p, 0, sizeof *p);
        return AR_ELIMIT;
    }
    int found = name && password && ar_store_acct_get(s, name, &row) == 0;
    const char *stored = found ? json_string_value(json_object_get(row, "pw_hash")) : NULL;
    const char *check = stored ? stored : dummy_hash();
    int ok = check && password &&
             crypto_pwhash_str_verify(check, password, strlen(password)) == 0 && stored &&
             fill(p, row) == 0;
    json_decref(row);
    if ((rc = ar_store_begin(s)))
        return rc;
    if (!ok) {
        if (!(rc = count_failure(s, akey, AR_AUTH_FAIL_ACCOUNT, now)) && address)
            rc = count_failure(s, ikey, AR_AUTH_FAIL_ADDRESS, now);
        /* An unknown name is not recorded as typed: people type passwords there. */
        struct ar_principal anon;
        memset(&anon, 0, sizeof anon);
        snprintf(anon.name, sizeof anon.name, "%s", found ? name : "(unknown account)");
        ar_auth_audit(s, &anon, "login.failed", NULL, 401, address);
        memset(p, 0, sizeof *p);
        if (!rc && !(rc = ar_store_commit(s)))
            return AR_EDENIED;
        ar_store_rollback(s);
        return rc;
    }
    long long clear[3] = {0, 0, 0};
    new_secret(cookie);
    new_secret(csrf);
    secret_hash(cookie, hash);
    if ((rc = ar_store_fail_put(s, akey, clear)) || (rc = ar_store_sess_end(s, NULL, 0, now)) ||
        (rc = ar_store_sess_add(s, hash, p->account, csrf, now_s, now, now + AR_AUTH_MAX))) {
        ar_store_rollback(s);
        return rc;
    }
    snprintf(p->csrf, sizeof p->csrf, "%s", csrf);
    snprintf(p->session, sizeof p->session, "%s", hash);
    ar_auth_audit(s, p, "login", NULL, 200, address);
    return ar_store_commit(s);
}

int ar_auth_password_change(struct ar_store *s, const struct ar_principal *p, const char *current,
                            const char *password, const char *address, char *why, size_t whylen)
{
    json_t *row = NULL;
    char key[96];
    int rc = ar_store_acct_get(s, p->name, &row);
    if (rc)
        return rc;
    const char *stored = json_string_value(json_object_get(row, "pw_hash"));
    int ok = stored && current && crypto_pwhash_str_verify(stored, current, strlen(current)) == 0;
    json_decref(row);
    if (!ok) {
        snprintf(key, sizeof key, "account:%.64s", p->name);
        count_failure(s, key, AR_AUTH_FAIL_ACCOUNT, ar_clock_now());
        ar_auth_audit(s, p, "account.password.failed", p->name, 401, address);
        snprintf(why, whylen, "the current password is not right");
        return AR_EDENIED;
    }
    return ar_auth_password_set(s, p->name, password, p->name, why, whylen);
}

int ar_auth_session(struct ar_store *s, const char *cookie, struct ar_principal *p)
{
    char hash[65];
    json_t *row = NULL;
    time_t now = ar_clock_now();
    if (!cookie || strlen(cookie) != AR_AUTH_SECRET_LEN || strncmp(cookie, "ar_", 3) != 0)
        return AR_EDENIED;
    secret_hash(cookie, hash);
    int rc = ar_store_sess_get(s, hash, &row);
    if (rc)
        return rc == AR_ENOTFOUND ? AR_EDENIED : rc;
    long long seen = json_integer_value(json_object_get(row, "seen"));
    long long expires = json_integer_value(json_object_get(row, "expires"));
    rc = fill(p, row);
    if (!rc && (expires <= now || seen + AR_AUTH_IDLE <= now))
        rc = AR_EDENIED;
    if (rc == AR_EDENIED) {
        ar_store_sess_end(s, hash, 0, now);
    } else if (!rc) {
        snprintf(p->csrf, sizeof p->csrf, "%s", json_string_value(json_object_get(row, "csrf")));
        snprintf(p->session, sizeof p->session, "%s", hash);
        if (now - seen >= 60) /* at most one write a minute per session */
            ar_store_sess_touch(s, hash, now);
    }
    json_decref(row);
    return rc;
}

int ar_auth_logout(struct ar_store *s, const struct ar_principal *p, const char *address)
{
    if (!p->session[0])
        return AR_EINVAL;
    int rc = ar_store_sess_end(s, p->session, 0, 0);
    if (!rc)
        ar_auth_audit(s, p, "logout", NULL, 200, address);
    return rc;
}

/* A free account name from a provider's hint: a-z, 0-9, '.', '-', '_', starting with a
 * letter, "-2", "-3", … added while taken. */
static int external_name(struct ar_store *s, const char *hint, const char *provider, char name[65])
{
    char base[49];
    size_t n = 0;
    for (const char *c = hint ? hint : ""; *c && *c != '@' && n < sizeof base - 1; c++) {
        char ch = (char)tolower((unsigned char)*c);
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
            ch == '_')
            base[n++] = ch;
    }
    base[n] = '\0';
    if (n < 2 || base[0] < 'a' || base[0] > 'z')
        snprintf(base, sizeof base, "%s-user", provider);
    for (int i = 1; i < 1000; i++) {
        json_t *a = NULL;
        if (i == 1)
            snprintf(name, 65, "%s", base);
        else
            snprintf(name, 65, "%s-%d", base, i);
        int rc = ar_store_acct_get(s, name, &a);
        json_decref(a);
        if (rc == AR_ENOTFOUND)
            return 0;
        if (rc)
            return rc;
    }
    return AR_ECONFLICT;
}

int ar_auth_external_login(struct ar_store *s, const struct ar_external *x, const char *address,
                           char cookie[AR_AUTH_SECRET_LEN + 1], struct ar_principal *p, char *why,
                           size_t whylen)
{
    char name[65], now_s[32], hash[65], csrf[AR_AUTH_SECRET_LEN + 1];
    json_t *row = NULL, *o = NULL;
    time_t now = ar_clock_now();
    const char *org = x->org && *x->org ? x->org : NULL;
    long long expires =
        x->expires < (long long)now + AR_AUTH_MAX ? x->expires : (long long)now + AR_AUTH_MAX;
    int rc;
    now_str(now_s);
    memset(p, 0, sizeof *p);
    if (org && ar_store_org_get(s, org, &o)) {
        snprintf(why, whylen, "the organisation %s of this sign-in is not in the register", org);
        return AR_EDENIED;
    }
    json_decref(o);
    if ((rc = ar_store_begin(s)))
        return rc;
    rc = ar_store_oidc_link_get(s, x->provider, x->sub, name);
    if (rc == AR_ENOTFOUND) { /* the first sign-in: a new account, linked */
        long long id = 0;
        char target[200];
        if (!(rc = external_name(s, x->name_hint, x->provider, name)) &&
            !(rc = ar_store_acct_add(s, name, x->role, org, NULL, now_s, &id)) &&
            !(rc = log_account(s, id, "add", x->role, org)))
            rc = ar_store_oidc_link_add(s, x->provider, x->sub, id);
        snprintf(target, sizeof target, "%s (%s%s%s, via %s)", name, x->role, org ? ", " : "",
                 org ? org : "", x->provider);
        if (!rc)
            audit_as(s, name, "account.add.sso", target);
    }
    if (!rc)
        rc = ar_store_acct_get(s, name, &row);
    if (!rc && json_integer_value(json_object_get(row, "disabled"))) {
        snprintf(why, whylen, "the account %s is disabled in algoreg", name);
        rc = AR_EDENIED;
    }
    if (!rc && (strcmp(ar_json_str(row, "role"), x->role) ||
                strcmp(ar_json_str(row, "org") ? ar_json_str(row, "org") : "", org ? org : ""))) {
        /* the provider's claims say who the person is now */
        if (!(rc = ar_store_acct_set_role(s, name, x->role, org, now_s)))
            rc = log_account(s, json_integer_value(json_object_get(row, "id")), "role", x->role,
                             org);
        if (!rc)
            audit_as(s, name, "account.role.sso", x->role);
        json_decref(row);
        row = NULL;
        if (!rc)
            rc = ar_store_acct_get(s, name, &row);
    }
    if (!rc && (rc = fill(p, row)))
        snprintf(why, whylen, "the account %s may not sign in", name);
    if (!rc) {
        new_secret(cookie);
        new_secret(csrf);
        secret_hash(cookie, hash);
        if (!(rc = ar_store_sess_end(s, NULL, 0, now)) &&
            !(rc = ar_store_sess_add(s, hash, p->account, csrf, now_s, now, expires)))
            rc = ar_store_oidc_sess_add(s, hash, x->provider, x->sub, x->sid);
    }
    if (rc == AR_EDENIED) {
        struct ar_principal who;
        memset(&who, 0, sizeof who);
        snprintf(who.name, sizeof who.name, "%s", name);
        ar_auth_audit(s, &who, "login.sso.denied", x->provider, 403, address);
        int c = ar_store_commit(s); /* the audit row stays; nothing else was written */
        memset(p, 0, sizeof *p);
        json_decref(row);
        return c ? c : AR_EDENIED;
    }
    json_decref(row);
    if (rc) {
        ar_store_rollback(s);
        memset(p, 0, sizeof *p);
        return rc;
    }
    snprintf(p->csrf, sizeof p->csrf, "%s", csrf);
    snprintf(p->session, sizeof p->session, "%s", hash);
    ar_auth_audit(s, p, "login.sso", x->provider, 200, address);
    return ar_store_commit(s);
}

int ar_auth_external_logout(struct ar_store *s, const char *provider, const char *sub,
                            const char *sid, int *ended)
{
    int rc = ar_store_oidc_sess_end(s, provider, sub, sid, ended);
    if (!rc)
        audit_as(s, provider, "logout.backchannel", sub ? sub : sid);
    return rc;
}
