/* registry.c — record operations over the store; see registry.h. */
#include "model/registry.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "json/json.h"
#include "model/lars.h"
#include "model/record.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

struct prepared {
    struct ar_reg_write w;
    struct ar_buf nl, en;
    char *doc;
    char created[32];
};

static void prepared_free(struct prepared *p)
{
    ar_buf_free(&p->nl);
    ar_buf_free(&p->en);
    free(p->doc);
}

/* Fill the store's write struct from a validated record (rec owns the strings). */
static int prepare(struct prepared *p, json_t *rec, const char *lars, const char *author,
                   const char *note)
{
    memset(p, 0, sizeof *p);
    ar_buf_init(&p->nl, 0);
    ar_buf_init(&p->en, 0);
    json_object_set_new(rec, "lars", json_string(lars));
    p->doc = ar_json_canon_str(rec);
    if (!p->doc)
        return AR_EINVAL;
    ar_record_text(rec, &p->nl, &p->en);
    ar_clock_fmt(p->created, sizeof p->created, ar_clock_now());
    json_t *en = json_object_get(rec, "en");
    struct ar_reg_write *w = &p->w;
    w->lars = json_string_value(json_object_get(rec, "lars"));
    w->org_name = ar_json_str(rec, "organization");
    w->doc = p->doc;
    /* A public projection of a withheld record may lack these (src/exception). */
    w->name = ar_json_str(rec, "name") ? ar_json_str(rec, "name") : "";
    w->descr = ar_json_str(rec, "description_short") ? ar_json_str(rec, "description_short") : "";
    w->name_en = ar_json_str(en, "name");
    w->descr_en = ar_json_str(en, "description_short");
    w->status = ar_json_str(rec, "status") ? ar_json_str(rec, "status") : "";
    w->pubcat =
        ar_json_str(rec, "publication_category") ? ar_json_str(rec, "publication_category") : "";
    w->is_ai = ar_record_is_ai(rec);
    json_t *cat = json_object_get(rec, "category");
    for (size_t i = 0; i < json_array_size(cat) && i < 3; i++)
        w->themes[w->nthemes++] = json_string_value(json_array_get(cat, i));
    w->text_nl = ar_buf_cstr(&p->nl);
    w->text_en = ar_buf_cstr(&p->en);
    w->source_id = ar_json_str(rec, "source_id");
    w->author = author;
    w->note = note ? note : "";
    w->created = p->created;
    return 0;
}

static int check_meta(const char *author, const char *note, json_t *problems)
{
    if (!author || !*author || strlen(author) > 200) {
        ar_problem_add(problems, "author", "required",
                       "an author of at most 200 bytes is required");
        return AR_EINVAL;
    }
    if (note && strlen(note) > 1000) {
        ar_problem_add(problems, "change_note", "max_length",
                       "change_note is longer than 1000 bytes");
        return AR_EINVAL;
    }
    return 0;
}

static void fill_info(struct ar_version_info *info, int version, const struct prepared *p)
{
    uint8_t digest[crypto_hash_sha256_BYTES];
    if (!info)
        return;
    info->version = version;
    snprintf(info->created, sizeof info->created, "%s", p->created);
    crypto_hash_sha256(digest, (const uint8_t *)p->doc, strlen(p->doc));
    sodium_bin2hex(info->sha256, sizeof info->sha256, digest, sizeof digest);
}

int ar_registry_create(struct ar_store *s, const json_t *in, const char *author, const char *note,
                       json_t *problems, char lars_out[9], struct ar_version_info *info)
{
    json_t *rec = NULL;
    struct prepared p;
    int rc, have_p = 0, in_tx = 0;
    char lars[9];
    if ((rc = check_meta(author, note, problems)))
        return rc;
    if ((rc = ar_record_validate(&rec, in, problems)))
        goto out;
    const char *given = ar_json_str(rec, "lars");
    if (given)
        snprintf(lars, sizeof lars, "%s", given);
    else
        ar_lars_generate(lars);
    if ((rc = prepare(&p, rec, lars, author, note)))
        goto out;
    have_p = 1;
    if ((rc = ar_store_begin(s)))
        goto out;
    in_tx = 1;
    for (int attempt = 0;; attempt++) {
        rc = ar_store_reg_insert(s, &p.w);
        if (rc != AR_ECONFLICT || given || attempt >= 5)
            break;
        /* A generated id collided: draw another (10^7 ids, so rare). */
        ar_lars_generate(lars);
        prepared_free(&p);
        if ((rc = prepare(&p, rec, lars, author, note)))
            goto out;
    }
    if (rc == AR_ECONFLICT)
        ar_problem_add(problems, "lars", "unique", "registration %s already exists", lars);
    if (rc)
        goto out;
    if ((rc = ar_store_commit(s)))
        goto out;
    in_tx = 0;
    memcpy(lars_out, lars, 9);
    fill_info(info, 1, &p);
out:
    if (in_tx)
        ar_store_rollback(s);
    if (have_p)
        prepared_free(&p);
    json_decref(rec);
    return rc;
}

