/* sqlite.c — the SQLite implementation of store.h.
 *
 * WAL mode so readers never block the writer; foreign keys on; a bounded page cache
 * per connection (the server keeps one connection per worker thread). Migrations are
 * the numbered files under migrations/sqlite, embedded in the binary and applied in
 * order inside one transaction each; PRAGMA user_version records the last one. */
#include "store/store.h"
#include "store/sqlite_int.h"
#include "store/sql.h"
#include "base/assets.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/msg.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
    ST_GET_LATEST,
    ST_GET_VERSION,
    ST_ORG_BY_NAME,
    ST_ORG_INSERT,
    ST_REG_INSERT,
    ST_VERSION_INSERT,
    ST_FTS_INSERT,
    ST_STAMP,
    ST_BUMP,
    ST_EXTRA, /* first of the slots for ar_store_sql_cached() */
    ST_COUNT = ST_EXTRA + 16
};

static const char *const sql_text[ST_COUNT] = {
    [ST_GET_LATEST] =
        "SELECT r.lars, v.version, r.version, v.author, v.created, v.note, v.doc, r.created,"
        " o.slug, o.name, r.retracted FROM registrations r JOIN versions v ON v.reg_id = r.id"
        " AND v.version = r.version JOIN organisations o ON o.id = r.org_id WHERE r.lars = ?1",
    [ST_GET_VERSION] =
        "SELECT r.lars, v.version, r.version, v.author, v.created, v.note, v.doc, r.created,"
        " o.slug, o.name, r.retracted FROM registrations r JOIN versions v ON v.reg_id = r.id"
        " AND v.version = ?2 JOIN organisations o ON o.id = r.org_id WHERE r.lars = ?1",
    [ST_ORG_BY_NAME] = "SELECT id FROM organisations WHERE name = ?1",
    [ST_ORG_INSERT] = "INSERT INTO organisations(slug, name, kind, created) VALUES (?1, ?2,"
                      " 'other', ?3) RETURNING id",
    [ST_REG_INSERT] = "INSERT INTO registrations(lars, org_id, created, updated, version, name,"
                      " descr, name_en, descr_en, status, pubcat, is_ai, source_id, themes)"
                      " VALUES (?1, ?2, ?3, ?3, 1, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                      " ON CONFLICT (lars) DO NOTHING RETURNING id",
    [ST_VERSION_INSERT] = "INSERT INTO versions(reg_id, version, author, created, note, doc)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_FTS_INSERT] = "INSERT INTO registration_fts(rowid, nl, en) VALUES (?1, ?2, ?3)",
    [ST_STAMP] = "SELECT value FROM meta WHERE key = 'changes'",
    [ST_BUMP] = "UPDATE meta SET value = value + 1 WHERE key = 'changes' RETURNING value",
};

/* PostgreSQL advisory lock keys: one migration at a time, and one writer at a time, so
 * the log's leaves are sequenced by exactly one server (the tree never forks) and a
 * transaction sees what it reads until it commits, as with SQLite's single writer. */
#define AR_STORE_PG_MIGRATE_LOCK "7243519001"
#define AR_STORE_PG_WRITE_LOCK "7243519002"

struct ar_store {
    sqlite3 *db;        /* SQLite only; NULL on PostgreSQL */
    struct ar_sql *sql; /* the connection through the two-database layer (sql.h) */
    struct ar_sql_stmt *st[ST_COUNT];
    char uri[512];      /* what was opened: the file, or the PostgreSQL URI */
    int depth;          /* transaction nesting: 0 none, 1 BEGIN, >1 savepoints */
    int flat;           /* bulk mode: nested transactions are not savepoints */
    int poisoned;       /* bulk mode: a nested part rolled back, so the whole must */
    int dirty;          /* the open transaction changed data: bump meta.changes at commit */
    long long log_size; /* within a write transaction: the log's size, or -1 unknown */
};

void ar_sqlite_mark_dirty(struct ar_store *s)
{
    s->dirty = 1;
}

long long *ar_sqlite_log_size(struct ar_store *s)
{
    /* Only trusted inside a write transaction, where nobody else can append. */
    return s->depth > 0 ? &s->log_size : NULL;
}

const char *ar_store_db_id(struct ar_store *s)
{
    const char *f = s->db ? sqlite3_db_filename(s->db, "main") : s->uri;
    return f ? f : "";
}

struct ar_sql *ar_store_sql(struct ar_store *s)
{
    return s->sql;
}

int ar_store_sql_prep(struct ar_store *s, const char *what, const char *sql,
                      struct ar_sql_stmt **st)
{
    int rc = ar_sql_prepare(s->sql, sql, st);
    if (rc)
        ar_msg(AR_MSG_ERR, "store: %s: %s", what, ar_sql_errmsg(s->sql));
    return rc;
}

int ar_store_sql_write(struct ar_store *s, const char *what, struct ar_sql_stmt *st, int *changed)
{
    int rc = ar_sql_step(st);
    while (rc == AR_SQL_ROW) /* a write with RETURNING: run it to its end */
        rc = ar_sql_step(st);
    if (rc == AR_EIO || rc == AR_EUNAVAIL)
        ar_msg(AR_MSG_ERR, "store: %s write: %s", what, ar_sql_errmsg(s->sql));
    if (changed)
        *changed = rc ? 0 : (int)ar_sql_changes(st);
    ar_sql_finalize(st);
    return rc;
}

json_t *ar_store_sql_row(struct ar_sql_stmt *st)
{
    json_t *o = json_object();
    for (int c = 0; c < ar_sql_column_count(st); c++) {
        json_t *v;
        switch (ar_sql_column_type(st, c)) {
        case AR_SQL_NULL: v = json_null(); break;
        case AR_SQL_INT: v = json_integer(ar_sql_column_int64(st, c)); break;
        default: v = json_string(ar_sql_column_text(st, c));
        }
        json_object_set_new(o, ar_sql_column_name(st, c), v ? v : json_null());
    }
    return o;
}

int ar_store_sql_insert(struct ar_store *s, const char *what, struct ar_sql_stmt *st, long long *id)
{
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW) {
        if (id)
            *id = ar_sql_column_int64(st, 0);
        r = ar_sql_step(st);
    } else if (r == AR_SQL_DONE) {
        r = AR_EIO; /* no RETURNING row: the SQL lacks it */
    }
    if (r == AR_EIO || r == AR_EUNAVAIL)
        ar_msg(AR_MSG_ERR, "store: %s write: %s", what, ar_sql_errmsg(s->sql));
    ar_sql_finalize(st);
    return r;
}

