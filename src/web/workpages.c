/* workpages.c — the workspace of an organisation's editors (registrants) and approvers:
 * what waits for them, a form for a registration grouped as the publication standard
 * groups it, drafts with their differences from the published version and a preview,
 * and the four-eyes decision. The same rules as the API (src/approval, src/model): a
 * problem appears next to its field, in the visitor's language, with what was typed
 * kept; a stale form (someone published meanwhile) is explained, never overwritten.
 * Works without JavaScript. */
#include "api/api.h"
#include "approval/approval.h"
#include "auth/auth.h"
#include "base/err.h"
#include "exception/exception.h"
#include "json/json.h"
#include "model/fields.h"
#include "model/lars.h"
#include "model/record.h"
#include "model/registry.h"
#include "web/pages.h"
#include "web/tmpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINK_ROWS_EMPTY 2 /* empty rows offered under a list of links */

static const char *lang_of(const json_t *ctx)
{
    return json_string_value(json_object_get(ctx, "lang"));
}

static struct ar_approval_ctx approval_ctx(const struct ar_req *r)
{
    return (struct ar_approval_ctx){r->app->seal, r->app->exception};
}

/* Fields the form offers: the record model's, but not the ids and versions it sets
 * itself, nor the AI Act annexes (nested objects, kept as they are; the API edits
 * them). */
static int on_form(const struct ar_field *f)
{
    return strcmp(f->key, "lars") && strcmp(f->key, "lang") && strcmp(f->key, "standard_version") &&
           strcmp(f->key, "aiact");
}

/* ---- problems → the fields they belong to --------------------------------------------- */

/* The form field a problem's field path belongs to: "a[2].b" → "a", "o.c" stays. */
static void field_of(const char *path, char *out, size_t cap)
{
    size_t n = strcspn(path, "[");
    snprintf(out, cap, "%.*s", (int)n, path);
}

/* The problem in the visitor's language: the field's label and the rule's message (the
 * model's own English detail when the rule has none). */
static char *problem_text(struct ar_req *r, const json_t *ctx, const json_t *p, const char *label)
{
    return ar_arena_printf(r->arena, "%s: %s", label, ar_web_rule_text(r, ctx, p));
}

/* ---- the form ------------------------------------------------------------------------- */

static const char *label_of(const struct ar_field *f, const char *lang)
{
    return ar_field_label(f, lang);
}

/* The text of a value for an input or text area. */
static const char *plain(const json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : "";
}

/* One field's view for templates/workform.html. name is the form name ("goal",
 * "safeguards.is_ai"); v its value in the record being edited; err its message. */
