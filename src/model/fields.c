/* fields.c — the record model table. Limits and permitted values follow the
 * publication standard v1.0 (config v1_0 and the standard's chapter 2); where the
 * sources disagree on description_short (350/399/400) we use 350, the strictest,
 * so every entry we accept is accepted everywhere. */
#include "model/fields.h"

#include <string.h>

const char *const ar_status_values[] = {"In ontwikkeling", "In gebruik", "Buiten gebruik", NULL};
const char *const ar_pubcat_values[] = {"Hoog-risico AI-systeem", "Impactvolle algoritmes",
                                        "Overige algoritmes", NULL};
const char *const ar_theme_values[] = {"Organisatie en bedrijfsvoering",
                                       "Cultuur en recreatie",
                                       "Economie",
                                       "Overheidsfinanciën",
                                       "Wonen",
                                       "Internationaal",
                                       "Migratie en integratie",
                                       "Natuur en milieu",
                                       "Onderwijs en wetenschap",
                                       "Openbare orde en veiligheid",
                                       "Recht",
                                       "Ruimte en infrastructuur",
                                       "Sociale zekerheid",
                                       "Verkeer",
                                       "Werk",
                                       "Zorg en gezondheid",
                                       NULL};
const char *const ar_org_kinds[] = {
    "police", "public_prosecutor", "ministry", "municipality", "other", NULL};
static const char *const lang_values[] = {"nld", NULL};
static const char *const stdver_values[] = {"1.0", NULL};
/* Annex VIII A7 / B8 status values. */
static const char *const aia_status_values[] = {
    "on_the_market",        "in_service", "no_longer_on_the_market",
    "no_longer_in_service", "recalled",   NULL};
/* Art. 6(3)(a)–(d) conditions a provider may rely on (Annex VIII B6). */
static const char *const derogation_values[] = {"a", "b", "c", "d", NULL};
static const char *const oversight_values[] = {"line_management", "corps_controller",
                                               "corporate_audit", NULL};

#define END                                                                                        \
    {                                                                                              \
        NULL, 0, 0, 0, NULL, NULL, NULL, NULL                                                      \
    }

static const struct ar_field link_title100[] = {
    {"title", AR_FT_TEXT, AR_FF_REQUIRED | AR_FF_SEARCH, 100, NULL, NULL, "Titel", "Title"},
    {"link", AR_FT_URL, 0, 500, NULL, NULL, "Link", "Link"},
    END,
};
static const struct ar_field link_title500[] = {
    {"title", AR_FT_TEXT, AR_FF_REQUIRED | AR_FF_SEARCH, 500, NULL, NULL, "Titel", "Title"},
    {"link", AR_FT_URL, 0, 500, NULL, NULL, "Link", "Link"},
    END,
};

static const struct ar_field safeguards[] = {
    {"is_ai", AR_FT_BOOL, 0, 0, NULL, NULL, "AI-systeem (art. 3(1) AI-verordening)",
     "AI system (AI Act Art. 3(1))"},
    {"self_learning", AR_FT_BOOL, 0, 0, NULL, NULL, "Zelflerend", "Self-learning"},
    {"human_in_the_loop", AR_FT_TEXT, AR_FF_I18N | AR_FF_SEARCH, 2500, NULL, NULL,
     "Mens in de lus (hoe)", "Human in the loop (how)"},
    {"dpia_date", AR_FT_DATE, 0, 10, NULL, NULL, "Datum DPIA (GEB)", "DPIA date"},
    {"dpo_informed", AR_FT_BOOL, 0, 0, NULL, NULL, "Functionaris gegevensbescherming geïnformeerd",
     "Data-protection officer informed"},
    {"bias_monitoring", AR_FT_TEXT, AR_FF_I18N | AR_FF_SEARCH, 2500, NULL, NULL,
     "Biasmonitoring (wat)", "Bias monitoring (what)"},
    {"bias_monitoring_frequency", AR_FT_TEXT, AR_FF_I18N, 100, NULL, NULL,
     "Biasmonitoring (hoe vaak)", "Bias monitoring (how often)"},
    {"oversight_lines", AR_FT_ENUM_LIST, 0, 3, oversight_values, NULL,
     "Toezichtlijnen (three lines of defence)", "Oversight lines (three lines of defence)"},
    {"error_margins", AR_FT_TEXT, AR_FF_I18N | AR_FF_SEARCH, 2500, NULL, NULL, "Foutmarges",
     "Error margins"},
    END,
};

