/*
 * test_mime.c - Check suite for the MIME walker and its helpers (mime.c,
 * mime_part.c, decode.c, charset.c, html.c).
 *
 *   - decoders: known answers for base64, quoted-printable, RFC 2047 and HTML,
 *     each fed in two pieces split at every position;
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

#include "charset.h"
#include "decode.h"
#include "html.h"
#include "mime.h"
#include "tarxz.h"
#include "tokenize.h"
#include "util.h"

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

/* ---------------------------------------------------------------- decoders */

typedef size_t (*feed_fn)(void *st, const char *in, size_t len, char *out);
typedef size_t (*fin_fn)(void *st, char *out);

static size_t b64_feed(void *st, const char *in, size_t len, char *out)
{
	return bs_b64_feed(st, in, len, out);
}
static size_t b64_fin(void *st, char *out)
{
	return bs_b64_finish(st, out);
}
static size_t qp_feed(void *st, const char *in, size_t len, char *out)
{
	return bs_qp_feed(st, in, len, out);
}
static size_t qp_fin(void *st, char *out)
{
	return bs_qp_finish(st, out);
}
static size_t html_feed(void *st, const char *in, size_t len, char *out)
{
	return bs_html_feed(st, in, len, out);
}
static size_t html_fin(void *st, char *out)
{
	return bs_html_finish(st, out);
}

/* Run a streaming decoder over in, split in two at every position. */
static void check_stream(const char *what, void *st, size_t stsize, void (*init)(void *),
                         feed_fn feed, fin_fn fin, const char *in, size_t inlen, const char *want,
                         size_t wantlen)
{
	char out[4096];

	for (size_t cut = 0; cut <= inlen; cut++) {
		size_t k = 0;
		memset(st, 0xA5, stsize);
		init(st);
		k += feed(st, in, cut, out + k);
		k += feed(st, in + cut, inlen - cut, out + k);
		k += fin(st, out + k);
		if (k != wantlen || memcmp(out, want, k) != 0)
			ck_abort_msg("%s: cut %zu: got '%.*s' (%zu), want '%s'", what, cut, (int)k,
			             out, k, want);
	}
}

static void b64_init(void *st)
{
	bs_b64_init(st);
}
static void qp_init(void *st)
{
	bs_qp_init(st);
}
static void html_init(void *st)
{
	bs_html_init(st);
}

#define CHECK_B64(in, want)                                                                        \
	do {                                                                                       \
		bs_b64 d;                                                                          \
		check_stream("b64", &d, sizeof d, b64_init, b64_feed, b64_fin, in, sizeof(in) - 1, \
		             want, sizeof(want) - 1);                                              \
	} while (0)
#define CHECK_QP(in, want)                                                                         \
	do {                                                                                       \
		bs_qp d;                                                                           \
		check_stream("qp", &d, sizeof d, qp_init, qp_feed, qp_fin, in, sizeof(in) - 1,     \
		             want, sizeof(want) - 1);                                              \
	} while (0)
#define CHECK_HTML(in, want)                                                                       \
	do {                                                                                       \
		bs_html d;                                                                         \
		check_stream("html", &d, sizeof d, html_init, html_feed, html_fin, in,             \
		             sizeof(in) - 1, want, sizeof(want) - 1);                              \
	} while (0)

START_TEST(test_base64)
{
	CHECK_B64("SGVsbG8sIHdvcmxkIQ==", "Hello, world!");
	CHECK_B64("SGVs\r\nbG8s\nIHdv cmxk\tIQ", "Hello, world!"); /* breaks, no padding */
	CHECK_B64("SG*V$sb\x00G8=", "Hello");                      /* junk ignored */
	CHECK_B64("YQ==YmM=", "abc");                              /* concatenated */
	CHECK_B64("YWJj\nZA", "abcd");
	CHECK_B64("Y", "");
	CHECK_B64("====", "");
	CHECK_B64("", "");
	CHECK_B64("/+/+", "\xff\xef\xfe");
}
END_TEST

START_TEST(test_quoted_printable)
{
	CHECK_QP("caf=E9 cr=e8me", "caf\xe9 cr\xe8me");
	CHECK_QP("soft=\r\nbreak and=\nLF", "softbreak andLF");
	CHECK_QP("bad =ZZ and =4 end", "bad =ZZ and =4 end");
	CHECK_QP("trailing =", "trailing =");
	CHECK_QP("trailing =A", "trailing =A");
	CHECK_QP("a = b", "a = b");
	CHECK_QP("old mac=\rline", "old macline");
	CHECK_QP("==3D", "==");
}
END_TEST

static void check_rfc2047(const char *in, const char *want)
{
	char out[1024];
	size_t n = bs_rfc2047_decode(in, strlen(in), out, sizeof out);
	out[n] = '\0';
	ck_assert_str_eq(out, want);
}

