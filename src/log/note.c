/* note.c — signed notes and checkpoints; see note.h for the formats. */
#include "log/note.h"
#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char DASH[] = "\xe2\x80\x94 "; /* U+2014 EM DASH and a space */

uint32_t ar_note_key_hash(const char *name, const uint8_t pub[crypto_sign_PUBLICKEYBYTES])
{
    return ar_note_key_hash_alg(name, AR_NOTE_ALG_ED25519, pub);
}

uint32_t ar_note_key_hash_alg(const char *name, uint8_t alg,
                              const uint8_t pub[crypto_sign_PUBLICKEYBYTES])
{
    crypto_hash_sha256_state st;
    uint8_t h[crypto_hash_sha256_BYTES];
    const uint8_t nl_alg[2] = {'\n', alg};
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
    crypto_hash_sha256_update(&st, nl_alg, 2);
    crypto_hash_sha256_update(&st, pub, crypto_sign_PUBLICKEYBYTES);
    crypto_hash_sha256_final(&st, h);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

/* Names: non-empty, no whitespace, no "+" (signed-note §Verifier keys). */
static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n >= AR_NOTE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == '+')
            return 0;
    return 1;
}

int ar_note_verifier_parse(struct ar_note_verifier *out, const char *vkey)
{
    const char *p1 = strchr(vkey, '+');
    const char *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
    if (!p1 || !p2 || !valid_name(vkey, (size_t)(p1 - vkey)) || p2 - p1 - 1 != 8)
        return AR_EINVAL;
    memcpy(out->name, vkey, (size_t)(p1 - vkey));
    out->name[p1 - vkey] = '\0';
    char hex[9];
    memcpy(hex, p1 + 1, 8);
    hex[8] = '\0';
    char *end;
    unsigned long h = strtoul(hex, &end, 16);
    if (*end)
        return AR_EINVAL;
    uint8_t key[1 + crypto_sign_PUBLICKEYBYTES + 8];
    size_t klen;
    const char *b64 = p2 + 1;
    size_t b64len = strcspn(b64, "\r\n");
    if (sodium_base642bin(key, sizeof key, b64, b64len, NULL, &klen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        klen != 1 + crypto_sign_PUBLICKEYBYTES ||
        (key[0] != AR_NOTE_ALG_ED25519 && key[0] != AR_NOTE_ALG_COSIG))
        return AR_EINVAL;
    out->alg = key[0];
    memcpy(out->pub, key + 1, crypto_sign_PUBLICKEYBYTES);
    out->hash = (uint32_t)h;
    if (ar_note_key_hash_alg(out->name, out->alg, out->pub) != out->hash)
        return AR_EINVAL;
    return 0;
}

static void format_key(struct ar_buf *out, const char *name, uint8_t alg,
                       const uint8_t pub[crypto_sign_PUBLICKEYBYTES])
{
    uint8_t key[1 + crypto_sign_PUBLICKEYBYTES];
    char b64[sodium_base64_ENCODED_LEN(sizeof key, sodium_base64_VARIANT_ORIGINAL)];
    key[0] = alg;
    memcpy(key + 1, pub, crypto_sign_PUBLICKEYBYTES);
    sodium_bin2base64(b64, sizeof b64, key, sizeof key, sodium_base64_VARIANT_ORIGINAL);
    ar_buf_printf(out, "%s+%08x+%s", name, ar_note_key_hash_alg(name, alg, pub), b64);
}

void ar_note_verifier_format(struct ar_buf *out, const char *name,
                             const uint8_t pub[crypto_sign_PUBLICKEYBYTES])
{
    format_key(out, name, AR_NOTE_ALG_ED25519, pub);
}

void ar_note_cosigner_format(struct ar_buf *out, const char *name,
                             const uint8_t pub[crypto_sign_PUBLICKEYBYTES])
{
    format_key(out, name, AR_NOTE_ALG_COSIG, pub);
}

size_t ar_note_text_len(const char *note, size_t len)
{
    /* The signature block starts after the last "\n\n". */
    size_t split = 0;
    for (size_t i = 1; i < len; i++)
        if (note[i] == '\n' && note[i - 1] == '\n')
            split = i;
    return split && note[len - 1] == '\n' ? split : 0;
}

/* The message a cosignature/v1 signs: header, time, checkpoint body. */
static void cosig_message(struct ar_buf *m, const char *text, size_t len, uint64_t t)
{
    ar_buf_printf(m, "cosignature/v1\ntime %llu\n", (unsigned long long)t);
    ar_buf_add(m, text, len);
}

int ar_note_cosign(struct ar_buf *out, const char *text, size_t len, const char *name,
                   const uint8_t sk[crypto_sign_SECRETKEYBYTES], uint64_t t)
{
    if (len == 0 || text[len - 1] != '\n' || !valid_name(name, strlen(name)) ||
        t > (uint64_t)INT64_MAX)
        return AR_EINVAL;
    uint8_t pub[crypto_sign_PUBLICKEYBYTES], sig[4 + 8 + crypto_sign_BYTES];
    crypto_sign_ed25519_sk_to_pk(pub, sk);
    uint32_t h = ar_note_key_hash_alg(name, AR_NOTE_ALG_COSIG, pub);
    for (int i = 0; i < 4; i++)
        sig[i] = (uint8_t)(h >> (24 - 8 * i));
    for (int i = 0; i < 8; i++)
        sig[4 + i] = (uint8_t)(t >> (56 - 8 * i));
    struct ar_buf m;
    ar_buf_init(&m, 0);
    cosig_message(&m, text, len, t);
    crypto_sign_detached(sig + 12, NULL, (const uint8_t *)m.ptr, m.len, sk);
    ar_buf_free(&m);
    char b64[sodium_base64_ENCODED_LEN(sizeof sig, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
    ar_buf_printf(out, "%s%s %s\n", DASH, name, b64);
    return 0;
}

int ar_note_cosig_verify(const char *note, size_t len, const struct ar_note_verifier *v,
                         uint64_t *t)
{
    size_t tlen = ar_note_text_len(note, len);
    if (!tlen || v->alg != AR_NOTE_ALG_COSIG)
        return AR_EINVAL;
    const char *p = note + tlen + 1, *end = note + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl || (size_t)(nl - p) < sizeof DASH - 1 || memcmp(p, DASH, sizeof DASH - 1) != 0)
            return AR_EINVAL;
        const char *name = p + sizeof DASH - 1;
        const char *sp = memchr(name, ' ', (size_t)(nl - name));
        uint8_t sig[4 + 8 + crypto_sign_BYTES + 8];
        size_t slen;
        if (!sp ||
            sodium_base642bin(sig, sizeof sig, sp + 1, (size_t)(nl - sp - 1), NULL, &slen, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            slen < 4)
            return AR_EINVAL;
        uint32_t h =
            (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3];
        if ((size_t)(sp - name) == strlen(v->name) &&
            memcmp(name, v->name, (size_t)(sp - name)) == 0 && h == v->hash) {
            if (slen != 4 + 8 + crypto_sign_BYTES)
                return AR_EINVAL;
            uint64_t ts = 0;
            for (int i = 0; i < 8; i++)
                ts = ts << 8 | sig[4 + i];
            if (ts > (uint64_t)INT64_MAX)
                return AR_EINVAL;
            struct ar_buf m;
            ar_buf_init(&m, 0);
            cosig_message(&m, note, tlen, ts);
            int bad = crypto_sign_verify_detached(sig + 12, (const uint8_t *)m.ptr, m.len, v->pub);
            ar_buf_free(&m);
            if (bad)
                return AR_EINVAL;
            if (t)
                *t = ts;
            return 0;
        }
        p = nl + 1;
    }
    return AR_ENOTFOUND;
}

int ar_note_sign(struct ar_buf *out, const char *text, size_t len, const char *name,
                 const uint8_t sk[crypto_sign_SECRETKEYBYTES])
{
    if (len == 0 || text[len - 1] != '\n' || !valid_name(name, strlen(name)))
        return AR_EINVAL;
    uint8_t sig[4 + crypto_sign_BYTES];
    uint8_t pub[crypto_sign_PUBLICKEYBYTES];
    crypto_sign_ed25519_sk_to_pk(pub, sk);
    uint32_t h = ar_note_key_hash(name, pub);
    sig[0] = (uint8_t)(h >> 24);
    sig[1] = (uint8_t)(h >> 16);
    sig[2] = (uint8_t)(h >> 8);
    sig[3] = (uint8_t)h;
    crypto_sign_detached(sig + 4, NULL, (const uint8_t *)text, len, sk);
    char b64[sodium_base64_ENCODED_LEN(sizeof sig, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
    ar_buf_add(out, text, len);
    ar_buf_printf(out, "\n%s%s %s\n", DASH, name, b64);
    return 0;
}

int ar_note_verify(const char *note, size_t len, const struct ar_note_verifier *v, size_t *text_len)
{
    size_t split = ar_note_text_len(note, len);
    if (split == 0 || v->alg != AR_NOTE_ALG_ED25519)
        return AR_EINVAL;
    size_t tlen = split; /* the text ends with the first of the two newlines */
    const char *p = note + split + 1, *end = note + len;
    int ok = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl || (size_t)(nl - p) < sizeof DASH - 1 || memcmp(p, DASH, sizeof DASH - 1) != 0)
            return AR_EINVAL; /* malformed signature line */
        const char *name = p + sizeof DASH - 1;
        const char *sp = memchr(name, ' ', (size_t)(nl - name));
        if (!sp)
            return AR_EINVAL;
        uint8_t sig[4 + 8 + crypto_sign_BYTES + 8]; /* room for a cosignature line */
        size_t slen;
        if (sodium_base642bin(sig, sizeof sig, sp + 1, (size_t)(nl - sp - 1), NULL, &slen, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            slen < 4)
            return AR_EINVAL;
        uint32_t h =
            (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3];
        if ((size_t)(sp - name) == strlen(v->name) &&
            memcmp(name, v->name, (size_t)(sp - name)) == 0 && h == v->hash) {
            if (slen != 4 + crypto_sign_BYTES ||
                crypto_sign_verify_detached(sig + 4, (const uint8_t *)note, tlen, v->pub) != 0)
                return AR_EINVAL; /* a signature by our key that does not verify */
            ok = 1;
        }
        p = nl + 1;
    }
    if (!ok)
        return AR_ENOTFOUND;
    if (text_len)
        *text_len = tlen;
    return 0;
}

int ar_checkpoint_parse(struct ar_checkpoint *out, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    const char *l1 = memchr(p, '\n', (size_t)(end - p));
    if (!l1 || !valid_name(p, (size_t)(l1 - p)))
        return AR_EINVAL;
    memcpy(out->origin, p, (size_t)(l1 - p));
    out->origin[l1 - p] = '\0';
    p = l1 + 1;
    const char *l2 = memchr(p, '\n', (size_t)(end - p));
    if (!l2 || l2 == p || l2 - p > 20 || (*p == '0' && l2 - p > 1))
        return AR_EINVAL;
    uint64_t size = 0;
    for (const char *q = p; q < l2; q++) {
        if (*q < '0' || *q > '9' || size > (UINT64_MAX - 9) / 10)
            return AR_EINVAL;
        size = size * 10 + (uint64_t)(*q - '0');
    }
    out->size = size;
    p = l2 + 1;
    const char *l3 = memchr(p, '\n', (size_t)(end - p));
    size_t rlen;
    if (!l3 ||
        sodium_base642bin(out->root, AR_HASH_LEN, p, (size_t)(l3 - p), NULL, &rlen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        rlen != AR_HASH_LEN)
        return AR_EINVAL;
    return 0;
}

void ar_checkpoint_format(struct ar_buf *out, const struct ar_checkpoint *c)
{
    char b64[sodium_base64_ENCODED_LEN(AR_HASH_LEN, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, c->root, AR_HASH_LEN, sodium_base64_VARIANT_ORIGINAL);
    ar_buf_printf(out, "%s\n%llu\n%s\n", c->origin, (unsigned long long)c->size, b64);
}
