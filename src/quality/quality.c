/* quality.c — completeness and plain language; see quality.h. */
#include "quality/quality.h"
#include "base/assets.h"
#include "base/buf.h"
#include "json/json.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- text helpers ------------------------------------------------------------------- */

/* HTML to text: tags become spaces, a few entities decoded. */
static char *text_of(const char *html)
{
    struct ar_buf b;
    ar_buf_init(&b, 1 << 20);
    int in_tag = 0;
    for (const char *p = html ? html : ""; *p; p++) {
        if (*p == '<') {
            in_tag = 1;
            /* block ends end sentences for the checker */
            if (!strncmp(p, "</p", 3) || !strncmp(p, "</li", 4) || !strncmp(p, "<br", 3))
                ar_buf_puts(&b, ". ");
        } else if (*p == '>') {
            in_tag = 0;
            ar_buf_putc(&b, ' ');
        } else if (!in_tag) {
            if (*p == '&') {
                static const struct {
                    const char *e, *c;
                } ents[] = {{"&amp;", "&"},   {"&lt;", "<"},  {"&gt;", ">"},
                            {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", " "}};
                int done = 0;
                for (size_t i = 0; i < sizeof ents / sizeof ents[0] && !done; i++)
                    if (!strncmp(p, ents[i].e, strlen(ents[i].e))) {
                        ar_buf_puts(&b, ents[i].c);
                        p += strlen(ents[i].e) - 1;
                        done = 1;
                    }
                if (!done)
                    ar_buf_putc(&b, '&');
            } else {
                ar_buf_putc(&b, *p);
            }
        }
    }
    char *s = strdup(ar_buf_cstr(&b));
    ar_buf_free(&b);
    return s;
}

static size_t text_len(const json_t *v)
{
    if (!json_is_string(v))
        return 0;
    char *t = text_of(json_string_value(v));
    size_t n = 0;
    for (char *p = t; *p; p++)
        n += !isspace((unsigned char)*p) && *p != '.';
    free(t);
    return n;
}

/* Characters in a UTF-8 word (continuation bytes do not count). */
static size_t chars(const char *w, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)w[i] & 0xC0) != 0x80;
    return c;
}

/* ---- jargon list (embedded data) ------------------------------------------------------- */

static json_t *g_jargon;
static pthread_once_t g_jargon_once = PTHREAD_ONCE_INIT;

static void jargon_load(void)
{
    const struct ar_asset *a = ar_asset_find("quality/jargon.json");
    g_jargon = a ? json_loadb(a->data, a->len, 0, NULL) : NULL;
    if (!g_jargon)
        g_jargon = json_object();
}

/* Whole-word, case-insensitive occurrence of phrase in lower-cased text. */
static int has_phrase(const char *lower, const char *phrase)
{
    size_t n = strlen(phrase);
    for (const char *p = strstr(lower, phrase); p; p = strstr(p + 1, phrase)) {
        int before = p == lower || !isalnum((unsigned char)p[-1]);
        int after = !isalnum((unsigned char)p[n]) && ((unsigned char)p[n] & 0xC0) != 0x80;
        if (before && after)
            return 1;
    }
    return 0;
}

/* ---- plain language ---------------------------------------------------------------------- */

#define B1_SENTENCE_WORDS 15 /* a B1 sentence aims at 15 words or fewer */
#define LONG_WORD 13         /* characters */

static int is_aux(const char *w, const char *lang)
{
    static const char *const nl[] = {"wordt", "worden", "werd", "werden", NULL};
    static const char *const en[] = {"is", "are", "was", "were", "be", "been", "being", NULL};
    for (const char *const *a = strcmp(lang, "en") == 0 ? en : nl; *a; a++)
        if (strcmp(*a, w) == 0)
            return 1;
    return 0;
}

