/* witness_sqlite.c — rows for witnesses (0005_witness.sql): on the register's side the
 * witnesses and their cosignatures, on a witness's side its state per log. */
#include "base/buf.h"
#include "base/err.h"
#include "store/sqlite_int.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

int ar_store_wit_peer_sync(struct ar_store *s, const char *name, const char *vkey, const char *url)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(
        s, "witness",
        "INSERT INTO witnesses(name, vkey, url) VALUES (?1, ?2, ?3) ON CONFLICT(name)"
        " DO UPDATE SET url = excluded.url, vkey = excluded.vkey,"
        " size = CASE WHEN witnesses.vkey = excluded.vkey THEN witnesses.size ELSE 0"
        " END",
        &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, name);
    ar_sqlite_bind_text(st, 2, vkey);
    ar_sqlite_bind_text(st, 3, url);
    return ar_sqlite_finish(s, "witness", st, NULL);
}

int ar_store_wit_peer_get(struct ar_store *s, const char *name, const char *vkey, const char *url,
                          uint64_t *size)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(
        s, "witness", "SELECT size FROM witnesses WHERE name = ?1 AND vkey = ?2 AND url = ?3", &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, name);
    ar_sqlite_bind_text(st, 2, vkey);
    ar_sqlite_bind_text(st, 3, url);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *size = (uint64_t)sqlite3_column_int64(st, 0);
    else
        rc = r == SQLITE_DONE ? AR_ENOTFOUND : AR_EIO;
    sqlite3_finalize(st);
    return rc;
}

int ar_store_wit_peer_result(struct ar_store *s, const char *name, uint64_t size,
                             const char *attempt, const char *error)
{
    sqlite3_stmt *st;
    int rc =
        ar_sqlite_prep(s, "witness",
                       "UPDATE witnesses SET size = ?2, last_attempt = ?3, last_error = ?4,"
                       " last_ok = CASE WHEN ?4 IS NULL THEN ?3 ELSE last_ok END WHERE name = ?1",
                       &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, name);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
    ar_sqlite_bind_text(st, 3, attempt);
    ar_sqlite_bind_text(st, 4, error);
    return ar_sqlite_finish(s, "witness", st, NULL);
}

int ar_store_wit_peers(struct ar_store *s, json_t **out)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(
        s, "witness",
        "SELECT name, url, vkey, size, last_ok, last_attempt, last_error FROM witnesses"
        " ORDER BY name",
        &st);
    if (rc)
        return rc;
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_object();
        static const char *const cols[] = {"name",    "url",          "vkey",      "size",
                                           "last_ok", "last_attempt", "last_error"};
        for (int c = 0; c < 7; c++)
            json_object_set_new(o, cols[c],
                                c == 3 ? json_integer(sqlite3_column_int64(st, c))
                                : sqlite3_column_type(st, c) == SQLITE_NULL
                                    ? json_null()
                                    : json_string((const char *)sqlite3_column_text(st, c)));
        json_array_append_new(arr, o);
    }
    sqlite3_finalize(st);
    *out = arr;
    return 0;
}

int ar_store_cosig_put(struct ar_store *s, uint64_t size, const char *witness, uint64_t ts,
                       const char *line)
{
    sqlite3_stmt *st;
    ar_sqlite_mark_dirty(s); /* entry pages say who witnessed them */
    int rc =
        ar_sqlite_prep(s, "witness",
                       "INSERT INTO cosignatures(size, witness, ts, line) VALUES (?1, ?2, ?3, ?4)"
                       " ON CONFLICT DO NOTHING",
                       &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    ar_sqlite_bind_text(st, 2, witness);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)ts);
    ar_sqlite_bind_text(st, 4, line);
    return ar_sqlite_finish(s, "witness", st, NULL);
}

int ar_store_cosigs(struct ar_store *s, uint64_t size, json_t **out)
{
    sqlite3_stmt *st;
    int rc =
        ar_sqlite_prep(s, "witness",
                       "SELECT witness, ts, line, size FROM cosignatures WHERE size = ?1 ORDER BY"
                       " witness",
                       &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{s:s, s:I, s:s, s:I}", "witness",
                                             (const char *)sqlite3_column_text(st, 0), "time",
                                             (json_int_t)sqlite3_column_int64(st, 1), "line",
                                             (const char *)sqlite3_column_text(st, 2), "size",
                                             (json_int_t)sqlite3_column_int64(st, 3)));
    sqlite3_finalize(st);
    *out = arr;
    return 0;
}

