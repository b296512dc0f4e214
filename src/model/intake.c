/* intake.c — see intake.h. */
#include "model/intake.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/utf8.h"
#include "model/fields.h"
#include "model/lars.h"
#include "model/record.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int ar_intake_parse(const char *name, enum ar_intake_source *src)
{
    if (!strcmp(name, "register-summary"))
        *src = AR_INTAKE_REGISTER_SUMMARY;
    else if (!strcmp(name, "register-2023"))
        *src = AR_INTAKE_REGISTER_2023;
    else
        return AR_EINVAL;
    return 0;
}

const char *ar_intake_list_member(enum ar_intake_source src)
{
    return src == AR_INTAKE_REGISTER_SUMMARY ? "algoritmes" : NULL;
}

static size_t chars(const char *s)
{
    return ar_utf8_len(s, strlen(s));
}

static const char *str(const json_t *item, const char *key)
{
    const char *s = json_string_value(json_object_get(item, key));
    while (s && isspace((unsigned char)*s))
        s++;
    return s && *s ? s : NULL;
}

/* text, without surrounding blanks, cut at a word boundary to max characters (with an
 * ellipsis) when longer: then noted. */
static void put_text(json_t *rec, const char *key, const char *text, size_t max, int html,
                     json_t *notes)
{
    if (!text)
        return;
    struct ar_buf b;
    ar_buf_init(&b, 1u << 20);
    size_t len = strlen(text);
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    size_t n = chars(text) - chars(text + len);
    if (n > max) {
        /* the byte where character max - 1 starts, then back to a space */
        size_t keep = 0, c = 0;
        while (keep < len && c < max - 1)
            c += ((unsigned char)text[++keep] & 0xC0) != 0x80;
        size_t at = keep;
        while (at > keep / 2 && text[at] != ' ')
            at--;
        if (at > keep / 2)
            keep = at;
        if (html)
            ar_buf_html(&b, text, keep);
        else
            ar_buf_add(&b, text, keep);
        ar_buf_puts(&b, "\xe2\x80\xa6");
        ar_problem_add(notes, key, "normalised", "cut from %zu to at most %zu characters", n, max);
    } else if (html) {
        ar_buf_html(&b, text, len);
    } else {
        ar_buf_add(&b, text, len);
    }
    size_t escaped = chars(ar_buf_cstr(&b));
    if (html && escaped > max && max > 16) {
        /* escaping (&amp; for &) made it longer than the field allows: cut the text by
         * as much more, once */
        size_t over = escaped - max;
        ar_buf_free(&b);
        /* an escape is at most six characters (&quot;): max / 6 always fits */
        put_text(rec, key, text, over + 1 < max / 2 ? max - over - 1 : max / 6, html, notes);
        return;
    }
    json_object_set_new(rec, key, json_string(ar_buf_cstr(&b)));
    ar_buf_free(&b);
}

static void put_url(json_t *rec, const char *key, const char *url, json_t *notes)
{
    if (!url)
        return;
    if (ar_record_is_url(url) && strlen(url) <= 500)
        json_object_set_new(rec, key, json_string(url));
    else
        ar_problem_add(notes, key, "normalised", "left out: \"%.60s\" is not a web address", url);
}

static void no_contact(json_t *rec, json_t *notes, const char *given)
{
    json_object_set_new(rec, "contact_email", json_string(AR_INTAKE_NO_CONTACT));
    if (given)
        ar_problem_add(notes, "contact_email", "normalised",
                       "\"%.60s\" is not an e-mail address; set to " AR_INTAKE_NO_CONTACT, given);
    else
        ar_problem_add(notes, "contact_email", "normalised",
                       "absent in the source; set to " AR_INTAKE_NO_CONTACT);
}

static void put_lars(json_t *rec, const char *lars, json_t *notes)
{
    if (!lars)
        return;
    if (ar_lars_valid(lars))
        json_object_set_new(rec, "lars", json_string(lars));
    else
        ar_problem_add(notes, "lars", "normalised",
                       "%.20s is not a valid register id (check digit); a new id is given", lars);
}

