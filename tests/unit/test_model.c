/* test_model.c — ids, validation, sanitising and diffs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "model/lars.h"
#include "model/record.h"
#include "model/sanitize.h"
#include "base/utf8.h"
#include "model/intake.h"
#include "model/standard.h"

static const char *VALID =
    "{\"name\":\"Test\",\"description_short\":\"Korte omschrijving\",\"organization\":\"Politie\","
    "\"status\":\"In gebruik\",\"contact_email\":\"info@politie.nl\","
    "\"publication_category\":\"Overige algoritmes\"}";

static json_t *with(const char *key, json_t *value)
{
    json_t *v = json_loads(VALID, 0, NULL);
    json_object_set_new(v, key, value);
    return v;
}

/* Validate v (consumed); return the problems array (caller frees). */
static json_t *problems_of(json_t *v, int *rc)
{
    json_t *out = NULL, *pr = json_array();
    *rc = ar_record_validate(&out, v, pr);
    json_decref(out);
    json_decref(v);
    return pr;
}

static int has_problem(json_t *pr, const char *field, const char *rule)
{
    size_t i;
    json_t *p;
    json_array_foreach (pr, i, p) {
        if (strcmp(json_string_value(json_object_get(p, "field")), field) == 0 &&
            strcmp(json_string_value(json_object_get(p, "rule")), rule) == 0)
            return 1;
    }
    return 0;
}

static void lars_check_digit(void **state)
{
    (void)state;
    /* Real ids from the national register validate with the same scheme. */
    assert_true(ar_lars_valid("11136893"));
    assert_true(ar_lars_valid("11234933"));
    assert_false(ar_lars_valid("11136894")); /* last digit changed */
    assert_false(ar_lars_valid("11163893")); /* neighbours swapped */
    assert_false(ar_lars_valid("1113689"));
    assert_false(ar_lars_valid("1113689a"));
    for (int i = 0; i < 1000; i++) {
        char id[9];
        ar_lars_generate(id);
        assert_true(ar_lars_valid(id));
        assert_true(id[0] != '0');
    }
}

static void valid_record_is_normalised(void **state)
{
    (void)state;
    json_t *in = json_loads(VALID, 0, NULL), *out = NULL, *pr = json_array();
    json_object_set_new(in, "goal",
                        json_string("  <p onclick=\"x()\">Doel<script>alert(1)</script></p>  "));
    json_object_set_new(in, "website", json_string(""));
    assert_int_equal(ar_record_validate(&out, in, pr), 0);
    assert_int_equal(json_array_size(pr), 0);
    assert_string_equal(json_string_value(json_object_get(out, "goal")), "<p>Doel</p>");
    assert_null(json_object_get(out, "website")); /* empty dropped */
    assert_string_equal(json_string_value(json_object_get(out, "lang")), "nld");
    json_decref(in);
    json_decref(out);
    json_decref(pr);
}

static void every_rule_is_named(void **state)
{
    (void)state;
    int rc;
    json_t *pr;
#define CHECK(value, field, rule)                                                                  \
    pr = problems_of(value, &rc);                                                                  \
    assert_int_equal(rc, AR_EINVAL);                                                               \
    assert_true(has_problem(pr, field, rule));                                                     \
    json_decref(pr)
    CHECK(with("unknown", json_string("x")), "unknown", "unknown_field");
    CHECK(with("name", json_integer(3)), "name", "type");
    char long_name[102];
    memset(long_name, 'x', 101);
    long_name[101] = '\0';
    CHECK(with("name", json_string(long_name)), "name", "max_length");
    CHECK(with("status", json_string("in gebruik")), "status", "permitted_values");
    CHECK(with("begin_date", json_string("2024-13")), "begin_date", "format");
    CHECK(with("begin_date", json_string("05-2024")), "begin_date", "format");
    CHECK(with("category", json_pack("[s,s,s,s]", "Recht", "Werk", "Wonen", "Economie")),
          "category", "max_items");
    CHECK(with("category", json_pack("[s]", "Bestuur")), "category[0]", "permitted_values");
    CHECK(with("category", json_pack("[s,s]", "Recht", "Recht")), "category[1]", "duplicate");
    CHECK(with("contact_email", json_string("not an address")), "contact_email", "format");
    CHECK(with("website", json_string("javascript:alert(1)")), "website", "format");
    CHECK(with("lars", json_string("11136894")), "lars", "check_digit");
    CHECK(with("safeguards", json_pack("{s:s}", "is_ai", "yes")), "safeguards.is_ai", "type");
    CHECK(with("safeguards", json_pack("{s:s}", "dpia_date", "2024-02-30")), "safeguards.dpia_date",
          "format");
    CHECK(with("en", json_pack("{s:s}", "status", "In use")), "en.status", "unknown_field");
    CHECK(with("lawful_basis_grouping", json_pack("[{s:s}]", "link", "https://x.nl/")),
          "lawful_basis_grouping[0].title", "required");
    CHECK(with("name", json_string("a\x01b")), "name", "control_characters");
    json_t *v = with("begin_date", json_string("2024-05"));
    json_object_set_new(v, "end_date", json_string("2023-01"));
    CHECK(v, "end_date", "end_before_begin");
    v = json_loads(VALID, 0, NULL);
    json_object_del(v, "name");
    json_object_del(v, "status");
    pr = problems_of(v, &rc);
    assert_true(has_problem(pr, "name", "required"));
    assert_true(has_problem(pr, "status", "required"));
    json_decref(pr);
#undef CHECK
}

