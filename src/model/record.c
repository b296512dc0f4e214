/* record.c — record validation against the field table; see record.h. */
#include "model/record.h"
#include "base/err.h"
#include "base/utf8.h"
#include "model/fields.h"
#include "model/lars.h"
#include "model/sanitize.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ar_problem_add(json_t *problems, const char *field, const char *rule, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    json_array_append_new(
        problems, json_pack("{s:s, s:s, s:s}", "field", field, "rule", rule, "detail", detail));
}

static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int is_month(const char *s)
{
    if (strlen(s) != 7 || s[4] != '-' || num(s, 4) < 0)
        return 0;
    int m = num(s + 5, 2);
    return m >= 1 && m <= 12;
}

static int is_date(const char *s)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1)
        return 0;
    int max = mdays[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        max = 29;
    return d <= max;
}

int ar_record_is_email(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@'))
        return 0;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || !dot[1])
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == '"' || *p == ',')
            return 0;
    return 1;
}

int ar_record_is_url(const char *s)
{
    const char *rest;
    if (strncmp(s, "https://", 8) == 0)
        rest = s + 8;
    else if (strncmp(s, "http://", 7) == 0)
        rest = s + 7;
    else
        return 0;
    if (!*rest || *rest == '/' || *rest == ':' || *rest == '?' || *rest == '#')
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == '"' || *p == '\\' ||
            (unsigned char)*p == 0x7f)
            return 0;
    return 1;
}

/* Plain text may hold newlines and tabs but no other C0 controls. */
static int has_controls(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t' && *s != '\r')
            return 1;
    return 0;
}

static const char *type_name(enum ar_ftype t)
{
    switch (t) {
    case AR_FT_BOOL: return "boolean";
    case AR_FT_ENUM_LIST:
    case AR_FT_STR_LIST:
    case AR_FT_LINKS: return "array";
    case AR_FT_OBJECT: return "object";
    default: return "string";
    }
}

/* Validate a string value; returns the normalised JSON (new reference) or NULL when a
 * problem was recorded or the value is empty (*empty set). */
static json_t *check_string(const struct ar_field *f, const char *path, const char *s,
                            json_t *problems, int *empty)
{
    size_t n = strlen(s);
    *empty = 0;
    /* Trim surrounding whitespace: "  " counts as empty, like the forms do. */
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    if (n == 0) {
        *empty = 1;
        return NULL;
    }
    char *v = ar_xstrndup(s, n);
    json_t *res = NULL;
    if (f->type != AR_FT_HTML && has_controls(v)) {
        ar_problem_add(problems, path, "control_characters",
                       "%s may not contain control characters", path);
        goto out;
    }
    switch (f->type) {
    case AR_FT_HTML: {
        struct ar_buf b;
        ar_buf_init(&b, 1 << 20);
        if (ar_sanitize_html(&b, v, n) || !ar_buf_ok(&b)) {
            ar_buf_free(&b);
            ar_problem_add(problems, path, "html", "%s could not be parsed as HTML", path);
            goto out;
        }
        size_t len = ar_utf8_len(ar_buf_cstr(&b), b.len);
        if (f->max && len > f->max)
            ar_problem_add(problems, path, "max_length",
                           "%s is %zu characters after sanitising; the maximum is %zu", path, len,
                           f->max);
        else if (b.len == 0)
            *empty = 1;
        else
            res = json_stringn(ar_buf_cstr(&b), b.len);
        ar_buf_free(&b);
        goto out;
    }
    case AR_FT_ENUM:
        if (!ar_fields_in(f->values, v)) {
            struct ar_buf b;
            ar_buf_init(&b, 4096);
            for (const char *const *p = f->values; *p; p++)
                ar_buf_printf(&b, "%s\"%s\"", p == f->values ? "" : ", ", *p);
            ar_problem_add(problems, path, "permitted_values", "%s must be one of %s", path,
                           ar_buf_cstr(&b));
            ar_buf_free(&b);
            goto out;
        }
        break;
    case AR_FT_MONTH:
        if (!is_month(v)) {
            ar_problem_add(problems, path, "format", "%s must be a month as YYYY-MM", path);
            goto out;
        }
        break;
    case AR_FT_DATE:
        if (!is_date(v)) {
            ar_problem_add(problems, path, "format", "%s must be a date as YYYY-MM-DD", path);
            goto out;
        }
        break;
    case AR_FT_EMAIL:
        if (!ar_record_is_email(v)) {
            ar_problem_add(problems, path, "format", "%s must be an e-mail address", path);
            goto out;
        }
        break;
    case AR_FT_URL:
        if (!ar_record_is_url(v)) {
            ar_problem_add(problems, path, "format",
                           "%s must be an absolute http:// or https:// URL", path);
            goto out;
        }
        break;
    case AR_FT_LARS:
        if (!ar_lars_valid(v)) {
            ar_problem_add(problems, path, "check_digit",
                           "%s must be eight digits ending in a valid check digit", path);
            goto out;
        }
        break;
    default: break;
    }
    size_t len = ar_utf8_len(v, n);
    if (f->max && len > f->max) {
        ar_problem_add(problems, path, "max_length", "%s is %zu characters; the maximum is %zu",
                       path, len, f->max);
        goto out;
    }
    res = json_stringn(v, n);
out:
    free(v);
    return res;
}