/* Annex VIII Section A: provider registration under Art. 49(1). */
static const struct ar_field annex_a[] = {
    {"provider_name", AR_FT_TEXT, 0, 200, NULL, NULL, "A1 Naam aanbieder", "A1 Provider name"},
    {"provider_address", AR_FT_TEXT, 0, 500, NULL, NULL, "A1 Adres aanbieder",
     "A1 Provider address"},
    {"provider_contact", AR_FT_TEXT, 0, 500, NULL, NULL, "A1 Contact aanbieder",
     "A1 Provider contact"},
    {"submitter", AR_FT_TEXT, 0, 500, NULL, NULL, "A2 Indiener namens aanbieder",
     "A2 Submitter on the provider's behalf"},
    {"authorised_representative", AR_FT_TEXT, 0, 500, NULL, NULL, "A3 Gemachtigde",
     "A3 Authorised representative"},
    {"trade_name", AR_FT_TEXT, 0, 200, NULL, NULL, "A4 Handelsnaam en referentie",
     "A4 Trade name and reference"},
    {"intended_purpose", AR_FT_TEXT, 0, 2500, NULL, NULL, "A5 Beoogd doel, componenten, functies",
     "A5 Intended purpose, components, functions"},
    {"information_and_logic", AR_FT_TEXT, 0, 2500, NULL, NULL,
     "A6 Gebruikte informatie en werkingslogica", "A6 Information used and operating logic"},
    {"status", AR_FT_ENUM, 0, 0, aia_status_values, NULL, "A7 Status", "A7 Status"},
    {"certificate", AR_FT_TEXT, 0, 500, NULL, NULL,
     "A8 Certificaat (type, nummer, vervaldatum, instantie)",
     "A8 Certificate (type, number, expiry, body)"},
    {"certificate_url", AR_FT_URL, 0, 500, NULL, NULL, "A9 Gescand certificaat",
     "A9 Scanned certificate"},
    {"member_states", AR_FT_STR_LIST, 0, 30, NULL, NULL, "A10 Lidstaten", "A10 Member States"},
    {"declaration_of_conformity_url", AR_FT_URL, 0, 500, NULL, NULL,
     "A11 EU-conformiteitsverklaring", "A11 EU declaration of conformity"},
    {"instructions_url", AR_FT_URL, 0, 500, NULL, NULL, "A12 Gebruiksaanwijzing",
     "A12 Instructions for use"},
    {"more_info_url", AR_FT_URL, 0, 500, NULL, NULL, "A13 Meer informatie", "A13 More information"},
    END,
};

/* Annex VIII Section B: provider's not-high-risk conclusion under Art. 6(3), 49(2).
 * B7 and B9 were deleted by Reg. 2026/1744 and have no field. */
static const struct ar_field annex_b[] = {
    {"provider_name", AR_FT_TEXT, 0, 200, NULL, NULL, "B1 Naam aanbieder", "B1 Provider name"},
    {"provider_address", AR_FT_TEXT, 0, 500, NULL, NULL, "B1 Adres aanbieder",
     "B1 Provider address"},
    {"provider_contact", AR_FT_TEXT, 0, 500, NULL, NULL, "B1 Contact aanbieder",
     "B1 Provider contact"},
    {"submitter", AR_FT_TEXT, 0, 500, NULL, NULL, "B2 Indiener", "B2 Submitter"},
    {"authorised_representative", AR_FT_TEXT, 0, 500, NULL, NULL, "B3 Gemachtigde",
     "B3 Authorised representative"},
    {"trade_name", AR_FT_TEXT, 0, 200, NULL, NULL, "B4 Handelsnaam", "B4 Trade name"},
    {"intended_purpose", AR_FT_TEXT, 0, 2500, NULL, NULL, "B5 Beoogd doel", "B5 Intended purpose"},
    {"derogation_conditions", AR_FT_ENUM_LIST, 0, 4, derogation_values, NULL,
     "B6 Voorwaarden art. 6(3)", "B6 Art. 6(3) conditions relied on"},
    {"status", AR_FT_ENUM, 0, 0, aia_status_values, NULL, "B8 Status", "B8 Status"},
    END,
};

