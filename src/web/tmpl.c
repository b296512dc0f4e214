/* tmpl.c — compile templates to node trees once; render by walking them. */
#include "web/tmpl.h"
#include "base/assets.h"
#include "base/clock.h"
#include "base/err.h"
#include "model/sanitize.h"
#include "base/msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum kind { N_TEXT, N_VAR, N_SECTION, N_INVERTED, N_PARTIAL, N_T, N_RICH, N_SNIP, N_URL, N_DATE };

struct node {
    enum kind kind;
    char *text; /* literal text, path, partial name or message key */
    size_t len;
    struct node *child; /* section body */
    struct node *next;
};

struct tmpl {
    char *name;
    struct node *root;
    struct tmpl *next;
};

struct ar_tmpl_set {
    struct tmpl *list;
    json_t *msgs; /* {"nl": {...}, "en": {...}} */
};

#define MAX_DEPTH 32 /* nesting of sections and partials at render time */

static void nodes_free(struct node *n)
{
    while (n) {
        struct node *next = n->next;
        nodes_free(n->child);
        free(n->text);
        free(n);
        n = next;
    }
}

struct ar_tmpl_set *ar_tmpl_set_new(void)
{
    struct ar_tmpl_set *s = ar_xcalloc(1, sizeof *s);
    s->msgs = json_object();
    return s;
}

void ar_tmpl_free(struct ar_tmpl_set *set)
{
    if (!set)
        return;
    for (struct tmpl *t = set->list; t;) {
        struct tmpl *n = t->next;
        nodes_free(t->root);
        free(t->name);
        free(t);
        t = n;
    }
    json_decref(set->msgs);
    free(set);
}

static struct node *mk(enum kind k, const char *s, size_t n)
{
    struct node *nd = ar_xcalloc(1, sizeof *nd);
    nd->kind = k;
    nd->text = ar_xstrndup(s, n);
    nd->len = n;
    return nd;
}

static int line_of(const char *start, const char *p)
{
    int line = 1;
    for (; start < p; start++)
        line += *start == '\n';
    return line;
}

