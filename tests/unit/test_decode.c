/*
 * test_decode.c - Check suite for the MIME walker's decoders: base64 and
 * quoted-printable (decode.c), charsets and RFC 2047 (charset.c), HTML to text
 * (html.c).  Known answers; each streaming decoder is fed in two pieces split
 * at every position and must give the same output.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "decode.h"
#include "html.h"
#include "unit.h"

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

static Suite *decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, test_base64);
	tcase_add_test(tc, test_quoted_printable);
	tcase_add_test(tc, test_rfc2047);
	tcase_add_test(tc, test_charset);
	tcase_add_test(tc, test_html);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(decode_suite(), CK_FORK_GETENV);
}
