/* witness.h — independent witnesses for the log (c2sp.org/tlog-witness with
 * c2sp.org/tlog-cosignature cosignature/v1), both sides:
 *
 * - the witness: checks an add-checkpoint request (the log's signature, the old size it
 *   last cosigned, a consistency proof) and, all in one transaction, records the new tree
 *   head and returns a timestamped cosignature. It never cosigns two different trees of
 *   one size, and keeps refused requests as evidence;
 * - the register: pushes each new checkpoint to its configured witnesses, stores every
 *   cosignature, and says for a leaf which witnesses vouched that it was in the log and
 *   when ("witnessed" once a quorum did), and builds offline proofs in the
 *   c2sp.org/tlog-proof format.
 *
 * A witness that is down or refuses does not block the log; its status says why. */
#ifndef AR_LOG_WITNESS_H
#define AR_LOG_WITNESS_H

#include <jansson.h>
#include <stdint.h>

#include "base/buf.h"
#include "log/log.h"
#include "log/note.h"
#include "store/store.h"

#define AR_WITNESS_MAX_LOGS 32
#define AR_WITNESS_MAX_PEERS 16
#define AR_WITNESS_MAX_PROOF 63 /* lines in one request (tlog-witness) */

struct ar_witness {
    char name[AR_NOTE_NAME_MAX];
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    struct ar_note_verifier logs[AR_WITNESS_MAX_LOGS]; /* the logs it witnesses */
    int nlogs;
};

/* Handle one add-checkpoint request body at time now (POSIX seconds). Returns the HTTP
 * status; out gets the body and *ctype its type: 200 cosignature lines, 400 malformed or
 * old size above the checkpoint's, 403 no valid signature by a trusted key, 404 unknown
 * origin, 409 old size not the witness's (body: its size, text/x.tlog.size) or a
 * different tree at that size, 422 a consistency proof that does not verify. Nothing is
 * stored unless it answers 200, apart from refused requests kept as evidence. */
int ar_witness_add_checkpoint(struct ar_store *s, const struct ar_witness *w, const char *body,
                              size_t len, uint64_t now, struct ar_buf *out, const char **ctype);

/* The register's witnesses: "URL VKEY" per line ('#' comments), and a quorum. */
struct ar_witness_peer {
    char url[512];
    char vkey[600];
    struct ar_note_verifier v; /* type 0x04 */
};
struct ar_witness_cfg {
    struct ar_witness_peer peers[AR_WITNESS_MAX_PEERS];
    int n;
    int quorum; /* cosignatures needed to call an entry witnessed (1..n) */
};
int ar_witness_cfg_parse(struct ar_witness_cfg *out, const char *text, int quorum, char *why,
                         size_t whylen);

/* Bring every witness up to the latest checkpoint (signing one when the tree grew). Each
 * attempt and error is stored; *cosigned counts new cosignatures. Never fails because a
 * witness does; only a storage error is returned. */
int ar_witness_push(struct ar_store *s, const struct ar_log_signer *sg,
                    const struct ar_witness_cfg *cfg, int *cosigned);

/* The latest checkpoint with all the cosignatures it has. */
int ar_witness_checkpoint(struct ar_store *s, const struct ar_log_signer *sg, struct ar_buf *out);

/* {quorum, witnesses: [{name, url, size, last_ok, last_attempt, last_error, up}],
 * witnessed_size: the largest size with a quorum of cosignatures, quorum_met}. */
int ar_witness_status(struct ar_store *s, const struct ar_witness_cfg *cfg, json_t **out);

/* For leaf index: {index, logged (the leaf's own time), witnessed, witnessed_at, quorum,
 * witnesses: [{witness, time, size}]}; witnessed_at is when the quorum-th witness had
 * cosigned a tree containing it. */
int ar_witness_entry(struct ar_store *s, const struct ar_witness_cfg *cfg, uint64_t index,
                     json_t **out);

/* An offline proof (c2sp.org/tlog-proof@v1) for leaf index: the leaf's data as extra,
 * the inclusion path, and the smallest stored checkpoint containing it that has a quorum
 * of cosignatures (else the latest), with its cosignatures. */
int ar_witness_proof(struct ar_store *s, const struct ar_log_signer *sg,
                     const struct ar_witness_cfg *cfg, uint64_t index, struct ar_buf *out);

/* A parsed proof file. checkpoint points into the input. */
struct ar_tlog_proof {
    uint64_t index;
    ar_hash path[AR_PROOF_MAX];
    size_t n;
    uint8_t *extra; /* malloc'd, or NULL */
    size_t extra_len;
    const char *checkpoint;
    size_t checkpoint_len;
};
int ar_tlog_proof_parse(struct ar_tlog_proof *out, const char *text, size_t len);
void ar_tlog_proof_free(struct ar_tlog_proof *p);

#endif
