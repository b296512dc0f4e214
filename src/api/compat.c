/* compat.c — the national algorithm register's submission API ("aanlever-API", v1.0),
 * so a tool that publishes there publishes here by changing only its base URL
 * (…/aanleverapi/v1_0). Paths, payloads and status codes follow its OpenAPI document;
 * the steps map onto algoreg's own flow:
 *
 *   national register                      algoreg
 *   POST …/algorithms (STATE_1)            a concept draft; the id (lars) is reserved
 *   PUT  …/algorithms/{id} (STATE_1)       a new concept; the open draft is withdrawn
 *   PUT  …/release (STATE_2)               the concept waits for the four eyes
 *   PUT  …/publish (PUBLISHED)             an approver who is not the author publishes:
 *                                          a version, in the search index and the log
 *   DELETE …/published-algorithms/{id}/retract   retraction: hidden, logged
 *   PUT  …/archive_version, unarchive_version    a draft (algorithm_version_id is the
 *                                          draft number) set aside or brought back;
 *                                          published versions are history and stay
 *
 * Errors keep the national shapes — {"detail": "…"} and, for validation,
 * {"detail": [{loc, msg, type}]} — inside an RFC 9457 problem document (a problem
 * reader ignores a "detail" that is not a string, as RFC 9457 §3.1 asks). Records are
 * checked by algoreg's own rules (src/model), which are stricter in places: a short
 * description of at most 350 characters, e-mail addresses and links that are real ones. */
#include "api/api.h"
#include "approval/approval.h"
#include "auth/auth.h"
#include "base/err.h"
#include "json/json.h"
#include "model/fields.h"
#include "model/lars.h"
#include "model/record.h"
#include "model/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE "/aanleverapi/v1_0"

/* An entry of standard 1.0 as the submission API reads and writes it (v1_0__Algorithm)
 * holds the record model's fields (whose names are the national register's), but not
 * algoreg's own: the public id (the path's), the safeguards and the AI Act sections. */
static int v1_field(const char *key)
{
    return strcmp(key, "lars") && strcmp(key, "safeguards") && strcmp(key, "aiact");
}

/* Members of the older standards (0.1 to 0.4) that 1.0 dropped. Tools written for the
 * national register still send some (its own test entry has dpia, uuid and language)
 * and it ignores them; so does algoreg, but it says so: "ignored" in the answer. */
static const char *const legacy_fields[] = {
    "application_url",
    "area",
    "competent_authority",
    "create_dt",
    "decision_making_process",
    "department",
    "description",
    "documentation",
    "dpia",
    "dpia_description",
    "iama",
    "iama_description",
    "impact",
    "language",
    "lawful_basis_link",
    "monitoring",
    "mprd",
    "objection_procedure",
    "performance_standard",
    "revision_date",
    "source_data_link",
    "state",
    "type",
    "uuid",
    NULL,
};

static struct ar_approval_ctx ctx_of(const struct ar_req *r)
{
    return (struct ar_approval_ctx){r->app->seal, r->app->exception};
}

/* {"detail": "…"}: the national Message, as a problem document. */
static void message(struct ar_req *r, int status, const char *detail)
{
    static const struct {
        int status;
        const char *type, *title;
    } kinds[] = {{401, "unauthorized", "Authentication Error"},
                 {403, "forbidden", "Forbidden"},
                 {404, "not-found", "Not Found Error"},
                 {409, "conflict", "Conflict Error"},
                 {503, "unavailable", "Service unavailable"}};
    const char *type = "server-error", *title = "Server error";
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].status == status) {
            type = kinds[i].type;
            title = kinds[i].title;
        }
    ar_resp_problem(r, status, type, title, detail, NULL);
}

