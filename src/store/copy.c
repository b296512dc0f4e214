/* copy.c — a whole register from one database into a new one, either dialect to either
 * (SQLite → PostgreSQL and back): what backup and restore of a PostgreSQL register and
 * moving between the two backends are made of. Every row of every table goes across as
 * it is — ids, versions, the log's leaves and hashes, signed checkpoints, sealed bytes,
 * cosignatures — so the copy serves the same tree under the same signatures. */
#include "base/err.h"
#include "base/msg.h"
#include "store/sqlite_int.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

/* In an order that keeps every reference valid: a row's parent is copied before it.
 * The full-text rows follow their registrations; meta is set at the end. */
static const char *const tables[] = {"organisations",
                                     "registrations",
                                     "versions",
                                     "registration_fts",
                                     "log_leaves",
                                     "log_hashes",
                                     "log_checkpoints",
                                     "withholdings",
                                     "sealed_versions",
                                     "withholding_extensions",
                                     "revealed_versions",
                                     "classifications",
                                     "eu_submissions",
                                     "aiact_cases",
                                     "aiact_events",
                                     "aiact_notices",
                                     "witnesses",
                                     "cosignatures",
                                     "witness_state",
                                     "witness_history",
                                     "witness_refused",
                                     "links",
                                     "link_refs",
                                     "link_history",
                                     "reports",
                                     "accounts",
                                     "api_tokens",
                                     "sessions",
                                     "login_failures",
                                     "audit",
                                     "drafts",
                                     "oidc_pending",
                                     "oidc_links",
                                     "oidc_sessions",
                                     "outbox",
                                     NULL};

/* Tables with an identity column "id" on PostgreSQL: its sequence continues after the
 * copied ids. */
static const char *const with_id[] = {"organisations",
                                      "registrations",
                                      "versions",
                                      "withholdings",
                                      "withholding_extensions",
                                      "classifications",
                                      "eu_submissions",
                                      "aiact_cases",
                                      "aiact_notices",
                                      "witness_refused",
                                      "reports",
                                      "accounts",
                                      "api_tokens",
                                      "audit",
                                      "drafts",
                                      "outbox",
                                      NULL};

/* Every table the database has (without SQLite's own and FTS5's shadow tables), to
 * check that the list above names them all: a table added by a migration and not
 * copied would be lost silently. */
static int check_tables(struct ar_store *s, int *n)
{
    struct ar_sql_stmt *st = NULL;
    int pg = ar_sql_kind(ar_store_sql(s)) == AR_SQL_PG;
    int rc = ar_store_sql_prep(
        s, "copy",
        pg ? "SELECT table_name FROM information_schema.tables WHERE table_schema ="
             " current_schema() AND table_name <> 'meta'"
           : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
             " AND name NOT LIKE 'registration_fts_%' AND name <> 'meta'",
        &st);
    if (rc)
        return rc;
    *n = 0;
    while ((rc = ar_sql_step(st)) == AR_SQL_ROW) {
        const char *t = ar_sql_column_text(st, 0);
        int known = 0;
        for (const char *const *k = tables; *k; k++)
            known |= !strcmp(*k, t);
        if (!known) {
            ar_msg(AR_MSG_ERR, "copy: table %s is not in the copy's list", t);
            ar_sql_finalize(st);
            return AR_EIO;
        }
        ++*n;
    }
    ar_sql_finalize(st);
    return rc;
}

