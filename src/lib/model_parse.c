/*
 * model_parse.c - the strict blindscore-model(5) reader (see model.h).
 *
 * Every header field has a fixed place; an error names the file, the line
 * and the field, and says what was expected.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "model.h"
#include "tokenize.h"

#define MODEL_MAX_FILE   ((size_t)512 << 20)
#define SCORE_BOUND_LINE 13 /* fixed layout (+1 with subject-tag, +2 with norm-root) */

struct reader {
	const char *p, *end, *name;
	unsigned line;
	const char *cur; /* current line, NUL-free, without '\n' */
	size_t curlen;
	bs_error *err;
};

static int fail(struct reader *r, const char *field, const char *what)
{
	return bs_error_set(r->err, BS_E_DATA, "%s:%u: field '%s': %s", r->name, r->line, field,
	                    what);
}

/* Next line into r->cur; -1 at end of input or on a line without '\n'. */
static int next_line(struct reader *r, const char *field)
{
	const char *nl;

	r->line++;
	if (r->p >= r->end)
		return bs_error_set(r->err, BS_E_DATA, "%s:%u: field '%s': missing (file ends)",
		                    r->name, r->line, field);
	nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
	if (!nl)
		return fail(r, field, "line not terminated by a newline (truncated file?)");
	r->cur = r->p;
	r->curlen = (size_t)(nl - r->p);
	r->p = nl + 1;
	if (memchr(r->cur, '\0', r->curlen))
		return fail(r, field, "NUL byte in line");
	if (r->curlen > 200)
		return fail(r, field, "line too long");
	return 0;
}

/* The line must be "<field> <value>"; copies the value into val. */
static int field_line(struct reader *r, const char *field, char *val, size_t valsz)
{
	size_t fl = strlen(field);

	if (next_line(r, field) < 0)
		return -1;
	if (r->curlen <= fl + 1 || memcmp(r->cur, field, fl) != 0 || r->cur[fl] != ' ') {
		char what[300];
		snprintf(what, sizeof what, "expected '%s <value>', found '%.*s'", field,
		         (int)(r->curlen > 60 ? 60 : r->curlen), r->cur);
		return fail(r, field, what);
	}
	if (r->curlen - fl - 1 >= valsz)
		return fail(r, field, "value too long");
	memcpy(val, r->cur + fl + 1, r->curlen - fl - 1);
	val[r->curlen - fl - 1] = '\0';
	return 0;
}

