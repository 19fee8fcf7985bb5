/*
 * mkmodel.c - write a tiny plaintext model for the milter tests:
 * mkmodel OUT [BITS [VARIANT]].  Every bucket gets a non-zero weight derived
 * from its index and VARIANT (deterministic; another variant is another
 * model, for the reload tests), so that any message has a score that
 * depends on its tokens.  Small B keeps encryption under a 512-bit test key
 * fast.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: mkmodel OUT [BITS [VARIANT]]\n");
		return 64;
	}
	bs_feature_params fp;
	memset(&fp, 0, sizeof fp);
	fp.bits = argc >= 3 ? (unsigned)atoi(argv[2]) : 8;
	size_t variant = argc == 4 ? (size_t)atoi(argv[3]) : 0;
	fp.clip = 3;
	fp.ngram = 1;
	for (unsigned i = 0; i < BS_SALT_BYTES; i++)
		fp.salt[i] = (unsigned char)(0x5a ^ (i * 17));
	size_t n = (size_t)1 << fp.bits;
	double *w = calloc(n, sizeof *w);
	if (w == NULL)
		return 71;
	for (size_t j = 0; j < n; j++)
		w[j] = ((double)((j * 37 + variant * 13) % 11) - 5.0) / 4.0 + 0.125;
	bs_error err;
	bs_model *m = bs_model_from_float(&fp, w, 0.5, 0.0, 8, 0, &err);
	free(w);
	if (m == NULL || bs_model_write(m, argv[1], 1, &err) < 0) {
		fprintf(stderr, "mkmodel: %s\n", err.msg);
		return 1;
	}
	bs_model_free(m);
	return 0;
}
