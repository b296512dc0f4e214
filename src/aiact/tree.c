/* tree.c — load, check, run and walk decision trees; see tree.h. */
#include "aiact/tree.h"
#include "base/buf.h"
#include "base/err.h"
#include "json/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#define MAX_LABELS 64
#define MAX_DEPTH 256 /* questions on one path */

/* ---- conditions --------------------------------------------------------------- */

enum cop { C_IN, C_NOT, C_AND, C_OR };

struct cond {
    enum cop op;
    char *label;        /* C_IN */
    struct cond *a, *b; /* operands */
};

static void cond_free(struct cond *c)
{
    if (!c)
        return;
    cond_free(c->a);
    cond_free(c->b);
    free(c->label);
    free(c);
}

struct cparse {
    const char *p;
    int err;
};

static void skip_ws(struct cparse *cp)
{
    while (*cp->p == ' ' || *cp->p == '\t' || *cp->p == '\n')
        cp->p++;
}

static struct cond *parse_or(struct cparse *cp, int depth);

static struct cond *mk(enum cop op, struct cond *a, struct cond *b)
{
    struct cond *c = ar_xcalloc(1, sizeof *c);
    c->op = op;
    c->a = a;
    c->b = b;
    return c;
}

static struct cond *parse_unary(struct cparse *cp, int depth)
{
    skip_ws(cp);
    if (depth > 32) {
        cp->err = 1;
        return NULL;
    }
    if (*cp->p == '!') {
        cp->p++;
        skip_ws(cp);
        if (*cp->p != '(') {
            cp->err = 1;
            return NULL;
        }
        struct cond *inner = parse_unary(cp, depth + 1);
        return inner ? mk(C_NOT, inner, NULL) : NULL;
    }
    if (*cp->p == '(') {
        cp->p++;
        struct cond *inner = parse_or(cp, depth + 1);
        skip_ws(cp);
        if (!inner || *cp->p != ')') {
            cond_free(inner);
            cp->err = 1;
            return NULL;
        }
        cp->p++;
        return inner;
    }
    if (*cp->p == '"') {
        const char *start = ++cp->p;
        while (*cp->p && *cp->p != '"')
            cp->p++;
        if (*cp->p != '"') {
            cp->err = 1;
            return NULL;
        }
        struct cond *c = mk(C_IN, NULL, NULL);
        c->label = ar_xstrndup(start, (size_t)(cp->p - start));
        cp->p++;
        skip_ws(cp);
        if (strncmp(cp->p, "in", 2) != 0) {
            cond_free(c);
            cp->err = 1;
            return NULL;
        }
        cp->p += 2;
        skip_ws(cp);
        if (strncmp(cp->p, "labels", 6) != 0) {
            cond_free(c);
            cp->err = 1;
            return NULL;
        }
        cp->p += 6;
        return c;
    }
    cp->err = 1;
    return NULL;
}

static struct cond *parse_and(struct cparse *cp, int depth)
{
    struct cond *l = parse_unary(cp, depth);
    while (l) {
        skip_ws(cp);
        if (strncmp(cp->p, "&&", 2) != 0)
            break;
        cp->p += 2;
        struct cond *r = parse_unary(cp, depth);
        if (!r) {
            cond_free(l);
            return NULL;
        }
        l = mk(C_AND, l, r);
    }
    return l;
}

static struct cond *parse_or(struct cparse *cp, int depth)
{
    struct cond *l = parse_and(cp, depth);
    while (l) {
        skip_ws(cp);
        if (strncmp(cp->p, "||", 2) != 0)
            break;
        cp->p += 2;
        struct cond *r = parse_and(cp, depth);
        if (!r) {
            cond_free(l);
            return NULL;
        }
        l = mk(C_OR, l, r);
    }
    return l;
}

static struct cond *cond_parse(const char *s)
{
    struct cparse cp = {s, 0};
    struct cond *c = parse_or(&cp, 0);
    skip_ws(&cp);
    if (!c || cp.err || *cp.p) {
        cond_free(c);
        return NULL;
    }
    return c;
}

struct labels {
    const char *v[MAX_LABELS];
    int n;
};

