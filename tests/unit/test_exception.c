/* test_exception.c — the exception's rules in process: sealing, what the public view
 * holds, the end date by the settable clock, extensions and the supervisor, statistics,
 * and that a wrong key opens nothing. */
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
#include "exception/exception.h"
#include "model/registry.h"
#include "store/store.h"
#include "unit/storefx.h"

static struct ar_seal_key key;

static int setup(void **state)
{
    randombytes_buf(key.k, sizeof key.k);
    return storefx_open(state, "exc", "2026-11-23T12:00:00Z");
}

static int teardown(void **state)
{
    return storefx_close(state);
}

static json_t *record(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", "Geheim SECRET-NAME",
                     "description_short", "SECRET-DESCR", "organization", "Politie", "status",
                     "In gebruik", "contact_email", "a@b.nl", "publication_category",
                     "Overige algoritmes", "goal", "SECRET-GOAL");
}

static int contains(const json_t *v, const char *needle)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    int found = s && strstr(s, needle) != NULL;
    free(s);
    return found;
}

static void withheld_until_the_end_date(void **state)
{
    struct ar_store *s = *state;
    json_t *rec = record(), *pr = json_array(), *pub = NULL, *got = NULL;
    json_t *w = json_pack("{s:s, s:s, s:s, s:s}", "ground", "detection", "justification",
                          "SECRET-JUST", "case_reference", "SECRET-CASE", "until", "2027-01-15");
    char id[9];
    assert_int_equal(
        ar_exception_create(s, &key, &ar_exception_defaults, rec, w, "t", NULL, pr, id), 0);
    assert_int_equal(ar_exception_public(s, id, &pub), 0);
    assert_false(contains(pub, "SECRET"));
    assert_string_equal(json_string_value(json_object_get(pub, "state")), "withheld");
    assert_int_equal(ar_registry_get(s, id, 0, &got), 0);
    assert_false(contains(got, "SECRET"));
    json_decref(got);
    json_decref(pub);
    int n;
    setenv("ALGOREG_NOW", "2027-01-14T23:59:59Z", 1);
    assert_int_equal(ar_exception_tick(s, &key, &n), 0);
    assert_int_equal(n, 0);
    setenv("ALGOREG_NOW", "2027-01-15T00:00:00Z", 1);
    assert_int_equal(ar_exception_tick(s, &key, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ar_registry_get(s, id, 0, &got), 0);
    assert_true(contains(got, "SECRET-GOAL"));
    assert_false(contains(got, "SECRET-JUST"));
    json_decref(got);
    /* published stays published */
    assert_int_equal(ar_exception_close(s, &key, id, "t", pr), AR_ECONFLICT);
    json_decref(rec);
    json_decref(w);
    json_decref(pr);
}

static void extensions_and_the_supervisor(void **state)
{
    struct ar_store *s = *state;
    json_t *rec = record(), *pr = json_array(), *sealed = NULL;
    json_t *w = json_pack("{s:s, s:s, s:s, s:[s]}", "ground", "prevention", "justification",
                          "SECRET-JUST", "until", "2027-02-01", "fields", "goal");
    char id[9];
    long long ext;
    assert_int_equal(
        ar_exception_create(s, &key, &ar_exception_defaults, rec, w, "t", NULL, pr, id), 0);
    json_t *req = json_pack("{s:s, s:s}", "until", "2027-05-01", "reason", "other cases");
    assert_int_equal(ar_exception_extend(s, &key, &ar_exception_defaults, id, req, "t", pr, &ext),
                     0);
    json_t *no = json_pack("{s:b, s:s}", "grant", 0, "reason", "not needed");
    assert_int_equal(ar_exception_decide(s, &key, &ar_exception_defaults, id, ext, no, "ap", pr),
                     0);
    assert_int_equal(ar_exception_decide(s, &key, &ar_exception_defaults, id, ext, no, "ap", pr),
                     AR_EINVAL); /* already decided */
    json_array_clear(pr);
    /* too far: one extension adds at most max_extension_days */
    json_t *far = json_pack("{s:s, s:s}", "until", "2028-01-01", "reason", "r");
    assert_int_equal(ar_exception_extend(s, &key, &ar_exception_defaults, id, far, "t", pr, &ext),
                     AR_EINVAL);
    json_array_clear(pr);
    /* after the end date: too late */
    setenv("ALGOREG_NOW", "2027-02-01T00:00:00Z", 1);
    assert_int_equal(ar_exception_extend(s, &key, &ar_exception_defaults, id, req, "t", pr, &ext),
                     AR_EINVAL);
    assert_string_equal(json_string_value(json_object_get(json_array_get(pr, 0), "rule")),
                        "too_late");
    /* the supervisor's view opens everything; a wrong key opens nothing */
    assert_int_equal(ar_exception_sealed(s, &key, id, &sealed), 0);
    assert_true(contains(sealed, "SECRET-GOAL"));
    assert_true(contains(sealed, "SECRET-JUST"));
    json_decref(sealed);
    struct ar_seal_key wrong;
    randombytes_buf(wrong.k, sizeof wrong.k);
    assert_int_equal(ar_exception_sealed(s, &wrong, id, &sealed), AR_EIO);
    json_t *stats = NULL;
    assert_int_equal(ar_exception_stats(s, &stats), 0);
    assert_int_equal(json_integer_value(json_object_get(stats, "past_end_date")), 1);
    json_decref(stats);
    int n;
    assert_int_equal(ar_exception_tick(s, &key, &n), 0);
    assert_int_equal(ar_exception_stats(s, &stats), 0);
    assert_int_equal(json_integer_value(json_object_get(stats, "past_end_date")), 0);
    json_t *g = json_array_get(json_object_get(stats, "by_ground"), 0);
    assert_int_equal(json_integer_value(json_object_get(g, "extensions_refused")), 1);
    json_decref(stats);
    json_decref(rec);
    json_decref(w);
    json_decref(req);
    json_decref(no);
    json_decref(far);
    json_decref(pr);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(withheld_until_the_end_date, setup, teardown),
        cmocka_unit_test_setup_teardown(extensions_and_the_supervisor, setup, teardown),
    };
    return cmocka_run_group_tests_name("exception", tests, NULL, NULL);
}