static int is_participle(const char *w, const char *lang)
{
    size_t n = strlen(w);
    if (strcmp(lang, "en") == 0)
        return n > 4 && (!strcmp(w + n - 2, "ed") || !strcmp(w + n - 2, "en"));
    /* Dutch past participles: ge…d / ge…t / ge…en, or be-/ver-/ont- …d/t */
    int pre = !strncmp(w, "ge", 2) || !strncmp(w, "be", 2) || !strncmp(w, "ver", 3) ||
              !strncmp(w, "ont", 3) || !strncmp(w, "her", 3);
    return pre && n > 5 && (w[n - 1] == 'd' || w[n - 1] == 't' || !strcmp(w + n - 2, "en"));
}

json_t *ar_quality_plain(const char *html, const char *lang)
{
    pthread_once(&g_jargon_once, jargon_load);
    int en = lang && strcmp(lang, "en") == 0;
    char *t = text_of(html);
    size_t len = strlen(t);
    char *lower = malloc(len + 1);
    for (size_t i = 0; i <= len; i++)
        lower[i] = (char)tolower((unsigned char)t[i]);
    int sentences = 0, words = 0, max_words = 0, cur = 0, passive = 0, aux_pending = 0;
    json_t *long_words = json_array(), *jargon = json_array();
    for (char *p = lower; *p;) {
        if (*p == '.' || *p == '!' || *p == '?' || *p == ';') {
            if (cur) {
                sentences++;
                if (cur > max_words)
                    max_words = cur;
            }
            cur = 0;
            aux_pending = 0;
            p++;
            continue;
        }
        if (!(isalnum((unsigned char)*p) || ((unsigned char)*p & 0x80))) {
            p++;
            continue;
        }
        char *s = p;
        while (*p && (isalnum((unsigned char)*p) || ((unsigned char)*p & 0x80) || *p == '-'))
            p++;
        size_t n = (size_t)(p - s);
        char w[64];
        if (n >= sizeof w)
            n = sizeof w - 1;
        memcpy(w, s, n);
        w[n] = '\0';
        words++;
        cur++;
        if (chars(w, n) >= LONG_WORD && !strchr(w, '-') && json_array_size(long_words) < 10) {
            /* report the word as written */
            char orig[64];
            memcpy(orig, t + (s - lower), n);
            orig[n] = '\0';
            json_t *ow = json_string(orig);
            int seen = 0;
            size_t k;
            json_t *x;
            json_array_foreach (long_words, k, x)
                seen |= json_equal(x, ow);
            if (!seen)
                json_array_append(long_words, ow);
            json_decref(ow);
        }
        if (is_aux(w, en ? "en" : "nl"))
            aux_pending = 1;
        else if (aux_pending && is_participle(w, en ? "en" : "nl")) {
            passive++;
            aux_pending = 0;
        }
    }
    if (cur) {
        sentences++;
        if (cur > max_words)
            max_words = cur;
    }
    const char *k;
    json_t *v;
    json_object_foreach (json_object_get(g_jargon, en ? "en" : "nl"), k, v)
        if (has_phrase(lower, k))
            json_array_append_new(jargon, json_pack("{s:s, s:O}", "word", k, "instead", v));
    double avg = sentences ? (double)words / sentences : 0;
    json_t *hn = json_array(), *he = json_array();
    if (max_words > B1_SENTENCE_WORDS * 3 / 2) {
        json_array_append_new(hn, json_sprintf("De langste zin heeft %d woorden; schrijf zinnen"
                                               " van hooguit %d woorden.",
                                               max_words, B1_SENTENCE_WORDS));
        json_array_append_new(he, json_sprintf("The longest sentence has %d words; aim for %d"
                                               " or fewer.",
                                               max_words, B1_SENTENCE_WORDS));
    }
    if (avg > B1_SENTENCE_WORDS) {
        json_array_append_new(hn, json_sprintf("Zinnen tellen gemiddeld %.0f woorden; maak ze"
                                               " korter.",
                                               avg));
        json_array_append_new(he, json_sprintf("Sentences average %.0f words; shorten them.", avg));
    }
    if (json_array_size(long_words)) {
        struct ar_buf lw;
        ar_buf_init(&lw, 4096);
        size_t wi;
        json_t *x;
        json_array_foreach (long_words, wi, x) {
            if (wi == 5)
                break;
            ar_buf_printf(&lw, "%s%s", wi ? ", " : "", json_string_value(x));
        }
        json_array_append_new(hn, json_sprintf("Vervang lange woorden door kortere of leg ze"
                                               " uit: %s.",
                                               ar_buf_cstr(&lw)));
        json_array_append_new(he, json_sprintf("Replace long words with shorter ones or explain"
                                               " them: %s.",
                                               ar_buf_cstr(&lw)));
        ar_buf_free(&lw);
    }
    if (sentences && passive * 3 > sentences) {
        json_array_append_new(hn, json_sprintf("%d van de %d zinnen zijn lijdend; zeg wie iets"
                                               " doet.",
                                               passive, sentences));
        json_array_append_new(he, json_sprintf("%d of %d sentences are passive; say who does"
                                               " what.",
                                               passive, sentences));
    }
    size_t i;
    json_array_foreach (jargon, i, v) {
        json_array_append_new(hn, json_sprintf("Schrijf \"%s\" in plaats van \"%s\".",
                                               ar_json_str(v, "instead"), ar_json_str(v, "word")));
        json_array_append_new(he, json_sprintf("Write \"%s\" instead of \"%s\".",
                                               ar_json_str(v, "instead"), ar_json_str(v, "word")));
    }
    json_t *out = json_pack("{s:s, s:i, s:i, s:i, s:i, s:o, s:i, s:o, s:o, s:o}", "lang",
                            en ? "en" : "nl", "sentences", sentences, "words", words, "avg_words",
                            (int)(avg + 0.5), "max_words", max_words, "long_words", long_words,
                            "passive", passive, "jargon", jargon, "hints_nl", hn, "hints_en", he);
    free(lower);
    free(t);
    return out;
}

