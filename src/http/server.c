/* server.c — libmicrohttpd glue: request intake with limits, routing, responses.
 *
 * The only file that includes microhttpd.h. Each worker thread keeps one store
 * connection (SQLite connections are not shared between threads). Bodies are
 * collected up to AR_HTTP_MAX_BODY; a larger Content-Length is refused before any
 * byte of the body is read. */
#include "http/server.h"
#include "http/metrics.h"
#include "auth/auth.h"
#include "json/json.h"
#include "base/cache.h"
#include "base/err.h"
#include "aiact/cases.h"
#include "log/witness.h"
#include "log/log.h"
#include "quality/links.h"
#include "exception/exception.h"
#include "notice/notice.h"
#include "base/utf8.h"
#include "store/store.h"
#include "base/msg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

struct conn_ctx {
    struct ar_req req;
    int too_big;
    int bad;
    int limited;  /* over the per-address request rate */
    int draining; /* arrived after SIGTERM: told to come back */
    struct timespec t0;
};

/* The access log's stream and form: written after each request, replaced by a reload
 * (a rotated file is reopened on SIGHUP). */
static pthread_mutex_t g_access_mu = PTHREAD_MUTEX_INITIALIZER;

/* Graceful stop without MHD_quiesce_daemon (which races its own workers in the epoll
 * thread pool and aborts the process): after SIGTERM new requests get 503 with
 * Retry-After, and the main thread waits for the requests in flight to finish. */
static _Atomic int g_draining;
static _Atomic long g_inflight;

/* Per-address token buckets: rate per second, bursts of ten times that. A fixed table;
 * an address whose slot another takes starts with a full bucket again, which errs on
 * the side of serving. */
#define RATE_SLOTS 4096
static struct {
    uint32_t addr;
    double tokens;
    struct timespec last;
} g_rate[RATE_SLOTS];
static pthread_mutex_t g_rate_mu = PTHREAD_MUTEX_INITIALIZER;

/* 1 when the address may make one more request now. */
static int rate_take(uint32_t addr, int rate)
{
    if (rate <= 0)
        return 1;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    uint32_t h = (addr * 2654435761u) >> 20; /* 12 bits */
    double burst = 10.0 * rate;
    pthread_mutex_lock(&g_rate_mu);
    if (g_rate[h].addr != addr || (g_rate[h].last.tv_sec == 0 && g_rate[h].last.tv_nsec == 0)) {
        g_rate[h].addr = addr;
        g_rate[h].tokens = burst;
    } else {
        double dt = (double)(now.tv_sec - g_rate[h].last.tv_sec) +
                    (double)(now.tv_nsec - g_rate[h].last.tv_nsec) / 1e9;
        g_rate[h].tokens += dt * rate;
        if (g_rate[h].tokens > burst)
            g_rate[h].tokens = burst;
    }
    g_rate[h].last = now;
    int ok = g_rate[h].tokens >= 1.0;
    if (ok)
        g_rate[h].tokens -= 1.0;
    pthread_mutex_unlock(&g_rate_mu);
    return ok;
}

static struct ar_app *g_app;
static pthread_mutex_t g_stores_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ar_store *g_stores[256];
static int g_nstores;
static __thread struct ar_store *tls_store;

static struct ar_store *worker_store(void)
{
    if (tls_store)
        return tls_store;
    struct ar_store *s = NULL;
    if (ar_store_open(&s, g_app->db_path, 0))
        return NULL;
    pthread_mutex_lock(&g_stores_mu);
    if (g_nstores < (int)(sizeof g_stores / sizeof g_stores[0]))
        g_stores[g_nstores++] = s;
    pthread_mutex_unlock(&g_stores_mu);
    tls_store = s;
    return s;
}

static int match(const char *pattern, const char *path, struct ar_req *r)
{
    r->nparams = 0;
    /* A pattern ending in a slash and star matches anything below that prefix; the rest
     * is the one parameter. */
    size_t pl0 = strlen(pattern);
    if (pl0 >= 2 && strcmp(pattern + pl0 - 2, "/*") == 0) {
        if (strncmp(path, pattern, pl0 - 1) != 0 || !path[pl0 - 1])
            return 0;
        r->params[r->nparams++] = ar_arena_strdup(r->arena, path + pl0 - 1);
        return 1;
    }
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/')
            return 0;
        pattern++;
        path++;
        size_t pl = strcspn(pattern, "/"), sl = strcspn(path, "/");
        if (pl > 2 && pattern[0] == '{') {
            if (sl == 0 || r->nparams >= AR_REQ_MAX_PARAMS)
                return 0;
            r->params[r->nparams++] = ar_arena_strndup(r->arena, path, sl);
        } else if (pl != sl || strncmp(pattern, path, pl) != 0) {
            return 0;
        }
        pattern += pl;
        path += sl;
    }
    return *pattern == '\0' && *path == '\0';
}

