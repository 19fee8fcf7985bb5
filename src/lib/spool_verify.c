/*
 * spool_verify.c - the streaming spool verifier (spool.h): strict parsing,
 * sequence and hash-chain checks, classification of every problem.
 *
 * Every record seen is remembered by seq (its hash and prev, where it was),
 * so that a record is checked against both chain neighbours whichever
 * arrives first, duplicates are recognised, and gaps are known at the end.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "spool.h"

struct entry {
	uint64_t seq;
	unsigned long line, index;
	const char *file;
	char hash[BS_HASH_HEXLEN + 1];
	char prev[BS_HASH_HEXLEN + 1];
};

struct pending {
	int have;
	const char *file;
	unsigned long line;
	char msg[400];
};

struct bs_spool_verifier {
	bs_spool_issue_fn fn;
	void *arg;
	struct entry *ent; /* in arrival order */
	size_t n, cap;
	size_t *slot; /* open addressing by seq: index+1 into ent, 0 = empty */
	size_t nslot;
	uint64_t head_seq; /* highest seq so far */
	size_t head;       /* its entry */
	size_t last;       /* entry of the last record in input order, n = none */
	struct pending frag;
	unsigned long errors;
	const char *cur_file;
	unsigned long lineno;
	char *buf;
};

static const char zero_hash[BS_HASH_HEXLEN + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static void issue(bs_spool_verifier *v, enum bs_spool_problem kind, int error, const char *file,
                  unsigned long line, unsigned long record, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void issue(bs_spool_verifier *v, enum bs_spool_problem kind, int error, const char *file,
                  unsigned long line, unsigned long record, const char *fmt, ...)
{
	bs_spool_issue is;
	va_list ap;

	memset(&is, 0, sizeof is);
	is.kind = kind;
	is.error = error;
	is.file = file;
	is.line = line;
	is.record = record;
	va_start(ap, fmt);
	vsnprintf(is.msg, sizeof is.msg, fmt, ap);
	va_end(ap);
	if (error)
		v->errors++;
	if (v->fn)
		v->fn(v->arg, &is);
}

bs_spool_verifier *bs_spool_verifier_new(bs_spool_issue_fn fn, void *arg)
{
	bs_spool_verifier *v = bs_xcalloc(1, sizeof *v);

	v->fn = fn;
	v->arg = arg;
	v->nslot = 1024;
	v->slot = bs_xcalloc(v->nslot, sizeof *v->slot);
	v->buf = bs_xmalloc(BS_RECORD_LINE_MAX + 1);
	return v;
}

void bs_spool_verifier_free(bs_spool_verifier *v)
{
	if (!v)
		return;
	free(v->ent);
	free(v->slot);
	free(v->buf);
	free(v);
}

unsigned long bs_spool_verifier_errors(const bs_spool_verifier *v)
{
	return v->errors;
}

/* ------------------------------------------------------------ seq table */

static size_t hash_seq(uint64_t s, size_t nslot)
{
	s ^= s >> 33;
	s *= 0xff51afd7ed558ccdULL;
	s ^= s >> 33;
	return (size_t)(s & (nslot - 1));
}

static struct entry *lookup(const bs_spool_verifier *v, uint64_t seq)
{
	for (size_t i = hash_seq(seq, v->nslot);; i = (i + 1) & (v->nslot - 1)) {
		if (v->slot[i] == 0)
			return NULL;
		if (v->ent[v->slot[i] - 1].seq == seq)
			return &v->ent[v->slot[i] - 1];
	}
}

static void place(bs_spool_verifier *v, size_t e)
{
	size_t i = hash_seq(v->ent[e].seq, v->nslot);

	while (v->slot[i])
		i = (i + 1) & (v->nslot - 1);
	v->slot[i] = e + 1;
}

static size_t insert(bs_spool_verifier *v, const struct entry *e)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 1024;
		v->ent = bs_xrealloc(v->ent, v->cap * sizeof *v->ent);
	}
	v->ent[v->n] = *e;
	if (2 * (v->n + 1) > v->nslot) {
		free(v->slot);
		v->nslot *= 2;
		v->slot = bs_xcalloc(v->nslot, sizeof *v->slot);
		for (size_t i = 0; i < v->n; i++)
			place(v, i);
	}
	place(v, v->n);
	return v->n++;
}

