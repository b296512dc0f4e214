/* secret.h — key files: a secret as hex on one line, mode 0600, never readable by group
 * or others. Used for the log's signing key and the key that seals withheld content. */
#ifndef AR_BASE_SECRET_H
#define AR_BASE_SECRET_H

#include <stddef.h>
#include <stdint.h>

/* Create path with n random bytes; AR_ECONFLICT when it exists (never overwritten). */
int ar_secret_create(const char *path, size_t n);
/* Read exactly n bytes from path into out. what names the key in the one-line message
 * printed on failure (missing, readable by others, malformed). */
int ar_secret_load(uint8_t *out, size_t n, const char *path, const char *what);

#endif