const struct ar_route *const *ar_server_tables(const struct ar_app *app, int *n)
{
    static const struct ar_route *const register_tables[] = {
        ar_api_routes,         ar_log_routes,  ar_exception_routes,   ar_aiact_routes,
        ar_quality_routes,     ar_web_routes,  ar_account_api_routes, ar_draft_routes,
        ar_account_web_routes, ar_ops_routes,  ar_export_routes,      ar_feed_routes,
        ar_compat_routes,      ar_work_routes, ar_exc_web_routes,     ar_rbi_web_routes,
        ar_review_web_routes};
    if (app && app->tables) {
        *n = app->ntables;
        return app->tables;
    }
    *n = (int)(sizeof register_tables / sizeof register_tables[0]);
    return register_tables;
}

int ar_server_check_routes(const struct ar_app *app)
{
    int n, rc = 0;
    const struct ar_route *const *tables = ar_server_tables(app, &n);
    for (int t = 0; t < n; t++)
        for (const struct ar_route *rt = tables[t]; rt->method; rt++)
            if (!rt->access) {
                ar_msg(AR_MSG_ERR, "route %s %s has no access rule", rt->method, rt->pattern);
                rc = AR_EINVAL;
            }
    return rc;
}

void ar_server_dispatch(struct ar_req *r)
{
    int ntables;
    const struct ar_route *const *tables = ar_server_tables(r->app, &ntables);
    int path_matched = 0;
    for (int t = 0; t < ntables; t++) {
        for (const struct ar_route *rt = tables[t]; rt->method; rt++) {
            if (!match(rt->pattern, r->path, r))
                continue;
            path_matched = 1;
            if (strcmp(rt->method, r->method) == 0 ||
                (strcmp(r->method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0)) {
                if (ar_app_gate(r, rt) == 0)
                    rt->fn(r);
                ar_app_audit_write(r);
                return;
            }
        }
    }
    if (path_matched) {
        ar_resp_problem(r, 405, "method-not-allowed", "Method not allowed",
                        "this resource does not support that method", NULL);
        return;
    }
    r->nparams = 0;
    if (r->app->tables) { /* a witness: plain text, no site */
        r->status = 404;
        r->ctype = "text/plain; charset=utf-8";
        ar_buf_puts(&r->out, "not found\n");
    } else if (strncmp(r->path, "/api/", 5) == 0 || strcmp(r->path, "/api") == 0 ||
               strncmp(r->path, "/aanleverapi/", 13) == 0)
        ar_api_not_found(r);
    else
        ar_web_not_found(r);
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct conn_ctx *c = cls;
    (void)kind;
    if (!key)
        return MHD_YES;
    if (!value)
        value = "";
    if (!ar_utf8_valid(key, strlen(key)) || !ar_utf8_valid(value, strlen(value)) ||
        strlen(value) > 1000) {
        c->bad = 1;
        return MHD_NO;
    }
    if (c->req.nargs >= AR_REQ_MAX_ARGS) { /* refused whole, never cut short */
        c->bad = 2;
        return MHD_NO;
    }
    c->req.args[c->req.nargs++] = (struct ar_kv){key, value};
    return MHD_YES;
}

/* After the answer is made: the route's metrics and one JSON line in the access log
 * (time, client, method, route, path without the query, status, milliseconds, bytes and
 * the principal's name; never a header, token, query or body). */
static void account_for(struct conn_ctx *c)
{
    struct ar_req *r = &c->req;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - c->t0.tv_sec) + (double)(t1.tv_nsec - c->t0.tv_nsec) / 1e9;
    ar_metrics_observe(r->route, r->status, secs);
    const struct ar_principal *p = r->principal_done ? r->principal : NULL;
    pthread_mutex_lock(&g_access_mu);
    if (g_app->access_journal) {
        sd_journal_send("MESSAGE=%s %s %d", r->method, r->path, r->status, "PRIORITY=6",
                        "SYSLOG_IDENTIFIER=algoreg", "ALGOREG_ACCESS=1", "CLIENT=%s",
                        r->client ? r->client : "", "METHOD=%s", r->method, "ROUTE=%s",
                        r->route ? r->route->pattern : "", "REQUEST_PATH=%s", r->path, "STATUS=%d",
                        r->status, "DURATION_MS=%.3f", secs * 1e3, "BYTES=%zu", r->out.len,
                        "WHO=%s", p ? p->name : "", NULL);
    }
    FILE *out = g_app->access_log;
    if (!out) {
        pthread_mutex_unlock(&g_access_mu);
        return;
    }
    char now[32];
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    struct tm tm;
    gmtime_r(&wall.tv_sec, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S", &tm);
    json_t *line = json_pack("{s:s, s:s?, s:s, s:s, s:s, s:i, s:f, s:I, s:s?}", "time",
                             ar_arena_printf(r->arena, "%s.%03ldZ", now, wall.tv_nsec / 1000000),
                             "client", r->client, "method", r->method, "route",
                             r->route ? r->route->pattern : "", "path", r->path, "status",
                             r->status, "ms", (double)(long long)(secs * 1e6) / 1000.0, "bytes",
                             (json_int_t)r->out.len, "who", p ? p->name : NULL);
    char *s = line ? json_dumps(line, JSON_COMPACT) : NULL;
    if (s) {
        fprintf(out, "%s\n", s);
        free(s);
    }
    pthread_mutex_unlock(&g_access_mu);
    json_decref(line);
}

void ar_server_set_access_log(struct ar_app *app, FILE *f, int journal)
{
    pthread_mutex_lock(&g_access_mu);
    FILE *old = app->access_log;
    app->access_log = f;
    app->access_journal = journal;
    pthread_mutex_unlock(&g_access_mu);
    if (old && old != stderr && old != f)
        fclose(old);
}

static enum MHD_Result send_req(struct MHD_Connection *conn, struct conn_ctx *c)
{
    struct ar_req *r = &c->req;
    account_for(c);
    size_t len;
    if (strcmp(r->method, "HEAD") == 0)
        ar_buf_reset(&r->out);
    char *body = ar_buf_take(&r->out, &len);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r->ctype ? r->ctype : "text/plain; charset=utf-8");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; script-src 'self'; style-src 'self';"
                            " img-src 'self' data:; frame-ancestors 'none'; base-uri 'none';"
                            " form-action 'self'");
    for (int i = 0; i < r->nheaders; i++)
        MHD_add_response_header(resp, r->headers[i].key, r->headers[i].value);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void req_init(struct ar_req *r, const char *method, const char *url)
{
    memset(r, 0, sizeof *r);
    r->arena = ar_arena_new();
    r->method = ar_arena_strdup(r->arena, method);
    r->path = ar_arena_strdup(r->arena, url);
    r->app = g_app;
    r->status = 200;
    ar_buf_init(&r->out, 32u << 20);
}

