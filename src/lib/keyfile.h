/*
 * keyfile.h - public and secret key files (blindscore-keys(5)).
 *
 * Text, one "name value" per line, LF line ends only (a CR anywhere is
 * refused), fixed field order, version 1:
 *
 *   blindscore-public-key 1        blindscore-secret-key 1
 *   bits <decimal>                 bits, keyid, n, hs   (as on the left)
 *   keyid <32 hex>                 p <hex>
 *   n <hex>                        q <hex>
 *   hs <hex>                  or, sealed with a passphrase, instead of p and q:
 *                                  sealed argon2id13 <ops> <mem> <salt hex> <nonce hex>
 *                                  box <hex>
 *
 * Numbers are lower-case hex without leading zeros, so every key has exactly
 * one text form.  The key id is the first 16 bytes of SHA-256 over
 * "blindscore-public-key 1\nbits B\nn N\nhs H\n" (bs_pubkey_finish).
 *
 * Contract of every loader: the whole file is checked (version, each field's
 * syntax, unknown / duplicate / missing / extra fields, declared bits and key
 * id against the recomputed ones, bs_pubkey_validate), and an error names the
 * file, the line and the field: "key.pub line 3: field 'keyid': ...".  Secret
 * key files must not be accessible by group or others; loading one
 * recomputes the CRT constants and checks a round trip (bs_seckey_finish).
 * Every buffer that held secret text is wiped.  Functions return 0 or -1 with
 * err filled; they never print.  Callers must have called bs_crypto_init().
 *
 * Sealing: K = Argon2id(passphrase, salt, ops, mem) (crypto_pwhash), box key
 * = BLAKE2b-256 keyed with K over every byte of the file before the "box"
 * line, and box = crypto_secretbox_easy("p <hex>\nq <hex>\n", nonce, box key).
 * So the clear fields and the sealing parameters are authenticated too.
 *
 * Implementation: keyparse.c checks texts (keyparse.h), keyfile.c reads
 * files and checks their permissions, keysave.c writes, keyseal.c seals.
 */
#ifndef BS_KEYFILE_H
#define BS_KEYFILE_H

#include <stddef.h>

#include "paillier.h"
#include "passphrase.h"
#include "util.h"

#define BS_KEYFILE_MAX (64 * 1024) /* larger files are refused unread */

/* flags */
#define BS_KEYFILE_ALLOW_INSECURE 0x1 /* accept keys below BS_MIN_BITS (tests) */
#define BS_KEYFILE_OVERWRITE      0x2 /* save: replace an existing file */

enum bs_keykind { BS_KEY_PUBLIC = 1, BS_KEY_SECRET = 2 };

/* Argon2id cost; default crypto_pwhash_{OPS,MEM}LIMIT_MODERATE (3, 256 MiB). */
typedef struct bs_seal_params {
	unsigned long long opslimit;
	size_t memlimit;
} bs_seal_params;

/* What a key file declares, once its public part has been verified. */
typedef struct bs_keyfile_info {
	enum bs_keykind kind;
	int sealed; /* secret key sealed with a passphrase */
	unsigned bits;
	char keyid_hex[BS_KEYID_HEXLEN + 1];
	bs_seal_params seal; /* when sealed */
} bs_keyfile_info;

/* Asked for the passphrase of a sealed secret key; fill *pp (allocated by the
 * callee, freed by the caller with bs_passphrase_free). */
typedef int (*bs_getpass_fn)(void *arg, bs_passphrase *pp, bs_error *err);

/* bs_passphrase_get as a bs_getpass_fn; arg is a const bs_passphrase_source *. */
int bs_keyfile_getpass_source(void *arg, bs_passphrase *pp, bs_error *err);

/* ---- public keys.  pk is initialised by the caller (bs_pubkey_init). */

/* Canonical text of a public key file; caller frees. */
char *bs_pubkey_format(const bs_pubkey *pk, size_t *len);
/* Parse text; `name` is the file name used in messages. */
int bs_pubkey_parse(bs_pubkey *pk, const char *name, const char *text, size_t len, unsigned flags,
                    bs_error *err);
int bs_pubkey_load(bs_pubkey *pk, const char *path, unsigned flags, bs_error *err);
/* Mode 0644; O_EXCL unless BS_KEYFILE_OVERWRITE (then a temporary + rename). */
int bs_pubkey_save(const bs_pubkey *pk, const char *path, unsigned flags, bs_error *err);

/* ---- secret keys.  sk is initialised by the caller (bs_seckey_init) and
 * cleared with bs_seckey_clear, also after an error. */

/*
 * Write a secret key file with mode 0600, created O_EXCL (or, with
 * BS_KEYFILE_OVERWRITE, a fresh 0600 temporary renamed over the old file).
 * pass == NULL writes p and q in clear; otherwise the file is sealed with
 * `params` (NULL = MODERATE).  An empty passphrase is refused.
 */
int bs_seckey_save(const bs_seckey *sk, const char *path, const bs_passphrase *pass,
                   const bs_seal_params *params, unsigned flags, bs_error *err);
/* Parse text (no permission check).  getpass is called only for a sealed
 * file; NULL then fails with BS_E_PASS. */
int bs_seckey_parse(bs_seckey *sk, const char *name, const char *text, size_t len, unsigned flags,
                    bs_getpass_fn getpass, void *arg, bs_error *err);
/* Refuses (BS_E_PERM) a file whose mode grants anything to group or others. */
int bs_seckey_load(bs_seckey *sk, const char *path, unsigned flags, bs_getpass_fn getpass,
                   void *arg, bs_error *err);

/* ---- either kind */

/*
 * Read a public or secret key file and verify everything that needs no
 * passphrase: syntax, public fields, key id, permissions of a secret file,
 * and for an unsealed secret key also p and q (bs_seckey_finish).  Fills
 * *info and, if pk != NULL, the public key.
 */
int bs_keyfile_inspect(const char *path, unsigned flags, bs_pubkey *pk, bs_keyfile_info *info,
                       bs_error *err);

#endif
