/* draftapi.c — four eyes over HTTP: an organisation's writes become drafts; its
 * approvers list, read (with the differences from the published version), approve or
 * reject them; authors withdraw their own. See src/approval. */
#include "api/api.h"
#include "approval/approval.h"
#include "auth/auth.h"
#include "base/err.h"
#include "json/json.h"
#include "model/record.h"
#include "quality/quality.h"

#include <stdlib.h>
#include <string.h>

static struct ar_approval_ctx ctx_of(const struct ar_req *r)
{
    return (struct ar_approval_ctx){r->app->seal, r->app->exception};
}

int ar_api_four_eyes(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    return p && p->account && p->org[0];
}

static void fail(struct ar_req *r, int rc, json_t *pr)
{
    if (rc == AR_EDENIED)
        ar_resp_problem(r, 403, "four-eyes", "Four eyes", NULL, pr);
    else if (rc == AR_EUNAVAIL)
        ar_resp_problem(r, 503, "unavailable", "Service unavailable",
                        "drafts need the sealing key on this server", NULL);
    else
        ar_api_fail(r, rc, pr, "validation", "The request breaks the register's rules");
}

void ar_api_submit_draft(struct ar_req *r, const char *lars, const json_t *rec,
                         const json_t *withhold, const char *note, int base_version)
{
    const struct ar_principal *p = ar_app_principal(r);
    struct ar_approval_ctx c = ctx_of(r);
    json_t *pr = json_array(), *v = NULL;
    long long id;
    int changed;
    int rc = ar_approval_submit(r->store, &c, p->name, p->org, lars, rec, withhold, note,
                                base_version, pr, &id, &changed);
    if (rc) {
        fail(r, rc, pr);
    } else if (!changed) {
        ar_api_registration(r, lars, 200, 0);
    } else if (ar_approval_get(r->store, &c, id, p->org, &v) == 0) {
        json_object_del(v, "withhold"); /* the answer repeats no sealed request */
        json_object_set_new(v, "quality", ar_quality_assess(rec));
        ar_req_header(r, "Location", ar_arena_printf(r->arena, "/api/v1/drafts/%lld", id));
        ar_resp_json(r, 202, v);
    }
    json_decref(v);
    json_decref(pr);
}

static long long draft_id(struct ar_req *r)
{
    char *end;
    long long id = strtoll(r->params[0], &end, 10);
    if (*end || id < 1) {
        json_t *pr = json_array();
        ar_problem_add(pr, "draft", "format", "a draft number is a positive integer");
        ar_resp_problem(r, 400, "bad-request", "Bad request", NULL, pr);
        json_decref(pr);
        return 0;
    }
    return id;
}

/* The gate admits organisations' people; a token without an organisation has no drafts. */
static const struct ar_principal *org_member(struct ar_req *r)
{
    const struct ar_principal *p = ar_app_principal(r);
    if (p && p->org[0])
        return p;
    ar_resp_problem(r, 409, "conflict", "No organisation",
                    "drafts belong to an organisation; this token has none", NULL);
    return NULL;
}

