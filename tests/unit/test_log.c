/* test_log.c — the Merkle tree and signed notes, checked against data nobody on this
 * project wrote: the RFC 6962 proof vectors of transparency-dev/merkle and a tlog-tiles
 * log written by Tessera (../shared/data/tlog-vectors; skipped when absent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/err.h"
#include "log/merkle.h"
#include "log/note.h"

#define VECTORS "../shared/data/tlog-vectors"

static int b64(const char *s, uint8_t *out, size_t cap, size_t *len)
{
    return sodium_base642bin(out, cap, s, strlen(s), NULL, len, NULL,
                             sodium_base64_VARIANT_ORIGINAL);
}

static uint64_t u64(json_t *v)
{
    if (json_is_integer(v))
        return (uint64_t)json_integer_value(v);
    double d = json_real_value(v); /* 2^64-1 does not fit jansson's integers */
    return d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)d;
}

/* Decode a hash; 0 when it is exactly 32 bytes. */
static int hash_of(json_t *v, ar_hash out)
{
    uint8_t buf[128];
    size_t n = 0;
    const char *s = json_string_value(v);
    if (!s || b64(s, buf, sizeof buf, &n) || n != AR_HASH_LEN)
        return -1;
    memcpy(out, buf, AR_HASH_LEN);
    return 0;
}

static int proof_of(json_t *arr, ar_hash *proof, size_t *n)
{
    *n = 0;
    if (!json_is_array(arr))
        return json_is_null(arr) || !arr ? 0 : -1;
    if (json_array_size(arr) > AR_PROOF_MAX)
        return -1;
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (hash_of(json_array_get(arr, i), proof[(*n)++]))
            return -1;
    return 0;
}

struct walk {
    int files, agreed;
    int consistency;
};

static void check_file(const char *path, struct walk *w)
{
    json_error_t e;
    json_t *v = json_load_file(path, JSON_DECODE_INT_AS_REAL, &e);
    if (!v)
        fail_msg("%s: %s", path, e.text);
    int want_err = json_is_true(json_object_get(v, "wantErr"));
    ar_hash proof[AR_PROOF_MAX];
    size_t n;
    int rc;
    if (w->consistency) {
        ar_hash r1, r2;
        uint64_t s1 = u64(json_object_get(v, "size1")), s2 = u64(json_object_get(v, "size2"));
        rc = -1;
        if (!hash_of(json_object_get(v, "root1"), r1) &&
            !hash_of(json_object_get(v, "root2"), r2) &&
            !proof_of(json_object_get(v, "proof"), proof, &n)) {
            rc = ar_merkle_verify_consistency(s1, s2, r1, r2, proof, n);
        } else if (s1 == s2 && s1 != 0 && json_array_size(json_object_get(v, "proof")) == 0) {
            /* Roots that are not 32 bytes cannot be hashes of ours; the vectors still
             * expect equal sizes with an empty proof to compare them as bytes. */
            const char *a = json_string_value(json_object_get(v, "root1"));
            const char *b = json_string_value(json_object_get(v, "root2"));
            rc = a && b && strcmp(a, b) == 0 ? 0 : -1;
        }
    } else {
        ar_hash root, leaf;
        rc = -1;
        if (!hash_of(json_object_get(v, "root"), root) &&
            !hash_of(json_object_get(v, "leafHash"), leaf) &&
            !proof_of(json_object_get(v, "proof"), proof, &n))
            rc = ar_merkle_verify_inclusion(leaf, u64(json_object_get(v, "leafIdx")),
                                            u64(json_object_get(v, "treeSize")), root, proof, n);
    }
    w->files++;
    if ((rc != 0) == want_err)
        w->agreed++;
    else
        print_error("disagree with %s (wantErr %d, got %d)\n", path, want_err, rc);
    json_decref(v);
}

static void walk_dir(const char *dir, struct walk *w)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.')
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, ent->d_name);
        struct stat sb;
        if (stat(p, &sb))
            continue;
        if (S_ISDIR(sb.st_mode))
            walk_dir(p, w);
        else if (strstr(ent->d_name, ".json"))
            check_file(p, w);
    }
    closedir(d);
}

static void rfc6962_vectors(void **state)
{
    (void)state;
    struct stat sb;
    if (stat(VECTORS, &sb)) {
        skip();
    }
    struct walk inc = {0}, con = {.consistency = 1};
    walk_dir(VECTORS "/merkle/inclusion", &inc);
    walk_dir(VECTORS "/merkle/consistency", &con);
    assert_true(inc.files + con.files == 196);
    assert_int_equal(inc.agreed, inc.files);
    assert_int_equal(con.agreed, con.files);
}

/* The reference tree of RFC 6962's test leaves. */
static const char *const ct_leaves[] = {"",
                                        "00",
                                        "10",
                                        "2021",
                                        "3031",
                                        "40414243",
                                        "5051525354555657",
                                        "606162636465666768696a6b6c6d6e6f"};

