/*
 * test_keyfile.c - key files and passphrases (src/lib/keyfile.c, keysave.c,
 * keyseal.c, passphrase.c).
 *
 * Two random 512-bit keys are generated once in main() (allow_insecure) and
 * shared by every test; files go to a mkdtemp directory removed at the end.
 * Sealed files use the smallest Argon2id cost for speed, except one test of
 * the default (MODERATE) parameters.
 */
#include "config.h"

#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"
#include "paillier.h"
#include "passphrase.h"

#define BITS     512
#define INSECURE BS_KEYFILE_ALLOW_INSECURE

static bs_seckey key_a, key_b;
static char dir[64];
static const bs_seal_params fast = {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};

static char *path_in_dir(const char *name)
{
	static char buf[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	return buf[i];
}

static char *slurp(const char *path, size_t *len)
{
	char *text;
	bs_error err;
	ck_assert_msg(bs_read_file(path, BS_KEYFILE_MAX, &text, len, &err) == 0, "%s", err.msg);
	return text;
}

static int getpass_str(void *arg, bs_passphrase *pp, bs_error *err)
{
	return bs_passphrase_set(pp, arg, err);
}

static void set_pass(bs_passphrase *pp, const char *s)
{
	bs_error err;
	pp->buf = NULL;
	ck_assert_msg(bs_passphrase_set(pp, s, &err) == 0, "%s", err.msg);
}

/* Text of key_a as a public, plain secret or sealed secret file. */
enum form { PUB, SEC, SEALED };

static char *key_text(enum form f, size_t *len)
{
	const char *p = path_in_dir("form.tmp");
	bs_passphrase pp;
	bs_error err;
	int rc;

	unlink(p);
	set_pass(&pp, "correct horse");
	if (f == PUB)
		rc = bs_pubkey_save(&key_a.pub, p, 0, &err);
	else
		rc = bs_seckey_save(&key_a, p, f == SEALED ? &pp : NULL, &fast, 0, &err);
	bs_passphrase_free(&pp);
	ck_assert_msg(rc == 0, "%s", err.msg);
	return slurp(p, len);
}

/* Parse text as the given form; returns rc, err filled. */
static int parse_as(enum form f, const char *text, size_t len, bs_error *err)
{
	int rc;
	if (f == PUB) {
		bs_pubkey pk;
		bs_pubkey_init(&pk);
		rc = bs_pubkey_parse(&pk, "key", text, len, INSECURE, err);
		bs_pubkey_clear(&pk);
	} else {
		bs_seckey sk;
		bs_seckey_init(&sk);
		rc = bs_seckey_parse(&sk, "key", text, len, INSECURE, getpass_str,
		                     (void *)"correct horse", err);
		bs_seckey_clear(&sk);
	}
	return rc;
}

static void expect_fail(enum form f, const char *text, const char *want, const char *what)
{
	bs_error err;
	bs_error_clear(&err);
	ck_assert_msg(parse_as(f, text, strlen(text), &err) < 0, "%s: accepted", what);
	ck_assert_msg(strstr(err.msg, want) != NULL, "%s: message '%s' lacks '%s'", what, err.msg,
	              want);
}

/* Replace the value of line `line` (1-based) with `val`. */
static char *with_value(const char *text, int line, const char *val)
{
	char *out = bs_xmalloc(strlen(text) + strlen(val) + 16), *o = out;
	const char *p = text;
	for (int l = 1; *p; l++) {
		const char *nl = strchr(p, '\n'), *sp = strchr(p, ' ');
		if (l == line) {
			memcpy(o, p, (size_t)(sp + 1 - p));
			o += sp + 1 - p;
			o += sprintf(o, "%s\n", val);
		} else {
			memcpy(o, p, (size_t)(nl + 1 - p));
			o += nl + 1 - p;
		}
		p = nl + 1;
	}
	*o = '\0';
	return out;
}

/* Copy of line `line`'s value. */
static char *value_of(const char *text, int line)
{
	const char *p = text;
	for (int l = 1; l < line; l++)
		p = strchr(p, '\n') + 1;
	p = strchr(p, ' ') + 1;
	return strndup(p, (size_t)(strchr(p, '\n') - p));
}

/* ------------------------------------------------------------ round trips */

START_TEST(pub_round_trip)
{
	const char *p = path_in_dir("a.pub");
	bs_pubkey pk;
	bs_error err;
	struct stat st;
	size_t len;
	char *text = bs_pubkey_format(&key_a.pub, &len);

	ck_assert_ptr_nonnull(text);
	ck_assert(strncmp(text, "blindscore-public-key 1\nbits 512\nkeyid ", 39) == 0);
	unlink(p);
	ck_assert_msg(bs_pubkey_save(&key_a.pub, p, 0, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	bs_pubkey_init(&pk);
	ck_assert_msg(bs_pubkey_load(&pk, p, INSECURE, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(pk.keyid_hex, key_a.pub.keyid_hex);
	ck_assert(mpz_cmp(pk.n, key_a.pub.n) == 0 && mpz_cmp(pk.hs, key_a.pub.hs) == 0);
	/* without the test flag a 512-bit key is refused, naming 'bits' */
	ck_assert(bs_pubkey_load(&pk, p, 0, &err) < 0);
	ck_assert_msg(strstr(err.msg, "line 2: field 'bits'"), "%s", err.msg);
	/* never overwritten without the flag */
	ck_assert(bs_pubkey_save(&key_b.pub, p, 0, &err) < 0);
	ck_assert_int_eq(err.code, BS_E_CANTCREAT);
	ck_assert_msg(strstr(err.msg, "already exists"), "%s", err.msg);
	ck_assert_msg(bs_pubkey_save(&key_b.pub, p, BS_KEYFILE_OVERWRITE, &err) == 0, "%s",
	              err.msg);
	ck_assert_msg(bs_pubkey_load(&pk, p, INSECURE, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(pk.keyid_hex, key_b.pub.keyid_hex);
	bs_pubkey_clear(&pk);
	free(text);
}
END_TEST

static void check_sec_file(const char *p, const char *pass)
{
	bs_seckey sk;
	bs_error err;
	mpz_t m, c, back;

	bs_seckey_init(&sk);
	ck_assert_msg(
	    bs_seckey_load(&sk, p, INSECURE, pass ? getpass_str : NULL, (void *)pass, &err) == 0,
	    "%s", err.msg);
	ck_assert_str_eq(sk.pub.keyid_hex, key_a.pub.keyid_hex);
	ck_assert(mpz_cmp(sk.p, key_a.p) == 0 && mpz_cmp(sk.q, key_a.q) == 0);
	mpz_inits(m, c, back, NULL);
	mpz_set_si(m, -4242);
	ck_assert(bs_paillier_encrypt(&sk.pub, c, m, &err) == 0);
	ck_assert(bs_paillier_decrypt(&sk, back, c, &err) == 0);
	ck_assert(mpz_cmp(m, back) == 0);
	mpz_clears(m, c, back, NULL);
	bs_seckey_clear(&sk);
}

START_TEST(sec_round_trip_plain)
{
	const char *p = path_in_dir("a.sec");
	struct stat st;
	bs_error err;

	unlink(p);
	ck_assert_msg(bs_seckey_save(&key_a, p, NULL, NULL, 0, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	check_sec_file(p, NULL);
	ck_assert(bs_seckey_save(&key_a, p, NULL, NULL, 0, &err) < 0);
	ck_assert_int_eq(err.code, BS_E_CANTCREAT);
	/* overwrite replaces a too-open file by a fresh 0600 one */
	chmod(p, 0644);
	ck_assert_msg(bs_seckey_save(&key_a, p, NULL, NULL, BS_KEYFILE_OVERWRITE, &err) == 0, "%s",
	              err.msg);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
}
END_TEST

START_TEST(sec_round_trip_sealed)
{
	const char *p = path_in_dir("s.sec");
	bs_keyfile_info info;
	bs_passphrase pp;
	bs_error err;
	size_t len;
	char *text, phex[200];

	unlink(p);
	set_pass(&pp, "correct horse");
	ck_assert_msg(bs_seckey_save(&key_a, p, &pp, &fast, 0, &err) == 0, "%s", err.msg);
	bs_passphrase_free(&pp);
	check_sec_file(p, "correct horse");
	text = slurp(p, &len);
	gmp_snprintf(phex, sizeof phex, "%Zx", key_a.p);
	ck_assert_msg(strstr(text, phex) == NULL, "p in clear in a sealed file");
	ck_assert(strstr(text, "\nsealed argon2id13 1 8192 ") != NULL);
	free(text);
	/* the public part is readable without the passphrase */
	ck_assert_msg(bs_keyfile_inspect(p, INSECURE, NULL, &info, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(info.kind, BS_KEY_SECRET);
	ck_assert_int_eq(info.sealed, 1);
	ck_assert_int_eq(info.bits, BITS);
	ck_assert_str_eq(info.keyid_hex, key_a.pub.keyid_hex);
	/* an empty passphrase is refused when sealing */
	set_pass(&pp, "");
	ck_assert(bs_seckey_save(&key_a, path_in_dir("e.sec"), &pp, &fast, 0, &err) < 0);
	bs_passphrase_free(&pp);
}
END_TEST

START_TEST(sealed_default_params)
{
	const char *p = path_in_dir("m.sec");
	bs_passphrase pp;
	bs_error err;
	size_t len;
	char *text;

	unlink(p);
	set_pass(&pp, "moderate");
	ck_assert_msg(bs_seckey_save(&key_a, p, &pp, NULL, 0, &err) == 0, "%s", err.msg);
	bs_passphrase_free(&pp);
	text = slurp(p, &len);
	ck_assert(strstr(text, "\nsealed argon2id13 3 268435456 ") != NULL);
	free(text);
	check_sec_file(p, "moderate");
}
END_TEST

START_TEST(inspect_kinds)
{
	bs_keyfile_info info;
	bs_pubkey pk;
	bs_error err;
	const char *pub = path_in_dir("i.pub"), *sec = path_in_dir("i.sec");

	unlink(pub);
	unlink(sec);
	ck_assert(bs_pubkey_save(&key_b.pub, pub, 0, &err) == 0);
	ck_assert(bs_seckey_save(&key_b, sec, NULL, NULL, 0, &err) == 0);
	bs_pubkey_init(&pk);
	ck_assert_msg(bs_keyfile_inspect(pub, INSECURE, &pk, &info, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(info.kind, BS_KEY_PUBLIC);
	ck_assert_str_eq(pk.keyid_hex, key_b.pub.keyid_hex);
	ck_assert_msg(bs_keyfile_inspect(sec, INSECURE, NULL, &info, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(info.kind, BS_KEY_SECRET);
	ck_assert_int_eq(info.sealed, 0);
	ck_assert_str_eq(info.keyid_hex, key_b.pub.keyid_hex);
	/* each loader refuses the other kind */
	ck_assert(bs_pubkey_load(&pk, sec, INSECURE, &err) < 0);
	ck_assert_msg(strstr(err.msg, "is a secret key file"), "%s", err.msg);
	bs_pubkey_clear(&pk);
}
END_TEST

/* ------------------------------------------------------------ refusals */

START_TEST(wrong_passphrase)
{
	const char *p = path_in_dir("w.sec");
	bs_passphrase pp;
	bs_seckey sk;
	bs_error err;

	unlink(p);
	set_pass(&pp, "right");
	ck_assert(bs_seckey_save(&key_a, p, &pp, &fast, 0, &err) == 0);
	bs_passphrase_free(&pp);
	bs_seckey_init(&sk);
	ck_assert(bs_seckey_load(&sk, p, INSECURE, getpass_str, (void *)"wrong", &err) < 0);
	ck_assert_int_eq(err.code, BS_E_PASS);
	ck_assert_msg(strstr(err.msg, "wrong passphrase (or corrupted key file)"), "%s", err.msg);
	ck_assert(bs_seckey_load(&sk, p, INSECURE, NULL, NULL, &err) < 0);
	ck_assert_int_eq(err.code, BS_E_PASS);
	bs_seckey_clear(&sk);
}
END_TEST

START_TEST(permissions)
{
	static const int modes[] = {0640, 0604, 0660, 0700, 0601};
	const char *p = path_in_dir("perm.sec");
	bs_keyfile_info info;
	bs_seckey sk;
	bs_error err;
	char want[300];

	unlink(p);
	ck_assert(bs_seckey_save(&key_a, p, NULL, NULL, 0, &err) == 0);
	bs_seckey_init(&sk);
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		chmod(p, (mode_t)modes[i]);
		snprintf(want, sizeof want,
		         "permissions %04o for '%s' are too open; it must be readable only by "
		         "its owner",
		         modes[i], p);
		if ((modes[i] & 077) == 0) {
			ck_assert_msg(bs_seckey_load(&sk, p, INSECURE, NULL, NULL, &err) == 0, "%s",
			              err.msg);
			continue;
		}
		ck_assert(bs_seckey_load(&sk, p, INSECURE, NULL, NULL, &err) < 0);
		ck_assert_int_eq(err.code, BS_E_PERM);
		ck_assert_str_eq(err.msg, want);
		ck_assert(bs_keyfile_inspect(p, INSECURE, NULL, &info, &err) < 0);
		ck_assert_int_eq(err.code, BS_E_PERM);
	}
	chmod(p, 0400);
	ck_assert_msg(bs_seckey_load(&sk, p, INSECURE, NULL, NULL, &err) == 0, "%s", err.msg);
	bs_seckey_clear(&sk);
}
END_TEST

/* Every field of every form, tampered in a way that must be pinned on it. */
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
START_TEST(binding)
{
	const char *p = path_in_dir("hs.sec");
	bs_seckey sk;
	bs_passphrase pp;
	bs_error err;
	size_t la, lb;
	char *a, *b, *mix;

	bs_seckey_init(&sk);
	mpz_set(sk.p, key_a.p);
	mpz_set(sk.q, key_a.q);
	mpz_set(sk.pub.n, key_a.pub.n);
	mpz_mul_ui(sk.pub.hs, key_a.pub.hs, 2);
	bs_pubkey_finish(&sk.pub);
	mpz_mod(sk.pub.hs, sk.pub.hs, sk.pub.n2);
	bs_pubkey_finish(&sk.pub);
	unlink(p);
	ck_assert(bs_seckey_save(&sk, p, NULL, NULL, 0, &err) == 0);
	bs_seckey_clear(&sk);
	bs_seckey_init(&sk);
	ck_assert(bs_seckey_load(&sk, p, INSECURE, NULL, NULL, &err) < 0);
	ck_assert_msg(strstr(err.msg, "line 5: field 'hs': is not an encryption of zero"), "%s",
	              err.msg);
	bs_seckey_clear(&sk);

	a = key_text(SEALED, &la);
	unlink(path_in_dir("b.sec"));
	set_pass(&pp, "correct horse");
	ck_assert(bs_seckey_save(&key_b, path_in_dir("b.sec"), &pp, &fast, 0, &err) == 0);
	bs_passphrase_free(&pp);
	b = slurp(path_in_dir("b.sec"), &lb);
	mix = bs_xmalloc(la + lb);
	sprintf(mix, "%.*s%s", (int)(strstr(b, "\nsealed ") + 1 - b), b,
	        strstr(a, "\nsealed ") + 1);
	expect_fail(SEALED, mix, "wrong passphrase (or corrupted key file)", "mixed");
	/* changing the Argon2id cost (still in range) breaks the seal too */
	strcpy(mix, a);
	memcpy(strstr(mix, "argon2id13 1 "), "argon2id13 2 ", 13);
	expect_fail(SEALED, mix, "wrong passphrase (or corrupted key file)", "ops");
	free(a);
	free(b);
	free(mix);
}
END_TEST

START_TEST(passphrase_file)
{
	const char *p = path_in_dir("pass");
	bs_passphrase pp = {NULL, 0};
	bs_error err;
	FILE *f;
	char *longline = bs_xmalloc(2000);

	f = fopen(p, "w");
	fputs("secret words\r\nsecond line\n", f);
	fclose(f);
	ck_assert_msg(bs_passphrase_read_file(&pp, p, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(pp.buf, "secret words");
	ck_assert_uint_eq(pp.len, 12);
	bs_passphrase_free(&pp);
	f = fopen(p, "w");
	fputs("\nx\n", f);
	fclose(f);
	ck_assert(bs_passphrase_read_file(&pp, p, &err) < 0);
	ck_assert_msg(strstr(err.msg, "first line is empty"), "%s", err.msg);
	bs_passphrase_free(&pp);
	memset(longline, 'x', 1999);
	longline[1999] = '\0';
	f = fopen(p, "w");
	fputs(longline, f);
	fclose(f);
	ck_assert(bs_passphrase_read_file(&pp, p, &err) < 0);
	ck_assert_msg(strstr(err.msg, "longer than"), "%s", err.msg);
	bs_passphrase_free(&pp);
	ck_assert(bs_passphrase_read_file(&pp, path_in_dir("nonexistent"), &err) < 0);
	ck_assert_int_eq(err.code, BS_E_NOINPUT);
	bs_passphrase_free(&pp);
	free(longline);
}
END_TEST

static Suite *keyfile_suite(void)
{
	Suite *s = suite_create("keyfile");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, pub_round_trip);
	tcase_add_test(tc, sec_round_trip_plain);
	tcase_add_test(tc, sec_round_trip_sealed);
	tcase_add_test(tc, sealed_default_params);
	tcase_add_test(tc, inspect_kinds);
	tcase_add_test(tc, wrong_passphrase);
	tcase_add_test(tc, permissions);
	tcase_add_loop_test(tc, tamper_each_field, 0, (int)(sizeof tampers / sizeof tampers[0]));
	tcase_add_test(tc, structure);
	tcase_add_test(tc, truncated);
	tcase_add_test(tc, syntax);
	tcase_add_test(tc, binding);
	tcase_add_test(tc, passphrase_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	bs_error err;
	SRunner *sr;
	int failed;
	char cmd[128];

	if (bs_crypto_init() < 0)
		return 1;
	umask(022);
	strcpy(dir, "/tmp/test_keyfile.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	bs_seckey_init(&key_a);
	bs_seckey_init(&key_b);
	if (bs_paillier_keygen(&key_a, BITS, 1, NULL, NULL, &err) < 0 ||
	    bs_paillier_keygen(&key_b, BITS, 1, NULL, NULL, &err) < 0) {
		fprintf(stderr, "keygen: %s\n", err.msg);
		return 1;
	}
	sr = srunner_create(keyfile_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	bs_seckey_clear(&key_a);
	bs_seckey_clear(&key_b);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		failed++;
	return failed ? 1 : 0;
}
