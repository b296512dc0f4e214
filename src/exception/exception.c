/* exception.c — withholding, sealing, commitments, timed publication and extensions;
 * see exception.h. Every decision is a leaf of the transparency log. */
#include "exception/exception.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/secret.h"
#include "json/json.h"
#include "log/log.h"
#include "model/fields.h"
#include "model/record.h"
#include "model/registry.h"
#include "notice/notice.h"
#include "base/msg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const struct ar_exception_cfg ar_exception_defaults = {.max_days = 365, .max_extension_days = 182};

/* The grounds of the cabinet's policy and Art. 3(46) AI Act: prevention, investigation,
 * detection or prosecution of criminal offences, execution of criminal penalties. */
const char *const ar_grounds[] = {"prevention",  "investigation",          "detection",
                                  "prosecution", "execution_of_penalties", NULL};

/* Never withheld: the public must always see who registered what kind of system. */
static const char *const always_public[] = {"organization", "publication_category", "lars",
                                            "lang",         "standard_version",     NULL};

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG crypto_aead_xchacha20poly1305_ietf_ABYTES

int ar_seal_key_create(const char *path)
{
    return ar_secret_create(path, crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
}

int ar_seal_key_load(struct ar_seal_key *out, const char *path)
{
    return ar_secret_load(out->k, sizeof out->k, path, "encryption key for withheld content");
}

/* nonce ‖ ciphertext of the canonical JSON of v, bound to (lars, purpose). */
static int seal(const struct ar_seal_key *key, const char *lars, const char *purpose,
                const json_t *v, uint8_t **out, size_t *len)
{
    char *plain = ar_json_canon_str(v);
    char ad[64];
    if (!plain)
        return AR_EINVAL;
    snprintf(ad, sizeof ad, "algoreg:%s:%s", lars, purpose);
    size_t pl = strlen(plain);
    *len = NONCE + pl + TAG;
    *out = ar_xmalloc(*len);
    randombytes_buf(*out, NONCE);
    crypto_aead_xchacha20poly1305_ietf_encrypt(*out + NONCE, NULL, (const uint8_t *)plain, pl,
                                               (const uint8_t *)ad, strlen(ad), NULL, *out, key->k);
    sodium_memzero(plain, pl);
    free(plain);
    return 0;
}

int ar_seal_json(const struct ar_seal_key *key, const char *id, const char *purpose,
                 const json_t *v, uint8_t **out, size_t *len)
{
    return seal(key, id, purpose, v, out, len);
}

json_t *ar_unseal_json(const struct ar_seal_key *key, const char *id, const char *purpose,
                       const char *b64);

static json_t *unseal(const struct ar_seal_key *key, const char *lars, const char *purpose,
                      const char *b64)
{
    size_t cap = b64 ? strlen(b64) : 0, n;
    char ad[64];
    json_t *v = NULL;
    if (!b64)
        return NULL;
    uint8_t *bin = ar_xmalloc(cap + 1);
    if (sodium_base642bin(bin, cap + 1, b64, strlen(b64), NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) == 0 &&
        n >= NONCE + TAG) {
        uint8_t *plain = ar_xmalloc(n - NONCE - TAG + 1);
        unsigned long long pl;
        snprintf(ad, sizeof ad, "algoreg:%s:%s", lars, purpose);
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &pl, NULL, bin + NONCE, n - NONCE,
                                                       (const uint8_t *)ad, strlen(ad), bin,
                                                       key->k) == 0)
            v = json_loadb((const char *)plain, (size_t)pl, 0, NULL);
        sodium_memzero(plain, n - NONCE - TAG);
        free(plain);
    }
    free(bin);
    return v;
}

json_t *ar_unseal_json(const struct ar_seal_key *key, const char *id, const char *purpose,
                       const char *b64)
{
    return unseal(key, id, purpose, b64);
}

