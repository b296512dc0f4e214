/* exapi.c — the law-enforcement exception over HTTP: closing an investigation,
 * extension requests and decisions, the supervisor's sealed view, and statistics. The
 * withholding itself is requested with the registration (POST /api/v1/registrations
 * with a "withhold" member). */
#include "api/api.h"
#include "auth/auth.h"
#include "base/err.h"
#include "exception/exception.h"
#include "json/json.h"
#include "model/record.h"

#include <stdlib.h>
#include <string.h>

static void fail(struct ar_req *r, int rc, json_t *pr)
{
    ar_api_fail(r, rc, pr, "exception", "The request breaks a rule of the exception");
}

static const char *registrant(struct ar_req *r)
{
    return ar_api_require_token(r);
}

static const char *supervisor(struct ar_req *r)
{
    const char *who = ar_app_auth_supervisor(r);
    if (!who) {
        ar_req_header(r, "WWW-Authenticate", "Bearer realm=\"algoreg\"");
        ar_resp_problem(r, ar_app_auth(r) ? 403 : 401, "forbidden", "Supervisors only",
                        "only the supervisor (the data-protection authority) may do this", NULL);
    }
    return who;
}

static int ready(struct ar_req *r)
{
    if (!r->app->seal || !r->app->exception) {
        ar_resp_problem(r, 503, "unavailable", "Service unavailable",
                        "the exception is not configured on this server", NULL);
        return 0;
    }
    return !ar_api_check_id(r, r->params[0]);
}

static void public_view(struct ar_req *r, int status)
{
    json_t *v = NULL;
    int rc = ar_exception_public(r->store, r->params[0], &v);
    if (rc) {
        json_t *pr = json_array();
        ar_problem_add(pr, "id", "withheld", "registration %s was never withheld", r->params[0]);
        fail(r, rc, pr);
        json_decref(pr);
        return;
    }
    ar_resp_json(r, status, v);
    json_decref(v);
}

static void h_get(struct ar_req *r)
{
    if (!ar_api_check_id(r, r->params[0]))
        public_view(r, 200);
}

static void h_close(struct ar_req *r)
{
    const char *who;
    if (!ready(r) || !(who = registrant(r)) || !ar_api_owns(r, r->params[0]))
        return;
    json_t *pr = json_array();
    int rc = ar_exception_close(r->store, r->app->seal, r->params[0], who, pr);
    if (rc)
        fail(r, rc, pr);
    else
        public_view(r, 200);
    json_decref(pr);
}

static void h_extend(struct ar_req *r)
{
    const char *who;
    json_t *b;
    if (!ready(r) || !(who = registrant(r)) || !ar_api_owns(r, r->params[0]) ||
        !(b = ar_api_body_object(r, "exception")))
        return;
    json_t *pr = json_array();
    long long id = 0;
    int rc = ar_exception_extend(r->store, r->app->seal, r->app->exception, r->params[0], b, who,
                                 pr, &id);
    if (rc) {
        fail(r, rc, pr);
    } else {
        json_t *v = json_pack("{s:I, s:s}", "id", (json_int_t)id, "state", "requested");
        ar_resp_json(r, 201, v);
        json_decref(v);
    }
    json_decref(pr);
    json_decref(b);
}

static void h_decide(struct ar_req *r)
{
    const char *who;
    json_t *b;
    if (!ready(r) || !(who = supervisor(r)) || !(b = ar_api_body_object(r, "exception")))
        return;
    char *end;
    long long ext = strtoll(r->params[1], &end, 10);
    json_t *pr = json_array();
    int rc;
    if (*end || ext < 1) {
        ar_problem_add(pr, "extension", "exists", "not an extension request number");
        rc = AR_EINVAL;
    } else {
        rc = ar_exception_decide(r->store, r->app->seal, r->app->exception, r->params[0], ext, b,
                                 who, pr);
    }
    if (rc)
        fail(r, rc, pr);
    else
        public_view(r, 200);
    json_decref(pr);
    json_decref(b);
}

/* The sealed content: the supervisor, and the organisation that withholds it. */
static void h_sealed(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    if (!ready(r))
        return;
    if (!p || !p->org[0] ? !supervisor(r) : !ar_api_owns(r, r->params[0]))
        return;
    json_t *v = NULL;
    json_t *pr = json_array();
    int rc = ar_exception_sealed(r->store, r->app->seal, r->params[0], &v);
    if (rc) {
        ar_problem_add(pr, "id", "withheld", "registration %s was never withheld", r->params[0]);
        fail(r, rc, pr);
    } else {
        ar_req_header(r, "Cache-Control", "no-store");
        ar_resp_json(r, 200, v);
    }
    json_decref(v);
    json_decref(pr);
}

