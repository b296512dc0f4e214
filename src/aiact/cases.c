/* cases.c — stored RBI uses and facial-recognition reviews; see cases.h and shared
 * AI_ACT.md §7.2-§7.4. */
#include "aiact/cases.h"
#include "aiact/classify.h"
#include "aiact/eudb.h"
#include "aiact/rbi.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "json/json.h"
#include "log/log.h"
#include "model/record.h"
#include "notice/notice.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT 5000 /* bytes in any one request field */

static int is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static const char *str(const json_t *d, const char *k)
{
    const char *v = ar_json_str(d, k);
    return v && *v ? v : NULL;
}

/* ---- machines as JSON --------------------------------------------------------------- */

static enum ar_rbi_state state_of(const char *name)
{
    for (int i = 0; i <= AR_RBI_ENDED; i++)
        if (is(ar_rbi_state_name((enum ar_rbi_state)i), name))
            return (enum ar_rbi_state)i;
    return AR_RBI_DRAFT;
}

static json_t *rbi_json(const struct ar_rbi *m)
{
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:b}", "state", ar_rbi_state_name(m->state),
                     "started", (json_int_t)m->started, "deadline", (json_int_t)m->deadline,
                     "auth_from", (json_int_t)m->auth_from, "auth_until", (json_int_t)m->auth_until,
                     "breach", m->breach);
}

static void rbi_load(struct ar_rbi *m, const char *kind, const json_t *j)
{
    memset(m, 0, sizeof *m);
    m->kind = is(kind, "realtime") ? AR_RBI_REALTIME : AR_RBI_POST;
    m->state = state_of(ar_json_str(j, "state"));
    m->started = (time_t)json_integer_value(json_object_get(j, "started"));
    m->deadline = (time_t)json_integer_value(json_object_get(j, "deadline"));
    m->auth_from = (time_t)json_integer_value(json_object_get(j, "auth_from"));
    m->auth_until = (time_t)json_integer_value(json_object_get(j, "auth_until"));
    m->breach = json_is_true(json_object_get(j, "breach"));
}

/* ---- the review-committee track (§7.4) ----------------------------------------------- */

struct review_step {
    const char *from, *event, *role, *role2, *to;
};

static const struct review_step review_steps[] = {
    {"DRAFT", "apply", AR_ROLE_REGISTRANT, NULL, "SUBMITTED"},
    {"SUBMITTED", "committee_accepts", AR_ROLE_COMMITTEE, NULL, "IN_REVIEW"},
    {"IN_REVIEW", "oordeel", AR_ROLE_COMMITTEE, NULL, NULL /* POSITIVE or NEGATIVE */},
    {"POSITIVE", "ratify", AR_ROLE_CHIEF, NULL, "RATIFIED"},
    {"POSITIVE", "decline", AR_ROLE_CHIEF, NULL, "NOT_RATIFIED"},
    {"RATIFIED", "go", AR_ROLE_PROSECUTOR, AR_ROLE_MAYOR, "DEPLOYABLE"},
    {"RATIFIED", "no_go", AR_ROLE_PROSECUTOR, AR_ROLE_MAYOR, "NO_GO"},
    {"DEPLOYABLE", "monitor_report", AR_ROLE_REGISTRANT, NULL, "DEPLOYABLE"},
    {"DEPLOYABLE", "change", AR_ROLE_REGISTRANT, NULL, "DRAFT"},
    {"DEPLOYABLE", "close", AR_ROLE_REGISTRANT, NULL, "EVALUATED"},
    {NULL, NULL, NULL, NULL, NULL},
};

/* The five groups of hard preconditions of the Inzetkader (§6.3). */
const char *const ar_review_precondition_groups[] = {"reporting_and_review",
                                                     "system_conditions",
                                                     "human_control",
                                                     "privacy_and_data",
                                                     "transparency_and_accountability",
                                                     NULL};