static json_t *field_view(struct ar_req *r, const struct ar_field *f, const char *name,
                          const json_t *v, const char *err, const char *lang)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:s?}", "name", name, "id",
                          ar_arena_printf(r->arena, "f-%s", name), "label", label_of(f, lang),
                          "required", (f->flags & AR_FF_REQUIRED) != 0, "error", err);
    if (f->max && f->type != AR_FT_ENUM_LIST && f->type != AR_FT_LINKS && f->type != AR_FT_STR_LIST)
        json_object_set_new(o, "maxlength", json_integer((json_int_t)f->max));
    switch (f->type) {
    case AR_FT_HTML:
    case AR_FT_STR_LIST:
        json_object_set_new(o, "is_textarea", json_true());
        if (f->type == AR_FT_STR_LIST) {
            struct ar_buf b;
            ar_buf_init(&b, 1 << 20);
            size_t i;
            json_t *x;
            json_array_foreach (v, i, x)
                ar_buf_printf(&b, "%s%s", i ? "\n" : "", plain(x));
            json_object_set_new(o, "value", json_string(ar_buf_cstr(&b)));
            ar_buf_free(&b);
            json_object_set_new(o, "hint_key", json_string("hint_one_per_line"));
        } else {
            json_object_set_new(o, "value", json_string(plain(v)));
            json_object_set_new(o, "hint_key", json_string("hint_html"));
        }
        break;
    case AR_FT_TEXT:
        json_object_set_new(o, f->max > 200 ? "is_textarea" : "is_input", json_true());
        json_object_set_new(o, "input_type", json_string("text"));
        json_object_set_new(o, "value", json_string(plain(v)));
        break;
    case AR_FT_EMAIL:
    case AR_FT_URL:
    case AR_FT_MONTH:
    case AR_FT_DATE:
        json_object_set_new(o, "is_input", json_true());
        json_object_set_new(o, "input_type",
                            json_string(f->type == AR_FT_EMAIL ? "email"
                                        : f->type == AR_FT_URL ? "url"
                                                               : "text"));
        json_object_set_new(o, "value", json_string(plain(v)));
        /* for the live check (web/static/workspace.js) */
        json_object_set_new(o, "kind",
                            json_string(f->type == AR_FT_EMAIL   ? "email"
                                        : f->type == AR_FT_URL   ? "url"
                                        : f->type == AR_FT_MONTH ? "month"
                                                                 : "date"));
        if (f->type == AR_FT_MONTH)
            json_object_set_new(o, "hint_key", json_string("hint_month"));
        if (f->type == AR_FT_DATE)
            json_object_set_new(o, "hint_key", json_string("hint_date"));
        break;
    case AR_FT_ENUM:
    case AR_FT_BOOL: {
        json_t *opts = json_array();
        const char *cur = f->type == AR_FT_BOOL ? (json_is_true(v)    ? "yes"
                                                   : json_is_false(v) ? "no"
                                                                      : "")
                                                : plain(v);
        json_array_append_new(
            opts, json_pack("{s:s, s:s, s:b}", "value", "", "label", "—", "selected", !*cur));
        if (f->type == AR_FT_BOOL) {
            json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "value", "yes", "label",
                                                  ar_tmpl_msg(r->app->tmpl, lang, "yes"),
                                                  "selected", !strcmp(cur, "yes")));
            json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "value", "no", "label",
                                                  ar_tmpl_msg(r->app->tmpl, lang, "no"), "selected",
                                                  !strcmp(cur, "no")));
        }
        for (const char *const *p = f->values; p && *p; p++)
            json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "value", *p, "label", *p,
                                                  "selected", !strcmp(cur, *p)));
        json_object_set_new(o, "is_select", json_true());
        json_object_set_new(o, "options", opts);
        break;
    }
    case AR_FT_ENUM_LIST: {
        json_t *opts = json_array();
        int k = 0;
        for (const char *const *p = f->values; p && *p; p++, k++) {
            int on = 0;
            size_t i;
            json_t *x;
            json_array_foreach (v, i, x)
                on |= json_is_string(x) && !strcmp(json_string_value(x), *p);
            json_array_append_new(opts, json_pack("{s:s, s:s, s:s, s:b, s:s}", "name", name,
                                                  "value", *p, "label", *p, "checked", on, "id",
                                                  ar_arena_printf(r->arena, "f-%s-%d", name, k)));
        }
        json_object_set_new(o, "is_checks", json_true());
        json_object_set_new(o, "options", opts);
        json_object_set_new(o, "max_items", json_integer((json_int_t)f->max));
        break;
    }
    case AR_FT_LINKS: {
        json_t *rows = json_array(), *x;
        size_t i, n = json_array_size(v);
        for (i = 0; i < n + LINK_ROWS_EMPTY && i < f->max; i++) {
            x = json_array_get(v, i);
            json_array_append_new(
                rows, json_pack("{s:i, s:s, s:s, s:s, s:s}", "n", (int)i + 1, "title",
                                plain(json_object_get(x, "title")), "link",
                                plain(json_object_get(x, "link")), "tname",
                                ar_arena_printf(r->arena, "%s.%zu.title", name, i), "lname",
                                ar_arena_printf(r->arena, "%s.%zu.link", name, i)));
        }
        json_object_set_new(o, "is_links", json_true());
        json_object_set_new(o, "rows", rows);
        break;
    }
    default: break;
    }
    const char *hk = ar_json_str(o, "hint_key");
    if (hk)
        json_object_set_new(o, "hint", json_string(ar_tmpl_msg(r->app->tmpl, lang, hk)));
    /* the field's help text, written for this register (i18n help_NAME) */
    const char *key = ar_arena_printf(r->arena, "help_%s", name);
    const char *help = ar_tmpl_msg(r->app->tmpl, lang, key);
    if (strcmp(help, key))
        json_object_set_new(o, "help", json_string(help));
    /* what a screen reader reads with the field: its help, format hint and problem */
    const char *id = ar_json_str(o, "id");
    const char *by = ar_arena_printf(r->arena, "%s%s%s%s%s%s", strcmp(help, key) ? id : "",
                                     strcmp(help, key) ? "-help " : "", hk ? id : "",
                                     hk ? "-hint " : "", err ? id : "", err ? "-error" : "");
    if (*by)
        json_object_set_new(o, "describedby", json_string(by));
    return o;
}

/* The form's groups: [{label, fields[]}] for record rec (NULL: empty) with the messages
 * of problems next to their fields; problems of fields the form does not show go to
 * *loose. */
