/* logbench.c — transparency-log figures for `make bench`:
 *   append: leaves appended and integrated per second into the SQLite store, in
 *           batches of 10,000 per transaction, and storage bytes per leaf;
 *   proofs: inclusion and consistency proofs per second over an in-memory tree of
 *           N leaves (default 10,000,000), for comparison with Go's sumdb/tlog on the
 *           same tree (bench/tlogbench.go), same leaves, same random queries.
 * Usage: logbench append DB N | logbench proofs N QUERIES */
#include "base/err.h"
#include "log/log.h"
#include "log/merkle.h"
#include "store/store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The same deterministic leaves in C and Go: "leaf %d". */
static void leaf(ar_hash out, uint64_t i)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "leaf %llu", (unsigned long long)i);
    ar_merkle_leaf_hash(out, buf, (size_t)n);
}

/* splitmix64, seeded alike in Go, so both sides prove the same indexes. */
static uint64_t rnd_state = 42;
static uint64_t rnd(void)
{
    uint64_t z = (rnd_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int bench_append(const char *db, uint64_t n)
{
    struct ar_store *s = NULL;
    if (ar_store_open(&s, db, 1))
        return 1;
    ar_store_bulk(s, 1);
    double t0 = now();
    for (uint64_t i = 0; i < n;) {
        if (ar_store_begin(s))
            return 1;
        for (uint64_t k = 0; k < 10000 && i < n; k++, i++) {
            char data[96];
            int len = snprintf(data, sizeof data,
                               "{\"id\":\"%08llu\",\"kind\":\"version\",\"version\":1}",
                               (unsigned long long)i);
            if (ar_log_append(s, data, (size_t)len, NULL, 0, NULL))
                return 1;
        }
        if (ar_store_commit(s))
            return 1;
    }
    double dt = now() - t0;
    ar_store_close(s);
    struct stat sb;
    char wal[4096];
    long long bytes = stat(db, &sb) == 0 ? (long long)sb.st_size : 0;
    snprintf(wal, sizeof wal, "%s-wal", db);
    if (stat(wal, &sb) == 0)
        bytes += (long long)sb.st_size;
    printf("append %llu leaves: %.2f s, %.0f leaves/s, %.0f bytes/leaf (database incl. leaf"
           " data of ~45 bytes)\n",
           (unsigned long long)n, dt, (double)n / dt, (double)bytes / (double)n);
    return 0;
}

static int bench_proofs(uint64_t n, int queries)
{
    struct ar_mtree t;
    ar_mtree_init(&t);
    double t0 = now();
    for (uint64_t i = 0; i < n; i++) {
        ar_hash h;
        leaf(h, i);
        ar_mtree_append(&t, h);
    }
    printf("build %llu leaves: %.2f s\n", (unsigned long long)n, now() - t0);
    ar_hash root, proof[AR_PROOF_MAX];
    size_t m;
    ar_merkle_root(root, n, ar_mtree_subtree, &t);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, root, AR_HASH_LEN);
    printf("root %s\n", hex);
    uint64_t *idx = malloc((size_t)queries * sizeof *idx);
    for (int q = 0; q < queries; q++)
        idx[q] = rnd() % n;
    /* As the server proves: against the current size, reusing the right edge's hashes
     * (struct ar_merkle_cache); and, for reference, with no cache at all. */
    struct ar_merkle_cache cache;
    ar_merkle_cache_init(&cache);
    double secs[4];
    for (int pass = 0; pass < 2; pass++) {
        struct ar_merkle_cache *c = pass == 0 ? &cache : NULL;
        t0 = now();
        for (int q = 0; q < queries; q++)
            if (ar_merkle_prove_inclusion_c(proof, &m, idx[q], n, ar_mtree_subtree, &t, c))
                return 1;
        secs[pass * 2] = now() - t0;
        t0 = now();
        for (int q = 0; q < queries; q++)
            if (ar_merkle_prove_consistency_c(proof, &m, idx[q] + 1, n, ar_mtree_subtree, &t, c))
                return 1;
        secs[pass * 2 + 1] = now() - t0;
    }
    printf("inclusion proofs: %.0f per second\nconsistency proofs: %.0f per second\n"
           "uncached inclusion proofs: %.0f per second\nuncached consistency proofs: %.0f"
           " per second\n",
           queries / secs[0], queries / secs[1], queries / secs[2], queries / secs[3]);
    free(idx);
    ar_mtree_free(&t);
    return 0;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return 1;
    if (argc == 4 && strcmp(argv[1], "append") == 0)
        return bench_append(argv[2], strtoull(argv[3], NULL, 10));
    if (argc == 4 && strcmp(argv[1], "proofs") == 0)
        return bench_proofs(strtoull(argv[2], NULL, 10), atoi(argv[3]));
    fprintf(stderr, "usage: logbench append DB N | logbench proofs N QUERIES\n");
    return 2;
}
