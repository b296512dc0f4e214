/* aiapi.c — the AI Act workflows over HTTP: the questionnaire's tree and evaluation,
 * classifications stored with a registration version, the EU database export and its
 * submissions, the Art. 26(8) status, cases for each use of remote biometric
 * identification and each facial-recognition review, notices, and the yearly report.
 *
 * Cases and submissions are confidential: they need a token. Classifications follow
 * their registration: public unless it is withheld. */
#include "aiact/assess.h"
#include "aiact/cases.h"
#include "aiact/classify.h"
#include "aiact/eudb.h"
#include "api/api.h"
#include "auth/auth.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/err.h"
#include "exception/exception.h"
#include "json/json.h"
#include "model/record.h"
#include "model/registry.h"

#include <stdlib.h>
#include <string.h>

static void fail(struct ar_req *r, int rc, json_t *pr)
{
    ar_api_fail(r, rc, pr, "aiact", "The request breaks a rule of the AI Act workflow");
}

/* Any valid token; *role set. Writes 401 otherwise. */
static const char *who_role(struct ar_req *r, const char **role)
{
    const char *who = ar_app_auth_role(r, role);
    if (!who) {
        ar_req_header(r, "WWW-Authenticate", "Bearer realm=\"algoreg\"");
        ar_resp_problem(r, 401, "unauthorized", "Unauthorized",
                        "this needs an API token: Authorization: Bearer <token>", NULL);
    }
    return who;
}

static int is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* Whether a registration's content is withheld right now (its classification too). */
static int withheld(struct ar_req *r, const char *id)
{
    json_t *wh = NULL;
    int w = ar_exception_public(r->store, id, &wh) == 0 && is(ar_json_str(wh, "state"), "withheld");
    json_decref(wh);
    return w;
}

/* May this request see the registration's classification? Writes 404 when not. */
static int may_see(struct ar_req *r, const char *id)
{
    const char *role;
    if (!withheld(r, id) || ar_app_auth_role(r, &role))
        return 1;
    json_t *pr = json_array();
    ar_problem_add(pr, "id", "withheld",
                   "registration %s is withheld under the law-enforcement exception; its"
                   " classification is not public until it is published",
                   id);
    fail(r, AR_ENOTFOUND, pr);
    json_decref(pr);
    return 0;
}

/* {answers} as an object or as "1.1=0 1.2=1" text. */
static json_t *answers_of(const json_t *body, json_t *pr)
{
    json_t *a = json_object_get(body, "answers");
    char why[200];
    if (json_is_object(a)) {
        const char *k;
        json_t *v;
        json_object_foreach (a, k, v)
            if (!json_is_integer(v) || strlen(k) > 32) {
                ar_problem_add(pr, "answers", "type", "each answer is {questionId: index}");
                return NULL;
            }
        return json_incref(a);
    }
    json_t *out = NULL;
    if (json_is_string(a) && ar_tree_answers_parse(&out, json_string_value(a), why, sizeof why))
        ar_problem_add(pr, "answers", "format", "%s", why);
    else if (!json_is_string(a))
        ar_problem_add(pr, "answers", "required",
                       "answers: {\"1.1\": 0, …} or \"1.1=0 1.2=1\" (0-based answer index)");
    return out;
}