/* The 2023 register's statuses: fourteen spellings and some sentences. */
static const char *status_2023(const char *given, json_t *notes)
{
    static const struct {
        const char *word, *status;
    } words[] = {
        {"buiten gebruik", "Buiten gebruik"},   {"gestopt", "Buiten gebruik"},
        {"in ontwikkeling", "In ontwikkeling"}, {"pilot", "In ontwikkeling"},
        {"in gebruik", "In gebruik"},           {"actief", "In gebruik"},
        {"in werking", "In gebruik"},           {"in productie", "In gebruik"},
    };
    if (!given) {
        ar_problem_add(notes, "status", "normalised",
                       "absent in the source; set to In gebruik (the entry was published)");
        return "In gebruik";
    }
    char low[160];
    size_t i;
    for (i = 0; given[i] && i < sizeof low - 1; i++)
        low[i] = (char)tolower((unsigned char)given[i]);
    low[i] = '\0';
    /* the earliest mention decides ("in productie … pilotfase" is in use) */
    const char *best = NULL, *at_best = NULL;
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        const char *at = strstr(low, words[w].word);
        if (at && (!at_best || at < at_best))
            at_best = at, best = words[w].status;
    }
    if (best && !strcmp(given, best))
        return best;
    if (!best)
        best = "In ontwikkeling";
    ar_problem_add(notes, "status", "normalised", "\"%.80s\" read as %s", given, best);
    return best;
}

static int map_summary(const json_t *it, json_t *rec, json_t *notes, json_t *problems)
{
    static const struct {
        const char *given, *status;
    } statuses[] = {{"in_gebruik", "In gebruik"},
                    {"ontwikkeling", "In ontwikkeling"},
                    {"buiten_gebruik", "Buiten gebruik"}};
    const char *st = str(it, "status"), *status = NULL;
    for (size_t i = 0; st && i < sizeof statuses / sizeof statuses[0]; i++)
        if (!strcmp(st, statuses[i].given))
            status = statuses[i].status;
    if (!status) {
        ar_problem_add(problems, "status", "permitted_values", "unknown status \"%.40s\"",
                       st ? st : "");
        return AR_EINVAL;
    }
    if (!str(it, "title") || !str(it, "organisatie")) {
        ar_problem_add(problems, str(it, "title") ? "organisatie" : "title", "required",
                       "the entry has no %s", str(it, "title") ? "organisation" : "name");
        return AR_EINVAL;
    }
    json_object_set_new(rec, "status", json_string(status));
    put_lars(rec, str(it, "id"), notes);
    put_text(rec, "name", str(it, "title"), 100, 0, notes);
    put_text(rec, "organization", str(it, "organisatie"), 100, 0, notes);
    if (str(it, "doel")) {
        put_text(rec, "description_short", str(it, "doel"), 350, 0, notes);
    } else {
        put_text(rec, "description_short", str(it, "title"), 350, 0, notes);
        ar_problem_add(notes, "description_short", "normalised",
                       "no purpose (doel) in the source; the name is used");
    }
    no_contact(rec, notes, NULL);
    json_object_set_new(rec, "publication_category", json_string("Overige algoritmes"));
    ar_problem_add(notes, "publication_category", "normalised",
                   "absent in the summary; set to Overige algoritmes");
    put_url(rec, "url", str(it, "url"), notes);
    put_text(rec, "lawful_basis", str(it, "juridische_basis"), 2500, 1, notes);
    const char *ia = str(it, "impactassessment");
    if (ia && strcmp(ia, "Onbekend"))
        put_text(rec, "impacttoetsen", ia, 2500, 1, notes);
    return 0;
}

