/*
 * fuzz_spool.c - libFuzzer target for the spool verifier (spool.h:
 * bs_spool_verifier_line, _read, _finish) over multi-line input, and for
 * the writer's tail recovery (bs_spool_tail_state), which reads whatever a
 * crash or a full disk left at the end of a spool.
 *
 * Input: one flag byte, then the spool text.  Flag bit 0: read through
 * bs_spool_verifier_read from a stdio stream (the bounded line reader),
 * else line by line through bs_spool_verifier_line; bit 1: the text is two
 * files (split in the middle), read in order as one chain.  Checked
 * promises: every issue names a file and a line within the input, and a
 * record it condemns is one already read; the tail state's torn
 * fragment lies within the file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spool.h"

#include "fuzz.h"

struct seen {
	unsigned long records; /* records returned so far */
	unsigned long lines;   /* lines in the input (upper bound for issues) */
};

static void on_issue(void *arg, const bs_spool_issue *is)
{
	const struct seen *s = arg;

	if (!is->file || strnlen(is->msg, sizeof is->msg) == sizeof is->msg)
		abort();
	if (is->line == 0 || is->line > s->lines)
		abort(); /* an issue at a line that does not exist */
	if (is->record > s->records + 1)
		abort(); /* condemns a record that was never read (the one being read is +1) */
}

static void by_lines(bs_spool_verifier *v, const char *name, const uint8_t *data, size_t size,
                     struct seen *s)
{
	const char *p = (const char *)data, *end = p + size;
	unsigned long lineno = 0, index;
	bs_record r;

	bs_record_init(&r);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl + 1 - p) : (size_t)(end - p);
		lineno++;
		if (bs_spool_verifier_line(v, name, lineno, p, len, nl != NULL, &r, &index) == 1) {
			if (index != ++s->records)
				abort(); /* indexes are 1, 2, ... across files */
		}
		p += len;
	}
	bs_record_clear(&r);
}

static void by_stream(bs_spool_verifier *v, const char *name, const uint8_t *data, size_t size,
                      struct seen *s)
{
	FILE *f = fmemopen((void *)data, size, "r");
	unsigned long index, lineno;
	bs_record r;
	bs_error err;

	if (!f)
		return; /* fmemopen refuses size 0 on some libcs */
	bs_record_init(&r);
	while (bs_spool_verifier_read(v, f, name, &r, &index, &lineno, &err) == 1)
		if (index != ++s->records || lineno == 0 || lineno > s->lines)
			abort();
	bs_record_clear(&r);
	fclose(f);
}

static unsigned long count_lines(const uint8_t *data, size_t size)
{
	unsigned long n = 0;

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[2] = {"spool.1", "spool"};
	struct seen s = {0, 0};
	bs_spool_verifier *v;

	if (size < 1)
		return 0;
	fuzz_init();
	int stream = data[0] & 1, two = data[0] & 2;
	data++;
	size--;
	size_t cut = two ? size / 2 : size;
	s.lines = count_lines(data, size);
	v = bs_spool_verifier_new(on_issue, &s);
	if (stream) {
		by_stream(v, names[0], data, cut, &s);
		if (two)
			by_stream(v, names[1], data + cut, size - cut, &s);
	} else {
		by_lines(v, names[0], data, cut, &s);
		if (two)
			by_lines(v, names[1], data + cut, size - cut, &s);
	}
	bs_spool_verifier_finish(v);
	(void)bs_spool_verifier_errors(v);
	bs_spool_verifier_free(v);

	/* The writer's recovery at open, on the same bytes as a file. */
	{
		const char *path = fuzz_memfile(data, size);
		FILE *f = fopen(path, "r");
		bs_spool_state st;
		bs_error err;
		size_t torn;
		int complete;
		if (!f)
			abort();
		if (bs_spool_tail_state(fileno(f), "spool", &st, &torn, &complete, &err) == 0 &&
		    (torn > size || (complete && torn != 0) || (st.seq == 0 && complete)))
			abort();
		fclose(f);
	}
	return 0;
}
