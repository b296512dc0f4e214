/* approval.c — four eyes (see approval.h). */
#include "approval/approval.h"
#include "base/clock.h"
#include "base/err.h"
#include "json/json.h"
#include "log/log.h"
#include "model/lars.h"
#include "model/record.h"
#include "model/registry.h"
#include "notice/notice.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PURPOSE "draft"

static json_t *open_draft(const struct ar_approval_ctx *c, const json_t *row)
{
    return ar_unseal_json(c->key, ar_json_str(row, "ref"), PURPOSE, ar_json_str(row, "sealed"));
}

/* The latest published record of lars (NULL when none) and its version. */
static json_t *published(struct ar_store *s, const char *lars, int *version)
{
    json_t *v = NULL, *rec = NULL;
    *version = 0;
    if (lars && ar_registry_get(s, lars, 0, &v) == 0) {
        rec = json_incref(json_object_get(v, "record"));
        *version = (int)json_integer_value(json_object_get(v, "version"));
    }
    json_decref(v);
    return rec;
}

/* A decision as a transparency-log leaf, in the caller's transaction: which draft of
 * which organisation ended how, and when (and what it became); no content. */
static int log_decision(struct ar_store *s, long long id, const char *org, const char *state,
                        const char *lars, int version, const char *at)
{
    json_t *leaf = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s?, s:i}", "kind", "draft", "draft",
                             (json_int_t)id, "org", org, "state", state, "time", at, "registration",
                             lars && *lars ? lars : NULL, "version", version);
    char *c = ar_json_canon_str(leaf);
    int rc = c ? ar_log_append(s, c, strlen(c), NULL, 0, NULL) : AR_EIO;
    free(c);
    json_decref(leaf);
    return rc;
}

/* One draft in state (submitted or concept). lars: the registration it changes, or with
 * is_new the id reserved for a new one (NULL: chosen at publication). A concept replaces
 * the registration's open draft. */
static int put_draft(struct ar_store *s, const struct ar_approval_ctx *c, const char *author,
                     const char *org, const char *lars, int is_new, const json_t *record,
                     const json_t *withhold, const char *note, int base_version, const char *state,
                     int strict, json_t *problems, long long *draft, int *changed)
{
    json_t *clean = NULL, *cur = NULL, *sealed_in = NULL, *reg = NULL, *old = NULL;
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    int rc, latest = 0;
    *draft = 0;
    *changed = 0;
    if (!c->key) {
        ar_problem_add(problems, "", "unavailable", "drafts need the sealing key");
        return AR_EUNAVAIL;
    }
    if (withhold && lars) {
        ar_problem_add(problems, "withhold", "new_only",
                       "only a new registration is withheld this way; use"
                       " /withholding for an existing one");
        return AR_EINVAL;
    }
    if (!json_is_object(record)) {
        ar_problem_add(problems, "", "type", "a record is a JSON object");
        return AR_EINVAL;
    }
    if (strict && (rc = ar_record_validate(&clean, record, problems)))
        return rc;
    if (!clean) /* a concept kept as it is, checked when it is released */
        clean = json_deep_copy(record);
    if (withhold && (rc = ar_exception_create(s, c->key, c->cfg, record, withhold, author, note,
                                              problems, NULL)))
        goto out;
    if (lars && !is_new) {
        if (!(cur = published(s, lars, &latest))) {
            ar_problem_add(problems, "id", "exists", "no registration %s", lars);
            rc = AR_ENOTFOUND;
            goto out;
        }
        if (base_version && base_version != latest) {
            ar_problem_add(problems, "base_version", "stale",
                           "version %d is the latest, not %d: someone published meanwhile", latest,
                           base_version);
            rc = AR_ECONFLICT;
            goto out;
        }
        /* lars is the registration's own id; the record may or may not repeat it. */
        json_t *a = json_deep_copy(cur), *b = json_deep_copy(clean);
        json_object_del(a, "lars");
        json_object_del(b, "lars");
        int same = json_equal(a, b);
        json_decref(a);
        json_decref(b);
        /* publishing a retracted registration again may keep its content */
        if (same && ar_store_version_get(s, lars, 0, &reg) == 0 &&
            !json_object_get(reg, "retracted")) {
            rc = 0;
            goto out;
        }
    }
    if (!strcmp(state, "concept") && lars && ar_store_draft_open(s, lars, &old) == 0 &&
        strcmp(ar_json_str(old, "org"), org) != 0) {
        ar_problem_add(problems, "id", "exists", "no registration %s of %s", lars, org);
        rc = AR_ENOTFOUND;
        goto out;
    }
    char ref[33], now[32];
    unsigned char rb[16];
    randombytes_buf(rb, sizeof rb);
    sodium_bin2hex(ref, sizeof ref, rb, sizeof rb);
    ar_clock_fmt(now, sizeof now, ar_clock_now());
    sealed_in =
        json_pack("{s:O, s:O?, s:s?}", "record", record, "withhold", withhold, "note", note);
    if ((rc = ar_seal_json(c->key, ref, PURPOSE, sealed_in, &sealed, &sealed_len)))
        goto out;
    struct ar_draft_write d = {ref,
                               lars,
                               org,
                               author,
                               now,
                               state,
                               is_new ? 0 : (lars ? latest : 0),
                               withhold != NULL,
                               sealed,
                               sealed_len};
    if ((rc = ar_store_begin(s)))
        goto out;
    /* one's own open draft of it is replaced; someone else's stays for the approvers */
    if (!(rc = ar_store_draft_add(s, &d, draft)) && !strcmp(state, "submitted"))
        rc = ar_notice_draft_submitted(s, *draft, org, author, lars);
    if (!rc && old && !strcmp(ar_json_str(old, "author"), author)) {
        char why[64];
        long long oid = json_integer_value(json_object_get(old, "id"));
        snprintf(why, sizeof why, "replaced by draft %lld", *draft);
        if (!(rc = ar_store_draft_move(s, oid, ar_json_str(old, "state"), "withdrawn", author, now,
                                       why)))
            rc = log_decision(s, oid, org, "withdrawn", NULL, 0, now);
    }
    if (rc || (rc = ar_store_commit(s)))
        ar_store_rollback(s);
    else
        *changed = 1;
out:
    if (sealed)
        sodium_memzero(sealed, sealed_len);
    free(sealed);
    json_decref(sealed_in);
    json_decref(clean);
    json_decref(cur);
    json_decref(reg);
    json_decref(old);
    return rc;
}

