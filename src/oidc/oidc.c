/* oidc.c — OpenID Connect relying party (see oidc.h). */
#include "oidc/oidc.h"
#include "auth/auth.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/secret.h"
#include "json/json.h"

#include <cjose/cjose.h>
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META_TTL 3600 /* seconds a discovery document is used before it is fetched again */
#define BACKCHANNEL_EVENT "http://schemas.openid.net/event/backchannel-logout"

struct runtime {
    pthread_mutex_t mu;
    json_t *meta, *jwks; /* validated copies, or NULL */
    time_t meta_at, jwks_at;
};

struct ar_oidc {
    int n;
    struct ar_oidc_provider p[AR_OIDC_MAX_PROVIDERS];
    struct runtime rt[AR_OIDC_MAX_PROVIDERS];
};

static int say(char *why, size_t whylen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int say(char *why, size_t whylen, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return rc;
}

/* A monotonic clock for the caches: the settable clock (ALGOREG_NOW) is for deadlines
 * and token times, not for how old a fetched document is. */
static time_t mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* https, or http to this machine only (a provider on loopback in tests and behind a
 * local proxy). */
static int url_ok(const char *u)
{
    if (!u || strlen(u) > 2000)
        return 0;
    if (!strncmp(u, "https://", 8))
        return u[8] != '\0';
    static const char *const local[] = {"http://127.0.0.1", "http://localhost", "http://[::1]"};
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++) {
        size_t n = strlen(local[i]);
        if (!strncmp(u, local[i], n) && (u[n] == ':' || u[n] == '/' || u[n] == '\0'))
            return 1;
    }
    return 0;
}

/* ---- configuration -------------------------------------------------------------------- */

static int copy_str(char *dst, size_t cap, const json_t *obj, const char *key, int required,
                    const char *prov, char *why, size_t whylen)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        dst[0] = '\0';
        return required ? say(why, whylen, AR_EINVAL, "provider %s: %s is required", prov, key) : 0;
    }
    if (!json_is_string(v) || json_string_length(v) >= cap)
        return say(why, whylen, AR_EINVAL, "provider %s: %s must be text of at most %zu characters",
                   prov, key, cap - 1);
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static int int_of(const json_t *obj, const char *key, long dflt, long lo, long hi, long *out,
                  const char *prov, char *why, size_t whylen)
{
    const char *s = ar_json_str(obj, key);
    char *end;
    *out = dflt;
    if (!json_object_get(obj, key))
        return 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || *end || v < lo || v > hi)
        return say(why, whylen, AR_EINVAL, "provider %s: %s must be a whole number from %ld to %ld",
                   prov, key, lo, hi);
    *out = v;
    return 0;
}

static int name_ok(const char *s)
{
    if (!*s || strlen(s) > 32)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return 0;
    return 1;
}

/* rules: [{when: {claim: value, …}, role, org}] */
static int parse_rules(struct ar_oidc_provider *p, const json_t *v, char *why, size_t whylen)
{
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 100)
        return say(why, whylen, AR_EINVAL,
                   "provider %s: roles must list 1 to 100 rules {when, role, org}", p->name);
    size_t i;
    json_t *r;
    json_array_foreach (v, i, r) {
        json_t *when = json_object_get(r, "when");
        const char *role = ar_json_str(r, "role"), *org = ar_json_str(r, "org");
        if (!json_is_object(when) || json_object_size(when) == 0)
            return say(why, whylen, AR_EINVAL, "provider %s: rule %zu needs when: {claim: value}",
                       p->name, i + 1);
        const char *k;
        json_t *cv;
        json_object_foreach (when, k, cv)
            if (!json_is_string(cv))
                return say(why, whylen, AR_EINVAL, "provider %s: rule %zu: %s must be one value",
                           p->name, i + 1, k);
        unsigned bit = role ? ar_auth_role_bit(role) : 0;
        if (!bit)
            return say(why, whylen, AR_EINVAL, "provider %s: rule %zu: role is one of %s", p->name,
                       i + 1, ar_auth_role_names);
        int needs_org = (bit & AR_ROLE_ORG) != 0;
        if (needs_org != (org && *org))
            return say(why, whylen, AR_EINVAL,
                       needs_org ? "provider %s: rule %zu: a %s belongs to an organisation (org)"
                                 : "provider %s: rule %zu: a %s belongs to no organisation",
                       p->name, i + 1, role);
    }
    p->rules = json_incref((json_t *)v);
    return 0;
}