/* Parse until end of text or a closing tag for `closing`; *pp advances. */
static int parse(const char *start, const char **pp, const char *closing, struct node **out,
                 const char *name, char *why, size_t whylen)
{
    struct node *head = NULL, **tail = &head;
    const char *p = *pp;
    int rc = 0;
    for (;;) {
        const char *open = strstr(p, "{{");
        const char *end_text = open ? open : p + strlen(p);
        if (end_text > p) {
            *tail = mk(N_TEXT, p, (size_t)(end_text - p));
            tail = &(*tail)->next;
        }
        if (!open) {
            if (closing) {
                snprintf(why, whylen, "%s:%d: section {{#%s}} is never closed", name,
                         line_of(start, p), closing);
                rc = AR_EINVAL;
            }
            p = end_text;
            break;
        }
        const char *close = strstr(open + 2, "}}");
        if (!close) {
            snprintf(why, whylen, "%s:%d: unterminated tag", name, line_of(start, open));
            rc = AR_EINVAL;
            break;
        }
        const char *t = open + 2;
        while (t < close && *t == ' ')
            t++;
        const char *te = close;
        while (te > t && te[-1] == ' ')
            te--;
        if (te == t) {
            snprintf(why, whylen, "%s:%d: empty tag", name, line_of(start, open));
            rc = AR_EINVAL;
            break;
        }
        p = close + 2;
        char sigil = *t;
        if (sigil == '!')
            continue;
        if (strchr("#^/>", sigil)) {
            const char *q = t + 1;
            while (q < te && *q == ' ')
                q++;
            if (q == te) { /* found by tests/fuzz/fuzz_tmpl.c: "{{> }}" */
                snprintf(why, whylen, "%s:%d: {{%c}} without a name", name, line_of(start, open),
                         sigil);
                rc = AR_EINVAL;
                break;
            }
        }
        if (sigil == '{' || sigil == '&') {
            snprintf(why, whylen, "%s:%d: raw output is not supported; use a named helper", name,
                     line_of(start, open));
            rc = AR_EINVAL;
            break;
        }
        if (sigil == '/') {
            size_t n = (size_t)(te - t - 1);
            if (!closing || strlen(closing) != n || strncmp(closing, t + 1, n) != 0) {
                snprintf(why, whylen, "%s:%d: unexpected {{/%.*s}}", name, line_of(start, open),
                         (int)n, t + 1);
                rc = AR_EINVAL;
                break;
            }
            *pp = p;
            *out = head;
            return 0;
        }
        if (sigil == '#' || sigil == '^') {
            struct node *sec =
                mk(sigil == '#' ? N_SECTION : N_INVERTED, t + 1, (size_t)(te - t - 1));
            *tail = sec;
            tail = &sec->next;
            if ((rc = parse(start, &p, sec->text, &sec->child, name, why, whylen)))
                break;
            continue;
        }
        if (sigil == '>') {
            const char *q = t + 1;
            while (q < te && *q == ' ')
                q++;
            *tail = mk(N_PARTIAL, q, (size_t)(te - q));
            tail = &(*tail)->next;
            continue;
        }
        static const struct {
            const char *word;
            enum kind kind;
        } helpers[] = {
            {"t ", N_T}, {"rich ", N_RICH}, {"snip ", N_SNIP}, {"url ", N_URL}, {"date ", N_DATE}};
        enum kind k = N_VAR;
        for (unsigned i = 0; i < sizeof helpers / sizeof helpers[0]; i++) {
            size_t l = strlen(helpers[i].word);
            if ((size_t)(te - t) > l && strncmp(t, helpers[i].word, l) == 0) {
                k = helpers[i].kind;
                t += l;
                while (t < te && *t == ' ')
                    t++;
                break;
            }
        }
        if (k == N_VAR && memchr(t, ' ', (size_t)(te - t))) {
            snprintf(why, whylen, "%s:%d: unknown helper in {{%.*s}}", name, line_of(start, open),
                     (int)(te - t), t);
            rc = AR_EINVAL;
            break;
        }
        *tail = mk(k, t, (size_t)(te - t));
        tail = &(*tail)->next;
    }
    *pp = p;
    if (rc) {
        nodes_free(head);
        return rc;
    }
    *out = head;
    return 0;
}

int ar_tmpl_compile_one(struct ar_tmpl_set *set, const char *name, const char *text, char *why,
                        size_t whylen)
{
    const char *p = text;
    struct node *root = NULL;
    int rc = parse(text, &p, NULL, &root, name, why, whylen);
    if (rc)
        return rc;
    struct tmpl *t = ar_xcalloc(1, sizeof *t);
    t->name = ar_xstrdup(name);
    t->root = root;
    t->next = set->list;
    set->list = t;
    return 0;
}

static const struct tmpl *find(const struct ar_tmpl_set *set, const char *name)
{
    for (const struct tmpl *t = set->list; t; t = t->next)
        if (strcmp(t->name, name) == 0)
            return t;
    return NULL;
}

/* Every partial named anywhere must exist: checked at load, not at render. */
static int check_partials(const struct ar_tmpl_set *set, const struct node *n, const char *name)
{
    for (; n; n = n->next) {
        if (n->kind == N_PARTIAL && !find(set, n->text)) {
            ar_msg(AR_MSG_ERR, "template %s: unknown partial %s", name, n->text);
            return AR_EINVAL;
        }
        if (n->child && check_partials(set, n->child, name))
            return AR_EINVAL;
    }
    return 0;
}

