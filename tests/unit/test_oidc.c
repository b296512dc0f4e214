/* test_oidc.c — the OpenID Connect checks in process, with tokens signed here by cjose:
 * a good ID token, a wrong audience, an expired one, clock skew within and beyond the
 * leeway, a wrong nonce, a tampered payload, a symmetric or missing algorithm, an
 * unknown key; logout tokens; malformed discovery and key sets refused (and not kept);
 * the claim mapping; configuration mistakes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjose/cjose.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "oidc/oidc.h"

#define ISS "http://127.0.0.1:1/realm"
#define NOW 1800000000L

static const char config[] = "providers:\n"
                             "  - name: politie\n"
                             "    label: Politie (Keycloak)\n"
                             "    issuer: " ISS "\n"
                             "    client_id: algoreg\n"
                             "    jwks_refetch: 0\n"
                             "    timeout_ms: 300\n"
                             "    roles:\n"
                             "      - when: {groups: algoreg-approver, org: P}\n"
                             "        role: approver\n"
                             "        org: politie\n"
                             "      - when: {groups: algoreg-editor}\n"
                             "        role: registrant\n"
                             "        org: politie\n";

static const char meta[] = "{\"issuer\": \"" ISS "\", \"authorization_endpoint\": \"" ISS
                           "/auth\", \"token_endpoint\": \"" ISS "/token\", \"jwks_uri\": \"" ISS
                           "/jwks\", \"end_session_endpoint\": \"" ISS "/logout\"}";

struct fx {
    struct ar_oidc *o;
    cjose_jwk_t *key;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char why[256];
    cjose_err err;
    if (ar_oidc_parse(&f->o, config, strlen(config), why, sizeof why))
        return -1;
    static const uint8_t e[] = {1, 0, 1};
    f->key = cjose_jwk_create_RSA_random(2048, e, sizeof e, &err);
    if (!f->key || !cjose_jwk_set_kid(f->key, "k1", 2, &err))
        return -1;
    char *pub = cjose_jwk_to_json(f->key, false, &err);
    char jwks[4096];
    snprintf(jwks, sizeof jwks, "{\"keys\": [%s]}", pub);
    free(pub);
    if (ar_oidc_set_metadata(f->o, 0, meta, why, sizeof why) ||
        ar_oidc_set_jwks(f->o, 0, jwks, why, sizeof why))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    ar_oidc_free(f->o);
    cjose_jwk_release(f->key);
    free(f);
    return 0;
}

/* A compact JWS of claims signed with key under alg and kid. */
static char *sign(cjose_jwk_t *key, const char *alg, const char *kid, json_t *claims)
{
    cjose_err err;
    cjose_header_t *h = cjose_header_new(&err);
    cjose_header_set(h, CJOSE_HDR_ALG, alg, &err);
    if (kid)
        cjose_header_set(h, CJOSE_HDR_KID, kid, &err);
    char *pt = json_dumps(claims, JSON_COMPACT);
    cjose_jws_t *jws = cjose_jws_sign(key, h, (const uint8_t *)pt, strlen(pt), &err);
    const char *ser = NULL;
    char *out = jws && cjose_jws_export(jws, &ser, &err) ? strdup(ser) : NULL;
    cjose_jws_release(jws);
    cjose_header_release(h);
    free(pt);
    json_decref(claims);
    return out;
}

static json_t *good(void)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:[s]}", "iss", ISS, "aud", "algoreg", "sub",
                     "u-1", "iat", (json_int_t)NOW, "exp", (json_int_t)NOW + 300, "nonce", "n-1",
                     "groups", "algoreg-editor");
}

static int check(struct fx *f, char *jwt, const char *nonce, long now, const char *expect)
{
    json_t *claims = NULL;
    char why[256] = "";
    int rc = ar_oidc_validate_id_token(f->o, 0, jwt, nonce, (time_t)now, &claims, why, sizeof why);
    if (expect)
        assert_non_null(strstr(why, expect));
    json_decref(claims);
    free(jwt);
    return rc;
}

