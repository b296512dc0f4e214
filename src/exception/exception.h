/* exception.h — the law-enforcement exception, made checkable (shared AI_ACT.md §6.1,
 * §7.1; DOMAIN.md). A registrant may withhold a new registration, or some of its fields,
 * for one of the listed grounds until a date at most a configured time ahead. What is
 * withheld is sealed (XChaCha20-Poly1305 under a key kept outside the database) and
 * committed to in the transparency log: SHA-256(salt ‖ canonical JSON of the content),
 * with a random 32-byte salt. On the end date the content is published automatically
 * and the salt and content are revealed, so anyone can recompute the commitment and find
 * it in the log where and when it was logged. Only an extension requested before the end
 * date and granted by a supervisor keeps it withheld longer. The justification and case
 * reference are sealed too and never published. */
#ifndef AR_EXCEPTION_EXCEPTION_H
#define AR_EXCEPTION_EXCEPTION_H

#include <jansson.h>
#include <sodium.h>

#include "store/store.h"

struct ar_seal_key {
    uint8_t k[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
};

struct ar_exception_cfg {
    int max_days;           /* end date at most this many days ahead (default 365) */
    int max_extension_days; /* one extension moves the end date at most this far (182) */
};

extern const struct ar_exception_cfg ar_exception_defaults;
extern const char *const ar_grounds[]; /* the five listed grounds, NULL-terminated */

/* Key file: 32 random bytes as hex, mode 0600. create fails when it exists. */
int ar_seal_key_create(const char *path);
int ar_seal_key_load(struct ar_seal_key *out, const char *path);

/* Seal v (its canonical JSON) bound to (id, purpose): nonce ‖ ciphertext in *out (caller
 * frees). unseal opens it from base64; NULL when it does not open. For other modules
 * that keep confidential content at rest (drafts waiting for approval). */
int ar_seal_json(const struct ar_seal_key *key, const char *id, const char *purpose,
                 const json_t *v, uint8_t **out, size_t *len);
json_t *ar_unseal_json(const struct ar_seal_key *key, const char *id, const char *purpose,
                       const char *b64);

/* Register record withheld as described by withhold {ground, justification,
 * case_reference?, fields? (absent: the whole registration), until (YYYY-MM-DD)}.
 * Problems name the field and rule. lars_out NULL only checks the request (nothing is
 * written). */
int ar_exception_create(struct ar_store *s, const struct ar_seal_key *key,
                        const struct ar_exception_cfg *cfg, const json_t *record,
                        const json_t *withhold, const char *author, const char *note,
                        json_t *problems, char lars_out[9]);
/* The public facts of a withholding (never content, justification or case reference);
 * AR_ENOTFOUND when lars was never withheld. */
int ar_exception_public(struct ar_store *s, const char *lars, json_t **out);
/* The supervisor's view: content, justification, case reference, extension reasons. */
int ar_exception_sealed(struct ar_store *s, const struct ar_seal_key *key, const char *lars,
                        json_t **out);
/* Publish every withholding whose end date has come (by the settable clock). */
int ar_exception_tick(struct ar_store *s, const struct ar_seal_key *key, int *published);
/* The registrant records that the investigation is closed: publish now. */
int ar_exception_close(struct ar_store *s, const struct ar_seal_key *key, const char *lars,
                       const char *author, json_t *problems);
/* Request an extension {until, reason}: before the end date, reason required. */
int ar_exception_extend(struct ar_store *s, const struct ar_seal_key *key,
                        const struct ar_exception_cfg *cfg, const char *lars, const json_t *body,
                        const char *author, json_t *problems, long long *ext_id);
/* A supervisor decides {grant: bool, reason}. */
int ar_exception_decide(struct ar_store *s, const struct ar_seal_key *key,
                        const struct ar_exception_cfg *cfg, const char *lars, long long ext_id,
                        const json_t *body, const char *supervisor, json_t *problems);
/* Check a revealed commitment: SHA-256(salt ‖ canonical JSON of content) against the hex
 * commitment. salt is base64 of at least 32 bytes. 0 when it matches, AR_ECONFLICT when
 * it does not, AR_EINVAL for a malformed salt, commitment or content (with *field set). */
int ar_commitment_check(const char *commitment, const char *salt_b64, const json_t *content,
                        const char **field);

/* Statistics per organisation and per ground. */
int ar_exception_stats(struct ar_store *s, json_t **out);

#endif
