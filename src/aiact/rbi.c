/* rbi.c — the RBI use state machines; see rbi.h and shared AI_ACT.md §7.2–7.3. */
#include "aiact/rbi.h"
#include "base/clock.h"
#include "base/err.h"
#include "json/json.h"
#include "model/record.h"

#include <string.h>

const struct ar_rbi_cfg ar_rbi_default_cfg = {
    .national_law = 0, .objectives = 0, .offences = 0, .urgent_hours = 24, .post_hours = 48};

static const char *const state_names[] = {"DRAFT",
                                          "REQUESTED",
                                          "AUTHORISED",
                                          "REFUSED",
                                          "ACTIVE",
                                          "ACTIVE_URGENT",
                                          "URGENT_REQUESTED",
                                          "LINKED",
                                          "IN_USE_EXEMPT",
                                          "IN_USE_PENDING",
                                          "IN_USE_REQUESTED",
                                          "STOPPED_BREACH",
                                          "STOPPING",
                                          "DELETED",
                                          "ENDED"};

const char *ar_rbi_state_name(enum ar_rbi_state s)
{
    return (unsigned)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "?";
}

static const char *str(const json_t *d, const char *k)
{
    const char *v = ar_json_str(d, k);
    return v && *v ? v : NULL;
}

/* Objective codes of Art. 5(1)(h): OBJ_I victims and missing persons, OBJ_II imminent
 * threat or terrorist attack, OBJ_III suspects of Annex II offences (>= 4 years). */
static int objective_index(const char *o)
{
    static const char *const objs[] = {"OBJ_I", "OBJ_II", "OBJ_III"};
    for (int i = 0; i < 3; i++)
        if (o && strcmp(o, objs[i]) == 0)
            return i;
    return -1;
}

/* Annex II offences AII_01 … AII_16; returns 1..16 or 0. */
static int offence_number(const char *o)
{
    if (!o || strlen(o) != 6 || strncmp(o, "AII_", 4) != 0 || o[4] < '0' || o[4] > '1' ||
        o[5] < '0' || o[5] > '9')
        return 0;
    int n = (o[4] - '0') * 10 + (o[5] - '0');
    return n >= 1 && n <= 16 ? n : 0;
}

/* One rule applied to a request: appended to checks as {field, rule, ok, detail}. The
 * detail states the requirement with its article, so it reads as the rule on the
 * authority's page and as the reason when a request breaks it. */
static void check(json_t *checks, int ok, const char *field, const char *rule, const char *detail)
{
    json_array_append_new(checks, json_pack("{s:s, s:s, s:b, s:s}", "field", field, "rule", rule,
                                            "ok", ok, "detail", detail));
}

/* The elements of a real-time request (Art. 5(1)(h), 5(2), 5(3)) and the national-law
 * gate of Art. 5(5). */
static void realtime_rules(const json_t *d, const struct ar_rbi_cfg *cfg, json_t *checks)
{
    int obj = objective_index(str(d, "objective"));
    check(checks, obj >= 0, "objective", "permitted_values",
          "the objective must be OBJ_I, OBJ_II or OBJ_III (Art. 5(1)(h)(i)-(iii))");
    if (obj == 2) {
        int off = offence_number(str(d, "offence"));
        json_t *years = json_object_get(d, "max_penalty_years");
        check(checks, off != 0, "offence", "annex_ii",
              "OBJ_III needs an offence listed in Annex II (AII_01 to AII_16) (Art. 5(1)(h)(iii))");
        check(checks, json_is_integer(years) && json_integer_value(years) >= 4, "max_penalty_years",
              "minimum",
              "OBJ_III needs a national maximum sentence of at least four years"
              " (Art. 5(1)(h)(iii))");
        if (off && cfg->national_law)
            check(checks, (cfg->offences & (1ul << (off - 1))) != 0, "offence", "national_law",
                  "national law must allow this offence (Art. 5(5))");
    }
    check(checks, str(d, "target") != NULL, "target", "required",
          "name the specifically targeted person (Art. 5(2))");
    static const char *const limits[][2] = {
        {"limit_time", "limit_time is required: temporal, geographic and personal limits"
                       " (Art. 5(2))"},
        {"limit_area", "limit_area is required: temporal, geographic and personal limits"
                       " (Art. 5(2))"},
        {"limit_persons", "limit_persons is required: temporal, geographic and personal limits"
                          " (Art. 5(2))"}};
    for (int i = 0; i < 3; i++)
        check(checks, str(d, limits[i][0]) != NULL, limits[i][0], "required", limits[i][1]);
    check(checks, str(d, "harm_if_not_used") && str(d, "rights_impact"), "weighing", "required",
          "the weighing of Art. 5(2)(a) and (b) is required: harm_if_not_used and"
          " rights_impact");
    check(checks, str(d, "fria_ref") != NULL, "fria_ref", "required",
          "a completed fundamental-rights impact assessment is required (Art. 5(2), Art. 27)");
    if (!cfg->national_law)
        check(checks, 0, "objective", "national_law",
              "real-time remote biometric identification needs a national law under Art. 5(5)"
              " that allows it; none exists, so every request is refused (Art. 5(1)(h))");
    else if (obj >= 0)
        check(checks, (cfg->objectives & (1u << obj)) != 0, "objective", "national_law",
              "national law must allow this objective (Art. 5(5))");
}