static void id_tokens(void **state)
{
    struct fx *f = *state;
    json_t *claims = NULL;
    char why[256];
    char *jwt = sign(f->key, "RS256", "k1", good());
    assert_int_equal(ar_oidc_validate_id_token(f->o, 0, jwt, "n-1", NOW, &claims, why, sizeof why),
                     0);
    assert_string_equal(json_string_value(json_object_get(claims, "sub")), "u-1");
    const char *role, *org;
    assert_int_equal(ar_oidc_map(ar_oidc_at(f->o, 0), claims, &role, &org), 0);
    assert_string_equal(role, "registrant");
    assert_string_equal(org, "politie");
    json_decref(claims);
    free(jwt);

    json_t *c = good();
    json_object_set_new(c, "aud", json_string("someone-else"));
    assert_int_equal(check(f, sign(f->key, "RS256", "k1", c), "n-1", NOW, "audience"), AR_EDENIED);
    c = good();
    json_object_set_new(c, "aud", json_pack("[s, s]", "algoreg", "other"));
    json_object_set_new(c, "azp", json_string("other"));
    assert_int_equal(check(f, sign(f->key, "RS256", "k1", c), "n-1", NOW, "azp"), AR_EDENIED);
    c = good();
    json_object_set_new(c, "iss", json_string("http://127.0.0.1:1/evil"));
    assert_int_equal(check(f, sign(f->key, "RS256", "k1", c), "n-1", NOW, "issuer"), AR_EDENIED);
    /* expiry and clock skew: 60 s leeway */
    assert_int_equal(check(f, sign(f->key, "RS256", "k1", good()), "n-1", NOW + 330, NULL), 0);
    assert_int_equal(check(f, sign(f->key, "RS256", "k1", good()), "n-1", NOW + 400, "expired"),
                     AR_EDENIED);
    assert_int_equal(check(f, sign(f->key, "RS256", "k1", good()), "n-1", NOW - 30, NULL), 0);
    assert_int_equal(check(f, sign(f->key, "RS256", "k1", good()), "n-1", NOW - 600, "future"),
                     AR_EDENIED);
    c = good();
    json_object_del(c, "exp");
    assert_int_equal(check(f, sign(f->key, "RS256", "k1", c), "n-1", NOW, "expiry"), AR_EDENIED);
    assert_int_equal(check(f, sign(f->key, "RS256", "k1", good()), "n-2", NOW, "nonce"),
                     AR_EDENIED);
    assert_int_equal(check(f, sign(f->key, "RS256", "k1", good()), NULL, NOW, "nonce"), AR_EDENIED);
    c = good();
    json_object_del(c, "sub");
    assert_int_equal(check(f, sign(f->key, "RS256", "k1", c), "n-1", NOW, "subject"), AR_EDENIED);

    /* tampered: the payload of one token with the signature of another */
    char *a = sign(f->key, "RS256", "k1", good());
    c = good();
    json_object_set_new(c, "groups", json_pack("[s]", "algoreg-approver"));
    char *b = sign(f->key, "RS256", "k1", c);
    char *dot_a = strchr(a, '.'), *dot_b = strchr(b, '.');
    char *sig_a = strrchr(a, '.');
    char forged[8192];
    snprintf(forged, sizeof forged, "%.*s%.*s%s", (int)(dot_a - a), a,
             (int)(strrchr(b, '.') - dot_b), dot_b, sig_a);
    free(a);
    free(b);
    assert_int_equal(check(f, strdup(forged), "n-1", NOW, "signature"), AR_EDENIED);

    /* HS256 with a shared secret, or no signature at all, is never accepted */
    cjose_err err;
    cjose_jwk_t *oct = cjose_jwk_create_oct_random(32, &err);
    assert_int_equal(check(f, sign(oct, "HS256", "k1", good()), "n-1", NOW, "HS256"), AR_EDENIED);
    cjose_jwk_release(oct);
    assert_int_equal(check(f, strdup("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."), "n-1", NOW, NULL),
                     AR_EDENIED);
    assert_int_equal(check(f, strdup("not a token"), "n-1", NOW, "signed JWT"), AR_EDENIED);

    /* a key the provider never published (fetching its keys again fails: the last good
     * set stays, the token is refused) */
    static const uint8_t e[] = {1, 0, 1};
    cjose_jwk_t *other = cjose_jwk_create_RSA_random(2048, e, sizeof e, &err);
    assert_int_equal(check(f, sign(other, "RS256", "k2", good()), "n-1", NOW, "kid"), AR_EDENIED);
    assert_int_equal(check(f, sign(other, "RS256", "k1", good()), "n-1", NOW, "signature"),
                     AR_EDENIED);
    cjose_jwk_release(other);
    /* the good key still works after the failed fetch */
    assert_int_equal(check(f, sign(f->key, "RS256", "k1", good()), "n-1", NOW, NULL), 0);
}

static void logout_tokens(void **state)
{
    struct fx *f = *state;
    char why[256], *sub = NULL, *sid = NULL;
    json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:s, s:{s:{}}}", "iss", ISS, "aud", "algoreg",
                          "sid", "s-9", "iat", (json_int_t)NOW, "jti", "j-1", "events",
                          "http://schemas.openid.net/event/backchannel-logout");
    char *jwt = sign(f->key, "RS256", "k1", json_deep_copy(c));
    assert_int_equal(ar_oidc_validate_logout_token(f->o, 0, jwt, NOW, &sub, &sid, why, sizeof why),
                     0);
    assert_null(sub);
    assert_string_equal(sid, "s-9");
    free(sid);
    free(jwt);
    json_t *n = json_deep_copy(c);
    json_object_set_new(n, "nonce", json_string("x"));
    jwt = sign(f->key, "RS256", "k1", n);
    assert_int_equal(ar_oidc_validate_logout_token(f->o, 0, jwt, NOW, &sub, &sid, why, sizeof why),
                     AR_EDENIED);
    assert_non_null(strstr(why, "nonce"));
    free(jwt);
    json_object_del(c, "events");
    jwt = sign(f->key, "RS256", "k1", c);
    assert_int_equal(ar_oidc_validate_logout_token(f->o, 0, jwt, NOW, &sub, &sid, why, sizeof why),
                     AR_EDENIED);
    assert_non_null(strstr(why, "event"));
    free(jwt);
}