static void h_config(struct ar_req *r)
{
    json_t *v = ar_aiact_cfg_json(r->app->aiact);
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void h_tree(struct ar_req *r)
{
    json_t *v =
        json_pack("{s:o, s:O}", "id", ar_tree_id(r->app->tree), "tree", ar_tree_doc(r->app->tree));
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void h_evaluate(struct ar_req *r)
{
    json_t *b = ar_api_body_object(r, "aiact"), *pr = json_array(), *ans = NULL, *out = NULL;
    if (!b)
        goto out;
    if (!(ans = answers_of(b, pr))) {
        fail(r, AR_EINVAL, pr);
        goto out;
    }
    int rc = ar_aiact_evaluate(r->app->tree, r->app->aiact, ans, pr, &out);
    if (rc) {
        fail(r, rc, pr);
        goto out;
    }
    if (json_object_get(out, "assessment"))
        ar_aiact_in_force(json_object_get(out, "assessment"), ar_clock_now());
    ar_resp_json(r, 200, out);
out:
    json_decref(out);
    json_decref(ans);
    json_decref(pr);
    json_decref(b);
}

static void h_cls_list(struct ar_req *r)
{
    const char *id = r->params[0];
    json_t *list = NULL, *pr = json_array();
    if (ar_api_check_id(r, id) || !may_see(r, id))
        goto out;
    int rc = ar_store_reg_exists(r->store, id);
    if (!rc)
        rc = ar_store_cls_list(r->store, id, &list);
    if (rc) {
        ar_problem_add(pr, "id", "exists", "no registration %s", id);
        fail(r, rc, pr);
        goto out;
    }
    size_t i;
    json_t *c;
    time_t now = ar_clock_now();
    json_array_foreach (list, i, c)
        ar_aiact_in_force(json_object_get(json_object_get(c, "doc"), "assessment"), now);
    json_t *v = json_pack("{s:s, s:O}", "registration", id, "items", list);
    ar_resp_json(r, 200, v);
    json_decref(v);
out:
    json_decref(list);
    json_decref(pr);
}

static void h_cls_add(struct ar_req *r)
{
    const char *id = r->params[0], *who;
    json_t *b = NULL, *pr = json_array(), *ans = NULL, *out = NULL;
    if (ar_api_check_id(r, id) || !(who = ar_api_require_token(r)) || !ar_api_owns(r, id) ||
        !(b = ar_api_body_object(r, "aiact")))
        goto out;
    if (!(ans = answers_of(b, pr))) {
        fail(r, AR_EINVAL, pr);
        goto out;
    }
    int rc = ar_aiact_classify(r->store, r->app->tree, r->app->aiact, id, ans, who, pr, &out);
    if (rc) {
        if (rc == AR_ENOTFOUND)
            ar_problem_add(pr, "id", "exists", "no registration %s", id);
        fail(r, rc, pr);
        goto out;
    }
    ar_aiact_in_force(json_object_get(out, "assessment"), ar_clock_now());
    ar_req_header(r, "Location",
                  ar_arena_printf(r->arena, "/api/v1/registrations/%s/classifications", id));
    ar_resp_json(r, 201, out);
out:
    json_decref(out);
    json_decref(ans);
    json_decref(pr);
    json_decref(b);
}

/* The full record of the latest version: for a withheld registration the sealed content
 * is merged back (only for token holders; the EU registration is never suppressed by a
 * national exemption, AI_ACT.md §6.1). */
static int full_record(struct ar_req *r, const char *id, json_t **out)
{
    json_t *v = NULL, *sealed = NULL;
    int rc = ar_registry_get(r->store, id, 0, &v);
    if (rc)
        return rc;
    json_t *rec = json_incref(json_object_get(v, "record"));
    if (withheld(r, id) && r->app->seal &&
        ar_exception_sealed(r->store, r->app->seal, id, &sealed) == 0) {
        json_t *vs = json_object_get(sealed, "versions");
        json_t *content = json_object_get(json_array_get(vs, json_array_size(vs) - 1), "content");
        if (json_is_object(content))
            json_object_update(rec, content);
    }
    json_decref(sealed);
    json_decref(v);
    *out = rec;
    return 0;
}

static void h_status(struct ar_req *r)
{
    const char *id = r->params[0];
    json_t *pr = json_array(), *subs = NULL, *a = NULL;
    if (ar_api_check_id(r, id) || !may_see(r, id))
        goto out;
    if (ar_store_reg_exists(r->store, id)) {
        ar_problem_add(pr, "id", "exists", "no registration %s", id);
        fail(r, AR_ENOTFOUND, pr);
        goto out;
    }
    a = ar_aiact_latest(r->store, id);
    if (a)
        ar_aiact_in_force(a, ar_clock_now());
    json_t *blk = json_array();
    int blocked =
        ar_aiact_use_blocked(r->store, r->app->aiact, id, ar_clock_now(), "registration", blk);
    json_t *secs = json_array();
    if (ar_store_eu_list(r->store, id, &subs) == 0) {
        size_t i;
        json_t *s;
        json_array_foreach (subs, i, s)
            json_array_append(secs, json_object_get(s, "section"));
    }
    json_t *v = json_pack("{s:s, s:O?, s:o, s:b, s:o}", "registration", id, "assessment", a,
                          "eu_sections_submitted", secs, "use_blocked", blocked, "blocked_by", blk);
    ar_resp_json(r, 200, v);
    json_decref(v);
out:
    json_decref(a);
    json_decref(subs);
    json_decref(pr);
}

static int export_for(struct ar_req *r, const char *id, const char *section, json_t *pr,
                      json_t **out)
{
    json_t *rec = NULL, *a = NULL;
    int rc = ar_store_reg_exists(r->store, id);
    if (rc) {
        ar_problem_add(pr, "id", "exists", "no registration %s", id);
        return rc;
    }
    if ((rc = full_record(r, id, &rec)))
        return rc;
    a = ar_aiact_latest(r->store, id);
    rc = ar_aiact_eu_export(id, rec, a, section, r->app->aiact, pr, out);
    json_decref(a);
    json_decref(rec);
    return rc;
}

static void h_export(struct ar_req *r)
{
    const char *id = r->params[0], *role;
    json_t *pr = json_array(), *out = NULL;
    if (ar_api_check_id(r, id) || !who_role(r, &role) || !ar_api_owns(r, id))
        goto out;
    int rc = export_for(r, id, ar_req_arg(r, "section"), pr, &out);
    if (rc) {
        fail(r, rc, pr);
        goto out;
    }
    ar_req_header(r, "Cache-Control", "no-store");
    ar_resp_json(r, 200, out);
out:
    json_decref(out);
    json_decref(pr);
}

static void h_sub_add(struct ar_req *r)
{
    const char *id = r->params[0], *who;
    json_t *b = NULL, *pr = json_array(), *doc = NULL;
    char *canon = NULL;
    if (ar_api_check_id(r, id) || !(who = ar_api_require_token(r)) || !ar_api_owns(r, id) ||
        !(b = ar_api_body_object(r, "aiact")))
        goto out;
    const char *section = ar_json_str(b, "section"), *ref = ar_json_str(b, "reference");
    if (!ref || !*ref || strlen(ref) > 200)
        ar_problem_add(pr, "reference", "required",
                       "the EU database's reference of the entry (at most 200 characters)");
    int rc = export_for(r, id, section, pr, &doc);
    if (!rc && json_array_size(pr))
        rc = AR_EINVAL;
    if (rc) {
        fail(r, rc, pr);
        goto out;
    }
    char now[32];
    ar_clock_fmt(now, sizeof now, ar_clock_now());
    canon = ar_json_canon_str(doc);
    if (!canon || (rc = ar_store_begin(r->store)) != 0) {
        fail(r, AR_EIO, NULL);
        goto out;
    }
    rc = ar_store_eu_insert(r->store, id, section, ref, now, who, canon);
    if (rc) {
        ar_store_rollback(r->store);
        fail(r, rc, pr);
        goto out;
    }
    if ((rc = ar_store_commit(r->store))) {
        fail(r, rc, pr);
        goto out;
    }
    json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:O}", "registration", id, "section", section,
                          "reference", ref, "submitted", now, "transmitted", doc);
    ar_resp_json(r, 201, v);
    json_decref(v);
out:
    free(canon);
    json_decref(doc);
    json_decref(pr);
    json_decref(b);
}

