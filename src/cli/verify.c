/* verify.c — `algoreg verify`: check a register's transparency log from outside, trusting
 * only the log's public key: the signed checkpoint, its consistency with a checkpoint
 * saved earlier (the log was only appended to), the inclusion of entries, and for a
 * withheld registration that the content published at the end is the content committed
 * to when it was registered. HTTP through libcurl. */
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "exception/exception.h"
#include "json/json.h"
#include "log/merkle.h"
#include "log/note.h"
#include "log/witness.h"

#include <curl/curl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FETCH (8u << 20)

static size_t on_data(char *p, size_t sz, size_t n, void *ctx)
{
    struct ar_buf *b = ctx;
    ar_buf_add(b, p, sz * n);
    return ar_buf_ok(b) ? sz * n : 0;
}

/* GET base+path into out; 0 on HTTP 200. *status gets the HTTP status (when given: then
 * another status is the caller's to explain, nothing is printed for it). */
static int fetch_status(const char *base, const char *path, struct ar_buf *out, long *status_out)
{
    char url[4096];
    snprintf(url, sizeof url, "%s%s", base, path);
    CURL *c = curl_easy_init();
    long status = 0;
    if (!c)
        return AR_EIO;
    ar_buf_reset(out);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        fprintf(stderr, "algoreg: verify: %s: %s\n", url, curl_easy_strerror(rc));
        return AR_EUNAVAIL;
    }
    if (status_out)
        *status_out = status;
    if (status != 200) {
        if (!status_out)
            fprintf(stderr, "algoreg: verify: %s: HTTP %ld\n", url, status);
        return AR_ENOTFOUND;
    }
    return 0;
}

static int fetch(const char *base, const char *path, struct ar_buf *out)
{
    return fetch_status(base, path, out, NULL);
}

static json_t *fetch_json(const char *base, const char *path)
{
    struct ar_buf b;
    ar_buf_init(&b, MAX_FETCH);
    json_t *v = NULL;
    if (fetch(base, path, &b) == 0)
        v = json_loadb(b.ptr ? b.ptr : "", b.len, 0, NULL);
    ar_buf_free(&b);
    return v;
}

static int hash_b64(ar_hash out, const char *s)
{
    size_t n;
    return s &&
                   sodium_base642bin(out, AR_HASH_LEN, s, strlen(s), NULL, &n, NULL,
                                     sodium_base64_VARIANT_ORIGINAL) == 0 &&
                   n == AR_HASH_LEN
               ? 0
               : AR_EINVAL;
}

static int proof_of(json_t *arr, ar_hash *proof, size_t *n)
{
    *n = 0;
    if (!json_is_array(arr) || json_array_size(arr) > AR_PROOF_MAX)
        return AR_EINVAL;
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (hash_b64(proof[(*n)++], json_string_value(json_array_get(arr, i))))
            return AR_EINVAL;
    return 0;
}

struct verifier {
    const char *base;
    struct ar_note_verifier key;
    struct ar_checkpoint cp;
    int failures;
    struct ar_note_verifier wit[16]; /* witnesses trusted (type 0x04) */
    int nwit, quorum;
    uint64_t wtime[16]; /* each witness's cosignature time on the checkpoint, 0 if none */
    int vouched;        /* how many witnesses cosigned it */
};

