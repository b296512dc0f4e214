/* test_witness.c — the witness protocol (c2sp.org/tlog-witness) against a real log in a
 * store: every status the spec names, that nothing is stored on a refusal, that two
 * different trees of one size are never both cosigned, the cosignature format
 * (cosignature/v1, timestamped) and the offline proof format (tlog-proof@v1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "log/log.h"
#include "log/witness.h"
#include "store/store.h"
#include "unit/storefx.h"

/* Three stores (SQLite or PostgreSQL, storefx.h): two logs and the witness's own. */
static struct storefx logdb, logdb2, witdb;
static char keypath[80];
static struct ar_store *logs, *logs2, *wits;
static struct ar_log_signer signer;
static struct ar_witness w;

static void append(struct ar_store *s, const char *data)
{
    assert_int_equal(ar_store_begin(s), 0);
    assert_int_equal(ar_log_append(s, data, strlen(data), NULL, 0, NULL), 0);
    assert_int_equal(ar_store_commit(s), 0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(keypath, sizeof keypath, "/tmp/algoreg-wk-%d.key", (int)getpid());
    unlink(keypath);
    setenv("ALGOREG_NOW", "2026-11-23T12:00:00Z", 1);
    if (storefx_make(&logdb, "wl", 1, &logs) || storefx_make(&logdb2, "wl", 2, &logs2) ||
        storefx_make(&witdb, "ww", 1, &wits) || ar_log_key_create(keypath) ||
        ar_log_signer_load(&signer, keypath, "example.org/log"))
        return -1;
    snprintf(w.name, sizeof w.name, "witness.example/w1");
    crypto_sign_keypair(w.pk, w.sk);
    w.logs[0] = (struct ar_note_verifier){.alg = AR_NOTE_ALG_ED25519};
    snprintf(w.logs[0].name, sizeof w.logs[0].name, "%s", signer.origin);
    memcpy(w.logs[0].pub, signer.pk, sizeof signer.pk);
    w.logs[0].hash = ar_note_key_hash(signer.origin, signer.pk);
    w.nlogs = 1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    storefx_remove(&logdb, logs);
    storefx_remove(&logdb2, logs2);
    storefx_remove(&witdb, wits);
    logs = logs2 = wits = NULL;
    unlink(keypath);
    unsetenv("ALGOREG_NOW");
    return 0;
}

/* "old N", proof lines from old to the store's current tree, blank line, checkpoint. */
static void request(struct ar_store *s, uint64_t old, struct ar_buf *body, int corrupt_proof)
{
    struct ar_buf cp;
    ar_buf_init(&cp, 0);
    assert_int_equal(ar_log_checkpoint(s, &signer, &cp), 0);
    uint64_t size;
    ar_store_log_size(s, &size);
    ar_buf_reset(body);
    ar_buf_printf(body, "old %llu\n", (unsigned long long)old);
    if (old > 0 && old < size) {
        ar_hash proof[AR_PROOF_MAX];
        size_t n;
        assert_int_equal(ar_merkle_prove_consistency(proof, &n, old, size, ar_log_subtree, s), 0);
        if (corrupt_proof)
            proof[0][0] ^= 1;
        for (size_t i = 0; i < n - (corrupt_proof == 2); i++) {
            char b64[64];
            sodium_bin2base64(b64, sizeof b64, proof[i], 32, sodium_base64_VARIANT_ORIGINAL);
            ar_buf_printf(body, "%s\n", b64);
        }
    }
    ar_buf_putc(body, '\n');
    ar_buf_add(body, cp.ptr, cp.len);
    ar_buf_free(&cp);
}

static int add(struct ar_buf *body, struct ar_buf *out, const char **ctype)
{
    ar_buf_reset(out);
    return ar_witness_add_checkpoint(wits, &w, body->ptr, body->len, 1795435200, out, ctype);
}

static void protocol(void **state)
{
    (void)state;
    struct ar_buf body, out;
    const char *ctype;
    ar_buf_init(&body, 0);
    ar_buf_init(&out, 0);
    for (int i = 0; i < 5; i++) {
        char leaf[32];
        snprintf(leaf, sizeof leaf, "leaf %d", i);
        append(logs, leaf);
    }
    /* first contact: old 0, no proof */
    request(logs, 0, &body, 0);
    assert_int_equal(add(&body, &out, &ctype), 200);
    /* the cosignature verifies with the witness's key and carries the time */
    struct ar_note_verifier wv = {.alg = AR_NOTE_ALG_COSIG};
    snprintf(wv.name, sizeof wv.name, "%s", w.name);
    memcpy(wv.pub, w.pk, sizeof w.pk);
    wv.hash = ar_note_key_hash_alg(w.name, AR_NOTE_ALG_COSIG, w.pk);
    const char *note = strstr(body.ptr, "\n\n") + 2;
    struct ar_buf full;
    ar_buf_init(&full, 0);
    ar_buf_puts(&full, note);
    ar_buf_add(&full, out.ptr, out.len);
    uint64_t t = 0;
    assert_int_equal(ar_note_cosig_verify(full.ptr, full.len, &wv, &t), 0);
    assert_int_equal(t, 1795435200);
    /* a flipped byte in the cosignature fails */
    full.ptr[full.len - 5] ^= 1;
    assert_int_equal(ar_note_cosig_verify(full.ptr, full.len, &wv, &t), AR_EINVAL);
    ar_buf_free(&full);

    /* stale old size: 409 with the witness's size as text/x.tlog.size */
    append(logs, "leaf 5");
    append(logs, "leaf 6");
    request(logs, 0, &body, 0);
    assert_int_equal(add(&body, &out, &ctype), 409);
    assert_string_equal(ctype, "text/x.tlog.size");
    assert_string_equal(ar_buf_cstr(&out), "5\n");
    /* a proof that does not verify: 422; one line short: 422; nothing stored */
    request(logs, 5, &body, 1);
    assert_int_equal(add(&body, &out, &ctype), 422);
    request(logs, 5, &body, 2);
    assert_int_equal(add(&body, &out, &ctype), 422);
    request(logs, 5, &body, 0);
    assert_int_equal(add(&body, &out, &ctype), 200);
    /* 64 proof lines are refused before anything else */
    ar_buf_reset(&body);
    ar_buf_puts(&body, "old 7\n");
    for (int i = 0; i < 64; i++)
        ar_buf_puts(&body, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
    ar_buf_puts(&body, "\nexample.org/log\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n");
    assert_int_equal(add(&body, &out, &ctype), 400);
    /* malformed: no old line, bad base64, no note */
    static const char *const bad[] = {"7\n\nx", "old 07\n\nx\n", "old 7\nnot-base64\n\nx\n",
                                      "old 7\n", "old 7\n\nnot a note\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ar_buf_reset(&body);
        ar_buf_puts(&body, bad[i]);
        assert_int_equal(add(&body, &out, &ctype), 400);
    }
    /* unknown origin: 404; signed by another key: 403 */
    struct ar_log_signer other = signer;
    crypto_sign_keypair(other.pk, other.sk);
    struct ar_buf cp;
    ar_buf_init(&cp, 0);
    struct ar_checkpoint c = {.size = 7};
    snprintf(c.origin, sizeof c.origin, "example.org/other");
    ar_checkpoint_format(&cp, &c);
    ar_buf_reset(&body);
    ar_buf_puts(&body, "old 7\n\n");
    ar_note_sign(&body, cp.ptr, cp.len, "example.org/other", other.sk);
    assert_int_equal(add(&body, &out, &ctype), 404);
    ar_buf_reset(&cp);
    snprintf(c.origin, sizeof c.origin, "%s", signer.origin);
    ar_checkpoint_format(&cp, &c);
    ar_buf_reset(&body);
    ar_buf_puts(&body, "old 7\n\n");
    ar_note_sign(&body, cp.ptr, cp.len, signer.origin, other.sk);
    assert_int_equal(add(&body, &out, &ctype), 403);
    ar_buf_free(&cp);
    /* size going backwards: old above the checkpoint's size */
    request(logs, 0, &body, 0);
    memcpy(body.ptr, "old 9", 5);
    assert_int_equal(add(&body, &out, &ctype), 400);

    /* split view: another log with the same key and origin but different leaves */
    for (int i = 0; i < 7; i++)
        append(logs2, i == 3 ? "forged" : (char[]){'l', 'e', 'a', 'f', ' ', (char)('0' + i), 0});
    request(logs2, 7, &body, 0); /* same size, different root */
    assert_int_equal(add(&body, &out, &ctype), 409);
    append(logs2, "leaf 7");
    request(logs2, 7, &body, 0); /* a consistency proof from a tree it never had */
    assert_int_equal(add(&body, &out, &ctype), 422);
    /* the honest log goes on; the witness state was never touched by the refusals */
    append(logs, "leaf 7");
    request(logs, 7, &body, 0);
    assert_int_equal(add(&body, &out, &ctype), 200);
    uint64_t have;
    uint8_t root[32];
    assert_int_equal(ar_store_wstate_get(wits, signer.origin, &have, root), 0);
    assert_int_equal(have, 8);
    ar_buf_free(&body);
    ar_buf_free(&out);
}

static void proof_file_format(void **state)
{
    (void)state;
    struct ar_witness_cfg none = {.n = 0};
    struct ar_buf pf;
    ar_buf_init(&pf, 0);
    assert_int_equal(ar_witness_proof(logs, &signer, &none, 3, &pf), 0);
    struct ar_tlog_proof p;
    assert_int_equal(ar_tlog_proof_parse(&p, pf.ptr, pf.len), 0);
    assert_int_equal(p.index, 3);
    assert_int_equal(p.extra_len, 6);
    assert_memory_equal(p.extra, "leaf 3", 6);
    struct ar_checkpoint c;
    size_t tl = ar_note_text_len(p.checkpoint, p.checkpoint_len);
    assert_int_equal(ar_checkpoint_parse(&c, p.checkpoint, tl), 0);
    ar_hash leaf;
    ar_merkle_leaf_hash(leaf, p.extra, p.extra_len);
    assert_int_equal(ar_merkle_verify_inclusion(leaf, 3, c.size, c.root, p.path, p.n), 0);
    ar_tlog_proof_free(&p);
    static const char *const bad[] = {
        "c2sp.org/tlog-proof@v2\nindex 1\n\nx", "c2sp.org/tlog-proof@v1\nindex 01\n\nx",
        "c2sp.org/tlog-proof@v1\nindex 1\nbad\n\nx", "c2sp.org/tlog-proof@v1\nindex 1\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ar_tlog_proof_parse(&p, bad[i], strlen(bad[i])), AR_EINVAL);
    ar_buf_free(&pf);
}

static void witnesses_file(void **state)
{
    (void)state;
    struct ar_witness_cfg cfg;
    char why[200];
    struct ar_buf t;
    ar_buf_init(&t, 0);
    ar_buf_puts(&t, "# witnesses\nhttp://127.0.0.1:9 ");
    ar_note_cosigner_format(&t, w.name, w.pk);
    ar_buf_putc(&t, '\n');
    assert_int_equal(ar_witness_cfg_parse(&cfg, t.ptr, 0, why, sizeof why), 0);
    assert_int_equal(cfg.n, 1);
    assert_int_equal(cfg.quorum, 1);
    assert_int_equal(ar_witness_cfg_parse(&cfg, t.ptr, 2, why, sizeof why), AR_EINVAL);
    /* a log key (type 0x01) is not a witness key */
    ar_buf_reset(&t);
    ar_buf_puts(&t, "http://127.0.0.1:9 ");
    ar_note_verifier_format(&t, w.name, w.pk);
    assert_int_equal(ar_witness_cfg_parse(&cfg, t.ptr, 0, why, sizeof why), AR_EINVAL);
    assert_int_equal(ar_witness_cfg_parse(&cfg, "ftp://x k", 0, why, sizeof why), AR_EINVAL);
    ar_buf_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(protocol),
        cmocka_unit_test(proof_file_format),
        cmocka_unit_test(witnesses_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