static void h_sub_list(struct ar_req *r)
{
    const char *id = r->params[0], *role;
    json_t *list = NULL;
    if (ar_api_check_id(r, id) || !who_role(r, &role) || !ar_api_owns(r, id))
        return;
    if (ar_store_eu_list(r->store, id, &list)) {
        fail(r, AR_EIO, NULL);
        return;
    }
    json_t *v = json_pack("{s:s, s:o}", "registration", id, "items", list);
    ar_req_header(r, "Cache-Control", "no-store");
    ar_resp_json(r, 200, v);
    json_decref(v);
}

/* Who sees a case: the deploying organisation its own, the supervisor all; an authorising authority
 * the cases addressed to it (its token name); the review roles the review cases. */
static int case_visible(struct ar_req *r, const json_t *c, const char *who, const char *role)
{
    const struct ar_principal *p = ar_app_principal(r);
    if (p && p->org[0]) { /* an organisation's people: the cases of its registrations */
        json_t *v = NULL;
        const char *lars = ar_json_str(c, "registration");
        int mine = lars && ar_store_version_get(r->store, lars, 0, &v) == 0 &&
                   is(ar_json_str(json_object_get(v, "organization"), "slug"), p->org);
        json_decref(v);
        return mine;
    }
    if (is(role, AR_ROLE_REGISTRANT) || is(role, AR_ROLE_SUPERVISOR))
        return 1;
    if (is(role, AR_ROLE_AUTHORITY))
        return is(ar_json_str(c, "authority"), who);
    return is(ar_json_str(c, "kind"), "review");
}

