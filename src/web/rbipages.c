/* rbipages.c — remote biometric identification in the workspace: the authorising
 * authority's queue (what waits for its decision, the 24- and 48-hour clocks, overdue
 * and breached ones first), a case with its request and history and the decision with
 * reasons; and the police side of a case, which after a refusal confirms that use
 * stopped and the data were deleted. The rules are src/aiact's (cases.c, rbi.c): a
 * refused attempt names its rule and article next to the form. */
#include "aiact/cases.h"
#include "api/api.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "base/err.h"
#include "json/json.h"
#include "model/record.h"
#include "web/pages.h"
#include "web/tmpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

/* States in which a case waits for the authority. */
static int waiting(const char *st)
{
    return is(st, "REQUESTED") || is(st, "URGENT_REQUESTED") || is(st, "IN_USE_REQUESTED");
}

/* The clocks of a case for the page: hours since use started (when it did), hours left
 * until a request is due, and whether a deadline passed. */
static void clocks(json_t *c)
{
    const json_t *m = json_object_get(c, "machine");
    time_t now = ar_clock_now();
    json_int_t started = json_integer_value(json_object_get(m, "started"));
    json_int_t deadline = json_integer_value(json_object_get(m, "deadline"));
    if (started)
        json_object_set_new(c, "hours_in_use", json_integer((json_int_t)(now - started) / 3600));
    if (deadline)
        json_object_set_new(c, "hours_left", json_integer((json_int_t)(deadline - now) / 3600));
    json_object_set_new(c, "in_use_before_decision",
                        json_boolean(is(ar_json_str(c, "state"), "URGENT_REQUESTED") ||
                                     is(ar_json_str(c, "state"), "IN_USE_REQUESTED")));
    json_object_set_new(c, "has_flags", json_boolean(json_array_size(json_object_get(c, "flags"))));
}

/* The request's elements as rows (no operational content is added by the page: what
 * the police sent is what the authority reads). */
static json_t *elements(const json_t *c)
{
    json_t *rows = json_array(), *v;
    const char *k;
    json_object_foreach (json_object_get(c, "data"), k, v) {
        char *txt = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        json_array_append_new(
            rows, json_pack("{s:s, s:s}", "name", k, "value", txt ? txt : json_string_value(v)));
        free(txt);
    }
    return rows;
}

/* Each problem's message by field (rule and article in the model's words). */
static json_t *errors_of(const json_t *problems)
{
    json_t *o = json_object(), *p;
    size_t i;
    json_array_foreach (problems, i, p) {
        const char *f = ar_json_str(p, "field") ?: "";
        if (!json_object_get(o, f))
            json_object_set(o, f, json_object_get(p, "detail"));
    }
    return o;
}

/* ---- the authority -------------------------------------------------------------------- */

static int by_urgency(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int fx = json_is_true(json_object_get(x, "has_flags")),
        fy = json_is_true(json_object_get(y, "has_flags"));
    if (fx != fy)
        return fy - fx; /* breached and overdue first */
    return strcmp(ar_json_str(x, "updated") ?: "", ar_json_str(y, "updated") ?: "");
}

/* GET /authority: the cases that wait for this authority's decision. */
static void h_queue(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    json_t *list = NULL, *c, *ctx;
    size_t i, n = 0;
    if (ar_store_case_list(r->store, NULL, NULL, &list)) {
        ar_web_error(r, 503, "error_unavailable");
        return;
    }
    json_t **items = calloc(json_array_size(list) + 1, sizeof *items);
    json_array_foreach (list, i, c) {
        json_t *full = NULL;
        if (!is(ar_json_str(c, "authority"), p->name) || !waiting(ar_json_str(c, "state")) ||
            ar_case_get(r->store, json_integer_value(json_object_get(c, "id")), &full))
            continue;
        clocks(full);
        items[n++] = full;
    }
    qsort(items, n, sizeof *items, by_urgency);
    json_t *queue = json_array();
    for (i = 0; i < n; i++)
        json_array_append_new(queue, items[i]);
    free(items);
    ctx = ar_web_ctx(r, NULL);
    json_object_set_new(ctx, "title", json_string(ar_web_msg(r, ctx, "auth_title")));
    json_object_set_new(ctx, "queue", queue);
    ar_req_header(r, "Cache-Control", "no-store");
    ar_web_render(r, 200, "authority", ctx);
    json_decref(ctx);
    json_decref(list);
}

/* Whether case c is the visitor's: the authority it names, or the organisation of the
 * registration it uses. */
