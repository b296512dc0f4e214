/* test_rbi.c — every transition, guard and timer edge of the RBI state machines
 * (shared AI_ACT.md §7.2, §7.3), with the clock moved instead of waited for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "aiact/rbi.h"
#include "base/clock.h"
#include "base/err.h"

#define H 3600
#define T0 ((time_t)1795000000)

static struct ar_rbi_cfg lawful; /* as if a national Art. 5(5) law allowed everything */

static int setup(void **state)
{
    (void)state;
    lawful = ar_rbi_default_cfg;
    lawful.national_law = 1;
    lawful.objectives = 7;
    lawful.offences = 0xffff;
    return 0;
}

static json_t *request(void)
{
    return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "objective",
                     "OBJ_III", "offence", "AII_09", "max_penalty_years", 12, "target", "X",
                     "limit_time", "6h", "limit_area", "station", "limit_persons", "1",
                     "harm_if_not_used", "h", "rights_impact", "r", "fria_ref", "FRIA-1", "urgency",
                     "kidnapping in progress");
}

static const char *rule_of(json_t *pr)
{
    return json_string_value(json_object_get(json_array_get(pr, 0), "rule"));
}

static int apply(struct ar_rbi *m, const char *ev, json_t *d, const char *role, time_t now,
                 const struct ar_rbi_cfg *cfg, json_t *pr)
{
    json_array_clear(pr);
    return ar_rbi_apply(m, ev, d, role, now, cfg, pr);
}

static void dutch_default_refuses_every_realtime_use(void **state)
{
    (void)state;
    struct ar_rbi m = {.kind = AR_RBI_REALTIME};
    json_t *req = request(), *pr = json_array();
    assert_int_equal(apply(&m, "submit_request", req, "police", T0, &ar_rbi_default_cfg, pr),
                     AR_EINVAL);
    assert_string_equal(rule_of(pr), "national_law");
    const char *d = json_string_value(json_object_get(json_array_get(pr, 0), "detail"));
    assert_non_null(strstr(d, "Art. 5(5)"));
    assert_int_equal(apply(&m, "start_urgent", req, "police", T0, &ar_rbi_default_cfg, pr),
                     AR_EINVAL);
    assert_int_equal(m.state, AR_RBI_DRAFT);
    json_decref(req);
    json_decref(pr);
}

static void request_elements_are_checked(void **state)
{
    (void)state;
    struct ar_rbi m = {.kind = AR_RBI_REALTIME};
    json_t *pr = json_array(), *req = request();
    json_object_set_new(req, "objective", json_string("OBJ_IV"));
    assert_int_equal(apply(&m, "submit_request", req, "police", T0, &lawful, pr), AR_EINVAL);
    assert_string_equal(rule_of(pr), "permitted_values");
    json_decref(req);
    req = request();
    json_object_set_new(req, "offence", json_string("AII_17"));
    json_object_set_new(req, "max_penalty_years", json_integer(3));
    assert_int_equal(apply(&m, "submit_request", req, "police", T0, &lawful, pr), AR_EINVAL);
    assert_int_equal(json_array_size(pr), 2);
    json_decref(req);
    req = request();
    json_object_del(req, "limit_area");
    json_object_del(req, "fria_ref");
    assert_int_equal(apply(&m, "submit_request", req, "police", T0, &lawful, pr), AR_EINVAL);
    assert_int_equal(json_array_size(pr), 2);
    assert_int_equal(m.state, AR_RBI_DRAFT);
    json_decref(req);
    json_decref(pr);
}

static void authorised_use_start_to_end(void **state)
{
    (void)state;
    struct ar_rbi m = {.kind = AR_RBI_REALTIME};
    json_t *pr = json_array(), *req = request();
    json_t *grant = json_pack("{s:s, s:s}", "valid_from", "2026-11-18T00:00:00Z", "valid_until",
                              "2026-11-19T00:00:00Z");
    time_t from;
    assert_int_equal(ar_clock_parse(&from, "2026-11-18T00:00:00Z"), 0);
    assert_int_equal(apply(&m, "submit_request", req, "police", from - H, &lawful, pr), 0);
    assert_int_equal(m.state, AR_RBI_REQUESTED);
    assert_int_equal(apply(&m, "grant", grant, "police", from - H, &lawful, pr), AR_EINVAL);
    assert_string_equal(rule_of(pr), "authority");
    assert_int_equal(apply(&m, "grant", grant, "authorising_authority", from - H, &lawful, pr), 0);
    assert_int_equal(m.state, AR_RBI_AUTHORISED);
    assert_int_equal(apply(&m, "start", NULL, "police", from - 1, &lawful, pr), AR_EINVAL);
    assert_string_equal(rule_of(pr), "authorisation_scope");
    assert_int_equal(apply(&m, "start", NULL, "police", from + H, &lawful, pr), 0);
    assert_int_equal(m.state, AR_RBI_ACTIVE);
    /* the authorisation's end ends the use */
    assert_int_equal(apply(&m, "tick", NULL, "police", from + 25 * H, &lawful, pr), 0);
    assert_int_equal(m.state, AR_RBI_ENDED);
    assert_int_equal(apply(&m, "start", NULL, "police", from + 26 * H, &lawful, pr), AR_EINVAL);
    assert_string_equal(rule_of(pr), "transition");
    json_decref(req);
    json_decref(grant);
    json_decref(pr);
}

