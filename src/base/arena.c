/* arena.c — bump allocator in 16 KiB chunks with a cleanup list. */
#include "base/arena.h"
#include "base/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 16384

struct chunk {
    struct chunk *next;
    size_t used, size;
    max_align_t data[];
};

struct deferred {
    struct deferred *next;
    void (*fn)(void *);
    void *p;
};

struct ar_arena {
    struct chunk *head;
    struct deferred *defers;
};

struct ar_arena *ar_arena_new(void)
{
    return ar_xcalloc(1, sizeof(struct ar_arena));
}

void ar_arena_free(struct ar_arena *a)
{
    if (!a)
        return;
    for (struct deferred *d = a->defers; d;) {
        struct deferred *n = d->next;
        d->fn(d->p);
        d = n;
    }
    for (struct chunk *c = a->head; c;) {
        struct chunk *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

void *ar_arena_alloc(struct ar_arena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    struct chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > CHUNK ? n : CHUNK;
        c = ar_xmalloc(sizeof(struct chunk) + size);
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

char *ar_arena_strndup(struct ar_arena *a, const char *s, size_t n)
{
    char *p = ar_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *ar_arena_strdup(struct ar_arena *a, const char *s)
{
    return ar_arena_strndup(a, s, strlen(s));
}

char *ar_arena_printf(struct ar_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    char *p = ar_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void ar_arena_defer(struct ar_arena *a, void (*fn)(void *), void *p)
{
    struct deferred *d = ar_arena_alloc(a, sizeof *d);
    d->fn = fn;
    d->p = p;
    d->next = a->defers;
    a->defers = d;
}