static json_t *form_groups(struct ar_req *r, const json_t *ctx, const json_t *rec,
                           const json_t *problems, json_t *summary)
{
    const char *lang = lang_of(ctx);
    json_t *groups = json_array(), *errs = json_object(), *p;
    size_t i;
    /* every problem's message, by the form field it belongs to */
    json_array_foreach (problems, i, p) {
        char key[160];
        field_of(ar_json_str(p, "field") ?: "", key, sizeof key);
        const struct ar_field *f = NULL;
        char top[160];
        snprintf(top, sizeof top, "%.*s", (int)strcspn(key, "."), key);
        const struct ar_field *tf = ar_fields_find(ar_record_fields, top);
        f = tf && strchr(key, '.') && tf->children
                ? ar_fields_find(tf->children, strchr(key, '.') + 1)
                : tf;
        const char *text = problem_text(r, ctx, p, f ? label_of(f, lang) : key);
        if (!json_object_get(errs, key))
            json_object_set_new(errs, key, json_string(text));
        json_array_append_new(summary,
                              json_pack("{s:s, s:s}", "text", text, "href",
                                        ar_arena_printf(r->arena, "#f-%s", f ? key : "name")));
    }
    for (const struct ar_group *g = ar_record_groups; g->key; g++) {
        json_t *fields = json_array();
        for (const char *const *k = g->fields; *k; k++) {
            const struct ar_field *f = ar_fields_find(ar_record_fields, *k);
            if (!f || !on_form(f))
                continue;
            if (f->type == AR_FT_OBJECT) { /* its members, named "object.member" */
                for (const struct ar_field *c = f->children; c && c->key; c++) {
                    if (c->type == AR_FT_OBJECT)
                        continue;
                    const char *name = ar_arena_printf(r->arena, "%s.%s", f->key, c->key);
                    json_array_append_new(
                        fields, field_view(r, c, name,
                                           json_object_get(json_object_get(rec, f->key), c->key),
                                           ar_json_str(errs, name), lang));
                }
                continue;
            }
            json_array_append_new(fields, field_view(r, f, f->key, json_object_get(rec, f->key),
                                                     ar_json_str(errs, f->key), lang));
        }
        if (json_array_size(fields))
            json_array_append_new(groups, json_pack("{s:s, s:s, s:o}", "key", g->key, "label",
                                                    strcmp(lang, "en") ? g->label_nl : g->label_en,
                                                    "fields", fields));
        else
            json_decref(fields);
    }
    json_decref(errs);
    return groups;
}

/* One field's value from the form into rec (removed when left empty). */
static void take_field(struct ar_req *r, const struct ar_field *f, const char *name, json_t *rec,
                       const char *key)
{
    json_t *v = NULL;
    const char *s = ar_req_arg(r, name);
    switch (f->type) {
    case AR_FT_BOOL:
        if (s && !strcmp(s, "yes"))
            v = json_true();
        else if (s && !strcmp(s, "no"))
            v = json_false();
        break;
    case AR_FT_ENUM_LIST:
        v = json_array();
        for (int i = 0; i < r->nargs; i++)
            if (!strcmp(r->args[i].key, name) && *r->args[i].value)
                json_array_append_new(v, json_string(r->args[i].value));
        break;
    case AR_FT_STR_LIST:
        v = json_array();
        for (const char *q = s ? s : ""; *q;) {
            size_t n = strcspn(q, "\r\n");
            if (n)
                json_array_append_new(v, json_stringn(q, n));
            q += n;
            q += strspn(q, "\r\n");
        }
        break;
    case AR_FT_LINKS:
        v = json_array();
        for (size_t i = 0; i < f->max + LINK_ROWS_EMPTY; i++) {
            const char *t = ar_req_arg(r, ar_arena_printf(r->arena, "%s.%zu.title", name, i));
            const char *l = ar_req_arg(r, ar_arena_printf(r->arena, "%s.%zu.link", name, i));
            if ((t && *t) || (l && *l))
                json_array_append_new(
                    v, json_pack("{s:s, s:s?}", "title", t ? t : "", "link", l && *l ? l : NULL));
        }
        break;
    default:
        if (s && *s)
            v = json_string(s);
    }
    if (v && (!json_is_array(v) || json_array_size(v)))
        json_object_set_new(rec, key, v);
    else {
        json_decref(v);
        json_object_del(rec, key);
    }
}

/* The record the form describes: base (the version edited, or NULL) with every field
 * the form shows replaced by what was sent, so members the form does not show (English
 * versions, the AI Act annexes) are kept. */
static json_t *form_record(struct ar_req *r, const json_t *base)
{
    json_t *rec = base ? json_deep_copy(base) : json_object();
    for (const struct ar_field *f = ar_record_fields; f->key; f++) {
        if (!on_form(f))
            continue;
        if (f->type != AR_FT_OBJECT) {
            take_field(r, f, f->key, rec, f->key);
            continue;
        }
        json_t *obj = json_object_get(rec, f->key);
        obj = obj ? json_incref(obj) : json_object();
        for (const struct ar_field *c = f->children; c && c->key; c++)
            if (c->type != AR_FT_OBJECT)
                take_field(r, c, ar_arena_printf(r->arena, "%s.%s", f->key, c->key), obj, c->key);
        if (json_object_size(obj))
            json_object_set(rec, f->key, obj);
        else
            json_object_del(rec, f->key);
        json_decref(obj);
    }
    return rec;
}

/* ---- pages ---------------------------------------------------------------------------- */

static const struct ar_principal *member(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    if (p && p->account && p->org[0])
        return p;
    ar_web_error(r, 403, "error_forbidden");
    return NULL;
}

/* The withholding part of a new registration's form: what was typed, the grounds, and
 * the messages of its problems ("withhold.ground" → errors.ground). */
