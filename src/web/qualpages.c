/* qualpages.c — register quality on the site: on an entry page the similar entries, the
 * completeness score with what is missing, plain-language hints, the links and their
 * state, and answered error reports with a form to report one; an organisation's quality;
 * and /dashboard, whose charts are SVG drawn here (no JavaScript), each with a title, a
 * description and the same numbers as a table. */
#include "api/api.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/err.h"
#include "json/json.h"
#include "model/lars.h"
#include "model/record.h"
#include "model/registry.h"
#include "quality/quality.h"
#include "quality/report.h"
#include "web/pages.h"
#include "web/tmpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *msg(struct ar_req *r, const char *lang, const char *key)
{
    return ar_tmpl_msg(r->app->tmpl, lang, key);
}

static const char *lang_of(const json_t *ctx)
{
    return json_string_value(json_object_get(ctx, "lang"));
}

void ar_web_entry_quality(struct ar_req *r, const char *id, const json_t *rec, json_t *ctx)
{
    const char *lang = lang_of(ctx);
    int en = lang && !strcmp(lang, "en");
    json_t *sim = NULL, *links = NULL, *reports = NULL;
    if (ar_store_similar(r->store, id, 5, 0, &sim) == 0 &&
        json_array_size(json_object_get(sim, "items")))
        json_object_set_new(ctx, "similar",
                            json_pack("{s:O}", "items", json_object_get(sim, "items")));
    json_decref(sim);
    json_t *wh = json_object_get(ctx, "withholding");
    if (json_is_true(json_object_get(wh, "is_withheld")))
        goto links; /* what is withheld is not "missing" */
    json_t *q = ar_quality_assess(rec);
    json_t *missing = json_array(), *hints = json_array();
    size_t i;
    json_t *m;
    json_array_foreach (json_object_get(q, "missing"), i, m)
        json_array_append_new(missing, json_pack("{s:O, s:O}", "field", json_object_get(m, "field"),
                                                 "text", json_object_get(m, en ? "en" : "nl")));
    json_array_foreach (json_object_get(q, "plain_language"), i, m) {
        /* hints in the page's language, for the text in that language */
        if (strcmp(ar_json_str(m, "lang") ? ar_json_str(m, "lang") : "", en ? "en" : "nl"))
            continue;
        size_t k;
        json_t *h;
        json_array_foreach (json_object_get(m, en ? "hints_en" : "hints_nl"), k, h)
            json_array_append_new(
                hints, json_pack("{s:O, s:O}", "field", json_object_get(m, "field"), "text", h));
    }
    json_object_set_new(ctx, "quality",
                        json_pack("{s:O, s:o, s:o, s:b, s:b}", "score", json_object_get(q, "score"),
                                  "missing", missing, "hints", hints, "has_missing",
                                  json_array_size(json_object_get(q, "missing")) > 0, "has_hints",
                                  0));
    json_object_set_new(
        json_object_get(ctx, "quality"), "has_hints",
        json_boolean(json_array_size(json_object_get(json_object_get(ctx, "quality"), "hints"))));
    json_decref(q);
links:
    if (ar_store_links_of(r->store, id, &links) == 0 && json_array_size(links)) {
        json_t *bad = json_array();
        json_array_foreach (links, i, m)
            if (json_integer_value(json_object_get(m, "failures")) >= 2)
                json_array_append(bad, m);
        if (json_array_size(bad))
            json_object_set_new(ctx, "broken", json_pack("{s:o}", "items", bad));
        else
            json_decref(bad);
    }
    json_decref(links);
    if (ar_report_public(r->store, id, &reports) == 0)
        json_object_set_new(ctx, "reports", reports);
    uint8_t key[32];
    if (ar_api_report_key(r->app, key) == 0) {
        char tok[96];
        ar_report_token(tok, sizeof tok, key, id, ar_clock_now());
        json_object_set_new(ctx, "report_token", json_string(tok));
    }
}

void ar_web_org_quality(struct ar_req *r, const char *slug, json_t *ctx)
{
    json_t *q = NULL, *broken = NULL;
    if (ar_api_org_quality(r, slug, &q) == 0)
        json_object_set_new(ctx, "quality", q);
    if (ar_store_links_broken(r->store, slug, &broken) == 0 && json_array_size(broken))
        json_object_set_new(ctx, "broken", json_pack("{s:o}", "items", broken));
    else
        json_decref(broken);
}

