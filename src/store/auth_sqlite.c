/* auth_sqlite.c — rows for accounts, API tokens, sessions, failed-login counters and
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
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "accounts",
                            "INSERT INTO accounts(name, role, org_slug, pw_hash, created, changed)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                            &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, name);
    ar_sqlite_bind_text(st, 2, role);
    ar_sqlite_bind_text(st, 3, org);
    ar_sqlite_bind_text(st, 4, pw_hash);
    ar_sqlite_bind_text(st, 5, now);
    rc = ar_sqlite_finish(s, "accounts", st, NULL);
    if (!rc && id)
        *id = sqlite3_last_insert_rowid(ar_sqlite_db(s));
    return rc;
}

int ar_store_acct_get(struct ar_store *s, const char *name, json_t **out)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(
        s, "accounts", "SELECT " ACCOUNT_COLS ", a.pw_hash FROM accounts a WHERE a.name = ?1", &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, name);
    return ar_sqlite_one(st, ar_sqlite_row, out);
}

int ar_store_acct_list(struct ar_store *s, json_t **out)
{
    sqlite3_stmt *st;
    int rc =
        ar_sqlite_prep(s, "accounts",
                       "SELECT " ACCOUNT_COLS ", a.pw_hash IS NOT NULL AS has_password,"
                       " (SELECT count(*) FROM api_tokens t WHERE t.account_id = a.id AND t.revoked"
                       " IS NULL) AS tokens FROM accounts a ORDER BY a.name",
                       &st);
    return rc ? rc : ar_sqlite_all(st, ar_sqlite_row, out);
}

int ar_store_acct_update(struct ar_store *s, const char *name, const char *pw_hash, int disabled,
                         const char *now)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "accounts",
                            "UPDATE accounts SET pw_hash = coalesce(?2, pw_hash),"
                            " disabled = CASE WHEN ?3 < 0 THEN disabled ELSE ?3 END, changed = ?4"
                            " WHERE name = ?1",
                            &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, name);
    ar_sqlite_bind_text(st, 2, pw_hash);
    sqlite3_bind_int(st, 3, disabled);
    ar_sqlite_bind_text(st, 4, now);
    int n;
    rc = ar_sqlite_finish(s, "accounts", st, &n);
    return rc ? rc : n ? 0 : AR_ENOTFOUND;
}

int ar_store_acct_count(struct ar_store *s, long long *n)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "accounts", "SELECT count(*) FROM accounts", &st);
    if (rc)
        return rc;
    rc = sqlite3_step(st) == SQLITE_ROW ? 0 : AR_EIO;
    *n = rc ? 0 : sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc;
}

int ar_store_token_add(struct ar_store *s, long long account, const char *hash, const char *label,
                       const char *now, long long *id)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(
        s, "accounts",
        "INSERT INTO api_tokens(account_id, hash, label, created) VALUES (?1, ?2, ?3, ?4)", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, account);
    ar_sqlite_bind_text(st, 2, hash);
    ar_sqlite_bind_text(st, 3, label);
    ar_sqlite_bind_text(st, 4, now);
    rc = ar_sqlite_finish(s, "accounts", st, NULL);
    if (!rc && id)
        *id = sqlite3_last_insert_rowid(ar_sqlite_db(s));
    return rc;
}

int ar_store_token_find(struct ar_store *s, const char *hash, json_t **out)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(
        s, "accounts",
        "SELECT " ACCOUNT_COLS ", t.id AS token_id, t.last_used FROM api_tokens t"
        " JOIN accounts a ON a.id = t.account_id WHERE t.hash = ?1 AND t.revoked IS NULL",
        &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, hash);
    return ar_sqlite_one(st, ar_sqlite_row, out);
}

int ar_store_token_touch(struct ar_store *s, long long token, const char *now)
{
    sqlite3_stmt *st;
    int rc =
        ar_sqlite_prep(s, "accounts", "UPDATE api_tokens SET last_used = ?2 WHERE id = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, token);
    ar_sqlite_bind_text(st, 2, now);
    return ar_sqlite_finish(s, "accounts", st, NULL);
}

int ar_store_token_list(struct ar_store *s, long long account, json_t **out)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "accounts",
                            "SELECT id, label, created, last_used, revoked FROM api_tokens"
                            " WHERE account_id = ?1 ORDER BY id",
                            &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, account);
    return ar_sqlite_all(st, ar_sqlite_row, out);
}

int ar_store_token_revoke(struct ar_store *s, long long account, long long token, const char *now)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "accounts",
                            "UPDATE api_tokens SET revoked = ?3 WHERE id = ?2 AND account_id = ?1"
                            " AND revoked IS NULL",
                            &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, account);
    sqlite3_bind_int64(st, 2, token);
    ar_sqlite_bind_text(st, 3, now);
    int n;
    rc = ar_sqlite_finish(s, "accounts", st, &n);
    return rc ? rc : n ? 0 : AR_ENOTFOUND;
}

int ar_store_sess_add(struct ar_store *s, const char *hash, long long account, const char *csrf,
                      const char *now, long long seen, long long expires)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "accounts",
                            "INSERT INTO sessions(hash, account_id, csrf, created, seen, expires)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                            &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, hash);
    sqlite3_bind_int64(st, 2, account);
    ar_sqlite_bind_text(st, 3, csrf);
    ar_sqlite_bind_text(st, 4, now);
    sqlite3_bind_int64(st, 5, seen);
    sqlite3_bind_int64(st, 6, expires);
    return ar_sqlite_finish(s, "accounts", st, NULL);
}

int ar_store_sess_get(struct ar_store *s, const char *hash, json_t **out)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "accounts",
                            "SELECT " ACCOUNT_COLS ", x.csrf, x.seen, x.expires FROM sessions x"
                            " JOIN accounts a ON a.id = x.account_id WHERE x.hash = ?1",
                            &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, hash);
    return ar_sqlite_one(st, ar_sqlite_row, out);
}

int ar_store_sess_touch(struct ar_store *s, const char *hash, long long seen)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "accounts", "UPDATE sessions SET seen = ?2 WHERE hash = ?1", &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, hash);
    sqlite3_bind_int64(st, 2, seen);
    return ar_sqlite_finish(s, "accounts", st, NULL);
}

int ar_store_sess_end(struct ar_store *s, const char *hash, long long account, long long before)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(
        s, "accounts", "DELETE FROM sessions WHERE hash = ?1 OR account_id = ?2 OR expires <= ?3",
        &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, hash);
    sqlite3_bind_int64(st, 2, account);
    sqlite3_bind_int64(st, 3, before);
    return ar_sqlite_finish(s, "accounts", st, NULL);
}

int ar_store_fail_get(struct ar_store *s, const char *key, long long v[3])
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(
        s, "accounts", "SELECT failures, since, locked_until FROM login_failures WHERE key = ?1",
        &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, key);
    v[0] = v[1] = v[2] = 0;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        for (int i = 0; i < 3; i++)
            v[i] = sqlite3_column_int64(st, i);
    else if (r != SQLITE_DONE)
        rc = AR_EIO;
    sqlite3_finalize(st);
    return rc;
}

int ar_store_fail_put(struct ar_store *s, const char *key, const long long v[3])
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(
        s, "accounts",
        v[0] ? "INSERT OR REPLACE INTO login_failures(key, failures, since, locked_until)"
               " VALUES (?1, ?2, ?3, ?4)"
             : "DELETE FROM login_failures WHERE key = ?1",
        &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, key);
    for (int i = 0; v[0] && i < 3; i++)
        sqlite3_bind_int64(st, i + 2, v[i]);
    return ar_sqlite_finish(s, "accounts", st, NULL);
}

int ar_store_audit_add(struct ar_store *s, const struct ar_audit *a)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "accounts",
                            "INSERT INTO audit(at, actor, role, action, target, outcome, address)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                            &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, a->at);
    ar_sqlite_bind_text(st, 2, a->actor);
    ar_sqlite_bind_text(st, 3, a->role);
    ar_sqlite_bind_text(st, 4, a->action);
    ar_sqlite_bind_text(st, 5, a->target);
    sqlite3_bind_int(st, 6, a->outcome);
    ar_sqlite_bind_text(st, 7, a->address);
    return ar_sqlite_finish(s, "accounts", st, NULL);
}

int ar_store_audit_list(struct ar_store *s, const char *actor, long long before, int limit,
                        json_t **out)
{
    sqlite3_stmt *st;
    int rc =
        ar_sqlite_prep(s, "accounts",
                       "SELECT id, at, actor, role, action, target, outcome, address FROM audit"
                       " WHERE (?1 IS NULL OR actor = ?1) AND (?2 <= 0 OR id < ?2)"
                       " ORDER BY id DESC LIMIT ?3",
                       &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, actor);
    sqlite3_bind_int64(st, 2, before);
    sqlite3_bind_int(st, 3, limit);
    return ar_sqlite_all(st, ar_sqlite_row, out);
}

int ar_store_acct_set_role(struct ar_store *s, const char *name, const char *role, const char *org,
                           const char *now)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "accounts",
                            "UPDATE accounts SET role = ?2, org_slug = ?3, changed = ?4"
                            " WHERE name = ?1",
                            &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, name);
    ar_sqlite_bind_text(st, 2, role);
    ar_sqlite_bind_text(st, 3, org && *org ? org : NULL);
    ar_sqlite_bind_text(st, 4, now);
    int n;
    rc = ar_sqlite_finish(s, "accounts", st, &n);
    return rc ? rc : n ? 0 : AR_ENOTFOUND;
}

/* ---- single sign-on ---------------------------------------------------------------------- */

