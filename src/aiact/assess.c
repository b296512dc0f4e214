/* assess.c — normalise a tree's conclusion and derive the obligations; see assess.h. */
#include "aiact/assess.h"
#include "base/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the obligations depend on, whichever tree produced it. */
struct facts {
    const char *scope; /* "in_scope", "not_algorithm", "not_ai", "excluded", "no_role" */
    int provider, deployer, importer, distributor;
    const char *type; /* "ai_system", "gpai_system", "gpai_model" */
    const char *risk; /* "prohibited", "high_risk", "not_high_risk_6_3", "not_high_risk",
                         "minimal", "gpai_systemic", "gpai_open_source", "gpai" */
    int transparency, transparency_exempt, profiling;
    int rbi_rt, rbi_rt_exception, rbi_post;
    int point;     /* Annex III point: 1..8, 0 unknown, -1 none */
    int le_area;   /* law enforcement, migration, asylum or border control */
    int art5_babb; /* prohibition of 5(1)(ba)/(bb), which starts later */
    json_t *prohibitions, *annex, *derog, *trans, *flags;
};

static int has(const json_t *labels, const char *l)
{
    size_t i;
    json_t *v;
    json_array_foreach (labels, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), l) == 0)
            return 1;
    return 0;
}

/* Labels with a prefix ("annex-iii:") copied without it into arr. */
static void suffixes(const json_t *labels, const char *prefix, json_t *arr)
{
    size_t i, n = strlen(prefix);
    json_t *v;
    json_array_foreach (labels, i, v) {
        const char *s = json_string_value(v);
        if (s && strncmp(s, prefix, n) == 0 && s[n])
            json_array_append_new(arr, json_string(s + n));
    }
}

static void flag(struct facts *f, const char *rule, const char *severity, const char *msg)
{
    json_array_append_new(
        f->flags, json_pack("{s:s, s:s, s:s}", "rule", rule, "severity", severity, "message", msg));
}

/* The answer index given to question q on the run's path, or -1. */
static int answered(const json_t *run, const char *q)
{
    size_t i;
    json_t *step;
    json_array_foreach (json_object_get(run, "path"), i, step) {
        const char *id = json_string_value(json_object_get(step, "question"));
        if (id && strcmp(id, q) == 0)
            return (int)json_integer_value(json_object_get(step, "answer"));
    }
    return -1;
}

/* algoreg's own tree: the labels say everything. */
static void from_algoreg(struct facts *f, const json_t *run, const struct ar_aiact_cfg *cfg)
{
    const json_t *L = json_object_get(run, "labels");
    const char *c = json_string_value(json_object_get(run, "conclusion"));
    f->type = "ai_system";
    f->provider = has(L, "role:provider");
    f->deployer = has(L, "role:deployer");
    suffixes(L, "art5:", f->prohibitions);
    suffixes(L, "annex-iii:", f->annex);
    suffixes(L, "derogation:", f->derog);
    suffixes(L, "transparency:", f->trans);
    f->profiling = has(L, "profiling");
    f->transparency = has(L, "transparency") && !has(L, "transparency:le-exception");
    f->transparency_exempt = has(L, "transparency:le-exception");
    f->rbi_rt = has(L, "rbi:realtime");
    f->rbi_rt_exception = has(L, "art5:1(h)-exception");
    f->rbi_post = has(L, "rbi:post");
    f->art5_babb = has(L, "art5:1(ba)-(bb)");
    if (has(L, "scope:not-ai"))
        f->scope = "not_ai";
    else if (has(L, "scope:excluded"))
        f->scope = "excluded";
    if (!strcmp(c, "AR.PROHIBITED"))
        f->risk = "prohibited";
    else if (!strncmp(c, "AR.HIGH_RISK", 12))
        f->risk = "high_risk";
    else if (!strncmp(c, "AR.NOT_HIGH_RISK_6_3", 20))
        f->risk = "not_high_risk_6_3";
    else if (!strcmp(c, "AR.TRANSPARENCY") || !strcmp(c, "AR.MINIMAL"))
        f->risk = "minimal";
    f->point = -1;
    size_t i;
    json_t *v;
    json_array_foreach (f->annex, i, v) {
        const char *a = json_string_value(v);
        int p = a[0] >= '1' && a[0] <= '8' ? a[0] - '0' : 0;
        if (f->point <= 0 || p == 1 || p == 6 || p == 7)
            f->point = p; /* the law-enforcement points decide the section */
    }
    f->le_area = f->point == 1 || f->point == 6 || f->point == 7;
    if (f->rbi_rt_exception && !cfg->rbi.national_law)
        flag(f, "R-5.5-NL", "error",
             "Art. 5(1)(h): no national law under Art. 5(5) allows real-time remote biometric"
             " identification; with the current configuration every use is refused");
}

