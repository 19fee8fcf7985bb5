/*
 * features.c - feature hashing and per-message bucket counts (see features.h).
 */
#include "config.h"

#include <stdlib.h>
#include <ctype.h>
#include <string.h>

#include <sodium.h>

#include "features.h"

#define MIN_SLOTS   256u
#define SUBJECT_TAG "subject:"

/* Where the current line stands, for subject-tagged features. */
enum line_state { LINE_START, LINE_SAW_SUBJECT, LINE_SUBJECT, LINE_OTHER };

struct slot {
	uint32_t key; /* bucket + 1; 0 = empty */
	uint32_t count;
};

struct bs_features {
	bs_feature_params p;
	struct slot *slots;
	uint32_t cap;   /* power of two, <= 2^(bits+1) */
	uint32_t *used; /* indices of occupied slots, cap / 2 of them at most */
	uint32_t nused;
	bs_feature *out; /* sorted, clipped copy for bs_features_get */
	int out_valid;
	unsigned long ntokens;
	char prev[BS_TOKEN_MAX];
	size_t prevlen; /* 0: no previous token in this message */
	enum line_state line;
	bs_feature_tap tap;
	void *tap_arg;
};

int bs_feature_params_check(const bs_feature_params *p, bs_error *err)
{
	if (p->bits < BS_FEATURES_MIN_BITS || p->bits > BS_FEATURES_MAX_BITS)
		return bs_error_set(err, BS_E_USAGE, "bits %u out of range [%d, %d]", p->bits,
		                    BS_FEATURES_MIN_BITS, BS_FEATURES_MAX_BITS);
	if (p->clip < 1 || p->clip > BS_FEATURES_MAX_CLIP)
		return bs_error_set(err, BS_E_USAGE, "clip %u out of range [1, %d]", p->clip,
		                    BS_FEATURES_MAX_CLIP);
	if (p->ngram != 1 && p->ngram != 2)
		return bs_error_set(err, BS_E_USAGE, "ngram %u must be 1 or 2", p->ngram);
	if (p->chargram != 0 && (p->chargram < 3 || p->chargram > 5))
		return bs_error_set(err, BS_E_USAGE, "chargram %u must be 0 or in [3, 5]",
		                    p->chargram);
	if (p->subject > 1)
		return bs_error_set(err, BS_E_USAGE, "subject-tag %u must be 0 or 1", p->subject);
	return 0;
}

static void alloc_table(bs_features *f, uint32_t cap)
{
	f->cap = cap;
	f->slots = bs_xcalloc(cap, sizeof *f->slots);
	f->used = bs_xmalloc((size_t)cap / 2 * sizeof *f->used);
	f->out = bs_xmalloc((size_t)cap / 2 * sizeof *f->out);
}

bs_features *bs_features_new(const bs_feature_params *p, bs_error *err)
{
	bs_features *f;
	uint32_t cap;

	if (bs_feature_params_check(p, err) < 0)
		return NULL;
	if (sodium_init() < 0) {
		bs_error_set(err, BS_E_INTERNAL, "libsodium initialisation failed");
		return NULL;
	}
	f = bs_xcalloc(1, sizeof *f);
	f->p = *p;
	cap = MIN_SLOTS;
	if (cap > 2u << p->bits)
		cap = 2u << p->bits;
	alloc_table(f, cap);
	return f;
}

void bs_features_free(bs_features *f)
{
	if (!f)
		return;
	free(f->slots);
	free(f->used);
	free(f->out);
	free(f);
}

void bs_features_reset(bs_features *f)
{
	for (uint32_t i = 0; i < f->nused; i++)
		f->slots[f->used[i]].key = 0;
	f->nused = 0;
	f->out_valid = 0;
	f->ntokens = 0;
	f->prevlen = 0;
	f->line = LINE_START;
}

uint32_t bs_features_hash(const bs_feature_params *p, const char *tok, size_t len)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v = 0;

	crypto_shorthash(h, (const unsigned char *)tok, len, p->salt);
	for (int i = 7; i >= 0; i--)
		v = v << 8 | h[i];
	return (uint32_t)(v & ((UINT64_C(1) << p->bits) - 1));
}

static uint32_t *lookup(bs_features *f, uint32_t bucket)
{
	uint32_t mask = f->cap - 1, i = bucket & mask;

	while (f->slots[i].key && f->slots[i].key != bucket + 1)
		i = (i + 1) & mask;
	if (!f->slots[i].key) {
		f->slots[i].key = bucket + 1;
		f->slots[i].count = 0;
		f->used[f->nused++] = i;
	}
	return &f->slots[i].count;
}