static void say(struct verifier *v, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(struct verifier *v, int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s ", ok ? "OK  " : "FAIL");
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
    if (!ok)
        v->failures++;
}

static int read_checkpoint(struct verifier *v, const char *note, size_t len,
                           struct ar_checkpoint *out)
{
    size_t tl;
    if (ar_note_verify(note, len, &v->key, &tl) != 0)
        return AR_EINVAL;
    return ar_checkpoint_parse(out, note, tl);
}

static void fmt_time(char *out, size_t n, uint64_t t)
{
    ar_clock_fmt(out, n, (time_t)t);
}

/* The witnesses' cosignatures on a verified checkpoint note: who vouched for it, when,
 * and whether the quorum holds. A cosignature dated in the future is refused. */
static void check_cosignatures(struct verifier *v, const char *note, size_t len)
{
    v->vouched = 0;
    uint64_t now = (uint64_t)ar_clock_now();
    for (int i = 0; i < v->nwit; i++) {
        uint64_t t = 0;
        int rc = ar_note_cosig_verify(note, len, &v->wit[i], &t);
        char ts[32];
        v->wtime[i] = 0;
        if (rc == 0 && t > now + 300) {
            say(v, 0, "witness %s dated its cosignature in the future", v->wit[i].name);
        } else if (rc == 0) {
            v->wtime[i] = t;
            v->vouched++;
            fmt_time(ts, sizeof ts, t);
            say(v, 1, "witness %s cosigned this checkpoint of %llu entries at %s", v->wit[i].name,
                (unsigned long long)v->cp.size, ts);
        } else if (rc == AR_EINVAL) {
            say(v, 0, "witness %s's cosignature does not verify", v->wit[i].name);
        } else {
            printf("--   witness %s has not cosigned this checkpoint\n", v->wit[i].name);
        }
    }
    if (v->nwit)
        say(v, v->vouched >= v->quorum, "%d of %d witnesses cosigned (quorum %d)", v->vouched,
            v->nwit, v->quorum);
}

/* After an entry checked out: which witnesses vouch that it was in the log, and by when. */
static void say_witnessed(struct verifier *v, uint64_t index)
{
    if (!v->nwit)
        return;
    for (int i = 0; i < v->nwit; i++)
        if (v->wtime[i]) {
            char ts[32];
            fmt_time(ts, sizeof ts, v->wtime[i]);
            printf("OK   entry %llu was in the log by %s, vouched for by %s\n",
                   (unsigned long long)index, ts, v->wit[i].name);
        }
    if (v->vouched < v->quorum)
        say(v, 0, "entry %llu is not witnessed by a quorum (%d of %d)", (unsigned long long)index,
            v->vouched, v->quorum);
}

/* Entry index is in the tree of the verified checkpoint; its data into *entry. */
static int check_entry(struct verifier *v, uint64_t index, json_t **entry)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/log/entries/%llu", (unsigned long long)index);
    json_t *e = fetch_json(v->base, path);
    const char *data = json_string_value(json_object_get(e, "data"));
    ar_hash leaf, proof[AR_PROOF_MAX];
    size_t n;
    int ok = 0;
    if (data) {
        ar_merkle_leaf_hash(leaf, data, strlen(data));
        snprintf(path, sizeof path, "/api/v1/log/proof/inclusion?index=%llu&size=%llu",
                 (unsigned long long)index, (unsigned long long)v->cp.size);
        json_t *p = fetch_json(v->base, path);
        ok = p && proof_of(json_object_get(p, "proof"), proof, &n) == 0 &&
             ar_merkle_verify_inclusion(leaf, index, v->cp.size, v->cp.root, proof, n) == 0;
        json_decref(p);
    }
    say(v, ok, "entry %llu is in the signed log of %llu entries (inclusion proof checked)",
        (unsigned long long)index, (unsigned long long)v->cp.size);
    if (ok)
        say_witnessed(v, index);
    if (entry)
        *entry = ok ? json_loads(data, 0, NULL) : NULL;
    json_decref(e);
    return ok ? 0 : AR_EINVAL;
}

/* A withheld registration: every commitment logged when it was withheld, and, once
 * published, that the revealed salt and content reproduce each commitment. */
