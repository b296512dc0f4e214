/* api.h — the JSON API under /api/v1 and the query parsing it shares with the site. */
#ifndef AR_API_API_H
#define AR_API_API_H

#include "api/app.h"
#include "store/store.h"

/* Parse search parameters (q, organization, status, publication_category, theme, ai,
 * sort, page, per_page) from the request into q. Problems are appended (parameter
 * name as field). Returns 0 or AR_EINVAL. */
int ar_api_parse_query(const struct ar_req *r, struct ar_query *q, json_t *problems);

/* Validate an {id} path parameter; on failure writes a 400 problem and returns -1. */
int ar_api_check_id(struct ar_req *r, const char *id);

#endif