int ar_approval_submit(struct ar_store *s, const struct ar_approval_ctx *c, const char *author,
                       const char *org, const char *lars, const json_t *record,
                       const json_t *withhold, const char *note, int base_version, json_t *problems,
                       long long *draft, int *changed)
{
    return put_draft(s, c, author, org, lars, 0, record, withhold, note, base_version, "submitted",
                     1, problems, draft, changed);
}

int ar_approval_free_id(struct ar_store *s, char out[9])
{
    for (int tries = 0; tries < 20; tries++) {
        ar_lars_generate(out);
        if (ar_store_reg_exists(s, out) == AR_ENOTFOUND &&
            ar_store_draft_holds(s, out, NULL) == AR_ENOTFOUND)
            return 0;
    }
    return AR_ECONFLICT;
}

int ar_approval_concept(struct ar_store *s, const struct ar_approval_ctx *c, const char *author,
                        const char *org, const char *lars, int is_new, const json_t *record,
                        int strict, json_t *problems, long long *draft, int *changed)
{
    json_t *rec = json_deep_copy(record);
    if (is_new && json_is_object(rec))
        json_object_set_new(rec, "lars", json_string(lars));
    int rc = put_draft(s, c, author, org, lars, is_new, rec, NULL, NULL, 0, "concept", strict,
                       problems, draft, changed);
    json_decref(rec);
    return rc;
}

/* The view of a draft row; with content when full. */
static json_t *view(struct ar_store *s, const struct ar_approval_ctx *c, const json_t *row,
                    int full)
{
    json_t *in = open_draft(c, row);
    json_t *rec = json_object_get(in, "record");
    json_t *v = json_pack(
        "{s:O, s:O, s:O, s:O, s:O, s:O, s:b, s:O, s:O, s:O, s:O, s:O, s:s?}", "id",
        json_object_get(row, "id"), "registration", json_object_get(row, "lars"), "state",
        json_object_get(row, "state"), "author", json_object_get(row, "author"), "created",
        json_object_get(row, "created"), "base_version", json_object_get(row, "base_version"),
        "withheld", json_integer_value(json_object_get(row, "withheld")) != 0, "decided_by",
        json_object_get(row, "decided_by"), "decided_at", json_object_get(row, "decided_at"),
        "reason", json_object_get(row, "reason"), "published_version",
        json_object_get(row, "published_version"), "published_registration",
        json_object_get(row, "published_lars"), "name", rec ? ar_json_str(rec, "name") : NULL);
    if (full && in) {
        int latest;
        json_t *cur = published(s, ar_json_str(row, "lars"), &latest);
        json_object_set(v, "record", rec);
        json_object_set(v, "withhold", json_object_get(in, "withhold"));
        json_object_set(v, "note", json_object_get(in, "note"));
        json_object_set_new(v, "changes", ar_record_diff(cur, rec));
        json_object_set_new(v, "latest_version", json_integer(latest));
        json_decref(cur);
    }
    json_decref(in);
    return v;
}