int ar_store_sql_one(struct ar_store *s, struct ar_sql_stmt *st,
                     json_t *(*row)(struct ar_sql_stmt *), json_t **out)
{
    int r = ar_sql_step(st), rc = 0;
    if (r == AR_SQL_ROW)
        *out = row(st);
    else if (r == AR_SQL_DONE)
        rc = AR_ENOTFOUND;
    else {
        ar_msg(AR_MSG_ERR, "store: read: %s", ar_sql_errmsg(s->sql));
        rc = r < 0 ? r : AR_EIO;
    }
    ar_sql_finalize(st);
    return rc;
}

int ar_store_sql_all(struct ar_store *s, struct ar_sql_stmt *st,
                     json_t *(*row)(struct ar_sql_stmt *), json_t **out)
{
    json_t *arr = json_array();
    int rc;
    while ((rc = ar_sql_step(st)) == AR_SQL_ROW)
        json_array_append_new(arr, row(st));
    if (rc) {
        ar_msg(AR_MSG_ERR, "store: read: %s", ar_sql_errmsg(s->sql));
        json_decref(arr);
    } else {
        *out = arr;
    }
    ar_sql_finalize(st);
    return rc;
}

struct ar_sql_stmt *ar_store_sql_cached(struct ar_store *s, int slot, const char *sql)
{
    struct ar_sql_stmt **st = &s->st[ST_EXTRA + slot];
    if (!*st) {
        if (ar_store_sql_prep(s, "prepare", sql, st))
            return NULL;
        ar_sql_keep(*st);
    }
    ar_sql_reset(*st);
    return *st;
}

/* Log a failed statement once, where it happens; callers only see the code (what
 * ar_sql_step said: AR_ECONFLICT, AR_EUNAVAIL or AR_EIO). */
static int fail(struct ar_store *s, const char *what, int code)
{
    ar_msg(AR_MSG_ERR, "store: %s: %s", what, ar_sql_errmsg(s->sql));
    return code < 0 ? code : AR_EIO;
}

static struct ar_sql_stmt *stmt(struct ar_store *s, int which)
{
    if (!s->st[which]) {
        if (ar_store_sql_prep(s, "prepare", sql_text[which], &s->st[which]))
            return NULL;
        ar_sql_keep(s->st[which]);
    }
    ar_sql_reset(s->st[which]);
    return s->st[which];
}

static int exec(struct ar_store *s, const char *sql)
{
    int rc = ar_sql_exec(s->sql, sql);
    if (rc)
        ar_msg(AR_MSG_ERR, "store: %s", ar_sql_errmsg(s->sql));
    return rc;
}

static int is_pg(const struct ar_store *s)
{
    return ar_sql_kind(s->sql) == AR_SQL_PG;
}

/* ---- the change counter in memory (PostgreSQL; see ar_store_watch) ---------------------- */

static _Atomic long long g_stamp = -1; /* -1: not known now (no watcher connected) */
static _Atomic int g_watching;
static char g_watch_uri[512]; /* written before g_watching is set, never after */

static int watched(const struct ar_store *s)
{
    return is_pg(s) && atomic_load(&g_watching) && strcmp(s->uri, g_watch_uri) == 0;
}

/* Raise the copy to v; only when known already (raise_unknown: the watcher's read). */
static void stamp_raise(long long v, int raise_unknown)
{
    long long cur = atomic_load(&g_stamp);
    while ((cur >= 0 || raise_unknown) && cur < v &&
           !atomic_compare_exchange_weak(&g_stamp, &cur, v)) {
    }
}

int ar_store_schema_version(struct ar_store *s)
{
    /* SQLite: PRAGMA user_version; PostgreSQL: the meta row 'schema' (0 before the
     * first migration made the table) */
    struct ar_sql_stmt *st = NULL;
    int v = -1;
    if (is_pg(s) && ar_sql_prepare(s->sql, "SELECT to_regclass('meta') IS NOT NULL", &st) == 0 &&
        ar_sql_step(st) == AR_SQL_ROW && !ar_sql_column_int64(st, 0)) {
        ar_sql_finalize(st);
        return 0;
    }
    ar_sql_finalize(st);
    st = NULL;
    if (ar_sql_prepare(s->sql,
                       is_pg(s) ? "SELECT coalesce(max(value), 0) FROM meta WHERE key = 'schema'"
                                : "PRAGMA user_version",
                       &st) == 0 &&
        ar_sql_step(st) == AR_SQL_ROW)
        v = (int)ar_sql_column_int64(st, 0);
    ar_sql_finalize(st);
    return v;
}

int ar_store_schema_latest(void)
{
    int known = 0;
    for (const struct ar_asset *a = ar_assets; a->name; a++)
        if (strncmp(a->name, "migrations/sqlite/", 18) == 0)
            known++;
    return known;
}

static int refuse_newer(const char *path, int have, int known)
{
    ar_msg(AR_MSG_ERR,
           "%s has schema version %d, newer than this algoreg knows (%d): refusing to"
           " downgrade; run the algoreg that wrote it, or restore a backup made before"
           " the upgrade",
           path, have, known);
    return AR_EINVAL;
}

/* Apply the embedded migrations of the database's dialect (migrations/sqlite or
 * migrations/postgresql, NNNN_*.sql, the same numbers in both) after the current
 * version, each in its own transaction. On PostgreSQL several servers may start at once:
 * an advisory lock lets one migrate while the others wait, then find nothing to do. */
static int migrate(struct ar_store *s, const char *path)
{
    int pg = is_pg(s);
    int have = ar_store_schema_version(s), known = ar_store_schema_latest();
    if (have > known)
        return refuse_newer(path, have, known);
    for (int v = have + 1; v <= known; v++) {
        char prefix[48];
        snprintf(prefix, sizeof prefix, "migrations/%s/%04d_", pg ? "postgresql" : "sqlite", v);
        const struct ar_asset *m = NULL;
        for (const struct ar_asset *a = ar_assets; a->name; a++)
            if (strncmp(a->name, prefix, strlen(prefix)) == 0)
                m = a;
        if (!m) {
            ar_msg(AR_MSG_ERR, "migration %s missing", prefix);
            return AR_EIO;
        }
        char done[128];
        if (pg)
            snprintf(done, sizeof done,
                     "INSERT INTO meta (key, value) VALUES ('schema', %d) ON CONFLICT (key) DO"
                     " UPDATE SET value = excluded.value",
                     v);
        else
            snprintf(done, sizeof done, "PRAGMA user_version = %d", v);
        if (exec(s, pg ? "BEGIN; SELECT pg_advisory_xact_lock(" AR_STORE_PG_MIGRATE_LOCK ")"
                       : "BEGIN IMMEDIATE"))
            return AR_EIO;
        if (pg && ar_store_schema_version(s) >= v) { /* another server did it meanwhile */
            exec(s, "COMMIT");
            continue;
        }
        if (exec(s, m->data) || exec(s, done)) {
            exec(s, "ROLLBACK");
            return AR_EIO;
        }
        if (exec(s, "COMMIT"))
            return AR_EIO;
    }
    return 0;
}

/* ---- statement timings (for /metrics) ------------------------------------------------ */