static const char *const POST_TARGETED =
    "post remote biometric identification is never untargeted: link an offence, proceeding,"
    " threat or missing person, with its reference and the target (Art. 26(10))";
static const char *const POST_REASONS = "a request states its reasons (Art. 26(10))";

static int post_linked(const json_t *d)
{
    static const char *const kinds[] = {"offence", "proceeding", "threat", "missing_person", NULL};
    const char *k = str(d, "link");
    int ok = 0;
    for (const char *const *p = kinds; *p; p++)
        ok |= k && strcmp(k, *p) == 0;
    return ok && str(d, "reference") && str(d, "target");
}

/* The checks that failed, as problems. */
static void failed_as_problems(const json_t *checks, json_t *problems)
{
    size_t i;
    json_t *c;
    json_array_foreach (checks, i, c)
        if (!json_is_true(json_object_get(c, "ok")))
            ar_problem_add(problems, ar_json_str(c, "field"), ar_json_str(c, "rule"), "%s",
                           ar_json_str(c, "detail"));
}

static void check_realtime_request(const json_t *d, const struct ar_rbi_cfg *cfg, json_t *problems)
{
    json_t *checks = json_array();
    realtime_rules(d, cfg, checks);
    failed_as_problems(checks, problems);
    json_decref(checks);
}

void ar_rbi_checks(const struct ar_rbi *m, const json_t *d, const struct ar_rbi_cfg *cfg,
                   json_t *checks)
{
    int rt = m->kind == AR_RBI_REALTIME;
    if (rt) {
        realtime_rules(d, cfg, checks);
    } else {
        check(checks, post_linked(d), "link", "targeted", POST_TARGETED);
        check(checks, str(d, "reasons") != NULL, "reasons", "required", POST_REASONS);
    }
    if (rt && m->started) /* urgent use: the request within 24 hours of the start */
        check(checks, !m->breach, "deadline", "urgent_request",
              "in a duly justified urgency, authorisation is requested without undue delay and"
              " at the latest within 24 hours of the start (Art. 5(3))");
    else if (!rt && m->started && m->deadline) /* post use started before authorisation */
        check(checks, !m->breach, "deadline", "request_within_48h",
              "use started before authorisation is authorised within 48 hours, or stopped"
              " (Art. 26(10))");
}

static int is_authority(const char *role)
{
    return role && strcmp(role, "authorising_authority") == 0;
}

static int refuse(json_t *problems, const char *field, const char *rule, const char *detail)
{
    ar_problem_add(problems, field, rule, "%s", detail);
    return AR_EINVAL;
}

/* Timers first: a deadline that passed moves the machine before any event is judged. */
static void timers(struct ar_rbi *m, time_t now)
{
    if ((m->state == AR_RBI_ACTIVE_URGENT || m->state == AR_RBI_IN_USE_PENDING) &&
        now > m->deadline) {
        m->state = AR_RBI_STOPPED_BREACH; /* forced stop; data quarantined (PRJ) */
        m->breach = 1;
    }
    if (m->state == AR_RBI_ACTIVE && m->kind == AR_RBI_REALTIME && m->auth_until &&
        now > m->auth_until)
        m->state = AR_RBI_ENDED; /* the authorisation's scope ended */
}

static int window(const json_t *d, time_t *from, time_t *until, json_t *problems)
{
    const char *f = str(d, "valid_from"), *u = str(d, "valid_until");
    if (!f || !u || ar_clock_parse(from, f) || ar_clock_parse(until, u) || *until <= *from)
        return refuse(problems, "valid_until", "format",
                      "an authorisation states valid_from and valid_until (RFC 3339), the end"
                      " after the start (Art. 5(3))");
    return 0;
}