static void h_list(struct ar_req *r)
{
    const struct ar_principal *p = org_member(r);
    const char *state = ar_req_arg(r, "state");
    struct ar_approval_ctx c = ctx_of(r);
    json_t *list = NULL;
    if (!p)
        return;
    if (state && strcmp(state, "submitted") && strcmp(state, "approved") &&
        strcmp(state, "rejected") && strcmp(state, "withdrawn")) {
        json_t *pr = json_array();
        ar_problem_add(pr, "state", "permitted_values",
                       "state is submitted, approved, rejected or withdrawn");
        ar_resp_problem(r, 400, "bad-query", "Invalid query", NULL, pr);
        json_decref(pr);
        return;
    }
    if (ar_approval_list(r->store, &c, p->org, state, &list)) {
        fail(r, AR_EIO, NULL);
        return;
    }
    json_t *v = json_pack("{s:o}", "items", list);
    ar_req_header(r, "Cache-Control", "no-store");
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void h_get(struct ar_req *r)
{
    const struct ar_principal *p;
    long long id;
    struct ar_approval_ctx c = ctx_of(r);
    json_t *v = NULL;
    if (!(id = draft_id(r)) || !(p = org_member(r)))
        return;
    if (ar_approval_get(r->store, &c, id, p->org, &v)) {
        json_t *pr = json_array();
        ar_problem_add(pr, "draft", "exists", "no draft %lld of %s", id, p->org);
        fail(r, AR_ENOTFOUND, pr);
        json_decref(pr);
        return;
    }
    ar_req_header(r, "Cache-Control", "no-store");
    ar_resp_json(r, 200, v);
    json_decref(v);
}

static void decide(struct ar_req *r, int approve)
{
    const struct ar_principal *p;
    long long id;
    json_t *b = NULL, *pr = json_array();
    struct ar_approval_ctx c = ctx_of(r);
    if (!(id = draft_id(r)) || !(p = org_member(r)))
        goto out;
    if (r->body_len && !(b = ar_api_body_json(r)))
        goto out;
    if (b && !json_is_object(b)) {
        ar_problem_add(pr, "", "type", "the body must be a JSON object");
        fail(r, AR_EINVAL, pr);
        goto out;
    }
    char lars[9];
    int version;
    int rc = ar_approval_decide(r->store, &c, id, p->name, p->org, approve,
                                ar_json_str(b, "reason"), pr, lars, &version);
    if (rc) {
        fail(r, rc, pr);
        goto out;
    }
    json_t *v = NULL;
    if (approve) {
        ar_api_registration(r, lars, 200, -1);
    } else if (ar_approval_get(r->store, &c, id, p->org, &v) == 0) {
        json_object_del(v, "withhold");
        ar_resp_json(r, 200, v);
    }
    json_decref(v);
out:
    json_decref(b);
    json_decref(pr);
}

static void h_approve(struct ar_req *r)
{
    decide(r, 1);
}

static void h_reject(struct ar_req *r)
{
    decide(r, 0);
}

static void h_withdraw(struct ar_req *r)
{
    const struct ar_principal *p;
    long long id;
    json_t *pr = json_array();
    if ((id = draft_id(r)) && (p = org_member(r))) {
        int rc = ar_approval_withdraw(r->store, id, p->name, p->org, pr);
        if (rc)
            fail(r, rc, pr);
        else
            r->status = 204;
    }
    json_decref(pr);
}

/* POST /api/v1/registrations/{id}/retraction: an approver hides a published entry. */
static void h_retract(struct ar_req *r)
{
    const struct ar_principal *p;
    json_t *pr = json_array(), *v = NULL;
    if (ar_api_check_id(r, r->params[0]) || !(p = org_member(r)))
        goto out;
    int rc = ar_approval_retract(r->store, r->params[0], p->org, pr);
    if (rc == AR_EDENIED) {
        ar_resp_problem(r, 403, "withheld", "Withheld under the law-enforcement exception", NULL,
                        pr);
        goto out;
    } else if (rc) {
        fail(r, rc, pr);
        goto out;
    }
    if (ar_store_version_get(r->store, r->params[0], 0, &v) == 0) {
        json_t *o = json_pack("{s:s, s:O}", "id", r->params[0], "retracted",
                              json_object_get(v, "retracted"));
        ar_resp_json(r, 200, o);
        json_decref(o);
    }
out:
    json_decref(v);
    json_decref(pr);
}

const struct ar_route ar_draft_routes[] = {
    {"GET", "/api/v1/drafts", h_list, "An organisation's drafts (?state=submitted: waiting)",
     AR_ROLE_ORG},
    {"GET", "/api/v1/drafts/{draft}", h_get, "One draft with its changes", AR_ROLE_ORG},
    {"POST", "/api/v1/drafts/{draft}/approve", h_approve,
     "Publish a draft (an approver who is not its author)", AR_ROLE_APPROVER_BIT},
    {"POST", "/api/v1/drafts/{draft}/reject", h_reject, "Reject a draft with a reason",
     AR_ROLE_APPROVER_BIT},
    {"DELETE", "/api/v1/drafts/{draft}", h_withdraw, "Withdraw one's own draft", AR_ROLE_ORG},
    {"POST", "/api/v1/registrations/{id}/retraction", h_retract,
     "Retract (hide) a published registration", AR_ROLE_APPROVER_BIT},
    {NULL, NULL, NULL, NULL, 0},
};
