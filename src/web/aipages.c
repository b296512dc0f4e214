/* aipages.c — the AI Act pages: the questionnaire (one question per step; back and
 * forth keep the answers, which travel in the URL so the page works without
 * JavaScript or a session), its result with obligations and dates, the yearly report on
 * remote biometric identification, and the request form for one use, which shows every
 * reason for a refusal next to the field it concerns.
 *
 * Storing needs an API token typed into the form (accounts replace this later); the
 * token is never echoed back into a page. */
#include "aiact/assess.h"
#include "aiact/cases.h"
#include "aiact/classify.h"
#include "aiact/eudb.h"
#include "auth/auth.h"
#include "api/api.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/err.h"
#include "exception/exception.h"
#include "json/json.h"
#include "model/lars.h"
#include "model/record.h"
#include "web/pages.h"
#include "web/tmpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ar_api_report_year(struct ar_req *r); /* api/aiapi.c */

static const char *msg(struct ar_req *r, const char *lang, const char *key)
{
    return ar_tmpl_msg(r->app->tmpl, lang, key);
}

static const char *lang_of(const json_t *ctx)
{
    return json_string_value(json_object_get(ctx, "lang"));
}

/* Labels and per-language texts for an assessment shown on a page. */
static json_t *assessment_view(struct ar_req *r, const json_t *a, const char *lang)
{
    json_t *v = json_deep_copy(a);
    char key[64];
    const char *risk = ar_json_str(a, "risk"), *scope = ar_json_str(a, "scope");
    snprintf(key, sizeof key, "risk_%s", risk ? risk : scope ? scope : "none");
    json_object_set_new(v, "risk_label", json_string(msg(r, lang, key)));
    snprintf(key, sizeof key, "eu_section_%s", ar_json_str(a, "eu_section"));
    json_object_set_new(v, "eu_section_label", json_string(msg(r, lang, key)));
    ar_aiact_in_force(v, ar_clock_now());
    size_t i;
    json_t *o;
    json_array_foreach (json_object_get(v, "obligations"), i, o)
        json_object_set(o, "text", json_object_get(o, lang));
    return v;
}

/* ---- the questionnaire --------------------------------------------------------------- */

static json_t *run_tree(struct ar_req *r, const json_t *answers)
{
    json_t *out = NULL;
    char why[256];
    return ar_tree_run(r->app->tree, answers, &out, why, sizeof why) ? NULL : out;
}

static char *answers_text(struct ar_req *r, const json_t *answers)
{
    struct ar_buf b;
    ar_buf_init(&b, 16384);
    ar_tree_answers_format(answers, &b);
    char *s = ar_arena_strdup(r->arena, ar_buf_cstr(&b));
    ar_buf_free(&b);
    return s;
}

/* Only the answers on the path: what is stored is exactly what led to the result. */
static json_t *path_answers(const json_t *run)
{
    json_t *a = json_object();
    size_t i;
    json_t *p;
    json_array_foreach (json_object_get(run, "path"), i, p)
        json_object_set(a, ar_json_str(p, "question"), json_object_get(p, "answer"));
    return a;
}