static void documents_and_mapping(void **state)
{
    struct fx *f = *state;
    char why[256];
    /* a malformed or foreign discovery document or key set is refused and not kept */
    assert_int_equal(ar_oidc_set_metadata(f->o, 0, "{\"issuer\": \"x\"}", why, sizeof why),
                     AR_EINVAL);
    assert_non_null(strstr(why, "issuer"));
    assert_int_equal(ar_oidc_set_metadata(f->o, 0, "[1,", why, sizeof why), AR_EINVAL);
    char bad[1024];
    snprintf(bad, sizeof bad,
             "{\"issuer\": \"%s\", \"authorization_endpoint\": \"http://example.org/a\","
             " \"token_endpoint\": \"%s/t\", \"jwks_uri\": \"%s/j\"}",
             ISS, ISS, ISS);
    assert_int_equal(ar_oidc_set_metadata(f->o, 0, bad, why, sizeof why), AR_EINVAL);
    assert_non_null(strstr(why, "authorization_endpoint"));
    assert_int_equal(ar_oidc_set_jwks(f->o, 0, "{\"keys\": [{\"kty\": \"RSA\"}]}", why, sizeof why),
                     AR_EINVAL);
    assert_int_equal(ar_oidc_set_jwks(f->o, 0, "nonsense", why, sizeof why), AR_EINVAL);
    /* the good ones are still in place */
    char *url = NULL;
    assert_int_equal(ar_oidc_auth_url(f->o, 0, "http://127.0.0.1:8080/cb", "st", "no",
                                      "verifier-verifier-verifier-verifier-verifier", "alice", &url,
                                      why, sizeof why),
                     0);
    assert_non_null(strstr(url, ISS "/auth?response_type=code&client_id=algoreg"));
    assert_non_null(strstr(url, "code_challenge_method=S256"));
    assert_non_null(strstr(url, "redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcb"));
    assert_non_null(strstr(url, "login_hint=alice"));
    free(url);
    url = ar_oidc_logout_url(f->o, 0, "http://127.0.0.1:8080/");
    assert_non_null(strstr(url, ISS "/logout?client_id=algoreg&post_logout_redirect_uri="));
    free(url);
    /* mapping: every claim of a rule must match; arrays contain, strings equal */
    const char *role, *org;
    json_t *c = json_pack("{s:[s,s], s:s}", "groups", "x", "algoreg-approver", "org", "P");
    assert_int_equal(ar_oidc_map(ar_oidc_at(f->o, 0), c, &role, &org), 0);
    assert_string_equal(role, "approver");
    json_object_set_new(c, "org", json_string("Q"));
    assert_int_equal(ar_oidc_map(ar_oidc_at(f->o, 0), c, &role, &org), AR_ENOTFOUND);
    json_decref(c);
}

static void configuration_mistakes(void **state)
{
    (void)state;
    static const struct {
        const char *yaml, *why;
    } cases[] = {
        {"providers: []", "1 to 16"},
        {"providers:\n  - {name: A, issuer: https://x, client_id: c, roles: []}", "a-z"},
        {"providers:\n  - {name: a, issuer: http://example.org, client_id: c}", "https"},
        {"providers:\n  - {name: a, issuer: https://x, client_id: c, roles: [{when: {g: v},"
         " role: registrant}]}",
         "organisation"},
        {"providers:\n  - {name: a, issuer: https://x, client_id: c, roles: [{when: {g: v},"
         " role: king}]}",
         "role is one of"},
        {"providers:\n  - {name: a, issuer: https://x, client_id: c, leeway: '900', roles:"
         " [{when: {g: v}, role: supervisor}]}",
         "leeway"},
        {"providers:\n  - {name: a, issuer: https://x, client_id: c, roles: [{when: {g: v},"
         " role: supervisor}]}\n  - {name: a, issuer: https://y, client_id: c, roles: [{when:"
         " {g: v}, role: supervisor}]}",
         "twice"},
        {"providers: [", "YAML error"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ar_oidc *o = NULL;
        char why[256] = "";
        assert_int_not_equal(
            ar_oidc_parse(&o, cases[i].yaml, strlen(cases[i].yaml), why, sizeof why), 0);
        if (!strstr(why, cases[i].why))
            fail_msg("case %zu: %s", i, why);
        assert_null(o);
    }
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(id_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(logout_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(documents_and_mapping, setup, teardown),
        cmocka_unit_test(configuration_mistakes),
    };
    return cmocka_run_group_tests_name("oidc", tests, NULL, NULL);
}
