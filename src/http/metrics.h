/* metrics.h — request counts and latency histograms per route, kept in atomic counters
 * (no lock on the request path) and written in the Prometheus text format. The router's
 * tables give every route a slot; requests that matched none (404, and those refused
 * before routing: 413, 414, 429) share one. */
#ifndef AR_HTTP_METRICS_H
#define AR_HTTP_METRICS_H

#include "base/buf.h"
#include "http/req.h"

/* Give each route of tables a slot (call once, before serving). */
void ar_metrics_init(const struct ar_route *const *tables, int ntables);
/* One answered request: its route (NULL when none matched), status and duration. */
void ar_metrics_observe(const struct ar_route *rt, int status, double seconds);
/* Append the request metrics (and the database statement timings) to out. */
void ar_metrics_render(struct ar_buf *out);

#endif
