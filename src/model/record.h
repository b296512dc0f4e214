/* record.h — validation, normalisation, indexing and diffing of registration records.
 *
 * A record is a JSON object shaped by ar_record_fields (fields.h). Validation collects
 * every problem (not just the first) as {field, rule, detail} objects so an API
 * response or form can show them all at once. */
#ifndef AR_MODEL_RECORD_H
#define AR_MODEL_RECORD_H

#include <jansson.h>

#include "base/buf.h"

/* Validate in; on success *out is a new normalised record (empty values dropped, HTML
 * sanitised, lang and standard_version defaulted). Problems are appended to problems
 * (a JSON array). Returns 0 or AR_EINVAL. */
int ar_record_validate(json_t **out, const json_t *in, json_t *problems);

/* Append one problem object to problems. */
void ar_problem_add(json_t *problems, const char *field, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Full-text material of a record: Dutch text into nl, English into en (plain text). */
void ar_record_text(const json_t *rec, struct ar_buf *nl, struct ar_buf *en);

/* Field-level differences from a to b (either may be NULL for "nothing"): an array of
 * {field, label_nl, label_en, before, after} in table order; unchanged fields omitted. */
json_t *ar_record_diff(const json_t *a, const json_t *b);

/* The model's own rules for an e-mail address and an absolute http(s) URL, for
 * code that decides what to keep before validation (src/model/intake.c). */
int ar_record_is_email(const char *s);
int ar_record_is_url(const char *s);
/* Whether the record says it is an AI system: 1 yes, 0 no, -1 not stated. */
int ar_record_is_ai(const json_t *rec);

#endif