/* ---- completeness ------------------------------------------------------------------------ */

struct rule {
    const char *field, *rule;
    int weight;
    const char *nl, *en;
};

static void miss(json_t *arr, const struct rule *r)
{
    json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:s, s:s}", "field", r->field, "rule",
                                         r->rule, "weight", r->weight, "nl", r->nl, "en", r->en));
}

static int has_link(const json_t *grouping)
{
    size_t i;
    json_t *g;
    json_array_foreach (grouping, i, g)
        if (ar_json_str(g, "link") && *ar_json_str(g, "link"))
            return 1;
    return 0;
}

json_t *ar_quality_assess(const json_t *rec)
{
    /* Recommended fields of the publication standard and the police safeguards, with the
     * minimum amount of text that says something. */
    static const struct rule thin[] = {
        {"goal", "thin", 10, "Beschrijf het doel in ten minste een paar zinnen.",
         "Describe the goal in at least a few sentences."},
        {"proportionality", "thin", 8, "Leg uit waarom de inzet in verhouding staat tot het doel.",
         "Explain why the use is proportionate to its goal."},
        {"human_intervention", "thin", 8, "Beschrijf wie de uitkomst beoordeelt en wanneer.",
         "Describe who reviews the output, and when."},
        {"risks", "thin", 8, "Noem de risico's en wat u ertegen doet.",
         "Name the risks and what is done about them."},
        {"lawful_basis", "thin", 8, "Noem de wettelijke grondslag.", "Name the legal basis."},
        {"source_data", "thin", 6, "Beschrijf welke gegevens het gebruikt.",
         "Describe the data it uses."},
        {"methods_and_models", "thin", 6, "Beschrijf hoe het werkt.", "Describe how it works."},
    };
    static const struct rule link_rule = {"lawful_basis_grouping", "no_link", 6,
                                          "Geef bij de wettelijke grondslag een link naar de wet.",
                                          "Link the legal basis to the law."};
    static const struct rule impact_rule = {
        "impacttoetsen", "none_named", 8, "Noem de uitgevoerde impacttoetsen (DPIA, IAMA).",
        "Name the impact assessments carried out (DPIA, FRIA)."};
    static const struct rule contact_rule = {"contact_email", "missing", 4,
                                             "Geef een contactadres.", "Give a contact address."};
    static const struct rule web_rule = {"website", "missing", 3,
                                         "Geef een website met meer informatie.",
                                         "Give a website with more information."};
    static const struct rule begin_rule = {"begin_date", "missing", 3,
                                           "Geef aan sinds wanneer het in gebruik is.",
                                           "Say since when it is in use."};
    static const struct rule provider_rule = {"provider", "missing", 3,
                                              "Noem de leverancier of 'eigen ontwikkeling'.",
                                              "Name the supplier, or 'built in-house'."};
    static const struct rule hr_human = {
        "human_intervention", "high_risk", 10,
        "Een hoog-risicosysteem vraagt een uitgebreide beschrijving van menselijk toezicht"
        " (art. 14 AI-verordening).",
        "A high-risk system needs a full description of human oversight (Art. 14 AI Act)."};
    static const struct rule english = {"en", "missing", 2,
                                        "Voeg een Engelse naam en korte omschrijving toe.",
                                        "Add an English name and short description."};
    json_t *missing = json_array();
    int total = 0, lost = 0;
    for (size_t i = 0; i < sizeof thin / sizeof thin[0]; i++) {
        total += thin[i].weight;
        if (text_len(json_object_get(rec, thin[i].field)) < 80) {
            lost += thin[i].weight;
            miss(missing, &thin[i]);
        }
    }
    const struct rule *simple[] = {&contact_rule, &web_rule, &begin_rule, &provider_rule};
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        total += simple[i]->weight;
        const char *v = ar_json_str(rec, simple[i]->field);
        if (!v || !*v) {
            lost += simple[i]->weight;
            miss(missing, simple[i]);
        }
    }
    total += link_rule.weight;
    if (!has_link(json_object_get(rec, "lawful_basis_grouping"))) {
        lost += link_rule.weight;
        miss(missing, &link_rule);
    }
    total += impact_rule.weight;
    if (text_len(json_object_get(rec, "impacttoetsen")) == 0 &&
        json_array_size(json_object_get(rec, "impacttoetsen_grouping")) == 0) {
        lost += impact_rule.weight;
        miss(missing, &impact_rule);
    }
    const char *cat = ar_json_str(rec, "publication_category");
    if (cat && !strcmp(cat, "Hoog-risico AI-systeem")) {
        total += hr_human.weight;
        if (text_len(json_object_get(rec, "human_intervention")) < 200) {
            lost += hr_human.weight;
            miss(missing, &hr_human);
        }
    }
    total += english.weight;
    json_t *en = json_object_get(rec, "en");
    if (!ar_json_str(en, "name") || !ar_json_str(en, "description_short")) {
        lost += english.weight;
        miss(missing, &english);
    }
    /* B1 fields of the standard, in both languages where present */
    static const char *const b1[] = {"description_short", "goal", "proportionality",
                                     "human_intervention", NULL};
    json_t *plain = json_array();
    for (const char *const *f = b1; *f; f++) {
        const char *nl = ar_json_str(rec, *f), *e = ar_json_str(en, *f);
        if (nl && *nl) {
            json_t *p = ar_quality_plain(nl, "nl");
            json_object_set_new(p, "field", json_string(*f));
            json_array_append_new(plain, p);
        }
        if (e && *e) {
            json_t *p = ar_quality_plain(e, "en");
            json_object_set_new(p, "field", json_string(*f));
            json_array_append_new(plain, p);
        }
    }
    int score = total ? (100 * (total - lost) + total / 2) / total : 100;
    return json_pack("{s:i, s:o, s:o}", "score", score, "missing", missing, "plain_language",
                     plain);
}
