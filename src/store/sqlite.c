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
    ST_EXTRA, /* first of the slots for ar_sqlite_cached() */
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
    [ST_ORG_INSERT] =
        "INSERT INTO organisations(slug, name, kind, created) VALUES (?1, ?2, 'other', ?3)",
    [ST_REG_INSERT] = "INSERT INTO registrations(lars, org_id, created, updated, version, name,"
                      " descr, name_en, descr_en, status, pubcat, is_ai, source_id, themes)"
                      " VALUES (?1, ?2, ?3, ?3, 1, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [ST_VERSION_INSERT] = "INSERT INTO versions(reg_id, version, author, created, note, doc)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_FTS_INSERT] = "INSERT INTO registration_fts(rowid, nl, en) VALUES (?1, ?2, ?3)",
    [ST_STAMP] = "SELECT value FROM meta WHERE key = 'changes'",
};

struct ar_store {
    sqlite3 *db;
    struct ar_sql *sql; /* the same connection through the two-database layer (sql.h) */
    sqlite3_stmt *st[ST_COUNT];
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

int ar_sqlite_prep(struct ar_store *s, const char *what, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
        ar_msg(AR_MSG_ERR, "store: %s: %s", what, sqlite3_errmsg(s->db));
        return AR_EIO;
    }
    return 0;
}

void ar_sqlite_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

json_t *ar_sqlite_row(sqlite3_stmt *st)
{
    json_t *o = json_object();
    for (int c = 0; c < sqlite3_column_count(st); c++) {
        json_t *v;
        switch (sqlite3_column_type(st, c)) {
        case SQLITE_NULL: v = json_null(); break;
        case SQLITE_INTEGER: v = json_integer(sqlite3_column_int64(st, c)); break;
        default: v = json_string((const char *)sqlite3_column_text(st, c));
        }
        json_object_set_new(o, sqlite3_column_name(st, c), v ? v : json_null());
    }
    return o;
}

int ar_sqlite_all(sqlite3_stmt *st, json_t *(*row)(sqlite3_stmt *), json_t **out)
{
    json_t *arr = json_array();
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, row(st));
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) {
        json_decref(arr);
        return AR_EIO;
    }
    *out = arr;
    return 0;
}

int ar_sqlite_one(sqlite3_stmt *st, json_t *(*row)(sqlite3_stmt *), json_t **out)
{
    int r = sqlite3_step(st), rc = 0;
    if (r == SQLITE_ROW)
        *out = row(st);
    else
        rc = r == SQLITE_DONE ? AR_ENOTFOUND : AR_EIO;
    sqlite3_finalize(st);
    return rc;
}

int ar_sqlite_finish(struct ar_store *s, const char *what, sqlite3_stmt *st, int *changed)
{
    int r = sqlite3_step(st);
    int rc = r == SQLITE_DONE ? 0 : (r & 0xff) == SQLITE_CONSTRAINT ? AR_ECONFLICT : AR_EIO;
    if (rc == AR_EIO)
        ar_msg(AR_MSG_ERR, "store: %s write: %s", what, sqlite3_errmsg(s->db));
    if (changed)
        *changed = rc ? 0 : sqlite3_changes(s->db);
    sqlite3_finalize(st);
    return rc;
}

sqlite3 *ar_sqlite_db(struct ar_store *s)
{
    return s->db;
}

sqlite3_stmt *ar_sqlite_cached(struct ar_store *s, int slot, const char *sql)
{
    sqlite3_stmt **st = &s->st[ST_EXTRA + slot];
    if (!*st &&
        sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
        ar_msg(AR_MSG_ERR, "store: prepare: %s", sqlite3_errmsg(s->db));
        return NULL;
    }
    sqlite3_reset(*st);
    sqlite3_clear_bindings(*st);
    return *st;
}

