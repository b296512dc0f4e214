/* api.h — the JSON API under /api/v1 and the query parsing it shares with the site. */
#ifndef AR_API_API_H
#define AR_API_API_H

#include "api/app.h"
#include "store/store.h"

#include <stdint.h>

/* Parse search parameters (q, organization, status, publication_category, theme, ai,
 * sort, page, per_page) from the request into q. Problems are appended (parameter
 * name as field). Returns 0 or AR_EINVAL. */
int ar_api_parse_query(const struct ar_req *r, struct ar_query *q, json_t *problems);

/* The author name of a valid write token, or NULL after writing a 401 problem. */
const char *ar_api_require_token(struct ar_req *r);
/* The request body as JSON within the intake limits, or NULL after writing a problem
 * (415 for another content type, 400 invalid JSON or UTF-8, 413 too large). */
json_t *ar_api_body_json(struct ar_req *r);
/* The same, and it must be an object (else 422 of the problem type given). */
json_t *ar_api_body_object(struct ar_req *r, const char *type);

/* The problem response for a module's error code: AR_EINVAL 422 (of type, with title),
 * AR_ENOTFOUND 404, AR_ECONFLICT 409, anything else 500 saying nothing was changed. */
void ar_api_fail(struct ar_req *r, int rc, json_t *problems, const char *type, const char *title);

/* Quality helpers shared with the pages (qualapi.c): the report-form key, an
 * organisation's quality summary, and the dashboard figures. */
int ar_api_report_key(const struct ar_app *app, uint8_t key[32]);
int ar_api_org_quality(struct ar_req *r, const char *slug, json_t **out);
int ar_api_dashboard(struct ar_req *r, json_t **out);

/* Organisation scoping for principals tied to one organisation (registrants and
 * approvers): owns — registration id is theirs (unknown ids pass, for the handler's
 * 404); may_write — and the record names their organisation (id NULL on create), and a
 * service token writes only when the server allows it (--service-tokens-publish).
 * Others pass. On refusal a 403 problem is written and 0 returned. */
int ar_api_owns(struct ar_req *r, const char *id);
int ar_api_may_write(struct ar_req *r, const char *id, const json_t *rec);

/* Four eyes (draftapi.c): whether r's writes wait for an approver — they do for every
 * account tied to an organisation; the interim token file's tokens publish directly. */
int ar_api_four_eyes(struct ar_req *r);
/* Submit rec as a draft (lars NULL: a new registration) and answer 202 with it, 200
 * when nothing changed, or the problem. */
void ar_api_submit_draft(struct ar_req *r, const char *lars, const json_t *rec,
                         const json_t *withhold, const char *note, int base_version);

/* Answer with the registration as GET shows it (withholding and log position included),
 * with status; changed >= 0 adds "changed". */
void ar_api_registration(struct ar_req *r, const char *id, int status, int changed);

/* Validate an {id} path parameter: 400 for a malformed one, and 410 Gone for a
 * retracted registration unless the request is from its own organisation; on failure
 * the problem is written and -1 returned. */
int ar_api_check_id(struct ar_req *r, const char *id);
/* Whether registration id is retracted and hidden from r (not its organisation's);
 * retracted gets the time. */
int ar_api_hidden(struct ar_req *r, const char *id, char retracted[32]);

#endif