int ar_store_cosigs_covering(struct ar_store *s, uint64_t index, json_t **out)
{
    /* Per witness, its earliest cosignature of a tree that contains leaf index. */
    sqlite3_stmt *st;
    int rc =
        ar_sqlite_prep(s, "witness",
                       "SELECT witness, MIN(ts), size FROM cosignatures WHERE size > ?1 GROUP BY"
                       " witness ORDER BY MIN(ts), witness",
                       &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{s:s, s:I, s:I}", "witness",
                                             (const char *)sqlite3_column_text(st, 0), "time",
                                             (json_int_t)sqlite3_column_int64(st, 1), "size",
                                             (json_int_t)sqlite3_column_int64(st, 2)));
    sqlite3_finalize(st);
    *out = arr;
    return 0;
}

int ar_store_cosig_quorum_size(struct ar_store *s, uint64_t index, int quorum, uint64_t *size)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(
        s, "witness",
        "SELECT size FROM cosignatures WHERE size > ?1 GROUP BY size HAVING COUNT(*) >="
        " ?2 ORDER BY size LIMIT 1",
        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
    sqlite3_bind_int(st, 2, quorum);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *size = (uint64_t)sqlite3_column_int64(st, 0);
    else
        rc = r == SQLITE_DONE ? AR_ENOTFOUND : AR_EIO;
    sqlite3_finalize(st);
    return rc;
}

int ar_store_checkpoint_at(struct ar_store *s, uint64_t size, char **note)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "witness", "SELECT note FROM log_checkpoints WHERE size = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *note = ar_xstrdup((const char *)sqlite3_column_text(st, 0));
    else
        rc = r == SQLITE_DONE ? AR_ENOTFOUND : AR_EIO;
    sqlite3_finalize(st);
    return rc;
}

/* ---- a witness's own state ------------------------------------------------------------- */

int ar_store_wstate_get(struct ar_store *s, const char *origin, uint64_t *size, uint8_t root[32])
{
    sqlite3_stmt *st;
    int rc =
        ar_sqlite_prep(s, "witness", "SELECT size, root FROM witness_state WHERE origin = ?1", &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, origin);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW && sqlite3_column_bytes(st, 1) == 32) {
        *size = (uint64_t)sqlite3_column_int64(st, 0);
        memcpy(root, sqlite3_column_blob(st, 1), 32);
    } else {
        rc = r == SQLITE_DONE ? AR_ENOTFOUND : AR_EIO;
    }
    sqlite3_finalize(st);
    return rc;
}

int ar_store_wstate_history(struct ar_store *s, const char *origin, uint64_t size, uint8_t root[32])
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(
        s, "witness", "SELECT root FROM witness_history WHERE origin = ?1 AND size = ?2", &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, origin);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32)
        memcpy(root, sqlite3_column_blob(st, 0), 32);
    else
        rc = r == SQLITE_DONE ? AR_ENOTFOUND : AR_EIO;
    sqlite3_finalize(st);
    return rc;
}

int ar_store_wstate_put(struct ar_store *s, const char *origin, uint64_t size,
                        const uint8_t root[32], const char *note, const char *now)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(
        s, "witness",
        "INSERT INTO witness_state(origin, size, root, note, updated) VALUES (?1, ?2,"
        " ?3, ?4, ?5) ON CONFLICT(origin) DO UPDATE SET size = excluded.size, root ="
        " excluded.root, note = excluded.note, updated = excluded.updated",
        &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, origin);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
    sqlite3_bind_blob(st, 3, root, 32, SQLITE_TRANSIENT);
    ar_sqlite_bind_text(st, 4, note);
    ar_sqlite_bind_text(st, 5, now);
    if ((rc = ar_sqlite_finish(s, "witness", st, NULL)))
        return rc;
    if ((rc = ar_sqlite_prep(
             s, "witness",
             "INSERT INTO witness_history(origin, size, root, cosigned) VALUES (?1, ?2, ?3,"
             " ?4) ON CONFLICT DO NOTHING",
             &st)))
        return rc;
    ar_sqlite_bind_text(st, 1, origin);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
    sqlite3_bind_blob(st, 3, root, 32, SQLITE_TRANSIENT);
    ar_sqlite_bind_text(st, 4, now);
    return ar_sqlite_finish(s, "witness", st, NULL);
}

int ar_store_wstate_refused(struct ar_store *s, const char *origin, const char *now, int status,
                            const char *reason, const char *body, size_t len)
{
    sqlite3_stmt *st;
    int rc =
        ar_sqlite_prep(s, "witness",
                       "INSERT INTO witness_refused(origin, received, status, reason, body) VALUES"
                       " (?1, ?2, ?3, ?4, ?5)",
                       &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, origin);
    ar_sqlite_bind_text(st, 2, now);
    sqlite3_bind_int(st, 3, status);
    ar_sqlite_bind_text(st, 4, reason);
    sqlite3_bind_text(st, 5, body, (int)len, SQLITE_TRANSIENT);
    return ar_sqlite_finish(s, "witness", st, NULL);
}
