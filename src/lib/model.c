/*
 * model.c - blindscore-model(5) reader and writer, quantization, scoring
 * (see model.h).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "model.h"
#include "tokenize.h"

#define SCORE_LIMIT ((__int128)1 << 62)

void bs_model_free(bs_model *m)
{
	if (!m)
		return;
	free(m->bucket);
	free(m->weight);
	free(m->fweight);
	free(m->dense);
	free(m->fdense);
	free(m);
}

static uint64_t isqrt64(uint64_t a)
{
	uint64_t r = (uint64_t)sqrt((double)a);

	/* Correct the floating-point estimate to the exact floor. */
	while (r > 0 && (r > UINT32_MAX || r * r > a))
		r--;
	while (r + 1 <= UINT32_MAX && (r + 1) * (r + 1) <= a)
		r++;
	return r;
}

/* N = 0 (a message without features) counts as N = 1: nm = 2^G, so the score
 * is K * 2^G and the decision sign(K), the float model's for x = 0 (nm = 0
 * would give score 0, flagged whatever K). */
uint64_t bs_model_norm_of(unsigned norm_root, unsigned norm_bits, uint64_t sumsq)
{
	uint64_t a;

	if (norm_root == 0)
		return 1;
	if (sumsq == 0)
		sumsq = 1;
	a = sumsq << (norm_root * norm_bits);
	a = isqrt64(a);
	return norm_root == 4 ? isqrt64(a) : a;
}

uint64_t bs_model_norm(const bs_model *m, const bs_feature *f, size_t n)
{
	uint64_t sumsq = 0;

	if (m->norm_root == 0)
		return 1;
	for (size_t i = 0; i < n; i++)
		sumsq += (uint64_t)f[i].count * f[i].count;
	return bs_model_norm_of(m->norm_root, m->norm_bits, sumsq);
}

/* The largest N = sum count^2: every bucket at the clip. */
static uint64_t max_sumsq(const bs_feature_params *fp)
{
	return ((uint64_t)1 << fp->bits) * fp->clip * fp->clip;
}

int bs_model_norm_check(const bs_feature_params *fp, unsigned norm_root, unsigned norm_bits,
                        bs_error *err)
{
	if (norm_root != 0 && norm_root != 2 && norm_root != 4)
		return bs_error_set(err, BS_E_USAGE, "norm root %u must be 0, 2 or 4", norm_root);
	if (norm_root == 0 && norm_bits != 0)
		return bs_error_set(err, BS_E_USAGE, "norm bits %u without a norm root", norm_bits);
	if (norm_bits > BS_MODEL_MAX_NORM_BITS)
		return bs_error_set(err, BS_E_USAGE, "norm bits %u out of range [0, %d]", norm_bits,
		                    BS_MODEL_MAX_NORM_BITS);
	if (norm_root && (norm_root * norm_bits >= 64 ||
	                  max_sumsq(fp) > (UINT64_MAX >> (norm_root * norm_bits))))
		return bs_error_set(err, BS_E_USAGE,
		                    "norm bits %u too large for bits %u and clip %u (N * 2^(%u*G) "
		                    "must fit in 64 bits)",
		                    norm_bits, fp->bits, fp->clip, norm_root);
	return 0;
}

/* Sum of C*w over positive and over negative weights, times 2^G, plus K*nm
 * at the extreme nm gives the extremes.  nm is 1 without normalization; with
 * it nm lies in [2^G, nm(N max)] (N = 0 counts as 1), but the bound takes
 * [0, nm(N max)], as it did before that rule: still a bound, and the S of
 * existing models (which encrypted models repeat and verify) is unchanged. */
