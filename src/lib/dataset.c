/*
 * dataset.c - corpus -> feature lists (see dataset.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dataset.h"

int bs_dataset_load(bs_dataset *d, const bs_corpus *c, const bs_feature_params *fp,
                    enum bs_text_mode mode, const char *progress, bs_feature_tap tap, void *tap_arg,
                    bs_error *err)
{
	bs_extractor *x = bs_extractor_new(fp, mode, err);

	memset(d, 0, sizeof *d);
	if (!x)
		return -1;
	if (tap)
		bs_features_set_tap(bs_extractor_features(x), tap, tap_arg);
	d->label = bs_xmalloc((c->n ? c->n : 1) * sizeof *d->label);
	d->start = bs_xmalloc((c->n + 1) * sizeof *d->start);
	d->cap = 1 << 16;
	d->feat = bs_xmalloc(d->cap * sizeof *d->feat);
	d->start[0] = 0;
	for (size_t i = 0; i < c->n; i++) {
		const bs_feature *f;
		char *buf;
		size_t len, k;

		if (bs_corpus_read(c, i, &buf, &len, err) < 0) {
			bs_extractor_free(x);
			bs_dataset_free(d);
			return -1;
		}
		k = bs_extract(x, buf, len, &f);
		free(buf);
		if (d->nfeat + k > d->cap) {
			while (d->nfeat + k > d->cap)
				d->cap *= 2;
			d->feat = bs_xrealloc(d->feat, d->cap * sizeof *d->feat);
		}
		memcpy(d->feat + d->nfeat, f, k * sizeof *f);
		d->nfeat += k;
		d->label[i] = c->item[i].label;
		d->start[i + 1] = d->nfeat;
		d->n = i + 1;
		if (progress)
			bs_progress(progress, (unsigned long)(i + 1), (unsigned long)c->n);
	}
	if (progress)
		bs_progress_end();
	bs_extractor_free(x);
	return 0;
}

void bs_dataset_free(bs_dataset *d)
{
	free(d->label);
	free(d->start);
	free(d->feat);
	memset(d, 0, sizeof *d);
}
