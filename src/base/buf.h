/* buf.h — growable byte buffer with a hard cap and a sticky error.
 *
 * Every builder in algoreg writes through ar_buf: appends never fail loudly; once the
 * cap is exceeded the buffer is marked failed (like sqlite3_str) and the caller checks
 * ar_buf_ok() once at the end. Out-of-memory aborts: every input is size-limited, so
 * running out of memory is a bug or an attack, not a condition to recover from. */
#ifndef AR_BASE_BUF_H
#define AR_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct ar_buf {
    char *ptr; /* always NUL-terminated when len > 0 or after ar_buf_cstr */
    size_t len;
    size_t cap; /* allocated */
    size_t max; /* hard limit on len; 0 means AR_BUF_DEFAULT_MAX */
    int err;    /* sticky: AR_ETOOBIG once max is exceeded */
};

#define AR_BUF_DEFAULT_MAX ((size_t)64 << 20)

void ar_buf_init(struct ar_buf *b, size_t max);
void ar_buf_free(struct ar_buf *b);
void ar_buf_reset(struct ar_buf *b);
void ar_buf_add(struct ar_buf *b, const void *p, size_t n);
void ar_buf_puts(struct ar_buf *b, const char *s);
void ar_buf_putc(struct ar_buf *b, char c);
void ar_buf_printf(struct ar_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append the whole file at path (within the buffer's cap). AR_EIO when it cannot be
 * read, AR_ETOOBIG when it is larger than the cap. */
int ar_buf_read_file(struct ar_buf *b, const char *path);
/* HTML-escape & < > " ' into the buffer. */
void ar_buf_html(struct ar_buf *b, const char *s, size_t n);
/* Percent-encode for a URL query component. */
void ar_buf_urlenc(struct ar_buf *b, const char *s);
/* NUL-terminated contents ("" when empty); owned by the buffer. */
const char *ar_buf_cstr(struct ar_buf *b);
/* Hand the allocation to the caller (free() it); the buffer is left empty. */
char *ar_buf_take(struct ar_buf *b, size_t *len_out);
int ar_buf_ok(const struct ar_buf *b);

/* Allocation helpers that abort on out-of-memory. */
void *ar_xmalloc(size_t n);
void *ar_xcalloc(size_t n, size_t sz);
void *ar_xrealloc(void *p, size_t n);
char *ar_xstrdup(const char *s);
char *ar_xstrndup(const char *s, size_t n);

#endif
