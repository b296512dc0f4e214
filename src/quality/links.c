/* links.c — collect and check the register's links; see links.h. */
#include "quality/links.h"
#include "base/clock.h"
#include "base/err.h"
#include "json/json.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RECHECK_OK (24 * 3600)      /* a good link is looked at again after a day */
#define BACKOFF_MAX (7 * 24 * 3600) /* a failing one at most after a week */
#define COMMIT_EVERY 256

static int is_url(const char *s)
{
    return s && (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8)) && strlen(s) < 2000 &&
           !strpbrk(s, " \t\r\n\"<>");
}

struct collect {
    struct ar_store *s;
    int rc;
};

static void add(struct collect *c, const char *url, const char *lars, const char *field)
{
    if (!c->rc && is_url(url))
        c->rc = ar_store_link_ref_add(c->s, url, lars, field);
}

/* hrefs in rich text */
static void hrefs(struct collect *c, const char *html, const char *lars, const char *field)
{
    for (const char *p = strstr(html, "href=\""); p && !c->rc; p = strstr(p + 6, "href=\"")) {
        const char *s = p + 6, *e = strchr(s, '"');
        if (!e || e - s > 1999)
            continue;
        char *u = strndup(s, (size_t)(e - s));
        /* the sanitiser stores &amp; for & */
        for (char *q = strstr(u, "&amp;"); q; q = strstr(q + 1, "&amp;"))
            memmove(q + 1, q + 5, strlen(q + 5) + 1);
        add(c, u, lars, field);
        free(u);
    }
}

static void walk(struct collect *c, const json_t *v, const char *lars, const char *field, int depth)
{
    if (depth > 8)
        return;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (is_url(s))
            add(c, s, lars, field);
        else if (strstr(s, "href=\""))
            hrefs(c, s, lars, field);
    } else if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach ((json_t *)v, k, x)
            walk(c, x, lars, depth ? field : k, depth + 1);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach (v, i, x)
            walk(c, x, lars, field, depth + 1);
    }
}

static int each_doc(void *ctx, const char *doc)
{
    struct collect *c = ctx;
    json_t *d = json_loads(doc, 0, NULL);
    const char *lars = ar_json_str(d, "lars");
    if (lars)
        walk(c, d, lars, "", 0);
    json_decref(d);
    return c->rc;
}

struct job {
    char *url;
    int failures;
    int get; /* retried with GET after a HEAD the server refused */
    struct timespec t0;
};

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static CURL *start(const struct job *j, long timeout)
{
    CURL *h = curl_easy_init();
    if (!h)
        return NULL;
    curl_easy_setopt(h, CURLOPT_URL, j->url);
    curl_easy_setopt(h, CURLOPT_NOBODY, j->get ? 0L : 1L);
    if (j->get)
        curl_easy_setopt(h, CURLOPT_RANGE, "0-0");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout < 5 ? timeout : 5L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "algoreg-linkcheck/1 (register link monitoring)");
    curl_easy_setopt(h, CURLOPT_PRIVATE, (void *)j);
    return h;
}

int ar_links_run(struct ar_store *s, const struct ar_links_cfg *cfg, int *checked, int *broken)
{
    int conc = cfg && cfg->concurrency > 0 ? cfg->concurrency : 16;
    int per_host = cfg && cfg->per_host > 0 ? cfg->per_host : 4;
    long timeout = cfg && cfg->timeout > 0 ? cfg->timeout : 10;
    int limit = cfg && cfg->limit > 0 ? cfg->limit : 200000;
    *checked = *broken = 0;
    /* 1. where each URL stands now */
    struct collect c = {s, 0};
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    if (!(rc = ar_store_link_refs_reset(s)) && !(rc = ar_store_each_latest(s, each_doc, &c)))
        rc = c.rc;
    if (rc) {
        ar_store_rollback(s);
        return rc;
    }
    if ((rc = ar_store_commit(s)))
        return rc;
    /* 2. check what is due */
    time_t now = ar_clock_now();
    json_t *due = NULL;
    if ((rc = ar_store_links_due(s, (long long)now, limit, &due)))
        return rc;
    size_t n = json_array_size(due), next = 0;
    struct job *jobs = calloc(n ? n : 1, sizeof *jobs);
    for (size_t i = 0; i < n; i++) {
        jobs[i].url = (char *)ar_json_str(json_array_get(due, i), "url");
        jobs[i].failures =
            (int)json_integer_value(json_object_get(json_array_get(due, i), "failures"));
    }
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)per_host);
    curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)conc);
    int running = 0, pending = 0, in_tx = 0;
    char ts[32];
    ar_clock_fmt(ts, sizeof ts, now);
    while (!rc && (next < n || running || pending)) {
        while (pending < conc && next < n) {
            clock_gettime(CLOCK_MONOTONIC, &jobs[next].t0);
            CURL *h = start(&jobs[next], timeout);
            next++;
            if (h && curl_multi_add_handle(m, h) == CURLM_OK)
                pending++;
            else if (h)
                curl_easy_cleanup(h);
        }
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *h = msg->easy_handle;
            struct job *j = NULL;
            long status = 0;
            curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&j);
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
            CURLcode res = msg->data.result;
            curl_multi_remove_handle(m, h);
            curl_easy_cleanup(h);
            pending--;
            if (res == CURLE_OK && !j->get && (status == 405 || status == 501 || status == 403)) {
                /* some servers refuse HEAD: ask once more with a one-byte GET */
                j->get = 1;
                CURL *g = start(j, timeout);
                if (g && curl_multi_add_handle(m, g) == CURLM_OK) {
                    pending++;
                    continue;
                }
                if (g)
                    curl_easy_cleanup(g);
            }
            struct timespec t1;
            clock_gettime(CLOCK_MONOTONIC, &t1);
            long ms =
                (long)((t1.tv_sec - j->t0.tv_sec) * 1000 + (t1.tv_nsec - j->t0.tv_nsec) / 1000000);
            int ok = res == CURLE_OK && status >= 200 && status < 400;
            char err[200] = "";
            if (res != CURLE_OK)
                snprintf(err, sizeof err, "%s", curl_easy_strerror(res));
            else if (!ok)
                snprintf(err, sizeof err, "HTTP %ld", status);
            int failures = ok ? 0 : j->failures + 1;
            long long wait = ok ? RECHECK_OK : 3600LL << (failures > 8 ? 8 : failures - 1);
            if (wait > BACKOFF_MAX)
                wait = BACKOFF_MAX;
            if (!in_tx && (rc = ar_store_begin(s)))
                break;
            in_tx++;
            rc = ar_store_link_result(s, j->url, res == CURLE_OK ? (int)status : 0, ok ? NULL : err,
                                      ts, ms, failures, (long long)now + wait);
            if (!rc && in_tx >= COMMIT_EVERY) {
                rc = ar_store_commit(s);
                in_tx = 0;
            }
            (*checked)++;
            *broken += failures >= 2;
        }
        if (running || pending)
            curl_multi_poll(m, NULL, 0, 200, NULL);
    }
    if (in_tx) {
        if (rc)
            ar_store_rollback(s);
        else
            rc = ar_store_commit(s);
    }
    curl_multi_cleanup(m);
    free(jobs);
    json_decref(due);
    return rc;
}
