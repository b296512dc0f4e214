/* standard.c — see standard.h. Two tables: how algoreg's fields become the standard's,
 * and algoreg's own statement of the standard's rules (required fields, lengths in
 * characters, permitted values, month and URI forms), read from the standard's text
 * (Publicatiestandaard 1.0, chapter 2) and its JSON Schema v1.0.0. */
#include "model/standard.h"
#include "base/err.h"
#include "base/utf8.h"
#include "model/record.h"

#include <string.h>

/* Fields that carry over as they are, ours -> the standard's. */
static const struct {
    const char *ours, *std;
} same[] = {
    {"name", "name"},
    {"description_short", "description_short"},
    {"organization", "organization"},
    {"status", "status"},
    {"begin_date", "start_date"},
    {"end_date", "end_date"},
    {"contact_email", "contact"},
    {"website", "link"},
    {"url", "source_link"},
    {"goal", "purpose_and_impact"},
    {"proportionality", "considerations"},
    {"human_intervention", "human_intervention"},
    {"risks", "risk_management"},
    {"lawful_basis", "legal_basis"},
    {"process_index_url", "processing_register_link"},
    {"impacttoetsen", "impact_assessment_explanation"},
    {"source_data", "data"},
    {"methods_and_models", "technical_operation"},
    {"provider", "supplier"},
    {"publiccode", "source_code_link"},
    {"source_id", "source_id"},
    {"tags", "search_terms"},
};

enum kind { K_TEXT, K_URI, K_MONTH, K_LIST, K_STATUS, K_PUBCAT, K_LANGUAGE, K_SCHEMA };

/* The standard's rules. max: characters (0: none). */
static const struct {
    const char *key;
    int required;
    size_t max;
    enum kind kind;
    const char *ours; /* where algoreg keeps it, for the message */
} rules[] = {
    {"name", 1, 99, K_TEXT, "name"},
    {"description_short", 1, 399, K_TEXT, "description_short"},
    {"organization", 1, 99, K_TEXT, "organization"},
    {"theme", 1, 0, K_LIST, "category"},
    {"status", 1, 0, K_STATUS, "status"},
    {"start_date", 1, 0, K_MONTH, "begin_date"},
    {"end_date", 0, 0, K_MONTH, "end_date"},
    {"contact", 1, 0, K_TEXT, "contact_email"},
    {"link", 0, 0, K_URI, "website"},
    {"publication_category", 1, 0, K_PUBCAT, "publication_category"},
    {"source_link", 0, 0, K_URI, "url"},
    {"purpose_and_impact", 1, 2499, K_TEXT, "goal"},
    {"considerations", 1, 2499, K_TEXT, "proportionality"},
    {"human_intervention", 1, 2499, K_TEXT, "human_intervention"},
    {"risk_management", 1, 2499, K_TEXT, "risks"},
    {"legal_basis", 0, 2499, K_TEXT, "lawful_basis"},
    {"legal_basis_link", 0, 0, K_URI, "lawful_basis_grouping"},
    {"legal_basis_title", 0, 99, K_TEXT, "lawful_basis_grouping"},
    {"processing_register_link", 0, 0, K_URI, "process_index_url"},
    {"impact_assessments", 1, 0, K_TEXT, "impacttoetsen_grouping"},
    {"impact_assessment_link", 0, 0, K_URI, "impacttoetsen_grouping"},
    {"impact_assessment_explanation", 0, 2499, K_TEXT, "impacttoetsen"},
    {"data", 1, 2499, K_TEXT, "source_data"},
    {"data_source_link", 0, 0, K_URI, "source_data_grouping"},
    {"data_source_title", 0, 499, K_TEXT, "source_data_grouping"},
    {"technical_operation", 1, 4999, K_TEXT, "methods_and_models"},
    {"supplier", 1, 199, K_TEXT, "provider"},
    {"source_code_link", 0, 0, K_URI, "publiccode"},
    {"language", 1, 0, K_LANGUAGE, "lang"},
    {"schema", 1, 0, K_SCHEMA, "standard_version"},
    {"source_id", 0, 0, K_TEXT, "source_id"},
    {"search_terms", 0, 0, K_TEXT, "tags"},
};

static const char *const statuses[] = {"In ontwikkeling", "In gebruik", "Buiten gebruik", NULL};
/* algoreg's categories and the standard's spelling of them */
static const char *const pubcats[][2] = {
    {"Hoog-risico AI-systeem", "Hoog-risico AI-systeem (Categorie A)"},
    {"Impactvolle algoritmes", "Impactvolle algoritmes (Categorie B)"},
    {"Overige algoritmes", "Overige algoritmes (Categorie C)"},
};

static size_t chars(const char *s)
{
    return ar_utf8_len(s, strlen(s));
}

