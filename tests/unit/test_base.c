/* test_base.c — buffers, arena, clock and UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
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
    };
    return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