static void classify_page(struct ar_req *r, json_t *answers, long step, const char *reg,
                          const char *error, int status)
{
    json_t *ctx = ar_web_ctx(r, NULL), *run = run_tree(r, answers);
    const char *lang = lang_of(ctx);
    if (!run) { /* an answer out of range in a hand-made URL: start over */
        json_object_clear(answers);
        run = run_tree(r, answers);
        step = 0;
        error = msg(r, lang, "cls_error_answer");
    }
    json_t *path = json_object_get(run, "path");
    long n = (long)json_array_size(path);
    if (step < 0)
        step = 0;
    if (step > n)
        step = n;
    const char *qid = step < n ? ar_json_str(json_array_get(path, (size_t)step), "question")
                               : ar_json_str(run, "unanswered");
    const char *a_text = answers_text(r, answers);
    json_object_set_new(ctx, "title", json_string(msg(r, lang, "cls_title")));
    json_object_set_new(ctx, "answers_text", json_string(a_text));
    json_object_set_new(ctx, "step", json_integer(step));
    json_object_set_new(ctx, "number", json_integer(step + 1));
    if (reg)
        json_object_set_new(ctx, "reg", json_string(reg));
    if (error)
        json_object_set_new(ctx, "error", json_string(error));
    json_t *tree_id = ar_tree_id(r->app->tree);
    json_object_set_new(ctx, "tree", tree_id);
    /* Earlier steps, each a link back to it. */
    json_t *hist = json_array();
    for (long i = 0; i < step && i < n; i++) {
        json_t *p = json_array_get(path, (size_t)i);
        const json_t *q = ar_tree_question(r->app->tree, ar_json_str(p, "question"));
        json_t *ans = json_array_get(json_object_get(q, "answers"),
                                     (size_t)json_integer_value(json_object_get(p, "answer")));
        json_array_append_new(hist,
                              json_pack("{s:s?, s:s?, s:s}", "question", ar_json_str(q, "question"),
                                        "answer", ar_json_str(ans, "answer"), "href",
                                        ar_arena_printf(r->arena, "%ld", i)));
    }
    json_object_set_new(ctx, "has_history", json_boolean(json_array_size(hist) > 0));
    json_object_set_new(ctx, "history", hist);
    if (qid) {
        const json_t *q = ar_tree_question(r->app->tree, qid);
        json_t *given = json_object_get(answers, qid), *opts = json_array();
        size_t i;
        json_t *a;
        json_array_foreach (json_object_get(q, "answers"), i, a)
            json_array_append_new(
                opts, json_pack("{s:i, s:s?, s:s?, s:b}", "index", (int)i, "text",
                                ar_json_str(a, "answer"), "subresult", ar_json_str(a, "subresult"),
                                "checked", given && json_integer_value(given) == (json_int_t)i));
        json_object_set_new(ctx, "question",
                            json_pack("{s:s, s:s?, s:s?, s:s?, s:o, s:b}", "id", qid, "text",
                                      ar_json_str(q, "question"), "explanation",
                                      ar_json_str(q, "explanation"), "subcategory",
                                      ar_json_str(q, "subcategory"), "answers", opts, "first",
                                      step == 0));
    } else {
        json_t *pr = json_array(), *ev = NULL, *pa = path_answers(run);
        if (ar_aiact_evaluate(r->app->tree, r->app->aiact, pa, pr, &ev) == 0) {
            json_t *as = json_object_get(ev, "assessment");
            json_object_set_new(ctx, "result", assessment_view(r, as, lang));
            const json_t *c = ar_tree_conclusion(
                r->app->tree, json_string_value(json_object_get(run, "conclusion")));
            json_object_set(json_object_get(ctx, "result"), "obligation_html",
                            json_object_get(c, "obligation"));
        }
        json_object_set_new(ctx, "save_answers", json_string(answers_text(r, pa)));
        json_decref(ev);
        json_decref(pr);
        json_decref(pa);
    }
    ar_web_render(r, status, "classify", ctx);
    json_decref(run);
    json_decref(ctx);
}

void ar_web_classify(struct ar_req *r)
{
    const char *a = ar_req_arg(r, "a"), *reg = ar_req_arg(r, "reg"), *nav = ar_req_arg(r, "nav"),
               *pick = ar_req_arg(r, "pick"), *st = ar_req_arg(r, "step");
    json_t *answers = NULL;
    char why[200];
    const char *error = NULL;
    if (reg && *reg && !ar_lars_valid(reg)) {
        ar_web_error(r, 404, "error_bad_id");
        return;
    }
    if (ar_tree_answers_parse(&answers, a ? a : "", why, sizeof why))
        answers = json_object();
    long step = st ? strtol(st, NULL, 10) : 0;
    if (step < 0 || step > 256)
        step = 0;
    if (nav && !strcmp(nav, "back")) {
        step--;
    } else if (nav && !strcmp(nav, "next")) {
        json_t *run = run_tree(r, answers);
        json_t *path = json_object_get(run, "path");
        const char *qid = step < (long)json_array_size(path)
                              ? ar_json_str(json_array_get(path, (size_t)step), "question")
                              : ar_json_str(run, "unanswered");
        char *end = NULL;
        long idx = pick ? strtol(pick, &end, 10) : -1;
        const json_t *q = qid ? ar_tree_question(r->app->tree, qid) : NULL;
        if (!q || !pick || *end || idx < 0 ||
            idx >= (long)json_array_size(json_object_get(q, "answers"))) {
            json_t *ctx = ar_web_ctx(r, NULL);
            error = msg(r, lang_of(ctx), "cls_error_pick");
            json_decref(ctx);
        } else {
            json_object_set_new(answers, qid, json_integer(idx));
            step++;
        }
        json_decref(run);
    }
    classify_page(r, answers, step, reg && *reg ? reg : NULL, error, error ? 422 : 200);
    json_decref(answers);
}