static int review_apply(json_t *machine, const char *event, const json_t *d, const char *role,
                        json_t *problems)
{
    const char *st = ar_json_str(machine, "state");
    const struct review_step *step = NULL;
    for (const struct review_step *p = review_steps; p->from; p++)
        if (is(p->from, st) && is(p->event, event))
            step = p;
    if (!step) {
        ar_problem_add(problems, "event", "transition", "%s is not possible in state %s",
                       event ? event : "", st ? st : "?");
        return AR_EINVAL;
    }
    if (!is(role, step->role) && !is(role, step->role2)) {
        ar_problem_add(problems, "role", "review_track",
                       "%s is for the %s%s%s (facial-recognition review, Inzetkader)", event,
                       step->role, step->role2 ? " or the " : "", step->role2 ? step->role2 : "");
        return AR_EINVAL;
    }
    size_t before = json_array_size(problems);
    const char *to = step->to;
    if (is(event, "apply")) {
        json_t *plan = json_object_get(d, "plan");
        static const char *const parts[] = {"technology", "circumstances", "follow_up", NULL};
        for (const char *const *p = parts; *p; p++)
            if (!str(plan, *p))
                ar_problem_add(problems, "plan", "required",
                               "the plan describes the technology, the operational circumstances"
                               " and the follow-up (plan.%s is missing)",
                               *p);
    } else if (is(event, "committee_accepts")) {
        if (!json_is_true(json_object_get(d, "independence_declaration")))
            ar_problem_add(problems, "independence_declaration", "required",
                           "the committee declares it is not involved in and has no interest in"
                           " the deployment");
        if (!json_is_array(json_object_get(d, "composition")) ||
            json_array_size(json_object_get(d, "composition")) == 0)
            ar_problem_add(problems, "composition", "required",
                           "name the committee members and experts consulted");
    } else if (is(event, "oordeel")) {
        const char *o = str(d, "outcome");
        json_t *f = json_object_get(d, "factors"), *pc = json_object_get(d, "preconditions");
        if (!is(o, "positive") && !is(o, "negative"))
            ar_problem_add(problems, "outcome", "permitted_values", "positive or negative");
        size_t i, ok = 0;
        json_t *v;
        json_array_foreach (f, i, v)
            ok += str(v, "assessment") &&
                  (str(v, "factor") || json_is_integer(json_object_get(v, "factor")));
        if (!json_is_array(f) || json_array_size(f) != AR_REVIEW_FACTORS || ok != AR_REVIEW_FACTORS)
            ar_problem_add(problems, "factors", "all_factors",
                           "address all ten weighing factors, each {factor, assessment}");
        for (const char *const *g = ar_review_precondition_groups; *g; g++)
            if (!str(pc, *g))
                ar_problem_add(problems, "preconditions", "all_groups",
                               "address all five groups of preconditions (preconditions.%s is"
                               " missing)",
                               *g);
        to = is(o, "positive") ? "POSITIVE" : "NEGATIVE";
    } else if (is(event, "change")) {
        const char *w = str(d, "what");
        if (!is(w, "technology") && !is(w, "circumstances") && !is(w, "follow_up"))
            ar_problem_add(problems, "what", "permitted_values",
                           "a new review follows a change of technology, circumstances or"
                           " follow_up");
    } else if (is(event, "monitor_report") || is(event, "close") || is(event, "decline") ||
               is(event, "no_go")) {
        if (!str(d, "reasons") && !str(d, "report"))
            ar_problem_add(problems, "reasons", "required", "state the reasons or the report");
    }
    if (json_array_size(problems) > before)
        return AR_EINVAL;
    if (is(event, "change"))
        json_object_set_new(
            machine, "round",
            json_integer(json_integer_value(json_object_get(machine, "round")) + 1));
    json_object_set_new(machine, "state", json_string(to));
    return 0;
}

/* ---- gates that need the register ---------------------------------------------------- */

static int eu_registered(struct ar_store *s, const char *lars)
{
    json_t *list = NULL;
    int found = 0;
    if (ar_store_eu_list(s, lars, &list) == 0) {
        size_t i;
        json_t *v;
        json_array_foreach (list, i, v)
            found |= is(ar_json_str(v, "section"), "C");
    }
    json_decref(list);
    return found;
}

static int has_str(const json_t *arr, const char *v)
{
    size_t i;
    json_t *x;
    json_array_foreach (arr, i, x)
        if (is(json_string_value(x), v))
            return 1;
    return 0;
}

static const char *const police_events[] = {"submit_request",
                                            "start",
                                            "start_urgent",
                                            "link_case",
                                            "start_initial_identification",
                                            "start_unauthorised",
                                            "deletion_done",
                                            "end",
                                            "match",
                                            NULL};
static const char *const request_events[] = {"submit_request", "start_urgent", "link_case",
                                             "start_initial_identification", NULL};

static int in_list(const char *const *l, const char *v)
{
    for (; *l; l++)
        if (is(*l, v))
            return 1;
    return 0;
}

/* Art. 5(2): real-time use needs the system registered (urgent use may start before);
 * Art. 26(8): a public-authority deployer does not use an unregistered high-risk system. */
