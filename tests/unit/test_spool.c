/*
 * test_spool.c - spool writer and verifier (src/lib/spool.c, spool_verify.c).
 *
 * Writer: the chain continues across close/reopen and across rotation, a
 * torn last line is closed and reported, a complete last line without LF is
 * kept, a second writer is refused.  Verifier: each kind of damage is
 * reported with the right kind and line.  Ciphertexts are arbitrary numbers
 * of a 512-bit key's width: no key is needed here.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "unit.h"

#define KEYID   "0123456789abcdef0123456789abcdef"
#define MODELID "aa23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char dir[128], path[300], rotated[300];

static void setup(void)
{
	ck_assert_int_eq(unit_tmpdir(dir, sizeof dir, "spool"), 0);
	snprintf(path, sizeof path, "%s/spool", dir);
	snprintf(rotated, sizeof rotated, "%s/spool.1", dir);
}

static void teardown(void)
{
	unit_rmtree(dir);
}

static void make(bs_record *r, int i)
{
	char buf[32];

	bs_record_init(r);
	r->time = 1764000000 + i;
	snprintf(buf, sizeof buf, "Q%d", i);
	bs_record_set_text(r->queueid, buf);
	bs_record_set_text(r->sender, "a@example.org");
	r->nrcpt = 1;
	strcpy(r->keyid, KEYID);
	strcpy(r->modelid, MODELID);
	mpz_set_ui(r->c, 1000u + (unsigned)i);
}

static void append(bs_spool_writer *w, int from, int n)
{
	bs_record r[8];
	bs_error err;

	for (int i = 0; i < n; i++)
		make(&r[i], from + i);
	ck_assert_msg(bs_spool_writer_append(w, r, (size_t)n, &err) == 0, "%s", err.msg);
	for (int i = 0; i < n; i++) {
		ck_assert_uint_eq(r[i].seq, (uint64_t)(from + i));
		bs_record_clear(&r[i]);
	}
}

/* ---- verifier harness: collects issues */

struct issues {
	int n, errors;
	enum bs_spool_problem kind[32];
	unsigned long line[32], record[32];
	char msg[32][512];
};

static void collect(void *arg, const bs_spool_issue *is)
{
	struct issues *x = arg;

	if (x->n < 32) {
		x->kind[x->n] = is->kind;
		x->line[x->n] = is->line;
		x->record[x->n] = is->record;
		strcpy(x->msg[x->n], is->msg);
	}
	x->n++;
	x->errors += is->error;
}

/* Verify the named files in order; return the number of records read. */
static int verify_files(const char **files, int nfiles, struct issues *x)
{
	bs_spool_verifier *v = bs_spool_verifier_new(collect, x);
	bs_record r;
	bs_error err;
	unsigned long idx, line;
	int n = 0;

	memset(x, 0, sizeof *x);
	bs_record_init(&r);
	for (int i = 0; i < nfiles; i++) {
		FILE *f = fopen(files[i], "r");
		ck_assert_ptr_nonnull(f);
		while (bs_spool_verifier_read(v, f, files[i], &r, &idx, &line, &err) == 1)
			n++;
		fclose(f);
	}
	bs_spool_verifier_finish(v);
	bs_spool_verifier_free(v);
	bs_record_clear(&r);
	return n;
}

static int verify_text(const char *text, struct issues *x)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	{
		const char *files[] = {path};
		return verify_files(files, 1, x);
	}
}

static char *slurp(const char *p)
{
	char *buf;
	size_t len;
	bs_error err;

	ck_assert_int_eq(bs_read_file(p, 1 << 20, &buf, &len, &err), 0);
	return buf;
}

/* ------------------------------------------------------------ writer */

START_TEST(test_reopen_continues)
{
	bs_spool_open_info info;
	bs_spool_writer *w;
	bs_error err;
	struct issues x;
	const char *files[] = {path};

	w = bs_spool_writer_open(path, NULL, 512, &info, &err);
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(info.state.seq, 0);
	append(w, 1, 2);
	append(w, 3, 1);
	bs_spool_writer_close(w);
	w = bs_spool_writer_open(path, NULL, 512, &info, &err);
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(info.state.seq, 3);
	ck_assert_uint_eq(info.torn_bytes, 0);
	append(w, 4, 2);
	/* a second writer is refused */
	ck_assert_ptr_null(bs_spool_writer_open(path, NULL, 512, NULL, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "locked"));
	bs_spool_writer_close(w);
	ck_assert_int_eq(verify_files(files, 1, &x), 5);
	ck_assert_int_eq(x.n, 0);
}
END_TEST

