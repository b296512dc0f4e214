/* utf8.h — strict UTF-8 validation for untrusted byte slices. */
#ifndef AR_BASE_UTF8_H
#define AR_BASE_UTF8_H

#include <stddef.h>

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF)
 * and contains no NUL byte; 0 otherwise. */
int ar_utf8_valid(const char *s, size_t n);
/* Number of code points in a valid UTF-8 string (the standard's lengths count characters). */
size_t ar_utf8_len(const char *s, size_t n);

#endif
