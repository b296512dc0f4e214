/* config.c — read and check the AI Act settings; see config.h. */
#include "aiact/config.h"
#include "base/assets.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "json/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 3, 4))) static int bad(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return AR_EINVAL;
}

static int parse_date(const char *s, time_t *t)
{
    char buf[32];
    if (!s || strlen(s) != 10)
        return AR_EINVAL;
    snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
    return ar_clock_parse(t, buf);
}

static const char *const objectives[] = {"OBJ_I", "OBJ_II", "OBJ_III"};

int ar_aiact_cfg_parse(struct ar_aiact_cfg *out, const char *text, size_t len, char *why,
                       size_t whylen)
{
    json_t *root = NULL;
    char jwhy[160];
    int rc = 0;
    memset(out, 0, sizeof *out);
    out->rbi = ar_rbi_default_cfg;
    if (ar_json_parse(&root, text, len, &ar_json_default_limits, jwhy, sizeof jwhy))
        return bad(why, whylen, "not JSON: %s", jwhy);
    const char *t = ar_json_str(root, "text");
    if (!t || !*t || strlen(t) >= sizeof out->text) {
        rc = bad(why, whylen, "text: name the consolidated text (e.g. 02024R1689-20260727)");
        goto out;
    }
    snprintf(out->text, sizeof out->text, "%s", t);
    json_t *dates = json_object_get(root, "dates");
    const char *k;
    json_t *v;
    if (!json_is_object(dates) || json_object_size(dates) > AR_AIACT_MAX_DATES) {
        rc = bad(why, whylen, "dates: an object of at most %d keys", AR_AIACT_MAX_DATES);
        goto out;
    }
    json_object_foreach (dates, k, v) {
        time_t tt;
        if (strlen(k) >= sizeof out->dates[0].key || !json_is_string(v) ||
            parse_date(json_string_value(v), &tt)) {
            rc = bad(why, whylen, "dates.%s: a date YYYY-MM-DD", k);
            goto out;
        }
        snprintf(out->dates[out->ndates].key, sizeof out->dates[0].key, "%s", k);
        snprintf(out->dates[out->ndates].date, sizeof out->dates[0].date, "%s",
                 json_string_value(v));
        out->dates[out->ndates++].t = tt;
    }
    static const char *const needed[] = {
        "aia.ch1_ch2",    "aia.art5_preconditions", "aia.general",    "aia.registration",
        "aia.art5_ba_bb", "aia.hr_annex_iii",       "aia.hr_annex_i", NULL};
    for (const char *const *n = needed; *n; n++)
        if (!ar_aiact_cfg_date(out, *n, NULL)) {
            rc = bad(why, whylen, "dates.%s: required", *n);
            goto out;
        }
    snprintf(out->reading, sizeof out->reading, "%s",
             ar_json_str(root, "registration_reading") ? ar_json_str(root, "registration_reading")
                                                       : "literal");
    json_t *nl = json_object_get(root, "nl_art5_5");
    if (nl) {
        json_t *en = json_object_get(nl, "enabled");
        if (!json_is_boolean(en)) {
            rc = bad(why, whylen, "nl_art5_5.enabled: true or false");
            goto out;
        }
        out->rbi.national_law = json_is_true(en);
        size_t i;
        json_array_foreach (json_object_get(nl, "allowed_objectives"), i, v) {
            int found = -1;
            for (int j = 0; j < 3; j++)
                if (json_is_string(v) && strcmp(json_string_value(v), objectives[j]) == 0)
                    found = j;
            if (found < 0) {
                rc = bad(why, whylen,
                         "nl_art5_5.allowed_objectives: OBJ_I, OBJ_II or OBJ_III (Art. 5(1)(h))");
                goto out;
            }
            out->rbi.objectives |= 1u << found;
        }
        json_array_foreach (json_object_get(nl, "allowed_offences"), i, v) {
            const char *o = json_string_value(v);
            int num = o && strlen(o) == 6 && strncmp(o, "AII_", 4) == 0 ? atoi(o + 4) : 0;
            if (num < 1 || num > 16) {
                rc = bad(why, whylen, "nl_art5_5.allowed_offences: AII_01 to AII_16 (Annex II)");
                goto out;
            }
            out->rbi.offences |= 1ul << (num - 1);
        }
    }
    json_t *d = json_object_get(root, "durations");
    json_t *uh = json_object_get(d, "urgent_request_hours"),
           *ph = json_object_get(d, "post_request_hours");
    if (uh) {
        if (!json_is_integer(uh) || json_integer_value(uh) < 1 || json_integer_value(uh) > 24) {
            rc = bad(why, whylen,
                     "durations.urgent_request_hours: 1 to 24 (Art. 5(3) allows at most 24)");
            goto out;
        }
        out->rbi.urgent_hours = (int)json_integer_value(uh);
    }
    if (ph) {
        if (!json_is_integer(ph) || json_integer_value(ph) < 1 || json_integer_value(ph) > 48) {
            rc = bad(why, whylen,
                     "durations.post_request_hours: 1 to 48 (Art. 26(10) allows at most 48)");
            goto out;
        }
        out->rbi.post_hours = (int)json_integer_value(ph);
    }
    out->art14_5_disproportionate = json_is_true(json_object_get(root, "art14_5_disproportionate"));
out:
    json_decref(root);
    return rc;
}

