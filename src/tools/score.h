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
	/* Handle one message: `label` names it (path, or path:offset in an mbox). */
	int (*score)(void *arg, const char *label, const bs_feature *f, size_t n, FILE *out,
		     bs_error *err);
	/* Called once after the last message (may be NULL). */
	int (*finish)(void *arg, FILE *out, bs_error *err);
	void *arg;
};

/* blindscore-score --encrypt (score_encrypt.c): argv after option parsing. */
int score_encrypt_main(const char *key, const char *emodel, const char *spool, unsigned flags,
		       enum bs_text_mode mode, int nfiles, char **files);

/* Extract each message of c with fp and mode, print its path and let the
 * backend print its score. */
int score_messages(const bs_corpus *c, const bs_feature_params *fp, enum bs_text_mode mode,
                   const struct score_backend *be, FILE *out, bs_error *err);

#endif
