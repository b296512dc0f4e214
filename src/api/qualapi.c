/* qualapi.c — register quality over HTTP: similar entries, completeness and plain
 * language (of a stored entry, or of a draft an editor is writing), links and their
 * checks, error reports and answers, per-organisation quality, and dashboard data. */
#include "aiact/cases.h"
#include "api/api.h"
#include "auth/auth.h"
#include "base/arena.h"
#include "base/cache.h"
#include "base/clock.h"
#include "base/err.h"
#include "exception/exception.h"
#include "json/json.h"
#include "log/log.h"
#include "model/lars.h"
#include "model/record.h"
#include "model/registry.h"
#include "quality/quality.h"
#include "quality/report.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void fail(struct ar_req *r, int rc, json_t *pr)
{
    if (rc == AR_ELIMIT)
        ar_resp_problem(r, 429, "rate-limit", "Too many requests", NULL, pr);
    else
        ar_api_fail(r, rc, pr, "quality", "The request breaks a rule");
}

static int known(struct ar_req *r, const char *id)
{
    if (ar_api_check_id(r, id))
        return 0;
    if (ar_store_reg_exists(r->store, id) == 0)
        return 1;
    json_t *pr = json_array();
    ar_problem_add(pr, "id", "exists", "no registration %s", id);
    fail(r, AR_ENOTFOUND, pr);
    json_decref(pr);
    return 0;
}

/* The key of the report form tokens: derived from the log's signing key, so tokens
 * survive restarts and no extra secret needs managing. */
int ar_api_report_key(const struct ar_app *app, uint8_t key[32])
{
    if (!app->signer)
        return AR_EUNAVAIL;
    static const char ctx[] = "algoreg report form token";
    crypto_generichash(key, 32, (const uint8_t *)ctx, sizeof ctx - 1, app->signer->sk, 32);
    return 0;
}

