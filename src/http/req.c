/* req.c — response helpers shared by the API and the site. */
#include "http/req.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/utf8.h"

#include <microhttpd.h>
#include <strings.h>

#include <stdlib.h>
#include <ctype.h>
#include <string.h>

const char *ar_req_arg(const struct ar_req *r, const char *key)
{
    for (int i = 0; i < r->nargs; i++)
        if (strcmp(r->args[i].key, key) == 0)
            return r->args[i].value;
    return NULL;
}

void ar_req_header(struct ar_req *r, const char *key, const char *value)
{
    /* Copied: the value often points into page data that is freed before sending. */
    if (r->nheaders < AR_RESP_MAX_HEADERS && key && value)
        r->headers[r->nheaders++] =
            (struct ar_kv){ar_arena_strdup(r->arena, key), ar_arena_strdup(r->arena, value)};
}

void ar_resp_json(struct ar_req *r, int status, const json_t *v)
{
    r->status = status;
    r->ctype = "application/json";
    ar_buf_reset(&r->out);
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s) {
        ar_buf_puts(&r->out, s);
        free(s);
    }
}

void ar_resp_problem(struct ar_req *r, int status, const char *type, const char *title,
                     const char *detail, const json_t *problems)
{
    json_t *p = json_object();
    char *t = ar_arena_printf(r->arena, "/problems/%s", type);
    json_object_set_new(p, "type", json_string(t));
    json_object_set_new(p, "title", json_string(title));
    json_object_set_new(p, "status", json_integer(status));
    if (detail)
        json_object_set_new(p, "detail", json_string(detail));
    json_object_set_new(p, "instance", json_string(r->path));
    if (problems && json_array_size(problems)) {
        json_object_set(p, "errors", (json_t *)problems);
        /* With one problem, name its field and rule at the top level too. */
        json_t *first = json_array_get(problems, 0);
        json_object_set(p, "field", json_object_get(first, "field"));
        json_object_set(p, "rule", json_object_get(first, "rule"));
        if (!detail)
            json_object_set(p, "detail", json_object_get(first, "detail"));
    }
    ar_resp_json(r, status, p);
    r->ctype = "application/problem+json";
    json_decref(p);
}

int ar_req_parse_form(struct ar_req *r)
{
    if (r->form) /* parsed before (the router checks a form's CSRF token) */
        return r->form_rc;
    if (!r->content_type ||
        strncasecmp(r->content_type, "application/x-www-form-urlencoded", 33) != 0)
        return AR_EINVAL;
    if (r->body_len > 262144) /* every field of a registration at its longest, encoded */
        return r->form_rc = AR_ETOOBIG;
    char *copy = ar_arena_strndup(r->arena, r->body ? r->body : "", r->body_len);
    r->nquery = r->nargs;
    r->form = 1;
    for (char *p = copy; *p;) {
        char *amp = strchr(p, '&');
        if (amp)
            *amp = '\0';
        char *eq = strchr(p, '=');
        char *val = eq ? eq + 1 : p + strlen(p);
        if (eq)
            *eq = '\0';
        /* '+' is a space in form encoding; MHD_http_unescape does the %XX part. */
        for (char *q = p; *q; q++)
            if (*q == '+')
                *q = ' ';
        for (char *q = val; *q; q++)
            if (*q == '+')
                *q = ' ';
        MHD_http_unescape(p);
        MHD_http_unescape(val);
        if (!ar_utf8_valid(p, strlen(p)) || !ar_utf8_valid(val, strlen(val)) ||
            strlen(val) > 32768) {
            r->nargs = r->nquery;
            return r->form_rc = AR_EINVAL;
        }
        if (*p && r->nargs >= AR_REQ_MAX_ARGS) { /* never drop a field silently */
            r->nargs = r->nquery;
            return r->form_rc = AR_ETOOBIG;
        }
        if (*p)
            r->args[r->nargs++] = (struct ar_kv){p, val};
        if (!amp)
            break;
        p = amp + 1;
    }
    return 0;
}

char *ar_req_href(struct ar_req *r, const char *path, const char *key, const char *value)
{
    struct ar_buf b;
    ar_buf_init(&b, 8192);
    ar_buf_puts(&b, path);
    int first = 1, done = 0;
    for (int i = 0; i < r->nargs; i++) {
        const char *k = r->args[i].key, *v = r->args[i].value;
        if (strcmp(k, "page") == 0 && strcmp(key, "page") != 0)
            continue;
        if (strcmp(k, key) == 0) {
            if (done)
                continue;
            v = value;
            done = 1;
        }
        if (!*v)
            continue;
        ar_buf_putc(&b, first ? '?' : '&');
        first = 0;
        ar_buf_urlenc(&b, k);
        ar_buf_putc(&b, '=');
        ar_buf_urlenc(&b, v);
    }
    if (!done && *value) {
        ar_buf_putc(&b, first ? '?' : '&');
        ar_buf_urlenc(&b, key);
        ar_buf_putc(&b, '=');
        ar_buf_urlenc(&b, value);
    }
    char *s = ar_arena_strdup(r->arena, ar_buf_cstr(&b));
    ar_buf_free(&b);
    return s;
}

/* The address people reached us at, for the absolute links Atom needs; a Host header
 * with anything but a host name and port is not used. */
const char *ar_req_base_url(struct ar_req *r)
{
    const char *h = r->host;
    int ok = h && *h && strlen(h) < 256;
    for (const char *p = h; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == ':' || *p == '[' ||
             *p == ']';
    const char *scheme =
        r->forwarded_proto && !strcmp(r->forwarded_proto, "https") ? "https" : "http";
    return ar_arena_printf(r->arena, "%s://%s", scheme, ok ? h : "localhost");
}

/* The value of cookie name in a Cookie header, copied into the arena. */
const char *ar_req_cookie(struct ar_req *r, const char *name)
{
    size_t n = strlen(name);
    for (const char *c = r->cookie; c && *c;) {
        while (*c == ' ' || *c == ';')
            c++;
        size_t len = strcspn(c, ";");
        if (len > n && strncmp(c, name, n) == 0 && c[n] == '=')
            return ar_arena_strndup(r->arena, c + n + 1, len - n - 1);
        c += len;
    }
    return NULL;
}
