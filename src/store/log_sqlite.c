/* log_sqlite.c — persistence of the transparency log in SQLite. The store only keeps
 * rows; hashing and proofs are src/log's. */
#include "base/buf.h"
#include "base/err.h"
#include "store/sqlite_int.h"
#include "base/msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v3(db, sql, -1, 0, st, NULL) != SQLITE_OK) {
        ar_msg(AR_MSG_ERR, "store: log: %s", sqlite3_errmsg(db));
        return AR_EIO;
    }
    return 0;
}

int ar_store_log_size(struct ar_store *s, uint64_t *out)
{
    long long *cached = ar_sqlite_log_size(s);
    if (cached && *cached >= 0) {
        *out = (uint64_t)*cached;
        return 0;
    }
    sqlite3_stmt *st =
        ar_sqlite_cached(s, SLOT_LOG_SIZE, "SELECT coalesce(max(idx) + 1, 0) FROM log_leaves");
    int rc = 0;
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        *out = (uint64_t)sqlite3_column_int64(st, 0);
        if (cached)
            *cached = (long long)*out;
    } else {
        rc = AR_EIO;
    }
    if (st)
        sqlite3_reset(st);
    return rc;
}

int ar_store_log_append(struct ar_store *s, uint64_t index, const void *data, size_t len,
                        const uint8_t hash[32], const char *lars, int version, const char *created)
{
    sqlite3 *db = ar_sqlite_db(s);
    sqlite3_stmt *st = ar_sqlite_cached(s, SLOT_LOG_APPEND,
                                        "INSERT INTO log_leaves(idx, hash, data, created, lars,"
                                        " version) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    int rc = 0;
    if (!st)
        return AR_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
    sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, data, (int)len, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, created, -1, SQLITE_STATIC);
    if (lars)
        sqlite3_bind_text(st, 5, lars, -1, SQLITE_STATIC);
    if (version > 0)
        sqlite3_bind_int(st, 6, version);
    long long *cached = ar_sqlite_log_size(s);
    if (sqlite3_step(st) != SQLITE_DONE) {
        ar_msg(AR_MSG_ERR, "store: log append: %s", sqlite3_errmsg(db));
        rc = AR_EIO;
        if (cached)
            *cached = -1;
    } else if (cached) {
        *cached = (long long)index + 1;
    }
    sqlite3_reset(st);
    return rc;
}

int ar_store_log_hash_put(struct ar_store *s, unsigned level, uint64_t index,
                          const uint8_t hash[32])
{
    sqlite3 *db = ar_sqlite_db(s);
    sqlite3_stmt *st = ar_sqlite_cached(s, SLOT_LOG_HASH_PUT,
                                        "INSERT INTO log_hashes(level, idx, hash) VALUES (?1, ?2,"
                                        " ?3)");
    int rc = 0;
    if (!st)
        return AR_EIO;
    sqlite3_bind_int(st, 1, (int)level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
    sqlite3_bind_blob(st, 3, hash, 32, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        ar_msg(AR_MSG_ERR, "store: log hash: %s", sqlite3_errmsg(db));
        rc = AR_EIO;
    }
    sqlite3_reset(st);
    return rc;
}

int ar_store_log_hash_get(struct ar_store *s, unsigned level, uint64_t index, uint8_t out[32])
{
    sqlite3_stmt *st =
        level == 0
            ? ar_sqlite_cached(s, SLOT_LOG_HASH_GET0, "SELECT hash FROM log_leaves WHERE idx = ?2")
            : ar_sqlite_cached(s, SLOT_LOG_HASH_GET,
                               "SELECT hash FROM log_hashes WHERE level = ?1 AND idx = ?2");
    int rc = 0;
    if (!st)
        return AR_EIO;
    if (level)
        sqlite3_bind_int(st, 1, (int)level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32)
        memcpy(out, sqlite3_column_blob(st, 0), 32);
    else
        rc = r == SQLITE_DONE ? AR_ENOTFOUND : AR_EIO;
    sqlite3_reset(st);
    return rc;
}

int ar_store_log_hashes(struct ar_store *s, unsigned level, uint64_t first, uint64_t count,
                        struct ar_buf *out)
{
    sqlite3 *db = ar_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prep(db,
                  level == 0 ? "SELECT hash FROM log_leaves WHERE idx >= ?2 AND idx < ?3"
                               " ORDER BY idx"
                             : "SELECT hash FROM log_hashes WHERE level = ?1 AND idx >= ?2"
                               " AND idx < ?3 ORDER BY idx",
                  &st);
    if (rc)
        return rc;
    if (level)
        sqlite3_bind_int(st, 1, (int)level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)first);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)(first + count));
    uint64_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        ar_buf_add(out, sqlite3_column_blob(st, 0), 32);
        n++;
    }
    sqlite3_finalize(st);
    return n == count ? 0 : AR_ENOTFOUND;
}