static void h_similar(struct ar_req *r)
{
    const char *id = r->params[0], *l = ar_req_arg(r, "limit"), *same = ar_req_arg(r, "same_org");
    int limit = l ? atoi(l) : 5;
    if (!known(r, id))
        return;
    if (limit < 1 || limit > 50) {
        json_t *pr = json_array();
        ar_problem_add(pr, "limit", "range", "limit is 1 to 50");
        ar_resp_problem(r, 400, "bad-request", "Bad request", NULL, pr);
        json_decref(pr);
        return;
    }
    json_t *v = NULL;
    int rc = ar_store_similar(r->store, id, limit, same && !strcmp(same, "1"), &v);
    if (rc) {
        fail(r, rc, NULL);
        return;
    }
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void h_quality(struct ar_req *r)
{
    const char *id = r->params[0];
    json_t *v = NULL;
    if (!known(r, id))
        return;
    if (ar_registry_get(r->store, id, 0, &v)) {
        fail(r, AR_EIO, NULL);
        return;
    }
    json_t *q = ar_quality_assess(json_object_get(v, "record"));
    json_object_set_new(q, "registration", json_string(id));
    json_object_set(q, "version", json_object_get(v, "version"));
    ar_resp_json(r, 200, q);
    json_decref(q);
    json_decref(v);
}

/* For editors while they write: no storage, no token. */
static void h_check(struct ar_req *r)
{
    json_t *b = ar_api_body_json(r);
    if (!b)
        return;
    json_t *rec = json_is_object(json_object_get(b, "record")) ? json_object_get(b, "record") : b;
    if (!json_is_object(rec)) {
        json_t *pr = json_array();
        ar_problem_add(pr, "", "type", "the body is a record (a JSON object)");
        fail(r, AR_EINVAL, pr);
        json_decref(pr);
    } else {
        json_t *q = ar_quality_assess(rec);
        ar_resp_json(r, 200, q);
        json_decref(q);
    }
    json_decref(b);
}

struct orgq {
    json_t *by;
    const char *only; /* count everything under this key */
};

static int each(void *ctx, const char *doc)
{
    struct orgq *o = ctx;
    json_t *d = json_loads(doc, 0, NULL);
    const char *org = ar_json_str(d, "organization");
    if (org && ar_json_str(d, "name")) { /* a wholly withheld entry has no public name */
        char slug[128];
        if (o->only)
            snprintf(slug, sizeof slug, "%s", o->only);
        else
            ar_store_slugify(slug, sizeof slug, org);
        json_t *q = ar_quality_assess(d);
        int score = (int)json_integer_value(json_object_get(q, "score"));
        json_t *e = json_object_get(o->by, slug);
        if (!e)
            json_object_set_new(
                o->by, slug,
                e = json_pack("{s:i, s:i, s:i}", "entries", 0, "score_sum", 0, "below_60", 0));
        json_object_set_new(e, "entries",
                            json_integer(json_integer_value(json_object_get(e, "entries")) + 1));
        json_object_set_new(
            e, "score_sum",
            json_integer(json_integer_value(json_object_get(e, "score_sum")) + score));
        if (score < 60)
            json_object_set_new(
                e, "below_60",
                json_integer(json_integer_value(json_object_get(e, "below_60")) + 1));
        json_decref(q);
    }
    json_decref(d);
    return 0;
}

int ar_api_org_quality(struct ar_req *r, const char *slug, json_t **out)
{
    long long stamp = 0;
    char key[200];
    json_t *e = NULL;
    ar_store_stamp(r->store, &stamp);
    snprintf(key, sizeof key, "quality-org|%lld|%.150s", stamp, slug);
    struct ar_buf b;
    ar_buf_init(&b, 0);
    /* one pass over the organisation's latest versions, kept until the next write */
    if (ar_cache_get_or_claim(key, &b))
        e = json_loadb(b.ptr, b.len, 0, NULL);
    ar_buf_free(&b);
    if (!e) {
        struct orgq o = {json_object(), slug};
        int rc = ar_store_each_latest_org(r->store, slug, each, &o);
        if (rc) {
            json_decref(o.by);
            ar_cache_release(key);
            return rc;
        }
        e = json_incref(json_object_get(o.by, slug));
        if (!e)
            e = json_pack("{s:i, s:i, s:i}", "entries", 0, "score_sum", 0, "below_60", 0);
        json_decref(o.by);
        char *txt = json_dumps(e, JSON_COMPACT);
        if (txt)
            ar_cache_put(key, txt, strlen(txt));
        free(txt);
        ar_cache_release(key);
    }
    long long n = json_integer_value(json_object_get(e, "entries"));
    json_t *broken = NULL, *reports = NULL;
    ar_store_links_broken(r->store, slug, &broken);
    ar_store_reports(r->store, NULL, slug, 1, &reports);
    *out = json_pack(
        "{s:s, s:I, s:I, s:I, s:I, s:I}", "organization", slug, "entries", (json_int_t)n,
        "average_score",
        (json_int_t)(n ? (json_integer_value(json_object_get(e, "score_sum")) + n / 2) / n : 0),
        "below_60", (json_int_t)json_integer_value(json_object_get(e, "below_60")), "broken_links",
        (json_int_t)json_array_size(broken), "open_reports", (json_int_t)json_array_size(reports));
    json_decref(broken);
    json_decref(reports);
    json_decref(e);
    return 0;
}

static void h_org_quality(struct ar_req *r)
{
    json_t *org = NULL, *v = NULL;
    if (ar_store_org_get(r->store, r->params[0], &org)) {
        json_t *pr = json_array();
        ar_problem_add(pr, "slug", "exists", "no organisation %s", r->params[0]);
        fail(r, AR_ENOTFOUND, pr);
        json_decref(pr);
        return;
    }
    json_decref(org);
    if (ar_api_org_quality(r, r->params[0], &v)) {
        fail(r, AR_EIO, NULL);
        return;
    }
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void h_links(struct ar_req *r)
{
    json_t *v = NULL;
    if (!known(r, r->params[0]))
        return;
    if (ar_store_links_of(r->store, r->params[0], &v)) {
        fail(r, AR_EIO, NULL);
        return;
    }
    json_t *out = json_pack("{s:s, s:o}", "registration", r->params[0], "items", v);
    ar_resp_json(r, 200, out);
    json_decref(out);
}

static void h_broken(struct ar_req *r)
{
    const char *org = ar_req_arg(r, "organization");
    json_t *v = NULL;
    if (ar_store_links_broken(r->store, org && *org ? org : NULL, &v)) {
        fail(r, AR_EIO, NULL);
        return;
    }
    json_t *out = json_pack("{s:o}", "items", v);
    ar_resp_json(r, 200, out);
    json_decref(out);
}

static void h_link_history(struct ar_req *r)
{
    const char *url = ar_req_arg(r, "url");
    json_t *v = NULL;
    if (!url || !*url) {
        json_t *pr = json_array();
        ar_problem_add(pr, "url", "required", "the link whose checks to show");
        ar_resp_problem(r, 400, "bad-request", "Bad request", NULL, pr);
        json_decref(pr);
        return;
    }
    if (ar_store_link_history(r->store, url, &v)) {
        fail(r, AR_EIO, NULL);
        return;
    }
    json_t *out = json_pack("{s:s, s:o}", "url", url, "checks", v);
    ar_resp_json(r, 200, out);
    json_decref(out);
}

static void h_reports_public(struct ar_req *r)
{
    json_t *v = NULL;
    if (!known(r, r->params[0]))
        return;
    if (ar_report_public(r->store, r->params[0], &v)) {
        fail(r, AR_EIO, NULL);
        return;
    }
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void h_report_token(struct ar_req *r)
{
    uint8_t key[32];
    if (!known(r, r->params[0]))
        return;
    if (ar_api_report_key(r->app, key)) {
        fail(r, AR_EUNAVAIL, NULL);
        return;
    }
    char tok[96], nb[32], ex[32];
    time_t now = ar_clock_now();
    ar_report_token(tok, sizeof tok, key, r->params[0], now);
    ar_clock_fmt(nb, sizeof nb, now + AR_REPORT_MIN_SECONDS);
    ar_clock_fmt(ex, sizeof ex, now + AR_REPORT_MAX_AGE);
    json_t *v = json_pack("{s:s, s:s, s:s}", "token", tok, "not_before", nb, "expires", ex);
    ar_req_header(r, "Cache-Control", "no-store");
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void h_report_add(struct ar_req *r)
{
    uint8_t key[32];
    json_t *b = NULL, *pr = json_array();
    long long id = 0;
    if (!known(r, r->params[0]) || !(b = ar_api_body_json(r)))
        goto out;
    if (ar_api_report_key(r->app, key)) {
        fail(r, AR_EUNAVAIL, NULL);
        goto out;
    }
    int rc = ar_report_submit(r->store, key, r->params[0], ar_json_str(b, "token"),
                              ar_json_str(b, "message"), ar_json_str(b, "contact"), r->client,
                              ar_clock_now(), pr, &id);
    if (rc) {
        fail(r, rc, pr);
        goto out;
    }
    json_t *v = json_pack("{s:I, s:s}", "id", (json_int_t)id, "state", "open");
    ar_resp_json(r, 201, v);
    json_decref(v);
out:
    json_decref(pr);
    json_decref(b);
}

static void h_reports(struct ar_req *r)
{
    const char *who = ar_api_require_token(r), *org = ar_req_arg(r, "organization"),
               *state = ar_req_arg(r, "state");
    json_t *v = NULL;
    if (!who)
        return;
    /* An organisation's people see their own organisation's reports. */
    const struct ar_principal *p = ar_app_principal(r);
    if (p && p->org[0])
        org = p->org;
    if (ar_store_reports(r->store, NULL, org && *org ? org : NULL, state && !strcmp(state, "open"),
                         &v)) {
        fail(r, AR_EIO, NULL);
        return;
    }
    json_t *out = json_pack("{s:o}", "items", v);
    ar_req_header(r, "Cache-Control", "no-store");
    ar_resp_json(r, 200, out);
    json_decref(out);
}

/* A principal tied to an organisation answers only its own organisation's reports. */
static int report_is_mine(struct ar_req *r, long long id)
{
    const struct ar_principal *p = ar_app_principal(r);
    json_t *list = NULL, *x;
    size_t i;
    int mine = 0, any = 0;
    if (!p || !p->org[0])
        return 1;
    if (ar_store_reports(r->store, NULL, NULL, 0, &list) == 0)
        json_array_foreach (list, i, x)
            if (json_integer_value(json_object_get(x, "id")) == id) {
                any = 1;
                const char *slug = ar_json_str(x, "organization");
                mine = slug && !strcmp(slug, p->org);
            }
    json_decref(list);
    if (!any || mine)
        return 1; /* unknown reports are the store's 404 */
    json_t *pr = json_array();
    ar_problem_add(pr, "report", "organisation", "report %lld concerns another organisation", id);
    ar_resp_problem(r, 403, "forbidden", "Another organisation's report", NULL, pr);
    json_decref(pr);
    return 0;
}

static void h_answer(struct ar_req *r)
{
    const char *who = ar_api_require_token(r);
    json_t *b = NULL, *pr = json_array();
    char *end;
    long long id = strtoll(r->params[0], &end, 10);
    if (!who || !(b = ar_api_body_json(r)))
        goto out;
    const char *answer = ar_json_str(b, "answer");
    if (*end || id < 1)
        ar_problem_add(pr, "report", "format", "a report number is a positive integer");
    if (!answer || strlen(answer) < 2 || strlen(answer) > 4000)
        ar_problem_add(pr, "answer", "length", "an answer of 2 to 4000 characters");
    if (json_array_size(pr)) {
        fail(r, AR_EINVAL, pr);
        goto out;
    }
    if (!report_is_mine(r, id))
        goto out;
    char ts[32];
    ar_clock_fmt(ts, sizeof ts, ar_clock_now());
    int rc = ar_store_begin(r->store);
    if (!rc) {
        rc = ar_store_report_answer(r->store, id, answer, ts, who);
        if (rc)
            ar_store_rollback(r->store);
        else
            rc = ar_store_commit(r->store);
    }
    if (rc) {
        ar_problem_add(pr, "report", rc == AR_ECONFLICT ? "answered" : "exists",
                       rc == AR_ECONFLICT ? "report %lld is answered already, or does not exist"
                                          : "report %lld could not be answered",
                       id);
        fail(r, rc, pr);
        goto out;
    }
    json_t *v =
        json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "state", "answered", "answered", ts);
    ar_resp_json(r, 200, v);
    json_decref(v);
out:
    json_decref(pr);
    json_decref(b);
}

/* Dashboard data: the same numbers the charts draw. */
int ar_api_dashboard(struct ar_req *r, json_t **out)
{
    json_t *d = NULL, *ex = NULL;
    int rc = ar_store_dashboard(r->store, &d);
    if (!rc)
        rc = ar_exception_stats(r->store, &ex);
    if (rc) {
        json_decref(d);
        return rc;
    }
    json_object_set_new(d, "withholding", ex);
    char now[32];
    ar_clock_fmt(now, sizeof now, ar_clock_now());
    int year = atoi(now);
    json_t *rbi = json_array();
    for (int y = year - 3; y <= year; y++) {
        json_t *rep = NULL;
        if (ar_case_report(r->store, y, NULL, &rep) == 0) {
            long long req = 0, granted = 0, rejected = 0, refused = 0;
            size_t i;
            json_t *a;
            json_array_foreach (json_object_get(rep, "authorities"), i, a) {
                static const char *const kinds[] = {"realtime", "post"};
                for (int k = 0; k < 2; k++) {
                    json_t *c = json_object_get(a, kinds[k]);
                    req += json_integer_value(json_object_get(c, "requests"));
                    granted += json_integer_value(json_object_get(c, "granted"));
                    rejected += json_integer_value(json_object_get(c, "rejected"));
                    refused += json_integer_value(json_object_get(c, "refused_on_the_rules"));
                }
            }
            json_array_append_new(rbi, json_pack("{s:i, s:I, s:I, s:I, s:I}", "year", y, "requests",
                                                 (json_int_t)req, "granted", (json_int_t)granted,
                                                 "rejected", (json_int_t)rejected,
                                                 "refused_on_the_rules", (json_int_t)refused));
        }
        json_decref(rep);
    }
    json_object_set_new(d, "rbi", rbi);
    *out = d;
    return 0;
}

static void h_dashboard(struct ar_req *r)
{
    json_t *v = NULL;
    if (ar_api_dashboard(r, &v)) {
        fail(r, AR_EIO, NULL);
        return;
    }
    ar_resp_json(r, 200, v);
    json_decref(v);
}

const struct ar_route ar_quality_routes[] = {
    {"GET", "/api/v1/registrations/{id}/similar", h_similar, "Similar registrations",
     AR_ROLE_PUBLIC},
    {"GET", "/api/v1/registrations/{id}/quality", h_quality,
     "Completeness and plain-language check", AR_ROLE_PUBLIC},
    {"POST", "/api/v1/quality/check", h_check, "Check a draft record (nothing stored)",
     AR_ROLE_PUBLIC},
    {"GET", "/api/v1/organisations/{slug}/quality", h_org_quality, "An organisation's quality",
     AR_ROLE_PUBLIC},
    {"GET", "/api/v1/registrations/{id}/links", h_links, "Links of a registration and checks",
     AR_ROLE_PUBLIC},
    {"GET", "/api/v1/links/broken", h_broken, "Broken links", AR_ROLE_PUBLIC},
    {"GET", "/api/v1/links/history", h_link_history, "The checks of one link", AR_ROLE_PUBLIC},
    {"GET", "/api/v1/registrations/{id}/reports", h_reports_public, "Answered error reports",
     AR_ROLE_PUBLIC},
    {"GET", "/api/v1/registrations/{id}/reports/token", h_report_token,
     "A form token for reporting an error", AR_ROLE_PUBLIC},
    {"POST", "/api/v1/registrations/{id}/reports", h_report_add, "Report an error", AR_ROLE_PUBLIC},
    {"GET", "/api/v1/reports", h_reports, "Error reports for the organisations", AR_ROLE_ORG},
    {"POST", "/api/v1/reports/{report}/answer", h_answer, "Answer an error report", AR_ROLE_ORG},
    {"GET", "/api/v1/dashboard", h_dashboard, "Dashboard figures", AR_ROLE_PUBLIC},
    {NULL, NULL, NULL, NULL, 0},
};
