/* test_web.c — the template language (escaping, sections, errors) and the embedded
 * templates; the search-parameter parser shared by site and API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/err.h"
#include "web/tmpl.h"

static char *render_text(const char *tmpl, const char *data_json)
{
    struct ar_tmpl_set *set = ar_tmpl_set_new();
    char why[256];
    assert_int_equal(ar_tmpl_compile_one(set, "t", tmpl, why, sizeof why), 0);
    json_t *data = json_loads(data_json, 0, NULL);
    struct ar_buf b;
    ar_buf_init(&b, 0);
    assert_int_equal(ar_tmpl_render(set, "t", data, &b), 0);
    json_decref(data);
    ar_tmpl_free(set);
    return ar_buf_take(&b, NULL);
}

static void escapes_everything(void **state)
{
    (void)state;
    char *s = render_text("<p title=\"{{x}}\">{{x}}</p>", "{\"x\":\"<script>\\\"'&\"}");
    assert_string_equal(
        s, "<p title=\"&lt;script&gt;&quot;&#39;&amp;\">&lt;script&gt;&quot;&#39;&amp;</p>");
    free(s);
}

static void sections_iterate_and_fall_through(void **state)
{
    (void)state;
    char *s = render_text("{{#items}}[{{name}}/{{top}}]{{/items}}{{^none}}empty{{/none}}"
                          "{{#flag}}F{{/flag}}{{#zero}}Z{{/zero}}{{#obj}}{{a.b}}{{/obj}}",
                          "{\"items\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"top\":\"T\","
                          "\"none\":[],\"flag\":true,\"zero\":0,\"obj\":{\"a\":{\"b\":7}}}");
    assert_string_equal(s, "[a/T][b/T]emptyF7");
    free(s);
}

static void helpers(void **state)
{
    (void)state;
    char *s = render_text("{{rich h}}|{{snip s}}|{{url u}}",
                          "{\"h\":\"<p onclick=x>ok</p><script>bad()</script>\","
                          "\"s\":\"a \\u0002<b>\\u0003 c\",\"u\":\"a b&c\"}");
    assert_string_equal(s, "<p>ok</p>|a <mark>&lt;b&gt;</mark> c|a%20b%26c");
    free(s);
}

static void syntax_errors_name_file_and_line(void **state)
{
    (void)state;
    struct ar_tmpl_set *set = ar_tmpl_set_new();
    char why[256];
    assert_int_equal(ar_tmpl_compile_one(set, "a", "x\n{{#s}}", why, sizeof why), AR_EINVAL);
    assert_non_null(strstr(why, "a:2"));
    assert_int_equal(ar_tmpl_compile_one(set, "b", "{{/s}}", why, sizeof why), AR_EINVAL);
    assert_int_equal(ar_tmpl_compile_one(set, "c", "{{{raw}}}", why, sizeof why), AR_EINVAL);
    assert_non_null(strstr(why, "raw"));
    assert_int_equal(ar_tmpl_compile_one(set, "d", "{{x", why, sizeof why), AR_EINVAL);
    assert_int_equal(ar_tmpl_compile_one(set, "e", "{{foo bar}}", why, sizeof why), AR_EINVAL);
    /* found by the fuzzer: tags with a sigil but no name */
    assert_int_equal(ar_tmpl_compile_one(set, "f", "{{> }}", why, sizeof why), AR_EINVAL);
    assert_non_null(strstr(why, "without a name"));
    assert_int_equal(ar_tmpl_compile_one(set, "g", "{{#}}{{/}}", why, sizeof why), AR_EINVAL);
    ar_tmpl_free(set);
}

static void embedded_templates_compile(void **state)
{
    (void)state;
    struct ar_tmpl_set *set = NULL;
    assert_int_equal(ar_tmpl_load(&set), 0);
    assert_string_equal(ar_tmpl_msg(set, "en", "nav_search"), "Search");
    assert_string_equal(ar_tmpl_msg(set, "nl", "nav_search"), "Zoeken");
    assert_string_equal(ar_tmpl_msg(set, "en", "no-such-key"), "no-such-key");
    json_t *data = json_pack("{s:s, s:s}", "lang", "nl", "title", "<T>");
    struct ar_buf b;
    ar_buf_init(&b, 0);
    assert_int_equal(ar_tmpl_render(set, "about", data, &b), 0);
    assert_non_null(strstr(ar_buf_cstr(&b), "&lt;T&gt;"));
    assert_non_null(strstr(ar_buf_cstr(&b), "<html lang=\"nl\""));
    ar_buf_free(&b);
    json_decref(data);
    ar_tmpl_free(set);
}

static void query_parameters_are_checked(void **state)
{
    (void)state;
    struct ar_req r;
    memset(&r, 0, sizeof r);
    r.args[r.nargs++] = (struct ar_kv){"status", "Kapot"};
    r.args[r.nargs++] = (struct ar_kv){"page", "0"};
    r.args[r.nargs++] = (struct ar_kv){"per_page", "500"};
    r.args[r.nargs++] = (struct ar_kv){"ai", "misschien"};
    r.args[r.nargs++] = (struct ar_kv){"sort", "random"};
    struct ar_query q;
    json_t *pr = json_array();
    assert_int_equal(ar_api_parse_query(&r, &q, pr), AR_EINVAL);
    assert_int_equal(json_array_size(pr), 5);
    json_decref(pr);
    memset(&r, 0, sizeof r);
    r.args[r.nargs++] = (struct ar_kv){"status", "In gebruik"};
    r.args[r.nargs++] = (struct ar_kv){"ai", "yes"};
    r.args[r.nargs++] = (struct ar_kv){"page", "3"};
    pr = json_array();
    assert_int_equal(ar_api_parse_query(&r, &q, pr), 0);
    assert_int_equal(q.is_ai, 1);
    assert_int_equal(q.page, 3);
    json_decref(pr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escapes_everything),
        cmocka_unit_test(sections_iterate_and_fall_through),
        cmocka_unit_test(helpers),
        cmocka_unit_test(syntax_errors_name_file_and_line),
        cmocka_unit_test(embedded_templates_compile),
        cmocka_unit_test(query_parameters_are_checked),
    };
    return cmocka_run_group_tests_name("web", tests, NULL, NULL);
}