static int own_case(struct ar_req *r, const json_t *c)
{
    const struct ar_principal *p = ar_app_principal(r);
    if (p->bit & AR_ROLE_AUTHORITY_BIT)
        return is(ar_json_str(c, "authority"), p->name);
    json_t *v = NULL;
    int mine = p->org[0] &&
               ar_store_version_get(r->store, ar_json_str(c, "registration"), 0, &v) == 0 &&
               is(ar_json_str(json_object_get(v, "organization"), "slug"), p->org);
    json_decref(v);
    return mine;
}

/* A case page: for the authority (deciding) or the police (confirming deletion). */
static void case_page(struct ar_req *r, int status, const char *tmpl, const json_t *problems)
{
    const struct ar_principal *p = ar_app_principal(r);
    long long id = ar_web_number(r->params[0]);
    json_t *c = NULL, *ctx;
    int authority = (p->bit & AR_ROLE_AUTHORITY_BIT) != 0;
    if (!id || ar_case_get(r->store, id, &c)) {
        ar_web_error(r, 404, "error_not_found");
        return;
    }
    if (!own_case(r, c)) {
        json_decref(c);
        ar_web_error(r, 404, "error_not_found");
        return;
    }
    clocks(c);
    const char *st = ar_json_str(c, "state");
    ctx = ar_web_ctx(r, NULL);
    json_object_set_new(
        ctx, "title",
        json_string(ar_arena_printf(r->arena, "%s %lld", ar_web_msg(r, ctx, "auth_case"), id)));
    json_object_set_new(ctx, "elements", elements(c));
    json_t *checks = json_array();
    ar_case_checks(r->store, r->app->aiact, c, checks);
    size_t j, failed = 0;
    json_t *k;
    json_array_foreach (checks, j, k)
        failed += !json_is_true(json_object_get(k, "ok"));
    json_object_set_new(ctx, "has_checks", json_boolean(json_array_size(checks) > 0));
    json_object_set_new(ctx, "checks", checks);
    json_object_set_new(ctx, "checks_failed", json_integer((json_int_t)failed));
    json_object_set_new(ctx, "can_decide", json_boolean(authority && waiting(st)));
    json_object_set_new(
        ctx, "must_delete",
        json_boolean(!authority && (is(st, "STOPPING") || is(st, "STOPPED_BREACH"))));
    /* the police's next steps: ask for the authorisation a use that started needs (or a
     * linked post use), end a use that runs */
    json_object_set_new(ctx, "can_request",
                        json_boolean(!authority && (is(st, "ACTIVE_URGENT") ||
                                                    is(st, "IN_USE_PENDING") || is(st, "LINKED"))));
    json_object_set_new(ctx, "can_end",
                        json_boolean(!authority && (is(st, "ACTIVE") || is(st, "IN_USE_EXEMPT"))));
    json_object_set_new(ctx, "is_post", json_boolean(is(ar_json_str(c, "kind"), "post")));
    json_object_set_new(ctx, "errors", errors_of(problems));
    if (json_array_size(problems)) {
        json_object_set_new(ctx, "problems", json_deep_copy(problems));
        json_object_set_new(ctx, "has_problems", json_true());
    }
    const char *typed[] = {"reasons",      "valid_from",    "valid_until",
                           "data_classes", "items_deleted", "executor"};
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++)
        json_object_set_new(
            ctx, typed[i],
            json_string(problems && ar_req_arg(r, typed[i]) ? ar_req_arg(r, typed[i]) : ""));
    json_object_set_new(ctx, "c", c);
    ar_req_header(r, "Cache-Control", "no-store");
    ar_web_render(r, status, tmpl, ctx);
    json_decref(ctx);
}

static void h_auth_case(struct ar_req *r)
{
    case_page(r, 200, "authcase", NULL);
}

/* Apply event to the path's case as role, with data; the page again with the problems,
 * or back to where the case is shown. */
static void apply(struct ar_req *r, const char *event, json_t *data, const char *role,
                  const char *tmpl, const char *back)
{
    const struct ar_principal *p = ar_app_principal(r);
    long long id = ar_web_number(r->params[0]);
    json_t *pr = json_array(), *c = NULL;
    int visible = id && ar_case_get(r->store, id, &c) == 0 && own_case(r, c);
    json_decref(c);
    if (!visible) {
        ar_web_error(r, 404, "error_not_found");
    } else {
        int rc = ar_case_event(r->store, r->app->aiact, id, event, data, p->name, role, pr, NULL);
        if (rc == 0)
            ar_web_see_other(r, ar_arena_printf(r->arena, "%s/%lld", back, id));
        else
            case_page(r, rc == AR_EINVAL ? 422 : 503, tmpl, pr);
    }
    json_decref(pr);
}

