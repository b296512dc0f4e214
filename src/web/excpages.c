/* excpages.c — the law-enforcement exception in the workspace: an organisation's page of
 * a withheld registration (what the public sees of it, the days left, closing the
 * investigation, asking for an extension with the reason publication would hinder other
 * investigations) and the supervisor's pages (every withheld entry by organisation with
 * its end date; the sealed content, the earlier extensions and the decision). The
 * rules are src/exception's; messages appear next to their fields. */
#include "api/api.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "base/err.h"
#include "exception/exception.h"
#include "json/json.h"
#include "model/lars.h"
#include "model/registry.h"
#include "web/pages.h"
#include "web/tmpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int ar_web_days_left(const char *date)
{
    struct tm tm = {0};
    if (!date || !strptime(date, "%Y-%m-%d", &tm))
        return 0;
    time_t end = timegm(&tm), now = ar_clock_now();
    return (int)((end - (now - now % 86400)) / 86400);
}

/* Label the ground and count the days left of a withholding's public facts. */
static void decorate(struct ar_req *r, const json_t *ctx, json_t *w)
{
    char gk[64];
    snprintf(gk, sizeof gk, "ground_%s", ar_json_str(w, "ground") ?: "");
    json_object_set_new(w, "ground_label", json_string(ar_web_msg(r, ctx, gk)));
    json_object_set_new(w, "days_left", json_integer(ar_web_days_left(ar_json_str(w, "until"))));
    int withheld = !strcmp(ar_json_str(w, "state") ?: "", "withheld");
    json_object_set_new(w, "is_withheld", json_boolean(withheld));
    json_object_set_new(w, "due_soon",
                        json_boolean(withheld && ar_web_days_left(ar_json_str(w, "until")) <= 30));
}

/* Each problem's message by the field it names, in the visitor's language. */
static json_t *field_errors(struct ar_req *r, const json_t *ctx, const json_t *problems)
{
    json_t *o = json_object(), *p;
    size_t i;
    json_array_foreach (problems, i, p) {
        const char *field = ar_json_str(p, "field") ?: "";
        if (!json_object_get(o, field))
            json_object_set_new(o, field, json_string(ar_web_rule_text(r, ctx, p)));
    }
    return o;
}

/* Whether registration id is of the visitor's organisation; a 404 page otherwise. */
static int own(struct ar_req *r, const char *id)
{
    const struct ar_principal *p = ar_app_principal(r);
    json_t *reg = NULL;
    int ok = p && p->org[0] && ar_lars_valid(id) && ar_registry_get(r->store, id, 0, &reg) == 0 &&
             !strcmp(ar_json_str(json_object_get(reg, "organization"), "slug"), p->org);
    json_decref(reg);
    if (!ok)
        ar_web_error(r, 404, "error_not_found");
    return ok;
}

static int ready(struct ar_req *r)
{
    if (r->app->seal && r->app->exception)
        return 1;
    ar_web_error(r, 503, "error_unavailable");
    return 0;
}

/* ---- the organisation's side ---------------------------------------------------------- */

/* The withholding page of one's own registration id; problems and typed values of a
 * refused extension request when given. */
static void withholding_page(struct ar_req *r, int status, const json_t *problems,
                             const char *notice_key)
{
    const struct ar_principal *p = ar_app_principal(r);
    const char *id = r->params[0];
    json_t *reg = NULL, *w = NULL, *ctx;
    if (!ready(r))
        return;
    if (!p || !p->org[0] || !ar_lars_valid(id) || ar_registry_get(r->store, id, 0, &reg) ||
        strcmp(ar_json_str(json_object_get(reg, "organization"), "slug"), p->org) ||
        ar_exception_public(r->store, id, &w)) {
        json_decref(reg);
        ar_web_error(r, 404, "error_not_found");
        return;
    }
    ctx = ar_web_ctx(r, NULL);
    decorate(r, ctx, w);
    json_object_set_new(
        ctx, "title",
        json_string(ar_arena_printf(r->arena, "%s: %s", ar_web_msg(r, ctx, "exc_title"),
                                    ar_json_str(json_object_get(reg, "record"), "name") ?: id)));
    json_object_set_new(ctx, "id", json_string(id));
    json_object_set_new(ctx, "w", w);
    json_t *groups = NULL, *hidden = NULL; /* side by side: what stays visible, what not */
    if (ar_web_public_groups(r, id, json_string_value(json_object_get(ctx, "lang")), &groups,
                             &hidden) == 0) {
        json_object_set_new(ctx, "groups", groups);
        json_object_set_new(ctx, "hidden", hidden);
    }
    json_object_set_new(ctx, "errors", field_errors(r, ctx, problems));
    const char *until = ar_req_arg(r, "until"), *reason = ar_req_arg(r, "reason");
    json_object_set_new(ctx, "until_typed", json_string(problems && until ? until : ""));
    json_object_set_new(ctx, "reason_typed", json_string(problems && reason ? reason : ""));
    if (notice_key)
        json_object_set_new(ctx, "notice", json_string(ar_web_msg(r, ctx, notice_key)));
    ar_req_header(r, "Cache-Control", "no-store");
    ar_web_render(r, status, "withholding", ctx);
    json_decref(ctx);
    json_decref(reg);
}

