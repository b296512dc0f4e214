/* tree.h — a generic interpreter for decision trees in the format of the Dutch
 * government's AI Act decision aid (beslishulp AI-verordening; shared AI_ACT.md §5):
 * questions with answers that add labels and lead to a next question, a conclusion, or
 * the first of several redirects whose condition over the collected labels holds.
 *
 * The tree is read with libyaml and checked when loaded: unique ids, every target
 * exists, exactly one successor form per answer, at least two redirects, every
 * condition parses (the JEXL subset of §5.2: "x" in labels, &&, ||, !( ), parentheses),
 * and no cycles. Ids are opaque strings ("2.0" is not "2"). */
#ifndef AR_AIACT_TREE_H
#define AR_AIACT_TREE_H

#include <jansson.h>
#include <stddef.h>

struct ar_tree;

/* Load a tree from YAML text; on failure *why holds one line naming the problem. */
int ar_tree_load(struct ar_tree **out, const char *yaml, size_t len, char *why, size_t whylen);
void ar_tree_free(struct ar_tree *t); /* accepts NULL */

/* Run with answers {questionId: answer index, ...}. On success *out is
 * {conclusion, labels[], path[{question, answer}]} or, when a question on the path has
 * no answer yet, {unanswered: questionId, question: text, answers: [...], labels, path}.
 * AR_EINVAL with why for an answer index out of range or a dead end. */
int ar_tree_run(const struct ar_tree *t, const json_t *answers, json_t **out, char *why,
                size_t whylen);

/* Walk every path: number of complete paths, dead ends, and the set of conclusions
 * reached ({conclusionId: count}). */
int ar_tree_walk(const struct ar_tree *t, long *paths, long *dead_ends, json_t **reached);

/* The tree as loaded (questions with explanation, answers with subresult, conclusions
 * with obligation text), for showing to people; never for logic. */
const json_t *ar_tree_doc(const struct ar_tree *t);
/* {name, version, sha256 of the YAML bytes}: which tree a classification used. */
json_t *ar_tree_id(const struct ar_tree *t);
/* A question or conclusion object by id, or NULL. */
const json_t *ar_tree_question(const struct ar_tree *t, const char *id);
const json_t *ar_tree_conclusion(const struct ar_tree *t, const char *id);

/* Answers as text, "1.1=0 1.2=1" (spaces, commas or '+' between), into {id: index}.
 * AR_EINVAL with why for anything else. format writes the same form back. */
int ar_tree_answers_parse(json_t **out, const char *s, char *why, size_t whylen);
struct ar_buf;
void ar_tree_answers_format(const json_t *answers, struct ar_buf *out);

/* Number of questions and conclusions. */
void ar_tree_size(const struct ar_tree *t, int *questions, int *conclusions);

#endif
