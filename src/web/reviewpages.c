/* reviewpages.c — the Dutch facial-recognition review track (shared AI_ACT.md §7.4) in
 * the workspace: the review committee accepts an application and gives its opinion (ten
 * weighing factors, five groups of preconditions), the police chief ratifies or
 * declines, the public prosecutor or the mayor decides go or no-go. Each role sees the
 * cases waiting for it and a form for its step only; the rules (who may take which step,
 * what an opinion must address) are src/aiact/cases.c's, and a refused step shows its
 * rule next to the form. */
#include "aiact/cases.h"
#include "api/api.h"
#include "auth/auth.h"
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

/* The step the visitor's role takes in state st ("" for none): accept or opinion for
 * the committee, ratification for the chief, go/no-go for the prosecutor or mayor. */
static const char *step_of(const struct ar_principal *p, const char *st)
{
    if ((p->bit & AR_ROLE_REVIEW_BIT) && is(st, "SUBMITTED"))
        return "accept";
    if ((p->bit & AR_ROLE_REVIEW_BIT) && is(st, "IN_REVIEW"))
        return "opinion";
    if ((p->bit & AR_ROLE_CHIEF_BIT) && is(st, "POSITIVE"))
        return "ratify";
    if ((p->bit & (AR_ROLE_PROSECUTOR_BIT | AR_ROLE_MAYOR_BIT)) && is(st, "RATIFIED"))
        return "go";
    return "";
}

/* GET /review: the review cases, those waiting for this role first. */
static void h_list(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    json_t *list = NULL, *c, *ctx;
    size_t i;
    if (ar_store_case_list(r->store, "review", NULL, &list)) {
        ar_web_error(r, 503, "error_unavailable");
        return;
    }
    json_t *mine = json_array(), *others = json_array();
    json_array_foreach (list, i, c) {
        const char *step = step_of(p, ar_json_str(c, "state"));
        json_object_del(c, "data");
        json_object_del(c, "machine");
        json_array_append(*step ? mine : others, c);
    }
    ctx = ar_web_ctx(r, NULL);
    json_object_set_new(ctx, "title", json_string(ar_web_msg(r, ctx, "rev_title")));
    json_object_set_new(ctx, "mine", mine);
    json_object_set_new(ctx, "others", others);
    ar_req_header(r, "Cache-Control", "no-store");
    ar_web_render(r, 200, "review", ctx);
    json_decref(ctx);
    json_decref(list);
}

static void case_page(struct ar_req *r, int status, const json_t *problems)
{
    const struct ar_principal *p = ar_app_principal(r);
    long long id = ar_web_number(r->params[0]);
    json_t *c = NULL, *ctx, *pr;
    if (!id || ar_case_get(r->store, id, &c) || !is(ar_json_str(c, "kind"), "review")) {
        json_decref(c);
        ar_web_error(r, 404, "error_not_found");
        return;
    }
    ctx = ar_web_ctx(r, NULL);
    const char *step = step_of(p, ar_json_str(c, "state"));
    json_object_set_new(
        ctx, "title",
        json_string(ar_arena_printf(r->arena, "%s %lld", ar_web_msg(r, ctx, "rev_case"), id)));
    if (*step)
        json_object_set_new(ctx, ar_arena_printf(r->arena, "step_%s", step), json_true());
    json_t *factors = json_array(), *groups = json_array();
    for (int i = 1; i <= AR_REVIEW_FACTORS; i++)
        json_array_append_new(
            factors, json_pack("{s:i, s:s}", "n", i, "value",
                               ar_req_arg(r, ar_arena_printf(r->arena, "factor_%d", i)) ?: ""));
    for (const char *const *g = ar_review_precondition_groups; *g; g++)
        json_array_append_new(
            groups, json_pack("{s:s, s:s, s:s}", "key", *g, "label",
                              ar_web_msg(r, ctx, ar_arena_printf(r->arena, "rev_pc_%s", *g)),
                              "value", ar_req_arg(r, *g) ?: ""));
    json_object_set_new(ctx, "factors", factors);
    json_object_set_new(ctx, "groups", groups);
    json_t *errors = json_array();
    size_t i;
    json_array_foreach (problems, i, pr)
        json_array_append(errors, json_object_get(pr, "detail"));
    json_object_set_new(ctx, "errors", errors);
    json_object_set_new(ctx, "c", c);
    ar_req_header(r, "Cache-Control", "no-store");
    ar_web_render(r, status, "reviewcase", ctx);
    json_decref(ctx);
}