const double ar_store_timing_bounds[AR_DB_BUCKETS - 1] = {0.00005, 0.0001, 0.0005, 0.001,
                                                          0.005,   0.01,   0.05,   0.25};
static _Atomic uint64_t g_db_buckets[AR_DB_BUCKETS], g_db_count, g_db_ns;

/* SQLite's own profile time has millisecond resolution on Unix: the start of each
 * statement is taken here with the monotonic clock, per thread (a few may be open at
 * once, one inside another). */
static __thread struct {
    void *stmt;
    struct timespec t0;
} tl_open[8];

/* One statement's time into the histogram (SQLite's profile hook, PostgreSQL's
 * executions through sql.h). */
static void record_ns(unsigned long long ns)
{
    int b = 0;
    while (b < AR_DB_BUCKETS - 1 && (double)ns / 1e9 > ar_store_timing_bounds[b])
        b++;
    atomic_fetch_add_explicit(&g_db_buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&g_db_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&g_db_ns, ns, memory_order_relaxed);
}

static int on_profile(unsigned type, void *ctx, void *stmt, void *ns_p)
{
    (void)ctx;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (type == SQLITE_TRACE_STMT) {
        const char *sql = ns_p;
        if (sql && sql[0] == '-' && sql[1] == '-')
            return 0; /* a trigger's sub-statement: the outer start counts */
        int slot = -1;
        for (int i = 0; i < 8 && slot < 0; i++)
            if (tl_open[i].stmt == stmt)
                slot = i; /* stepped again after a reset, or an address reused */
        for (int i = 0; i < 8 && slot < 0; i++)
            if (!tl_open[i].stmt)
                slot = i;
        if (slot >= 0)
            tl_open[slot].stmt = stmt, tl_open[slot].t0 = now;
        return 0;
    }
    if (type != SQLITE_TRACE_PROFILE)
        return 0;
    uint64_t ns = (uint64_t) * (sqlite3_int64 *)ns_p;
    for (int i = 0; i < 8; i++)
        if (tl_open[i].stmt == stmt) {
            ns = (uint64_t)(now.tv_sec - tl_open[i].t0.tv_sec) * 1000000000u +
                 (uint64_t)(now.tv_nsec - tl_open[i].t0.tv_nsec);
            tl_open[i].stmt = NULL;
            break;
        }
    record_ns(ns);
    return 0;
}

void ar_store_timings(uint64_t buckets[AR_DB_BUCKETS], uint64_t *count, uint64_t *sum_ns)
{
    for (int b = 0; b < AR_DB_BUCKETS; b++)
        buckets[b] = atomic_load_explicit(&g_db_buckets[b], memory_order_relaxed);
    *count = atomic_load_explicit(&g_db_count, memory_order_relaxed);
    *sum_ns = atomic_load_explicit(&g_db_ns, memory_order_relaxed);
}

int ar_store_ping(struct ar_store *s)
{
    return exec(s, "SELECT 1");
}

int ar_store_flush(struct ar_store *s)
{
    return is_pg(s) ? 0 : exec(s, "PRAGMA wal_checkpoint(TRUNCATE)");
}

int ar_store_ops_figures(struct ar_store *s, const char *today, long long now, json_t **out)
{
    struct ar_sql_stmt *st;
    /* the dialects differ in reading a time as seconds and a JSON member */
    int pg = is_pg(s);
    char sql[1200];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT coalesce(max(idx) + 1, 0) FROM log_leaves),"
             " (SELECT coalesce(max(%s), 0) FROM log_checkpoints),"
             " (SELECT count(*) FROM withholdings WHERE state = 'withheld'),"
             " (SELECT count(*) FROM withholdings WHERE state = 'withheld' AND until <= ?1),"
             " (SELECT count(*) FROM aiact_cases WHERE state IN ('ACTIVE_URGENT',"
             " 'IN_USE_PENDING') AND %s > 0 AND %s < ?2),"
             " (SELECT count(*) FROM outbox WHERE sent IS NULL AND failed IS NULL),"
             " (SELECT count(*) FROM outbox WHERE failed IS NOT NULL)",
             pg ? "CAST(extract(epoch FROM CAST(created AS timestamptz)) AS BIGINT)"
                : "CAST(strftime('%s', created) AS INTEGER)",
             pg ? "CAST(CAST(machine AS json)->>'deadline' AS BIGINT)"
                : "json_extract(machine, '$.deadline')",
             pg ? "CAST(CAST(machine AS json)->>'deadline' AS BIGINT)"
                : "json_extract(machine, '$.deadline')");
    int rc = ar_store_sql_prep(s, "operations", sql, &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, today);
    ar_sql_bind_int64(st, 2, now);
    if ((rc = ar_sql_step(st)) == AR_SQL_ROW) {
        *out = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "log_size",
                         (json_int_t)ar_sql_column_int64(st, 0), "checkpoint_time",
                         (json_int_t)ar_sql_column_int64(st, 1), "withheld",
                         (json_int_t)ar_sql_column_int64(st, 2), "withheld_past_end",
                         (json_int_t)ar_sql_column_int64(st, 3), "rbi_overdue",
                         (json_int_t)ar_sql_column_int64(st, 4), "mail_waiting",
                         (json_int_t)ar_sql_column_int64(st, 5), "mail_failed",
                         (json_int_t)ar_sql_column_int64(st, 6));
        rc = 0;
    } else {
        rc = fail(s, "operations", rc);
    }
    ar_sql_finalize(st);
    return rc;
}

int ar_store_open(struct ar_store **out, const char *uri, int create)
{
    struct ar_store *s = ar_xcalloc(1, sizeof *s);
    int rc = 0;
    s->log_size = -1;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    *out = NULL;
    snprintf(s->uri, sizeof s->uri, "%s", uri);
    if (ar_store_is_pg_uri(uri)) {
        char why[512];
        ar_sql_set_timer(record_ns);
        if ((rc = ar_sql_pg(&s->sql, uri, why, sizeof why))) {
            ar_msg(AR_MSG_ERR, "cannot open the database: %s", why);
            goto out;
        }
        if ((rc = migrate(s, "the PostgreSQL database")))
            goto out;
        *out = s;
        return 0;
    }
    if (sqlite3_open_v2(uri, &s->db, flags, NULL) != SQLITE_OK) {
        ar_msg(AR_MSG_ERR, "cannot open the database %s: %s%s", uri,
               s->db ? sqlite3_errmsg(s->db) : "out of memory",
               create ? "" : " (run algoreg init first)");
        rc = AR_EIO;
        goto out;
    }
    if (!(s->sql = ar_sql_sqlite(s->db))) {
        rc = AR_EIO;
        goto out;
    }
    sqlite3_busy_timeout(s->db, 5000);
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_trace_v2(s->db, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE, on_profile, NULL);
    /* 8 MiB page cache per connection keeps server RSS bounded with many workers. */
    if ((rc = exec(s, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
                      " PRAGMA synchronous=NORMAL; PRAGMA cache_size=-8192;"
                      " PRAGMA mmap_size=0; PRAGMA temp_store=MEMORY")))
        goto out;
    if ((rc = migrate(s, uri)))
        goto out;
    *out = s;
    s = NULL;
out:
    ar_store_close(s);
    return rc;
}