void ar_web_classify_save(struct ar_req *r)
{
    json_t *answers = NULL, *pr = json_array(), *out = NULL;
    char why[200];
    if (ar_req_parse_form(r)) {
        ar_web_error(r, 400, "error_bad_form");
        goto out;
    }
    const char *a = ar_req_arg(r, "a"), *reg = ar_req_arg(r, "reg"),
               *token = ar_req_arg(r, "token");
    if (!reg || !ar_lars_valid(reg) ||
        ar_tree_answers_parse(&answers, a ? a : "", why, sizeof why)) {
        ar_web_error(r, 400, "error_bad_form");
        goto out;
    }
    json_t *ctx = ar_web_ctx(r, NULL);
    const char *lang = lang_of(ctx), *who = NULL;
    const char *role = NULL;
    /* A signed-in editor's session, or an API token typed into the form. */
    who = token && *token ? ar_app_bearer_role(r, token, &role) : ar_app_auth_role(r, &role);
    if (!(ar_auth_role_bit(role) & (AR_ROLE_ORG | AR_ROLE_SUPERVISOR_BIT)))
        who = NULL;
    int rc =
        who ? ar_aiact_classify(r->store, r->app->tree, r->app->aiact, reg, answers, who, pr, &out)
            : AR_EINVAL;
    const char *error = !who                 ? msg(r, lang, "cls_error_token")
                        : rc == AR_ENOTFOUND ? msg(r, lang, "error_not_found")
                        : rc                 ? ar_json_str(json_array_get(pr, 0), "detail")
                                             : NULL;
    json_decref(ctx);
    if (!error && !rc) {
        r->status = 303;
        ar_req_header(r, "Location",
                      ar_arena_printf(r->arena, "/registrations/%s#aiact-status", reg));
        goto out;
    }
    /* Show the result again with the message; nothing was stored. */
    classify_page(r, answers, 256, reg, error ? error : msg(r, lang, "error_unavailable"),
                  !who                 ? 401
                  : rc == AR_ENOTFOUND ? 404
                                       : 422);
out:
    json_decref(out);
    json_decref(answers);
    json_decref(pr);
}

void ar_web_entry_aiact(struct ar_req *r, const char *id, json_t *ctx)
{
    json_t *wh = NULL;
    int withheld = ar_exception_public(r->store, id, &wh) == 0 &&
                   !strcmp(ar_json_str(wh, "state") ? ar_json_str(wh, "state") : "", "withheld");
    json_decref(wh);
    if (withheld || !r->app->aiact)
        return;
    json_t *a = ar_aiact_latest(r->store, id), *blk = json_array();
    json_t *sec =
        json_pack("{s:s}", "classify_href", ar_arena_printf(r->arena, "/classify?reg=%s", id));
    if (a) {
        json_object_set_new(sec, "assessment", assessment_view(r, a, lang_of(ctx)));
        if (ar_aiact_use_blocked(r->store, r->app->aiact, id, ar_clock_now(), "registration", blk))
            json_object_set(sec, "blocked", json_array_get(blk, 0));
    }
    json_object_set_new(ctx, "aiact", sec);
    json_decref(blk);
    json_decref(a);
}

