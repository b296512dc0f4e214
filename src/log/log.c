/* log.c — the stored transparency log, its checkpoints and tiles, and the logged write
 * path of the register. */
#include "log/log.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/secret.h"
#include "json/json.h"
#include "model/registry.h"
#include "base/msg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ar_log_key_create(const char *path)
{
    return ar_secret_create(path, crypto_sign_SEEDBYTES);
}

int ar_log_signer_load(struct ar_log_signer *out, const char *path, const char *origin)
{
    uint8_t seed[crypto_sign_SEEDBYTES];
    if (!origin)
        origin = AR_LOG_ORIGIN_DEFAULT;
    if (strlen(origin) >= sizeof out->origin || !*origin || strchr(origin, '+') ||
        strpbrk(origin, " \t\n")) {
        ar_msg(AR_MSG_ERR, "log origin must be a name without spaces or '+'");
        return AR_EINVAL;
    }
    int rc = ar_secret_load(seed, sizeof seed, path, "log signing key");
    if (rc)
        return rc;
    crypto_sign_seed_keypair(out->pk, out->sk, seed);
    sodium_memzero(seed, sizeof seed);
    snprintf(out->origin, sizeof out->origin, "%s", origin);
    return 0;
}

void ar_log_signer_vkey(const struct ar_log_signer *sg, struct ar_buf *out)
{
    ar_note_verifier_format(out, sg->origin, sg->pk);
}

int ar_log_subtree(void *ctx, unsigned level, uint64_t index, ar_hash out)
{
    return ar_store_log_hash_get(ctx, level, index, out);
}

int ar_log_append(struct ar_store *s, const void *data, size_t len, const char *lars, int version,
                  uint64_t *index_out)
{
    uint64_t size;
    ar_hash h;
    char now[32];
    int rc;
    if (len > 65535)
        return AR_ETOOBIG; /* the tlog-tiles entry limit */
    if ((rc = ar_store_log_size(s, &size)))
        return rc;
    ar_merkle_leaf_hash(h, data, len);
    ar_clock_fmt(now, sizeof now, ar_clock_now());
    if ((rc = ar_store_log_append(s, size, data, len, h, lars, version, now)))
        return rc;
    /* Store every subtree this leaf completes: while the index at a level is odd, it
     * closes its parent, whose left half is the stored node before it. */
    uint64_t idx = size;
    for (unsigned level = 0; idx & 1; level++, idx >>= 1) {
        ar_hash left, parent;
        if ((rc = ar_store_log_hash_get(s, level, idx - 1, left)))
            return rc;
        ar_merkle_node_hash(parent, left, h);
        if ((rc = ar_store_log_hash_put(s, level + 1, idx >> 1, parent)))
            return rc;
        memcpy(h, parent, AR_HASH_LEN);
    }
    if (index_out)
        *index_out = size;
    return 0;
}

int ar_log_checkpoint(struct ar_store *s, const struct ar_log_signer *sg, struct ar_buf *out)
{
    uint64_t size, have = 0;
    char *note = NULL;
    int rc = ar_store_log_size(s, &size);
    if (rc)
        return rc;
    rc = ar_store_checkpoint_latest(s, &have, &note);
    if (rc == 0 && have == size) {
        ar_buf_puts(out, note);
        free(note);
        return 0;
    }
    free(note);
    if (rc && rc != AR_ENOTFOUND)
        return rc;
    /* Sign the current tree, in a write transaction so the size and root agree. */
    if ((rc = ar_store_begin(s)))
        return rc;
    struct ar_checkpoint c;
    struct ar_buf body, signed_note;
    ar_buf_init(&body, 4096);
    ar_buf_init(&signed_note, 8192);
    snprintf(c.origin, sizeof c.origin, "%s", sg->origin);
    if ((rc = ar_store_log_size(s, &c.size)) ||
        (rc = ar_merkle_root(c.root, c.size, ar_log_subtree, s)))
        goto out;
    ar_checkpoint_format(&body, &c);
    if ((rc = ar_note_sign(&signed_note, body.ptr, body.len, sg->origin, sg->sk)))
        goto out;
    char now[32];
    ar_clock_fmt(now, sizeof now, ar_clock_now());
    if ((rc = ar_store_checkpoint_put(s, c.size, ar_buf_cstr(&signed_note), now)))
        goto out;
    rc = ar_store_commit(s);
    if (!rc) {
        /* Another thread may have signed this size first: serve the stored one. */
        if (ar_store_checkpoint_latest(s, &have, &note) == 0) {
            ar_buf_puts(out, note);
            free(note);
        } else {
            ar_buf_add(out, signed_note.ptr, signed_note.len);
        }
    }
out:
    if (rc)
        ar_store_rollback(s);
    ar_buf_free(&body);
    ar_buf_free(&signed_note);
    return rc;
}

/* One path element of a tile index: "x123" (not last) or "123" (last), three digits. */
static int tile_index(const char **pp, uint64_t *index)
{
    const char *p = *pp;
    uint64_t v = 0;
    for (;;) {
        int more = *p == 'x';
        if (more)
            p++;
        if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
            return AR_EINVAL;
        if (v > UINT64_MAX / 1000)
            return AR_EINVAL;
        v = v * 1000 + (uint64_t)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
        p += 3;
        if (more) {
            if (*p != '/')
                return AR_EINVAL;
            p++;
            continue;
        }
        break;
    }
    *index = v;
    *pp = p;
    return 0;
}