int ar_tmpl_load(struct ar_tmpl_set **out)
{
    struct ar_tmpl_set *set = ar_tmpl_set_new();
    char why[256];
    int rc = 0;
    *out = NULL;
    for (const struct ar_asset *a = ar_assets; a->name; a++) {
        if (strncmp(a->name, "templates/", 10) == 0) {
            char name[128];
            snprintf(name, sizeof name, "%s", a->name + 10);
            char *dot = strrchr(name, '.');
            if (dot)
                *dot = '\0';
            if ((rc = ar_tmpl_compile_one(set, name, a->data, why, sizeof why))) {
                ar_msg(AR_MSG_ERR, "template %s", why);
                goto out;
            }
        } else if (strncmp(a->name, "i18n/", 5) == 0) {
            char lang[16];
            snprintf(lang, sizeof lang, "%.*s", (int)strcspn(a->name + 5, "."), a->name + 5);
            json_error_t e;
            json_t *cat = json_loadb(a->data, a->len, JSON_REJECT_DUPLICATES, &e);
            if (!json_is_object(cat)) {
                ar_msg(AR_MSG_ERR, "%s:%d: %s", a->name, e.line, e.text);
                json_decref(cat);
                rc = AR_EINVAL;
                goto out;
            }
            json_object_set_new(set->msgs, lang, cat);
        }
    }
    for (const struct tmpl *t = set->list; t; t = t->next)
        if ((rc = check_partials(set, t->root, t->name)))
            goto out;
    *out = set;
    set = NULL;
out:
    ar_tmpl_free(set);
    return rc;
}

const char *ar_tmpl_msg(const struct ar_tmpl_set *set, const char *lang, const char *key)
{
    json_t *cat = json_object_get(set->msgs, lang && strcmp(lang, "en") == 0 ? "en" : "nl");
    const char *v = json_string_value(json_object_get(cat, key));
    if (!v) /* fall back to Dutch, then to the key itself */
        v = json_string_value(json_object_get(json_object_get(set->msgs, "nl"), key));
    return v ? v : key;
}

struct ctx {
    const json_t *stack[MAX_DEPTH * 2];
    int depth;
    int calls;
    const json_t *root;
    const struct ar_tmpl_set *set;
    struct ar_buf *out;
    const char *lang;
};

static const json_t *lookup(const struct ctx *c, const char *path)
{
    if (strcmp(path, ".") == 0)
        return c->stack[c->depth - 1];
    char seg[128];
    size_t n = strcspn(path, ".");
    if (n >= sizeof seg)
        return NULL;
    memcpy(seg, path, n);
    seg[n] = '\0';
    const json_t *v = NULL;
    for (int i = c->depth - 1; i >= 0 && !v; i--)
        if (json_is_object(c->stack[i]))
            v = json_object_get(c->stack[i], seg);
    path += n;
    while (v && *path == '.') {
        path++;
        n = strcspn(path, ".");
        if (n >= sizeof seg)
            return NULL;
        memcpy(seg, path, n);
        seg[n] = '\0';
        v = json_is_object(v) ? json_object_get(v, seg) : NULL;
        path += n;
    }
    return v;
}

static int truthy(const json_t *v)
{
    if (!v || json_is_null(v) || json_is_false(v))
        return 0;
    if (json_is_string(v))
        return json_string_length(v) > 0;
    if (json_is_integer(v))
        return json_integer_value(v) != 0;
    if (json_is_array(v))
        return json_array_size(v) > 0;
    return 1;
}

static void scalar(struct ar_buf *out, const json_t *v)
{
    if (json_is_string(v))
        ar_buf_html(out, json_string_value(v), json_string_length(v));
    else if (json_is_integer(v))
        ar_buf_printf(out, "%lld", (long long)json_integer_value(v));
    else if (json_is_true(v))
        ar_buf_puts(out, "true");
    else if (json_is_false(v))
        ar_buf_puts(out, "false");
}

static int render(struct ctx *c, const struct node *n);