static void length_counts_characters(void **state)
{
    (void)state;
    /* 100 characters of 2 bytes each is within the 100-character limit. */
    char s[201];
    for (int i = 0; i < 100; i++)
        memcpy(s + 2 * i, "\xc3\xab", 2);
    s[200] = '\0';
    int rc;
    json_t *pr = problems_of(with("name", json_string(s)), &rc);
    assert_int_equal(rc, 0);
    json_decref(pr);
}

static void sanitizer_keeps_whitelist_only(void **state)
{
    (void)state;
    struct ar_buf b;
    ar_buf_init(&b, 0);
    const char *in = "<div class=x><p>a &amp; b<br/><b>vet</b></p><ul><li>1<li>2</ul>"
                     "<img src=x onerror=alert(1)><style>p{}</style><!-- c --></div>";
    assert_int_equal(ar_sanitize_html(&b, in, strlen(in)), 0);
    assert_string_equal(ar_buf_cstr(&b),
                        "<div><p>a &amp; b<br>vet</p><ul><li>1</li><li>2</li></ul></div>");
    struct ar_buf t;
    ar_buf_init(&t, 0);
    ar_sanitize_text(&t, b.ptr, b.len);
    assert_string_equal(ar_buf_cstr(&t), "a & b vet 1 2");
    ar_buf_free(&b);
    ar_buf_free(&t);
}

static void diff_lists_changed_fields(void **state)
{
    (void)state;
    json_t *a = json_loads(VALID, 0, NULL);
    json_t *b = json_loads(VALID, 0, NULL);
    json_object_set_new(b, "name", json_string("Nieuw"));
    json_object_set_new(b, "safeguards", json_pack("{s:b}", "is_ai", 1));
    json_t *d = ar_record_diff(a, b);
    assert_int_equal(json_array_size(d), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "field")), "name");
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 1), "field")),
                        "safeguards.is_ai");
    json_decref(d);
    d = ar_record_diff(NULL, a); /* from nothing: every field present */
    assert_int_equal(json_array_size(d), 6);
    json_decref(d);
    json_decref(a);
    json_decref(b);
}

/* Does problems name field with rule? */
static int names(const json_t *problems, const char *field, const char *rule)
{
    size_t i;
    const json_t *p;
    json_array_foreach (problems, i, p) {
        if (!strcmp(json_string_value(json_object_get(p, "field")), field) &&
            !strcmp(json_string_value(json_object_get(p, "rule")), rule))
            return 1;
    }
    return 0;
}