int ar_store_pg_reachable(const char *uri, char *why, size_t whylen)
{
    struct ar_sql *c = NULL;
    int rc = ar_sql_pg(&c, uri, why, whylen);
    ar_sql_close(c);
    return rc;
}

int ar_store_is_pg_uri(const char *uri)
{
    return uri && (!strncmp(uri, "postgresql://", 13) || !strncmp(uri, "postgres://", 11));
}

/* Open path read-only for a look: integrity, algoreg's meta table, user_version. */
static int inspect(const char *path, int full, int *version)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = AR_EIO;
    *version = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        ar_msg(AR_MSG_ERR, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    if (full) {
        if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW ||
            strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
            ar_msg(AR_MSG_ERR, "%s is damaged or not a database: %s", path,
                   st && sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0)
                                                    : sqlite3_errmsg(db));
            goto out;
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        ar_msg(AR_MSG_ERR, "%s is not a database: %s", path, sqlite3_errmsg(db));
        goto out;
    }
    *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (*version > 0 && sqlite3_prepare_v2(db, "SELECT 1 FROM meta WHERE key = 'changes'", -1, &st,
                                           NULL) != SQLITE_OK) {
        ar_msg(AR_MSG_ERR, "%s is an SQLite database, but not algoreg's", path);
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

int ar_store_file_version(const char *path, int *version)
{
    if (!ar_store_is_pg_uri(path))
        return inspect(path, 0, version);
    /* PostgreSQL: the meta row, read without migrating */
    struct ar_store s = {0};
    char why[512];
    if (ar_sql_pg(&s.sql, path, why, sizeof why)) {
        ar_msg(AR_MSG_ERR, "cannot open the database: %s", why);
        return AR_EIO;
    }
    *version = ar_store_schema_version(&s);
    ar_sql_close(s.sql);
    return *version < 0 ? AR_EIO : 0;
}

/* backup and restore copy SQLite files; a PostgreSQL database is copied with its own
 * tools until algoreg's own exist (issue 6). */
static int sqlite_only(const char *what, const char *a, const char *b)
{
    if (!ar_store_is_pg_uri(a) && !ar_store_is_pg_uri(b))
        return 0;
    ar_msg(AR_MSG_ERR, "%s copies SQLite databases; for PostgreSQL use pg_dump and pg_restore",
           what);
    return AR_EINVAL;
}

/* Copy everything of from into the file dest through SQLite's backup API, under a
 * temporary name made durable before the rename; AR_ECONFLICT when dest exists. */
static int copy_into(sqlite3 *from, const char *dest)
{
    char tmp[4200];
    sqlite3 *to = NULL;
    int rc = AR_EIO;
    if (access(dest, F_OK) == 0) {
        ar_msg(AR_MSG_ERR, "%s exists; it is never overwritten", dest);
        return AR_ECONFLICT;
    }
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.partial", dest) >= sizeof tmp)
        return AR_EINVAL;
    unlink(tmp);
    if (sqlite3_open_v2(tmp, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        ar_msg(AR_MSG_ERR, "cannot create %s: %s", tmp, to ? sqlite3_errmsg(to) : "out of memory");
        goto out;
    }
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    if (!b) {
        ar_msg(AR_MSG_ERR, "backup: %s", sqlite3_errmsg(to));
        goto out;
    }
    int step;
    /* In slices, so writers to the source get their turn; a write restarts the copy. */
    while ((step = sqlite3_backup_step(b, 256)) == SQLITE_OK || step == SQLITE_BUSY ||
           step == SQLITE_LOCKED)
        if (step != SQLITE_OK)
            sqlite3_sleep(20);
    sqlite3_backup_finish(b);
    if (step != SQLITE_DONE) {
        ar_msg(AR_MSG_ERR, "backup into %s failed: %s", tmp, sqlite3_errstr(step));
        goto out;
    }
    /* The copy is a plain rollback-journal file, complete in itself (no -wal beside it). */
    char *msg = NULL;
    if (sqlite3_exec(to, "PRAGMA journal_mode=DELETE", NULL, NULL, &msg) != SQLITE_OK) {
        ar_msg(AR_MSG_ERR, "backup: %s", msg ? msg : sqlite3_errmsg(to));
        sqlite3_free(msg);
        goto out;
    }
    rc = 0;
out:
    sqlite3_close(to);
    if (rc == 0) {
        int v;
        int fd = open(tmp, O_RDONLY);
        if (fd < 0 || fsync(fd) != 0)
            rc = AR_EIO;
        if (fd >= 0)
            close(fd);
        if (rc == 0 && (rc = inspect(tmp, 1, &v)) == 0 && rename(tmp, dest) != 0) {
            ar_msg(AR_MSG_ERR, "cannot name the copy %s: %s", dest, strerror(errno));
            rc = AR_EIO;
        }
    }
    if (rc)
        unlink(tmp);
    return rc;
}

/* Copy the algoreg database src into dest; full: integrity_check src first. */
static int copy_db(const char *src, const char *dest, int full, int *version)
{
    int rc;
    sqlite3 *from = NULL;
    if ((rc = inspect(src, full, version)))
        return rc;
    if (*version < 1) {
        ar_msg(AR_MSG_ERR, "%s is an empty database, not algoreg's", src);
        return AR_EINVAL;
    }
    if (*version > ar_store_schema_latest())
        return refuse_newer(src, *version, ar_store_schema_latest());
    if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        ar_msg(AR_MSG_ERR, "cannot open %s", src);
        sqlite3_close(from);
        return AR_EIO;
    }
    sqlite3_busy_timeout(from, 5000);
    rc = copy_into(from, dest);
    sqlite3_close(from);
    return rc;
}

int ar_store_backup(const char *path, const char *dest)
{
    int v;
    if (sqlite_only("backup", path, dest))
        return AR_EINVAL;
    return copy_db(path, dest, 0, &v);
}

int ar_store_restore(const char *src, const char *dest)
{
    int v, rc;
    if ((rc = sqlite_only("restore", src, dest)))
        return rc;
    if ((rc = copy_db(src, dest, 1, &v)))
        return rc;
    struct ar_store *s = NULL;
    rc = ar_store_open(&s, dest, 0); /* migrates forward */
    ar_store_close(s);
    return rc;
}

void ar_store_remove_file(const char *path)
{
    char side[4200];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

void ar_store_close(struct ar_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        ar_sql_finalize(s->st[i]);
    ar_sql_close(s->sql);
    if (s->db)
        sqlite3_close(s->db);
    free(s);
}

int ar_store_begin(struct ar_store *s)
{
    char sql[48];
    int rc;
    if (s->depth == 0) {
        /* IMMEDIATE takes the write lock now, so a transaction never fails half-way
         * on a lock upgrade; PostgreSQL's advisory lock does the same across servers. */
        rc = exec(s, is_pg(s) ? "BEGIN; SELECT pg_advisory_xact_lock(" AR_STORE_PG_WRITE_LOCK ")"
                              : "BEGIN IMMEDIATE");
        s->poisoned = 0;
        s->log_size = -1;
    } else if (s->flat) {
        rc = 0;
    } else {
        /* Nested: a savepoint, so a bulk import can undo one record alone. */
        snprintf(sql, sizeof sql, "SAVEPOINT sp%d", s->depth);
        rc = exec(s, sql);
    }
    if (!rc)
        s->depth++;
    return rc;
}

int ar_store_commit(struct ar_store *s)
{
    char sql[48];
    if (s->depth <= 0)
        return AR_EINVAL;
    if (s->depth > 1 && s->flat) {
        s->depth--;
        return 0;
    }
    if (s->depth == 1 && s->poisoned) {
        ar_msg(AR_MSG_ERR, "store: a part of the transaction failed; all of it was"
                           " rolled back");
        exec(s, "ROLLBACK");
        s->depth = 0;
        s->poisoned = 0;
        return AR_EIO;
    }
    long long bumped = -1;
    if (s->depth == 1 && s->dirty) {
        /* One bump per transaction, however many rows it wrote; on PostgreSQL the other
         * processes hear of it when (and only if) it commits (ar_store_watch). */
        struct ar_sql_stmt *st = stmt(s, ST_BUMP);
        int rc = st && ar_sql_step(st) == AR_SQL_ROW ? 0 : AR_EIO;
        if (!rc)
            bumped = ar_sql_column_int64(st, 0);
        if (st)
            ar_sql_reset(st);
        if (rc || (is_pg(s) && exec(s, "NOTIFY algoreg_changes"))) {
            exec(s, "ROLLBACK");
            s->depth = 0;
            s->dirty = 0;
            return AR_EIO;
        }
        s->dirty = 0;
    }
    if (s->depth == 1)
        snprintf(sql, sizeof sql, "COMMIT");
    else
        snprintf(sql, sizeof sql, "RELEASE sp%d", s->depth - 1);
    int rc = exec(s, sql);
    if (!rc)
        s->depth--;
    if (s->depth == 0)
        s->log_size = -1;
    if (!rc && bumped >= 0 && watched(s))
        stamp_raise(bumped, 0); /* the writer's next page shows the write */
    return rc;
}

void ar_store_rollback(struct ar_store *s)
{
    char sql[80];
    if (s->depth <= 0)
        return;
    if (s->depth > 1 && s->flat) {
        s->poisoned = 1;
        s->depth--;
        return;
    }
    s->log_size = -1; /* a rolled-back append must not be remembered */
    if (s->depth == 1) {
        s->dirty = 0;
        if (ar_sql_in_transaction(s->sql))
            exec(s, "ROLLBACK");
    } else {
        snprintf(sql, sizeof sql, "ROLLBACK TO sp%d; RELEASE sp%d", s->depth - 1, s->depth - 1);
        exec(s, sql);
    }
    s->depth--;
}

void ar_store_slugify(char *out, size_t n, const char *name)
{
    size_t j = 0;
    int dash = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && j + 1 < n; p++) {
        if (isalnum(*p) && *p < 0x80) {
            if (dash && j)
                out[j++] = '-';
            dash = 0;
            if (j + 1 < n)
                out[j++] = (char)tolower(*p);
        } else if (*p >= 0x80) {
            /* Fold common Latin-1 letters in UTF-8 (é, ë, ï …) to their base letter. */
            if (*p == 0xC3 && p[1]) {
                static const char fold[] = "aaaaaaaceeeeiiiidnooooo/ouuuuyby";
                unsigned c = p[1];
                if (c >= 0xA0 && c <= 0xBF && fold[c - 0xA0] != '/') {
                    if (dash && j)
                        out[j++] = '-';
                    dash = 0;
                    if (j + 1 < n)
                        out[j++] = fold[c - 0xA0];
                }
                p++;
            }
        } else {
            dash = 1;
        }
    }
    if (j == 0 && n > 4) {
        memcpy(out, "org", 3);
        j = 3;
    }
    out[j] = '\0';
}

static int org_id(struct ar_store *s, const char *name, long long *id)
{
    struct ar_sql_stmt *st = stmt(s, ST_ORG_BY_NAME);
    if (!st)
        return AR_EIO;
    ar_sql_bind_text(st, 1, name);
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW) {
        *id = ar_sql_column_int64(st, 0);
        ar_sql_reset(st);
        return 0;
    }
    ar_sql_reset(st);
    if (r != AR_SQL_DONE)
        return fail(s, "organisation lookup", r);
    /* New organisation: a slug that does not collide with an existing one. */
    char base[96], slug[110], now[32];
    ar_store_slugify(base, sizeof base, name);
    snprintf(slug, sizeof slug, "%s", base);
    for (int k = 2;; k++) {
        struct ar_sql_stmt *q = NULL;
        if ((r = ar_store_sql_prep(s, "organisation slug",
                                   "SELECT 1 FROM organisations WHERE"
                                   " slug = ?1",
                                   &q)))
            return r;
        ar_sql_bind_text(q, 1, slug);
        int taken = ar_sql_step(q) == AR_SQL_ROW;
        ar_sql_finalize(q);
        if (!taken)
            break;
        snprintf(slug, sizeof slug, "%s-%d", base, k);
    }
    if (!(st = stmt(s, ST_ORG_INSERT)))
        return AR_EIO;
    ar_clock_fmt(now, sizeof now, ar_clock_now());
    ar_sql_bind_text(st, 1, slug);
    ar_sql_bind_text(st, 2, name);
    ar_sql_bind_text(st, 3, now);
    r = ar_sql_step(st);
    if (r == AR_SQL_ROW)
        *id = ar_sql_column_int64(st, 0);
    ar_sql_reset(st);
    if (r != AR_SQL_ROW)
        return fail(s, "organisation insert", r);
    s->dirty = 1;
    return 0;
}