static void registration_gate(struct ar_store *s, const struct ar_aiact_cfg *cfg, const json_t *c,
                              const char *event, time_t now, json_t *problems)
{
    const char *lars = ar_json_str(c, "registration");
    int starts = is(event, "start") || is(event, "start_unauthorised") ||
                 is(event, "start_initial_identification");
    if (!starts)
        return;
    if (!is(ar_json_str(c, "kind"), "realtime"))
        ar_aiact_use_blocked(s, cfg, lars, now, "registration", problems);
    else if (!eu_registered(s, lars))
        ar_problem_add(problems, "registration", "eu_database",
                       "real-time use needs the system registered in the EU database (Art. 5(2),"
                       " Art. 49); only urgent use may start before");
}

/* The members a request may carry, per kind: a misspelt member is an error, not a
 * silently missing element. */
static const char *const realtime_members[] = {"objective",
                                               "offence",
                                               "max_penalty_years",
                                               "target",
                                               "limit_time",
                                               "limit_area",
                                               "limit_persons",
                                               "harm_if_not_used",
                                               "rights_impact",
                                               "fria_ref",
                                               "urgency",
                                               "reasons",
                                               NULL};
static const char *const post_members[] = {"link", "reference", "target", "reasons", "facts", NULL};

static void check_members(const char *kind, const json_t *d, json_t *problems)
{
    const char *const *allowed = is(kind, "realtime") ? realtime_members
                                 : is(kind, "post")   ? post_members
                                                      : NULL;
    const char *k;
    json_t *v;
    json_object_foreach ((json_t *)d, k, v) {
        int ok = 0;
        for (const char *const *a = allowed; a && *a; a++)
            ok |= is(*a, k);
        if (!ok)
            ar_problem_add(problems, k, "unknown_field", "%s is not part of a %s request", k,
                           kind ? kind : "");
        else if (!json_is_string(v) && !(is(k, "max_penalty_years") && json_is_integer(v)))
            ar_problem_add(problems, k, "type", "%s must be %s", k,
                           is(k, "max_penalty_years") ? "a whole number" : "text");
    }
}

static void check_lengths(const json_t *d, json_t *problems)
{
    const char *k;
    json_t *v;
    json_object_foreach ((json_t *)d, k, v) {
        if (json_is_string(v) && json_string_length(v) > MAX_TEXT)
            ar_problem_add(problems, k, "max_length", "at most %d bytes", MAX_TEXT);
    }
}

/* ---- recording ------------------------------------------------------------------------ */

static int record(struct ar_store *s, long long id, const char *kind, const char *ts,
                  const char *actor, const char *role, const char *event, const char *from,
                  const char *to, const char *outcome, const json_t *rules, const json_t *data)
{
    json_t *rec =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:O}", "case", (json_int_t)id,
                  "ts", ts, "actor", actor, "role", role, "event", event, "from", from, "to", to,
                  "outcome", outcome, "rules", rules, "data", data ? data : json_null());
    char *canon = ar_json_canon_str(rec), *rc_s = json_dumps(rules, JSON_COMPACT),
         *dt = json_dumps(data ? data : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
    unsigned char h[32];
    char hex[65];
    int rc = canon && rc_s && dt ? 0 : AR_EINVAL;
    if (!rc) {
        crypto_hash_sha256(h, (const unsigned char *)canon, strlen(canon));
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        struct ar_case_event e = {ts, actor, role, event, from, to, outcome, rc_s, dt, hex};
        int seq = 0;
        rc = ar_store_case_event(s, id, &e, &seq);
        if (!rc) {
            /* The log leaf: what happened to which case, and the digest; no content. */
            json_t *leaf = json_pack("{s:s, s:I, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s}", "kind",
                                     "aiact-case", "case", (json_int_t)id, "case_kind", kind, "seq",
                                     seq, "event", event, "from", from, "to", to, "outcome",
                                     outcome, "time", ts, "sha256", hex);
            char *lc = ar_json_canon_str(leaf);
            rc = lc ? ar_log_append(s, lc, strlen(lc), NULL, 0, NULL) : AR_EINVAL;
            free(lc);
            json_decref(leaf);
        }
    }
    free(canon);
    free(rc_s);
    free(dt);
    json_decref(rec);
    return rc;
}

/* Art. 5(4): each real-time use to the MSA and the DPA, with the template data and no
 * sensitive operational data (no target, limits, reasons or case references). */
