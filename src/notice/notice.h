/* notice.h — e-mail notices: who is told what, and sending them through an SMTP relay.
 *
 * The workflows queue a message in the outbox inside their own transaction (the
 * ar_notice_* calls below take the caller's store and never begin one), so a notice goes
 * out exactly for what was committed. The server's ticker (or `algoreg mail send` from
 * cron) sends what waits, with retries. A message says what waits, for whom, by when,
 * and links to the page: never a registration's name or content, a reason or anything
 * withheld, because e-mail leaves the register's control. Dutch first, then English:
 * an account has no language. Only accounts with an address get notices. */
#ifndef AR_NOTICE_NOTICE_H
#define AR_NOTICE_NOTICE_H

#include <stddef.h>
#include <time.h>

struct ar_store;

/* Where and how to send. */
struct ar_notice_cfg {
    char url[512];      /* smtp://HOST[:PORT] (STARTTLS required unless loopback) or smtps:// */
    char from[255];     /* sender address */
    char user[128];     /* relay login, "" for none */
    char password[256]; /* its password */
    char base[256];     /* the register's address for links, no trailing slash */
    int timeout;        /* seconds per message */
};

/* Fill c from the options; credentials is a file "USER:PASSWORD" (mode 0600) or NULL,
 * base the register's public address. AR_EINVAL with why for anything unusable (an
 * unknown scheme, a bad sender, a password over a connection without TLS). */
int ar_notice_cfg_set(struct ar_notice_cfg *c, const char *url, const char *from,
                      const char *credentials, const char *base, char *why, size_t whylen);

/* Queue, in the caller's transaction. 0 or AR_EIO. */
/* A draft waits for approval: the organisation's approvers, except its author. */
int ar_notice_draft_submitted(struct ar_store *s, long long draft, const char *org,
                              const char *author, const char *lars);
/* A draft was approved, rejected or archived by someone else: its author. */
int ar_notice_draft_decided(struct ar_store *s, long long draft, const char *author, const char *by,
                            const char *state, const char *lars);
/* An extension of a withholding was requested: every supervisor. */
int ar_notice_extension_requested(struct ar_store *s, const char *lars, const char *org,
                                  const char *until, const char *requested_until);
/* A use of remote biometric identification asks for authorisation: the authority the
 * case names (an account; NULL: every authorising authority); urgent when the use
 * already started (Art. 5(3), Art. 26(10)). */
int ar_notice_rbi_requested(struct ar_store *s, long long case_id, const char *kind,
                            const char *org, const char *authority, int urgent,
                            const char *started);
/* The authority decided (grant, reject) or withdrew its authorisation (revoke): the
 * police account that made the case. */
int ar_notice_rbi_decided(struct ar_store *s, long long case_id, const char *to,
                          const char *decision);

/* Reminders: every withholding in force whose end date is within AR_NOTICE_DUE_DAYS of
 * now tells its organisation's editors and approvers, once per end date. *queued gets
 * how many messages were made. Begins its own transaction. */
#define AR_NOTICE_DUE_DAYS 30
int ar_notice_due_soon(struct ar_store *s, int *queued);

/* Send up to AR_NOTICE_BATCH waiting messages. A relay's 5xx answer gives a message up
 * at once; other failures retry after 1, 2, 4, … minutes (at most 6 hours) until
 * AR_NOTICE_ATTEMPTS attempts. Messages are leased while being sent, so two servers on
 * one database do not send one twice. *sent and *failed count this run's outcomes. */
#define AR_NOTICE_BATCH 50
#define AR_NOTICE_ATTEMPTS 10
int ar_notice_send(struct ar_store *s, const struct ar_notice_cfg *c, int *sent, int *failed);

/* Drop messages sent, given up or made more than 30 days ago. */
int ar_notice_purge(struct ar_store *s);

#endif