int ar_store_org_put(struct ar_store *s, const struct ar_org *o)
{
    struct ar_sql_stmt *st = NULL;
    char now[32];
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    ar_clock_fmt(now, sizeof now, ar_clock_now());
    if (!(rc = ar_store_sql_prep(s, "organisation write",
                                 "INSERT INTO organisations(slug, name, kind, contact, created)"
                                 " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(slug) DO"
                                 " UPDATE SET name = excluded.name, kind = excluded.kind,"
                                 " contact = excluded.contact",
                                 &st))) {
        ar_sql_bind_text(st, 1, o->slug);
        ar_sql_bind_text(st, 2, o->name);
        ar_sql_bind_text(st, 3, o->kind);
        ar_sql_bind_text(st, 4, o->contact);
        ar_sql_bind_text(st, 5, now);
        rc = ar_store_sql_write(s, "organisation write", st, NULL);
    }
    if (rc) {
        ar_store_rollback(s);
        return rc;
    }
    s->dirty = 1;
    return ar_store_commit(s);
}

static json_t *org_row(struct ar_sql_stmt *st)
{
    return json_pack("{s:s, s:s, s:s, s:s?, s:I}", "slug", ar_sql_column_text(st, 0), "name",
                     ar_sql_column_text(st, 1), "kind", ar_sql_column_text(st, 2), "contact",
                     ar_sql_column_text(st, 3), "registrations",
                     (json_int_t)ar_sql_column_int64(st, 4));
}