static void build_ct_tree(struct ar_mtree *t, size_t n)
{
    ar_mtree_init(t);
    for (size_t i = 0; i < n; i++) {
        uint8_t bin[64];
        size_t len;
        sodium_hex2bin(bin, sizeof bin, ct_leaves[i], strlen(ct_leaves[i]), NULL, &len, NULL);
        ar_hash h;
        ar_merkle_leaf_hash(h, bin, len);
        ar_mtree_append(t, h);
    }
}

static void prover_matches_vectors(void **state)
{
    (void)state;
    struct stat sb;
    if (stat(VECTORS, &sb))
        skip();
    json_t *v = json_load_file(VECTORS "/merkle/inclusion/1/happy-path.json", 0, NULL);
    assert_non_null(v);
    struct ar_mtree t;
    build_ct_tree(&t, 8);
    ar_hash root, want, proof[AR_PROOF_MAX], expect[AR_PROOF_MAX];
    size_t n, m;
    assert_int_equal(ar_merkle_root(root, 8, ar_mtree_subtree, &t), 0);
    assert_int_equal(hash_of(json_object_get(v, "root"), want), 0);
    assert_memory_equal(root, want, AR_HASH_LEN);
    uint64_t idx = (uint64_t)json_integer_value(json_object_get(v, "leafIdx"));
    assert_int_equal(ar_merkle_prove_inclusion(proof, &n, idx, 8, ar_mtree_subtree, &t), 0);
    assert_int_equal(proof_of(json_object_get(v, "proof"), expect, &m), 0);
    assert_int_equal(n, m);
    assert_memory_equal(proof, expect, n * AR_HASH_LEN);
    json_decref(v);
    ar_mtree_free(&t);
}

static void prove_and_verify_every_pair(void **state)
{
    (void)state;
    struct ar_mtree t;
    ar_mtree_init(&t);
    ar_hash roots[130];
    ar_merkle_empty_root(roots[0]);
    for (uint64_t i = 0; i < 129; i++) {
        ar_hash h;
        ar_merkle_leaf_hash(h, &i, sizeof i);
        ar_mtree_append(&t, h);
        assert_int_equal(ar_merkle_root(roots[i + 1], i + 1, ar_mtree_subtree, &t), 0);
    }
    ar_hash proof[AR_PROOF_MAX], leaf;
    size_t n;
    for (uint64_t size = 1; size <= 129; size++) {
        for (uint64_t i = 0; i < size; i++) {
            assert_int_equal(ar_merkle_prove_inclusion(proof, &n, i, size, ar_mtree_subtree, &t),
                             0);
            ar_mtree_subtree(&t, 0, i, leaf);
            assert_int_equal(ar_merkle_verify_inclusion(leaf, i, size, roots[size], proof, n), 0);
            if (n) { /* a flipped bit is caught */
                proof[0][0] ^= 1;
                assert_int_not_equal(
                    ar_merkle_verify_inclusion(leaf, i, size, roots[size], proof, n), 0);
            }
        }
        for (uint64_t s1 = 1; s1 <= size; s1++) {
            assert_int_equal(ar_merkle_prove_consistency(proof, &n, s1, size, ar_mtree_subtree, &t),
                             0);
            assert_int_equal(
                ar_merkle_verify_consistency(s1, size, roots[s1], roots[size], proof, n), 0);
            if (s1 > 1) /* the wrong old root is caught */
                assert_int_not_equal(
                    ar_merkle_verify_consistency(s1, size, roots[s1 - 1], roots[size], proof, n),
                    0);
        }
    }
    ar_mtree_free(&t);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct ar_buf b;
    ar_buf_init(&b, 1 << 20);
    char chunk[4096];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        ar_buf_add(&b, chunk, k);
    fclose(f);
    return ar_buf_take(&b, len);
}

