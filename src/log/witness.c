/* witness.c — both sides of c2sp.org/tlog-witness; see witness.h. */
#include "log/witness.h"
#include "base/clock.h"
#include "base/err.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the witness -------------------------------------------------------------------- */

static int answer(struct ar_buf *out, const char **ctype, int status, const char *msg)
{
    *ctype = "text/plain; charset=utf-8";
    ar_buf_printf(out, "%s\n", msg);
    return status;
}

/* "old N\n" with N decimal without leading zeroes. */
static int parse_old(const char **p, const char *end, uint64_t *old)
{
    const char *q = *p;
    if (end - q < 6 || memcmp(q, "old ", 4) != 0)
        return -1;
    q += 4;
    const char *d = q;
    uint64_t v = 0;
    while (q < end && *q >= '0' && *q <= '9') {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*q++ - '0');
    }
    if (q == d || q >= end || *q != '\n' || (*d == '0' && q - d > 1))
        return -1;
    *old = v;
    *p = q + 1;
    return 0;
}

int ar_witness_add_checkpoint(struct ar_store *s, const struct ar_witness *w, const char *body,
                              size_t len, uint64_t now, struct ar_buf *out, const char **ctype)
{
    const char *p = body, *end = body + len;
    uint64_t old;
    ar_hash proof[AR_PROOF_MAX];
    size_t n = 0;
    if (parse_old(&p, end, &old))
        return answer(out, ctype, 400, "the request starts with \"old <size>\"");
    while (p < end && *p != '\n') {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t hl;
        if (n >= AR_WITNESS_MAX_PROOF)
            return answer(out, ctype, 400, "more than 63 consistency proof lines");
        if (!nl ||
            sodium_base642bin(proof[n], sizeof proof[n], p, (size_t)(nl - p), NULL, &hl, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            hl != sizeof proof[n])
            return answer(out, ctype, 400, "a proof line is not a base64 SHA-256 hash");
        n++;
        p = nl + 1;
    }
    if (p >= end)
        return answer(out, ctype, 400, "no empty line before the checkpoint");
    p++; /* the empty line */
    const char *note = p;
    size_t note_len = (size_t)(end - p), tlen = ar_note_text_len(note, note_len);
    struct ar_checkpoint c;
    if (!tlen || ar_checkpoint_parse(&c, note, tlen))
        return answer(out, ctype, 400, "the checkpoint is not a signed note");
    const struct ar_note_verifier *lv = NULL;
    int ok = 0;
    for (int i = 0; i < w->nlogs; i++)
        if (strcmp(w->logs[i].name, c.origin) == 0) {
            lv = &w->logs[i];
            ok |= ar_note_verify(note, note_len, lv, NULL) == 0;
        }
    if (!lv)
        return answer(out, ctype, 404, "unknown log origin");
    if (!ok)
        return answer(out, ctype, 403, "no valid signature by a key trusted for this log");
    if (old > c.size)
        return answer(out, ctype, 400, "old size is larger than the checkpoint's size");
    if (old == 0 && n != 0)
        return answer(out, ctype, 422, "a proof from size 0 must be empty");

    char ts[32];
    ar_clock_fmt(ts, sizeof ts, (time_t)now);
    int rc = ar_store_begin(s), status = 200;
    if (rc)
        return answer(out, ctype, 500, "storage unavailable");
    uint64_t have = 0;
    uint8_t have_root[32], past[32];
    rc = ar_store_wstate_get(s, c.origin, &have, have_root);
    if (rc == AR_ENOTFOUND) {
        have = 0;
        rc = 0;
    }
    const char *why = NULL;
    if (rc) {
        status = 500;
        why = "storage unavailable";
    } else if (old != have) {
        status = 409;
    } else if (ar_store_wstate_history(s, c.origin, c.size, past) == 0 &&
               memcmp(past, c.root, 32) != 0) {
        status = 409; /* never two different trees of one size */
        why = "a different tree of this size was cosigned before";
    } else if (old == c.size && old > 0 && memcmp(have_root, c.root, 32) != 0) {
        status = 409;
        why = "same size, different root";
    } else if (old > 0 && old < c.size &&
               ar_merkle_verify_consistency(old, c.size, have_root, c.root, proof, n) != 0) {
        status = 422;
        why = "the consistency proof does not verify";
    } else if (old == c.size && n != 0) {
        status = 422;
        why = "a proof between equal sizes must be empty";
    }
    if (status == 200) {
        struct ar_buf cos;
        ar_buf_init(&cos, 0);
        rc = ar_note_cosign(&cos, note, tlen, w->name, w->sk, now);
        char *stored = strndup(note, note_len);
        if (!rc && stored)
            rc = ar_store_wstate_put(s, c.origin, c.size, c.root, stored, ts);
        free(stored);
        if (!rc && !(rc = ar_store_commit(s))) {
            *ctype = "text/plain; charset=utf-8";
            ar_buf_add(out, cos.ptr, cos.len);
        } else {
            if (rc != AR_EIO)
                ar_store_rollback(s);
            status = answer(out, ctype, 500, "storage unavailable");
        }
        ar_buf_free(&cos);
        return status;
    }
    /* Refusals on the tree itself are evidence of a misbehaving log: keep them. */
    if (why && status != 500)
        ar_store_wstate_refused(s, c.origin, ts, status, why, body, len);
    if (ar_store_commit(s))
        ar_store_rollback(s);
    if (status == 409 && !why) {
        *ctype = "text/x.tlog.size";
        ar_buf_printf(out, "%llu\n", (unsigned long long)have);
        return 409;
    }
    return answer(out, ctype, status, why);
}

/* ---- the register's side ------------------------------------------------------------------ */

int ar_witness_cfg_parse(struct ar_witness_cfg *out, const char *text, int quorum, char *why,
                         size_t whylen)
{
    memset(out, 0, sizeof *out);
    int line = 0;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        line++;
        char buf[1200];
        if (n >= sizeof buf) {
            snprintf(why, whylen, "line %d is too long", line);
            return AR_EINVAL;
        }
        memcpy(buf, p, n);
        buf[n] = '\0';
        p += n + (p[n] == '\n');
        char *l = buf + strspn(buf, " \t\r");
        l[strcspn(l, "\r")] = '\0';
        if (!*l || *l == '#')
            continue;
        char *sp = strpbrk(l, " \t");
        if (out->n >= AR_WITNESS_MAX_PEERS) {
            snprintf(why, whylen, "at most %d witnesses", AR_WITNESS_MAX_PEERS);
            return AR_EINVAL;
        }
        struct ar_witness_peer *w = &out->peers[out->n];
        if (!sp) {
            snprintf(why, whylen, "line %d: URL VKEY", line);
            return AR_EINVAL;
        }
        *sp = '\0';
        char *vk = sp + 1 + strspn(sp + 1, " \t");
        if ((strncmp(l, "http://", 7) != 0 && strncmp(l, "https://", 8) != 0) ||
            strlen(l) >= sizeof w->url || strlen(vk) >= sizeof w->vkey ||
            ar_note_verifier_parse(&w->v, vk) || w->v.alg != AR_NOTE_ALG_COSIG) {
            snprintf(why, whylen,
                     "line %d: an http(s) URL and a witness key (name+hash+base64 of 0x04 and"
                     " the Ed25519 key)",
                     line);
            return AR_EINVAL;
        }
        for (int i = 0; i < out->n; i++)
            if (strcmp(out->peers[i].v.name, w->v.name) == 0) {
                snprintf(why, whylen, "line %d: witness %s appears twice", line, w->v.name);
                return AR_EINVAL;
            }
        snprintf(w->url, sizeof w->url, "%s", l);
        snprintf(w->vkey, sizeof w->vkey, "%s", vk);
        out->n++;
    }
    if (quorum < 0 || quorum > out->n) {
        snprintf(why, whylen, "the quorum must be from 1 to the number of witnesses (%d)", out->n);
        return AR_EINVAL;
    }
    out->quorum = quorum ? quorum : out->n;
    return 0;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct ar_buf *b = ud;
    ar_buf_add(b, ptr, size * nmemb);
    return b->err ? 0 : size * nmemb;
}