static void h_withholding(struct ar_req *r)
{
    const char *done = ar_req_arg(r, "done");
    withholding_page(r, 200, NULL,
                     done && !strcmp(done, "closed")      ? "exc_closed"
                     : done && !strcmp(done, "requested") ? "exc_requested"
                                                          : NULL);
}

static void h_close(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    json_t *pr = json_array();
    if (!ready(r))
        goto out;
    if (!own(r, r->params[0]))
        goto out;
    int rc = ar_exception_close(r->store, r->app->seal, r->params[0], p->name, pr);
    if (rc == 0)
        ar_web_see_other(r, ar_arena_printf(r->arena,
                                            "/workspace/registrations/%s/withholding?done=closed",
                                            r->params[0]));
    else
        withholding_page(r, rc == AR_ENOTFOUND ? 404 : 409, pr, NULL);
out:
    json_decref(pr);
}

static void h_extend(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    json_t *pr = json_array(), *body = NULL;
    long long ext;
    if (!ready(r))
        goto out;
    if (ar_req_parse_form(r)) {
        ar_web_error(r, 400, "error_bad_form");
        goto out;
    }
    if (!own(r, r->params[0]))
        goto out;
    body = json_pack("{s:s, s:s}", "until", ar_req_arg(r, "until") ?: "", "reason",
                     ar_req_arg(r, "reason") ?: "");
    int rc = ar_exception_extend(r->store, r->app->seal, r->app->exception, r->params[0], body,
                                 p->name, pr, &ext);
    if (rc == 0)
        ar_web_see_other(
            r, ar_arena_printf(r->arena, "/workspace/registrations/%s/withholding?done=requested",
                               r->params[0]));
    else
        withholding_page(r, rc == AR_EINVAL ? 422 : 409, pr, NULL);
out:
    json_decref(body);
    json_decref(pr);
}

/* ---- the supervisor's side ------------------------------------------------------------ */

static int supervisor(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    if (p && (p->bit & AR_ROLE_SUPERVISOR_BIT))
        return 1;
    ar_web_error(r, 403, "error_forbidden");
    return 0;
}

/* GET /supervision: every withheld entry by organisation, the nearest end date first;
 * pending extension requests counted. */
static void h_overview(struct ar_req *r)
{
    json_t *all = NULL, *ctx, *w;
    size_t i;
    if (!supervisor(r) || !ready(r))
        return;
    if (ar_store_wh_all(r->store, &all)) {
        ar_web_error(r, 503, "error_unavailable");
        return;
    }
    ctx = ar_web_ctx(r, NULL);
    json_t *open = json_array(), *ended = json_array();
    json_array_foreach (all, i, w) {
        json_t *exts = NULL, *e;
        size_t k;
        int pending = 0;
        if (!ar_store_ext_list(r->store, json_integer_value(json_object_get(w, "withholding_id")),
                               &exts))
            json_array_foreach (exts, k, e)
                pending += !strcmp(ar_json_str(e, "state") ?: "", "requested");
        json_decref(exts);
        json_object_del(w, "sealed_meta");
        decorate(r, ctx, w);
        json_object_set_new(w, "pending", json_integer(pending));
        json_array_append(json_is_true(json_object_get(w, "is_withheld")) ? open : ended, w);
    }
    json_object_set_new(ctx, "title", json_string(ar_web_msg(r, ctx, "sup_title")));
    json_object_set_new(ctx, "open", open);
    json_object_set_new(ctx, "ended", ended);
    ar_req_header(r, "Cache-Control", "no-store");
    ar_web_render(r, 200, "supervision", ctx);
    json_decref(ctx);
    json_decref(all);
}

