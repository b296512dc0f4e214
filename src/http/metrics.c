/* metrics.c — per-route request metrics (see metrics.h). */
#include "http/metrics.h"
#include "store/store.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#define SLOTS 256
#define NB 13 /* latency buckets, the last is +Inf */

static const double bounds[NB - 1] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

static struct {
    const struct ar_route *const *tables;
    int ntables;
    int offset[16], len[16];
    int nslots; /* the last slot is "no route" */
} g;

static _Atomic uint64_t counts[SLOTS][5]; /* status classes 1xx..5xx */
static _Atomic uint64_t buckets[SLOTS][NB];
static _Atomic uint64_t sum_us[SLOTS];

void ar_metrics_init(const struct ar_route *const *tables, int ntables)
{
    int n = 0;
    g.tables = tables;
    g.ntables = ntables < 16 ? ntables : 16;
    for (int t = 0; t < g.ntables; t++) {
        g.offset[t] = n;
        int len = 0;
        while (tables[t][len].method)
            len++;
        g.len[t] = len;
        n += len;
    }
    g.nslots = n < SLOTS - 1 ? n : SLOTS - 1;
}

static int slot_of(const struct ar_route *rt)
{
    for (int t = 0; rt && t < g.ntables; t++)
        if (rt >= g.tables[t] && rt < g.tables[t] + g.len[t]) {
            int s = g.offset[t] + (int)(rt - g.tables[t]);
            return s < g.nslots ? s : g.nslots;
        }
    return g.nslots;
}

void ar_metrics_observe(const struct ar_route *rt, int status, double seconds)
{
    int s = slot_of(rt), c = status / 100 - 1, b = 0;
    if (c < 0 || c > 4)
        c = 4;
    while (b < NB - 1 && seconds > bounds[b])
        b++;
    atomic_fetch_add_explicit(&counts[s][c], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&buckets[s][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sum_us[s], (uint64_t)(seconds * 1e6), memory_order_relaxed);
}

static void labels(struct ar_buf *out, int s)
{
    if (s == g.nslots) {
        ar_buf_puts(out, "method=\"\",route=\"(none)\"");
        return;
    }
    for (int t = 0; t < g.ntables; t++)
        if (s >= g.offset[t] && s < g.offset[t] + g.len[t]) {
            const struct ar_route *rt = &g.tables[t][s - g.offset[t]];
            ar_buf_printf(out, "method=\"%s\",route=\"%s\"", rt->method, rt->pattern);
            return;
        }
}

void ar_metrics_render(struct ar_buf *out)
{
    static const char *const classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    ar_buf_puts(out, "# HELP algoreg_http_requests_total Requests answered, by route and status"
                     " class.\n# TYPE algoreg_http_requests_total counter\n");
    for (int s = 0; s <= g.nslots; s++)
        for (int c = 0; c < 5; c++) {
            uint64_t v = atomic_load_explicit(&counts[s][c], memory_order_relaxed);
            if (!v)
                continue;
            ar_buf_puts(out, "algoreg_http_requests_total{");
            labels(out, s);
            ar_buf_printf(out, ",code=\"%s\"} %llu\n", classes[c], (unsigned long long)v);
        }
    ar_buf_puts(out, "# HELP algoreg_http_request_duration_seconds Time from the request to"
                     " the answer, by route.\n# TYPE algoreg_http_request_duration_seconds"
                     " histogram\n");
    for (int s = 0; s <= g.nslots; s++) {
        uint64_t total = 0, seen[NB];
        for (int b = 0; b < NB; b++)
            total += seen[b] = atomic_load_explicit(&buckets[s][b], memory_order_relaxed);
        if (!total)
            continue;
        uint64_t cum = 0;
        for (int b = 0; b < NB; b++) {
            cum += seen[b];
            ar_buf_puts(out, "algoreg_http_request_duration_seconds_bucket{");
            labels(out, s);
            if (b < NB - 1)
                ar_buf_printf(out, ",le=\"%g\"} %llu\n", bounds[b], (unsigned long long)cum);
            else
                ar_buf_printf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
        }
        ar_buf_puts(out, "algoreg_http_request_duration_seconds_sum{");
        labels(out, s);
        ar_buf_printf(out, "} %.6f\nalgoreg_http_request_duration_seconds_count{",
                      (double)atomic_load_explicit(&sum_us[s], memory_order_relaxed) / 1e6);
        labels(out, s);
        ar_buf_printf(out, "} %llu\n", (unsigned long long)cum);
    }
    /* The database's statements, timed by SQLite's profile hook (store/sqlite.c). */
    uint64_t db[AR_DB_BUCKETS], n = 0, ns = 0;
    ar_store_timings(db, &n, &ns);
    ar_buf_puts(out, "# HELP algoreg_db_statement_duration_seconds Time SQLite spent on each"
                     " statement.\n# TYPE algoreg_db_statement_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (int b = 0; b < AR_DB_BUCKETS; b++) {
        cum += db[b];
        if (b < AR_DB_BUCKETS - 1)
            ar_buf_printf(out, "algoreg_db_statement_duration_seconds_bucket{le=\"%g\"} %llu\n",
                          ar_store_timing_bounds[b], (unsigned long long)cum);
        else
            ar_buf_printf(out, "algoreg_db_statement_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                          (unsigned long long)cum);
    }
    ar_buf_printf(out,
                  "algoreg_db_statement_duration_seconds_sum %.9f\n"
                  "algoreg_db_statement_duration_seconds_count %llu\n",
                  (double)ns / 1e9, (unsigned long long)n);
}
