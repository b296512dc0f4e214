/* standard.h — the Dutch algorithm register's public "Publicatiestandaard" v1.0.0.
 *
 * algoreg's record model uses the names of the running register (goal,
 * proportionality, risks, …); the public standard's JSON Schema uses others
 * (purpose_and_impact, considerations, risk_management, …), requires 18 fields where the
 * register requires 7, and sets its own limits (names of at most 99 characters, short
 * descriptions of 399, categories spelled "… (Categorie B)"). This module maps a record
 * to an entry of the standard and checks the entry against algoreg's own statement of
 * the standard's rules (standard.c), so what it exports validates against the official
 * schema; a record that cannot be expressed gets every reason, field by field. */
#ifndef AR_MODEL_STANDARD_H
#define AR_MODEL_STANDARD_H

#include <jansson.h>

#define AR_STANDARD_VERSION "1.0.0"

/* The entry of the publication standard for record rec, in *out (a new object); 0, or
 * AR_EINVAL with problems ({field, rule, detail}, fields named as in the standard)
 * appended when the record lacks what the standard requires or breaks one of its
 * limits (then *out is NULL). */
int ar_standard_from_record(const json_t *rec, json_t **out, json_t *problems);

/* The other way: an entry of the standard (as another register or tool writes it) as
 * an algoreg record in *out, for import; the record is then validated as any other.
 * Unknown fields, wrong types, another language or schema version are problems; the
 * category may be spelled with or without "(Categorie X)"; impact_assessments is read
 * as names separated by commas, the first getting impact_assessment_link; "lars" is
 * kept, so an entry keeps its id. */
int ar_standard_to_record(const json_t *entry, json_t **out, json_t *problems);

#endif
