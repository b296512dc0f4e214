/* auth_store.c — rows for accounts, API tokens, sessions, failed-login counters and
 * the audit trail (0007_accounts.sql). The rules (who may, how long, how many) are in
 * src/auth; this file only reads and writes. */
#include "base/err.h"
#include "store/sqlite_int.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define ACCOUNT_COLS                                                                               \
    "a.id, a.name, a.role, a.org_slug AS org, a.email, a.disabled, a.created, a.changed"

int ar_store_acct_add(struct ar_store *s, const char *name, const char *role, const char *org,
                      const char *pw_hash, const char *now, long long *id)
{
    struct ar_sql_stmt *st;
    int rc =
        ar_store_sql_prep(s, "accounts",
                          "INSERT INTO accounts(name, role, org_slug, pw_hash, created, changed)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING id",
                          &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, name);
    ar_sql_bind_text(st, 2, role);
    ar_sql_bind_text(st, 3, org);
    ar_sql_bind_text(st, 4, pw_hash);
    ar_sql_bind_text(st, 5, now);
    return ar_store_sql_insert(s, "accounts", st, id);
}

int ar_store_acct_get(struct ar_store *s, const char *name, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "accounts", "SELECT " ACCOUNT_COLS ", a.pw_hash FROM accounts a WHERE a.name = ?1", &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, name);
    return ar_store_sql_one(s, st, ar_store_sql_row, out);
}

int ar_store_acct_list(struct ar_store *s, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "accounts",
        "SELECT " ACCOUNT_COLS ", a.pw_hash IS NOT NULL AS has_password,"
        " (SELECT count(*) FROM api_tokens t WHERE t.account_id = a.id AND t.revoked"
        " IS NULL) AS tokens FROM accounts a ORDER BY a.name",
        &st);
    return rc ? rc : ar_store_sql_all(s, st, ar_store_sql_row, out);
}

int ar_store_acct_update(struct ar_store *s, const char *name, const char *pw_hash, int disabled,
                         const char *now)
{
    struct ar_sql_stmt *st;
    int rc =
        ar_store_sql_prep(s, "accounts",
                          "UPDATE accounts SET pw_hash = coalesce(?2, pw_hash),"
                          " disabled = CASE WHEN ?3 < 0 THEN disabled ELSE ?3 END, changed = ?4"
                          " WHERE name = ?1",
                          &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, name);
    ar_sql_bind_text(st, 2, pw_hash);
    ar_sql_bind_int64(st, 3, disabled);
    ar_sql_bind_text(st, 4, now);
    int n;
    rc = ar_store_sql_write(s, "accounts", st, &n);
    return rc ? rc : n ? 0 : AR_ENOTFOUND;
}

int ar_store_acct_count(struct ar_store *s, long long *n)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "accounts", "SELECT count(*) FROM accounts", &st);
    if (rc)
        return rc;
    rc = ar_sql_step(st) == AR_SQL_ROW ? 0 : AR_EIO;
    *n = rc ? 0 : ar_sql_column_int64(st, 0);
    ar_sql_finalize(st);
    return rc;
}

int ar_store_token_add(struct ar_store *s, long long account, const char *hash, const char *label,
                       const char *now, long long *id)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "accounts",
        "INSERT INTO api_tokens(account_id, hash, label, created) VALUES (?1, ?2, ?3, ?4)"
        " RETURNING id",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, account);
    ar_sql_bind_text(st, 2, hash);
    ar_sql_bind_text(st, 3, label);
    ar_sql_bind_text(st, 4, now);
    return ar_store_sql_insert(s, "accounts", st, id);
}

int ar_store_token_find(struct ar_store *s, const char *hash, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "accounts",
        "SELECT " ACCOUNT_COLS ", t.id AS token_id, t.last_used FROM api_tokens t"
        " JOIN accounts a ON a.id = t.account_id WHERE t.hash = ?1 AND t.revoked IS NULL",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, hash);
    return ar_store_sql_one(s, st, ar_store_sql_row, out);
}

int ar_store_token_touch(struct ar_store *s, long long token, const char *now)
{
    struct ar_sql_stmt *st;
    int rc =
        ar_store_sql_prep(s, "accounts", "UPDATE api_tokens SET last_used = ?2 WHERE id = ?1", &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, token);
    ar_sql_bind_text(st, 2, now);
    return ar_store_sql_write(s, "accounts", st, NULL);
}

