/* test_cases.c — stored RBI uses and facial-recognition reviews: every gate the register
 * adds to the state machines (role, classification, EU registration, national law,
 * two verifiers), timers at the edges on the settable clock, notices without operational
 * data, refusals recorded with the case unchanged, logging, and the yearly report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aiact/cases.h"
#include "aiact/classify.h"
#include "aiact/eudb.h"
#include "base/buf.h"
#include "base/err.h"
#include "json/json.h"
#include "log/log.h"
#include "store/store.h"
#include "unit/storefx.h"

#define CANARY "CANARY-TARGET-7731"

static struct ar_aiact_cfg cfg;
static struct ar_tree *tree;
static char lars_rt[9], lars_post[9];

static const char *now_is(const char *t)
{
    setenv("ALGOREG_NOW", t, 1);
    return t;
}

static json_t *record(const char *name)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", name, "description_short", "d",
                     "organization", "Politie", "status", "In gebruik", "contact_email", "a@b.nl",
                     "publication_category", "Hoog-risico AI-systeem");
}

static void classify(struct ar_store *s, const char *lars, const char *answers)
{
    json_t *ans = NULL, *pr = json_array(), *out = NULL;
    char why[200];
    assert_int_equal(ar_tree_answers_parse(&ans, answers, why, sizeof why), 0);
    assert_int_equal(ar_aiact_classify(s, tree, &cfg, lars, ans, "tester", pr, &out), 0);
    json_decref(ans);
    json_decref(out);
    json_decref(pr);
}

static void register_eu(struct ar_store *s, const char *lars)
{
    assert_int_equal(ar_store_begin(s), 0);
    assert_int_equal(ar_store_eu_insert(s, lars, "C", "EU-1", "2026-11-23T00:00:00Z", "t", "{}"),
                     0);
    assert_int_equal(ar_store_commit(s), 0);
}

static int setup(void **state)
{
    struct ar_store *s = NULL;
    char why[200];
    if (storefx_open(state, "cases", "2026-11-23T12:00:00Z") ||
        ar_aiact_cfg_load(&cfg, NULL, why, sizeof why) ||
        ar_aiact_tree_open(&tree, NULL, why, sizeof why))
        return -1;
    s = *state;
    now_is("2026-11-23T12:00:00Z");
    json_t *pr = json_array(), *r1 = record("Real-time camera"), *r2 = record("Post comparison");
    if (ar_ledger_create(s, r1, "t", "n", pr, lars_rt) ||
        ar_ledger_create(s, r2, "t", "n", pr, lars_post))
        return -1;
    json_decref(r1);
    json_decref(r2);
    json_decref(pr);
    /* real-time RBI with the Art. 5(1)(h) exception; post RBI by a deployer */
    classify(s, lars_rt, "1.1=0 1.2=0 1.3=1 2.1=1 2.3=1 2.4=0 2.5=1 2.6=0 2.7=1 4.1=0");
    classify(s, lars_post, "1.1=0 1.2=0 1.3=1 2.1=1 2.3=1 2.4=0 2.5=2 3.1=1 4.1=0");
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    ar_tree_free(tree);
    return storefx_close(state);
}

static long long open_case(struct ar_store *s, const char *kind, const char *lars)
{
    json_t *in = json_pack("{s:s, s:s, s:s}", "kind", kind, "registration", lars, "authority",
                           "RC Den Haag"),
           *pr = json_array();
    long long id = 0;
    assert_int_equal(ar_case_create(s, &cfg, in, "police", AR_ROLE_REGISTRANT, pr, &id), 0);
    json_decref(in);
    json_decref(pr);
    return id;
}

/* Apply; returns the rc and leaves the first problem's rule in rule (or ""). */
static int ev(struct ar_store *s, long long id, const char *event, json_t *data, const char *role,
              char *rule, size_t n)
{
    json_t *pr = json_array();
    int rc = ar_case_event(s, &cfg, id, event, data, "actor", role, pr, NULL);
    snprintf(rule, n, "%s", json_array_size(pr) ? ar_json_str(json_array_get(pr, 0), "rule") : "");
    if (rc && getenv("TEST_VERBOSE"))
        fprintf(stderr, "%s: %s\n", event, json_dumps(pr, 0));
    json_decref(pr);
    json_decref(data);
    return rc;
}