/* Annex VIII Section C: public-authority deployer under Art. 49(3). */
static const struct ar_field annex_c[] = {
    {"deployer_name", AR_FT_TEXT, 0, 200, NULL, NULL, "C1 Naam gebruiksverantwoordelijke",
     "C1 Deployer name"},
    {"deployer_address", AR_FT_TEXT, 0, 500, NULL, NULL, "C1 Adres", "C1 Deployer address"},
    {"deployer_contact", AR_FT_TEXT, 0, 500, NULL, NULL, "C1 Contact", "C1 Deployer contact"},
    {"submitter", AR_FT_TEXT, 0, 500, NULL, NULL, "C2 Indiener", "C2 Submitter"},
    {"provider_entry_url", AR_FT_URL, 0, 500, NULL, NULL, "C3 URL registratie aanbieder",
     "C3 URL of the provider's entry"},
    {"fria_summary", AR_FT_TEXT, 0, 2500, NULL, NULL, "C4 Samenvatting FRIA (art. 27)",
     "C4 FRIA findings summary (Art. 27)"},
    {"dpia_summary", AR_FT_TEXT, 0, 2500, NULL, NULL, "C5 Samenvatting DPIA", "C5 DPIA summary"},
    END,
};

/* Annex IX: registration of real-world testing under Art. 60(4)(c). */
static const struct ar_field annex_ix[] = {
    {"test_id", AR_FT_TEXT, 0, 100, NULL, NULL, "IX1 Uniek testnummer", "IX1 Unique test id"},
    {"parties", AR_FT_TEXT, 0, 1000, NULL, NULL, "IX2 Aanbieder en gebruiksverantwoordelijken",
     "IX2 Provider and deployers with contacts"},
    {"description", AR_FT_TEXT, 0, 2500, NULL, NULL, "IX3 Beschrijving, doel en identificatie",
     "IX3 Description, intended purpose and identification"},
    {"testing_plan_summary", AR_FT_TEXT, 0, 2500, NULL, NULL, "IX4 Samenvatting testplan",
     "IX4 Summary of the testing plan"},
    {"suspension_or_termination", AR_FT_TEXT, 0, 1000, NULL, NULL, "IX5 Opschorting of beëindiging",
     "IX5 Suspension or termination"},
    END,
};

static const struct ar_field aiact[] = {
    {"annex_viii_a", AR_FT_OBJECT, 0, 0, NULL, annex_a, "Bijlage VIII deel A (aanbieder)",
     "Annex VIII Section A (provider)"},
    {"annex_viii_b", AR_FT_OBJECT, 0, 0, NULL, annex_b, "Bijlage VIII deel B (art. 6(3))",
     "Annex VIII Section B (Art. 6(3))"},
    {"annex_viii_c", AR_FT_OBJECT, 0, 0, NULL, annex_c,
     "Bijlage VIII deel C (gebruiksverantwoordelijke)", "Annex VIII Section C (deployer)"},
    {"annex_ix", AR_FT_OBJECT, 0, 0, NULL, annex_ix,
     "Bijlage IX (testen onder reële omstandigheden)", "Annex IX (real-world testing)"},
    END,
};