static int notify(struct ar_store *s, const json_t *c, const char *ts, int urgent)
{
    const json_t *d = json_object_get(c, "data");
    json_t *doc = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s, s:s, s:b, s:s}", "case",
                            json_integer_value(json_object_get(c, "id")), "kind", "realtime",
                            "organization", ar_json_str(c, "organization"), "registration",
                            ar_json_str(c, "registration"), "objective",
                            ar_json_str(d, "objective"), "authority", ar_json_str(c, "authority"),
                            "started", ts, "urgent", urgent, "article", "Art. 5(4)");
    char *t = ar_json_canon_str(doc);
    int rc =
        t ? ar_store_notice_insert(s, json_integer_value(json_object_get(c, "id")), "msa", ts, t)
          : AR_EINVAL;
    if (!rc)
        rc = ar_store_notice_insert(s, json_integer_value(json_object_get(c, "id")), "dpa", ts, t);
    free(t);
    json_decref(doc);
    return rc;
}

/* ---- public functions ------------------------------------------------------------------- */

int ar_case_create(struct ar_store *s, const struct ar_aiact_cfg *cfg, const json_t *in,
                   const char *actor, const char *role, json_t *problems, long long *id_out)
{
    (void)cfg;
    const char *kind = str(in, "kind"), *lars = str(in, "registration");
    size_t before = json_array_size(problems);
    if (!json_is_object(in)) {
        ar_problem_add(problems, "", "type", "a case is a JSON object");
        return AR_EINVAL;
    }
    if (!is(kind, "realtime") && !is(kind, "post") && !is(kind, "review"))
        ar_problem_add(problems, "kind", "permitted_values", "realtime, post or review");
    if (!lars)
        ar_problem_add(problems, "registration", "required",
                       "the registration of the system used (Art. 49)");
    if (!is(role, AR_ROLE_REGISTRANT))
        ar_problem_add(problems, "role", "registrant",
                       "only the deploying organisation opens a case");
    if (!is(kind, "review") && !str(in, "authority"))
        ar_problem_add(problems, "authority", "required",
                       "name the judicial or independent administrative authority that decides"
                       " (Art. 5(3), Art. 26(10))");
    check_lengths(in, problems);
    json_t *data = json_deep_copy(in);
    json_object_del(data, "kind");
    json_object_del(data, "registration");
    json_object_del(data, "authority");
    check_members(kind, data, problems);
    if (json_array_size(problems) > before) {
        json_decref(data);
        return AR_EINVAL;
    }
    json_t *machine = is(kind, "review") ? json_pack("{s:s, s:i}", "state", "DRAFT", "round", 1)
                                         : json_pack("{s:s}", "state", "DRAFT");
    char ts[32];
    ar_clock_fmt(ts, sizeof ts, ar_clock_now());
    char *m = json_dumps(machine, JSON_COMPACT), *d = json_dumps(data, JSON_COMPACT);
    json_t *rules = json_array();
    int rc = ar_store_begin(s);
    if (!rc) {
        rc = ar_store_case_insert(s, kind, lars, "DRAFT", ts, actor, str(in, "authority"), m, d,
                                  id_out);
        if (!rc)
            rc = record(s, *id_out, kind, ts, actor, role, "create", "", "DRAFT", "done", rules,
                        NULL);
        if (rc)
            ar_store_rollback(s);
        else
            rc = ar_store_commit(s);
    }
    if (rc == AR_ENOTFOUND)
        ar_problem_add(problems, "registration", "exists", "no registration %s", lars);
    json_decref(rules);
    free(m);
    free(d);
    json_decref(machine);
    json_decref(data);
    return rc == AR_ENOTFOUND ? AR_EINVAL : rc;
}