static json_t *check_object(const struct ar_field *table, const char *prefix, const json_t *in,
                            json_t *problems, int i18n_only, const char *skip);

/* Validate one member value; returns normalised value or NULL (absent/problem). */
static json_t *check_value(const struct ar_field *f, const char *path, const json_t *v,
                           json_t *problems, int i18n_only)
{
    int empty = 0;
    if (json_is_null(v))
        return NULL;
    switch (f->type) {
    case AR_FT_BOOL:
        if (!json_is_boolean(v)) {
            ar_problem_add(problems, path, "type", "%s must be a boolean", path);
            return NULL;
        }
        return json_incref((json_t *)v);
    case AR_FT_OBJECT:
        if (!json_is_object(v)) {
            ar_problem_add(problems, path, "type", "%s must be an object", path);
            return NULL;
        }
        {
            json_t *o = check_object(f->children, path, v, problems, i18n_only, NULL);
            if (o && json_object_size(o) == 0) {
                json_decref(o);
                return NULL;
            }
            return o;
        }
    case AR_FT_ENUM_LIST:
    case AR_FT_STR_LIST:
    case AR_FT_LINKS: {
        if (!json_is_array(v)) {
            ar_problem_add(problems, path, "type", "%s must be an array", path);
            return NULL;
        }
        if (f->max && json_array_size(v) > f->max) {
            ar_problem_add(problems, path, "max_items", "%s has %zu items; the maximum is %zu",
                           path, json_array_size(v), f->max);
            return NULL;
        }
        json_t *arr = json_array();
        size_t i;
        json_t *item;
        json_array_foreach (v, i, item) {
            char ipath[200];
            snprintf(ipath, sizeof ipath, "%.160s[%zu]", path, i);
            if (f->type == AR_FT_LINKS) {
                if (!json_is_object(item)) {
                    ar_problem_add(problems, ipath, "type", "%s must be an object", ipath);
                    continue;
                }
                json_t *o = check_object(f->children, ipath, item, problems, 0, NULL);
                if (o && json_object_size(o))
                    json_array_append_new(arr, o);
                else
                    json_decref(o);
                continue;
            }
            if (!json_is_string(item)) {
                ar_problem_add(problems, ipath, "type", "%s must be a string", ipath);
                continue;
            }
            struct ar_field sub = *f;
            sub.type = f->type == AR_FT_ENUM_LIST ? AR_FT_ENUM : AR_FT_TEXT;
            sub.max = f->type == AR_FT_ENUM_LIST ? 0 : 100;
            json_t *s = check_string(&sub, ipath, json_string_value(item), problems, &empty);
            if (!s)
                continue;
            size_t j;
            json_t *prev;
            int dup = 0;
            json_array_foreach (arr, j, prev)
                dup |= json_equal(prev, s);
            if (dup) {
                ar_problem_add(problems, ipath, "duplicate", "%s repeats \"%s\"", ipath,
                               json_string_value(s));
                json_decref(s);
                continue;
            }
            json_array_append_new(arr, s);
        }
        if (json_array_size(arr) == 0) {
            json_decref(arr);
            return NULL;
        }
        return arr;
    }
    default:
        if (!json_is_string(v)) {
            ar_problem_add(problems, path, "type", "%s must be a %s", path, type_name(f->type));
            return NULL;
        }
        return check_string(f, path, json_string_value(v), problems, &empty);
    }
}

