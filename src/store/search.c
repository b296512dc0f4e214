/* search.c — search with counts per filter value, over an in-memory facet snapshot.
 *
 * Counting five facets in SQL means five passes over the matches, each a B-tree lookup
 * per row: hundreds of milliseconds for a broad query over 100,000 registrations. So
 * each process keeps a compact snapshot of the filterable values (a few bytes per
 * registration) and answers a search in one pass over the candidate ids: all of them,
 * or the rowids FTS5 returns for the text. The snapshot is stamped with the database's
 * change counter (meta.changes, bumped by triggers on every relevant write, whoever
 * writes) and rebuilt when the counter moves, so results are never stale. Only the
 * page of results is read from the tables. */
#include "base/buf.h"
#include "base/err.h"
#include "store/sqlite_int.h"
#include "base/msg.h"

#include <ctype.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DICT 64     /* distinct status, category values */
#define MAX_THEMES 32   /* distinct themes (the standard has 16) */
#define RANK_LIMIT 2000 /* above this many matches, relevance is by title (see below) */

struct frow {
    uint32_t name_off; /* offset of the lowercased name in snap.names */
    uint32_t org;      /* index into orgs, UINT32_MAX when absent */
    uint32_t themes;
    uint32_t name_rank, upd_rank;
    uint8_t present, status, pubcat;
    int8_t ai;
};

struct org {
    long long id;
    char *slug, *name;
};

struct snap {
    char *file;
    long long stamp;
    int refs;
    uint32_t max_id;
    struct frow *rows; /* [max_id + 1] */
    struct org *orgs;
    int norgs;
    char *status[MAX_DICT], *pubcat[MAX_DICT], *theme[MAX_THEMES];
    struct ar_buf names; /* lowercased names, NUL-separated */
    int nstatus, npubcat, ntheme;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct snap *g_snap;
static void snap_free(struct snap *sn);

static void snap_free(struct snap *sn)
{
    if (!sn)
        return;
    for (int i = 0; i < sn->norgs; i++) {
        free(sn->orgs[i].slug);
        free(sn->orgs[i].name);
    }
    for (int i = 0; i < sn->nstatus; i++)
        free(sn->status[i]);
    for (int i = 0; i < sn->npubcat; i++)
        free(sn->pubcat[i]);
    for (int i = 0; i < sn->ntheme; i++)
        free(sn->theme[i]);
    free(sn->orgs);
    free(sn->rows);
    ar_buf_free(&sn->names);
    free(sn->file);
    free(sn);
}

/* Index of v in dict, adding it when new; -1 when the dictionary is full. */
static int dict_code(char **dict, int *n, int max, const char *v)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(dict[i], v) == 0)
            return i;
    if (*n >= max)
        return -1;
    dict[*n] = ar_xstrdup(v);
    return (*n)++;
}

static int dict_find(char *const *dict, int n, const char *v)
{
    for (int i = 0; i < n; i++)
        if (strcmp(dict[i], v) == 0)
            return i;
    return -1;
}

