/* storefx.h — a unit test's store: a new database with the clock set (ALGOREG_NOW), and
 * its removal. One per test binary. A SQLite file in /tmp, or, when
 * ALGOREG_TEST_BACKEND=postgresql, a new database of the PostgreSQL at ALGOREG_TEST_PG
 * (scripts/run-tests.sh runs these binaries both ways). */
#ifndef AR_TESTS_STOREFX_H
#define AR_TESTS_STOREFX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sql.h"
#include "store/store.h"

static char storefx_path[600];
static char storefx_pgname[64];

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

/* Open a fresh store named after what into *state, the clock at now (RFC 3339). */
static inline int storefx_open(void **state, const char *what, const char *now)
{
    struct ar_store *s = NULL;
    const char *backend = getenv("ALGOREG_TEST_BACKEND"), *uri = getenv("ALGOREG_TEST_PG");
    storefx_pgname[0] = '\0';
    if (backend && !strcmp(backend, "postgresql") && uri) {
        char sql[128];
        snprintf(storefx_pgname, sizeof storefx_pgname, "unit_%s_%d", what, (int)getpid());
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", storefx_pgname);
        if (storefx_pg(sql))
            return -1;
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", storefx_pgname);
        if (storefx_pg(sql))
            return -1;
        const char *slash = strrchr(uri, '/');
        snprintf(storefx_path, sizeof storefx_path, "%.*s/%s",
                 (int)(slash ? slash - uri : (long)strlen(uri)), uri, storefx_pgname);
    } else {
        snprintf(storefx_path, sizeof storefx_path, "/tmp/algoreg-%s-%d.db", what, (int)getpid());
        unlink(storefx_path);
    }
    if (ar_store_open(&s, storefx_path, 1))
        return -1;
    setenv("ALGOREG_NOW", now, 1);
    *state = s;
    return 0;
}

static inline int storefx_close(void **state)
{
    char p[700];
    ar_store_close(*state);
    if (storefx_pgname[0]) {
        snprintf(p, sizeof p, "DROP DATABASE IF EXISTS %s", storefx_pgname);
        storefx_pg(p);
    } else {
        unlink(storefx_path);
        snprintf(p, sizeof p, "%s-wal", storefx_path);
        unlink(p);
        snprintf(p, sizeof p, "%s-shm", storefx_path);
        unlink(p);
    }
    unsetenv("ALGOREG_NOW");
    return 0;
}

#endif
