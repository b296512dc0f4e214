/* classify.c — run, assess, store and log a classification; see classify.h. */
#include "aiact/classify.h"
#include "aiact/assess.h"
#include "base/assets.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "json/json.h"
#include "log/log.h"
#include "model/record.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ar_aiact_tree_open(struct ar_tree **out, const char *path, char *why, size_t whylen)
{
    if (!path) {
        const struct ar_asset *a = ar_asset_find("aiact/algoreg-tree.yaml");
        if (!a) {
            snprintf(why, whylen, "the embedded decision tree is missing");
            return AR_EINVAL;
        }
        return ar_tree_load(out, a->data, a->len, why, whylen);
    }
    struct ar_buf b;
    ar_buf_init(&b, 8u << 20);
    int rc = ar_buf_read_file(&b, path);
    if (rc)
        snprintf(why, whylen, rc == AR_ETOOBIG ? "%s is larger than 8 MiB" : "cannot read %s",
                 path);
    else
        rc = ar_tree_load(out, b.ptr ? b.ptr : "", b.len, why, whylen);
    ar_buf_free(&b);
    return rc;
}

int ar_aiact_evaluate(const struct ar_tree *t, const struct ar_aiact_cfg *cfg,
                      const json_t *answers, json_t *problems, json_t **out)
{
    char why[256];
    json_t *run = NULL;
    *out = NULL;
    if (!json_is_object(answers)) {
        ar_problem_add(problems, "answers", "type",
                       "answers is an object {questionId: answer index}");
        return AR_EINVAL;
    }
    if (ar_tree_run(t, answers, &run, why, sizeof why)) {
        ar_problem_add(problems, "answers", "tree", "%s", why);
        return AR_EINVAL;
    }
    json_t *res = json_pack("{s:o}", "run", run);
    if (json_object_get(run, "conclusion")) {
        json_t *id = ar_tree_id(t);
        json_object_set_new(res, "assessment", ar_aiact_assess(run, id, cfg));
        json_decref(id);
        const json_t *c =
            ar_tree_conclusion(t, json_string_value(json_object_get(run, "conclusion")));
        json_object_set(json_object_get(res, "assessment"), "conclusion_text",
                        json_object_get(c, "conclusion"));
    }
    *out = res;
    return 0;
}

int ar_aiact_classify(struct ar_store *s, const struct ar_tree *t, const struct ar_aiact_cfg *cfg,
                      const char *lars, const json_t *answers, const char *author, json_t *problems,
                      json_t **out)
{
    json_t *ev = NULL, *ver = NULL, *doc = NULL, *leaf = NULL;
    char *canon = NULL, *leafc = NULL;
    char now[32];
    int rc;
    *out = NULL;
    if ((rc = ar_store_version_get(s, lars, 0, &ver)))
        goto out;
    if ((rc = ar_aiact_evaluate(t, cfg, answers, problems, &ev)))
        goto out;
    json_t *run = json_object_get(ev, "run");
    if (!json_object_get(run, "conclusion")) {
        ar_problem_add(problems, "answers", "incomplete", "question %s is unanswered: %s",
                       json_string_value(json_object_get(run, "unanswered")),
                       json_string_value(json_object_get(run, "question")));
        rc = AR_EINVAL;
        goto out;
    }
    ar_clock_fmt(now, sizeof now, ar_clock_now());
    int version = (int)json_integer_value(json_object_get(ver, "version"));
    doc = json_pack("{s:s, s:i, s:s, s:s, s:O, s:O, s:O, s:O}", "registration", lars, "version",
                    version, "created", now, "author", author, "answers", answers, "path",
                    json_object_get(run, "path"), "conclusion", json_object_get(run, "conclusion"),
                    "assessment", json_object_get(ev, "assessment"));
    canon = ar_json_canon_str(doc);
    if (!canon) {
        rc = AR_EINVAL;
        goto out;
    }
    unsigned char h[32];
    char hex[65];
    crypto_hash_sha256(h, (const unsigned char *)canon, strlen(canon));
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    leaf = json_pack("{s:s, s:s, s:i, s:s, s:s}", "kind", "classification", "id", lars, "version",
                     version, "time", now, "sha256", hex);
    leafc = ar_json_canon_str(leaf);
    uint64_t idx = 0;
    if ((rc = ar_store_begin(s)))
        goto out;
    rc = ar_store_cls_insert(s, lars, version, now, author,
                             json_string_value(json_object_get(run, "conclusion")), canon);
    if (!rc)
        rc = ar_log_append(s, leafc, strlen(leafc), lars, 0, &idx);
    if (rc) {
        ar_store_rollback(s);
        goto out;
    }
    if ((rc = ar_store_commit(s)))
        goto out;
    json_object_set_new(doc, "sha256", json_string(hex));
    json_object_set_new(doc, "log_index", json_integer((json_int_t)idx));
    *out = json_incref(doc);
out:
    free(canon);
    free(leafc);
    json_decref(leaf);
    json_decref(doc);
    json_decref(ev);
    json_decref(ver);
    return rc;
}

json_t *ar_aiact_latest(struct ar_store *s, const char *lars)
{
    json_t *list = NULL;
    if (ar_store_cls_list(s, lars, &list))
        return NULL;
    json_t *doc = json_object_get(json_array_get(list, 0), "doc");
    json_t *a = doc ? json_incref(json_object_get(doc, "assessment")) : NULL;
    json_decref(list);
    return a;
}