static int org_code(const struct snap *sn, long long id)
{
    int lo = 0, hi = sn->norgs - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (sn->orgs[mid].id == id)
            return mid;
        if (sn->orgs[mid].id < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

struct sort_ctx {
    const struct snap *sn;
    char (*upd)[24];
};

/* Name order as SQLite's NOCASE collation (ASCII case folding), then id. */
static int by_name(const void *a, const void *b, void *ctx)
{
    const struct sort_ctx *c = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int d = strcmp(c->sn->names.ptr + c->sn->rows[x].name_off,
                   c->sn->names.ptr + c->sn->rows[y].name_off);
    return d ? d : (x > y) - (x < y);
}

/* Newest first (RFC 3339 UTC strings order as text), then the higher id. */
static int by_updated_desc(const void *a, const void *b, void *ctx)
{
    const struct sort_ctx *c = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int d = strcmp(c->upd[y], c->upd[x]);
    return d ? d : (y > x) - (y < x);
}

/* The snapshot of the state at change counter stamp (rows written since are in it too:
 * the next search sees a newer counter and builds again). */
static int build(struct ar_sql *db, const char *file, long long stamp, struct snap **out)
{
    struct snap *sn = ar_xcalloc(1, sizeof *sn);
    struct ar_sql_stmt *st = NULL;
    char(*upd)[24] = NULL;
    uint32_t *order = NULL;
    int rc = AR_EIO, r;
    /* One read transaction so every query sees the same state as the stamp. */
    if (ar_sql_exec(db, ar_sql_kind(db) == AR_SQL_PG ? "BEGIN ISOLATION LEVEL REPEATABLE READ"
                                                       " READ ONLY"
                                                     : "BEGIN"))
        goto out;
    sn->stamp = stamp;
    sn->file = ar_xstrdup(file);
    if (ar_sql_prepare(db, "SELECT max(id) FROM registrations", &st) != 0 ||
        ar_sql_step(st) != AR_SQL_ROW)
        goto out;
    sn->max_id = (uint32_t)ar_sql_column_int64(st, 0);
    ar_sql_finalize(st);
    st = NULL;
    sn->rows = ar_xcalloc((size_t)sn->max_id + 1, sizeof *sn->rows);

    if (ar_sql_prepare(db, "SELECT count(*) FROM organisations", &st) != 0 ||
        ar_sql_step(st) != AR_SQL_ROW)
        goto out;
    int norg = (int)ar_sql_column_int64(st, 0);
    ar_sql_finalize(st);
    st = NULL;
    sn->orgs = ar_xcalloc((size_t)norg + 1, sizeof *sn->orgs);
    if (ar_sql_prepare(db, "SELECT id, slug, name FROM organisations ORDER BY id", &st) != 0)
        goto out;
    while ((r = ar_sql_step(st)) == AR_SQL_ROW && sn->norgs < norg) {
        struct org *o = &sn->orgs[sn->norgs++];
        o->id = ar_sql_column_int64(st, 0);
        o->slug = ar_xstrdup(ar_sql_column_text(st, 1));
        o->name = ar_xstrdup(ar_sql_column_text(st, 2));
    }
    ar_sql_finalize(st);
    st = NULL;

    /* One scan; the two orders are sorted here rather than by SQL sorters, which would
     * hold every row in memory again. */
    ar_buf_init(&sn->names, (size_t)1 << 30);
    ar_buf_putc(&sn->names, '\0'); /* offset 0: the empty name */
    upd = ar_xcalloc((size_t)sn->max_id + 1, sizeof *upd);
    if (ar_sql_prepare(db,
                       "SELECT id, org_id, status, pubcat, is_ai, name, updated, themes"
                       " FROM registrations WHERE retracted IS NULL",
                       &st) != 0)
        goto out;
    ar_sql_stream(st);
    while ((r = ar_sql_step(st)) == AR_SQL_ROW) {
        long long id = ar_sql_column_int64(st, 0);
        if (id < 1 || id > sn->max_id)
            continue;
        struct frow *fr = &sn->rows[id];
        int oc = org_code(sn, ar_sql_column_int64(st, 1));
        int sc = dict_code(sn->status, &sn->nstatus, MAX_DICT, ar_sql_column_text(st, 2));
        int pc = dict_code(sn->pubcat, &sn->npubcat, MAX_DICT, ar_sql_column_text(st, 3));
        fr->present = 1;
        fr->org = oc < 0 ? UINT32_MAX : (uint32_t)oc;
        fr->status = (uint8_t)(sc < 0 ? 255 : sc);
        fr->pubcat = (uint8_t)(pc < 0 ? 255 : pc);
        fr->ai = (int8_t)(int)ar_sql_column_int64(st, 4);
        fr->name_off = (uint32_t)sn->names.len;
        for (const unsigned char *c = (const unsigned char *)ar_sql_column_text(st, 5); c && *c;
             c++)
            ar_buf_putc(&sn->names, (char)tolower(*c));
        ar_buf_putc(&sn->names, '\0');
        const char *u = ar_sql_column_text(st, 6);
        snprintf(upd[id], sizeof upd[id], "%s", u ? u : "");
        for (const char *t = ar_sql_column_text(st, 7); t && *t;) {
            size_t tl = strcspn(t, "|");
            char theme[128];
            snprintf(theme, sizeof theme, "%.*s", (int)(tl < 127 ? tl : 127), t);
            int tc = dict_code(sn->theme, &sn->ntheme, MAX_THEMES, theme);
            if (tc >= 0)
                fr->themes |= 1u << tc;
            t += tl;
            if (*t == '|')
                t++;
        }
    }
    if (r != AR_SQL_DONE || !ar_buf_ok(&sn->names))
        goto out;
    ar_sql_finalize(st);
    st = NULL;

    order = ar_xmalloc(((size_t)sn->max_id + 1) * sizeof *order);
    size_t n = 0;
    for (uint32_t id = 1; id <= sn->max_id; id++)
        if (sn->rows[id].present)
            order[n++] = id;
    struct sort_ctx sc = {sn, upd};
    qsort_r(order, n, sizeof *order, by_name, &sc);
    for (size_t i = 0; i < n; i++)
        sn->rows[order[i]].name_rank = (uint32_t)i;
    qsort_r(order, n, sizeof *order, by_updated_desc, &sc);
    for (size_t i = 0; i < n; i++)
        sn->rows[order[i]].upd_rank = (uint32_t)i;
    rc = 0;
    *out = sn;
    sn = NULL;
out:
    if (rc)
        ar_msg(AR_MSG_ERR, "store: building the search snapshot: %s", ar_sql_errmsg(db));
    ar_sql_finalize(st);
    ar_sql_exec(db, "COMMIT");
    snap_free(sn);
    free(upd);
    free(order);
#ifdef __GLIBC__
    malloc_trim(0); /* hand the previous snapshot's memory back */
#endif
    return rc;
}

static void at_exit_reset(void)
{
    ar_store_search_reset();
}

/* The snapshot lives as long as the process; free it at exit so leak checks stay clean. */
static void register_exit(void)
{
    atexit(at_exit_reset);
}

static int snap_get(struct ar_sql *db, const char *file, long long stamp, struct snap **out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, register_exit);
    int rc = 0;
    pthread_mutex_lock(&g_mu);
    if (!g_snap || g_snap->stamp != stamp || strcmp(g_snap->file, file) != 0) {
        struct snap *sn = NULL;
        if ((rc = build(db, file, stamp, &sn))) {
            pthread_mutex_unlock(&g_mu);
            return rc;
        }
        if (g_snap && --g_snap->refs == 0)
            snap_free(g_snap);
        g_snap = sn;
        g_snap->refs = 1; /* the global reference */
    }
    g_snap->refs++;
    *out = g_snap;
    pthread_mutex_unlock(&g_mu);
    return 0;
}

static void snap_put(struct snap *sn)
{
    pthread_mutex_lock(&g_mu);
    if (--sn->refs == 0)
        snap_free(sn);
    pthread_mutex_unlock(&g_mu);
}

void ar_store_search_reset(void)
{
    pthread_mutex_lock(&g_mu);
    if (g_snap && --g_snap->refs == 0)
        snap_free(g_snap);
    g_snap = NULL;
    pthread_mutex_unlock(&g_mu);
}

/* Turn free text into a safe FTS5 query: every word quoted (so no operator or column
 * syntax from the user reaches FTS5), words ANDed, the last one a prefix so results
 * appear while typing. At most 16 words. */
/* Dutch and English words so common that they select nearly every entry; dropped from
 * a query that has other words ("de politie" searches "politie"). */
static const char *const stopwords[] = {
    "de",  "het", "een", "en",  "van", "in",   "op", "te",  "voor", "met", "die",
    "dat", "is",  "of",  "aan", "bij", "door", "om", "als", "naar", "the", "a",
    "an",  "and", "of",  "to",  "for", "with", "on", "at",  "by",   "or",  NULL};

static int is_stopword(const unsigned char *w, size_t n)
{
    for (const char *const *s = stopwords; *s; s++)
        if (strlen(*s) == n && strncasecmp(*s, (const char *)w, n) == 0)
            return 1;
    return 0;
}

static void fts_query(struct ar_buf *b, const char *q, int pg)
{
    const unsigned char *start[16], *p = (const unsigned char *)q;
    size_t len[16];
    int n = 0, content = 0;
    while (*p && n < 16) {
        while (*p && !(isalnum(*p) || *p >= 0x80))
            p++;
        if (!*p)
            break;
        start[n] = p;
        while (*p && (isalnum(*p) || *p >= 0x80))
            p++;
        len[n] = (size_t)(p - start[n]);
        content += !is_stopword(start[n], len[n]);
        n++;
    }
    int out = 0, last_is_end = !*p;
    /* FTS5: "w1" "w2"*; PostgreSQL's tsquery: 'w1' & 'w2':* (words hold no quotes) */
    char q1 = pg ? '\'' : '"';
    for (int i = 0; i < n; i++) {
        if (content && is_stopword(start[i], len[i]))
            continue;
        if (out++)
            ar_buf_puts(b, pg ? " & " : " ");
        ar_buf_putc(b, q1);
        ar_buf_add(b, start[i], len[i]);
        ar_buf_putc(b, q1);
        if (i == n - 1 && last_is_end)
            ar_buf_puts(b, pg ? ":*" : "*");
    }
}

/* The rowids of the registrations the text query ?1 matches (best first when ranked),
 * in each dialect; PostgreSQL stems the query as Dutch and as English. */
static const char *match_sql(int pg, int ranked)
{
    if (pg)
        return ranked ? "SELECT rowid FROM registration_fts WHERE tsv @@ (to_tsquery('dutch', ?1)"
                        " || to_tsquery('english', ?1)) ORDER BY ts_rank(tsv,"
                        " to_tsquery('dutch', ?1) || to_tsquery('english', ?1)) DESC, rowid"
                      : "SELECT rowid FROM registration_fts WHERE tsv @@ (to_tsquery('dutch', ?1)"
                        " || to_tsquery('english', ?1))";
    return ranked ? "SELECT rowid FROM registration_fts WHERE registration_fts MATCH ?1 ORDER BY"
                    " rank"
                  : "SELECT rowid FROM registration_fts WHERE registration_fts MATCH ?1";
}

struct idvec {
    uint32_t *v;
    size_t n, cap;
};

static void idvec_push(struct idvec *iv, uint32_t id)
{
    if (iv->n == iv->cap) {
        iv->cap = iv->cap ? iv->cap * 2 : 1024;
        iv->v = ar_xrealloc(iv->v, iv->cap * sizeof *iv->v);
    }
    iv->v[iv->n++] = id;
}

enum { F_ORG = 1, F_STATUS = 2, F_PUBCAT = 4, F_THEME = 8, F_AI = 16 };

struct keyed {
    uint32_t key, id;
};

static int keyed_cmp(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}

/* Move the k smallest keys to the front (unordered): quickselect, O(n). */
static void select_smallest(struct keyed *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        uint32_t pivot = a[lo + (hi - lo) / 2].key;
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i].key < pivot)
                i++;
            while (a[j].key > pivot)
                j--;
            if (i <= j) {
                struct keyed t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k - 1 <= j)
            hi = j;
        else if (k - 1 >= i)
            lo = i;
        else
            break;
    }
}