static void today(char out[11], time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* A date YYYY-MM-DD as the time_t of its 00:00Z; -1 when malformed. */
static time_t date_start(const char *s)
{
    char buf[32];
    time_t t;
    if (!s || strlen(s) != 10)
        return -1;
    snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
    return ar_clock_parse(&t, buf) == 0 ? t : -1;
}

static int check_until(const char *until, const char *field, time_t after, time_t latest,
                       json_t *problems)
{
    time_t t = date_start(until);
    if (t < 0) {
        ar_problem_add(problems, field, "format", "%s must be a date as YYYY-MM-DD", field);
        return AR_EINVAL;
    }
    if (t <= after) {
        ar_problem_add(problems, field, "future", "%s must be after %s", field,
                       after == ar_clock_now() ? "today" : "the current end date");
        return AR_EINVAL;
    }
    if (t > latest) {
        char lim[11];
        today(lim, latest);
        ar_problem_add(problems, field, "maximum",
                       "%s may be at most %s: the exception is limited in time", field, lim);
        return AR_EINVAL;
    }
    return 0;
}

static int is_ground(const char *g)
{
    return g && ar_fields_in(ar_grounds, g);
}

static void ground_problem(json_t *problems, const char *field)
{
    ar_problem_add(problems, field, "permitted_values",
                   "the ground must be one of prevention, investigation, detection, prosecution"
                   " (of criminal offences) or execution_of_penalties (of criminal penalties)");
}

static char *hex_sha256(const void *a, size_t alen, const void *b, size_t blen)
{
    crypto_hash_sha256_state st;
    uint8_t h[crypto_hash_sha256_BYTES];
    char *hex = ar_xmalloc(2 * sizeof h + 1);
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, a, alen);
    crypto_hash_sha256_update(&st, b, blen);
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(hex, 2 * sizeof h + 1, h, sizeof h);
    return hex;
}

int ar_commitment_check(const char *commitment, const char *salt_b64, const json_t *content,
                        const char **field)
{
    uint8_t salt[64];
    size_t sl = 0;
    *field = NULL;
    if (!commitment || strlen(commitment) != 64)
        *field = "commitment";
    else if (!salt_b64 ||
             sodium_base642bin(salt, sizeof salt, salt_b64, strlen(salt_b64), NULL, &sl, NULL,
                               sodium_base64_VARIANT_ORIGINAL) ||
             sl < 32)
        *field = "salt";
    char *canon = *field || !content ? NULL : ar_json_canon_str(content);
    if (!*field && !canon)
        *field = "content";
    if (*field)
        return AR_EINVAL;
    char *hex = hex_sha256(salt, sl, canon, strlen(canon));
    int rc = strcmp(hex, commitment) == 0 ? 0 : AR_ECONFLICT;
    free(hex);
    free(canon);
    return rc;
}

static int log_leaf(struct ar_store *s, const char *lars, int version, json_t *leaf)
{
    char *data = ar_json_canon_str(leaf);
    int rc = data ? ar_log_append(s, data, strlen(data), lars, version, NULL) : AR_EINVAL;
    free(data);
    return rc;
}