int ar_store_token_list(struct ar_store *s, long long account, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "accounts",
                               "SELECT id, label, created, last_used, revoked FROM api_tokens"
                               " WHERE account_id = ?1 ORDER BY id",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, account);
    return ar_store_sql_all(s, st, ar_store_sql_row, out);
}

int ar_store_token_revoke(struct ar_store *s, long long account, long long token, const char *now)
{
    struct ar_sql_stmt *st;
    int rc =
        ar_store_sql_prep(s, "accounts",
                          "UPDATE api_tokens SET revoked = ?3 WHERE id = ?2 AND account_id = ?1"
                          " AND revoked IS NULL",
                          &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, account);
    ar_sql_bind_int64(st, 2, token);
    ar_sql_bind_text(st, 3, now);
    int n;
    rc = ar_store_sql_write(s, "accounts", st, &n);
    return rc ? rc : n ? 0 : AR_ENOTFOUND;
}

int ar_store_sess_add(struct ar_store *s, const char *hash, long long account, const char *csrf,
                      const char *now, long long seen, long long expires)
{
    struct ar_sql_stmt *st;
    int rc =
        ar_store_sql_prep(s, "accounts",
                          "INSERT INTO sessions(hash, account_id, csrf, created, seen, expires)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                          &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, hash);
    ar_sql_bind_int64(st, 2, account);
    ar_sql_bind_text(st, 3, csrf);
    ar_sql_bind_text(st, 4, now);
    ar_sql_bind_int64(st, 5, seen);
    ar_sql_bind_int64(st, 6, expires);
    return ar_store_sql_write(s, "accounts", st, NULL);
}

int ar_store_sess_get(struct ar_store *s, const char *hash, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "accounts",
                               "SELECT " ACCOUNT_COLS ", x.csrf, x.seen, x.expires FROM sessions x"
                               " JOIN accounts a ON a.id = x.account_id WHERE x.hash = ?1",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, hash);
    return ar_store_sql_one(s, st, ar_store_sql_row, out);
}

int ar_store_sess_touch(struct ar_store *s, const char *hash, long long seen)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "accounts", "UPDATE sessions SET seen = ?2 WHERE hash = ?1", &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, hash);
    ar_sql_bind_int64(st, 2, seen);
    return ar_store_sql_write(s, "accounts", st, NULL);
}

int ar_store_sess_end(struct ar_store *s, const char *hash, long long account, long long before)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "accounts", "DELETE FROM sessions WHERE hash = ?1 OR account_id = ?2 OR expires <= ?3",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, hash);
    ar_sql_bind_int64(st, 2, account);
    ar_sql_bind_int64(st, 3, before);
    return ar_store_sql_write(s, "accounts", st, NULL);
}

int ar_store_fail_get(struct ar_store *s, const char *key, long long v[3])
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "accounts", "SELECT failures, since, locked_until FROM login_failures WHERE key = ?1",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, key);
    v[0] = v[1] = v[2] = 0;
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW)
        for (int i = 0; i < 3; i++)
            v[i] = ar_sql_column_int64(st, i);
    else if (r != AR_SQL_DONE)
        rc = AR_EIO;
    ar_sql_finalize(st);
    return rc;
}

int ar_store_fail_put(struct ar_store *s, const char *key, const long long v[3])
{
    struct ar_sql_stmt *st;
    int rc =
        ar_store_sql_prep(s, "accounts",
                          v[0] ? "INSERT INTO login_failures(key, failures, since, locked_until)"
                                 " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO UPDATE SET"
                                 " failures = excluded.failures, since = excluded.since,"
                                 " locked_until = excluded.locked_until"
                               : "DELETE FROM login_failures WHERE key = ?1",
                          &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, key);
    for (int i = 0; v[0] && i < 3; i++)
        ar_sql_bind_int64(st, i + 2, v[i]);
    return ar_store_sql_write(s, "accounts", st, NULL);
}

