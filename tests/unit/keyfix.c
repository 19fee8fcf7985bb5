/*
 * keyfix.c - shared fixture of the key file tests (see keyfix.h).
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
#include "unit.h"

bs_seckey key_a, key_b;
const bs_seal_params fast = {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
static char dir[128];

static int keyfix_setup(void)
{
	bs_error err;

	if (bs_crypto_init() < 0)
		return -1;
	umask(022);
	if (unit_tmpdir(dir, sizeof dir, "keyfile") < 0)
		return -1;
	bs_seckey_init(&key_a);
	bs_seckey_init(&key_b);
	if (bs_paillier_keygen(&key_a, BITS, 1, NULL, NULL, &err) < 0 ||
	    bs_paillier_keygen(&key_b, BITS, 1, NULL, NULL, &err) < 0) {
		fprintf(stderr, "keygen: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int keyfix_teardown(void)
{
	bs_seckey_clear(&key_a);
	bs_seckey_clear(&key_b);
	return unit_rmtree(dir);
}

int keyfix_run(Suite *s)
{
	int rc;

	if (keyfix_setup() < 0)
		return EXIT_FAILURE;
	rc = unit_run(s, CK_FORK_GETENV);
	if (keyfix_teardown() < 0)
		rc = EXIT_FAILURE;
	return rc;
}

char *path_in_dir(const char *name)
{
	static char buf[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	return buf[i];
}

char *slurp(const char *path, size_t *len)
{
	char *text;
	bs_error err;
	ck_assert_msg(bs_read_file(path, BS_KEYFILE_MAX, &text, len, &err) == 0, "%s", err.msg);
	return text;
}

int getpass_str(void *arg, bs_passphrase *pp, bs_error *err)
{
	return bs_passphrase_set(pp, arg, err);
}

void set_pass(bs_passphrase *pp, const char *s)
{
	bs_error err;
	pp->buf = NULL;
	ck_assert_msg(bs_passphrase_set(pp, s, &err) == 0, "%s", err.msg);
}

/* Text of key_a as a public, plain secret or sealed secret file. */

char *key_text(enum form f, size_t *len)
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
int parse_as(enum form f, const char *text, size_t len, bs_error *err)
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

void expect_fail(enum form f, const char *text, const char *want, const char *what)
{
	bs_error err;
	bs_error_clear(&err);
	ck_assert_msg(parse_as(f, text, strlen(text), &err) < 0, "%s: accepted", what);
	ck_assert_msg(strstr(err.msg, want) != NULL, "%s: message '%s' lacks '%s'", what, err.msg,
	              want);
}

/* Replace the value of line `line` (1-based) with `val`. */
char *with_value(const char *text, int line, const char *val)
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
char *value_of(const char *text, int line)
{
	const char *p = text;
	for (int l = 1; l < line; l++)
		p = strchr(p, '\n') + 1;
	p = strchr(p, ' ') + 1;
	return strndup(p, (size_t)(strchr(p, '\n') - p));
}

/* ------------------------------------------------------------ round trips */