int ar_case_event(struct ar_store *s, const struct ar_aiact_cfg *cfg, long long id,
                  const char *event, const json_t *data, const char *actor, const char *role,
                  json_t *problems, json_t **out)
{
    json_t *c = NULL, *merged = NULL, *assessment = NULL, *machine = NULL;
    char ts[32], *mtext = NULL, *dtext = NULL;
    time_t now = ar_clock_now();
    ar_clock_fmt(ts, sizeof ts, now);
    int rc = ar_store_case_get(s, id, &c);
    if (rc)
        return rc;
    const char *kind = ar_json_str(c, "kind"), *from = ar_json_str(c, "state");
    size_t before = json_array_size(problems);
    if (!event || !*event) {
        ar_problem_add(problems, "event", "required", "name the event");
        rc = AR_EINVAL;
        goto out;
    }
    if (data && !json_is_object(data)) {
        ar_problem_add(problems, "data", "type", "event data is a JSON object");
        rc = AR_EINVAL;
        goto out;
    }
    if (data)
        check_lengths(data, problems);
    if (data && in_list(request_events, event) && !is(kind, "review"))
        check_members(kind, data, problems);
    merged = json_deep_copy(json_object_get(c, "data"));
    if (data && in_list(request_events, event))
        json_object_update(merged, (json_t *)data);
    machine = json_deep_copy(json_object_get(c, "machine"));
    char to[40];
    snprintf(to, sizeof to, "%s", from);
    if (json_array_size(problems) > before) {
        rc = AR_EINVAL;
    } else if (is(kind, "review")) {
        rc = review_apply(machine, event, data ? data : merged, role, problems);
        if (!rc)
            snprintf(to, sizeof to, "%s", ar_json_str(machine, "state"));
    } else {
        struct ar_rbi m;
        rbi_load(&m, kind, machine);
        int police = in_list(police_events, event);
        if (police && !is(role, AR_ROLE_REGISTRANT))
            ar_problem_add(problems, "role", "deployer",
                           "%s is done by the deploying organisation, not by role %s", event, role);
        if ((is(event, "grant") || is(event, "reject") || is(event, "revoke")) &&
            !is(role, AR_ROLE_AUTHORITY))
            ar_problem_add(problems, "role", "authority",
                           is(kind, "realtime")
                               ? "only a judicial or independent administrative authority whose"
                                 " decision is binding decides (Art. 5(3))"
                               : "only a judicial or binding administrative authority subject to"
                                 " judicial review decides (Art. 26(10))");
        assessment = ar_aiact_latest(s, ar_json_str(c, "registration"));
        if (is(kind, "realtime") && (is(event, "submit_request") || is(event, "start_urgent")) &&
            !has_str(json_object_get(assessment, "annex_iii"), "1(a)"))
            ar_problem_add(problems, "registration", "classification",
                           "classify the system first: real-time remote biometric identification"
                           " is Annex III point 1(a) (Art. 5(2), Art. 6(2))");
        registration_gate(s, cfg, c, event, now, problems);
        if (is(event, "match")) {
            static const enum ar_rbi_state in_use[] = {
                AR_RBI_ACTIVE,        AR_RBI_ACTIVE_URGENT,  AR_RBI_URGENT_REQUESTED,
                AR_RBI_IN_USE_EXEMPT, AR_RBI_IN_USE_PENDING, AR_RBI_IN_USE_REQUESTED};
            int ok = 0;
            for (size_t i = 0; i < sizeof in_use / sizeof in_use[0]; i++)
                ok |= m.state == in_use[i];
            json_t *v = json_object_get(data, "verifiers");
            size_t n = 0, i, j;
            json_t *x, *y;
            json_array_foreach (v, i, x) {
                int dup = 0;
                json_array_foreach (v, j, y)
                    dup |= j < i && json_equal(x, y);
                n += json_is_string(x) && json_string_length(x) > 0 && !dup;
            }
            if (!ok)
                ar_problem_add(problems, "event", "transition", "match is not possible in state %s",
                               ar_rbi_state_name(m.state));
            if (n < 2 && !cfg->art14_5_disproportionate)
                ar_problem_add(problems, "verifiers", "two_persons",
                               "no action on an identification unless verified and confirmed by"
                               " at least two competent persons (Art. 14(5))");
            if (!str(data, "reference_database"))
                ar_problem_add(problems, "reference_database", "required",
                               "log the reference database checked (Art. 12(3)(b))");
        }
        /* The machine's own rules are checked even when a gate failed, so one answer
         * names every reason (the national-law refusal included). */
        if (!is(event, "match")) {
            struct ar_rbi next = m;
            if (ar_rbi_apply(&next, event, in_list(request_events, event) ? merged : data, role,
                             now, &cfg->rbi, problems) == 0 &&
                json_array_size(problems) == before)
                m = next;
        }
        if (json_array_size(problems) > before)
            rc = AR_EINVAL;
        if (!rc) {
            json_decref(machine);
            machine = rbi_json(&m);
            snprintf(to, sizeof to, "%s", ar_rbi_state_name(m.state));
        }
    }

    /* Record: a refusal leaves the case as it was, but the attempt is kept and logged. */
    int refused = rc == AR_EINVAL;
    if (rc && !refused)
        goto out;
    json_t *rules = refused ? json_deep_copy(problems) : json_array();
    if (refused) /* only this event's problems */
        while (json_array_size(rules) > json_array_size(problems) - before)
            json_array_remove(rules, 0);
    int wrc = ar_store_begin(s);
    if (!wrc) {
        if (!refused) {
            mtext = json_dumps(machine, JSON_COMPACT);
            dtext = in_list(request_events, event) ? json_dumps(merged, JSON_COMPACT) : NULL;
            wrc = ar_store_case_update(s, id, to, ts, mtext, dtext);
        }
        if (!wrc)
            wrc = record(s, id, kind, ts, actor, role, event, from, refused ? from : to,
                         refused ? "refused" : "done", rules, data);
        /* who must act next hears of it: the authority of a request, the police of a
         * decision (real-time requests and post-use requests alike) */
        if (!wrc && !refused && is(event, "submit_request") && !is(kind, "review")) {
            time_t started = (time_t)json_integer_value(json_object_get(machine, "started"));
            char st[32] = "";
            if (started)
                ar_clock_fmt(st, sizeof st, started);
            wrc = ar_notice_rbi_requested(s, id, kind, ar_json_str(c, "organization"),
                                          ar_json_str(c, "authority"), started != 0, st);
        }
        if (!wrc && !refused &&
            (is(event, "grant") || is(event, "reject") || is(event, "revoke")) &&
            !is(kind, "review"))
            wrc = ar_notice_rbi_decided(s, id, ar_json_str(c, "created_by"), event);
        if (!wrc && !refused && is(kind, "realtime") &&
            (is(event, "start") || is(event, "start_urgent"))) {
            json_object_set(c, "data", merged);
            wrc = notify(s, c, ts, is(event, "start_urgent"));
        }
        if (wrc)
            ar_store_rollback(s);
        else
            wrc = ar_store_commit(s);
    }
    json_decref(rules);
    if (wrc)
        rc = wrc;
    if (!rc && out)
        rc = ar_case_get(s, id, out);
out:
    free(mtext);
    free(dtext);
    json_decref(machine);
    json_decref(assessment);
    json_decref(merged);
    json_decref(c);
    return rc;
}

