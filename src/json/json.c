/* json.c — limited intake over jansson and the canonical encoder. */
#include "json/json.h"
#include "base/err.h"
#include "base/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

const struct ar_json_limits ar_json_default_limits = {
    .max_bytes = 1u << 20,
    .max_depth = 8,
    .max_members = 1000,
};

static int check(const json_t *v, int depth, const struct ar_json_limits *lim, char *why,
                 size_t whylen)
{
    if (!json_is_object(v) && !json_is_array(v))
        return 0;
    if (depth > lim->max_depth) {
        snprintf(why, whylen, "JSON nested deeper than %d levels", lim->max_depth);
        return AR_EINVAL;
    }
    size_t size = json_is_object(v) ? json_object_size(v) : json_array_size(v);
    if (size > lim->max_members) {
        snprintf(why, whylen, "more than %zu members in one object or array", lim->max_members);
        return AR_EINVAL;
    }
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach ((json_t *)v, k, m) {
            int rc = check(m, depth + 1, lim, why, whylen);
            if (rc)
                return rc;
        }
    } else {
        size_t i;
        json_t *m;
        json_array_foreach (v, i, m) {
            int rc = check(m, depth + 1, lim, why, whylen);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int ar_json_parse(json_t **out, const char *s, size_t n, const struct ar_json_limits *lim,
                  char *why, size_t whylen)
{
    json_error_t jerr;
    json_t *v = NULL;
    int rc = 0;
    if (!lim)
        lim = &ar_json_default_limits;
    why[0] = '\0';
    *out = NULL;
    if (n > lim->max_bytes) {
        snprintf(why, whylen, "document larger than %zu bytes", lim->max_bytes);
        rc = AR_ETOOBIG;
        goto out;
    }
    if (!ar_utf8_valid(s, n)) {
        snprintf(why, whylen, "body is not valid UTF-8");
        rc = AR_EINVAL;
        goto out;
    }
    v = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!v) {
        snprintf(why, whylen, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
                 jerr.text);
        rc = AR_EINVAL;
        goto out;
    }
    rc = check(v, 1, lim, why, whylen);
    if (rc)
        goto out;
    *out = v;
    v = NULL;
out:
    json_decref(v);
    return rc;
}

static void canon_string(struct ar_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    ar_buf_putc(b, '"');
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        ar_buf_add(b, s + start, i - start);
        switch (c) {
        case '"': ar_buf_puts(b, "\\\""); break;
        case '\\': ar_buf_puts(b, "\\\\"); break;
        case '\b': ar_buf_puts(b, "\\b"); break;
        case '\f': ar_buf_puts(b, "\\f"); break;
        case '\n': ar_buf_puts(b, "\\n"); break;
        case '\r': ar_buf_puts(b, "\\r"); break;
        case '\t': ar_buf_puts(b, "\\t"); break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            ar_buf_add(b, e, 6);
        }
        }
        start = i + 1;
    }
    ar_buf_add(b, s + start, n - start);
    ar_buf_putc(b, '"');
}

static int keycmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int ar_json_canon(struct ar_buf *b, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_NULL: ar_buf_puts(b, "null"); return 0;
    case JSON_TRUE: ar_buf_puts(b, "true"); return 0;
    case JSON_FALSE: ar_buf_puts(b, "false"); return 0;
    case JSON_INTEGER: ar_buf_printf(b, "%lld", (long long)json_integer_value(v)); return 0;
    case JSON_REAL: return AR_EINVAL;
    case JSON_STRING: canon_string(b, json_string_value(v), json_string_length(v)); return 0;
    case JSON_ARRAY: {
        ar_buf_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                ar_buf_putc(b, ',');
            int rc = ar_json_canon(b, json_array_get(v, i));
            if (rc)
                return rc;
        }
        ar_buf_putc(b, ']');
        return 0;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0;
        const char **keys = ar_xmalloc(n * sizeof *keys);
        const char *k;
        json_t *m;
        json_object_foreach ((json_t *)v, k, m)
            keys[i++] = k;
        qsort(keys, n, sizeof *keys, keycmp);
        int rc = 0;
        ar_buf_putc(b, '{');
        for (i = 0; i < n && !rc; i++) {
            if (i)
                ar_buf_putc(b, ',');
            canon_string(b, keys[i], strlen(keys[i]));
            ar_buf_putc(b, ':');
            rc = ar_json_canon(b, json_object_get(v, keys[i]));
        }
        ar_buf_putc(b, '}');
        free(keys);
        return rc;
    }
    }
    return AR_EINVAL;
}

char *ar_json_canon_str(const json_t *v)
{
    struct ar_buf b;
    ar_buf_init(&b, 0);
    if (ar_json_canon(&b, v) || !ar_buf_ok(&b)) {
        ar_buf_free(&b);
        return NULL;
    }
    return ar_buf_take(&b, NULL);
}

const char *ar_json_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* YAML document → jansson, scalars as strings (ids stay opaque). budget caps the nodes
 * produced, so aliases cannot multiply a small file into a huge tree. */
static json_t *yaml_node(yaml_document_t *d, yaml_node_t *n, int depth, long *budget)
{
    if (!n || depth > 64 || --*budget < 0)
        return NULL;
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return json_stringn((const char *)n->data.scalar.value, n->data.scalar.length);
    case YAML_SEQUENCE_NODE: {
        json_t *a = json_array();
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
             i++) {
            json_t *v = yaml_node(d, yaml_document_get_node(d, *i), depth + 1, budget);
            json_array_append_new(a, v ? v : json_null());
        }
        return a;
    }
    case YAML_MAPPING_NODE: {
        json_t *o = json_object();
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = yaml_document_get_node(d, p->key);
            if (k && k->type == YAML_SCALAR_NODE) {
                char *key = ar_xstrndup((const char *)k->data.scalar.value, k->data.scalar.length);
                json_t *v = yaml_node(d, yaml_document_get_node(d, p->value), depth + 1, budget);
                json_object_set_new(o, key, v ? v : json_null());
                free(key);
            }
        }
        return o;
    }
    default: return json_null();
    }
}

int ar_json_from_yaml(const char *text, size_t len, long max_nodes, json_t **out, char *why,
                      size_t whylen)
{
    yaml_parser_t p;
    yaml_document_t d;
    *out = NULL;
    if (!yaml_parser_initialize(&p)) {
        snprintf(why, whylen, "cannot start the YAML parser");
        return AR_EIO;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &d)) {
        snprintf(why, whylen, "YAML error at line %zu: %s", p.problem_mark.line + 1,
                 p.problem ? p.problem : "?");
        yaml_parser_delete(&p);
        return AR_EINVAL;
    }
    long budget = max_nodes;
    json_t *root = yaml_node(&d, yaml_document_get_root_node(&d), 0, &budget);
    yaml_document_delete(&d);
    yaml_parser_delete(&p);
    if (budget < 0) {
        snprintf(why, whylen, "too large (more than %ld YAML nodes)", max_nodes);
        json_decref(root);
        return AR_EINVAL;
    }
    *out = root ? root : json_null();
    return 0;
}