static const char *state_of(struct ar_store *s, long long id)
{
    static char st[40];
    json_t *c = NULL;
    assert_int_equal(ar_store_case_get(s, id, &c), 0);
    snprintf(st, sizeof st, "%s", ar_json_str(c, "state"));
    json_decref(c);
    return st;
}

static json_t *request(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "objective", "OBJ_II", "target",
                     CANARY, "limit_time", "2 hours", "limit_area", "Dam square", "limit_persons",
                     "one", "harm_if_not_used", "bomb threat", "rights_impact", "crowd", "fria_ref",
                     "IAMA-7");
}

static int has_rule(struct ar_store *s, long long id, const char *rule)
{
    json_t *c = NULL;
    ar_case_get(s, id, &c);
    char *t = json_dumps(json_object_get(c, "events"), 0);
    int found = strstr(t, rule) != NULL;
    free(t);
    json_decref(c);
    return found;
}

static void realtime_refused_without_national_law(void **state)
{
    struct ar_store *s = *state;
    char rule[64];
    long long id = open_case(s, "realtime", lars_rt);
    assert_int_equal(ev(s, id, "submit_request", request(), AR_ROLE_REGISTRANT, rule, sizeof rule),
                     AR_EINVAL);
    assert_string_equal(rule, "national_law");
    assert_string_equal(state_of(s, id), "DRAFT");
    /* the refused attempt is recorded, with the article */
    assert_true(has_rule(s, id, "Art. 5(5)"));
    /* urgency does not get round the national-law gate either */
    json_t *d = request();
    json_object_set_new(d, "urgency", json_string("now"));
    assert_int_equal(ev(s, id, "start_urgent", d, AR_ROLE_REGISTRANT, rule, sizeof rule),
                     AR_EINVAL);
    assert_string_equal(state_of(s, id), "DRAFT");
}

