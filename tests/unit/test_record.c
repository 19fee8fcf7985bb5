/*
 * test_record.c - spool line and header value (src/lib/record.c).
 *
 * Round trips with awkward text (spaces, '%', '-', UTF-8, control bytes),
 * one malformed variant per field (the error must name it), canonical-form
 * refusals, and the header value folded both ways.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "unit.h"

#define KEYID   "0123456789abcdef0123456789abcdef"
#define MODELID "aa23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define PREV    "bb23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void sample(bs_record *r)
{
	bs_record_init(r);
	r->seq = 42;
	r->time = 1764000000;
	bs_record_set_text(r->queueid, "4ABCD12");
	bs_record_set_text(r->msgid, "<a b%c@example.org>");
	bs_record_set_text(r->sender, "j\xc3\xbcrgen@example.org");
	r->nrcpt = 3;
	strcpy(r->keyid, KEYID);
	strcpy(r->modelid, MODELID);
	r->truncated = 1;
	mpz_set_str(r->c, "123456789abcdef", 16);
	strcpy(r->prev, PREV);
}

static void roundtrip(const bs_record *r, bs_record *back)
{
	size_t len;
	char *line = bs_record_format(r, 512, &len);
	bs_error err;

	ck_assert_ptr_nonnull(line);
	ck_assert_uint_eq(line[len - 1], '\n');
	ck_assert_ptr_null(memchr(line, '\n', len - 1));
	bs_record_init(back);
	ck_assert_msg(bs_record_parse(back, line, len, "t", &err) == 0, "%s: %s", line, err.msg);
	free(line);
}

START_TEST(test_roundtrip)
{
	bs_record r, b;

	sample(&r);
	roundtrip(&r, &b);
	ck_assert_uint_eq(b.seq, 42);
	ck_assert_int_eq(b.time, 1764000000);
	ck_assert_str_eq(b.queueid, r.queueid);
	ck_assert_str_eq(b.msgid, r.msgid);
	ck_assert_str_eq(b.sender, r.sender);
	ck_assert_uint_eq(b.nrcpt, 3);
	ck_assert_str_eq(b.keyid, KEYID);
	ck_assert_str_eq(b.modelid, MODELID);
	ck_assert_int_eq(b.truncated, 1);
	ck_assert(mpz_cmp(b.c, r.c) == 0);
	ck_assert_uint_eq(b.clen, 128);
	ck_assert_str_eq(b.prev, PREV);
	bs_record_clear(&b);
	bs_record_clear(&r);
}
END_TEST

START_TEST(test_escaping)
{
	static const char *const texts[] = {
	    "-",
	    "",
	    "--",
	    "a-b",
	    "%",
	    "%2D",
	    "100% sure",
	    "a b\tc",
	    "\x01\x7f\xff",
	    "\xe2\x82\xac uro",
	    "tab\there",
	    "\r\n",
	    "=?utf-8?q?x?=",
	};
	bs_record r, b;

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		sample(&r);
		bs_record_set_text(r.sender, texts[i]);
		bs_record_set_text(r.queueid, texts[i]);
		roundtrip(&r, &b);
		ck_assert_str_eq(b.sender, texts[i]);
		ck_assert_str_eq(b.queueid, texts[i]);
		bs_record_clear(&b);
		bs_record_clear(&r);
	}
	/* the written form */
	sample(&r);
	bs_record_set_text(r.sender, "-");
	bs_record_set_text(r.queueid, "");
	bs_record_set_text(r.msgid, "a b%");
	{
		char *line = bs_record_format(&r, 512, NULL);
		ck_assert_ptr_nonnull(strstr(line, " - a%20b%25 %2D 3 "));
		free(line);
	}
	bs_record_clear(&r);
}
END_TEST

START_TEST(test_long_text_cut)
{
	char big[1000];
	bs_record r;

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	bs_record_init(&r);
	bs_record_set_text(r.sender, big);
	ck_assert_uint_eq(strlen(r.sender), BS_RECORD_TEXT_MAX);
	bs_record_clear(&r);
}
END_TEST

