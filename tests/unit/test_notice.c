/* test_notice.c — e-mail notices in process: which addresses are usable, the relay
 * settings, who gets which message (not the author, not another organisation, not a
 * disabled account, not an account without an address), a message made only by a
 * committed transaction, reminders once per end date inside the 30-day horizon, no
 * withheld content in any message, and the retry schedule against a relay that is not
 * there. The conversation with a real SMTP server is tests/e2e/test_notices.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/err.h"
#include "exception/exception.h"
#include "json/json.h"
#include "notice/notice.h"
#include "store/store.h"
#include "unit/storefx.h"

static int setup(void **state)
{
    if (storefx_open(state, "notice", "2026-11-23T10:00:00Z"))
        return -1;
    struct ar_store *s = *state;
    struct ar_org po = {"politie", "Politie", "police", NULL}, om = {"om", "OM", "other", NULL};
    char why[200];
    if (ar_store_org_put(s, &po) || ar_store_org_put(s, &om))
        return -1;
    static const char *const acc[][4] = {
        {"anna", "registrant", "politie", "anna@politie.example"},
        {"piet", "approver", "politie", "piet@politie.example"},
        {"kees", "approver", "politie", NULL},
        {"dirk", "approver", "politie", "dirk@politie.example"},
        {"olga", "approver", "om", "olga@om.example"},
        {"sara", "supervisor", NULL, "sara@toezicht.example"},
    };
    for (size_t i = 0; i < sizeof acc / sizeof acc[0]; i++)
        if (ar_auth_account_add(s, acc[i][0], acc[i][1], acc[i][2], acc[i][3], NULL, "t", why,
                                sizeof why))
            return -1;
    return ar_auth_account_disable(s, "dirk", 1, "t");
}

static int teardown(void **state)
{
    return storefx_close(state);
}

static json_t *outbox(struct ar_store *s)
{
    json_t *rows = NULL;
    assert_int_equal(ar_store_outbox_list(s, 100, &rows), 0);
    return rows;
}

static void addresses(void **state)
{
    (void)state;
    static const char *const good[] = {"a@b.nl", "first.last+tag@sub.example.org", "x@localhost",
                                       "o'brien@example.ie"};
    static const char *const bad[] = {"",           "anna",     "a@b",      "@b.nl",
                                      "a@@b.nl",    "a b@c.nl", "<a@b.nl>", "a@b.nl\r\nBcc: c@d.nl",
                                      "\"q\"@b.nl", ".a@b.nl",  "a.@b.nl",  "a..b@c.nl",
                                      "a@-b.nl",    "a@b-.nl",  "a@b..nl",  "a@b.nl.",
                                      "a@b_c.nl",   "ä@b.nl",   NULL};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(ar_auth_email_ok(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(ar_auth_email_ok(bad[i]));
    char longlocal[80];
    memset(longlocal, 'x', 65);
    snprintf(longlocal + 65, sizeof longlocal - 65, "@b.nl");
    assert_false(ar_auth_email_ok(longlocal));
}

static void relay_settings(void **state)
{
    (void)state;
    struct ar_notice_cfg c;
    char why[256];
    assert_int_equal(ar_notice_cfg_set(&c, "smtp://127.0.0.1:2525", "r@example.org", NULL,
                                       "https://register.example.org//", why, sizeof why),
                     0);
    assert_string_equal(c.base, "https://register.example.org");
    assert_string_equal(c.user, "");
    assert_int_equal(
        ar_notice_cfg_set(&c, "http://x", "r@example.org", NULL, "https://r.nl", why, sizeof why),
        AR_EINVAL);
    assert_non_null(strstr(why, "smtp://"));
    assert_int_equal(
        ar_notice_cfg_set(&c, "smtp://x y", "r@example.org", NULL, "https://r.nl", why, sizeof why),
        AR_EINVAL);
    assert_int_equal(
        ar_notice_cfg_set(&c, "smtps://relay.nl", "r", NULL, "https://r.nl", why, sizeof why),
        AR_EINVAL);
    assert_non_null(strstr(why, "mail-from"));
    assert_int_equal(
        ar_notice_cfg_set(&c, "smtps://relay.nl", "r@x.nl", NULL, "javascript:x", why, sizeof why),
        AR_EINVAL);
    char path[] = "/tmp/algoreg-notice-cred-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "mailer:s3cret:with:colons\n", 26), 26);
    close(fd);
    chmod(path, 0600);
    assert_int_equal(
        ar_notice_cfg_set(&c, "smtps://relay.nl", "r@x.nl", path, "https://r.nl", why, sizeof why),
        0);
    assert_string_equal(c.user, "mailer");
    assert_string_equal(c.password, "s3cret:with:colons");
    chmod(path, 0644); /* a password others can read is refused */
    assert_int_equal(
        ar_notice_cfg_set(&c, "smtps://relay.nl", "r@x.nl", path, "https://r.nl", why, sizeof why),
        AR_EINVAL);
    unlink(path);
}

