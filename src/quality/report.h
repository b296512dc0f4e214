/* report.h — "report an error" from any visitor, guarded without a captcha: a form token
 * (an HMAC of the registration and the time it was handed out) that is only accepted
 * between 3 seconds and 24 hours after it was issued, a per-address limit, and a cap on
 * open reports per registration. Messages become public together with the owning
 * organisation's answer; a contact address never does. */
#ifndef AR_QUALITY_REPORT_H
#define AR_QUALITY_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "store/store.h"

#define AR_REPORT_MAX_MESSAGE 2000
#define AR_REPORT_MAX_CONTACT 200
#define AR_REPORT_MIN_SECONDS 3
#define AR_REPORT_MAX_AGE (48 * 3600)
#define AR_REPORT_PER_HOUR 5  /* per client address */
#define AR_REPORT_MAX_OPEN 20 /* unanswered per registration */

/* A token for reporting on lars, issued at t ("<t>.<hex mac>", at most 80 bytes). */
void ar_report_token(char *out, size_t n, const uint8_t key[32], const char *lars, time_t t);

/* Check and store a report. AR_EINVAL with problems (field token/message/contact and the
 * rule), AR_ELIMIT when the address or registration is over its limit, AR_ENOTFOUND for
 * an unknown registration. */
int ar_report_submit(struct ar_store *s, const uint8_t key[32], const char *lars, const char *token,
                     const char *message, const char *contact, const char *addr, time_t now,
                     json_t *problems, long long *id);

/* The public view: {open, items: [{id, created, message, answer, answered, days}]}
 * with answered reports only in items. */
int ar_report_public(struct ar_store *s, const char *lars, json_t **out);

#endif