int ar_exception_create(struct ar_store *s, const struct ar_seal_key *key,
                        const struct ar_exception_cfg *cfg, const json_t *record,
                        const json_t *withhold, const char *author, const char *note,
                        json_t *problems, char lars_out[9])
{
    json_t *rec = NULL, *pub = NULL, *content = NULL, *fields = NULL, *sealed_in = NULL,
           *meta = NULL, *leaf = NULL;
    uint8_t *sealed = NULL, *sealed_meta = NULL;
    size_t sealed_len = 0, meta_len = 0;
    char *fields_json = NULL, *commitment = NULL;
    int rc = AR_EINVAL, in_tx = 0;
    size_t before = json_array_size(problems);
    time_t now = ar_clock_now();

    if (!json_is_object(withhold)) {
        ar_problem_add(problems, "withhold", "type", "withhold must be an object");
        return AR_EINVAL;
    }
    const char *k;
    json_t *v;
    json_object_foreach ((json_t *)withhold, k, v) {
        if (strcmp(k, "ground") && strcmp(k, "justification") && strcmp(k, "case_reference") &&
            strcmp(k, "fields") && strcmp(k, "until"))
            ar_problem_add(problems, "withhold", "unknown_field",
                           "withhold.%s is not a member (ground, justification, case_reference,"
                           " fields, until)",
                           k);
    }
    const char *ground = ar_json_str(withhold, "ground");
    const char *just = ar_json_str(withhold, "justification");
    const char *caseref = ar_json_str(withhold, "case_reference");
    const char *until = ar_json_str(withhold, "until");
    if (!is_ground(ground))
        ground_problem(problems, "withhold.ground");
    if (!just || !*just)
        ar_problem_add(problems, "withhold.justification", "required",
                       "a justification is required (it is sealed, not published)");
    else if (strlen(just) > 5000)
        ar_problem_add(problems, "withhold.justification", "max_length",
                       "the justification is limited to 5000 bytes");
    if (json_object_get(withhold, "case_reference") && (!caseref || strlen(caseref) > 200))
        ar_problem_add(problems, "withhold.case_reference", "type",
                       "case_reference must be a string of at most 200 bytes");
    check_until(until, "withhold.until", now, now + (time_t)cfg->max_days * 86400, problems);
    if ((rc = ar_record_validate(&rec, record, problems)) || json_array_size(problems) > before) {
        rc = AR_EINVAL;
        goto out;
    }
    if (ar_json_str(rec, "lars")) {
        ar_problem_add(problems, "lars", "withheld_id",
                       "a withheld registration gets a new id; lars may not be given");
        rc = AR_EINVAL;
        goto out;
    }

    /* Split the record into its public projection and the withheld content. */
    json_t *fl = json_object_get(withhold, "fields");
    fields = json_array();
    if (fl) {
        if (!json_is_array(fl) || json_array_size(fl) == 0) {
            ar_problem_add(problems, "withhold.fields", "type",
                           "fields must be a non-empty array of field names (or absent for"
                           " the whole registration)");
        } else {
            size_t i;
            json_t *f;
            json_array_foreach (fl, i, f) {
                const char *name = json_string_value(f);
                if (!name || !ar_fields_find(ar_record_fields, name) ||
                    ar_fields_in(always_public, name)) {
                    ar_problem_add(problems, "withhold.fields", "permitted_values",
                                   "%s cannot be withheld (organisation and publication"
                                   " category are always public)",
                                   name ? name : "a non-string");
                } else if (!json_object_get(rec, name)) {
                    ar_problem_add(problems, "withhold.fields", "empty",
                                   "%s is empty: there is nothing to withhold", name);
                } else {
                    json_array_append(fields, f);
                }
            }
        }
    } else {
        for (const struct ar_field *f = ar_record_fields; f->key; f++)
            if (!ar_fields_in(always_public, f->key) && json_object_get(rec, f->key))
                json_array_append_new(fields, json_string(f->key));
        json_array_append_new(fields, json_string("en"));
    }
    if (json_array_size(problems) > before) {
        rc = AR_EINVAL;
        goto out;
    }
    if (!lars_out) { /* only checking (a draft waiting for approval) */
        rc = 0;
        goto out;
    }
    pub = json_deep_copy(rec);
    content = json_object();
    json_t *en = json_object_get(pub, "en");
    size_t i;
    json_t *f;
    json_array_foreach (fields, i, f) {
        const char *name = json_string_value(f);
        if (strcmp(name, "en") == 0)
            continue; /* the English versions move with their fields, below */
        json_t *val = json_object_get(pub, name);
        if (val)
            json_object_set(content, name, val);
        json_object_del(pub, name);
        /* The English version of a withheld field is withheld with it. */
        json_t *ev = en ? json_object_get(en, name) : NULL;
        if (ev) {
            json_t *cen = json_object_get(content, "en");
            if (!cen) {
                cen = json_object();
                json_object_set_new(content, "en", cen);
            }
            json_object_set(cen, name, ev);
            json_object_del(en, name);
        }
    }
    if (en && json_object_size(en) == 0)
        json_object_del(pub, "en");

    /* Commitment over a fresh 32-byte salt, so a guessed content cannot be confirmed. */
    uint8_t salt[32];
    char salt_b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    randombytes_buf(salt, sizeof salt);
    sodium_bin2base64(salt_b64, sizeof salt_b64, salt, sizeof salt, sodium_base64_VARIANT_ORIGINAL);
    char *canon = ar_json_canon_str(content);
    if (!canon) {
        rc = AR_EINVAL;
        goto out;
    }
    commitment = hex_sha256(salt, sizeof salt, canon, strlen(canon));
    free(canon);

    struct ar_version_info info;
    if ((rc = ar_store_begin(s)))
        goto out;
    in_tx = 1;
    if ((rc = ar_registry_write_clean(s, NULL, pub, author, note, lars_out, &info)))
        goto out;
    sealed_in = json_pack("{s:O, s:s}", "content", content, "salt", salt_b64);
    meta = json_pack("{s:s, s:s?}", "justification", just, "case_reference", caseref);
    if ((rc = seal(key, lars_out, "content", sealed_in, &sealed, &sealed_len)) ||
        (rc = seal(key, lars_out, "meta", meta, &sealed_meta, &meta_len)))
        goto out;
    fields_json = json_dumps(fields, JSON_COMPACT);
    char now_s[32];
    ar_clock_fmt(now_s, sizeof now_s, now);
    if ((rc = ar_store_wh_insert(s, lars_out, fl ? "fields" : "all", fields_json, ground, until,
                                 now_s, sealed_meta, meta_len)) ||
        (rc = ar_store_sealed_put(s, lars_out, info.version, commitment, sealed, sealed_len)))
        goto out;
    leaf = json_pack("{s:s, s:s, s:i, s:s, s:s, s:{s:s, s:O, s:s, s:s, s:s}}", "kind", "version",
                     "id", lars_out, "version", info.version, "time", info.created, "sha256",
                     info.sha256, "withheld", "scope", fl ? "fields" : "all", "fields", fields,
                     "ground", ground, "until", until, "commitment", commitment);
    if ((rc = log_leaf(s, lars_out, info.version, leaf)))
        goto out;
    rc = ar_store_commit(s);
    in_tx = 0;
out:
    if (in_tx)
        ar_store_rollback(s);
    json_decref(rec);
    json_decref(pub);
    json_decref(content);
    json_decref(fields);
    json_decref(sealed_in);
    json_decref(meta);
    json_decref(leaf);
    free(sealed);
    free(sealed_meta);
    free(fields_json);
    free(commitment);
    return rc;
}