static int fail(struct ar_store *s, const char *what)
{
    /* Log once, where it happens; callers only see the code. */
    ar_msg(AR_MSG_ERR, "store: %s: %s", what, sqlite3_errmsg(s->db));
    int ext = sqlite3_extended_errcode(s->db);
    if ((ext & 0xff) == SQLITE_CONSTRAINT)
        return AR_ECONFLICT;
    if ((ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED)
        return AR_EUNAVAIL;
    return AR_EIO;
}

static sqlite3_stmt *stmt(struct ar_store *s, int which)
{
    if (!s->st[which]) {
        if (sqlite3_prepare_v3(s->db, sql_text[which], -1, SQLITE_PREPARE_PERSISTENT, &s->st[which],
                               NULL) != SQLITE_OK) {
            fail(s, "prepare");
            return NULL;
        }
    }
    sqlite3_reset(s->st[which]);
    sqlite3_clear_bindings(s->st[which]);
    return s->st[which];
}

static int exec(struct ar_store *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        ar_msg(AR_MSG_ERR, "store: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return AR_EIO;
    }
    return 0;
}

int ar_store_schema_version(struct ar_store *s)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
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

/* Apply embedded migrations sqlite/NNNN_*.sql after the current user_version. */
static int migrate(struct ar_store *s, const char *path)
{
    int have = ar_store_schema_version(s), known = ar_store_schema_latest();
    if (have > known)
        return refuse_newer(path, have, known);
    for (int v = have + 1; v <= known; v++) {
        char prefix[40];
        snprintf(prefix, sizeof prefix, "migrations/sqlite/%04d_", v);
        const struct ar_asset *m = NULL;
        for (const struct ar_asset *a = ar_assets; a->name; a++)
            if (strncmp(a->name, prefix, strlen(prefix)) == 0)
                m = a;
        if (!m) {
            ar_msg(AR_MSG_ERR, "migration %04d missing", v);
            return AR_EIO;
        }
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v);
        if (exec(s, "BEGIN IMMEDIATE"))
            return AR_EIO;
        if (exec(s, m->data) || exec(s, pragma)) {
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
    int b = 0;
    while (b < AR_DB_BUCKETS - 1 && (double)ns / 1e9 > ar_store_timing_bounds[b])
        b++;
    atomic_fetch_add_explicit(&g_db_buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&g_db_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&g_db_ns, ns, memory_order_relaxed);
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
    return exec(s, "PRAGMA wal_checkpoint(TRUNCATE)");
}

int ar_store_ops_figures(struct ar_store *s, const char *today, long long now, json_t **out)
{
    sqlite3_stmt *st;
    int rc = ar_sqlite_prep(
        s, "operations",
        "SELECT (SELECT coalesce(max(idx) + 1, 0) FROM log_leaves),"
        " (SELECT coalesce(max(strftime('%s', created)), 0) FROM log_checkpoints),"
        " (SELECT count(*) FROM withholdings WHERE state = 'withheld'),"
        " (SELECT count(*) FROM withholdings WHERE state = 'withheld' AND until <= ?1),"
        " (SELECT count(*) FROM aiact_cases WHERE state IN ('ACTIVE_URGENT', 'IN_USE_PENDING')"
        "  AND json_extract(machine, '$.deadline') > 0"
        "  AND json_extract(machine, '$.deadline') < ?2),"
        " (SELECT count(*) FROM outbox WHERE sent IS NULL AND failed IS NULL),"
        " (SELECT count(*) FROM outbox WHERE failed IS NOT NULL)",
        &st);
    if (rc)
        return rc;
    ar_sqlite_bind_text(st, 1, today);
    sqlite3_bind_int64(st, 2, now);
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "log_size",
                         (json_int_t)sqlite3_column_int64(st, 0), "checkpoint_time",
                         (json_int_t)sqlite3_column_int64(st, 1), "withheld",
                         (json_int_t)sqlite3_column_int64(st, 2), "withheld_past_end",
                         (json_int_t)sqlite3_column_int64(st, 3), "rbi_overdue",
                         (json_int_t)sqlite3_column_int64(st, 4), "mail_waiting",
                         (json_int_t)sqlite3_column_int64(st, 5), "mail_failed",
                         (json_int_t)sqlite3_column_int64(st, 6));
    else
        rc = AR_EIO;
    sqlite3_finalize(st);
    return rc;
}

int ar_store_open(struct ar_store **out, const char *uri, int create)
{
    struct ar_store *s = ar_xcalloc(1, sizeof *s);
    int rc = 0;
    s->log_size = -1;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    *out = NULL;
    if (!strncmp(uri, "postgresql://", 13) || !strncmp(uri, "postgres://", 11)) {
        /* the statement layer speaks PostgreSQL (sql.h); the store's files move onto it
         * one by one, and until all have, a PostgreSQL database is refused plainly */
        ar_msg(AR_MSG_ERR,
               "%s: this build stores in SQLite only; the PostgreSQL backend is"
               " not finished",
               "--db postgresql://…");
        rc = AR_EUNAVAIL;
        goto out;
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
    return inspect(path, 0, version);
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
    return copy_db(path, dest, 0, &v);
}

int ar_store_restore(const char *src, const char *dest)
{
    int v, rc;
    if ((rc = copy_db(src, dest, 1, &v)))
        return rc;
    struct ar_store *s = NULL;
    rc = ar_store_open(&s, dest, 0); /* migrates forward */
    ar_store_close(s);
    return rc;
}

void ar_store_close(struct ar_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    ar_sql_close(s->sql);
    sqlite3_close(s->db);
    free(s);
}

int ar_store_begin(struct ar_store *s)
{
    char sql[48];
    int rc;
    if (s->depth == 0) {
        /* IMMEDIATE takes the write lock now, so a transaction never fails half-way
         * on a lock upgrade. */
        rc = exec(s, "BEGIN IMMEDIATE");
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
    if (s->depth == 1 && s->dirty) {
        /* One bump per transaction, however many rows it wrote. */
        if (exec(s, "UPDATE meta SET value = value + 1 WHERE key = 'changes'")) {
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
        if (!sqlite3_get_autocommit(s->db))
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
    sqlite3_stmt *st = stmt(s, ST_ORG_BY_NAME);
    if (!st)
        return AR_EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return 0;
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE)
        return fail(s, "organisation lookup");
    /* New organisation: a slug that does not collide with an existing one. */
    char base[96], slug[110];
    ar_store_slugify(base, sizeof base, name);
    snprintf(slug, sizeof slug, "%s", base);
    for (int k = 2;; k++) {
        sqlite3_stmt *q = NULL;
        sqlite3_prepare_v2(s->db, "SELECT 1 FROM organisations WHERE slug = ?1", -1, &q, NULL);
        sqlite3_bind_text(q, 1, slug, -1, SQLITE_STATIC);
        int taken = sqlite3_step(q) == SQLITE_ROW;
        sqlite3_finalize(q);
        if (!taken)
            break;
        snprintf(slug, sizeof slug, "%s-%d", base, k);
    }
    st = stmt(s, ST_ORG_INSERT);
    if (!st)
        return AR_EIO;
    sqlite3_bind_text(st, 1, slug, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, "", -1, SQLITE_STATIC);
    r = sqlite3_step(st);
    sqlite3_reset(st);
    if (r != SQLITE_DONE)
        return fail(s, "organisation insert");
    s->dirty = 1;
    *id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int ar_store_org_put(struct ar_store *s, const struct ar_org *o)
{
    sqlite3_stmt *st = NULL;
    int rc = ar_store_begin(s), in_tx = !rc;
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO organisations(slug, name, kind, contact, created)"
                           " VALUES (?1, ?2, ?3, ?4, datetime('now')) ON CONFLICT(slug) DO"
                           " UPDATE SET name = excluded.name, kind = excluded.kind,"
                           " contact = excluded.contact",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s, "prepare");
        goto out;
    }
    sqlite3_bind_text(st, 1, o->slug, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, o->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, o->kind, -1, SQLITE_STATIC);
    if (o->contact)
        sqlite3_bind_text(st, 4, o->contact, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = fail(s, "organisation write");
        goto out;
    }
    s->dirty = 1;
    sqlite3_finalize(st);
    st = NULL;
    rc = ar_store_commit(s);
    in_tx = 0;
out:
    sqlite3_finalize(st);
    if (in_tx)
        ar_store_rollback(s);
    return rc;
}

static json_t *org_row(sqlite3_stmt *st)
{
    return json_pack("{s:s, s:s, s:s, s:s?, s:I}", "slug", sqlite3_column_text(st, 0), "name",
                     sqlite3_column_text(st, 1), "kind", sqlite3_column_text(st, 2), "contact",
                     (const char *)sqlite3_column_text(st, 3), "registrations",
                     (json_int_t)sqlite3_column_int64(st, 4));
}

#define ORG_SELECT                                                                                 \
    "SELECT o.slug, o.name, o.kind, o.contact, (SELECT count(*) FROM registrations r WHERE"        \
    " r.org_id = o.id AND r.retracted IS NULL) FROM organisations o"

int ar_store_org_get(struct ar_store *s, const char *slug, json_t **out)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    *out = NULL;
    if (sqlite3_prepare_v2(s->db, ORG_SELECT " WHERE o.slug = ?1", -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s, "prepare");
        goto out;
    }
    sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *out = org_row(st);
    else
        rc = r == SQLITE_DONE ? AR_ENOTFOUND : fail(s, "organisation get");
out:
    sqlite3_finalize(st);
    return rc;
}

int ar_store_org_list(struct ar_store *s, json_t **out)
{
    sqlite3_stmt *st = NULL;
    int rc = 0, r;
    json_t *arr = json_array();
    *out = NULL;
    if (sqlite3_prepare_v2(s->db, ORG_SELECT " ORDER BY o.name COLLATE NOCASE", -1, &st, NULL) !=
        SQLITE_OK) {
        rc = fail(s, "prepare");
        goto out;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, org_row(st));
    if (r != SQLITE_DONE) {
        rc = fail(s, "organisation list");
        goto out;
    }
    *out = arr;
    arr = NULL;
out:
    json_decref(arr);
    sqlite3_finalize(st);
    return rc;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
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
    sqlite3_stmt *st = stmt(s, ST_VERSION_INSERT);
    if (!st)
        return AR_EIO;
    sqlite3_bind_int64(st, 1, reg_id);
    sqlite3_bind_int(st, 2, version);
    sqlite3_bind_text(st, 3, w->author, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, w->created, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, w->note ? w->note : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, w->doc, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    if (r != SQLITE_DONE)
        return fail(s, "version insert");
    /* The full-text row mirrors the latest version only; a first version has nothing
     * to replace. */
    char sql[128];
    if (version > 1) {
        snprintf(sql, sizeof sql, "DELETE FROM registration_fts WHERE rowid = %lld", reg_id);
        if (exec(s, sql))
            return AR_EIO;
    }
    st = stmt(s, ST_FTS_INSERT);
    if (!st)
        return AR_EIO;
    sqlite3_bind_int64(st, 1, reg_id);
    sqlite3_bind_text(st, 2, w->text_nl ? w->text_nl : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, w->text_en ? w->text_en : "", -1, SQLITE_STATIC);
    r = sqlite3_step(st);
    sqlite3_reset(st);
    if (r != SQLITE_DONE)
        return fail(s, "index insert");
    return 0;
}

void ar_store_bulk(struct ar_store *s, int on)
{
    s->flat = on;
    exec(s, on ? "PRAGMA cache_size=-131072" : "PRAGMA cache_size=-8192");
    /* A rollback journal holds only the pages a bulk load changes (new pages are not
     * journalled), where WAL would write every page twice. Switching needs no other
     * connection; with a server running the database stays in WAL, which is fine. */
    sqlite3_exec(s->db, on ? "PRAGMA journal_mode=TRUNCATE" : "PRAGMA journal_mode=WAL", NULL, NULL,
                 NULL);
}

int ar_store_reg_insert(struct ar_store *s, const struct ar_reg_write *w)
{
    long long oid;
    int rc = org_id(s, w->org_name, &oid);
    if (rc)
        goto out;
    sqlite3_stmt *st = stmt(s, ST_REG_INSERT);
    if (!st) {
        rc = AR_EIO;
        goto out;
    }
    sqlite3_bind_text(st, 1, w->lars, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, oid);
    sqlite3_bind_text(st, 3, w->created, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, w->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, w->descr, -1, SQLITE_STATIC);
    bind_opt(st, 6, w->name_en);
    bind_opt(st, 7, w->descr_en);
    sqlite3_bind_text(st, 8, w->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, w->pubcat, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 10, w->is_ai);
    bind_opt(st, 11, w->source_id);
    char themes[512];
    themes_joined(themes, sizeof themes, w);
    sqlite3_bind_text(st, 12, themes, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    if (r != SQLITE_DONE) {
        rc = fail(s, "registration insert");
        goto out;
    }
    rc = write_version(s, sqlite3_last_insert_rowid(s->db), 1, w);
out:
    return rc;
}

int ar_store_reg_append(struct ar_store *s, const struct ar_reg_write *w, int expected_version,
                        int *new_version)
{
    sqlite3_stmt *st = NULL;
    long long oid, rid;
    int rc = 0, cur;
    if (sqlite3_prepare_v2(s->db, "SELECT id, version FROM registrations WHERE lars = ?1", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = fail(s, "prepare");
        goto out;
    }
    sqlite3_bind_text(st, 1, w->lars, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r != SQLITE_ROW) {
        rc = r == SQLITE_DONE ? AR_ENOTFOUND : fail(s, "registration lookup");
        goto out;
    }
    rid = sqlite3_column_int64(st, 0);
    cur = sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    st = NULL;
    if (expected_version && expected_version != cur) {
        rc = AR_ECONFLICT;
        goto out;
    }
    if ((rc = org_id(s, w->org_name, &oid)))
        goto out;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE registrations SET org_id = ?2, updated = ?3, version = ?4,"
                           " name = ?5, descr = ?6, name_en = ?7, descr_en = ?8, status = ?9,"
                           " pubcat = ?10, is_ai = ?11, source_id = ?12, themes = ?13"
                           " WHERE id = ?1",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s, "prepare");
        goto out;
    }
    sqlite3_bind_int64(st, 1, rid);
    sqlite3_bind_int64(st, 2, oid);
    sqlite3_bind_text(st, 3, w->created, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, cur + 1);
    sqlite3_bind_text(st, 5, w->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, w->descr, -1, SQLITE_STATIC);
    bind_opt(st, 7, w->name_en);
    bind_opt(st, 8, w->descr_en);
    sqlite3_bind_text(st, 9, w->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, w->pubcat, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 11, w->is_ai);
    bind_opt(st, 12, w->source_id);
    char themes[512];
    themes_joined(themes, sizeof themes, w);
    sqlite3_bind_text(st, 13, themes, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = fail(s, "registration update");
        goto out;
    }
    if ((rc = write_version(s, rid, cur + 1, w)))
        goto out;
    if (new_version)
        *new_version = cur + 1;
out:
    sqlite3_finalize(st);
    return rc;
}

int ar_store_reg_exists(struct ar_store *s, const char *lars)
{
    sqlite3_stmt *st =
        ar_sqlite_cached(s, SLOT_REG_EXISTS, "SELECT 1 FROM registrations WHERE lars = ?1");
    if (!st)
        return AR_EIO;
    sqlite3_bind_text(st, 1, lars, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    return r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? AR_ENOTFOUND : AR_EIO;
}

int ar_store_reg_retract(struct ar_store *s, const char *lars, const char *at)
{
    sqlite3_stmt *st = NULL;
    int rc = ar_store_reg_exists(s, lars);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE registrations SET retracted = ?2 WHERE lars = ?1 AND"
                           " (retracted IS NULL) = (?2 IS NOT NULL)",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "prepare");
    sqlite3_bind_text(st, 1, lars, -1, SQLITE_STATIC);
    if (at)
        sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = fail(s, "retract");
    else if (!sqlite3_changes(s->db))
        rc = AR_ECONFLICT;
    else
        s->dirty = 1; /* search, pages and counts change */
    sqlite3_finalize(st);
    return rc;
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
    sqlite3_stmt *st = NULL;
    json_t *m = json_object();
    int rc = 0, r;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT r.lars, r.retracted, o.slug FROM registrations r JOIN"
                           " organisations o ON o.id = r.org_id WHERE r.retracted IS NOT NULL",
                           -1, &st, NULL) != SQLITE_OK)
        rc = fail(s, "retracted");
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW)
        json_object_set_new(
            m, (const char *)sqlite3_column_text(st, 0),
            json_pack("[s, s]", sqlite3_column_text(st, 1), sqlite3_column_text(st, 2)));
    if (!rc && r != SQLITE_DONE)
        rc = fail(s, "retracted");
    sqlite3_finalize(st);
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
    const char *file = sqlite3_db_filename(s->db, "main");
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

int ar_store_org_registrations(struct ar_store *s, const char *slug, json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *arr = json_array();
    int rc = 0, r;
    *out = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT r.lars, r.name, r.updated, r.source_id, v.author, r.retracted"
                           " FROM registrations r JOIN organisations o ON o.id = r.org_id JOIN"
                           " versions v ON v.reg_id = r.id AND v.version = r.version WHERE"
                           " o.slug = ?1 ORDER BY r.id",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s, "prepare");
        goto out;
    }
    sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(
            arr,
            json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s*}", "id", sqlite3_column_text(st, 0), "name",
                      sqlite3_column_text(st, 1), "updated", sqlite3_column_text(st, 2),
                      "source_id", sqlite3_column_text(st, 3), "author", sqlite3_column_text(st, 4),
                      "retracted", sqlite3_column_text(st, 5)));
    if (r != SQLITE_DONE)
        rc = fail(s, "organisation registrations");
