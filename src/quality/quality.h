/* quality.h — how good an entry is for its readers: completeness (which recommended
 * fields are empty or thin, weighted into a score out of 100) and a plain-language check
 * of the fields the publication standard asks to be written at B1 level (sentence length,
 * long words, passive voice, officialese from data/quality/jargon.json), in Dutch and
 * English. Deterministic and cheap: pages compute it as they render. */
#ifndef AR_QUALITY_QUALITY_H
#define AR_QUALITY_QUALITY_H

#include <jansson.h>

/* {score (0..100), missing: [{field, rule, weight, nl, en}], plain_language: [{field,
 * lang, sentences, words, avg_words, max_words, long_words[], passive, jargon[{word,
 * instead}], hints_nl[], hints_en[]}]} for a record (public content). */
json_t *ar_quality_assess(const json_t *record);

/* Plain-language check of one text (HTML is reduced to text first). lang "nl" or "en". */
json_t *ar_quality_plain(const char *text, const char *lang);

#endif