#define ORG_SELECT                                                                                 \
    "SELECT o.slug, o.name, o.kind, o.contact, (SELECT count(*) FROM registrations r WHERE"        \
    " r.org_id = o.id AND r.retracted IS NULL) FROM organisations o"

int ar_store_org_get(struct ar_store *s, const char *slug, json_t **out)
{
    struct ar_sql_stmt *st = NULL;
    *out = NULL;
    int rc = ar_store_sql_prep(s, "organisation get", ORG_SELECT " WHERE o.slug = ?1", &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, slug);
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW)
        *out = org_row(st);
    else
        rc = r == AR_SQL_DONE ? AR_ENOTFOUND : fail(s, "organisation get", r);
    ar_sql_finalize(st);
    return rc;
}

int ar_store_org_list(struct ar_store *s, json_t **out)
{
    struct ar_sql_stmt *st = NULL;
    *out = NULL;
    /* lower() folds ASCII only in both databases, as SQLite's NOCASE did */
    int rc = ar_store_sql_prep(s, "organisation list", ORG_SELECT " ORDER BY lower(o.name), o.name",
                               &st);
    return rc ? rc : ar_store_sql_all(s, st, org_row, out);
}

/* The themes as one column: "a|b|c" (theme names never contain '|'). */
static void themes_joined(char *out, size_t n, const struct ar_reg_write *w)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < w->nthemes && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%s", i ? "|" : "", w->themes[i]);
}

static int write_version(struct ar_store *s, long long reg_id, int version,
                         const struct ar_reg_write *w)
{
    s->dirty = 1;
    struct ar_sql_stmt *st = stmt(s, ST_VERSION_INSERT);
    if (!st)
        return AR_EIO;
    ar_sql_bind_int64(st, 1, reg_id);
    ar_sql_bind_int64(st, 2, version);
    ar_sql_bind_text(st, 3, w->author);
    ar_sql_bind_text(st, 4, w->created);
    ar_sql_bind_text(st, 5, w->note ? w->note : "");
    ar_sql_bind_text(st, 6, w->doc);
    int r = ar_sql_step(st);
    ar_sql_reset(st);
    if (r != AR_SQL_DONE)
        return fail(s, "version insert", r);
    /* The full-text row mirrors the latest version only; a first version has nothing
     * to replace. */
    char sql[128];
    if (version > 1) {
        snprintf(sql, sizeof sql, "DELETE FROM registration_fts WHERE rowid = %lld", reg_id);
        if (exec(s, sql))
            return AR_EIO;
    }
    if (!(st = stmt(s, ST_FTS_INSERT)))
        return AR_EIO;
    ar_sql_bind_int64(st, 1, reg_id);
    ar_sql_bind_text(st, 2, w->text_nl ? w->text_nl : "");
    ar_sql_bind_text(st, 3, w->text_en ? w->text_en : "");
    r = ar_sql_step(st);
    ar_sql_reset(st);
    if (r != AR_SQL_DONE)
        return fail(s, "index insert", r);
    return 0;
}

void ar_store_bulk(struct ar_store *s, int on)
{
    s->flat = on;
    if (is_pg(s))
        return;
    exec(s, on ? "PRAGMA cache_size=-131072" : "PRAGMA cache_size=-8192");
    /* A rollback journal holds only the pages a bulk load changes (new pages are not
     * journalled), where WAL would write every page twice. Switching needs no other
     * connection; with a server running the database stays in WAL, which is fine. */
    sqlite3_exec(s->db, on ? "PRAGMA journal_mode=TRUNCATE" : "PRAGMA journal_mode=WAL", NULL, NULL,
                 NULL);
}

/* The registration row's columns from w, from parameter first on: name, descr, name_en,
 * descr_en, status, pubcat, is_ai, source_id, themes. */
static void bind_reg(struct ar_sql_stmt *st, int first, const struct ar_reg_write *w)
{
    char themes[512];
    themes_joined(themes, sizeof themes, w);
    ar_sql_bind_text(st, first, w->name);
    ar_sql_bind_text(st, first + 1, w->descr);
    ar_sql_bind_text(st, first + 2, w->name_en);
    ar_sql_bind_text(st, first + 3, w->descr_en);
    ar_sql_bind_text(st, first + 4, w->status);
    ar_sql_bind_text(st, first + 5, w->pubcat);
    ar_sql_bind_int64(st, first + 6, w->is_ai);
    ar_sql_bind_text(st, first + 7, w->source_id);
    ar_sql_bind_text(st, first + 8, themes);
}

int ar_store_reg_insert(struct ar_store *s, const struct ar_reg_write *w)
{
    long long oid, rid = 0;
    int rc = org_id(s, w->org_name, &oid);
    if (rc)
        return rc;
    struct ar_sql_stmt *st = stmt(s, ST_REG_INSERT);
    if (!st)
        return AR_EIO;
    ar_sql_bind_text(st, 1, w->lars);
    ar_sql_bind_int64(st, 2, oid);
    ar_sql_bind_text(st, 3, w->created);
    bind_reg(st, 4, w);
    /* A taken id comes back as no row rather than an error: PostgreSQL aborts the whole
     * transaction on a failed statement, and the caller draws another id and goes on. */
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW)
        rid = ar_sql_column_int64(st, 0);
    ar_sql_reset(st);
    if (r == AR_SQL_DONE)
        return AR_ECONFLICT;
    if (r != AR_SQL_ROW)
        return fail(s, "registration insert", r);
    return write_version(s, rid, 1, w);
}