/* Exact, case-sensitive set membership — never substring search (AI_ACT.md §5.2). */
static int has(const struct labels *ls, const char *l)
{
    for (int i = 0; i < ls->n; i++)
        if (strcmp(ls->v[i], l) == 0)
            return 1;
    return 0;
}

static int cond_eval(const struct cond *c, const struct labels *ls)
{
    switch (c->op) {
    case C_IN: return has(ls, c->label);
    case C_NOT: return !cond_eval(c->a, ls);
    case C_AND: return cond_eval(c->a, ls) && cond_eval(c->b, ls);
    case C_OR: return cond_eval(c->a, ls) || cond_eval(c->b, ls);
    }
    return 0;
}

/* ---- the tree -------------------------------------------------------------------- */

struct target {
    int question;   /* index, or -1 */
    int conclusion; /* index, or -1 */
};

struct redirect {
    struct cond *cond;
    struct target to;
};

struct answer {
    char *text;
    char **labels;
    int nlabels;
    struct target to; /* static successor, or both -1 when redirects */
    struct redirect *redirects;
    int nredirects;
};

struct question {
    char *id, *text;
    struct answer *answers;
    int nanswers;
};

struct ar_tree {
    json_t *doc; /* the tree as loaded, for texts shown to people */
    unsigned char sha256[32];
    struct question *q;
    int nq;
    char **conclusions; /* ids */
    int nc;
};

void ar_tree_free(struct ar_tree *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->nq; i++) {
        struct question *q = &t->q[i];
        for (int j = 0; j < q->nanswers; j++) {
            struct answer *a = &q->answers[j];
            for (int k = 0; k < a->nlabels; k++)
                free(a->labels[k]);
            free(a->labels);
            for (int k = 0; k < a->nredirects; k++)
                cond_free(a->redirects[k].cond);
            free(a->redirects);
            free(a->text);
        }
        free(q->answers);
        free(q->id);
        free(q->text);
    }
    free(t->q);
    for (int i = 0; i < t->nc; i++)
        free(t->conclusions[i]);
    free(t->conclusions);
    json_decref(t->doc);
    free(t);
}

static void walk_all(const struct ar_tree *t, long *paths, long *dead_ends, json_t **reached,
                     int *cycle);

static int find_q(const struct ar_tree *t, const char *id)
{
    for (int i = 0; i < t->nq; i++)
        if (strcmp(t->q[i].id, id) == 0)
            return i;
    return -1;
}

static int find_c(const struct ar_tree *t, const char *id)
{
    for (int i = 0; i < t->nc; i++)
        if (strcmp(t->conclusions[i], id) == 0)
            return i;
    return -1;
}

__attribute__((format(printf, 3, 4))) static int bad(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return AR_EINVAL;
}

/* Exactly one of nextQuestionId / nextConclusionId in obj. */
static int target_of(const struct ar_tree *t, const json_t *obj, struct target *to,
                     const char *where, char *why, size_t n)
{
    const char *nq = json_string_value(json_object_get(obj, "nextQuestionId"));
    const char *nc = json_string_value(json_object_get(obj, "nextConclusionId"));
    to->question = to->conclusion = -1;
    if (!!nq + !!nc != 1)
        return bad(why, n, "%s: needs exactly one of nextQuestionId and nextConclusionId", where);
    if (nq && (to->question = find_q(t, nq)) < 0)
        return bad(why, n, "%s: question %s does not exist", where, nq);
    if (nc && (to->conclusion = find_c(t, nc)) < 0)
        return bad(why, n, "%s: conclusion %s does not exist", where, nc);
    return 0;
}

