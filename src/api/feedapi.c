/* feedapi.c — what changed in the register, for programs and for people.
 *
 * GET /api/v1/changes is a change feed read from the transparency log: every new
 * registration, new version, withheld registration, publication after withholding,
 * retraction (hidden by its organisation: no name any more) and publication again, in
 * log order, from a cursor (the log index; next_cursor continues where a page
 * ended, so a follower never misses or repeats a change). GET /feed.atom is the same
 * as an Atom feed (RFC 4287), newest first, of the whole register or one organisation.
 * Both show only what the log already makes public. */
#include "api/api.h"
#include "auth/auth.h"
#include "base/buf.h"
#include "base/err.h"
#include "model/record.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define CHANGES_DEFAULT 100
#define CHANGES_MAX 1000
#define ATOM_ENTRIES 50

/* The kind of change a log leaf records. */
static const char *change_type(const json_t *leaf, int version)
{
    const char *kind = json_string_value(json_object_get(leaf, "kind"));
    if (kind && !strcmp(kind, "publication"))
        return "published"; /* withheld until now; revealed and checkable */
    if (kind && !strcmp(kind, "retraction"))
        return "retracted"; /* hidden by its organisation */
    if (kind && !strcmp(kind, "republication"))
        return "republished";
    if (json_object_get(leaf, "withheld"))
        return "withheld";
    return version == 1 ? "new" : "changed";
}

static json_t *change_item(const json_t *c)
{
    const json_t *leaf = json_object_get(c, "leaf");
    const char *id = json_string_value(json_object_get(c, "id"));
    /* a retraction's leaf is linked to the registration, its version is in the leaf */
    const json_t *lv = json_object_get(leaf, "version");
    int version = (int)json_integer_value(lv ? lv : json_object_get(c, "version"));
    json_int_t idx = json_integer_value(json_object_get(c, "index"));
    char url[128], entry[64];
    snprintf(url, sizeof url, "/registrations/%s?version=%d", id, version);
    snprintf(entry, sizeof entry, "/api/v1/log/entries/%lld", (long long)idx);
    json_t *it = json_pack("{s:I, s:s, s:s, s:i, s:s?, s:s?, s:O, s:s, s:s}", "cursor", idx, "type",
                           change_type(leaf, version), "id", id, "version", version, "time",
                           json_string_value(json_object_get(leaf, "time")), "name",
                           json_string_value(json_object_get(c, "name")), "organization",
                           json_object_get(c, "organization"), "url", url, "log_entry", entry);
    const json_t *wh = json_object_get(leaf, "withheld");
    if (wh)
        json_object_set_new(it, "withheld",
                            json_pack("{s:O?, s:O?, s:O?}", "until", json_object_get(wh, "until"),
                                      "scope", json_object_get(wh, "scope"), "ground",
                                      json_object_get(wh, "ground")));
    if (json_object_get(leaf, "reason"))
        json_object_set(it, "reason", json_object_get(leaf, "reason"));
    return it;
}

/* organization=SLUG, checked: NULL when absent; a problem in pr when malformed or
 * unknown (*unknown set for the latter, a 404). */
static const char *org_arg(struct ar_req *r, json_t *pr, int *unknown)
{
    const char *org = ar_req_arg(r, "organization");
    if (!org || !*org)
        return NULL;
    for (const char *p = org; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-') ||
            p - org > 100) {
            ar_problem_add(pr, "organization", "pattern",
                           "organization is an organisation's slug (a-z, 0-9, -)");
            return NULL;
        }
    json_t *o = NULL;
    if (ar_store_org_get(r->store, org, &o) == AR_ENOTFOUND) {
        ar_problem_add(pr, "organization", "exists", "no organisation has the id %s", org);
        *unknown = 1;
    }
    json_decref(o);
    return org;
}

/* 1 when pr holds problems, answered: 404 for an unknown organisation, else 400. */
static int refused(struct ar_req *r, json_t *pr, int unknown)
{
    if (!json_array_size(pr))
        return 0;
    ar_resp_problem(r, unknown ? 404 : 400, unknown ? "not-found" : "bad-query",
                    unknown ? "No such organisation" : "Invalid feed parameters", NULL, pr);
    return 1;
}

static void h_changes(struct ar_req *r)
{
    json_t *pr = json_array(), *rows = NULL, *items = NULL;
    long long cursor = 0, limit = CHANGES_DEFAULT;
    const char *c = ar_req_arg(r, "cursor"), *l = ar_req_arg(r, "limit");
    char *end;
    if (c && *c) {
        cursor = strtoll(c, &end, 10);
        if (*end || cursor < 0)
            ar_problem_add(pr, "cursor", "minimum",
                           "cursor is a log index: 0 or the next_cursor of the last page");
    }
    if (l && *l) {
        limit = strtoll(l, &end, 10);
        if (*end || limit < 1 || limit > CHANGES_MAX)
            ar_problem_add(pr, "limit", "maximum", "limit is from 1 to %d", CHANGES_MAX);
    }
    int unknown = 0;
    const char *org = org_arg(r, pr, &unknown);
    if (refused(r, pr, unknown))
        goto out;
    if (ar_store_changes(r->store, cursor, org, (int)limit, 0, &rows)) {
        ar_resp_problem(r, 500, "internal", "Internal error", NULL, NULL);
        goto out;
    }
    items = json_array();
    size_t i;
    json_t *row;
    long long next = cursor;
    json_array_foreach (rows, i, row) {
        json_array_append_new(items, change_item(row));
        next = json_integer_value(json_object_get(row, "index")) + 1;
    }
    json_t *res = json_pack("{s:O, s:I, s:b}", "items", items, "next_cursor", (json_int_t)next,
                            "more", json_array_size(rows) == (size_t)limit);
    ar_req_header(r, "Cache-Control", "no-cache");
    ar_resp_json(r, 200, res);
    json_decref(res);
out:
    json_decref(items);
    json_decref(rows);
    json_decref(pr);
}