static int map_2023(const json_t *it, json_t *rec, json_t *notes, json_t *problems)
{
    if (!str(it, "name") || !str(it, "organization")) {
        ar_problem_add(problems, str(it, "name") ? "organization" : "name", "required",
                       "the entry has no %s", str(it, "name") ? "organisation" : "name");
        return AR_EINVAL;
    }
    put_lars(rec, str(it, "lars"), notes);
    put_text(rec, "name", str(it, "name"), 100, 0, notes);
    put_text(rec, "organization", str(it, "organization"), 100, 0, notes);
    const char *d = str(it, "description_short");
    if (!d && (d = str(it, "description")))
        ar_problem_add(notes, "description_short", "normalised",
                       "no short description; the description is used");
    if (!d) {
        d = str(it, "name");
        ar_problem_add(notes, "description_short", "normalised",
                       "no description at all; the name is used");
    }
    put_text(rec, "description_short", d, 350, 0, notes);
    json_object_set_new(rec, "status", json_string(status_2023(str(it, "status"), notes)));
    const char *mail = str(it, "contact_email");
    if (mail && ar_record_is_email(mail))
        json_object_set_new(rec, "contact_email", json_string(mail));
    else
        no_contact(rec, notes, mail);
    json_object_set_new(rec, "publication_category", json_string("Overige algoritmes"));
    ar_problem_add(notes, "publication_category", "normalised",
                   "the 2023 standards had no category; set to Overige algoritmes");
    static const struct {
        const char *key;
        size_t max;
    } texts[] = {{"goal", 2500},          {"proportionality", 2500},   {"human_intervention", 2500},
                 {"risks", 2500},         {"lawful_basis", 2500},      {"source_data", 2500},
                 {"impacttoetsen", 2500}, {"methods_and_models", 5000}};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        put_text(rec, texts[i].key, str(it, texts[i].key), texts[i].max, 1, notes);
    put_text(rec, "provider", str(it, "provider"), 200, 0, notes);
    put_text(rec, "source_id", str(it, "source_id"), 100, 0, notes);
    put_text(rec, "tags", str(it, "tags"), 2500, 0, notes);
    static const char *const urls[] = {"website", "url", "publiccode", "process_index_url"};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++)
        put_url(rec, urls[i], str(it, urls[i]), notes);
    static const char *const months[] = {"begin_date", "end_date"};
    for (size_t i = 0; i < 2; i++) {
        const char *m = str(it, months[i]);
        if (!m)
            continue;
        if (strlen(m) >= 7 && isdigit((unsigned char)m[0]) && m[4] == '-' &&
            isdigit((unsigned char)m[5]) && isdigit((unsigned char)m[6])) {
            json_object_set_new(rec, months[i], json_stringn(m, 7));
            if (strlen(m) > 7)
                ar_problem_add(notes, months[i], "normalised", "\"%.20s\" read as %.7s", m, m);
        } else {
            ar_problem_add(notes, months[i], "normalised",
                           "left out: \"%.40s\" is not a month (YYYY-MM)", m);
        }
    }
    const char *cat = str(it, "category");
    if (cat) {
        if (ar_fields_in(ar_theme_values, cat))
            json_object_set_new(rec, "category", json_pack("[s]", cat));
        else
            ar_problem_add(notes, "category", "normalised",
                           "left out: \"%.60s\" is not one of the standard's themes", cat);
    }
    return 0;
}

int ar_intake_map(enum ar_intake_source src, const json_t *item, json_t **out, json_t *notes,
                  json_t *problems)
{
    *out = NULL;
    if (!json_is_object(item)) {
        ar_problem_add(problems, "", "type", "an entry is a JSON object");
        return AR_EINVAL;
    }
    json_t *rec = json_object();
    int rc = src == AR_INTAKE_REGISTER_SUMMARY ? map_summary(item, rec, notes, problems)
                                               : map_2023(item, rec, notes, problems);
    if (rc) {
        json_decref(rec);
        return rc;
    }
    *out = rec;
    return 0;
}