int ar_approval_get(struct ar_store *s, const struct ar_approval_ctx *c, long long id,
                    const char *org, json_t **out)
{
    json_t *row = NULL;
    int rc = ar_store_draft_get(s, id, &row);
    if (!rc && org && strcmp(ar_json_str(row, "org"), org) != 0)
        rc = AR_ENOTFOUND; /* another organisation's drafts do not exist for you */
    if (!rc)
        *out = view(s, c, row, 1);
    json_decref(row);
    return rc;
}

int ar_approval_list(struct ar_store *s, const struct ar_approval_ctx *c, const char *org,
                     const char *state, json_t **out)
{
    json_t *rows = NULL, *row;
    size_t i;
    int rc = ar_store_draft_list(s, org, state, &rows);
    if (rc)
        return rc;
    json_t *arr = json_array();
    json_array_foreach (rows, i, row)
        json_array_append_new(arr, view(s, c, row, 0));
    json_decref(rows);
    *out = arr;
    return 0;
}

int ar_approval_decide(struct ar_store *s, const struct ar_approval_ctx *c, long long id,
                       const char *approver, const char *org, int approve, const char *reason,
                       json_t *problems, char lars_out[9], int *version)
{
    json_t *row = NULL, *in = NULL;
    char now[32];
    int rc = ar_store_draft_get(s, id, &row);
    *version = 0;
    lars_out[0] = '\0';
    if (!rc && strcmp(ar_json_str(row, "org"), org) != 0)
        rc = AR_ENOTFOUND;
    if (rc) {
        ar_problem_add(problems, "draft", "exists", "no draft %lld of %s", id, org);
        goto out;
    }
    if (strcmp(ar_json_str(row, "state"), "submitted") != 0) {
        ar_problem_add(problems, "draft", "state", "draft %lld is %s, not waiting", id,
                       ar_json_str(row, "state"));
        rc = AR_ECONFLICT;
        goto out;
    }
    if (strcmp(ar_json_str(row, "author"), approver) == 0) {
        ar_problem_add(problems, "approver", "four_eyes",
                       "the author of a version cannot approve it: another approver of %s must",
                       org);
        rc = AR_EDENIED;
        goto out;
    }
    ar_clock_fmt(now, sizeof now, ar_clock_now());
    if (!approve) {
        if (!reason || strlen(reason) < 2 || strlen(reason) > 2000) {
            ar_problem_add(problems, "reason", "required",
                           "a rejection gives a reason of 2 to 2000 characters");
            rc = AR_EINVAL;
            goto out;
        }
        if ((rc = ar_store_begin(s)))
            goto out;
        if ((rc = ar_store_draft_decide(s, id, "rejected", approver, now, reason, NULL, 0)) ||
            (rc = log_decision(s, id, org, "rejected", NULL, 0, now)) ||
            (rc = ar_notice_draft_decided(s, id, ar_json_str(row, "author"), approver, "rejected",
                                          ar_json_str(row, "lars"))) ||
            (rc = ar_store_commit(s)))
            ar_store_rollback(s);
        goto out;
    }
    if (!(in = open_draft(c, row))) {
        ar_problem_add(problems, "draft", "sealed", "the draft cannot be opened with this key");
        rc = AR_EIO;
        goto out;
    }
    const json_t *rec = json_object_get(in, "record"), *wh = json_object_get(in, "withhold");
    if (json_is_null(wh))
        wh = NULL;
    const char *lars = ar_json_str(row, "lars"), *author = ar_json_str(row, "author");
    const char *note0 = ar_json_str(in, "note");
    char *note = NULL;
    int base = (int)json_integer_value(json_object_get(row, "base_version")), changed = 0;
    if (asprintf(&note, "%s (approved by %s)",
                 note0  ? note0
                 : base ? "Updated"
                        : "Registered",
                 approver) < 0) {
        rc = AR_EIO;
        goto out;
    }
    if ((rc = ar_store_begin(s))) {
        free(note);
        goto out;
    }
    if (wh)
        rc = ar_exception_create(s, c->key, c->cfg, rec, wh, author, note, problems, lars_out);
    else if (!lars || !base) /* a new registration, perhaps with its id reserved */
        rc = ar_ledger_create(s, rec, author, note, problems, lars_out);
    else if (!(rc =
                   ar_ledger_update(s, lars, rec, author, note, base, problems, version, &changed)))
        snprintf(lars_out, 9, "%s", lars);
    if (!rc && !*version) {
        json_t *v = NULL;
        if (!(rc = ar_registry_get(s, lars_out, 0, &v)))
            *version = (int)json_integer_value(json_object_get(v, "version"));
        json_decref(v);
    }
    json_t *pub = NULL; /* publishing a retracted registration makes it public again */
    if (!rc && ar_store_version_get(s, lars_out, 0, &pub) == 0 && json_object_get(pub, "retracted"))
        rc = ar_ledger_retract(s, lars_out, 0);
    json_decref(pub);
    if (!rc)
        rc = ar_store_draft_decide(s, id, "approved", approver, now, reason, lars_out, *version);
    /* A withheld registration's id is public from the start (its metadata leaf names it). */
    if (!rc)
        rc = log_decision(s, id, org, "approved", lars_out, *version, now);
    if (!rc)
        rc = ar_notice_draft_decided(s, id, author, approver, "approved", lars_out);
    if (!rc)
        rc = ar_store_commit(s);
    else
        ar_store_rollback(s);
    free(note);
    if (rc == AR_ECONFLICT && !json_array_size(problems))
        ar_problem_add(problems, "base_version", "stale",
                       "a newer version was published after this draft was written; the"
                       " author submits it again");
out:
    json_decref(in);
    json_decref(row);
    return rc;
}

