/* test_store.c — the store and registry: versions, immutability, search, facets, similar
 * entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "model/registry.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "unit/storefx.h"

static json_t *record(const char *name, const char *org, const char *status)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:{s:b}}", "name", name,
                     "description_short", "Omschrijving van het gezichtsherkenningssysteem",
                     "organization", org, "status", status, "contact_email", "a@b.nl",
                     "publication_category", "Overige algoritmes", "category", "Recht",
                     "safeguards", "is_ai", 1);
}

/* A new store for each test: SQLite, or PostgreSQL under ALGOREG_TEST_BACKEND (storefx.h). */
static int setup(void **state)
{
    return storefx_open(state, "store", "2026-11-23T10:00:00Z");
}

static int teardown(void **state)
{
    return storefx_close(state);
}

static void versions_are_appended_never_overwritten(void **state)
{
    struct ar_store *s = *state;
    json_t *pr = json_array(), *rec = record("Systeem A", "Politie", "In gebruik");
    char id[9];
    assert_int_equal(ar_registry_create(s, rec, "tester", "eerste", pr, id, NULL), 0);
    json_object_set_new(rec, "name", json_string("Systeem A2"));
    int v, changed;
    assert_int_equal(ar_registry_update(s, id, rec, "tester", "tweede", 1, pr, &v, &changed, NULL),
                     0);
    assert_int_equal(v, 2);
    assert_true(changed);
    /* Same content again: no new version. */
    assert_int_equal(ar_registry_update(s, id, rec, "tester", "zelfde", 0, pr, &v, &changed, NULL),
                     0);
    assert_int_equal(v, 2);
    assert_false(changed);
    /* Stale base version: conflict, nothing written. */
    json_object_set_new(rec, "name", json_string("Systeem A3"));
    assert_int_equal(ar_registry_update(s, id, rec, "tester", "oud", 1, pr, &v, &changed, NULL),
                     AR_ECONFLICT);
    json_t *one = NULL;
    assert_int_equal(ar_registry_get(s, id, 1, &one), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(one, "record"), "name")),
                        "Systeem A");
    assert_int_equal(json_integer_value(json_object_get(one, "versions")), 2);
    json_t *d = NULL;
    assert_int_equal(ar_registry_diff(s, id, 1, 2, &d), 0);
    assert_int_equal(json_array_size(json_object_get(d, "changes")), 1);
    json_decref(d);
    json_decref(one);
    json_decref(rec);
    json_decref(pr);
}

static void schema_forbids_changing_versions(void **state)
{
    struct ar_store *s = *state;
    json_t *pr = json_array(), *rec = record("Vast", "Politie", "In gebruik");
    char id[9];
    assert_int_equal(ar_registry_create(s, rec, "tester", NULL, pr, id, NULL), 0);
    json_decref(rec);
    json_decref(pr);
    /* the schema itself refuses, on either database, whoever writes */
    struct ar_sql *db = ar_store_sql(s);
    assert_int_equal(ar_sql_exec(db, "UPDATE versions SET doc = '{}'"), AR_ECONFLICT);
    assert_int_equal(ar_sql_exec(db, "DELETE FROM versions"), AR_ECONFLICT);
    assert_int_equal(ar_sql_exec(db, "DELETE FROM registrations"), AR_ECONFLICT);
}

static void rejected_write_leaves_nothing(void **state)
{
    struct ar_store *s = *state;
    long long before, after;
    assert_int_equal(ar_store_count(s, &before), 0);
    json_t *pr = json_array(), *rec = record("", "Politie", "Kapot");
    char id[9];
    assert_int_equal(ar_registry_create(s, rec, "tester", NULL, pr, id, NULL), AR_EINVAL);
    assert_true(json_array_size(pr) >= 2); /* name required and status invalid, both */
    assert_int_equal(ar_store_count(s, &after), 0);
    assert_true(before == after);
    /* A duplicate given id: conflict, nothing written. */
    json_decref(rec);
    rec = record("Dubbel", "Politie", "In gebruik");
    json_object_set_new(rec, "lars", json_string("11136893"));
    json_array_clear(pr);
    assert_int_equal(ar_registry_create(s, rec, "tester", NULL, pr, id, NULL), 0);
    assert_int_equal(ar_registry_create(s, rec, "tester", NULL, pr, id, NULL), AR_ECONFLICT);
    json_decref(rec);
    json_decref(pr);
}

