/*
 * test_keyparse.c - key file texts that must be refused, each with a message
 * naming the file, line and field (src/lib/keyparse.c): every field tampered
 * in turn, fields removed, duplicated, unknown or trailing, every truncation,
 * bad version, CRLF, case, spaces, size.  Fixture: keyfix.c.
 */
#include "config.h"

#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfix.h"

struct tamper {
	enum form form;
	int line;
	const char *field;
	const char *how; /* "flip-last", "flip-first", "even", or a literal value */
};

static const struct tamper tampers[] = {
    {PUB, 2, "bits", "514"},
    {PUB, 2, "bits", "0512"},
    {PUB, 2, "bits", "x"},
    {PUB, 3, "keyid", "flip-last"},
    {PUB, 3, "keyid", "abc"},
    {PUB, 4, "n", "even"},
    {PUB, 4, "n", "F"},
    {PUB, 4, "n", "0"},
    {PUB, 5, "hs", "0"},
    {PUB, 5, "hs", "copy-n"},
    {PUB, 5, "hs", "g"},
    {SEC, 2, "bits", "516"},
    {SEC, 3, "keyid", "flip-last"},
    {SEC, 4, "n", "even"},
    {SEC, 5, "hs", "copy-n"},
    {SEC, 6, "p", "flip-last"},
    {SEC, 6, "p", "flip-first"},
    {SEC, 7, "q", "flip-last"},
    {SEC, 7, "q", "zz"},
    {SEALED, 2, "bits", "1024"},
    {SEALED, 3, "keyid", "flip-last"},
    {SEALED, 4, "n", "even"},
    {SEALED, 5, "hs", "copy-n"},
    {SEALED, 6, "sealed", "scrypt 1 8192 00 00"},
    {SEALED, 6, "sealed", "argon2id13 0 8192 0 0"},
    {SEALED, 7, "box", "abc"},
};

static void flip(char *v, size_t i)
{
	v[i] = v[i] == '1' ? '3' : '1'; /* keeps the digit odd/even-ness irrelevant */
}

START_TEST(tamper_each_field)
{
	const struct tamper *t = &tampers[_i];
	size_t len;
	char *text = key_text(t->form, &len), *val = value_of(text, t->line), *bad, want[64];

	if (strcmp(t->how, "flip-last") == 0)
		flip(val, strlen(val) - 1);
	else if (strcmp(t->how, "flip-first") == 0)
		val[0] = val[0] == 'f' ? 'e' : 'f';
	else if (strcmp(t->how, "even") == 0)
		val[strlen(val) - 1] = '0';
	else if (strcmp(t->how, "copy-n") == 0) {
		free(val);
		val = value_of(text, 4);
	} else {
		free(val);
		val = strdup(t->how);
	}
	bad = with_value(text, t->line, val);
	snprintf(want, sizeof want, "key line %d: field '%s'", t->line, t->field);
	expect_fail(t->form, bad, want, t->how);
	free(bad);
	free(val);
	free(text);
}
END_TEST

/* Any single-digit change anywhere in a value is refused (some only through
 * the key id or the seal); structural damage is named precisely. */
START_TEST(structure)
{
	static const enum form forms[] = {PUB, SEC, SEALED};
	static const char *const names[][7] = {{"bits", "keyid", "n", "hs"},
	                                       {"bits", "keyid", "n", "hs", "p", "q"},
	                                       {"bits", "keyid", "n", "hs", "sealed", "box"}};
	for (int fi = 0; fi < 3; fi++) {
		size_t len;
		char *text = key_text(forms[fi], &len);
		int nlines = forms[fi] == PUB ? 5 : 7;
		char want[128], *bad;

		for (int l = 2; l <= nlines; l++) {
			const char *name = names[fi][l - 2];
			char *line_start = text, *next, *val = value_of(text, l);
			for (int k = 1; k < l; k++)
				line_start = strchr(line_start, '\n') + 1;
			next = strchr(line_start, '\n') + 1;
			/* a digit changed in the middle */
			flip(val, strlen(val) / 2);
			bad = with_value(text, l, val);
			ck_assert_msg(parse_as(forms[fi], bad, strlen(bad), NULL) < 0,
			              "form %d line %d: a changed digit was accepted", fi, l);
			free(bad);
			free(val);
			/* line removed */
			bad = bs_xmalloc(len + 1);
			snprintf(bad, len + 1, "%.*s%s", (int)(line_start - text), text, next);
			if (forms[fi] == SEALED && l == 6)
				snprintf(want, sizeof want,
				         "line 6: field 'p' is missing here "
				         "(found 'box'); a sealed key has "
				         "'sealed' here");
			else
				snprintf(want, sizeof want, "line %d: field '%s' is missing", l,
				         name);
			expect_fail(forms[fi], bad, want, "removed");
			/* line duplicated */
			bad = bs_xrealloc(bad, 2 * len + 1);
			snprintf(bad, 2 * len + 1, "%.*s%.*s%s", (int)(next - text), text,
			         (int)(next - line_start), line_start, next);
			snprintf(want, sizeof want, "line %d: field '%s' appears twice", l + 1,
			         name);
			expect_fail(forms[fi], bad, want, "duplicated");
			free(bad);
		}
		/* unknown field, trailing garbage */
		bad = with_value(text, 3, "00");
		memcpy(strstr(bad, "keyid"), "keyXd", 5);
		expect_fail(forms[fi], bad, "line 3: unknown field 'keyXd'", "unknown");
		free(bad);
		bad = bs_xmalloc(len + 16);
		snprintf(bad, len + 16, "%sx 1\n", text);
		expect_fail(forms[fi], bad, "trailing garbage", "trailing");
		free(bad);
		free(text);
	}
}
END_TEST