int ar_approval_withdraw(struct ar_store *s, long long id, const char *author, const char *org,
                         json_t *problems)
{
    json_t *row = NULL;
    char now[32];
    int rc = ar_store_draft_get(s, id, &row);
    if (!rc && (strcmp(ar_json_str(row, "org"), org) != 0 ||
                strcmp(ar_json_str(row, "author"), author) != 0))
        rc = AR_ENOTFOUND;
    json_decref(row);
    if (rc) {
        ar_problem_add(problems, "draft", "exists", "you have no draft %lld", id);
        return rc;
    }
    ar_clock_fmt(now, sizeof now, ar_clock_now());
    if ((rc = ar_store_begin(s)))
        return rc;
    if ((rc = ar_store_draft_decide(s, id, "withdrawn", author, now, NULL, NULL, 0)) ||
        (rc = log_decision(s, id, org, "withdrawn", NULL, 0, now)) || (rc = ar_store_commit(s))) {
        ar_store_rollback(s);
        if (rc == AR_ECONFLICT)
            ar_problem_add(problems, "draft", "state", "draft %lld is no longer waiting", id);
    }
    return rc;
}

/* Draft id of org in a state the caller checks; a problem and AR_ENOTFOUND otherwise. */
static int org_draft(struct ar_store *s, long long id, const char *org, json_t **row,
                     json_t *problems)
{
    int rc = ar_store_draft_get(s, id, row);
    if (!rc && strcmp(ar_json_str(*row, "org"), org) != 0) {
        json_decref(*row);
        *row = NULL;
        rc = AR_ENOTFOUND;
    }
    if (rc == AR_ENOTFOUND)
        ar_problem_add(problems, "draft", "exists", "no draft %lld of %s", id, org);
    return rc;
}

/* Move draft id (of registration lars, when it has one) from one state to another and
 * log it, in one transaction; a draft that now waits tells the approvers. */
