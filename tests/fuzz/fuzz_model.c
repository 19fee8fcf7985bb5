/*
 * fuzz_model.c - libFuzzer target for the plaintext model reader
 * (bs_model_parse, blindscore-model(5)).
 *
 * Checked promises: a model that parses can be written (bs_model_format)
 * and the written text parses again to the same model id and writes
 * identically (the writer's output is always readable, and canonical);
 * its declared score bound holds for the extreme messages (every positive,
 * or every negative, bucket at the clip count).
 *
 * Inputs declaring more than 2^16 buckets are skipped: a legitimate model
 * may have up to 2^24, and building its dense tables takes ~200 MB and
 * tens of milliseconds per execution, which would only slow the search.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model.h"

#include "fuzz.h"

#define MAX_FUZZ_BITS 16

static int too_many_buckets(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i + 6 < size; i++) {
		if ((i == 0 || data[i - 1] == '\n') && memcmp(data + i, "bits ", 5) == 0) {
			unsigned v = 0;
			for (size_t k = i + 5;
			     k < size && k < i + 12 && data[k] >= '0' && data[k] <= '9'; k++)
				v = v * 10 + (unsigned)(data[k] - '0');
			return v > MAX_FUZZ_BITS;
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bs_error err;
	bs_model *m, *again;
	char *text, *text2;
	size_t len, len2;

	fuzz_init();
	if (too_many_buckets(data, size))
		return 0;
	m = bs_model_parse((const char *)data, size, "fuzz.model", &err);
	if (!m)
		return 0;
	text = bs_model_format(m, &len);
	again = bs_model_parse(text, len, "formatted", &err);
	if (!again)
		abort(); /* the writer produced text its own reader refuses */
	text2 = bs_model_format(again, &len2);
	if (len2 != len || memcmp(text, text2, len) != 0 ||
	    memcmp(m->id, again->id, sizeof m->id) != 0)
		abort(); /* write(read(write(m))) differs from write(m) */

	/* The declared bound S covers the extreme scores (model.h). */
	{
		bs_feature *pos = calloc(m->n ? m->n : 1, sizeof *pos);
		bs_feature *neg = calloc(m->n ? m->n : 1, sizeof *neg);
		size_t np = 0, nn = 0;
		for (size_t i = 0; i < m->n; i++) {
			bs_feature *f = m->weight[i] > 0 ? &pos[np++] : &neg[nn++];
			f->bucket = m->bucket[i];
			f->count = m->fp.clip;
		}
		int64_t sp = bs_model_score(m, pos, np), sn = bs_model_score(m, neg, nn);
		if (sp > m->score_bound || sp < -m->score_bound || sn > m->score_bound ||
		    sn < -m->score_bound)
			abort(); /* a message can score outside the declared bound */
		free(pos);
		free(neg);
	}
	free(text);
	free(text2);
	bs_model_free(again);
	bs_model_free(m);
	return 0;
}
