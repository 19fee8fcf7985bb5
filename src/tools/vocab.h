/*
 * vocab.h - the private vocabulary side file (blindscore-vocab(5)): every
 * token (and token pair) the trainer saw, with its bucket, the bucket's
 * integer weight and the number of times it occurred in the training set.  Only
 * the key holder and the auditor have it: it turns buckets back into words.
 *
 * File: "blindscore-vocab 1", "model <model id hex>", then lines
 * "<token> TAB <bucket> TAB <weight> TAB <count>" sorted by token bytes.
 */
#ifndef BS_TOOLS_VOCAB_H
#define BS_TOOLS_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "util.h"

typedef struct vocab_entry {
	char *token;
	uint32_t bucket;
	uint32_t count; /* occurrences in the training set */
	int32_t weight;
} vocab_entry;

typedef struct vocab {
	vocab_entry *e; /* hash table */
	size_t cap, n;
} vocab;

void vocab_init(vocab *v);
void vocab_free(vocab *v);
/* A bs_feature_tap: arg = the vocab. */
void vocab_tap(void *arg, const char *text, size_t len, uint32_t bucket);

/* Write the entries seen at least min_count times, with the model's weights;
 * the table becomes a sorted array (vocab_entries). */
int vocab_write(vocab *v, const bs_model *m, unsigned min_count, const char *path, int overwrite,
                bs_error *err);
/* Read a side file; its model id must be m's.  Entries sorted by token. */
int vocab_read(vocab *v, const bs_model *m, const char *path, bs_error *err);
/* Compact the table into an array sorted by token (no more inserts). */
vocab_entry *vocab_entries(vocab *v, size_t *n);

#endif
