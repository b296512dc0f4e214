/* buf.c — capped growable buffer; see buf.h for the sticky-error contract. */
#include "base/buf.h"
#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *ar_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

void *ar_xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p)
        abort();
    return p;
}

void *ar_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        abort();
    return q;
}

char *ar_xstrdup(const char *s)
{
    return ar_xstrndup(s, strlen(s));
}

char *ar_xstrndup(const char *s, size_t n)
{
    char *p = ar_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void ar_buf_init(struct ar_buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max ? max : AR_BUF_DEFAULT_MAX;
}

void ar_buf_free(struct ar_buf *b)
{
    if (!b)
        return;
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

void ar_buf_reset(struct ar_buf *b)
{
    b->len = 0;
    b->err = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

static int grow(struct ar_buf *b, size_t n)
{
    if (b->err)
        return -1;
    if (n > b->max - b->len) {
        b->err = AR_ETOOBIG;
        return -1;
    }
    size_t need = b->len + n + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need)
            cap *= 2;
        b->ptr = ar_xrealloc(b->ptr, cap);
        b->cap = cap;
    }
    return 0;
}

void ar_buf_add(struct ar_buf *b, const void *p, size_t n)
{
    if (grow(b, n))
        return;
    if (n)
        memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = '\0';
}

void ar_buf_puts(struct ar_buf *b, const char *s)
{
    ar_buf_add(b, s, strlen(s));
}

void ar_buf_putc(struct ar_buf *b, char c)
{
    ar_buf_add(b, &c, 1);
}

void ar_buf_printf(struct ar_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->err = AR_EINVAL;
        return;
    }
    if ((size_t)n < sizeof small) {
        ar_buf_add(b, small, (size_t)n);
        return;
    }
    if (grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void ar_buf_html(struct ar_buf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        ar_buf_add(b, s + start, i - start);
        ar_buf_puts(b, rep);
        start = i + 1;
    }
    ar_buf_add(b, s + start, n - start);
}

void ar_buf_urlenc(struct ar_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            ar_buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            ar_buf_add(b, e, 3);
        }
    }
}

const char *ar_buf_cstr(struct ar_buf *b)
{
    return b->ptr ? b->ptr : "";
}

char *ar_buf_take(struct ar_buf *b, size_t *len_out)
{
    char *p = b->ptr ? b->ptr : ar_xstrdup("");
    if (len_out)
        *len_out = b->len;
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}

int ar_buf_ok(const struct ar_buf *b)
{
    return b->err == 0;
}

int ar_buf_read_file(struct ar_buf *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return AR_EIO;
    char chunk[8192];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0 && !b->err)
        ar_buf_add(b, chunk, k);
    int bad = ferror(f);
    fclose(f);
    return b->err ? AR_ETOOBIG : bad ? AR_EIO : 0;
}