/* 422 with the national HTTPValidationError detail list, one item per problem. */
static void invalid(struct ar_req *r, const json_t *problems)
{
    json_t *detail = json_array(), *p;
    size_t i;
    json_array_foreach (problems, i, p) {
        const char *f = ar_json_str(p, "field");
        json_t *loc = json_pack("[s]", "body");
        /* "impacttoetsen_grouping[1].link" → "impacttoetsen_grouping", 1, "link" */
        while (f && *f) {
            size_t n = strcspn(f, ".[");
            if (n)
                json_array_append_new(loc, json_stringn(f, n));
            f += n;
            if (*f == '[') {
                char *end;
                long long ix = strtoll(f + 1, &end, 10);
                json_array_append_new(loc, json_integer(ix));
                f = *end == ']' ? end + 1 : end;
            }
            if (*f == '.')
                f++;
        }
        json_array_append_new(detail, json_pack("{s:o, s:s, s:s}", "loc", loc, "msg",
                                                ar_json_str(p, "detail") ?: "invalid", "type",
                                                ar_json_str(p, "rule") ?: "invalid"));
    }
    json_t *v = json_pack("{s:s, s:s, s:i, s:o, s:s, s:O}", "type", "/problems/validation", "title",
                          "Validation Error", "status", 422, "detail", detail, "instance", r->path,
                          "errors", problems);
    ar_resp_json(r, 422, v);
    r->ctype = "application/problem+json";
    json_decref(v);
}

/* The request body as a JSON object, or NULL after the answer: 413, 400 or 415 as for
 * the rest of the API, 422 in the national shape when it is not an object. */
static json_t *body_object(struct ar_req *r)
{
    json_t *v = ar_api_body_json(r);
    if (v && !json_is_object(v)) {
        json_t *pr = json_array();
        ar_problem_add(pr, "", "type", "the body must be a JSON object");
        invalid(r, pr);
        json_decref(pr);
        json_decref(v);
        return NULL;
    }
    return v;
}

/* An error code of the approval and store layers as the national API answers it. */
static void fail(struct ar_req *r, int rc, const json_t *problems)
{
    const char *d =
        json_array_size(problems)
            ? ar_json_str(json_array_get(problems, json_array_size(problems) - 1), "detail")
            : NULL;
    switch (rc) {
    case AR_EINVAL: invalid(r, problems); break;
    case AR_ENOTFOUND: message(r, 404, d ? d : "not found"); break;
    case AR_ECONFLICT: message(r, 409, d ? d : "the entry changed meanwhile"); break;
    case AR_EDENIED: message(r, 403, d ? d : "refused"); break;
    case AR_EUNAVAIL: message(r, 503, "drafts need the sealing key on this server"); break;
    default: message(r, 500, "the request failed; nothing was changed");
    }
}

/* The signed-in member of the path's organisation, or NULL after a 401. */
static const struct ar_principal *member(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    if (p && p->org[0] && strcmp(p->org, r->params[0]) == 0)
        return p;
    char d[200];
    snprintf(d, sizeof d, "this account does not act for organisation %.100s", r->params[0]);
    message(r, 401, d);
    return NULL;
}

/* The path's algorithm id when it is a valid one, else NULL after a 404 (the national
 * API knows no malformed id, only unknown ones). */
static const char *algorithm_id(struct ar_req *r)
{
    const char *id = r->params[1];
    if (ar_lars_valid(id))
        return id;
    message(r, 404,
            "no algorithm has this id: an id (lars) is eight digits ending in a check"
            " digit");
    return NULL;
}

/* The registration's open draft (concept or submitted) of p's organisation, or NULL. */
static json_t *open_draft(struct ar_req *r, const char *id, const struct ar_principal *p)
{
    json_t *row = NULL, *v = NULL;
    struct ar_approval_ctx c = ctx_of(r);
    if (ar_store_draft_open(r->store, id, &row) == 0)
        ar_approval_get(r->store, &c, json_integer_value(json_object_get(row, "id")), p->org, &v);
    json_decref(row);
    return v;
}

/* The published registration id when it belongs to p's organisation (retracted or not). */
static json_t *published(struct ar_req *r, const char *id, const struct ar_principal *p)
{
    json_t *v = NULL;
    if (ar_registry_get(r->store, id, 0, &v) == 0 &&
        strcmp(ar_json_str(json_object_get(v, "organization"), "slug"), p->org) == 0)
        return v;
    json_decref(v);
    return NULL;
}

/* Whether id is a registration of p's organisation never published: one whose drafts
 * (any state) reserved the id. */
static int reserved(struct ar_req *r, const char *id, const struct ar_principal *p)
{
    return ar_store_draft_holds(r->store, id, p->org) == 0;
}

/* An entry as the API returns it (v1_0__Algorithm): the standard's fields only, with
 * its id, when this version was written (create_dt), its state (STATE_1 a concept,
 * STATE_2 released, PUBLISHED) and when the entry was last published (null: never). */