/* POST body to url/add-checkpoint; *status 0 when the witness could not be reached. */
static void post(const char *url, const struct ar_buf *body, long *status, struct ar_buf *resp,
                 char *err, size_t errlen)
{
    char full[600];
    size_t ul = strlen(url);
    snprintf(full, sizeof full, "%s%sadd-checkpoint", url, ul && url[ul - 1] == '/' ? "" : "/");
    CURL *c = curl_easy_init();
    *status = 0;
    if (!c) {
        snprintf(err, errlen, "cannot start an HTTP client");
        return;
    }
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: text/plain");
    curl_easy_setopt(c, CURLOPT_URL, full);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->ptr);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body->len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 3L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    else
        snprintf(err, errlen, "unreachable: %s", curl_easy_strerror(rc));
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

/* One attempt to bring a witness from size old to the checkpoint (note, size, root). */
static int push_one(struct ar_store *s, const struct ar_witness_peer *w, const char *note,
                    const struct ar_checkpoint *c, uint64_t old, long *status, struct ar_buf *resp,
                    char *err, size_t errlen)
{
    ar_hash proof[AR_PROOF_MAX];
    size_t n = 0;
    if (old > 0 && old < c->size) {
        int rc = ar_merkle_prove_consistency(proof, &n, old, c->size, ar_log_subtree, s);
        if (rc)
            return rc;
    }
    struct ar_buf body;
    ar_buf_init(&body, 0);
    ar_buf_printf(&body, "old %llu\n", (unsigned long long)old);
    for (size_t i = 0; i < n; i++) {
        char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64, proof[i], 32, sodium_base64_VARIANT_ORIGINAL);
        ar_buf_printf(&body, "%s\n", b64);
    }
    ar_buf_putc(&body, '\n');
    ar_buf_puts(&body, note);
    ar_buf_reset(resp);
    post(w->url, &body, status, resp, err, errlen);
    ar_buf_free(&body);
    return 0;
}