int ar_exception_public(struct ar_store *s, const char *lars, json_t **out)
{
    json_t *w = NULL, *sealed = NULL, *ext = NULL;
    int rc = ar_store_wh_get(s, lars, &w);
    *out = NULL;
    if (rc)
        return rc;
    if ((rc = ar_store_sealed_list(s, lars, &sealed)) ||
        (rc = ar_store_ext_list(s, json_integer_value(json_object_get(w, "withholding_id")), &ext)))
        goto out;
    json_t *commitments = json_array();
    size_t i;
    json_t *c;
    json_array_foreach (sealed, i, c) {
        int version = (int)json_integer_value(json_object_get(c, "version"));
        json_t *e = json_pack("{s:i, s:O}", "version", version, "commitment",
                              json_object_get(c, "commitment"));
        uint64_t idx;
        if (ar_store_log_index_of(s, lars, version, &idx) == 0)
            json_object_set_new(e, "log_index", json_integer((json_int_t)idx));
        json_array_append_new(commitments, e);
    }
    json_t *exts = json_array();
    json_array_foreach (ext, i, c) {
        /* Public: when, to which date, and the decision; never the reasons. */
        json_array_append_new(
            exts, json_pack("{s:O, s:O, s:O, s:O}", "requested", json_object_get(c, "requested"),
                            "requested_until", json_object_get(c, "requested_until"), "state",
                            json_object_get(c, "state"), "decided", json_object_get(c, "decided")));
    }
    json_t *revealed = NULL;
    if (strcmp(ar_json_str(w, "state") ? ar_json_str(w, "state") : "", "published") == 0 &&
        ar_store_revealed_list(s, lars, &revealed) == 0) {
        /* public since publication: salt and content of each version */
        json_array_foreach (revealed, i, c) {
            json_t *m = json_array_get(commitments, i);
            if (m)
                json_object_set(c, "commitment", json_object_get(m, "commitment"));
        }
    }
    *out = json_pack(
        "{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O?, s:o, s:o}", "state", json_object_get(w, "state"),
        "scope", json_object_get(w, "scope"), "fields", json_object_get(w, "fields"), "ground",
        json_object_get(w, "ground"), "until", json_object_get(w, "until"), "extensions",
        json_object_get(w, "extensions"), "since", json_object_get(w, "created"), "published",
        json_object_get(w, "published"), "commitments", commitments, "extension_requests", exts);
    if (revealed)
        json_object_set_new(*out, "revealed", revealed);
out:
    json_decref(w);
    json_decref(sealed);
    json_decref(ext);
    return rc;
}

