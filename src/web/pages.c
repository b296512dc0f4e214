/* pages.c — the public site: server-rendered HTML that works without JavaScript.
 *
 * Each page's data is the JSON the API returns for the same resource, plus a view
 * built from the field table (labels, groups, language fallback) and the page
 * context (language, links). Templates do the markup; nothing here concatenates
 * user text into HTML. */
#include "api/api.h"
#include "approval/approval.h"
#include "auth/auth.h"
#include "base/assets.h"
#include "base/cache.h"
#include "base/clock.h"
#include "base/err.h"
#include "exception/exception.h"
#include "json/json.h"
#include "model/fields.h"
#include "model/lars.h"
#include "model/registry.h"
#include "model/sanitize.h"
#include "log/witness.h"
#include "web/pages.h"
#include "sheet/sheet.h"
#include "web/tmpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *pick_lang(const struct ar_req *r)
{
    const char *l = ar_req_arg(r, "lang");
    if (l && (strcmp(l, "en") == 0 || strcmp(l, "nl") == 0))
        return l;
    /* Accept-Language: English only when the visitor prefers it over Dutch. */
    const char *al = r->accept_language;
    if (al) {
        const char *en = strstr(al, "en"), *nl = strstr(al, "nl");
        if (en && (!nl || en < nl))
            return "en";
    }
    return "nl";
}

static json_t *page_ctx(struct ar_req *r, const char *title)
{
    const char *lang = pick_lang(r);
    int en = strcmp(lang, "en") == 0;
    /* Links keep the language only when it was chosen explicitly. */
    const char *chosen = ar_req_arg(r, "lang");
    const char *lq = chosen && en ? "lang=en" : (chosen ? "lang=nl" : "");
    struct ar_buf other;
    ar_buf_init(&other, 8192);
    ar_buf_puts(&other, r->path);
    int first = 1;
    /* Only the query's arguments: a form's fields (a token, a request's content) must
     * never end up in a link. */
    int nq = r->form ? r->nquery : r->nargs;
    for (int i = 0; i < nq; i++) {
        if (strcmp(r->args[i].key, "lang") == 0)
            continue;
        ar_buf_putc(&other, first ? '?' : '&');
        first = 0;
        ar_buf_urlenc(&other, r->args[i].key);
        ar_buf_putc(&other, '=');
        ar_buf_urlenc(&other, r->args[i].value);
    }
    ar_buf_printf(&other, "%slang=%s", first ? "?" : "&", en ? "nl" : "en");
    json_t *ctx = json_pack("{s:s, s:b, s:s, s:s, s:s, s:s, s:s}", "lang", lang, "en", en, "lang_q",
                            lq, "lang_amp", *lq ? "&" : "", "lang_qm", *lq ? "?" : "",
                            "other_lang_href", ar_buf_cstr(&other), "title", title ? title : "");
    ar_buf_free(&other);
    /* Signed in: the header shows who, and forms carry the session's CSRF token. */
    const struct ar_principal *me = ar_app_principal(r);
    if (me) {
        json_object_set_new(
            ctx, "me",
            json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b}", "name", me->name, "role",
                      me->role, "org", me->org, "admin", (me->bit & AR_ROLE_ADMIN_BIT) != 0,
                      "session", me->session[0] != 0, "workspace",
                      me->account && me->org[0] && (me->bit & AR_ROLE_ORG), "supervisor",
                      (me->bit & AR_ROLE_SUPERVISOR_BIT) != 0, "authority",
                      (me->bit & AR_ROLE_AUTHORITY_BIT) != 0, "reviewer",
                      (me->bit & (AR_ROLE_REVIEW_BIT | AR_ROLE_CHIEF_BIT | AR_ROLE_PROSECUTOR_BIT |
                                  AR_ROLE_MAYOR_BIT)) != 0));
        json_object_set_new(ctx, "csrf", json_string(me->csrf));
        ar_req_header(r, "Cache-Control", "private, no-store");
    }
    return ctx;
}

static void render(struct ar_req *r, int status, const char *tmpl, json_t *data)
{
    r->status = status;
    r->ctype = "text/html; charset=utf-8";
    ar_buf_reset(&r->out);
    if (ar_tmpl_render(r->app->tmpl, tmpl, data, &r->out)) {
        ar_buf_reset(&r->out);
        r->status = 500;
        ar_buf_puts(&r->out, "<!doctype html><title>Error</title><p>The page could not be"
                             " rendered.</p>");
    }
    ar_req_header(r, "Content-Language", json_string_value(json_object_get(data, "lang")));
    ar_req_header(r, "Vary", "Accept-Language");
}

void ar_web_render(struct ar_req *r, int status, const char *tmpl, json_t *data)
{
    render(r, status, tmpl, data);
}

json_t *ar_web_ctx(struct ar_req *r, const char *title)
{
    return page_ctx(r, title);
}

void ar_web_error(struct ar_req *r, int status, const char *msg_key);