/* GET /supervision/{id}: the sealed content, the extensions and the decision forms. */
static void case_page(struct ar_req *r, int status, const json_t *problems, long long ext_id)
{
    json_t *v = NULL, *ctx, *e;
    size_t i;
    if (!supervisor(r) || !ready(r))
        return;
    if (!ar_lars_valid(r->params[0]) ||
        ar_exception_sealed(r->store, r->app->seal, r->params[0], &v)) {
        ar_web_error(r, 404, "error_not_found");
        return;
    }
    ctx = ar_web_ctx(r, NULL);
    json_t *pub = json_object_get(v, "public");
    decorate(r, ctx, pub);
    json_t *errors = field_errors(r, ctx, problems);
    json_array_foreach (json_object_get(v, "extensions"), i, e) {
        json_object_set_new(e, "is_pending",
                            json_boolean(!strcmp(ar_json_str(e, "state") ?: "", "requested")));
        json_object_set_new(e, "lars", json_string(r->params[0]));
        if (json_integer_value(json_object_get(e, "id")) == ext_id)
            json_object_set(e, "errors", errors);
    }
    /* the newest sealed version's content, field by field, as text */
    json_t *versions = json_object_get(v, "versions");
    json_t *content =
        json_object_get(json_array_get(versions, json_array_size(versions) - 1), "content");
    json_t *rows = json_array();
    const char *k;
    json_t *x;
    json_object_foreach (content, k, x) {
        char *txt = json_is_string(x) ? NULL : json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY);
        json_array_append_new(
            rows, json_pack("{s:s, s:s}", "field", k, "value", txt ? txt : json_string_value(x)));
        free(txt);
    }
    json_object_set_new(ctx, "content", rows);
    json_object_set_new(ctx, "title",
                        json_string(ar_arena_printf(r->arena, "%s: %s",
                                                    ar_web_msg(r, ctx, "sup_case"), r->params[0])));
    json_object_set_new(ctx, "id", json_string(r->params[0]));
    json_object_set_new(ctx, "v", v);
    json_decref(errors);
    ar_req_header(r, "Cache-Control", "no-store");
    ar_web_render(r, status, "supervisioncase", ctx);
    json_decref(ctx);
}

static void h_case(struct ar_req *r)
{
    case_page(r, 200, NULL, 0);
}

/* POST /supervision/{id}/extensions/{ext}: grant or refuse, with the reasons. */
static void h_decide(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    json_t *pr = json_array(), *body = NULL;
    char *end;
    long long ext = strtoll(r->params[1], &end, 10);
    if (!supervisor(r) || !ready(r))
        goto out;
    if (ar_req_parse_form(r) || *end || ext < 1) {
        ar_web_error(r, 400, "error_bad_form");
        goto out;
    }
    const char *d = ar_req_arg(r, "decision");
    body = json_pack("{s:s}", "reason", ar_req_arg(r, "reason") ?: "");
    if (d && (!strcmp(d, "grant") || !strcmp(d, "refuse")))
        json_object_set_new(body, "grant", json_boolean(!strcmp(d, "grant")));
    int rc = ar_exception_decide(r->store, r->app->seal, r->app->exception, r->params[0], ext, body,
                                 p->name, pr);
    if (rc == 0)
        ar_web_see_other(r, ar_arena_printf(r->arena, "/supervision/%s", r->params[0]));
    else
        case_page(r, rc == AR_EINVAL ? 422 : rc == AR_ENOTFOUND ? 404 : 409, pr, ext);
out:
    json_decref(body);
    json_decref(pr);
}

const struct ar_route ar_exc_web_routes[] = {
    {"GET", "/workspace/registrations/{id}/withholding", h_withholding,
     "A withheld registration: public facts, closing, extensions", AR_ROLE_ORG},
    {"POST", "/workspace/registrations/{id}/withholding/close", h_close,
     "The investigation is closed: publish now", AR_ROLE_ORG},
    {"POST", "/workspace/registrations/{id}/withholding/extensions", h_extend,
     "Ask the supervisor for an extension", AR_ROLE_ORG},
    {"GET", "/supervision", h_overview, "Every withheld entry by organisation",
     AR_ROLE_SUPERVISOR_BIT},
    {"GET", "/supervision/{id}", h_case, "A withheld entry's sealed content and extensions",
     AR_ROLE_SUPERVISOR_BIT},
    {"POST", "/supervision/{id}/extensions/{ext}", h_decide, "Decide an extension request",
     AR_ROLE_SUPERVISOR_BIT},
    {NULL, NULL, NULL, NULL, 0},
};