/* Every row of table t from src into dst, columns by name; *rows counts them. */
static int copy_table(struct ar_store *src, struct ar_store *dst, const char *t, long long *rows)
{
    struct ar_sql_stmt *in = NULL, *out = NULL;
    char sql[2048];
    /* FTS5's rowid is not among SELECT *'s columns */
    if (!strcmp(t, "registration_fts"))
        snprintf(sql, sizeof sql, "SELECT rowid, nl, en FROM registration_fts ORDER BY rowid");
    else
        snprintf(sql, sizeof sql, "SELECT * FROM %s", t);
    int rc = ar_store_sql_prep(src, "copy", sql, &in), r;
    if (!rc)
        ar_sql_stream(in); /* versions and log tiles: more than memory holds */
    *rows = 0;
    while (!rc && (r = ar_sql_step(in)) == AR_SQL_ROW) {
        int n = ar_sql_column_count(in);
        if (!out) { /* the INSERT, from the first row's column names */
            size_t k = (size_t)snprintf(sql, sizeof sql, "INSERT INTO %s (", t);
            for (int c = 0; c < n && k < sizeof sql; c++)
                k += (size_t)snprintf(sql + k, sizeof sql - k, "%s%s", c ? ", " : "",
                                      ar_sql_column_name(in, c));
            k += (size_t)snprintf(sql + k, sizeof sql - k, ") VALUES (");
            for (int c = 0; c < n && k < sizeof sql; c++)
                k += (size_t)snprintf(sql + k, sizeof sql - k, "%s?%d", c ? ", " : "", c + 1);
            snprintf(sql + k, sizeof sql - k, ")");
            if (k >= sizeof sql - 2) {
                rc = AR_EIO;
                break;
            }
            if ((rc = ar_store_sql_prep(dst, "copy", sql, &out)))
                break;
            ar_sql_keep(out); /* one INSERT per row: parsed and planned once */
        }
        ar_sql_reset(out);
        for (int c = 0; c < n; c++) {
            size_t len = 0;
            const void *b;
            switch (ar_sql_column_type(in, c)) {
            case AR_SQL_NULL: ar_sql_bind_null(out, c + 1); break;
            case AR_SQL_INT: ar_sql_bind_int64(out, c + 1, ar_sql_column_int64(in, c)); break;
            case AR_SQL_BLOB:
                b = ar_sql_column_blob(in, c, &len);
                ar_sql_bind_blob(out, c + 1, b, len);
                break;
            default: ar_sql_bind_text(out, c + 1, ar_sql_column_text(in, c));
            }
        }
        if ((r = ar_sql_step(out)) != AR_SQL_DONE) {
            ar_msg(AR_MSG_ERR, "copy: %s: %s", t, ar_sql_errmsg(ar_store_sql(dst)));
            rc = r < 0 ? r : AR_EIO;
            break;
        }
        ++*rows;
    }
    if (!rc && r != AR_SQL_DONE) {
        ar_msg(AR_MSG_ERR, "copy: reading %s: %s", t, ar_sql_errmsg(ar_store_sql(src)));
        rc = r < 0 ? r : AR_EIO;
    }
    ar_sql_finalize(in);
    ar_sql_finalize(out);
    return rc;
}

int ar_store_copy(struct ar_store *src, struct ar_store *dst, long long *rows)
{
    int pg_src = ar_sql_kind(ar_store_sql(src)) == AR_SQL_PG;
    int pg_dst = ar_sql_kind(ar_store_sql(dst)) == AR_SQL_PG;
    int n_src = 0, n_dst = 0, rc;
    long long count = 0, changes = 0;
    *rows = 0;
    if (ar_store_schema_version(src) != ar_store_schema_version(dst)) {
        ar_msg(AR_MSG_ERR, "copy: the two databases are at different schema versions");
        return AR_EINVAL;
    }
    if ((rc = check_tables(src, &n_src)) || (rc = check_tables(dst, &n_dst)))
        return rc;
    if ((rc = ar_store_count(dst, &count)))
        return rc;
    if (count) {
        ar_msg(AR_MSG_ERR, "copy: the destination holds registrations already; it must be new");
        return AR_ECONFLICT;
    }
    /* one consistent state of the source while servers may write to it */
    if ((rc = ar_sql_exec(ar_store_sql(src), pg_src ? "BEGIN ISOLATION LEVEL REPEATABLE READ"
                                                      " READ ONLY"
                                                    : "BEGIN")))
        return rc;
    if ((rc = ar_store_stamp(src, &changes)) || (rc = ar_store_begin(dst)))
        goto out;
    for (const char *const *t = tables; !rc && *t; t++) {
        long long n = 0;
        if (!(rc = copy_table(src, dst, *t, &n)))
            *rows += n;
    }
    char sql[400];
    for (const char *const *t = with_id; !rc && pg_dst && *t; t++) {
        snprintf(sql, sizeof sql,
                 "SELECT setval(pg_get_serial_sequence('%s', 'id'), coalesce(max(id), 1),"
                 " max(id) IS NOT NULL) FROM %s",
                 *t, *t);
        rc = ar_sql_exec(ar_store_sql(dst), sql);
    }
    if (!rc) {
        snprintf(sql, sizeof sql, "UPDATE meta SET value = %lld WHERE key = 'changes'", changes);
        rc = ar_sql_exec(ar_store_sql(dst), sql);
    }
    if (rc)
        ar_store_rollback(dst);
    else
        rc = ar_store_commit(dst);
out:
    ar_sql_exec(ar_store_sql(src), "COMMIT");
    return rc;
}
