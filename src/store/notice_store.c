/* notice_store.c — rows of the e-mail outbox and the addresses of accounts
 * (0011_notices.sql). What a message says and who gets it is decided in src/notice.
 * Written once for both databases over sql.h: the first store file of the PostgreSQL
 * backend (issue 6), the pattern for the others. */
#include "base/err.h"
#include "store/sqlite_int.h"
#include "store/store.h"

int ar_store_acct_set_email(struct ar_store *s, const char *name, const char *email,
                            const char *now)
{
    struct ar_sql_stmt *st;
    int n, rc = ar_store_sql_prep(
               s, "accounts", "UPDATE accounts SET email = ?2, changed = ?3 WHERE name = ?1", &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, name);
    ar_sql_bind_text(st, 2, email && *email ? email : NULL);
    ar_sql_bind_text(st, 3, now);
    rc = ar_store_sql_write(s, "accounts", st, &n);
    return rc ? rc : n ? 0 : AR_ENOTFOUND;
}

int ar_store_acct_recipients(struct ar_store *s, const char *role, const char *org,
                             const char *except, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "accounts",
                               "SELECT name, email, role, org_slug AS org FROM accounts"
                               " WHERE email IS NOT NULL AND disabled = 0"
                               " AND (CAST(?1 AS TEXT) IS NULL OR role = ?1)"
                               " AND (CAST(?2 AS TEXT) IS NULL OR org_slug = ?2)"
                               " AND (CAST(?3 AS TEXT) IS NULL OR name <> ?3) ORDER BY name",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, role);
    ar_sql_bind_text(st, 2, org);
    ar_sql_bind_text(st, 3, except);
    return ar_store_sql_all(s, st, ar_store_sql_row, out);
}

int ar_store_outbox_add(struct ar_store *s, const struct ar_outbox_write *m, int *added)
{
    struct ar_sql_stmt *st;
    int n,
        rc = ar_store_sql_prep(s, "outbox",
                               "INSERT INTO outbox(created, kind, account, address, subject, body,"
                               " link, once, next_try) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                               " ON CONFLICT(once) DO NOTHING",
                               &st);
    if (rc)
        return rc;
    const char *v[] = {m->created, m->kind, m->account, m->address,
                       m->subject, m->body, m->link,    m->once};
    for (int i = 0; i < 8; i++)
        ar_sql_bind_text(st, i + 1, v[i]);
    ar_sql_bind_int64(st, 9, m->next_try);
    rc = ar_store_sql_write(s, "outbox", st, &n);
    if (added)
        *added = rc ? 0 : n;
    return rc;
}

int ar_store_outbox_take(struct ar_store *s, long long now, long long until, int limit,
                         json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "outbox",
                               "UPDATE outbox SET next_try = ?2 WHERE id IN (SELECT id FROM outbox"
                               " WHERE sent IS NULL AND failed IS NULL AND next_try <= ?1"
                               " ORDER BY next_try, id LIMIT ?3) RETURNING id, kind, account,"
                               " address, subject, body, link, created, attempts",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, now);
    ar_sql_bind_int64(st, 2, until);
    ar_sql_bind_int64(st, 3, limit);
    return ar_store_sql_all(s, st, ar_store_sql_row, out);
}

int ar_store_outbox_result(struct ar_store *s, long long id, const char *at, const char *error,
                           long long next_try, int give_up)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "outbox",
        error ? "UPDATE outbox SET attempts = attempts + 1, last_error = ?3, next_try = ?4,"
                " failed = CASE WHEN ?5 = 1 THEN ?2 END WHERE id = ?1"
              : "UPDATE outbox SET attempts = attempts + 1, sent = ?2, last_error = NULL"
                " WHERE id = ?1",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, id);
    ar_sql_bind_text(st, 2, at);
    if (error) {
        ar_sql_bind_text(st, 3, error);
        ar_sql_bind_int64(st, 4, next_try);
        ar_sql_bind_int64(st, 5, give_up);
    }
    int n;
    rc = ar_store_sql_write(s, "outbox", st, &n);
    return rc ? rc : n ? 0 : AR_ENOTFOUND;
}

int ar_store_outbox_list(struct ar_store *s, int limit, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "outbox",
                               "SELECT id, created, kind, account, address, subject, attempts,"
                               " next_try, sent, failed, last_error FROM outbox ORDER BY id DESC"
                               " LIMIT ?1",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, limit);
    return ar_store_sql_all(s, st, ar_store_sql_row, out);
}

int ar_store_outbox_purge(struct ar_store *s, const char *before, int *n)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "outbox", "DELETE FROM outbox WHERE coalesce(sent, failed, created) < ?1", &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, before);
    return ar_store_sql_write(s, "outbox", st, n);
}