static int is_month(const char *s)
{
    for (int i = 0; i < 7; i++)
        if (i == 4 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return 0;
    return s[7] == '\0';
}

static int is_uri(const char *s)
{
    const char *colon = strchr(s, ':');
    if (!colon || colon == s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
            return 0;
    return 1;
}

/* The first {title, link} of a grouping, or NULL. */
static const json_t *first_link(const json_t *rec, const char *key)
{
    const json_t *g = json_object_get(rec, key);
    return json_is_array(g) && json_array_size(g) ? json_array_get(g, 0) : NULL;
}

static void set_str(json_t *o, const char *key, const char *v)
{
    if (v && *v)
        json_object_set_new(o, key, json_string(v));
}

static json_t *map(const json_t *rec)
{
    json_t *e = json_object();
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        const json_t *v = json_object_get(rec, same[i].ours);
        if (json_is_string(v))
            set_str(e, same[i].std, json_string_value(v));
    }
    const json_t *cat = json_object_get(rec, "category");
    if (json_is_array(cat) && json_array_size(cat))
        json_object_set_new(e, "theme", json_deep_copy(cat));
    const char *pc = json_string_value(json_object_get(rec, "publication_category"));
    for (size_t i = 0; pc && i < sizeof pubcats / sizeof pubcats[0]; i++)
        if (!strcmp(pc, pubcats[i][0]))
            set_str(e, "publication_category", pubcats[i][1]);
    const json_t *l = first_link(rec, "lawful_basis_grouping");
    set_str(e, "legal_basis_link", json_string_value(json_object_get(l, "link")));
    set_str(e, "legal_basis_title", json_string_value(json_object_get(l, "title")));
    l = first_link(rec, "source_data_grouping");
    set_str(e, "data_source_link", json_string_value(json_object_get(l, "link")));
    set_str(e, "data_source_title", json_string_value(json_object_get(l, "title")));
    /* impact assessments: every title by name, the first link */
    const json_t *ia = json_object_get(rec, "impacttoetsen_grouping"), *it;
    size_t i;
    char names[4096] = "";
    size_t at = 0;
    json_array_foreach (ia, i, it) {
        const char *t = json_string_value(json_object_get(it, "title"));
        if (t && *t && at < sizeof names)
            at += (size_t)snprintf(names + at, sizeof names - at, "%s%s", at ? ", " : "", t);
    }
    if (at >= sizeof names)
        names[sizeof names - 1] = '\0';
    set_str(e, "impact_assessments", names);
    l = first_link(rec, "impacttoetsen_grouping");
    set_str(e, "impact_assessment_link", json_string_value(json_object_get(l, "link")));
    json_object_set_new(e, "language", json_string("nld"));
    json_object_set_new(e, "schema", json_string(AR_STANDARD_VERSION));
    return e;
}

/* Check e against the rules; problems appended, their number returned. */
static int check(const json_t *e, json_t *problems)
{
    int bad = 0;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const json_t *v = json_object_get(e, rules[i].key);
        const char *s = json_string_value(v);
        if (!v) {
            if (rules[i].required) {
                ar_problem_add(problems, rules[i].key, "required",
                               "the publication standard requires %s (algoreg's %s)", rules[i].key,
                               rules[i].ours);
                bad++;
            }
            continue;
        }
        const char *rule = NULL, *why = NULL;
        switch (rules[i].kind) {
        case K_TEXT:
            if (rules[i].max && chars(s) > rules[i].max)
                rule = "max_length", why = "is longer than the standard allows";
            break;
        case K_URI:
            if (!is_uri(s))
                rule = "format", why = "is not a URI";
            break;
        case K_MONTH:
            if (!is_month(s))
                rule = "pattern", why = "is not a month YYYY-MM";
            break;
        case K_LIST:
            if (!json_is_array(v) || !json_array_size(v))
                rule = "type", why = "must be a non-empty list";
            break;
        case K_STATUS: {
            int ok = 0;
            for (const char *const *p = statuses; *p; p++)
                ok |= !strcmp(s, *p);
            if (!ok)
                rule = "permitted_values", why = "is not one of the standard's statuses";
            break;
        }
        case K_PUBCAT: {
            int ok = 0;
            for (size_t k = 0; k < sizeof pubcats / sizeof pubcats[0]; k++)
                ok |= !strcmp(s, pubcats[k][1]);
            if (!ok)
                rule = "permitted_values", why = "is not one of the standard's categories";
            break;
        }
        case K_LANGUAGE:
            if (strcmp(s, "nld"))
                rule = "const", why = "must be nld";
            break;
        case K_SCHEMA:
            if (strcmp(s, AR_STANDARD_VERSION))
                rule = "const", why = "must be " AR_STANDARD_VERSION;
            break;
        }
        if (rule) {
            if (rules[i].max && !strcmp(rule, "max_length"))
                ar_problem_add(problems, rules[i].key, rule, "%s %s (%zu characters, at most %zu)",
                               rules[i].key, why, chars(s), rules[i].max);
            else
                ar_problem_add(problems, rules[i].key, rule, "%s %s", rules[i].key, why);
            bad++;
        }
    }
    return bad;
}