struct count {
    long long n;
    int code;
};

static int count_cmp(const void *a, const void *b)
{
    const struct count *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return x->code - y->code;
}

/* Facet entries with a count, most frequent first. */
static json_t *facet_json(const long long *counts, int n, char *const *labels,
                          const struct snap *sn, int kind)
{
    struct count *c = ar_xmalloc((size_t)(n ? n : 1) * sizeof *c);
    int m = 0;
    for (int i = 0; i < n; i++)
        /* "" is the status of a registration withheld as a whole: not a filter value */
        if (counts[i] > 0 && !(labels && !*labels[i]))
            c[m++] = (struct count){counts[i], i};
    qsort(c, (size_t)m, sizeof *c, count_cmp);
    json_t *arr = json_array();
    for (int i = 0; i < m; i++) {
        json_t *e;
        if (kind == 1) /* organisation */
            e = json_pack("{s:s, s:s, s:I}", "value", sn->orgs[c[i].code].slug, "label",
                          sn->orgs[c[i].code].name, "count", (json_int_t)c[i].n);
        else if (kind == 2) /* is_ai: codes 0,1,2 for -1,0,1 */
            e = json_pack("{s:i, s:I}", "value", c[i].code - 1, "count", (json_int_t)c[i].n);
        else
            e = json_pack("{s:s, s:I}", "value", labels[c[i].code], "count", (json_int_t)c[i].n);
        json_array_append_new(arr, e);
    }
    free(c);
    return arr;
}

