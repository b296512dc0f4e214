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

#include "aiact/tree.h"
#include "base/buf.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(official_tree_walks_completely),
        cmocka_unit_test(membership_is_exact),
        cmocka_unit_test(load_time_checks),
    };
    return cmocka_run_group_tests_name("aiact", tests, NULL, NULL);
}