/* ---- the yearly report ------------------------------------------------------------------ */

void ar_web_rbi_report(struct ar_req *r)
{
    int year = ar_api_report_year(r);
    if (!year)
        return;
    json_t *rep = NULL, *ctx = ar_web_ctx(r, NULL);
    const char *lang = lang_of(ctx);
    if (ar_case_report(r->store, year, NULL, &rep)) {
        ar_web_error(r, 503, "error_unavailable");
        json_decref(ctx);
        return;
    }
    static const char *const measures[] = {"requests",
                                           "refused_on_the_rules",
                                           "granted",
                                           "rejected",
                                           "revoked",
                                           "uses",
                                           "urgent_uses",
                                           "initial_identifications",
                                           "verified_matches",
                                           "breaches",
                                           "deletions",
                                           "ended",
                                           NULL};
    json_t *rows = json_array();
    size_t i;
    json_t *a;
    json_array_foreach (json_object_get(rep, "authorities"), i, a) {
        static const char *const kinds[] = {"realtime", "post", NULL};
        for (const char *const *k = kinds; *k; k++) {
            json_t *counts = json_object_get(a, *k);
            if (!json_object_size(counts))
                continue;
            json_t *cells = json_array();
            for (const char *const *m = measures; *m; m++)
                json_array_append_new(
                    cells, json_integer(json_integer_value(json_object_get(counts, *m))));
            char key[32];
            snprintf(key, sizeof key, "rbi_kind_%s", *k);
            json_array_append_new(rows, json_pack("{s:s?, s:s, s:o}", "authority",
                                                  ar_json_str(a, "authority"), "kind",
                                                  msg(r, lang, key), "cells", cells));
        }
    }
    json_t *heads = json_array();
    for (const char *const *m = measures; *m; m++) {
        char key[48];
        snprintf(key, sizeof key, "rbi_m_%s", *m);
        json_array_append_new(heads, json_pack("{s:s}", "label", msg(r, lang, key)));
    }
    json_object_set_new(ctx, "title", json_string(msg(r, lang, "rbi_report_title")));
    json_object_set_new(ctx, "year", json_integer(year));
    json_object_set_new(ctx, "prev_year", json_integer(year - 1));
    json_object_set_new(ctx, "next_year", json_integer(year + 1));
    json_object_set_new(ctx, "heads", heads);
    json_object_set_new(ctx, "has_rows", json_boolean(json_array_size(rows) > 0));
    json_object_set_new(ctx, "rows", rows);
    ar_web_render(r, 200, "rbireport", ctx);
    json_decref(rep);
    json_decref(ctx);
}

/* ---- the request form for one use --------------------------------------------------------- */

static const char *const rt_fields[] = {"objective",     "offence",          "max_penalty_years",
                                        "target",        "limit_time",       "limit_area",
                                        "limit_persons", "harm_if_not_used", "rights_impact",
                                        "fria_ref",      "urgency",          NULL};
static const char *const post_fields[] = {"link", "reference", "target", "reasons", NULL};

/* One form field: how it is shown and which choices it offers. */
struct form_field {
    const char *name, *kind; /* "line", "area", "select" */
    const char *choices;     /* "objectives", "offences", "links" or NULL */
};

static const struct form_field rt_form[] = {{"registration", "line", NULL},
                                            {"authority", "line", NULL},
                                            {"objective", "select", "objectives"},
                                            {"offence", "select", "offences"},
                                            {"max_penalty_years", "line", NULL},
                                            {"target", "area", NULL},
                                            {"limit_time", "line", NULL},
                                            {"limit_area", "line", NULL},
                                            {"limit_persons", "line", NULL},
                                            {"harm_if_not_used", "area", NULL},
                                            {"rights_impact", "area", NULL},
                                            {"fria_ref", "line", NULL},
                                            {"urgency", "area", NULL},
                                            {"token", "password", NULL},
                                            {NULL, NULL, NULL}};
