/* test_base.c — buffers, arena, clock, UTF-8 and the page cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/cache.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/msg.h"
#include "base/utf8.h"

static void buf_cap_is_sticky(void **state)
{
    (void)state;
    struct ar_buf b;
    ar_buf_init(&b, 8);
    ar_buf_puts(&b, "12345");
    assert_true(ar_buf_ok(&b));
    ar_buf_puts(&b, "6789");
    assert_false(ar_buf_ok(&b));
    assert_int_equal(b.err, AR_ETOOBIG);
    ar_buf_puts(&b, "x"); /* ignored after the error */
    assert_string_equal(ar_buf_cstr(&b), "12345");
    ar_buf_free(&b);
}

static void buf_html_escapes_all_five(void **state)
{
    (void)state;
    struct ar_buf b;
    ar_buf_init(&b, 0);
    const char *s = "<a href=\"x\">'&'</a>";
    ar_buf_html(&b, s, strlen(s));
    assert_string_equal(ar_buf_cstr(&b), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    ar_buf_free(&b);
}

static void buf_printf_grows(void **state)
{
    (void)state;
    struct ar_buf b;
    ar_buf_init(&b, 0);
    char big[1000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ar_buf_printf(&b, "%s-%d", big, 42);
    assert_int_equal(b.len, 999 + 3);
    assert_string_equal(ar_buf_cstr(&b) + 999, "-42");
    ar_buf_free(&b);
}

static void buf_urlenc(void **state)
{
    (void)state;
    struct ar_buf b;
    ar_buf_init(&b, 0);
    ar_buf_urlenc(&b, "In gebruik&x=ë");
    assert_string_equal(ar_buf_cstr(&b), "In%20gebruik%26x%3D%C3%AB");
    ar_buf_free(&b);
}

static void arena_allocates_and_defers(void **state)
{
    (void)state;
    struct ar_arena *a = ar_arena_new();
    char *p = ar_arena_strdup(a, "hello");
    char *q = ar_arena_printf(a, "%s %d", p, 7);
    assert_string_equal(q, "hello 7");
    void *big = ar_arena_alloc(a, 100000); /* larger than a chunk */
    memset(big, 1, 100000);
    ar_arena_defer(a, free, malloc(10));
    ar_arena_free(a); /* ASan reports a leak if the deferred free did not run */
    ar_arena_free(NULL);
}

static void clock_parses_rfc3339_and_honours_env(void **state)
{
    (void)state;
    time_t t;
    assert_int_equal(ar_clock_parse(&t, "2026-11-23T10:00:00Z"), 0);
    char out[32];
    ar_clock_fmt(out, sizeof out, t);
    assert_string_equal(out, "2026-11-23T10:00:00Z");
    assert_int_equal(ar_clock_parse(&t, "2026-11-23T12:00:00.5+02:00"), 0);
    ar_clock_fmt(out, sizeof out, t);
    assert_string_equal(out, "2026-11-23T10:00:00Z");
    assert_int_not_equal(ar_clock_parse(&t, "2026-02-30T00:00:00Z"), 0);
    assert_int_not_equal(ar_clock_parse(&t, "2026-11-23 10:00:00"), 0);
    assert_int_not_equal(ar_clock_parse(&t, "2026-11-23T10:00:00"), 0);
    setenv("ALGOREG_NOW", "2030-01-01T00:00:00Z", 1);
    ar_clock_fmt(out, sizeof out, ar_clock_now());
    assert_string_equal(out, "2030-01-01T00:00:00Z");
    unsetenv("ALGOREG_NOW");
    assert_true(ar_clock_now() > 1700000000);
}

static void utf8_validation(void **state)
{
    (void)state;
    assert_true(ar_utf8_valid("Overheidsfinanciën", strlen("Overheidsfinanciën")));
    assert_false(ar_utf8_valid("\xc3", 1));             /* truncated */
    assert_false(ar_utf8_valid("\xc0\xaf", 2));         /* overlong */
    assert_false(ar_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(ar_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(ar_utf8_valid("a\0b", 3));             /* NUL */
    assert_int_equal(ar_utf8_len("ëë", 4), 2);
}

static void err_table(void **state)
{
    (void)state;
    assert_int_equal(ar_err_http(AR_EINVAL), 422);
    assert_int_equal(ar_err_http(AR_ENOTFOUND), 404);
    assert_int_equal(ar_err_http(AR_ETOOBIG), 413);
    assert_int_equal(ar_err_http(-99), 500);
}

/* What ar_msg writes to stderr in the current format. */
static char *said(int level, const char *text)
{
    static char out[4096];
    FILE *tmp = tmpfile();
    int saved = dup(2);
    fflush(stderr);
    dup2(fileno(tmp), 2);
    ar_msg(level, "%s", text);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, sizeof out - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
    return out;
}

static void msg_formats(void **state)
{
    (void)state;
    enum ar_msg_format f;
    assert_int_equal(ar_msg_format_parse("json", &f), 0);
    assert_int_equal(f, AR_MSG_JSON);
    assert_int_equal(ar_msg_format_parse("xml", &f), AR_EINVAL);
    /* auto: the journal only when stderr is the stream JOURNAL_STREAM names */
    struct stat st;
    char js[64];
    fstat(2, &st);
    snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", js, 1);
    assert_int_equal(ar_msg_on_journal(), 1);
    setenv("JOURNAL_STREAM", "1:2", 1);
    assert_int_equal(ar_msg_on_journal(), 0);
    assert_int_equal(ar_msg_format_parse("auto", &f), 0);
    assert_int_equal(f, AR_MSG_TEXT);
    unsetenv("JOURNAL_STREAM");

    ar_msg_set_format(AR_MSG_TEXT);
    assert_string_equal(said(AR_MSG_ERR, "port in use"), "algoreg: port in use\n");
    ar_msg_set_format(AR_MSG_JSON);
    const char *line = said(AR_MSG_WARNING, "a \"quoted\" name\nand a newline");
    assert_non_null(strstr(line, "\"level\":\"warning\""));
    assert_non_null(strstr(line, "\"msg\":\"a \\\"quoted\\\" name\\nand a newline\"}\n"));
    assert_int_equal(strncmp(line, "{\"time\":\"20", 11), 0);
    assert_non_null(strchr(line, 'Z'));
    assert_int_equal((int)(strchr(line, '\n') - line) + 1, (int)strlen(line)); /* one line */
    /* not UTF-8: still said, as text, never dropped */
    assert_string_equal(said(AR_MSG_ERR, "bad \xff byte"), "algoreg: bad \xff byte\n");
    ar_msg_set_format(AR_MSG_TEXT);
}

/* ---- page cache: one render per key --------------------------------------------------- */

struct asker {
    pthread_t t;
    const char *key;
    int hit;
    char body[32];
};

static void *ask(void *arg)
{
    struct asker *a = arg;
    struct ar_buf b;
    ar_buf_init(&b, 0);
    a->hit = ar_cache_get_or_claim(a->key, &b);
    snprintf(a->body, sizeof a->body, "%s", a->hit ? ar_buf_cstr(&b) : "");
    if (!a->hit) /* a waiter given nothing renders itself, without a claim */
        ar_cache_release(a->key);
    ar_buf_free(&b);
    return NULL;
}

static void *release(void *key)
{
    ar_cache_release(key);
    return NULL;
}

/* Start n askers of key and return once all of them wait for the claim. */
static void start_waiters(struct asker *a, int n, const char *key)
{
    for (int i = 0; i < n; i++) {
        a[i] = (struct asker){.key = key};
        assert_int_equal(pthread_create(&a[i].t, NULL, ask, &a[i]), 0);
    }
    struct ar_cache_stats cs;
    time_t give_up = time(NULL) + 20; /* a cache that does not make them wait fails */
    do {
        sched_yield();
        ar_cache_stats(&cs);
        assert_true(time(NULL) < give_up);
    } while (cs.waiting < (size_t)n);
}

static void cache_single_flight_shares_one_render(void **state)
{
    (void)state;
    ar_cache_clear();
    struct ar_buf b;
    ar_buf_init(&b, 0);
    assert_int_equal(ar_cache_get_or_claim("page|1|/x", &b), 0); /* this thread renders */
    struct ar_cache_stats cs;
    ar_cache_stats(&cs);
    assert_int_equal(cs.rendering, 1);
    /* asked again by the renderer itself: no waiting for oneself */
    assert_int_equal(ar_cache_get_or_claim("page|1|/x", &b), 0);
    struct asker a[8];
    start_waiters(a, 8, "page|1|/x");
    ar_cache_put("page|1|/x", "<p>once</p>", 11);
    for (int i = 0; i < 8; i++) {
        pthread_join(a[i].t, NULL);
        assert_int_equal(a[i].hit, 1);
        assert_string_equal(a[i].body, "<p>once</p>");
    }
    ar_cache_release("page|1|/x"); /* after the put: nothing to end */
    ar_cache_stats(&cs);
    assert_int_equal(cs.rendering, 0);
    assert_int_equal(cs.waiting, 0);
    assert_int_equal(cs.entries, 1);
    /* another key is its own flight */
    assert_int_equal(ar_cache_get_or_claim("page|2|/x", &b), 0);
    assert_int_equal(ar_cache_get_or_claim("page|1|/x", &b), 1);
    assert_string_equal(ar_buf_cstr(&b), "<p>once</p>");
    ar_cache_release("page|2|/x");
    ar_buf_free(&b);
    ar_cache_clear();
}

static void cache_failed_render_frees_waiters(void **state)
{
    (void)state;
    ar_cache_clear();
    struct ar_buf b;
    ar_buf_init(&b, 0);
    /* an error page: the renderer stores nothing; its waiters render for themselves
     * at once (nobody waits out AR_CACHE_WAIT_MS) and none of them keeps a claim */
    assert_int_equal(ar_cache_get_or_claim("page|3|/err", &b), 0);
    struct asker a[4];
    start_waiters(a, 4, "page|3|/err");
    ar_cache_release("page|3|/err");
    for (int i = 0; i < 4; i++) {
        pthread_join(a[i].t, NULL);
        assert_int_equal(a[i].hit, 0);
    }
    struct ar_cache_stats cs;
    ar_cache_stats(&cs);
    assert_int_equal(cs.rendering, 0);
    assert_int_equal(cs.entries, 0);
    /* a body too large to keep also ends the claim */
    assert_int_equal(ar_cache_get_or_claim("page|3|/big", &b), 0);
    start_waiters(a, 2, "page|3|/big");
    size_t big = ((size_t)1 << 20) + 1;
    char *body = calloc(1, big);
    ar_cache_put("page|3|/big", body, big);
    free(body);
    for (int i = 0; i < 2; i++) {
        pthread_join(a[i].t, NULL);
        assert_int_equal(a[i].hit, 0);
    }
    ar_cache_stats(&cs);
    assert_int_equal(cs.rendering, 0);
    assert_int_equal(cs.entries, 0);
    /* a release by a thread that does not hold the claim leaves it alone */
    assert_int_equal(ar_cache_get_or_claim("page|4|/x", &b), 0);
    pthread_t other;
    pthread_create(&other, NULL, release, "page|4|/x");
    pthread_join(other, NULL);
    ar_cache_stats(&cs);
    assert_int_equal(cs.rendering, 1);
    ar_cache_release("page|4|/x");
    ar_buf_free(&b);
    ar_cache_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_cap_is_sticky),
        cmocka_unit_test(buf_html_escapes_all_five),
        cmocka_unit_test(buf_printf_grows),
        cmocka_unit_test(buf_urlenc),
        cmocka_unit_test(arena_allocates_and_defers),
        cmocka_unit_test(clock_parses_rfc3339_and_honours_env),
        cmocka_unit_test(utf8_validation),
        cmocka_unit_test(err_table),
        cmocka_unit_test(msg_formats),
        cmocka_unit_test(cache_single_flight_shares_one_render),
        cmocka_unit_test(cache_failed_render_frees_waiters),
    };
    return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
