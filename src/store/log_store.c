/* log_store.c — persistence of the transparency log, for SQLite and PostgreSQL (sql.h).
 * The store only keeps rows; hashing and proofs are src/log's. */
#include "base/buf.h"
#include "base/err.h"
#include "base/msg.h"
#include "store/sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_pg(struct ar_store *s)
{
    return ar_sql_kind(ar_store_sql(s)) == AR_SQL_PG;
}

int ar_store_log_size(struct ar_store *s, uint64_t *out)
{
    long long *cached = ar_sqlite_log_size(s);
    if (cached && *cached >= 0) {
        *out = (uint64_t)*cached;
        return 0;
    }
    struct ar_sql_stmt *st =
        ar_store_sql_cached(s, SLOT_LOG_SIZE, "SELECT coalesce(max(idx) + 1, 0) FROM log_leaves");
    if (!st)
        return AR_EIO;
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW) {
        *out = (uint64_t)ar_sql_column_int64(st, 0);
        if (cached)
            *cached = (long long)*out;
    }
    ar_sql_reset(st);
    return r == AR_SQL_ROW ? 0 : r < 0 ? r : AR_EIO;
}

int ar_store_log_append(struct ar_store *s, uint64_t index, const void *data, size_t len,
                        const uint8_t hash[32], const char *lars, int version, const char *created)
{
    struct ar_sql_stmt *st = ar_store_sql_cached(s, SLOT_LOG_APPEND,
                                                 "INSERT INTO log_leaves(idx, hash, data, created,"
                                                 " lars, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st)
        return AR_EIO;
    ar_sql_bind_int64(st, 1, (long long)index);
    ar_sql_bind_blob(st, 2, hash, 32);
    ar_sql_bind_blob(st, 3, data, len);
    ar_sql_bind_text(st, 4, created);
    ar_sql_bind_text(st, 5, lars);
    if (version > 0)
        ar_sql_bind_int64(st, 6, version);
    else
        ar_sql_bind_null(st, 6);
    long long *cached = ar_sqlite_log_size(s);
    int r = ar_sql_step(st), rc = 0;
    if (r != AR_SQL_DONE) {
        ar_msg(AR_MSG_ERR, "store: log append: %s", ar_sql_errmsg(ar_store_sql(s)));
        rc = r < 0 ? r : AR_EIO;
        if (cached)
            *cached = -1;
    } else if (cached) {
        *cached = (long long)index + 1;
    }
    ar_sql_reset(st);
    return rc == AR_ECONFLICT ? AR_EIO : rc; /* a taken index is a broken sequence */
}

int ar_store_log_hash_put(struct ar_store *s, unsigned level, uint64_t index,
                          const uint8_t hash[32])
{
    struct ar_sql_stmt *st = ar_store_sql_cached(s, SLOT_LOG_HASH_PUT,
                                                 "INSERT INTO log_hashes(level, idx, hash) VALUES"
                                                 " (?1, ?2, ?3)");
    if (!st)
        return AR_EIO;
    ar_sql_bind_int64(st, 1, level);
    ar_sql_bind_int64(st, 2, (long long)index);
    ar_sql_bind_blob(st, 3, hash, 32);
    int r = ar_sql_step(st);
    if (r != AR_SQL_DONE)
        ar_msg(AR_MSG_ERR, "store: log hash: %s", ar_sql_errmsg(ar_store_sql(s)));
    ar_sql_reset(st);
    return r == AR_SQL_DONE ? 0 : AR_EIO;
}

int ar_store_log_hash_get(struct ar_store *s, unsigned level, uint64_t index, uint8_t out[32])
{
    struct ar_sql_stmt *st =
        level == 0
            ? ar_store_sql_cached(s, SLOT_LOG_HASH_GET0,
                                  "SELECT hash FROM log_leaves WHERE idx = ?1")
            : ar_store_sql_cached(s, SLOT_LOG_HASH_GET,
                                  "SELECT hash FROM log_hashes WHERE idx = ?1 AND level = ?2");
    if (!st)
        return AR_EIO;
    ar_sql_bind_int64(st, 1, (long long)index);
    if (level)
        ar_sql_bind_int64(st, 2, level);
    int r = ar_sql_step(st), rc = 0;
    size_t len = 0;
    const void *h = r == AR_SQL_ROW ? ar_sql_column_blob(st, 0, &len) : NULL;
    if (h && len == 32)
        memcpy(out, h, 32);
    else
        rc = r == AR_SQL_DONE ? AR_ENOTFOUND : r < 0 ? r : AR_EIO;
    ar_sql_reset(st);
    return rc;
}

int ar_store_log_hashes(struct ar_store *s, unsigned level, uint64_t first, uint64_t count,
                        struct ar_buf *out)
{
    struct ar_sql_stmt *st = NULL;
    int rc = ar_store_sql_prep(s, "log",
                               level == 0 ? "SELECT hash FROM log_leaves WHERE idx >= ?1 AND"
                                            " idx < ?2 ORDER BY idx"
                                          : "SELECT hash FROM log_hashes WHERE idx >= ?1 AND"
                                            " idx < ?2 AND level = ?3 ORDER BY idx",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, (long long)first);
    ar_sql_bind_int64(st, 2, (long long)(first + count));
    if (level)
        ar_sql_bind_int64(st, 3, level);
    uint64_t n = 0;
    int r;
    while ((r = ar_sql_step(st)) == AR_SQL_ROW) {
        size_t len = 0;
        const void *h = ar_sql_column_blob(st, 0, &len);
        if (len != 32)
            break;
        ar_buf_add(out, h, 32);
        n++;
    }
    ar_sql_finalize(st);
    return r < 0 ? r : n == count ? 0 : AR_ENOTFOUND;
}

int ar_store_log_leaves(struct ar_store *s, uint64_t first, uint64_t count, struct ar_buf *out)
{
    struct ar_sql_stmt *st = NULL;
    int rc = ar_store_sql_prep(
        s, "log", "SELECT data FROM log_leaves WHERE idx >= ?1 AND idx < ?2 ORDER BY idx", &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, (long long)first);
    ar_sql_bind_int64(st, 2, (long long)(first + count));
    uint64_t n = 0;
    int r;
    while ((r = ar_sql_step(st)) == AR_SQL_ROW) {
        /* tlog-tiles entry bundle: big-endian uint16 length, then the bytes */
        size_t len = 0;
        const void *d = ar_sql_column_blob(st, 0, &len);
        uint8_t be[2] = {(uint8_t)(len >> 8), (uint8_t)len};
        ar_buf_add(out, be, 2);
        ar_buf_add(out, d, len);
        n++;
    }
    ar_sql_finalize(st);
    return r < 0 ? r : n == count ? 0 : AR_ENOTFOUND;
}

int ar_store_log_index_of(struct ar_store *s, const char *lars, int version, uint64_t *out)
{
    struct ar_sql_stmt *st = NULL;
    int rc = ar_store_sql_prep(s, "log",
                               "SELECT idx FROM log_leaves WHERE lars = ?1 AND"
                               " version = ?2",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    ar_sql_bind_int64(st, 2, version);
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW)
        *out = (uint64_t)ar_sql_column_int64(st, 0);
    else
        rc = r == AR_SQL_DONE ? AR_ENOTFOUND : r < 0 ? r : AR_EIO;
    ar_sql_finalize(st);
    return rc;
}

int ar_store_checkpoint_latest(struct ar_store *s, uint64_t *size, char **note)
{
    struct ar_sql_stmt *st = NULL;
    int rc = ar_store_sql_prep(
        s, "log", "SELECT size, note FROM log_checkpoints ORDER BY size DESC LIMIT 1", &st);
    if (rc)
        return rc;
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW) {
        *size = (uint64_t)ar_sql_column_int64(st, 0);
        *note = ar_xstrdup(ar_sql_column_text(st, 1));
    } else {
        rc = r == AR_SQL_DONE ? AR_ENOTFOUND : r < 0 ? r : AR_EIO;
    }
    ar_sql_finalize(st);
    return rc;
}