int ar_store_log_leaves(struct ar_store *s, uint64_t first, uint64_t count, struct ar_buf *out)
{
    sqlite3 *db = ar_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prep(db, "SELECT data FROM log_leaves WHERE idx >= ?1 AND idx < ?2 ORDER BY idx", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)(first + count));
    uint64_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        /* tlog-tiles entry bundle: big-endian uint16 length, then the bytes */
        int len = sqlite3_column_bytes(st, 0);
        uint8_t be[2] = {(uint8_t)(len >> 8), (uint8_t)len};
        ar_buf_add(out, be, 2);
        ar_buf_add(out, sqlite3_column_blob(st, 0), (size_t)len);
        n++;
    }
    sqlite3_finalize(st);
    return n == count ? 0 : AR_ENOTFOUND;
}

int ar_store_log_index_of(struct ar_store *s, const char *lars, int version, uint64_t *out)
{
    sqlite3 *db = ar_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prep(db, "SELECT idx FROM log_leaves WHERE lars = ?1 AND version = ?2", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, lars, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, version);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *out = (uint64_t)sqlite3_column_int64(st, 0);
    else
        rc = r == SQLITE_DONE ? AR_ENOTFOUND : AR_EIO;
    sqlite3_finalize(st);
    return rc;
}

int ar_store_checkpoint_latest(struct ar_store *s, uint64_t *size, char **note)
{
    sqlite3 *db = ar_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prep(db, "SELECT size, note FROM log_checkpoints ORDER BY size DESC LIMIT 1", &st);
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *size = (uint64_t)sqlite3_column_int64(st, 0);
        *note = ar_xstrdup((const char *)sqlite3_column_text(st, 1));
    } else {
        rc = r == SQLITE_DONE ? AR_ENOTFOUND : AR_EIO;
    }
    sqlite3_finalize(st);
    return rc;
}

int ar_store_checkpoint_put(struct ar_store *s, uint64_t size, const char *note,
                            const char *created)
{
    sqlite3 *db = ar_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    /* Another server thread may have signed the same size first: keep the first. */
    int rc = prep(
        db, "INSERT OR IGNORE INTO log_checkpoints(size, note, created) VALUES (?1, ?2, ?3)", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    sqlite3_bind_text(st, 2, note, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, created, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = AR_EIO;
    sqlite3_finalize(st);
    return rc;
}

int ar_store_changes(struct ar_store *s, long long from, const char *org, int limit, int newest,
                     json_t **out)
{
    sqlite3_stmt *st = NULL;
    const char *asc =
        "SELECT l.idx, CAST(l.data AS TEXT), l.lars, l.version,"
        " CASE WHEN r.retracted IS NULL THEN v.doc END, o.slug,"
        " o.name FROM log_leaves l JOIN registrations r ON r.lars = l.lars"
        " JOIN organisations o ON o.id = r.org_id"
        " LEFT JOIN versions v ON v.reg_id = r.id AND v.version = l.version"
        " WHERE l.idx >= ?1 AND (?2 IS NULL OR o.slug = ?2)"
        " AND json_extract(CAST(l.data AS TEXT), '$.kind') IN"
        " ('version', 'publication', 'retraction', 'republication') ORDER BY l.idx LIMIT ?3";
    const char *desc =
        "SELECT l.idx, CAST(l.data AS TEXT), l.lars, l.version,"
        " CASE WHEN r.retracted IS NULL THEN v.doc END, o.slug,"
        " o.name FROM log_leaves l JOIN registrations r ON r.lars = l.lars"
        " JOIN organisations o ON o.id = r.org_id"
        " LEFT JOIN versions v ON v.reg_id = r.id AND v.version = l.version"
        " WHERE (?2 IS NULL OR o.slug = ?2)"
        " AND json_extract(CAST(l.data AS TEXT), '$.kind') IN"
        " ('version', 'publication', 'retraction', 'republication') ORDER BY l.idx DESC LIMIT ?3";
    *out = json_array();
    int rc = ar_sqlite_prep(s, "changes", newest ? desc : asc, &st), step;
    if (!rc) {
        sqlite3_bind_int64(st, 1, from);
        ar_sqlite_bind_text(st, 2, org && *org ? org : NULL);
        sqlite3_bind_int(st, 3, limit);
    }
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *leaf = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
        json_t *doc = sqlite3_column_type(st, 4) == SQLITE_NULL
                          ? NULL
                          : json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
        const char *name = json_string_value(json_object_get(doc, "name"));
        json_array_append_new(*out,
                              json_pack("{s:I, s:o, s:s, s:i, s:s?, s:{s:s, s:s}}", "index",
                                        (json_int_t)sqlite3_column_int64(st, 0), "leaf",
                                        leaf ? leaf : json_object(), "id",
                                        (const char *)sqlite3_column_text(st, 2), "version",
                                        sqlite3_column_int(st, 3), "name", name, "organization",
                                        "slug", (const char *)sqlite3_column_text(st, 5), "name",
                                        (const char *)sqlite3_column_text(st, 6)));
        json_decref(doc);
    }
    if (!rc && step != SQLITE_DONE)
        rc = AR_EIO;
    sqlite3_finalize(st);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}