/* The official decision aid: the conclusion code R.T.K, and the path for the questions
 * with legal weight (§5.3, §5.5). */
static void from_official(struct facts *f, const json_t *run, const struct ar_aiact_cfg *cfg)
{
    const json_t *L = json_object_get(run, "labels");
    const char *c = json_string_value(json_object_get(run, "conclusion"));
    int r = 0, t = -1, k = -1;
    if (!strcmp(c, "11.0"))
        f->scope = "not_algorithm";
    else if (!strcmp(c, "11.1"))
        f->scope = "not_ai";
    else if (!strcmp(c, "11.2"))
        f->scope = "excluded";
    else if (!strcmp(c, "11.3"))
        f->scope = "no_role";
    else if (sscanf(c, "%d.%d.%d", &r, &t, &k) != 3)
        f->scope = "unknown";
    f->provider = r == 12 || r == 14;
    f->deployer = r == 13 || r == 14;
    f->importer = r == 15;
    f->distributor = r == 16;
    f->type = t == 2 ? "gpai_model" : t == 1 ? "gpai_system" : "ai_system";
    if (t == 2)
        f->risk = k == 1 ? "gpai_systemic" : k == 2 ? "gpai_open_source" : "gpai";
    else if (k == 0)
        f->risk = "prohibited";
    else if (k == 1 || k == 2)
        f->risk = "high_risk";
    else if (k == 3 || k == 4)
        f->risk = "not_high_risk";
    f->transparency =
        t != 2 && ((r <= 14 && (k == 1 || k == 3)) || has(L, "transparantieverplichting"));
    int exc = answered(run, "2.2") == 0, annex = answered(run, "2.4") == 0,
        derog = answered(run, "2.6") == 0;
    f->profiling = answered(run, "2.5") == 0;
    f->rbi_rt = f->rbi_rt_exception = exc;
    f->point = exc ? 1 : annex ? 0 : -1;
    f->le_area = exc;
    if (exc)
        json_array_append_new(f->annex, json_string("1(a)"));
    if (derog && f->risk && !strcmp(f->risk, "not_high_risk")) {
        f->risk = "not_high_risk_6_3";
        json_array_append_new(f->derog, json_string("6(3)"));
    }
    if (f->risk && !strcmp(f->risk, "not_high_risk") && !annex)
        f->risk = "minimal";
    if (exc && !cfg->rbi.national_law)
        flag(f, "R-5.5-NL", "error",
             "question 2.2 answered Ja, but no national law under Art. 5(5) allows real-time"
             " remote biometric identification: every use is refused (Art. 5(1)(h))");
    if (exc && (answered(run, "2.4") == 1 || derog || !strcmp(c, "11.2")))
        flag(f, "AIII-1a", "warning",
             "real-time remote biometric identification is always Annex III point 1(a): check"
             " the answers to 2.4 and 2.6 and any Art. 2 exclusion");
    if (!strcmp(c, "15.0.1") || !strcmp(c, "16.0.1"))
        flag(f, "5.5-labels", "info",
             "the decision aid gives no hoog-risico label here; the risk is read from the"
             " conclusion code");
    if (annex && !exc && f->risk && strcmp(f->risk, "prohibited") != 0)
        flag(f, "Art. 49(4)", "warning",
             "the official decision aid does not record which Annex III point applies, so the"
             " EU database section (public or secure, Art. 49(4)) is undetermined; answer"
             " algoreg's own tree to settle it");
}

struct obligation {
    const char *id, *article, *date_key, *nl, *en;
};

static const struct obligation ob_register = {
    "national_register", "Algoritmekader bzk-01", NULL,
    "Publiceren in het algoritmeregister (impactvolle algoritmes en hoog-risico AI), tenzij een"
    " uitsluitingsgrond geldt; voor opsporing tijdelijk en zo gedeeltelijk mogelijk",
    "Publish in the algorithm register (impactful algorithms and high-risk AI) unless a ground for"
    " exclusion applies; for investigations only temporarily and as partially as possible"};
