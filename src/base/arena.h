/* arena.h — per-request memory pool (after h2o's mem pool).
 *
 * Handlers allocate from the request's arena and never free; the whole arena is
 * released when the response has been handed to the socket. Allocation aborts on
 * out-of-memory. An arena may also own jansson values and heap pointers whose
 * lifetime is the request's (ar_arena_defer). */
#ifndef AR_BASE_ARENA_H
#define AR_BASE_ARENA_H

#include <stddef.h>

struct ar_arena;

struct ar_arena *ar_arena_new(void);
void ar_arena_free(struct ar_arena *a); /* accepts NULL */
void *ar_arena_alloc(struct ar_arena *a, size_t n);
char *ar_arena_strdup(struct ar_arena *a, const char *s);
char *ar_arena_strndup(struct ar_arena *a, const char *s, size_t n);
char *ar_arena_printf(struct ar_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Run fn(p) when the arena is freed, in reverse order of registration. */
void ar_arena_defer(struct ar_arena *a, void (*fn)(void *), void *p);

#endif
