/* test_auth.c — accounts and their rules with the settable clock (ALGOREG_NOW is read on
 * every call, so time moves by setenv): password rules and argon2id storage, tokens kept
 * only as hashes and revocable, sessions with idle and absolute expiry, logout, lock-out
 * after failed logins per account and per address, disabled accounts, the audit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/err.h"
#include "store/store.h"
#include "unit/storefx.h"

#define PW "Kettle-Orbit-Lantern-58"

static int setup(void **state)
{
    if (storefx_open(state, "auth", "2026-11-23T09:00:00Z"))
        return -1;
    struct ar_org o = {"politie", "Politie", "police", NULL};
    return ar_store_org_put(*state, &o) ? -1 : 0;
}

static int teardown(void **state)
{
    return storefx_close(state);
}

static void at(const char *now)
{
    setenv("ALGOREG_NOW", now, 1);
}

static void password_rules(void **state)
{
    (void)state;
    char why[200];
    assert_int_equal(ar_auth_password_ok("short", "anna", why, sizeof why), AR_EINVAL);
    assert_non_null(strstr(why, "12"));
    assert_int_equal(ar_auth_password_ok("aaaaaaaaaaaaaaaa", "anna", why, sizeof why), AR_EINVAL);
    assert_int_equal(ar_auth_password_ok("anna-is-my-name-ok", "anna", why, sizeof why), AR_EINVAL);
    assert_int_equal(ar_auth_password_ok("Password12345", "anna", why, sizeof why), AR_EINVAL);
    assert_non_null(strstr(why, "password"));
    assert_int_equal(ar_auth_password_ok("Wachtwoord!2026", "x", why, sizeof why), AR_EINVAL);
    assert_int_equal(ar_auth_password_ok(PW, "anna", why, sizeof why), 0);
    assert_int_equal(ar_auth_password_ok("bad\xff utf-8 pass", "anna", why, sizeof why), AR_EINVAL);
    assert_true(ar_auth_name_ok("anna.de-vries_2"));
    assert_false(ar_auth_name_ok("Anna"));
    assert_false(ar_auth_name_ok("1anna"));
    assert_false(ar_auth_name_ok("a"));
    assert_false(ar_auth_name_ok("anna bob"));
}

static void accounts_and_roles(void **state)
{
    struct ar_store *s = *state;
    char why[200];
    assert_int_equal(
        ar_auth_account_add(s, "anna", "registrant", "politie", NULL, PW, "t", why, sizeof why), 0);
    assert_int_equal(
        ar_auth_account_add(s, "anna", "registrant", "politie", NULL, PW, "t", why, sizeof why),
        AR_ECONFLICT);
    assert_int_equal(
        ar_auth_account_add(s, "bob", "registrant", NULL, NULL, PW, "t", why, sizeof why),
        AR_EINVAL);
    assert_int_equal(
        ar_auth_account_add(s, "bob", "approver", "nope", NULL, PW, "t", why, sizeof why),
        AR_EINVAL);
    assert_int_equal(
        ar_auth_account_add(s, "bob", "admin", "politie", NULL, PW, "t", why, sizeof why),
        AR_EINVAL);
    assert_int_equal(ar_auth_account_add(s, "bob", "emperor", NULL, NULL, PW, "t", why, sizeof why),
                     AR_EINVAL);
    assert_int_equal(
        ar_auth_account_add(s, "dpa", "supervisor", NULL, NULL, NULL, "t", why, sizeof why), 0);
    /* argon2id, never the password itself */
    json_t *a = NULL;
    assert_int_equal(ar_store_acct_get(s, "anna", &a), 0);
    const char *h = json_string_value(json_object_get(a, "pw_hash"));
    assert_non_null(h);
    assert_int_equal(strncmp(h, "$argon2id$", 10), 0);
    assert_null(strstr(h, PW));
    json_decref(a);
    assert_int_equal(ar_auth_role_bit("approver"), AR_ROLE_APPROVER_BIT);
    assert_int_equal(ar_auth_role_bit("root"), 0);
}

