/*
 * score.h - blindscore-score's per-message loop with a pluggable backend:
 * the plaintext model now, an encrypting scorer later.
 */
#ifndef BS_TOOLS_SCORE_H
#define BS_TOOLS_SCORE_H

#include <stdio.h>

#include "corpus.h"
#include "extract.h"
#include "features.h"
#include "util.h"

struct score_backend {
	/* Print the rest of the message's line (after its path) for features f. */
	int (*score)(void *arg, const bs_feature *f, size_t n, FILE *out, bs_error *err);
	void *arg;
};

/* Extract each message of c with fp and mode, print its path and let the
 * backend print its score. */
int score_messages(const bs_corpus *c, const bs_feature_params *fp, enum bs_text_mode mode,
                   const struct score_backend *be, FILE *out, bs_error *err);

#endif