static void error_page(struct ar_req *r, int status, const char *msg_key)
{
    json_t *ctx = page_ctx(r, NULL);
    const char *lang = json_string_value(json_object_get(ctx, "lang"));
    json_object_set_new(ctx, "title", json_string(ar_tmpl_msg(r->app->tmpl, lang, "error_title")));
    json_object_set_new(ctx, "message", json_string(ar_tmpl_msg(r->app->tmpl, lang, msg_key)));
    json_object_set_new(ctx, "status", json_integer(status));
    render(r, status, "error", ctx);
    json_decref(ctx);
}

void ar_web_error(struct ar_req *r, int status, const char *msg_key)
{
    error_page(r, status, msg_key);
}

const char *ar_web_msg(struct ar_req *r, const json_t *ctx, const char *key)
{
    return ar_tmpl_msg(r->app->tmpl, json_string_value(json_object_get(ctx, "lang")), key);
}

const char *ar_web_rule_text(struct ar_req *r, const json_t *ctx, const json_t *problem)
{
    const char *key = ar_arena_printf(r->arena, "rule_%s", ar_json_str(problem, "rule") ?: "");
    const char *m = ar_web_msg(r, ctx, key);
    return strcmp(m, key) ? m : ar_json_str(problem, "detail") ?: "";
}

void ar_web_see_other(struct ar_req *r, const char *where)
{
    r->status = 303;
    r->ctype = "text/plain; charset=utf-8";
    ar_req_header(r, "Location", where);
    ar_req_header(r, "Cache-Control", "no-store");
}

long long ar_web_number(const char *s)
{
    char *end;
    long long n = s && *s ? strtoll(s, &end, 10) : 0;
    return n > 0 && n < 1000000000000LL && !*end ? n : 0;
}

void ar_web_not_found(struct ar_req *r)
{
    error_page(r, 404, "error_not_found");
}

