/* pages.h — what the site's page files share: the page context (language, links),
 * rendering a template, the error page; and the AI Act pages (aipages.c). */
#ifndef AR_WEB_PAGES_H
#define AR_WEB_PAGES_H

#include <jansson.h>

#include "http/req.h"

/* {lang, en, lang_q, lang_amp, lang_qm, other_lang_href, title}; caller owns. */
json_t *ar_web_ctx(struct ar_req *r, const char *title);
void ar_web_render(struct ar_req *r, int status, const char *tmpl, json_t *data);
void ar_web_error(struct ar_req *r, int status, const char *msg_key);
/* Message key in the language of page context ctx. */
const char *ar_web_msg(struct ar_req *r, const json_t *ctx, const char *key);
/* A problem ({field, rule, detail}) in the language of ctx: the message of its rule
 * (i18n rule_RULE), or the model's own detail when the rule has none. */
const char *ar_web_rule_text(struct ar_req *r, const json_t *ctx, const json_t *problem);
/* 303 to where, not cached (after a form). */
void ar_web_see_other(struct ar_req *r, const char *where);
/* A positive whole number from a path segment or form value (a draft, a case); 0 when
 * it is none. */
long long ar_web_number(const char *s);
/* Registration id as the public sees it now: the entry page's groups (withheld fields
 * marked) and the labels of what is withheld, for the organisation's withholding page. */
int ar_web_public_groups(struct ar_req *r, const char *id, const char *lang, json_t **groups,
                         json_t **withheld);
/* Whole days from today (UTC, the settable clock) to date YYYY-MM-DD; negative when
 * past (excpages.c). */
int ar_web_days_left(const char *date);
/* Field differences (ar_record_diff) made ready for templates/difftable.html: a label in
 * lang and the values as text (before_text, after_text). */
void ar_web_changes_text(struct ar_req *r, json_t *changes, const char *lang);

void ar_web_classify(struct ar_req *r);
void ar_web_classify_save(struct ar_req *r);
void ar_web_rbi_report(struct ar_req *r);
void ar_web_case_form(struct ar_req *r);
void ar_web_case_submit(struct ar_req *r);
/* Quality (qualpages.c): an entry's similar entries, score, hints, links and reports;
 * an organisation's quality; error reports from the form; the dashboard. */
void ar_web_entry_quality(struct ar_req *r, const char *id, const json_t *rec, json_t *ctx);
void ar_web_org_quality(struct ar_req *r, const char *slug, json_t *ctx);
void ar_web_report(struct ar_req *r);
void ar_web_dashboard(struct ar_req *r);
/* The AI Act section of an entry page: adds "aiact" to ctx unless withheld. */
void ar_web_entry_aiact(struct ar_req *r, const char *id, json_t *ctx);

#endif