static int build(struct ar_tree *t, const json_t *root, char *why, size_t n)
{
    json_t *qs = json_object_get(root, "questions"), *cs = json_object_get(root, "conclusions");
    if (!json_is_array(qs) || !json_array_size(qs) || !json_is_array(cs) || !json_array_size(cs))
        return bad(why, n, "a tree needs a list of questions and a list of conclusions");
    int nc = (int)json_array_size(cs);
    t->conclusions = ar_xcalloc((size_t)nc, sizeof *t->conclusions);
    for (int i = 0; i < nc; i++) {
        const char *id =
            json_string_value(json_object_get(json_array_get(cs, (size_t)i), "conclusionId"));
        if (!id)
            return bad(why, n, "conclusion %d has no conclusionId", i + 1);
        if (find_c(t, id) >= 0)
            return bad(why, n, "conclusion %s appears twice", id);
        t->conclusions[t->nc++] = ar_xstrdup(id);
    }
    int nq = (int)json_array_size(qs);
    t->q = ar_xcalloc((size_t)nq, sizeof *t->q);
    for (int i = 0; i < nq; i++) {
        json_t *q = json_array_get(qs, (size_t)i);
        const char *id = json_string_value(json_object_get(q, "questionId"));
        if (!id)
            return bad(why, n, "question %d has no questionId", i + 1);
        for (int k = 0; k < i; k++)
            if (strcmp(t->q[k].id, id) == 0)
                return bad(why, n, "question %s appears twice", id);
        t->q[i].id = ar_xstrdup(id);
        t->nq = i + 1;
        const char *text = json_string_value(json_object_get(q, "question"));
        t->q[i].text = ar_xstrdup(text ? text : "");
    }
    for (int i = 0; i < t->nq; i++) {
        json_t *q = json_array_get(qs, (size_t)i), *as = json_object_get(q, "answers");
        struct question *qq = &t->q[i];
        if (!json_is_array(as) || json_array_size(as) < 1 || json_array_size(as) > 10)
            return bad(why, n, "question %s needs 1 to 10 answers", qq->id);
        qq->nanswers = (int)json_array_size(as);
        qq->answers = ar_xcalloc((size_t)qq->nanswers, sizeof *qq->answers);
        for (int j = 0; j < qq->nanswers; j++) {
            json_t *a = json_array_get(as, (size_t)j);
            struct answer *aa = &qq->answers[j];
            char where[96];
            snprintf(where, sizeof where, "question %s answer %d", qq->id, j);
            const char *text = json_string_value(json_object_get(a, "answer"));
            aa->text = ar_xstrdup(text ? text : "");
            json_t *ls = json_object_get(a, "labels");
            aa->nlabels = (int)json_array_size(ls);
            aa->labels = ar_xcalloc((size_t)aa->nlabels + 1, sizeof *aa->labels);
            for (int k = 0; k < aa->nlabels; k++) {
                const char *l = json_string_value(json_array_get(ls, (size_t)k));
                if (!l)
                    return bad(why, n, "%s: labels must be strings", where);
                aa->labels[k] = ar_xstrdup(l);
            }
            json_t *rs = json_object_get(a, "redirects");
            if (rs) {
                if (json_object_get(a, "nextQuestionId") || json_object_get(a, "nextConclusionId"))
                    return bad(why, n, "%s: has both redirects and a static successor", where);
                if (!json_is_array(rs) || json_array_size(rs) < 2)
                    return bad(why, n, "%s: redirects need at least two entries", where);
                aa->nredirects = (int)json_array_size(rs);
                aa->redirects = ar_xcalloc((size_t)aa->nredirects, sizeof *aa->redirects);
                aa->to.question = aa->to.conclusion = -1;
                for (int k = 0; k < aa->nredirects; k++) {
                    json_t *r = json_array_get(rs, (size_t)k);
                    const char *cond = json_string_value(json_object_get(r, "if"));
                    if (!cond || !(aa->redirects[k].cond = cond_parse(cond)))
                        return bad(why, n, "%s redirect %d: condition does not parse: %.80s", where,
                                   k, cond ? cond : "(missing)");
                    if (target_of(t, r, &aa->redirects[k].to, where, why, n))
                        return AR_EINVAL;
                }
            } else if (target_of(t, a, &aa->to, where, why, n)) {
                return AR_EINVAL;
            }
        }
    }
    /* The graph of successors may loop (2.9 → 2.10 → 2.11 → 2.9 in the official tree);
     * the labels collected on the way decide, so cycles are looked for on real paths. */
    long paths, dead;
    int cycle = -1;
    json_t *reached = NULL;
    walk_all(t, &paths, &dead, &reached, &cycle);
    json_decref(reached);
    if (cycle >= 0)
        return bad(why, n, "a path returns to question %s: the tree has a cycle", t->q[cycle].id);
    return 0;
}

