/* quality_store.c — rows and queries for register quality (0006_quality.sql): similar
 * entries from the full-text index, links and their checks, error reports, and the
 * counts the dashboards draw. */
#include "base/buf.h"
#include "base/err.h"
#include "base/msg.h"
#include "store/sqlite_int.h"
#include "store/store.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Every row as an object keyed by column name. */
static int rows(struct ar_store *s, struct ar_sql_stmt *st, json_t **out)
{
    return ar_store_sql_all(s, st, ar_store_sql_row, out);
}

/* ---- similar entries --------------------------------------------------------------------- */

#define SIM_TERMS 48 /* distinct words of an entry considered */
#define SIM_QUERY 8  /* the most distinctive ones searched for */
/* Entries read to score the candidates, at most (beyond the first word): each costs a
 * row lookup (on PostgreSQL a heap page, 10-35 us), so the work stays the same however
 * large the register grows; the rarest words, which say the most, come first. */
#define SIM_BUDGET 5000

struct term {
    char w[48];
    int tf;
    long long df;
    double weight;
};

/* Words of the public text as the index sees them (lower case, letters and digits), at
 * least four bytes, counted. Words with non-ASCII letters are kept as they are; the
 * index folds diacritics, so such a word may find nothing, which only costs a term. */
static int collect(const char *text, struct term *t, int n)
{
    static const char *const skip[] = {"voor", "door", "naar",  "deze",  "wordt", "worden", "zijn",
                                       "niet", "ook",  "over",  "with",  "that",  "this",   "from",
                                       "have", "will", "which", "their", NULL};
    const unsigned char *p = (const unsigned char *)text;
    while (p && *p) {
        while (*p && !(isalnum(*p) || *p >= 0x80))
            p++;
        const unsigned char *s = p;
        while (*p && (isalnum(*p) || *p >= 0x80))
            p++;
        size_t len = (size_t)(p - s);
        if (len < 4 || len >= sizeof t[0].w)
            continue;
        char w[48];
        for (size_t i = 0; i < len; i++)
            w[i] = (char)tolower(s[i]);
        w[len] = '\0';
        int stop = 0;
        for (const char *const *k = skip; *k && !stop; k++)
            stop = strcmp(*k, w) == 0;
        if (stop || (isdigit((unsigned char)w[0]) && len < 6))
            continue;
        int found = 0;
        for (int i = 0; i < n && !found; i++)
            if (strcmp(t[i].w, w) == 0) {
                t[i].tf++;
                found = 1;
            }
        if (!found && n < SIM_TERMS) {
            snprintf(t[n].w, sizeof t[n].w, "%s", w);
            t[n].tf = 1;
            n++;
        }
    }
    return n;
}

/* Document frequencies of every indexed word, in memory: fts5vocab counts a word by
 * reading its whole doclist, so asking it per word cost milliseconds for common words.
 * Ranking tolerates slightly old frequencies, so the table is rebuilt (one scan of the
 * vocabulary, ~0.1 s per 100,000 entries) only when it is ten minutes old or the number
 * of entries moved by more than 1 %. One table per process. */
struct dftab {
    char **term;
    uint32_t *df;
    size_t cap; /* power of two */
    long long docs;
    time_t built;
};
static pthread_mutex_t g_df_mu = PTHREAD_MUTEX_INITIALIZER;
static struct dftab *g_df;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void df_free(struct dftab *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->cap; i++)
        free(t->term[i]);
    free(t->term);
    free(t->df);
    free(t);
}

static void df_put(struct dftab *t, const char *w, uint32_t df)
{
    for (size_t i = fnv(w) & (t->cap - 1);; i = (i + 1) & (t->cap - 1))
        if (!t->term[i]) {
            t->term[i] = ar_xstrdup(w);
            t->df[i] = df;
            return;
        }
}

static uint32_t df_get(const struct dftab *t, const char *w)
{
    for (size_t i = fnv(w) & (t->cap - 1); t->term[i]; i = (i + 1) & (t->cap - 1))
        if (strcmp(t->term[i], w) == 0)
            return t->df[i];
    return 0;
}

static void df_at_exit(void)
{
    pthread_mutex_lock(&g_df_mu);
    df_free(g_df);
    g_df = NULL;
    pthread_mutex_unlock(&g_df_mu);
}

static void df_register_exit(void)
{
    atexit(df_at_exit);
}

