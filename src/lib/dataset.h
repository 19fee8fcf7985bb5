/*
 * dataset.h - a labelled corpus turned into per-message feature lists in
 * memory: what training and the audit work on.
 *
 * Messages keep the corpus order.  Loading fails on the first message that
 * cannot be read, naming it.
 */
#ifndef BS_DATASET_H
#define BS_DATASET_H

#include <stddef.h>

#include "corpus.h"
#include "extract.h"
#include "features.h"
#include "util.h"

typedef struct bs_dataset {
	size_t n;      /* messages */
	int *label;    /* BS_LABEL_HAM / BS_LABEL_SPAM */
	size_t *start; /* features of message i: feat[start[i] .. start[i+1]) */
	bs_feature *feat;
	size_t nfeat, cap;
} bs_dataset;

/* Extract every message of c.  `progress` (may be NULL) labels a progress bar
 * on a TTY; `tap` (may be NULL) observes every hashed token. */
int bs_dataset_load(bs_dataset *d, const bs_corpus *c, const bs_feature_params *fp,
                    enum bs_text_mode mode, const char *progress, bs_feature_tap tap, void *tap_arg,
                    bs_error *err);
void bs_dataset_free(bs_dataset *d);

#endif
