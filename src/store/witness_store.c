/* witness_store.c — rows for witnesses (0005_witness.sql): on the register's side the
 * witnesses and their cosignatures, on a witness's side its state per log. */
#include "base/buf.h"
#include "base/err.h"
#include "store/sqlite_int.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

int ar_store_wit_peer_sync(struct ar_store *s, const char *name, const char *vkey, const char *url)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "witness",
        "INSERT INTO witnesses(name, vkey, url) VALUES (?1, ?2, ?3) ON CONFLICT(name)"
        " DO UPDATE SET url = excluded.url, vkey = excluded.vkey,"
        " size = CASE WHEN witnesses.vkey = excluded.vkey THEN witnesses.size ELSE 0"
        " END",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, name);
    ar_sql_bind_text(st, 2, vkey);
    ar_sql_bind_text(st, 3, url);
    return ar_store_sql_write(s, "witness", st, NULL);
}

int ar_store_wit_peer_get(struct ar_store *s, const char *name, const char *vkey, const char *url,
                          uint64_t *size)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "witness", "SELECT size FROM witnesses WHERE name = ?1 AND vkey = ?2 AND url = ?3", &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, name);
    ar_sql_bind_text(st, 2, vkey);
    ar_sql_bind_text(st, 3, url);
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW)
        *size = (uint64_t)ar_sql_column_int64(st, 0);
    else
        rc = r == AR_SQL_DONE ? AR_ENOTFOUND : AR_EIO;
    ar_sql_finalize(st);
    return rc;
}

int ar_store_wit_peer_result(struct ar_store *s, const char *name, uint64_t size,
                             const char *attempt, const char *error)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "witness",
        "UPDATE witnesses SET size = ?2, last_attempt = ?3, last_error = ?4,"
        " last_ok = CASE WHEN CAST(?4 AS TEXT) IS NULL THEN ?3 ELSE last_ok END WHERE name = ?1",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, name);
    ar_sql_bind_int64(st, 2, (long long)size);
    ar_sql_bind_text(st, 3, attempt);
    ar_sql_bind_text(st, 4, error);
    return ar_store_sql_write(s, "witness", st, NULL);
}

int ar_store_wit_peers(struct ar_store *s, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "witness",
        "SELECT name, url, vkey, size, last_ok, last_attempt, last_error FROM witnesses"
        " ORDER BY name",
        &st);
    if (rc)
        return rc;
    json_t *arr = json_array();
    while (ar_sql_step(st) == AR_SQL_ROW) {
        json_t *o = json_object();
        static const char *const cols[] = {"name",    "url",          "vkey",      "size",
                                           "last_ok", "last_attempt", "last_error"};
        for (int c = 0; c < 7; c++)
            json_object_set_new(o, cols[c],
                                c == 3 ? json_integer(ar_sql_column_int64(st, c))
                                : ar_sql_column_type(st, c) == AR_SQL_NULL
                                    ? json_null()
                                    : json_string(ar_sql_column_text(st, c)));
        json_array_append_new(arr, o);
    }
    ar_sql_finalize(st);
    *out = arr;
    return 0;
}

int ar_store_cosig_put(struct ar_store *s, uint64_t size, const char *witness, uint64_t ts,
                       const char *line)
{
    struct ar_sql_stmt *st;
    ar_sqlite_mark_dirty(s); /* entry pages say who witnessed them */
    int rc = ar_store_sql_prep(
        s, "witness",
        "INSERT INTO cosignatures(size, witness, ts, line) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT DO NOTHING",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, (long long)size);
    ar_sql_bind_text(st, 2, witness);
    ar_sql_bind_int64(st, 3, (long long)ts);
    ar_sql_bind_text(st, 4, line);
    return ar_store_sql_write(s, "witness", st, NULL);
}

int ar_store_cosigs(struct ar_store *s, uint64_t size, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "witness",
        "SELECT witness, ts, line, size FROM cosignatures WHERE size = ?1 ORDER BY"
        " witness",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, (long long)size);
    json_t *arr = json_array();
    while (ar_sql_step(st) == AR_SQL_ROW)
        json_array_append_new(arr, json_pack("{s:s, s:I, s:s, s:I}", "witness",
                                             ar_sql_column_text(st, 0), "time",
                                             (json_int_t)ar_sql_column_int64(st, 1), "line",
                                             ar_sql_column_text(st, 2), "size",
                                             (json_int_t)ar_sql_column_int64(st, 3)));
    ar_sql_finalize(st);
    *out = arr;
    return 0;
}

int ar_store_cosigs_covering(struct ar_store *s, uint64_t index, json_t **out)
{
    /* Per witness, its earliest cosignature of a tree that contains leaf index. */
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "witness",
        "SELECT witness, ts, size FROM (SELECT witness, ts, size, row_number() OVER"
        " (PARTITION BY witness ORDER BY ts, size) AS n FROM cosignatures"
        " WHERE size > ?1) AS f WHERE n = 1 ORDER BY ts, witness",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, (long long)index);
    json_t *arr = json_array();
    while (ar_sql_step(st) == AR_SQL_ROW)
        json_array_append_new(arr,
                              json_pack("{s:s, s:I, s:I}", "witness", ar_sql_column_text(st, 0),
                                        "time", (json_int_t)ar_sql_column_int64(st, 1), "size",
                                        (json_int_t)ar_sql_column_int64(st, 2)));
    ar_sql_finalize(st);
    *out = arr;
    return 0;
}