static void h_atom(struct ar_req *r)
{
    json_t *pr = json_array(), *rows = NULL;
    int unknown = 0;
    const char *org = org_arg(r, pr, &unknown);
    if (refused(r, pr, unknown))
        goto out;
    if (ar_store_changes(r->store, 0, org, ATOM_ENTRIES, 1, &rows)) {
        ar_resp_problem(r, 500, "internal", "Internal error", NULL, NULL);
        goto out;
    }
    const char *base = ar_req_base_url(r);
    const char *en = ar_req_arg(r, "lang");
    int english = en && !strcmp(en, "en");
    struct ar_buf *b = &r->out;
    const char *org_name = NULL;
    if (json_array_size(rows))
        org_name = json_string_value(
            json_object_get(json_object_get(json_array_get(rows, 0), "organization"), "name"));
    ar_buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                   "<feed xmlns=\"http://www.w3.org/2005/Atom\"");
    ar_buf_puts(b, english ? " xml:lang=\"en\">\n" : " xml:lang=\"nl\">\n");
    ar_buf_puts(b, "<title>");
    ar_buf_puts(b, english ? "Algorithm register: changes" : "Algoritmeregister: wijzigingen");
    if (org) {
        ar_buf_puts(b, " \xe2\x80\x94 ");
        ar_buf_html(b, org_name ? org_name : org, strlen(org_name ? org_name : org));
    }
    ar_buf_puts(b, "</title>\n");
    const char *self = ar_arena_printf(r->arena, "%s/feed.atom%s%s", base,
                                       org ? "?organization=" : "", org ? org : "");
    ar_buf_printf(b, "<id>%s</id>\n<link rel=\"self\" href=\"", self);
    ar_buf_html(b, self, strlen(self));
    ar_buf_printf(b, "\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"%s/%s%s\"/>\n", base,
                  org ? "organisations/" : "", org ? org : "");
    const char *updated = json_array_size(rows)
                              ? json_string_value(json_object_get(
                                    json_object_get(json_array_get(rows, 0), "leaf"), "time"))
                              : NULL;
    ar_buf_printf(b, "<updated>%s</updated>\n<author><name>algoreg</name></author>\n",
                  updated ? updated : "1970-01-01T00:00:00Z");
    size_t i;
    json_t *row;
    json_array_foreach (rows, i, row) {
        json_t *it = change_item(row);
        const char *type = json_string_value(json_object_get(it, "type"));
        static const struct {
            const char *type, *nl, *en;
        } words[] = {
            {"new", "Nieuw", "New"},
            {"changed", "Gewijzigd", "Changed"},
            {"withheld", "Geregistreerd, inhoud achtergehouden", "Registered, withheld"},
            {"published", "Gepubliceerd na achterhouden", "Published after withholding"},
            {"retracted", "Ingetrokken door de organisatie", "Retracted by its organisation"},
            {"republished", "Opnieuw gepubliceerd", "Published again"}};
        const char *word = type;
        for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
            if (!strcmp(words[w].type, type))
                word = english ? words[w].en : words[w].nl;
        const char *name = json_string_value(json_object_get(it, "name"));
        const char *oname =
            json_string_value(json_object_get(json_object_get(it, "organization"), "name"));
        ar_buf_printf(b, "<entry>\n<id>%s%s</id>\n<title>", base,
                      json_string_value(json_object_get(it, "log_entry")));
        ar_buf_html(b, word, strlen(word));
        ar_buf_puts(b, ": ");
        const char *shown = name ? name : json_string_value(json_object_get(it, "id"));
        ar_buf_html(b, shown, strlen(shown));
        ar_buf_puts(b, " (");
        ar_buf_html(b, oname, strlen(oname));
        ar_buf_printf(b, ")</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"%s%s\"/>\n",
                      base, json_string_value(json_object_get(it, "url")));
        ar_buf_printf(b, "<updated>%s</updated>\n<category term=\"%s\"/>\n",
                      json_string_value(json_object_get(it, "time")), type);
        ar_buf_printf(
            b, "<summary>%s %s, %s %d%s%s</summary>\n</entry>\n", word,
            json_string_value(json_object_get(it, "id")), english ? "version" : "versie",
            (int)json_integer_value(json_object_get(it, "version")),
            json_object_get(it, "withheld") ? (english ? ", until " : ", tot ") : "",
            json_object_get(it, "withheld")
                ? json_string_value(json_object_get(json_object_get(it, "withheld"), "until"))
                : "");
        json_decref(it);
    }
    ar_buf_puts(b, "</feed>\n");
    r->status = 200;
    r->ctype = "application/atom+xml; charset=utf-8";
    ar_req_header(r, "Cache-Control", "no-cache");
out:
    json_decref(rows);
    json_decref(pr);
}

const struct ar_route ar_feed_routes[] = {
    {"GET", "/api/v1/changes", h_changes,
     "Changes from a cursor: new, changed, withheld, published, retracted, republished",
     AR_ROLE_PUBLIC},
    {"GET", "/feed.atom", h_atom, "Atom feed of changes, of the register or one organisation",
     AR_ROLE_PUBLIC},
    {NULL, NULL, NULL, NULL, 0},
};