out:
    sqlite3_finalize(st);
    if (rc)
        json_decref(arr);
    else
        *out = arr;
    return rc;
}

int ar_store_reg_by_source(struct ar_store *s, const char *org_name, const char *source_id,
                           char lars_out[9])
{
    sqlite3_stmt *st = NULL;
    int rc = AR_ENOTFOUND;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT r.lars FROM registrations r JOIN organisations o ON"
                           " o.id = r.org_id WHERE o.name = ?1 AND r.source_id = ?2 LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s, "prepare");
        goto out;
    }
    sqlite3_bind_text(st, 1, org_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, source_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(lars_out, 9, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = 0;
    }
out:
    sqlite3_finalize(st);
    return rc;
}

int ar_store_version_get(struct ar_store *s, const char *lars, int version, json_t **out)
{
    sqlite3_stmt *st = stmt(s, version ? ST_GET_VERSION : ST_GET_LATEST);
    *out = NULL;
    if (!st)
        return AR_EIO;
    sqlite3_bind_text(st, 1, lars, -1, SQLITE_STATIC);
    if (version)
        sqlite3_bind_int(st, 2, version);
    int r = sqlite3_step(st);
    if (r != SQLITE_ROW) {
        sqlite3_reset(st);
        return r == SQLITE_DONE ? AR_ENOTFOUND : fail(s, "version get");
    }
#define T(i) ((const char *)sqlite3_column_text(st, i))
    *out = json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "id", T(0),
                     "version", sqlite3_column_int(st, 1), "versions", sqlite3_column_int(st, 2),
                     "author", T(3), "created", T(4), "note", T(5), "doc", T(6), "registered", T(7),
                     "organization", "slug", T(8), "name", T(9));
    if (*out && T(10))
        json_object_set_new(*out, "retracted", json_string(T(10)));
