/* note.h — C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, and the
 * checkpoint body of c2sp.org/tlog-checkpoint.
 *
 * A note is text ending in a newline, a blank line, and signature lines
 * "— <name> <base64(key hash ‖ signature)>". The key hash is the first four bytes of
 * SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key); 0x01 marks Ed25519. A verifier key is
 * written "<name>+<key hash, 8 hex digits>+<base64(0x01 ‖ public key)>".
 *
 * Cosignatures (c2sp.org/tlog-cosignature, cosignature/v1) are note signatures by a
 * witness over "cosignature/v1\ntime <T>\n" and the checkpoint body, with key type
 * 0x04 and the signature "key hash ‖ u64 big-endian T ‖ Ed25519 signature". */
#ifndef AR_LOG_NOTE_H
#define AR_LOG_NOTE_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "log/merkle.h"

#define AR_NOTE_NAME_MAX 256

#define AR_NOTE_ALG_ED25519 0x01
#define AR_NOTE_ALG_COSIG 0x04 /* cosignature/v1 over Ed25519 */

struct ar_note_verifier {
    char name[AR_NOTE_NAME_MAX];
    uint8_t alg; /* AR_NOTE_ALG_* */
    uint32_t hash;
    uint8_t pub[crypto_sign_PUBLICKEYBYTES];
};

/* Parse a verifier key string (type 0x01 or 0x04). 0 or AR_EINVAL. */
int ar_note_verifier_parse(struct ar_note_verifier *out, const char *vkey);
/* Write the verifier key string for name and pub (type 0x01) into out. */
void ar_note_verifier_format(struct ar_buf *out, const char *name,
                             const uint8_t pub[crypto_sign_PUBLICKEYBYTES]);
/* The same for a cosigner's key (type 0x04). */
void ar_note_cosigner_format(struct ar_buf *out, const char *name,
                             const uint8_t pub[crypto_sign_PUBLICKEYBYTES]);
uint32_t ar_note_key_hash(const char *name, const uint8_t pub[crypto_sign_PUBLICKEYBYTES]);
uint32_t ar_note_key_hash_alg(const char *name, uint8_t alg,
                              const uint8_t pub[crypto_sign_PUBLICKEYBYTES]);

/* Length of a note's text: up to and including the newline before the blank line that
 * starts the signature block; 0 when the note is malformed. */
size_t ar_note_text_len(const char *note, size_t len);

/* One cosignature line ("— name base64(…)\n") over the checkpoint body text at time t,
 * appended to out. */
int ar_note_cosign(struct ar_buf *out, const char *text, size_t len, const char *name,
                   const uint8_t sk[crypto_sign_SECRETKEYBYTES], uint64_t t);
/* Find v's cosignature (v->alg 0x04) in a note and verify it: 0 with *t its time;
 * AR_ENOTFOUND when v did not cosign; AR_EINVAL when its line does not verify. */
int ar_note_cosig_verify(const char *note, size_t len, const struct ar_note_verifier *v,
                         uint64_t *t);

/* Sign text (must end in "\n", no blank-line-then-"— " inside) as name: appends the
 * whole note to out. */
int ar_note_sign(struct ar_buf *out, const char *text, size_t len, const char *name,
                 const uint8_t sk[crypto_sign_SECRETKEYBYTES]);
/* Verify that note carries a valid signature by v. On success *text_len is the length
 * of the signed text (the note up to and including its final newline before the blank
 * line). Unknown signers' lines are skipped, as the spec requires. */
int ar_note_verify(const char *note, size_t len, const struct ar_note_verifier *v,
                   size_t *text_len);

struct ar_checkpoint {
    char origin[AR_NOTE_NAME_MAX];
    uint64_t size;
    ar_hash root;
};

/* Parse the first three lines of a checkpoint body (extension lines are allowed). */
int ar_checkpoint_parse(struct ar_checkpoint *out, const char *text, size_t len);
/* Append the checkpoint body "origin\nsize\nbase64(root)\n". */
void ar_checkpoint_format(struct ar_buf *out, const struct ar_checkpoint *c);

#endif
