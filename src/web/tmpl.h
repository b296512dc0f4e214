/* tmpl.h — a small logic-less template language for the public pages.
 *
 * Templates are files under web/templates, embedded in the binary and compiled once at
 * start-up; a syntax error stops start-up with the file and line. Data is a jansson
 * value (the same JSON the API returns, plus page context). Everything printed with
 * {{x}} is HTML-escaped; there is no raw form. Trusted HTML comes only from named
 * helpers:
 *   {{path}}            escaped value (dotted path; "." is the current item)
 *   {{#path}}…{{/path}} section: once per array item, once for an object or a truthy
 *                       scalar (pushed as "."), never for false/null/""/0/[]
 *   {{^path}}…{{/path}} inverted section: only when the section would not render
 *   {{>name}}           include templates/name.html
 *   {{t key}}           message "key" from i18n/<lang>.json (lang from the root "lang")
 *   {{rich path}}       HTML sanitised at intake (model/sanitize.c); re-checked here
 *   {{snip path}}       escaped search snippet with its match markers as <mark>
 *   {{url path}}        percent-encoded for use inside a query string
 *   {{date path}}       an RFC 3339 time as a readable UTC date in the page's language
 *   {{! comment }}                                                              */
#ifndef AR_WEB_TMPL_H
#define AR_WEB_TMPL_H

#include <jansson.h>

#include "base/buf.h"

struct ar_tmpl_set;

/* Compile every embedded templates (templates/NAME.html) and load i18n catalogs. On a syntax error
 * returns AR_EINVAL and prints "file:line: reason" to stderr. */
int ar_tmpl_load(struct ar_tmpl_set **out);
void ar_tmpl_free(struct ar_tmpl_set *set); /* accepts NULL */
/* Render template name ("entry" for templates/entry.html) with data into out. */
int ar_tmpl_render(const struct ar_tmpl_set *set, const char *name, const json_t *data,
                   struct ar_buf *out);
/* Compile a single template from text (for tests); name is used in messages. */
int ar_tmpl_compile_one(struct ar_tmpl_set *set, const char *name, const char *text, char *why,
                        size_t whylen);
struct ar_tmpl_set *ar_tmpl_set_new(void);
/* Look up a message in the catalog for lang ("nl" or "en"); returns key when absent. */
const char *ar_tmpl_msg(const struct ar_tmpl_set *set, const char *lang, const char *key);

#endif