static const struct obligation ob_literacy = {
    "ai_literacy", "Art. 4", "aia.ch1_ch2", "Zorgen voor voldoende AI-geletterdheid van personeel",
    "Ensure a sufficient level of AI literacy of staff"};
static const struct obligation ob_prohibited = {
    "prohibited", "Art. 5", "aia.ch1_ch2",
    "Verboden praktijk: niet in de handel brengen, in gebruik nemen of gebruiken",
    "Prohibited practice: do not place on the market, put into service or use"};
static const struct obligation ob_prohibited_babb = {
    "prohibited", "Art. 5(1)(ba), (bb)", "aia.art5_ba_bb",
    "Verboden praktijk: niet in de handel brengen, in gebruik nemen of gebruiken",
    "Prohibited practice: do not place on the market, put into service or use"};
static const struct obligation ob_rt_use = {
    "realtime_rbi_authorisation", "Art. 5(2)-(7)", "aia.ch1_ch2",
    "Elk real-time gebruik: alleen voor een doel van art. 5(1)(h) dat een nationale wet toestaat,"
    " vooraf toestemming van een rechterlijke of onafhankelijke instantie (spoed: binnen 24 uur),"
    " melding aan markttoezicht en gegevensbeschermingsautoriteit",
    "Each real-time use: only for an Art. 5(1)(h) objective that national law allows, prior"
    " authorisation by a judicial or independent authority (urgency: within 24 hours), notified"
    " to the market surveillance and data-protection authorities"};
static const struct obligation ob_rt_pre = {
    "realtime_rbi_preconditions", "Art. 5(2), 27, 49", "aia.art5_preconditions",
    "Vóór real-time gebruik: grondrechteneffectbeoordeling afgerond en systeem geregistreerd",
    "Before real-time use: fundamental-rights impact assessment completed and system registered"};
static const struct obligation ob_prov_hr = {
    "provider_requirements", "Art. 8-17, 72, 73", "aia.hr_annex_iii",
    "Eisen aan hoog-risicosystemen: risicobeheer, datagovernance, technische documentatie,"
    " logging, informatie voor gebruikers, menselijk toezicht, nauwkeurigheid, kwaliteitsbeheer,"
    " monitoring na het in de handel brengen en melding van ernstige incidenten",
    "High-risk requirements: risk management, data governance, technical documentation, logging,"
    " information for deployers, human oversight, accuracy, quality management, post-market"
    " monitoring and reporting of serious incidents"};
static const struct obligation ob_conformity = {
    "conformity", "Art. 43, 47, 48", "aia.hr_annex_iii",
    "Conformiteitsbeoordeling, EU-conformiteitsverklaring en CE-markering",
    "Conformity assessment, EU declaration of conformity and CE marking"};
static const struct obligation ob_reg_a = {
    "eu_registration_provider", "Art. 49(1), bijlage VIII A", "aia.registration",
    "Registratie door de aanbieder in de EU-databank vóór het in gebruik nemen",
    "Registration by the provider in the EU database before putting into service"};
static const struct obligation ob_doc_63 = {
    "derogation_documented", "Art. 6(4)", "aia.hr_annex_iii",
    "De beoordeling dat het systeem geen hoog risico vormt, vastleggen vóór het in gebruik nemen",
    "Document the assessment that the system is not high-risk before putting it into service"};
static const struct obligation ob_reg_b = {
    "eu_registration_derogation", "Art. 49(2), bijlage VIII B", "aia.registration",
    "Registratie van het systeem en de conclusie 'geen hoog risico' in de EU-databank",
    "Register the system and the not-high-risk conclusion in the EU database"};
static const struct obligation ob_deployer = {
    "deployer_duties", "Art. 26(1)-(6), 26(9), 26(11)", "aia.hr_annex_iii",
    "Gebruik volgens de gebruiksaanwijzing, menselijk toezicht door bekwame personen,"
    " representatieve invoer, monitoring, logs ten minste zes maanden bewaren, DPIA, betrokkenen"
    " informeren",
    "Use per the instructions, human oversight by competent persons, representative input data,"
    " monitoring, keep logs at least six months, DPIA, inform the persons concerned"};
static const struct obligation ob_reg_c = {
    "eu_registration_deployer", "Art. 26(8), 49(3), bijlage VIII C", "aia.registration",
    "Overheidsgebruiker registreert het gebruik in de EU-databank; niet gebruiken zolang het"
    " systeem daar niet staat",
    "Public-authority deployer registers its use in the EU database; do not use the system while"
    " it is not registered there"};
