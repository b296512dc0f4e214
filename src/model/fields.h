/* fields.h — the record model as data: one table that validation, rendering, search
 * indexing, diffing and the OpenAPI schema all read, so they cannot drift apart.
 *
 * Top-level fields are those of the Dutch algorithm register's publication standard
 * v1.0 (names as in its config, e.g. goal, proportionality), plus two objects of
 * our own: "safeguards" (the police safeguards from seed 004) and "aiact" (the EU AI
 * Act Annex VIII sections A, B and C; see shared AI_ACT.md §4.3). Text is Dutch;
 * fields flagged AR_FF_I18N may carry an English version under "en". */
#ifndef AR_MODEL_FIELDS_H
#define AR_MODEL_FIELDS_H

#include <stddef.h>

enum ar_ftype {
    AR_FT_TEXT,      /* plain text, no HTML */
    AR_FT_HTML,      /* limited HTML, sanitised to the standard's tag whitelist */
    AR_FT_ENUM,      /* one of values[] */
    AR_FT_ENUM_LIST, /* up to max items of values[], no repeats */
    AR_FT_STR_LIST,  /* up to max_items short strings */
    AR_FT_MONTH,     /* YYYY-MM */
    AR_FT_DATE,      /* YYYY-MM-DD */
    AR_FT_EMAIL,
    AR_FT_URL, /* absolute http(s) URL */
    AR_FT_BOOL,
    AR_FT_LINKS,  /* array of {title, link} objects (the standard's *_grouping) */
    AR_FT_OBJECT, /* nested object with children[] */
    AR_FT_LARS,   /* 8-digit public id with check digit */
};

#define AR_FF_REQUIRED 1u /* must be present and non-empty */
#define AR_FF_I18N 2u     /* an English version may be given under "en" */
#define AR_FF_SEARCH 4u   /* part of the public full-text index */
#define AR_FF_LIST 8u     /* shown in search result cards */

struct ar_field {
    const char *key;
    enum ar_ftype type;
    unsigned flags;
    size_t max;                      /* characters (text) or items (lists) */
    const char *const *values;       /* permitted values, NULL-terminated */
    const struct ar_field *children; /* OBJECT and LINKS members, key NULL ends */
    const char *label_nl;
    const char *label_en;
};

struct ar_group {
    const char *key;
    const char *label_nl;
    const char *label_en;
    const char *const *fields; /* top-level keys, NULL-terminated */
};

extern const struct ar_field ar_record_fields[]; /* key NULL ends */
extern const struct ar_group ar_record_groups[]; /* key NULL ends */

extern const char *const ar_status_values[];
extern const char *const ar_pubcat_values[];
extern const char *const ar_theme_values[];
extern const char *const ar_org_kinds[];

/* Look up a field in a table by key; NULL when unknown. */
const struct ar_field *ar_fields_find(const struct ar_field *table, const char *key);
/* Label in "nl" or "en" (anything else means nl). */
const char *ar_field_label(const struct ar_field *f, const char *lang);
/* 1 when v is in the NULL-terminated list. */
int ar_fields_in(const char *const *values, const char *v);

#endif
