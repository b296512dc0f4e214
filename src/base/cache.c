/* cache.c — hash table with chaining plus an LRU list, under one mutex. */
#include "base/cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS 8192

struct entry {
    struct entry *hnext;       /* hash chain */
    struct entry *prev, *next; /* LRU list, most recent first */
    uint64_t hash;
    char *key;
    char *body;
    size_t len;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry *buckets[NBUCKETS];
static struct entry *head, *tail;
static size_t bytes, count;

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

int ar_cache_get(const char *key, struct ar_buf *out)
{
    uint64_t h = fnv1a(key);
    int hit = 0;
    pthread_mutex_lock(&mu);
    struct entry *e = *find_slot(key, h);
    if (e) {
        lru_unlink(e);
        lru_push_front(e);
        ar_buf_add(out, e->body, e->len);
        hit = 1;
    }
    pthread_mutex_unlock(&mu);
    return hit;
}

void ar_cache_put(const char *key, const char *body, size_t len)
{
    if (len > ((size_t)1 << 20))
        return;
    uint64_t h = fnv1a(key);
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
    pthread_mutex_unlock(&mu);
}

void ar_cache_clear(void)
{
    pthread_mutex_lock(&mu);
    while (tail)
        remove_entry(tail);
    pthread_mutex_unlock(&mu);
}
