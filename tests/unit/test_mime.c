/*
 * test_mime.c - Check suite for the MIME walker (mime.c, mime_part.c); its
 * decoders have their own suite, test_decode.c.
 *
 *   - golden messages tests/data/mime/NAME.eml with expected tokens NAME.tok:
 *     raw mode in chunks of every size 1..64 and 65,535, and split mode
 *     (headers one by one as a milter gets them, body in chunks), all equal;
 *   - bounds: a 100 MB line, 10,000 nested multiparts, a 1 MB header, 10,000
 *     headers, each fast and with the expected tokens;
 *   - with $CORPORA/trec07p-half.tar.xz: every message walked, raw and split
 *     mode compared, throughput printed.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "tarxz.h"
#include "tokenize.h"
#include "util.h"
#include "unit.h"

/* ---------------------------------------------------------------- helpers */

struct toks {
	char *s; /* tokens, each followed by '\n' */
	size_t len, cap, n;
};

static void toks_cb(void *arg, const char *tok, size_t len)
{
	struct toks *t = arg;

	if (t->len + len + 1 > t->cap) {
		t->cap = (t->len + len + 1) * 2 + 64;
		t->s = bs_xrealloc(t->s, t->cap);
	}
	memcpy(t->s + t->len, tok, len);
	t->len += len;
	t->s[t->len++] = '\n';
	t->n++;
}

static void toks_clear(struct toks *t)
{
	t->len = 0;
	t->n = 0;
}

static int toks_eq(const struct toks *t, const char *want, size_t wlen)
{
	return t->len == wlen && (wlen == 0 || memcmp(t->s, want, wlen) == 0);
}

/* Walk a raw message fed in chunks of `chunk` bytes; tokens into *t. */
static unsigned walk_raw(const char *msg, size_t len, size_t chunk, struct toks *t)
{
	bs_tokenizer tok;
	bs_mime *m;
	unsigned anom;

	toks_clear(t);
	bs_tok_init(&tok, toks_cb, t);
	m = bs_mime_new(BS_MIME_RFC822, &tok);
	for (size_t off = 0; off < len; off += chunk)
		bs_mime_feed(m, msg + off, len - off < chunk ? len - off : chunk);
	bs_mime_finish(m);
	anom = bs_mime_anomalies(m);
	bs_mime_free(m);
	return anom;
}

/* Split mode as a milter sees the message: the mbox From_ line is not
 * there; each header comes as (name, value) with the space after the colon
 * removed (Postfix) and folding line breaks kept; then the body in chunks.
 * Returns -1 if the header block is not one the MTA would have split this
 * way (a line that is neither header nor continuation). */
static int walk_split(const char *msg, size_t len, size_t chunk, struct toks *t)
{
	bs_tokenizer tok;
	bs_mime *m;
	size_t i = 0;
	char *name = NULL, *value = NULL;
	int rc = 0;

	toks_clear(t);
	bs_tok_init(&tok, toks_cb, t);
	m = bs_mime_new(BS_MIME_RFC822, &tok);
	if (len >= 5 && memcmp(msg, "From ", 5) == 0) {
		const char *nl = memchr(msg, '\n', len);
		i = nl ? (size_t)(nl + 1 - msg) : len;
	}
	while (i < len) {
		const char *nl = memchr(msg + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - msg) : len; /* line is msg[i..e) */
		size_t c = e;
		if (c > i && msg[c - 1] == '\r')
			c--;
		if (c == i) { /* blank line */
			i = nl ? e + 1 : len;
			break;
		}
		size_t colon = i;
		while (colon < c && msg[colon] != ':' && (unsigned char)msg[colon] > ' ' &&
		       (unsigned char)msg[colon] < 0x7f)
			colon++;
		if (colon == i || colon >= c || msg[colon] != ':' || c - i >= 1u << 20) {
			rc = -1;
			goto out;
		}
		/* the value runs over continuation lines */
		size_t vs = colon + 1, ve = c, next = nl ? e + 1 : len;
		if (vs < ve && msg[vs] == ' ')
			vs++;
		while (next < len && (msg[next] == ' ' || msg[next] == '\t')) {
			const char *nl2 = memchr(msg + next, '\n', len - next);
			size_t e2 = nl2 ? (size_t)(nl2 - msg) : len;
			ve = e2 > next && msg[e2 - 1] == '\r' ? e2 - 1 : e2;
			next = nl2 ? e2 + 1 : len;
		}
		name = bs_xmalloc(colon - i + 1);
		memcpy(name, msg + i, colon - i);
		name[colon - i] = '\0';
		value = bs_xmalloc(ve >= vs ? ve - vs + 1 : 1);
		memcpy(value, msg + vs, ve >= vs ? ve - vs : 0);
		value[ve >= vs ? ve - vs : 0] = '\0';
		if (memchr(msg + vs, '\0', ve >= vs ? ve - vs : 0)) {
			rc = -1; /* libmilter strings cannot carry NUL */
			goto out;
		}
		bs_mime_header(m, name, value);
		free(name);
		free(value);
		name = value = NULL;
		i = next;
	}
	bs_mime_end_headers(m);
	for (size_t off = i; off < len; off += chunk)
		bs_mime_body(m, msg + off, len - off < chunk ? len - off : chunk);
	bs_mime_finish(m);
out:
	free(name);
	free(value);
	bs_mime_free(m);
	return rc;
}