int ar_store_checkpoint_put(struct ar_store *s, uint64_t size, const char *note,
                            const char *created)
{
    struct ar_sql_stmt *st = NULL;
    /* Another server thread may have signed the same size first: keep the first. */
    int rc = ar_store_sql_prep(s, "checkpoint",
                               "INSERT INTO log_checkpoints(size, note, created) VALUES (?1, ?2,"
                               " ?3) ON CONFLICT (size) DO NOTHING",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, (long long)size);
    ar_sql_bind_text(st, 2, note);
    ar_sql_bind_text(st, 3, created);
    return ar_store_sql_write(s, "checkpoint", st, NULL);
}

static json_t *change_row(struct ar_sql_stmt *st)
{
    json_t *leaf = json_loads(ar_sql_column_text(st, 1), 0, NULL);
    const char *d = ar_sql_column_text(st, 4);
    json_t *doc = d ? json_loads(d, 0, NULL) : NULL;
    json_t *row = json_pack(
        "{s:I, s:o, s:s, s:i, s:s?, s:{s:s, s:s}}", "index", (json_int_t)ar_sql_column_int64(st, 0),
        "leaf", leaf ? leaf : json_object(), "id", ar_sql_column_text(st, 2), "version",
        (int)ar_sql_column_int64(st, 3), "name", json_string_value(json_object_get(doc, "name")),
        "organization", "slug", ar_sql_column_text(st, 5), "name", ar_sql_column_text(st, 6));
    json_decref(doc);
    return row;
}

int ar_store_changes(struct ar_store *s, long long from, const char *org, int limit, int newest,
                     json_t **out)
{
    struct ar_sql_stmt *st = NULL;
    /* a leaf's bytes as text, and its "kind", in each dialect */
    const char *text = is_pg(s) ? "convert_from(l.data, 'UTF8')" : "CAST(l.data AS TEXT)";
    const char *kind = is_pg(s) ? "CAST(convert_from(l.data, 'UTF8') AS json)->>'kind'"
                                : "json_extract(CAST(l.data AS TEXT), '$.kind')";
    char sql[1200];
    snprintf(sql, sizeof sql,
             "SELECT l.idx, %s, l.lars, l.version, CASE WHEN r.retracted IS NULL THEN v.doc END,"
             " o.slug, o.name FROM log_leaves l JOIN registrations r ON r.lars = l.lars"
             " JOIN organisations o ON o.id = r.org_id"
             " LEFT JOIN versions v ON v.reg_id = r.id AND v.version = l.version"
             " WHERE l.idx >= ?1 AND (CAST(?2 AS TEXT) IS NULL OR o.slug = ?2) AND %s IN"
             " ('version', 'publication', 'retraction', 'republication') ORDER BY l.idx%s"
             " LIMIT ?3",
             text, kind, newest ? " DESC" : "");
    *out = NULL;
    int rc = ar_store_sql_prep(s, "changes", sql, &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, newest ? 0 : from); /* the newest: from the start */
    ar_sql_bind_text(st, 2, org && *org ? org : NULL);
    ar_sql_bind_int64(st, 3, limit);
    return ar_store_sql_all(s, st, change_row, out);
}