int ar_witness_push(struct ar_store *s, const struct ar_log_signer *sg,
                    const struct ar_witness_cfg *cfg, int *cosigned)
{
    struct ar_buf cp, resp;
    char *note = NULL;
    int rc = 0;
    *cosigned = 0;
    if (cfg->n == 0)
        return 0;
    ar_buf_init(&cp, 0);
    ar_buf_init(&resp, 1 << 16);
    if ((rc = ar_log_checkpoint(s, sg, &cp)))
        goto out;
    struct ar_checkpoint c;
    size_t tlen = ar_note_text_len(cp.ptr, cp.len);
    if (!tlen || ar_checkpoint_parse(&c, cp.ptr, tlen)) {
        rc = AR_EIO;
        goto out;
    }
    note = strndup(cp.ptr, cp.len);
    for (int i = 0; i < cfg->n && note; i++) {
        const struct ar_witness_peer *w = &cfg->peers[i];
        uint64_t have = 0;
        rc = ar_store_wit_peer_get(s, w->v.name, w->vkey, w->url, &have);
        if (rc == AR_ENOTFOUND && !(rc = ar_store_wit_peer_sync(s, w->v.name, w->vkey, w->url)))
            rc = ar_store_wit_peer_get(s, w->v.name, w->vkey, w->url, &have);
        if (rc)
            goto out;
        json_t *mine = NULL;
        int done = 0;
        if (have == c.size && ar_store_cosigs(s, c.size, &mine) == 0) {
            size_t k;
            json_t *v;
            json_array_foreach (mine, k, v)
                done |= !strcmp(json_string_value(json_object_get(v, "witness")), w->v.name);
        }
        json_decref(mine);
        if (done)
            continue;
        char err[300] = "", now[32];
        long status = 0;
        uint64_t old = have > c.size ? 0 : have;
        for (int attempt = 0; attempt < 2; attempt++) {
            err[0] = '\0';
            if ((rc = push_one(s, w, note, &c, old, &status, &resp, err, sizeof err)))
                goto out;
            if (status != 409 || resp.len == 0)
                break;
            /* 409: the witness says which size it last cosigned; try once from there. */
            uint64_t theirs = strtoull(ar_buf_cstr(&resp), NULL, 10);
            if (theirs == old || theirs > c.size) {
                snprintf(err, sizeof err,
                         theirs > c.size ? "the witness has cosigned a larger tree (%llu) than"
                                           " this log has: split view or rollback"
                                         : "the witness holds a different tree at size %llu:"
                                           " split view",
                         (unsigned long long)theirs);
                break;
            }
            old = theirs;
        }
        ar_clock_fmt(now, sizeof now, ar_clock_now());
        uint64_t t = 0;
        char *keep = NULL; /* the verified cosignature line */
        if (!err[0] && status == 200) {
            /* Keep only a line that verifies against the checkpoint with this key. */
            for (const char *p = resp.ptr, *e = resp.ptr + resp.len; p < e && !keep;) {
                const char *nl = memchr(p, '\n', (size_t)(e - p));
                if (!nl)
                    break;
                struct ar_buf one;
                ar_buf_init(&one, 0);
                ar_buf_puts(&one, note);
                ar_buf_add(&one, p, (size_t)(nl - p + 1));
                if (ar_note_cosig_verify(one.ptr, one.len, &w->v, &t) == 0)
                    keep = strndup(p, (size_t)(nl - p));
                ar_buf_free(&one);
                p = nl + 1;
            }
            if (!keep)
                snprintf(err, sizeof err, "the answer holds no valid cosignature by this witness");
        } else if (!err[0]) {
            const char *b = ar_buf_cstr(&resp);
            snprintf(err, sizeof err, "HTTP %ld: %.*s", status, (int)strcspn(b, "\n"), b);
        }
        if (!(rc = ar_store_begin(s))) {
            if (keep)
                rc = ar_store_cosig_put(s, c.size, w->v.name, t, keep);
            if (!rc)
                rc = ar_store_wit_peer_result(s, w->v.name, err[0] ? have : c.size, now,
                                              err[0] ? err : NULL);
            if (rc)
                ar_store_rollback(s);
            else
                rc = ar_store_commit(s);
        }
        *cosigned += keep != NULL;
        free(keep);
        if (rc)
            goto out;
    }
out:
    free(note);
    ar_buf_free(&cp);
    ar_buf_free(&resp);
    return rc;
}