/* The query's words, lowercased ASCII, for highlighting. */
struct words {
    char w[16][64];
    size_t len[16];
    int n;
};

static void words_of(struct words *ws, const char *q)
{
    const unsigned char *p = (const unsigned char *)q;
    ws->n = 0;
    while (*p && ws->n < 16) {
        while (*p && !(isalnum(*p) || *p >= 0x80))
            p++;
        size_t n = 0;
        while (*p && (isalnum(*p) || *p >= 0x80)) {
            if (n < 63)
                ws->w[ws->n][n++] = (char)tolower(*p);
            p++;
        }
        if (n) {
            ws->w[ws->n][n] = '\0';
            ws->len[ws->n++] = n;
        }
    }
}

static int is_word_byte(unsigned char c)
{
    return isalnum(c) || c >= 0x80;
}

/* Does a query word start at text[i]? Returns the matched word's full length. */
static size_t word_match(const char *text, size_t i, const struct words *ws)
{
    for (int k = 0; k < ws->n; k++) {
        size_t j = 0;
        while (j < ws->len[k] && text[i + j] && tolower((unsigned char)text[i + j]) == ws->w[k][j])
            j++;
        if (j == ws->len[k]) {
            while (is_word_byte((unsigned char)text[i + j]))
                j++;
            return j;
        }
    }
    return 0;
}

