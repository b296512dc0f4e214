/* test_json.c — intake limits and the canonical encoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "json/json.h"

static int parse(const char *s, char *why)
{
    json_t *v = NULL;
    int rc = ar_json_parse(&v, s, strlen(s), NULL, why, 200);
    json_decref(v);
    return rc;
}

static void rejects_duplicates_depth_and_bad_utf8(void **state)
{
    (void)state;
    char why[200];
    assert_int_equal(parse("{\"a\":1}", why), 0);
    assert_int_equal(parse("{\"a\":1,\"a\":2}", why), AR_EINVAL);
    assert_non_null(strstr(why, "duplicate"));
    assert_int_equal(parse("[[[[[[[[[1]]]]]]]]]", why), AR_EINVAL);
    assert_non_null(strstr(why, "deeper"));
    assert_int_equal(parse("{\"a\":\"\xff\"}", why), AR_EINVAL);
    assert_non_null(strstr(why, "UTF-8"));
    assert_int_equal(parse("{\"a\":", why), AR_EINVAL);
    assert_non_null(strstr(why, "invalid JSON"));
    assert_int_equal(parse("{\"a\":\"\\u0000\"}", why), AR_EINVAL);
}

static void rejects_oversized(void **state)
{
    (void)state;
    char why[200];
    struct ar_json_limits lim = {.max_bytes = 10, .max_depth = 8, .max_members = 10};
    json_t *v = NULL;
    assert_int_equal(ar_json_parse(&v, "[1,2,3,4,5,6]", 13, &lim, why, sizeof why), AR_ETOOBIG);
    assert_null(v);
}

static void canonical_sorts_and_escapes(void **state)
{
    (void)state;
    json_t *v = json_loads("{\"b\":[1,true,null],\"a\":\"x\\\"\\n\\u0001é\",\"A\":{}}", 0, NULL);
    char *s = ar_json_canon_str(v);
    assert_string_equal(s, "{\"A\":{},\"a\":\"x\\\"\\n\\u0001é\",\"b\":[1,true,null]}");
    free(s);
    json_decref(v);
    v = json_loads("{\"x\":1.5}", 0, NULL);
    assert_null(ar_json_canon_str(v)); /* reals are not canonical */
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rejects_duplicates_depth_and_bad_utf8),
        cmocka_unit_test(rejects_oversized),
        cmocka_unit_test(canonical_sorts_and_escapes),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