static int is_proxy(uint32_t addr)
{
    for (int i = 0; i < g_app->nproxies; i++)
        if (g_app->proxies[i] == addr)
            return 1;
    return 0;
}

/* Behind a trusted reverse proxy the client is the right-most address in
 * X-Forwarded-For that is not itself a trusted proxy; anything left of it was written
 * by the client and proves nothing. No usable header: the proxy's own address. */
static uint32_t forwarded_for(struct MHD_Connection *conn, uint32_t proxy)
{
    const char *xff = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For");
    if (!xff || strlen(xff) > 1024)
        return proxy;
    const char *end = xff + strlen(xff);
    while (end > xff) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        const char *a = start, *b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        char ip[INET_ADDRSTRLEN];
        struct in_addr in;
        if (b - a <= 0 || (size_t)(b - a) >= sizeof ip)
            return proxy;
        memcpy(ip, a, (size_t)(b - a));
        ip[b - a] = '\0';
        if (inet_pton(AF_INET, ip, &in) != 1)
            return proxy;
        if (!is_proxy(in.s_addr))
            return in.s_addr;
        end = start > xff ? start - 1 : xff;
    }
    return proxy;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    struct conn_ctx *c = *con_cls;
    if (!c) {
        c = ar_xcalloc(1, sizeof *c);
        g_inflight++;
        c->draining = g_draining;
        clock_gettime(CLOCK_MONOTONIC, &c->t0);
        req_init(&c->req, method, url);
        *con_cls = c;
        /* The client's address, for per-address limits (never logged with content). */
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET) {
            char ip[INET_ADDRSTRLEN];
            struct in_addr a = ((const struct sockaddr_in *)ci->client_addr)->sin_addr;
            if (is_proxy(a.s_addr))
                a.s_addr = forwarded_for(conn, a.s_addr);
            if (inet_ntop(AF_INET, &a, ip, sizeof ip))
                c->req.client = ar_arena_strdup(c->req.arena, ip);
            c->limited = !rate_take(a.s_addr, g_app->rate_limit);
        }
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > AR_HTTP_MAX_BODY)
            c->too_big = 1;
        return MHD_YES;
    }
    struct ar_req *r = &c->req;
    if (*upload_size) {
        if (!c->too_big && !c->limited) {
            if (r->body_len + *upload_size > AR_HTTP_MAX_BODY) {
                c->too_big = 1;
            } else {
                char *nb = ar_arena_alloc(r->arena, r->body_len + *upload_size + 1);
                if (r->body_len)
                    memcpy(nb, r->body, r->body_len);
                memcpy(nb + r->body_len, upload_data, *upload_size);
                r->body_len += *upload_size;
                nb[r->body_len] = '\0';
                r->body = nb;
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (c->draining) {
        ar_req_header(r, "Retry-After", "1");
        ar_req_header(r, "Connection", "close");
        ar_resp_problem(r, 503, "shutting-down", "Service unavailable",
                        "the server is stopping; try again in a moment", NULL);
        return send_req(conn, c);
    }
    if (c->limited) {
        ar_req_header(r, "Retry-After", "1");
        ar_resp_problem(r, 429, "too-many-requests", "Too many requests",
                        "this address sends more requests than the server allows; slow down", NULL);
        return send_req(conn, c);
    }
    if (c->too_big) {
        ar_resp_problem(r, 413, "too-large", "Content too large",
                        "request bodies are limited to 1 MiB", NULL);
        return send_req(conn, c);
    }
    if (strlen(url) > AR_HTTP_MAX_URL) {
        ar_resp_problem(r, 414, "uri-too-long", "URI too long", "URLs are limited to 4096 bytes",
                        NULL);
        return send_req(conn, c);
    }
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, c);
    if (c->bad || !ar_utf8_valid(url, strlen(url))) {
        r->nargs = 0;
        ar_resp_problem(r, 400, "bad-query", "Bad request",
                        c->bad == 2 ? "more query parameters than a request may have (160)"
                                    : "the URL or a query parameter is not valid UTF-8 or is"
                                      " longer than 1000 bytes",
                        NULL);
        return send_req(conn, c);
    }
#define H(name) MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name)
    r->accept_language = H(MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
    r->authorization = H(MHD_HTTP_HEADER_AUTHORIZATION);
    r->content_type = H(MHD_HTTP_HEADER_CONTENT_TYPE);
    r->if_match = H(MHD_HTTP_HEADER_IF_MATCH);
    r->accept = H(MHD_HTTP_HEADER_ACCEPT);
    r->cookie = H(MHD_HTTP_HEADER_COOKIE);
    r->csrf_header = H("X-CSRF-Token");
    r->forwarded_proto = H("X-Forwarded-Proto");
    r->host = H(MHD_HTTP_HEADER_HOST);
#undef H
    r->store = worker_store();
    if (!r->store) {
        ar_resp_problem(r, 503, "unavailable", "Service unavailable",
                        "the database cannot be opened", NULL);
        return send_req(conn, c);
    }
    ar_server_dispatch(r);
    return send_req(conn, c);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct conn_ctx *c = *con_cls;
    if (!c)
        return;
    g_inflight--;
    ar_buf_free(&c->req.out);
    ar_arena_free(c->req.arena);
    free(c);
    *con_cls = NULL;
}

static pthread_mutex_t g_tick_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_tick_cv = PTHREAD_COND_INITIALIZER;
static int g_tick_stop;

static int tick_stopped(void)
{
    pthread_mutex_lock(&g_tick_mu);
    int stop = g_tick_stop;
    pthread_mutex_unlock(&g_tick_mu);
    return stop;
}

/* The background threads' pause between two rounds: seconds, or less when the server
 * stops. 1 when it stops. */
static int tick_wait(time_t seconds)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += seconds;
    pthread_mutex_lock(&g_tick_mu);
    while (!g_tick_stop && pthread_cond_timedwait(&g_tick_cv, &g_tick_mu, &until) == 0) {
    }
    int stop = g_tick_stop;
    pthread_mutex_unlock(&g_tick_mu);
    return stop;
}

/* The server's own scheduler: publish withheld registrations whose end date has come
 * and run the AI Act case timers at start-up and then every 30 seconds (algoreg tick
 * does the same from cron); and, when witnesses are configured, push each new
 * checkpoint to them every second or so (a push that finds nothing new costs one read). */
static void *ticker(void *arg)
{
    struct ar_app *app = arg;
    time_t last_tick = 0;
    int wait = app->witnesses && app->witnesses->n ? 1 : 30;
    for (int stop = tick_stopped(); !stop; stop = tick_wait(wait)) {
        struct ar_store *s = NULL;
        int n = 0;
        if (ar_store_open(&s, app->db_path, 0) == 0) {
            time_t now = time(NULL);
            if (now - last_tick >= 30) {
                last_tick = now;
                if (ar_exception_tick(s, app->seal, &n) == 0 && n > 0)
                    ar_msg(AR_MSG_NOTICE, "published %d withheld registration(s)", n);
                if (app->aiact && ar_case_tick(s, app->aiact, &n) == 0 && n > 0)
                    ar_msg(AR_MSG_NOTICE, "timers moved %d case(s)", n);
            }
            if (app->witnesses && app->witnesses->n && app->signer &&
                ar_witness_push(s, app->signer, app->witnesses, &n))
                ar_msg(AR_MSG_ERR, "witnesses: could not record the push");
            ar_store_close(s);
        }
    }
    return NULL;
}

/* Link monitoring in its own thread: a run waits on other sites for up to seconds per
 * link, which must not delay the witnesses or the timers. */
static void *link_checker(void *arg)
{
    struct ar_app *app = arg;
    for (int stop = tick_stopped(); !stop; stop = tick_wait((time_t)app->link_minutes * 60)) {
        struct ar_store *s = NULL;
        int checked = 0, broken = 0;
        if (ar_store_open(&s, app->db_path, 0) == 0) {
            if (ar_links_run(s, NULL, &checked, &broken))
                ar_msg(AR_MSG_ERR, "links: the results could not be stored");
            else if (checked)
                ar_msg(AR_MSG_NOTICE, "links: %d checked, %d broken", checked, broken);
            ar_store_close(s);
        }
    }
    return NULL;
}

/* The vocabulary similar entries are ranked by, renewed in a thread of its own: counting
 * it over a large PostgreSQL register takes long enough that neither a visitor nor the
 * publication of withheld entries should wait for it. */
static void *vocab_keeper(void *arg)
{
    struct ar_app *app = arg;
    for (int stop = tick_stopped(); !stop; stop = tick_wait(30)) {
        struct ar_store *s = NULL;
        if (ar_store_open(&s, app->db_path, 0) == 0) {
            if (ar_store_similar_refresh(s))
                ar_msg(AR_MSG_ERR, "similar entries: the vocabulary could not be counted");
            ar_store_close(s);
        }
    }
    return NULL;
}

/* PostgreSQL: the change counter kept in memory from the writers' notifications, so a
 * page served from the cache costs no round trip to the database. */
static void *watcher(void *arg)
{
    struct ar_app *app = arg;
    ar_store_watch(app->db_path, tick_stopped);
    return NULL;
}

/* E-mail notices in their own thread, like the links: a slow relay must not hold up
 * the publication of withheld entries. Every two seconds what waits is sent; every 30,
 * reminders of end dates are queued and old messages dropped. */
static void *mailer(void *arg)
{
    struct ar_app *app = arg;
    time_t last = 0;
    for (int stop = tick_stopped(); !stop; stop = tick_wait(2)) {
        struct ar_store *s = NULL;
        int n = 0, sent = 0, failed = 0;
        if (ar_store_open(&s, app->db_path, 0) == 0) {
            time_t now = time(NULL);
            if (now - last >= 30) {
                last = now;
                if (ar_notice_due_soon(s, &n) == 0 && n > 0)
                    ar_msg(AR_MSG_NOTICE, "mail: %d reminder(s) of end dates queued", n);
                if (ar_notice_purge(s))
                    ar_msg(AR_MSG_ERR, "mail: old messages could not be deleted");
            }
            if (ar_notice_send(s, app->notice, &sent, &failed))
                ar_msg(AR_MSG_ERR, "mail: the outcome of sending could not be recorded");
            else if (sent)
                ar_msg(AR_MSG_INFO, "mail: %d notice(s) sent", sent);
            ar_store_close(s);
        }
    }
    return NULL;
}

/* On the way out: the log's last state signed, and the WAL folded into the database. */
static void final_checkpoint(struct ar_app *app)
{
    struct ar_store *s = NULL;
    struct ar_buf cp;
    ar_buf_init(&cp, 0);
    if (ar_store_open(&s, app->db_path, 0) == 0) {
        if (ar_log_checkpoint(s, app->signer, &cp) != 0)
            ar_msg(AR_MSG_ERR, "the final checkpoint could not be signed");
        if (ar_store_flush(s) != 0)
            ar_msg(AR_MSG_ERR, "the database's write-ahead log could not be folded in");
    }
    ar_store_close(s);
    ar_buf_free(&cp);
}

/* A socket handed over by systemd (socket activation) in *fd, -1 for none; AR_EINVAL
 * (said why) when what was passed is not one listening stream socket. */
static int activated_socket(int *fd)
{
    int n = sd_listen_fds(1);
    *fd = -1;
    if (n <= 0)
        return 0;
    if (n > 1) {
        ar_msg(AR_MSG_ERR, "socket activation passed %d sockets; algoreg listens on one", n);
        return AR_EINVAL;
    }
    if (sd_is_socket(SD_LISTEN_FDS_START, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
        ar_msg(AR_MSG_ERR, "the socket systemd passed is not a listening stream socket");
        return AR_EINVAL;
    }
    *fd = SD_LISTEN_FDS_START;
    return 0;
}

/* Bind and listen on addr ourselves, so a port in use or a forbidden one is said in
 * one line with the system's reason; -1 when that failed. */
static int listen_on(const struct sockaddr_in *addr, const char *text)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (const struct sockaddr *)addr, sizeof *addr) != 0 || listen(fd, 1024) != 0) {
        ar_msg(AR_MSG_ERR, "cannot listen on %s: %s", text, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* libmicrohttpd's own complaints, in the same form as ours. */
__attribute__((format(printf, 2, 0))) static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char text[512];
    vsnprintf(text, sizeof text, fmt, ap);
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = '\0';
    ar_msg(AR_MSG_WARNING, "http: %s", text);
}

/* Tell systemd (when it started us with Type=notify; a no-op otherwise). */
static void notify_state(const char *state, const char *status)
{
    sd_notifyf(0, "%s\nSTATUS=%s", state, status);
}

int ar_server_run(struct ar_app *app, const char *listen, int threads)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    char host[64];
    const char *colon = strrchr(listen, ':');
    int rc = 0;
    int fd;
    if (activated_socket(&fd))
        return AR_EINVAL;
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host) {
        ar_msg(AR_MSG_ERR, "--listen must be ADDR:PORT, not %s", listen);
        return AR_EINVAL;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        ar_msg(AR_MSG_ERR, "--listen must be an IPv4 ADDR:PORT, not %s", listen);
        return AR_EINVAL;
    }
    sa.sin_port = htons((uint16_t)port);
    if (ar_server_check_routes(app))
        return AR_EINVAL;
    int ntables;
    const struct ar_route *const *tables = ar_server_tables(app, &ntables);
    ar_metrics_init(tables, ntables);
    g_app = app;
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 2;
    }
    /* SIGINT, SIGTERM and SIGHUP are blocked in every thread (the server's threads
     * inherit this mask) and taken synchronously below: a handler could run on any
     * thread while the main thread kept waiting. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    int own = fd < 0;
    if (own && (fd = listen_on(&sa, listen)) < 0)
        return AR_EIO;
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC, 0, NULL,
        NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
        MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, NULL, MHD_OPTION_END);
    if (!d) {
        ar_msg(AR_MSG_ERR, "the HTTP server could not start on %s",
               own ? listen : "the socket systemd passed");
        if (own)
            close(fd);
        return AR_EIO;
    }
    char status[128];
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (!own)
        snprintf(status, sizeof status, "serving on the socket systemd passed (port %u)",
                 info ? info->port : 0u);
    else
        snprintf(status, sizeof status, "serving http://%s:%u/", host,
                 info ? info->port : (unsigned)port);
    ar_msg(AR_MSG_NOTICE, "%s with %d threads", status, threads);
    pthread_t tick_thread = 0;
    int ticking = app->seal && !app->tables && pthread_create(&tick_thread, NULL, ticker, app) == 0;
    pthread_t link_thread = 0;
    int linking = app->link_minutes > 0 && !app->tables &&
                  pthread_create(&link_thread, NULL, link_checker, app) == 0;
    pthread_t vocab_thread = 0;
    int vocab = !app->tables && pthread_create(&vocab_thread, NULL, vocab_keeper, app) == 0;
    pthread_t mail_thread = 0;
    int mailing =
        app->notice && !app->tables && pthread_create(&mail_thread, NULL, mailer, app) == 0;
    pthread_t watch_thread = 0;
    int watching = !app->tables && ar_store_is_pg_uri(app->db_path) &&
                   pthread_create(&watch_thread, NULL, watcher, app) == 0;
    notify_state("READY=1", status);
    /* The watchdog, when the unit sets WatchdogSec: a ping at half the interval from
     * this loop, which only runs while the process is healthy enough to take signals. */
    uint64_t wd_usec = 0;
    if (sd_watchdog_enabled(0, &wd_usec) <= 0)
        wd_usec = 0;
    for (;;) {
        int sig;
        if (wd_usec) {
            struct timespec half = {(time_t)(wd_usec / 2000000),
                                    (long)(wd_usec / 2 % 1000000) * 1000};
            sig = sigtimedwait(&sigs, NULL, &half);
            sd_notify(0, "WATCHDOG=1");
            if (sig < 0)
                continue;
        } else if (sigwait(&sigs, &sig) != 0) {
            continue;
        }
        if (sig != SIGHUP)
            break;
        /* Reload: the configuration is read again; connections stay open. */
        struct timespec mono;
        clock_gettime(CLOCK_MONOTONIC, &mono);
        sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading the configuration",
                   (unsigned long long)mono.tv_sec * 1000000ull +
                       (unsigned long long)mono.tv_nsec / 1000ull);
        if (!app->reload)
            ar_msg(AR_MSG_NOTICE, "SIGHUP: nothing to reload");
        else if (app->reload(app) == 0)
            ar_msg(AR_MSG_NOTICE, "configuration reloaded");
        else
            ar_msg(AR_MSG_ERR, "configuration not reloaded; the running settings stay");
        notify_state("READY=1", status);
    }
    /* Graceful: new requests are turned away (503), those in flight finish (at most 10 s), then
     * stop the threads, write the WAL into the database and sign a final checkpoint. */
    notify_state("STOPPING=1", "finishing requests in flight, then a final checkpoint");
    ar_msg(AR_MSG_NOTICE, "shutting down");
    g_draining = 1;
    for (int i = 0; i < 1000 && g_inflight > 0; i++) {
        struct timespec ten_ms = {0, 10 * 1000 * 1000};
        nanosleep(&ten_ms, NULL);
    }
    MHD_stop_daemon(d); /* closes the listening socket and the idle connections */
    /* the background threads all wait on one condition: one broadcast stops them */
    pthread_mutex_lock(&g_tick_mu);
    g_tick_stop = 1;
    pthread_cond_broadcast(&g_tick_cv);
    pthread_mutex_unlock(&g_tick_mu);
    if (ticking)
        pthread_join(tick_thread, NULL);
    if (linking)
        pthread_join(link_thread, NULL);
    if (mailing)
        pthread_join(mail_thread, NULL);
    if (vocab)
        pthread_join(vocab_thread, NULL);
    if (watching)
        pthread_join(watch_thread, NULL);
    pthread_mutex_lock(&g_stores_mu);
    for (int i = 0; i < g_nstores; i++)
        ar_store_close(g_stores[i]);
    g_nstores = 0;
    pthread_mutex_unlock(&g_stores_mu);
    if (!app->tables && app->signer)
        final_checkpoint(app);
    ar_cache_clear();
    return rc;
}
