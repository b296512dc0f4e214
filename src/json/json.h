/* json.h — JSON intake with limits, and the one canonical encoder.
 *
 * Intake: every JSON document that enters algoreg (HTTP bodies, import lines) is
 * parsed here, with duplicate keys rejected (JSON_REJECT_DUPLICATES), UTF-8
 * checked first so the error can say so, and depth, string and member counts
 * capped by our own limits rather than jansson's generous defaults.
 *
 * Canonical form (doc/canonical-json.md): object keys sorted by their UTF-8 bytes,
 * no insignificant whitespace, strings as UTF-8 with only '"', '\\' and control
 * characters escaped, integers in decimal, no floating point. Signed and hashed
 * bytes come only from ar_json_canon(). */
#ifndef AR_JSON_JSON_H
#define AR_JSON_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "base/buf.h"

struct ar_json_limits {
    size_t max_bytes;   /* whole document */
    int max_depth;      /* nesting of arrays/objects; top level is depth 1 */
    size_t max_members; /* per object or array */
};

extern const struct ar_json_limits ar_json_default_limits;

/* Parse s[0..n) into *out (caller owns, json_decref). On failure returns AR_EINVAL
 * or AR_ETOOBIG and writes a one-line English reason into why (always terminated). */
int ar_json_parse(json_t **out, const char *s, size_t n, const struct ar_json_limits *lim,
                  char *why, size_t whylen);

/* Append the canonical encoding of v to b. AR_EINVAL for reals (not canonical). */
int ar_json_canon(struct ar_buf *b, const json_t *v);
/* Canonical encoding as a malloc'd string (free()); NULL if v holds a real. */
char *ar_json_canon_str(const json_t *v);

/* Convenience: the string member key of obj, or NULL when absent/not a string. */
const char *ar_json_str(const json_t *obj, const char *key);

/* A YAML document as JSON, every scalar a string (ids stay opaque), at most max_nodes
 * nodes (aliases cannot multiply a small file into a huge tree) and 64 levels deep.
 * AR_EINVAL with why (the line of a syntax error) otherwise. */
int ar_json_from_yaml(const char *text, size_t len, long max_nodes, json_t **out, char *why,
                      size_t whylen);

#endif