static void standard_entry(void **state)
{
    (void)state;
    json_t *rec = json_loads(VALID, 0, NULL), *pr = json_array(), *e = NULL;
    /* the register's seven required fields are not the standard's eighteen */
    assert_int_equal(ar_standard_from_record(rec, &e, pr), AR_EINVAL);
    assert_null(e);
    assert_true(names(pr, "purpose_and_impact", "required"));
    assert_true(names(pr, "theme", "required"));
    assert_true(names(pr, "impact_assessments", "required"));
    assert_false(names(pr, "name", "required"));
    json_array_clear(pr);
    json_t *links =
        json_pack("[{s:s, s:s}, {s:s, s:s}]", "title", "DPIA", "link", "https://example.nl/dpia",
                  "title", "IAMA", "link", "https://example.nl/iama");
    static const char *const texts[] = {"goal",     "proportionality", "human_intervention",
                                        "risks",    "source_data",     "methods_and_models",
                                        "provider", "begin_date"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        json_object_set_new(rec, texts[i], json_string(i == 7 ? "2024-03" : "<p>Tekst</p>"));
    json_object_set_new(rec, "category", json_pack("[s]", "Verkeer"));
    json_object_set_new(rec, "impacttoetsen_grouping", links);
    assert_int_equal(ar_standard_from_record(rec, &e, pr), 0);
    assert_string_equal(json_string_value(json_object_get(e, "publication_category")),
                        "Overige algoritmes (Categorie C)");
    assert_string_equal(json_string_value(json_object_get(e, "impact_assessments")), "DPIA, IAMA");
    assert_string_equal(json_string_value(json_object_get(e, "impact_assessment_link")),
                        "https://example.nl/dpia");
    assert_string_equal(json_string_value(json_object_get(e, "start_date")), "2024-03");
    assert_string_equal(json_string_value(json_object_get(e, "contact")), "info@politie.nl");
    assert_string_equal(json_string_value(json_object_get(e, "schema")), "1.0.0");
    assert_null(json_object_get(e, "goal")); /* only the standard's names */
    json_decref(e);
    /* limits in characters: 99 for a name; é is one character */
    char name[256] = "";
    for (int i = 0; i < 99; i++)
        strcat(name, "\xc3\xa9");
    json_object_set_new(rec, "name", json_string(name));
    assert_int_equal(ar_standard_from_record(rec, &e, pr), 0);
    json_decref(e);
    strcat(name, "x");
    json_object_set_new(rec, "name", json_string(name));
    assert_int_equal(ar_standard_from_record(rec, &e, pr), AR_EINVAL);
    assert_true(names(pr, "name", "max_length"));
    json_decref(rec);
    json_decref(pr);
}

static void intake_normalises_and_says_so(void **state)
{
    (void)state;
    enum ar_intake_source src;
    assert_int_equal(ar_intake_parse("register-2023", &src), 0);
    assert_int_equal(ar_intake_parse("register-1999", &src), AR_EINVAL);
    char long_goal[3000];
    memset(long_goal, 'a', sizeof long_goal - 1);
    long_goal[sizeof long_goal - 1] = '\0';
    for (int i = 10; i < 2990; i += 10)
        long_goal[i] = i % 30 ? ' ' : '&'; /* escaping makes it longer still */
    json_t *item =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", "Brugbediening", "organization",
                  "Provincie", "status", "Het algoritme is in productie en in een pilotfase",
                  "contact_email", "geen", "goal", long_goal, "begin_date", "2021-03-01");
    json_t *rec = NULL, *notes = json_array(), *pr = json_array();
    assert_int_equal(ar_intake_map(AR_INTAKE_REGISTER_2023, item, &rec, notes, pr), 0);
    assert_string_equal(json_string_value(json_object_get(rec, "status")), "In gebruik");
    assert_string_equal(json_string_value(json_object_get(rec, "contact_email")),
                        AR_INTAKE_NO_CONTACT);
    assert_string_equal(json_string_value(json_object_get(rec, "begin_date")), "2021-03");
    /* the goal, escaped, fits the model's 2,500 characters */
    const char *goal = json_string_value(json_object_get(rec, "goal"));
    size_t n = 0;
    for (const char *p = goal; *p; p++)
        n += ((unsigned char)*p & 0xC0) != 0x80;
    assert_true(n <= 2500);
    assert_non_null(strstr(goal, "&amp;"));
    /* and the record passes the model's own validation */
    json_t *valid = NULL;
    assert_int_equal(ar_record_validate(&valid, rec, pr), 0);
    json_decref(valid);
    int said_status = 0, said_goal = 0, said_contact = 0;
    size_t i;
    json_t *note;
    json_array_foreach (notes, i, note) {
        const char *f = json_string_value(json_object_get(note, "field"));
        said_status |= !strcmp(f, "status");
        said_goal |= !strcmp(f, "goal");
        said_contact |= !strcmp(f, "contact_email");
    }
    assert_true(said_status && said_goal && said_contact);
    json_decref(rec);
    json_decref(item);
    /* text that escaping makes six times longer still fits */
    char quotes[2600];
    memset(quotes, '"', sizeof quotes - 1);
    quotes[sizeof quotes - 1] = '\0';
    item = json_pack("{s:s, s:s, s:s}", "name", "Q", "organization", "O", "risks", quotes);
    assert_int_equal(ar_intake_map(AR_INTAKE_REGISTER_2023, item, &rec, notes, pr), 0);
    const char *risks = json_string_value(json_object_get(rec, "risks"));
    assert_true(ar_utf8_len(risks, strlen(risks)) <= 2500);
    json_decref(rec);
    json_decref(item);
    /* an unknown status in the summary is refused, not guessed */
    item = json_pack("{s:s, s:s, s:s, s:s}", "id", "11136893", "title", "X", "organisatie", "Y",
                     "status", "weg");
    assert_int_equal(ar_intake_map(AR_INTAKE_REGISTER_SUMMARY, item, &rec, notes, pr), AR_EINVAL);
    assert_null(rec);
    assert_true(names(pr, "status", "permitted_values"));
    json_decref(item);
    json_decref(notes);
    json_decref(pr);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lars_check_digit),
        cmocka_unit_test(valid_record_is_normalised),
        cmocka_unit_test(every_rule_is_named),
        cmocka_unit_test(length_counts_characters),
        cmocka_unit_test(sanitizer_keeps_whitelist_only),
        cmocka_unit_test(diff_lists_changed_fields),
        cmocka_unit_test(standard_entry),
        cmocka_unit_test(intake_normalises_and_says_so),
    };
    return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
