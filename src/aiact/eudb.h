/* eudb.h — what goes to the EU database (Art. 49, 71; Annex VIII Sections A, B, C and
 * Annex IX) and what the Art. 26(8) gate blocks. For Annex III points 1, 6 and 7 in law
 * enforcement, migration, asylum and border control, only the fields Art. 49(4) lists
 * leave algoreg (the secure, non-public section); the other fields are kept here and
 * named as withheld, never transmitted (shared AI_ACT.md §4.3). */
#ifndef AR_AIACT_EUDB_H
#define AR_AIACT_EUDB_H

#include <jansson.h>
#include <time.h>

#include "aiact/config.h"
#include "store/store.h"

/* Build the submission of section "A", "B", "C" or "IX" from a record (the full,
 * unredacted content) and its assessment. AR_EINVAL with problems when the assessment
 * is missing or the section does not apply to it. *out: {registration, section,
 * eu_section (public|secure), basis, fields {A1: …}, not_transmitted [codes], text}. */
int ar_aiact_eu_export(const char *lars, const json_t *record, const json_t *assessment,
                       const char *section, const struct ar_aiact_cfg *cfg, json_t *problems,
                       json_t **out);

/* Art. 26(8): 1 (with a problem added) when a public-authority deployer's high-risk
 * system is not registered in the EU database (no section C submission) at time now and
 * the registration duty applies; else 0. */
int ar_aiact_use_blocked(struct ar_store *s, const struct ar_aiact_cfg *cfg, const char *lars,
                         time_t now, const char *field, json_t *problems);

#endif