static void h_stats(struct ar_req *r)
{
    json_t *v = NULL;
    int rc = ar_exception_stats(r->store, &v);
    if (rc) {
        fail(r, AR_EIO, NULL);
        return;
    }
    ar_resp_json(r, 200, v);
    json_decref(v);
}

/* Withholding is decided when registering. Later it would hide what the public has
 * already seen, which the policy forbids: what is public stays public. */
static void h_withhold_later(struct ar_req *r)
{
    if (ar_api_check_id(r, r->params[0]) || !registrant(r) || !ar_api_owns(r, r->params[0]))
        return;
    json_t *pr = json_array();
    json_t *wh = NULL;
    if (ar_exception_public(r->store, r->params[0], &wh) == 0)
        ar_problem_add(pr, "id", "already_withheld",
                       "registration %s already has a withholding; request an extension instead",
                       r->params[0]);
    else
        ar_problem_add(pr, "id", "already_public",
                       "registration %s is public; what is public stays public (a withholding is"
                       " requested when registering)",
                       r->params[0]);
    json_decref(wh);
    ar_resp_problem(r, 409, "conflict", "Conflict", NULL, pr);
    json_decref(pr);
}

/* Anyone may check a revealed commitment: SHA-256(salt ‖ canonical JSON of content). */
static void h_check_commitment(struct ar_req *r)
{
    json_t *b = ar_api_body_object(r, "exception");
    if (!b)
        return;
    json_t *pr = json_array();
    const char *field;
    int rc = ar_commitment_check(ar_json_str(b, "commitment"), ar_json_str(b, "salt"),
                                 json_object_get(b, "content"), &field);
    if (rc == AR_EINVAL)
        ar_problem_add(pr, field, strcmp(field, "content") == 0 ? "type" : "format",
                       strcmp(field, "commitment") == 0 ? "commitment must be 64 hex digits"
                       : strcmp(field, "salt") == 0
                           ? "salt must be at least 32 bytes in base64"
                           : "content must be JSON without fractional numbers");
    else if (rc)
        ar_problem_add(pr, "salt", "commitment_mismatch",
                       "SHA-256(salt ‖ canonical content) does not equal the commitment:"
                       " wrong salt or altered content");
    if (json_array_size(pr)) {
        ar_resp_problem(r, 422, "commitment", "The commitment does not check", NULL, pr);
    } else {
        json_t *v =
            json_pack("{s:b, s:s}", "matches", 1, "commitment", ar_json_str(b, "commitment"));
        ar_resp_json(r, 200, v);
        json_decref(v);
    }
    json_decref(pr);
    json_decref(b);
}

const struct ar_route ar_exception_routes[] = {
    {"POST", "/api/v1/registrations/{id}/withholding", h_withhold_later,
     "Withholding an existing registration (refused: what is public stays public)", AR_ROLE_ORG},
    {"POST", "/api/v1/log/commitments/check", h_check_commitment, "Check a revealed commitment",
     AR_ROLE_PUBLIC},
    {"GET", "/api/v1/registrations/{id}/withholding", h_get, "Public facts of a withholding",
     AR_ROLE_PUBLIC},
    {"POST", "/api/v1/registrations/{id}/withholding/close", h_close,
     "The investigation is closed: publish now", AR_ROLE_ORG},
    {"POST", "/api/v1/registrations/{id}/withholding/extensions", h_extend, "Request an extension",
     AR_ROLE_ORG},
    {"POST", "/api/v1/registrations/{id}/withholding/extensions/{ext}/decision", h_decide,
     "A supervisor decides on an extension", AR_ROLE_SUPERVISOR_BIT},
    {"GET", "/api/v1/registrations/{id}/withholding/sealed", h_sealed,
     "The sealed content, for the supervisor", AR_ROLE_ORG | AR_ROLE_SUPERVISOR_BIT},
    {"GET", "/api/v1/statistics/withholding", h_stats, "Withholding statistics", AR_ROLE_PUBLIC},
    {NULL, NULL, NULL, NULL, 0},
};