int ar_standard_from_record(const json_t *rec, json_t **out, json_t *problems)
{
    json_t *e = map(rec);
    *out = NULL;
    if (check(e, problems)) {
        json_decref(e);
        return AR_EINVAL;
    }
    *out = e;
    return 0;
}

/* Is key one of the standard's fields (or the register's id)? */
static int known(const char *key)
{
    if (!strcmp(key, "lars"))
        return 1;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (!strcmp(rules[i].key, key))
            return 1;
    return 0;
}

/* {title, link} from two of the entry's fields, appended to the record's grouping. */
static void add_link(json_t *rec, const char *grouping, const char *title, const char *link)
{
    if (!link || !*link)
        return;
    json_t *g = json_object_get(rec, grouping);
    if (!g)
        json_object_set_new(rec, grouping, g = json_array());
    json_array_append_new(
        g, json_pack("{s:s, s:s}", "title", title && *title ? title : link, "link", link));
}

int ar_standard_to_record(const json_t *entry, json_t **out, json_t *problems)
{
    const char *key;
    const json_t *v;
    int bad = 0;
    *out = NULL;
    if (!json_is_object(entry)) {
        ar_problem_add(problems, "", "type", "an entry of the standard is a JSON object");
        return AR_EINVAL;
    }
    json_object_foreach ((json_t *)entry, key, v) {
        if (!known(key)) {
            ar_problem_add(problems, key, "unknown",
                           "%s is not a field of the publication"
                           " standard v" AR_STANDARD_VERSION,
                           key);
            bad++;
        } else if (!strcmp(key, "theme") ? !json_is_array(v) : !json_is_string(v)) {
            ar_problem_add(problems, key, "type", "%s must be %s", key,
                           !strcmp(key, "theme") ? "a list of strings" : "a string");
            bad++;
        }
    }
    const char *lang = json_string_value(json_object_get(entry, "language"));
    const char *schema = json_string_value(json_object_get(entry, "schema"));
    if (lang && strcmp(lang, "nld")) {
        ar_problem_add(problems, "language", "const", "language must be nld, not %s", lang);
        bad++;
    }
    if (schema && strcmp(schema, AR_STANDARD_VERSION)) {
        ar_problem_add(problems, "schema", "const",
                       "schema must be " AR_STANDARD_VERSION " (this reads that version), not %s",
                       schema);
        bad++;
    }
    if (bad)
        return AR_EINVAL;
    json_t *rec = json_object();
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        const char *s = json_string_value(json_object_get(entry, same[i].std));
        if (s && *s)
            json_object_set_new(rec, same[i].ours, json_string(s));
    }
    const char *lars = json_string_value(json_object_get(entry, "lars"));
    if (lars)
        json_object_set_new(rec, "lars", json_string(lars));
    const json_t *theme = json_object_get(entry, "theme");
    if (json_array_size(theme))
        json_object_set_new(rec, "category", json_deep_copy(theme));
    const char *pc = json_string_value(json_object_get(entry, "publication_category"));
    for (size_t i = 0; pc && i < sizeof pubcats / sizeof pubcats[0]; i++)
        if (!strcmp(pc, pubcats[i][1]) || !strcmp(pc, pubcats[i][0]))
            json_object_set_new(rec, "publication_category", json_string(pubcats[i][0]));
    if (pc && !json_object_get(rec, "publication_category"))
        json_object_set_new(rec, "publication_category", json_string(pc)); /* refused later */
#define STR(k) json_string_value(json_object_get(entry, k))
    add_link(rec, "lawful_basis_grouping", STR("legal_basis_title"), STR("legal_basis_link"));
    add_link(rec, "source_data_grouping", STR("data_source_title"), STR("data_source_link"));
    const char *ia = STR("impact_assessments"), *ia_link = STR("impact_assessment_link");
#undef STR
    if (ia && *ia) {
        json_t *g = json_array();
        for (const char *p = ia; *p;) {
            size_t n = strcspn(p, ",");
            const char *a = p, *b = p + n;
            while (a < b && *a == ' ')
                a++;
            while (b > a && b[-1] == ' ')
                b--;
            if (b > a) {
                json_t *item = json_pack("{s:s%}", "title", a, (size_t)(b - a));
                if (!json_array_size(g) && ia_link && *ia_link)
                    json_object_set_new(item, "link", json_string(ia_link));
                json_array_append_new(g, item);
            }
            p += n;
            if (*p)
                p++;
        }
        json_object_set_new(rec, "impacttoetsen_grouping", g);
    } else if (ia_link && *ia_link) {
        add_link(rec, "impacttoetsen_grouping", NULL, ia_link);
    }
    *out = rec;
    return 0;
}
