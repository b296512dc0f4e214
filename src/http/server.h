/* server.h — the HTTP server (libmicrohttpd) and router. */
#ifndef AR_HTTP_SERVER_H
#define AR_HTTP_SERVER_H

#include "api/app.h"

#define AR_HTTP_MAX_BODY (1u << 20) /* 1 MiB; larger bodies get 413 */
#define AR_HTTP_MAX_URL 4096        /* longer URLs get 414 */

/* Serve until SIGINT or SIGTERM; SIGHUP calls app->reload. listen is "ADDR:PORT",
 * unused when systemd passed a listening socket (socket activation). threads 0 = one
 * per core. Under systemd with Type=notify: READY=1 once listening, RELOADING=1 and
 * STOPPING=1 as they happen, and watchdog pings when the unit asks for them. */
int ar_server_run(struct ar_app *app, const char *listen, int threads);
/* Replace the access log (FILE, or journal fields when journal is set) while serving;
 * the old stream is closed unless it is stderr. */
void ar_server_set_access_log(struct ar_app *app, FILE *f, int journal);

/* The route tables of app (the register's, or a witness's own), *n of them. */
const struct ar_route *const *ar_server_tables(const struct ar_app *app, int *n);
/* AR_EINVAL, naming each on stderr, when a route has no access rule. */
int ar_server_check_routes(const struct ar_app *app);

/* Route one request (used by the server and by in-process tests). */
void ar_server_dispatch(struct ar_req *r);

#endif