static int has_i18n(const struct ar_field *f)
{
    if (f->flags & AR_FF_I18N)
        return 1;
    if (f->type == AR_FT_OBJECT)
        for (const struct ar_field *c = f->children; c->key; c++)
            if (has_i18n(c))
                return 1;
    return 0;
}

/* skip: a member name handled by the caller (the top-level "en"). */
static json_t *check_object(const struct ar_field *table, const char *prefix, const json_t *in,
                            json_t *problems, int i18n_only, const char *skip)
{
    json_t *out = json_object();
    const char *key;
    json_t *v;
    json_object_foreach ((json_t *)in, key, v) {
        if (skip && strcmp(key, skip) == 0)
            continue;
        char path[160];
        if (prefix && *prefix)
            snprintf(path, sizeof path, "%s.%s", prefix, key);
        else
            snprintf(path, sizeof path, "%s", key);
        const struct ar_field *f = ar_fields_find(table, key);
        if (!f || (i18n_only && !has_i18n(f))) {
            ar_problem_add(problems, path, "unknown_field",
                           i18n_only ? "%s has no English version in the record model"
                                     : "%s is not a field of the record model",
                           path);
            continue;
        }
        json_t *nv = check_value(f, path, v, problems, i18n_only);
        if (nv)
            json_object_set_new(out, key, nv);
    }
    if (!i18n_only) {
        for (const struct ar_field *f = table; f->key; f++) {
            if (!(f->flags & AR_FF_REQUIRED) || json_object_get(out, f->key))
                continue;
            char path[160];
            snprintf(path, sizeof path, "%s%s%s", prefix && *prefix ? prefix : "",
                     prefix && *prefix ? "." : "", f->key);
            /* Report "required" only when the member was not already reported. */
            int seen = 0;
            size_t i;
            json_t *p;
            json_array_foreach (problems, i, p) {
                const char *pf = json_string_value(json_object_get(p, "field"));
                if (pf && strcmp(pf, path) == 0)
                    seen = 1;
            }
            if (!seen)
                ar_problem_add(problems, path, "required", "%s is required", path);
        }
    }
    return out;
}

int ar_record_validate(json_t **out, const json_t *in, json_t *problems)
{
    size_t before = json_array_size(problems);
    json_t *rec = NULL;
    *out = NULL;
    if (!json_is_object(in)) {
        ar_problem_add(problems, "", "type", "a record must be a JSON object");
        return AR_EINVAL;
    }
    /* "en" holds English versions; validate it against the I18N subset of the table. */
    json_t *en_in = json_object_get(in, "en");
    rec = check_object(ar_record_fields, "", in, problems, 0, "en");
    if (en_in && !json_is_null(en_in)) {
        if (!json_is_object(en_in)) {
            ar_problem_add(problems, "en", "type", "en must be an object");
        } else {
            json_t *en = check_object(ar_record_fields, "en", en_in, problems, 1, NULL);
            if (json_object_size(en))
                json_object_set_new(rec, "en", en);
            else
                json_decref(en);
        }
    }
    const char *b = json_string_value(json_object_get(rec, "begin_date"));
    const char *e = json_string_value(json_object_get(rec, "end_date"));
    if (b && e && strcmp(e, b) < 0)
        ar_problem_add(problems, "end_date", "end_before_begin",
                       "end_date %s is before begin_date %s", e, b);
    if (!json_object_get(rec, "lang"))
        json_object_set_new(rec, "lang", json_string("nld"));
    if (!json_object_get(rec, "standard_version"))
        json_object_set_new(rec, "standard_version", json_string("1.0"));
    if (json_array_size(problems) > before) {
        json_decref(rec);
        return AR_EINVAL;
    }
    *out = rec;
    return 0;
}