/* POST /registrations/{id}/report: the visitor's report, checked like the API's. */
void ar_web_report(struct ar_req *r)
{
    const char *id = r->params[0];
    json_t *pr = json_array(), *ctx = NULL, *reg = NULL;
    uint8_t key[32];
    char retracted[32];
    if (!ar_lars_valid(id) || ar_registry_get(r->store, id, 0, &reg)) {
        ar_web_error(r, 404, "error_not_found");
        goto out;
    }
    if (ar_api_hidden(r, id, retracted)) {
        ar_web_error(r, 410, "error_retracted");
        goto out;
    }
    if (ar_req_parse_form(r) || ar_api_report_key(r->app, key)) {
        ar_web_error(r, 400, "error_bad_form");
        goto out;
    }
    long long rid = 0;
    int rc = ar_report_submit(r->store, key, id, ar_req_arg(r, "t"), ar_req_arg(r, "message"),
                              ar_req_arg(r, "contact"), r->client, ar_clock_now(), pr, &rid);
    if (!rc) {
        r->status = 303;
        ar_req_header(r, "Location",
                      ar_arena_printf(r->arena, "/registrations/%s?reported=1#reports", id));
        goto out;
    }
    ctx = ar_web_ctx(r, NULL);
    const char *lang = lang_of(ctx);
    json_object_set_new(ctx, "title", json_string(msg(r, lang, "report_title")));
    json_object_set_new(ctx, "id", json_string(id));
    json_object_set(ctx, "name", json_object_get(json_object_get(reg, "record"), "name"));
    const char *m = ar_req_arg(r, "message"), *c = ar_req_arg(r, "contact");
    json_object_set_new(ctx, "message", json_string(m && strlen(m) <= 10000 ? m : ""));
    json_object_set_new(ctx, "contact", json_string(c && strlen(c) <= 1000 ? c : ""));
    char tok[96];
    ar_report_token(tok, sizeof tok, key, id, ar_clock_now() - AR_REPORT_MIN_SECONDS);
    json_object_set_new(ctx, "report_token", json_string(tok));
    json_t *errs = json_array();
    size_t i;
    json_t *p;
    json_array_foreach (pr, i, p) {
        const char *f = ar_json_str(p, "field"), *rule = ar_json_str(p, "rule");
        char k[64];
        snprintf(k, sizeof k, "report_err_%s", rule ? rule : "invalid");
        const char *t = msg(r, lang, k);
        json_array_append_new(errs, json_pack("{s:s, s:s}", "field", f && *f ? f : "message",
                                              "text", t ? t : ar_json_str(p, "detail")));
        if (f && !strcmp(f, "message"))
            json_object_set_new(ctx, "message_invalid", json_true());
    }
    json_object_set_new(ctx, "errors", errs);
    ar_web_render(r, rc == AR_ELIMIT ? 429 : rc == AR_EINVAL ? 422 : 503, "report", ctx);
out:
    json_decref(ctx);
    json_decref(reg);
    json_decref(pr);
}

/* ---- charts -------------------------------------------------------------------------------- */

#define CHART_W 640
#define LABEL_W 250
#define BAR_W 330
#define ROW_H 26

/* A horizontal bar chart: rows [{label, value}] → {id, title, desc, height, bars[], rows}. */
static json_t *chart(const char *id, const char *title, const char *desc, json_t *rows,
                     const char *tone)
{
    long long max = 1;
    size_t i;
    json_t *row;
    json_array_foreach (rows, i, row)
        if (json_integer_value(json_object_get(row, "value")) > max)
            max = json_integer_value(json_object_get(row, "value"));
    json_t *bars = json_array();
    json_array_foreach (rows, i, row) {
        long long v = json_integer_value(json_object_get(row, "value"));
        int w = (int)(v * BAR_W / max);
        const char *label = ar_json_str(row, "label");
        char shortl[40];
        /* SVG text does not wrap: shorten long names (the table has them in full) */
        if (label && strlen(label) > 36) {
            snprintf(shortl, sizeof shortl, "%.33s…", label);
            label = shortl;
        }
        json_array_append_new(bars, json_pack("{s:s, s:I, s:i, s:i, s:i, s:i, s:s}", "label",
                                              label ? label : "", "value", (json_int_t)v, "y",
                                              (int)(i * ROW_H + 4), "ty", (int)(i * ROW_H + 18),
                                              "w", w < 1 && v > 0 ? 1 : w, "vx",
                                              LABEL_W + (w < 1 ? 1 : w) + 6, "tone", tone));
    }
    json_t *c =
        json_pack("{s:s, s:s, s:s, s:i, s:i, s:o, s:O, s:b}", "id", id, "title", title, "desc",
                  desc, "height", (int)(json_array_size(rows) * ROW_H + 8), "label_w", LABEL_W,
                  "bars", bars, "rows", rows, "empty", json_array_size(rows) == 0);
    json_decref(rows);
    return c;
}

static json_t *row(const char *label, long long v)
{
    return json_pack("{s:s, s:I}", "label", label ? label : "", "value", (json_int_t)v);
}