int ar_case_tick(struct ar_store *s, const struct ar_aiact_cfg *cfg, int *moved)
{
    json_t *list = NULL;
    time_t now = ar_clock_now();
    char ts[32];
    ar_clock_fmt(ts, sizeof ts, now);
    *moved = 0;
    int rc = ar_store_case_list(s, NULL, NULL, &list);
    if (rc)
        return rc;
    size_t i;
    json_t *c;
    json_array_foreach (list, i, c) {
        const char *kind = ar_json_str(c, "kind"), *from = ar_json_str(c, "state");
        if (is(kind, "review"))
            continue;
        struct ar_rbi m;
        rbi_load(&m, kind, json_object_get(c, "machine"));
        json_t *p = json_array();
        ar_rbi_apply(&m, "tick", NULL, "system", now, &cfg->rbi, p);
        json_decref(p);
        if (is(ar_rbi_state_name(m.state), from))
            continue;
        json_t *mj = rbi_json(&m), *rules = json_array();
        if (m.state == AR_RBI_STOPPED_BREACH)
            json_array_append_new(rules,
                                  json_string(is(kind, "realtime")
                                                  ? "Art. 5(3): no request within 24 hours"
                                                  : "Art. 26(10): no request within 48 hours"));
        char *mt = json_dumps(mj, JSON_COMPACT);
        long long id = json_integer_value(json_object_get(c, "id"));
        if (!(rc = ar_store_begin(s))) {
            rc = ar_store_case_update(s, id, ar_rbi_state_name(m.state), ts, mt, NULL);
            if (!rc)
                rc = record(s, id, kind, ts, "algoreg", "system", "timer", from,
                            ar_rbi_state_name(m.state), "done", rules, NULL);
            if (rc)
                ar_store_rollback(s);
            else
                rc = ar_store_commit(s);
        }
        free(mt);
        json_decref(mj);
        json_decref(rules);
        if (rc)
            break;
        (*moved)++;
    }
    json_decref(list);
    return rc;
}