int ar_store_cosig_quorum_size(struct ar_store *s, uint64_t index, int quorum, uint64_t *size)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "witness",
        "SELECT size FROM cosignatures WHERE size > ?1 GROUP BY size HAVING COUNT(*) >="
        " ?2 ORDER BY size LIMIT 1",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, (long long)index);
    ar_sql_bind_int64(st, 2, quorum);
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW)
        *size = (uint64_t)ar_sql_column_int64(st, 0);
    else
        rc = r == AR_SQL_DONE ? AR_ENOTFOUND : AR_EIO;
    ar_sql_finalize(st);
    return rc;
}

int ar_store_checkpoint_at(struct ar_store *s, uint64_t size, char **note)
{
    struct ar_sql_stmt *st;
    int rc =
        ar_store_sql_prep(s, "witness", "SELECT note FROM log_checkpoints WHERE size = ?1", &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, (long long)size);
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW)
        *note = ar_xstrdup(ar_sql_column_text(st, 0));
    else
        rc = r == AR_SQL_DONE ? AR_ENOTFOUND : AR_EIO;
    ar_sql_finalize(st);
    return rc;
}

/* ---- a witness's own state ------------------------------------------------------------- */

int ar_store_wstate_get(struct ar_store *s, const char *origin, uint64_t *size, uint8_t root[32])
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "witness",
                               "SELECT size, root FROM witness_state WHERE origin = ?1", &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, origin);
    int r = ar_sql_step(st);
    size_t len = 0;
    const void *h = r == AR_SQL_ROW ? ar_sql_column_blob(st, 1, &len) : NULL;
    if (h && len == 32) {
        *size = (uint64_t)ar_sql_column_int64(st, 0);
        memcpy(root, h, 32);
    } else {
        rc = r == AR_SQL_DONE ? AR_ENOTFOUND : AR_EIO;
    }
    ar_sql_finalize(st);
    return rc;
}

int ar_store_wstate_history(struct ar_store *s, const char *origin, uint64_t size, uint8_t root[32])
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "witness", "SELECT root FROM witness_history WHERE origin = ?1 AND size = ?2", &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, origin);
    ar_sql_bind_int64(st, 2, (long long)size);
    int r = ar_sql_step(st);
    size_t len = 0;
    const void *h = r == AR_SQL_ROW ? ar_sql_column_blob(st, 0, &len) : NULL;
    if (h && len == 32)
        memcpy(root, h, 32);
    else
        rc = r == AR_SQL_DONE ? AR_ENOTFOUND : AR_EIO;
    ar_sql_finalize(st);
    return rc;
}

int ar_store_wstate_put(struct ar_store *s, const char *origin, uint64_t size,
                        const uint8_t root[32], const char *note, const char *now)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "witness",
        "INSERT INTO witness_state(origin, size, root, note, updated) VALUES (?1, ?2,"
        " ?3, ?4, ?5) ON CONFLICT(origin) DO UPDATE SET size = excluded.size, root ="
        " excluded.root, note = excluded.note, updated = excluded.updated",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, origin);
    ar_sql_bind_int64(st, 2, (long long)size);
    ar_sql_bind_blob(st, 3, root, 32);
    ar_sql_bind_text(st, 4, note);
    ar_sql_bind_text(st, 5, now);
    if ((rc = ar_store_sql_write(s, "witness", st, NULL)))
        return rc;
    if ((rc = ar_store_sql_prep(
             s, "witness",
             "INSERT INTO witness_history(origin, size, root, cosigned) VALUES (?1, ?2, ?3,"
             " ?4) ON CONFLICT DO NOTHING",
             &st)))
        return rc;
    ar_sql_bind_text(st, 1, origin);
    ar_sql_bind_int64(st, 2, (long long)size);
    ar_sql_bind_blob(st, 3, root, 32);
    ar_sql_bind_text(st, 4, now);
    return ar_store_sql_write(s, "witness", st, NULL);
}

int ar_store_wstate_refused(struct ar_store *s, const char *origin, const char *now, int status,
                            const char *reason, const char *body, size_t len)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "witness",
        "INSERT INTO witness_refused(origin, received, status, reason, body) VALUES"
        " (?1, ?2, ?3, ?4, ?5)",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, origin);
    ar_sql_bind_text(st, 2, now);
    ar_sql_bind_int64(st, 3, status);
    ar_sql_bind_text(st, 4, reason);
    char *b = strndup(body ? body : "", len); /* the body as it came, up to len bytes */
    ar_sql_bind_text(st, 5, b);
    free(b);
    return ar_store_sql_write(s, "witness", st, NULL);
}