int ar_store_audit_add(struct ar_store *s, const struct ar_audit *a)
{
    struct ar_sql_stmt *st;
    int rc =
        ar_store_sql_prep(s, "accounts",
                          "INSERT INTO audit(at, actor, role, action, target, outcome, address)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                          &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, a->at);
    ar_sql_bind_text(st, 2, a->actor);
    ar_sql_bind_text(st, 3, a->role);
    ar_sql_bind_text(st, 4, a->action);
    ar_sql_bind_text(st, 5, a->target);
    ar_sql_bind_int64(st, 6, a->outcome);
    ar_sql_bind_text(st, 7, a->address);
    return ar_store_sql_write(s, "accounts", st, NULL);
}

int ar_store_audit_list(struct ar_store *s, const char *actor, long long before, int limit,
                        json_t **out)
{
    struct ar_sql_stmt *st;
    int rc =
        ar_store_sql_prep(s, "accounts",
                          "SELECT id, at, actor, role, action, target, outcome, address FROM audit"
                          " WHERE (CAST(?1 AS TEXT) IS NULL OR actor = ?1) AND (?2 <= 0 OR id < ?2)"
                          " ORDER BY id DESC LIMIT ?3",
                          &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, actor);
    ar_sql_bind_int64(st, 2, before);
    ar_sql_bind_int64(st, 3, limit);
    return ar_store_sql_all(s, st, ar_store_sql_row, out);
}

int ar_store_acct_set_role(struct ar_store *s, const char *name, const char *role, const char *org,
                           const char *now)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "accounts",
                               "UPDATE accounts SET role = ?2, org_slug = ?3, changed = ?4"
                               " WHERE name = ?1",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, name);
    ar_sql_bind_text(st, 2, role);
    ar_sql_bind_text(st, 3, org && *org ? org : NULL);
    ar_sql_bind_text(st, 4, now);
    int n;
    rc = ar_store_sql_write(s, "accounts", st, &n);
    return rc ? rc : n ? 0 : AR_ENOTFOUND;
}

/* ---- single sign-on ---------------------------------------------------------------------- */

int ar_store_oidc_pending_add(struct ar_store *s, const char *state, const char *provider,
                              const char *nonce, const char *verifier, const char *return_to,
                              long long created)
{
    struct ar_sql_stmt *st;
    /* sign-ins nobody finished go as new ones begin: the table stays small */
    int rc = ar_store_sql_prep(s, "sso", "DELETE FROM oidc_pending WHERE created < ?1", &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, created - 600);
    if ((rc = ar_store_sql_write(s, "sso", st, NULL)))
        return rc;
    rc = ar_store_sql_prep(s, "sso",
                           "INSERT INTO oidc_pending(state, provider, nonce, verifier, return_to,"
                           " created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, state);
    ar_sql_bind_text(st, 2, provider);
    ar_sql_bind_text(st, 3, nonce);
    ar_sql_bind_text(st, 4, verifier);
    ar_sql_bind_text(st, 5, return_to);
    ar_sql_bind_int64(st, 6, created);
    return ar_store_sql_write(s, "sso", st, NULL);
}

int ar_store_oidc_pending_take(struct ar_store *s, const char *state, long long expired_before,
                               json_t **out)
{
    struct ar_sql_stmt *st;
    *out = NULL;
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    if ((rc = ar_store_sql_prep(s, "sso",
                                "SELECT provider, nonce, verifier, return_to, created FROM"
                                " oidc_pending WHERE state = ?1",
                                &st)))
        goto out;
    ar_sql_bind_text(st, 1, state);
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW)
        *out =
            json_pack("{s:s, s:s, s:s, s:s?, s:I}", "provider", ar_sql_column_text(st, 0), "nonce",
                      ar_sql_column_text(st, 1), "verifier", ar_sql_column_text(st, 2), "return_to",
                      ar_sql_column_text(st, 3), "created", (json_int_t)ar_sql_column_int64(st, 4));
    else
        rc = r == AR_SQL_DONE ? AR_ENOTFOUND : AR_EIO;
    ar_sql_finalize(st);
    if ((rc == 0 || rc == AR_ENOTFOUND) &&
        !ar_store_sql_prep(s, "sso", "DELETE FROM oidc_pending WHERE state = ?1 OR created < ?2",
                           &st)) {
        ar_sql_bind_text(st, 1, state);
        ar_sql_bind_int64(st, 2, expired_before);
        int d = ar_store_sql_write(s, "sso", st, NULL);
        if (d)
            rc = d;
    }
out:
    if (rc == 0 || rc == AR_ENOTFOUND) {
        int c = ar_store_commit(s);
        if (c)
            rc = c;
    } else {
        ar_store_rollback(s);
    }
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

int ar_store_oidc_link_get(struct ar_store *s, const char *provider, const char *sub, char name[65])
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "sso",
                               "SELECT a.name FROM oidc_links l JOIN accounts a ON a.id ="
                               " l.account_id WHERE l.provider = ?1 AND l.sub = ?2",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, provider);
    ar_sql_bind_text(st, 2, sub);
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW)
        snprintf(name, 65, "%s", ar_sql_column_text(st, 0));
    ar_sql_finalize(st);
    return r == AR_SQL_ROW ? 0 : r == AR_SQL_DONE ? AR_ENOTFOUND : AR_EIO;
}

