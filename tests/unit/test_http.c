/* test_http.c — the router and response helpers, in process: routing to handlers,
 * 404/405 as problem+json, path parameters, and handlers that answer without storage
 * (id validation, the field table, the OpenAPI document). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "base/err.h"
#include "http/server.h"

static struct ar_app app;

static json_t *dispatch(const char *method, const char *path, struct ar_req *r)
{
    memset(r, 0, sizeof *r);
    r->arena = ar_arena_new();
    r->method = method;
    r->path = path;
    r->app = &app;
    r->status = 200;
    ar_buf_init(&r->out, 0);
    ar_server_dispatch(r);
    return json_loadb(r->out.ptr ? r->out.ptr : "", r->out.len, 0, NULL);
}

static void done(struct ar_req *r, json_t *v)
{
    json_decref(v);
    ar_buf_free(&r->out);
    ar_arena_free(r->arena);
}

static void unknown_api_route_is_problem_404(void **state)
{
    (void)state;
    struct ar_req r;
    json_t *v = dispatch("GET", "/api/v1/nope", &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.ctype, "application/problem+json");
    assert_string_equal(json_string_value(json_object_get(v, "type")), "/problems/not-found");
    assert_int_equal(json_integer_value(json_object_get(v, "status")), 404);
    assert_string_equal(json_string_value(json_object_get(v, "instance")), "/api/v1/nope");
    done(&r, v);
}

static void wrong_method_is_405(void **state)
{
    (void)state;
    struct ar_req r;
    json_t *v = dispatch("DELETE", "/api/v1/registrations", &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.ctype, "application/problem+json");
    done(&r, v);
}

static void path_parameter_is_validated(void **state)
{
    (void)state;
    struct ar_req r;
    json_t *v = dispatch("GET", "/api/v1/registrations/12345678/versions", &r);
    assert_int_equal(r.status, 400);
    assert_int_equal(r.nparams, 1);
    assert_string_equal(r.params[0], "12345678");
    assert_string_equal(json_string_value(json_object_get(v, "field")), "id");
    assert_string_equal(json_string_value(json_object_get(v, "rule")), "check_digit");
    done(&r, v);
    v = dispatch("GET", "/api/v1/registrations/1/2/3/4", &r); /* too deep: no route */
    assert_int_equal(r.status, 404);
    done(&r, v);
}

static void head_is_routed_like_get(void **state)
{
    (void)state;
    struct ar_req r;
    json_t *v = dispatch("HEAD", "/api/v1/fields", &r);
    assert_int_equal(r.status, 200);
    done(&r, v);
}

static void fields_and_openapi_need_no_store(void **state)
{
    (void)state;
    struct ar_req r;
    json_t *v = dispatch("GET", "/api/v1/fields", &r);
    assert_int_equal(r.status, 200);
    json_t *f = json_object_get(v, "fields");
    assert_true(json_array_size(f) > 30);
    assert_string_equal(json_string_value(json_object_get(json_array_get(f, 0), "key")), "name");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(f, 0), "max_length")), 100);
    done(&r, v);
    v = dispatch("GET", "/api/v1/openapi.json", &r);
    assert_string_equal(json_string_value(json_object_get(v, "openapi")), "3.1.0");
    done(&r, v);
}

/* The principal of a request with this Authorization header (no store: token file). */
static const char *auth_of(const char *authorization)
{
    static struct ar_req r;
    static struct ar_arena *a;
    if (a)
        ar_arena_free(a);
    memset(&r, 0, sizeof r);
    r.arena = a = ar_arena_new();
    r.app = &app;
    r.authorization = authorization;
    return ar_app_auth(&r);
}

static void writes_need_a_token(void **state)
{
    (void)state;
    struct ar_req r;
    assert_int_equal(ar_app_add_tokens(&app, "tester:0123456789abcdef0123"), 0);
    assert_null(auth_of("Bearer wrong"));
    assert_null(auth_of("Basic 0123456789abcdef0123"));
    assert_string_equal(auth_of("Bearer 0123456789abcdef0123"), "tester");
    assert_int_not_equal(ar_app_add_tokens(&app, "short:abc"), 0);
    assert_int_not_equal(ar_app_add_tokens(&app, "x:0123456789abcdef0123:emperor"), 0);
    json_t *v = dispatch("POST", "/api/v1/registrations", &r);
    assert_int_equal(r.status, 401);
    int www = 0;
    for (int i = 0; i < r.nheaders; i++)
        www |= strcmp(r.headers[i].key, "WWW-Authenticate") == 0;
    assert_true(www);
    done(&r, v);
    for (int i = 0; i < app.ntokens; i++)
        free((char *)app.tokens[i].name);
    app.ntokens = 0;
    auth_of(NULL);
}

