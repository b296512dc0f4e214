/* sql.c — statements on SQLite or PostgreSQL behind one API; see sql.h. */
#include "store/sql.h"

#include "base/err.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* PostgreSQL type OIDs (pg_type.h is a server header; these numbers never change). */
enum { OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_OID = 26 };

#define MAX_PARAMS 64

static void (*_Atomic g_timer)(unsigned long long ns);

void ar_sql_set_timer(void (*fn)(unsigned long long ns))
{
    g_timer = fn;
}

/* A PostgreSQL round trip, timed for the metrics. */
static PGresult *timed(PGresult *(*run)(struct ar_sql_stmt *, struct ar_sql *, const char *),
                       struct ar_sql_stmt *st, struct ar_sql *c, const char *sql)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    PGresult *r = run(st, c, sql);
    void (*fn)(unsigned long long) = g_timer;
    if (fn) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        fn((unsigned long long)(b.tv_sec - a.tv_sec) * 1000000000ull +
           (unsigned long long)(b.tv_nsec - a.tv_nsec));
    }
    return r;
}

struct ar_sql {
    enum ar_sql_kind kind;
    sqlite3 *db;
    PGconn *pg;
    unsigned gen;   /* PostgreSQL: bumped at each reconnection (prepared statements die) */
    unsigned names; /* PostgreSQL: prepared statements named so far */
    char err[512];
};

struct ar_sql_stmt {
    struct ar_sql *c;
    sqlite3_stmt *lite;
    /* PostgreSQL: the translated text, the parameters (text or binary for blobs), the
     * result of the last execution and the row the caller is on. */
    char *sql;
    int nparams;
    char *vals[MAX_PARAMS];
    int lens[MAX_PARAMS], fmts[MAX_PARAMS];
    PGresult *res;
    int row, nrows;
    long long changes;
    unsigned char *blob; /* the last bytea value decoded */
    int stepped;         /* SQLite: stepped since the last binding (reset before binding) */
    int keep;            /* PostgreSQL: prepared on the server once (ar_sql_keep) */
    unsigned gen;        /* the connection generation it was prepared in */
    char name[24];
    int stream; /* PostgreSQL: read through a cursor (ar_sql_stream) */
    int open;   /* … which is declared and not closed yet */
    char cursor[24];
};

struct ar_sql *ar_sql_sqlite(sqlite3 *db)
{
    struct ar_sql *c = calloc(1, sizeof *c);
    if (c) {
        c->kind = AR_SQL_SQLITE;
        c->db = db;
    }
    return c;
}

/* UTC and unambiguous text: what the store reads back must not depend on the server's
 * or the role's settings. No parallel plans: the register answers many small requests
 * at once, and starting workers for one of them cost more than it saved (similar
 * entries at 100,000 registrations: 110 ms with two workers, 11 ms without) while
 * taking the cores the other requests need. 1 when set. */
static int pg_session(struct ar_sql *c)
{
    PGresult *r = PQexec(c->pg, "SET TIME ZONE 'UTC'; SET client_encoding = 'UTF8';"
                                " SET standard_conforming_strings = on;"
                                " SET max_parallel_workers_per_gather = 0");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok;
}

/* A connection the server dropped (restart, failover, network) is made again before the
 * next statement; whatever transaction it had is gone, and the statement that found
 * the loss failed with AR_EUNAVAIL. 0, or AR_EUNAVAIL while the server stays away. */
static int pg_alive(struct ar_sql *c)
{
    if (PQstatus(c->pg) == CONNECTION_OK)
        return 0;
    PQreset(c->pg);
    if (PQstatus(c->pg) != CONNECTION_OK || !pg_session(c)) {
        const char *m = PQerrorMessage(c->pg);
        snprintf(c->err, sizeof c->err, "the database is unreachable: %.*s", (int)strcspn(m, "\n"),
                 m);
        return AR_EUNAVAIL;
    }
    c->err[0] = '\0';
    c->gen++;
    return 0;
}