/* Replace field `k` of a good line with `val`, parse, expect an error naming `name`. */
static void bad_field(int k, const char *val, const char *name)
{
	bs_record r, b;
	char *line, *out, *fields[12], *save = NULL, *tok, want[64];
	bs_error err;
	size_t n = 0;

	sample(&r);
	line = bs_record_format(&r, 512, NULL);
	line[strlen(line) - 1] = '\0';
	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		fields[n++] = tok;
	ck_assert_uint_eq(n, 12);
	fields[k] = (char *)val;
	out = bs_xmalloc(20000);
	out[0] = '\0';
	for (size_t i = 0; i < 12; i++) {
		strcat(out, fields[i]);
		strcat(out, i < 11 ? " " : "\n");
	}
	bs_record_init(&b);
	ck_assert_msg(bs_record_parse(&b, out, strlen(out), "spool line 7", &err) < 0,
	              "accepted %s = '%s'", name, val);
	snprintf(want, sizeof want, "spool line 7: field '%s': ", name);
	ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s: got '%s'", name, err.msg);
	ck_assert_int_eq(err.code, BS_E_DATA);
	bs_record_clear(&b);
	bs_record_clear(&r);
	free(out);
	free(line);
}

START_TEST(test_bad_fields)
{
	bad_field(0, "bs2", "version");
	bad_field(1, "0", "seq");
	bad_field(1, "012", "seq");
	bad_field(1, "+5", "seq");
	bad_field(1, "99999999999999999999", "seq");
	bad_field(2, "-5", "time");
	bad_field(2, "12x", "time");
	bad_field(3, "a%2", "queueid");
	bad_field(3, "%41", "queueid"); /* 'A' needs no escape */
	bad_field(3, "%2d", "queueid"); /* lower-case hex */
	bad_field(4, "a%00b", "msgid");
	bad_field(5, "\x01", "sender");
	bad_field(5, "a\xc3\xbc", "sender"); /* raw 8-bit */
	bad_field(6, "-1", "nrcpt");
	bad_field(6, "4294967296", "nrcpt");
	bad_field(7, "0123456789ABCDEF0123456789abcdef", "keyid");
	bad_field(7, "0123", "keyid");
	bad_field(8, "zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "modelid");
	bad_field(9, "2", "truncated");
	bad_field(9, "00", "truncated");
	bad_field(10, "AAA", "ciphertext");
	bad_field(10, "AAB=", "ciphertext"); /* non-zero padding bits: not canonical */
	bad_field(10, "A$==", "ciphertext");
	bad_field(11, "00", "prev");
}
END_TEST

START_TEST(test_bad_shape)
{
	bs_record r, b;
	bs_error err;
	char *line, *two;
	size_t len;

	sample(&r);
	line = bs_record_format(&r, 512, &len);
	bs_record_init(&b);
	/* extra field */
	two = bs_xmalloc(len + 10);
	memcpy(two, line, len - 1);
	strcpy(two + len - 1, " x\n");
	ck_assert_int_lt(bs_record_parse(&b, two, strlen(two), "w", &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 12 fields"));
	/* missing last field */
	ck_assert_int_lt(bs_record_parse(&b, line, len - 66, "w", &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "field 'prev'"));
	/* double space */
	memcpy(two, line, len + 1);
	memmove(two + 4, two + 3, len - 2);
	ck_assert_int_lt(bs_record_parse(&b, two, len + 1, "w", &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "field 'seq': empty"));
	/* CR before LF */
	memcpy(two, line, len);
	strcpy(two + len - 1, "\r\n");
	ck_assert_int_lt(bs_record_parse(&b, two, len + 1, "w", &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "field 'prev'"));
	/* format refuses what it cannot write */
	mpz_set_ui(r.c, 1);
	mpz_mul_2exp(r.c, r.c, 1024);
	ck_assert_ptr_null(bs_record_format(&r, 512, NULL));
	mpz_set_si(r.c, -1);
	ck_assert_ptr_null(bs_record_format(&r, 512, NULL));
	free(two);
	free(line);
	bs_record_clear(&b);
	bs_record_clear(&r);
}
END_TEST

START_TEST(test_hash)
{
	char a[65], b[65];

	bs_record_hash("abc\n", 4, a);
	bs_record_hash("abc", 3, b);
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

START_TEST(test_header)
{
	char k[33], m[65], *v, *folded, *crlf, *p;
	size_t clen;
	bs_error err;
	mpz_t c, back;

	mpz_inits(c, back, NULL);
	mpz_set_ui(c, 7);
	mpz_mul_2exp(c, c, 1000);
	mpz_add_ui(c, c, 12345);
	v = bs_record_header_value(KEYID, MODELID, c, 512);
	ck_assert_ptr_nonnull(v);
	ck_assert(strncmp(v, "v=1; k=" KEYID "; m=" MODELID "; c=",
	                  strlen("v=1; k=" KEYID "; m=" MODELID "; c=")) == 0);
	ck_assert_int_eq(bs_record_header_parse(v, k, m, back, &clen, &err), 0);
	ck_assert_str_eq(k, KEYID);
	ck_assert_str_eq(m, MODELID);
	ck_assert(mpz_cmp(c, back) == 0);
	ck_assert_uint_eq(clen, 128);

	folded = bs_record_header_fold(v, 14);
	ck_assert_ptr_nonnull(strstr(folded, "\n\t"));
	{ /* no line longer than 78 columns (a tab counts 8) */
		size_t col = 14;
		for (p = folded; *p; p++) {
			if (*p == '\n')
				col = 0;
			else
				col += *p == '\t' ? 8 : 1;
			ck_assert_uint_le(col, 78);
		}
	}
	mpz_set_ui(back, 0);
	ck_assert_msg(bs_record_header_parse(folded, k, m, back, NULL, &err) == 0, "%s", err.msg);
	ck_assert(mpz_cmp(c, back) == 0);
	/* CRLF folding with a space */
	crlf = bs_xmalloc(2 * strlen(folded) + 1);
	p = crlf;
	for (const char *s = folded; *s; s++) {
		if (*s == '\n') {
			*p++ = '\r';
			*p++ = '\n';
			*p++ = ' ';
			s++; /* drop the tab */
		} else {
			*p++ = *s;
		}
	}
	*p = '\0';
	mpz_set_ui(back, 0);
	ck_assert_msg(bs_record_header_parse(crlf, k, m, back, NULL, &err) == 0, "%s", err.msg);
	ck_assert(mpz_cmp(c, back) == 0);

	/* malformed values */
	ck_assert_int_lt(bs_record_header_parse("v=2; k=" KEYID, k, m, back, NULL, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "'v'"));
	ck_assert_int_lt(
	    bs_record_header_parse("v=1; k=" KEYID "; m=" MODELID, k, m, back, NULL, &err), 0);
	ck_assert_int_lt(bs_record_header_parse("v=1; k=" KEYID "; m=" MODELID "; c=AAAA; x=1", k,
	                                        m, back, NULL, &err),
	                 0);
	ck_assert_int_lt(bs_record_header_parse("v=1; k=" KEYID "; m=" MODELID "; c=A\nAAA", k, m,
	                                        back, NULL, &err),
	                 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "line break"));
	ck_assert_int_lt(bs_record_header_parse("v=1; m=" MODELID "; k=" KEYID "; c=AAAA", k, m,
	                                        back, NULL, &err),
	                 0);
	free(crlf);
	free(folded);
	free(v);
	mpz_clears(c, back, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("record");

	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_long_text_cut);
	tcase_add_test(tc, test_bad_fields);
	tcase_add_test(tc, test_bad_shape);
	tcase_add_test(tc, test_hash);
	tcase_add_test(tc, test_header);
	suite_add_tcase(s, tc);
	return unit_run(s, CK_FORK_GETENV);
}