START_TEST(truncated)
{
	size_t len;
	char *text = key_text(SEC, &len);
	bs_error err;

	for (size_t cut = 0; cut < len; cut++) {
		bs_error_clear(&err);
		ck_assert_msg(parse_as(SEC, text, cut, &err) < 0, "prefix of %zu accepted", cut);
		if (cut > 30 && text[cut - 1] == '\n')
			ck_assert_msg(strstr(err.msg, "is missing (file truncated?)"), "%s",
			              err.msg);
		else if (cut > 30)
			ck_assert_msg(strstr(err.msg, "no newline at end of file"), "%s", err.msg);
	}
	free(text);
}
END_TEST

START_TEST(syntax)
{
	size_t len;
	char *text = key_text(PUB, &len), *bad = bs_xmalloc(2 * BS_KEYFILE_MAX);
	bs_error err;

	snprintf(bad, 2 * BS_KEYFILE_MAX, "blindscore-public-key 2%s", strchr(text, '\n'));
	expect_fail(PUB, bad, "line 1: unsupported version '2'", "version");
	snprintf(bad, 2 * BS_KEYFILE_MAX, "blindscore-model 1%s", strchr(text, '\n'));
	expect_fail(PUB, bad, "line 1: not a blindscore key file", "magic");
	expect_fail(PUB, "ssh-rsa AAAA\n", "not a blindscore key file", "foreign");
	expect_fail(PUB, "", "not a blindscore key file", "empty");
	/* CRLF */
	snprintf(bad, 2 * BS_KEYFILE_MAX, "blindscore-public-key 1\r%s", strchr(text, '\n'));
	expect_fail(PUB, bad, "line 1: carriage return", "crlf");
	/* upper-case hex, trailing space, empty line */
	strcpy(bad, text);
	for (char *p = strstr(bad, "\nn ") + 3; *p != '\n'; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	expect_fail(PUB, bad, "line 4: field 'n': not lower-case hexadecimal", "upper");
	strcpy(bad, text);
	strcpy(strstr(bad, "\nhs ") + 1, "hs 1 \n");
	expect_fail(PUB, bad, "line 5: field 'hs': not lower-case hexadecimal", "space");
	snprintf(bad, 2 * BS_KEYFILE_MAX, "blindscore-public-key 1\n%s", strchr(text, '\n'));
	expect_fail(PUB, bad, "line 2: empty line", "empty line");
	/* oversized */
	memset(bad, 'a', 2 * BS_KEYFILE_MAX - 1);
	memcpy(bad, text, len);
	bs_error_clear(&err);
	ck_assert(parse_as(PUB, bad, BS_KEYFILE_MAX + 1, &err) < 0);
	ck_assert_msg(strstr(err.msg, "too large"), "%s", err.msg);
	/* a NUL byte */
	ck_assert(parse_as(PUB, text, len + 1, &err) < 0);
	free(bad);
	free(text);
}
END_TEST

/* A wrong hs whose key id was recomputed passes a public key check (only the
 * key holder can tell), but not a secret key load; and the seal binds the
 * clear fields: another valid public key in front of this box is refused. */
static Suite *keyparse_suite(void)
{
	Suite *s = suite_create("keyparse");
	TCase *tc = tcase_create("refusals");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, tamper_each_field, 0, (int)(sizeof tampers / sizeof tampers[0]));
	tcase_add_test(tc, structure);
	tcase_add_test(tc, truncated);
	tcase_add_test(tc, syntax);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return keyfix_run(keyparse_suite());
}