int ar_witness_checkpoint(struct ar_store *s, const struct ar_log_signer *sg, struct ar_buf *out)
{
    struct ar_buf cp;
    ar_buf_init(&cp, 0);
    int rc = ar_log_checkpoint(s, sg, &cp);
    struct ar_checkpoint c;
    size_t tlen = rc ? 0 : ar_note_text_len(cp.ptr, cp.len);
    json_t *cos = NULL;
    if (!rc && tlen && ar_checkpoint_parse(&c, cp.ptr, tlen) == 0 &&
        ar_store_cosigs(s, c.size, &cos) == 0) {
        ar_buf_add(out, cp.ptr, cp.len);
        size_t i;
        json_t *v;
        json_array_foreach (cos, i, v)
            ar_buf_printf(out, "%s\n", json_string_value(json_object_get(v, "line")));
    } else if (!rc) {
        ar_buf_add(out, cp.ptr, cp.len);
    }
    json_decref(cos);
    ar_buf_free(&cp);
    return rc;
}

/* The largest checkpoint size with at least quorum cosignatures. */
static uint64_t witnessed_size(struct ar_store *s, const struct ar_witness_cfg *cfg)
{
    uint64_t best = 0;
    json_t *peers = NULL;
    if (cfg->n == 0)
        return 0;
    if (ar_store_wit_peers(s, &peers))
        return 0;
    uint64_t sizes[AR_WITNESS_MAX_PEERS];
    int n = 0;
    size_t i;
    json_t *p;
    json_array_foreach (peers, i, p) {
        for (int k = 0; k < cfg->n; k++)
            if (!strcmp(cfg->peers[k].v.name, json_string_value(json_object_get(p, "name"))) &&
                n < AR_WITNESS_MAX_PEERS)
                sizes[n++] = (uint64_t)json_integer_value(json_object_get(p, "size"));
    }
    json_decref(peers);
    /* the quorum-th largest size: a tree every one of quorum witnesses has cosigned
     * (sizes only grow, and each witness cosigned its size) */
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++)
            if (sizes[b] > sizes[a]) {
                uint64_t t = sizes[a];
                sizes[a] = sizes[b];
                sizes[b] = t;
            }
    if (n >= cfg->quorum && cfg->quorum > 0)
        best = sizes[cfg->quorum - 1];
    return best;
}