static void who_hears_of_a_draft(void **state)
{
    struct ar_store *s = *state;
    /* a rolled-back event leaves no message */
    assert_int_equal(ar_store_begin(s), 0);
    assert_int_equal(ar_notice_draft_submitted(s, 7, "politie", "anna", "10000016"), 0);
    ar_store_rollback(s);
    json_t *rows = outbox(s);
    assert_int_equal(json_array_size(rows), 0);
    json_decref(rows);
    /* committed: piet only (kees has no address, dirk is disabled, olga is elsewhere) */
    assert_int_equal(ar_store_begin(s), 0);
    assert_int_equal(ar_notice_draft_submitted(s, 7, "politie", "anna", "10000016"), 0);
    assert_int_equal(ar_store_commit(s), 0);
    rows = outbox(s);
    assert_int_equal(json_array_size(rows), 1);
    assert_string_equal(ar_json_str(json_array_get(rows, 0), "account"), "piet");
    assert_string_equal(ar_json_str(json_array_get(rows, 0), "address"), "piet@politie.example");
    json_decref(rows);
    /* an approver who submits is not told of their own draft */
    assert_int_equal(ar_notice_draft_submitted(s, 8, "politie", "piet", NULL), 0);
    rows = outbox(s);
    assert_int_equal(json_array_size(rows), 1);
    json_decref(rows);
    /* decisions go to the author, never to the one who decided it themselves */
    assert_int_equal(ar_notice_draft_decided(s, 7, "anna", "piet", "rejected", "10000016"), 0);
    assert_int_equal(ar_notice_draft_decided(s, 8, "piet", "piet", "archived", NULL), 0);
    assert_int_equal(ar_notice_draft_decided(s, 9, "tester", "piet", "approved", NULL), 0);
    assert_int_equal(
        ar_notice_extension_requested(s, "10000016", "politie", "2026-12-10", "2027-02-01"), 0);
    rows = outbox(s);
    assert_int_equal(json_array_size(rows), 3);
    assert_string_equal(ar_json_str(json_array_get(rows, 0), "account"), "sara");
    assert_string_equal(ar_json_str(json_array_get(rows, 1), "account"), "anna");
    assert_string_equal(ar_json_str(json_array_get(rows, 1), "kind"), "draft_decided");
    json_decref(rows);
}

