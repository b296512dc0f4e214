/* eudb.c — Annex VIII/IX submissions with the Art. 49(4) whitelist; see eudb.h. */
#include "aiact/eudb.h"
#include "aiact/classify.h"
#include "base/err.h"
#include "json/json.h"
#include "model/record.h"

#include <string.h>

struct eu_field {
    const char *code, *key; /* Annex code, member of the record's annex object */
    int secure;             /* sent to the secure section (Art. 49(4)(a)-(d)) */
};

/* The record keeps A1, B1 and C1 as three members (name, address, contact). */
static const struct eu_field fields_a[] = {{"A1", "provider_name", 1},
                                           {"A1", "provider_address", 1},
                                           {"A1", "provider_contact", 1},
                                           {"A2", "submitter", 1},
                                           {"A3", "authorised_representative", 1},
                                           {"A4", "trade_name", 1},
                                           {"A5", "intended_purpose", 1},
                                           {"A6", "information_and_logic", 0},
                                           {"A7", "status", 1},
                                           {"A8", "certificate", 0},
                                           {"A9", "certificate_url", 0},
                                           {"A10", "member_states", 1},
                                           {"A11", "declaration_of_conformity_url", 0},
                                           {"A12", "instructions_url", 0},
                                           {"A13", "more_info_url", 0},
                                           {NULL, NULL, 0}};
static const struct eu_field fields_b[] = {{"B1", "provider_name", 1},
                                           {"B1", "provider_address", 1},
                                           {"B1", "provider_contact", 1},
                                           {"B2", "submitter", 1},
                                           {"B3", "authorised_representative", 1},
                                           {"B4", "trade_name", 1},
                                           {"B5", "intended_purpose", 1},
                                           {"B6", "derogation_conditions", 0},
                                           {"B8", "status", 1},
                                           {NULL, NULL, 0}};
static const struct eu_field fields_c[] = {
    {"C1", "deployer_name", 1},      {"C1", "deployer_address", 1},
    {"C1", "deployer_contact", 1},   {"C2", "submitter", 1},
    {"C3", "provider_entry_url", 1}, {"C4", "fria_summary", 0},
    {"C5", "dpia_summary", 0},       {NULL, NULL, 0}};
static const struct eu_field fields_ix[] = {{"IX1", "test_id", 1},
                                            {"IX2", "parties", 1},
                                            {"IX3", "description", 1},
                                            {"IX4", "testing_plan_summary", 0},
                                            {"IX5", "suspension_or_termination", 1},
                                            {NULL, NULL, 0}};

static int has_str(const json_t *arr, const char *v)
{
    size_t i;
    json_t *x;
    json_array_foreach (arr, i, x)
        if (json_is_string(x) && !strcmp(json_string_value(x), v))
            return 1;
    return 0;
}

int ar_aiact_eu_export(const char *lars, const json_t *record, const json_t *assessment,
                       const char *section, const struct ar_aiact_cfg *cfg, json_t *problems,
                       json_t **out)
{
    const struct eu_field *table = NULL;
    const char *annex = NULL, *basis = NULL;
    *out = NULL;
    if (section && !strcmp(section, "A"))
        table = fields_a, annex = "annex_viii_a", basis = "Art. 49(1), Annex VIII Section A";
    else if (section && !strcmp(section, "B"))
        table = fields_b, annex = "annex_viii_b", basis = "Art. 49(2), Annex VIII Section B";
    else if (section && !strcmp(section, "C"))
        table = fields_c, annex = "annex_viii_c", basis = "Art. 49(3), Annex VIII Section C";
    else if (section && !strcmp(section, "IX"))
        table = fields_ix, annex = "annex_ix", basis = "Art. 60(4)(c), Annex IX";
    if (!table) {
        ar_problem_add(problems, "section", "permitted_values", "A, B, C or IX");
        return AR_EINVAL;
    }
    if (!assessment) {
        ar_problem_add(problems, "classification", "required",
                       "classify the system first: the risk class and Annex III point decide"
                       " what is registered and where (Art. 6, Art. 49)");
        return AR_EINVAL;
    }
    const json_t *sections = json_object_get(assessment, "annex_viii");
    if (strcmp(section, "IX") != 0 && !has_str(sections, section)) {
        ar_problem_add(problems, "section", "applies",
                       "section %s does not apply to this classification (%s, roles %s):"
                       " A is for providers of high-risk systems (Art. 49(1)), B for a provider's"
                       " Art. 6(3) conclusion (Art. 49(2)), C for public-authority deployers of"
                       " high-risk systems (Art. 49(3))",
                       section,
                       ar_json_str(assessment, "risk") ? ar_json_str(assessment, "risk") : "none",
                       json_array_size(json_object_get(assessment, "roles")) ? "given" : "none");
        return AR_EINVAL;
    }
    const char *eu_section = ar_json_str(assessment, "eu_section");
    if (eu_section && !strcmp(eu_section, "undetermined")) {
        ar_problem_add(problems, "classification", "annex_iii_point",
                       "the classification does not say which Annex III point applies, so it is"
                       " unknown whether Art. 49(4) requires the secure section; classify with"
                       " algoreg's tree");
        return AR_EINVAL;
    }
    int secure = eu_section && !strcmp(eu_section, "secure");
    const json_t *src = json_object_get(json_object_get(record, "aiact"), annex);
    json_t *fields = json_object(), *held = json_array();
    for (const struct eu_field *f = table; f->code; f++) {
        json_t *v = json_object_get(src, f->key);
        if (secure && !f->secure) {
            /* Kept in algoreg, never transmitted (Art. 49(4)); only the code is named. */
            if (!has_str(held, f->code))
                json_array_append_new(held, json_string(f->code));
            continue;
        }
        json_t *slot = json_object_get(fields, f->code);
        if (!slot)
            json_object_set_new(fields, f->code, slot = json_object());
        json_object_set(slot, f->key, v ? v : json_null());
    }
    if (!strcmp(section, "B") && secure) /* B9 was deleted by Reg. 2026/1744: sent empty */
        json_object_set_new(fields, "B9", json_null());
    *out = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "registration", lars, "section",
                     section, "eu_section", secure ? "secure" : "public", "basis",
                     secure ? "Art. 49(4): secure non-public section, listed fields only" : basis,
                     "fields", fields, "not_transmitted", held, "text", cfg->text);
    return 0;
}

int ar_aiact_use_blocked(struct ar_store *s, const struct ar_aiact_cfg *cfg, const char *lars,
                         time_t now, const char *field, json_t *problems)
{
    json_t *a = ar_aiact_latest(s, lars), *subs = NULL;
    time_t from;
    int blocked = 0;
    if (a && !strcmp(ar_json_str(a, "risk") ? ar_json_str(a, "risk") : "", "high_risk") &&
        has_str(json_object_get(a, "roles"), "deployer") &&
        ar_aiact_cfg_date(cfg, "aia.registration", &from) && now >= from &&
        ar_store_eu_list(s, lars, &subs) == 0) {
        blocked = 1;
        size_t i;
        json_t *v;
        json_array_foreach (subs, i, v)
            if (!strcmp(ar_json_str(v, "section"), "C"))
                blocked = 0;
        if (blocked)
            ar_problem_add(problems, field, "eu_registration",
                           "a public-authority deployer shall not use a high-risk system that is"
                           " not registered in the EU database: record the section C submission"
                           " first (Art. 26(8), Art. 49(3))");
    }
    json_decref(subs);
    json_decref(a);
    return blocked;
}