int ar_exception_sealed(struct ar_store *s, const struct ar_seal_key *key, const char *lars,
                        json_t **out)
{
    json_t *w = NULL, *sealed = NULL, *ext = NULL, *pub = NULL;
    int rc = ar_store_wh_get(s, lars, &w);
    *out = NULL;
    if (rc)
        return rc;
    if ((rc = ar_exception_public(s, lars, &pub)) ||
        (rc = ar_store_sealed_list(s, lars, &sealed)) ||
        (rc = ar_store_ext_list(s, json_integer_value(json_object_get(w, "withholding_id")), &ext)))
        goto out;
    json_t *meta = unseal(key, lars, "meta", ar_json_str(w, "sealed_meta"));
    json_t *versions = json_array();
    size_t i;
    json_t *c;
    json_array_foreach (sealed, i, c) {
        json_t *open = unseal(key, lars, "content", ar_json_str(c, "sealed"));
        json_array_append_new(
            versions, json_pack("{s:O, s:O, s:o?}", "version", json_object_get(c, "version"),
                                "commitment", json_object_get(c, "commitment"), "content",
                                json_object_get(open, "content")
                                    ? json_incref(json_object_get(open, "content"))
                                    : NULL));
        json_decref(open);
    }
    json_t *exts = json_array();
    json_array_foreach (ext, i, c) {
        json_t *reason = unseal(key, lars, "extension", ar_json_str(c, "sealed_reason"));
        json_t *dec = unseal(key, lars, "decision", ar_json_str(c, "sealed_decision"));
        json_array_append_new(
            exts, json_pack("{s:O, s:O, s:O, s:O, s:o?, s:O, s:o?}", "id", json_object_get(c, "id"),
                            "requested", json_object_get(c, "requested"), "requested_by",
                            json_object_get(c, "requested_by"), "requested_until",
                            json_object_get(c, "requested_until"), "reason", reason, "state",
                            json_object_get(c, "state"), "decision", dec));
    }
    if (!meta) {
        rc = AR_EIO; /* wrong key or damaged data: say so, never show half */
        json_decref(versions);
        json_decref(exts);
        goto out;
    }
    *out = json_pack("{s:O, s:O, s:O?, s:o, s:o}", "public", pub, "justification",
                     json_object_get(meta, "justification"), "case_reference",
                     json_object_get(meta, "case_reference"), "versions", versions, "extensions",
                     exts);
    json_decref(meta);
out:
    json_decref(w);
    json_decref(sealed);
    json_decref(ext);
    json_decref(pub);
    return rc;
}

/* Publish lars: merge every withheld field back, write it as a new public version, and
 * log the reveal (salt and content of each sealed version). In the caller's transaction. */
static int publish(struct ar_store *s, const struct ar_seal_key *key, const char *lars,
                   const char *why)
{
    json_t *w = NULL, *sealed = NULL, *cur = NULL, *leaf = NULL, *reveals = json_array();
    json_t *latest_content = NULL;
    int rc;
    if ((rc = ar_store_wh_get(s, lars, &w)) || (rc = ar_store_sealed_list(s, lars, &sealed)) ||
        (rc = ar_registry_get(s, lars, 0, &cur)))
        goto out;
    size_t i;
    json_t *c;
    json_array_foreach (sealed, i, c) {
        json_t *open = unseal(key, lars, "content", ar_json_str(c, "sealed"));
        if (!open) {
            rc = AR_EIO;
            goto out;
        }
        json_array_append_new(reveals, json_pack("{s:O, s:O, s:O, s:O}", "version",
                                                 json_object_get(c, "version"), "commitment",
                                                 json_object_get(c, "commitment"), "salt",
                                                 json_object_get(open, "salt"), "content",
                                                 json_object_get(open, "content")));
        json_decref(latest_content);
        latest_content = json_incref(json_object_get(open, "content"));
        json_decref(open);
    }
    json_t *rec = json_deep_copy(json_object_get(cur, "record"));
    const char *k;
    json_t *v;
    json_object_foreach (latest_content, k, v) {
        if (strcmp(k, "en") == 0 && json_is_object(json_object_get(rec, "en")))
            json_object_update(json_object_get(rec, "en"), v);
        else
            json_object_set(rec, k, v);
    }
    char id[9];
    struct ar_version_info info;
    rc = ar_registry_write_clean(s, lars, rec, "algoreg", why, id, &info);
    json_decref(rec);
    if (rc)
        goto out;
    char now[32];
    ar_clock_fmt(now, sizeof now, ar_clock_now());
    if ((rc = ar_store_wh_set(s, lars, "published", ar_json_str(w, "until"),
                              (int)json_integer_value(json_object_get(w, "extensions")), now)))
        goto out;
    /* Keep what was revealed, public from now on. */
    json_array_foreach (reveals, i, c) {
        char *ct = ar_json_canon_str(json_object_get(c, "content"));
        rc = ct ? ar_store_revealed_put(s, lars,
                                        (int)json_integer_value(json_object_get(c, "version")),
                                        ar_json_str(c, "salt"), ct)
                : AR_EINVAL;
        free(ct);
        if (rc)
            goto out;
    }
    leaf = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:O}", "kind", "publication", "id", lars,
                     "version", info.version, "time", info.created, "sha256", info.sha256, "reason",
                     why, "revealed", reveals);
    char *canon = ar_json_canon_str(leaf);
    size_t clen = canon ? strlen(canon) : 0;
    free(canon);
    if (clen > 65535) {
        /* Too large for one log entry (tlog-tiles): log each version's commitment, salt
         * and the SHA-256 of its canonical content; the content itself is in the public
         * withholding view, where anyone can hash it and recompute the commitment. */
        json_t *compact = json_array();
        json_array_foreach (reveals, i, c) {
            char *ct = ar_json_canon_str(json_object_get(c, "content"));
            uint8_t h[32];
            char hex[65];
            crypto_hash_sha256(h, (const uint8_t *)ct, strlen(ct));
            sodium_bin2hex(hex, sizeof hex, h, sizeof h);
            free(ct);
            json_array_append_new(
                compact, json_pack("{s:O, s:O, s:O, s:s}", "version", json_object_get(c, "version"),
                                   "commitment", json_object_get(c, "commitment"), "salt",
                                   json_object_get(c, "salt"), "content_sha256", hex));
        }
        json_object_set_new(leaf, "revealed", compact);
        json_object_set_new(
            leaf, "revealed_at",
            json_string("the withholding view: /api/v1/registrations/<id>/withholding"));
    }
    rc = log_leaf(s, lars, info.version, leaf);
