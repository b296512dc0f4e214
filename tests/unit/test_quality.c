/* test_quality.c — completeness rules, the plain-language checks (sentence length, long
 * words, passive voice, officialese) in Dutch and English, and the report form token. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "base/err.h"
#include "json/json.h"
#include "quality/quality.h"
#include "quality/report.h"

static int has_missing(const json_t *q, const char *field, const char *rule)
{
    size_t i;
    json_t *m;
    json_array_foreach (json_object_get(q, "missing"), i, m)
        if (!strcmp(ar_json_str(m, "field"), field) && !strcmp(ar_json_str(m, "rule"), rule))
            return 1;
    return 0;
}

static void completeness(void **state)
{
    (void)state;
    json_t *bare =
        json_pack("{s:s, s:s}", "name", "X", "publication_category", "Hoog-risico AI-systeem");
    json_t *q = ar_quality_assess(bare);
    assert_true(json_integer_value(json_object_get(q, "score")) < 10);
    assert_true(has_missing(q, "goal", "thin"));
    assert_true(has_missing(q, "lawful_basis_grouping", "no_link"));
    assert_true(has_missing(q, "impacttoetsen", "none_named"));
    assert_true(has_missing(q, "human_intervention", "high_risk"));
    json_decref(q);
    const char *para = "<p>Een analist bekijkt elke uitkomst. Zij beslist zelf wat er gebeurt."
                       " Het systeem doet alleen een voorstel. De analist legt haar besluit vast"
                       " in het dossier. Een tweede analist controleert dat elke week.</p>";
    json_t *full = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s}],"
        " s:[{s:s}], s:{s:s, s:s}}",
        "name", "X", "publication_category", "Impactvolle algoritmes", "goal", para,
        "proportionality", para, "human_intervention", para, "risks", para, "lawful_basis", para,
        "source_data", para, "methods_and_models", para, "contact_email", "a@b.nl", "website",
        "https://example.org/", "begin_date", "2024-01", "provider", "Eigen ontwikkeling",
        "lawful_basis_grouping", "title", "Politiewet", "link", "https://wetten.overheid.nl/x",
        "impacttoetsen_grouping", "title", "DPIA", "en", "name", "X", "description_short", "Y");
    q = ar_quality_assess(full);
    assert_int_equal(json_integer_value(json_object_get(q, "score")), 100);
    assert_int_equal(json_array_size(json_object_get(q, "missing")), 0);
    json_decref(q);
    json_decref(full);
    json_decref(bare);
}

static void plain_language(void **state)
{
    (void)state;
    json_t *p = ar_quality_plain(
        "<p>Teneinde de besluitvorming te faciliteren wordt door het systeem middels een"
        " geautomatiseerde risicoclassificatie een advies gegeven aan de behandelend"
        " medewerker die vervolgens conform het protocol een beslissing neemt over het"
        " dossier en de betrokkene.</p><p>Het besluit werd gecontroleerd.</p>",
        "nl");
    assert_int_equal(json_integer_value(json_object_get(p, "sentences")), 2);
    assert_true(json_integer_value(json_object_get(p, "max_words")) > 25);
    assert_true(json_integer_value(json_object_get(p, "passive")) >= 1);
    char *t = json_dumps(json_object_get(p, "jargon"), 0);
    assert_non_null(strstr(t, "middels"));
    assert_non_null(strstr(t, "teneinde"));
    assert_non_null(strstr(t, "conform"));
    free(t);
    t = json_dumps(json_object_get(p, "long_words"), 0);
    assert_non_null(strstr(t, "risicoclassificatie"));
    free(t);
    assert_true(json_array_size(json_object_get(p, "hints_nl")) >= 4);
    json_decref(p);
    /* short, active, plain: no hints */
    p = ar_quality_plain("<p>Een analist bekijkt de kaart. Zij beslist.</p>", "nl");
    assert_int_equal(json_array_size(json_object_get(p, "hints_nl")), 0);
    json_decref(p);
    p = ar_quality_plain("The decision was reviewed by an officer in order to ascertain it.", "en");
    assert_int_equal(json_integer_value(json_object_get(p, "passive")), 1);
    t = json_dumps(json_object_get(p, "jargon"), 0);
    assert_non_null(strstr(t, "in order to"));
    assert_non_null(strstr(t, "ascertain"));
    free(t);
    json_decref(p);
    /* whole words only: "welke" is jargon, "welkom" is not */
    p = ar_quality_plain("Welkom.", "nl");
    assert_int_equal(json_array_size(json_object_get(p, "jargon")), 0);
    json_decref(p);
}

static void report_token(void **state)
{
    (void)state;
    uint8_t key[32], other[32];
    randombytes_buf(key, sizeof key);
    randombytes_buf(other, sizeof other);
    char tok[96];
    ar_report_token(tok, sizeof tok, key, "10000016", 1000000);
    assert_non_null(strchr(tok, '.'));
    json_t *pr = json_array();
    long long id;
    /* too fast, expired, another key, another entry: refused before storing anything */
    assert_int_equal(ar_report_submit(NULL, key, "10000016", tok, "A clear message here", NULL,
                                      "127.0.0.1", 1000001, pr, &id),
                     AR_EINVAL);
    assert_string_equal(ar_json_str(json_array_get(pr, 0), "rule"), "too_fast");
    json_array_clear(pr);
    assert_int_equal(ar_report_submit(NULL, key, "10000016", tok, "A clear message here", NULL,
                                      "127.0.0.1", 1000000 + AR_REPORT_MAX_AGE + 1, pr, &id),
                     AR_EINVAL);
    assert_string_equal(ar_json_str(json_array_get(pr, 0), "rule"), "expired");
    json_array_clear(pr);
    assert_int_equal(ar_report_submit(NULL, other, "10000016", tok, "A clear message here", NULL,
                                      "127.0.0.1", 1000010, pr, &id),
                     AR_EINVAL);
    assert_string_equal(ar_json_str(json_array_get(pr, 0), "rule"), "invalid");
    json_array_clear(pr);
    assert_int_equal(
        ar_report_submit(NULL, key, "10000029", tok, "short", NULL, "127.0.0.1", 1000010, pr, &id),
        AR_EINVAL);
    assert_int_equal(json_array_size(pr), 2); /* the token and the message */
    json_decref(pr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(completeness),
        cmocka_unit_test(plain_language),
        cmocka_unit_test(report_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