static const struct form_field post_form[] = {
    {"registration", "line", NULL}, {"authority", "line", NULL}, {"link", "select", "links"},
    {"reference", "line", NULL},    {"target", "area", NULL},    {"reasons", "area", NULL},
    {"token", "password", NULL},    {NULL, NULL, NULL}};

static json_t *choices(struct ar_req *r, const char *lang, const char *which, const char *cur)
{
    json_t *arr = json_array();
    char code[16], key[32];
    int n = !strcmp(which, "offences") ? 16 : !strcmp(which, "objectives") ? 3 : 4;
    static const char *const obj[] = {"OBJ_I", "OBJ_II", "OBJ_III"};
    static const char *const links[] = {"offence", "proceeding", "threat", "missing_person"};
    for (int k = 0; k < n; k++) {
        if (!strcmp(which, "offences")) {
            snprintf(code, sizeof code, "AII_%02d", k + 1);
            snprintf(key, sizeof key, "aii_%02d", k + 1);
        } else if (!strcmp(which, "objectives")) {
            snprintf(code, sizeof code, "%s", obj[k]);
            snprintf(key, sizeof key, "obj_%s", obj[k] + 4);
        } else {
            snprintf(code, sizeof code, "%s", links[k]);
            snprintf(key, sizeof key, "link_%s", links[k]);
        }
        json_array_append_new(arr,
                              json_pack("{s:s, s:s, s:b}", "code", code, "label", msg(r, lang, key),
                                        "selected", cur && !strcmp(cur, code)));
    }
    return arr;
}

static void case_form(struct ar_req *r, int status, const json_t *problems, const json_t *c)
{
    json_t *ctx = ar_web_ctx(r, NULL);
    const char *lang = lang_of(ctx), *kind = ar_req_arg(r, "kind");
    int post = kind && !strcmp(kind, "post");
    json_object_set_new(
        ctx, "title", json_string(msg(r, lang, post ? "case_title_post" : "case_title_realtime")));
    json_object_set_new(ctx, "kind", json_string(post ? "post" : "realtime"));
    json_object_set_new(ctx, "is_post", json_boolean(post));
    json_t *fields = json_array(), *summary = json_array();
    /* Signed in, the session says who sends it: no token field. */
    int signed_in = ar_app_principal(r) != NULL;
    for (const struct form_field *f = post ? post_form : rt_form; f->name; f++) {
        if (signed_in && !strcmp(f->name, "token"))
            continue;
        char key[48];
        snprintf(key, sizeof key, "case_f_%s", f->name);
        /* The typed value comes back, except the token, which is never echoed. */
        const char *v = strcmp(f->name, "token") ? ar_req_arg(r, f->name) : NULL;
        if (!v && !strcmp(f->name, "registration"))
            v = ar_req_arg(r, "reg");
        json_t *msgs = json_array();
        size_t i;
        json_t *p;
        json_array_foreach (problems, i, p) {
            const char *pf = ar_json_str(p, "field");
            int mine = pf && (!strcmp(pf, f->name) ||
                              (!strcmp(pf, "weighing") && !strcmp(f->name, "harm_if_not_used")) ||
                              (!strcmp(pf, "link") && !strcmp(f->name, "link")));
            if (mine)
                json_array_append(msgs, json_object_get(p, "detail"));
        }
        int invalid = json_array_size(msgs) > 0;
        json_t *fj = json_pack("{s:s, s:s, s:s, s:b, s:o, s:b, s:b, s:b}", "name", f->name, "label",
                               msg(r, lang, key), "value", v ? v : "", "invalid", invalid,
                               "messages", msgs, "is_select", !strcmp(f->kind, "select"), "is_area",
                               !strcmp(f->kind, "area"), "is_line", !strcmp(f->kind, "line"));
        if (!strcmp(f->kind, "password"))
            json_object_set_new(fj, "is_password", json_true());
        if (f->choices)
            json_object_set_new(fj, "choices", choices(r, lang, f->choices, v));
        json_array_append_new(fields, fj);
    }
    /* The summary names every problem, including those not tied to a form field. */
    size_t i;
    json_t *p;
    json_array_foreach (problems, i, p) {
        const char *pf = ar_json_str(p, "field");
        char key[48];
        snprintf(key, sizeof key, "case_f_%s", pf && *pf ? pf : "event");
        const char *label = msg(r, lang, key);
        const char *anchor = !pf || !*pf               ? "registration"
                             : !strcmp(pf, "weighing") ? "harm_if_not_used"
                                                       : pf;
        json_array_append_new(summary, json_pack("{s:s, s:s, s:O}", "field", anchor, "label",
                                                 label ? label : pf, "detail",
                                                 json_object_get(p, "detail")));
    }
    json_object_set_new(ctx, "has_errors", json_boolean(json_array_size(summary) > 0));
    json_object_set_new(ctx, "fields", fields);
    json_object_set_new(ctx, "summary", summary);
    json_object_set_new(ctx, "national_law", json_boolean(r->app->aiact->rbi.national_law));
    if (c) /* signed in, the case's page takes it from here (request, end, deletion) */
        json_object_set_new(ctx, "case",
                            json_pack("{s:O, s:O, s:b}", "id", json_object_get(c, "id"), "state",
                                      json_object_get(c, "state"), "own", signed_in));
    ar_web_render(r, status, "caseform", ctx);
    json_decref(ctx);
}