out:
    json_decref(w);
    json_decref(sealed);
    json_decref(cur);
    json_decref(leaf);
    json_decref(reveals);
    json_decref(latest_content);
    return rc;
}

int ar_exception_tick(struct ar_store *s, const struct ar_seal_key *key, int *published)
{
    json_t *due = NULL;
    char d[11];
    int rc;
    *published = 0;
    today(d, ar_clock_now());
    if ((rc = ar_store_wh_due(s, d, &due)))
        return rc;
    size_t i;
    json_t *w;
    json_array_foreach (due, i, w) {
        const char *lars = ar_json_str(w, "id");
        if ((rc = ar_store_begin(s)))
            break;
        if ((rc =
                 publish(s, key, lars, "Published: the end date of the withholding was reached"))) {
            ar_store_rollback(s);
            ar_msg(AR_MSG_ERR, "publishing %s failed; it stays due", lars);
            continue;
        }
        if ((rc = ar_store_commit(s)))
            break;
        (*published)++;
    }
    json_decref(due);
    return rc;
}

static int load_withheld(struct ar_store *s, const char *lars, json_t **w, json_t *problems)
{
    int rc = ar_store_wh_get(s, lars, w);
    if (rc == AR_ENOTFOUND) {
        ar_problem_add(problems, "id", "withheld", "registration %s is not withheld", lars);
        return AR_ENOTFOUND;
    }
    if (rc)
        return rc;
    if (strcmp(ar_json_str(*w, "state"), "withheld") != 0) {
        ar_problem_add(problems, "id", "published",
                       "registration %s is already published; what is public stays public", lars);
        return AR_ECONFLICT;
    }
    return 0;
}

int ar_exception_close(struct ar_store *s, const struct ar_seal_key *key, const char *lars,
                       const char *author, json_t *problems)
{
    json_t *w = NULL;
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    if (!(rc = load_withheld(s, lars, &w, problems))) {
        char why[300];
        snprintf(why, sizeof why, "Published: %s recorded that the investigation is closed",
                 author);
        rc = publish(s, key, lars, why);
    }
    json_decref(w);
    if (rc) {
        ar_store_rollback(s);
        return rc;
    }
    return ar_store_commit(s);
}

