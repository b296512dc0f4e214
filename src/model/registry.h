/* registry.h — the register's operations on records: create, update (a new immutable
 * version), read, history, diff and import. Each write validates first, then runs in
 * one store transaction, so a rejected or failed write leaves nothing behind. */
#ifndef AR_MODEL_REGISTRY_H
#define AR_MODEL_REGISTRY_H

#include <jansson.h>

#include "store/store.h"

/* What a write produced, for the transparency log: the new version, its time and the
 * SHA-256 (hex) of its canonical record. */
struct ar_version_info {
    int version;
    char created[32];
    char sha256[65];
};

/* Create a registration from an untrusted record. The record's "lars", when given,
 * becomes the public id (it must be valid and free); otherwise one is generated.
 * Problems go to problems (array). On success lars_out holds the id. */
int ar_registry_create(struct ar_store *s, const json_t *in, const char *author, const char *note,
                       json_t *problems, char lars_out[9], struct ar_version_info *info);

/* Add a version to lars. base_version > 0 makes the write conditional (AR_ECONFLICT if
 * someone else wrote meanwhile). A record identical to the latest creates no version:
 * *version_out is then the latest and *changed 0. */
int ar_registry_update(struct ar_store *s, const char *lars, const json_t *in, const char *author,
                       const char *note, int base_version, json_t *problems, int *version_out,
                       int *changed, struct ar_version_info *info);

/* Create or update by identity: the record's lars if it exists here, else the
 * organisation's source_id, else a new registration. *outcome is "created",
 * "updated" or "unchanged". */
int ar_registry_upsert(struct ar_store *s, const json_t *in, const char *author, const char *note,
                       json_t *problems, char lars_out[9], const char **outcome,
                       struct ar_version_info *info);

/* Write rec without validating it: an already validated record, or the public
 * projection of one (src/exception). lars NULL creates a registration with a fresh id;
 * otherwise the next version of lars. rec gains its "lars". */
int ar_registry_write_clean(struct ar_store *s, const char *lars, json_t *rec, const char *author,
                            const char *note, char lars_out[9], struct ar_version_info *info);

/* One version (0 = latest) as {id, version, versions, author, created, note,
 * registered, organization{slug,name}, record{…}}. */
int ar_registry_get(struct ar_store *s, const char *lars, int version, json_t **out);

/* {id, from, to, changes[]} between two versions of one registration. */
int ar_registry_diff(struct ar_store *s, const char *lars, int from, int to, json_t **out);

#endif