#undef T
    sqlite3_reset(st);
    return *out ? 0 : AR_EIO;
}

int ar_store_versions(struct ar_store *s, const char *lars, json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *arr = json_array();
    int rc = 0, r;
    *out = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT v.version, v.author, v.created, v.note FROM versions v JOIN"
                           " registrations r ON r.id = v.reg_id WHERE r.lars = ?1 ORDER BY"
                           " v.version DESC",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s, "prepare");
        goto out;
    }
    sqlite3_bind_text(st, 1, lars, -1, SQLITE_STATIC);
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(
            arr, json_pack("{s:i, s:s, s:s, s:s}", "version", sqlite3_column_int(st, 0), "author",
                           sqlite3_column_text(st, 1), "created", sqlite3_column_text(st, 2),
                           "note", sqlite3_column_text(st, 3)));
    if (r != SQLITE_DONE) {
        rc = fail(s, "versions");
        goto out;
    }
    if (json_array_size(arr) == 0) {
        rc = AR_ENOTFOUND;
        goto out;
    }
    *out = arr;
    arr = NULL;
out:
    json_decref(arr);
    sqlite3_finalize(st);
    return rc;
}

int ar_store_stamp(struct ar_store *s, long long *out)
{
    sqlite3_stmt *st = stmt(s, ST_STAMP);
    if (!st)
        return AR_EIO;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return r == SQLITE_ROW ? 0 : fail(s, "stamp");
}

int ar_store_count(struct ar_store *s, long long *out)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM registrations", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        rc = fail(s, "count");
    else
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc;
}

int ar_store_each_latest(struct ar_store *s, int (*fn)(void *ctx, const char *doc), void *ctx)
{
    sqlite3_stmt *st = NULL;
    int rc = 0, r;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT v.doc FROM registrations r JOIN versions v ON v.reg_id = r.id"
                           " AND v.version = r.version WHERE r.retracted IS NULL ORDER BY r.id",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = fail(s, "prepare");
        goto out;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = fn(ctx, (const char *)sqlite3_column_text(st, 0))))
            goto out;
    if (r != SQLITE_DONE)
        rc = fail(s, "export");
out:
    sqlite3_finalize(st);
    return rc;
}