static void urgency_24_hours_edge(void **state)
{
    (void)state;
    json_t *pr = json_array(), *req = request();
    /* 23h59m after the start: the request is in time */
    struct ar_rbi m = {.kind = AR_RBI_REALTIME};
    assert_int_equal(apply(&m, "start_urgent", req, "police", T0, &lawful, pr), 0);
    assert_int_equal(m.state, AR_RBI_ACTIVE_URGENT);
    assert_int_equal(apply(&m, "submit_request", req, "police", T0 + 23 * H + 59 * 60, &lawful, pr),
                     0);
    assert_int_equal(m.state, AR_RBI_URGENT_REQUESTED);
    /* refused: stop at once, then a deletion record */
    assert_int_equal(apply(&m, "reject", NULL, "authorising_authority", T0 + 25 * H, &lawful, pr),
                     0);
    assert_int_equal(m.state, AR_RBI_STOPPING);
    assert_int_equal(apply(&m, "deletion_done", NULL, "police", T0 + 26 * H, &lawful, pr),
                     AR_EINVAL);
    assert_string_equal(rule_of(pr), "record");
    json_t *del = json_pack("{s:s, s:i, s:s}", "data_classes", "video, matches", "items_deleted",
                            41, "executor", "officer 7");
    assert_int_equal(apply(&m, "deletion_done", del, "police", T0 + 26 * H, &lawful, pr), 0);
    assert_int_equal(m.state, AR_RBI_DELETED);
    /* 24h01m: too late — the use was stopped as a breach */
    struct ar_rbi late = {.kind = AR_RBI_REALTIME};
    assert_int_equal(apply(&late, "start_urgent", req, "police", T0, &lawful, pr), 0);
    assert_int_equal(apply(&late, "submit_request", req, "police", T0 + 24 * H + 60, &lawful, pr),
                     AR_EINVAL);
    assert_int_equal(apply(&late, "tick", NULL, "police", T0 + 24 * H + 60, &lawful, pr), 0);
    assert_int_equal(late.state, AR_RBI_STOPPED_BREACH);
    assert_true(late.breach);
    json_decref(del);
    json_decref(req);
    json_decref(pr);
}

static void post_use_48_hours_and_targeting(void **state)
{
    (void)state;
    json_t *pr = json_array();
    struct ar_rbi m = {.kind = AR_RBI_POST};
    json_t *untargeted = json_pack("{s:s}", "link", "general_search");
    assert_int_equal(apply(&m, "link_case", untargeted, "police", T0, &ar_rbi_default_cfg, pr),
                     AR_EINVAL);
    assert_string_equal(rule_of(pr), "targeted");
    json_t *link = json_pack("{s:s, s:s, s:s}", "link", "offence", "reference", "2026-123",
                             "target", "unknown robber");
    assert_int_equal(apply(&m, "link_case", link, "police", T0, &ar_rbi_default_cfg, pr), 0);
    struct ar_rbi exempt = m, late = m;
    assert_int_equal(apply(&m, "start_unauthorised", NULL, "police", T0, &ar_rbi_default_cfg, pr),
                     0);
    assert_int_equal(m.state, AR_RBI_IN_USE_PENDING);
    json_t *reasons = json_pack("{s:s}", "reasons", "robbery");
    assert_int_equal(apply(&m, "submit_request", reasons, "police", T0 + 47 * H + 59 * 60,
                           &ar_rbi_default_cfg, pr),
                     0);
    assert_int_equal(m.state, AR_RBI_IN_USE_REQUESTED);
    json_t *grant = json_pack("{s:s, s:s}", "valid_from", "2026-11-18T00:00:00Z", "valid_until",
                              "2026-12-18T00:00:00Z");
    assert_int_equal(
        apply(&m, "grant", grant, "authorising_authority", T0 + 50 * H, &ar_rbi_default_cfg, pr),
        0);
    assert_int_equal(m.state, AR_RBI_ACTIVE);
    assert_int_equal(apply(&m, "end", NULL, "police", T0 + 60 * H, &ar_rbi_default_cfg, pr), 0);
    assert_int_equal(m.state, AR_RBI_ENDED);
    /* 48h01m without a request: breach */
    assert_int_equal(
        apply(&late, "start_unauthorised", NULL, "police", T0, &ar_rbi_default_cfg, pr), 0);
    assert_int_equal(
        apply(&late, "tick", NULL, "police", T0 + 48 * H + 60, &ar_rbi_default_cfg, pr), 0);
    assert_int_equal(late.state, AR_RBI_STOPPED_BREACH);
    /* initial identification of a potential suspect needs the facts */
    assert_int_equal(
        apply(&exempt, "start_initial_identification", NULL, "police", T0, &ar_rbi_default_cfg, pr),
        AR_EINVAL);
    json_t *facts = json_pack("{s:s}", "facts", "camera image of the robbery");
    assert_int_equal(apply(&exempt, "start_initial_identification", facts, "police", T0,
                           &ar_rbi_default_cfg, pr),
                     0);
    assert_int_equal(exempt.state, AR_RBI_IN_USE_EXEMPT);
    json_decref(untargeted);
    json_decref(link);
    json_decref(reasons);
    json_decref(grant);
    json_decref(facts);
    json_decref(pr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(dutch_default_refuses_every_realtime_use, setup),
        cmocka_unit_test_setup(request_elements_are_checked, setup),
        cmocka_unit_test_setup(authorised_use_start_to_end, setup),
        cmocka_unit_test_setup(urgency_24_hours_edge, setup),
        cmocka_unit_test_setup(post_use_48_hours_and_targeting, setup),
    };
    return cmocka_run_group_tests_name("rbi", tests, NULL, NULL);
}