int bs_model_bound(const bs_model *m, int64_t *bound)
{
	__int128 pos = 0, neg = 0, hi, lo, k0, k1;

	for (size_t i = 0; i < m->n; i++) {
		if (m->weight[i] > 0)
			pos += m->weight[i];
		else
			neg += m->weight[i];
	}
	if (m->norm_root) {
		k0 = 0;
		k1 = (__int128)m->constant *
		     (__int128)bs_model_norm_of(m->norm_root, m->norm_bits, max_sumsq(&m->fp));
	} else {
		k0 = k1 = m->constant;
	}
	pos *= (__int128)1 << m->norm_bits;
	neg *= (__int128)1 << m->norm_bits;
	hi = (k0 > k1 ? k0 : k1) + (__int128)m->fp.clip * pos;
	lo = (k0 < k1 ? k0 : k1) + (__int128)m->fp.clip * neg;
	hi = hi < 0 ? -hi : hi;
	lo = lo < 0 ? -lo : lo;
	if (hi < lo)
		hi = lo;
	if (hi > SCORE_LIMIT)
		return -1;
	*bound = (int64_t)hi;
	return 0;
}

void bs_model_build_dense(bs_model *m)
{
	size_t nb = (size_t)1 << m->fp.bits;

	m->dense = bs_xcalloc(nb, sizeof *m->dense);
	m->fdense = bs_xcalloc(nb, sizeof *m->fdense);
	for (size_t i = 0; i < m->n; i++) {
		m->dense[m->bucket[i]] = m->weight[i];
		m->fdense[m->bucket[i]] = m->fweight[i];
	}
}

bs_model *bs_model_from_float(const bs_feature_params *fp, const double *w, double bias,
                              double threshold, unsigned scale_bits, int64_t wmax, bs_error *err)
{
	return bs_model_from_float_norm(fp, w, bias, threshold, scale_bits, wmax, 0, 0, err);
}

bs_model *bs_model_from_float_norm(const bs_feature_params *fp, const double *w, double bias,
                                   double threshold, unsigned scale_bits, int64_t wmax,
                                   unsigned norm_root, unsigned norm_bits, bs_error *err)
{
	size_t nb, n = 0;
	double scale;
	bs_model *m;

	if (bs_feature_params_check(fp, err) < 0 ||
	    bs_model_norm_check(fp, norm_root, norm_bits, err) < 0)
		return NULL;
	if (scale_bits > BS_MODEL_MAX_SCALE_BITS) {
		bs_error_set(err, BS_E_USAGE, "scale bits %u out of range [0, %d]", scale_bits,
		             BS_MODEL_MAX_SCALE_BITS);
		return NULL;
	}
	if (wmax <= 0 || wmax > BS_MODEL_MAX_WEIGHT)
		wmax = BS_MODEL_MAX_WEIGHT;
	if (!isfinite(bias) || !isfinite(threshold)) {
		bs_error_set(err, BS_E_DATA, "bias or threshold is not a finite number");
		return NULL;
	}
	nb = (size_t)1 << fp->bits;
	scale = ldexp(1.0, (int)scale_bits);
	m = bs_xcalloc(1, sizeof *m);
	m->tokenizer_version = BS_TOKENIZER_VERSION;
	m->fp = *fp;
	m->scale_bits = scale_bits;
	m->norm_root = norm_root;
	m->norm_bits = norm_bits;
	m->bias = bias;
	m->threshold = threshold;
	for (size_t j = 0; j < nb; j++)
		n += w[j] != 0.0;
	m->bucket = bs_xmalloc((n ? n : 1) * sizeof *m->bucket);
	m->weight = bs_xmalloc((n ? n : 1) * sizeof *m->weight);
	m->fweight = bs_xmalloc((n ? n : 1) * sizeof *m->fweight);
	for (size_t j = 0; j < nb; j++) {
		double q;
		if (w[j] == 0.0)
			continue;
		if (!isfinite(w[j])) {
			bs_error_set(err, BS_E_DATA, "weight of bucket %zu is not finite", j);
			bs_model_free(m);
			return NULL;
		}
		q = round(w[j] * scale);
		if (q > (double)wmax)
			q = (double)wmax;
		if (q < -(double)wmax)
			q = -(double)wmax;
		m->bucket[m->n] = (uint32_t)j;
		m->weight[m->n] = (int32_t)q;
		m->fweight[m->n] = w[j];
		if (llabs((long long)q) > m->weight_bound)
			m->weight_bound = llabs((long long)q);
		m->n++;
	}
	if (m->weight_bound == 0)
		m->weight_bound = 1;
	if (fabs((bias - threshold) * scale) > 0x1p61) {
		bs_error_set(err, BS_E_DATA, "bias - threshold too large for scale 2^%u",
		             scale_bits);
		bs_model_free(m);
		return NULL;
	}
	m->constant = (int64_t)llround((bias - threshold) * scale);
	if (bs_model_bound(m, &m->score_bound) < 0) {
		bs_error_set(err, BS_E_DATA, "score bound exceeds 2^62: lower the scale bits");
		bs_model_free(m);
		return NULL;
	}
	bs_model_build_dense(m);
	return m;
}

