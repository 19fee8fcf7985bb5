/*
 * keyseal.h - the passphrase seal of secret key files (blindscore-keys(5)).
 *
 * K   = crypto_pwhash(passphrase, salt, opslimit, memlimit, Argon2id 1.3)
 * key = crypto_generichash(32 bytes, message = header, key = K)   (BLAKE2b)
 * box = crypto_secretbox_easy(plaintext, nonce, key)   (XSalsa20-Poly1305)
 *
 * `header` is every byte of the key file before its "box" line: the clear
 * public fields and the "sealed" line with these very parameters, so changing
 * any of them makes the box fail to open, exactly like a wrong passphrase.
 * Keys and plaintexts live in sodium_malloc'd memory and are wiped.
 */
#ifndef BS_KEYSEAL_H
#define BS_KEYSEAL_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "keyfile.h"
#include "passphrase.h"
#include "util.h"

#define BS_SEAL_ALG     "argon2id13"
#define BS_SEAL_OPS_MAX 16ULL             /* loaders refuse more (denial of service) */
#define BS_SEAL_MEM_MAX ((size_t)1 << 30) /* 1 GiB */

typedef struct bs_keyseal {
	bs_seal_params params;
	uint8_t salt[crypto_pwhash_SALTBYTES];
	uint8_t nonce[crypto_secretbox_NONCEBYTES];
} bs_keyseal;

/* Fresh random salt and nonce; params NULL = MODERATE.  -1 if out of range. */
int bs_keyseal_init(bs_keyseal *s, const bs_seal_params *params, bs_error *err);

/* box (ptlen + crypto_secretbox_MACBYTES bytes, caller's buffer) from pt. */
int bs_keyseal_close(const bs_keyseal *s, const bs_passphrase *pp, const char *header,
                     size_t header_len, const uint8_t *pt, size_t ptlen, uint8_t *box,
                     bs_error *err);

/* pt (boxlen - MACBYTES bytes) from box; BS_E_PASS on a wrong passphrase or
 * any change to box or header ("wrong passphrase (or corrupted key file)"). */
int bs_keyseal_open(const bs_keyseal *s, const bs_passphrase *pp, const char *header,
                    size_t header_len, const uint8_t *box, size_t boxlen, uint8_t *pt,
                    bs_error *err);

#endif
