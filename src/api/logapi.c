/* logapi.c — the transparency log over HTTP: the signed checkpoint and tiles as
 * c2sp.org/tlog-tiles lays them out (so the log can be mirrored as static files), and
 * JSON for entries and proofs under /api/v1/log. */
#include "api/api.h"
#include "auth/auth.h"
#include "base/err.h"
#include "log/log.h"
#include "log/witness.h"
#include "model/record.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void b64(char *out, size_t n, const uint8_t *h)
{
    sodium_bin2base64(out, n, h, AR_HASH_LEN, sodium_base64_VARIANT_ORIGINAL);
}

static json_t *hash_json(const uint8_t *h)
{
    char s[sodium_base64_ENCODED_LEN(AR_HASH_LEN, sodium_base64_VARIANT_ORIGINAL)];
    b64(s, sizeof s, h);
    return json_string(s);
}

static void log_error(struct ar_req *r, int rc, const char *field, const char *detail)
{
    json_t *pr = json_array();
    ar_problem_add(pr, field, rc == AR_ENOTFOUND ? "exists" : "range", "%s", detail);
    if (rc == AR_ENOTFOUND || rc == AR_EINVAL)
        ar_resp_problem(r, rc == AR_ENOTFOUND ? 404 : 400,
                        rc == AR_ENOTFOUND ? "not-found" : "bad-query",
                        rc == AR_ENOTFOUND ? "Not found" : "Invalid parameter", NULL, pr);
    else
        ar_resp_problem(r, 500, "internal", "Internal error", "the log could not be read", NULL);
    json_decref(pr);
}

static int u64_arg(const struct ar_req *r, const char *key, uint64_t *out, int *present)
{
    const char *v = ar_req_arg(r, key);
    *present = v && *v;
    if (!*present)
        return 0;
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (*end || *v == '-' || n > (1ull << 62))
        return -1;
    *out = n;
    return 0;
}

static void h_checkpoint(struct ar_req *r)
{
    if (!r->app->signer) {
        ar_resp_problem(r, 503, "unavailable", "Service unavailable", "the log has no key", NULL);
        return;
    }
    /* The latest checkpoint with every cosignature its witnesses gave so far. */
    int rc = ar_witness_checkpoint(r->store, r->app->signer, &r->out);
    if (rc) {
        ar_buf_reset(&r->out);
        log_error(r, rc, "", "the checkpoint could not be made");
        return;
    }
    r->status = 200;
    r->ctype = "text/plain; charset=utf-8";
    ar_req_header(r, "Cache-Control", "no-cache");
}

static void h_tile(struct ar_req *r)
{
    int entries;
    unsigned level, width;
    uint64_t index;
    const char *path = ar_arena_printf(r->arena, "tile/%s", r->params[0]);
    if (ar_log_tile_parse(path, &entries, &level, &index, &width)) {
        log_error(r, AR_EINVAL, "path", "not a tlog-tiles path");
        return;
    }
    int rc = ar_log_tile_read(r->store, entries, level, index, width, &r->out);
    if (rc) {
        ar_buf_reset(&r->out);
        log_error(r, rc, "path", "no such tile at the current tree size");
        return;
    }
    r->status = 200;
    r->ctype = "application/octet-stream";
    /* Full tiles never change; partial ones are superseded as the log grows. */
    ar_req_header(r, "Cache-Control",
                  width ? "public, max-age=60" : "public, max-age=31536000, immutable");
}

