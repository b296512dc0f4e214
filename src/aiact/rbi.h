/* rbi.h — the state machines for each use of remote biometric identification by law
 * enforcement (shared AI_ACT.md §2.2, §4.1, §7.2, §7.3): real-time use in publicly
 * accessible spaces (Art. 5(1)(h), 5(2)–(7)) and post use (Art. 26(10)).
 *
 * A machine is plain data; ar_rbi_apply() takes one event at a time with the acting role
 * and the time from the settable clock, and either moves the machine or leaves it
 * exactly as it was and names the broken rule and its article. Timers are checked on
 * every event and by the "tick" event, so a test moves the clock instead of sleeping.
 * No national law under Art. 5(5) exists in the Netherlands (R-5.5-NL): with the default
 * configuration every real-time request is refused. Persistence, the API and reports
 * build on this. */
#ifndef AR_AIACT_RBI_H
#define AR_AIACT_RBI_H

#include <jansson.h>
#include <time.h>

enum ar_rbi_kind { AR_RBI_REALTIME, AR_RBI_POST };

enum ar_rbi_state {
    AR_RBI_DRAFT,
    AR_RBI_REQUESTED,
    AR_RBI_AUTHORISED,
    AR_RBI_REFUSED,
    AR_RBI_ACTIVE,           /* real-time in use with authorisation; post: IN_USE */
    AR_RBI_ACTIVE_URGENT,    /* real-time, started under Art. 5(3) urgency */
    AR_RBI_URGENT_REQUESTED, /* real-time urgency, authorisation requested */
    AR_RBI_LINKED,           /* post: linked to an offence, proceeding, threat or person */
    AR_RBI_IN_USE_EXEMPT,    /* post: initial identification of a potential suspect */
    AR_RBI_IN_USE_PENDING,   /* post: started, request due within 48 hours */
    AR_RBI_IN_USE_REQUESTED, /* post: started, authorisation requested */
    AR_RBI_STOPPED_BREACH,   /* the deadline for the request passed */
    AR_RBI_STOPPING,         /* refused or revoked: stop and delete */
    AR_RBI_DELETED,
    AR_RBI_ENDED,
};

/* Which real-time uses national law allows (Art. 5(5)); the default allows none. */
struct ar_rbi_cfg {
    int national_law;       /* a Dutch Art. 5(5) law exists */
    unsigned objectives;    /* bit i: objective OBJ_I + i allowed */
    unsigned long offences; /* bit i: Annex II offence i + 1 allowed */
    int urgent_hours;       /* Art. 5(3): 24 */
    int post_hours;         /* Art. 26(10): 48 */
};

extern const struct ar_rbi_cfg ar_rbi_default_cfg;

struct ar_rbi {
    enum ar_rbi_kind kind;
    enum ar_rbi_state state;
    time_t started;  /* start of use (urgent or pending) */
    time_t deadline; /* by when authorisation must be requested */
    time_t auth_from, auth_until;
    int breach; /* the request deadline passed */
};

const char *ar_rbi_state_name(enum ar_rbi_state s);

/* Apply event ("submit_request", "grant", "reject", "start", "start_urgent", "link_case",
 * "start_initial_identification", "start_unauthorised", "deletion_done", "end", "revoke",
 * "tick") with its data, the acting role ("police", "authorising_authority") and now.
 * AR_EINVAL: problems name the rule and article; the machine is unchanged. */
int ar_rbi_apply(struct ar_rbi *m, const char *event, const json_t *data, const char *role,
                 time_t now, const struct ar_rbi_cfg *cfg, json_t *problems);

/* Every rule a request of machine m with elements d answers to, for the one who decides:
 * appended to checks as {field, rule, ok, detail} (detail states the rule and its
 * article). The same rules refuse a request at submit_request; the deadline check says
 * whether a use that started before authorisation asked in time. */
void ar_rbi_checks(const struct ar_rbi *m, const json_t *d, const struct ar_rbi_cfg *cfg,
                   json_t *checks);

#endif