static long long case_id(struct ar_req *r)
{
    char *end;
    long long id = strtoll(r->params[0], &end, 10);
    if (*end || id < 1 || id > 1000000000000LL) {
        json_t *pr = json_array();
        ar_problem_add(pr, "case", "format", "a case number is a positive integer");
        ar_resp_problem(r, 400, "bad-request", "Bad request", NULL, pr);
        json_decref(pr);
        return 0;
    }
    return id;
}

static void h_case_add(struct ar_req *r)
{
    const char *who, *role;
    json_t *b = NULL, *pr = json_array(), *c = NULL;
    if (!(who = who_role(r, &role)) || !(b = ar_api_body_object(r, "aiact")))
        goto out;
    long long id = 0;
    int rc = ar_case_create(r->store, r->app->aiact, b, who, role, pr, &id);
    if (!rc)
        rc = ar_case_get(r->store, id, &c);
    if (rc) {
        fail(r, rc, pr);
        goto out;
    }
    ar_req_header(r, "Location", ar_arena_printf(r->arena, "/api/v1/cases/%lld", id));
    ar_req_header(r, "Cache-Control", "no-store");
    ar_resp_json(r, 201, c);
out:
    json_decref(c);
    json_decref(pr);
    json_decref(b);
}

static void h_case_list(struct ar_req *r)
{
    const char *who, *role;
    json_t *list = NULL;
    if (!(who = who_role(r, &role)))
        return;
    const char *kind = ar_req_arg(r, "kind");
    if (ar_store_case_list(r->store, kind && *kind ? kind : NULL, NULL, &list)) {
        fail(r, AR_EIO, NULL);
        return;
    }
    json_t *items = json_array();
    size_t i;
    json_t *c;
    json_array_foreach (list, i, c)
        if (case_visible(r, c, who, role)) {
            json_object_del(c, "data");
            json_object_del(c, "machine");
            json_array_append(items, c);
        }
    json_decref(list);
    json_t *v = json_pack("{s:o}", "items", items);
    ar_req_header(r, "Cache-Control", "no-store");
    ar_resp_json(r, 200, v);
    json_decref(v);
}

/* The case if this token may see it; otherwise a 404 problem is written and NULL
 * returned (a case another authority handles does not exist for this token). */
static json_t *visible_case(struct ar_req *r, long long id, const char *who, const char *role)
{
    json_t *c = NULL;
    int rc = ar_case_get(r->store, id, &c);
    if (!rc && case_visible(r, c, who, role))
        return c;
    json_decref(c);
    json_t *pr = json_array();
    ar_problem_add(pr, "case", "exists", "no case %lld visible to this token", id);
    fail(r, rc && rc != AR_ENOTFOUND ? rc : AR_ENOTFOUND, pr);
    json_decref(pr);
    return NULL;
}

static void h_case_get(struct ar_req *r)
{
    const char *who, *role;
    long long id;
    json_t *c;
    if (!(id = case_id(r)) || !(who = who_role(r, &role)) || !(c = visible_case(r, id, who, role)))
        return;
    ar_req_header(r, "Cache-Control", "no-store");
    ar_resp_json(r, 200, c);
    json_decref(c);
}

static void h_case_event(struct ar_req *r)
{
    const char *who, *role;
    long long id;
    json_t *b = NULL, *pr = json_array(), *c = NULL, *out = NULL;
    if (!(id = case_id(r)) || !(who = who_role(r, &role)) ||
        !(b = ar_api_body_object(r, "aiact")) || !(c = visible_case(r, id, who, role)))
        goto out;
    json_t *data = json_object_get(b, "data");
    int rc = ar_case_event(r->store, r->app->aiact, id, ar_json_str(b, "event"),
                           json_is_null(data) ? NULL : data, who, role, pr, &out);
    if (rc) {
        fail(r, rc, pr);
        goto out;
    }
    ar_req_header(r, "Cache-Control", "no-store");
    ar_resp_json(r, 200, out);
out:
    json_decref(out);
    json_decref(c);
    json_decref(pr);
    json_decref(b);
}

