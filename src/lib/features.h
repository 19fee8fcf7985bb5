/*
 * features.h - feature hashing: tokens in, clipped per-bucket counts out.
 *
 * One function serves training, audit, plaintext scoring and the milter, so a
 * message gets the same features everywhere.  A feature is a token (and, when
 * the model says ngram 2, also the pair "previous-token SP token") hashed with
 * SipHash-2-4 (libsodium crypto_shorthash) under the model's 16-byte salt; the
 * 8-byte digest read as a little-endian uint64 is reduced to its low `bits`
 * bits, the bucket.  Per message the counts of each bucket are kept in an
 * open-addressing table of at most 2^bits entries that grows on demand and is
 * reused, without reallocation, by the next message after bs_features_reset().
 * bs_features_get() returns (bucket, min(count, clip)) pairs sorted by bucket.
 *
 * A token never contains a space (tokenize.h), so "a b" names the pair
 * unambiguously.  Pairs link consecutive tokens of the whole message stream,
 * as the MIME walker delivers them (subject, then body parts).
 *
 * Subject-tagged features (the model says subject-tag 1): on a line whose
 * first two tokens are "subject" and ":" (the MIME walker delivers every
 * Subject header as such a line; the Enron text starts with one), each
 * further token of the line is hashed a second time as "subject:" + token.
 * A token never contains ':', so the tagged text is never a token, a pair or
 * a character n-gram.  Lines end at the tokenizer's break notices ('\n' and
 * flushes; bs_features_attach wires them) and at bs_features_reset; a caller
 * feeding tokens by hand calls bs_features_break at each line end.  Tagged
 * features are counted as features but not as tokens, and form no pairs or
 * n-grams.
 */
#ifndef BS_FEATURES_H
#define BS_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "tokenize.h"
#include "util.h"

#define BS_FEATURES_MIN_BITS 4
#define BS_FEATURES_MAX_BITS 24
#define BS_FEATURES_MAX_CLIP 255
#define BS_SALT_BYTES        16

typedef struct bs_feature_params {
	unsigned bits;     /* B: buckets are [0, 2^B) */
	unsigned clip;     /* C: counts are clipped to [0, C]; 1 = binary features */
	unsigned ngram;    /* 1 = tokens, 2 = tokens and pairs of consecutive tokens */
	unsigned chargram; /* 0, or n in [3, 5]: also the n-grams of "<word>" */
	unsigned subject;  /* 1: Subject-line tokens also hashed as "subject:" + token */
	uint8_t salt[BS_SALT_BYTES];
} bs_feature_params;

typedef struct bs_feature {
	uint32_t bucket;
	uint32_t count; /* already clipped to C */
} bs_feature;

typedef struct bs_features bs_features;

/* Optional observer of every hashed feature (the trainer's vocabulary):
 * text is the token or the pair "a b". */
typedef void (*bs_feature_tap)(void *arg, const char *text, size_t len, uint32_t bucket);

/* Check the ranges of *p; -1 with a message naming the field. */
int bs_feature_params_check(const bs_feature_params *p, bs_error *err);

/* The parameters are copied.  Returns NULL (err filled) if they are invalid. */
bs_features *bs_features_new(const bs_feature_params *p, bs_error *err);
void bs_features_free(bs_features *f);
/* Forget the current message; keeps the memory for the next one. */
void bs_features_reset(bs_features *f);

/* Set (or clear with NULL) the observer. */
void bs_features_set_tap(bs_features *f, bs_feature_tap tap, void *arg);

/* The bucket of one token (or of a pair "a b") under params p. */
uint32_t bs_features_hash(const bs_feature_params *p, const char *tok, size_t len);

/* Count one token of the current message (and its pair with the previous one). */
void bs_features_add_token(bs_features *f, const char *tok, size_t len);
/* A line of the current message ends (see subject-tagged features above). */
void bs_features_break(bs_features *f);
/* A bs_token_cb with arg = the bs_features. */
void bs_features_token_cb(void *arg, const char *tok, size_t len);
/* A bs_break_cb with arg = the bs_features. */
void bs_features_break_cb(void *arg);
/* bs_tok_init(t, bs_features_token_cb, f) and bs_tok_set_break(t,
 * bs_features_break_cb): the tokenizer feeds f. */
void bs_features_attach(bs_features *f, bs_tokenizer *t);

/* The current message's features sorted by bucket, counts clipped; the array
 * belongs to f and stays valid until the next add, reset or free. */
size_t bs_features_get(bs_features *f, const bs_feature **out);
/* Tokens counted since the last reset (pairs not included). */
unsigned long bs_features_tokens(const bs_features *f);

#endif