START_TEST(test_rotation)
{
	bs_spool_writer *w;
	bs_spool_open_info info;
	bs_error err;
	struct issues x;
	const char *both[] = {rotated, path}, *second[] = {path};

	w = bs_spool_writer_open(path, rotated, 512, NULL, &err);
	append(w, 1, 3);
	ck_assert_int_eq(rename(path, rotated), 0);
	ck_assert_int_eq(bs_spool_writer_reopen(w, &info, &err), 0);
	ck_assert_uint_eq(info.state.seq, 3);
	append(w, 4, 2);
	bs_spool_writer_close(w);
	ck_assert_int_eq(verify_files(both, 2, &x), 5);
	ck_assert_int_eq(x.n, 0);
	/* the current file alone: the chain starts at seq 4 (a note, no error) */
	ck_assert_int_eq(verify_files(second, 1, &x), 2);
	ck_assert_int_eq(x.errors, 0);
	ck_assert_int_eq(x.kind[0], BS_SPOOL_CHAIN_START);
	/* restart after rotation with an empty new file: state from spool.1 */
	ck_assert_int_eq(rename(path, rotated), 0);
	w = bs_spool_writer_open(path, rotated, 512, &info, &err);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(info.from_rotated, 1);
	ck_assert_uint_eq(info.state.seq, 5);
	append(w, 6, 1);
	bs_spool_writer_close(w);
	ck_assert_int_eq(verify_files(both, 2, &x), 2 + 1);
	ck_assert_int_eq(x.errors, 0);
}
END_TEST

START_TEST(test_torn_last_line)
{
	bs_spool_writer *w;
	bs_spool_open_info info;
	bs_error err;
	struct issues x;
	const char *files[] = {path};
	char *text;
	size_t len;
	int fd;

	w = bs_spool_writer_open(path, NULL, 512, NULL, &err);
	append(w, 1, 2);
	bs_spool_writer_close(w);
	/* a torn write: the first 40 bytes of a record, no LF */
	text = slurp(path);
	len = strlen(text);
	fd = open(path, O_WRONLY | O_APPEND);
	ck_assert_int_eq(write(fd, text, 40), 40);
	close(fd);
	ck_assert_int_eq(verify_files(files, 1, &x), 2);
	ck_assert_int_eq(x.kind[0], BS_SPOOL_TORN);
	ck_assert_uint_eq(x.line[0], 3);
	w = bs_spool_writer_open(path, NULL, 512, &info, &err);
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(info.torn_bytes, 40);
	ck_assert_uint_eq(info.state.seq, 2);
	append(w, 3, 1);
	bs_spool_writer_close(w);
	free(text);
	text = slurp(path);
	ck_assert(strlen(text) > len + 41);
	ck_assert(memcmp(text + len + 40, "\n", 1) == 0); /* fragment kept, closed */
	free(text);
	ck_assert_int_eq(verify_files(files, 1, &x), 3);
	ck_assert_int_eq(x.n, 1);
	ck_assert_int_eq(x.errors, 0);
	ck_assert_int_eq(x.kind[0], BS_SPOOL_FRAGMENT);
	ck_assert_uint_eq(x.line[0], 3);
}
END_TEST

START_TEST(test_complete_without_lf)
{
	bs_spool_writer *w;
	bs_spool_open_info info;
	bs_error err;
	struct issues x;
	const char *files[] = {path};
	char *text;

	w = bs_spool_writer_open(path, NULL, 512, NULL, &err);
	append(w, 1, 2);
	bs_spool_writer_close(w);
	text = slurp(path);
	ck_assert_int_eq(truncate(path, (off_t)strlen(text) - 1), 0); /* drop the LF */
	free(text);
	w = bs_spool_writer_open(path, NULL, 512, &info, &err);
	ck_assert_int_eq(info.completed, 1);
	ck_assert_uint_eq(info.torn_bytes, 0);
	ck_assert_uint_eq(info.state.seq, 2);
	append(w, 3, 1);
	bs_spool_writer_close(w);
	ck_assert_int_eq(verify_files(files, 1, &x), 3);
	ck_assert_int_eq(x.n, 0);
}
END_TEST

/* ------------------------------------------------------------ verifier */

static char *lines[7]; /* a good chain of 6 records, lines[1..6] */

static void make_lines(void)
{
	bs_spool_writer *w = bs_spool_writer_open(path, NULL, 512, NULL, NULL);
	char *text, *p;

	append(w, 1, 6);
	bs_spool_writer_close(w);
	text = slurp(path);
	p = text;
	for (int i = 1; i <= 6; i++) {
		char *nl = strchr(p, '\n');
		lines[i] = strndup(p, (size_t)(nl - p + 1));
		p = nl + 1;
	}
	free(text);
	unlink(path);
}