static json_t *withhold_view(struct ar_req *r, const json_t *ctx, const json_t *problems)
{
    const char *on = ar_req_arg(r, "withhold"), *ground = ar_req_arg(r, "withhold.ground");
    json_t *v = json_pack("{s:b, s:s, s:s, s:s}", "on", on && !strcmp(on, "1"), "justification",
                          ar_req_arg(r, "withhold.justification") ?: "", "case_reference",
                          ar_req_arg(r, "withhold.case_reference") ?: "", "until",
                          ar_req_arg(r, "withhold.until") ?: "");
    json_t *grounds = json_array(), *errors = json_object(), *p;
    json_array_append_new(grounds, json_pack("{s:s, s:s, s:b}", "value", "", "label", "—",
                                             "selected", !ground || !*ground));
    for (const char *const *g = ar_grounds; *g; g++)
        json_array_append_new(
            grounds, json_pack("{s:s, s:s, s:b}", "value", *g, "label",
                               ar_web_msg(r, ctx, ar_arena_printf(r->arena, "ground_%s", *g)),
                               "selected", ground && !strcmp(ground, *g)));
    size_t i;
    json_array_foreach (problems, i, p) {
        const char *f = ar_json_str(p, "field") ?: "";
        if (strncmp(f, "withhold", 8))
            continue;
        const char *key = f[8] == '.' ? f + 9 : "on";
        if (!json_object_get(errors, key))
            json_object_set_new(
                errors, key, json_string(problem_text(r, ctx, p, ar_web_msg(r, ctx, "wh_label"))));
    }
    /* which fields (none chosen: the whole registration); organisation, publication
     * category and the ids are always public */
    json_t *fl = json_array();
    const char *lang = json_string_value(json_object_get(ctx, "lang"));
    for (const struct ar_field *f = ar_record_fields; f->key; f++) {
        if (!on_form(f) || !strcmp(f->key, "organization") ||
            !strcmp(f->key, "publication_category"))
            continue;
        int chosen = 0;
        for (int k = 0; k < r->nargs; k++)
            chosen |=
                !strcmp(r->args[k].key, "withhold.fields") && !strcmp(r->args[k].value, f->key);
        json_array_append_new(fl, json_pack("{s:s, s:s, s:b}", "key", f->key, "label",
                                            ar_field_label(f, lang), "checked", chosen));
    }
    json_object_set_new(v, "fields", fl);
    json_object_set_new(v, "grounds", grounds);
    json_object_set_new(v, "errors", errors);
    return v;
}

/* The form page: new (id NULL) or a new version of id based on base_version; draft is
 * the concept it continues (0: none). */
static void form_page(struct ar_req *r, int status, const char *id, int base_version,
                      long long draft, const json_t *rec, const json_t *problems,
                      const char *notice_key)
{
    json_t *ctx = ar_web_ctx(r, NULL), *summary = json_array();
    json_object_set_new(ctx, "title",
                        json_string(ar_web_msg(r, ctx, id ? "work_edit" : "work_new")));
    json_object_set_new(ctx, "groups", form_groups(r, ctx, rec, problems, summary));
    json_object_set_new(ctx, "summary", summary);
    json_object_set_new(ctx, "has_summary", json_boolean(json_array_size(summary)));
    if (id) {
        json_object_set_new(ctx, "id", json_string(id));
        json_object_set_new(ctx, "base_version", json_integer(base_version));
    }
    if (draft)
        json_object_set_new(ctx, "draft", json_integer(draft));
    if (!id && !draft) /* withholding is asked for with a new registration */
        json_object_set_new(ctx, "wh", withhold_view(r, ctx, problems));
    if (notice_key)
        json_object_set_new(ctx, "notice", json_string(ar_web_msg(r, ctx, notice_key)));
    ar_req_header(r, "Cache-Control", "no-store");
    ar_web_render(r, status, "workform", ctx);
    json_decref(ctx);
}

