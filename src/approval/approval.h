/* approval.h — four eyes: a version written by an organisation's registrant or approver
 * is not published at once. It waits, sealed, as a draft until an approver of the same
 * organisation who is not its author publishes it, or rejects it with a reason. Only
 * then does it become a version, in the search index and the transparency log, with
 * the draft's author as author and the approver named in the change note.
 *
 * The record is validated when the draft is submitted (the same rules as a direct
 * write), so the author hears of problems at once; publication re-runs them. A draft
 * that changes version N is refused at approval when someone published N+1 meanwhile
 * (AR_ECONFLICT): the author submits again on top of the newer version. */
#ifndef AR_APPROVAL_APPROVAL_H
#define AR_APPROVAL_APPROVAL_H

#include <jansson.h>

#include "exception/exception.h"
#include "store/store.h"

struct ar_approval_ctx {
    const struct ar_seal_key *key;      /* seals drafts at rest */
    const struct ar_exception_cfg *cfg; /* for drafts that ask to withhold */
};

/* Submit record as a new registration (lars NULL; withhold optional) or as the next
 * version of lars (base_version 0 = the latest now). A record identical to the latest
 * version makes no draft: *changed 0 and *draft 0. Problems name field and rule. */
int ar_approval_submit(struct ar_store *s, const struct ar_approval_ctx *c, const char *author,
                       const char *org, const char *lars, const json_t *record,
                       const json_t *withhold, const char *note, int base_version, json_t *problems,
                       long long *draft, int *changed);

/* One draft of org as {id, registration, state, author, created, base_version, withheld,
 * decided_by, decided_at, reason, published_version, record, withhold, note, changes}
 * (changes: field differences from the published version). AR_ENOTFOUND for another
 * organisation's draft. */
int ar_approval_get(struct ar_store *s, const struct ar_approval_ctx *c, long long id,
                    const char *org, json_t **out);
/* The drafts of org (state NULL for all), newest first, without record content but with
 * its name. */
int ar_approval_list(struct ar_store *s, const struct ar_approval_ctx *c, const char *org,
                     const char *state, json_t **out);

/* Approve (publish) or reject draft id. approver must belong to the draft's
 * organisation and must not be its author (AR_EDENIED with a problem naming the four-eyes
 * rule); a rejection needs a reason. On publication lars_out and version name what became
 * public. AR_ECONFLICT when the draft is no longer waiting or is stale. */
int ar_approval_decide(struct ar_store *s, const struct ar_approval_ctx *c, long long id,
                       const char *approver, const char *org, int approve, const char *reason,
                       json_t *problems, char lars_out[9], int *version);

/* The author withdraws a waiting draft. */
int ar_approval_withdraw(struct ar_store *s, long long id, const char *author, const char *org,
                         json_t *problems);

/* ---- the national register's submission flow (src/api/compat.c) ---------------------
 * There an entry's author keeps a concept, releases it, and someone else publishes it.
 * Here a concept is a draft in state "concept": validated like any draft, sealed, not
 * yet waiting for approval. Releasing makes it "submitted"; publishing is
 * ar_approval_decide, so the four eyes hold as for every other draft. */

/* Save record as the concept of registration lars: a published one (is_new 0), or a new
 * one whose id lars is reserved now (is_new 1; the record's "lars" is set to it), so the
 * caller can name the id before anything is published. The registration's open draft
 * (concept or submitted), if any, is withdrawn: the newest concept is the one that
 * counts. A record identical to the published version makes no draft (*changed 0),
 * unless the registration is retracted (then saving it is the way to publish it again). */
int ar_approval_concept(struct ar_store *s, const struct ar_approval_ctx *c, const char *author,
                        const char *org, const char *lars, int is_new, const json_t *record,
                        int strict, json_t *problems, long long *draft, int *changed);
/* A fresh public id for a new registration's concept: neither published nor held by any
 * draft (an archived concept may come back). AR_ECONFLICT when twenty tries found none. */
int ar_approval_free_id(struct ar_store *s, char out[9]);
/* Release concept id for approval (concept → submitted): the record must keep every rule
 * now (strict 0 let an unfinished one be saved: the workspace keeps work that is not
 * done; the submission API, like the national register, checks at once). AR_EINVAL with
 * the problems, AR_ECONFLICT when it is no concept. */
int ar_approval_release(struct ar_store *s, const struct ar_approval_ctx *c, long long id,
                        const char *who, const char *org, json_t *problems);
/* Archive an open draft (archive 1: concept or submitted → archived) or bring an archived
 * one back as a concept (0; AR_ECONFLICT while the registration has another open one). */
int ar_approval_archive(struct ar_store *s, long long id, const char *who, const char *org,
                        int archive, json_t *problems);
/* Retract published registration lars of org: hidden from the public, logged. Refused
 * (AR_EDENIED, problem citing the rule) while it is withheld under the law-enforcement
 * exception: its end date, not its organisation, decides when it is published. */
int ar_approval_retract(struct ar_store *s, const char *lars, const char *org, json_t *problems);

#endif
