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

/* How long a request waits for another that renders the same key before it renders
 * the page itself. */
#define AR_CACHE_WAIT_MS 15000

/* Append the cached body for key to out and return 1, or return 0 on a miss. */
int ar_cache_get(const char *key, struct ar_buf *out);
/* As ar_cache_get, with one render per key ("single flight"): after a write every
 * visitor of a popular page misses at once, and rendering it 64 times over is what
 * made a large register stop answering. On a miss with nobody rendering key, the caller
 * claims it and gets 0: it renders and then calls ar_cache_put (or ar_cache_release when
 * it has nothing to store). On a miss while another request renders key, the caller
 * waits for it and gets its body (1); it gets 0 without a claim when that request
 * stored nothing or took longer than AR_CACHE_WAIT_MS. */
int ar_cache_get_or_claim(const char *key, struct ar_buf *out);
/* Store a copy of body under key (replacing an older one) and end any claim on key,
 * waking its waiters. Bodies over 1 MiB are not stored. */
void ar_cache_put(const char *key, const char *body, size_t len);
/* End the calling thread's claim on key, if it holds one, without storing anything
 * (an error page, a failed render). Safe to call after ar_cache_put. */
void ar_cache_release(const char *key);
struct ar_cache_stats {
    size_t entries, bytes;
    size_t rendering; /* keys claimed now */
    size_t waiting;   /* requests waiting for one of them */
};
/* The cache's figures now (for /metrics and tests). */
void ar_cache_stats(struct ar_cache_stats *out);
/* Drop everything (tests, shutdown). */
void ar_cache_clear(void);

#endif