int ar_log_tile_parse(const char *path, int *entries, unsigned *level, uint64_t *index,
                      unsigned *width)
{
    const char *p = path;
    *entries = 0;
    *width = 0;
    if (strncmp(p, "tile/", 5) != 0)
        return AR_EINVAL;
    p += 5;
    if (strncmp(p, "entries/", 8) == 0) {
        *entries = 1;
        *level = 0;
        p += 8;
    } else {
        if (*p < '0' || *p > '9' || (p[1] != '/' && !(p[1] >= '0' && p[1] <= '9' && p[2] == '/')))
            return AR_EINVAL;
        *level = (unsigned)strtoul(p, NULL, 10);
        if (*level > 63)
            return AR_EINVAL;
        p = strchr(p, '/') + 1;
    }
    if (tile_index(&p, index))
        return AR_EINVAL;
    if (strncmp(p, ".p/", 3) == 0) {
        p += 3;
        char *end;
        unsigned long w = strtoul(p, &end, 10);
        if (*end || end == p || w < 1 || w > 255 || *p == '0')
            return AR_EINVAL;
        *width = (unsigned)w;
        p = end;
    }
    return *p ? AR_EINVAL : 0;
}

int ar_log_tile_read(struct ar_store *s, int entries, unsigned level, uint64_t index,
                     unsigned width, struct ar_buf *out)
{
    uint64_t size;
    int rc = ar_store_log_size(s, &size);
    if (rc)
        return rc;
    unsigned tree_level = entries ? 0 : level * AR_TILE_HEIGHT;
    if (tree_level >= 64)
        return AR_ENOTFOUND;
    uint64_t have = size >> tree_level; /* complete nodes at that tree level */
    uint64_t want = width ? width : AR_TILE_WIDTH;
    if (index > UINT64_MAX / AR_TILE_WIDTH || index * AR_TILE_WIDTH + want > have)
        return AR_ENOTFOUND;
    uint64_t first = index * AR_TILE_WIDTH;
    return entries ? ar_store_log_leaves(s, first, want, out)
                   : ar_store_log_hashes(s, tree_level, first, want, out);
}

/* The leaf for a registration version: what was registered, when, and the SHA-256 of
 * its canonical record, so anyone holding the record can check it against the log. */
static int log_version(struct ar_store *s, const char *lars, const struct ar_version_info *info)
{
    json_t *leaf = json_pack("{s:s, s:s, s:i, s:s, s:s}", "kind", "version", "id", lars, "version",
                             info->version, "time", info->created, "sha256", info->sha256);
    char *data = ar_json_canon_str(leaf);
    int rc = data ? ar_log_append(s, data, strlen(data), lars, info->version, NULL) : AR_EINVAL;
    free(data);
    json_decref(leaf);
    return rc;
}

/* End a ledger transaction. Validation, conflict and not-found errors come before any
 * write, so the transaction is closed normally (a rollback would mark an enclosing bulk
 * import as failed); anything else rolls back. */
static int finish(struct ar_store *s, int rc)
{
    if (rc == 0 || rc == AR_EINVAL || rc == AR_ECONFLICT || rc == AR_ENOTFOUND) {
        int c = ar_store_commit(s);
        return rc ? rc : c;
    }
    ar_store_rollback(s);
    return rc;
}

int ar_ledger_create(struct ar_store *s, const json_t *in, const char *author, const char *note,
                     json_t *problems, char lars_out[9])
{
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    struct ar_version_info info;
    if (!(rc = ar_registry_create(s, in, author, note, problems, lars_out, &info)))
        rc = log_version(s, lars_out, &info);
    return finish(s, rc);
}

int ar_ledger_update(struct ar_store *s, const char *lars, const json_t *in, const char *author,
                     const char *note, int base_version, json_t *problems, int *version_out,
                     int *changed)
{
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    struct ar_version_info info;
    rc = ar_registry_update(s, lars, in, author, note, base_version, problems, version_out, changed,
                            &info);
    if (!rc && *changed)
        rc = log_version(s, lars, &info);
    return finish(s, rc);
}

int ar_ledger_upsert(struct ar_store *s, const json_t *in, const char *author, const char *note,
                     json_t *problems, char lars_out[9], const char **outcome)
{
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    struct ar_version_info info;
    rc = ar_registry_upsert(s, in, author, note, problems, lars_out, outcome, &info);
    if (!rc && strcmp(*outcome, "unchanged") != 0)
        rc = log_version(s, lars_out, &info);
    return finish(s, rc);
}

int ar_ledger_retract(struct ar_store *s, const char *lars, int on)
{
    char now[32];
    json_t *v = NULL, *leaf = NULL;
    char *data = NULL;
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    ar_clock_fmt(now, sizeof now, ar_clock_now());
    if ((rc = ar_store_version_get(s, lars, 0, &v)) ||
        (rc = ar_store_reg_retract(s, lars, on ? now : NULL)))
        goto out;
    int version = (int)json_integer_value(json_object_get(v, "version"));
    leaf = json_pack("{s:s, s:s, s:i, s:s}", "kind", on ? "retraction" : "republication", "id",
                     lars, "version", version, "time", now);
    data = ar_json_canon_str(leaf);
    /* linked to the registration, not to a version: a version's leaf stays the one
     * ar_store_log_index_of finds */
    rc = data ? ar_log_append(s, data, strlen(data), lars, 0, NULL) : AR_EIO;
out:
    free(data);
    json_decref(leaf);
    json_decref(v);
    return finish(s, rc);
}