/* |score| <= S < 2^62 (the bound covers every message), so int64 suffices. */
int64_t bs_model_score(const bs_model *m, const bs_feature *f, size_t n)
{
	int64_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += (int64_t)f[i].count * m->dense[f[i].bucket];
	return s * ((int64_t)1 << m->norm_bits) + m->constant * (int64_t)bs_model_norm(m, f, n);
}

double bs_model_score_float(const bs_model *m, const bs_feature *f, size_t n)
{
	double s = 0, sumsq = 0, k = m->bias - m->threshold;
	for (size_t i = 0; i < n; i++) {
		s += (double)f[i].count * m->fdense[f[i].bucket];
		sumsq += (double)f[i].count * f[i].count;
	}
	if (sumsq == 0)
		sumsq = 1; /* N^(1/R) = 1 for a message without features, as nm */
	if (m->norm_root == 2)
		k *= sqrt(sumsq);
	else if (m->norm_root == 4)
		k *= sqrt(sqrt(sumsq));
	return s + k;
}

void bs_model_id_hex(const bs_model *m, char out[2 * BS_MODEL_ID_BYTES + 1])
{
	bs_hex_encode(out, m->id, BS_MODEL_ID_BYTES);
}

/* ------------------------------------------------------------------ writer */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if ((size_t)k < b->cap - b->len)
			break;
		b->cap = b->cap * 2 + (size_t)k;
		b->p = bs_xrealloc(b->p, b->cap);
	}
	b->len += (size_t)k;
}

char *bs_model_format(bs_model *m, size_t *len)
{
	struct sbuf b = {bs_xmalloc(4096), 0, 4096};
	char salt[2 * BS_SALT_BYTES + 1];

	bs_hex_encode(salt, m->fp.salt, BS_SALT_BYTES);
	sb_printf(&b, "%s %d\n", BS_MODEL_MAGIC, BS_MODEL_VERSION);
	sb_printf(&b, "tokenizer %u\nngram %u\nchargram %u\nbits %u\nsalt %s\nclip %u\n",
	          m->tokenizer_version, m->fp.ngram, m->fp.chargram, m->fp.bits, salt, m->fp.clip);
	if (m->fp.subject) /* optional lines: models without them stay as they were */
		sb_printf(&b, "subject-tag 1\n");
	if (m->norm_root)
		sb_printf(&b, "norm-root %u\nnorm-bits %u\n", m->norm_root, m->norm_bits);
	sb_printf(&b, "scale-bits %u\nweight-bound %lld\n", m->scale_bits,
	          (long long)m->weight_bound);
	sb_printf(&b, "bias %.17g\nthreshold %.17g\n", m->bias, m->threshold);
	sb_printf(&b, "constant %lld\nscore-bound %lld\nweights %zu\n", (long long)m->constant,
	          (long long)m->score_bound, m->n);
	for (size_t i = 0; i < m->n; i++)
		sb_printf(&b, "%u %d %.9g\n", m->bucket[i], m->weight[i], m->fweight[i]);
	sb_printf(&b, "end\n");
	crypto_hash_sha256(m->id, (const unsigned char *)b.p, b.len);
	*len = b.len;
	return b.p;
}

int bs_model_write(bs_model *m, const char *path, int overwrite, bs_error *err)
{
	size_t len;
	char *text = bs_model_format(m, &len);
	int r = bs_write_file(path, text, len, 0644, overwrite, err);
	free(text);
	return r;
}