static void check_registration(struct verifier *v, const char *id)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/registrations/%s", id);
    struct ar_buf b;
    long status = 0;
    json_t *r = NULL;
    ar_buf_init(&b, MAX_FETCH);
    if (fetch_status(v->base, path, &b, &status) == 0)
        r = json_loadb(b.ptr ? b.ptr : "", b.len, 0, NULL);
    else if (status == 410) { /* retracted: its organisation hid it; the log keeps the fact */
        json_t *p = json_loadb(b.ptr ? b.ptr : "", b.len, 0, NULL);
        say(v, 1, "%s", json_string_value(json_object_get(p, "detail")) ?: "retracted");
        json_decref(p);
        ar_buf_free(&b);
        return;
    } else if (status) {
        fprintf(stderr, "algoreg: verify: %s%s: HTTP %ld\n", v->base, path, status);
    }
    ar_buf_free(&b);
    json_t *wh = json_object_get(r, "withholding");
    if (!r) {
        say(v, 0, "registration %s could not be read", id);
        return;
    }
    if (!wh) {
        json_t *e = NULL;
        if (json_object_get(r, "log") && check_entry(v,
                                                     (uint64_t)json_integer_value(json_object_get(
                                                         json_object_get(r, "log"), "index")),
                                                     &e) == 0) {
            char *canon = ar_json_canon_str(json_object_get(r, "record"));
            uint8_t d[32];
            char hex[65];
            crypto_hash_sha256(d, (const uint8_t *)canon, strlen(canon));
            sodium_bin2hex(hex, sizeof hex, d, sizeof d);
            say(v, strcmp(hex, json_string_value(json_object_get(e, "sha256")) ?: "") == 0,
                "registration %s version %lld is the record logged at %s", id,
                (long long)json_integer_value(json_object_get(r, "version")),
                json_string_value(json_object_get(e, "time")));
            free(canon);
        }
        json_decref(e);
        json_decref(r);
        return;
    }
    size_t i;
    json_t *c;
    json_array_foreach (json_object_get(wh, "commitments"), i, c) {
        json_t *e = NULL;
        const char *commit = json_string_value(json_object_get(c, "commitment"));
        if (check_entry(v, (uint64_t)json_integer_value(json_object_get(c, "log_index")), &e) ==
            0) {
            const char *logged =
                json_string_value(json_object_get(json_object_get(e, "withheld"), "commitment"));
            say(v, logged && commit && strcmp(logged, commit) == 0,
                "registration %s was withheld on %s for %s until %s, with commitment %.16s…", id,
                json_string_value(json_object_get(e, "time")),
                json_string_value(json_object_get(json_object_get(e, "withheld"), "ground")),
                json_string_value(json_object_get(json_object_get(e, "withheld"), "until")),
                commit ? commit : "?");
        }
        json_decref(e);
    }
    if (strcmp(json_string_value(json_object_get(wh, "state")) ?: "", "published") != 0) {
        say(v, 1, "registration %s is still withheld; its content is not public yet", id);
        json_decref(r);
        return;
    }
    json_t *e = NULL;
    if (check_entry(
            v, (uint64_t)json_integer_value(json_object_get(json_object_get(r, "log"), "index")),
            &e) == 0) {
        json_t *rv;
        json_array_foreach (json_object_get(e, "revealed"), i, rv) {
            const char *field;
            json_t *content = json_object_get(rv, "content");
            int ok = 1;
            if (!content) {
                /* A large reveal: the leaf holds the content's SHA-256, the register the
                 * content itself. */
                size_t k;
                json_t *x;
                json_array_foreach (json_object_get(wh, "revealed"), k, x)
                    if (json_equal(json_object_get(x, "version"), json_object_get(rv, "version")))
                        content = json_object_get(x, "content");
                char *canon = content ? ar_json_canon_str(content) : NULL;
                uint8_t d[32];
                char hex[65] = "";
                if (canon) {
                    crypto_hash_sha256(d, (const uint8_t *)canon, strlen(canon));
                    sodium_bin2hex(hex, sizeof hex, d, sizeof d);
                }
                free(canon);
                ok = strcmp(hex, json_string_value(json_object_get(rv, "content_sha256")) ?: "x") ==
                     0;
            }
            ok = ok && ar_commitment_check(json_string_value(json_object_get(rv, "commitment")),
                                           json_string_value(json_object_get(rv, "salt")), content,
                                           &field) == 0;
            say(v, ok,
                "the content published on %s is the content committed to for version %lld:"
                " not altered, not back-dated",
                json_string_value(json_object_get(e, "time")),
                (long long)json_integer_value(json_object_get(rv, "version")));
        }
    }
    json_decref(e);
    json_decref(r);
}

/* algoreg verify --proof FILE: an offline proof (c2sp.org/tlog-proof@v1) checked with
 * nothing but the keys: the log's signature, the witnesses' cosignatures, and that the
 * entry carried in it is in the checkpointed tree. */