#define S AR_FF_SEARCH
#define I AR_FF_I18N
#define R AR_FF_REQUIRED
const struct ar_field ar_record_fields[] = {
    {"name", AR_FT_TEXT, R | I | S | AR_FF_LIST, 100, NULL, NULL, "Naam", "Name"},
    {"description_short", AR_FT_TEXT, R | I | S | AR_FF_LIST, 350, NULL, NULL, "Korte omschrijving",
     "Short description"},
    {"organization", AR_FT_TEXT, R | S | AR_FF_LIST, 100, NULL, NULL, "Organisatie",
     "Organisation"},
    {"category", AR_FT_ENUM_LIST, S, 3, ar_theme_values, NULL, "Thema", "Theme"},
    {"status", AR_FT_ENUM, R | AR_FF_LIST, 0, ar_status_values, NULL, "Status", "Status"},
    {"begin_date", AR_FT_MONTH, 0, 7, NULL, NULL, "Begindatum", "Start date"},
    {"end_date", AR_FT_MONTH, 0, 7, NULL, NULL, "Einddatum", "End date"},
    {"contact_email", AR_FT_EMAIL, R, 500, NULL, NULL, "Contact", "Contact"},
    {"website", AR_FT_URL, 0, 500, NULL, NULL, "Website", "Website"},
    {"publication_category", AR_FT_ENUM, R | AR_FF_LIST, 0, ar_pubcat_values, NULL,
     "Publicatiecategorie", "Publication category"},
    {"url", AR_FT_URL, 0, 500, NULL, NULL, "Link naar publiekspagina", "Link to public page"},
    {"goal", AR_FT_HTML, I | S, 2500, NULL, NULL, "Doel en impact", "Goal and impact"},
    {"proportionality", AR_FT_HTML, I | S, 2500, NULL, NULL, "Afwegingen", "Considerations"},
    {"human_intervention", AR_FT_HTML, I | S, 2500, NULL, NULL, "Menselijke tussenkomst",
     "Human intervention"},
    {"risks", AR_FT_HTML, I | S, 2500, NULL, NULL, "Risicobeheer", "Risk management"},
    {"lawful_basis", AR_FT_HTML, I | S, 2500, NULL, NULL, "Wettelijke basis", "Legal basis"},
    {"lawful_basis_grouping", AR_FT_LINKS, 0, 20, NULL, link_title100,
     "Links naar wettelijke basis", "Links to legal basis"},
    {"process_index_url", AR_FT_URL, 0, 500, NULL, NULL, "Link naar verwerkingsregister",
     "Link to processing register"},
    {"impacttoetsen", AR_FT_HTML, I | S, 2500, NULL, NULL, "Toelichting impacttoetsen",
     "Impact assessments explained"},
    {"impacttoetsen_grouping", AR_FT_LINKS, 0, 20, NULL, link_title500,
     "Impacttoetsen (DPIA, IAMA)", "Impact assessments (DPIA, IAMA)"},
    {"source_data", AR_FT_HTML, I | S, 2500, NULL, NULL, "Gegevens", "Data"},
    {"source_data_grouping", AR_FT_LINKS, 0, 20, NULL, link_title500, "Gegevensbronnen",
     "Data sources"},
    {"methods_and_models", AR_FT_HTML, I | S, 5000, NULL, NULL, "Technische werking",
     "Technical operation"},
    {"provider", AR_FT_TEXT, S, 200, NULL, NULL, "Leverancier", "Supplier"},
    {"publiccode", AR_FT_URL, 0, 500, NULL, NULL, "Link naar broncode", "Link to source code"},
    {"lang", AR_FT_ENUM, 0, 0, lang_values, NULL, "Taal", "Language"},
    {"standard_version", AR_FT_ENUM, 0, 0, stdver_values, NULL, "Versie publicatiestandaard",
     "Publication standard version"},
    {"source_id", AR_FT_TEXT, 0, 100, NULL, NULL, "Bron-ID", "Source id"},
    {"tags", AR_FT_TEXT, S, 2500, NULL, NULL, "Zoektermen", "Search terms"},
    {"lars", AR_FT_LARS, 0, 8, NULL, NULL, "Registratienummer", "Registration number"},
    {"safeguards", AR_FT_OBJECT, 0, 0, NULL, safeguards, "Waarborgen", "Safeguards"},
    {"aiact", AR_FT_OBJECT, 0, 0, NULL, aiact, "AI-verordening", "AI Act"},
    END,
};
#undef S
#undef I
#undef R

static const char *const g_general[] = {
    "name",    "description_short",    "organization", "category",
    "status",  "begin_date",           "end_date",     "contact_email",
    "website", "publication_category", "url",          NULL};
static const char *const g_responsible[] = {"goal",
                                            "proportionality",
                                            "human_intervention",
                                            "risks",
                                            "lawful_basis",
                                            "lawful_basis_grouping",
                                            "process_index_url",
                                            "impacttoetsen",
                                            "impacttoetsen_grouping",
                                            NULL};
static const char *const g_operation[] = {
    "source_data", "source_data_grouping", "methods_and_models", "provider", "publiccode", NULL};
static const char *const g_safeguards[] = {"safeguards", NULL};
static const char *const g_aiact[] = {"aiact", NULL};
static const char *const g_meta[] = {"lars", "lang", "standard_version", "source_id", "tags", NULL};

/* The first four groups are the standard's own tabs (layout v1_0). */
const struct ar_group ar_record_groups[] = {
    {"general", "Algemene informatie", "General information", g_general},
    {"responsible", "Verantwoord gebruik", "Responsible use", g_responsible},
    {"operation", "Werking", "Operation", g_operation},
    {"safeguards", "Waarborgen", "Safeguards", g_safeguards},
    {"aiact", "AI-verordening", "AI Act", g_aiact},
    {"metadata", "Metadata", "Metadata", g_meta},
    {NULL, NULL, NULL, NULL},
};

const struct ar_field *ar_fields_find(const struct ar_field *table, const char *key)
{
    for (; table && table->key; table++)
        if (strcmp(table->key, key) == 0)
            return table;
    return NULL;
}

const char *ar_field_label(const struct ar_field *f, const char *lang)
{
    return (lang && strcmp(lang, "en") == 0) ? f->label_en : f->label_nl;
}

int ar_fields_in(const char *const *values, const char *v)
{
    for (; values && *values; values++)
        if (strcmp(*values, v) == 0)
            return 1;
    return 0;
}