void ar_web_case_form(struct ar_req *r)
{
    case_form(r, 200, NULL, NULL);
}

void ar_web_case_submit(struct ar_req *r)
{
    json_t *pr = json_array(), *in = NULL, *c = NULL, *data = NULL;
    if (ar_req_parse_form(r)) {
        ar_web_error(r, 400, "error_bad_form");
        goto out;
    }
    const char *token = ar_req_arg(r, "token"), *role = NULL, *who = NULL,
               *kind = ar_req_arg(r, "kind");
    int post = kind && !strcmp(kind, "post");
    who = token && *token ? ar_app_bearer_role(r, token, &role) : ar_app_auth_role(r, &role);
    if (!who) {
        ar_problem_add(pr, "token", "required", "a valid API token of the deploying organisation");
        case_form(r, 401, pr, NULL);
        goto out;
    }
    data = json_object();
    for (const char *const *f = post ? post_fields : rt_fields; *f; f++) {
        const char *v = ar_req_arg(r, *f);
        if (!v || !*v)
            continue;
        if (!strcmp(*f, "max_penalty_years")) {
            char *end;
            long y = strtol(v, &end, 10);
            if (*end || y < 0 || y > 99)
                ar_problem_add(pr, *f, "type", "a whole number of years");
            else
                json_object_set_new(data, *f, json_integer(y));
        } else {
            json_object_set_new(data, *f, json_string(v));
        }
    }
    in = json_pack("{s:s, s:s?, s:s?}", "kind", post ? "post" : "realtime", "registration",
                   ar_req_arg(r, "registration"), "authority", ar_req_arg(r, "authority"));
    long long id = 0;
    if (json_array_size(pr) || ar_case_create(r->store, r->app->aiact, in, who, role, pr, &id)) {
        case_form(r, 422, pr, NULL);
        goto out;
    }
    /* The case exists from here: a refusal below is recorded with it. */
    int urgent = !post && ar_req_arg(r, "urgency") && *ar_req_arg(r, "urgency");
    int rc = 0;
    if (post) {
        json_t *link = json_pack("{s:O?, s:O?, s:O?}", "link", json_object_get(data, "link"),
                                 "reference", json_object_get(data, "reference"), "target",
                                 json_object_get(data, "target"));
        rc = ar_case_event(r->store, r->app->aiact, id, "link_case", link, who, role, pr, NULL);
        json_decref(link);
    }
    if (!rc)
        rc = ar_case_event(r->store, r->app->aiact, id, urgent ? "start_urgent" : "submit_request",
                           data, who, role, pr, NULL);
    ar_case_get(r->store, id, &c);
    case_form(r, rc ? 422 : 201, pr, c);
out:
    json_decref(c);
    json_decref(in);
    json_decref(data);
    json_decref(pr);
}