int ar_case_checks(struct ar_store *s, const struct ar_aiact_cfg *cfg, const json_t *c,
                   json_t *checks)
{
    const char *kind = ar_json_str(c, "kind"), *lars = ar_json_str(c, "registration");
    if (is(kind, "review"))
        return 0;
    struct ar_rbi m;
    rbi_load(&m, kind, json_object_get(c, "machine"));
    ar_rbi_checks(&m, json_object_get(c, "data"), &cfg->rbi, checks);
    /* the system itself: what ar_case_event asks before a use starts */
    if (is(kind, "realtime")) {
        json_t *a = ar_aiact_latest(s, lars);
        json_array_append_new(
            checks,
            json_pack("{s:s, s:s, s:b, s:s}", "field", "registration", "rule", "classification",
                      "ok", has_str(json_object_get(a, "annex_iii"), "1(a)"), "detail",
                      "the system is classified as real-time remote biometric"
                      " identification, Annex III point 1(a) (Art. 5(2), Art. 6(2))"));
        json_decref(a);
        json_array_append_new(
            checks, json_pack("{s:s, s:s, s:b, s:s}", "field", "registration", "rule",
                              "eu_database", "ok", eu_registered(s, lars), "detail",
                              "the system is registered in the EU database before use; only"
                              " urgent use may start before (Art. 5(2), Art. 49)"));
    } else {
        json_t *pr = json_array(), *p;
        size_t i;
        int rc = ar_aiact_use_blocked(s, cfg, lars, ar_clock_now(), "registration", pr);
        json_array_foreach (pr, i, p)
            json_array_append_new(checks, json_pack("{s:s, s:s, s:b, s:s}", "field", "registration",
                                                    "rule", ar_json_str(p, "rule"), "ok", 0,
                                                    "detail", ar_json_str(p, "detail")));
        if (!json_array_size(pr))
            json_array_append_new(
                checks, json_pack("{s:s, s:s, s:b, s:s}", "field", "registration", "rule",
                                  "obligations", "ok", rc == 0, "detail",
                                  "the system's registration and obligations allow its use"
                                  " (Art. 26, Art. 49)"));
        json_decref(pr);
    }
    return 0;
}

int ar_case_get(struct ar_store *s, long long id, json_t **out)
{
    json_t *c = NULL, *ev = NULL, *no = NULL;
    int rc = ar_store_case_get(s, id, &c);
    if (!rc)
        rc = ar_store_case_events(s, id, &ev);
    if (!rc)
        rc = ar_store_notice_list(s, id, &no);
    if (rc) {
        json_decref(c);
        json_decref(ev);
        json_decref(no);
        return rc;
    }
    time_t now = ar_clock_now();
    const json_t *m = json_object_get(c, "machine");
    const char *st = ar_json_str(c, "state");
    time_t deadline = (time_t)json_integer_value(json_object_get(m, "deadline"));
    int pending = is(st, "ACTIVE_URGENT") || is(st, "IN_USE_PENDING");
    json_t *flags = json_array();
    if (json_is_true(json_object_get(m, "breach")) || (pending && deadline && now > deadline))
        json_array_append_new(
            flags, json_pack("{s:s, s:s}", "flag", "breach", "rule",
                             is(ar_json_str(c, "kind"), "realtime")
                                 ? "Art. 5(3): authorisation not requested within 24 hours"
                                 : "Art. 26(10): authorisation not requested within 48 hours"));
    if (is(st, "STOPPING"))
        json_array_append_new(flags,
                              json_pack("{s:s, s:s}", "flag", "deletion_due", "rule",
                                        "Art. 5(3), 26(10): stop at once and delete all data,"
                                        " results and outputs"));
    if (pending && deadline) {
        char d[32];
        ar_clock_fmt(d, sizeof d, deadline);
        json_object_set_new(c, "request_due", json_string(d));
    }
    json_object_set_new(c, "events", ev);
    json_object_set_new(c, "notices", no);
    json_object_set_new(c, "flags", flags);
    *out = c;
    return 0;
}

static void bump(json_t *o, const char *k)
{
    json_object_set_new(o, k, json_integer(json_integer_value(json_object_get(o, k)) + 1));
}

