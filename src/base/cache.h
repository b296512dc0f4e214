/* cache.h — a process-wide LRU of response bodies, bounded in bytes and entries.
 *
 * For pages whose bytes are fully determined by their key: callers put the database's
 * change stamp in the key, so a write anywhere makes every older entry unreachable (it
 * then ages out). Thread-safe. */
#ifndef AR_BASE_CACHE_H
#define AR_BASE_CACHE_H

#include <stddef.h>

#include "base/buf.h"

#define AR_CACHE_MAX_BYTES ((size_t)16 << 20)
#define AR_CACHE_MAX_ENTRIES 4096

/* Append the cached body for key to out and return 1, or return 0 on a miss. */
int ar_cache_get(const char *key, struct ar_buf *out);
/* Store a copy of body under key (replacing an older one). Bodies over 1 MiB are not
 * cached. */
void ar_cache_put(const char *key, const char *body, size_t len);
/* Drop everything (tests, shutdown). */
void ar_cache_clear(void);

#endif
