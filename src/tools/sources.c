/*
 * sources.c - labelled-corpus options -> bs_corpus (see sources.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sources.h"

#define DEFAULT_HOLDOUT 1000

void sources_init(struct sources *s)
{
	memset(s, 0, sizeof *s);
	s->split = -1;
	s->holdout = DEFAULT_HOLDOUT;
	s->mode = BS_TEXT_AUTO;
}

void sources_free(struct sources *s)
{
	free(s->s);
	s->s = NULL;
	s->n = 0;
}

void sources_add(struct sources *s, const char *path, enum source_kind kind)
{
	s->s = bs_xrealloc(s->s, (s->n + 1) * sizeof *s->s);
	s->s[s->n].path = path;
	s->s[s->n].kind = kind;
	s->n++;
}

int sources_set_split(struct sources *s, const char *part)
{
	if (!strcmp(part, "train"))
		s->split = 0;
	else if (!strcmp(part, "test"))
		s->split = 1;
	else
		return -1;
	return 0;
}

int sources_load(const struct sources *s, bs_corpus *c, bs_error *err)
{
	static const int label[] = {BS_LABEL_AUTO, BS_LABEL_HAM, BS_LABEL_SPAM, 0};

	bs_corpus_init(c);
	for (size_t i = 0; i < s->n; i++) {
		int r = s->s[i].kind == SOURCE_MANIFEST
		            ? bs_corpus_add_manifest(c, s->s[i].path, err)
		            : bs_corpus_add(c, s->s[i].path, label[s->s[i].kind], err);
		if (r < 0)
			goto fail;
	}
	bs_corpus_sort(c);
	if (s->split >= 0 && bs_corpus_split(c, s->holdout, s->split, err) < 0)
		goto fail;
	for (int l = 0; l < 2; l++) {
		if (bs_corpus_count(c, l) == 0) {
			bs_error_set(err, BS_E_DATA, "no %s messages in the sources given",
			             bs_label_name(l));
			goto fail;
		}
	}
	return 0;
fail:
	bs_corpus_free(c);
	return -1;
}