int ar_exception_extend(struct ar_store *s, const struct ar_seal_key *key,
                        const struct ar_exception_cfg *cfg, const char *lars, const json_t *body,
                        const char *author, json_t *problems, long long *ext_id)
{
    json_t *w = NULL, *ext = NULL, *sealed_in = NULL;
    uint8_t *sealed = NULL;
    size_t len;
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    if ((rc = load_withheld(s, lars, &w, problems)))
        goto out;
    const char *until = ar_json_str(body, "until"), *reason = ar_json_str(body, "reason");
    time_t now = ar_clock_now(), end = date_start(ar_json_str(w, "until"));
    if (now >= end) {
        ar_problem_add(problems, "until", "too_late",
                       "an extension must be requested before the end date %s",
                       ar_json_str(w, "until"));
        rc = AR_EINVAL;
        goto out;
    }
    if (!reason || !*reason)
        ar_problem_add(problems, "reason", "required",
                       "state how publication would hinder other (future) investigations");
    else if (strlen(reason) > 5000)
        ar_problem_add(problems, "reason", "max_length", "the reason is limited to 5000 bytes");
    check_until(until, "until", end, end + (time_t)cfg->max_extension_days * 86400, problems);
    if ((rc = ar_store_ext_list(s, json_integer_value(json_object_get(w, "withholding_id")), &ext)))
        goto out;
    size_t i;
    json_t *e;
    json_array_foreach (ext, i, e)
        if (strcmp(ar_json_str(e, "state"), "requested") == 0)
            ar_problem_add(problems, "until", "pending", "an extension request is already pending");
    if (json_array_size(problems)) {
        rc = AR_EINVAL;
        goto out;
    }
    sealed_in = json_pack("{s:s}", "reason", reason);
    char now_s[32];
    ar_clock_fmt(now_s, sizeof now_s, now);
    if ((rc = seal(key, lars, "extension", sealed_in, &sealed, &len)) ||
        (rc = ar_store_ext_insert(s, json_integer_value(json_object_get(w, "withholding_id")),
                                  now_s, author, until, sealed, len, ext_id)))
        goto out;
    /* The request itself is public too (when, until which date); its reasons are not. */
    json_t *leaf = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "extension_request", "id", lars,
                             "requested", now_s, "until", until, "time", now_s);
    rc = log_leaf(s, lars, 0, leaf);
    json_decref(leaf);
    if (!rc)
        rc = ar_notice_extension_requested(s, lars, ar_json_str(w, "organization"),
                                           ar_json_str(w, "until"), until);
out:
    json_decref(w);
    json_decref(ext);
    json_decref(sealed_in);
    free(sealed);
    if (rc) {
        ar_store_rollback(s);
        return rc;
    }
    return ar_store_commit(s);
}