static int df_build(struct ar_store *s, long long docs, struct dftab **out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, df_register_exit);
    struct ar_sql_stmt *st;
    long long n = 0;
    /* SQLite: FTS5's vocabulary table; PostgreSQL: ts_stat over the words as written
     * (the 'simple' configuration), as the words collected from an entry are */
    int pg = ar_sql_kind(ar_store_sql(s)) == AR_SQL_PG;
#define PG_VOCAB                                                                                   \
    "ts_stat('SELECT to_tsvector(''simple'', nl || '' '' || en) FROM registration_fts')"
    int rc = ar_store_sql_prep(
        s, "quality",
        pg ? "SELECT count(*) FROM " PG_VOCAB : "SELECT count(*) FROM registration_fts_vocab", &st);
    if (rc)
        return rc;
    if (ar_sql_step(st) == AR_SQL_ROW)
        n = ar_sql_column_int64(st, 0);
    ar_sql_finalize(st);
    struct dftab *t = ar_xcalloc(1, sizeof *t);
    t->cap = 1024;
    while (t->cap < (size_t)n * 2 + 16)
        t->cap <<= 1;
    t->term = ar_xcalloc(t->cap, sizeof *t->term);
    t->df = ar_xcalloc(t->cap, sizeof *t->df);
    t->docs = docs;
    t->built = time(NULL);
    if ((rc = ar_store_sql_prep(s, "quality",
                                pg ? "SELECT word, ndoc FROM " PG_VOCAB
                                   : "SELECT term, doc FROM registration_fts_vocab",
                                &st))) {
        df_free(t);
        return rc;
    }
    long long k = 0;
    while (ar_sql_step(st) == AR_SQL_ROW && k++ < n)
        df_put(t, ar_sql_column_text(st, 0), (uint32_t)ar_sql_column_int64(st, 1));
    ar_sql_finalize(st);
    *out = t;
    return 0;
}

/* PostgreSQL's ts_stat parses every entry's text again (SQLite's vocabulary table is
 * kept by FTS5): above this many entries a visitor's request never waits for it. */
#define PG_INLINE_DOCS 50000

static int is_pg(struct ar_store *s)
{
    return ar_sql_kind(ar_store_sql(s)) == AR_SQL_PG;
}

/* The table is ten minutes old or the number of entries moved by more than 1 %
 * (called with g_df_mu held). */
static int df_stale(long long total)
{
    return !g_df || time(NULL) - g_df->built > 600 ||
           llabs(total - g_df->docs) * 100 > g_df->docs ||
           (g_df->docs < 1000 && total != g_df->docs);
}

int ar_store_similar_refresh(struct ar_store *s)
{
    struct ar_sql_stmt *st = NULL;
    long long total = 0;
    int rc = ar_store_sql_prep(s, "quality", "SELECT max(id) FROM registrations", &st);
    if (rc)
        return rc;
    if (ar_sql_step(st) == AR_SQL_ROW)
        total = ar_sql_column_int64(st, 0);
    ar_sql_finalize(st);
    pthread_mutex_lock(&g_df_mu);
    int stale = df_stale(total);
    pthread_mutex_unlock(&g_df_mu);
    if (!stale)
        return 0;
    /* built outside the lock: requests go on with the old table meanwhile */
    struct dftab *t = NULL;
    if ((rc = df_build(s, total, &t)))
        return rc;
    pthread_mutex_lock(&g_df_mu);
    df_free(g_df);
    g_df = t;
    pthread_mutex_unlock(&g_df_mu);
    return 0;
}