int ar_store_oidc_pending_add(struct ar_store *s, const char *state, const char *provider,
                              const char *nonce, const char *verifier, const char *return_to,
                              long long created)
{
    sqlite3_stmt *st;
    /* sign-ins nobody finished go as new ones begin: the table stays small */
    int rc = ar_sqlite_prep(s, "sso", "DELETE FROM oidc_pending WHERE created < ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, created - 600);
    if ((rc = ar_sqlite_finish(s, "sso", st, NULL)))
        return rc;
    rc = ar_sqlite_prep(s, "sso",
                        "INSERT INTO oidc_pending(state, provider, nonce, verifier, return_to,"
                        " created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, state);
    ar_sqlite_bind_text(st, 2, provider);
    ar_sqlite_bind_text(st, 3, nonce);
    ar_sqlite_bind_text(st, 4, verifier);
    ar_sqlite_bind_text(st, 5, return_to);
    sqlite3_bind_int64(st, 6, created);
    return ar_sqlite_finish(s, "sso", st, NULL);
}

int ar_store_oidc_pending_take(struct ar_store *s, const char *state, long long expired_before,
                               json_t **out)
{
    sqlite3_stmt *st;
    *out = NULL;
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    if ((rc = ar_sqlite_prep(s, "sso",
                             "SELECT provider, nonce, verifier, return_to, created FROM"
                             " oidc_pending WHERE state = ?1",
                             &st)))
        goto out;
    ar_sqlite_bind_text(st, 1, state);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *out = json_pack("{s:s, s:s, s:s, s:s?, s:I}", "provider", sqlite3_column_text(st, 0),
                         "nonce", sqlite3_column_text(st, 1), "verifier",
                         sqlite3_column_text(st, 2), "return_to", sqlite3_column_text(st, 3),
                         "created", (json_int_t)sqlite3_column_int64(st, 4));
    else
        rc = r == SQLITE_DONE ? AR_ENOTFOUND : AR_EIO;
    sqlite3_finalize(st);
    if ((rc == 0 || rc == AR_ENOTFOUND) &&
        !ar_sqlite_prep(s, "sso", "DELETE FROM oidc_pending WHERE state = ?1 OR created < ?2",
                        &st)) {
        ar_sqlite_bind_text(st, 1, state);
        sqlite3_bind_int64(st, 2, expired_before);
        int d = ar_sqlite_finish(s, "sso", st, NULL);
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
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "sso",
                            "SELECT a.name FROM oidc_links l JOIN accounts a ON a.id ="
                            " l.account_id WHERE l.provider = ?1 AND l.sub = ?2",
                            &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, provider);
    ar_sqlite_bind_text(st, 2, sub);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        snprintf(name, 65, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? AR_ENOTFOUND : AR_EIO;
}

int ar_store_oidc_link_add(struct ar_store *s, const char *provider, const char *sub,
                           long long account)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(
        s, "sso", "INSERT INTO oidc_links(provider, sub, account_id) VALUES (?1, ?2, ?3)", &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, provider);
    ar_sqlite_bind_text(st, 2, sub);
    sqlite3_bind_int64(st, 3, account);
    return ar_sqlite_finish(s, "sso", st, NULL);
}

int ar_store_oidc_sess_add(struct ar_store *s, const char *session, const char *provider,
                           const char *sub, const char *sid)
{
    sqlite3_stmt *st;
    /* rows of sessions that ended (logout, expiry) go as new ones come */
    int rc = ar_sqlite_prep(
        s, "sso", "DELETE FROM oidc_sessions WHERE session NOT IN (SELECT hash FROM sessions)",
        &st);
    if (rc || (rc = ar_sqlite_finish(s, "sso", st, NULL)))
        return rc;
    rc = ar_sqlite_prep(s, "sso",
                        "INSERT INTO oidc_sessions(session, provider, sub, sid) VALUES"
                        " (?1, ?2, ?3, ?4)",
                        &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, session);
    ar_sqlite_bind_text(st, 2, provider);
    ar_sqlite_bind_text(st, 3, sub);
    ar_sqlite_bind_text(st, 4, sid);
    return ar_sqlite_finish(s, "sso", st, NULL);
}

int ar_store_oidc_sess_provider(struct ar_store *s, const char *session, char provider[33])
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "sso", "SELECT provider FROM oidc_sessions WHERE session = ?1", &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, session);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        snprintf(provider, 33, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? AR_ENOTFOUND : AR_EIO;
}

int ar_store_oidc_sess_end(struct ar_store *s, const char *provider, const char *sub,
                           const char *sid, int *n)
{
    static const char *const sql[] = {
        "DELETE FROM sessions WHERE hash IN (SELECT session FROM oidc_sessions WHERE"
        " provider = ?1 AND (?2 IS NULL OR sub = ?2) AND (?3 IS NULL OR sid = ?3))",
        "DELETE FROM oidc_sessions WHERE provider = ?1 AND (?2 IS NULL OR sub = ?2) AND"
        " (?3 IS NULL OR sid = ?3)"};
    *n = 0;
    if (!sub && !sid)
        return AR_EINVAL;
    int rc = ar_store_begin(s);
    for (size_t i = 0; !rc && i < 2; i++) {
        sqlite3_stmt *st;
        if ((rc = ar_sqlite_prep(s, "sso", sql[i], &st)))
            break;
        ar_sqlite_bind_text(st, 1, provider);
        ar_sqlite_bind_text(st, 2, sub);
        ar_sqlite_bind_text(st, 3, sid);
        rc = ar_sqlite_finish(s, "sso", st, i == 0 ? n : NULL);
    }
    if (!rc)
        rc = ar_store_commit(s);
    else
        ar_store_rollback(s);
    return rc;
}