/* About 16 words around the first match, matches between \x02 and \x03, "…" where
 * the text was cut. Nothing is appended when no word matches. */
static void snippet(struct ar_buf *b, const char *text, const struct words *ws)
{
    size_t n = strlen(text), first = n;
    for (size_t i = 0; i < n; i++)
        if ((i == 0 || !is_word_byte((unsigned char)text[i - 1])) && word_match(text, i, ws)) {
            first = i;
            break;
        }
    if (first == n)
        return;
    /* Start up to four words before the match. */
    size_t start = first;
    for (int wcount = 0; start > 0 && wcount < 4;) {
        start--;
        if (start > 0 && text[start - 1] == ' ' && text[start] != ' ')
            wcount++;
    }
    while (start > 0 && start < first && text[start - 1] != ' ' && text[start - 1] != '\n')
        start--;
    if (start > 0)
        ar_buf_puts(b, "…");
    int words_out = 0;
    size_t i = start;
    while (i < n) {
        unsigned char c = (unsigned char)text[i];
        if ((i == 0 || !is_word_byte((unsigned char)text[i - 1])) && is_word_byte(c)) {
            if (words_out == 16)
                break;
            size_t m = word_match(text, i, ws);
            words_out++;
            if (m) {
                ar_buf_putc(b, '\x02');
                ar_buf_add(b, text + i, m);
                ar_buf_putc(b, '\x03');
                i += m;
                continue;
            }
        }
        ar_buf_putc(b, c == '\n' ? ' ' : (char)c);
        i++;
    }
    if (i < n)
        ar_buf_puts(b, "…");
}

/* Does the lowercased name hold every query word at a word start? */
static int name_has_all(const char *name, const struct words *ws)
{
    for (int k = 0; k < ws->n; k++) {
        int found = 0;
        for (const char *p = name; *p && !found; p++) {
            if (p != name && is_word_byte((unsigned char)p[-1]))
                continue;
            found = strncmp(p, ws->w[k], ws->len[k]) == 0;
        }
        if (!found)
            return 0;
    }
    return 1;
}

#define FETCH_CHUNK 500 /* ids per query when fetching a page's rows */

struct at {
    uint32_t id;
    uint32_t pos;
};

static int at_cmp(const void *a, const void *b)
{
    uint32_t x = ((const struct at *)a)->id, y = ((const struct at *)b)->id;
    return x < y ? -1 : x > y;
}

/* One row of the page as the list shows it; the snippet marks the query's words in the
 * indexed text (FTS5's snippet() re-reads the whole doclist of a prefix term for every
 * row; marking them ourselves costs nothing more than the row). */
static json_t *item_row(struct ar_sql_stmt *st, const struct words *words)
{
#define T(i) (ar_sql_column_text(st, i))
    json_t *it = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:{s:s, s:s}, s:s, s:s, s:s, s:i}", "id",
                           T(1), "name", T(2), "description_short", T(3), "name_en", T(4),
                           "description_short_en", T(5), "organization", "name", T(6), "slug", T(7),
                           "status", T(8), "publication_category", T(9), "updated", T(10),
                           "version", (int)ar_sql_column_int64(st, 11));
    int ai = (int)ar_sql_column_int64(st, 12);
    if (ai >= 0)
        json_object_set_new(it, "is_ai", json_boolean(ai));
    if (words && words->n) {
        struct ar_buf b;
        ar_buf_init(&b, 4096);
        for (int col = 13; col < 15 && b.len == 0; col++)
            if (T(col))
                snippet(&b, T(col), words);
        if (b.len)
            json_object_set_new(it, "snippet", json_string(ar_buf_cstr(&b)));
        ar_buf_free(&b);
    }