static int by_weight(const void *a, const void *b)
{
    double x = ((const struct term *)a)->weight, y = ((const struct term *)b)->weight;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Weights go to the database as integers (millionths), so both databases add them up
 * exactly alike. */
#define SIM_SCALE 1000000.0

/* Score every entry sharing one of the q words by the summed weights of the words it
 * shares (a binary tf-idf dot product) and append the best `limit` others, in the
 * database: one query and one round trip, whatever the number of matches. Only the
 * limit * 20 best candidates are looked at for the filters (another organisation,
 * retracted, no name), as many as a page could ever want. */
static int similar_rows(struct ar_store *s, const struct term *t, int q, long long id,
                        long long org, int same_org, int limit, json_t *items)
{
    int pg = is_pg(s);
    struct ar_buf sql;
    ar_buf_init(&sql, 0);
    ar_buf_puts(&sql, "SELECT r.lars, r.name, o.slug, o.name, m.score FROM (SELECT id,"
                      " CAST(sum(w) AS bigint) AS score FROM (");
    for (int i = 0; i < q; i++) {
        /* one word each: the word itself for tsquery, a quoted "w" for FTS5 (words hold
         * no quotes) */
        if (pg)
            ar_buf_printf(&sql,
                          "%sSELECT rowid AS id, ?%d::bigint AS w FROM registration_fts WHERE"
                          " tsv @@ (plainto_tsquery('dutch', ?%d) || plainto_tsquery('english',"
                          " ?%d))",
                          i ? " UNION ALL " : "", 2 * i + 2, 2 * i + 1, 2 * i + 1);
        else
            ar_buf_printf(&sql,
                          "%sSELECT rowid AS id, ?%d AS w FROM registration_fts WHERE"
                          " registration_fts MATCH '\"' || ?%d || '\"'",
                          i ? " UNION ALL " : "", 2 * i + 2, 2 * i + 1);
    }
    ar_buf_printf(&sql,
                  ") u WHERE id != ?%d GROUP BY id ORDER BY score DESC, id LIMIT ?%d) m JOIN"
                  " registrations r ON r.id = m.id JOIN organisations o ON o.id = r.org_id"
                  " WHERE (?%d OR r.org_id != ?%d) AND r.name != '' AND r.retracted IS NULL"
                  " ORDER BY m.score DESC, m.id LIMIT ?%d",
                  2 * q + 1, 2 * q + 2, 2 * q + 3, 2 * q + 4, 2 * q + 5);
    struct ar_sql_stmt *st = NULL;
    int rc = ar_buf_ok(&sql) ? ar_store_sql_prep(s, "quality", ar_buf_cstr(&sql), &st) : AR_EIO;
    ar_buf_free(&sql);
    if (rc)
        return rc;
    for (int i = 0; i < q; i++) {
        ar_sql_bind_text(st, 2 * i + 1, t[i].w);
        ar_sql_bind_int64(st, 2 * i + 2, llround(t[i].weight * SIM_SCALE));
    }
    ar_sql_bind_int64(st, 2 * q + 1, id);
    ar_sql_bind_int64(st, 2 * q + 2, (long long)limit * 20);
    ar_sql_bind_int64(st, 2 * q + 3, same_org);
    ar_sql_bind_int64(st, 2 * q + 4, org);
    ar_sql_bind_int64(st, 2 * q + 5, limit);
    int r;
    while ((r = ar_sql_step(st)) == AR_SQL_ROW)
        json_array_append_new(
            items, json_pack("{s:s, s:s, s:{s:s, s:s}, s:f}", "id", ar_sql_column_text(st, 0),
                             "name", ar_sql_column_text(st, 1), "organization", "slug",
                             ar_sql_column_text(st, 2), "name", ar_sql_column_text(st, 3), "score",
                             (double)ar_sql_column_int64(st, 4) / SIM_SCALE));
    if (r != AR_SQL_DONE)
        ar_msg(AR_MSG_ERR, "store: similar entries: %s", ar_sql_errmsg(ar_store_sql(s)));
    ar_sql_finalize(st);
    return r == AR_SQL_DONE ? 0 : r < 0 ? r : AR_EIO;
}

int ar_store_similar(struct ar_store *s, const char *lars, int limit, int same_org, json_t **out)
{
    struct ar_sql_stmt *st = NULL;
    long long id = 0, org = 0, total = 0;
    struct term terms[SIM_TERMS] = {0}; /* no weight until the vocabulary is counted */
    int n = 0, rc = ar_store_sql_prep(s, "quality",
                                      "SELECT r.id, r.org_id, f.nl, f.en FROM registrations r JOIN"
                                      " registration_fts f ON f.rowid = r.id WHERE r.lars = ?1",
                                      &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    if (ar_sql_step(st) != AR_SQL_ROW) {
        ar_sql_finalize(st);
        return AR_ENOTFOUND;
    }
    id = ar_sql_column_int64(st, 0);
    org = ar_sql_column_int64(st, 1);
    n = collect(ar_sql_column_text(st, 2), terms, 0);
    n = collect(ar_sql_column_text(st, 3), terms, n);
    ar_sql_finalize(st);
    /* registrations are never deleted: the largest id is their number, read from the
     * index instead of counting every row */
    if ((rc = ar_store_sql_prep(s, "quality", "SELECT max(id) FROM registrations", &st)))
        return rc;
    if (ar_sql_step(st) == AR_SQL_ROW)
        total = ar_sql_column_int64(st, 0);
    ar_sql_finalize(st);
    /* tf-idf with the index's own document frequencies; on a large PostgreSQL register
     * the table is counted by the server's vocabulary thread (ar_store_similar_refresh),
     * not here */
    pthread_mutex_lock(&g_df_mu);
    if (df_stale(total) && !(is_pg(s) && total > PG_INLINE_DOCS)) {
        struct dftab *t = NULL;
        if ((rc = df_build(s, total, &t)) == 0) {
            df_free(g_df);
            g_df = t;
        }
    }
    for (int i = 0; g_df && i < n; i++) {
        long long df = terms[i].df = df_get(g_df, terms[i].w);
        /* a word only this entry has finds nothing; a word in more than one entry in 50
         * says little and costs a long doclist (small registers keep words of 2 or 3) */
        terms[i].weight = df < 2 || (df * 50 > total && df > 3)
                              ? 0
                              : (1 + log((double)terms[i].tf)) * log((double)total / (double)df);
    }
    pthread_mutex_unlock(&g_df_mu);
    if (rc)
        return rc;
    qsort(terms, (size_t)n, sizeof terms[0], by_weight);
    /* the words searched for, moved to the front: by weight, within the budget */
    int q = 0;
    long long spent = 0;
    for (int i = 0; i < n && q < SIM_QUERY && terms[i].weight > 0; i++)
        if (q == 0 || spent + terms[i].df <= SIM_BUDGET) {
            spent += terms[i].df;
            struct term t = terms[i];
            terms[i] = terms[q];
            terms[q++] = t;
        }
    json_t *items = json_array(), *words = json_array();
    for (int i = 0; i < q; i++)
        json_array_append_new(words, json_string(terms[i].w));
    if (q && (rc = similar_rows(s, terms, q, id, org, same_org, limit, items))) {
        json_decref(items);
        json_decref(words);
        return rc;
    }
    *out = json_pack("{s:s, s:o, s:o}", "registration", lars, "terms", words, "items", items);
    return 0;
}

/* ---- links ------------------------------------------------------------------------------- */

int ar_store_link_refs_reset(struct ar_store *s)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "quality", "DELETE FROM link_refs", &st);
    return rc ? rc : ar_store_sql_write(s, "quality", st, NULL);
}