static int push_render(struct ctx *c, const json_t *v, const struct node *body)
{
    if (c->depth >= (int)(sizeof c->stack / sizeof c->stack[0]))
        return AR_EINVAL;
    c->stack[c->depth++] = v;
    int rc = render(c, body);
    c->depth--;
    return rc;
}

static int render(struct ctx *c, const struct node *n)
{
    int rc = 0;
    if (++c->calls > 1000000) /* runaway guard */
        return AR_EINVAL;
    for (; n && !rc; n = n->next) {
        const json_t *v;
        switch (n->kind) {
        case N_TEXT: ar_buf_add(c->out, n->text, n->len); break;
        case N_VAR: scalar(c->out, lookup(c, n->text)); break;
        case N_T: {
            const char *m = ar_tmpl_msg(c->set, c->lang, n->text);
            ar_buf_html(c->out, m, strlen(m));
            break;
        }
        case N_DATE: {
            /* RFC 3339 UTC as a readable date and time in the page's language. */
            v = lookup(c, n->text);
            time_t t;
            if (!json_is_string(v) || ar_clock_parse(&t, json_string_value(v))) {
                scalar(c->out, v);
                break;
            }
            struct tm tm;
            gmtime_r(&t, &tm);
            static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
            if (c->lang && strcmp(c->lang, "en") == 0)
                ar_buf_printf(c->out, "%d %s %d, %02d:%02d UTC", tm.tm_mday, mon[tm.tm_mon],
                              tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
            else
                ar_buf_printf(c->out, "%02d-%02d-%d %02d:%02d UTC", tm.tm_mday, tm.tm_mon + 1,
                              tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
            break;
        }
        case N_URL:
            v = lookup(c, n->text);
            if (json_is_string(v))
                ar_buf_urlenc(c->out, json_string_value(v));
            else
                scalar(c->out, v);
            break;
        case N_RICH:
            /* Stored rich text was sanitised on intake; sanitising again on output
             * means a row written by anything else still cannot inject markup. */
            v = lookup(c, n->text);
            if (json_is_string(v))
                ar_sanitize_html(c->out, json_string_value(v), json_string_length(v));
            break;
        case N_SNIP: {
            v = lookup(c, n->text);
            const char *s = json_string_value(v);
            if (!s)
                break;
            size_t len = json_string_length(v), start = 0;
            for (size_t i = 0; i < len; i++) {
                if (s[i] != '\x02' && s[i] != '\x03')
                    continue;
                ar_buf_html(c->out, s + start, i - start);
                ar_buf_puts(c->out, s[i] == '\x02' ? "<mark>" : "</mark>");
                start = i + 1;
            }
            ar_buf_html(c->out, s + start, len - start);
            break;
        }
        case N_SECTION:
            v = lookup(c, n->text);
            if (!truthy(v))
                break;
            if (json_is_array(v)) {
                size_t i;
                const json_t *item;
                json_array_foreach (v, i, item)
                    if ((rc = push_render(c, item, n->child)))
                        break;
            } else {
                rc = push_render(c, v, n->child);
            }
            break;
        case N_INVERTED:
            if (!truthy(lookup(c, n->text)))
                rc = render(c, n->child);
            break;
        case N_PARTIAL: {
            const struct tmpl *t = find(c->set, n->text);
            if (!t || c->depth >= MAX_DEPTH)
                return AR_EINVAL;
            rc = push_render(c, c->stack[c->depth - 1], t->root);
            break;
        }
        }
    }
    return rc;
}

int ar_tmpl_render(const struct ar_tmpl_set *set, const char *name, const json_t *data,
                   struct ar_buf *out)
{
    const struct tmpl *t = find(set, name);
    if (!t)
        return AR_ENOTFOUND;
    struct ctx c = {.root = data, .set = set, .out = out};
    c.stack[c.depth++] = data;
    c.lang = json_string_value(json_object_get(data, "lang"));
    int rc = render(&c, t->root);
    if (!rc && !ar_buf_ok(out))
        rc = AR_ETOOBIG;
    return rc;
}