static void tokens_are_hashed_and_revocable(void **state)
{
    struct ar_store *s = *state;
    char tok[AR_AUTH_SECRET_LEN + 1], why[200];
    long long id;
    struct ar_principal p;
    ar_auth_account_add(s, "tom", "approver", "politie", NULL, NULL, "t", why, sizeof why);
    assert_int_equal(ar_auth_token_issue(s, "tom", "ci", "t", tok, &id), 0);
    assert_int_equal(strlen(tok), AR_AUTH_SECRET_LEN);
    assert_int_equal(ar_auth_token_check(s, tok, &p), 0);
    assert_string_equal(p.name, "tom");
    assert_string_equal(p.org, "politie");
    assert_true(p.bit & AR_ROLE_APPROVER_BIT);
    assert_string_equal(p.csrf, "");
    json_t *list = NULL;
    assert_int_equal(ar_store_token_list(s, p.account, &list), 0);
    char *dump = json_dumps(list, 0);
    assert_null(strstr(dump, tok));
    free(dump);
    json_decref(list);
    char wrong[AR_AUTH_SECRET_LEN + 1];
    memcpy(wrong, tok, sizeof wrong);
    wrong[10] ^= 1;
    assert_int_equal(ar_auth_token_check(s, wrong, &p), AR_EDENIED);
    assert_int_equal(ar_auth_token_check(s, "ar_short", &p), AR_EDENIED);
    assert_int_equal(ar_auth_token_revoke(s, "tom", id, "t"), 0);
    assert_int_equal(ar_auth_token_check(s, tok, &p), AR_EDENIED);
    assert_int_equal(ar_auth_token_revoke(s, "tom", id, "t"), AR_ENOTFOUND);
    /* a disabled account's token stops working and no new one is issued */
    assert_int_equal(ar_auth_token_issue(s, "tom", NULL, "t", tok, &id), 0);
    assert_int_equal(ar_auth_account_disable(s, "tom", 1, "t"), 0);
    assert_int_equal(ar_auth_token_check(s, tok, &p), AR_EDENIED);
    assert_int_equal(ar_auth_token_issue(s, "tom", NULL, "t", tok, &id), AR_EDENIED);
}

static void sessions_expire_and_logout_ends_them(void **state)
{
    struct ar_store *s = *state;
    char cookie[AR_AUTH_SECRET_LEN + 1], why[200];
    struct ar_principal p, q;
    long long retry;
    ar_auth_account_add(s, "sara", "registrant", "politie", NULL, PW, "t", why, sizeof why);
    at("2026-11-23T09:00:00Z");
    assert_int_equal(ar_auth_login(s, "sara", PW, "10.0.0.1", cookie, &p, &retry), 0);
    assert_int_equal(strlen(p.csrf), AR_AUTH_SECRET_LEN);
    assert_int_equal(ar_auth_session(s, cookie, &q), 0);
    assert_string_equal(q.csrf, p.csrf);
    /* used every 25 minutes it stays alive, but not beyond 10 hours */
    int alive_at[20], n = 0;
    for (int m = 25; m <= 11 * 60; m += 25, n++) {
        char now[32];
        snprintf(now, sizeof now, "2026-11-23T%02d:%02d:00Z", 9 + m / 60, m % 60);
        at(now);
        alive_at[n < 20 ? n : 19] = ar_auth_session(s, cookie, &q) == 0;
        if (m < AR_AUTH_MAX / 60)
            assert_true(alive_at[n < 20 ? n : 19]);
        else
            assert_false(alive_at[n < 20 ? n : 19]);
    }
    /* idle for 31 minutes: ended */
    at("2026-11-24T09:00:00Z");
    assert_int_equal(ar_auth_login(s, "sara", PW, NULL, cookie, &p, &retry), 0);
    at("2026-11-24T09:31:00Z");
    assert_int_equal(ar_auth_session(s, cookie, &q), AR_EDENIED);
    /* logout kills it on the server */
    assert_int_equal(ar_auth_login(s, "sara", PW, NULL, cookie, &p, &retry), 0);
    assert_int_equal(ar_auth_logout(s, &p, NULL), 0);
    assert_int_equal(ar_auth_session(s, cookie, &q), AR_EDENIED);
    /* a new password ends every session */
    assert_int_equal(ar_auth_login(s, "sara", PW, NULL, cookie, &p, &retry), 0);
    assert_int_equal(ar_auth_password_change(s, &p, "wrong-current-pw", "Other-Lantern-Kettle-9",
                                             NULL, why, sizeof why),
                     AR_EDENIED);
    assert_int_equal(
        ar_auth_password_change(s, &p, PW, "Other-Lantern-Kettle-9", NULL, why, sizeof why), 0);
    assert_int_equal(ar_auth_session(s, cookie, &q), AR_EDENIED);
    assert_int_equal(ar_auth_login(s, "sara", PW, NULL, cookie, &p, &retry), AR_EDENIED);
    assert_int_equal(ar_auth_login(s, "sara", "Other-Lantern-Kettle-9", NULL, cookie, &p, &retry),
                     0);
}