/* ------------------------------------------------------------ lines */

static void flush_fragment(bs_spool_verifier *v, int bridged)
{
	if (!v->frag.have)
		return;
	if (bridged)
		issue(v, BS_SPOOL_FRAGMENT, 0, v->frag.file, v->frag.line, 0,
		      "torn record left by an interrupted write and closed by the writer; the "
		      "chain continues intact over it (%s)",
		      v->frag.msg);
	else
		issue(v, BS_SPOOL_MALFORMED, 1, v->frag.file, v->frag.line, 0, "%s", v->frag.msg);
	v->frag.have = 0;
}

/* Check that b's prev is a's hash (a has seq b-1). */
static void check_link(bs_spool_verifier *v, const struct entry *a, const struct entry *b)
{
	if (strcmp(b->prev, a->hash) == 0)
		return;
	issue(v, BS_SPOOL_MODIFIED, 1, a->file, a->line, a->index,
	      "record seq %" PRIu64 " was modified: its hash does not match the one recorded by "
	      "seq %" PRIu64 " (%s line %lu), or that record's prev field was edited",
	      a->seq, b->seq, b->file, b->line);
}

int bs_spool_verifier_line(bs_spool_verifier *v, const char *name, unsigned long lineno,
                           const char *line, size_t len, int has_lf, bs_record *r,
                           unsigned long *index)
{
	char where[300];
	struct entry e, *old, *nb;
	bs_error err;
	size_t me;

	snprintf(where, sizeof where, "%s line %lu", name, lineno);
	if (bs_record_parse(r, line, len, where, &err) < 0) {
		const char *msg = err.msg + strlen(where) + 2;
		if (!has_lf) {
			flush_fragment(v, 0);
			issue(v, BS_SPOOL_TORN, 1, name, lineno, 0,
			      "last line has no line feed: a torn write, a truncated file, or a "
			      "write in progress (%s)",
			      msg);
			return 0;
		}
		flush_fragment(v, 0);
		v->frag.have = 1;
		v->frag.file = name;
		v->frag.line = lineno;
		snprintf(v->frag.msg, sizeof v->frag.msg, "%s", msg);
		return 0;
	}
	memset(&e, 0, sizeof e);
	e.seq = r->seq;
	e.line = lineno;
	e.file = name;
	bs_record_hash(line, len, e.hash);
	memcpy(e.prev, r->prev, sizeof e.prev);

	if (v->frag.have) {
		const struct entry *l = v->n ? &v->ent[v->last] : NULL;
		/* intact over it: the next record links to the one before, or the
		 * fragment was the first write of a chain (record 1 follows it) */
		flush_fragment(v, l ? e.seq == l->seq + 1 && strcmp(e.prev, l->hash) == 0
		                    : e.seq == 1 && strcmp(e.prev, zero_hash) == 0);
	}
	old = lookup(v, e.seq);
	if (old && strcmp(old->hash, e.hash) == 0) {
		issue(v, BS_SPOOL_DUPLICATE, 1, name, lineno, 0,
		      "record seq %" PRIu64 " is a duplicate of %s line %lu; ignored", e.seq,
		      old->file, old->line);
		return 0;
	}
	if (old) {
		issue(v, BS_SPOOL_MODIFIED, 1, name, lineno, old->index,
		      "record seq %" PRIu64 " appears again with different content (first at %s "
		      "line %lu): one of them was forged; neither is trusted",
		      e.seq, old->file, old->line);
		return 0;
	}
	e.index = (unsigned long)v->n + 1;
	if (v->n == 0 && e.seq > 1)
		issue(v, BS_SPOOL_CHAIN_START, 0, name, lineno, 0,
		      "the chain starts at seq %" PRIu64
		      "; earlier records are not in the input (rotated files?)",
		      e.seq);
	else if (v->n > 0 && e.seq < v->head_seq)
		issue(v, BS_SPOOL_REORDERED, 1, name, lineno, 0,
		      "record seq %" PRIu64 " is out of order: it comes after seq %" PRIu64
		      " (%s line %lu)",
		      e.seq, v->head_seq, v->ent[v->head].file, v->ent[v->head].line);
	me = insert(v, &e);
	if (e.seq == 1 && strcmp(e.prev, zero_hash) != 0)
		issue(v, BS_SPOOL_MODIFIED, 1, name, lineno, e.index,
		      "record seq 1 has a non-zero prev hash: the first record was modified");
	if (e.seq > 1 && (nb = lookup(v, e.seq - 1)) != NULL)
		check_link(v, nb, &v->ent[me]);
	if (e.seq < UINT64_MAX && (nb = lookup(v, e.seq + 1)) != NULL)
		check_link(v, &v->ent[me], nb);
	if (v->n == 1 || e.seq > v->head_seq) {
		v->head_seq = e.seq;
		v->head = me;
	}
	v->last = me;
	*index = e.index;
	return 1;
}

