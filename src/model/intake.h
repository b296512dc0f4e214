/* intake.h — records from the national register's own data, as they really are.
 *
 * Two sources: the register's public search API (algoritmes.overheid.nl, ten summary
 * fields per entry, as in the 2026 scrape) and its full 2023 publication (standards
 * 0.1-0.4). Both lack what algoreg requires or spell it their own way: statuses in
 * fourteen spellings and free text, invalid contact addresses, texts longer than the
 * standard allows, no publication category. Each item becomes a record; every change
 * made on the way is a note ({field, rule: "normalised", detail}) so the import report
 * says what was done to which record, and what cannot be mapped is a problem. */
#ifndef AR_MODEL_INTAKE_H
#define AR_MODEL_INTAKE_H

#include <jansson.h>

enum ar_intake_source {
    AR_INTAKE_REGISTER_SUMMARY, /* the register's search API: id, title, organisatie, … */
    AR_INTAKE_REGISTER_2023,    /* full entries of the 2023 publication */
};

/* "register-summary" or "register-2023"; AR_EINVAL otherwise. */
int ar_intake_parse(const char *name, enum ar_intake_source *src);

/* Where a source's items are when a file holds one JSON document: the member of the
 * top-level object holding the array ("algoritmes" for the summary), or NULL when the
 * document is the array itself. */
const char *ar_intake_list_member(enum ar_intake_source src);

/* item as a record in *out. Notes and problems are appended; AR_EINVAL (and *out NULL)
 * when the item cannot be mapped at all. */
int ar_intake_map(enum ar_intake_source src, const json_t *item, json_t **out, json_t *notes,
                  json_t *problems);

/* The placeholder for a contact address the source lacks or gives invalid: a reserved
 * domain (RFC 2606), so nothing is ever sent to it. */
#define AR_INTAKE_NO_CONTACT "onbekend@algoritmeregister.invalid"

#endif
