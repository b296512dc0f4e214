/* secret.c — key files; see secret.h. Buffers holding secrets are wiped after use. */
#include "base/secret.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/msg.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SECRET 64

int ar_secret_create(const char *path, size_t n)
{
    uint8_t raw[MAX_SECRET];
    char hex[2 * MAX_SECRET + 1];
    if (n > MAX_SECRET)
        return AR_EINVAL;
    randombytes_buf(raw, n);
    sodium_bin2hex(hex, sizeof hex, raw, n);
    sodium_memzero(raw, sizeof raw);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        sodium_memzero(hex, sizeof hex);
        return errno == EEXIST ? AR_ECONFLICT : AR_EIO;
    }
    int rc = dprintf(fd, "%s\n", hex) < 0 ? AR_EIO : 0;
    sodium_memzero(hex, sizeof hex);
    return close(fd) ? AR_EIO : rc;
}

/* path exists and only its owner may read it; the one-line message otherwise. */
static int private_file(const char *path, const char *what, const char *hint)
{
    struct stat sb;
    if (stat(path, &sb)) {
        ar_msg(AR_MSG_ERR, "%s %s is missing%s", what, path, hint);
        return AR_ENOTFOUND;
    }
    if (sb.st_mode & 0077) {
        ar_msg(AR_MSG_ERR, "%s must not be readable by group or others (chmod 600)", path);
        return AR_EDENIED;
    }
    return 0;
}

int ar_secret_read_text(const char *path, const char *what, char *out, size_t cap)
{
    int rc = private_file(path, what, "");
    if (rc)
        return rc;
    FILE *f = fopen(path, "r");
    int ok = f && fgets(out, (int)cap, f);
    if (f)
        fclose(f);
    if (ok)
        out[strcspn(out, "\r\n")] = '\0';
    if (!ok || !out[0] || strlen(out) + 1 >= cap) {
        sodium_memzero(out, cap);
        ar_msg(AR_MSG_ERR,
               "%s %s must hold the secret on its first line (at most %zu"
               " characters)",
               what, path, cap - 2);
        return AR_EINVAL;
    }
    return 0;
}

int ar_secret_load(uint8_t *out, size_t n, const char *path, const char *what)
{
    char hex[2 * MAX_SECRET + 8] = {0};
    size_t got = 0;
    int rc = private_file(path, what, " (algoreg init creates it)");
    if (rc)
        return rc;
    FILE *f = fopen(path, "r");
    int ok = f && fgets(hex, sizeof hex, f);
    if (f)
        fclose(f);
    if (!ok || n > MAX_SECRET ||
        sodium_hex2bin(out, n, hex, strcspn(hex, "\r\n"), NULL, &got, NULL) != 0 || got != n) {
        ar_msg(AR_MSG_ERR, "%s is not a valid %s", path, what);
        rc = AR_EINVAL;
    }
    sodium_memzero(hex, sizeof hex);
    return rc;
}