int ar_tree_load(struct ar_tree **out, const char *yaml, size_t len, char *why, size_t whylen)
{
    json_t *root = NULL;
    int rc = AR_EINVAL;
    *out = NULL;
    why[0] = '\0';
    if (ar_json_from_yaml(yaml, len, 200000, &root, why, whylen))
        return AR_EINVAL;
    struct ar_tree *t = ar_xcalloc(1, sizeof *t);
    if (!json_is_object(root)) {
        bad(why, whylen, "the tree must be a YAML mapping");
    } else if ((rc = build(t, root, why, whylen)) == 0) {
        t->doc = json_incref(root);
        crypto_hash_sha256(t->sha256, (const unsigned char *)yaml, len);
        *out = t;
        t = NULL;
    }
    json_decref(root);
    ar_tree_free(t);
    return rc;
}

void ar_tree_size(const struct ar_tree *t, int *questions, int *conclusions)
{
    *questions = t->nq;
    *conclusions = t->nc;
}

/* Follow answer a of question q with labels ls (labels already added). */
static struct target successor(const struct answer *a, const struct labels *ls)
{
    if (a->nredirects == 0)
        return a->to;
    for (int k = 0; k < a->nredirects; k++)
        if (cond_eval(a->redirects[k].cond, ls))
            return a->redirects[k].to; /* the first true one wins */
    return (struct target){-1, -1};
}

static void add_labels(struct labels *ls, const struct answer *a)
{
    for (int k = 0; k < a->nlabels; k++)
        if (!has(ls, a->labels[k]) && ls->n < MAX_LABELS)
            ls->v[ls->n++] = a->labels[k];
}

static json_t *labels_json(const struct labels *ls)
{
    json_t *arr = json_array();
    for (int i = 0; i < ls->n; i++)
        json_array_append_new(arr, json_string(ls->v[i]));
    return arr;
}

int ar_tree_run(const struct ar_tree *t, const json_t *answers, json_t **out, char *why,
                size_t whylen)
{
    struct labels ls = {.n = 0};
    json_t *path = json_array();
    int q = 0; /* the first question in document order */
    *out = NULL;
    for (int steps = 0; steps < MAX_DEPTH; steps++) {
        const struct question *qq = &t->q[q];
        json_t *given = json_object_get(answers, qq->id);
        if (!given) {
            json_t *opts = json_array();
            for (int j = 0; j < qq->nanswers; j++)
                json_array_append_new(
                    opts, json_pack("{s:i, s:s}", "index", j, "answer", qq->answers[j].text));
            *out = json_pack("{s:s, s:s, s:o, s:o, s:o}", "unanswered", qq->id, "question",
                             qq->text, "answers", opts, "labels", labels_json(&ls), "path", path);
            return 0;
        }
        json_int_t idx = json_integer_value(given);
        if (!json_is_integer(given) || idx < 0 || idx >= qq->nanswers) {
            json_decref(path);
            return bad(why, whylen, "question %s has answers 0 to %d", qq->id, qq->nanswers - 1);
        }
        const struct answer *a = &qq->answers[idx];
        add_labels(&ls, a);
        json_array_append_new(path, json_pack("{s:s, s:I}", "question", qq->id, "answer", idx));
        struct target to = successor(a, &ls);
        if (to.conclusion >= 0) {
            *out = json_pack("{s:s, s:o, s:o}", "conclusion", t->conclusions[to.conclusion],
                             "labels", labels_json(&ls), "path", path);
            return 0;
        }
        if (to.question < 0) {
            json_decref(path);
            return bad(why, whylen, "dead end at question %s answer %d: no redirect applies",
                       qq->id, (int)idx);
        }
        q = to.question;
    }
    json_decref(path);
    return bad(why, whylen, "path longer than %d questions", MAX_DEPTH);
}

struct walk {
    long paths, dead;
    json_t *reached;
    char *on_path;
    int cycle;
};