/* GET /workspace: what waits for this person. */
static void h_inbox(struct ar_req *r)
{
    const struct ar_principal *p = member(r);
    json_t *ctx, *drafts = NULL, *regs = NULL, *d;
    struct ar_approval_ctx c = approval_ctx(r);
    size_t i;
    if (!p)
        return;
    ctx = ar_web_ctx(r, NULL);
    json_object_set_new(ctx, "title", json_string(ar_web_msg(r, ctx, "work_title")));
    if (ar_approval_list(r->store, &c, p->org, NULL, &drafts) ||
        ar_store_org_registrations(r->store, p->org, &regs)) {
        json_decref(ctx);
        json_decref(drafts);
        ar_web_error(r, 503, "error_unavailable");
        return;
    }
    json_t *queue = json_array(), *mine = json_array();
    int approver = (p->bit & AR_ROLE_APPROVER_BIT) != 0;
    json_array_foreach (drafts, i, d) {
        const char *st = ar_json_str(d, "state"), *author = ar_json_str(d, "author");
        int own = author && !strcmp(author, p->name);
        json_object_set_new(
            d, "state_label",
            json_string(ar_web_msg(r, ctx, ar_arena_printf(r->arena, "draft_%s", st))));
        if (approver && !own && !strcmp(st, "submitted"))
            json_array_append(queue, d);
        if (own && json_array_size(mine) < 50)
            json_array_append(mine, d);
    }
    json_t *reg, *w, *due = json_array(), *ours = json_object(); /* the organisation's ids */
    json_array_foreach (regs, i, reg) { /* a withheld one links to its withholding page */
        json_object_set_new(ours, ar_json_str(reg, "id"), json_true());
        w = NULL;
        if (ar_exception_public(r->store, ar_json_str(reg, "id"), &w) == 0) {
            json_object_set_new(reg, "withheld_state", json_string(ar_json_str(w, "state")));
            int days = ar_web_days_left(ar_json_str(w, "until"));
            if (!strcmp(ar_json_str(w, "state") ?: "", "withheld") && days <= 30)
                json_array_append_new(due, json_pack("{s:O, s:O, s:s?, s:i}", "id",
                                                     json_object_get(reg, "id"), "name",
                                                     json_object_get(reg, "name"), "until",
                                                     ar_json_str(w, "until"), "days", days));
        }
        json_decref(w);
    }
    /* biometric-identification cases on the organisation's registrations */
    json_t *cases = NULL, *cs = json_array();
    if (ar_store_case_list(r->store, NULL, NULL, &cases) == 0)
        json_array_foreach (cases, i, d) {
            const char *lars = ar_json_str(d, "registration"), *st = ar_json_str(d, "state");
            if (lars && json_object_get(ours, lars) &&
                strcmp(ar_json_str(d, "kind") ?: "", "review"))
                json_array_append_new(
                    cs,
                    json_pack("{s:O, s:O, s:O, s:b}", "id", json_object_get(d, "id"), "kind",
                              json_object_get(d, "kind"), "state", json_object_get(d, "state"),
                              "must_delete",
                              st && (!strcmp(st, "STOPPING") || !strcmp(st, "STOPPED_BREACH"))));
        }
    json_decref(cases);
    json_decref(ours);
    json_object_set_new(ctx, "cases", cs);
    json_object_set_new(ctx, "due", due);
    const char *done = ar_req_arg(r, "done");
    if (done && !strcmp(done, "retracted"))
        json_object_set_new(ctx, "notice", json_string(ar_web_msg(r, ctx, "work_retracted_done")));
    json_object_set_new(ctx, "queue", queue);
    json_object_set_new(ctx, "is_approver", json_boolean(approver));
    json_object_set_new(ctx, "mine", mine);
    json_object_set_new(ctx, "registrations", regs);
    json_object_set_new(ctx, "org", json_string(p->org));
    ar_req_header(r, "Cache-Control", "no-store");
    ar_web_render(r, 200, "workspace", ctx);
    json_decref(ctx);
    json_decref(drafts);
}

/* GET /workspace/new */
static void h_new(struct ar_req *r)
{
    const struct ar_principal *p = member(r);
    json_t *org = NULL, *rec = json_object();
    if (p && ar_store_org_get(r->store, p->org, &org) == 0)
        json_object_set(rec, "organization", json_object_get(org, "name"));
    if (p)
        form_page(r, 200, NULL, 0, 0, rec, NULL, NULL);
    json_decref(org);
    json_decref(rec);
}

/* The latest version of id when it is an organisation's own, or NULL after a page. */
static json_t *own_registration(struct ar_req *r, const struct ar_principal *p, const char *id)
{
    json_t *v = NULL;
    if (!ar_lars_valid(id) || ar_registry_get(r->store, id, 0, &v) ||
        strcmp(ar_json_str(json_object_get(v, "organization"), "slug"), p->org)) {
        json_decref(v);
        ar_web_error(r, 404, "error_not_found");
        return NULL;
    }
    return v;
}

/* GET /workspace/registrations/{id}/edit */
static void h_edit(struct ar_req *r)
{
    const struct ar_principal *p = member(r);
    json_t *v = p ? own_registration(r, p, r->params[0]) : NULL;
    if (!v)
        return;
    form_page(r, 200, r->params[0], (int)json_integer_value(json_object_get(v, "version")), 0,
              json_object_get(v, "record"), NULL, NULL);
    json_decref(v);
}

/* One's own concept draft id (with its record), or NULL. */
static json_t *own_concept(struct ar_req *r, const struct ar_principal *p, long long id)
{
    json_t *d = NULL;
    struct ar_approval_ctx c = approval_ctx(r);
    if (id && ar_approval_get(r->store, &c, id, p->org, &d) == 0 &&
        !strcmp(ar_json_str(d, "state"), "concept") && !strcmp(ar_json_str(d, "author"), p->name))
        return d;
    json_decref(d);
    return NULL;
}

/* A double submit: one's own draft of the same registration with the same record,
 * still waiting; its number, or 0. */
static long long already_submitted(struct ar_req *r, const struct ar_principal *p, const char *id,
                                   const json_t *rec)
{
    json_t *list = NULL, *d;
    struct ar_approval_ctx c = approval_ctx(r);
    size_t i;
    long long found = 0;
    if (ar_approval_list(r->store, &c, p->org, "submitted", &list))
        return 0;
    json_array_foreach (list, i, d) {
        const char *reg = ar_json_str(d, "registration");
        json_t *full = NULL;
        if (found || strcmp(ar_json_str(d, "author") ?: "", p->name) ||
            (id ? !reg || strcmp(reg, id) : reg != NULL))
            continue;
        long long n = json_integer_value(json_object_get(d, "id"));
        if (ar_approval_get(r->store, &c, n, p->org, &full) == 0 &&
            json_equal(json_object_get(full, "record"), rec))
            found = n;
        json_decref(full);
    }
    json_decref(list);
    return found;
}