static void realtime_with_national_law(void **state)
{
    struct ar_store *s = *state;
    char rule[64];
    cfg.rbi.national_law = 1;
    cfg.rbi.objectives = 2; /* OBJ_II only */
    now_is("2026-11-23T12:00:00Z");
    long long id = open_case(s, "realtime", lars_rt);
    json_t *d = request();
    json_object_set_new(d, "objective", json_string("OBJ_I"));
    assert_int_equal(ev(s, id, "submit_request", d, AR_ROLE_REGISTRANT, rule, sizeof rule),
                     AR_EINVAL);
    assert_string_equal(rule, "national_law");
    assert_int_equal(ev(s, id, "submit_request", request(), AR_ROLE_AUTHORITY, rule, sizeof rule),
                     AR_EINVAL);
    assert_string_equal(rule, "deployer");
    assert_int_equal(ev(s, id, "submit_request", request(), AR_ROLE_REGISTRANT, rule, sizeof rule),
                     0);
    assert_string_equal(state_of(s, id), "REQUESTED");
    json_t *win = json_pack("{s:s, s:s}", "valid_from", "2026-11-23T12:00:00Z", "valid_until",
                            "2026-11-23T14:00:00Z");
    assert_int_equal(ev(s, id, "grant", json_deep_copy(win), AR_ROLE_REGISTRANT, rule, sizeof rule),
                     AR_EINVAL);
    assert_string_equal(rule, "authority");
    assert_int_equal(ev(s, id, "grant", win, AR_ROLE_AUTHORITY, rule, sizeof rule), 0);
    assert_string_equal(state_of(s, id), "AUTHORISED");
    now_is("2026-11-23T12:30:00Z");
    /* Art. 5(2): not registered in the EU database yet */
    assert_int_equal(ev(s, id, "start", NULL, AR_ROLE_REGISTRANT, rule, sizeof rule), AR_EINVAL);
    assert_string_equal(rule, "eu_database");
    register_eu(s, lars_rt);
    assert_int_equal(ev(s, id, "start", NULL, AR_ROLE_REGISTRANT, rule, sizeof rule), 0);
    assert_string_equal(state_of(s, id), "ACTIVE");
    /* notices to the MSA and the DPA, without the target */
    json_t *c = NULL;
    assert_int_equal(ar_case_get(s, id, &c), 0);
    json_t *no = json_object_get(c, "notices");
    assert_int_equal(json_array_size(no), 2);
    char *t = json_dumps(no, 0);
    assert_null(strstr(t, CANARY));
    assert_non_null(strstr(t, "OBJ_II"));
    free(t);
    json_decref(c);
    /* Art. 14(5): one verifier is not enough; the same person twice neither */
    json_t *m1 = json_pack("{s:[s, s], s:s}", "verifiers", "A", "A", "reference_database", "db");
    assert_int_equal(ev(s, id, "match", m1, AR_ROLE_REGISTRANT, rule, sizeof rule), AR_EINVAL);
    assert_string_equal(rule, "two_persons");
    json_t *m2 = json_pack("{s:[s, s], s:s}", "verifiers", "A", "B", "reference_database", "db");
    assert_int_equal(ev(s, id, "match", m2, AR_ROLE_REGISTRANT, rule, sizeof rule), 0);
    assert_string_equal(state_of(s, id), "ACTIVE");
    /* past the authorised window the timer ends the use */
    now_is("2026-11-23T14:00:01Z");
    int moved = 0;
    assert_int_equal(ar_case_tick(s, &cfg, &moved), 0);
    assert_true(moved >= 1);
    assert_string_equal(state_of(s, id), "ENDED");
    /* no log leaf carries the request */
    struct ar_buf b;
    ar_buf_init(&b, 0);
    uint64_t size = 0;
    ar_store_log_size(s, &size);
    assert_int_equal(ar_store_log_leaves(s, 0, size, &b), 0);
    assert_null(memmem(b.ptr, b.len, CANARY, strlen(CANARY)));
    assert_non_null(memmem(b.ptr, b.len, "aiact-case", 10));
    ar_buf_free(&b);
    cfg.rbi.national_law = 0;
    cfg.rbi.objectives = 0;
}

static void realtime_urgency_deadline_edges(void **state)
{
    struct ar_store *s = *state;
    char rule[64];
    cfg.rbi.national_law = 1;
    cfg.rbi.objectives = 2;
    /* 23h59m after an urgent start the request is in time */
    now_is("2026-11-24T08:00:00Z");
    long long a = open_case(s, "realtime", lars_rt);
    json_t *d = request();
    json_object_set_new(d, "urgency", json_string("imminent attack"));
    assert_int_equal(ev(s, a, "start_urgent", d, AR_ROLE_REGISTRANT, rule, sizeof rule), 0);
    assert_string_equal(state_of(s, a), "ACTIVE_URGENT");
    now_is("2026-11-25T07:59:00Z");
    assert_int_equal(ev(s, a, "submit_request", NULL, AR_ROLE_REGISTRANT, rule, sizeof rule), 0);
    assert_string_equal(state_of(s, a), "URGENT_REQUESTED");
    /* rejection stops at once; deletion must be recorded without content */
    assert_int_equal(ev(s, a, "reject", NULL, AR_ROLE_AUTHORITY, rule, sizeof rule), 0);
    assert_string_equal(state_of(s, a), "STOPPING");
    assert_int_equal(
        ev(s, a, "deletion_done", json_object(), AR_ROLE_REGISTRANT, rule, sizeof rule), AR_EINVAL);
    assert_string_equal(rule, "record");
    json_t *del = json_pack("{s:s, s:i, s:s}", "data_classes", "images, matches", "items_deleted",
                            12, "executor", "officer 1");
    assert_int_equal(ev(s, a, "deletion_done", del, AR_ROLE_REGISTRANT, rule, sizeof rule), 0);
    assert_string_equal(state_of(s, a), "DELETED");
    /* 24h01m without a request: a breach, shown as such */
    now_is("2026-11-26T08:00:00Z");
    long long b = open_case(s, "realtime", lars_rt);
    d = request();
    json_object_set_new(d, "urgency", json_string("imminent attack"));
    assert_int_equal(ev(s, b, "start_urgent", d, AR_ROLE_REGISTRANT, rule, sizeof rule), 0);
    now_is("2026-11-27T08:01:00Z");
    int moved = 0;
    assert_int_equal(ar_case_tick(s, &cfg, &moved), 0);
    assert_string_equal(state_of(s, b), "STOPPED_BREACH");
    json_t *c = NULL;
    assert_int_equal(ar_case_get(s, b, &c), 0);
    assert_string_equal(ar_json_str(json_array_get(json_object_get(c, "flags"), 0), "flag"),
                        "breach");
    json_decref(c);
    assert_int_equal(ev(s, b, "submit_request", NULL, AR_ROLE_REGISTRANT, rule, sizeof rule),
                     AR_EINVAL);
    assert_string_equal(rule, "transition");
    cfg.rbi.national_law = 0;
    cfg.rbi.objectives = 0;
}