static json_t *entry_out(const json_t *rec, const char *id, const char *created, const char *state,
                         const char *published_at)
{
    json_t *out = json_object();
    for (const struct ar_field *f = ar_record_fields; f->key; f++) {
        json_t *v = json_object_get(rec, f->key);
        if (v && v1_field(f->key))
            json_object_set(out, f->key, v);
    }
    if (!json_object_get(out, "lang"))
        json_object_set_new(out, "lang", json_string("nld"));
    if (!json_object_get(out, "standard_version"))
        json_object_set_new(out, "standard_version", json_string("1.0"));
    json_object_set_new(out, "lars", json_string(id));
    json_object_set_new(out, "create_dt", json_string(created ? created : ""));
    json_object_set_new(out, "language", json_string("NLD"));
    json_object_set_new(out, "state", json_string(state));
    json_object_set_new(out, "publication_dt",
                        published_at ? json_string(published_at) : json_null());
    return out;
}

/* The request body as a record of organisation p: read-only members dropped, members
 * of older standards moved to *ignored, nulls meaning "not given". A record naming
 * another organisation than the path's gets a problem in pr (the record is still
 * returned, so every other problem is found too). NULL after the answer. */
static json_t *entry_in(struct ar_req *r, const struct ar_principal *p, json_t *pr,
                        json_t **ignored)
{
    json_t *body = body_object(r), *org = NULL;
    *ignored = json_array();
    if (!body)
        return NULL;
    json_object_del(body, "lars");
    json_object_del(body, "publication_dt");
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(body, tmp, k, v)
    {
        if (ar_fields_in(legacy_fields, k) && !ar_fields_find(ar_record_fields, k)) {
            json_array_append_new(*ignored, json_string(k));
            json_object_del(body, k);
        } else if (json_is_null(v)) {
            json_object_del(body, k);
        }
    }
    const char *name = ar_json_str(body, "organization");
    if (name && ar_store_org_get(r->store, p->org, &org) == 0 &&
        strcmp(ar_json_str(org, "name"), name) != 0)
        ar_problem_add(pr, "organization", "organisation",
                       "organization must be \"%s\", the organisation of the path",
                       ar_json_str(org, "name"));
    json_decref(org);
    return body;
}

/* GET …/algorithms: every registration of the organisation, published or not. */
static void h_list(struct ar_req *r)
{
    const struct ar_principal *p = member(r);
    json_t *regs = NULL, *drafts = NULL, *out = NULL, *d;
    struct ar_approval_ctx c = ctx_of(r);
    size_t i;
    if (!p)
        return;
    if (ar_store_org_registrations(r->store, p->org, &regs) ||
        ar_approval_list(r->store, &c, p->org, NULL, &drafts)) {
        message(r, 500, "the register could not be read");
        goto out;
    }
    out = json_array();
    json_t *open = json_object(); /* lars → its newest open draft */
    json_array_foreach (drafts, i, d) {
        const char *st = ar_json_str(d, "state"), *id = ar_json_str(d, "registration");
        if (id && (!strcmp(st, "concept") || !strcmp(st, "submitted")) &&
            !json_object_get(open, id))
            json_object_set(open, id, d);
    }
    json_t *reg;
    json_array_foreach (regs, i, reg) {
        const char *id = ar_json_str(reg, "id");
        json_t *od = json_object_get(open, id);
        json_array_append_new(
            out, json_pack("{s:s?, s:s, s:s, s:s, s:O?, s:b, s:b, s:b, s:s?}", "name",
                           od ? ar_json_str(od, "name") : ar_json_str(reg, "name"),
                           "schema_version", "1.0", "last_update_dt",
                           od ? ar_json_str(od, "created") : ar_json_str(reg, "updated"), "lars",
                           id, "source_id", json_object_get(reg, "source_id"), "published",
                           !json_object_get(reg, "retracted"), "current_version_released",
                           !od || !strcmp(ar_json_str(od, "state"), "submitted"),
                           "current_version_published", !od && !json_object_get(reg, "retracted"),
                           "last_update_by",
                           od ? ar_json_str(od, "author") : ar_json_str(reg, "author")));
        json_object_del(open, id);
    }
    const char *id;
    json_object_foreach (open, id, d) /* never published: reserved ids */
        json_array_append_new(
            out,
            json_pack("{s:s?, s:s, s:s, s:s, s:n, s:b, s:b, s:b, s:s?}", "name",
                      ar_json_str(d, "name"), "schema_version", "1.0", "last_update_dt",
                      ar_json_str(d, "created"), "lars", id, "source_id", "published", 0,
                      "current_version_released", !strcmp(ar_json_str(d, "state"), "submitted"),
                      "current_version_published", 0, "last_update_by", ar_json_str(d, "author")));
    json_decref(open);
    ar_req_header(r, "Cache-Control", "no-store");
    ar_resp_json(r, 200, out);
out:
    json_decref(out);
    json_decref(regs);
    json_decref(drafts);
}