/* Every route carries an access rule, and the router enforces it before the handler:
 * a role outside the rule gets 403 naming the roles that may. */
static void every_route_has_a_rule_the_router_enforces(void **state)
{
    (void)state;
    struct ar_req r;
    assert_int_equal(ar_server_check_routes(&app), 0);
    assert_int_equal(ar_app_add_tokens(&app, "dpa:0123456789abcdef0123:supervisor"), 0);
    json_t *v = dispatch("GET", "/api/v1/accounts", &r);
    assert_int_equal(r.status, 401);
    done(&r, v);
    memset(&r, 0, sizeof r);
    r.arena = ar_arena_new();
    r.method = "GET";
    r.path = "/api/v1/accounts";
    r.app = &app;
    r.status = 200;
    r.authorization = "Bearer 0123456789abcdef0123";
    ar_buf_init(&r.out, 0);
    ar_server_dispatch(&r);
    v = json_loadb(r.out.ptr, r.out.len, 0, NULL);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(json_string_value(json_object_get(v, "detail")), "admin"));
    done(&r, v);
    for (int i = 0; i < app.ntokens; i++)
        free((char *)app.tokens[i].name);
    app.ntokens = 0;
}

static void problem_lists_every_error(void **state)
{
    (void)state;
    struct ar_req r;
    memset(&r, 0, sizeof r);
    r.arena = ar_arena_new();
    r.path = "/x";
    ar_buf_init(&r.out, 0);
    json_t *pr = json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s}]", "field", "name", "rule", "required",
                           "detail", "name is required", "field", "status", "rule",
                           "permitted_values", "detail", "bad status");
    ar_resp_problem(&r, 422, "validation", "Invalid", NULL, pr);
    json_t *v = json_loadb(r.out.ptr, r.out.len, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(v, "errors")), 2);
    assert_string_equal(json_string_value(json_object_get(v, "field")), "name");
    assert_string_equal(json_string_value(json_object_get(v, "detail")), "name is required");
    json_decref(pr);
    done(&r, v);
}

/* A form with more fields than a request holds is refused whole, never cut short. */
static void form_fields_are_never_dropped(void **state)
{
    (void)state;
    struct ar_req r;
    struct ar_buf body;
    memset(&r, 0, sizeof r);
    r.arena = ar_arena_new();
    ar_buf_init(&body, 0);
    for (int i = 0; i < AR_REQ_MAX_ARGS; i++)
        ar_buf_printf(&body, "%sf%d=%d", i ? "&" : "", i, i);
    r.content_type = "application/x-www-form-urlencoded";
    r.body = body.ptr;
    r.body_len = body.len;
    assert_int_equal(ar_req_parse_form(&r), 0);
    assert_int_equal(r.nargs, AR_REQ_MAX_ARGS);
    assert_string_equal(ar_req_arg(&r, "f159"), "159");
    ar_buf_puts(&body, "&one=more");
    memset(&r.args, 0, sizeof r.args);
    r.nargs = 0;
    r.form = 0;
    r.body = body.ptr;
    r.body_len = body.len;
    assert_int_equal(ar_req_parse_form(&r), AR_ETOOBIG);
    assert_int_equal(r.nargs, 0);
    ar_buf_free(&body);
    ar_arena_free(r.arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unknown_api_route_is_problem_404),
        cmocka_unit_test(wrong_method_is_405),
        cmocka_unit_test(path_parameter_is_validated),
        cmocka_unit_test(head_is_routed_like_get),
        cmocka_unit_test(fields_and_openapi_need_no_store),
        cmocka_unit_test(writes_need_a_token),
        cmocka_unit_test(every_route_has_a_rule_the_router_enforces),
        cmocka_unit_test(problem_lists_every_error),
        cmocka_unit_test(form_fields_are_never_dropped),
    };
    return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