static char *read_data(const char *name, const char *ext, size_t *len)
{
	char path[4096];
	const char *top = getenv("top_srcdir");
	char *buf;
	bs_error err;

	snprintf(path, sizeof path, "%s/tests/data/mime/%s%s", top ? top : "..", name, ext);
	if (bs_read_file(path, 1u << 24, &buf, len, &err) != 0)
		ck_abort_msg("%s", err.msg);
	return buf;
}

/* ---------------------------------------------------------------- golden */

static const char *const golden[] = {
    "plain",  "encoded-subject-qp", "multipart-alt", "nested-rfc822",
    "broken", "no-ctype-b64",       "truncated",     "nul-noeol",
};

struct golden_anom {
	const char *name;
	unsigned anom;
} golden_anoms[] = {
    {"plain", 0},
    {"encoded-subject-qp", 0},
    {"multipart-alt", 0},
    {"nested-rfc822", 0},
    {"broken", BS_MIME_ANOM_NO_BOUNDARY | BS_MIME_ANOM_UNCLOSED},
    {"no-ctype-b64", 0},
    {"truncated", BS_MIME_ANOM_UNCLOSED},
    {"nul-noeol", 0},
};

START_TEST(test_golden)
{
	const char *name = golden[_i];
	size_t mlen, tlen;
	char *msg = read_data(name, ".eml", &mlen);
	char *want = read_data(name, ".tok", &tlen);
	struct toks t = {0};
	unsigned anom;

	anom = walk_raw(msg, mlen, mlen ? mlen : 1, &t);
	if (!toks_eq(&t, want, tlen))
		ck_abort_msg("%s whole: got\n%.*s\nwant\n%.*s", name, (int)t.len, t.s, (int)tlen,
		             want);
	ck_assert_uint_eq(anom, golden_anoms[_i].anom);
	for (size_t chunk = 1; chunk <= 65; chunk++) {
		size_t c = chunk == 65 ? 65535 : chunk;
		walk_raw(msg, mlen, c, &t);
		if (!toks_eq(&t, want, tlen))
			ck_abort_msg("%s raw chunk %zu: got\n%.*s", name, c, (int)t.len, t.s);
		ck_assert_int_eq(walk_split(msg, mlen, c, &t), 0);
		if (!toks_eq(&t, want, tlen))
			ck_abort_msg("%s split chunk %zu: got\n%.*s", name, c, (int)t.len, t.s);
	}
	free(t.s);
	free(msg);
	free(want);
}
END_TEST

START_TEST(test_plaintext_mode)
{
	static const char text[] = "Subject: re : meeting\nwe ' d get her a number .\n";
	struct toks t = {0}, u = {0};
	bs_tokenizer tok;
	bs_mime *m;

	bs_tok_init(&tok, toks_cb, &t);
	m = bs_mime_new(BS_MIME_PLAINTEXT, &tok);
	for (size_t i = 0; i < sizeof text - 1; i += 5)
		bs_mime_feed(m, text + i, sizeof text - 1 - i < 5 ? sizeof text - 1 - i : 5);
	bs_mime_finish(m);
	bs_mime_free(m);
	bs_tok_init(&tok, toks_cb, &u);
	bs_tok_feed(&tok, text, sizeof text - 1);
	bs_tok_flush(&tok);
	ck_assert_uint_eq(t.n, 13);
	ck_assert(toks_eq(&t, u.s, u.len));
	free(t.s);
	free(u.s);
}
END_TEST

START_TEST(test_reset_reuses)
{
	struct toks t = {0};
	bs_tokenizer tok;
	bs_mime *m;
	static const char a[] =
	    "Subject: one\nContent-Type: multipart/mixed; boundary=x\n\n--x\n\ntw";
	static const char b[] = "Subject: two\n\nthree\n";

	bs_tok_init(&tok, toks_cb, &t);
	m = bs_mime_new(BS_MIME_RFC822, &tok);
	bs_mime_feed(m, a, sizeof a - 1); /* abandoned mid-message (milter abort) */
	bs_mime_reset(m);
	toks_clear(&t);
	bs_mime_feed(m, b, sizeof b - 1);
	bs_mime_finish(m);
	ck_assert_uint_eq(bs_mime_anomalies(m), 0);
	ck_assert_uint_eq(t.len, strlen("subject\n:\ntwo\nthree\n"));
	ck_assert_int_eq(memcmp(t.s, "subject\n:\ntwo\nthree\n", t.len), 0);
	bs_mime_free(m);
	free(t.s);
}
END_TEST

