/* classify.h — classifying a registration: run a decision tree on the answers, derive
 * the assessment (assess.h), and store the result with the registration version it
 * judged, logged in the same transaction (the leaf carries only the SHA-256 of the
 * stored classification, so a withheld registration's classification stays private
 * while still committed). */
#ifndef AR_AIACT_CLASSIFY_H
#define AR_AIACT_CLASSIFY_H

#include <jansson.h>

#include "aiact/config.h"
#include "aiact/tree.h"
#include "store/store.h"

/* Load a tree from path, or algoreg's own tree (embedded) when path is NULL. */
int ar_aiact_tree_open(struct ar_tree **out, const char *path, char *why, size_t whylen);

/* Run without storing: {run (ar_tree_run's output), assessment (only with a
 * conclusion)}. Problems name "answers" when an answer is out of range. */
int ar_aiact_evaluate(const struct ar_tree *t, const struct ar_aiact_cfg *cfg,
                      const json_t *answers, json_t *problems, json_t **out);

/* Classify registration lars (its latest version) and store it. AR_EINVAL with problems
 * when a question on the path is unanswered; AR_ENOTFOUND for an unknown registration.
 * *out: the stored classification {id, registration, version, created, author, answers,
 * path, conclusion, assessment, sha256, log_index}. */
int ar_aiact_classify(struct ar_store *s, const struct ar_tree *t, const struct ar_aiact_cfg *cfg,
                      const char *lars, const json_t *answers, const char *author, json_t *problems,
                      json_t **out);

/* The latest stored assessment of a registration, or NULL. */
json_t *ar_aiact_latest(struct ar_store *s, const char *lars);

#endif