static void h_case(struct ar_req *r)
{
    case_page(r, 200, NULL);
}

/* POST /review/cases/{case}: the role's step, its data from the form. */
static void h_step(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    long long id = ar_web_number(r->params[0]);
    json_t *c = NULL, *data = NULL, *pr = json_array();
    if (ar_req_parse_form(r)) {
        ar_web_error(r, 400, "error_bad_form");
        goto out;
    }
    if (!id || ar_case_get(r->store, id, &c) || !is(ar_json_str(c, "kind"), "review")) {
        ar_web_error(r, 404, "error_not_found");
        goto out;
    }
    const char *event = ar_req_arg(r, "event") ?: "";
    if (is(event, "committee_accepts")) {
        json_t *comp = json_array();
        for (const char *q = ar_req_arg(r, "composition") ?: ""; *q;) {
            size_t n = strcspn(q, ",\n");
            while (n && (q[0] == ' ' || q[0] == '\r')) {
                q++;
                n--;
            }
            if (n)
                json_array_append_new(comp, json_stringn(q, n));
            q += n;
            q += strspn(q, ",\n");
        }
        const char *decl = ar_req_arg(r, "independence_declaration");
        data = json_pack("{s:b, s:o}", "independence_declaration", is(decl, "yes"), "composition",
                         comp);
    } else if (is(event, "oordeel")) {
        json_t *f = json_array(), *pc = json_object();
        for (int i = 1; i <= AR_REVIEW_FACTORS; i++) {
            const char *a = ar_req_arg(r, ar_arena_printf(r->arena, "factor_%d", i));
            if (a && *a)
                json_array_append_new(f, json_pack("{s:i, s:s}", "factor", i, "assessment", a));
        }
        for (const char *const *g = ar_review_precondition_groups; *g; g++) {
            const char *a = ar_req_arg(r, *g);
            if (a && *a)
                json_object_set_new(pc, *g, json_string(a));
        }
        data = json_pack("{s:s, s:o, s:o}", "outcome", ar_req_arg(r, "outcome") ?: "", "factors", f,
                         "preconditions", pc);
    } else {
        data = json_pack("{s:s}", "reasons", ar_req_arg(r, "reasons") ?: "");
        if (!*ar_json_str(data, "reasons"))
            json_object_del(data, "reasons");
    }
    int rc = ar_case_event(r->store, r->app->aiact, id, event, data, p->name, p->role, pr, NULL);
    if (rc == 0) {
        r->status = 303;
        r->ctype = "text/plain; charset=utf-8";
        ar_req_header(r, "Location", ar_arena_printf(r->arena, "/review/cases/%lld", id));
    } else {
        case_page(r, rc == AR_EINVAL ? 422 : 503, pr);
    }
out:
    json_decref(data);
    json_decref(c);
    json_decref(pr);
}

#define REVIEWERS                                                                                  \
    (AR_ROLE_REVIEW_BIT | AR_ROLE_CHIEF_BIT | AR_ROLE_PROSECUTOR_BIT | AR_ROLE_MAYOR_BIT)

const struct ar_route ar_review_web_routes[] = {
    {"GET", "/review", h_list, "Facial-recognition reviews, those waiting for one's role first",
     REVIEWERS},
    {"GET", "/review/cases/{case}", h_case, "A review: the plan, its history, one's step",
     REVIEWERS},
    {"POST", "/review/cases/{case}", h_step, "Take one's step in a review", REVIEWERS},
    {NULL, NULL, NULL, NULL, 0},
};