static void post_use_targeted_registered_and_timed(void **state)
{
    struct ar_store *s = *state;
    char rule[64];
    now_is("2026-11-23T12:00:00Z");
    long long id = open_case(s, "post", lars_post);
    /* never untargeted (Art. 26(10)) */
    assert_int_equal(ev(s, id, "link_case", json_pack("{s:s}", "target", "x"), AR_ROLE_REGISTRANT,
                        rule, sizeof rule),
                     AR_EINVAL);
    assert_string_equal(rule, "targeted");
    assert_int_equal(
        ev(s, id, "link_case",
           json_pack("{s:s, s:s, s:s}", "link", "offence", "reference", "ON-1", "target", CANARY),
           AR_ROLE_REGISTRANT, rule, sizeof rule),
        0);
    /* Art. 26(8): the high-risk system is not in the EU database */
    assert_int_equal(ev(s, id, "start_unauthorised", NULL, AR_ROLE_REGISTRANT, rule, sizeof rule),
                     AR_EINVAL);
    assert_string_equal(rule, "eu_registration");
    register_eu(s, lars_post);
    assert_int_equal(ev(s, id, "start_unauthorised", NULL, AR_ROLE_REGISTRANT, rule, sizeof rule),
                     0);
    assert_string_equal(state_of(s, id), "IN_USE_PENDING");
    int moved = 0;
    now_is("2026-11-25T11:59:00Z"); /* 47h59m */
    assert_int_equal(ar_case_tick(s, &cfg, &moved), 0);
    assert_string_equal(state_of(s, id), "IN_USE_PENDING");
    now_is("2026-11-25T12:01:00Z"); /* 48h01m */
    assert_int_equal(ar_case_tick(s, &cfg, &moved), 0);
    assert_string_equal(state_of(s, id), "STOPPED_BREACH");
}

static json_t *factors(int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:i, s:s}", "factor", i + 1, "assessment", "ok"));
    return a;
}