static void reminders_once_within_the_horizon(void **state)
{
    struct ar_store *s = *state;
    struct ar_seal_key key;
    randombytes_buf(key.k, sizeof key.k);
    json_t *rec =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", "SECRET-NAME", "description_short",
                  "SECRET-DESCR", "organization", "Politie", "status", "In gebruik",
                  "contact_email", "a@b.nl", "publication_category", "Hoog-risico AI-systeem");
    json_t *pr = json_array();
    char id[9], id2[9];
    json_t *w = json_pack("{s:s, s:s, s:s}", "ground", "investigation", "justification",
                          "SECRET-JUST", "until", "2026-12-23");
    assert_int_equal(
        ar_exception_create(s, &key, &ar_exception_defaults, rec, w, "anna", NULL, pr, id), 0);
    json_object_set_new(w, "until", json_string("2027-03-01")); /* beyond 30 days */
    json_object_set_new(rec, "name", json_string("SECRET-NAME-2"));
    assert_int_equal(
        ar_exception_create(s, &key, &ar_exception_defaults, rec, w, "anna", NULL, pr, id2), 0);
    int n = -1;
    setenv("ALGOREG_NOW", "2026-11-22T23:00:00Z", 1); /* 30 days and an hour before */
    assert_int_equal(ar_notice_due_soon(s, &n), 0);
    assert_int_equal(n, 0);
    setenv("ALGOREG_NOW", "2026-11-23T10:00:00Z", 1);
    assert_int_equal(ar_notice_due_soon(s, &n), 0);
    assert_int_equal(n, 2); /* anna and piet */
    assert_int_equal(ar_notice_due_soon(s, &n), 0);
    assert_int_equal(n, 0); /* once */
    json_t *rows = NULL, *m;
    size_t i;
    assert_int_equal(ar_store_outbox_take(s, 2000000000LL, 2000000000LL, 50, &rows), 0);
    assert_int_equal(json_array_size(rows), 2);
    json_array_foreach (rows, i, m) {
        assert_string_equal(ar_json_str(m, "kind"), "end_date_soon");
        assert_null(strstr(ar_json_str(m, "body"), "SECRET"));
        assert_null(strstr(ar_json_str(m, "subject"), "SECRET"));
        assert_non_null(strstr(ar_json_str(m, "body"), "2026-12-23"));
        assert_non_null(strstr(ar_json_str(m, "link"), id));
    }
    json_decref(rows);
    json_decref(rec);
    json_decref(w);
    json_decref(pr);
}

/* A relay that is not there: each failure waits longer, the tenth gives up. */
static void retries_then_gives_up(void **state)
{
    struct ar_store *s = *state;
    struct ar_notice_cfg c;
    char why[256];
    assert_int_equal(ar_notice_cfg_set(&c, "smtp://127.0.0.1:1", "r@example.org", NULL,
                                       "https://r.nl", why, sizeof why),
                     0);
    c.timeout = 5;
    assert_int_equal(ar_notice_draft_submitted(s, 3, "politie", "anna", NULL), 0);
    long long waits[AR_NOTICE_ATTEMPTS];
    time_t t = 1795428000; /* 2026-11-23T10:00:00Z */
    for (int i = 0; i < AR_NOTICE_ATTEMPTS; i++) {
        char now[32];
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
        setenv("ALGOREG_NOW", now, 1);
        int sent = -1, failed = -1;
        assert_int_equal(ar_notice_send(s, &c, &sent, &failed), 0);
        assert_int_equal(sent, 0);
        assert_int_equal(failed, 1);
        assert_int_equal(ar_notice_send(s, &c, &sent, &failed), 0); /* not due yet */
        assert_int_equal(failed, 0);
        json_t *rows = outbox(s), *m = json_array_get(rows, 0);
        assert_int_equal(json_integer_value(json_object_get(m, "attempts")), i + 1);
        assert_non_null(ar_json_str(m, "last_error"));
        waits[i] = json_integer_value(json_object_get(m, "next_try")) - (long long)t;
        int gave_up = ar_json_str(m, "failed") != NULL;
        assert_int_equal(gave_up, i == AR_NOTICE_ATTEMPTS - 1);
        json_decref(rows);
        t += (time_t)waits[i];
    }
    assert_int_equal(waits[0], 60);
    assert_int_equal(waits[1], 120);
    assert_int_equal(waits[5], 1920);
    assert_int_equal(waits[8], 60 << 8);
    /* kept 30 days as evidence, then dropped */
    setenv("ALGOREG_NOW", "2027-02-01T00:00:00Z", 1);
    assert_int_equal(ar_notice_purge(s), 0);
    json_t *rows = outbox(s);
    assert_int_equal(json_array_size(rows), 0);
    json_decref(rows);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(addresses),
        cmocka_unit_test(relay_settings),
        cmocka_unit_test_setup_teardown(who_hears_of_a_draft, setup, teardown),
        cmocka_unit_test_setup_teardown(reminders_once_within_the_horizon, setup, teardown),
        cmocka_unit_test_setup_teardown(retries_then_gives_up, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