static void tessera_log_verifies(void **state)
{
    (void)state;
    struct stat sb;
    if (stat(VECTORS, &sb))
        skip();
    size_t len;
    char *vkey = slurp(VECTORS "/tessera-testlog/vkey", &len);
    assert_non_null(vkey);
    vkey[strcspn(vkey, "\n")] = '\0';
    struct ar_note_verifier v;
    assert_int_equal(ar_note_verifier_parse(&v, vkey), 0);
    assert_string_equal(v.name, "example.com/log/testdata");

    /* Rebuild the tree from the entry bundle (big-endian uint16 length prefixes). */
    char *bundle = slurp(VECTORS "/tessera-testlog/tile/entries/000.p/15", &len);
    assert_non_null(bundle);
    struct ar_mtree t;
    ar_mtree_init(&t);
    for (size_t off = 0; off + 2 <= len;) {
        size_t elen = (size_t)((uint8_t)bundle[off] << 8 | (uint8_t)bundle[off + 1]);
        assert_true(off + 2 + elen <= len);
        ar_hash h;
        ar_merkle_leaf_hash(h, bundle + off + 2, elen);
        ar_mtree_append(&t, h);
        off += 2 + elen;
    }
    assert_int_equal(t.size, 15);
    /* Every leaf hash equals the level-0 tile's. */
    size_t tlen;
    char *tile = slurp(VECTORS "/tessera-testlog/tile/0/000.p/15", &tlen);
    assert_int_equal(tlen, 15 * AR_HASH_LEN);
    for (uint64_t i = 0; i < 15; i++) {
        ar_hash h;
        ar_mtree_subtree(&t, 0, i, h);
        assert_memory_equal(h, tile + i * AR_HASH_LEN, AR_HASH_LEN);
    }
    /* Every checkpoint verifies, names our tree's root at its size, and is consistent
     * with the last one. */
    char path[512];
    struct ar_checkpoint last;
    char *note = slurp(VECTORS "/tessera-testlog/checkpoint", &len);
    size_t text_len;
    assert_int_equal(ar_note_verify(note, len, &v, &text_len), 0);
    assert_int_equal(ar_checkpoint_parse(&last, note, text_len), 0);
    assert_int_equal(last.size, 15);
    free(note);
    for (int size = 0; size <= 15; size++) {
        snprintf(path, sizeof path, VECTORS "/tessera-testlog/checkpoint.%d", size);
        note = slurp(path, &len);
        assert_non_null(note);
        assert_int_equal(ar_note_verify(note, len, &v, &text_len), 0);
        struct ar_checkpoint c;
        assert_int_equal(ar_checkpoint_parse(&c, note, text_len), 0);
        assert_int_equal(c.size, (uint64_t)size);
        ar_hash root;
        assert_int_equal(ar_merkle_root(root, c.size, ar_mtree_subtree, &t), 0);
        assert_memory_equal(root, c.root, AR_HASH_LEN);
        if (size > 0) {
            ar_hash proof[AR_PROOF_MAX];
            size_t n;
            assert_int_equal(
                ar_merkle_prove_consistency(proof, &n, c.size, 15, ar_mtree_subtree, &t), 0);
            assert_int_equal(ar_merkle_verify_consistency(c.size, 15, c.root, last.root, proof, n),
                             0);
        }
        /* A changed byte in the text breaks the signature. */
        note[0] ^= 1;
        assert_int_not_equal(ar_note_verify(note, len, &v, NULL), 0);
        free(note);
    }
    free(tile);
    free(bundle);
    free(vkey);
    ar_mtree_free(&t);
}

static void notes_sign_and_verify(void **state)
{
    (void)state;
    uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair(pk, sk);
    struct ar_buf vk, note, body;
    ar_buf_init(&vk, 0);
    ar_buf_init(&note, 0);
    ar_buf_init(&body, 0);
    ar_note_verifier_format(&vk, "algoreg.example/log", pk);
    struct ar_note_verifier v;
    assert_int_equal(ar_note_verifier_parse(&v, ar_buf_cstr(&vk)), 0);
    struct ar_checkpoint c = {.origin = "algoreg.example/log", .size = 42};
    memset(c.root, 7, AR_HASH_LEN);
    ar_checkpoint_format(&body, &c);
    assert_int_equal(ar_note_sign(&note, body.ptr, body.len, "algoreg.example/log", sk), 0);
    size_t tl;
    assert_int_equal(ar_note_verify(note.ptr, note.len, &v, &tl), 0);
    assert_int_equal(tl, body.len);
    struct ar_checkpoint back;
    assert_int_equal(ar_checkpoint_parse(&back, note.ptr, tl), 0);
    assert_int_equal(back.size, 42);
    assert_memory_equal(back.root, c.root, AR_HASH_LEN);
    /* another key: not found; malformed keys and bodies: refused */
    uint8_t pk2[crypto_sign_PUBLICKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair(pk2, sk2);
    struct ar_buf vk2;
    ar_buf_init(&vk2, 0);
    ar_note_verifier_format(&vk2, "other", pk2);
    struct ar_note_verifier v2;
    assert_int_equal(ar_note_verifier_parse(&v2, ar_buf_cstr(&vk2)), 0);
    assert_int_equal(ar_note_verify(note.ptr, note.len, &v2, NULL), AR_ENOTFOUND);
    assert_int_not_equal(ar_note_verifier_parse(&v2, "name+00000000+AAAA"), 0);
    assert_int_not_equal(ar_checkpoint_parse(&back, "o\n01\nAAAA\n", 10), 0);
    assert_int_not_equal(ar_note_sign(&note, "no newline", 10, "n", sk), 0);
    ar_buf_free(&vk);
    ar_buf_free(&vk2);
    ar_buf_free(&note);
    ar_buf_free(&body);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc6962_vectors),
        cmocka_unit_test(prover_matches_vectors),
        cmocka_unit_test(prove_and_verify_every_pair),
        cmocka_unit_test(tessera_log_verifies),
        cmocka_unit_test(notes_sign_and_verify),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