int ar_witness_status(struct ar_store *s, const struct ar_witness_cfg *cfg, json_t **out)
{
    json_t *peers = NULL, *list = json_array();
    uint64_t size = 0;
    int rc = ar_store_wit_peers(s, &peers);
    if (!rc)
        rc = ar_store_log_size(s, &size);
    if (rc) {
        json_decref(list);
        return rc;
    }
    int up = 0;
    for (int k = 0; k < cfg->n; k++) {
        json_t *row = NULL;
        size_t i;
        json_t *p;
        json_array_foreach (peers, i, p)
            if (!strcmp(json_string_value(json_object_get(p, "name")), cfg->peers[k].v.name))
                row = p;
        int ok = row && json_is_null(json_object_get(row, "last_error")) &&
                 json_is_string(json_object_get(row, "last_ok"));
        up += ok;
        json_t *w = json_pack("{s:s, s:s, s:s, s:b}", "name", cfg->peers[k].v.name, "url",
                              cfg->peers[k].url, "vkey", cfg->peers[k].vkey, "up", ok);
        static const char *const keys[] = {"size", "last_ok", "last_attempt", "last_error"};
        for (int j = 0; j < 4; j++)
            json_object_set(w, keys[j], row ? json_object_get(row, keys[j]) : json_null());
        json_array_append_new(list, w);
    }
    json_decref(peers);
    uint64_t ws = witnessed_size(s, cfg);
    *out = json_pack("{s:i, s:o, s:I, s:I, s:b, s:i}", "quorum", cfg->quorum, "witnesses", list,
                     "log_size", (json_int_t)size, "witnessed_size", (json_int_t)ws, "quorum_met",
                     cfg->n > 0 && ws == size && size > 0, "up", up);
    return 0;
}

int ar_witness_entry(struct ar_store *s, const struct ar_witness_cfg *cfg, uint64_t index,
                     json_t **out)
{
    struct ar_buf leaf;
    json_t *cov = NULL;
    ar_buf_init(&leaf, 1 << 17);
    int rc = ar_store_log_leaves(s, index, 1, &leaf);
    if (!rc)
        rc = ar_store_cosigs_covering(s, index, &cov);
    if (rc) {
        ar_buf_free(&leaf);
        return rc;
    }
    json_t *data = leaf.len > 2 ? json_loadb(leaf.ptr + 2, leaf.len - 2, 0, NULL) : NULL;
    ar_buf_free(&leaf);
    /* Only configured witnesses count towards the quorum. */
    json_t *mine = json_array();
    size_t i;
    json_t *v;
    json_array_foreach (cov, i, v)
        for (int k = 0; k < cfg->n; k++)
            if (!strcmp(cfg->peers[k].v.name, json_string_value(json_object_get(v, "witness"))))
                json_array_append(mine, v);
    json_decref(cov);
    int witnessed = cfg->n > 0 && (int)json_array_size(mine) >= cfg->quorum;
    json_t *at = json_null();
    if (witnessed) {
        char t[32];
        ar_clock_fmt(t, sizeof t,
                     (time_t)json_integer_value(
                         json_object_get(json_array_get(mine, (size_t)cfg->quorum - 1), "time")));
        at = json_string(t);
    }
    json_array_foreach (mine, i, v) {
        char t[32];
        ar_clock_fmt(t, sizeof t, (time_t)json_integer_value(json_object_get(v, "time")));
        json_object_set_new(v, "at", json_string(t));
    }
    *out = json_pack("{s:I, s:O?, s:b, s:o, s:i, s:o}", "index", (json_int_t)index, "logged",
                     json_object_get(data, "time"), "witnessed", witnessed, "witnessed_at", at,
                     "quorum", cfg->quorum, "witnesses", mine);
    json_decref(data);
    return 0;
}

