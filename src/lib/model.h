/*
 * model.h - the plaintext model (blindscore-model(5)): read, write, quantize,
 * score.
 *
 * A model is a hashed bag-of-words logistic regression with integer weights.
 * The integer score of a message is
 *
 *     score = K + sum over its buckets j of count_j * w_j     (count_j <= C)
 *
 * and the message is flagged iff score >= 0.  K folds bias and threshold:
 * K = round((bias - threshold) * 2^F), w_j = round(wf_j * 2^F) with
 * |w_j| <= W.  The model declares the bound S on |score| over every possible
 * message: S = max(|K + C * sum_{w>0} w|, |K + C * sum_{w<0} w|); the
 * decryptor treats a larger value as tampering.  The trained float weights wf
 * are kept beside the integer ones so that the audit can compare the float
 * and integer decisions.
 *
 * Optional length normalization (norm-root R = 2 or 4, norm-bits G): the
 * float model was trained on x / N^(1/R), N = sum count_j^2 (the number of
 * distinct buckets for binary features), and its decision
 * sign(sum wf x / N^(1/R) + bias - threshold) is computed without division as
 *
 *     score = 2^G * sum count_j * w_j + K * nm,   nm = floor((N * 2^(R*G))^(1/R))
 *
 * (nm by exact integer roots: one isqrt for R = 2, two nested for R = 4), so
 * score / 2^(F+G) ~ sum wf x + (bias - threshold) * N^(1/R).  nm depends on the
 * plaintext features only: the encrypted scorer raises Enc(K) to it.  A
 * message without features (N = 0: no Subject, text or file name) counts as
 * N = 1: nm = 2^G and N^(1/R) = 1 in the float score, so it scores K * 2^G and
 * is flagged iff K >= 0, the float model's decision sign(bias - threshold) for
 * x = 0 (nm = 0 would score 0, flagged whatever K).  Without normalization
 * (R = 0) G = 0 and nm = 1.  The bound then covers nm in [0, nm(2^B * C^2)]
 * (a superset of the [2^G, ...] nm takes, kept so S of existing models stays).
 * The model id is the SHA-256 of the file's bytes (computed on read and
 * write, never stored in the file).
 *
 * The reader is strict: any malformed, missing, repeated, out-of-order or
 * out-of-range field is an error naming the file, the line and the field.
 */
#ifndef BS_MODEL_H
#define BS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "features.h"
#include "util.h"

#define BS_MODEL_MAGIC          "blindscore-model"
#define BS_MODEL_VERSION        1
#define BS_MODEL_MAX_SCALE_BITS 24
#define BS_MODEL_MAX_WEIGHT     INT32_MAX
#define BS_MODEL_ID_BYTES       32
#define BS_MODEL_MAX_NORM_BITS  16

typedef struct bs_model {
	unsigned tokenizer_version;
	bs_feature_params fp; /* B, C, ngram, chargram, subject-tag, salt */
	unsigned scale_bits;  /* F */
	unsigned norm_root;   /* R: 0 (no normalization), 2 or 4 */
	unsigned norm_bits;   /* G: 0 when R = 0 */
	int64_t weight_bound; /* W: every |w| <= W */
	double bias;          /* float bias of the trained model, for the record */
	double threshold;     /* decision threshold on the float score, for the record */
	int64_t constant;     /* K = round((bias - threshold) * 2^F) */
	int64_t score_bound;  /* S: |score| <= S for every message */
	size_t n;             /* lines: buckets with a non-zero float weight */
	uint32_t *bucket;     /* ascending */
	int32_t *weight;      /* integer weights w */
	double *fweight;      /* float weights wf */
	int32_t *dense;       /* 2^B integer weights, built on load */
	double *fdense;       /* 2^B float weights, built on load */
	uint8_t id[BS_MODEL_ID_BYTES];
} bs_model;

/* Parse a model from memory; `name` is used in error messages. */
bs_model *bs_model_parse(const char *buf, size_t len, const char *name, bs_error *err);
bs_model *bs_model_read(const char *path, bs_error *err);
/* Canonical text of the model (caller frees); also sets m->id. */
char *bs_model_format(bs_model *m, size_t *len);
int bs_model_write(bs_model *m, const char *path, int overwrite, bs_error *err);
void bs_model_free(bs_model *m);

/* Build a model from float weights w[0 .. 2^B) (zeros are left out), bias and
 * threshold: quantize with F fractional bits, saturating at +-wmax (0: no
 * limit but BS_MODEL_MAX_WEIGHT), and compute K, W and S.  Fails if the score
 * bound would not fit in 62 bits.  No normalization. */
bs_model *bs_model_from_float(const bs_feature_params *fp, const double *w, double bias,
                              double threshold, unsigned scale_bits, int64_t wmax, bs_error *err);
/* The same with norm-root R and norm-bits G as above (R = 0: none, G = 0). */
bs_model *bs_model_from_float_norm(const bs_feature_params *fp, const double *w, double bias,
                                   double threshold, unsigned scale_bits, int64_t wmax,
                                   unsigned norm_root, unsigned norm_bits, bs_error *err);

/* Check R, G against B and C (N * 2^(R*G) must fit in 64 bits); -1 + err. */
int bs_model_norm_check(const bs_feature_params *fp, unsigned norm_root, unsigned norm_bits,
                        bs_error *err);
/* nm of a message (1 without normalization); N = sum count^2, 0 taken as 1. */
uint64_t bs_model_norm_of(unsigned norm_root, unsigned norm_bits, uint64_t sumsq);
uint64_t bs_model_norm(const bs_model *m, const bs_feature *f, size_t n);

/* Integer score and float score (sum wf*count + (bias - threshold) * N^(1/R),
 * the last factor 1 without normalization or without features) of a message. */
int64_t bs_model_score(const bs_model *m, const bs_feature *f, size_t n);
double bs_model_score_float(const bs_model *m, const bs_feature *f, size_t n);
/* The decision rule: flagged iff the integer score is >= 0. */
static inline int bs_model_flagged(int64_t score)
{
	return score >= 0;
}

/* S for the model's weights and constant; -1 if it exceeds 2^62. */
int bs_model_bound(const bs_model *m, int64_t *bound);
/* Fill m->dense and m->fdense from the weight lines (for readers and builders). */
void bs_model_build_dense(bs_model *m);

/* Lower-case hex of the model id (65 bytes with the NUL). */
void bs_model_id_hex(const bs_model *m, char out[2 * BS_MODEL_ID_BYTES + 1]);

#endif