static const struct obligation ob_fria = {
    "fria", "Art. 27", "aia.hr_annex_iii",
    "Grondrechteneffectbeoordeling (IAMA) vóór het eerste gebruik, en melding van de uitkomst aan"
    " de markttoezichthouder",
    "Fundamental-rights impact assessment (IAMA) before first use, results notified to the market"
    " surveillance authority"};
static const struct obligation ob_post = {
    "post_rbi_authorisation", "Art. 26(10)", "aia.hr_annex_iii",
    "Elk gebruik achteraf: gekoppeld aan een specifiek strafbaar feit, vooraf of binnen 48 uur"
    " toestemming, bij afwijzing stoppen en gegevens verwijderen, jaarverslag",
    "Each post use: linked to a specific offence, authorisation before or within 48 hours, on"
    " rejection stop and delete the data, annual report"};
static const struct obligation ob_two = {
    "two_person_verification", "Art. 14(5)", "aia.hr_annex_iii",
    "Geen handeling op een identificatie zonder controle en bevestiging door ten minste twee"
    " bevoegde personen",
    "No action on an identification unless verified and confirmed by at least two competent"
    " persons"};
static const struct obligation ob_art50 = {
    "transparency", "Art. 50", "aia.general",
    "Transparantieplichten: mensen informeren dat zij met AI te maken hebben of dat inhoud"
    " kunstmatig is gemaakt",
    "Transparency duties: inform people that they interact with AI or that content is artificial"};
static const struct obligation ob_art50_le = {
    "transparency_exception", "Art. 50(1)-(4)", "aia.general",
    "Uitzondering voor rechtshandhaving op de transparantieplichten, met waarborgen voor derden",
    "Law-enforcement exception to the transparency duties, with safeguards for third parties"};
static const struct obligation ob_gpai = {
    "gpai_provider", "Art. 53, 54", "aia.gpai",
    "Aanbieder van een AI-model voor algemene doeleinden: documentatie, auteursrechtbeleid,"
    " samenvatting van trainingsdata",
    "Provider of a general-purpose AI model: documentation, copyright policy, training-data"
    " summary"};
static const struct obligation ob_gpai_sys = {
    "gpai_systemic", "Art. 55", "aia.gpai",
    "Model met systeemrisico: evaluatie, risicobeperking, incidentmelding, cyberbeveiliging",
    "Model with systemic risk: evaluation, mitigation, incident reporting, cybersecurity"};
static const struct obligation ob_codes = {
    "codes_of_conduct", "Art. 95", "aia.general",
    "Vrijwillige gedragscodes voor AI-systemen zonder hoog risico",
    "Voluntary codes of conduct for AI systems that are not high-risk"};

static void add(json_t *arr, const struct obligation *o, const struct ar_aiact_cfg *cfg,
                const char *extra_en)
{
    const char *date = o->date_key ? ar_aiact_cfg_date(cfg, o->date_key, NULL) : NULL;
    json_t *ob = json_pack("{s:s, s:s, s:s, s:s}", "id", o->id, "article", o->article, "nl", o->nl,
                           "en", o->en);
    json_object_set_new(ob, "date_key", o->date_key ? json_string(o->date_key) : json_null());
    json_object_set_new(ob, "applies_from", date ? json_string(date) : json_null());
    if (extra_en)
        json_object_set_new(ob, "note", json_string(extra_en));
    json_array_append_new(arr, ob);
}

