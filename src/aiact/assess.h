/* assess.h — from a decision-tree run to what the Act asks of the organisation: scope,
 * roles, risk class, the Annex III point (which decides the Art. 49(4) secure section),
 * the obligations with their articles and the dates they apply from (configuration), and
 * flags where the tree's answer needs a human look (shared AI_ACT.md §3, §4, §5.5).
 *
 * Two vocabularies are understood: the official decision aid's conclusion codes
 * (11.x, R.T.K) with its Dutch labels, and the machine labels of algoreg's own tree
 * (data/aiact/algoreg-tree.yaml). The tree's output is evidence, not a legal
 * determination (§8.9); the assessment says which tree and text it used. */
#ifndef AR_AIACT_ASSESS_H
#define AR_AIACT_ASSESS_H

#include <jansson.h>
#include <time.h>

#include "aiact/config.h"

/* run is ar_tree_run's output with a conclusion; tree names the tree ({name, version,
 * sha256}). Returns a new object: {text, tree, conclusion, scope, roles[], system_type,
 * risk, prohibitions[], annex_iii[], derogation[], profiling, transparency[],
 * transparency_exempt, rbi, eu_section, annex_viii[], obligations[], flags[]}. */
json_t *ar_aiact_assess(const json_t *run, const json_t *tree, const struct ar_aiact_cfg *cfg);

/* Set in_force on each obligation of an assessment for the time now (dates are read
 * from the assessment itself, as recorded). */
void ar_aiact_in_force(json_t *assessment, time_t now);

#endif
