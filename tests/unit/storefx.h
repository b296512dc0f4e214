/* storefx.h — a unit test's store: a new database in a temporary file, with the clock
 * set (ALGOREG_NOW), and its removal with the WAL files. One per test binary. */
#ifndef AR_TESTS_STOREFX_H
#define AR_TESTS_STOREFX_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store/store.h"

static char storefx_path[96];

/* Open a fresh store named after what into *state, the clock at now (RFC 3339). */
static inline int storefx_open(void **state, const char *what, const char *now)
{
    struct ar_store *s = NULL;
    snprintf(storefx_path, sizeof storefx_path, "/tmp/algoreg-%s-%d.db", what, (int)getpid());
    unlink(storefx_path);
    if (ar_store_open(&s, storefx_path, 1))
        return -1;
    setenv("ALGOREG_NOW", now, 1);
    *state = s;
    return 0;
}

static inline int storefx_close(void **state)
{
    char p[128];
    ar_store_close(*state);
    unlink(storefx_path);
    snprintf(p, sizeof p, "%s-wal", storefx_path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", storefx_path);
    unlink(p);
    unsetenv("ALGOREG_NOW");
    return 0;
}

#endif
