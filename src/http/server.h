/* server.h — the HTTP server (libmicrohttpd) and router. */
#ifndef AR_HTTP_SERVER_H
#define AR_HTTP_SERVER_H

#include "api/app.h"

#define AR_HTTP_MAX_BODY (1u << 20) /* 1 MiB; larger bodies get 413 */
#define AR_HTTP_MAX_URL 4096        /* longer URLs get 414 */

/* Serve until SIGINT or SIGTERM. listen is "ADDR:PORT". threads 0 = one per core. */
int ar_server_run(struct ar_app *app, const char *listen, int threads);

/* The route tables of app (the register's, or a witness's own), *n of them. */
const struct ar_route *const *ar_server_tables(const struct ar_app *app, int *n);
/* AR_EINVAL, naming each on stderr, when a route has no access rule. */
int ar_server_check_routes(const struct ar_app *app);

/* Route one request (used by the server and by in-process tests). */
void ar_server_dispatch(struct ar_req *r);

#endif