static int parse(struct ar_oidc **out, const char *text, size_t len, int need_secret, char *why,
                 size_t whylen)
{
    json_t *root = NULL;
    struct ar_oidc *o = calloc(1, sizeof *o);
    int rc;
    *out = NULL;
    if (!o)
        return AR_EIO;
    if ((rc = ar_json_from_yaml(text, len, 20000, &root, why, whylen)))
        goto out;
    json_t *list = json_object_get(root, "providers");
    if (!json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > AR_OIDC_MAX_PROVIDERS) {
        rc = say(why, whylen, AR_EINVAL, "providers must list 1 to %d providers",
                 AR_OIDC_MAX_PROVIDERS);
        goto out;
    }
    size_t i;
    json_t *c;
    json_array_foreach (list, i, c) {
        struct ar_oidc_provider *p = &o->p[o->n];
        char nm[64];
        snprintf(nm, sizeof nm, "%zu", i + 1);
        if ((rc = copy_str(p->name, sizeof p->name, c, "name", 1, nm, why, whylen)))
            goto out;
        if (!name_ok(p->name)) {
            rc = say(why, whylen, AR_EINVAL, "provider %s: name is 1 to 32 of a-z, 0-9 and -", nm);
            goto out;
        }
        if (ar_oidc_find(o, p->name) >= 0) {
            rc = say(why, whylen, AR_EINVAL, "provider %s is configured twice", p->name);
            goto out;
        }
        long leeway, session, timeout, refetch;
        if ((rc = copy_str(p->label, sizeof p->label, c, "label", 0, p->name, why, whylen)) ||
            (rc = copy_str(p->issuer, sizeof p->issuer, c, "issuer", 1, p->name, why, whylen)) ||
            (rc = copy_str(p->client_id, sizeof p->client_id, c, "client_id", 1, p->name, why,
                           whylen)) ||
            (rc = copy_str(p->scopes, sizeof p->scopes, c, "scopes", 0, p->name, why, whylen)) ||
            (rc = copy_str(p->contact, sizeof p->contact, c, "contact", 0, p->name, why, whylen)) ||
            (rc = int_of(c, "leeway", 60, 0, 300, &leeway, p->name, why, whylen)) ||
            (rc = int_of(c, "session_lifetime", 0, 60, 86400, &session, p->name, why, whylen)) ||
            (rc = int_of(c, "timeout_ms", 5000, 100, 60000, &timeout, p->name, why, whylen)) ||
            (rc = int_of(c, "jwks_refetch", 60, 0, 86400, &refetch, p->name, why, whylen)))
            goto out;
        p->leeway = (int)leeway;
        p->session_max = session;
        p->timeout_ms = (int)timeout;
        p->jwks_refetch = (int)refetch;
        if (!p->label[0])
            memcpy(p->label, p->name, sizeof p->name); /* both NUL-terminated, label larger */
        if (!p->scopes[0])
            snprintf(p->scopes, sizeof p->scopes, "openid profile email");
        if (strncmp(p->scopes, "openid", 6) || (p->scopes[6] && p->scopes[6] != ' ')) {
            rc = say(why, whylen, AR_EINVAL, "provider %s: scopes must begin with openid", p->name);
            goto out;
        }
        if (!url_ok(p->issuer)) {
            rc = say(why, whylen, AR_EINVAL,
                     "provider %s: issuer must be an https:// URL (http:// only on this machine)",
                     p->name);
            goto out;
        }
        const char *sf = ar_json_str(c, "client_secret_file");
        if (sf) {
            if (ar_secret_read_text(sf, "client secret file", p->client_secret,
                                    sizeof p->client_secret)) {
                rc = say(why, whylen, AR_EINVAL, "provider %s: client_secret_file %s unusable",
                         p->name, sf);
                goto out;
            }
        } else if (need_secret) {
            rc =
                say(why, whylen, AR_EINVAL, "provider %s: client_secret_file is required", p->name);
            goto out;
        } else if ((rc = copy_str(p->client_secret, sizeof p->client_secret, c, "client_secret", 0,
                                  p->name, why, whylen))) {
            goto out;
        }
        if ((rc = parse_rules(p, json_object_get(c, "roles"), why, whylen)))
            goto out;
        pthread_mutex_init(&o->rt[o->n].mu, NULL);
        o->n++;
    }
    *out = o;
    o = NULL;
out:
    json_decref(root);
    ar_oidc_free(o);
    return rc;
}