int ar_case_report(struct ar_store *s, int year, const char *authority, json_t **out)
{
    json_t *list = NULL, *by = json_object();
    char y[8];
    snprintf(y, sizeof y, "%04d", year);
    int rc = ar_store_case_list(s, NULL, NULL, &list);
    if (rc) {
        json_decref(by);
        return rc;
    }
    size_t i;
    json_t *c;
    json_array_foreach (list, i, c) {
        const char *kind = ar_json_str(c, "kind"), *auth = ar_json_str(c, "authority");
        if (is(kind, "review") || (authority && !is(auth, authority)))
            continue;
        json_t *ev = NULL;
        if ((rc = ar_store_case_events(s, json_integer_value(json_object_get(c, "id")), &ev)))
            break;
        json_t *a = json_object_get(by, auth);
        if (!a) {
            a = json_pack("{s:s, s:{}, s:{}}", "authority", auth, "realtime", "post");
            json_object_set_new(by, auth, a);
        }
        json_t *k = json_object_get(a, kind);
        size_t j;
        json_t *e;
        json_array_foreach (ev, j, e) {
            const char *ts = ar_json_str(e, "ts"), *name = ar_json_str(e, "event"),
                       *outcome = ar_json_str(e, "outcome"), *to = ar_json_str(e, "to_state");
            if (!ts || strncmp(ts, y, 4) != 0)
                continue;
            int done = is(outcome, "done");
            if (is(name, "submit_request") || (is(name, "start_urgent") && !done)) {
                bump(k, "requests");
                if (!done)
                    bump(k, "refused_on_the_rules");
                const char *obj = ar_json_str(json_object_get(c, "data"), "objective");
                if (is(kind, "realtime") && obj) {
                    json_t *po = json_object_get(k, "requests_by_objective");
                    if (!po)
                        json_object_set_new(k, "requests_by_objective", po = json_object());
                    bump(po, obj);
                }
            } else if (!done) {
                continue;
            } else if (is(name, "grant")) {
                bump(k, "granted");
            } else if (is(name, "reject")) {
                bump(k, "rejected");
            } else if (is(name, "revoke")) {
                bump(k, "revoked");
            } else if (is(name, "start") || is(name, "start_unauthorised")) {
                bump(k, "uses");
            } else if (is(name, "start_urgent")) {
                bump(k, "uses");
                bump(k, "urgent_uses");
            } else if (is(name, "start_initial_identification")) {
                bump(k, "uses");
                bump(k, "initial_identifications");
            } else if (is(name, "timer") && is(to, "STOPPED_BREACH")) {
                bump(k, "breaches");
            } else if (is(name, "deletion_done")) {
                bump(k, "deletions");
            } else if (is(name, "end") || (is(name, "timer") && is(to, "ENDED"))) {
                bump(k, "ended");
            } else if (is(name, "match")) {
                bump(k, "verified_matches");
            }
        }
        json_decref(ev);
    }
    json_decref(list);
    if (rc) {
        json_decref(by);
        return rc;
    }
    json_t *arr = json_array();
    const char *key;
    json_t *v;
    json_object_foreach (by, key, v)
        json_array_append(arr, v);
    json_decref(by);
    char now[32];
    ar_clock_fmt(now, sizeof now, ar_clock_now());
    *out = json_pack(
        "{s:i, s:s, s:o, s:s}", "year", year, "generated", now, "authorities", arr, "basis",
        "Art. 5(6) and Art. 26(10) AI Act: counts only, no sensitive operational data");
    return 0;
}

static void csv_row(struct ar_buf *out, const char *auth, const char *kind, const char *measure,
                    long long n)
{
    /* RFC 4180 quoting; a leading formula character is neutralised for spreadsheets. */
    ar_buf_putc(out, '"');
    if (auth && *auth && strchr("=+-@", auth[0]))
        ar_buf_putc(out, '\'');
    for (const char *p = auth ? auth : ""; *p; p++) {
        if (*p == '"')
            ar_buf_putc(out, '"');
        ar_buf_putc(out, *p);
    }
    ar_buf_printf(out, "\",%s,%s,%lld\r\n", kind, measure, n);
}

void ar_case_report_csv(const json_t *report, struct ar_buf *out)
{
    ar_buf_puts(out, "authority,kind,measure,count\r\n");
    size_t i;
    json_t *a;
    json_array_foreach (json_object_get(report, "authorities"), i, a) {
        const char *auth = ar_json_str(a, "authority");
        static const char *const kinds[] = {"realtime", "post", NULL};
        for (const char *const *k = kinds; *k; k++) {
            const char *m, *sub;
            json_t *n, *x;
            json_object_foreach (json_object_get(a, *k), m, n) {
                if (json_is_integer(n))
                    csv_row(out, auth, *k, m, (long long)json_integer_value(n));
                json_object_foreach (n, sub, x) {
                    char measure[96];
                    snprintf(measure, sizeof measure, "%s.%s", m, sub);
                    csv_row(out, auth, *k, measure, (long long)json_integer_value(x));
                }
            }
        }
    }
}