static int is(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

static json_t *obligations(const struct facts *f, const struct ar_aiact_cfg *cfg)
{
    json_t *o = json_array();
    add(o, &ob_register, cfg, NULL);
    if (!is(f->scope, "in_scope"))
        return o;
    if (is(f->risk, "prohibited")) {
        add(o, f->art5_babb ? &ob_prohibited_babb : &ob_prohibited, cfg, NULL);
        return o;
    }
    add(o, &ob_literacy, cfg, NULL);
    int high = is(f->risk, "high_risk"), secure = f->le_area;
    const char *section_note =
        secure ? "secure non-public section, whitelisted fields only (Art. 49(4))" : NULL;
    if (f->rbi_rt && f->rbi_rt_exception) {
        add(o, &ob_rt_use, cfg, NULL);
        add(o, &ob_rt_pre, cfg, NULL);
    }
    if (high && (f->provider || f->importer || f->distributor)) {
        add(o, &ob_prov_hr, cfg, NULL);
        add(o, &ob_conformity, cfg, NULL);
    }
    if (high && f->provider)
        add(o, &ob_reg_a, cfg, section_note);
    if (is(f->risk, "not_high_risk_6_3") && f->provider) {
        add(o, &ob_doc_63, cfg, NULL);
        add(o, &ob_reg_b, cfg, section_note);
    }
    if (high && f->deployer) {
        add(o, &ob_deployer, cfg, NULL);
        add(o, &ob_reg_c, cfg, section_note);
        add(o, &ob_fria, cfg, NULL);
    }
    if (f->rbi_post && f->deployer)
        add(o, &ob_post, cfg, NULL);
    if ((f->rbi_rt || f->rbi_post) && !cfg->art14_5_disproportionate)
        add(o, &ob_two, cfg, NULL);
    if (f->transparency)
        add(o, &ob_art50, cfg, NULL);
    if (f->transparency_exempt)
        add(o, &ob_art50_le, cfg, NULL);
    if (is(f->type, "gpai_model") && f->provider)
        add(o, &ob_gpai, cfg, NULL);
    if (is(f->risk, "gpai_systemic") && f->provider)
        add(o, &ob_gpai_sys, cfg, NULL);
    if (!high && !is(f->type, "gpai_model"))
        add(o, &ob_codes, cfg, NULL);
    return o;
}

json_t *ar_aiact_assess(const json_t *run, const json_t *tree, const struct ar_aiact_cfg *cfg)
{
    struct facts f = {.scope = "in_scope",
                      .point = -1,
                      .prohibitions = json_array(),
                      .annex = json_array(),
                      .derog = json_array(),
                      .trans = json_array(),
                      .flags = json_array()};
    const char *c = json_string_value(json_object_get(run, "conclusion"));
    int own = c && strncmp(c, "AR.", 3) == 0;
    if (own)
        from_algoreg(&f, run, cfg);
    else if (c)
        from_official(&f, run, cfg);
    const char *section = "none";
    if (is(f.risk, "high_risk") || is(f.risk, "not_high_risk_6_3"))
        section = f.point == 0   ? "undetermined"
                  : f.le_area    ? "secure"
                  : f.point == 2 ? "national"
                                 : "public";
    json_t *annex_viii = json_array();
    if (is(f.risk, "high_risk") && f.provider)
        json_array_append_new(annex_viii, json_string("A"));
    if (is(f.risk, "not_high_risk_6_3") && f.provider)
        json_array_append_new(annex_viii, json_string("B"));
    if (is(f.risk, "high_risk") && f.deployer)
        json_array_append_new(annex_viii, json_string("C"));
    json_t *roles = json_array();
    if (f.provider)
        json_array_append_new(roles, json_string("provider"));
    if (f.deployer)
        json_array_append_new(roles, json_string("deployer"));
    if (f.importer)
        json_array_append_new(roles, json_string("importer"));
    if (f.distributor)
        json_array_append_new(roles, json_string("distributor"));
    json_t *out = json_pack(
        "{s:s, s:O?, s:s?, s:s, s:o, s:s?, s:s?, s:o, s:o, s:o, s:b, s:o, s:b, s:s?, s:s, s:o,"
        " s:o, s:o, s:O?}",
        "text", cfg->text, "tree", tree, "conclusion", c, "scope", f.scope, "roles", roles,
        "system_type", is(f.scope, "in_scope") ? f.type : NULL, "risk",
        is(f.scope, "in_scope") ? f.risk : NULL, "prohibitions", f.prohibitions, "annex_iii",
        f.annex, "derogation", f.derog, "profiling", f.profiling, "transparency", f.trans,
        "transparency_exempt", f.transparency_exempt, "rbi",
        f.rbi_rt     ? "realtime"
        : f.rbi_post ? "post"
                     : NULL,
        "eu_section", section, "annex_viii", annex_viii, "obligations", obligations(&f, cfg),
        "flags", f.flags, "labels", json_object_get(run, "labels"));
    return out;
}

void ar_aiact_in_force(json_t *assessment, time_t now)
{
    char today[24];
    ar_clock_fmt(today, sizeof today, now);
    today[10] = '\0';
    size_t i;
    json_t *ob;
    json_array_foreach (json_object_get(assessment, "obligations"), i, ob) {
        const char *d = json_string_value(json_object_get(ob, "applies_from"));
        json_object_set_new(ob, "in_force", json_boolean(!d || strcmp(today, d) >= 0));
    }
}