int ar_oidc_parse(struct ar_oidc **out, const char *text, size_t len, char *why, size_t whylen)
{
    return parse(out, text, len, 0, why, whylen);
}

int ar_oidc_load(struct ar_oidc **out, const char *path, char *why, size_t whylen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return say(why, whylen, AR_ENOTFOUND, "cannot read %s", path);
    struct ar_buf b;
    ar_buf_init(&b, 1 << 20);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        ar_buf_add(&b, chunk, n);
    fclose(f);
    int rc = ar_buf_ok(&b) ? parse(out, b.ptr ? b.ptr : "", b.len, 1, why, whylen)
                           : say(why, whylen, AR_EINVAL, "%s is larger than 1 MiB", path);
    ar_buf_free(&b);
    return rc;
}

void ar_oidc_free(struct ar_oidc *o)
{
    if (!o)
        return;
    for (int i = 0; i < o->n; i++) {
        json_decref(o->p[i].rules);
        json_decref(o->rt[i].meta);
        json_decref(o->rt[i].jwks);
        sodium_memzero(o->p[i].client_secret, sizeof o->p[i].client_secret);
        pthread_mutex_destroy(&o->rt[i].mu);
    }
    free(o);
}

int ar_oidc_count(const struct ar_oidc *o)
{
    return o ? o->n : 0;
}

const struct ar_oidc_provider *ar_oidc_at(const struct ar_oidc *o, int i)
{
    return o && i >= 0 && i < o->n ? &o->p[i] : NULL;
}

int ar_oidc_find(const struct ar_oidc *o, const char *name)
{
    for (int i = 0; o && name && i < o->n; i++)
        if (!strcmp(o->p[i].name, name))
            return i;
    return -1;
}

/* ---- HTTP ----------------------------------------------------------------------------- */

static size_t on_data(char *p, size_t sz, size_t n, void *ctx)
{
    struct ar_buf *b = ctx;
    ar_buf_add(b, p, sz * n);
    return ar_buf_ok(b) ? sz * n : 0;
}

/* GET url (post NULL) or POST the form post with HTTP Basic client authentication;
 * *body gets a parsed JSON answer of any status (NULL when it is not JSON). 0, or
 * AR_EUNAVAIL with why when nothing usable came back. No redirects are followed. */
static int http(const struct ar_oidc_provider *p, const char *url, const char *post, json_t **body,
                long *status, char *why, size_t whylen)
{
    struct ar_buf b;
    char *user = NULL, *pass = NULL;
    CURL *c = curl_easy_init();
    int rc = 0;
    *body = NULL;
    *status = 0;
    if (!c)
        return say(why, whylen, AR_EIO, "cannot start an HTTP client");
    ar_buf_init(&b, AR_OIDC_MAX_DOC);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)p->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)p->timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "algoreg");
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (post) {
        /* client_secret_basic: both parts form-encoded first (RFC 6749 §2.3.1) */
        user = curl_easy_escape(c, p->client_id, 0);
        pass = curl_easy_escape(c, p->client_secret, 0);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, pass);
    }
    CURLcode cr = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    if (cr != CURLE_OK) {
        rc = say(why, whylen, AR_EUNAVAIL, "%s: %s", url,
                 !ar_buf_ok(&b) ? "answer larger than 256 KiB" : curl_easy_strerror(cr));
    } else {
        *body = json_loadb(b.ptr ? b.ptr : "", b.len, JSON_REJECT_DUPLICATES, NULL);
        if (!*body && *status == 200)
            rc = say(why, whylen, AR_EUNAVAIL, "%s: the answer is not JSON", url);
    }
    if (pass)
        sodium_memzero(pass, strlen(pass));
    curl_free(user);
    curl_free(pass);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    ar_buf_free(&b);
    return rc;
}

/* ---- discovery and keys --------------------------------------------------------------- */