static void check_proof_file(struct verifier *v, const char *path)
{
    struct ar_buf b;
    struct ar_tlog_proof pf;
    ar_buf_init(&b, 1 << 20);
    if (ar_buf_read_file(&b, path) || ar_tlog_proof_parse(&pf, b.ptr ? b.ptr : "", b.len)) {
        say(v, 0, "%s is not a readable c2sp.org/tlog-proof@v1 file", path);
        ar_buf_free(&b);
        return;
    }
    if (read_checkpoint(v, pf.checkpoint, pf.checkpoint_len, &v->cp)) {
        say(v, 0, "the proof's checkpoint is not signed by %s", v->key.name);
        goto out;
    }
    say(v, 1, "checkpoint signed by %s: %llu entries", v->key.name, (unsigned long long)v->cp.size);
    check_cosignatures(v, pf.checkpoint, pf.checkpoint_len);
    if (!pf.extra) {
        say(v, 0, "the proof does not carry the entry (no extra line)");
        goto out;
    }
    ar_hash leaf;
    ar_merkle_leaf_hash(leaf, pf.extra, pf.extra_len);
    int ok = ar_merkle_verify_inclusion(leaf, pf.index, v->cp.size, v->cp.root, pf.path, pf.n) == 0;
    say(v, ok, "entry %llu is in the signed log of %llu entries (inclusion proof checked)",
        (unsigned long long)pf.index, (unsigned long long)v->cp.size);
    if (ok) {
        json_t *e = json_loadb((const char *)pf.extra, pf.extra_len, 0, NULL);
        printf("--   entry: %s %s version %lld, logged %s\n",
               json_string_value(json_object_get(e, "kind")) ?: "?",
               json_string_value(json_object_get(e, "id")) ?: "",
               (long long)json_integer_value(json_object_get(e, "version")),
               json_string_value(json_object_get(e, "time")) ?: "?");
        json_decref(e);
        say_witnessed(v, pf.index);
    }
out:
    ar_tlog_proof_free(&pf);
    ar_buf_free(&b);
}

