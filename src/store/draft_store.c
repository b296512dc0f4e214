/* draft_store.c — rows of versions waiting for a second pair of eyes (0008_drafts.sql).
 * The rules (who may approve, what publishing means) are in src/approval. */
#include "base/err.h"
#include "store/sqlite_int.h"
#include "store/store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DRAFT_COLS                                                                                 \
    "id, ref, lars, org_slug AS org, base_version, withheld, sealed, author, created, state,"      \
    " decided_by, decided_at, reason, published_lars, published_version"

static json_t *draft_row(struct ar_sql_stmt *st)
{
    json_t *o = json_object();
    for (int c = 0; c < ar_sql_column_count(st); c++) {
        const char *name = ar_sql_column_name(st, c);
        json_t *v;
        if (ar_sql_column_type(st, c) == AR_SQL_NULL) {
            v = json_null();
        } else if (!strcmp(name, "sealed")) {
            size_t n = 0;
            const void *blob = ar_sql_column_blob(st, c, &n);
            size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
            char *b64 = malloc(cap);
            if (!b64)
                continue;
            sodium_bin2base64(b64, cap, blob, n, sodium_base64_VARIANT_ORIGINAL);
            v = json_string(b64);
            free(b64);
        } else if (ar_sql_column_type(st, c) == AR_SQL_INT) {
            v = json_integer(ar_sql_column_int64(st, c));
        } else {
            v = json_string(ar_sql_column_text(st, c));
        }
        json_object_set_new(o, name, v ? v : json_null());
    }
    return o;
}

int ar_store_draft_add(struct ar_store *s, const struct ar_draft_write *d, long long *id)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "drafts",
        "INSERT INTO drafts(ref, lars, org_slug, base_version, withheld, sealed, author,"
        " created, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, d->ref);
    ar_sql_bind_text(st, 2, d->lars);
    ar_sql_bind_text(st, 3, d->org);
    ar_sql_bind_int64(st, 4, d->base_version);
    ar_sql_bind_int64(st, 5, d->withheld);
    ar_sql_bind_blob(st, 6, d->sealed, d->sealed_len);
    ar_sql_bind_text(st, 7, d->author);
    ar_sql_bind_text(st, 8, d->created);
    ar_sql_bind_text(st, 9, d->state ? d->state : "submitted");
    rc = ar_store_sql_insert(s, "drafts", st, id);
    return rc == AR_ECONFLICT ? AR_EIO : rc;
}

int ar_store_draft_get(struct ar_store *s, long long id, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "drafts", "SELECT " DRAFT_COLS " FROM drafts WHERE id = ?1", &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, id);
    return ar_store_sql_one(s, st, draft_row, out);
}

int ar_store_draft_list(struct ar_store *s, const char *org, const char *state, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "drafts",
        "SELECT " DRAFT_COLS " FROM drafts WHERE (CAST(?1 AS TEXT) IS NULL OR org_slug = ?1) AND"
        " (CAST(?2 AS TEXT) IS NULL OR state = ?2) ORDER BY id DESC LIMIT 500",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, org);
    ar_sql_bind_text(st, 2, state);
    json_t *arr = json_array();
    int r;
    while ((r = ar_sql_step(st)) == AR_SQL_ROW)
        json_array_append_new(arr, draft_row(st));
    ar_sql_finalize(st);
    if (r != AR_SQL_DONE) {
        json_decref(arr);
        return AR_EIO;
    }
    *out = arr;
    return 0;
}

int ar_store_draft_decide(struct ar_store *s, long long id, const char *state, const char *by,
                          const char *at, const char *reason, const char *lars, int version)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "drafts",
        "UPDATE drafts SET state = ?2, decided_by = ?3, decided_at = ?4, reason = ?5,"
        " published_lars = ?6, published_version = nullif(?7, 0)"
        " WHERE id = ?1 AND state = 'submitted'",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, id);
    ar_sql_bind_text(st, 2, state);
    ar_sql_bind_text(st, 3, by);
    ar_sql_bind_text(st, 4, at);
    ar_sql_bind_text(st, 5, reason);
    ar_sql_bind_text(st, 6, lars);
    ar_sql_bind_int64(st, 7, version);
    int n = 0;
    if (ar_store_sql_write(s, "drafts", st, &n))
        return AR_EIO;
    return n ? 0 : AR_ECONFLICT;
}

int ar_store_draft_move(struct ar_store *s, long long id, const char *from, const char *to,
                        const char *by, const char *at, const char *reason)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "drafts",
                               "UPDATE drafts SET state = ?3, decided_by = ?4, decided_at = ?5,"
                               " reason = ?6 WHERE id = ?1 AND state = ?2",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, id);
    ar_sql_bind_text(st, 2, from);
    ar_sql_bind_text(st, 3, to);
    ar_sql_bind_text(st, 4, by);
    ar_sql_bind_text(st, 5, at);
    ar_sql_bind_text(st, 6, reason);
    int changed = 0;
    if ((rc = ar_store_sql_write(s, "drafts", st, &changed)))
        return rc;
    return changed ? 0 : AR_ECONFLICT;
}

int ar_store_draft_open(struct ar_store *s, const char *lars, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "drafts",
                               "SELECT " DRAFT_COLS " FROM drafts WHERE lars = ?1 AND state IN"
                               " ('concept', 'submitted') ORDER BY id DESC LIMIT 1",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    return ar_store_sql_one(s, st, draft_row, out);
}

int ar_store_draft_holds(struct ar_store *s, const char *lars, const char *org)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "drafts",
                               "SELECT 1 FROM drafts WHERE lars = ?1 AND base_version = 0 AND"
                               " (CAST(?2 AS TEXT) IS NULL OR org_slug = ?2) LIMIT 1",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    ar_sql_bind_text(st, 2, org);
    int r = ar_sql_step(st);
    ar_sql_finalize(st);
    return r == AR_SQL_ROW ? 0 : r == AR_SQL_DONE ? AR_ENOTFOUND : AR_EIO;
}