static int check_meta(const struct ar_oidc_provider *p, const json_t *m, char *why, size_t whylen)
{
    static const char *const urls[] = {"authorization_endpoint", "token_endpoint", "jwks_uri"};
    if (!json_is_object(m))
        return say(why, whylen, AR_EINVAL, "the discovery document is not a JSON object");
    if (!ar_json_str(m, "issuer") || strcmp(ar_json_str(m, "issuer"), p->issuer))
        return say(why, whylen, AR_EINVAL,
                   "the discovery document names issuer %.200s, not the configured %s",
                   ar_json_str(m, "issuer") ?: "(none)", p->issuer);
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++)
        if (!url_ok(ar_json_str(m, urls[i])))
            return say(why, whylen, AR_EINVAL,
                       "the discovery document's %s is missing or not"
                       " https",
                       urls[i]);
    if (json_object_get(m, "end_session_endpoint") &&
        !url_ok(ar_json_str(m, "end_session_endpoint")))
        return say(why, whylen, AR_EINVAL,
                   "the discovery document's end_session_endpoint is"
                   " not https");
    json_t *pk = json_object_get(m, "code_challenge_methods_supported"), *v;
    size_t i;
    int s256 = !pk;
    json_array_foreach (pk, i, v)
        s256 |= json_is_string(v) && !strcmp(json_string_value(v), "S256");
    if (!s256)
        return say(why, whylen, AR_EINVAL, "the provider does not support PKCE with S256");
    return 0;
}

static int check_jwks(const json_t *k, char *why, size_t whylen)
{
    json_t *keys = json_object_get(k, "keys"), *key;
    size_t i;
    int usable = 0;
    if (!json_is_array(keys) || json_array_size(keys) > 100)
        return say(why, whylen, AR_EINVAL, "the key set is not {\"keys\": [...]} (at most 100)");
    json_array_foreach (keys, i, key) {
        if (ar_json_str(key, "use") && strcmp(ar_json_str(key, "use"), "sig"))
            continue;
        char *txt = json_dumps(key, JSON_COMPACT);
        cjose_err err;
        cjose_jwk_t *jwk = txt ? cjose_jwk_import(txt, strlen(txt), &err) : NULL;
        if (jwk) {
            cjose_jwk_kty_t kty = cjose_jwk_get_kty(jwk, &err);
            usable += kty == CJOSE_JWK_KTY_RSA || kty == CJOSE_JWK_KTY_EC;
            cjose_jwk_release(jwk);
        }
        free(txt);
    }
    return usable ? 0 : say(why, whylen, AR_EINVAL, "the key set has no usable signing key");
}

/* Provider i's discovery document, fetched when absent or older than META_TTL; the
 * caller holds the runtime lock. */
static int meta_locked(struct ar_oidc *o, int i, char *why, size_t whylen)
{
    struct runtime *rt = &o->rt[i];
    const struct ar_oidc_provider *p = &o->p[i];
    if (rt->meta && mono() - rt->meta_at < META_TTL)
        return 0;
    char url[700];
    size_t n = strlen(p->issuer);
    snprintf(url, sizeof url, "%.*s/.well-known/openid-configuration",
             (int)(n && p->issuer[n - 1] == '/' ? n - 1 : n), p->issuer);
    json_t *m = NULL;
    long status;
    int rc = http(p, url, NULL, &m, &status, why, whylen);
    if (!rc && status != 200)
        rc = say(why, whylen, AR_EUNAVAIL, "%s: HTTP %ld", url, status);
    if (!rc && check_meta(p, m, why, whylen))
        rc = AR_EUNAVAIL;
    if (!rc) {
        json_decref(rt->meta);
        rt->meta = json_incref(m);
        rt->meta_at = mono();
    } else if (rt->meta) {
        rc = 0; /* keep using the last good one */
    }
    json_decref(m);
    return rc;
}

static int jwks_locked(struct ar_oidc *o, int i, int force, char *why, size_t whylen)
{
    struct runtime *rt = &o->rt[i];
    const struct ar_oidc_provider *p = &o->p[i];
    if (rt->jwks && (!force || mono() - rt->jwks_at < p->jwks_refetch))
        return 0;
    int rc = meta_locked(o, i, why, whylen);
    if (rc)
        return rc;
    json_t *k = NULL;
    long status;
    const char *url = ar_json_str(rt->meta, "jwks_uri");
    rc = http(p, url, NULL, &k, &status, why, whylen);
    if (!rc && status != 200)
        rc = say(why, whylen, AR_EUNAVAIL, "%s: HTTP %ld", url, status);
    if (!rc && check_jwks(k, why, whylen))
        rc = AR_EUNAVAIL;
    if (!rc) {
        json_decref(rt->jwks);
        rt->jwks = json_incref(k);
        rt->jwks_at = mono();
    } else if (rt->jwks) {
        rt->jwks_at = mono(); /* keep the last good set; ask again after jwks_refetch */
        rc = 0;
    }
    json_decref(k);
    return rc;
}