/* POST /workspace/drafts: the form sent. "Save as concept" keeps it as it is (unfinished
 * work survives a closed tab); "Submit" needs every rule kept and hands it to the four
 * eyes. A stale form (published meanwhile) and a double submit are explained. */
static void h_submit(struct ar_req *r)
{
    const struct ar_principal *p = member(r);
    json_t *base = NULL, *rec = NULL, *pr = json_array(), *clean = NULL, *concept = NULL;
    json_t *withhold = NULL;
    struct ar_approval_ctx c = approval_ctx(r);
    if (!p)
        goto out;
    if (ar_req_parse_form(r)) {
        ar_web_error(r, 400, "error_bad_form");
        goto out;
    }
    const char *id = ar_req_arg(r, "id"), *action = ar_req_arg(r, "action");
    const char *bv = ar_req_arg(r, "base_version");
    int base_version = bv ? atoi(bv) : 0, as_concept = action && !strcmp(action, "concept");
    long long cont = ar_web_number(ar_req_arg(r, "draft"));
    if (id && *id) {
        if (!(base = own_registration(r, p, id)))
            goto out;
    } else {
        id = NULL;
    }
    if (cont && !(concept = own_concept(r, p, cont))) {
        /* sent twice, or withdrawn or submitted in another tab meanwhile */
        ar_web_see_other(r, ar_arena_printf(r->arena, "/workspace/drafts/%lld", cont));
        goto out;
    }
    rec = form_record(r, concept ? json_object_get(concept, "record")
                         : base  ? json_object_get(base, "record")
                                 : NULL);
    json_t *org = NULL;
    const char *oname = ar_json_str(rec, "organization");
    if (oname && ar_store_org_get(r->store, p->org, &org) == 0 &&
        strcmp(oname, ar_json_str(org, "name")))
        ar_problem_add(pr, "organization", "organisation", "organization must be %s",
                       ar_json_str(org, "name"));
    json_decref(org);
    const char *wh_on = ar_req_arg(r, "withhold");
    if (wh_on && !strcmp(wh_on, "1")) {
        if (id || cont || as_concept)
            ar_problem_add(pr, "withhold", "new_only",
                           "only a new registration, submitted at once, is withheld this way");
        withhold = json_pack("{s:s, s:s, s:s}", "ground", ar_req_arg(r, "withhold.ground") ?: "",
                             "justification", ar_req_arg(r, "withhold.justification") ?: "",
                             "until", ar_req_arg(r, "withhold.until") ?: "");
        const char *cr = ar_req_arg(r, "withhold.case_reference");
        if (cr && *cr)
            json_object_set_new(withhold, "case_reference", json_string(cr));
        json_t *chosen = json_array();
        for (int k = 0; k < r->nargs; k++)
            if (!strcmp(r->args[k].key, "withhold.fields"))
                json_array_append_new(chosen, json_string(r->args[k].value));
        if (json_array_size(chosen))
            json_object_set_new(withhold, "fields", chosen);
        else
            json_decref(chosen);
    }
    long long draft = 0;
    int changed = 0, rc = 0;
    if (as_concept && json_array_size(pr))
        rc = AR_EINVAL;
    if (!as_concept) {
        rc = ar_record_validate(&clean, rec, pr);
        if (!rc && json_array_size(pr))
            rc = AR_EINVAL;
    }
    char lars[9] = "";
    if (!rc && (as_concept || cont)) {
        /* the concept of a published registration, or of a new one under a reserved id */
        const char *reserved = concept ? ar_json_str(concept, "registration") : NULL;
        if (id)
            snprintf(lars, sizeof lars, "%s", id);
        else if (reserved)
            snprintf(lars, sizeof lars, "%s", reserved);
        else if ((rc = ar_approval_free_id(r->store, lars))) {
            ar_web_error(r, 503, "error_unavailable");
            goto out;
        }
        rc = ar_approval_concept(r->store, &c, p->name, p->org, lars, id == NULL, rec, 0, pr,
                                 &draft, &changed);
        if (!rc && !as_concept && changed)
            rc = ar_approval_release(r->store, &c, draft, p->name, p->org, pr);
    } else if (!rc) {
        long long twice = already_submitted(r, p, id, rec);
        if (twice) {
            ar_web_see_other(r, ar_arena_printf(r->arena, "/workspace/drafts/%lld?twice=1", twice));
            goto out;
        }
        rc = ar_approval_submit(r->store, &c, p->name, p->org, id, rec, withhold,
                                ar_req_arg(r, "note"), base_version, pr, &draft, &changed);
    }
    if (rc == AR_EINVAL) {
        form_page(r, 422, id, base_version, draft ? draft : cont, rec, pr, NULL);
    } else if (rc == AR_ECONFLICT) {
        /* someone published meanwhile: the typed record is shown against the newer base */
        json_t *now = NULL;
        int latest = base_version;
        if (id && ar_registry_get(r->store, id, 0, &now) == 0)
            latest = (int)json_integer_value(json_object_get(now, "version"));
        json_decref(now);
        form_page(r, 409, id, latest, cont, rec, NULL, "work_stale");
    } else if (rc) {
        ar_web_error(r, 503, "error_unavailable");
    } else if (!changed) {
        form_page(r, 200, id, base_version, cont, rec, NULL, "work_unchanged");
    } else {
        ar_web_see_other(r, ar_arena_printf(r->arena, "/workspace/drafts/%lld", draft));
    }
out:
    json_decref(withhold);
    json_decref(concept);
    json_decref(clean);
    json_decref(base);
    json_decref(rec);
    json_decref(pr);
}