int ar_aiact_cfg_load(struct ar_aiact_cfg *out, const char *path, char *why, size_t whylen)
{
    if (!path) {
        const struct ar_asset *a = ar_asset_find("aiact/config.json");
        if (!a)
            return bad(why, whylen, "the embedded AI Act configuration is missing");
        return ar_aiact_cfg_parse(out, a->data, a->len, why, whylen);
    }
    struct ar_buf b;
    ar_buf_init(&b, 1u << 20);
    int rc = ar_buf_read_file(&b, path);
    if (rc)
        bad(why, whylen, rc == AR_ETOOBIG ? "%s: larger than 1 MiB" : "cannot read %s", path);
    else
        rc = ar_aiact_cfg_parse(out, b.ptr ? b.ptr : "", b.len, why, whylen);
    ar_buf_free(&b);
    return rc;
}

const char *ar_aiact_cfg_date(const struct ar_aiact_cfg *c, const char *key, time_t *t)
{
    for (int i = 0; i < c->ndates; i++)
        if (strcmp(c->dates[i].key, key) == 0) {
            if (t)
                *t = c->dates[i].t;
            return c->dates[i].date;
        }
    return NULL;
}

json_t *ar_aiact_cfg_json(const struct ar_aiact_cfg *c)
{
    json_t *dates = json_object(), *objs = json_array(), *offs = json_array();
    for (int i = 0; i < c->ndates; i++)
        json_object_set_new(dates, c->dates[i].key, json_string(c->dates[i].date));
    for (int i = 0; i < 3; i++)
        if (c->rbi.objectives & (1u << i))
            json_array_append_new(objs, json_string(objectives[i]));
    for (int i = 0; i < 16; i++)
        if (c->rbi.offences & (1ul << i)) {
            char code[8];
            snprintf(code, sizeof code, "AII_%02d", i + 1);
            json_array_append_new(offs, json_string(code));
        }
    return json_pack("{s:s, s:o, s:s, s:{s:b, s:o, s:o}, s:{s:i, s:i}, s:b}", "text", c->text,
                     "dates", dates, "registration_reading", c->reading, "nl_art5_5", "enabled",
                     c->rbi.national_law, "allowed_objectives", objs, "allowed_offences", offs,
                     "durations", "urgent_request_hours", c->rbi.urgent_hours, "post_request_hours",
                     c->rbi.post_hours, "art14_5_disproportionate", c->art14_5_disproportionate);
}