int ar_rbi_apply(struct ar_rbi *m, const char *event, const json_t *data, const char *role,
                 time_t now, const struct ar_rbi_cfg *cfg, json_t *problems)
{
    struct ar_rbi next = *m;
    size_t before = json_array_size(problems);
    int rt = m->kind == AR_RBI_REALTIME;
    timers(&next, now);
    enum ar_rbi_state s = next.state;
    if (!event)
        event = "";

    if (strcmp(event, "tick") == 0) {
        *m = next;
        return 0;
    }
    if ((strcmp(event, "grant") == 0 || strcmp(event, "reject") == 0) && !is_authority(role))
        return refuse(problems, "role", "authority",
                      rt ? "only a judicial or independent administrative authority decides"
                           " (Art. 5(3))"
                         : "only a judicial or binding administrative authority decides"
                           " (Art. 26(10))");

    if (rt && strcmp(event, "submit_request") == 0 &&
        (s == AR_RBI_DRAFT || s == AR_RBI_ACTIVE_URGENT)) {
        check_realtime_request(data, cfg, problems);
        if (json_array_size(problems) > before)
            return AR_EINVAL;
        next.state = s == AR_RBI_DRAFT ? AR_RBI_REQUESTED : AR_RBI_URGENT_REQUESTED;
    } else if (rt && strcmp(event, "start_urgent") == 0 && s == AR_RBI_DRAFT) {
        if (!str(data, "urgency"))
            ar_problem_add(problems, "urgency", "required",
                           "state the duly justified urgency (Art. 5(3))");
        check_realtime_request(data, cfg, problems);
        if (json_array_size(problems) > before)
            return AR_EINVAL;
        next.state = AR_RBI_ACTIVE_URGENT;
        next.started = now;
        next.deadline = now + (time_t)cfg->urgent_hours * 3600;
    } else if (strcmp(event, "grant") == 0 &&
               (s == AR_RBI_REQUESTED || s == AR_RBI_URGENT_REQUESTED ||
                s == AR_RBI_IN_USE_REQUESTED)) {
        if (window(data, &next.auth_from, &next.auth_until, problems))
            return AR_EINVAL;
        next.state = s == AR_RBI_REQUESTED ? AR_RBI_AUTHORISED : AR_RBI_ACTIVE;
    } else if (strcmp(event, "reject") == 0 && s == AR_RBI_REQUESTED) {
        next.state = AR_RBI_REFUSED;
    } else if ((strcmp(event, "reject") == 0 &&
                (s == AR_RBI_URGENT_REQUESTED || s == AR_RBI_IN_USE_REQUESTED ||
                 s == AR_RBI_ACTIVE)) ||
               (strcmp(event, "revoke") == 0 && is_authority(role) && s == AR_RBI_ACTIVE)) {
        /* Art. 5(3), 26(10): stop at once; data, results and outputs are to be deleted. */
        next.state = AR_RBI_STOPPING;
    } else if (strcmp(event, "start") == 0 && s == AR_RBI_AUTHORISED) {
        if (now < next.auth_from || now > next.auth_until)
            return refuse(problems, "time", "authorisation_scope",
                          "use may start only within the authorised time (Art. 5(3))");
        next.state = AR_RBI_ACTIVE;
        next.started = now;
    } else if (!rt && strcmp(event, "link_case") == 0 && s == AR_RBI_DRAFT) {
        if (!post_linked(data))
            return refuse(problems, "link", "targeted", POST_TARGETED);
        next.state = AR_RBI_LINKED;
    } else if (!rt && strcmp(event, "submit_request") == 0 &&
               (s == AR_RBI_LINKED || s == AR_RBI_IN_USE_PENDING)) {
        if (!str(data, "reasons"))
            return refuse(problems, "reasons", "required", POST_REASONS);
        next.state = s == AR_RBI_LINKED ? AR_RBI_REQUESTED : AR_RBI_IN_USE_REQUESTED;
    } else if (!rt && strcmp(event, "start_initial_identification") == 0 && s == AR_RBI_LINKED) {
        if (!str(data, "facts"))
            return refuse(problems, "facts", "required",
                          "initial identification of a potential suspect needs the objective and"
                          " verifiable facts directly linked to the offence (Art. 26(10))");
        next.state = AR_RBI_IN_USE_EXEMPT;
        next.started = now;
    } else if (!rt && strcmp(event, "start_unauthorised") == 0 && s == AR_RBI_LINKED) {
        next.state = AR_RBI_IN_USE_PENDING;
        next.started = now;
        next.deadline = now + (time_t)cfg->post_hours * 3600;
    } else if (strcmp(event, "deletion_done") == 0 &&
               (s == AR_RBI_STOPPING || s == AR_RBI_STOPPED_BREACH)) {
        json_t *count = json_object_get(data, "items_deleted");
        if (!str(data, "data_classes") || !json_is_integer(count) || !str(data, "executor"))
            return refuse(problems, "deletion", "record",
                          "record the deletion: data_classes, items_deleted and executor (no"
                          " content) (Art. 5(3), Art. 26(10))");
        next.state = AR_RBI_DELETED;
    } else if (strcmp(event, "end") == 0 && (s == AR_RBI_ACTIVE || s == AR_RBI_IN_USE_EXEMPT)) {
        next.state = AR_RBI_ENDED;
    } else {
        ar_problem_add(problems, "event", "transition", "%s is not possible in state %s", event,
                       ar_rbi_state_name(s));
        return AR_EINVAL;
    }
    *m = next;
    return 0;
}