void ar_web_denied(struct ar_req *r, int status, const char *msg_key)
{
    if (status == 401 && (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD"))) {
        struct ar_buf b;
        ar_buf_init(&b, 8192);
        ar_buf_puts(&b, "/login?next=");
        ar_buf_urlenc(&b, r->path);
        r->status = 303;
        ar_req_header(r, "Location", ar_arena_strdup(r->arena, ar_buf_cstr(&b)));
        ar_buf_free(&b);
        return;
    }
    error_page(r, status, msg_key);
}

/* ---- home: search with facets --------------------------------------------- */

static json_t *facet_view(struct ar_req *r, json_t *facet, const char *param, const char *lang,
                          const char *label_key)
{
    json_t *items = json_array();
    const char *cur = ar_req_arg(r, param);
    size_t i;
    json_t *f;
    json_array_foreach (facet, i, f) {
        json_t *v = json_object_get(f, "value");
        const char *val, *label = json_string_value(json_object_get(f, "label"));
        char buf[8];
        if (json_is_integer(v)) { /* is_ai: 1 yes, 0 no, -1 not stated */
            long long n = json_integer_value(v);
            if (n < 0)
                continue;
            snprintf(buf, sizeof buf, "%s", n ? "yes" : "no");
            val = buf;
            label = ar_tmpl_msg(r->app->tmpl, lang, n ? "ai_yes" : "ai_no");
        } else {
            val = json_string_value(v);
        }
        if (!val)
            continue;
        int sel = cur && strcmp(cur, val) == 0;
        json_array_append_new(items,
                              json_pack("{s:s, s:s, s:I, s:b, s:s}", "value", val, "label",
                                        label ? label : val, "count",
                                        json_integer_value(json_object_get(f, "count")), "selected",
                                        sel, "href", ar_req_href(r, "/", param, sel ? "" : val)));
    }
    /* Long lists (hundreds of organisations) show the ten largest and fold the rest
     * into a <details> element, which needs no JavaScript. A selected value stays
     * visible. */
    json_t *more = json_array();
    if (json_array_size(items) > 12) {
        json_t *first = json_array();
        size_t i2;
        json_t *it2;
        json_array_foreach (items, i2, it2) {
            int sel = json_is_true(json_object_get(it2, "selected"));
            json_array_append(i2 < 10 || sel ? first : more, it2);
        }
        json_decref(items);
        items = first;
    }
    json_t *out =
        json_pack("{s:s, s:s, s:o, s:b, s:o, s:I}", "param", param, "label",
                  ar_tmpl_msg(r->app->tmpl, lang, label_key), "items", items, "active", cur && *cur,
                  "more", more, "more_count", (json_int_t)json_array_size(more));
    if (cur && *cur)
        json_object_set_new(out, "clear_href", json_string(ar_req_href(r, "/", param, "")));
    return out;
}

static void h_home(struct ar_req *r)
{
    struct ar_query q;
    json_t *pr = json_array(), *res = NULL, *ctx = page_ctx(r, NULL);
    const char *lang = json_string_value(json_object_get(ctx, "lang"));
    int en = strcmp(lang, "en") == 0;
    int status = 200;
    if (ar_api_parse_query(r, &q, pr)) {
        /* Bad filter values: show the message inline and search without them. */
        json_object_set(ctx, "errors", pr);
        status = 400;
        memset(&q, 0, sizeof q);
        q.is_ai = -1;
        q.q = ar_req_arg(r, "q");
        if (q.q && strlen(q.q) > 200)
            q.q = NULL;
    }
    int rc = ar_store_search(r->store, &q, &res);
    if (rc) {
        error_page(r, 503, "error_unavailable");
        goto out;
    }
    json_object_set_new(ctx, "title", json_string(ar_tmpl_msg(r->app->tmpl, lang, "site_name")));
    json_object_set(ctx, "data", res);
    json_object_set_new(ctx, "q", json_string(q.q ? q.q : ""));
    json_t *items = json_object_get(res, "items");
    size_t i;
    json_t *it;
    json_array_foreach (items, i, it) {
        /* Show English name and description when present, else Dutch marked lang=nl. */
        const char *ne = json_string_value(json_object_get(it, "name_en"));
        const char *de = json_string_value(json_object_get(it, "description_short_en"));
        json_object_set_new(
            it, "show_name",
            json_string(en && ne ? ne : json_string_value(json_object_get(it, "name"))));
        json_object_set_new(it, "name_lang", json_string(en && !ne ? "nl" : lang));
        const char *nm = json_string_value(json_object_get(it, "name"));
        if (!nm || !*nm) /* withheld as a whole: only its existence is public */
            json_object_set_new(it, "show_name",
                                json_string(ar_tmpl_msg(r->app->tmpl, lang, "withheld_title")));
        json_object_set_new(
            it, "show_descr",
            json_string(en && de ? de
                                 : json_string_value(json_object_get(it, "description_short"))));
        json_object_set_new(it, "descr_lang", json_string(en && !de ? "nl" : lang));
    }
    json_t *facets = json_object_get(res, "facets");
    json_t *fv = json_array();
    json_array_append_new(fv, facet_view(r, json_object_get(facets, "organization"), "organization",
                                         lang, "facet_organization"));
    json_array_append_new(
        fv, facet_view(r, json_object_get(facets, "status"), "status", lang, "facet_status"));
    json_array_append_new(fv, facet_view(r, json_object_get(facets, "publication_category"),
                                         "publication_category", lang, "facet_pubcat"));
    json_array_append_new(
        fv, facet_view(r, json_object_get(facets, "theme"), "theme", lang, "facet_theme"));
    json_array_append_new(fv,
                          facet_view(r, json_object_get(facets, "is_ai"), "ai", lang, "facet_ai"));
    json_object_set_new(ctx, "facets", fv);
    /* Hidden inputs keep active filters when the search text changes. */
    json_t *hidden = json_array();
    static const char *const keep[] = {
        "organization", "status", "publication_category", "theme", "ai", "lang", NULL};
    for (const char *const *k = keep; *k; k++) {
        const char *v = ar_req_arg(r, *k);
        if (v && *v)
            json_array_append_new(hidden, json_pack("{s:s, s:s}", "name", *k, "value", v));
    }
    json_object_set_new(ctx, "hidden", hidden);
    const char *sort = q.sort && *q.sort ? q.sort : (q.q && *q.q ? "relevance" : "name");
    json_t *sorts = json_array();
    static const char *const sort_keys[] = {"relevance", "name", "updated", NULL};
    for (const char *const *s = sort_keys; *s; s++) {
        char key[32];
        snprintf(key, sizeof key, "sort_%s", *s);
        json_array_append_new(sorts, json_pack("{s:s, s:s, s:b}", "value", *s, "label",
                                               ar_tmpl_msg(r->app->tmpl, lang, key), "selected",
                                               strcmp(sort, *s) == 0));
    }
    json_object_set_new(ctx, "sorts", sorts);
    long long page = json_integer_value(json_object_get(res, "page"));
    long long pages = json_integer_value(json_object_get(res, "pages"));
    char num[32];
    if (page > 1) {
        snprintf(num, sizeof num, "%lld", page - 1);
        json_object_set_new(ctx, "prev_href", json_string(ar_req_href(r, "/", "page", num)));
    }
    if (page < pages) {
        snprintf(num, sizeof num, "%lld", page + 1);
        json_object_set_new(ctx, "next_href", json_string(ar_req_href(r, "/", "page", num)));
    }
    char *api = ar_req_href(r, "/", "lang", "");
    json_object_set_new(ctx, "api_href",
                        json_string(ar_arena_printf(r->arena, "/api/v1/registrations%s", api + 1)));
    /* The result as spreadsheets, in parts of AR_SHEET_HTTP_ROWS when it is larger. */
    long long total = json_integer_value(json_object_get(res, "total"));
    json_t *parts = json_array();
    for (long long part = 1, n = (total + AR_SHEET_HTTP_ROWS - 1) / AR_SHEET_HTTP_ROWS;
         part <= n && part <= 200; part++) {
        const char *sep = api[1] ? "&" : "?";
        long long last = part * AR_SHEET_HTTP_ROWS < total ? part * AR_SHEET_HTTP_ROWS : total;
        json_array_append_new(
            parts, json_pack("{s:s, s:s, s:I, s:I}", "csv",
                             ar_arena_printf(r->arena, "/api/v1/registrations.csv%s%spage=%lld",
                                             api + 1, sep, part),
                             "xlsx",
                             ar_arena_printf(r->arena, "/api/v1/registrations.xlsx%s%spage=%lld",
                                             api + 1, sep, part),
                             "from", (json_int_t)((part - 1) * AR_SHEET_HTTP_ROWS + 1), "to",
                             (json_int_t)last));
    }
    json_object_set_new(ctx, "sheet_parts", parts);
    json_object_set_new(
        ctx, "feed_href",
        json_string(lang && !strcmp(lang, "en") ? "/feed.atom?lang=en" : "/feed.atom"));
    json_object_set_new(ctx, "sheet_split", json_boolean(total > AR_SHEET_HTTP_ROWS));
    render(r, status, "home", ctx);
out:
    json_decref(res);
    json_decref(pr);
    json_decref(ctx);
}

/* ---- entry page ------------------------------------------------------------- */

static json_t *value_view(const struct ar_field *f, json_t *v, json_t *env, const char *lang,
                          struct ar_req *r);

/* Withheld field names of the entry being rendered (this thread's request only). */
static __thread json_t *g_withheld;

static json_t *fields_view(const struct ar_field *table, const char *const *only, json_t *obj,
                           json_t *en_obj, const char *lang, struct ar_req *r)
{
    json_t *arr = json_array();
    for (const struct ar_field *f = table; f->key; f++) {
        if (only) {
            int found = 0;
            for (const char *const *k = only; *k; k++)
                found |= strcmp(*k, f->key) == 0;
            if (!found)
                continue;
        }
        json_t *v = json_object_get(obj, f->key);
        json_t *ev = en_obj ? json_object_get(en_obj, f->key) : NULL;
        json_t *view = value_view(f, v, ev, lang, r);
        if (view)
            json_array_append_new(arr, view);
    }
    return arr;
}

static json_t *value_view(const struct ar_field *f, json_t *v, json_t *ev, const char *lang,
                          struct ar_req *r)
{
    int en = strcmp(lang, "en") == 0;
    json_t *o = json_pack("{s:s, s:s}", "key", f->key, "label", ar_field_label(f, lang));
    /* Every view key is present (null when unused): template lookups fall through to
     * enclosing contexts for missing keys, and a nested row must never pick up its
     * parent's value. */
    static const char *const keys[] = {"text",    "html",       "link",        "email",
                                       "mailto",  "list",       "links",       "children",
                                       "is_list", "is_links",   "is_children", "value_lang",
                                       "empty",   "empty_text", NULL};
    for (const char *const *k = keys; *k; k++)
        json_object_set_new(o, *k, json_null());
    if (!v) {
        int withheld = 0;
        size_t i;
        json_t *f2;
        json_array_foreach (g_withheld, i, f2)
            withheld |= strcmp(json_string_value(f2), f->key) == 0;
        json_object_set_new(o, "empty", json_true());
        json_object_set_new(
            o, "empty_text",
            json_string(
                ar_tmpl_msg(r->app->tmpl, lang, withheld ? "withheld_field" : "not_filled_in")));
        return o;
    }
    json_t *show = v;
    if (en && (f->flags & AR_FF_I18N)) {
        if (ev)
            show = ev;
        else
            json_object_set_new(o, "value_lang", json_string("nl"));
    }
    switch (f->type) {
    case AR_FT_HTML: json_object_set(o, "html", show); break;
    case AR_FT_URL: json_object_set(o, "link", show); break;
    case AR_FT_EMAIL:
        json_object_set(o, "email", show);
        json_object_set_new(
            o, "mailto",
            json_string(ar_arena_printf(r->arena, "mailto:%s", json_string_value(show))));
        break;
    case AR_FT_BOOL:
        json_object_set_new(
            o, "text",
            json_string(ar_tmpl_msg(r->app->tmpl, lang, json_is_true(show) ? "yes" : "no")));
        break;
    case AR_FT_ENUM_LIST:
    case AR_FT_STR_LIST:
        json_object_set(o, "list", show);
        json_object_set_new(o, "is_list", json_true());
        break;
    case AR_FT_LINKS:
        json_object_set(o, "links", show);
        json_object_set_new(o, "is_links", json_true());
        break;
    case AR_FT_OBJECT: {
        json_t *kids = fields_view(f->children, NULL, v, ev, lang, r);
        /* Hide empty nested rows so a sub-object shows only what was filled in. */
        json_t *filled = json_array();
        size_t i;
        json_t *k;
        json_array_foreach (kids, i, k)
            if (!json_is_true(json_object_get(k, "empty")))
                json_array_append(filled, k);
        json_object_set_new(o, "children", filled);
        json_object_set_new(o, "is_children", json_boolean(json_array_size(filled) > 0));
        json_decref(kids);
        break;
    }
    default: json_object_set(o, "text", show); break;
    }
    return o;
}

static json_t *entry_groups(const json_t *rec, const char *lang, struct ar_req *r)
{
    json_t *groups = json_array();
    json_t *en = json_object_get(rec, "en");
    for (const struct ar_group *g = ar_record_groups; g->key; g++) {
        json_t *fields = fields_view(ar_record_fields, g->fields, (json_t *)rec, en, lang, r);
        /* The safeguards and AI Act groups are objects: show their members directly. */
        if (json_array_size(fields) == 1 &&
            json_is_array(json_object_get(json_array_get(fields, 0), "children"))) {
            json_t *kids = json_incref(json_object_get(json_array_get(fields, 0), "children"));
            json_decref(fields);
            fields = kids;
        }
        json_array_append_new(groups, json_pack("{s:s, s:s, s:o}", "key", g->key, "label",
                                                strcmp(lang, "en") == 0 ? g->label_en : g->label_nl,
                                                "fields", fields));
    }
    return groups;
}

/* Cache key for a page whose bytes depend only on the database state, the path, the
 * query and the negotiated language; NULL when the stamp cannot be read. */
static char *page_key(struct ar_req *r, const char *lang)
{
    long long stamp;
    if (ar_store_stamp(r->store, &stamp))
        return NULL;
    struct ar_buf b;
    ar_buf_init(&b, 8192);
    /* The day is part of the key: whether an AI Act obligation is in force on the page
     * changes at midnight UTC without any write. */
    char day[32];
    ar_clock_fmt(day, sizeof day, ar_clock_now());
    day[10] = '\0';
    ar_buf_printf(&b, "page|%lld|%s|%s|%s", stamp, day, lang, r->path);
    for (int i = 0; i < r->nargs; i++) {
        ar_buf_putc(&b, '|');
        ar_buf_urlenc(&b, r->args[i].key);
        ar_buf_putc(&b, '=');
        ar_buf_urlenc(&b, r->args[i].value);
    }
    char *k = ar_buf_ok(&b) ? ar_arena_strdup(r->arena, ar_buf_cstr(&b)) : NULL;
    ar_buf_free(&b);
    return k;
}

/* The labels of the fields a withholding covers, in lang. */
static json_t *withheld_labels(const json_t *wh, const char *lang)
{
    json_t *labels = json_array(), *fk;
    size_t li;
    json_array_foreach (json_object_get(wh, "fields"), li, fk) {
        const struct ar_field *fd = ar_fields_find(ar_record_fields, json_string_value(fk));
        json_array_append_new(labels,
                              json_string(fd ? ar_field_label(fd, lang)
                                             : (strcmp(lang, "en") == 0 ? "English versions"
                                                                        : "Engelse vertalingen")));
    }
    return labels;
}

int ar_web_public_groups(struct ar_req *r, const char *id, const char *lang, json_t **groups,
                         json_t **withheld)
{
    json_t *data = NULL, *wh = NULL;
    int rc = ar_registry_get(r->store, id, 0, &data);
    if (rc)
        return rc;
    *withheld = json_array();
    if (ar_exception_public(r->store, id, &wh) == 0 &&
        !strcmp(ar_json_str(wh, "state") ?: "", "withheld")) {
        json_decref(*withheld);
        *withheld = withheld_labels(wh, lang);
        g_withheld = json_object_get(wh, "fields");
    }
    *groups = entry_groups(json_object_get(data, "record"), lang, r);
    g_withheld = NULL;
    json_decref(wh);
    json_decref(data);
    return 0;
}

static void h_entry(struct ar_req *r)
{
    const char *id = r->params[0];
    const char *lang0 = pick_lang(r);
    /* Pages for a signed-in visitor name them in the header: never cached. */
    char *key = ar_app_principal(r) ? NULL : page_key(r, lang0);
    if (key && ar_cache_get_or_claim(key, &r->out)) {
        r->status = 200;
        r->ctype = "text/html; charset=utf-8";
        ar_req_header(r, "Content-Language", lang0);
        ar_req_header(r, "Vary", "Accept-Language");
        return;
    }
    json_t *data = NULL, *ctx = page_ctx(r, NULL);
    const char *lang = json_string_value(json_object_get(ctx, "lang"));
    long version = 0;
    const char *vs = ar_req_arg(r, "version");
    if (vs) {
        char *end;
        version = strtol(vs, &end, 10);
        if (*end || version < 1 || version > 1000000) {
            error_page(r, 400, "error_bad_version");
            goto out;
        }
    }
    char retracted[32];
    if (!ar_lars_valid(id)) {
        error_page(r, 404, "error_bad_id");
        goto out;
    }
    if (ar_api_hidden(r, id, retracted)) {
        error_page(r, 410, "error_retracted");
        goto out;
    }
    int rc = ar_registry_get(r->store, id, (int)version, &data);
    if (rc) {
        error_page(r, rc == AR_ENOTFOUND ? 404 : 503,
                   rc == AR_ENOTFOUND ? "error_not_found" : "error_unavailable");
        goto out;
    }
    uint64_t leaf;
    if (ar_store_log_index_of(
            r->store, id, (int)json_integer_value(json_object_get(data, "version")), &leaf) == 0) {
        json_object_set_new(data, "log", json_pack("{s:I}", "index", (json_int_t)leaf));
        /* Which witnesses vouched that this version was in the log, and when. */
        json_t *wit = NULL;
        if (r->app->witnesses && r->app->witnesses->n &&
            ar_witness_entry(r->store, r->app->witnesses, leaf, &wit) == 0)
            json_object_set_new(ctx, "witness", wit);
    }
    json_t *rec = json_object_get(data, "record");
    const char *name = json_string_value(json_object_get(rec, "name"));
    json_t *en = json_object_get(rec, "en");
    if (strcmp(lang, "en") == 0 && json_string_value(json_object_get(en, "name")))
        name = json_string_value(json_object_get(en, "name"));
    json_t *wh = NULL;
    if (ar_exception_public(r->store, id, &wh) == 0) {
        char gk[64];
        snprintf(gk, sizeof gk, "ground_%s", json_string_value(json_object_get(wh, "ground")));
        json_object_set_new(wh, "ground_label", json_string(ar_tmpl_msg(r->app->tmpl, lang, gk)));
        json_object_set_new(
            wh, "is_withheld",
            json_boolean(strcmp(json_string_value(json_object_get(wh, "state")), "withheld") == 0));
        json_object_set_new(wh, "field_labels", withheld_labels(wh, lang));
        json_object_set_new(ctx, "withholding", wh);
        if (json_is_true(json_object_get(wh, "is_withheld")))
            g_withheld = json_object_get(wh, "fields");
    }
    if (!name || !*name)
        name = ar_tmpl_msg(r->app->tmpl, lang, "withheld_title");
    json_object_set_new(ctx, "title", json_string(name));
    json_object_set(ctx, "data", data);
    json_object_set_new(ctx, "groups", entry_groups(rec, lang, r));
    g_withheld = NULL;
    int latest = json_integer_value(json_object_get(data, "version")) ==
                 json_integer_value(json_object_get(data, "versions"));
    json_object_set_new(ctx, "is_latest", json_boolean(latest));
    ar_web_entry_aiact(r, id, ctx);
    if (latest)
        ar_web_entry_quality(r, id, rec, ctx);
    render(r, 200, "entry", ctx);
    if (key && r->status == 200)
        ar_cache_put(key, r->out.ptr, r->out.len);
out:
    if (key)
        ar_cache_release(key);
    json_decref(data);
    json_decref(ctx);
}

/* GET /drafts/{draft}/preview: a draft of the visitor's organisation on the entry page,
 * as the public would see it once published (the submission API's preview URL). */
static void h_preview(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    json_t *ctx = page_ctx(r, NULL), *d = NULL, *data = NULL;
    const char *lang = json_string_value(json_object_get(ctx, "lang"));
    struct ar_approval_ctx c = {r->app->seal, r->app->exception};
    char *end;
    long long id = strtoll(r->params[0], &end, 10);
    if (*end || id < 1 || !p || !p->org[0] || ar_approval_get(r->store, &c, id, p->org, &d)) {
        error_page(r, 404, "error_not_found");
        goto out;
    }
    json_t *rec = json_object_get(d, "record");
    int next = (int)json_integer_value(json_object_get(d, "latest_version")) + 1;
    data =
        json_pack("{s:O, s:i, s:i, s:{s:s, s:O?}, s:O}", "id", json_object_get(d, "registration"),
                  "version", next, "versions", next, "organization", "slug", p->org, "name",
                  json_object_get(rec, "organization"), "record", rec);
    const char *name = ar_json_str(rec, "name");
    json_t *en = json_object_get(rec, "en");
    if (strcmp(lang, "en") == 0 && ar_json_str(en, "name"))
        name = ar_json_str(en, "name");
    json_object_set_new(ctx, "title", json_string(name ? name : ""));
    json_object_set_new(ctx, "data", data);
    json_object_set_new(ctx, "groups", entry_groups(rec, lang, r));
    json_object_set_new(ctx, "is_latest", json_true());
    json_object_set_new(ctx, "preview", json_true());
    ar_req_header(r, "Cache-Control", "no-store");
    render(r, 200, "entry", ctx);
out:
    json_decref(d);
    json_decref(ctx);
}

/* A field value as plain text for the difference table: HTML without tags, lists
 * joined, links as "title (link)". */
static void display_text(struct ar_buf *t, const json_t *v, int html, const char *lang,
                         struct ar_req *r)
{
    if (json_is_string(v)) {
        if (html)
            ar_sanitize_text(t, json_string_value(v), json_string_length(v));
        else
            ar_buf_add(t, json_string_value(v), json_string_length(v));
    } else if (json_is_boolean(v)) {
        ar_buf_puts(t, ar_tmpl_msg(r->app->tmpl, lang, json_is_true(v) ? "yes" : "no"));
    } else if (json_is_array(v)) {
        size_t i;
        json_t *it;
        json_array_foreach (v, i, it) {
            if (i)
                ar_buf_puts(t, "; ");
            if (json_is_object(it) && json_object_get(it, "title")) {
                ar_buf_puts(t, json_string_value(json_object_get(it, "title")));
                if (json_string_value(json_object_get(it, "link")))
                    ar_buf_printf(t, " (%s)", json_string_value(json_object_get(it, "link")));
            } else {
                display_text(t, it, 0, lang, r);
            }
        }
    } else if (json_is_integer(v)) {
        ar_buf_printf(t, "%lld", (long long)json_integer_value(v));
    }
}

void ar_web_changes_text(struct ar_req *r, json_t *changes, const char *lang)
{
    int en = strcmp(lang, "en") == 0;
    size_t i;
    json_t *c;
    json_array_foreach (changes, i, c) {
        json_object_set(c, "label", json_object_get(c, en ? "label_en" : "label_nl"));
        /* Render values as text: lists and objects as compact JSON. */
        static const char *const sides[] = {"before", "after"};
        for (int s = 0; s < 2; s++) {
            json_t *v = json_object_get(c, sides[s]);
            char key[16];
            snprintf(key, sizeof key, "%s_text", sides[s]);
            if (!v || json_is_null(v))
                continue;
            struct ar_buf t;
            ar_buf_init(&t, 1 << 20);
            display_text(&t, v, json_is_true(json_object_get(c, "html")), lang, r);
            json_object_set_new(c, key, json_string(ar_buf_cstr(&t)));
            ar_buf_free(&t);
        }
    }
}

static void h_history(struct ar_req *r)
{
    const char *id = r->params[0];
    json_t *versions = NULL, *head = NULL, *diff = NULL, *ctx = page_ctx(r, NULL);
    const char *lang = json_string_value(json_object_get(ctx, "lang"));
    char retracted[32];
    if (!ar_lars_valid(id)) {
        error_page(r, 404, "error_bad_id");
        goto out;
    }
    if (ar_api_hidden(r, id, retracted)) {
        error_page(r, 410, "error_retracted");
        goto out;
    }
    int rc = ar_registry_get(r->store, id, 0, &head);
    if (!rc)
        rc = ar_store_versions(r->store, id, &versions);
    if (rc) {
        error_page(r, rc == AR_ENOTFOUND ? 404 : 503,
                   rc == AR_ENOTFOUND ? "error_not_found" : "error_unavailable");
        goto out;
    }
    long latest = (long)json_integer_value(json_object_get(head, "version"));
    long from = latest - 1, to = latest;
    const char *fs = ar_req_arg(r, "from"), *ts = ar_req_arg(r, "to");
    char *end;
    if (fs && *fs) {
        from = strtol(fs, &end, 10);
        if (*end || from < 0 || from > latest) {
            error_page(r, 400, "error_bad_version");
            goto out;
        }
    }
    if (ts && *ts) {
        to = strtol(ts, &end, 10);
        if (*end || to < 1 || to > latest) {
            error_page(r, 400, "error_bad_version");
            goto out;
        }
    }
    if ((rc = ar_registry_diff(r->store, id, (int)from, (int)to, &diff))) {
        error_page(r, 503, "error_unavailable");
        goto out;
    }
    ar_web_changes_text(r, json_object_get(diff, "changes"), lang);
    size_t i;
    json_t *c;
    json_array_foreach (versions, i, c) {
        long v = (long)json_integer_value(json_object_get(c, "version"));
        json_object_set_new(c, "from_selected", json_boolean(v == from));
        json_object_set_new(c, "to_selected", json_boolean(v == to));
    }
    json_t *rec = json_object_get(head, "record");
    json_object_set_new(
        ctx, "title",
        json_string(ar_arena_printf(r->arena, "%s — %s", ar_tmpl_msg(r->app->tmpl, lang, "history"),
                                    json_string_value(json_object_get(rec, "name")))));
    json_object_set(ctx, "data", head);
    json_object_set(ctx, "versions", versions);
    json_object_set(ctx, "diff", diff);
    render(r, 200, "history", ctx);
out:
    json_decref(versions);
    json_decref(head);
    json_decref(diff);
    json_decref(ctx);
}

static void h_orgs(struct ar_req *r)
{
    json_t *orgs = NULL, *ctx = page_ctx(r, NULL);
    const char *lang = json_string_value(json_object_get(ctx, "lang"));
    if (ar_store_org_list(r->store, &orgs)) {
        error_page(r, 503, "error_unavailable");
        goto out;
    }
    json_object_set_new(ctx, "title",
                        json_string(ar_tmpl_msg(r->app->tmpl, lang, "organisations")));
    json_object_set(ctx, "organisations", orgs);
    render(r, 200, "organisations", ctx);
out:
    json_decref(orgs);
    json_decref(ctx);
}

static void h_org(struct ar_req *r)
{
    json_t *org = NULL, *res = NULL, *ctx = page_ctx(r, NULL);
    const char *lang = json_string_value(json_object_get(ctx, "lang"));
    int rc = ar_store_org_get(r->store, r->params[0], &org);
    if (rc) {
        error_page(r, rc == AR_ENOTFOUND ? 404 : 503,
                   rc == AR_ENOTFOUND ? "error_not_found" : "error_unavailable");
        goto out;
    }
    struct ar_query q = {.org = r->params[0], .is_ai = -1, .page = 1, .per_page = 100};
    if ((rc = ar_store_search(r->store, &q, &res))) {
        error_page(r, 503, "error_unavailable");
        goto out;
    }
    const char *kind = json_string_value(json_object_get(org, "kind"));
    char key[64];
    snprintf(key, sizeof key, "kind_%s", kind ? kind : "other");
    json_object_set_new(org, "kind_label", json_string(ar_tmpl_msg(r->app->tmpl, lang, key)));
    json_object_set(ctx, "title", json_object_get(org, "name"));
    json_object_set(ctx, "org", org);
    json_object_set(ctx, "data", res);
    json_object_set_new(ctx, "search_href",
                        json_string(ar_arena_printf(r->arena, "/?organization=%s", r->params[0])));
    json_object_set_new(
        ctx, "feed_href",
        json_string(ar_arena_printf(r->arena, "/feed.atom?organization=%s%s", r->params[0],
                                    lang && !strcmp(lang, "en") ? "&lang=en" : "")));
    ar_web_org_quality(r, r->params[0], ctx);
    render(r, 200, "organisation", ctx);
out:
    json_decref(org);
    json_decref(res);
    json_decref(ctx);
}

static void h_stats(struct ar_req *r)
{
    json_t *stats = NULL, *ctx = page_ctx(r, NULL);
    const char *lang = json_string_value(json_object_get(ctx, "lang"));
    if (ar_exception_stats(r->store, &stats)) {
        error_page(r, 503, "error_unavailable");
        goto out;
    }
    size_t i;
    json_t *g;
    json_array_foreach (json_object_get(stats, "by_ground"), i, g) {
        char key[64];
        snprintf(key, sizeof key, "ground_%s", json_string_value(json_object_get(g, "ground")));
        json_object_set_new(g, "label", json_string(ar_tmpl_msg(r->app->tmpl, lang, key)));
    }
    json_object_set_new(ctx, "title", json_string(ar_tmpl_msg(r->app->tmpl, lang, "stats_title")));
    json_object_set(ctx, "data", stats);
    render(r, 200, "statistics", ctx);
out:
    json_decref(stats);
    json_decref(ctx);
}

static void h_about(struct ar_req *r)
{
    json_t *ctx = page_ctx(r, NULL);
    const char *lang = json_string_value(json_object_get(ctx, "lang"));
    json_object_set_new(ctx, "title", json_string(ar_tmpl_msg(r->app->tmpl, lang, "about")));
    render(r, 200, "about", ctx);
    json_decref(ctx);
}

static void h_problem(struct ar_req *r)
{
    json_t *ctx = page_ctx(r, NULL);
    const char *lang = json_string_value(json_object_get(ctx, "lang"));
    char key[80];
    snprintf(key, sizeof key, "problem_%.60s", r->params[0]);
    const char *msg = ar_tmpl_msg(r->app->tmpl, lang, key);
    if (strcmp(msg, key) == 0) {
        error_page(r, 404, "error_not_found");
    } else {
        json_object_set_new(ctx, "title",
                            json_string(ar_arena_printf(r->arena, "/problems/%s", r->params[0])));
        json_object_set_new(ctx, "message", json_string(msg));
        render(r, 200, "problem", ctx);
    }
    json_decref(ctx);
}

static void h_static(struct ar_req *r)
{
    char name[160];
    snprintf(name, sizeof name, "static/%.120s", r->params[0]);
    const struct ar_asset *a = ar_asset_find(name);
    if (!a) {
        ar_web_not_found(r);
        return;
    }
    const char *ext = strrchr(name, '.');
    r->ctype = ext && strcmp(ext, ".css") == 0   ? "text/css; charset=utf-8"
               : ext && strcmp(ext, ".js") == 0  ? "text/javascript; charset=utf-8"
               : ext && strcmp(ext, ".svg") == 0 ? "image/svg+xml"
                                                 : "application/octet-stream";
    r->status = 200;
    ar_req_header(r, "Cache-Control", "public, max-age=300");
    ar_buf_add(&r->out, a->data, a->len);
}

const struct ar_route ar_web_routes[] = {
    {"GET", "/", h_home, "Search the register", AR_ROLE_PUBLIC},
    {"GET", "/registrations/{id}", h_entry, "Entry page", AR_ROLE_PUBLIC},
    {"GET", "/drafts/{draft}/preview", h_preview, "A draft as the public would see it",
     AR_ROLE_ORG},
    {"GET", "/registrations/{id}/history", h_history, "Version history and differences",
     AR_ROLE_PUBLIC},
    {"GET", "/organisations", h_orgs, "Organisations", AR_ROLE_PUBLIC},
    {"GET", "/organisations/{slug}", h_org, "One organisation", AR_ROLE_PUBLIC},
    {"GET", "/about", h_about, "About the register", AR_ROLE_PUBLIC},
    {"GET", "/statistics", h_stats, "Withholding statistics", AR_ROLE_PUBLIC},
    {"GET", "/problems/{type}", h_problem, "Explanation of an API problem type", AR_ROLE_PUBLIC},
    {"GET", "/static/{name}", h_static, "Stylesheets", AR_ROLE_PUBLIC},
    {"GET", "/classify", ar_web_classify, "AI Act questionnaire", AR_ROLE_PUBLIC},
    {"POST", "/registrations/{id}/report", ar_web_report, "Report an error in an entry",
     AR_ROLE_PUBLIC},
    {"GET", "/dashboard", ar_web_dashboard, "Dashboards", AR_ROLE_PUBLIC},
    {"POST", "/classify", ar_web_classify_save, "Store a questionnaire result", AR_ROLE_PUBLIC},
    {"GET", "/reports/rbi", ar_web_rbi_report, "Yearly report on biometric identification",
     AR_ROLE_PUBLIC},
    {"GET", "/cases/new", ar_web_case_form, "Request form for a biometric identification use",
     AR_ROLE_PUBLIC},
    {"POST", "/cases/new", ar_web_case_submit, "Submit a request", AR_ROLE_PUBLIC},
    {NULL, NULL, NULL, NULL, 0},
};
