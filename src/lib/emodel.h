/*
 * emodel.h - the encrypted model (blindscore-emodel(5)): build, write, load,
 * verify.
 *
 * An encrypted model holds one Paillier ciphertext per bucket, all 2^B of them
 * (zero weights too, so the operator cannot tell which buckets matter), plus
 * one for the folded constant K, under the key holder's public key (whose n
 * and hs are in the header, bound by the key id).  Ciphertext j is
 * (1 + w_j n) hs^(a_j) mod n^2 with a_j = KDF(seed, model id, j): an auditor
 * holding the plaintext model and the 32-byte seed re-derives every
 * ciphertext.  The header carries H(seed), never the seed.
 *
 * File: a text header ("blindscore-emodel 1" ... "end\n"), then the
 * ciphertexts as fixed-width big-endian numbers, then the SHA-256 of all
 * preceding bytes.  A loaded model has been checked entirely: header syntax,
 * sizes, the hash, the key (and its id against an expected key), every
 * ciphertext (0 < c < n^2, gcd(c, n) = 1).  Nothing half-loaded is returned.
 */
#ifndef BS_EMODEL_H
#define BS_EMODEL_H

#include <gmp.h>
#include <stddef.h>
#include <stdint.h>

#include "features.h"
#include "model.h"
#include "paillier.h"
#include "util.h"

#define BS_EMODEL_MAGIC   "blindscore-emodel"
#define BS_EMODEL_VERSION 1
#define BS_SEED_BYTES     32
#define BS_SEED_MAGIC     "blindscore-seed"

typedef struct bs_emodel {
	bs_pubkey pk; /* from the header, validated */
	unsigned tokenizer_version;
	bs_feature_params fp; /* B, C, ngram, chargram, subject-tag, salt */
	unsigned scale_bits;  /* F */
	unsigned norm_root;   /* R: 0, 2 or 4 (model.h) */
	unsigned norm_bits;   /* G */
	int64_t weight_bound; /* W */
	int64_t score_bound;  /* S */
	uint8_t model_id[BS_MODEL_ID_BYTES];
	char model_id_hex[2 * BS_MODEL_ID_BYTES + 1];
	uint8_t seed_hash[32];
	int64_t created;
	size_t count;          /* 2^B + 1: buckets, then the constant */
	size_t width;          /* bytes per ciphertext in the file */
	size_t stride;         /* limbs per ciphertext in memory: 2 x limbs of n */
	mp_limb_t *ct;         /* count * stride limbs, little-endian limbs: plain
	                          residues as loaded, or prepared operands of the
	                          engine named by `form` (bs_emodel_prepare) */
	int form;              /* 0: plain; else the bs_mm_impl of the form */
	uint8_t file_hash[32]; /* the trailing SHA-256 */
	char file_hash_hex[65];
} bs_emodel;

/* Encrypt a plaintext model under pk with seed (BS_SEED_BYTES) using `threads`
 * threads; writes `path` (O_EXCL unless overwrite).  `progress` shows a bar on
 * a TTY when non-zero.  Refuses a model whose score bound does not fit safely
 * in the plaintext space (S >= n/4). */
int bs_emodel_encrypt(const bs_model *m, const bs_pubkey *pk, const uint8_t *seed, unsigned threads,
                      int progress, const char *path, int overwrite, bs_error *err);

/* Load and validate.  expect (may be NULL): the key the caller will use; a
 * different key id is an error naming both. */
bs_emodel *bs_emodel_load(const char *path, const bs_pubkey *expect, bs_error *err);
void bs_emodel_free(bs_emodel *em);

/* Read-only mpz view of ciphertext j (valid while em lives), for a model
 * still plain (not prepared for a scorer). */
void bs_emodel_ct(const bs_emodel *em, size_t j, mpz_t view);

/* Convert every ciphertext into the mulmod engine's prepared form, in place,
 * once (the scorer does it; a second call with the same kind of engine is a
 * no-op, with another kind an error).  The memory is the same. */
struct bs_mm;
int bs_emodel_prepare(bs_emodel *em, const struct bs_mm *E, bs_error *err);

/*
 * The auditor's check: the plaintext model matches every header field, the
 * seed matches H(seed), and every ciphertext equals its re-derivation.  On a
 * mismatch err names the first one (field, or bucket index).
 */
int bs_emodel_verify(const bs_emodel *em, const bs_model *m, const uint8_t *seed, unsigned threads,
                     int progress, bs_error *err);

/* KDF: the randomizer exponent of ciphertext j (exp_bits = pk->bits/2). */
void bs_emodel_kdf(const uint8_t *seed, const uint8_t *model_id, uint64_t j, unsigned exp_bits,
                   mpz_t a);
void bs_emodel_seed_hash(const uint8_t *seed, uint8_t out[32]);

/* Seed files: "blindscore-seed 1\nmodel <hex>\nseed <hex>\n", mode 0600. */
int bs_seed_write(const char *path, const uint8_t *seed, const uint8_t *model_id, int overwrite,
                  bs_error *err);
int bs_seed_read(const char *path, uint8_t *seed, uint8_t *model_id, bs_error *err);

#endif