/* Save body as the concept of id (is_new: an id reserved, never published). */
static void save(struct ar_req *r, const struct ar_principal *p, const char *id, int is_new,
                 int create)
{
    json_t *pr = json_array(), *ignored = NULL, *clean = NULL;
    json_t *rec = entry_in(r, p, pr, &ignored);
    struct ar_approval_ctx c = ctx_of(r);
    long long draft;
    int changed;
    if (!rec)
        goto out;
    if (json_array_size(pr)) { /* the organisation is wrong: the record's own problems too */
        ar_record_validate(&clean, rec, pr);
        invalid(r, pr);
        goto out;
    }
    int rc = ar_approval_concept(r->store, &c, p->name, p->org, id, is_new, rec, 1, pr, &draft,
                                 &changed);
    if (rc) {
        fail(r, rc, pr);
        goto out;
    }
    json_t *v = create ? json_pack("{s:s}", "lars_code", id)
                       : json_pack("{s:s}", "message",
                                   changed ? "saved as a concept; release it for publication"
                                           : "no changes: the published version is the same");
    if (json_array_size(ignored))
        json_object_set_new(v, "ignored",
                            json_pack("{s:O, s:s}", "fields", ignored, "reason",
                                      "fields of standards before 1.0, not kept"));
    if (changed) {
        char loc[64];
        snprintf(loc, sizeof loc, "/api/v1/drafts/%lld", draft);
        ar_req_header(r, "Location", ar_arena_strdup(r->arena, loc));
    }
    ar_resp_json(r, 200, v);
    json_decref(v);
out:
    json_decref(clean);
    json_decref(ignored);
    json_decref(rec);
    json_decref(pr);
}

/* POST …/algorithms: a new entry, as a concept with its id reserved. */
static void h_create(struct ar_req *r)
{
    const struct ar_principal *p = member(r);
    char id[9];
    if (!p)
        return;
    if (ar_approval_free_id(r->store, id)) {
        message(r, 500, "no free id found; nothing was changed");
        return;
    }
    save(r, p, id, 1, 1);
}

/* PUT …/algorithms/{id}: a new concept of an entry. */
static void h_update(struct ar_req *r)
{
    const struct ar_principal *p = member(r);
    const char *id = p ? algorithm_id(r) : NULL;
    json_t *pub = NULL;
    if (!id)
        return;
    if ((pub = published(r, id, p)))
        save(r, p, id, 0, 0);
    else if (reserved(r, id, p))
        save(r, p, id, 1, 0);
    else
        message(r, 404, "this organisation has no algorithm with this id");
    json_decref(pub);
}

/* GET …/algorithms/{id}: the newest version — the open concept or released one, else
 * the published one. */
static void h_get(struct ar_req *r)
{
    const struct ar_principal *p = member(r);
    const char *id = p ? algorithm_id(r) : NULL;
    json_t *d = NULL, *pub = NULL, *out = NULL;
    if (!id)
        return;
    pub = published(r, id, p);
    d = open_draft(r, id, p);
    const char *at = pub ? ar_json_str(pub, "created") : NULL;
    if (d)
        out = entry_out(json_object_get(d, "record"), id, ar_json_str(d, "created"),
                        strcmp(ar_json_str(d, "state"), "concept") ? "STATE_2" : "STATE_1", at);
    else if (pub)
        out = entry_out(json_object_get(pub, "record"), id, at, "PUBLISHED", at);
    if (out) {
        ar_req_header(r, "Cache-Control", "no-store");
        ar_resp_json(r, 200, out);
    } else {
        message(r, 404, "this organisation has no algorithm with this id");
    }
    json_decref(out);
    json_decref(d);
    json_decref(pub);
}