int ar_sql_pg(struct ar_sql **out, const char *conninfo, char *why, size_t whylen)
{
    struct ar_sql *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c) {
        snprintf(why, whylen, "out of memory");
        return AR_EIO;
    }
    c->kind = AR_SQL_PG;
    c->pg = PQconnectdb(conninfo);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        const char *m = c->pg ? PQerrorMessage(c->pg) : "out of memory";
        snprintf(why, whylen, "%.*s", (int)strcspn(m, "\n"), m);
        ar_sql_close(c);
        return AR_EUNAVAIL;
    }
    if (!pg_session(c)) {
        snprintf(why, whylen, "the session could not be set up: %s", PQerrorMessage(c->pg));
        ar_sql_close(c);
        return AR_EIO;
    }
    *out = c;
    return 0;
}

void ar_sql_close(struct ar_sql *c)
{
    if (!c)
        return;
    if (c->pg)
        PQfinish(c->pg);
    free(c);
}

enum ar_sql_kind ar_sql_kind(const struct ar_sql *c)
{
    return c->kind;
}

const char *ar_sql_errmsg(const struct ar_sql *c)
{
    if (c->kind == AR_SQL_SQLITE)
        return sqlite3_errmsg(c->db);
    return c->err[0] ? c->err : PQerrorMessage(c->pg);
}

/* An error of a PostgreSQL result as an AR_E* code; the message is kept. */
static int pg_error(struct ar_sql *c, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg);
    snprintf(c->err, sizeof c->err, "%.*s", (int)strcspn(m, "\n"), m);
    if (PQstatus(c->pg) != CONNECTION_OK || (state && !strncmp(state, "08", 2)))
        return AR_EUNAVAIL;
    if (state && !strncmp(state, "23", 2)) /* integrity constraint violation */
        return AR_ECONFLICT;
    return AR_EIO;
}

static int lite_code(int r)
{
    return r == SQLITE_ROW                      ? AR_SQL_ROW
           : r == SQLITE_DONE || r == SQLITE_OK ? AR_SQL_DONE
           : (r & 0xff) == SQLITE_CONSTRAINT    ? AR_ECONFLICT
                                                : AR_EIO;
}

static PGresult *run_exec(struct ar_sql_stmt *st, struct ar_sql *c, const char *sql)
{
    (void)st;
    return PQexec(c->pg, sql);
}

static PGresult *run_params(struct ar_sql_stmt *st, struct ar_sql *c, const char *sql)
{
    if (!st->keep)
        return PQexecParams(c->pg, sql, st->nparams, NULL, (const char *const *)st->vals, st->lens,
                            st->fmts, 0);
    if (st->gen != c->gen || !st->name[0]) { /* parsed and planned once per connection */
        snprintf(st->name, sizeof st->name, "ar%u", ++c->names);
        PGresult *p = PQprepare(c->pg, st->name, sql, st->nparams, NULL);
        if (PQresultStatus(p) != PGRES_COMMAND_OK)
            return p; /* the error, as a result */
        PQclear(p);
        st->gen = c->gen;
    }
    return PQexecPrepared(c->pg, st->name, st->nparams, (const char *const *)st->vals, st->lens,
                          st->fmts, 0);
}

int ar_sql_exec(struct ar_sql *c, const char *sql)
{
    if (c->kind == AR_SQL_SQLITE)
        return lite_code(sqlite3_exec(c->db, sql, NULL, NULL, NULL));
    int rc = pg_alive(c);
    if (rc)
        return rc;
    PGresult *r = timed(run_exec, NULL, c, sql);
    ExecStatusType s = PQresultStatus(r);
    rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY ? 0
                                                                                 : pg_error(c, r);
    PQclear(r);
    return rc;
}

/* ?N and ? become $N; quoted text, quoted names and comments are copied untouched.
 * *n gets the highest parameter number. NULL when a number is out of range. */