static void review_track(void **state)
{
    struct ar_store *s = *state;
    char rule[64];
    long long id = open_case(s, "review", lars_post);
    assert_int_equal(ev(s, id, "apply", json_pack("{s:{s:s}}", "plan", "technology", "x"),
                        AR_ROLE_REGISTRANT, rule, sizeof rule),
                     AR_EINVAL);
    assert_string_equal(rule, "required");
    json_t *plan = json_pack("{s:{s:s, s:s, s:s}}", "plan", "technology", "t", "circumstances", "c",
                             "follow_up", "f");
    assert_int_equal(ev(s, id, "apply", plan, AR_ROLE_REGISTRANT, rule, sizeof rule), 0);
    assert_int_equal(
        ev(s, id, "committee_accepts",
           json_pack("{s:b, s:[s]}", "independence_declaration", 1, "composition", "chair"),
           AR_ROLE_REGISTRANT, rule, sizeof rule),
        AR_EINVAL);
    assert_string_equal(rule, "review_track");
    assert_int_equal(
        ev(s, id, "committee_accepts",
           json_pack("{s:b, s:[s]}", "independence_declaration", 1, "composition", "chair"),
           AR_ROLE_COMMITTEE, rule, sizeof rule),
        0);
    json_t *pc = json_pack("{s:s, s:s, s:s, s:s, s:s}", "reporting_and_review", "y",
                           "system_conditions", "y", "human_control", "y", "privacy_and_data", "y",
                           "transparency_and_accountability", "y");
    json_t *bad = json_pack("{s:s, s:o, s:O}", "outcome", "positive", "factors", factors(9),
                            "preconditions", pc);
    assert_int_equal(ev(s, id, "oordeel", bad, AR_ROLE_COMMITTEE, rule, sizeof rule), AR_EINVAL);
    assert_string_equal(rule, "all_factors");
    json_t *good = json_pack("{s:s, s:o, s:o}", "outcome", "positive", "factors", factors(10),
                             "preconditions", pc);
    assert_int_equal(ev(s, id, "oordeel", good, AR_ROLE_COMMITTEE, rule, sizeof rule), 0);
    assert_string_equal(state_of(s, id), "POSITIVE");
    /* RATIFIED never needs skipping: the prosecutor cannot decide before the chief */
    assert_int_equal(ev(s, id, "go", NULL, AR_ROLE_PROSECUTOR, rule, sizeof rule), AR_EINVAL);
    assert_string_equal(rule, "transition");
    assert_int_equal(ev(s, id, "ratify", NULL, AR_ROLE_CHIEF, rule, sizeof rule), 0);
    assert_int_equal(ev(s, id, "go", NULL, AR_ROLE_MAYOR, rule, sizeof rule), 0);
    assert_string_equal(state_of(s, id), "DEPLOYABLE");
    assert_int_equal(ev(s, id, "change", json_pack("{s:s}", "what", "technology"),
                        AR_ROLE_REGISTRANT, rule, sizeof rule),
                     0);
    assert_string_equal(state_of(s, id), "DRAFT");
    json_t *c = NULL;
    ar_store_case_get(s, id, &c);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(c, "machine"), "round")),
                     2);
    json_decref(c);
}

static void yearly_report(void **state)
{
    struct ar_store *s = *state;
    json_t *rep = NULL;
    assert_int_equal(ar_case_report(s, 2026, NULL, &rep), 0);
    json_t *a = json_array_get(json_object_get(rep, "authorities"), 0);
    assert_string_equal(ar_json_str(a, "authority"), "RC Den Haag");
    json_t *rt = json_object_get(a, "realtime");
    assert_true(json_integer_value(json_object_get(rt, "requests")) >= 4);
    assert_true(json_integer_value(json_object_get(rt, "refused_on_the_rules")) >= 2);
    assert_int_equal(json_integer_value(json_object_get(rt, "granted")), 1);
    assert_int_equal(json_integer_value(json_object_get(rt, "rejected")), 1);
    assert_int_equal(json_integer_value(json_object_get(rt, "breaches")), 1);
    assert_int_equal(json_integer_value(json_object_get(rt, "deletions")), 1);
    struct ar_buf csv;
    ar_buf_init(&csv, 0);
    ar_case_report_csv(rep, &csv);
    assert_non_null(strstr(ar_buf_cstr(&csv), "\"RC Den Haag\",realtime,granted,1\r\n"));
    assert_null(strstr(ar_buf_cstr(&csv), CANARY));
    ar_buf_free(&csv);
    char *t = json_dumps(rep, 0);
    assert_null(strstr(t, CANARY));
    free(t);
    json_decref(rep);
    assert_int_equal(ar_case_report(s, 2031, NULL, &rep), 0);
    assert_int_equal(json_array_size(json_object_get(
                         json_array_get(json_object_get(rep, "authorities"), 0), "realtime")),
                     0);
    json_decref(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(realtime_refused_without_national_law),
        cmocka_unit_test(realtime_with_national_law),
        cmocka_unit_test(realtime_urgency_deadline_edges),
        cmocka_unit_test(post_use_targeted_registered_and_timed),
        cmocka_unit_test(review_track),
        cmocka_unit_test(yearly_report),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
