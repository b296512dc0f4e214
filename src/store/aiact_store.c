/* aiact_store.c — rows of the AI Act workflows (0004_aiact.sql): classifications, EU
 * submissions, cases with their events and notices. JSON columns are stored as text
 * and handed back parsed; the rules live in src/aiact. */
#include "base/err.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "base/msg.h"

#include <stdio.h>
#include <string.h>

static int step_done(struct ar_store *s, struct ar_sql_stmt *st)
{
    /* Classifications, submissions and report counts show on public pages. */
    ar_sqlite_mark_dirty(s);
    int n = 0, r = ar_store_sql_write(s, "aiact", st, &n);
    if (r == AR_ECONFLICT)
        return AR_ENOTFOUND; /* the registration does not exist (insert ... select) */
    if (r)
        return AR_EIO;
    return n ? 0 : AR_ENOTFOUND;
}

/* A row as ar_store_sql_row, with the columns named doc, machine, data and rules (JSON
 * stored as text) parsed. */
static json_t *aiact_row(struct ar_sql_stmt *st)
{
    json_t *o = ar_store_sql_row(st);
    static const char *const parsed[] = {"doc", "machine", "data", "rules"};
    for (size_t i = 0; i < sizeof parsed / sizeof *parsed; i++) {
        const char *t = json_string_value(json_object_get(o, parsed[i]));
        if (t) {
            json_t *v = json_loads(t, JSON_DECODE_ANY, NULL);
            json_object_set_new(o, parsed[i], v ? v : json_null());
        }
    }
    return o;
}

static int rows(struct ar_store *s, struct ar_sql_stmt *st, json_t **out)
{
    return ar_store_sql_all(s, st, aiact_row, out);
}

int ar_store_cls_insert(struct ar_store *s, const char *lars, int version, const char *created,
                        const char *author, const char *conclusion, const char *doc)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "aiact",
        "INSERT INTO classifications(reg_id, version, created, author, conclusion, doc)"
        " SELECT id, ?2, ?3, ?4, ?5, ?6 FROM registrations WHERE lars = ?1",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    ar_sql_bind_int64(st, 2, version);
    ar_sql_bind_text(st, 3, created);
    ar_sql_bind_text(st, 4, author);
    ar_sql_bind_text(st, 5, conclusion);
    ar_sql_bind_text(st, 6, doc);
    return step_done(s, st);
}

int ar_store_cls_list(struct ar_store *s, const char *lars, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "aiact",
        "SELECT c.id, c.version, c.created, c.author, c.conclusion, c.doc FROM"
        " classifications c JOIN registrations r ON r.id = c.reg_id WHERE r.lars = ?1"
        " ORDER BY c.id DESC",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    return rows(s, st, out);
}

int ar_store_eu_insert(struct ar_store *s, const char *lars, const char *section,
                       const char *reference, const char *submitted, const char *author,
                       const char *doc)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "aiact",
        "INSERT INTO eu_submissions(reg_id, section, reference, submitted, author, doc)"
        " SELECT id, ?2, ?3, ?4, ?5, ?6 FROM registrations WHERE lars = ?1",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    ar_sql_bind_text(st, 2, section);
    ar_sql_bind_text(st, 3, reference);
    ar_sql_bind_text(st, 4, submitted);
    ar_sql_bind_text(st, 5, author);
    ar_sql_bind_text(st, 6, doc);
    return step_done(s, st);
}

int ar_store_eu_list(struct ar_store *s, const char *lars, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "aiact",
        "SELECT e.id, e.section, e.reference, e.submitted, e.author, e.doc FROM"
        " eu_submissions e JOIN registrations r ON r.id = e.reg_id WHERE r.lars = ?1"
        " ORDER BY e.id DESC",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    return rows(s, st, out);
}

int ar_store_case_insert(struct ar_store *s, const char *kind, const char *lars, const char *state,
                         const char *created, const char *by, const char *authority,
                         const char *machine, const char *data, long long *id_out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "aiact",
        "INSERT INTO aiact_cases(kind, reg_id, state, created, updated, created_by,"
        " authority, machine, data) SELECT ?1, id, ?3, ?4, ?4, ?5, ?6, ?7, ?8 FROM"
        " registrations WHERE lars = ?2 RETURNING id",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, kind);
    ar_sql_bind_text(st, 2, lars);
    ar_sql_bind_text(st, 3, state);
    ar_sql_bind_text(st, 4, created);
    ar_sql_bind_text(st, 5, by);
    ar_sql_bind_text(st, 6, authority ? authority : "");
    ar_sql_bind_text(st, 7, machine);
    ar_sql_bind_text(st, 8, data);
    ar_sqlite_mark_dirty(s);
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW) {
        *id_out = ar_sql_column_int64(st, 0);
        r = ar_sql_step(st);
    } else if (r == AR_SQL_DONE) {
        r = AR_ENOTFOUND; /* no such registration */
    }
    if (r && r != AR_ENOTFOUND)
        ar_msg(AR_MSG_ERR, "store: aiact case: %s", ar_sql_errmsg(ar_store_sql(s)));
    ar_sql_finalize(st);
    return r == AR_ENOTFOUND || r == AR_ECONFLICT ? AR_ENOTFOUND : r ? AR_EIO : 0;
}