int ar_oidc_set_metadata(struct ar_oidc *o, int i, const char *doc, char *why, size_t whylen)
{
    json_t *m = json_loads(doc, 0, NULL);
    int rc = check_meta(&o->p[i], m, why, whylen);
    if (!rc) {
        pthread_mutex_lock(&o->rt[i].mu);
        json_decref(o->rt[i].meta);
        o->rt[i].meta = json_incref(m);
        o->rt[i].meta_at = mono();
        pthread_mutex_unlock(&o->rt[i].mu);
    }
    json_decref(m);
    return rc;
}

int ar_oidc_set_jwks(struct ar_oidc *o, int i, const char *doc, char *why, size_t whylen)
{
    json_t *k = json_loads(doc, 0, NULL);
    int rc = check_jwks(k, why, whylen);
    if (!rc) {
        pthread_mutex_lock(&o->rt[i].mu);
        json_decref(o->rt[i].jwks);
        o->rt[i].jwks = json_incref(k);
        o->rt[i].jwks_at = mono();
        pthread_mutex_unlock(&o->rt[i].mu);
    }
    json_decref(k);
    return rc;
}

/* ---- the authorization request -------------------------------------------------------- */

static void param(struct ar_buf *b, CURL *c, const char *k, const char *v)
{
    char *e = curl_easy_escape(c, v, 0);
    ar_buf_printf(b, "%s%s=%s", b->len && b->ptr[b->len - 1] != '?' ? "&" : "", k, e ? e : "");
    curl_free(e);
}

