/* cases.h — each use of remote biometric identification (real-time, Art. 5(1)(h),
 * 5(2)-(7); post, Art. 26(10)) and each Dutch facial-recognition review (shared
 * AI_ACT.md §6.3, §7.4) as a stored case. Every event is judged by the state machine
 * (rbi.h, or the review track here) plus the gates that need the register: the acting
 * role, the system's classification (Annex III 1(a)), its EU registration (Art. 5(2),
 * 26(8)). A transition and a refused attempt are both recorded as append-only events
 * and logged; the log leaf holds the case number, event, states and a digest, never the
 * request (no sensitive operational data, Art. 3(38)). Each real-time use is notified
 * to the market surveillance and data-protection authorities without the request's
 * operational content (Art. 5(4)). */
#ifndef AR_AIACT_CASES_H
#define AR_AIACT_CASES_H

#include <jansson.h>
#include <time.h>

#include "aiact/config.h"
#include "base/buf.h"
#include "store/store.h"

/* Roles an API token can carry (accounts replace tokens later). */
#define AR_ROLE_REGISTRANT "registrant" /* the deploying organisation (police) */
#define AR_ROLE_SUPERVISOR "supervisor"
#define AR_ROLE_AUTHORITY "authorising_authority"
#define AR_ROLE_COMMITTEE "review_committee"
#define AR_ROLE_CHIEF "police_chief"
#define AR_ROLE_PROSECUTOR "prosecutor"
#define AR_ROLE_MAYOR "mayor"

/* The five groups of hard preconditions a review committee's opinion addresses (§6.3),
 * NULL-terminated; and the number of weighing factors it addresses. */
extern const char *const ar_review_precondition_groups[];
#define AR_REVIEW_FACTORS 10

/* Create a case: in = {kind: realtime|post|review, registration, authority?, ...request}.
 * The first state is DRAFT. */
int ar_case_create(struct ar_store *s, const struct ar_aiact_cfg *cfg, const json_t *in,
                   const char *actor, const char *role, json_t *problems, long long *id_out);

/* Apply an event. On a refusal the case is unchanged, the attempt is recorded and
 * AR_EINVAL returned with problems naming rule and article. *out (may be NULL) gets the
 * case after the event. */
int ar_case_event(struct ar_store *s, const struct ar_aiact_cfg *cfg, long long id,
                  const char *event, const json_t *data, const char *actor, const char *role,
                  json_t *problems, json_t **out);

/* Run the timers of every open case at the clock's now (the server calls it each
 * minute; tests move ALGOREG_NOW). *moved: cases whose state changed. */
int ar_case_tick(struct ar_store *s, const struct ar_aiact_cfg *cfg, int *moved);

/* Every rule case c (as ar_case_get returns it) answers to before a decision, appended
 * to checks as {field, rule, ok, detail}: the request's elements (ar_rbi_checks), the
 * deadline of a use that started before authorisation, and the system's classification
 * and registration. Nothing for a review case. */
int ar_case_checks(struct ar_store *s, const struct ar_aiact_cfg *cfg, const json_t *c,
                   json_t *checks);
/* A case with its events, notices and derived flags (breach, overdue). */
int ar_case_get(struct ar_store *s, long long id, json_t **out);

/* The yearly report (Art. 5(6), 26(10)) per authorising authority: counts of requests,
 * decisions and outcomes, no content. authority NULL for all. */
int ar_case_report(struct ar_store *s, int year, const char *authority, json_t **out);
/* The same as CSV rows: authority,kind,measure,count. */
void ar_case_report_csv(const json_t *report, struct ar_buf *out);

#endif