int ar_exception_decide(struct ar_store *s, const struct ar_seal_key *key,
                        const struct ar_exception_cfg *cfg, const char *lars, long long ext_id,
                        const json_t *body, const char *supervisor, json_t *problems)
{
    json_t *w = NULL, *ext = NULL, *sealed_in = NULL, *leaf = NULL, *req = NULL;
    uint8_t *sealed = NULL;
    size_t len;
    (void)cfg;
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    if ((rc = load_withheld(s, lars, &w, problems)))
        goto out;
    json_t *grant = json_object_get(body, "grant");
    const char *reason = ar_json_str(body, "reason");
    if (!json_is_boolean(grant))
        ar_problem_add(problems, "grant", "type", "grant must be true or false");
    if (!reason || !*reason)
        ar_problem_add(problems, "reason", "required", "a decision needs its reasons");
    if ((rc = ar_store_ext_list(s, json_integer_value(json_object_get(w, "withholding_id")), &ext)))
        goto out;
    size_t i;
    json_t *e;
    json_array_foreach (ext, i, e)
        if (json_integer_value(json_object_get(e, "id")) == ext_id)
            req = e;
    if (!req)
        ar_problem_add(problems, "extension", "exists", "no such extension request");
    else if (strcmp(ar_json_str(req, "state"), "requested") != 0)
        ar_problem_add(problems, "extension", "decided", "this request was already decided");
    if (json_array_size(problems)) {
        rc = AR_EINVAL;
        goto out;
    }
    int granted = json_is_true(grant);
    char now_s[32];
    ar_clock_fmt(now_s, sizeof now_s, ar_clock_now());
    sealed_in = json_pack("{s:s}", "reason", reason);
    if ((rc = seal(key, lars, "decision", sealed_in, &sealed, &len)) ||
        (rc = ar_store_ext_decide(s, ext_id, granted ? "granted" : "refused", now_s, supervisor,
                                  sealed, len)))
        goto out;
    int n = (int)json_integer_value(json_object_get(w, "extensions"));
    const char *until = granted ? ar_json_str(req, "requested_until") : ar_json_str(w, "until");
    if (granted && (rc = ar_store_wh_set(s, lars, "withheld", until, n + 1, NULL)))
        goto out;
    /* The decision is public: count, new end date, date of decision. */
    leaf = json_pack("{s:s, s:s, s:s, s:b, s:s, s:i, s:s}", "kind", "extension", "id", lars,
                     "decided", now_s, "granted", granted, "until", until, "extensions",
                     granted ? n + 1 : n, "time", now_s);
    rc = log_leaf(s, lars, 0, leaf);
out:
    json_decref(w);
    json_decref(ext);
    json_decref(sealed_in);
    json_decref(leaf);
    free(sealed);
    if (rc) {
        ar_store_rollback(s);
        return rc;
    }
    return ar_store_commit(s);
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* Aggregate rows into groups keyed by key ("organization" or "ground"). */
static json_t *aggregate(json_t *rows, json_t *exts, const char *key, time_t now)
{
    json_t *groups = json_object();
    size_t i;
    json_t *w;
    json_array_foreach (rows, i, w) {
        const char *g = ar_json_str(w, key);
        json_t *grp = json_object_get(groups, g);
        if (!grp) {
            grp = json_pack("{s:i, s:i, s:i, s:i, s:i, s:[]}", "withheld_now", 0, "published", 0,
                            "past_end_date", 0, "extensions_granted", 0, "extensions_refused", 0,
                            "_days");
            json_object_set_new(groups, g, grp);
        }
        if (strcmp(key, "organization") == 0)
            json_object_set(grp, "name", json_object_get(w, "organization_name"));
        time_t from, to;
        ar_clock_parse(&from, ar_json_str(w, "created"));
        int withheld = strcmp(ar_json_str(w, "state"), "withheld") == 0;
        if (withheld)
            to = now;
        else if (ar_clock_parse(&to, ar_json_str(w, "published")))
            to = now;
        json_object_set_new(grp, withheld ? "withheld_now" : "published",
                            json_integer(json_integer_value(json_object_get(
                                             grp, withheld ? "withheld_now" : "published")) +
                                         1));
        if (withheld && date_start(ar_json_str(w, "until")) <= now)
            json_object_set_new(
                grp, "past_end_date",
                json_integer(json_integer_value(json_object_get(grp, "past_end_date")) + 1));
        json_array_append_new(json_object_get(grp, "_days"), json_integer((to - from) / 86400));
    }
    json_array_foreach (exts, i, w) {
        json_t *grp = json_object_get(groups, ar_json_str(w, key));
        const char *st = ar_json_str(w, "state");
        if (!grp || strcmp(st, "requested") == 0)
            continue;
        const char *field =
            strcmp(st, "granted") == 0 ? "extensions_granted" : "extensions_refused";
        json_object_set_new(grp, field,
                            json_integer(json_integer_value(json_object_get(grp, field)) + 1));
    }
    json_t *out = json_array();
    const char *g;
    json_t *grp;
    json_object_foreach (groups, g, grp) {
        json_t *days = json_object_get(grp, "_days");
        size_t n = json_array_size(days);
        long long *d = ar_xmalloc((n ? n : 1) * sizeof *d);
        for (size_t j = 0; j < n; j++)
            d[j] = json_integer_value(json_array_get(days, j));
        qsort(d, n, sizeof *d, cmp_ll);
        json_object_set_new(
            grp, "median_days",
            json_integer(n ? (n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2) : 0));
        json_object_set_new(grp, "longest_days", json_integer(n ? d[n - 1] : 0));
        free(d);
        json_object_del(grp, "_days");
        json_object_set_new(grp, key, json_string(g));
        json_array_append(out, grp);
    }
    json_decref(groups);
    return out;
}

int ar_exception_stats(struct ar_store *s, json_t **out)
{
    json_t *rows = NULL, *exts = NULL;
    int rc;
    *out = NULL;
    if ((rc = ar_store_wh_all(s, &rows)) || (rc = ar_store_ext_stats(s, &exts)))
        goto out;
    time_t now = ar_clock_now();
    json_t *by_org = aggregate(rows, exts, "organization", now);
    json_t *by_ground = aggregate(rows, exts, "ground", now);
    long long past = 0, withheld = 0;
    size_t i;
    json_t *g;
    json_array_foreach (by_org, i, g) {
        past += json_integer_value(json_object_get(g, "past_end_date"));
        withheld += json_integer_value(json_object_get(g, "withheld_now"));
    }
    char d[11];
    today(d, now);
    *out = json_pack("{s:s, s:I, s:I, s:o, s:o}", "date", d, "withheld_now", (json_int_t)withheld,
                     "past_end_date", (json_int_t)past, "by_organization", by_org, "by_ground",
                     by_ground);
out:
    json_decref(rows);
    json_decref(exts);
    return rc;
}