/* Strict decimal integer: optional '-', digits, nothing else. */
static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	if (!((s[0] >= '0' && s[0] <= '9') || (s[0] == '-' && s[1] >= '0' && s[1] <= '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int int_field(struct reader *r, const char *field, long long lo, long long hi,
                     long long *out)
{
	char val[128], what[256];

	if (field_line(r, field, val, sizeof val) < 0)
		return -1;
	if (parse_int(val, lo, hi, out) < 0) {
		snprintf(what, sizeof what, "'%s' is not an integer in [%lld, %lld]", val, lo, hi);
		return fail(r, field, what);
	}
	return 0;
}

static int parse_double(const char *s, double *out)
{
	char *end;

	if (!*s || *s == ' ' || *s == '\t')
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	if (errno || *end || !isfinite(*out))
		return -1;
	return 0;
}

static int double_field(struct reader *r, const char *field, double *out)
{
	char val[128], what[256];

	if (field_line(r, field, val, sizeof val) < 0)
		return -1;
	if (parse_double(val, out) < 0) {
		snprintf(what, sizeof what, "'%s' is not a finite number", val);
		return fail(r, field, what);
	}
	return 0;
}

static int parse_header(struct reader *r, bs_model *m, long long *nweights)
{
	char val[128];
	long long v;

	if (next_line(r, "magic") < 0)
		return -1;
	if (r->curlen != strlen(BS_MODEL_MAGIC " 1") ||
	    memcmp(r->cur, BS_MODEL_MAGIC " ", strlen(BS_MODEL_MAGIC " ")) != 0)
		return fail(r, "magic", "not a blindscore model (expected 'blindscore-model 1')");
	if (r->cur[r->curlen - 1] != '0' + BS_MODEL_VERSION)
		return fail(r, "magic", "unsupported version (this reader knows version 1)");
	if (int_field(r, "tokenizer", 0, 1000, &v) < 0)
		return -1;
	if (v != BS_TOKENIZER_VERSION)
		return fail(r, "tokenizer", "unsupported tokenizer version");
	m->tokenizer_version = (unsigned)v;
	if (int_field(r, "ngram", 1, 2, &v) < 0)
		return -1;
	m->fp.ngram = (unsigned)v;
	if (int_field(r, "chargram", 0, 5, &v) < 0)
		return -1;
	if (v == 1 || v == 2)
		return fail(r, "chargram", "must be 0 or in [3, 5]");
	m->fp.chargram = (unsigned)v;
	if (int_field(r, "bits", BS_FEATURES_MIN_BITS, BS_FEATURES_MAX_BITS, &v) < 0)
		return -1;
	m->fp.bits = (unsigned)v;
	if (field_line(r, "salt", val, sizeof val) < 0)
		return -1;
	if (strlen(val) != 2 * BS_SALT_BYTES ||
	    bs_hex_decode(m->fp.salt, BS_SALT_BYTES, val, strlen(val)) != BS_SALT_BYTES)
		return fail(r, "salt", "expected 32 hex digits");
	if (int_field(r, "clip", 1, BS_FEATURES_MAX_CLIP, &v) < 0)
		return -1;
	m->fp.clip = (unsigned)v;
	/* Optional line, only in models with subject-tagged features. */
	if ((size_t)(r->end - r->p) > 12 && memcmp(r->p, "subject-tag ", 12) == 0) {
		if (int_field(r, "subject-tag", 1, 1, &v) < 0)
			return -1;
		m->fp.subject = 1;
	}
	/* Optional pair, only in normalized models. */
	if ((size_t)(r->end - r->p) > 10 && memcmp(r->p, "norm-root ", 10) == 0) {
		if (int_field(r, "norm-root", 2, 4, &v) < 0)
			return -1;
		if (v == 3)
			return fail(r, "norm-root", "must be 2 or 4");
		m->norm_root = (unsigned)v;
		if (int_field(r, "norm-bits", 0, BS_MODEL_MAX_NORM_BITS, &v) < 0)
			return -1;
		m->norm_bits = (unsigned)v;
		if (bs_model_norm_check(&m->fp, m->norm_root, m->norm_bits, NULL) < 0)
			return fail(r, "norm-bits",
			            "too large for bits and clip (N * 2^(R*G) "
			            "must fit in 64 bits)");
	}
	if (int_field(r, "scale-bits", 0, BS_MODEL_MAX_SCALE_BITS, &v) < 0)
		return -1;
	m->scale_bits = (unsigned)v;
	if (int_field(r, "weight-bound", 1, BS_MODEL_MAX_WEIGHT, &v) < 0)
		return -1;
	m->weight_bound = v;
	if (double_field(r, "bias", &m->bias) < 0 ||
	    double_field(r, "threshold", &m->threshold) < 0)
		return -1;
	if (int_field(r, "constant", -(1LL << 62), 1LL << 62, &v) < 0)
		return -1;
	m->constant = v;
	if (int_field(r, "score-bound", 0, 1LL << 62, &v) < 0)
		return -1;
	m->score_bound = v;
	return int_field(r, "weights", 0, 1LL << m->fp.bits, nweights);
}

static int parse_weight(struct reader *r, bs_model *m, size_t i)
{
	char buf[201], *a, *b, *c, what[120];
	long long bucket, w;
	double fw;

	if (next_line(r, "weight line") < 0)
		return -1;
	memcpy(buf, r->cur, r->curlen);
	buf[r->curlen] = '\0';
	a = buf;
	b = strchr(a, ' ');
	c = b ? strchr(b + 1, ' ') : NULL;
	if (!b || !c || strchr(c + 1, ' '))
		return fail(r, "weight line", "expected '<bucket> <weight> <float weight>'");
	*b++ = '\0';
	*c++ = '\0';
	if (parse_int(a, 0, (1LL << m->fp.bits) - 1, &bucket) < 0)
		return fail(r, "bucket", "not an integer in [0, 2^bits)");
	if (i > 0 && (uint32_t)bucket <= m->bucket[i - 1])
		return fail(r, "bucket", "buckets must be strictly ascending");
	if (parse_int(b, -m->weight_bound, m->weight_bound, &w) < 0) {
		snprintf(what, sizeof what, "not an integer within the weight bound +-%lld",
		         (long long)m->weight_bound);
		return fail(r, "weight", what);
	}
	if (parse_double(c, &fw) < 0 || fw == 0.0)
		return fail(r, "float weight", "not a finite non-zero number");
	m->bucket[i] = (uint32_t)bucket;
	m->weight[i] = (int32_t)w;
	m->fweight[i] = fw;
	return 0;
}

bs_model *bs_model_parse(const char *buf, size_t len, const char *name, bs_error *err)
{
	struct reader r = {buf, buf + len, name, 0, NULL, 0, err};
	bs_model *m = bs_xcalloc(1, sizeof *m);
	long long nw;
	int64_t bound = -1;

	if (parse_header(&r, m, &nw) < 0)
		goto fail;
	m->n = (size_t)nw;
	m->bucket = bs_xmalloc((m->n ? m->n : 1) * sizeof *m->bucket);
	m->weight = bs_xmalloc((m->n ? m->n : 1) * sizeof *m->weight);
	m->fweight = bs_xmalloc((m->n ? m->n : 1) * sizeof *m->fweight);
	for (size_t i = 0; i < m->n; i++)
		if (parse_weight(&r, m, i) < 0)
			goto fail;
	if (next_line(&r, "end") < 0)
		goto fail;
	if (r.curlen != 3 || memcmp(r.cur, "end", 3) != 0) {
		fail(&r, "end", "expected 'end' after the declared number of weight lines");
		goto fail;
	}
	if (r.p != r.end) {
		r.line++;
		fail(&r, "end", "data after 'end'");
		goto fail;
	}
	/* The declared bound must be the one the weights and constant give. */
	if (bs_model_bound(m, &bound) < 0 || bound != m->score_bound) {
		bs_error_set(err, BS_E_DATA,
		             "%s:%u: field 'score-bound': declared %lld but the weights and "
		             "constant give %lld",
		             name, SCORE_BOUND_LINE + m->fp.subject + (m->norm_root ? 2 : 0),
		             (long long)m->score_bound, (long long)bound);
		goto fail;
	}
	bs_model_build_dense(m);
	crypto_hash_sha256(m->id, (const unsigned char *)buf, len);
	return m;
fail:
	bs_model_free(m);
	return NULL;
}

bs_model *bs_model_read(const char *path, bs_error *err)
{
	char *buf;
	size_t len;
	bs_model *m;

	if (bs_read_file(path, MODEL_MAX_FILE, &buf, &len, err) < 0)
		return NULL;
	m = bs_model_parse(buf, len, path, err);
	free(buf);
	return m;
}
