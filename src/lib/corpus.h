/*
 * corpus.h - a labelled mail corpus: which messages, which label, in which
 * order.
 *
 * Sources: a directory (every regular file below it, recursively, one
 * message per file; names starting with '.' are skipped, so Maildir cur/ and
 * new/ work), an mbox file (a file named as a source that starts with
 * "From "; split on "\nFrom " lines), a single message file, or a manifest
 * CSV of "path,label" lines (label ham, spam, 0 or 1; paths relative to the
 * manifest's directory; an optional "path,label" header, blank lines and
 * '#' comments are skipped).  With label BS_LABEL_AUTO a directory's labels
 * come from the names of its subdirectories: files below a directory named
 * "ham" are ham, below "spam" spam, others are ignored (the Enron-Spam and
 * TREC layouts).
 *
 * After bs_corpus_sort the order is by path, then by offset within an mbox,
 * so the same inputs always give the same order.  A message read from a file
 * that starts with an mbox "From " line is returned without that line.
 */
#ifndef BS_CORPUS_H
#define BS_CORPUS_H

#include <stddef.h>

#include "util.h"

enum bs_label { BS_LABEL_AUTO = -1, BS_LABEL_HAM = 0, BS_LABEL_SPAM = 1 };

typedef struct bs_corpus_item {
	char *path;
	int label;     /* BS_LABEL_HAM or BS_LABEL_SPAM */
	size_t offset; /* start within an mbox file, else 0 */
	size_t length; /* bytes within an mbox file; 0 = the whole file */
} bs_corpus_item;

typedef struct bs_corpus {
	bs_corpus_item *item;
	size_t n, cap;
} bs_corpus;

void bs_corpus_init(bs_corpus *c);
void bs_corpus_free(bs_corpus *c);

/* Add a directory, mbox or message file with the given label (or AUTO for
 * directories laid out with ham/ and spam/ subdirectories). */
int bs_corpus_add(bs_corpus *c, const char *path, int label, bs_error *err);
/* Add the messages listed in a manifest CSV; unknown labels are errors
 * naming file and line. */
int bs_corpus_add_manifest(bs_corpus *c, const char *path, bs_error *err);
/* Parse a label word: ham/spam/0/1; -1 if unknown. */
int bs_label_parse(const char *s);
const char *bs_label_name(int label);

void bs_corpus_sort(bs_corpus *c);
size_t bs_corpus_count(const bs_corpus *c, int label);
/* Standard split: per class, in corpus order, the last `holdout` messages
 * form the test part.  Keeps the test part if keep_test, else the rest.
 * Fails if a class has no more than `holdout` messages. */
int bs_corpus_split(bs_corpus *c, size_t holdout, int keep_test, bs_error *err);

/* The bytes of message i (caller frees). */
int bs_corpus_read(const bs_corpus *c, size_t i, char **buf, size_t *len, bs_error *err);

#endif