/* ---------------------------------------------------------------- bounds */

START_TEST(test_huge_line)
{
	/* 100 MB body on one line: "ab " repeated, in 65,535-byte chunks */
	static const char hdr[] = "Subject: big\nContent-Type: text/plain\n\n";
	size_t total = 100u << 20, chunk = 65535;
	char *buf = bs_xmalloc(chunk);
	struct toks t = {0};
	bs_tokenizer tok;
	bs_mime *m;
	double t0 = bs_now();

	for (size_t i = 0; i < chunk; i++)
		buf[i] = "ab "[i % 3];
	bs_tok_init(&tok, toks_cb, &t);
	m = bs_mime_new(BS_MIME_RFC822, &tok);
	bs_mime_feed(m, hdr, sizeof hdr - 1);
	for (size_t done = 0; done < total; done += chunk) {
		bs_mime_feed(m, buf, chunk);
		toks_clear(&t); /* keep memory flat: count only */
	}
	bs_mime_finish(m);
	fprintf(stderr, "test_huge_line: 100 MB line in %.2f s\n", bs_now() - t0);
	ck_assert_uint_eq(bs_mime_anomalies(m), 0);
	bs_mime_free(m);
	free(buf);
	free(t.s);
}
END_TEST

START_TEST(test_deep_nesting)
{
	/* 10,000 nested multiparts, each with a text part before the next level */
	size_t cap = 10000 * 120 + 1024, len = 0;
	char *msg = bs_xmalloc(cap);
	struct toks t = {0};
	unsigned anom;

	len += (size_t)sprintf(msg + len,
	                       "Subject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n");
	for (int i = 0; i < 10000; i++)
		len += (size_t)sprintf(msg + len,
		                       "--b%d\n\nlevel%d\n--b%d\nContent-Type: multipart/mixed; "
		                       "boundary=b%d\n\n",
		                       i, i, i, i + 1);
	len += (size_t)sprintf(msg + len, "--b10000\n\ninnermost\n");
	for (int i = 10000; i >= 0; i--)
		len += (size_t)sprintf(msg + len, "--b%d--\n", i);
	ck_assert_uint_lt(len, cap);

	double t0 = bs_now();
	anom = walk_raw(msg, len, 65535, &t);
	fprintf(stderr, "test_deep_nesting: %zu bytes in %.3f s\n", len, bs_now() - t0);
	ck_assert(anom & BS_MIME_ANOM_DEPTH);
	/* levels 0..15 are walked, the rest skipped */
	ck_assert_uint_eq(t.n, 3 + BS_MIME_MAX_DEPTH);
	ck_assert(memmem(t.s, t.len, "level15\n", 8) != NULL);
	ck_assert(memmem(t.s, t.len, "level16\n", 8) == NULL);
	free(msg);
	free(t.s);
}
END_TEST

START_TEST(test_huge_header)
{
	/* a 1 MB Subject and a 1 MB unknown header: cut, and the body still found */
	size_t big = 1u << 20, len = 0;
	char *msg = bs_xmalloc(2 * big + 1024);
	struct toks t = {0};
	unsigned anom;

	len += (size_t)sprintf(msg + len, "X-Junk: ");
	for (size_t i = 0; i < big; i++)
		msg[len++] = i % 70 == 69 ? '\n' : (i % 70 == 0 ? ' ' : 'j');
	len += (size_t)sprintf(msg + len, "\nSubject: ");
	for (size_t i = 0; i < big; i++)
		msg[len++] = "s "[i % 2];
	len += (size_t)sprintf(msg + len, "\n\nbody words\n");

	anom = walk_raw(msg, len, 65535, &t);
	ck_assert(anom & BS_MIME_ANOM_LONG_HEADER);
	/* subject : then BS_MIME_HEADER_MAX / 2 "s", then the body */
	ck_assert_uint_eq(t.n, 2 + BS_MIME_HEADER_MAX / 2 + 2);
	ck_assert(t.len > 11 && memcmp(t.s + t.len - 11, "body\nwords\n", 11) == 0);
	free(msg);
	free(t.s);
}
END_TEST