int ar_store_link_ref_add(struct ar_store *s, const char *url, const char *lars, const char *field)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "quality",
                               "INSERT INTO links(url) VALUES (?1) ON CONFLICT DO NOTHING", &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, url);
    if ((rc = ar_store_sql_write(s, "quality", st, NULL)))
        return rc;
    if ((rc = ar_store_sql_prep(s, "quality",
                                "INSERT INTO link_refs(url, reg_id, field) SELECT ?1, id, ?3 FROM"
                                " registrations WHERE lars = ?2 ON CONFLICT DO NOTHING",
                                &st)))
        return rc;
    ar_sql_bind_text(st, 1, url);
    ar_sql_bind_text(st, 2, lars);
    ar_sql_bind_text(st, 3, field);
    return ar_store_sql_write(s, "quality", st, NULL);
}

int ar_store_links_due(struct ar_store *s, long long now, int limit, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "quality",
        "SELECT l.url, l.failures FROM links l WHERE l.next_check <= ?1 AND EXISTS"
        " (SELECT 1 FROM link_refs f WHERE f.url = l.url) ORDER BY l.next_check"
        " LIMIT ?2",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, now);
    ar_sql_bind_int64(st, 2, limit);
    return rows(s, st, out);
}

int ar_store_link_result(struct ar_store *s, const char *url, int status, const char *error,
                         const char *checked, long ms, int failures, long long next_check)
{
    struct ar_sql_stmt *st;
    ar_sqlite_mark_dirty(s); /* pages show broken links */
    int rc =
        ar_store_sql_prep(s, "quality",
                          "UPDATE links SET status = ?2, error = ?3, checked = ?4, failures = ?5,"
                          " next_check = ?6 WHERE url = ?1",
                          &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, url);
    if (status)
        ar_sql_bind_int64(st, 2, status);
    else
        ar_sql_bind_null(st, 2);
    ar_sql_bind_text(st, 3, error);
    ar_sql_bind_text(st, 4, checked);
    ar_sql_bind_int64(st, 5, failures);
    ar_sql_bind_int64(st, 6, next_check);
    if ((rc = ar_store_sql_write(s, "quality", st, NULL)))
        return rc;
    if ((rc = ar_store_sql_prep(
             s, "quality",
             "INSERT INTO link_history(url, checked, status, ms, error) VALUES (?1, ?2, ?3,"
             " ?4, ?5)",
             &st)))
        return rc;
    ar_sql_bind_text(st, 1, url);
    ar_sql_bind_text(st, 2, checked);
    if (status)
        ar_sql_bind_int64(st, 3, status);
    else
        ar_sql_bind_null(st, 3);
    ar_sql_bind_int64(st, 4, ms);
    ar_sql_bind_text(st, 5, error);
    return ar_store_sql_write(s, "quality", st, NULL);
}

