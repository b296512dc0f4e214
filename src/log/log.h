/* log.h — algoreg's transparency log: every registration version is appended as a leaf
 * of one RFC 9162 Merkle tree in the same transaction that writes the version, so what
 * the register says and what the log says cannot diverge. Checkpoints are C2SP signed
 * notes (Ed25519); the tree is served as c2sp.org/tlog-tiles (height 8).
 *
 * The ar_ledger_* functions are the register's write path: the registry operations of
 * model/registry.h plus the log entry, in one transaction. */
#ifndef AR_LOG_LOG_H
#define AR_LOG_LOG_H

#include <jansson.h>
#include <sodium.h>
#include <stdint.h>

#include "base/buf.h"
#include "log/merkle.h"
#include "log/note.h"
#include "store/store.h"

#define AR_LOG_ORIGIN_DEFAULT "localhost/algoreg"
#define AR_TILE_HEIGHT 8
#define AR_TILE_WIDTH 256

struct ar_log_signer {
    char origin[AR_NOTE_NAME_MAX];
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
};

/* Create the signing key file (a 32-byte seed, hex, mode 0600); fails if it exists. */
int ar_log_key_create(const char *path);
/* Load the key; origin NULL means AR_LOG_ORIGIN_DEFAULT. Refuses a key file that group
 * or others can read. */
int ar_log_signer_load(struct ar_log_signer *out, const char *path, const char *origin);
/* The verifier key string ("origin+hash+key") for clients and witnesses. */
void ar_log_signer_vkey(const struct ar_log_signer *sg, struct ar_buf *out);

/* Append one leaf (at most 65,535 bytes); must run inside a store transaction. */
int ar_log_append(struct ar_store *s, const void *data, size_t len, const char *lars, int version,
                  uint64_t *index_out);
/* ar_subtree_fn reading the stored tree (ctx is the store). */
int ar_log_subtree(void *ctx, unsigned level, uint64_t index, ar_hash out);
/* The latest signed checkpoint, signing a new one when the tree has grown. */
int ar_log_checkpoint(struct ar_store *s, const struct ar_log_signer *sg, struct ar_buf *out);

/* A tlog-tiles path below the log's root ("tile/0/x001/234", "tile/entries/000.p/5"):
 * entries is 1 for entry bundles; level, index and width (0 = full) are filled in. */
int ar_log_tile_parse(const char *path, int *entries, unsigned *level, uint64_t *index,
                      unsigned *width);
/* The bytes of that tile at the current tree size; AR_ENOTFOUND when not (yet) there. */
int ar_log_tile_read(struct ar_store *s, int entries, unsigned level, uint64_t index,
                     unsigned width, struct ar_buf *out);

/* The register's writes, logged (see model/registry.h for the arguments). */
int ar_ledger_create(struct ar_store *s, const json_t *in, const char *author, const char *note,
                     json_t *problems, char lars_out[9]);
int ar_ledger_update(struct ar_store *s, const char *lars, const json_t *in, const char *author,
                     const char *note, int base_version, json_t *problems, int *version_out,
                     int *changed);
int ar_ledger_upsert(struct ar_store *s, const json_t *in, const char *author, const char *note,
                     json_t *problems, char lars_out[9], const char **outcome);

/* Retract registration lars (on 1: hidden from the public) or make it public again (on
 * 0), with a leaf {kind: "retraction" or "republication", id, version, time} saying so;
 * nests in the caller's transaction. AR_ENOTFOUND, or AR_ECONFLICT when it already is so. */
int ar_ledger_retract(struct ar_store *s, const char *lars, int on);

#endif