static void grow(bs_features *f)
{
	struct slot *old = f->slots;
	uint32_t *oldused = f->used, n = f->nused;

	free(f->out);
	alloc_table(f, f->cap * 2);
	f->nused = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct slot *s = &old[oldused[i]];
		*lookup(f, s->key - 1) = s->count;
	}
	free(old);
	free(oldused);
}

static void add_bucket(bs_features *f, uint32_t bucket)
{
	uint32_t *c;

	/* Load factor <= 1/2; at the largest table 2^bits entries always fit. */
	if (f->nused + 1 > f->cap / 2 && f->cap < (2u << f->p.bits))
		grow(f);
	c = lookup(f, bucket);
	if (*c < UINT32_MAX)
		(*c)++;
	f->out_valid = 0;
}

void bs_features_set_tap(bs_features *f, bs_feature_tap tap, void *arg)
{
	f->tap = tap;
	f->tap_arg = arg;
}

static void add_text(bs_features *f, const char *text, size_t len)
{
	uint32_t b = bs_features_hash(&f->p, text, len);

	add_bucket(f, b);
	if (f->tap)
		f->tap(f->tap_arg, text, len, b);
}

/* Subject-tagged features: follow the line, hash "subject:" + token. */
static void subject_tag(bs_features *f, const char *tok, size_t len)
{
	char tagged[sizeof SUBJECT_TAG - 1 + BS_TOKEN_MAX];

	switch (f->line) {
	case LINE_START:
		f->line =
		    len == 7 && memcmp(tok, "subject", 7) == 0 ? LINE_SAW_SUBJECT : LINE_OTHER;
		return;
	case LINE_SAW_SUBJECT:
		f->line = len == 1 && tok[0] == ':' ? LINE_SUBJECT : LINE_OTHER;
		return;
	case LINE_SUBJECT:
		memcpy(tagged, SUBJECT_TAG, sizeof SUBJECT_TAG - 1);
		memcpy(tagged + sizeof SUBJECT_TAG - 1, tok, len);
		add_text(f, tagged, sizeof SUBJECT_TAG - 1 + len);
		return;
	case LINE_OTHER:
		return;
	}
}

void bs_features_break(bs_features *f)
{
	f->line = LINE_START;
}

void bs_features_break_cb(void *arg)
{
	bs_features_break(arg);
}

void bs_features_add_token(bs_features *f, const char *tok, size_t len)
{
	if (len == 0)
		return;
	if (len > BS_TOKEN_MAX)
		len = BS_TOKEN_MAX;
	f->ntokens++;
	add_text(f, tok, len);
	if (f->p.subject)
		subject_tag(f, tok, len);
	if (f->p.chargram && len >= 2 &&
	    ((unsigned char)tok[0] >= 0x80 || isalnum((unsigned char)tok[0]))) {
		/* "\1" + n bytes of "<word>": control bytes never occur in tokens */
		char pad[BS_TOKEN_MAX + 3], gram[8];
		size_t n = f->p.chargram;
		pad[0] = '<';
		memcpy(pad + 1, tok, len);
		pad[len + 1] = '>';
		gram[0] = '\1';
		for (size_t i = 0; i + n <= len + 2; i++) {
			memcpy(gram + 1, pad + i, n);
			add_text(f, gram, n + 1);
		}
	}
	if (f->p.ngram < 2)
		return;
	if (f->prevlen) {
		char pair[2 * BS_TOKEN_MAX + 1];
		memcpy(pair, f->prev, f->prevlen);
		pair[f->prevlen] = ' ';
		memcpy(pair + f->prevlen + 1, tok, len);
		add_text(f, pair, f->prevlen + 1 + len);
	}
	memcpy(f->prev, tok, len);
	f->prevlen = len;
}

void bs_features_token_cb(void *arg, const char *tok, size_t len)
{
	bs_features_add_token(arg, tok, len);
}

void bs_features_attach(bs_features *f, bs_tokenizer *t)
{
	bs_tok_init(t, bs_features_token_cb, f);
	bs_tok_set_break(t, bs_features_break_cb);
}

static int cmp_bucket(const void *a, const void *b)
{
	const bs_feature *x = a, *y = b;
	return (x->bucket > y->bucket) - (x->bucket < y->bucket);
}

size_t bs_features_get(bs_features *f, const bs_feature **out)
{
	if (!f->out_valid) {
		for (uint32_t i = 0; i < f->nused; i++) {
			const struct slot *s = &f->slots[f->used[i]];
			f->out[i].bucket = s->key - 1;
			f->out[i].count = s->count < f->p.clip ? s->count : f->p.clip;
		}
		qsort(f->out, f->nused, sizeof *f->out, cmp_bucket);
		f->out_valid = 1;
	}
	*out = f->out;
	return f->nused;
}

unsigned long bs_features_tokens(const bs_features *f)
{
	return f->ntokens;
}