static void search_filters_and_counts(void **state)
{
    struct ar_store *s = *state;
    json_t *pr = json_array();
    char id[9];
    const char *orgs[] = {"Politie", "Openbaar Ministerie"};
    for (int i = 0; i < 30; i++) {
        char name[40];
        snprintf(name, sizeof name, "Zoeksysteem %d", i);
        json_t *rec = record(name, orgs[i % 2], i < 10 ? "In ontwikkeling" : "In gebruik");
        assert_int_equal(ar_registry_create(s, rec, "t", NULL, pr, id, NULL), 0);
        json_decref(rec);
    }
    struct ar_query q = {.q = "zoeksysteem", .is_ai = -1, .page = 1, .per_page = 10};
    json_t *res = NULL;
    assert_int_equal(ar_store_search(s, &q, &res), 0);
    assert_int_equal(json_integer_value(json_object_get(res, "total")), 30);
    assert_int_equal(json_array_size(json_object_get(res, "items")), 10);
    assert_int_equal(json_integer_value(json_object_get(res, "pages")), 3);
    json_decref(res);
    q.status = "In ontwikkeling";
    q.org = "politie";
    assert_int_equal(ar_store_search(s, &q, &res), 0);
    assert_int_equal(json_integer_value(json_object_get(res, "total")), 5);
    /* The status facet ignores its own filter: both statuses are counted. */
    json_t *st = json_object_get(json_object_get(res, "facets"), "status");
    assert_int_equal(json_array_size(st), 2);
    json_decref(res);
    /* FTS syntax in user input is quoted, never interpreted. */
    struct ar_query evil = {.q = "\"zoek* OR name: NEAR(", .is_ai = -1, .page = 1};
    assert_int_equal(ar_store_search(s, &evil, &res), 0);
    json_decref(res);
    /* Accent-insensitive Dutch search. */
    struct ar_query acc = {.q = "GEZICHTSHERKENNINGSSYSTEEM", .is_ai = -1, .page = 1};
    assert_int_equal(ar_store_search(s, &acc, &res), 0);
    assert_true(json_integer_value(json_object_get(res, "total")) >= 30);
    json_decref(res);
    json_decref(pr);
}

/* Similar entries: scored in the database by the summed tf-idf weights of the
 * distinctive words they share, the entry itself and (unless asked) its own
 * organisation left out; the same figures on SQLite and PostgreSQL. */
static void similar_entries_share_distinctive_words(void **state)
{
    struct ar_store *s = *state;
    json_t *pr = json_array();
    struct {
        const char *name, *org, *words;
    } e[] = {
        {"Alfa", "Politie", "kwartelvogel zandloper meeuwenkolonie duinroosje"},
        {"Bravo", "Openbaar Ministerie", "kwartelvogel zandloper meeuwenkolonie"},
        {"Charlie", "Openbaar Ministerie", "kwartelvogel zandloper"},
        {"Delta", "Politie", "duinroosje"},
    };
    char ids[11][9];
    for (int i = 0; i < 11; i++) {
        char name[16];
        snprintf(name, sizeof name, "Vulling%c", 'a' + i);
        json_t *rec = record(i < 4 ? e[i].name : name, i < 4 ? e[i].org : "Politie", "In gebruik");
        if (i < 4)
            json_object_set_new(rec, "description_short", json_string(e[i].words));
        assert_int_equal(ar_registry_create(s, rec, "t", NULL, pr, ids[i], NULL), 0);
        json_decref(rec);
    }
    /* eleven entries; the shared words are in three (df 3) or two (df 2) of them */
    double w3 = log(11.0 / 3), w2 = log(11.0 / 2);
    json_t *sim = NULL;
    assert_int_equal(ar_store_similar(s, ids[0], 5, 1, &sim), 0);
    json_t *items = json_object_get(sim, "items");
    assert_int_equal(json_array_size(items), 3);
    const char *want[] = {ids[1], ids[2], ids[3]};
    double score[] = {2 * w3 + w2, 2 * w3, w2};
    for (size_t i = 0; i < 3; i++) {
        json_t *it = json_array_get(items, i);
        assert_string_equal(json_string_value(json_object_get(it, "id")), want[i]);
        assert_true(fabs(json_real_value(json_object_get(it, "score")) - score[i]) < 1e-5);
    }
    assert_int_equal(json_array_size(json_object_get(sim, "terms")), 4);
    json_decref(sim);
    /* another organisation's only (Delta is the police's own), and the limit */
    assert_int_equal(ar_store_similar(s, ids[0], 1, 0, &sim), 0);
    items = json_object_get(sim, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "id")), ids[1]);
    json_decref(sim);
    /* a filler shares no distinctive word */
    assert_int_equal(ar_store_similar(s, ids[6], 5, 1, &sim), 0);
    assert_int_equal(json_array_size(json_object_get(sim, "items")), 0);
    json_decref(sim);
    assert_int_equal(ar_store_similar(s, "99999999", 5, 1, &sim), AR_ENOTFOUND);
    json_decref(pr);
}

