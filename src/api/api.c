/* api.c — handlers for /api/v1. Every error is RFC 9457 problem+json naming the
 * field and the rule; every write is one transaction in the model layer. */
#include "api/api.h"
#include "auth/auth.h"
#include "aiact/eudb.h"
#include "base/clock.h"
#include "base/assets.h"
#include "base/cache.h"
#include "base/err.h"
#include "json/json.h"
#include "model/fields.h"
#include "model/lars.h"
#include "model/record.h"
#include "model/registry.h"
#include "exception/exception.h"
#include "log/log.h"
#include "quality/quality.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    long v = strtol(s, &end, 10);
    if (*end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int ar_api_parse_query(const struct ar_req *r, struct ar_query *q, json_t *problems)
{
    size_t before = json_array_size(problems);
    long v;
    memset(q, 0, sizeof *q);
    q->is_ai = -1;
    q->page = 1;
    q->per_page = 20;
    q->q = ar_req_arg(r, "q");
    if (q->q && strlen(q->q) > 200)
        ar_problem_add(problems, "q", "max_length", "q is limited to 200 bytes");
    q->org = ar_req_arg(r, "organization");
    q->status = ar_req_arg(r, "status");
    q->pubcat = ar_req_arg(r, "publication_category");
    q->theme = ar_req_arg(r, "theme");
    if (q->status && *q->status && !ar_fields_in(ar_status_values, q->status))
        ar_problem_add(problems, "status", "permitted_values",
                       "status must be In ontwikkeling, In gebruik or Buiten gebruik");
    if (q->pubcat && *q->pubcat && !ar_fields_in(ar_pubcat_values, q->pubcat))
        ar_problem_add(problems, "publication_category", "permitted_values",
                       "publication_category must be one of the standard's three categories");
    if (q->theme && *q->theme && !ar_fields_in(ar_theme_values, q->theme))
        ar_problem_add(problems, "theme", "permitted_values",
                       "theme must be one of the 16 themes of the publication standard");
    const char *ai = ar_req_arg(r, "ai");
    if (ai && *ai) {
        if (strcmp(ai, "yes") == 0 || strcmp(ai, "true") == 0 || strcmp(ai, "1") == 0)
            q->is_ai = 1;
        else if (strcmp(ai, "no") == 0 || strcmp(ai, "false") == 0 || strcmp(ai, "0") == 0)
            q->is_ai = 0;
        else
            ar_problem_add(problems, "ai", "permitted_values", "ai must be yes or no");
    }
    q->sort = ar_req_arg(r, "sort");
    if (q->sort && *q->sort && strcmp(q->sort, "relevance") && strcmp(q->sort, "name") &&
        strcmp(q->sort, "updated"))
        ar_problem_add(problems, "sort", "permitted_values",
                       "sort must be relevance, name or updated");
    const char *p = ar_req_arg(r, "page");
    if (p && *p) {
        if (parse_int(p, 1, 100000, &v))
            ar_problem_add(problems, "page", "range", "page must be a whole number from 1");
        else
            q->page = (int)v;
    }
    p = ar_req_arg(r, "per_page");
    if (p && *p) {
        if (parse_int(p, 1, 100, &v))
            ar_problem_add(problems, "per_page", "range", "per_page must be from 1 to 100");
        else
            q->per_page = (int)v;
    }
    return json_array_size(problems) > before ? AR_EINVAL : 0;
}

/* ar_api_hidden with the database's stamp when the caller has read it (-1: read it). */
static int hidden_at(struct ar_req *r, const char *id, long long stamp, char retracted[32])
{
    char org[101];
    if (ar_store_reg_retracted(r->store, stamp, id, retracted, org) || !retracted[0])
        return 0;
    const struct ar_principal *p = ar_app_principal(r);
    return !(p && p->org[0] && strcmp(p->org, org) == 0);
}

int ar_api_hidden(struct ar_req *r, const char *id, char retracted[32])
{
    return hidden_at(r, id, -1, retracted);
}

static void gone(struct ar_req *r, const char *id, const char *at)
{
    ar_resp_problem(r, 410, "retracted", "Retracted",
                    ar_arena_printf(r->arena,
                                    "registration %s was retracted by its organisation on %s;"
                                    " the transparency log keeps the record of it",
                                    id, at),
                    NULL);
}

/* The id's form only: 0, or -1 after a 400 problem. */
static int check_format(struct ar_req *r, const char *id)
{
    if (ar_lars_valid(id))
        return 0;
    json_t *pr = json_array();
    ar_problem_add(pr, "id", "check_digit",
                   "%s is not a registration number: eight digits ending in a check digit",
                   strlen(id) > 20 ? "the id" : id);
    ar_resp_problem(r, 400, "invalid-id", "Invalid registration number", NULL, pr);
    json_decref(pr);
    return -1;
}

int ar_api_check_id(struct ar_req *r, const char *id)
{
    char at[32];
    if (check_format(r, id))
        return -1;
    if (!ar_api_hidden(r, id, at))
        return 0;
    gone(r, id, at);
    return -1;
}

static void store_error(struct ar_req *r, int rc, json_t *problems)
{
    switch (rc) {
    case AR_EINVAL:
        ar_resp_problem(r, 422, "validation", "The record breaks the register's rules", NULL,
                        problems);
        break;
    case AR_ENOTFOUND:
        ar_resp_problem(r, 404, "not-found", "Not found", "no such registration", problems);
        break;
    case AR_ECONFLICT: ar_resp_problem(r, 409, "conflict", "Conflict", NULL, problems); break;
    case AR_EUNAVAIL:
        ar_resp_problem(r, 503, "unavailable", "Service unavailable",
                        "the database is busy; try again", NULL);
        break;
    default:
        ar_resp_problem(r, 500, "internal", "Internal error",
                        "the request could not be completed; nothing was changed", NULL);
    }
}

const char *ar_api_require_token(struct ar_req *r)
{
    const char *who = ar_app_auth(r);
    if (!who) {
        ar_req_header(r, "WWW-Authenticate", "Bearer realm=\"algoreg\"");
        ar_resp_problem(r, 401, "unauthorized", "Unauthorized",
                        "writes need an API token: Authorization: Bearer <token>", NULL);
    }
    return who;
}

/* 403 naming the organisation rule. */
static int not_yours(struct ar_req *r, const char *field, const char *detail)
{
    json_t *pr = json_array();
    ar_problem_add(pr, field, "organisation", "%s", detail);
    ar_resp_problem(r, 403, "forbidden", "Another organisation's registration", NULL, pr);
    json_decref(pr);
    return 0;
}

int ar_api_owns(struct ar_req *r, const char *id)
{
    const struct ar_principal *p = ar_app_principal(r);
    json_t *v = NULL;
    if (!p || !p->org[0] || ar_store_version_get(r->store, id, 0, &v) != 0)
        return 1; /* not tied to one organisation, or unknown: the handler answers 404 */
    const char *slug = ar_json_str(json_object_get(v, "organization"), "slug");
    int ok = slug && strcmp(slug, p->org) == 0;
    json_decref(v);
    return ok ? 1
              : not_yours(r, "id",
                          ar_arena_printf(r->arena,
                                          "registration %s belongs to another organisation; %s"
                                          " acts for %s only",
                                          id, p->name, p->org));
}

int ar_api_may_write(struct ar_req *r, const char *id, const json_t *rec)
{
    const struct ar_principal *p = ar_app_principal(r);
    json_t *o = NULL;
    if (p && !p->account && !r->app->service_publish) {
        /* A service token has no organisation and no second pair of eyes. */
        json_t *pr = json_array();
        ar_problem_add(pr, "", "four_eyes",
                       "registrations are written by accounts, through four eyes; this"
                       " service token may not (the server allows it only with"
                       " --service-tokens-publish, for a migration)");
        ar_resp_problem(r, 403, "four-eyes", "Four eyes", NULL, pr);
        json_decref(pr);
        return 0;
    }
    if (!p || !p->org[0])
        return 1;
    if (id && !ar_api_owns(r, id))
        return 0;
    const char *want = json_is_object(rec) ? ar_json_str(rec, "organization") : NULL;
    int ok = ar_store_org_get(r->store, p->org, &o) == 0 && want &&
             strcmp(want, ar_json_str(o, "name")) == 0;
    const char *name = o ? ar_arena_strdup(r->arena, ar_json_str(o, "name")) : p->org;
    json_decref(o);
    if (!want || ok)
        return 1; /* a missing organisation is the validator's to report */
    return not_yours(r, "organization",
                     ar_arena_printf(r->arena,
                                     "%s registers for %s only; organization must be \"%s\"",
                                     p->name, name, name));
}

void ar_api_fail(struct ar_req *r, int rc, json_t *problems, const char *type, const char *title)
{
    if (rc == AR_EINVAL)
        ar_resp_problem(r, 422, type, title, NULL, problems);
    else if (rc == AR_ENOTFOUND)
        ar_resp_problem(r, 404, "not-found", "Not found", NULL, problems);
    else if (rc == AR_ECONFLICT)
        ar_resp_problem(r, 409, "conflict", "Conflict", NULL, problems);
    else
        ar_resp_problem(r, 500, "internal", "Internal error", "nothing was changed", NULL);
}

/* Parse the JSON body; on failure the response is written and NULL returned. */
json_t *ar_api_body_json(struct ar_req *r)
{
    char why[200];
    json_t *v = NULL;
    if (r->content_type && strncmp(r->content_type, "application/json", 16) != 0) {
        ar_resp_problem(r, 415, "unsupported-media-type", "Unsupported media type",
                        "send the body as application/json", NULL);
        return NULL;
    }
    int rc = ar_json_parse(&v, r->body ? r->body : "", r->body_len, NULL, why, sizeof why);
    if (rc) {
        json_t *pr = json_array();
        ar_problem_add(pr, "", strstr(why, "UTF-8") ? "utf8" : "json", "%s", why);
        ar_resp_problem(r, rc == AR_ETOOBIG ? 413 : 400, "invalid-json", "Invalid request body",
                        why, pr);
        json_decref(pr);
    }
    return v;
}

json_t *ar_api_body_object(struct ar_req *r, const char *type)
{
    json_t *v = ar_api_body_json(r);
    if (v && !json_is_object(v)) {
        json_t *pr = json_array();
        ar_problem_add(pr, "", "type", "the body must be a JSON object");
        ar_resp_problem(r, 422, type, "Invalid request body", NULL, pr);
        json_decref(pr);
        json_decref(v);
        return NULL;
    }
    return v;
}

/* A write body is either the record itself or {record, change_note, base_version}. */
static int unwrap(json_t *body, json_t **rec, const char **note, long *base, json_t *problems)
{
    *rec = body;
    *note = NULL;
    *base = 0;
    if (!json_is_object(body)) {
        ar_problem_add(problems, "", "type", "the body must be a JSON object");
        return AR_EINVAL;
    }
    json_t *inner = json_object_get(body, "record");
    if (!inner)
        return 0;
    const char *k;
    json_t *v;
    json_object_foreach (body, k, v) {
        if (strcmp(k, "record") && strcmp(k, "change_note") && strcmp(k, "base_version") &&
            strcmp(k, "withhold"))
            ar_problem_add(problems, k, "unknown_field",
                           "%s is not a member of a write envelope (record, change_note,"
                           " base_version, withhold)",
                           k);
    }
    json_t *n = json_object_get(body, "change_note");
    if (n && !json_is_string(n))
        ar_problem_add(problems, "change_note", "type", "change_note must be a string");
    *note = json_string_value(n);
    json_t *b = json_object_get(body, "base_version");
    if (b && (!json_is_integer(b) || json_integer_value(b) < 1))
        ar_problem_add(problems, "base_version", "type", "base_version must be a positive integer");
    else if (b)
        *base = (long)json_integer_value(b);
    *rec = inner;
    return json_array_size(problems) ? AR_EINVAL : 0;
}

static void h_index(struct ar_req *r)
{
    json_t *v = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "name", "algoreg API", "version",
                          "v1", "links", "registrations", "/api/v1/registrations", "organisations",
                          "/api/v1/organisations", "fields", "/api/v1/fields", "openapi",
                          "/api/v1/openapi.json");
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void h_openapi(struct ar_req *r)
{
    const struct ar_asset *a = ar_asset_find("openapi.json");
    r->status = 200;
    r->ctype = "application/json";
    ar_buf_add(&r->out, a->data, a->len);
}

static json_t *fields_json(const struct ar_field *table)
{
    static const char *const type_names[] = {
        [AR_FT_TEXT] = "text",
        [AR_FT_HTML] = "html",
        [AR_FT_ENUM] = "enum",
        [AR_FT_ENUM_LIST] = "enum_list",
        [AR_FT_STR_LIST] = "string_list",
        [AR_FT_MONTH] = "month",
        [AR_FT_DATE] = "date",
        [AR_FT_EMAIL] = "email",
        [AR_FT_URL] = "url",
        [AR_FT_BOOL] = "boolean",
        [AR_FT_LINKS] = "links",
        [AR_FT_OBJECT] = "object",
        [AR_FT_LARS] = "lars",
    };
    json_t *arr = json_array();
    for (const struct ar_field *f = table; f->key; f++) {
        json_t *o =
            json_pack("{s:s, s:s, s:b, s:b, s:s, s:s}", "key", f->key, "type", type_names[f->type],
                      "required", !!(f->flags & AR_FF_REQUIRED), "english",
                      !!(f->flags & AR_FF_I18N), "label_nl", f->label_nl, "label_en", f->label_en);
        if (f->max)
            json_object_set_new(o,
                                f->type == AR_FT_ENUM_LIST || f->type == AR_FT_STR_LIST ||
                                        f->type == AR_FT_LINKS
                                    ? "max_items"
                                    : "max_length",
                                json_integer((json_int_t)f->max));
        if (f->values) {
            json_t *vals = json_array();
            for (const char *const *p = f->values; *p; p++)
                json_array_append_new(vals, json_string(*p));
            json_object_set_new(o, "permitted_values", vals);
        }
        if (f->type == AR_FT_HTML)
            json_object_set_new(o, "allowed_html_tags",
                                json_pack("[s,s,s,s,s,s]", "div", "br", "p", "ul", "ol", "li"));
        if (f->children)
            json_object_set_new(o, "fields", fields_json(f->children));
        json_array_append_new(arr, o);
    }
    return arr;
}

static void h_fields(struct ar_req *r)
{
    json_t *v = json_pack("{s:o}", "fields", fields_json(ar_record_fields));
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void h_search(struct ar_req *r)
{
    struct ar_query q;
    json_t *pr = json_array(), *res = NULL;
    if (ar_api_parse_query(r, &q, pr)) {
        ar_resp_problem(r, 400, "bad-query", "Invalid search parameters", NULL, pr);
        goto out;
    }
    int rc = ar_store_search(r->store, &q, &res);
    if (rc) {
        store_error(r, rc, pr);
        goto out;
    }
    ar_resp_json(r, 200, res);
out:
    json_decref(res);
    json_decref(pr);
}

static void get_version(struct ar_req *r, const char *id, int version);

static void h_create(struct ar_req *r)
{
    const char *who = ar_api_require_token(r);
    json_t *body = NULL, *pr = json_array(), *rec, *out = NULL;
    const char *note;
    long base;
    char lars[9];
    if (!who || !(body = ar_api_body_json(r)))
        goto out;
    if (unwrap(body, &rec, &note, &base, pr)) {
        ar_resp_problem(r, 422, "validation", "The request breaks the register's rules", NULL, pr);
        goto out;
    }
    if (!ar_api_may_write(r, NULL, rec))
        goto out;
    json_t *withhold = json_object_get(body, "withhold");
    int rc;
    if (ar_api_four_eyes(r)) {
        ar_api_submit_draft(r, NULL, rec, rec != body ? withhold : NULL, note, 0);
        goto out;
    }
    if (withhold && rec != body && (!r->app->seal || !r->app->exception)) {
        ar_resp_problem(r, 503, "unavailable", "Service unavailable",
                        "the exception is not configured on this server", NULL);
        goto out;
    }
    if (withhold && rec != body)
        rc = ar_exception_create(r->store, r->app->seal, r->app->exception, rec, withhold, who,
                                 note ? note : "Registered (withheld)", pr, lars);
    else
        rc = ar_ledger_create(r->store, rec, who, note ? note : "Registered", pr, lars);
    if (rc) {
        store_error(r, rc, pr);
        goto out;
    }
    /* The same view as GET, withholding and log position included. */
    get_version(r, ar_arena_strdup(r->arena, lars), 0);
    if (r->status == 200) {
        r->status = 201;
        ar_req_header(r, "Location", ar_arena_printf(r->arena, "/api/v1/registrations/%s", lars));
    }
out:
    json_decref(out);
    json_decref(body);
    json_decref(pr);
}

static void h_update(struct ar_req *r)
{
    const char *id = r->params[0];
    const char *who;
    json_t *body = NULL, *pr = json_array(), *rec, *out = NULL;
    const char *note;
    long base;
    if (ar_api_check_id(r, id) || !(who = ar_api_require_token(r)) || !(body = ar_api_body_json(r)))
        goto out;
    if (unwrap(body, &rec, &note, &base, pr)) {
        ar_resp_problem(r, 422, "validation", "The request breaks the register's rules", NULL, pr);
        goto out;
    }
    if (!ar_api_may_write(r, id, rec))
        goto out;
    if (r->if_match && !base) {
        /* If-Match: "N" — the ETag we hand out is the version number. */
        const char *p = r->if_match;
        while (*p == '"' || *p == ' ' || *p == 'W' || *p == '/')
            p++;
        base = strtol(p, NULL, 10);
    }
    /* Art. 26(8): taking an unregistered high-risk system into use is refused. */
    const char *st = ar_json_str(rec, "status");
    if (st && strcmp(st, "In gebruik") == 0 && r->app->aiact) {
        json_t *cur = NULL;
        const char *was = NULL;
        if (ar_registry_get(r->store, id, 0, &cur) == 0)
            was = ar_json_str(json_object_get(cur, "record"), "status");
        int blocked =
            (!was || strcmp(was, "In gebruik") != 0) &&
            ar_aiact_use_blocked(r->store, r->app->aiact, id, ar_clock_now(), "status", pr);
        json_decref(cur);
        if (blocked) {
            ar_resp_problem(r, 409, "conflict", "Use is blocked by Art. 26(8)", NULL, pr);
            goto out;
        }
    }
    if (ar_api_four_eyes(r)) {
        ar_api_submit_draft(r, id, rec, NULL, note, (int)base);
        goto out;
    }
    int version, changed;
    int rc = ar_ledger_update(r->store, id, rec, who, note ? note : "Updated", (int)base, pr,
                              &version, &changed);
    if (rc) {
        store_error(r, rc, pr);
        goto out;
    }
    if ((rc = ar_registry_get(r->store, id, 0, &out))) {
        store_error(r, rc, pr);
        goto out;
    }
    json_object_set_new(out, "changed", json_boolean(changed));
    /* The editor sees what is still missing or hard to read with every save. */
    json_object_set_new(out, "quality", ar_quality_assess(json_object_get(out, "record")));
    ar_req_header(r, "ETag", ar_arena_printf(r->arena, "\"%d\"", version));
    ar_resp_json(r, 200, out);
out:
    json_decref(out);
    json_decref(body);
    json_decref(pr);
}

static void get_version(struct ar_req *r, const char *id, int version)
{
    json_t *out = NULL;
    long long stamp;
    char *key = NULL;
    char at[32];
    /* Responses are cached under the database's change stamp (see base/cache.h). */
    if (ar_store_stamp(r->store, &stamp) == 0) {
        if (hidden_at(r, id, stamp, at)) { /* retracted: gone, unless it is one's own */
            gone(r, id, at);
            return;
        }
        key = ar_arena_printf(r->arena, "api|%lld|%s|%d", stamp, id, version);
        size_t before = r->out.len;
        if (ar_cache_get_or_claim(key, &r->out)) {
            /* the cached body starts with the ETag line */
            const char *nl = memchr(r->out.ptr + before, '\n', r->out.len - before);
            if (nl) {
                char *etag = ar_arena_strndup(r->arena, r->out.ptr + before,
                                              (size_t)(nl - r->out.ptr - before));
                ar_req_header(r, "ETag", etag);
                size_t skip = (size_t)(nl - r->out.ptr - before) + 1;
                memmove(r->out.ptr + before, nl + 1, r->out.len - before - skip);
                r->out.len -= skip;
                r->out.ptr[r->out.len] = '\0';
                r->status = 200;
                r->ctype = "application/json";
                return;
            }
            ar_buf_reset(&r->out);
        }
    }
    int rc = ar_registry_get(r->store, id, version, &out);
    if (rc) {
        json_t *pr = json_array();
        if (rc == AR_ENOTFOUND)
            ar_problem_add(pr, version ? "version" : "id", "exists",
                           version ? "registration %s has no version %d" : "no registration %s%.0d",
                           id, version);
        store_error(r, rc, pr);
        json_decref(pr);
        if (key)
            ar_cache_release(key);
        return;
    }
    json_t *wh = NULL;
    if (ar_exception_public(r->store, id, &wh) == 0)
        json_object_set_new(out, "withholding", wh);
    uint64_t leaf;
    if (ar_store_log_index_of(r->store, id,
                              (int)json_integer_value(json_object_get(out, "version")), &leaf) == 0)
        json_object_set_new(
            out, "log",
            json_pack("{s:I, s:s}", "index", (json_int_t)leaf, "proof",
                      ar_arena_printf(r->arena, "/api/v1/log/proof/offline?index=%llu",
                                      (unsigned long long)leaf)));
    char *etag = ar_arena_printf(r->arena, "\"%lld\"",
                                 (long long)json_integer_value(json_object_get(out, "version")));
    ar_req_header(r, "ETag", etag);
    ar_resp_json(r, 200, out);
    json_decref(out);
    if (key) {
        struct ar_buf c;
        ar_buf_init(&c, 0);
        ar_buf_printf(&c, "%s\n", etag);
        ar_buf_add(&c, r->out.ptr, r->out.len);
        if (ar_buf_ok(&c))
            ar_cache_put(key, c.ptr, c.len);
        ar_buf_free(&c);
        ar_cache_release(key);
    }
}

void ar_api_registration(struct ar_req *r, const char *id, int status, int changed)
{
    get_version(r, ar_arena_strdup(r->arena, id), 0);
    if (r->status != 200)
        return;
    r->status = status;
    if (changed >= 0) { /* splice "changed" into the cached JSON object */
        json_t *v = json_loadb(r->out.ptr, r->out.len, 0, NULL);
        if (v) {
            json_object_set_new(v, "changed", json_boolean(changed));
            ar_buf_reset(&r->out);
            ar_resp_json(r, status, v);
            json_decref(v);
        }
    }
}

static void h_get(struct ar_req *r)
{
    if (check_format(r, r->params[0])) /* get_version says when it is retracted */
        return;
    long v = 0;
    const char *vs = ar_req_arg(r, "version");
    if (vs && parse_int(vs, 1, 1000000, &v)) {
        json_t *pr = json_array();
        ar_problem_add(pr, "version", "range", "version must be a positive whole number");
        ar_resp_problem(r, 400, "bad-query", "Invalid version", NULL, pr);
        json_decref(pr);
        return;
    }
    get_version(r, r->params[0], (int)v);
}

static void h_version(struct ar_req *r)
{
    long v;
    if (check_format(r, r->params[0]))
        return;
    if (parse_int(r->params[1], 1, 1000000, &v)) {
        json_t *pr = json_array();
        ar_problem_add(pr, "version", "range", "version must be a positive whole number");
        ar_resp_problem(r, 400, "bad-query", "Invalid version", NULL, pr);
        json_decref(pr);
        return;
    }
    get_version(r, r->params[0], (int)v);
}

static void h_versions(struct ar_req *r)
{
    json_t *out = NULL, *pr = json_array();
    if (ar_api_check_id(r, r->params[0]))
        goto out;
    int rc = ar_store_versions(r->store, r->params[0], &out);
    if (rc) {
        store_error(r, rc, pr);
        goto out;
    }
    json_t *v = json_pack("{s:s, s:O}", "id", r->params[0], "versions", out);
    ar_resp_json(r, 200, v);
    json_decref(v);
out:
    json_decref(out);
    json_decref(pr);
}

static void h_diff(struct ar_req *r)
{
    json_t *out = NULL, *pr = json_array();
    long from = 0, to = 0;
    if (ar_api_check_id(r, r->params[0]))
        goto out;
    const char *f = ar_req_arg(r, "from"), *t = ar_req_arg(r, "to");
    if (f && parse_int(f, 0, 1000000, &from))
        ar_problem_add(pr, "from", "range", "from must be a version number (0 for none)");
    if (t && parse_int(t, 1, 1000000, &to))
        ar_problem_add(pr, "to", "range", "to must be a version number");
    if (json_array_size(pr)) {
        ar_resp_problem(r, 400, "bad-query", "Invalid diff parameters", NULL, pr);
        goto out;
    }
    int rc = ar_registry_diff(r->store, r->params[0], (int)from, (int)to, &out);
    if (rc) {
        if (rc == AR_ENOTFOUND)
            ar_problem_add(pr, "version", "exists", "no such registration or version");
        store_error(r, rc, pr);
        goto out;
    }
    ar_resp_json(r, 200, out);
out:
    json_decref(out);
    json_decref(pr);
}

static void h_orgs(struct ar_req *r)
{
    json_t *out = NULL;
    int rc = ar_store_org_list(r->store, &out);
    if (rc) {
        store_error(r, rc, NULL);
        return;
    }
    json_t *v = json_pack("{s:o}", "organisations", out);
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void h_org(struct ar_req *r)
{
    json_t *out = NULL;
    int rc = ar_store_org_get(r->store, r->params[0], &out);
    if (rc) {
        json_t *pr = json_array();
        ar_problem_add(pr, "slug", "exists", "no organisation with that slug");
        if (rc == AR_ENOTFOUND)
            ar_resp_problem(r, 404, "not-found", "Not found", "no such organisation", pr);
        else
            store_error(r, rc, pr);
        json_decref(pr);
        return;
    }
    ar_resp_json(r, 200, out);
    json_decref(out);
}

static void h_org_put(struct ar_req *r)
{
    json_t *body = NULL, *pr = json_array(), *out = NULL;
    const struct ar_principal *p = ar_app_principal(r);
    const char *slug = r->params[0];
    /* The gate admits administrators and organisations' people; the latter keep only
     * their own organisation's details. */
    if (p && p->org[0] && strcmp(p->org, slug) != 0) {
        ar_problem_add(pr, "slug", "organisation", "%s acts for %s only", p->name, p->org);
        ar_resp_problem(r, 403, "forbidden", "Another organisation", NULL, pr);
        goto out;
    }
    if (!(body = ar_api_body_json(r)))
        goto out;
    char norm[128];
    ar_store_slugify(norm, sizeof norm, slug);
    if (strcmp(norm, slug) != 0 || strlen(slug) > 100)
        ar_problem_add(pr, "slug", "format",
                       "slug must be lowercase letters, digits and dashes (at most 100)");
    if (!json_is_object(body)) {
        ar_problem_add(pr, "", "type", "the body must be a JSON object");
    } else {
        const char *k;
        json_t *v;
        json_object_foreach (body, k, v) {
            if (strcmp(k, "name") && strcmp(k, "kind") && strcmp(k, "contact"))
                ar_problem_add(pr, k, "unknown_field",
                               "%s is not a field of an organisation (name, kind, contact)", k);
            else if (!json_is_string(v))
                ar_problem_add(pr, k, "type", "%s must be a string", k);
        }
    }
    const char *name = ar_json_str(body, "name"), *kind = ar_json_str(body, "kind"),
               *contact = ar_json_str(body, "contact");
    if (!name || !*name)
        ar_problem_add(pr, "name", "required", "name is required");
    else if (strlen(name) > 100)
        ar_problem_add(pr, "name", "max_length", "name is limited to 100 characters");
    if (!kind)
        kind = "other";
    if (!ar_fields_in(ar_org_kinds, kind))
        ar_problem_add(pr, "kind", "permitted_values",
                       "kind must be police, public_prosecutor, ministry, municipality or other");
    if (contact && strlen(contact) > 500)
        ar_problem_add(pr, "contact", "max_length", "contact is limited to 500 characters");
    if (json_array_size(pr)) {
        ar_resp_problem(r, 422, "validation", "The organisation breaks the register's rules", NULL,
                        pr);
        goto out;
    }
    struct ar_org o = {slug, name, kind, contact};
    int rc = ar_store_org_put(r->store, &o);
    if (rc == AR_ECONFLICT)
        ar_problem_add(pr, "name", "unique", "another organisation already has that name");
    if (rc || (rc = ar_store_org_get(r->store, slug, &out))) {
        store_error(r, rc, pr);
        goto out;
    }
    ar_resp_json(r, 200, out);
out:
    json_decref(out);
    json_decref(body);
    json_decref(pr);
}

void ar_api_not_found(struct ar_req *r)
{
    ar_resp_problem(r, 404, "not-found", "Not found", "no such API resource", NULL);
}

const struct ar_route ar_api_routes[] = {
    {"GET", "/api/v1", h_index, "API index", AR_ROLE_PUBLIC},
    {"GET", "/api/v1/openapi.json", h_openapi, "OpenAPI 3.1 document", AR_ROLE_PUBLIC},
    {"GET", "/api/v1/fields", h_fields, "The record model", AR_ROLE_PUBLIC},
    {"GET", "/api/v1/registrations", h_search, "Search registrations", AR_ROLE_PUBLIC},
    {"POST", "/api/v1/registrations", h_create, "Create a registration", AR_ROLE_ORG},
    {"GET", "/api/v1/registrations/{id}", h_get, "Latest (or ?version=) registration",
     AR_ROLE_PUBLIC},
    {"PUT", "/api/v1/registrations/{id}", h_update, "Add a version", AR_ROLE_ORG},
    {"GET", "/api/v1/registrations/{id}/versions", h_versions, "Version history", AR_ROLE_PUBLIC},
    {"GET", "/api/v1/registrations/{id}/versions/{version}", h_version, "One version",
     AR_ROLE_PUBLIC},
    {"GET", "/api/v1/registrations/{id}/diff", h_diff, "Field differences between versions",
     AR_ROLE_PUBLIC},
    {"GET", "/api/v1/organisations", h_orgs, "Organisations", AR_ROLE_PUBLIC},
    {"GET", "/api/v1/organisations/{slug}", h_org, "One organisation", AR_ROLE_PUBLIC},
    {"PUT", "/api/v1/organisations/{slug}", h_org_put, "Create or update an organisation",
     AR_ROLE_ORG | AR_ROLE_ADMIN_BIT},
    {NULL, NULL, NULL, NULL, 0},
};