int ar_store_reg_append(struct ar_store *s, const struct ar_reg_write *w, int expected_version,
                        int *new_version)
{
    struct ar_sql_stmt *st = NULL;
    long long oid, rid;
    int rc, cur;
    if ((rc = ar_store_sql_prep(s, "registration lookup",
                                "SELECT id, version FROM registrations WHERE lars = ?1", &st)))
        return rc;
    ar_sql_bind_text(st, 1, w->lars);
    int r = ar_sql_step(st);
    if (r != AR_SQL_ROW) {
        ar_sql_finalize(st);
        return r == AR_SQL_DONE ? AR_ENOTFOUND : fail(s, "registration lookup", r);
    }
    rid = ar_sql_column_int64(st, 0);
    cur = (int)ar_sql_column_int64(st, 1);
    ar_sql_finalize(st);
    if (expected_version && expected_version != cur)
        return AR_ECONFLICT;
    if ((rc = org_id(s, w->org_name, &oid)))
        return rc;
    if ((rc = ar_store_sql_prep(s, "registration update",
                                "UPDATE registrations SET org_id = ?2, updated = ?3, version = ?4,"
                                " name = ?5, descr = ?6, name_en = ?7, descr_en = ?8, status = ?9,"
                                " pubcat = ?10, is_ai = ?11, source_id = ?12, themes = ?13"
                                " WHERE id = ?1",
                                &st)))
        return rc;
    ar_sql_bind_int64(st, 1, rid);
    ar_sql_bind_int64(st, 2, oid);
    ar_sql_bind_text(st, 3, w->created);
    ar_sql_bind_int64(st, 4, cur + 1);
    bind_reg(st, 5, w);
    if ((rc = ar_store_sql_write(s, "registration update", st, NULL)))
        return rc;
    if ((rc = write_version(s, rid, cur + 1, w)))
        return rc;
    if (new_version)
        *new_version = cur + 1;
    return 0;
}

int ar_store_reg_exists(struct ar_store *s, const char *lars)
{
    struct ar_sql_stmt *st =
        ar_store_sql_cached(s, SLOT_REG_EXISTS, "SELECT 1 FROM registrations WHERE lars = ?1");
    if (!st)
        return AR_EIO;
    ar_sql_bind_text(st, 1, lars);
    int r = ar_sql_step(st);
    ar_sql_reset(st);
    return r == AR_SQL_ROW ? 0 : r == AR_SQL_DONE ? AR_ENOTFOUND : r;
}

int ar_store_reg_retract(struct ar_store *s, const char *lars, const char *at)
{
    struct ar_sql_stmt *st = NULL;
    int n = 0, rc = ar_store_reg_exists(s, lars);
    if (rc)
        return rc;
    if ((rc = ar_store_sql_prep(s, "retract",
                                "UPDATE registrations SET retracted = ?2 WHERE lars = ?1 AND"
                                " (retracted IS NULL) = (CAST(?2 AS TEXT) IS NOT NULL)",
                                &st)))
        return rc;
    ar_sql_bind_text(st, 1, lars);
    ar_sql_bind_text(st, 2, at);
    if ((rc = ar_store_sql_write(s, "retract", st, &n)))
        return rc;
    if (!n)
        return AR_ECONFLICT;
    s->dirty = 1; /* search, pages and counts change */
    return 0;
}

/* The retracted registrations, read again only when the database changed (its stamp or
 * file differ): {lars: [time, organisation slug]}. A lookup per request cost the entry's
 * JSON a quarter of its speed; retracted entries are few. Freed at exit. */
static pthread_rwlock_t g_retracted_lock = PTHREAD_RWLOCK_INITIALIZER;
static json_t *g_retracted;
static long long g_retracted_stamp = -1;
static char g_retracted_file[512];

static void retracted_free(void)
{
    json_decref(g_retracted);
    g_retracted = NULL;
}

/* Renew the list for stamp under the write lock (another thread may have done it). */
static int retracted_load(struct ar_store *s, long long stamp, const char *file)
{
    struct ar_sql_stmt *st = NULL;
    json_t *m = json_object();
    int rc = ar_store_sql_prep(s, "retracted",
                               "SELECT r.lars, r.retracted, o.slug FROM registrations r JOIN"
                               " organisations o ON o.id = r.org_id WHERE r.retracted IS NOT NULL",
                               &st),
        r = 0;
    while (!rc && (r = ar_sql_step(st)) == AR_SQL_ROW)
        json_object_set_new(
            m, ar_sql_column_text(st, 0),
            json_pack("[s, s]", ar_sql_column_text(st, 1), ar_sql_column_text(st, 2)));
    if (!rc && r != AR_SQL_DONE)
        rc = fail(s, "retracted", r);
    ar_sql_finalize(st);
    if (rc) {
        json_decref(m);
        return rc;
    }
    if (!g_retracted)
        atexit(retracted_free);
    json_decref(g_retracted);
    g_retracted = m;
    g_retracted_stamp = stamp;
    snprintf(g_retracted_file, sizeof g_retracted_file, "%s", file);
    return 0;
}

int ar_store_reg_retracted(struct ar_store *s, long long stamp, const char *lars, char at[32],
                           char org[101])
{
    const char *file = ar_store_db_id(s);
    int rc = stamp < 0 ? ar_store_stamp(s, &stamp) : 0;
    at[0] = org[0] = '\0';
    if (rc)
        return rc;
    if (!file)
        file = "";
    /* readers share the lock; only a changed database takes it to write */
    pthread_rwlock_rdlock(&g_retracted_lock);
    int fresh = g_retracted && g_retracted_stamp == stamp && !strcmp(g_retracted_file, file);
    if (!fresh) {
        pthread_rwlock_unlock(&g_retracted_lock);
        pthread_rwlock_wrlock(&g_retracted_lock);
        if (!(g_retracted && g_retracted_stamp == stamp && !strcmp(g_retracted_file, file)))
            rc = retracted_load(s, stamp, file);
    }
    json_t *e = rc ? NULL : json_object_get(g_retracted, lars);
    if (e) {
        snprintf(at, 32, "%s", json_string_value(json_array_get(e, 0)));
        snprintf(org, 101, "%s", json_string_value(json_array_get(e, 1)));
    }
    pthread_rwlock_unlock(&g_retracted_lock);
    return rc;
}

static json_t *org_reg_row(struct ar_sql_stmt *st)
{
    return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s*}", "id", ar_sql_column_text(st, 0), "name",
                     ar_sql_column_text(st, 1), "updated", ar_sql_column_text(st, 2), "source_id",
                     ar_sql_column_text(st, 3), "author", ar_sql_column_text(st, 4), "retracted",
                     ar_sql_column_text(st, 5));
}

int ar_store_org_registrations(struct ar_store *s, const char *slug, json_t **out)
{
    struct ar_sql_stmt *st = NULL;
    *out = NULL;
    int rc = ar_store_sql_prep(s, "organisation registrations",
                               "SELECT r.lars, r.name, r.updated, r.source_id, v.author,"
                               " r.retracted FROM registrations r JOIN organisations o ON"
                               " o.id = r.org_id JOIN versions v ON v.reg_id = r.id AND"
                               " v.version = r.version WHERE o.slug = ?1 ORDER BY r.id",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, slug);
    return ar_store_sql_all(s, st, org_reg_row, out);
}

