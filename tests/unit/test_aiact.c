/* test_aiact.c — the decision-tree interpreter: the government's official AI Act
 * decision aid walked exhaustively (../shared; skipped when absent), and small trees for
 * each load-time check and for exact label membership. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aiact/assess.h"
#include "aiact/classify.h"
#include "aiact/config.h"
#include "aiact/tree.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"

#define OFFICIAL "../shared/data/ai-verordening-beslishulp/decision-tree.yaml"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct ar_buf b;
    ar_buf_init(&b, 8u << 20);
    char chunk[8192];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        ar_buf_add(&b, chunk, k);
    fclose(f);
    return ar_buf_take(&b, len);
}

static void official_tree_walks_completely(void **state)
{
    (void)state;
    size_t len;
    char *yaml = slurp(OFFICIAL, &len);
    if (!yaml)
        skip();
    struct ar_tree *t = NULL;
    char why[256];
    assert_int_equal(ar_tree_load(&t, yaml, len, why, sizeof why), 0);
    int nq, nc;
    ar_tree_size(t, &nq, &nc);
    assert_int_equal(nq, 22);
    assert_int_equal(nc, 50);
    long paths, dead;
    json_t *reached = NULL;
    assert_int_equal(ar_tree_walk(t, &paths, &dead, &reached), 0);
    /* The data copy's README: 3,140 complete paths, no dead ends, every conclusion. */
    assert_int_equal(paths, 3140);
    assert_int_equal(dead, 0);
    assert_int_equal(json_object_size(reached), 50);
    json_decref(reached);

    json_t *ans = json_pack("{s:i}", "1.1", 1), *out = NULL;
    assert_int_equal(ar_tree_run(t, ans, &out, why, sizeof why), 0);
    assert_string_equal(json_string_value(json_object_get(out, "conclusion")), "11.0");
    assert_string_equal(json_string_value(json_array_get(json_object_get(out, "labels"), 0)),
                        "geen algoritme");
    json_decref(out);
    json_object_set_new(ans, "1.1", json_integer(0));
    assert_int_equal(ar_tree_run(t, ans, &out, why, sizeof why), 0);
    assert_string_equal(json_string_value(json_object_get(out, "unanswered")), "1.2");
    json_decref(out);
    json_object_set_new(ans, "1.2", json_integer(42));
    assert_int_equal(ar_tree_run(t, ans, &out, why, sizeof why), AR_EINVAL);
    assert_non_null(strstr(why, "1.2"));
    json_decref(ans);
    ar_tree_free(t);
    free(yaml);
}

#define TREE_FMT                                                                                   \
    "version: 1.0.0\n"                                                                             \
    "questions:\n"                                                                                 \
    "  - questionId: \"1\"\n"                                                                      \
    "    question: Q1\n"                                                                           \
    "    answers:\n"                                                                               \
    "      - answer: A\n"                                                                          \
    "        labels: [\"AI-systeem voor algemene doeleinden\"]\n"                                  \
    "        %s\n"                                                                                 \
    "      - answer: B\n"                                                                          \
    "        labels: [\"AI-systeem\"]\n"                                                           \
    "        nextQuestionId: \"2\"\n"                                                              \
    "  - questionId: \"2\"\n"                                                                      \
    "    question: Q2\n"                                                                           \
    "    answers:\n"                                                                               \
    "      - answer: C\n"                                                                          \
    "        %s\n"                                                                                 \
    "conclusions:\n"                                                                               \
    "  - conclusionId: \"yes\"\n"                                                                  \
    "  - conclusionId: \"no\"\n"

static int load(const char *a, const char *b, char *why, struct ar_tree **t)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml, TREE_FMT, a, b);
    return ar_tree_load(t, yaml, strlen(yaml), why, 256);
}

static const char *REDIR =
    "redirects:\n"
    "          - nextConclusionId: \"yes\"\n"
    "            if: '\"AI-systeem\" in labels'\n"
    "          - nextConclusionId: \"no\"\n"
    "            if: '!(\"AI-systeem\" in labels) && (\"x\" in labels || \"AI-systeem voor"
    " algemene doeleinden\" in labels)'";