#undef T
    return it;
}

/* The page's rows (ids_only: their public ids, for exports) appended to items in the
 * order of ids, FETCH_CHUNK ids per query: one round trip each on PostgreSQL instead of
 * one or two per row. Rows written after the snapshot are not there yet: skipped. */
static int fetch_page(struct ar_sql *db, const uint32_t *ids, size_t n, int ids_only,
                      const struct words *words, json_t *items)
{
    int pg = ar_sql_kind(db) == AR_SQL_PG, snip = !ids_only && words && words->n, rc = 0;
    if (!n)
        return 0;
    struct ar_buf sql, list;
    ar_buf_init(&sql, 0);
    ar_buf_init(&list, 0);
    ar_buf_puts(&sql, ids_only ? "SELECT r.id, r.lars"
                               : "SELECT r.id, r.lars, r.name, r.descr, r.name_en, r.descr_en,"
                                 " o.name, o.slug, r.status, r.pubcat, r.updated, r.version,"
                                 " r.is_ai");
    if (snip)
        ar_buf_puts(&sql, ", f.nl, f.en");
    ar_buf_puts(&sql, " FROM registrations r");
    if (!ids_only)
        ar_buf_puts(&sql, " JOIN organisations o ON o.id = r.org_id");
    if (snip)
        ar_buf_puts(&sql, " LEFT JOIN registration_fts f ON f.rowid = r.id");
    /* the ids as one text parameter "1,2,3" */
    ar_buf_puts(&sql, pg ? " WHERE r.id = ANY(string_to_array(?1, ',')::bigint[])"
                         : " WHERE r.id IN (SELECT value FROM json_each('[' || ?1 || ']'))");
    struct ar_sql_stmt *st = NULL;
    struct at *at = ar_xmalloc((n < FETCH_CHUNK ? n : FETCH_CHUNK) * sizeof *at);
    json_t **got = ar_xcalloc(FETCH_CHUNK, sizeof *got);
    if (!ar_buf_ok(&sql) || ar_sql_prepare(db, ar_buf_cstr(&sql), &st) != 0) {
        rc = AR_EIO;
        goto out;
    }
    for (size_t from = 0; from < n; from += FETCH_CHUNK) {
        size_t k = n - from < FETCH_CHUNK ? n - from : FETCH_CHUNK;
        ar_buf_reset(&list);
        for (size_t i = 0; i < k; i++) {
            at[i] = (struct at){ids[from + i], (uint32_t)i};
            ar_buf_printf(&list, "%s%u", i ? "," : "", (unsigned)ids[from + i]);
        }
        qsort(at, k, sizeof *at, at_cmp);
        ar_sql_reset(st);
        ar_sql_bind_text(st, 1, ar_buf_cstr(&list));
        int r;
        while ((r = ar_sql_step(st)) == AR_SQL_ROW) {
            struct at key = {(uint32_t)ar_sql_column_int64(st, 0), 0};
            struct at *hit = bsearch(&key, at, k, sizeof *at, at_cmp);
            if (hit && !got[hit->pos])
                got[hit->pos] =
                    ids_only ? json_string(ar_sql_column_text(st, 1)) : item_row(st, words);
        }
        for (size_t i = 0; i < k; i++)
            if (got[i]) {
                json_array_append_new(items, got[i]);
                got[i] = NULL;
            }
        if (r != AR_SQL_DONE) {
            rc = r < 0 ? r : AR_EIO;
            goto out;
        }
    }
out:
    ar_sql_finalize(st);
    free(at);
    free(got);
    ar_buf_free(&sql);
    ar_buf_free(&list);
    return rc;
}