/* POST /authority/cases/{case}/decision: grant (with the window) or refuse, with reasons. */
static void h_decide(struct ar_req *r)
{
    if (ar_req_parse_form(r)) {
        ar_web_error(r, 400, "error_bad_form");
        return;
    }
    const char *d = ar_req_arg(r, "decision"), *reasons = ar_req_arg(r, "reasons");
    if (!is(d, "grant") && !is(d, "reject")) {
        json_t *pr = json_array();
        ar_problem_add(pr, "decision", "required", "choose to authorise or to refuse");
        case_page(r, 422, "authcase", pr);
        json_decref(pr);
        return;
    }
    if (!reasons || !*reasons) {
        json_t *pr = json_array();
        ar_problem_add(pr, "reasons", "required",
                       "a decision states its reasons (Art. 5(3), Art. 26(10))");
        case_page(r, 422, "authcase", pr);
        json_decref(pr);
        return;
    }
    json_t *data = json_pack("{s:s}", "reasons", reasons);
    if (is(d, "grant")) {
        json_object_set_new(data, "valid_from", json_string(ar_req_arg(r, "valid_from") ?: ""));
        json_object_set_new(data, "valid_until", json_string(ar_req_arg(r, "valid_until") ?: ""));
    }
    apply(r, d, data, AR_ROLE_AUTHORITY, "authcase", "/authority/cases");
    json_decref(data);
}

/* ---- the police ----------------------------------------------------------------------- */

static void h_police_case(struct ar_req *r)
{
    case_page(r, 200, "policecase", NULL);
}

/* POST /workspace/cases/{case}/deletion: use stopped, data, results and outputs deleted
 * (what was deleted, how many, by whom; no content). */
static void h_deletion(struct ar_req *r)
{
    if (ar_req_parse_form(r)) {
        ar_web_error(r, 400, "error_bad_form");
        return;
    }
    const char *n = ar_req_arg(r, "items_deleted");
    char *end = NULL;
    long long items = n && *n ? strtoll(n, &end, 10) : -1;
    json_t *data = json_pack("{s:s, s:s}", "data_classes", ar_req_arg(r, "data_classes") ?: "",
                             "executor", ar_req_arg(r, "executor") ?: "");
    if (items >= 0 && end && !*end)
        json_object_set_new(data, "items_deleted", json_integer(items));
    if (!*ar_json_str(data, "data_classes"))
        json_object_del(data, "data_classes");
    if (!*ar_json_str(data, "executor"))
        json_object_del(data, "executor");
    apply(r, "deletion_done", data, AR_ROLE_REGISTRANT, "policecase", "/workspace/cases");
    json_decref(data);
}

/* POST /workspace/cases/{case}/request: ask the authority (reasons; the request's other
 * elements were given when the case was made). */
static void h_request(struct ar_req *r)
{
    if (ar_req_parse_form(r)) {
        ar_web_error(r, 400, "error_bad_form");
        return;
    }
    const char *reasons = ar_req_arg(r, "reasons");
    json_t *data = json_object();
    if (reasons && *reasons)
        json_object_set_new(data, "reasons", json_string(reasons));
    apply(r, "submit_request", data, AR_ROLE_REGISTRANT, "policecase", "/workspace/cases");
    json_decref(data);
}

/* POST /workspace/cases/{case}/end: the use ended. */
static void h_end(struct ar_req *r)
{
    if (ar_req_parse_form(r)) {
        ar_web_error(r, 400, "error_bad_form");
        return;
    }
    apply(r, "end", NULL, AR_ROLE_REGISTRANT, "policecase", "/workspace/cases");
}

const struct ar_route ar_rbi_web_routes[] = {
    {"GET", "/authority", h_queue, "Requests waiting for the authority's decision",
     AR_ROLE_AUTHORITY_BIT},
    {"GET", "/authority/cases/{case}", h_auth_case, "A request, its history and the decision",
     AR_ROLE_AUTHORITY_BIT},
    {"POST", "/authority/cases/{case}/decision", h_decide, "Authorise or refuse, with reasons",
     AR_ROLE_AUTHORITY_BIT},
    {"GET", "/workspace/cases/{case}", h_police_case, "A biometric-identification case",
     AR_ROLE_ORG},
    {"POST", "/workspace/cases/{case}/request", h_request,
     "Ask the authority to authorise a use (Art. 5(3), Art. 26(10))", AR_ROLE_ORG},
    {"POST", "/workspace/cases/{case}/end", h_end, "Record that a use ended", AR_ROLE_ORG},
    {"POST", "/workspace/cases/{case}/deletion", h_deletion,
     "Confirm that use stopped and the data were deleted", AR_ROLE_ORG},
    {NULL, NULL, NULL, NULL, 0},
};