/* GET /workspace/drafts/{draft}/edit: go on with one's own concept. */
static void h_edit_concept(struct ar_req *r)
{
    const struct ar_principal *p = member(r);
    long long n = ar_web_number(r->params[0]);
    json_t *d = p ? own_concept(r, p, n) : NULL;
    if (!p)
        return;
    if (!d) {
        ar_web_error(r, 404, "error_not_found");
        return;
    }
    int base = (int)json_integer_value(json_object_get(d, "base_version"));
    form_page(r, 200, base ? ar_json_str(d, "registration") : NULL, base, n,
              json_object_get(d, "record"), NULL, NULL);
    json_decref(d);
}

/* GET /workspace/drafts/{draft}: a draft with its differences and what can be done. */
static void draft_page(struct ar_req *r, int status, long long id, const char *error)
{
    const struct ar_principal *p = member(r);
    json_t *d = NULL, *ctx;
    struct ar_approval_ctx c = approval_ctx(r);
    if (!p)
        return;
    if (!id || ar_approval_get(r->store, &c, id, p->org, &d)) {
        ar_web_error(r, 404, "error_not_found");
        return;
    }
    ctx = ar_web_ctx(r, NULL);
    json_object_del(d, "withhold"); /* the page repeats no sealed request */
    const char *st = ar_json_str(d, "state"), *author = ar_json_str(d, "author");
    int own = author && !strcmp(author, p->name), waiting = !strcmp(st, "submitted");
    json_object_set_new(
        ctx, "title",
        json_string(ar_arena_printf(r->arena, "%s %lld: %s", ar_web_msg(r, ctx, "work_draft"), id,
                                    ar_json_str(json_object_get(d, "record"), "name") ?: "")));
    json_object_set_new(d, "state_label",
                        json_string(ar_web_msg(r, ctx, ar_arena_printf(r->arena, "draft_%s", st))));
    ar_web_changes_text(r, json_object_get(d, "changes"), lang_of(ctx));
    json_object_set_new(ctx, "diff", json_pack("{s:O}", "changes", json_object_get(d, "changes")));
    json_object_set_new(ctx, "draft", d);
    json_object_set_new(ctx, "can_decide",
                        json_boolean(waiting && !own && (p->bit & AR_ROLE_APPROVER_BIT)));
    json_object_set_new(ctx, "own_waiting_approver",
                        json_boolean(waiting && own && (p->bit & AR_ROLE_APPROVER_BIT)));
    json_object_set_new(ctx, "can_withdraw",
                        json_boolean(own && (waiting || !strcmp(st, "concept"))));
    json_object_set_new(ctx, "is_concept", json_boolean(own && !strcmp(st, "concept")));
    const char *twice = ar_req_arg(r, "twice");
    if (twice && !strcmp(twice, "1"))
        json_object_set_new(ctx, "notice", json_string(ar_web_msg(r, ctx, "work_twice")));
    if (error)
        json_object_set_new(ctx, "error", json_string(error));
    ar_req_header(r, "Cache-Control", "no-store");
    ar_web_render(r, status, "draft", ctx);
    json_decref(ctx);
}

static void h_draft(struct ar_req *r)
{
    draft_page(r, 200, ar_web_number(r->params[0]), NULL);
}

/* POST /workspace/drafts/{draft}/approve|reject|withdraw */
static void decide(struct ar_req *r, const char *what)
{
    const struct ar_principal *p = member(r);
    long long id = ar_web_number(r->params[0]);
    json_t *pr = json_array();
    struct ar_approval_ctx c = approval_ctx(r);
    char lars[9];
    int version, rc;
    if (!p)
        goto out;
    if (ar_req_parse_form(r)) {
        ar_web_error(r, 400, "error_bad_form");
        goto out;
    }
    if (!strcmp(what, "withdraw"))
        rc = ar_approval_withdraw(r->store, id, p->name, p->org, pr);
    else if (!(p->bit & AR_ROLE_APPROVER_BIT))
        rc = AR_EDENIED;
    else
        rc = ar_approval_decide(r->store, &c, id, p->name, p->org, !strcmp(what, "approve"),
                                ar_req_arg(r, "reason"), pr, lars, &version);
    if (rc == 0 && !strcmp(what, "approve")) {
        ar_web_see_other(r, ar_arena_printf(r->arena, "/registrations/%s", lars));
    } else if (rc == 0) {
        ar_web_see_other(r, ar_arena_printf(r->arena, "/workspace/drafts/%lld", id));
    } else {
        json_t *ctx = ar_web_ctx(r, NULL);
        const json_t *first = json_array_get(pr, 0);
        const char *text =
            first ? problem_text(r, ctx, first, ar_web_msg(r, ctx, "work_decision"))
                  : ar_web_msg(r, ctx, rc == AR_EDENIED ? "error_forbidden" : "error_unavailable");
        draft_page(r, rc == AR_EINVAL ? 422 : rc == AR_EDENIED ? 403 : 409, id, text);
        json_decref(ctx);
    }
out:
    json_decref(pr);
}