int ar_store_oidc_link_add(struct ar_store *s, const char *provider, const char *sub,
                           long long account)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "sso", "INSERT INTO oidc_links(provider, sub, account_id) VALUES (?1, ?2, ?3)", &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, provider);
    ar_sql_bind_text(st, 2, sub);
    ar_sql_bind_int64(st, 3, account);
    return ar_store_sql_write(s, "sso", st, NULL);
}

int ar_store_oidc_sess_add(struct ar_store *s, const char *session, const char *provider,
                           const char *sub, const char *sid)
{
    struct ar_sql_stmt *st;
    /* rows of sessions that ended (logout, expiry) go as new ones come */
    int rc = ar_store_sql_prep(
        s, "sso", "DELETE FROM oidc_sessions WHERE session NOT IN (SELECT hash FROM sessions)",
        &st);
    if (rc || (rc = ar_store_sql_write(s, "sso", st, NULL)))
        return rc;
    rc = ar_store_sql_prep(s, "sso",
                           "INSERT INTO oidc_sessions(session, provider, sub, sid) VALUES"
                           " (?1, ?2, ?3, ?4)",
                           &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, session);
    ar_sql_bind_text(st, 2, provider);
    ar_sql_bind_text(st, 3, sub);
    ar_sql_bind_text(st, 4, sid);
    return ar_store_sql_write(s, "sso", st, NULL);
}

int ar_store_oidc_sess_provider(struct ar_store *s, const char *session, char provider[33])
{
    struct ar_sql_stmt *st;
    int rc =
        ar_store_sql_prep(s, "sso", "SELECT provider FROM oidc_sessions WHERE session = ?1", &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, session);
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW)
        snprintf(provider, 33, "%s", ar_sql_column_text(st, 0));
    ar_sql_finalize(st);
    return r == AR_SQL_ROW ? 0 : r == AR_SQL_DONE ? AR_ENOTFOUND : AR_EIO;
}

int ar_store_oidc_sess_end(struct ar_store *s, const char *provider, const char *sub,
                           const char *sid, int *n)
{
    static const char *const sql[] = {
        "DELETE FROM sessions WHERE hash IN (SELECT session FROM oidc_sessions WHERE"
        " provider = ?1 AND (CAST(?2 AS TEXT) IS NULL OR sub = ?2) AND (CAST(?3 AS TEXT) IS NULL "
        "OR sid = ?3))",
        "DELETE FROM oidc_sessions WHERE provider = ?1 AND (CAST(?2 AS TEXT) IS NULL OR sub = ?2) "
        "AND"
        " (CAST(?3 AS TEXT) IS NULL OR sid = ?3)"};
    *n = 0;
    if (!sub && !sid)
        return AR_EINVAL;
    int rc = ar_store_begin(s);
    for (size_t i = 0; !rc && i < 2; i++) {
        struct ar_sql_stmt *st;
        if ((rc = ar_store_sql_prep(s, "sso", sql[i], &st)))
            break;
        ar_sql_bind_text(st, 1, provider);
        ar_sql_bind_text(st, 2, sub);
        ar_sql_bind_text(st, 3, sid);
        rc = ar_store_sql_write(s, "sso", st, i == 0 ? n : NULL);
    }
    if (!rc)
        rc = ar_store_commit(s);
    else
        ar_store_rollback(s);
    return rc;
}