int ar_witness_proof(struct ar_store *s, const struct ar_log_signer *sg,
                     const struct ar_witness_cfg *cfg, uint64_t index, struct ar_buf *out)
{
    struct ar_buf leaf, cp;
    char *note = NULL;
    json_t *cos = NULL;
    ar_buf_init(&leaf, 1 << 17);
    ar_buf_init(&cp, 0);
    int rc = ar_store_log_leaves(s, index, 1, &leaf);
    if (rc)
        goto out;
    /* The smallest checkpoint containing the leaf that a quorum cosigned, else the latest. */
    uint64_t size = 0;
    if (cfg->n > 0 && (rc = ar_store_cosig_quorum_size(s, index, cfg->quorum, &size)) &&
        rc != AR_ENOTFOUND)
        goto out;
    rc = 0;
    if (size == 0) {
        if ((rc = ar_log_checkpoint(s, sg, &cp)))
            goto out;
        struct ar_checkpoint c;
        size_t tlen = ar_note_text_len(cp.ptr, cp.len);
        if (!tlen || ar_checkpoint_parse(&c, cp.ptr, tlen)) {
            rc = AR_EIO;
            goto out;
        }
        size = c.size;
    }
    if (index >= size || (rc = ar_store_checkpoint_at(s, size, &note))) {
        rc = rc ? rc : AR_ENOTFOUND;
        goto out;
    }
    ar_hash path[AR_PROOF_MAX];
    size_t n = 0;
    if ((rc = ar_merkle_prove_inclusion(path, &n, index, size, ar_log_subtree, s)))
        goto out;
    size_t b64cap = sodium_base64_ENCODED_LEN(leaf.len - 2, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64cap);
    if (!b64) {
        rc = AR_EIO;
        goto out;
    }
    sodium_bin2base64(b64, b64cap, (const uint8_t *)leaf.ptr + 2, leaf.len - 2,
                      sodium_base64_VARIANT_ORIGINAL);
    ar_buf_printf(out, "c2sp.org/tlog-proof@v1\nextra %s\nindex %llu\n", b64,
                  (unsigned long long)index);
    free(b64);
    for (size_t i = 0; i < n; i++) {
        char h[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(h, sizeof h, path[i], 32, sodium_base64_VARIANT_ORIGINAL);
        ar_buf_printf(out, "%s\n", h);
    }
    ar_buf_printf(out, "\n%s", note);
    if ((rc = ar_store_cosigs(s, size, &cos)))
        goto out;
    size_t i;
    json_t *v;
    json_array_foreach (cos, i, v)
        ar_buf_printf(out, "%s\n", json_string_value(json_object_get(v, "line")));
out:
    free(note);
    json_decref(cos);
    ar_buf_free(&leaf);
    ar_buf_free(&cp);
    return rc;
}

int ar_tlog_proof_parse(struct ar_tlog_proof *out, const char *text, size_t len)
{
    memset(out, 0, sizeof *out);
    const char *p = text, *end = text + len;
    static const char head[] = "c2sp.org/tlog-proof@v1\n";
    if (len < sizeof head - 1 || memcmp(p, head, sizeof head - 1) != 0)
        return AR_EINVAL;
    p += sizeof head - 1;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl && nl - p > 6 && memcmp(p, "extra ", 6) == 0) {
        size_t cap = (size_t)(nl - p), got;
        out->extra = malloc(cap);
        if (!out->extra || sodium_base642bin(out->extra, cap, p + 6, (size_t)(nl - p - 6), NULL,
                                             &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
            ar_tlog_proof_free(out);
            return AR_EINVAL;
        }
        out->extra_len = got;
        p = nl + 1;
        nl = memchr(p, '\n', (size_t)(end - p));
    }
    if (!nl || nl - p < 7 || memcmp(p, "index ", 6) != 0 || (p[6] == '0' && nl - p > 7)) {
        ar_tlog_proof_free(out);
        return AR_EINVAL;
    }
    for (const char *q = p + 6; q < nl; q++) {
        if (*q < '0' || *q > '9' || out->index > (UINT64_MAX - 9) / 10) {
            ar_tlog_proof_free(out);
            return AR_EINVAL;
        }
        out->index = out->index * 10 + (uint64_t)(*q - '0');
    }
    p = nl + 1;
    while (p < end && *p != '\n') {
        nl = memchr(p, '\n', (size_t)(end - p));
        size_t hl;
        if (!nl || out->n >= AR_PROOF_MAX ||
            sodium_base642bin(out->path[out->n], 32, p, (size_t)(nl - p), NULL, &hl, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            hl != 32) {
            ar_tlog_proof_free(out);
            return AR_EINVAL;
        }
        out->n++;
        p = nl + 1;
    }
    if (p >= end) {
        ar_tlog_proof_free(out);
        return AR_EINVAL;
    }
    out->checkpoint = p + 1;
    out->checkpoint_len = (size_t)(end - p - 1);
    return 0;
}

void ar_tlog_proof_free(struct ar_tlog_proof *p)
{
    free(p->extra);
    p->extra = NULL;
}