static char *join(const int *order, int n)
{
	static char buf[20000];

	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		strcat(buf, lines[order[i]]);
	return buf;
}

START_TEST(test_verify_kinds)
{
	struct issues x;
	char *edited, *p;

	make_lines();
	{ /* good */
		int o[] = {1, 2, 3, 4, 5, 6};
		ck_assert_int_eq(verify_text(join(o, 6), &x), 6);
		ck_assert_int_eq(x.n, 0);
	}
	{ /* missing: seq 3 deleted; seq 4 is on line 3 */
		int o[] = {1, 2, 4, 5, 6};
		verify_text(join(o, 5), &x);
		ck_assert_int_eq(x.n, 1);
		ck_assert_int_eq(x.kind[0], BS_SPOOL_MISSING);
		ck_assert_uint_eq(x.line[0], 3);
		ck_assert_ptr_nonnull(strstr(x.msg[0], "seq 3 is missing"));
	}
	{ /* reordered: no gap, no chain break reported */
		int o[] = {1, 2, 4, 3, 5, 6};
		ck_assert_int_eq(verify_text(join(o, 6), &x), 6);
		ck_assert_int_eq(x.n, 1);
		ck_assert_int_eq(x.kind[0], BS_SPOOL_REORDERED);
		ck_assert_uint_eq(x.line[0], 4);
	}
	{ /* duplicated */
		int o[] = {1, 2, 2, 3, 4, 5, 6};
		ck_assert_int_eq(verify_text(join(o, 7), &x), 6);
		ck_assert_int_eq(x.n, 1);
		ck_assert_int_eq(x.kind[0], BS_SPOOL_DUPLICATE);
		ck_assert_uint_eq(x.line[0], 3);
	}
	{ /* modified: the sender of seq 3 edited (still a valid record) */
		int o[] = {1, 2, 3, 4, 5, 6};
		edited = strdup(join(o, 6));
		p = strstr(edited, "Q3 - a@example.org");
		p[5] = 'b';
		ck_assert_int_eq(verify_text(edited, &x), 6);
		ck_assert_int_eq(x.n, 1);
		ck_assert_int_eq(x.kind[0], BS_SPOOL_MODIFIED);
		ck_assert_uint_eq(x.line[0], 3);
		ck_assert_uint_eq(x.record[0], 3);
		free(edited);
	}
	{ /* malformed: keyid of seq 3 upper-cased: field named, chain broken */
		int o[] = {1, 2, 3, 4, 5, 6};
		edited = strdup(join(o, 6));
		p = strstr(edited, "Q3 ");
		p = strstr(p, KEYID);
		p[10] = 'A';
		ck_assert_int_eq(verify_text(edited, &x), 5);
		ck_assert_int_eq(x.kind[0], BS_SPOOL_MALFORMED);
		ck_assert_uint_eq(x.line[0], 3);
		ck_assert_ptr_nonnull(strstr(x.msg[0], "field 'keyid'"));
		ck_assert_int_eq(x.kind[1], BS_SPOOL_MISSING);
		free(edited);
	}
	{ /* truncated in the middle of the last line */
		int o[] = {1, 2, 3, 4, 5, 6};
		edited = strdup(join(o, 6));
		edited[strlen(edited) - 30] = '\0';
		ck_assert_int_eq(verify_text(edited, &x), 5);
		ck_assert_int_eq(x.n, 1);
		ck_assert_int_eq(x.kind[0], BS_SPOOL_TORN);
		ck_assert_uint_eq(x.line[0], 6);
		free(edited);
	}
	{ /* the same seq with different content */
		int o[] = {1, 2, 3, 4, 5, 6};
		char *dup;
		edited = bs_xmalloc(20000);
		strcpy(edited, join(o, 6));
		dup = strdup(lines[3]);
		strstr(dup, "Q3")[1] = '9';
		strcat(edited, dup);
		ck_assert_int_eq(verify_text(edited, &x), 6);
		ck_assert_int_eq(x.kind[0], BS_SPOOL_MODIFIED);
		ck_assert_uint_eq(x.line[0], 7);
		ck_assert_uint_eq(x.record[0], 3);
		free(dup);
		free(edited);
	}
	for (int i = 1; i <= 6; i++)
		free(lines[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spool");
	TCase *tc = tcase_create("spool");

	bs_crypto_init();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reopen_continues);
	tcase_add_test(tc, test_rotation);
	tcase_add_test(tc, test_torn_last_line);
	tcase_add_test(tc, test_complete_without_lf);
	tcase_add_test(tc, test_verify_kinds);
	suite_add_tcase(s, tc);
	return unit_run(s, CK_FORK_GETENV);
}