START_TEST(test_rfc2047)
{
	check_rfc2047("=?UTF-8?B?w4ljb2xl?=", "\xc3\x89"
	                                      "cole");
	check_rfc2047("=?iso-8859-1?q?caf=E9_cr=E8me?=", "caf\xc3\xa9 cr\xc3\xa8me");
	check_rfc2047("=?windows-1252?Q?=93q=94?=", "\xe2\x80\x9cq\xe2\x80\x9d");
	check_rfc2047("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"); /* adjacent: space dropped */
	check_rfc2047("=?utf-8?q?a?=\r\n\t =?utf-8?q?b?=", "ab");
	check_rfc2047("=?utf-8?q?a?= plain =?utf-8?q?b?=", "a plain b");
	check_rfc2047("x =?utf-8?q?a?= y", "x a y");
	check_rfc2047("=?utf-8*en?q?lang?=", "lang");
	check_rfc2047("=?koi8-r?B?8NLJ18XU?=", "\xf0\xd2\xc9\xd7\xc5\xd4"); /* bytes kept */
	check_rfc2047("=?utf-8?x?bad?= =?utf-8?q?no end", "=?utf-8?x?bad?= =?utf-8?q?no end");
	check_rfc2047("=?utf-8?q?sp ace?=", "=?utf-8?q?sp ace?=");
	check_rfc2047("=??q?x?=", "=??q?x?=");

	/* the output is cut, never overrun */
	char out[4];
	ck_assert_uint_eq(bs_rfc2047_decode("=?utf-8?q?abcdef?=", 18, out, sizeof out), 4);
	ck_assert_int_eq(memcmp(out, "abcd", 4), 0);

	/* a long word is decoded in slices without splitting escapes */
	char in[2000], want[700];
	size_t k = 0, w = 0;
	k += (size_t)sprintf(in, "=?iso-8859-1?q?");
	for (int i = 0; i < 200; i++) {
		k += (size_t)sprintf(in + k, "=E9");
		want[w++] = '\xc3';
		want[w++] = '\xa9';
	}
	k += (size_t)sprintf(in + k, "?=");
	want[w] = '\0';
	check_rfc2047(in, want);
}
END_TEST

START_TEST(test_charset)
{
	char out[64];
	size_t n;

	ck_assert_int_eq(bs_charset_lookup("ISO-8859-1", 10), BS_CS_LATIN);
	ck_assert_int_eq(bs_charset_lookup("\"windows-1252\"", 14), BS_CS_LATIN);
	ck_assert_int_eq(bs_charset_lookup("us-ascii", 8), BS_CS_LATIN);
	ck_assert_int_eq(bs_charset_lookup("Latin1", 6), BS_CS_LATIN);
	ck_assert_int_eq(bs_charset_lookup("UTF-8", 5), BS_CS_UTF8);
	ck_assert_int_eq(bs_charset_lookup("iso-8859-15", 11), BS_CS_RAW);
	ck_assert_int_eq(bs_charset_lookup("", 0), BS_CS_RAW);

	n = bs_charset_to_utf8(BS_CS_LATIN, "a\xe9\x80\x9f\xa0\xff\x81", 7, out);
	ck_assert_uint_eq(n, 13);
	ck_assert_int_eq(memcmp(out, "a\xc3\xa9\xe2\x82\xac\xc5\xb8 \xc3\xbf\xc2\x81", 13), 0);
	n = bs_charset_to_utf8(BS_CS_RAW, "\xe9", 1, out);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(bs_utf8_put(0x110000, out), 3); /* U+FFFD */
	ck_assert_uint_eq(bs_utf8_put(0x1F600, out), 4);
}
END_TEST

START_TEST(test_html)
{
	CHECK_HTML("<p>Hello</p><br/>World", " Hello  World");
	CHECK_HTML("V<b></b>iagra <font color=red>now</font>", "Viagra now");
	CHECK_HTML("a<!-- x > y -- -->b", "ab");
	CHECK_HTML("a<script type=\"x\">if (a<b) x = '</p>';</script>b", "a b");
	CHECK_HTML("a<STYLE>p {}</Style >b", "a b");
	CHECK_HTML("<a href=\"x>y\" title='>'>link</a>", "link");
	CHECK_HTML("1 < 2 &amp;&amp; 3 <= 4", "1 < 2 && 3 <= 4");
	CHECK_HTML("&lt;&gt;&quot;&apos;&nbsp;&#160;", "<>\"'  ");
	CHECK_HTML("&eacute;&Eacute;&#233;&#xE9;&#X41;&#150;", "\xc3\xa9\xc3\x89\xc3\xa9\xc3\xa9"
	                                                       "A\xe2\x80\x93");
	CHECK_HTML("AT&T &unknown; &amp &#65 &", "AT&T &unknown; & A &");
	CHECK_HTML("&#0;&#99999999;", "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_HTML("<!DOCTYPE html><html><body>x</body></html>", "  x  ");
	CHECK_HTML("<?xml version=\"1.0\"?>y", "y");
	CHECK_HTML("tail <", "tail <");
	CHECK_HTML("tail &am", "tail &am");
	CHECK_HTML("<td>a</td><td>b</td>", " a  b ");
}
END_TEST

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
	const char *dir = getenv("CORPORA");
	struct trec_stats st = {0};

	if (!dir || !*dir) {
		fprintf(stderr, "test_trec_corpus: SKIP (CORPORA not set)\n");
		return;
	}
	snprintf(path, sizeof path, "%s/trec07p-half.tar.xz", dir);
	if (!tarxz_exists(path)) {
		fprintf(stderr, "test_trec_corpus: SKIP (%s not found)\n", path);
		return;
	}
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
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, test_base64);
	tcase_add_test(tc, test_quoted_printable);
	tcase_add_test(tc, test_rfc2047);
	tcase_add_test(tc, test_charset);
	tcase_add_test(tc, test_html);
	suite_add_tcase(s, tc);

	tc = tcase_create("walker");
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
	SRunner *sr = srunner_create(mime_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