#define LINK_COLS                                                                                  \
    "SELECT f.url, f.field, r.lars AS registration, r.name, o.slug AS organization, l.status,"     \
    " l.error, l.checked, l.failures FROM link_refs f JOIN links l ON l.url = f.url JOIN"          \
    " registrations r ON r.id = f.reg_id JOIN organisations o ON o.id = r.org_id"

int ar_store_links_of(struct ar_store *s, const char *lars, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "quality", LINK_COLS " WHERE r.lars = ?1 ORDER BY f.field, f.url",
                               &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    return rows(s, st, out);
}

int ar_store_links_broken(struct ar_store *s, const char *org, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "quality",
        LINK_COLS " WHERE l.failures >= 2 AND (CAST(?1 AS TEXT) IS NULL OR o.slug = ?1) AND"
                  " r.retracted IS NULL ORDER BY"
                  " r.lars, f.field LIMIT 5000",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, org);
    return rows(s, st, out);
}

int ar_store_link_history(struct ar_store *s, const char *url, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "quality",
        "SELECT checked, status, ms, error FROM link_history WHERE url = ?1 ORDER BY"
        " checked DESC LIMIT 50",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, url);
    return rows(s, st, out);
}

/* ---- error reports ------------------------------------------------------------------------ */

int ar_store_report_add(struct ar_store *s, const char *lars, const char *created,
                        const char *message, const char *contact, long long *id)
{
    struct ar_sql_stmt *st;
    ar_sqlite_mark_dirty(s);
    int rc = ar_store_sql_prep(
        s, "quality",
        "INSERT INTO reports(reg_id, created, message, contact) SELECT id, ?2, ?3, ?4"
        " FROM registrations WHERE lars = ?1 RETURNING id",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    ar_sql_bind_text(st, 2, created);
    ar_sql_bind_text(st, 3, message);
    ar_sql_bind_text(st, 4, contact);
    int r = ar_sql_step(st);
    if (r == AR_SQL_ROW) {
        *id = ar_sql_column_int64(st, 0);
        r = ar_sql_step(st);
    } else if (r == AR_SQL_DONE) {
        r = AR_ENOTFOUND; /* no such registration */
    }
    if (r && r != AR_ENOTFOUND)
        ar_msg(AR_MSG_ERR, "store: report: %s", ar_sql_errmsg(ar_store_sql(s)));
    ar_sql_finalize(st);
    return r;
}

int ar_store_reports(struct ar_store *s, const char *lars, const char *org, int open_only,
                     json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "quality",
        "SELECT p.id, r.lars AS registration, o.slug AS organization, p.created,"
        " p.message, p.contact, p.answer, p.answered, p.answered_by FROM reports p"
        " JOIN registrations r ON r.id = p.reg_id JOIN organisations o ON o.id ="
        " r.org_id WHERE (CAST(?1 AS TEXT) IS NULL OR r.lars = ?1) AND (CAST(?2 AS TEXT) IS NULL "
        "OR o.slug = ?2)"
        " AND (?3 = 0 OR p.answered IS NULL) ORDER BY p.id DESC LIMIT 1000",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_text(st, 1, lars);
    ar_sql_bind_text(st, 2, org);
    ar_sql_bind_int64(st, 3, open_only);
    return rows(s, st, out);
}

int ar_store_report_answer(struct ar_store *s, long long id, const char *answer,
                           const char *answered, const char *by)
{
    struct ar_sql_stmt *st;
    ar_sqlite_mark_dirty(s);
    int rc = ar_store_sql_prep(
        s, "quality",
        "UPDATE reports SET answer = ?2, answered = ?3, answered_by = ?4 WHERE id = ?1"
        " AND answered IS NULL",
        &st);
    if (rc)
        return rc;
    ar_sql_bind_int64(st, 1, id);
    ar_sql_bind_text(st, 2, answer);
    ar_sql_bind_text(st, 3, answered);
    ar_sql_bind_text(st, 4, by);
    int n = 0;
    if ((rc = ar_store_sql_write(s, "quality", st, &n)))
        return rc;
    return n ? 0 : AR_ECONFLICT;
}

int ar_store_each_latest_org(struct ar_store *s, const char *slug,
                             int (*fn)(void *ctx, const char *doc), void *ctx)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(
        s, "quality",
        "SELECT v.doc FROM registrations r JOIN organisations o ON o.id = r.org_id JOIN"
        " versions v ON v.reg_id = r.id AND v.version = r.version WHERE o.slug = ?1"
        " AND r.retracted IS NULL ORDER BY r.id",
        &st);
    if (rc)
        return rc;
    ar_sql_stream(st);
    ar_sql_bind_text(st, 1, slug);
    int r;
    while ((r = ar_sql_step(st)) == AR_SQL_ROW)
        if ((rc = fn(ctx, ar_sql_column_text(st, 0))))
            break;
    ar_sql_finalize(st);
    return rc ? rc : r == AR_SQL_DONE ? 0 : AR_EIO;
}