int ar_cli_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"url", required_argument, NULL, 'u'},
        {"vkey", required_argument, NULL, 'k'},
        {"checkpoint", required_argument, NULL, 'c'},
        {"save", required_argument, NULL, 's'},
        {"index", required_argument, NULL, 'i'},
        {"id", required_argument, NULL, 'r'},
        {"witness", required_argument, NULL, 'w'},
        {"quorum", required_argument, NULL, 'q'},
        {"proof", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *url = NULL, *vkey = NULL, *saved = NULL, *save = NULL, *proof_file = NULL;
    const char *wkeys[16];
    int nw = 0, quorum = 0;
    const char *ids[32];
    unsigned long long idx[64];
    int nids = 0, nidx = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'u': url = optarg; break;
        case 'k': vkey = optarg; break;
        case 'c': saved = optarg; break;
        case 'p': proof_file = optarg; break;
        case 'w':
            if (nw >= 16) {
                fprintf(stderr, "algoreg: verify: at most 16 --witness keys\n");
                return 2;
            }
            wkeys[nw++] = optarg;
            break;
        case 'q':
            quorum = (int)strtol(optarg, &end, 10);
            if (*end || quorum < 1 || quorum > 16) {
                fprintf(stderr, "algoreg: verify: --quorum takes a number from 1 to 16\n");
                return 2;
            }
            break;
        case 's': save = optarg; break;
        case 'r':
            if (nids < 32)
                ids[nids++] = optarg;
            break;
        case 'i':
            if (nidx < 64) {
                idx[nidx++] = strtoull(optarg, &end, 10);
                if (*end) {
                    fprintf(stderr, "algoreg: verify: --index takes a number\n");
                    return 2;
                }
            }
            break;
        case 'h':
            puts(
                "usage: algoreg verify --url URL --vkey KEY [--checkpoint FILE] [--save FILE]\n"
                "                      [--index N]... [--id REGISTRATION]...\n"
                "                      [--witness WKEY]... [--quorum K]\n"
                "       algoreg verify --proof FILE --vkey KEY [--witness WKEY]... [--quorum K]\n"
                "Check a register's transparency log trusting only its verifier key (shown at\n"
                "URL/api/v1/log): the signed checkpoint; with --checkpoint, that the log grew\n"
                "from that saved checkpoint by appending only; with --index, that an entry is\n"
                "in the log; with --id, that a registration's versions are logged and, for a\n"
                "withheld one, that what was published is what was committed to. --save\n"
                "stores the verified checkpoint for the next run. With --witness (a witness's\n"
                "key, NAME+HASH+KEY of type 0x04), which witnesses cosigned the checkpoint and\n"
                "when, so by when each checked entry was provably in the log; --quorum K (default\n"
                "all) of them must have. --proof checks an offline proof file\n"
                "(c2sp.org/tlog-proof@v1) without contacting anyone. Exit status 0 when all\n"
                "holds.");
            return 0;
        default:
            fprintf(stderr, "algoreg: verify: unknown option %s (see --help)\n", argv[optind - 1]);
            return 2;
        }
    }
    if ((!url && !proof_file) || !vkey) {
        fprintf(stderr, "algoreg: verify: --vkey and --url (or --proof) are required\n");
        return 2;
    }
    if (quorum > nw) {
        fprintf(stderr, "algoreg: verify: --quorum is larger than the number of --witness keys\n");
        return 2;
    }
    struct verifier v = {.base = url};
    for (int i = 0; i < nw; i++)
        if (ar_note_verifier_parse(&v.wit[v.nwit], wkeys[i]) ||
            v.wit[v.nwit++].alg != AR_NOTE_ALG_COSIG) {
            fprintf(stderr, "algoreg: verify: --witness %s is not a witness key\n", wkeys[i]);
            return 2;
        }
    v.quorum = quorum ? quorum : nw;
    if (proof_file) {
        if (ar_note_verifier_parse(&v.key, vkey)) {
            fprintf(stderr, "algoreg: verify: --vkey is not a verifier key (NAME+HASH+KEY)\n");
            return 2;
        }
        check_proof_file(&v, proof_file);
        printf("%s\n", v.failures ? "NOT VERIFIED" : "verified");
        return v.failures ? 1 : 0;
    }
    size_t ul = strlen(url);
    char base[2048];
    snprintf(base, sizeof base, "%.*s", (int)(ul && url[ul - 1] == '/' ? ul - 1 : ul), url);
    v.base = base;
    if (ar_note_verifier_parse(&v.key, vkey)) {
        fprintf(stderr, "algoreg: verify: --vkey is not a verifier key (NAME+HASH+KEY)\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct ar_buf note;
    ar_buf_init(&note, 1 << 16);
    int rc = fetch(base, "/checkpoint", &note);
    if (rc || read_checkpoint(&v, note.ptr ? note.ptr : "", note.len, &v.cp)) {
        say(&v, 0, "the checkpoint is not signed by %s", v.key.name);
        goto out;
    }
    say(&v, 1, "checkpoint signed by %s: %llu entries", v.key.name, (unsigned long long)v.cp.size);
    check_cosignatures(&v, note.ptr, note.len);
    if (saved) {
        FILE *f = fopen(saved, "rb");
        struct ar_buf old;
        ar_buf_init(&old, 1 << 16);
        char chunk[4096];
        size_t k;
        while (f && (k = fread(chunk, 1, sizeof chunk, f)) > 0)
            ar_buf_add(&old, chunk, k);
        if (f)
            fclose(f);
        struct ar_checkpoint oc;
        if (!f || read_checkpoint(&v, old.ptr ? old.ptr : "", old.len, &oc)) {
            say(&v, 0, "the saved checkpoint %s is not signed by %s", saved, v.key.name);
        } else if (oc.size > v.cp.size) {
            say(&v, 0, "the log shrank from %llu to %llu entries", (unsigned long long)oc.size,
                (unsigned long long)v.cp.size);
        } else if (oc.size == v.cp.size) {
            say(&v, sodium_memcmp(oc.root, v.cp.root, AR_HASH_LEN) == 0,
                "the log is unchanged since the saved checkpoint (%llu entries)",
                (unsigned long long)oc.size);
        } else {
            char path[160];
            snprintf(path, sizeof path, "/api/v1/log/proof/consistency?from=%llu&to=%llu",
                     (unsigned long long)oc.size, (unsigned long long)v.cp.size);
            json_t *p = fetch_json(base, path);
            ar_hash proof[AR_PROOF_MAX];
            size_t n;
            int ok =
                p && proof_of(json_object_get(p, "proof"), proof, &n) == 0 &&
                ar_merkle_verify_consistency(oc.size, v.cp.size, oc.root, v.cp.root, proof, n) == 0;
            say(&v, ok,
                "the log of %llu entries extends the saved one of %llu: nothing was changed or"
                " removed (consistency proof checked)",
                (unsigned long long)v.cp.size, (unsigned long long)oc.size);
            json_decref(p);
        }
        ar_buf_free(&old);
    }
    for (int i = 0; i < nidx; i++)
        check_entry(&v, idx[i], NULL);
    for (int i = 0; i < nids; i++)
        check_registration(&v, ids[i]);
    if (save && !v.failures) {
        FILE *f = fopen(save, "wb");
        if (!f || fwrite(note.ptr, 1, note.len, f) != note.len || fclose(f)) {
            fprintf(stderr, "algoreg: verify: cannot write %s\n", save);
            v.failures++;
        }
    }
out:
    ar_buf_free(&note);
    curl_global_cleanup();
    printf("%s\n", v.failures ? "NOT VERIFIED" : "verified");
    return v.failures ? 1 : 0;
}