int ar_oidc_auth_url(struct ar_oidc *o, int i, const char *redirect_uri, const char *state,
                     const char *nonce, const char *verifier, const char *login_hint, char **url,
                     char *why, size_t whylen)
{
    struct runtime *rt = &o->rt[i];
    const struct ar_oidc_provider *p = &o->p[i];
    *url = NULL;
    pthread_mutex_lock(&rt->mu);
    int rc = meta_locked(o, i, why, whylen);
    char endpoint[2001];
    if (!rc)
        snprintf(endpoint, sizeof endpoint, "%s", ar_json_str(rt->meta, "authorization_endpoint"));
    pthread_mutex_unlock(&rt->mu);
    if (rc)
        return rc;
    uint8_t d[crypto_hash_sha256_BYTES];
    char challenge[64];
    crypto_hash_sha256(d, (const uint8_t *)verifier, strlen(verifier));
    sodium_bin2base64(challenge, sizeof challenge, d, sizeof d,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    CURL *c = curl_easy_init();
    if (!c)
        return AR_EIO;
    struct ar_buf b;
    ar_buf_init(&b, 16384);
    ar_buf_printf(&b, "%s%s", endpoint, strchr(endpoint, '?') ? "&" : "?");
    param(&b, c, "response_type", "code");
    param(&b, c, "client_id", p->client_id);
    param(&b, c, "redirect_uri", redirect_uri);
    param(&b, c, "scope", p->scopes);
    param(&b, c, "state", state);
    param(&b, c, "nonce", nonce);
    param(&b, c, "code_challenge", challenge);
    param(&b, c, "code_challenge_method", "S256");
    if (login_hint && *login_hint)
        param(&b, c, "login_hint", login_hint);
    curl_easy_cleanup(c);
    if (!ar_buf_ok(&b)) {
        ar_buf_free(&b);
        return say(why, whylen, AR_EINVAL, "the authorization request is too long");
    }
    *url = ar_buf_take(&b, NULL);
    return 0;
}

/* ---- tokens --------------------------------------------------------------------------- */

static const char *const algs[] = {"RS256", "RS384", "RS512", "PS256", "PS384",
                                   "PS512", "ES256", "ES384", "ES512", NULL};

static int in_list(const char *const *l, const char *s)
{
    for (; s && *l; l++)
        if (!strcmp(*l, s))
            return 1;
    return 0;
}

/* Verify jwt's signature with provider i's keys (fetching them again once for an
 * unknown kid); *payload gets the claims. */
static int verify_jws(struct ar_oidc *o, int i, const char *jwt, json_t **payload, char *why,
                      size_t whylen)
{
    struct runtime *rt = &o->rt[i];
    cjose_err err;
    int rc = AR_EDENIED;
    *payload = NULL;
    if (!jwt || strlen(jwt) > 16384)
        return say(why, whylen, AR_EDENIED, "no token, or one longer than 16 KiB");
    cjose_jws_t *jws = cjose_jws_import(jwt, strlen(jwt), &err);
    if (!jws)
        return say(why, whylen, AR_EDENIED, "the token is not a signed JWT (%s)", err.message);
    cjose_header_t *hdr = cjose_jws_get_protected(jws);
    const char *alg = hdr ? cjose_header_get(hdr, "alg", &err) : NULL;
    const char *kid = hdr ? cjose_header_get(hdr, "kid", &err) : NULL;
    if (!in_list(algs, alg)) {
        rc = say(why, whylen, AR_EDENIED,
                 "the token is signed with %s, not an accepted"
                 " public-key algorithm",
                 alg ? alg : "no algorithm");
        goto out;
    }
    cjose_jwk_kty_t want = alg[0] == 'E' ? CJOSE_JWK_KTY_EC : CJOSE_JWK_KTY_RSA;
    for (int attempt = 0; attempt < 2; attempt++) {
        cjose_jwk_t *jwk = NULL;
        pthread_mutex_lock(&rt->mu);
        int frc = jwks_locked(o, i, attempt, why, whylen);
        json_t *keys = frc ? NULL : json_incref(json_object_get(rt->jwks, "keys"));
        pthread_mutex_unlock(&rt->mu);
        if (frc) {
            rc = frc == AR_EUNAVAIL ? AR_EUNAVAIL : AR_EDENIED;
            goto out;
        }
        size_t k, candidates = 0;
        json_t *key;
        json_array_foreach (keys, k, key) {
            const char *use = ar_json_str(key, "use"), *kkid = ar_json_str(key, "kid");
            if ((use && strcmp(use, "sig")) || (kid && (!kkid || strcmp(kid, kkid))) ||
                (ar_json_str(key, "alg") && strcmp(ar_json_str(key, "alg"), alg)))
                continue;
            char *txt = json_dumps(key, JSON_COMPACT);
            cjose_jwk_t *cand = txt ? cjose_jwk_import(txt, strlen(txt), &err) : NULL;
            free(txt);
            if (!cand || cjose_jwk_get_kty(cand, &err) != want) {
                if (cand)
                    cjose_jwk_release(cand);
                continue;
            }
            candidates++;
            if (jwk)
                cjose_jwk_release(jwk);
            jwk = cand;
        }
        json_decref(keys);
        if (candidates > 1 && !kid) { /* without kid only an unambiguous key will do */
            cjose_jwk_release(jwk);
            rc = say(why, whylen, AR_EDENIED,
                     "the token names no key (kid) and the provider"
                     " has several");
            goto out;
        }
        if (!jwk) {
            if (attempt == 0)
                continue; /* perhaps the provider rotated its keys: fetch them again */
            rc = say(why, whylen, AR_EDENIED,
                     "no key of the provider matches the token's kid"
                     " %.64s",
                     kid ? kid : "(none)");
            goto out;
        }
        int ok = cjose_jws_verify(jws, jwk, &err);
        cjose_jwk_release(jwk);
        if (!ok) {
            rc = say(why, whylen, AR_EDENIED, "the token's signature does not verify");
            goto out;
        }
        break;
    }
    uint8_t *pt = NULL;
    size_t ptlen = 0;
    if (!cjose_jws_get_plaintext(jws, &pt, &ptlen, &err) ||
        !(*payload = json_loadb((const char *)pt, ptlen, JSON_REJECT_DUPLICATES, NULL)) ||
        !json_is_object(*payload)) {
        json_decref(*payload);
        *payload = NULL;
        rc = say(why, whylen, AR_EDENIED, "the token's payload is not a JSON object");
        goto out;
    }
    rc = 0;
out:
    cjose_jws_release(jws);
    return rc;
}

static int num(const json_t *o, const char *k, json_int_t *v)
{
    json_t *x = json_object_get(o, k);
    if (json_is_integer(x))
        *v = json_integer_value(x);
    else if (json_is_real(x))
        *v = (json_int_t)json_real_value(x);
    else
        return 0;
    return 1;
}

/* Issuer, audience (and authorized party), times: the checks ID and logout tokens
 * share. */
static int check_common(const struct ar_oidc_provider *p, const json_t *c, time_t now, int need_exp,
                        char *why, size_t whylen)
{
    json_int_t exp = 0, iat = 0, nbf = 0;
    if (!ar_json_str(c, "iss") || strcmp(ar_json_str(c, "iss"), p->issuer))
        return say(why, whylen, AR_EDENIED, "the token's issuer is %.200s, not %s",
                   ar_json_str(c, "iss") ?: "missing", p->issuer);
    json_t *aud = json_object_get(c, "aud"), *a;
    size_t i, n = 0;
    int mine = json_is_string(aud) && !strcmp(json_string_value(aud), p->client_id);
    json_array_foreach (aud, i, a) {
        n++;
        mine |= json_is_string(a) && !strcmp(json_string_value(a), p->client_id);
    }
    if (!mine)
        return say(why, whylen, AR_EDENIED,
                   "the token is not for this register (audience is"
                   " not %s)",
                   p->client_id);
    if (n > 1 && (!ar_json_str(c, "azp") || strcmp(ar_json_str(c, "azp"), p->client_id)))
        return say(why, whylen, AR_EDENIED,
                   "the token has several audiences and another"
                   " authorized party (azp)");
    if (need_exp && !num(c, "exp", &exp))
        return say(why, whylen, AR_EDENIED, "the token has no expiry (exp)");
    if ((need_exp || json_object_get(c, "exp")) && num(c, "exp", &exp) &&
        (json_int_t)now > exp + p->leeway)
        return say(why, whylen, AR_EDENIED, "the token expired %lld seconds ago (leeway %d)",
                   (long long)((json_int_t)now - exp), p->leeway);
    if (!num(c, "iat", &iat))
        return say(why, whylen, AR_EDENIED, "the token has no issue time (iat)");
    if (iat > (json_int_t)now + p->leeway)
        return say(why, whylen, AR_EDENIED,
                   "the token was issued %lld seconds in the future:"
                   " the clocks differ more than the leeway (%d s)",
                   (long long)(iat - (json_int_t)now), p->leeway);
    if (num(c, "nbf", &nbf) && nbf > (json_int_t)now + p->leeway)
        return say(why, whylen, AR_EDENIED, "the token is not valid yet (nbf)");
    return 0;
}

int ar_oidc_validate_id_token(struct ar_oidc *o, int i, const char *jwt, const char *nonce,
                              time_t now, json_t **claims, char *why, size_t whylen)
{
    json_t *c = NULL;
    *claims = NULL;
    int rc = verify_jws(o, i, jwt, &c, why, whylen);
    if (!rc)
        rc = check_common(&o->p[i], c, now, 1, why, whylen);
    if (!rc && (!nonce || !ar_json_str(c, "nonce") || strcmp(ar_json_str(c, "nonce"), nonce)))
        rc = say(why, whylen, AR_EDENIED, "the token's nonce is not the one this sign-in sent");
    const char *sub = rc ? NULL : ar_json_str(c, "sub");
    if (!rc && (!sub || !*sub || strlen(sub) > 255))
        rc = say(why, whylen, AR_EDENIED, "the token names no subject (sub)");
    if (rc)
        json_decref(c);
    else
        *claims = c;
    return rc;
}

int ar_oidc_validate_logout_token(struct ar_oidc *o, int i, const char *jwt, time_t now, char **sub,
                                  char **sid, char *why, size_t whylen)
{
    json_t *c = NULL;
    *sub = *sid = NULL;
    int rc = verify_jws(o, i, jwt, &c, why, whylen);
    if (!rc)
        rc = check_common(&o->p[i], c, now, 0, why, whylen);
    if (!rc && !json_is_object(json_object_get(json_object_get(c, "events"), BACKCHANNEL_EVENT)))
        rc = say(why, whylen, AR_EDENIED, "not a logout token (no back-channel logout event)");
    if (!rc && json_object_get(c, "nonce"))
        rc = say(why, whylen, AR_EDENIED, "a logout token carries no nonce");
    if (!rc && !ar_json_str(c, "jti"))
        rc = say(why, whylen, AR_EDENIED, "the logout token has no id (jti)");
    if (!rc && !ar_json_str(c, "sub") && !ar_json_str(c, "sid"))
        rc = say(why, whylen, AR_EDENIED, "the logout token names neither sub nor sid");
    if (!rc) {
        if (ar_json_str(c, "sub"))
            *sub = strdup(ar_json_str(c, "sub"));
        if (ar_json_str(c, "sid"))
            *sid = strdup(ar_json_str(c, "sid"));
    }
    json_decref(c);
    return rc;
}

int ar_oidc_exchange(struct ar_oidc *o, int i, const char *code, const char *redirect_uri,
                     const char *verifier, const char *nonce, time_t now, json_t **claims,
                     char *why, size_t whylen)
{
    struct runtime *rt = &o->rt[i];
    char endpoint[2001];
    *claims = NULL;
    pthread_mutex_lock(&rt->mu);
    int rc = meta_locked(o, i, why, whylen);
    if (!rc)
        snprintf(endpoint, sizeof endpoint, "%s", ar_json_str(rt->meta, "token_endpoint"));
    pthread_mutex_unlock(&rt->mu);
    if (rc)
        return rc;
    CURL *c = curl_easy_init();
    if (!c)
        return AR_EIO;
    struct ar_buf form;
    ar_buf_init(&form, 16384);
    param(&form, c, "grant_type", "authorization_code");
    param(&form, c, "code", code);
    param(&form, c, "redirect_uri", redirect_uri);
    param(&form, c, "code_verifier", verifier);
    curl_easy_cleanup(c);
    json_t *ans = NULL;
    long status;
    if (!ar_buf_ok(&form))
        rc = say(why, whylen, AR_EINVAL, "the code is too long");
    else
        rc = http(&o->p[i], endpoint, ar_buf_cstr(&form), &ans, &status, why, whylen);
    ar_buf_free(&form);
    if (!rc && status != 200)
        rc = say(why, whylen, status >= 400 && status < 500 ? AR_EDENIED : AR_EUNAVAIL,
                 "the provider refused the code: %.100s%s%.200s (HTTP %ld)",
                 ar_json_str(ans, "error") ?: "error",
                 ar_json_str(ans, "error_description") ? ": " : "",
                 ar_json_str(ans, "error_description") ?: "", status);
    if (!rc && !ar_json_str(ans, "id_token"))
        rc = say(why, whylen, AR_EDENIED, "the provider's answer has no ID token");
    if (!rc)
        rc = ar_oidc_validate_id_token(o, i, ar_json_str(ans, "id_token"), nonce, now, claims, why,
                                       whylen);
    json_decref(ans);
    return rc;
}

/* ---- claims → role -------------------------------------------------------------------- */

static int claim_has(const json_t *claims, const char *name, const char *value)
{
    json_t *v = json_object_get(claims, name), *x;
    size_t i;
    if (json_is_string(v))
        return !strcmp(json_string_value(v), value);
    json_array_foreach (v, i, x)
        if (json_is_string(x) && !strcmp(json_string_value(x), value))
            return 1;
    return 0;
}

int ar_oidc_map(const struct ar_oidc_provider *p, const json_t *claims, const char **role,
                const char **org)
{
    size_t i;
    json_t *r;
    json_array_foreach (p->rules, i, r) {
        const char *k;
        json_t *v;
        int all = 1;
        json_object_foreach (json_object_get(r, "when"), k, v)
            all &= claim_has(claims, k, json_string_value(v));
        if (all) {
            *role = ar_json_str(r, "role");
            *org = ar_json_str(r, "org") ?: "";
            return 0;
        }
    }
    return AR_ENOTFOUND;
}

char *ar_oidc_logout_url(struct ar_oidc *o, int i, const char *post_logout_uri)
{
    struct runtime *rt = &o->rt[i];
    char why[256];
    char *url = NULL;
    pthread_mutex_lock(&rt->mu);
    const char *end =
        meta_locked(o, i, why, sizeof why) ? NULL : ar_json_str(rt->meta, "end_session_endpoint");
    if (end) {
        CURL *c = curl_easy_init();
        struct ar_buf b;
        ar_buf_init(&b, 8192);
        ar_buf_printf(&b, "%s%s", end, strchr(end, '?') ? "&" : "?");
        if (c) {
            param(&b, c, "client_id", o->p[i].client_id);
            param(&b, c, "post_logout_redirect_uri", post_logout_uri);
            curl_easy_cleanup(c);
        }
        url = c && ar_buf_ok(&b) ? ar_buf_take(&b, NULL) : NULL;
        if (!url)
            ar_buf_free(&b);
    }
    pthread_mutex_unlock(&rt->mu);
    return url;
}