/* GET …/published-algorithms/{id}: the version the public sees. */
static void h_get_published(struct ar_req *r)
{
    const struct ar_principal *p = member(r);
    const char *id = p ? algorithm_id(r) : NULL;
    json_t *pub = id ? published(r, id, p) : NULL;
    if (!id)
        return;
    if (!pub || json_object_get(pub, "retracted")) {
        message(r, 404,
                pub ? "this algorithm is retracted: nothing of it is published"
                    : "this organisation has no published algorithm with this id");
    } else {
        const char *at = ar_json_str(pub, "created");
        json_t *out = entry_out(json_object_get(pub, "record"), id, at, "PUBLISHED", at);
        ar_req_header(r, "Cache-Control", "no-store");
        ar_resp_json(r, 200, out);
        json_decref(out);
    }
    json_decref(pub);
}

/* The open draft of id, in state want (NULL: either); NULL after a 404 or 409. */
static json_t *draft_in_state(struct ar_req *r, const struct ar_principal *p, const char *id,
                              const char *want, const char *none)
{
    json_t *d = open_draft(r, id, p), *pub = NULL;
    if (d && (!want || !strcmp(ar_json_str(d, "state"), want)))
        return d;
    if (d)
        message(r, 409,
                !strcmp(want, "concept") ? "this algorithm's newest version is already released"
                                         : "this algorithm's newest version is not released yet");
    else if ((pub = published(r, id, p)) || reserved(r, id, p))
        message(r, 409, none);
    else
        message(r, 404, "this organisation has no algorithm with this id");
    json_decref(pub);
    json_decref(d);
    return NULL;
}

/* PUT …/release: the concept waits for publication by another approver. */
static void h_release(struct ar_req *r)
{
    const struct ar_principal *p = member(r);
    const char *id = p ? algorithm_id(r) : NULL;
    json_t *d = id ? draft_in_state(r, p, id, "concept", "there is no concept to release") : NULL,
           *pr = json_array();
    if (d) {
        struct ar_approval_ctx c = ctx_of(r);
        int rc = ar_approval_release(r->store, &c, json_integer_value(json_object_get(d, "id")),
                                     p->name, p->org, pr);
        if (rc) {
            fail(r, rc, pr);
        } else {
            json_t *v = json_pack("{s:s}", "message",
                                  "released: an approver of the organisation other than its"
                                  " author publishes it");
            ar_resp_json(r, 200, v);
            json_decref(v);
        }
    }
    json_decref(d);
    json_decref(pr);
}

/* PUT …/publish: an approver who did not write it publishes the released version. */
static void h_publish(struct ar_req *r)
{
    const struct ar_principal *p = member(r);
    const char *id = p ? algorithm_id(r) : NULL;
    json_t *d = NULL, *pr = json_array();
    struct ar_approval_ctx c = ctx_of(r);
    if (!id)
        goto out;
    if (!(p->bit & AR_ROLE_APPROVER_BIT)) {
        message(r, 403, "publishing is for the organisation's approvers (four eyes)");
        goto out;
    }
    if (!(d = draft_in_state(r, p, id, "submitted", "there is no released version to publish")))
        goto out;
    char lars[9];
    int version;
    int rc = ar_approval_decide(r->store, &c, json_integer_value(json_object_get(d, "id")), p->name,
                                p->org, 1, NULL, pr, lars, &version);
    if (rc) {
        fail(r, rc, pr);
        goto out;
    }
    char msg[96];
    snprintf(msg, sizeof msg, "published as version %d", version);
    json_t *v = json_pack("{s:s}", "message", msg);
    ar_resp_json(r, 200, v);
    json_decref(v);
out:
    json_decref(d);
    json_decref(pr);
}

/* DELETE …/published-algorithms/{id}/retract: hidden from the public, logged. */
static void h_retract(struct ar_req *r)
{
    const struct ar_principal *p = member(r);
    const char *id = p ? algorithm_id(r) : NULL;
    json_t *pr = json_array();
    if (!id)
        goto out;
    if (!(p->bit & AR_ROLE_APPROVER_BIT)) {
        message(r, 403, "retracting a published algorithm is for the organisation's approvers");
        goto out;
    }
    int rc = ar_approval_retract(r->store, id, p->org, pr);
    if (rc) {
        fail(r, rc, pr);
        goto out;
    }
    json_t *v = json_pack("{s:s}", "message", "retracted: hidden from the public, in the log");
    ar_resp_json(r, 200, v);
    json_decref(v);
out:
    json_decref(pr);
}

/* PUT …/archive_version and …/unarchive_version with {algorithm_version_id}: the draft
 * of that number, which must be one of this algorithm's. */
