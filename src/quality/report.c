/* report.c — error reports with a form token and limits; see report.h. */
#include "quality/report.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/utf8.h"
#include "json/json.h"
#include "model/record.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mac_hex(char out[33], const uint8_t key[32], const char *lars, long long t)
{
    char msg[64];
    uint8_t mac[16];
    int n = snprintf(msg, sizeof msg, "report|%s|%lld", lars, t);
    crypto_generichash(mac, sizeof mac, (const uint8_t *)msg, (size_t)n, key, 32);
    sodium_bin2hex(out, 33, mac, sizeof mac);
}

void ar_report_token(char *out, size_t n, const uint8_t key[32], const char *lars, time_t t)
{
    char hex[33];
    mac_hex(hex, key, lars, (long long)t);
    snprintf(out, n, "%lld.%s", (long long)t, hex);
}

/* Per-address counts in fixed buckets (addresses are hashed; a collision only makes the
 * limit stricter for two addresses at once). */
#define BUCKETS 4096
static struct {
    uint32_t who;
    long long hour;
    int n;
} g_rate[BUCKETS];
static pthread_mutex_t g_rate_mu = PTHREAD_MUTEX_INITIALIZER;

static int rate_take(const char *addr, time_t now)
{
    uint8_t h[8];
    crypto_generichash(h, sizeof h, (const uint8_t *)(addr ? addr : ""), addr ? strlen(addr) : 0,
                       NULL, 0);
    uint32_t who = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    long long hour = (long long)now / 3600;
    int ok;
    pthread_mutex_lock(&g_rate_mu);
    unsigned b = who % BUCKETS;
    if (g_rate[b].who != who || g_rate[b].hour != hour) {
        g_rate[b].who = who;
        g_rate[b].hour = hour;
        g_rate[b].n = 0;
    }
    ok = g_rate[b].n < AR_REPORT_PER_HOUR;
    if (ok)
        g_rate[b].n++;
    pthread_mutex_unlock(&g_rate_mu);
    return ok;
}

int ar_report_submit(struct ar_store *s, const uint8_t key[32], const char *lars, const char *token,
                     const char *message, const char *contact, const char *addr, time_t now,
                     json_t *problems, long long *id)
{
    size_t before = json_array_size(problems);
    /* the token: issued for this registration, not seconds ago, not yesterday */
    const char *dot = token ? strchr(token, '.') : NULL;
    char *end = NULL;
    long long t = dot ? strtoll(token, &end, 10) : 0;
    char want[33];
    if (!dot || end != dot || strlen(dot + 1) != 32) {
        ar_problem_add(problems, "token", "invalid",
                       "the form token is missing or damaged; load the form again");
    } else {
        mac_hex(want, key, lars, t);
        if (sodium_memcmp(want, dot + 1, 32) != 0)
            ar_problem_add(problems, "token", "invalid",
                           "the form token does not belong to this entry; load the form again");
        else if ((long long)now - t < AR_REPORT_MIN_SECONDS)
            ar_problem_add(problems, "token", "too_fast",
                           "sent within %d seconds of loading the form; please try again",
                           AR_REPORT_MIN_SECONDS);
        else if ((long long)now - t > AR_REPORT_MAX_AGE)
            ar_problem_add(problems, "token", "expired",
                           "the form is more than two days old; load it again");
    }
    size_t ml = message ? strlen(message) : 0;
    if (!message || ml < 10)
        ar_problem_add(problems, "message", "min_length",
                       "describe the error in at least 10 characters");
    else if (ml > AR_REPORT_MAX_MESSAGE)
        ar_problem_add(problems, "message", "max_length", "at most %d characters",
                       AR_REPORT_MAX_MESSAGE);
    else if (!ar_utf8_valid(message, ml))
        ar_problem_add(problems, "message", "utf8", "the message is not valid UTF-8");
    if (contact && *contact &&
        (strlen(contact) > AR_REPORT_MAX_CONTACT || !ar_utf8_valid(contact, strlen(contact))))
        ar_problem_add(problems, "contact", "max_length", "at most %d characters",
                       AR_REPORT_MAX_CONTACT);
    if (json_array_size(problems) > before)
        return AR_EINVAL;
    json_t *open = NULL;
    int rc = ar_store_reports(s, lars, NULL, 1, &open);
    if (rc)
        return rc;
    size_t n_open = json_array_size(open);
    json_decref(open);
    if (n_open >= AR_REPORT_MAX_OPEN) {
        ar_problem_add(problems, "registration", "too_many_open",
                       "this entry already has %d unanswered reports; the organisation has"
                       " been told",
                       AR_REPORT_MAX_OPEN);
        return AR_ELIMIT;
    }
    if (!rate_take(addr, now)) {
        ar_problem_add(problems, "", "rate_limit", "at most %d reports an hour from one address",
                       AR_REPORT_PER_HOUR);
        return AR_ELIMIT;
    }
    char ts[32];
    ar_clock_fmt(ts, sizeof ts, now);
    if ((rc = ar_store_begin(s)))
        return rc;
    rc = ar_store_report_add(s, lars, ts, message, contact && *contact ? contact : NULL, id);
    if (rc)
        ar_store_rollback(s);
    else
        rc = ar_store_commit(s);
    return rc;
}

int ar_report_public(struct ar_store *s, const char *lars, json_t **out)
{
    json_t *all = NULL;
    int rc = ar_store_reports(s, lars, NULL, 0, &all);
    if (rc)
        return rc;
    json_t *items = json_array();
    int open = 0;
    size_t i;
    json_t *r;
    json_array_foreach (all, i, r) {
        if (json_is_null(json_object_get(r, "answered"))) {
            open++;
            continue;
        }
        time_t a = 0, b = 0;
        ar_clock_parse(&a, ar_json_str(r, "created"));
        ar_clock_parse(&b, ar_json_str(r, "answered"));
        json_array_append_new(
            items,
            json_pack("{s:O, s:O, s:O, s:O, s:O, s:I}", "id", json_object_get(r, "id"), "created",
                      json_object_get(r, "created"), "message", json_object_get(r, "message"),
                      "answer", json_object_get(r, "answer"), "answered",
                      json_object_get(r, "answered"), "days", (json_int_t)((b - a) / 86400)));
    }
    json_decref(all);
    *out = json_pack("{s:i, s:o}", "open", open, "items", items);
    return 0;
}
