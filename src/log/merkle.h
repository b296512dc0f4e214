/* merkle.h — the Merkle tree of RFC 9162 §2.1 (the hashes of RFC 6962): leaf and node
 * hashes, subtree roots, inclusion and consistency proofs, and their verification.
 *
 * Proof generation reads the hashes of complete subtrees through a callback, so the
 * same code serves a tree kept in memory, in SQLite, or in tlog-tiles files. A complete
 * subtree at level L, index N covers leaves [N·2^L, (N+1)·2^L). */
#ifndef AR_LOG_MERKLE_H
#define AR_LOG_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define AR_HASH_LEN 32
#define AR_PROOF_MAX 64 /* a proof for a tree of up to 2^63 leaves */

typedef uint8_t ar_hash[AR_HASH_LEN];

/* SHA-256(0x00 ‖ data) */
void ar_merkle_leaf_hash(ar_hash out, const void *data, size_t len);
/* SHA-256(0x01 ‖ left ‖ right) */
void ar_merkle_node_hash(ar_hash out, const ar_hash left, const ar_hash right);
/* SHA-256 of the empty string: the root of the empty tree. */
void ar_merkle_empty_root(ar_hash out);

/* Hash of the complete subtree (level, index); 0 or an error code. */
typedef int (*ar_subtree_fn)(void *ctx, unsigned level, uint64_t index, ar_hash out);

/* Root of the tree of the first size leaves. */
int ar_merkle_root(ar_hash out, uint64_t size, ar_subtree_fn fn, void *ctx);
/* Inclusion proof of leaf index in the tree of size leaves: *n hashes into proof. */
int ar_merkle_prove_inclusion(ar_hash proof[AR_PROOF_MAX], size_t *n, uint64_t index, uint64_t size,
                              ar_subtree_fn fn, void *ctx);
/* Consistency proof from size1 to size2 (0 < size1 <= size2). */
int ar_merkle_prove_consistency(ar_hash proof[AR_PROOF_MAX], size_t *n, uint64_t size1,
                                uint64_t size2, ar_subtree_fn fn, void *ctx);

/* Hashes of ranges that are not complete subtrees: the right edge of a tree whose size is
 * not a power of two, which every proof against that size needs. In an append-only tree
 * they never change once their leaves exist, so a prover that answers many proofs keeps
 * them here instead of hashing them again for each proof. Valid for one tree only. */
struct ar_merkle_cache {
    uint64_t lo[64], hi[64];
    ar_hash h[64];
    int n, next;
};

void ar_merkle_cache_init(struct ar_merkle_cache *c);
/* As the functions above, using (and filling) cache; cache NULL means none. */
int ar_merkle_prove_inclusion_c(ar_hash proof[AR_PROOF_MAX], size_t *n, uint64_t index,
                                uint64_t size, ar_subtree_fn fn, void *ctx,
                                struct ar_merkle_cache *cache);
int ar_merkle_prove_consistency_c(ar_hash proof[AR_PROOF_MAX], size_t *n, uint64_t size1,
                                  uint64_t size2, ar_subtree_fn fn, void *ctx,
                                  struct ar_merkle_cache *cache);

/* RFC 9162 §2.1.3.2. 0 when leaf is at index in the tree of size with root. */
int ar_merkle_verify_inclusion(const ar_hash leaf, uint64_t index, uint64_t size,
                               const ar_hash root, const ar_hash *proof, size_t n);
/* RFC 9162 §2.1.4.2, with the conventions of the shared test vectors: size1 == 0 is an
 * error, size1 == size2 needs an empty proof and equal roots. */
int ar_merkle_verify_consistency(uint64_t size1, uint64_t size2, const ar_hash root1,
                                 const ar_hash root2, const ar_hash *proof, size_t n);

/* In-memory incremental tree: keeps every level's complete-subtree hashes (about two
 * hashes per leaf), so proofs never recompute. For tests, tools and benchmarks; the
 * server's log stores the same hashes. */
struct ar_mtree {
    ar_hash *level[AR_PROOF_MAX];
    uint64_t count[AR_PROOF_MAX], cap[AR_PROOF_MAX];
    uint64_t size;
};

void ar_mtree_init(struct ar_mtree *t);
void ar_mtree_free(struct ar_mtree *t);
/* Append a leaf hash, completing every subtree it closes. */
void ar_mtree_append(struct ar_mtree *t, const ar_hash leaf);
/* ar_subtree_fn over an ar_mtree (ctx is the tree). */
int ar_mtree_subtree(void *ctx, unsigned level, uint64_t index, ar_hash out);

#endif