int ar_store_search(struct ar_store *s, const struct ar_query *q, json_t **out)
{
    struct ar_sql *db = ar_store_sql(s);
    int pg = ar_sql_kind(db) == AR_SQL_PG;
    struct snap *sn = NULL;
    struct ar_buf fq;
    struct idvec cand = {0}, match = {0};
    struct ar_sql_stmt *st = NULL;
    uint8_t *in_match = NULL;
    struct keyed *keyed = NULL;
    long long *c_org = NULL, c_status[MAX_DICT] = {0}, c_pubcat[MAX_DICT] = {0},
              c_theme[MAX_THEMES] = {0}, c_ai[3] = {0};
    json_t *res = NULL, *items = NULL;
    int rc, r;
    int max_per = q->ids_only ? 1000000 : 100;
    int per = q->per_page < 1 ? 20 : q->per_page > max_per ? max_per : q->per_page;
    int page = q->page < 1 ? 1 : q->page;
    ar_buf_init(&fq, 4096);
    *out = NULL;
    long long stamp = 0;
    if ((rc = ar_store_stamp(s, &stamp)) || (rc = snap_get(db, ar_store_db_id(s), stamp, &sn)))
        goto out;

    /* Filter values as snapshot codes; a value nobody has matches nothing. */
    int f_org = -1, f_status = -1, f_pubcat = -1;
    uint32_t f_theme = 0;
    int active = 0, nothing = 0;
    if (q->org && *q->org) {
        active |= F_ORG;
        for (int i = 0; i < sn->norgs; i++)
            if (strcmp(sn->orgs[i].slug, q->org) == 0)
                f_org = i;
        nothing |= f_org < 0;
    }
    if (q->status && *q->status) {
        active |= F_STATUS;
        nothing |= (f_status = dict_find(sn->status, sn->nstatus, q->status)) < 0;
    }
    if (q->pubcat && *q->pubcat) {
        active |= F_PUBCAT;
        nothing |= (f_pubcat = dict_find(sn->pubcat, sn->npubcat, q->pubcat)) < 0;
    }
    if (q->theme && *q->theme) {
        active |= F_THEME;
        int t = dict_find(sn->theme, sn->ntheme, q->theme);
        if (t < 0)
            nothing = 1;
        else
            f_theme = 1u << t;
    }
    if (q->is_ai >= 0)
        active |= F_AI;

    int has_q = 0;
    struct words ws;
    ws.n = 0;
    if (q->q && *q->q) {
        fts_query(&fq, q->q, pg);
        has_q = fq.len > 0;
        words_of(&ws, q->q);
    }
    if (has_q) {
        if (ar_sql_prepare(db, match_sql(pg, 0), &st) != 0) {
            rc = AR_EIO;
            goto out;
        }
        ar_sql_bind_text(st, 1, ar_buf_cstr(&fq));
        while ((r = ar_sql_step(st)) == AR_SQL_ROW) {
            long long id = ar_sql_column_int64(st, 0);
            if (id >= 1 && id <= sn->max_id)
                idvec_push(&cand, (uint32_t)id);
        }
        ar_sql_finalize(st);
        st = NULL;
        if (r != AR_SQL_DONE) {
            rc = AR_EIO;
            goto out;
        }
    }

    /* One pass: a row counts for facet d when it passes every filter but d's own. */
    c_org = ar_xcalloc((size_t)sn->norgs + 1, sizeof *c_org);
    size_t ncand = has_q ? cand.n : sn->max_id;
    match.cap = ncand ? ncand : 1;
    match.v = ar_xmalloc(match.cap * sizeof *match.v);
    for (size_t i = 0; i < ncand; i++) {
        uint32_t id = has_q ? cand.v[i] : (uint32_t)(i + 1);
        const struct frow *fr = &sn->rows[id];
        if (!fr->present)
            continue;
        int fails = 0;
        if ((active & F_ORG) && (nothing || (int)fr->org != f_org))
            fails |= F_ORG;
        if ((active & F_STATUS) && fr->status != f_status)
            fails |= F_STATUS;
        if ((active & F_PUBCAT) && fr->pubcat != f_pubcat)
            fails |= F_PUBCAT;
        if ((active & F_THEME) && !(fr->themes & f_theme))
            fails |= F_THEME;
        if ((active & F_AI) && fr->ai != q->is_ai)
            fails |= F_AI;
        if (!(fails & ~F_ORG) && fr->org != UINT32_MAX)
            c_org[fr->org]++;
        if (!(fails & ~F_STATUS) && fr->status < MAX_DICT)
            c_status[fr->status]++;
        if (!(fails & ~F_PUBCAT) && fr->pubcat < MAX_DICT)
            c_pubcat[fr->pubcat]++;
        if (!(fails & ~F_THEME))
            for (uint32_t m = fr->themes; m; m &= m - 1)
                c_theme[__builtin_ctz(m)]++;
        if (!(fails & ~F_AI))
            c_ai[fr->ai + 1 > 2 ? 2 : fr->ai + 1 < 0 ? 0 : fr->ai + 1]++;
        if (!fails && !nothing)
            match.v[match.n++] = id;
    }

    /* Order the matches and take the page. */
    size_t offset = (size_t)(page - 1) * (size_t)per;
    const char *sort = q->sort && *q->sort ? q->sort : (has_q ? "relevance" : "name");
    items = json_array();
    int big = match.n > RANK_LIMIT;
    if (strcmp(sort, "relevance") == 0 && has_q && !big) {
        in_match = ar_xcalloc((size_t)sn->max_id + 1, 1);
        for (size_t i = 0; i < match.n; i++)
            in_match[match.v[i]] = 1;
        if (ar_sql_prepare(db, match_sql(pg, 1), &st) != 0) {
            rc = AR_EIO;
            goto out;
        }
        ar_sql_bind_text(st, 1, ar_buf_cstr(&fq));
        size_t seen = 0, n = 0;
        uint32_t *ids = ar_xmalloc((size_t)per * sizeof *ids);
        while (seen < offset + (size_t)per && (r = ar_sql_step(st)) == AR_SQL_ROW) {
            long long id = ar_sql_column_int64(st, 0);
            if (id < 1 || id > sn->max_id || !in_match[id])
                continue;
            if (seen++ >= offset)
                ids[n++] = (uint32_t)id;
        }
        ar_sql_finalize(st);
        st = NULL;
        rc = fetch_page(db, ids, n, q->ids_only, &ws, items);
        free(ids);
        if (rc)
            goto out;
    } else {
        int by_upd = strcmp(sort, "updated") == 0;
        /* Relevance over very many matches: bm25 would cost a few microseconds per
         * match, so entries whose name holds every query word come first, then the
         * rest, each part by name. */
        int by_title = has_q && strcmp(sort, "relevance") == 0;
        keyed = ar_xmalloc((match.n ? match.n : 1) * sizeof *keyed);
        for (size_t i = 0; i < match.n; i++) {
            const struct frow *fr = &sn->rows[match.v[i]];
            uint32_t k = by_upd ? fr->upd_rank : fr->name_rank;
            if (by_title && !name_has_all(sn->names.ptr + fr->name_off, &ws))
                k |= 0x80000000u;
            keyed[i] = (struct keyed){k, match.v[i]};
        }
        size_t want = offset + (size_t)per;
        if (want < match.n && want <= 2000)
            select_smallest(keyed, match.n, want);
        else
            want = match.n;
        qsort(keyed, want, sizeof *keyed, keyed_cmp);
        size_t n = 0;
        uint32_t *ids =
            ar_xmalloc(((size_t)per < match.n ? (size_t)per : match.n + 1) * sizeof *ids);
        for (size_t i = offset; i < match.n && i < offset + (size_t)per; i++)
            ids[n++] = keyed[i].id;
        rc = fetch_page(db, ids, n, q->ids_only, has_q ? &ws : NULL, items);
        free(ids);
        if (rc)
            goto out;
    }

    json_t *facets = json_object();
    json_object_set_new(facets, "organization", facet_json(c_org, sn->norgs, NULL, sn, 1));
    json_object_set_new(facets, "status", facet_json(c_status, sn->nstatus, sn->status, sn, 0));
    json_object_set_new(facets, "publication_category",
                        facet_json(c_pubcat, sn->npubcat, sn->pubcat, sn, 0));
    json_object_set_new(facets, "theme", facet_json(c_theme, sn->ntheme, sn->theme, sn, 0));
    json_object_set_new(facets, "is_ai", facet_json(c_ai, 3, NULL, sn, 2));
    long long total = (long long)match.n;
    res = json_pack("{s:I, s:i, s:i, s:I, s:O, s:o}", "total", (json_int_t)total, "page", page,
                    "per_page", per, "pages", (json_int_t)((total + per - 1) / per), "items", items,
                    "facets", facets);
    *out = res;
    rc = 0;
out:
    if (rc && !*out)
        ar_msg(AR_MSG_ERR, "store: search: %s", ar_sql_errmsg(db));
    ar_sql_finalize(st);
    if (sn)
        snap_put(sn);
    json_decref(items);
    free(cand.v);
    free(match.v);
    free(in_match);
    free(keyed);
    free(c_org);
    ar_buf_free(&fq);
    return rc;
}