static void failed_logins_lock_out(void **state)
{
    struct ar_store *s = *state;
    char cookie[AR_AUTH_SECRET_LEN + 1], why[200];
    struct ar_principal p;
    long long retry;
    ar_auth_account_add(s, "kim", "supervisor", NULL, NULL, PW, "t", why, sizeof why);
    at("2026-11-23T12:00:00Z");
    for (int i = 0; i < AR_AUTH_FAIL_ACCOUNT; i++)
        assert_int_equal(
            ar_auth_login(s, "kim", "wrong-password-1", "10.0.0.2", cookie, &p, &retry),
            AR_EDENIED);
    assert_int_equal(ar_auth_login(s, "kim", PW, "10.0.0.3", cookie, &p, &retry), AR_ELIMIT);
    assert_int_equal(retry, AR_AUTH_LOCK);
    at("2026-11-23T12:14:00Z");
    assert_int_equal(ar_auth_login(s, "kim", PW, "10.0.0.3", cookie, &p, &retry), AR_ELIMIT);
    at("2026-11-23T12:15:00Z");
    assert_int_equal(ar_auth_login(s, "kim", PW, "10.0.0.3", cookie, &p, &retry), 0);
    /* failures spread beyond the window do not add up */
    for (int i = 0; i < 8; i++) {
        char now[32];
        snprintf(now, sizeof now, "2026-11-23T13:%02d:00Z", i * 4);
        at(now);
        assert_int_equal(ar_auth_login(s, "kim", i % 4 == 3 ? PW : "wrong-password-1", "10.0.0.4",
                                       cookie, &p, &retry) == AR_ELIMIT,
                         0);
    }
    /* one address guessing many names */
    at("2026-11-23T14:00:00Z");
    for (int i = 0; i < AR_AUTH_FAIL_ADDRESS; i++) {
        char name[24];
        snprintf(name, sizeof name, "guess%d", i);
        ar_auth_login(s, name, "wrong-password-1", "10.0.0.9", cookie, &p, &retry);
    }
    assert_int_equal(ar_auth_login(s, "kim", PW, "10.0.0.9", cookie, &p, &retry), AR_ELIMIT);
    assert_int_equal(ar_auth_login(s, "kim", PW, "10.0.0.8", cookie, &p, &retry), 0);
    json_t *rows = NULL;
    assert_int_equal(ar_store_audit_list(s, "kim", 0, 100, &rows), 0);
    int locked = 0, failed = 0;
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r) {
        locked |= !strcmp(json_string_value(json_object_get(r, "action")), "login.locked");
        failed |= !strcmp(json_string_value(json_object_get(r, "action")), "login.failed");
    }
    json_decref(rows);
    assert_true(locked && failed);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(password_rules),
        cmocka_unit_test_setup_teardown(accounts_and_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(tokens_are_hashed_and_revocable, setup, teardown),
        cmocka_unit_test_setup_teardown(sessions_expire_and_logout_ends_them, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_logins_lock_out, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
