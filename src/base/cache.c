/* cache.c — hash table with chaining plus an LRU list, under one mutex; keys being
 * rendered are a short list beside it (one per request thread at most). */
#include "base/cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NBUCKETS 8192

struct entry {
    struct entry *hnext;       /* hash chain */
    struct entry *prev, *next; /* LRU list, most recent first */
    uint64_t hash;
    char *key;
    char *body;
    size_t len;
};

/* A key some request renders now. */
struct claim {
    struct claim *next;
    uint64_t hash;
    char *key;
    pthread_t owner;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry *buckets[NBUCKETS];
static struct entry *head, *tail;
static size_t bytes, count;
static struct claim *claims;
static size_t nclaims, nwaiting;
/* signalled whenever a claim ends; waiters check their own key again */
static pthread_cond_t claim_cv;
static pthread_once_t claim_once = PTHREAD_ONCE_INIT;

static void claim_cv_init(void)
{
    /* a monotonic clock: a step of the wall clock neither cuts a wait short nor
     * makes it endless */
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&claim_cv, &a);
    pthread_condattr_destroy(&a);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static void lru_unlink(struct entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_front(struct entry *e)
{
    e->next = head;
    e->prev = NULL;
    if (head)
        head->prev = e;
    head = e;
    if (!tail)
        tail = e;
}

static struct entry **find_slot(const char *key, uint64_t h)
{
    struct entry **p = &buckets[h % NBUCKETS];
    while (*p && ((*p)->hash != h || strcmp((*p)->key, key) != 0))
        p = &(*p)->hnext;
    return p;
}

static void remove_entry(struct entry *e)
{
    struct entry **p = find_slot(e->key, e->hash);
    if (*p == e)
        *p = e->hnext;
    lru_unlink(e);
    bytes -= e->len + strlen(e->key);
    count--;
    free(e->key);
    free(e->body);
    free(e);
}

/* Copy key's body to out if it is stored (called with mu held). */
static int lookup(const char *key, uint64_t h, struct ar_buf *out)
{
    struct entry *e = *find_slot(key, h);
    if (!e)
        return 0;
    lru_unlink(e);
    lru_push_front(e);
    ar_buf_add(out, e->body, e->len);
    return 1;
}

static struct claim **find_claim(const char *key, uint64_t h)
{
    struct claim **p = &claims;
    while (*p && ((*p)->hash != h || strcmp((*p)->key, key) != 0))
        p = &(*p)->next;
    return p;
}

/* End the claim on key; only its owner's unless any (called with mu held). */
static void end_claim(const char *key, uint64_t h, int any)
{
    struct claim **p = find_claim(key, h), *c = *p;
    if (!c || (!any && !pthread_equal(c->owner, pthread_self())))
        return;
    *p = c->next;
    nclaims--;
    free(c->key);
    free(c);
    pthread_cond_broadcast(&claim_cv);
}

int ar_cache_get(const char *key, struct ar_buf *out)
{
    uint64_t h = fnv1a(key);
    pthread_mutex_lock(&mu);
    int hit = lookup(key, h, out);
    pthread_mutex_unlock(&mu);
    return hit;
}

int ar_cache_get_or_claim(const char *key, struct ar_buf *out)
{
    pthread_once(&claim_once, claim_cv_init);
    uint64_t h = fnv1a(key);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += AR_CACHE_WAIT_MS / 1000;
    until.tv_nsec += (long)(AR_CACHE_WAIT_MS % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&mu);
    int hit = lookup(key, h, out);
    struct claim *held = hit ? NULL : *find_claim(key, h);
    if (!hit && !held) {
        struct claim *c = ar_xcalloc(1, sizeof *c);
        c->hash = h;
        c->key = ar_xstrdup(key);
        c->owner = pthread_self();
        c->next = claims;
        claims = c;
        nclaims++;
    } else if (held && !pthread_equal(held->owner, pthread_self())) {
        /* somebody else renders it (never wait for oneself): wait for their body, not
         * for a turn to render, so a page that is never stored (too large, an error)
         * is not rendered one by one */
        int rc = 0;
        nwaiting++;
        while (*find_claim(key, h) && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&claim_cv, &mu, &until);
        nwaiting--;
        hit = lookup(key, h, out);
    }
    pthread_mutex_unlock(&mu);
    return hit;
}

void ar_cache_release(const char *key)
{
    uint64_t h = fnv1a(key);
    pthread_mutex_lock(&mu);
    end_claim(key, h, 0);
    pthread_mutex_unlock(&mu);
}

void ar_cache_put(const char *key, const char *body, size_t len)
{
    uint64_t h = fnv1a(key);
    if (len > ((size_t)1 << 20)) {
        pthread_mutex_lock(&mu);
        end_claim(key, h, 1);
        pthread_mutex_unlock(&mu);
        return;
    }
    struct entry *e = ar_xcalloc(1, sizeof *e);
    e->hash = h;
    e->key = ar_xstrdup(key);
    e->body = ar_xmalloc(len ? len : 1);
    memcpy(e->body, body, len);
    e->len = len;
    pthread_mutex_lock(&mu);
    struct entry *old = *find_slot(key, h);
    if (old)
        remove_entry(old);
    while (tail && (bytes + len > AR_CACHE_MAX_BYTES || count >= AR_CACHE_MAX_ENTRIES))
        remove_entry(tail);
    struct entry **slot = &buckets[h % NBUCKETS];
    e->hnext = *slot;
    *slot = e;
    lru_push_front(e);
    bytes += len + strlen(e->key);
    count++;
    end_claim(key, h, 1);
    pthread_mutex_unlock(&mu);
}

void ar_cache_stats(struct ar_cache_stats *out)
{
    pthread_mutex_lock(&mu);
    *out = (struct ar_cache_stats){count, bytes, nclaims, nwaiting};
    pthread_mutex_unlock(&mu);
}

void ar_cache_clear(void)
{
    pthread_mutex_lock(&mu);
    while (tail)
        remove_entry(tail);
    while (claims) /* only left by a request that never ended; its waiters go on */
        end_claim(claims->key, claims->hash, 1);
    pthread_mutex_unlock(&mu);
}
