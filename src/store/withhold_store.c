/* withhold_store.c — rows of the law-enforcement exception (0003_withhold.sql). The
 * store keeps sealed bytes it cannot read; sealing and the rules are src/exception's. */
#include "base/buf.h"
#include "base/err.h"
#include "store/sqlite_int.h"
#include "base/msg.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A write stepped and finalised; *changed (when given) the rows it touched. */
static int done(struct ar_store *s, struct ar_sql_stmt *st, int *changed)
{
    /* Every change here shows on public pages (state, end date, extensions). */
    ar_sqlite_mark_dirty(s);
    return ar_store_sql_write(s, "exception", st, changed) ? AR_EIO : 0;
}

static json_t *blob_b64(struct ar_sql_stmt *st, int col)
{
    size_t n = 0;
    const void *p = ar_sql_column_blob(st, col, &n);
    if (!p)
        return json_null();
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *b = ar_xmalloc(cap);
    sodium_bin2base64(b, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
    json_t *v = json_string(b);
    free(b);
    return v;
}

int ar_store_wh_insert(struct ar_store *s, const char *lars, const char *scope,
                       const char *fields_json, const char *ground, const char *until,
                       const char *created, const void *sealed_meta, size_t len)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "exception",
        "INSERT INTO withholdings(reg_id, scope, fields, ground, until, state,"
        " created, sealed_meta) SELECT id, ?2, ?3, ?4, ?5, 'withheld', ?6, ?7 FROM"
        " registrations WHERE lars = ?1",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    ar_sql_bind_text(st, 2, scope);
    ar_sql_bind_text(st, 3, fields_json);
    ar_sql_bind_text(st, 4, ground);
    ar_sql_bind_text(st, 5, until);
    ar_sql_bind_text(st, 6, created);
    ar_sql_bind_blob(st, 7, sealed_meta, len);
    return done(s, st, NULL);
}

#define WH_SELECT                                                                                  \
    "SELECT r.lars, w.id, w.scope, w.fields, w.ground, w.until, w.state, w.extensions,"            \
    " w.created, w.published, w.sealed_meta, o.slug, o.name, r.pubcat FROM withholdings w"         \
    " JOIN registrations r ON r.id = w.reg_id JOIN organisations o ON o.id = r.org_id"

static json_t *wh_row(struct ar_sql_stmt *st)
{
#define T(i) (ar_sql_column_text(st, i))
    json_t *v =
        json_pack("{s:s, s:I, s:s, s:o, s:s, s:s, s:s, s:i, s:s, s:s?, s:o, s:s, s:s, "
                  "s:s}",
                  "id", T(0), "withholding_id", (json_int_t)ar_sql_column_int64(st, 1), "scope",
                  T(2), "fields", json_loads(T(3), 0, NULL), "ground", T(4), "until", T(5), "state",
                  T(6), "extensions", (int)ar_sql_column_int64(st, 7), "created", T(8), "published",
                  T(9), "sealed_meta", blob_b64(st, 10), "organization", T(11), "organization_name",
                  T(12), "publication_category", T(13));
#undef T
    return v;
}

static int wh_query(struct ar_store *s, const char *where, const char *a, json_t **out)
{
    struct ar_sql_stmt *st;
    char sql[1024];
    snprintf(sql, sizeof sql, "%s %s", WH_SELECT, where);
    int rc = ar_store_sql_prep(s, "exception", sql, &st), r;
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, a);
    json_t *arr = json_array();
    while ((r = ar_sql_step(st)) == AR_SQL_ROW)
        json_array_append_new(arr, wh_row(st));
    ar_sql_finalize(st);
    if (r != AR_SQL_DONE) {
        json_decref(arr);
        return AR_EIO;
    }
    *out = arr;
    return 0;
}

int ar_store_wh_get(struct ar_store *s, const char *lars, json_t **out)
{
    json_t *arr = NULL;
    int rc = wh_query(s, "WHERE r.lars = ?1", lars, &arr);
    *out = NULL;
    if (rc)
        return rc;
    if (json_array_size(arr) == 0) {
        json_decref(arr);
        return AR_ENOTFOUND;
    }
    *out = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return 0;
}

int ar_store_wh_due(struct ar_store *s, const char *today, json_t **out)
{
    return wh_query(s, "WHERE w.state = 'withheld' AND w.until <= ?1 ORDER BY w.until", today, out);
}

int ar_store_wh_all(struct ar_store *s, json_t **out)
{
    return wh_query(s, "WHERE CAST(?1 AS TEXT) IS NULL ORDER BY w.id", NULL, out);
}

int ar_store_wh_set(struct ar_store *s, const char *lars, const char *state, const char *until,
                    int extensions, const char *published)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "exception",
        "UPDATE withholdings SET state = ?2, until = ?3, extensions = ?4,"
        " published = ?5 WHERE reg_id = (SELECT id FROM registrations WHERE lars = ?1)",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    ar_sql_bind_text(st, 2, state);
    ar_sql_bind_text(st, 3, until);
    ar_sql_bind_int64(st, 4, extensions);
    ar_sql_bind_text(st, 5, published);
    return done(s, st, NULL);
}

int ar_store_sealed_put(struct ar_store *s, const char *lars, int version, const char *commitment,
                        const void *sealed, size_t len)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "exception",
        "INSERT INTO sealed_versions(reg_id, version, commitment, sealed) SELECT id,"
        " ?2, ?3, ?4 FROM registrations WHERE lars = ?1",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    ar_sql_bind_int64(st, 2, version);
    ar_sql_bind_text(st, 3, commitment);
    ar_sql_bind_blob(st, 4, sealed, len);
    return done(s, st, NULL);
}