static void text_of(const struct ar_field *table, const json_t *obj, struct ar_buf *b)
{
    for (const struct ar_field *f = table; f->key; f++) {
        json_t *v = json_object_get(obj, f->key);
        if (!v)
            continue;
        if (f->type == AR_FT_OBJECT) {
            text_of(f->children, v, b);
            continue;
        }
        if (!(f->flags & AR_FF_SEARCH))
            continue;
        if (json_is_string(v)) {
            const char *s = json_string_value(v);
            if (f->type == AR_FT_HTML)
                ar_sanitize_text(b, s, strlen(s));
            else
                ar_buf_puts(b, s);
            ar_buf_putc(b, '\n');
        } else if (json_is_array(v)) {
            size_t i;
            json_t *it;
            json_array_foreach (v, i, it) {
                if (json_is_string(it))
                    ar_buf_puts(b, json_string_value(it));
                else if (json_is_object(it) && json_string_value(json_object_get(it, "title")))
                    ar_buf_puts(b, json_string_value(json_object_get(it, "title")));
                ar_buf_putc(b, '\n');
            }
        }
    }
}

void ar_record_text(const json_t *rec, struct ar_buf *nl, struct ar_buf *en)
{
    text_of(ar_record_fields, rec, nl);
    json_t *e = json_object_get(rec, "en");
    if (e)
        text_of(ar_record_fields, e, en);
}

static void diff_into(json_t *out, const struct ar_field *table, const char *prefix,
                      const char *lprefix_nl, const char *lprefix_en, const json_t *a,
                      const json_t *b)
{
    for (const struct ar_field *f = table; f->key; f++) {
        json_t *va = a ? json_object_get(a, f->key) : NULL;
        json_t *vb = b ? json_object_get(b, f->key) : NULL;
        char path[160], lnl[256], len[256];
        snprintf(path, sizeof path, "%s%s", prefix, f->key);
        snprintf(lnl, sizeof lnl, "%s%s", lprefix_nl, f->label_nl);
        snprintf(len, sizeof len, "%s%s", lprefix_en, f->label_en);
        if (f->type == AR_FT_OBJECT) {
            char p2[170], n2[270], e2[270];
            snprintf(p2, sizeof p2, "%s.", path);
            snprintf(n2, sizeof n2, "%s › ", lnl);
            snprintf(e2, sizeof e2, "%s › ", len);
            diff_into(out, f->children, p2, n2, e2, va, vb);
            continue;
        }
        if ((!va && !vb) || (va && vb && json_equal(va, vb)))
            continue;
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:O?, s:O?, s:b}", "field", path,
                                             "label_nl", lnl, "label_en", len, "before", va,
                                             "after", vb, "html", f->type == AR_FT_HTML));
    }
}

json_t *ar_record_diff(const json_t *a, const json_t *b)
{
    json_t *out = json_array();
    diff_into(out, ar_record_fields, "", "", "", a, b);
    json_t *ea = a ? json_object_get(a, "en") : NULL;
    json_t *eb = b ? json_object_get(b, "en") : NULL;
    if (ea || eb)
        diff_into(out, ar_record_fields, "en.", "English › ", "English › ", ea, eb);
    return out;
}

int ar_record_is_ai(const json_t *rec)
{
    json_t *v = json_object_get(json_object_get(rec, "safeguards"), "is_ai");
    if (!json_is_boolean(v))
        return -1;
    return json_is_true(v);
}