#define CASE_SELECT                                                                                \
    "SELECT c.id, c.kind, r.lars AS registration, o.slug AS organization, c.state, c.created,"     \
    " c.updated, c.created_by, c.authority, c.machine, c.data FROM aiact_cases c JOIN"             \
    " registrations r ON r.id = c.reg_id JOIN organisations o ON o.id = r.org_id"

int ar_store_case_get(struct ar_store *s, long long id, json_t **out)
{
    struct ar_sql_stmt *st;
    json_t *arr = NULL;
    int rc = ar_store_sql_prep(s, "aiact", CASE_SELECT " WHERE c.id = ?1", &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, id);
    if ((rc = rows(s, st, &arr)))
        return rc;
    if (json_array_size(arr) == 0)
        rc = AR_ENOTFOUND;
    else
        *out = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return rc;
}

int ar_store_case_list(struct ar_store *s, const char *kind, const char *lars, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "aiact",
                               CASE_SELECT " WHERE (CAST(?1 AS TEXT) IS NULL OR c.kind = ?1) AND "
                                           "(CAST(?2 AS TEXT) IS NULL OR r.lars = ?2)"
                                           " ORDER BY c.id",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, kind);
    ar_sql_bind_text(st, 2, lars);
    return rows(s, st, out);
}

int ar_store_case_update(struct ar_store *s, long long id, const char *state, const char *updated,
                         const char *machine, const char *data)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "aiact",
                               "UPDATE aiact_cases SET state = ?2, updated = ?3, machine = ?4,"
                               " data = COALESCE(?5, data) WHERE id = ?1",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, id);
    ar_sql_bind_text(st, 2, state);
    ar_sql_bind_text(st, 3, updated);
    ar_sql_bind_text(st, 4, machine);
    ar_sql_bind_text(st, 5, data);
    return step_done(s, st);
}

int ar_store_case_event(struct ar_store *s, long long id, const struct ar_case_event *e,
                        int *seq_out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "aiact",
        "INSERT INTO aiact_events(case_id, seq, ts, actor, role, event, from_state,"
        " to_state, outcome, rules, data, digest) VALUES (?1, (SELECT"
        " COALESCE(MAX(seq), 0) + 1 FROM aiact_events WHERE case_id = ?1), ?2, ?3, ?4,"
        " ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING seq",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, id);
    ar_sql_bind_text(st, 2, e->ts);
    ar_sql_bind_text(st, 3, e->actor);
    ar_sql_bind_text(st, 4, e->role);
    ar_sql_bind_text(st, 5, e->event);
    ar_sql_bind_text(st, 6, e->from);
    ar_sql_bind_text(st, 7, e->to);
    ar_sql_bind_text(st, 8, e->outcome);
    ar_sql_bind_text(st, 9, e->rules);
    ar_sql_bind_text(st, 10, e->data);
    ar_sql_bind_text(st, 11, e->digest);
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW) {
        if (seq_out)
            *seq_out = (int)ar_sql_column_int64(st, 0);
        r = ar_sql_step(st);
    }
    rc = r == AR_SQL_DONE ? 0 : AR_EIO;
    if (rc)
        ar_msg(AR_MSG_ERR, "store: aiact event: %s", ar_sql_errmsg(ar_store_sql(s)));
    ar_sql_finalize(st);
    return rc;
}

int ar_store_case_events(struct ar_store *s, long long id, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "aiact",
        "SELECT seq, ts, actor, role, event, from_state, to_state, outcome, rules,"
        " data, digest FROM aiact_events WHERE case_id = ?1 ORDER BY seq",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, id);
    return rows(s, st, out);
}

int ar_store_notice_insert(struct ar_store *s, long long case_id, const char *recipient,
                           const char *ts, const char *doc)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "aiact",
        "INSERT INTO aiact_notices(case_id, recipient, ts, doc) VALUES (?1, ?2, ?3, ?4)", &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, case_id);
    ar_sql_bind_text(st, 2, recipient);
    ar_sql_bind_text(st, 3, ts);
    ar_sql_bind_text(st, 4, doc);
    return step_done(s, st);
}

int ar_store_notice_list(struct ar_store *s, long long case_id, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "aiact",
        "SELECT id, case_id, recipient, ts, doc FROM aiact_notices WHERE ?1 = 0 OR"
        " case_id = ?1 ORDER BY id",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, case_id);
    return rows(s, st, out);
}