int ar_store_sealed_list(struct ar_store *s, const char *lars, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
            s, "exception",
            "SELECT v.version, v.commitment, v.sealed FROM sealed_versions v JOIN"
            " registrations r ON r.id = v.reg_id WHERE r.lars = ?1 ORDER BY v.version",
            &st),
        r;
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    json_t *arr = json_array();
    while ((r = ar_sql_step(st)) == AR_SQL_ROW)
        json_array_append_new(arr, json_pack("{s:i, s:s, s:o}", "version",
                                             (int)ar_sql_column_int64(st, 0), "commitment",
                                             ar_sql_column_text(st, 1), "sealed", blob_b64(st, 2)));
    ar_sql_finalize(st);
    *out = arr;
    return r == AR_SQL_DONE ? 0 : AR_EIO;
}

int ar_store_ext_insert(struct ar_store *s, long long wh_id, const char *requested, const char *by,
                        const char *until, const void *sealed, size_t len, long long *id_out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "exception",
        "INSERT INTO withholding_extensions(withholding_id, requested, requested_by,"
        " requested_until, sealed_reason, state) VALUES (?1, ?2, ?3, ?4, ?5,"
        " 'requested') RETURNING id",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, wh_id);
    ar_sql_bind_text(st, 2, requested);
    ar_sql_bind_text(st, 3, by);
    ar_sql_bind_text(st, 4, until);
    ar_sql_bind_blob(st, 5, sealed, len);
    ar_sqlite_mark_dirty(s);
    return ar_store_sql_insert(s, "exception", st, id_out) ? AR_EIO : 0;
}

int ar_store_ext_list(struct ar_store *s, long long wh_id, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
            s, "exception",
            "SELECT id, requested, requested_by, requested_until, sealed_reason, state,"
            " decided, decided_by, sealed_decision FROM withholding_extensions WHERE"
            " withholding_id = ?1 ORDER BY id",
            &st),
        r;
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, wh_id);
    json_t *arr = json_array();
#define T(i) (ar_sql_column_text(st, i))
    while ((r = ar_sql_step(st)) == AR_SQL_ROW)
        json_array_append_new(
            arr, json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s?, s:s?, s:o}", "id",
                           (json_int_t)ar_sql_column_int64(st, 0), "requested", T(1),
                           "requested_by", T(2), "requested_until", T(3), "sealed_reason",
                           blob_b64(st, 4), "state", T(5), "decided", T(6), "decided_by", T(7),
                           "sealed_decision", blob_b64(st, 8)));
#undef T
    ar_sql_finalize(st);
    *out = arr;
    return r == AR_SQL_DONE ? 0 : AR_EIO;
}

int ar_store_ext_decide(struct ar_store *s, long long ext_id, const char *state,
                        const char *decided, const char *by, const void *sealed, size_t len)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "exception",
        "UPDATE withholding_extensions SET state = ?2, decided = ?3, decided_by = ?4,"
        " sealed_decision = ?5 WHERE id = ?1 AND state = 'requested'",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, ext_id);
    ar_sql_bind_text(st, 2, state);
    ar_sql_bind_text(st, 3, decided);
    ar_sql_bind_text(st, 4, by);
    ar_sql_bind_blob(st, 5, sealed, len);
    int n = 0;
    rc = done(s, st, &n);
    if (!rc && n != 1)
        rc = AR_ECONFLICT;
    return rc;
}

int ar_store_ext_stats(struct ar_store *s, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
            s, "exception",
            "SELECT o.slug, w.ground, e.state FROM withholding_extensions e JOIN"
            " withholdings w ON w.id = e.withholding_id JOIN registrations r ON r.id ="
            " w.reg_id JOIN organisations o ON o.id = r.org_id",
            &st),
        r;
    if (rc)
        return rc;
    json_t *arr = json_array();
    while ((r = ar_sql_step(st)) == AR_SQL_ROW)
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s}", "organization", ar_sql_column_text(st, 0), "ground",
                           ar_sql_column_text(st, 1), "state", ar_sql_column_text(st, 2)));
    ar_sql_finalize(st);
    *out = arr;
    return r == AR_SQL_DONE ? 0 : AR_EIO;
}

int ar_store_revealed_put(struct ar_store *s, const char *lars, int version, const char *salt,
                          const char *content)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "exception",
        "INSERT INTO revealed_versions(reg_id, version, salt, content) SELECT id, ?2,"
        " ?3, ?4 FROM registrations WHERE lars = ?1",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    ar_sql_bind_int64(st, 2, version);
    ar_sql_bind_text(st, 3, salt);
    ar_sql_bind_text(st, 4, content);
    return done(s, st, NULL);
}

int ar_store_revealed_list(struct ar_store *s, const char *lars, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "exception",
        "SELECT v.version, v.salt, v.content FROM revealed_versions v JOIN registrations"
        " r ON r.id = v.reg_id WHERE r.lars = ?1 ORDER BY v.version",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    json_t *arr = json_array();
    while (ar_sql_step(st) == AR_SQL_ROW) {
        json_t *content = json_loads(ar_sql_column_text(st, 2), 0, NULL);
        json_array_append_new(arr, json_pack("{s:i, s:s, s:o?}", "version",
                                             (int)ar_sql_column_int64(st, 0), "salt",
                                             ar_sql_column_text(st, 1), "content", content));
    }
    ar_sql_finalize(st);
    *out = arr;
    return 0;
}