static char *pg_text(const char *sql, int *n)
{
    size_t len = strlen(sql);
    char *out = malloc(len * 3 + 1), *o = out; /* "?" may become "$64" */
    int seq = 0;
    *n = 0;
    if (!out)
        return NULL;
    for (const char *p = sql; *p;) {
        if (*p == '\'' || *p == '"') {
            char q = *p;
            *o++ = *p++;
            while (*p && *p != q)
                *o++ = *p++;
            if (*p)
                *o++ = *p++;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                *o++ = *p++;
        } else if (*p == '?') {
            char *end;
            long k = strtol(p + 1, &end, 10);
            if (end == p + 1)
                k = ++seq;
            if (k < 1 || k > MAX_PARAMS) {
                free(out);
                return NULL;
            }
            o += sprintf(o, "$%ld", k);
            p = end;
            if (k > *n)
                *n = (int)k;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

int ar_sql_prepare(struct ar_sql *c, const char *sql, struct ar_sql_stmt **out)
{
    struct ar_sql_stmt *st = calloc(1, sizeof *st);
    *out = NULL;
    if (!st)
        return AR_EIO;
    st->c = c;
    if (c->kind == AR_SQL_SQLITE) {
        if (sqlite3_prepare_v2(c->db, sql, -1, &st->lite, NULL) != SQLITE_OK) {
            free(st);
            return AR_EIO;
        }
    } else if (!(st->sql = pg_text(sql, &st->nparams))) {
        snprintf(c->err, sizeof c->err, "a parameter number is outside 1..%d", MAX_PARAMS);
        free(st);
        return AR_EIO;
    }
    *out = st;
    return 0;
}

/* SQLite: a new binding after a step starts the statement over. */
static sqlite3_stmt *lite_bind(struct ar_sql_stmt *st)
{
    if (st->stepped) {
        sqlite3_reset(st->lite);
        st->stepped = 0;
    }
    return st->lite;
}

/* Close a stream's cursor; sure when it was just read from. Otherwise, inside a
 * transaction, it may be gone already (a rollback drops a cursor declared in it) and a
 * failing CLOSE would abort the transaction the caller is in now, so it is looked up
 * first. */
static void pg_close(struct ar_sql_stmt *st, int sure)
{
    if (!st->open)
        return;
    st->open = 0;
    PGconn *pg = st->c->pg;
    if (PQstatus(pg) != CONNECTION_OK || PQtransactionStatus(pg) == PQTRANS_INERROR)
        return;
    char sql[96];
    if (!sure && PQtransactionStatus(pg) == PQTRANS_INTRANS) {
        const char *name = st->cursor;
        PGresult *r = PQexecParams(pg, "SELECT 1 FROM pg_cursors WHERE name = $1", 1, NULL, &name,
                                   NULL, NULL, 0);
        int there = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
        PQclear(r);
        if (!there)
            return;
    }
    snprintf(sql, sizeof sql, "CLOSE %s", st->cursor);
    PQclear(PQexec(pg, sql));
}

/* PostgreSQL: a new binding starts the statement over. */
static void pg_reset(struct ar_sql_stmt *st)
{
    pg_close(st, 0);
    PQclear(st->res);
    st->res = NULL;
    st->row = st->nrows = 0;
    st->changes = 0;
}

static void pg_set(struct ar_sql_stmt *st, int i, char *v, int len, int fmt)
{
    pg_reset(st);
    if (i < 1 || i > st->nparams) { /* like SQLite, a number the SQL lacks is ignored */
        free(v);
        return;
    }
    free(st->vals[i - 1]);
    st->vals[i - 1] = v;
    st->lens[i - 1] = len;
    st->fmts[i - 1] = fmt;
}

void ar_sql_bind_text(struct ar_sql_stmt *st, int i, const char *v)
{
    if (st->lite) {
        if (v)
            sqlite3_bind_text(lite_bind(st), i, v, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(lite_bind(st), i);
        return;
    }
    pg_set(st, i, v ? strdup(v) : NULL, 0, 0);
}

void ar_sql_bind_int64(struct ar_sql_stmt *st, int i, long long v)
{
    if (st->lite) {
        sqlite3_bind_int64(lite_bind(st), i, v);
        return;
    }
    char *s = malloc(24);
    if (s)
        snprintf(s, 24, "%lld", v);
    pg_set(st, i, s, 0, 0);
}

void ar_sql_bind_blob(struct ar_sql_stmt *st, int i, const void *v, size_t len)
{
    if (st->lite) {
        sqlite3_bind_blob(lite_bind(st), i, v, (int)len, SQLITE_TRANSIENT);
        return;
    }
    char *b = malloc(len ? len : 1);
    if (b && len)
        memcpy(b, v, len);
    pg_set(st, i, b, (int)len, 1); /* binary: bytea arrives as it is */
}

void ar_sql_bind_null(struct ar_sql_stmt *st, int i)
{
    ar_sql_bind_text(st, i, NULL);
}

static PGresult *run_declare(struct ar_sql_stmt *st, struct ar_sql *c, const char *sql)
{
    size_t len = strlen(sql) + 80;
    char *decl = malloc(len);
    if (!decl)
        return NULL;
    snprintf(decl, len, "DECLARE %s NO SCROLL CURSOR WITH HOLD FOR %s", st->cursor, sql);
    PGresult *r = PQexecParams(c->pg, decl, st->nparams, NULL, (const char *const *)st->vals,
                               st->lens, st->fmts, 0);
    free(decl);
    return r;
}

/* The next batch of a stream's rows into st->res (the cursor is closed after the last).
 * 0 or an error code. */
static int pg_fetch(struct ar_sql_stmt *st)
{
    char sql[80];
    snprintf(sql, sizeof sql, "FETCH FORWARD %d FROM %s", AR_SQL_BATCH, st->cursor);
    PQclear(st->res);
    st->res = timed(run_exec, st, st->c, sql);
    if (PQresultStatus(st->res) != PGRES_TUPLES_OK) {
        int err = pg_error(st->c, st->res);
        PQclear(st->res);
        st->res = NULL;
        st->open = 0;
        return err;
    }
    st->nrows = PQntuples(st->res);
    st->row = 0;
    if (st->nrows < AR_SQL_BATCH)
        pg_close(st, 1);
    return 0;
}

/* The first step of a stream: declare its cursor and fetch the first batch. */
static int pg_stream_start(struct ar_sql_stmt *st)
{
    snprintf(st->cursor, sizeof st->cursor, "arc%u", ++st->c->names);
    PGresult *r = timed(run_declare, st, st->c, st->sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        int err = r ? pg_error(st->c, r) : AR_EIO;
        PQclear(r);
        return err;
    }
    PQclear(r);
    st->open = 1;
    return pg_fetch(st);
}

int ar_sql_step(struct ar_sql_stmt *st)
{
    if (st->lite) {
        st->stepped = 1;
        int rc = lite_code(sqlite3_step(st->lite));
        if (rc == AR_SQL_DONE)
            st->changes = sqlite3_changes(st->c->db);
        return rc;
    }
    if (st->stream) {
        int rc = 0;
        if (!st->res)
            rc = pg_alive(st->c) ?: pg_stream_start(st);
        else if (++st->row >= st->nrows && st->open)
            rc = pg_fetch(st);
        return rc ? rc : st->row < st->nrows ? AR_SQL_ROW : AR_SQL_DONE;
    }
    if (!st->res) {
        int rc = pg_alive(st->c);
        if (rc)
            return rc;
        st->res = timed(run_params, st, st->c, st->sql);
        ExecStatusType s = PQresultStatus(st->res);
        if (s == PGRES_COMMAND_OK) {
            st->changes = atoll(PQcmdTuples(st->res));
            st->nrows = 0;
        } else if (s == PGRES_TUPLES_OK) {
            st->nrows = PQntuples(st->res);
            st->changes = atoll(PQcmdTuples(st->res)); /* … RETURNING */
        } else {
            int err = pg_error(st->c, st->res);
            PQclear(st->res);
            st->res = NULL;
            return err;
        }
        st->row = 0;
    } else {
        st->row++;
    }
    return st->row < st->nrows ? AR_SQL_ROW : AR_SQL_DONE;
}

long long ar_sql_changes(struct ar_sql_stmt *st)
{
    return st->changes;
}

int ar_sql_column_count(struct ar_sql_stmt *st)
{
    return st->lite ? sqlite3_column_count(st->lite) : st->res ? PQnfields(st->res) : 0;
}

const char *ar_sql_column_name(struct ar_sql_stmt *st, int i)
{
    return st->lite ? sqlite3_column_name(st->lite, i) : PQfname(st->res, i);
}

int ar_sql_column_type(struct ar_sql_stmt *st, int i)
{
    if (st->lite) {
        switch (sqlite3_column_type(st->lite, i)) {
        case SQLITE_NULL: return AR_SQL_NULL;
        case SQLITE_INTEGER: return AR_SQL_INT;
        case SQLITE_BLOB: return AR_SQL_BLOB;
        default: return AR_SQL_TEXT;
        }
    }
    if (!st->res || st->row >= st->nrows || PQgetisnull(st->res, st->row, i))
        return AR_SQL_NULL;
    switch (PQftype(st->res, i)) {
    case OID_BOOL:
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID: return AR_SQL_INT;
    case OID_BYTEA: return AR_SQL_BLOB;
    default: return AR_SQL_TEXT;
    }
}

const char *ar_sql_column_text(struct ar_sql_stmt *st, int i)
{
    if (st->lite)
        return (const char *)sqlite3_column_text(st->lite, i);
    if (ar_sql_column_type(st, i) == AR_SQL_NULL)
        return NULL;
    const char *v = PQgetvalue(st->res, st->row, i);
    if (PQftype(st->res, i) == OID_BOOL)
        return *v == 't' ? "1" : "0";
    return v;
}

long long ar_sql_column_int64(struct ar_sql_stmt *st, int i)
{
    if (st->lite)
        return sqlite3_column_int64(st->lite, i);
    const char *v = ar_sql_column_text(st, i);
    return v ? strtoll(v, NULL, 10) : 0;
}

const void *ar_sql_column_blob(struct ar_sql_stmt *st, int i, size_t *len)
{
    if (st->lite) {
        *len = (size_t)sqlite3_column_bytes(st->lite, i);
        return sqlite3_column_blob(st->lite, i);
    }
    *len = 0;
    if (ar_sql_column_type(st, i) == AR_SQL_NULL)
        return NULL;
    PQfreemem(st->blob);
    st->blob = NULL;
    if (PQftype(st->res, i) != OID_BYTEA) { /* text read as bytes, as SQLite does */
        *len = (size_t)PQgetlength(st->res, st->row, i);
        return PQgetvalue(st->res, st->row, i);
    }
    st->blob = PQunescapeBytea((const unsigned char *)PQgetvalue(st->res, st->row, i), len);
    return st->blob;
}

void ar_sql_finalize(struct ar_sql_stmt *st)
{
    if (!st)
        return;
    if (st->lite)
        sqlite3_finalize(st->lite);
    pg_close(st, 0);
    PQclear(st->res);
    PQfreemem(st->blob);
    for (int i = 0; i < MAX_PARAMS; i++)
        free(st->vals[i]);
    free(st->sql);
    free(st);
}

void ar_sql_reset(struct ar_sql_stmt *st)
{
    if (st->lite) {
        sqlite3_reset(st->lite);
        sqlite3_clear_bindings(st->lite);
        st->stepped = 0;
        return;
    }
    pg_reset(st);
    for (int i = 0; i < MAX_PARAMS; i++) {
        free(st->vals[i]);
        st->vals[i] = NULL;
        st->lens[i] = st->fmts[i] = 0;
    }
}

int ar_sql_in_transaction(const struct ar_sql *c)
{
    if (c->kind == AR_SQL_SQLITE)
        return !sqlite3_get_autocommit(c->db);
    return PQtransactionStatus(c->pg) != PQTRANS_IDLE;
}

void ar_sql_keep(struct ar_sql_stmt *st)
{
    st->keep = 1;
}

void ar_sql_stream(struct ar_sql_stmt *st)
{
    st->stream = !st->lite;
}

int ar_sql_wait_notify(struct ar_sql *c, int ms)
{
    if (c->kind != AR_SQL_PG || PQstatus(c->pg) != CONNECTION_OK)
        return AR_EUNAVAIL;
    struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
    if (p.fd < 0)
        return AR_EUNAVAIL;
    int n = poll(&p, 1, ms);
    if (n < 0)
        return errno == EINTR ? 0 : AR_EUNAVAIL;
    if (n == 0)
        return 0;
    if (!PQconsumeInput(c->pg) || PQstatus(c->pg) != CONNECTION_OK)
        return AR_EUNAVAIL;
    int got = 0;
    for (PGnotify *nf; (nf = PQnotifies(c->pg)); got = 1)
        PQfreemem(nf);
    return got;
}
