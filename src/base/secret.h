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
/* The first line of path, a private file (mode 0600, as above), into out: a password or
 * client secret kept outside the configuration. One-line message on failure. */
int ar_secret_read_text(const char *path, const char *what, char *out, size_t cap);

#endif