static void membership_is_exact(void **state)
{
    (void)state;
    struct ar_tree *t = NULL;
    char why[256];
    assert_int_equal(load("nextQuestionId: \"2\"", REDIR, why, &t), 0);
    json_t *ans = json_pack("{s:i, s:i}", "1", 0, "2", 0), *out = NULL;
    /* "AI-systeem voor algemene doeleinden" does not contain the label "AI-systeem" */
    assert_int_equal(ar_tree_run(t, ans, &out, why, sizeof why), 0);
    assert_string_equal(json_string_value(json_object_get(out, "conclusion")), "no");
    json_decref(out);
    json_object_set_new(ans, "1", json_integer(1));
    assert_int_equal(ar_tree_run(t, ans, &out, why, sizeof why), 0);
    assert_string_equal(json_string_value(json_object_get(out, "conclusion")), "yes");
    json_decref(out);
    json_decref(ans);
    ar_tree_free(t);
}

static void load_time_checks(void **state)
{
    (void)state;
    struct ar_tree *t = NULL;
    char why[256];
    assert_int_equal(load("nextQuestionId: \"9\"", "nextConclusionId: \"yes\"", why, &t),
                     AR_EINVAL);
    assert_non_null(strstr(why, "does not exist"));
    assert_int_equal(load("nextQuestionId: \"2\"\n        nextConclusionId: \"no\"",
                          "nextConclusionId: \"yes\"", why, &t),
                     AR_EINVAL);
    assert_non_null(strstr(why, "exactly one"));
    assert_int_equal(load("nextQuestionId: \"2\"",
                          "redirects:\n          - nextConclusionId: \"yes\"\n            if: 'x'\n"
                          "          - nextConclusionId: \"no\"\n            if: '\"a\" in labels'",
                          why, &t),
                     AR_EINVAL);
    assert_non_null(strstr(why, "does not parse"));
    assert_int_equal(
        load("nextQuestionId: \"2\"",
             "redirects:\n          - nextConclusionId: \"yes\"\n            if: '\"a\""
             " in labels'",
             why, &t),
        AR_EINVAL);
    assert_non_null(strstr(why, "at least two"));
    assert_int_equal(load("nextQuestionId: \"2\"", "nextQuestionId: \"1\"", why, &t), AR_EINVAL);
    assert_non_null(strstr(why, "cycle"));
    assert_int_equal(ar_tree_load(&t, "a: [", 4, why, sizeof why), AR_EINVAL);
    assert_non_null(strstr(why, "YAML"));
    assert_null(t);
}

static json_t *run_answers(const struct ar_tree *t, const char *text)
{
    json_t *ans = NULL, *out = NULL;
    char why[256];
    assert_int_equal(ar_tree_answers_parse(&ans, text, why, sizeof why), 0);
    assert_int_equal(ar_tree_run(t, ans, &out, why, sizeof why), 0);
    json_decref(ans);
    return out;
}

static int has(const json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *v;
    json_array_foreach (arr, i, v) {
        const char *s = key ? json_string_value(json_object_get(v, key)) : json_string_value(v);
        if (s && strcmp(s, value) == 0)
            return 1;
    }
    return 0;
}

static const json_t *obligation(const json_t *a, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach (json_object_get(a, "obligations"), i, v)
        if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
            return v;
    return NULL;
}

/* algoreg's own tree: complete, every conclusion reachable, and the law-enforcement
 * cases of the issue classified as the Act says. */
