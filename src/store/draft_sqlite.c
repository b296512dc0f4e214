/* draft_sqlite.c — rows of versions waiting for a second pair of eyes (0008_drafts.sql).
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

static json_t *draft_row(sqlite3_stmt *st)
{
    json_t *o = json_object();
    for (int c = 0; c < sqlite3_column_count(st); c++) {
        const char *name = sqlite3_column_name(st, c);
        json_t *v;
        if (sqlite3_column_type(st, c) == SQLITE_NULL) {
            v = json_null();
        } else if (!strcmp(name, "sealed")) {
            int n = sqlite3_column_bytes(st, c);
            size_t cap = sodium_base64_ENCODED_LEN((size_t)n, sodium_base64_VARIANT_ORIGINAL);
            char *b64 = malloc(cap);
            if (!b64)
                continue;
            sodium_bin2base64(b64, cap, sqlite3_column_blob(st, c), (size_t)n,
                              sodium_base64_VARIANT_ORIGINAL);
            v = json_string(b64);
            free(b64);
        } else if (sqlite3_column_type(st, c) == SQLITE_INTEGER) {
            v = json_integer(sqlite3_column_int64(st, c));
        } else {
            v = json_string((const char *)sqlite3_column_text(st, c));
        }
        json_object_set_new(o, name, v ? v : json_null());
    }
    return o;
}

int ar_store_draft_add(struct ar_store *s, const struct ar_draft_write *d, long long *id)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(
        s, "drafts",
        "INSERT INTO drafts(ref, lars, org_slug, base_version, withheld, sealed, author,"
        " created, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, d->ref);
    ar_sqlite_bind_text(st, 2, d->lars);
    ar_sqlite_bind_text(st, 3, d->org);
    sqlite3_bind_int(st, 4, d->base_version);
    sqlite3_bind_int(st, 5, d->withheld);
    sqlite3_bind_blob(st, 6, d->sealed, (int)d->sealed_len, SQLITE_TRANSIENT);
    ar_sqlite_bind_text(st, 7, d->author);
    ar_sqlite_bind_text(st, 8, d->created);
    ar_sqlite_bind_text(st, 9, d->state ? d->state : "submitted");
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_DONE)
        return AR_EIO;
    *id = sqlite3_last_insert_rowid(ar_sqlite_db(s));
    return 0;
}

int ar_store_draft_get(struct ar_store *s, long long id, json_t **out)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "drafts", "SELECT " DRAFT_COLS " FROM drafts WHERE id = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    return ar_sqlite_one(st, draft_row, out);
}

int ar_store_draft_list(struct ar_store *s, const char *org, const char *state, json_t **out)
{
    sqlite3_stmt *st;
    int rc =
        ar_sqlite_prep(s, "drafts",
                       "SELECT " DRAFT_COLS " FROM drafts WHERE (?1 IS NULL OR org_slug = ?1) AND"
                       " (?2 IS NULL OR state = ?2) ORDER BY id DESC LIMIT 500",
                       &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, org);
    ar_sqlite_bind_text(st, 2, state);
    json_t *arr = json_array();
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, draft_row(st));
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) {
        json_decref(arr);
        return AR_EIO;
    }
    *out = arr;
    return 0;
}

int ar_store_draft_decide(struct ar_store *s, long long id, const char *state, const char *by,
                          const char *at, const char *reason, const char *lars, int version)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(
        s, "drafts",
        "UPDATE drafts SET state = ?2, decided_by = ?3, decided_at = ?4, reason = ?5,"
        " published_lars = ?6, published_version = nullif(?7, 0)"
        " WHERE id = ?1 AND state = 'submitted'",
        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    ar_sqlite_bind_text(st, 2, state);
    ar_sqlite_bind_text(st, 3, by);
    ar_sqlite_bind_text(st, 4, at);
    ar_sqlite_bind_text(st, 5, reason);
    ar_sqlite_bind_text(st, 6, lars);
    sqlite3_bind_int(st, 7, version);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_DONE)
        return AR_EIO;
    return sqlite3_changes(ar_sqlite_db(s)) ? 0 : AR_ECONFLICT;
}

int ar_store_draft_move(struct ar_store *s, long long id, const char *from, const char *to,
                        const char *by, const char *at, const char *reason)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "drafts",
                            "UPDATE drafts SET state = ?3, decided_by = ?4, decided_at = ?5,"
                            " reason = ?6 WHERE id = ?1 AND state = ?2",
                            &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    ar_sqlite_bind_text(st, 2, from);
    ar_sqlite_bind_text(st, 3, to);
    ar_sqlite_bind_text(st, 4, by);
    ar_sqlite_bind_text(st, 5, at);
    ar_sqlite_bind_text(st, 6, reason);
    int changed = 0;
    if ((rc = ar_sqlite_finish(s, "drafts", st, &changed)))
        return rc;
    return changed ? 0 : AR_ECONFLICT;
}

int ar_store_draft_open(struct ar_store *s, const char *lars, json_t **out)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "drafts",
                            "SELECT " DRAFT_COLS " FROM drafts WHERE lars = ?1 AND state IN"
                            " ('concept', 'submitted') ORDER BY id DESC LIMIT 1",
                            &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, lars);
    return ar_sqlite_one(st, draft_row, out);
}

int ar_store_draft_holds(struct ar_store *s, const char *lars, const char *org)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(s, "drafts",
                            "SELECT 1 FROM drafts WHERE lars = ?1 AND base_version = 0 AND"
                            " (?2 IS NULL OR org_slug = ?2) LIMIT 1",
                            &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, lars);
    ar_sqlite_bind_text(st, 2, org);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? AR_ENOTFOUND : AR_EIO;
}
