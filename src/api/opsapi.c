/* opsapi.c — what an operator's tools ask: liveness (/healthz), readiness (/readyz: the
 * database answers at the schema this binary expects, the log can sign) and Prometheus
 * metrics (/metrics): requests and latencies per route, database statement timings, the
 * log's size and the age of its last checkpoint, withheld entries past their end date
 * (which must stay 0) and biometric-identification requests overdue. Counts only: no
 * content, names or ids. */
#include "api/api.h"
#include "auth/auth.h"
#include "base/cache.h"
#include "base/clock.h"
#include "base/err.h"
#include "http/metrics.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define ALGOREG_VERSION "0.1.0"

static void h_healthz(struct ar_req *r)
{
    r->ctype = "text/plain; charset=utf-8";
    ar_req_header(r, "Cache-Control", "no-store");
    ar_buf_puts(&r->out, "ok\n");
}

static void h_readyz(struct ar_req *r)
{
    const char *why = NULL;
    if (ar_store_ping(r->store))
        why = "the database does not answer";
    else if (ar_store_schema_version(r->store) <= 0)
        why = "the database has no schema";
    else if (!r->app->signer)
        why = "the log's signing key is not loaded";
    ar_req_header(r, "Cache-Control", "no-store");
    if (why) {
        ar_resp_problem(r, 503, "unavailable", "Not ready", why, NULL);
        return;
    }
    json_t *v =
        json_pack("{s:s, s:i}", "status", "ready", "schema", ar_store_schema_version(r->store));
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void gauge(struct ar_buf *b, const char *name, const char *help, long long v)
{
    ar_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", name, help, name, name, v);
}

static void h_metrics(struct ar_req *r)
{
    time_t now = ar_clock_now();
    struct tm tm;
    char today[11];
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    json_t *f = NULL;
    if (ar_store_ops_figures(r->store, today, (long long)now, &f)) {
        ar_resp_problem(r, 503, "unavailable", "Service unavailable",
                        "the database does not answer", NULL);
        return;
    }
    r->ctype = "text/plain; version=0.0.4; charset=utf-8";
    ar_req_header(r, "Cache-Control", "no-store");
    struct ar_buf *b = &r->out;
    ar_buf_printf(b,
                  "# HELP algoreg_build_info The running version.\n# TYPE algoreg_build_info"
                  " gauge\nalgoreg_build_info{version=\"%s\"} 1\n",
                  ALGOREG_VERSION);
    ar_metrics_render(b);
    long long cp = json_integer_value(json_object_get(f, "checkpoint_time"));
    gauge(b, "algoreg_log_size", "Leaves in the transparency log.",
          json_integer_value(json_object_get(f, "log_size")));
    gauge(b, "algoreg_log_checkpoint_age_seconds",
          "Seconds since the latest signed checkpoint (-1: none yet).",
          cp ? (long long)now - cp : -1);
    gauge(b, "algoreg_withheld_entries", "Registrations withheld now.",
          json_integer_value(json_object_get(f, "withheld")));
    gauge(b, "algoreg_withheld_past_end_date",
          "Registrations still withheld on or after their end date: must stay 0.",
          json_integer_value(json_object_get(f, "withheld_past_end")));
    gauge(b, "algoreg_rbi_requests_overdue",
          "Biometric-identification uses waiting for authorisation past their deadline.",
          json_integer_value(json_object_get(f, "rbi_overdue")));
    gauge(b, "algoreg_mail_waiting", "E-mail notices not sent yet (being tried or retried).",
          json_integer_value(json_object_get(f, "mail_waiting")));
    gauge(b, "algoreg_mail_failed",
          "E-mail notices given up in the last 30 days (algoreg mail list says why).",
          json_integer_value(json_object_get(f, "mail_failed")));
    json_decref(f);
    struct ar_cache_stats cs;
    ar_cache_stats(&cs);
    gauge(b, "algoreg_page_cache_bytes", "Bytes of pages and responses kept in this process.",
          (long long)cs.bytes);
    gauge(b, "algoreg_page_cache_rendering",
          "Cacheable pages being rendered now (one request per page renders it).",
          (long long)cs.rendering);
    gauge(b, "algoreg_page_cache_waiting",
          "Requests waiting for another request's render of the same page.", (long long)cs.waiting);
}

const struct ar_route ar_ops_routes[] = {
    {"GET", "/healthz", h_healthz, "Liveness: the process answers", AR_ROLE_PUBLIC},
    {"GET", "/readyz", h_readyz, "Readiness: database and signing key", AR_ROLE_PUBLIC},
    {"GET", "/metrics", h_metrics, "Prometheus metrics (counts only)", AR_ROLE_PUBLIC},
    {NULL, NULL, NULL, NULL, 0},
};