START_TEST(test_many_headers)
{
	size_t len = 0;
	char *msg = bs_xmalloc(10000 * 40 + 1024);
	struct toks t = {0};

	for (int i = 0; i < 10000; i++)
		len += (size_t)sprintf(msg + len, "X-Header-%d: value %d\r\n", i, i);
	len += (size_t)sprintf(msg + len, "Subject: last\r\n\r\nthe body\r\n");
	double t0 = bs_now();
	ck_assert_uint_eq(walk_raw(msg, len, 1000, &t), 0);
	ck_assert_double_lt(bs_now() - t0, 2.0);
	ck_assert_uint_eq(t.len, strlen("subject\n:\nlast\nthe\nbody\n"));
	ck_assert_int_eq(memcmp(t.s, "subject\n:\nlast\nthe\nbody\n", t.len), 0);
	free(msg);
	free(t.s);
}
END_TEST

START_TEST(test_long_lines_everywhere)
{
	/* a 1 MB line in the header block with no colon, a 1 MB base64 line, a
	 * 1 MB boundary-like line: bounded, and the structure survives */
	size_t big = 1u << 20, len = 0;
	char *msg = bs_xmalloc(4 * big);
	struct toks t = {0};
	unsigned anom;

	len += (size_t)sprintf(msg + len, "Content-Type: multipart/mixed; boundary=q\n\n--q\n"
	                                  "Content-Transfer-Encoding: base64\n\n");
	for (size_t i = 0; i < big; i++)
		msg[len++] = "YWJj"[i % 4]; /* "abc" repeated, one token cut at 64 */
	len += (size_t)sprintf(msg + len, "\n--q\n\n--");
	for (size_t i = 0; i < big; i++)
		msg[len++] = 'q';
	len += (size_t)sprintf(msg + len, "\nlast\n--q--\n");
	anom = walk_raw(msg, len, 4096, &t);
	ck_assert_uint_eq(anom, 0);
	ck_assert_uint_eq(t.n, 5); /* abcabc...(64), "-", "-", qqq...(64), "last" */
	free(msg);
	free(t.s);
}
END_TEST

/* ---------------------------------------------------------------- TREC */

struct trec_stats {
	unsigned long msgs, anomalous, split_diff, split_skipped;
	unsigned long long bytes, tokens;
	double secs;
	unsigned anom_bits[8];
	char first_diff[256];
};

static int trec_file(void *arg, const char *name, const char *data, size_t len)
{
	struct trec_stats *st = arg;
	static struct toks a, b; /* test-only scratch, single thread */
	double t0;
	unsigned anom;

	if (!strstr(name, "/inmail."))
		return 0;
	st->msgs++;
	t0 = bs_now();
	anom = walk_raw(data, len, 65535, &a);
	st->secs += bs_now() - t0;
	st->bytes += len;
	st->tokens += a.n;
	if (anom)
		st->anomalous++;
	for (int bit = 0; bit < 8; bit++)
		if (anom & (1u << bit))
			st->anom_bits[bit]++;
	if (walk_split(data, len, 65535, &b) != 0) {
		st->split_skipped++;
	} else if (a.len != b.len || memcmp(a.s, b.s, a.len) != 0) {
		if (!st->split_diff++)
			snprintf(st->first_diff, sizeof st->first_diff, "%s", name);
	}
	return 0;
}

START_TEST(test_trec_corpus)
{
	char path[4096];
	struct trec_stats st = {0};

	if (!tarxz_corpus("test_trec_corpus", "trec07p-half.tar.xz", path, sizeof path))
		return;
	ck_assert_int_eq(tarxz_foreach(path, trec_file, &st), 0);
	fprintf(stderr,
	        "test_trec_corpus: %lu messages, %.1f MB, %llu tokens, walker %.2f s = %.1f MB/s; "
	        "%lu with anomalies (bad header %u, long header %u, no boundary %u, unclosed %u, "
	        "depth %u); split mode differs on %lu%s%s, not splittable %lu\n",
	        st.msgs, st.bytes / 1e6, st.tokens, st.secs, st.bytes / 1e6 / st.secs, st.anomalous,
	        st.anom_bits[0], st.anom_bits[1], st.anom_bits[2], st.anom_bits[3], st.anom_bits[4],
	        st.split_diff, st.split_diff ? " (first " : "", st.split_diff ? st.first_diff : "",
	        st.split_skipped);
	ck_assert_uint_eq(st.msgs, 37710);
	ck_assert_uint_eq(st.split_diff, 0);
}
END_TEST

static Suite *mime_suite(void)
{
	Suite *s = suite_create("mime");
	TCase *tc = tcase_create("walker");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_golden, 0, (int)(sizeof golden / sizeof *golden));
	tcase_add_test(tc, test_plaintext_mode);
	tcase_add_test(tc, test_reset_reuses);
	suite_add_tcase(s, tc);

	tc = tcase_create("bounds");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_huge_line);
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_huge_header);
	tcase_add_test(tc, test_many_headers);
	tcase_add_test(tc, test_long_lines_everywhere);
	suite_add_tcase(s, tc);

	tc = tcase_create("corpus");
	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, test_trec_corpus);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(mime_suite(), CK_FORK_GETENV);
}