/* Bounded line reader: at most BS_RECORD_LINE_MAX bytes are kept. */
int bs_spool_verifier_read(bs_spool_verifier *v, FILE *f, const char *name, bs_record *r,
                           unsigned long *index, unsigned long *lineno, bs_error *err)
{
	if (v->cur_file != name) {
		v->cur_file = name;
		v->lineno = 0;
	}
	for (;;) {
		size_t len = 0;
		int ch = EOF, over = 0;

		while ((ch = getc_unlocked(f)) != EOF) {
			if (len < BS_RECORD_LINE_MAX)
				v->buf[len++] = (char)ch;
			else
				over = 1;
			if (ch == '\n')
				break;
		}
		if (ferror(f))
			return bs_error_set(err, BS_E_IO, "%s: read error", name);
		if (len == 0 && ch == EOF)
			return 0;
		v->lineno++;
		if (over) {
			flush_fragment(v, 0);
			issue(v, BS_SPOOL_MALFORMED, 1, name, v->lineno, 0,
			      "line longer than %d bytes", BS_RECORD_LINE_MAX);
			continue;
		}
		if (bs_spool_verifier_line(v, name, v->lineno, v->buf, len, ch == '\n', r, index)) {
			*lineno = v->lineno;
			return 1;
		}
	}
}

static int by_seq(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a,
	                   *y = *(const struct entry *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void bs_spool_verifier_finish(bs_spool_verifier *v)
{
	struct entry **sorted;

	flush_fragment(v, 0);
	if (v->n < 2)
		return;
	sorted = bs_xmalloc(v->n * sizeof *sorted);
	for (size_t i = 0; i < v->n; i++)
		sorted[i] = &v->ent[i];
	qsort(sorted, v->n, sizeof *sorted, by_seq);
	for (size_t i = 1; i < v->n; i++) {
		const struct entry *a = sorted[i - 1], *b = sorted[i];
		if (b->seq == a->seq + 1)
			continue;
		if (b->seq == a->seq + 2)
			issue(v, BS_SPOOL_MISSING, 1, b->file, b->line, 0,
			      "record seq %" PRIu64 " is missing (between %s line %lu and here)",
			      a->seq + 1, a->file, a->line);
		else
			issue(v, BS_SPOOL_MISSING, 1, b->file, b->line, 0,
			      "records seq %" PRIu64 "..%" PRIu64
			      " are missing (between %s line %lu and here)",
			      a->seq + 1, b->seq - 1, a->file, a->line);
	}
	free(sorted);
}