void ar_web_dashboard(struct ar_req *r)
{
    json_t *d = NULL, *ctx = ar_web_ctx(r, NULL);
    const char *lang = lang_of(ctx);
    if (ar_api_dashboard(r, &d)) {
        ar_web_error(r, 503, "error_unavailable");
        json_decref(ctx);
        return;
    }
    json_t *charts = json_array(), *rows;
    size_t i;
    json_t *x;
    char label[256];

    rows = json_array();
    json_array_foreach (json_object_get(d, "organisations"), i, x)
        json_array_append_new(
            rows, row(ar_json_str(x, "key"), json_integer_value(json_object_get(x, "n"))));
    json_array_append_new(charts, chart("orgs", msg(r, lang, "dash_orgs"),
                                        msg(r, lang, "dash_orgs_desc"), rows, "a"));

    static const char *const by[] = {"by_year_status", "by_year_pubcat"};
    static const char *const title[] = {"dash_status", "dash_pubcat"};
    for (int k = 0; k < 2; k++) {
        rows = json_array();
        json_array_foreach (json_object_get(d, by[k]), i, x) {
            snprintf(label, sizeof label, "%s · %s", ar_json_str(x, "year"), ar_json_str(x, "key"));
            json_array_append_new(rows, row(label, json_integer_value(json_object_get(x, "n"))));
        }
        char desc[32];
        snprintf(desc, sizeof desc, "%s_desc", title[k]);
        json_array_append_new(charts, chart(k ? "pubcat" : "status", msg(r, lang, title[k]),
                                            msg(r, lang, desc), rows, k ? "c" : "b"));
    }

    rows = json_array();
    json_array_foreach (json_object_get(d, "risk"), i, x) {
        char key[64];
        snprintf(key, sizeof key, "risk_%s",
                 ar_json_str(x, "key") ? ar_json_str(x, "key") : "none");
        const char *l = msg(r, lang, key);
        json_array_append_new(
            rows, row(l ? l : ar_json_str(x, "key"), json_integer_value(json_object_get(x, "n"))));
    }
    json_array_append_new(charts, chart("risk", msg(r, lang, "dash_risk"),
                                        msg(r, lang, "dash_risk_desc"), rows, "d"));

    json_t *wh = json_object_get(d, "withholding");
    json_t *now_rows = json_array(), *age_rows = json_array(), *ext_rows = json_array();
    json_array_foreach (json_object_get(wh, "by_ground"), i, x) {
        char key[64];
        snprintf(key, sizeof key, "ground_%s", ar_json_str(x, "ground"));
        const char *g = msg(r, lang, key);
        json_array_append_new(now_rows,
                              row(g, json_integer_value(json_object_get(x, "withheld_now"))));
        json_array_append_new(age_rows,
                              row(g, json_integer_value(json_object_get(x, "median_days"))));
        snprintf(label, sizeof label, "%s · %s", g, msg(r, lang, "stats_granted"));
        json_array_append_new(
            ext_rows, row(label, json_integer_value(json_object_get(x, "extensions_granted"))));
        snprintf(label, sizeof label, "%s · %s", g, msg(r, lang, "stats_refused"));
        json_array_append_new(
            ext_rows, row(label, json_integer_value(json_object_get(x, "extensions_refused"))));
    }
    json_array_append_new(charts, chart("withheld", msg(r, lang, "dash_withheld"),
                                        msg(r, lang, "dash_withheld_desc"), now_rows, "e"));
    json_array_append_new(charts, chart("age", msg(r, lang, "dash_age"),
                                        msg(r, lang, "dash_age_desc"), age_rows, "e"));
    json_array_append_new(charts, chart("ext", msg(r, lang, "dash_ext"),
                                        msg(r, lang, "dash_ext_desc"), ext_rows, "f"));

    rows = json_array();
    json_array_foreach (json_object_get(d, "rbi"), i, x) {
        static const char *const m[] = {"requests", "granted", "rejected", "refused_on_the_rules"};
        for (int k = 0; k < 4; k++) {
            char key[48];
            snprintf(key, sizeof key, "rbi_m_%s", m[k]);
            snprintf(label, sizeof label, "%lld · %s",
                     (long long)json_integer_value(json_object_get(x, "year")), msg(r, lang, key));
            json_array_append_new(rows, row(label, json_integer_value(json_object_get(x, m[k]))));
        }
    }
    json_array_append_new(
        charts, chart("rbi", msg(r, lang, "dash_rbi"), msg(r, lang, "dash_rbi_desc"), rows, "g"));
    json_object_set_new(ctx, "title", json_string(msg(r, lang, "dash_title")));
    json_object_set_new(ctx, "charts", charts);
    ar_web_render(r, 200, "dashboard", ctx);
    json_decref(d);
    json_decref(ctx);
}
