/* req.h — the request and response as handlers see them: plain data, no
 * libmicrohttpd types (server.c is the only code that sees the HTTP library).
 *
 * A request owns an arena; everything a handler allocates for it lives there. The
 * handler writes status, content type and body into the response; the server hands
 * the whole body to the socket as one buffer. */
#ifndef AR_HTTP_REQ_H
#define AR_HTTP_REQ_H

#include <jansson.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"

struct ar_app;       /* application context (api/app.h) */
struct ar_principal; /* who sent the request (auth/auth.h) */
struct ar_route;
struct ar_store; /* this worker's store connection */

#define AR_REQ_MAX_ARGS 160 /* the workspace form has ~60 fields and checkbox lists */
#define AR_REQ_MAX_PARAMS 4
#define AR_RESP_MAX_HEADERS 8

struct ar_kv {
    const char *key, *value;
};

struct ar_req {
    struct ar_arena *arena;
    const char *method; /* "GET", "POST", … */
    const char *path;   /* decoded, without the query */
    struct ar_kv args[AR_REQ_MAX_ARGS];
    int nargs;
    int nquery;  /* how many of args came from the query (the rest from a form body) */
    int form;    /* a form body was parsed into args */
    int form_rc; /* and what that parse returned */
    const char *params[AR_REQ_MAX_PARAMS]; /* {name} segments matched by the router */
    int nparams;
    const char *accept_language, *authorization, *content_type, *if_match, *accept;
    const char *cookie, *csrf_header, *forwarded_proto;
    const char *host; /* the Host header as sent: check it before putting it in a link */
    /* Who sent it: resolved once from the bearer token or session cookie by
     * ar_app_principal (NULL: anonymous); the route the router matched. */
    const struct ar_principal *principal;
    int principal_done;
    const struct ar_route *route;
    int audited;        /* the gate recorded its refusal already */
    const char *client; /* the peer's address, or NULL */
    const char *body;
    size_t body_len;
    struct ar_app *app;
    struct ar_store *store;
    /* response */
    int status;
    const char *ctype;
    struct ar_kv headers[AR_RESP_MAX_HEADERS];
    int nheaders;
    struct ar_buf out;
};

/* Add the fields of an application/x-www-form-urlencoded body to args (form values win
 * over none: the query's come first, so ar_req_arg finds those first). AR_EINVAL for
 * another content type or invalid UTF-8 (or a value over 32 KiB), AR_ETOOBIG above 256 KiB
 * or AR_REQ_MAX_ARGS fields: a field is never dropped silently. */
int ar_req_parse_form(struct ar_req *r);

/* First value of query argument key, or NULL. */
const char *ar_req_arg(const struct ar_req *r, const char *key);
/* path with the request's arguments, key set to value ("" removes it), in the
 * request's order; a change to any key but page drops page (a new query starts at its
 * first page). In r's arena. */
char *ar_req_href(struct ar_req *r, const char *path, const char *key, const char *value);
/* Add a response header; key and value are copied into the request arena. */
void ar_req_header(struct ar_req *r, const char *key, const char *value);

/* Responses. json: the value is serialised compactly (and not consumed). */
void ar_resp_json(struct ar_req *r, int status, const json_t *v);
/* RFC 9457 problem+json. type is a short slug ("validation"), problems may be NULL. */
void ar_resp_problem(struct ar_req *r, int status, const char *type, const char *title,
                     const char *detail, const json_t *problems);

typedef void (*ar_handler_fn)(struct ar_req *r);

struct ar_route {
    const char *method;
    const char *pattern; /* "/api/v1/registrations/{id}" */
    ar_handler_fn fn;
    const char *summary; /* for the route listing and docs */
    /* Who may call it: a mask of AR_ROLE_* bits (auth/auth.h). The router refuses
     * everyone else before the handler runs; 0 is a missing rule and stops the server
     * from starting. Handlers add finer rules (an organisation's own entries). */
    unsigned access;
};

/* The address people reached us at ("http://host:port"), for absolute links (Atom,
 * the submission API's preview URL); a Host header with anything but a host name and
 * port is not used ("localhost" then). In r's arena. */
const char *ar_req_base_url(struct ar_req *r);

/* The value of cookie name in the Cookie header (in r's arena), or NULL. */
const char *ar_req_cookie(struct ar_req *r, const char *name);

#endif