static void h_log(struct ar_req *r)
{
    uint64_t size;
    ar_hash root;
    int rc = ar_store_log_size(r->store, &size);
    if (!rc)
        rc = ar_merkle_root(root, size, ar_log_subtree, r->store);
    if (rc) {
        log_error(r, rc, "", "the log could not be read");
        return;
    }
    json_t *v = json_pack("{s:I, s:o, s:s, s:s}", "size", (json_int_t)size, "root", hash_json(root),
                          "checkpoint", "/checkpoint", "tiles", "/tile/");
    if (r->app->signer) {
        struct ar_buf vk;
        ar_buf_init(&vk, 1024);
        ar_log_signer_vkey(r->app->signer, &vk);
        json_object_set_new(v, "origin", json_string(r->app->signer->origin));
        json_object_set_new(v, "verifier_key", json_string(ar_buf_cstr(&vk)));
        ar_buf_free(&vk);
    }
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void h_entry(struct ar_req *r)
{
    char *end;
    unsigned long long idx = strtoull(r->params[0], &end, 10);
    struct ar_buf b;
    ar_hash h;
    if (*end || r->params[0][0] == '-') {
        log_error(r, AR_EINVAL, "index", "index must be a whole number");
        return;
    }
    ar_buf_init(&b, 1 << 17);
    int rc = ar_store_log_leaves(r->store, idx, 1, &b);
    if (!rc)
        rc = ar_store_log_hash_get(r->store, 0, idx, h);
    if (rc) {
        ar_buf_free(&b);
        log_error(r, rc, "index", "no log entry with that index");
        return;
    }
    json_t *data = json_loadb(b.ptr + 2, b.len - 2, 0, NULL);
    json_t *v = json_pack("{s:I, s:o, s:s%, s:o?}", "index", (json_int_t)idx, "leaf_hash",
                          hash_json(h), "data", b.ptr + 2, b.len - 2, "entry", data);
    json_t *wit = NULL;
    if (r->app->witnesses && ar_witness_entry(r->store, r->app->witnesses, idx, &wit) == 0)
        json_object_set_new(v, "witnessed", wit);
    ar_resp_json(r, 200, v);
    json_decref(v);
    ar_buf_free(&b);
}

/* The right-edge hashes of the tree never change once their leaves exist (the log is
 * append-only), so proofs share one cache per database for the life of the process. */
static pthread_mutex_t g_cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ar_merkle_cache g_cache;
static char g_cache_db[4096];

static void cache_lock(struct ar_req *r)
{
    pthread_mutex_lock(&g_cache_mu);
    if (strcmp(g_cache_db, r->app->db_path ? r->app->db_path : "") != 0) {
        ar_merkle_cache_init(&g_cache);
        snprintf(g_cache_db, sizeof g_cache_db, "%s", r->app->db_path ? r->app->db_path : "");
    }
}

static json_t *proof_json(const ar_hash *proof, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, hash_json(proof[i]));
    return a;
}