static void archive(struct ar_req *r, int on)
{
    const struct ar_principal *p = member(r);
    const char *id = p ? algorithm_id(r) : NULL;
    json_t *b = NULL, *pr = json_array(), *row = NULL;
    if (!id || !(b = body_object(r)))
        goto out;
    json_t *vid = json_object_get(b, "algorithm_version_id");
    if (!json_is_integer(vid) || json_integer_value(vid) < 1) {
        ar_problem_add(pr, "algorithm_version_id", vid ? "type" : "missing",
                       "algorithm_version_id is required: a positive whole number (the draft's)");
        invalid(r, pr);
        goto out;
    }
    long long n = json_integer_value(vid);
    if (ar_store_draft_get(r->store, n, &row) || !json_is_string(json_object_get(row, "lars")) ||
        strcmp(ar_json_str(row, "lars"), id) != 0 || strcmp(ar_json_str(row, "org"), p->org)) {
        message(r, 404, "this algorithm has no version with this algorithm_version_id");
        goto out;
    }
    int rc = ar_approval_archive(r->store, n, p->name, p->org, on, pr);
    if (rc) {
        fail(r, rc, pr);
        goto out;
    }
    json_t *v = json_pack("{s:s}", "message", on ? "archived" : "a concept again");
    ar_resp_json(r, 200, v);
    json_decref(v);
out:
    json_decref(row);
    json_decref(b);
    json_decref(pr);
}

static void h_archive(struct ar_req *r)
{
    archive(r, 1);
}

static void h_unarchive(struct ar_req *r)
{
    archive(r, 0);
}

/* GET …/preview: where the open version can be seen as the public would see it (a page
 * for the organisation's signed-in members). */
static void h_preview(struct ar_req *r)
{
    const struct ar_principal *p = member(r);
    const char *id = p ? algorithm_id(r) : NULL;
    json_t *d = id ? open_draft(r, id, p) : NULL, *pub = NULL;
    char url[256];
    if (!id)
        return;
    if (d)
        snprintf(url, sizeof url, "%s/drafts/%lld/preview", ar_req_base_url(r),
                 (long long)json_integer_value(json_object_get(d, "id")));
    else if ((pub = published(r, id, p)))
        snprintf(url, sizeof url, "%s/registrations/%s", ar_req_base_url(r), id);
    if (d || pub) {
        json_t *v = json_pack("{s:s}", "url", url);
        ar_resp_json(r, 200, v);
        json_decref(v);
    } else {
        message(r, 404, "this organisation has no algorithm with this id");
    }
    json_decref(d);
    json_decref(pub);
}

#define ALG BASE "/organizations/{organisation_id}/algorithms"
#define PUB BASE "/organizations/{organisation_id}/published-algorithms"

const struct ar_route ar_compat_routes[] = {
    {"GET", ALG, h_list, "Submission API: the organisation's algorithms", AR_ROLE_ORG},
    {"POST", ALG, h_create, "Submission API: a new algorithm (a concept)", AR_ROLE_ORG},
    {"GET", ALG "/{algorithm_id}", h_get, "Submission API: the newest version", AR_ROLE_ORG},
    {"PUT", ALG "/{algorithm_id}", h_update, "Submission API: a new concept", AR_ROLE_ORG},
    {"PUT", ALG "/{algorithm_id}/archive_version", h_archive, "Submission API: archive a draft",
     AR_ROLE_ORG},
    {"PUT", ALG "/{algorithm_id}/unarchive_version", h_unarchive,
     "Submission API: a draft back as a concept", AR_ROLE_ORG},
    {"GET", ALG "/{algorithm_id}/preview", h_preview, "Submission API: where to preview it",
     AR_ROLE_ORG},
    {"PUT", ALG "/{algorithm_id}/release", h_release, "Submission API: release for publication",
     AR_ROLE_ORG},
    {"PUT", ALG "/{algorithm_id}/publish", h_publish,
     "Submission API: publish (an approver, not the author)", AR_ROLE_ORG},
    {"GET", PUB "/{algorithm_id}", h_get_published, "Submission API: the published version",
     AR_ROLE_ORG},
    {"DELETE", PUB "/{algorithm_id}/retract", h_retract,
     "Submission API: retract (hide) a published algorithm", AR_ROLE_ORG},
    {NULL, NULL, NULL, NULL, 0},
};