int ar_registry_update(struct ar_store *s, const char *lars, const json_t *in, const char *author,
                       const char *note, int base_version, json_t *problems, int *version_out,
                       int *changed, struct ar_version_info *info)
{
    json_t *rec = NULL, *cur = NULL;
    struct prepared p;
    int rc, have_p = 0, in_tx = 0;
    *changed = 0;
    if ((rc = check_meta(author, note, problems)))
        return rc;
    if ((rc = ar_record_validate(&rec, in, problems)))
        goto out;
    /* A withheld registration changes only by publication (src/exception): an update
     * here, through the API or an import, would publish the withheld content. */
    json_t *wh = NULL;
    if (ar_store_wh_get(s, lars, &wh) == 0 &&
        strcmp(ar_json_str(wh, "state") ? ar_json_str(wh, "state") : "", "withheld") == 0) {
        json_decref(wh);
        ar_problem_add(problems, "id", "withheld",
                       "registration %s is withheld: it changes when it is published (at the end"
                       " date or when the investigation is closed)",
                       lars);
        rc = AR_ECONFLICT;
        goto out;
    }
    json_decref(wh);
    const char *given = ar_json_str(rec, "lars");
    if (given && strcmp(given, lars) != 0) {
        ar_problem_add(problems, "lars", "immutable",
                       "lars %s differs from the registration's id %s; ids never change", given,
                       lars);
        rc = AR_EINVAL;
        goto out;
    }
    if ((rc = prepare(&p, rec, lars, author, note)))
        goto out;
    have_p = 1;
    if ((rc = ar_store_begin(s)))
        goto out;
    in_tx = 1;
    if ((rc = ar_store_version_get(s, lars, 0, &cur)))
        goto out;
    int latest = (int)json_integer_value(json_object_get(cur, "version"));
    if (base_version > 0 && base_version != latest) {
        ar_problem_add(problems, "base_version", "stale",
                       "version %d is not the latest (%d): someone changed this registration"
                       " meanwhile",
                       base_version, latest);
        rc = AR_ECONFLICT;
        goto out;
    }
    if (strcmp(ar_json_str(cur, "doc"), p.doc) == 0) {
        *version_out = latest;
        /* Nothing was written: end the transaction normally (a rollback would mark
         * an enclosing bulk transaction as failed). */
        rc = ar_store_commit(s);
        in_tx = 0;
        rc = 0;
        goto out;
    }
    if ((rc = ar_store_reg_append(s, &p.w, latest, version_out)))
        goto out;
    if ((rc = ar_store_commit(s)))
        goto out;
    in_tx = 0;
    *changed = 1;
    fill_info(info, *version_out, &p);
out:
    if (in_tx)
        ar_store_rollback(s);
    if (have_p)
        prepared_free(&p);
    json_decref(rec);
    json_decref(cur);
    return rc;
}

int ar_registry_upsert(struct ar_store *s, const json_t *in, const char *author, const char *note,
                       json_t *problems, char lars_out[9], const char **outcome,
                       struct ar_version_info *info)
{
    char lars[9] = {0};
    const char *given = json_is_object(in) ? ar_json_str(in, "lars") : NULL;
    const char *org = json_is_object(in) ? ar_json_str(in, "organization") : NULL;
    const char *src = json_is_object(in) ? ar_json_str(in, "source_id") : NULL;
    int rc;
    if (given && strlen(given) == 8 && ar_store_reg_exists(s, given) == 0)
        memcpy(lars, given, 9);
    else if (!given && org && src && *src && ar_store_reg_by_source(s, org, src, lars) != 0)
        lars[0] = '\0';
    if (!lars[0]) {
        rc = ar_registry_create(s, in, author, note, problems, lars_out, info);
        *outcome = "created";
        return rc;
    }
    int version, changed;
    rc = ar_registry_update(s, lars, in, author, note, 0, problems, &version, &changed, info);
    memcpy(lars_out, lars, 9);
    *outcome = changed ? "updated" : "unchanged";
    return rc;
}

int ar_registry_get(struct ar_store *s, const char *lars, int version, json_t **out)
{
    json_t *v = NULL;
    int rc = ar_store_version_get(s, lars, version, &v);
    *out = NULL;
    if (rc)
        return rc;
    json_t *rec = json_loads(ar_json_str(v, "doc"), 0, NULL);
    if (!rec) {
        json_decref(v);
        return AR_EIO;
    }
    json_object_del(v, "doc");
    json_object_set_new(v, "record", rec);
    *out = v;
    return 0;
}

int ar_registry_diff(struct ar_store *s, const char *lars, int from, int to, json_t **out)
{
    json_t *a = NULL, *b = NULL;
    int rc;
    *out = NULL;
    if ((rc = ar_registry_get(s, lars, to, &b)))
        goto out;
    if (from > 0 && (rc = ar_registry_get(s, lars, from, &a)))
        goto out;
    *out = json_pack(
        "{s:s, s:i, s:i, s:o}", "id", lars, "from", from, "to",
        (int)json_integer_value(json_object_get(b, "version")), "changes",
        ar_record_diff(a ? json_object_get(a, "record") : NULL, json_object_get(b, "record")));
out:
    json_decref(a);
    json_decref(b);
    return rc;
}

int ar_registry_write_clean(struct ar_store *s, const char *lars, json_t *rec, const char *author,
                            const char *note, char lars_out[9], struct ar_version_info *info)
{
    struct prepared p;
    char id[9];
    int rc, version = 1;
    if (lars)
        snprintf(id, sizeof id, "%s", lars);
    else
        ar_lars_generate(id);
    if ((rc = prepare(&p, rec, id, author, note)))
        return rc;
    if ((rc = ar_store_begin(s)))
        goto out;
    rc = lars ? ar_store_reg_append(s, &p.w, 0, &version) : ar_store_reg_insert(s, &p.w);
    if (rc) {
        ar_store_rollback(s);
        goto out;
    }
    if ((rc = ar_store_commit(s)))
        goto out;
    memcpy(lars_out, id, 9);
    fill_info(info, version, &p);
out:
    prepared_free(&p);
    return rc;
}