static void h_inclusion(struct ar_req *r)
{
    uint64_t idx = 0, size = 0, cur;
    int has_idx, has_size;
    if (u64_arg(r, "index", &idx, &has_idx) || !has_idx) {
        log_error(r, AR_EINVAL, "index", "index is required: the leaf's position in the log");
        return;
    }
    if (u64_arg(r, "size", &size, &has_size)) {
        log_error(r, AR_EINVAL, "size", "size must be a tree size");
        return;
    }
    int rc = ar_store_log_size(r->store, &cur);
    if (rc) {
        log_error(r, rc, "", "the log could not be read");
        return;
    }
    if (!has_size)
        size = cur;
    if (size > cur || idx >= size) {
        log_error(r, AR_EINVAL, has_size ? "size" : "index",
                  "index must be below size, and size at most the log's size");
        return;
    }
    ar_hash proof[AR_PROOF_MAX], root, leaf;
    size_t n;
    cache_lock(r);
    rc = ar_merkle_prove_inclusion_c(proof, &n, idx, size, ar_log_subtree, r->store, &g_cache);
    pthread_mutex_unlock(&g_cache_mu);
    if (rc || (rc = ar_merkle_root(root, size, ar_log_subtree, r->store)) ||
        (rc = ar_store_log_hash_get(r->store, 0, idx, leaf))) {
        log_error(r, AR_EIO, "", "the proof could not be made");
        return;
    }
    json_t *v = json_pack("{s:I, s:I, s:o, s:o, s:o}", "index", (json_int_t)idx, "size",
                          (json_int_t)size, "leaf_hash", hash_json(leaf), "root", hash_json(root),
                          "proof", proof_json(proof, n));
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void h_consistency(struct ar_req *r)
{
    uint64_t from = 0, to = 0, cur;
    int has_from, has_to;
    if (u64_arg(r, "from", &from, &has_from) || !has_from || from == 0) {
        log_error(r, AR_EINVAL, "from", "from is required: a tree size of at least 1");
        return;
    }
    if (u64_arg(r, "to", &to, &has_to)) {
        log_error(r, AR_EINVAL, "to", "to must be a tree size");
        return;
    }
    int rc = ar_store_log_size(r->store, &cur);
    if (rc) {
        log_error(r, rc, "", "the log could not be read");
        return;
    }
    if (!has_to)
        to = cur;
    if (to > cur || from > to) {
        log_error(r, AR_EINVAL, "to", "from must be at most to, and to at most the log's size");
        return;
    }
    ar_hash proof[AR_PROOF_MAX], r1, r2;
    size_t n;
    cache_lock(r);
    rc = ar_merkle_prove_consistency_c(proof, &n, from, to, ar_log_subtree, r->store, &g_cache);
    pthread_mutex_unlock(&g_cache_mu);
    if (rc || ar_merkle_root(r1, from, ar_log_subtree, r->store) ||
        ar_merkle_root(r2, to, ar_log_subtree, r->store)) {
        log_error(r, AR_EIO, "", "the proof could not be made");
        return;
    }
    json_t *v = json_pack("{s:I, s:I, s:o, s:o, s:o}", "from", (json_int_t)from, "to",
                          (json_int_t)to, "root_from", hash_json(r1), "root_to", hash_json(r2),
                          "proof", proof_json(proof, n));
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void h_witnesses(struct ar_req *r)
{
    json_t *v = NULL;
    static const struct ar_witness_cfg none = {.n = 0};
    int rc = ar_witness_status(r->store, r->app->witnesses ? r->app->witnesses : &none, &v);
    if (rc) {
        log_error(r, rc, "", "the witness status could not be read");
        return;
    }
    ar_req_header(r, "Cache-Control", "no-cache");
    ar_resp_json(r, 200, v);
    json_decref(v);
}

/* GET /api/v1/log/proof/offline?index=N: a self-contained proof anyone can keep. */
static void h_proof_file(struct ar_req *r)
{
    uint64_t idx = 0, size = 0;
    int has;
    static const struct ar_witness_cfg none = {.n = 0};
    if (u64_arg(r, "index", &idx, &has) || !has) {
        log_error(r, AR_EINVAL, "index", "index is required: the leaf's position in the log");
        return;
    }
    if (!r->app->signer) {
        ar_resp_problem(r, 503, "unavailable", "Service unavailable", "the log has no key", NULL);
        return;
    }
    if (ar_store_log_size(r->store, &size) || idx >= size) {
        log_error(r, AR_ENOTFOUND, "index", "no log entry with that index");
        return;
    }
    int rc = ar_witness_proof(r->store, r->app->signer,
                              r->app->witnesses ? r->app->witnesses : &none, idx, &r->out);
    if (rc) {
        ar_buf_reset(&r->out);
        log_error(r, rc, "index", "the proof could not be made");
        return;
    }
    r->status = 200;
    r->ctype = "text/plain; charset=utf-8";
    ar_req_header(r, "Content-Disposition",
                  ar_arena_printf(r->arena, "attachment; filename=\"entry-%llu.tlog-proof\"",
                                  (unsigned long long)idx));
    ar_req_header(r, "Cache-Control", "no-cache");
}

const struct ar_route ar_log_routes[] = {
    {"GET", "/checkpoint", h_checkpoint, "Signed checkpoint (c2sp.org/tlog-checkpoint)",
     AR_ROLE_PUBLIC},
    {"GET", "/tile/*", h_tile, "Log tiles and entry bundles (c2sp.org/tlog-tiles)", AR_ROLE_PUBLIC},
    {"GET", "/api/v1/log", h_log, "The log: size, root, verifier key", AR_ROLE_PUBLIC},
    {"GET", "/api/v1/log/entries/{index}", h_entry, "One log entry", AR_ROLE_PUBLIC},
    {"GET", "/api/v1/log/proof/inclusion", h_inclusion, "Inclusion proof", AR_ROLE_PUBLIC},
    {"GET", "/api/v1/log/proof/consistency", h_consistency, "Consistency proof", AR_ROLE_PUBLIC},
    {"GET", "/api/v1/log/witnesses", h_witnesses, "Witnesses, what they cosigned, the quorum",
     AR_ROLE_PUBLIC},
    {"GET", "/api/v1/log/proof/offline", h_proof_file,
     "Offline proof of an entry (c2sp.org/tlog-proof)", AR_ROLE_PUBLIC},
    {NULL, NULL, NULL, NULL, 0},
};