int ar_store_reg_by_source(struct ar_store *s, const char *org_name, const char *source_id,
                           char lars_out[9])
{
    struct ar_sql_stmt *st = NULL;
    int rc = ar_store_sql_prep(s, "registration by source",
                               "SELECT r.lars FROM registrations r JOIN organisations o ON"
                               " o.id = r.org_id WHERE o.name = ?1 AND r.source_id = ?2 LIMIT 1",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, org_name);
    ar_sql_bind_text(st, 2, source_id);
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW)
        snprintf(lars_out, 9, "%s", ar_sql_column_text(st, 0));
    rc = r == AR_SQL_ROW    ? 0
         : r == AR_SQL_DONE ? AR_ENOTFOUND
                            : fail(s, "registration by source", r);
    ar_sql_finalize(st);
    return rc;
}

int ar_store_version_get(struct ar_store *s, const char *lars, int version, json_t **out)
{
    struct ar_sql_stmt *st = stmt(s, version ? ST_GET_VERSION : ST_GET_LATEST);
    *out = NULL;
    if (!st)
        return AR_EIO;
    ar_sql_bind_text(st, 1, lars);
    if (version)
        ar_sql_bind_int64(st, 2, version);
    int r = ar_sql_step(st);
    if (r != AR_SQL_ROW) {
        ar_sql_reset(st);
        return r == AR_SQL_DONE ? AR_ENOTFOUND : fail(s, "version get", r);
    }
#define T(i) ar_sql_column_text(st, i)
    *out = json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "id", T(0),
                     "version", (int)ar_sql_column_int64(st, 1), "versions",
                     (int)ar_sql_column_int64(st, 2), "author", T(3), "created", T(4), "note", T(5),
                     "doc", T(6), "registered", T(7), "organization", "slug", T(8), "name", T(9));
    if (*out && T(10))
        json_object_set_new(*out, "retracted", json_string(T(10)));
#undef T
    ar_sql_reset(st);
    return *out ? 0 : AR_EIO;
}

static json_t *version_row(struct ar_sql_stmt *st)
{
    return json_pack("{s:i, s:s, s:s, s:s}", "version", (int)ar_sql_column_int64(st, 0), "author",
                     ar_sql_column_text(st, 1), "created", ar_sql_column_text(st, 2), "note",
                     ar_sql_column_text(st, 3));
}

int ar_store_versions(struct ar_store *s, const char *lars, json_t **out)
{
    struct ar_sql_stmt *st = NULL;
    *out = NULL;
    int rc = ar_store_sql_prep(s, "versions",
                               "SELECT v.version, v.author, v.created, v.note FROM versions v JOIN"
                               " registrations r ON r.id = v.reg_id WHERE r.lars = ?1 ORDER BY"
                               " v.version DESC",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    if ((rc = ar_store_sql_all(s, st, version_row, out)))
        return rc;
    if (json_array_size(*out) == 0) {
        json_decref(*out);
        *out = NULL;
        return AR_ENOTFOUND;
    }
    return 0;
}

static int read_counter(struct ar_sql *c, long long *v)
{
    struct ar_sql_stmt *st = NULL;
    int rc = ar_sql_prepare(c, sql_text[ST_STAMP], &st);
    if (!rc)
        rc = ar_sql_step(st) == AR_SQL_ROW ? 0 : AR_EUNAVAIL;
    if (!rc)
        *v = ar_sql_column_int64(st, 0);
    ar_sql_finalize(st);
    return rc;
}

void ar_store_watch(const char *uri, int (*stop)(void))
{
    if (!ar_store_is_pg_uri(uri))
        return;
    snprintf(g_watch_uri, sizeof g_watch_uri, "%s", uri);
    atomic_store(&g_watching, 1);
    int told = 0; /* a lost connection is logged once, not every second */
    while (!stop()) {
        struct ar_sql *c = NULL;
        char why[256] = "";
        long long v;
        /* listening first, then reading: a write between the two is not missed */
        if (ar_sql_pg(&c, uri, why, sizeof why) == 0 &&
            ar_sql_exec(c, "LISTEN algoreg_changes") == 0) {
            if (told)
                ar_msg(AR_MSG_NOTICE, "store: change notifications received again");
            told = 0;
            for (int w = 0; w >= 0 && !stop(); w = ar_sql_wait_notify(c, 1000)) {
                if (read_counter(c, &v))
                    break;
                stamp_raise(v, 1);
            }
        }
        atomic_store(&g_stamp, -1); /* every request asks the database meanwhile */
        if (!told && !stop())
            ar_msg(AR_MSG_WARNING,
                   "store: change notifications lost (%s); reading the change"
                   " counter per request until they are back",
                   why[0] ? why
                   : c    ? ar_sql_errmsg(c)
                          : "no connection");
        told = 1;
        ar_sql_close(c);
        for (int i = 0; i < 10 && !stop(); i++) {
            struct timespec t = {0, 100 * 1000 * 1000};
            nanosleep(&t, NULL);
        }
    }
    atomic_store(&g_watching, 0);
    atomic_store(&g_stamp, -1);
}

int ar_store_stamp(struct ar_store *s, long long *out)
{
    if (watched(s)) {
        long long v = atomic_load(&g_stamp);
        if (v >= 0) {
            *out = v;
            return 0;
        }
    }
    struct ar_sql_stmt *st = stmt(s, ST_STAMP);
    if (!st)
        return AR_EIO;
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW)
        *out = ar_sql_column_int64(st, 0);
    ar_sql_reset(st);
    return r == AR_SQL_ROW ? 0 : fail(s, "stamp", r);
}

int ar_store_count(struct ar_store *s, long long *out)
{
    struct ar_sql_stmt *st = NULL;
    int rc = ar_store_sql_prep(s, "count", "SELECT count(*) FROM registrations", &st);
    if (rc)
        return rc;
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW)
        *out = ar_sql_column_int64(st, 0);
    else
        rc = fail(s, "count", r);
    ar_sql_finalize(st);
    return rc;
}

int ar_store_each_latest(struct ar_store *s, int (*fn)(void *ctx, const char *doc), void *ctx)
{
    struct ar_sql_stmt *st = NULL;
    int r, rc = ar_store_sql_prep(s, "export",
                                  "SELECT v.doc FROM registrations r JOIN versions v ON"
                                  " v.reg_id = r.id AND v.version = r.version WHERE r.retracted"
                                  " IS NULL ORDER BY r.id",
                                  &st);
    if (rc)
        return rc;
    ar_sql_stream(st); /* a million documents */
    while ((r = ar_sql_step(st)) == AR_SQL_ROW)
        if ((rc = fn(ctx, ar_sql_column_text(st, 0))))
            break;
    if (!rc && r != AR_SQL_DONE)
        rc = fail(s, "export", r);
    ar_sql_finalize(st);
    return rc;
}
