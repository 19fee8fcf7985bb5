/*
 * sources.h - the labelled-corpus options shared by blindscore-train and
 * blindscore-audit (-H, -S, -m, SOURCE..., --split, --holdout, --plaintext):
 * collect them, then load them into one sorted bs_corpus.
 */
#ifndef BS_TOOLS_SOURCES_H
#define BS_TOOLS_SOURCES_H

#include <stddef.h>

#include "corpus.h"
#include "extract.h"
#include "util.h"

enum source_kind { SOURCE_AUTO, SOURCE_HAM, SOURCE_SPAM, SOURCE_MANIFEST };

struct source {
	const char *path;
	enum source_kind kind;
};

struct sources {
	struct source *s;
	size_t n;
	int split;      /* -1: no split, 0: train part, 1: test part */
	size_t holdout; /* per class, for the split */
	enum bs_text_mode mode;
};

void sources_init(struct sources *s);
void sources_free(struct sources *s);
void sources_add(struct sources *s, const char *path, enum source_kind kind);
/* "train" or "test"; -1 otherwise. */
int sources_set_split(struct sources *s, const char *part);
/* Enumerate, sort, split; fails if a class ends up empty. */
int sources_load(const struct sources *s, bs_corpus *c, bs_error *err);

#endif
