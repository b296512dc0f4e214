/* merkle.c — RFC 9162 Merkle tree hashing, proofs and verification. */
#include "log/merkle.h"
#include "base/buf.h"
#include "base/err.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void ar_merkle_leaf_hash(ar_hash out, const void *data, size_t len)
{
    crypto_hash_sha256_state st;
    const uint8_t prefix = 0x00;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &prefix, 1);
    crypto_hash_sha256_update(&st, data, len);
    crypto_hash_sha256_final(&st, out);
}

void ar_merkle_node_hash(ar_hash out, const ar_hash left, const ar_hash right)
{
    uint8_t buf[1 + 2 * AR_HASH_LEN];
    buf[0] = 0x01;
    memcpy(buf + 1, left, AR_HASH_LEN);
    memcpy(buf + 1 + AR_HASH_LEN, right, AR_HASH_LEN);
    crypto_hash_sha256(out, buf, sizeof buf);
}

void ar_merkle_empty_root(ar_hash out)
{
    crypto_hash_sha256(out, (const uint8_t *)"", 0);
}

/* Largest power of two strictly below n (n >= 2). */
static uint64_t split(uint64_t n)
{
    uint64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

static unsigned log2u(uint64_t n)
{
    unsigned l = 0;
    while ((1ull << l) < n)
        l++;
    return l;
}

/* MTH(D[lo:hi]); every range the recursion asks for starts at a multiple of its own
 * largest power-of-two part, so the pieces are complete subtrees. */
void ar_merkle_cache_init(struct ar_merkle_cache *c)
{
    memset(c, 0, sizeof *c);
}

static int range_hash_c(ar_hash out, uint64_t lo, uint64_t hi, ar_subtree_fn fn, void *ctx,
                        struct ar_merkle_cache *cache)
{
    uint64_t n = hi - lo;
    if ((n & (n - 1)) == 0) {
        unsigned level = log2u(n);
        return fn(ctx, level, lo >> level, out);
    }
    if (cache)
        for (int i = 0; i < cache->n; i++)
            if (cache->lo[i] == lo && cache->hi[i] == hi) {
                memcpy(out, cache->h[i], AR_HASH_LEN);
                return 0;
            }
    uint64_t k = split(n);
    ar_hash l, r;
    int rc = range_hash_c(l, lo, lo + k, fn, ctx, cache);
    if (!rc)
        rc = range_hash_c(r, lo + k, hi, fn, ctx, cache);
    if (!rc) {
        ar_merkle_node_hash(out, l, r);
        if (cache) {
            int slot = cache->n < 64 ? cache->n++ : (cache->next++ & 63);
            cache->lo[slot] = lo;
            cache->hi[slot] = hi;
            memcpy(cache->h[slot], out, AR_HASH_LEN);
        }
    }
    return rc;
}

static int range_hash(ar_hash out, uint64_t lo, uint64_t hi, ar_subtree_fn fn, void *ctx)
{
    return range_hash_c(out, lo, hi, fn, ctx, NULL);
}

int ar_merkle_root(ar_hash out, uint64_t size, ar_subtree_fn fn, void *ctx)
{
    if (size == 0) {
        ar_merkle_empty_root(out);
        return 0;
    }
    return range_hash(out, 0, size, fn, ctx);
}

/* PATH(m, D[lo:hi]) of RFC 9162 §2.1.3.1, appended bottom-up. */
static int path(ar_hash *proof, size_t *n, uint64_t m, uint64_t lo, uint64_t hi, ar_subtree_fn fn,
                void *ctx, struct ar_merkle_cache *cache)
{
    if (hi - lo <= 1)
        return 0;
    uint64_t k = split(hi - lo);
    int rc;
    if (m < k) {
        if ((rc = path(proof, n, m, lo, lo + k, fn, ctx, cache)))
            return rc;
        if (*n >= AR_PROOF_MAX)
            return AR_EINVAL;
        return range_hash_c(proof[(*n)++], lo + k, hi, fn, ctx, cache);
    }
    if ((rc = path(proof, n, m - k, lo + k, hi, fn, ctx, cache)))
        return rc;
    if (*n >= AR_PROOF_MAX)
        return AR_EINVAL;
    return range_hash_c(proof[(*n)++], lo, lo + k, fn, ctx, cache);
}

int ar_merkle_prove_inclusion_c(ar_hash proof[AR_PROOF_MAX], size_t *n, uint64_t index,
                                uint64_t size, ar_subtree_fn fn, void *ctx,
                                struct ar_merkle_cache *cache)
{
    *n = 0;
    if (index >= size)
        return AR_EINVAL;
    return path(proof, n, index, 0, size, fn, ctx, cache);
}

int ar_merkle_prove_inclusion(ar_hash proof[AR_PROOF_MAX], size_t *n, uint64_t index, uint64_t size,
                              ar_subtree_fn fn, void *ctx)
{
    return ar_merkle_prove_inclusion_c(proof, n, index, size, fn, ctx, NULL);
}

/* SUBPROOF(m, D[lo:hi], b) of RFC 9162 §2.1.4.1. */
static int subproof(ar_hash *proof, size_t *n, uint64_t m, uint64_t lo, uint64_t hi, int b,
                    ar_subtree_fn fn, void *ctx, struct ar_merkle_cache *cache)
{
    uint64_t size = hi - lo;
    if (m == size) {
        if (b)
            return 0;
        if (*n >= AR_PROOF_MAX)
            return AR_EINVAL;
        return range_hash_c(proof[(*n)++], lo, hi, fn, ctx, cache);
    }
    uint64_t k = split(size);
    int rc;
    if (m <= k) {
        if ((rc = subproof(proof, n, m, lo, lo + k, b, fn, ctx, cache)))
            return rc;
        if (*n >= AR_PROOF_MAX)
            return AR_EINVAL;
        return range_hash_c(proof[(*n)++], lo + k, hi, fn, ctx, cache);
    }
    if ((rc = subproof(proof, n, m - k, lo + k, hi, 0, fn, ctx, cache)))
        return rc;
    if (*n >= AR_PROOF_MAX)
        return AR_EINVAL;
    return range_hash_c(proof[(*n)++], lo, lo + k, fn, ctx, cache);
}

int ar_merkle_prove_consistency_c(ar_hash proof[AR_PROOF_MAX], size_t *n, uint64_t size1,
                                  uint64_t size2, ar_subtree_fn fn, void *ctx,
                                  struct ar_merkle_cache *cache)
{
    *n = 0;
    if (size1 == 0 || size1 > size2)
        return AR_EINVAL;
    if (size1 == size2)
        return 0;
    return subproof(proof, n, size1, 0, size2, 1, fn, ctx, cache);
}

int ar_merkle_prove_consistency(ar_hash proof[AR_PROOF_MAX], size_t *n, uint64_t size1,
                                uint64_t size2, ar_subtree_fn fn, void *ctx)
{
    return ar_merkle_prove_consistency_c(proof, n, size1, size2, fn, ctx, NULL);
}

int ar_merkle_verify_inclusion(const ar_hash leaf, uint64_t index, uint64_t size,
                               const ar_hash root, const ar_hash *proof, size_t n)
{
    if (index >= size)
        return AR_EINVAL;
    uint64_t fn = index, sn = size - 1;
    ar_hash r;
    memcpy(r, leaf, AR_HASH_LEN);
    for (size_t i = 0; i < n; i++) {
        if (sn == 0)
            return AR_EINVAL; /* proof too long */
        if ((fn & 1) || fn == sn) {
            ar_merkle_node_hash(r, proof[i], r);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            ar_merkle_node_hash(r, r, proof[i]);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || sodium_memcmp(r, root, AR_HASH_LEN) != 0)
        return AR_EINVAL;
    return 0;
}

int ar_merkle_verify_consistency(uint64_t size1, uint64_t size2, const ar_hash root1,
                                 const ar_hash root2, const ar_hash *proof, size_t n)
{
    if (size1 == 0 || size2 < size1)
        return AR_EINVAL;
    if (size1 == size2)
        return n == 0 && sodium_memcmp(root1, root2, AR_HASH_LEN) == 0 ? 0 : AR_EINVAL;
    if (n == 0)
        return AR_EINVAL;
    /* When size1 is a power of two its root is the first node of the path. */
    ar_hash path[AR_PROOF_MAX + 1];
    size_t m = 0;
    if ((size1 & (size1 - 1)) == 0)
        memcpy(path[m++], root1, AR_HASH_LEN);
    if (n > AR_PROOF_MAX)
        return AR_EINVAL;
    memcpy(path[m], proof, n * AR_HASH_LEN);
    m += n;
    uint64_t fn = size1 - 1, sn = size2 - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    ar_hash fr, sr;
    memcpy(fr, path[0], AR_HASH_LEN);
    memcpy(sr, path[0], AR_HASH_LEN);
    for (size_t i = 1; i < m; i++) {
        if (sn == 0)
            return AR_EINVAL;
        if ((fn & 1) || fn == sn) {
            ar_merkle_node_hash(fr, path[i], fr);
            ar_merkle_node_hash(sr, path[i], sr);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            ar_merkle_node_hash(sr, sr, path[i]);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || sodium_memcmp(fr, root1, AR_HASH_LEN) != 0 ||
        sodium_memcmp(sr, root2, AR_HASH_LEN) != 0)
        return AR_EINVAL;
    return 0;
}

void ar_mtree_init(struct ar_mtree *t)
{
    memset(t, 0, sizeof *t);
}

void ar_mtree_free(struct ar_mtree *t)
{
    for (unsigned l = 0; l < AR_PROOF_MAX; l++)
        free(t->level[l]);
    memset(t, 0, sizeof *t);
}

static void push(struct ar_mtree *t, unsigned l, const ar_hash h)
{
    if (t->count[l] == t->cap[l]) {
        t->cap[l] = t->cap[l] ? t->cap[l] * 2 : 64;
        t->level[l] = ar_xrealloc(t->level[l], t->cap[l] * sizeof(ar_hash));
    }
    memcpy(t->level[l][t->count[l]++], h, AR_HASH_LEN);
}

void ar_mtree_append(struct ar_mtree *t, const ar_hash leaf)
{
    push(t, 0, leaf);
    t->size++;
    /* Each odd-numbered completion closes a subtree one level up. */
    for (unsigned l = 0; l + 1 < AR_PROOF_MAX && (t->count[l] & 1) == 0; l++) {
        ar_hash h;
        ar_merkle_node_hash(h, t->level[l][t->count[l] - 2], t->level[l][t->count[l] - 1]);
        push(t, l + 1, h);
    }
}

int ar_mtree_subtree(void *ctx, unsigned level, uint64_t index, ar_hash out)
{
    const struct ar_mtree *t = ctx;
    if (level >= AR_PROOF_MAX || index >= t->count[level])
        return AR_ENOTFOUND;
    memcpy(out, t->level[level][index], AR_HASH_LEN);
    return 0;
}