static void own_tree_walks_and_classifies(void **state)
{
    (void)state;
    struct ar_tree *t = NULL;
    struct ar_aiact_cfg cfg;
    char why[256];
    assert_int_equal(ar_aiact_cfg_load(&cfg, NULL, why, sizeof why), 0);
    assert_int_equal(ar_aiact_tree_open(&t, NULL, why, sizeof why), 0);
    long paths, dead;
    json_t *reached = NULL;
    assert_int_equal(ar_tree_walk(t, &paths, &dead, &reached), 0);
    assert_int_equal(dead, 0);
    assert_int_equal(json_object_size(reached), 9);
    json_decref(reached);
    json_t *id = ar_tree_id(t);
    static const struct {
        const char *answers, *conclusion, *risk, *section, *must, *mustnot;
    } cases[] = {
        /* CAS: rules set by people */
        {"1.1=1", "AR.NOT_AI", NULL, "none", "national_register", "ai_literacy"},
        /* individual crime prediction solely on profiling: Art. 5(1)(d) */
        {"1.1=0 1.2=0 1.3=0 2.1=0 2.2=0", "AR.PROHIBITED", "prohibited", "none", "prohibited",
         "fria"},
        /* untargeted scraping of facial images: Art. 5(1)(e) */
        {"1.1=0 1.2=0 1.3=1 2.1=1 2.3=0", "AR.PROHIBITED", "prohibited", "none", "prohibited",
         NULL},
        /* real-time RBI in public without a national law: Art. 5(1)(h) */
        {"1.1=0 1.2=0 1.3=1 2.1=1 2.3=1 2.4=0 2.5=1 2.6=0 2.7=0", "AR.PROHIBITED", "prohibited",
         "none", "prohibited", NULL},
        /* person-level risk supporting a human assessment: Annex III 6(d), profiling */
        {"1.1=0 1.2=0 1.3=1 2.1=0 2.2=1 2.3=1 2.4=0 2.5=0 3.1=0 4.1=0", "AR.HIGH_RISK", "high_risk",
         "secure", "fria", "eu_registration_provider"},
        /* profiling in an investigation (6(e)) is never derogable */
        {"1.1=0 1.2=0 1.3=0 2.1=1 2.3=1 2.4=0 2.5=0 2.8=5 4.1=0", "AR.HIGH_RISK", "high_risk",
         "secure", "eu_registration_provider", "derogation_documented"},
        /* 6(3) derogation for a preparatory task */
        {"1.1=0 1.2=0 1.3=0 2.1=1 2.3=1 2.4=0 2.5=0 2.8=4 3.1=1 3.2=4 4.1=0",
         "AR.NOT_HIGH_RISK_6_3", "not_high_risk_6_3", "secure", "eu_registration_derogation",
         "fria"},
        /* emergency dispatch is Annex III 5(d): the public section */
        {"1.1=0 1.2=0 1.3=1 2.1=1 2.3=1 2.4=0 2.5=0 2.8=7 3.1=1 3.2=0 4.1=0", "AR.HIGH_RISK",
         "high_risk", "public", "eu_registration_deployer", NULL},
        /* post RBI: Art. 26(10) and two-person verification */
        {"1.1=0 1.2=0 1.3=1 2.1=1 2.3=1 2.4=0 2.5=2 3.1=1 4.1=0", "AR.HIGH_RISK", "high_risk",
         "secure", "post_rbi_authorisation", "realtime_rbi_authorisation"},
        /* a chatbot for the public: Art. 50(1), no law-enforcement exception */
        {"1.1=0 1.2=0 1.3=1 2.1=1 2.3=1 2.4=0 2.5=0 2.8=0 4.1=1 4.2=1", "AR.TRANSPARENCY",
         "minimal", "none", "transparency", "transparency_exception"},
        /* the same duty with the law-enforcement exception */
        {"1.1=0 1.2=0 1.3=1 2.1=1 2.3=1 2.4=0 2.5=0 2.8=0 4.1=2 4.2=0", "AR.MINIMAL", "minimal",
         "none", "transparency_exception", "transparency"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *run = run_answers(t, cases[i].answers);
        assert_string_equal(json_string_value(json_object_get(run, "conclusion")),
                            cases[i].conclusion);
        json_t *a = ar_aiact_assess(run, id, &cfg);
        if (cases[i].risk)
            assert_string_equal(json_string_value(json_object_get(a, "risk")), cases[i].risk);
        assert_string_equal(json_string_value(json_object_get(a, "eu_section")), cases[i].section);
        assert_non_null(obligation(a, cases[i].must));
        if (cases[i].mustnot)
            assert_null(obligation(a, cases[i].mustnot));
        json_decref(a);
        json_decref(run);
    }
    /* the real-time exception with no national law is flagged R-5.5-NL */
    json_t *run = run_answers(t, "1.1=0 1.2=0 1.3=1 2.1=1 2.3=1 2.4=0 2.5=1 2.6=0 2.7=1 4.1=0");
    json_t *a = ar_aiact_assess(run, id, &cfg);
    assert_true(has(json_object_get(a, "flags"), "rule", "R-5.5-NL"));
    assert_non_null(obligation(a, "realtime_rbi_authorisation"));
    json_decref(a);
    cfg.rbi.national_law = 1;
    a = ar_aiact_assess(run, id, &cfg);
    assert_false(has(json_object_get(a, "flags"), "rule", "R-5.5-NL"));
    json_decref(a);
    json_decref(run);
    json_decref(id);
    ar_tree_free(t);
}

/* Dates are configuration; "in force" starts on the configured day, UTC. */
static void obligations_follow_configured_dates(void **state)
{
    (void)state;
    struct ar_aiact_cfg cfg;
    struct ar_tree *t = NULL;
    char why[256];
    const char *text = "{\"text\":\"X\",\"dates\":{\"aia.ch1_ch2\":\"2025-02-02\","
                       "\"aia.art5_preconditions\":\"2025-02-02\",\"aia.general\":\"2026-08-02\","
                       "\"aia.registration\":\"2027-12-02\",\"aia.art5_ba_bb\":\"2026-12-02\","
                       "\"aia.hr_annex_iii\":\"2029-01-01\",\"aia.hr_annex_i\":\"2028-08-02\"}}";
    assert_int_equal(ar_aiact_cfg_parse(&cfg, text, strlen(text), why, sizeof why), 0);
    assert_int_equal(ar_aiact_tree_open(&t, NULL, why, sizeof why), 0);
    json_t *run = run_answers(t, "1.1=0 1.2=0 1.3=1 2.1=0 2.2=1 2.3=1 2.4=0 2.5=0 3.1=0 4.1=0");
    json_t *a = ar_aiact_assess(run, NULL, &cfg);
    const json_t *fria = obligation(a, "fria");
    assert_string_equal(json_string_value(json_object_get(fria, "applies_from")), "2029-01-01");
    time_t t0;
    ar_clock_parse(&t0, "2028-12-31T23:59:59Z");
    ar_aiact_in_force(a, t0);
    assert_false(json_is_true(json_object_get(fria, "in_force")));
    ar_clock_parse(&t0, "2029-01-01T00:00:00Z");
    ar_aiact_in_force(a, t0);
    assert_true(json_is_true(json_object_get(fria, "in_force")));
    assert_string_equal(json_string_value(json_object_get(obligation(a, "eu_registration_deployer"),
                                                          "applies_from")),
                        "2027-12-02");
    json_decref(a);
    json_decref(run);
    ar_tree_free(t);
    /* bad configurations are refused with the key and the rule */
    static const char *const bad[] = {
        "{\"text\":\"X\",\"dates\":{\"aia.ch1_ch2\":\"2025-02-30x\"}}",
        "{\"text\":\"X\",\"dates\":{}}",
        "{\"dates\":{}}",
        "not json",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ar_aiact_cfg_parse(&cfg, bad[i], strlen(bad[i]), why, sizeof why),
                         AR_EINVAL);
    /* deadlines may be shortened, never extended beyond the Act's 24 and 48 hours */
    assert_int_equal(ar_aiact_cfg_load(&cfg, NULL, why, sizeof why), 0);
    json_t *j = ar_aiact_cfg_json(&cfg);
    json_object_set_new(json_object_get(j, "durations"), "urgent_request_hours", json_integer(25));
    char *txt = json_dumps(j, 0);
    assert_int_equal(ar_aiact_cfg_parse(&cfg, txt, strlen(txt), why, sizeof why), AR_EINVAL);
    assert_non_null(strstr(why, "urgent_request_hours"));
    free(txt);
    json_object_set_new(json_object_get(j, "durations"), "urgent_request_hours", json_integer(12));
    json_object_set_new(json_object_get(j, "nl_art5_5"), "allowed_offences",
                        json_pack("[s]", "AII_17"));
    txt = json_dumps(j, 0);
    assert_int_equal(ar_aiact_cfg_parse(&cfg, txt, strlen(txt), why, sizeof why), AR_EINVAL);
    assert_non_null(strstr(why, "Annex II"));
    free(txt);
    json_decref(j);
}

/* The official tree's conclusion codes map onto roles and risk classes (R.T.K), and
 * question 2.2 answered Ja is flagged while no national law exists. */
static void official_codes_are_understood(void **state)
{
    (void)state;
    size_t len;
    char *yaml = slurp(OFFICIAL, &len);
    if (!yaml)
        skip();
    struct ar_tree *t = NULL;
    struct ar_aiact_cfg cfg;
    char why[256];
    assert_int_equal(ar_tree_load(&t, yaml, len, why, sizeof why), 0);
    assert_int_equal(ar_aiact_cfg_load(&cfg, NULL, why, sizeof why), 0);
    json_t *cs = json_object_get(ar_tree_doc(t), "conclusions");
    size_t i;
    json_t *c;
    json_array_foreach (cs, i, c) {
        const char *id = json_string_value(json_object_get(c, "conclusionId"));
        json_t *run = json_pack("{s:s, s:[], s:[]}", "conclusion", id, "labels", "path");
        json_t *a = ar_aiact_assess(run, NULL, &cfg);
        const char *scope = json_string_value(json_object_get(a, "scope"));
        if (strncmp(id, "11.", 3) == 0) {
            assert_string_not_equal(scope, "in_scope");
        } else {
            assert_string_equal(scope, "in_scope");
            assert_non_null(json_string_value(json_object_get(a, "risk")));
            assert_true(json_array_size(json_object_get(a, "roles")) >= 1);
            if (strncmp(id, "13.", 3) == 0)
                assert_true(has(json_object_get(a, "roles"), NULL, "deployer"));
            if (id[strlen(id) - 1] == '0' && id[3] != '2')
                assert_string_equal(json_string_value(json_object_get(a, "risk")), "prohibited");
        }
        json_decref(a);
        json_decref(run);
    }
    json_t *run = run_answers(t, "1.1=0 1.2=1 1.3=1 1.4=0 1.5=1 1.6.1=0 1.6.2=0 1.6.3=0");
    if (json_object_get(run, "unanswered") == NULL) {
        json_t *a = ar_aiact_assess(run, NULL, &cfg);
        json_decref(a);
    }
    json_decref(run);
    ar_tree_free(t);
    free(yaml);
}

static void answers_text_and_aliases(void **state)
{
    (void)state;
    json_t *a = NULL;
    char why[256];
    assert_int_equal(ar_tree_answers_parse(&a, "1.1=0, 1.2=3+2.0=1", why, sizeof why), 0);
    assert_int_equal(json_object_size(a), 3);
    assert_int_equal(json_integer_value(json_object_get(a, "2.0")), 1);
    json_decref(a);
    static const char *const bad[] = {"1.1", "=1", "1.1=-1", "1.1=x", "1.1=1000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ar_tree_answers_parse(&a, bad[i], why, sizeof why), AR_EINVAL);
    /* an alias bomb does not expand into memory */
    struct ar_buf b;
    ar_buf_init(&b, 0);
    ar_buf_puts(&b, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (char c = 'b'; c <= 'j'; c++)
        ar_buf_printf(&b, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", c, c,
                      c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
    struct ar_tree *t = NULL;
    assert_int_equal(ar_tree_load(&t, b.ptr, b.len, why, sizeof why), AR_EINVAL);
    assert_non_null(strstr(why, "too large"));
    ar_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(official_tree_walks_completely),
        cmocka_unit_test(membership_is_exact),
        cmocka_unit_test(load_time_checks),
        cmocka_unit_test(own_tree_walks_and_classifies),
        cmocka_unit_test(obligations_follow_configured_dates),
        cmocka_unit_test(official_codes_are_understood),
        cmocka_unit_test(answers_text_and_aliases),
    };
    return cmocka_run_group_tests_name("aiact", tests, NULL, NULL);
}
