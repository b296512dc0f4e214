/* test_approval.c — four eyes and the submission flow in process: a concept with a
 * reserved id, its replacement, release, publication by someone else only, archive and
 * unarchive, retraction (hidden from search, logged, refused while withheld) and
 * publication again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approval/approval.h"
#include "base/err.h"
#include "json/json.h"
#include "log/log.h"
#include "model/lars.h"
#include "model/registry.h"
#include "store/store.h"
#include "unit/storefx.h"

static struct ar_seal_key key;
static struct ar_approval_ctx ctx = {&key, &ar_exception_defaults};

static int setup(void **state)
{
    randombytes_buf(key.k, sizeof key.k);
    return storefx_open(state, "appr", "2026-11-23T12:00:00Z");
}

static int teardown(void **state)
{
    return storefx_close(state);
}

static json_t *record(const char *descr)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", "Zoeker UNIQUEWORD",
                     "description_short", descr, "organization", "Politie", "status", "In gebruik",
                     "contact_email", "a@b.nl", "publication_category", "Overige algoritmes");
}

static const char *state_of(struct ar_store *s, long long id)
{
    static char buf[32];
    json_t *row = NULL;
    buf[0] = '\0';
    if (ar_store_draft_get(s, id, &row) == 0)
        snprintf(buf, sizeof buf, "%s", ar_json_str(row, "state"));
    json_decref(row);
    return buf;
}

static long long found(struct ar_store *s, const char *q)
{
    struct ar_query query = {.q = q, .is_ai = -1, .page = 1, .per_page = 10};
    json_t *res = NULL;
    assert_int_equal(ar_store_search(s, &query, &res), 0);
    long long n = json_integer_value(json_object_get(res, "total"));
    json_decref(res);
    return n;
}

static void concept_release_publish(void **state)
{
    struct ar_store *s = *state;
    json_t *pr = json_array(), *rec = record("Eerste"), *rec2 = record("Tweede"), *v = NULL;
    char id[9], lars[9];
    long long d1, d2;
    int changed, version;
    ar_lars_generate(id);
    assert_int_equal(
        ar_approval_concept(s, &ctx, "anna", "politie", id, 1, rec, 1, pr, &d1, &changed), 0);
    assert_int_equal(changed, 1);
    assert_string_equal(state_of(s, d1), "concept");
    assert_int_equal(ar_store_reg_exists(s, id), AR_ENOTFOUND); /* nothing public yet */
    /* the id is held: by this organisation's draft, and for no fresh id */
    assert_int_equal(ar_store_draft_holds(s, id, "politie"), 0);
    assert_int_equal(ar_store_draft_holds(s, id, "om"), AR_ENOTFOUND);
    char other[9];
    assert_int_equal(ar_approval_free_id(s, other), 0);
    assert_string_not_equal(other, id);
    assert_int_equal(ar_store_draft_holds(s, other, NULL), AR_ENOTFOUND);
    /* a concept is not approved before it is released */
    assert_int_equal(
        ar_approval_decide(s, &ctx, d1, "piet", "politie", 1, NULL, pr, lars, &version),
        AR_ECONFLICT);
    /* a newer concept replaces it */
    assert_int_equal(
        ar_approval_concept(s, &ctx, "anna", "politie", id, 1, rec2, 1, pr, &d2, &changed), 0);
    assert_string_equal(state_of(s, d1), "withdrawn");
    assert_string_equal(state_of(s, d2), "concept");
    /* another organisation releases nothing of it */
    json_array_clear(pr);
    assert_int_equal(ar_approval_release(s, &ctx, d2, "omar", "om", pr), AR_ENOTFOUND);
    assert_int_equal(ar_approval_release(s, &ctx, d2, "anna", "politie", pr), 0);
    assert_int_equal(ar_approval_release(s, &ctx, d2, "anna", "politie", pr), AR_ECONFLICT);
    /* four eyes: the author does not publish */
    json_array_clear(pr);
    assert_int_equal(
        ar_approval_decide(s, &ctx, d2, "anna", "politie", 1, NULL, pr, lars, &version),
        AR_EDENIED);
    assert_string_equal(ar_json_str(json_array_get(pr, 0), "rule"), "four_eyes");
    assert_int_equal(
        ar_approval_decide(s, &ctx, d2, "piet", "politie", 1, NULL, pr, lars, &version), 0);
    assert_string_equal(lars, id); /* the reserved id is the public one */
    assert_int_equal(version, 1);
    assert_int_equal(ar_registry_get(s, id, 0, &v), 0);
    assert_string_equal(ar_json_str(json_object_get(v, "record"), "description_short"), "Tweede");
    assert_string_equal(ar_json_str(v, "author"), "anna");
    json_decref(v);
    json_decref(rec);
    json_decref(rec2);
    json_decref(pr);
}