/* ---- dashboards ---------------------------------------------------------------------------- */

static int query_rows(struct ar_store *s, const char *sql, json_t **out)
{
    struct ar_sql_stmt *st;
    int rc = ar_store_sql_prep(s, "quality", sql, &st);
    return rc ? rc : rows(s, st, out);
}

int ar_store_dashboard(struct ar_store *s, json_t **out)
{
    json_t *by_status = NULL, *by_pubcat = NULL, *risk = NULL, *orgs = NULL;
    int rc = query_rows(
        s,
        "SELECT substr(created, 1, 4) AS year, status AS key, count(*) AS n FROM"
        " registrations WHERE status != '' AND retracted IS NULL GROUP BY 1, 2 ORDER BY 1, 2",
        &by_status);
    if (!rc)
        rc = query_rows(
            s,
            "SELECT substr(created, 1, 4) AS year, pubcat AS key, count(*) AS n FROM"
            " registrations WHERE pubcat != '' AND retracted IS NULL GROUP BY 1, 2 ORDER BY 1, 2",
            &by_pubcat);
    /* the latest classification of each public registration */
    if (!rc)
        rc = query_rows(
            s,
            ar_sql_kind(ar_store_sql(s)) == AR_SQL_PG
                ? "SELECT CAST(c.doc AS json)->'assessment'->>'risk' AS key, count(*)"
                  " AS n FROM classifications c JOIN registrations r ON r.id ="
                  " c.reg_id WHERE c.id = (SELECT max(id) FROM classifications WHERE"
                  " reg_id = c.reg_id) AND r.retracted IS NULL AND NOT EXISTS (SELECT"
                  " 1 FROM withholdings w WHERE w.reg_id = r.id AND w.state ="
                  " 'withheld') GROUP BY 1 ORDER BY 2 DESC"
                : "SELECT json_extract(c.doc, '$.assessment.risk') AS key, count(*) AS n"
                  " FROM classifications c JOIN registrations r ON r.id = c.reg_id WHERE"
                  " c.id = (SELECT max(id) FROM classifications WHERE reg_id = c.reg_id)"
                  " AND r.retracted IS NULL AND NOT EXISTS (SELECT 1 FROM withholdings w WHERE"
                  " w.reg_id = r.id AND w.state = 'withheld') GROUP BY 1 ORDER BY 2 DESC",
            &risk);
    if (!rc)
        rc =
            query_rows(s,
                       "SELECT o.name AS key, o.slug, count(*) AS n FROM registrations r JOIN"
                       " organisations o ON o.id = r.org_id WHERE r.retracted IS NULL GROUP BY o.id"
                       " ORDER BY n DESC, o.name"
                       " LIMIT 15",
                       &orgs);
    if (rc) {
        json_decref(by_status);
        json_decref(by_pubcat);
        json_decref(risk);
        json_decref(orgs);
        return rc;
    }
    *out = json_pack("{s:o, s:o, s:o, s:o}", "by_year_status", by_status, "by_year_pubcat",
                     by_pubcat, "risk", risk, "organisations", orgs);
    return 0;
}