static void walk(const struct ar_tree *t, int q, struct labels ls, struct walk *w, int depth)
{
    if (w->cycle >= 0)
        return;
    if (w->on_path[q] || depth > MAX_DEPTH) {
        w->cycle = q;
        return;
    }
    w->on_path[q] = 1;
    for (int j = 0; j < t->q[q].nanswers; j++) {
        struct labels next = ls;
        const struct answer *a = &t->q[q].answers[j];
        add_labels(&next, a);
        struct target to = successor(a, &next);
        if (to.conclusion >= 0) {
            const char *c = t->conclusions[to.conclusion];
            w->paths++;
            json_object_set_new(
                w->reached, c,
                json_integer(json_integer_value(json_object_get(w->reached, c)) + 1));
        } else if (to.question >= 0) {
            walk(t, to.question, next, w, depth + 1);
        } else {
            w->dead++;
        }
    }
    w->on_path[q] = 0;
}

static void walk_all(const struct ar_tree *t, long *paths, long *dead_ends, json_t **reached,
                     int *cycle)
{
    struct walk w = {0, 0, json_object(), ar_xcalloc((size_t)t->nq, 1), -1};
    struct labels ls = {.n = 0};
    walk(t, 0, ls, &w, 0);
    free(w.on_path);
    *paths = w.paths;
    *dead_ends = w.dead;
    *reached = w.reached;
    *cycle = w.cycle;
}

int ar_tree_walk(const struct ar_tree *t, long *paths, long *dead_ends, json_t **reached)
{
    int cycle;
    walk_all(t, paths, dead_ends, reached, &cycle);
    return cycle >= 0 ? AR_EINVAL : 0;
}

const json_t *ar_tree_doc(const struct ar_tree *t)
{
    return t->doc;
}

json_t *ar_tree_id(const struct ar_tree *t)
{
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, t->sha256, sizeof t->sha256);
    const char *name = json_string_value(json_object_get(t->doc, "name"));
    const char *version = json_string_value(json_object_get(t->doc, "version"));
    return json_pack("{s:s, s:s, s:s}", "name", name ? name : "", "version", version ? version : "",
                     "sha256", hex);
}

static const json_t *find_in(const json_t *arr, const char *key, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach (arr, i, v) {
        const char *s = json_string_value(json_object_get(v, key));
        if (s && strcmp(s, id) == 0)
            return v;
    }
    return NULL;
}

const json_t *ar_tree_question(const struct ar_tree *t, const char *id)
{
    return find_in(json_object_get(t->doc, "questions"), "questionId", id);
}

const json_t *ar_tree_conclusion(const struct ar_tree *t, const char *id)
{
    return find_in(json_object_get(t->doc, "conclusions"), "conclusionId", id);
}

int ar_tree_answers_parse(json_t **out, const char *s, char *why, size_t whylen)
{
    json_t *answers = json_object();
    *out = NULL;
    for (const char *p = s; *p;) {
        while (*p == ' ' || *p == ',' || *p == '+')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, " ,+");
        const char *eq = memchr(p, '=', n);
        char *end;
        long idx = eq ? strtol(eq + 1, &end, 10) : -1;
        if (!eq || eq == p || (size_t)(eq - p) > 32 || end != p + n || idx < 0 || idx > 99 ||
            json_object_size(answers) >= MAX_DEPTH) {
            json_decref(answers);
            return bad(why, whylen, "answers are QUESTION=INDEX separated by spaces, not %.*s",
                       (int)(n > 40 ? 40 : n), p);
        }
        char *q = ar_xstrndup(p, (size_t)(eq - p));
        json_object_set_new(answers, q, json_integer(idx));
        free(q);
        p += n;
    }
    *out = answers;
    return 0;
}

void ar_tree_answers_format(const json_t *answers, struct ar_buf *out)
{
    const char *k;
    json_t *v;
    int first = 1;
    json_object_foreach ((json_t *)answers, k, v) {
        ar_buf_printf(out, "%s%s=%lld", first ? "" : " ", k, (long long)json_integer_value(v));
        first = 0;
    }
}