/* POST /workspace/drafts/{draft}/release: one's concept to the four eyes, when it keeps
 * every rule; otherwise the form with the problems next to their fields. */
static void h_release(struct ar_req *r)
{
    const struct ar_principal *p = member(r);
    long long n = ar_web_number(r->params[0]);
    json_t *d = p ? own_concept(r, p, n) : NULL, *pr = json_array();
    struct ar_approval_ctx c = approval_ctx(r);
    if (!p)
        goto out;
    if (!d) { /* released, withdrawn or sent twice meanwhile: show where it is now */
        ar_web_see_other(r, ar_arena_printf(r->arena, "/workspace/drafts/%lld", n));
        goto out;
    }
    int rc = ar_approval_release(r->store, &c, n, p->name, p->org, pr);
    int base = (int)json_integer_value(json_object_get(d, "base_version"));
    if (rc == AR_EINVAL)
        form_page(r, 422, base ? ar_json_str(d, "registration") : NULL, base, n,
                  json_object_get(d, "record"), pr, NULL);
    else if (rc && rc != AR_ECONFLICT)
        ar_web_error(r, 503, "error_unavailable");
    else
        ar_web_see_other(r, ar_arena_printf(r->arena, "/workspace/drafts/%lld", n));
out:
    json_decref(d);
    json_decref(pr);
}

/* POST /workspace/registrations/{id}/retract: an approver hides a published registration
 * (the same rule as the API: never one that is withheld). */
static void h_retract(struct ar_req *r)
{
    const struct ar_principal *p = member(r);
    json_t *v = p ? own_registration(r, p, r->params[0]) : NULL, *pr = json_array();
    if (!v)
        goto out;
    int rc = ar_approval_retract(r->store, r->params[0], p->org, pr);
    if (rc == 0) {
        ar_web_see_other(r, "/workspace?done=retracted");
    } else {
        json_t *ctx = ar_web_ctx(r, NULL);
        const json_t *first = json_array_get(pr, 0);
        json_object_set_new(ctx, "title", json_string(ar_web_msg(r, ctx, "error_title")));
        json_object_set_new(ctx, "message",
                            json_string(ar_web_msg(r, ctx, "work_retract_refused")));
        if (first)
            json_object_set(ctx, "detail", json_object_get(first, "detail"));
        ar_web_render(r, rc == AR_EDENIED ? 403 : 409, "error", ctx);
        json_decref(ctx);
    }
out:
    json_decref(v);
    json_decref(pr);
}

static void h_approve(struct ar_req *r)
{
    decide(r, "approve");
}

static void h_reject(struct ar_req *r)
{
    decide(r, "reject");
}

static void h_withdraw(struct ar_req *r)
{
    decide(r, "withdraw");
}

const struct ar_route ar_work_routes[] = {
    {"GET", "/workspace", h_inbox, "What waits for an organisation's editor or approver",
     AR_ROLE_ORG},
    {"GET", "/workspace/new", h_new, "Form for a new registration", AR_ROLE_ORG},
    {"GET", "/workspace/registrations/{id}/edit", h_edit, "Form for a new version", AR_ROLE_ORG},
    {"POST", "/workspace/drafts", h_submit, "Submit a registration for approval", AR_ROLE_ORG},
    {"GET", "/workspace/drafts/{draft}", h_draft, "A draft, its differences and decisions",
     AR_ROLE_ORG},
    {"GET", "/workspace/drafts/{draft}/edit", h_edit_concept, "Go on with one's own concept",
     AR_ROLE_ORG},
    {"POST", "/workspace/drafts/{draft}/release", h_release,
     "Submit one's own concept for approval", AR_ROLE_ORG},
    {"POST", "/workspace/registrations/{id}/retract", h_retract,
     "Retract (hide) a published registration", AR_ROLE_APPROVER_BIT},
    {"POST", "/workspace/drafts/{draft}/approve", h_approve, "Publish a draft (four eyes)",
     AR_ROLE_APPROVER_BIT},
    {"POST", "/workspace/drafts/{draft}/reject", h_reject, "Reject a draft with a reason",
     AR_ROLE_APPROVER_BIT},
    {"POST", "/workspace/drafts/{draft}/withdraw", h_withdraw, "Withdraw one's own draft",
     AR_ROLE_ORG},
    {NULL, NULL, NULL, NULL, 0},
};