static void nested_transactions_undo_one_part(void **state)
{
    struct ar_store *s = *state;
    long long before, after;
    ar_store_count(s, &before);
    json_t *pr = json_array(), *rec = record("Binnen", "Politie", "In gebruik");
    char id[9];
    assert_int_equal(ar_store_begin(s), 0);
    assert_int_equal(ar_registry_create(s, rec, "t", NULL, pr, id, NULL), 0);
    ar_store_rollback(s);
    ar_store_count(s, &after);
    assert_true(after == before);
    json_decref(rec);
    json_decref(pr);
}

static void newer_schema_is_refused(void **state)
{
    (void)state;
    sqlite3 *db;
    char p[80];
    snprintf(p, sizeof p, "/tmp/algoreg-newer-%d.db", (int)getpid());
    unlink(p);
    sqlite3_open(p, &db);
    sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL);
    sqlite3_close(db);
    struct ar_store *s = NULL;
    assert_int_not_equal(ar_store_open(&s, p, 0), 0);
    assert_null(s);
    unlink(p);
}

/* Backup of a live database, refusals, restore into a new file that opens with the
 * same content; a damaged or foreign file is not restored. */
static void backup_and_restore(void **state)
{
    struct ar_store *s = *state;
    if (storefx_pgname[0])
        skip(); /* SQLite's file backup; PostgreSQL's: tests/e2e/test_postgresql.py */
    const char *dbpath = storefx_path;
    char bk[700], to[700], bad[700];
    json_t *pr = json_array(), *rec = record("Systeem B", "Politie", "In gebruik");
    char id[9];
    assert_int_equal(ar_registry_create(s, rec, "tester", "eerste", pr, id, NULL), 0);
    snprintf(bk, sizeof bk, "%s.backup", dbpath);
    snprintf(to, sizeof to, "%s.restored", dbpath);
    snprintf(bad, sizeof bad, "%s.bad", dbpath);
    unlink(bk);
    unlink(to);
    assert_int_equal(ar_store_backup(dbpath, bk), 0);
    assert_int_equal(ar_store_backup(dbpath, bk), AR_ECONFLICT); /* never overwritten */
    int v = -1;
    assert_int_equal(ar_store_file_version(bk, &v), 0);
    assert_int_equal(v, ar_store_schema_latest());
    assert_true(ar_store_schema_latest() >= 8);
    assert_int_equal(ar_store_restore(bk, to), 0);
    assert_int_equal(ar_store_restore(bk, to), AR_ECONFLICT);
    struct ar_store *r = NULL;
    json_t *one = NULL;
    assert_int_equal(ar_store_open(&r, to, 0), 0);
    assert_int_equal(ar_registry_get(r, id, 1, &one), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(one, "record"), "name")),
                        "Systeem B");
    json_decref(one);
    ar_store_close(r);
    /* not a database; an SQLite database of someone else's */
    FILE *f = fopen(bad, "w");
    fputs("no database here, just text that is long enough to be a header of sorts\n", f);
    fclose(f);
    unlink(to);
    assert_int_not_equal(ar_store_restore(bad, to), 0);
    assert_int_not_equal(access(to, F_OK), 0);
    unlink(bad);
    sqlite3 *db;
    sqlite3_open(bad, &db);
    sqlite3_exec(db, "CREATE TABLE t (x); PRAGMA user_version = 2", NULL, NULL, NULL);
    sqlite3_close(db);
    assert_int_not_equal(ar_store_restore(bad, to), 0);
    assert_int_not_equal(access(to, F_OK), 0);
    unlink(bad);
    unlink(bk);
    json_decref(rec);
    json_decref(pr);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(versions_are_appended_never_overwritten, setup, teardown),
        cmocka_unit_test_setup_teardown(schema_forbids_changing_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(rejected_write_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(search_filters_and_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(similar_entries_share_distinctive_words, setup, teardown),
        cmocka_unit_test_setup_teardown(nested_transactions_undo_one_part, setup, teardown),
        cmocka_unit_test(newer_schema_is_refused),
        cmocka_unit_test_setup_teardown(backup_and_restore, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