static int move(struct ar_store *s, long long id, const char *org, const char *lars,
                const char *from, const char *to, const char *who)
{
    char now[32];
    ar_clock_fmt(now, sizeof now, ar_clock_now());
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    if ((rc = ar_store_draft_move(s, id, from, to, who, now, NULL)) ||
        (rc = log_decision(s, id, org, to, NULL, 0, now)) ||
        (!strcmp(to, "submitted") && (rc = ar_notice_draft_submitted(s, id, org, who, lars))) ||
        (rc = ar_store_commit(s)))
        ar_store_rollback(s);
    return rc;
}

int ar_approval_release(struct ar_store *s, const struct ar_approval_ctx *c, long long id,
                        const char *who, const char *org, json_t *problems)
{
    json_t *row = NULL, *in = NULL, *clean = NULL;
    int rc = org_draft(s, id, org, &row, problems);
    if (!rc && strcmp(ar_json_str(row, "state"), "concept") != 0) {
        ar_problem_add(problems, "draft", "state", "draft %lld is %s: only a concept is released",
                       id, ar_json_str(row, "state"));
        rc = AR_ECONFLICT;
    }
    /* a concept may have been saved unfinished: it keeps the rules before it waits */
    if (!rc && !(in = open_draft(c, row))) {
        ar_problem_add(problems, "draft", "sealed", "the draft cannot be opened with this key");
        rc = AR_EIO;
    }
    if (!rc)
        rc = ar_record_validate(&clean, json_object_get(in, "record"), problems);
    json_decref(in);
    json_decref(clean);
    if (!rc && (rc = move(s, id, org, ar_json_str(row, "lars"), "concept", "submitted", who)) ==
                   AR_ECONFLICT)
        ar_problem_add(problems, "draft", "state", "draft %lld changed meanwhile", id);
    json_decref(row);
    return rc;
}

int ar_approval_archive(struct ar_store *s, long long id, const char *who, const char *org,
                        int archive, json_t *problems)
{
    json_t *row = NULL, *open = NULL;
    int rc = org_draft(s, id, org, &row, problems);
    if (rc)
        return rc;
    const char *state = ar_json_str(row, "state"), *lars = ar_json_str(row, "lars");
    if (archive && strcmp(state, "concept") && strcmp(state, "submitted")) {
        ar_problem_add(problems, "algorithm_version_id", "state",
                       "draft %lld is %s: only a concept or a released version is archived; a"
                       " published version stays in the register's history",
                       id, state);
        rc = AR_ECONFLICT;
    } else if (!archive && strcmp(state, "archived")) {
        ar_problem_add(problems, "algorithm_version_id", "state", "draft %lld is %s, not archived",
                       id, state);
        rc = AR_ECONFLICT;
    } else if (!archive && lars && ar_store_draft_open(s, lars, &open) == 0) {
        ar_problem_add(problems, "algorithm_version_id", "open_draft",
                       "registration %s already has draft %lld open; archive that one first", lars,
                       (long long)json_integer_value(json_object_get(open, "id")));
        rc = AR_ECONFLICT;
    } else {
        rc = move(s, id, org, NULL, state, archive ? "archived" : "concept", who);
    }
    json_decref(open);
    json_decref(row);
    return rc;
}

int ar_approval_retract(struct ar_store *s, const char *lars, const char *org, json_t *problems)
{
    json_t *reg = NULL, *wh = NULL;
    int rc = ar_store_version_get(s, lars, 0, &reg);
    if (!rc && strcmp(ar_json_str(json_object_get(reg, "organization"), "slug"), org) != 0)
        rc = AR_ENOTFOUND;
    if (rc) {
        if (rc == AR_ENOTFOUND)
            ar_problem_add(problems, "algorithm_id", "exists", "no published registration %s of %s",
                           lars, org);
        goto out;
    }
    if (json_object_get(reg, "retracted")) {
        ar_problem_add(problems, "algorithm_id", "state", "registration %s is already retracted",
                       lars);
        rc = AR_ECONFLICT;
        goto out;
    }
    if (ar_store_wh_get(s, lars, &wh) == 0 && !strcmp(ar_json_str(wh, "state"), "withheld")) {
        ar_problem_add(problems, "algorithm_id", "withheld",
                       "registration %s is withheld under the law-enforcement exception: it is"
                       " published when the withholding ends, not hidden before that",
                       lars);
        rc = AR_EDENIED;
        goto out;
    }
    rc = ar_ledger_retract(s, lars, 1); /* the audit trail names who (the API writes it) */
out:
    json_decref(wh);
    json_decref(reg);
    return rc;
}
