/* storefx.h — a unit test's store: a new database with the clock set (ALGOREG_NOW), and
 * its removal; several where a test needs them (storefx_make). A SQLite file in /tmp,
 * or, when ALGOREG_TEST_BACKEND=postgresql, a new database of the PostgreSQL at
 * ALGOREG_TEST_PG (scripts/run-tests.sh runs these binaries both ways). */
#ifndef AR_TESTS_STOREFX_H
#define AR_TESTS_STOREFX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sql.h"
#include "store/store.h"

/* Run one statement on the PostgreSQL server (database maintenance). */
static inline int storefx_pg(const char *sql)
{
    struct ar_sql *c = NULL;
    char why[256];
    if (ar_sql_pg(&c, getenv("ALGOREG_TEST_PG"), why, sizeof why)) {
        fprintf(stderr, "storefx: %s\n", why);
        return -1;
    }
    int rc = ar_sql_exec(c, sql);
    if (rc)
        fprintf(stderr, "storefx: %s\n", ar_sql_errmsg(c));
    ar_sql_close(c);
    return rc;
}

/* A new, empty database named after what (and n, for a test with several): a SQLite
 * file in /tmp or a new database on the PostgreSQL server; its location in f. */
struct storefx {
    char path[600];
    char pgname[64];
};

static inline int storefx_make(struct storefx *f, const char *what, int n, struct ar_store **out)
{
    const char *backend = getenv("ALGOREG_TEST_BACKEND"), *uri = getenv("ALGOREG_TEST_PG");
    f->pgname[0] = '\0';
    if (backend && !strcmp(backend, "postgresql") && uri) {
        char sql[128];
        snprintf(f->pgname, sizeof f->pgname, "unit_%s%d_%d", what, n, (int)getpid());
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", f->pgname);
        if (storefx_pg(sql))
            return -1;
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", f->pgname);
        if (storefx_pg(sql))
            return -1;
        const char *slash = strrchr(uri, '/');
        snprintf(f->path, sizeof f->path, "%.*s/%s", (int)(slash ? slash - uri : (long)strlen(uri)),
                 uri, f->pgname);
    } else {
        snprintf(f->path, sizeof f->path, "/tmp/algoreg-%s%d-%d.db", what, n, (int)getpid());
        ar_store_remove_file(f->path);
    }
    return ar_store_open(out, f->path, 1) ? -1 : 0;
}

/* Close s (may be NULL) and remove its database. */
static inline void storefx_remove(struct storefx *f, struct ar_store *s)
{
    ar_store_close(s);
    if (f->pgname[0]) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", f->pgname);
        storefx_pg(sql);
    } else {
        ar_store_remove_file(f->path);
    }
}

/* The one store of most tests: a fresh store named after what in *state, the clock at
 * now (RFC 3339). */
static struct storefx storefx_main;
#define storefx_path (storefx_main.path)
#define storefx_pgname (storefx_main.pgname)

static inline int storefx_open(void **state, const char *what, const char *now)
{
    struct ar_store *s = NULL;
    if (storefx_make(&storefx_main, what, 0, &s))
        return -1;
    setenv("ALGOREG_NOW", now, 1);
    *state = s;
    return 0;
}

static inline int storefx_close(void **state)
{
    storefx_remove(&storefx_main, *state);
    unsetenv("ALGOREG_NOW");
    return 0;
}

#endif