static void h_notices(struct ar_req *r)
{
    const char *who, *role;
    json_t *list = NULL;
    if (!(who = who_role(r, &role)))
        return;
    if (!is(role, AR_ROLE_SUPERVISOR)) {
        ar_resp_problem(r, 403, "forbidden", "Supervisors only",
                        "notices go to the market surveillance and data-protection authorities"
                        " (Art. 5(4))",
                        NULL);
        return;
    }
    if (ar_store_notice_list(r->store, 0, &list)) {
        fail(r, AR_EIO, NULL);
        return;
    }
    json_t *v = json_pack("{s:o}", "items", list);
    ar_req_header(r, "Cache-Control", "no-store");
    ar_resp_json(r, 200, v);
    json_decref(v);
}

/* The year from ?year=, default the clock's year; 0 after writing a problem. */
int ar_api_report_year(struct ar_req *r)
{
    const char *y = ar_req_arg(r, "year");
    char buf[32];
    ar_clock_fmt(buf, sizeof buf, ar_clock_now());
    int year = atoi(buf);
    if (y && *y) {
        char *end;
        long v = strtol(y, &end, 10);
        if (*end || v < 2024 || v > 2100) {
            json_t *pr = json_array();
            ar_problem_add(pr, "year", "range", "a year from 2024 to 2100");
            ar_resp_problem(r, 400, "bad-request", "Bad request", NULL, pr);
            json_decref(pr);
            return 0;
        }
        year = (int)v;
    }
    return year;
}

static void h_report(struct ar_req *r)
{
    int year = ar_api_report_year(r);
    json_t *rep = NULL;
    if (!year)
        return;
    const char *auth = ar_req_arg(r, "authority"), *fmt = ar_req_arg(r, "format");
    if (ar_case_report(r->store, year, auth && *auth ? auth : NULL, &rep)) {
        fail(r, AR_EIO, NULL);
        return;
    }
    if (is(fmt, "csv")) {
        ar_case_report_csv(rep, &r->out);
        r->status = 200;
        r->ctype = "text/csv; charset=utf-8";
        ar_req_header(
            r, "Content-Disposition",
            ar_arena_printf(r->arena, "attachment; filename=\"rbi-report-%d.csv\"", year));
    } else {
        ar_resp_json(r, 200, rep);
    }
    json_decref(rep);
}

const struct ar_route ar_aiact_routes[] = {
    {"GET", "/api/v1/aiact/config", h_config, "AI Act dates and national-law settings",
     AR_ROLE_PUBLIC},
    {"GET", "/api/v1/aiact/tree", h_tree, "The decision tree the questionnaire runs",
     AR_ROLE_PUBLIC},
    {"POST", "/api/v1/aiact/evaluate", h_evaluate, "Run the questionnaire without storing",
     AR_ROLE_PUBLIC},
    {"GET", "/api/v1/registrations/{id}/classifications", h_cls_list, "Stored classifications",
     AR_ROLE_PUBLIC},
    {"POST", "/api/v1/registrations/{id}/classifications", h_cls_add, "Classify a registration",
     AR_ROLE_ORG},
    {"GET", "/api/v1/registrations/{id}/aiact", h_status,
     "Classification, obligations and the Art. 26(8) status", AR_ROLE_PUBLIC},
    {"GET", "/api/v1/registrations/{id}/eu-export", h_export,
     "The EU database submission (Annex VIII/IX, Art. 49(4))", AR_ROLE_AIACT},
    {"GET", "/api/v1/registrations/{id}/eu-submissions", h_sub_list, "Recorded EU submissions",
     AR_ROLE_AIACT},
    {"POST", "/api/v1/registrations/{id}/eu-submissions", h_sub_add,
     "Record an EU database submission", AR_ROLE_ORG},
    {"GET", "/api/v1/cases", h_case_list, "RBI uses and facial-recognition reviews", AR_ROLE_AIACT},
    {"POST", "/api/v1/cases", h_case_add, "Open a case", AR_ROLE_AIACT},
    {"GET", "/api/v1/cases/{case}", h_case_get, "One case with its events", AR_ROLE_AIACT},
    {"POST", "/api/v1/cases/{case}/events", h_case_event, "Apply an event to a case",
     AR_ROLE_AIACT},
    {"GET", "/api/v1/notices", h_notices, "Notices to the MSA and the DPA (Art. 5(4))",
     AR_ROLE_SUPERVISOR_BIT},
    {"GET", "/api/v1/reports/rbi", h_report, "Yearly RBI report (JSON or CSV)", AR_ROLE_PUBLIC},
    {NULL, NULL, NULL, NULL, 0},
};
