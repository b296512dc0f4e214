/* config.h — the AI Act settings that are facts of law or policy rather than code: the
 * dates from which each group of obligations applies (they moved with Reg. 2026/1744 and
 * may move again), what Dutch law allows under Art. 5(5), and the request deadlines of
 * Art. 5(3) and 26(10). Shipped as data/aiact/config.json (embedded); an operator points
 * algoreg at another file with --aiact-config. Shared AI_ACT.md §0, §2.2. */
#ifndef AR_AIACT_CONFIG_H
#define AR_AIACT_CONFIG_H

#include <jansson.h>
#include <time.h>

#include "aiact/rbi.h"

#define AR_AIACT_MAX_DATES 24

struct ar_aiact_cfg {
    char text[40]; /* consolidated text the rules follow, e.g. "02024R1689-20260727" */
    struct {
        char key[40];  /* "aia.hr_annex_iii" */
        char date[11]; /* YYYY-MM-DD, UTC */
        time_t t;
    } dates[AR_AIACT_MAX_DATES];
    int ndates;
    char reading[200];            /* which reading of the Art. 49/71 date is used */
    struct ar_rbi_cfg rbi;        /* Art. 5(5) allow-lists and the request deadlines */
    int art14_5_disproportionate; /* national law waives the two-person check (Art. 14(5)) */
};

/* Parse config JSON; on failure why names the key and the rule. Deadlines above the
 * Act's maxima (24 h, 48 h) are refused: configuration may shorten them, never extend. */
int ar_aiact_cfg_parse(struct ar_aiact_cfg *out, const char *text, size_t len, char *why,
                       size_t whylen);
/* The embedded default, or FILE when path is not NULL. */
int ar_aiact_cfg_load(struct ar_aiact_cfg *out, const char *path, char *why, size_t whylen);
/* The date a key starts (YYYY-MM-DD) or NULL for an unknown key; *t its midnight UTC. */
const char *ar_aiact_cfg_date(const struct ar_aiact_cfg *c, const char *key, time_t *t);
/* The configuration as JSON (dates, national law, deadlines) for the API and pages. */
json_t *ar_aiact_cfg_json(const struct ar_aiact_cfg *c);

#endif