static void archive_and_unarchive(void **state)
{
    struct ar_store *s = *state;
    json_t *pr = json_array(), *rec = record("Een"), *rec2 = record("Twee");
    char id[9];
    long long d1, d2;
    int changed;
    ar_lars_generate(id);
    assert_int_equal(
        ar_approval_concept(s, &ctx, "anna", "politie", id, 1, rec, 1, pr, &d1, &changed), 0);
    assert_int_equal(ar_approval_archive(s, d1, "anna", "politie", 1, pr), 0);
    assert_string_equal(state_of(s, d1), "archived");
    assert_int_equal(ar_approval_archive(s, d1, "anna", "politie", 1, pr), AR_ECONFLICT);
    /* a new concept meanwhile: the archived one cannot come back beside it */
    assert_int_equal(
        ar_approval_concept(s, &ctx, "anna", "politie", id, 1, rec2, 1, pr, &d2, &changed), 0);
    json_array_clear(pr);
    assert_int_equal(ar_approval_archive(s, d1, "anna", "politie", 0, pr), AR_ECONFLICT);
    assert_string_equal(ar_json_str(json_array_get(pr, 0), "rule"), "open_draft");
    assert_int_equal(ar_approval_archive(s, d2, "anna", "politie", 1, pr), 0);
    assert_int_equal(ar_approval_archive(s, d1, "anna", "politie", 0, pr), 0);
    assert_string_equal(state_of(s, d1), "concept");
    json_decref(rec);
    json_decref(rec2);
    json_decref(pr);
}

static void retract_and_publish_again(void **state)
{
    struct ar_store *s = *state;
    json_t *pr = json_array(), *rec = record("Zichtbaar"), *v = NULL;
    char id[9], lars[9];
    long long d;
    int changed, version;
    uint64_t size0, size1;
    assert_int_equal(ar_ledger_create(s, rec, "anna", NULL, pr, id), 0);
    assert_int_equal(found(s, "UNIQUEWORD"), 1);
    assert_int_equal(ar_approval_retract(s, id, "om", pr), AR_ENOTFOUND); /* not theirs */
    assert_int_equal(ar_store_log_size(s, &size0), 0);
    assert_int_equal(ar_approval_retract(s, id, "politie", pr), 0);
    assert_int_equal(ar_store_log_size(s, &size1), 0);
    assert_int_equal(size1, size0 + 1); /* one leaf says so */
    assert_int_equal(ar_approval_retract(s, id, "politie", pr), AR_ECONFLICT);
    assert_int_equal(found(s, "UNIQUEWORD"), 0); /* gone from search */
    assert_int_equal(ar_store_version_get(s, id, 0, &v), 0);
    assert_string_equal(ar_json_str(v, "retracted"), "2026-11-23T12:00:00Z");
    json_decref(v);
    v = NULL;
    /* the same content again, through the four eyes, makes it public */
    assert_int_equal(
        ar_approval_submit(s, &ctx, "anna", "politie", id, rec, NULL, NULL, 0, pr, &d, &changed),
        0);
    assert_int_equal(changed, 1);
    assert_int_equal(ar_approval_decide(s, &ctx, d, "piet", "politie", 1, NULL, pr, lars, &version),
                     0);
    assert_int_equal(version, 1); /* no new version: the content did not change */
    assert_int_equal(ar_store_version_get(s, id, 0, &v), 0);
    assert_null(json_object_get(v, "retracted"));
    assert_int_equal(found(s, "UNIQUEWORD"), 1);
    json_decref(v);
    json_decref(rec);
    json_decref(pr);
}

static void withheld_is_not_retracted(void **state)
{
    struct ar_store *s = *state;
    json_t *pr = json_array(), *rec = record("Achter");
    json_t *w = json_pack("{s:s, s:s, s:s, s:s}", "ground", "detection", "justification",
                          "Lopend onderzoek", "case_reference", "X-1", "until", "2027-01-15");
    char id[9];
    assert_int_equal(
        ar_exception_create(s, &key, &ar_exception_defaults, rec, w, "t", NULL, pr, id), 0);
    assert_int_equal(ar_approval_retract(s, id, "politie", pr), AR_EDENIED);
    assert_string_equal(ar_json_str(json_array_get(pr, 0), "rule"), "withheld");
    json_decref(w);
    json_decref(rec);
    json_decref(pr);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(concept_release_publish, setup, teardown),
        cmocka_unit_test_setup_teardown(archive_and_unarchive, setup, teardown),
        cmocka_unit_test_setup_teardown(retract_and_publish_again, setup, teardown),
        cmocka_unit_test_setup_teardown(withheld_is_not_retracted, setup, teardown),
    };
    return cmocka_run_group_tests_name("approval", tests, NULL, NULL);
}
