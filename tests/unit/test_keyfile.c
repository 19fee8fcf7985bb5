/*
 * test_keyfile.c - key files on disk and passphrases (src/lib/keyfile.c,
 * keysave.c, keyseal.c, passphrase.c): round trips of every form, modes,
 * no overwriting, permissions, wrong passphrase, what the seal binds; and
 * bs_write_file (util.c), which writes key, model and vocabulary files:
 * atomic replacement, no overwriting, and never touching a path that is
 * not a regular file (a device, FIFO, directory or symbolic link).
 * Text-level refusals are in test_keyparse.c; the fixture is keyfix.c.
 * Sealed files use the cheapest Argon2id cost, except one test of the
 * default (MODERATE) parameters.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfix.h"

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

/* Entries of the fixture's directory whose names start with prefix. */
static int count_prefixed(const char *prefix)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s", path_in_dir("x"));
	*strrchr(dir, '/') = '\0';
	DIR *d = opendir(dir);
	ck_assert(d != NULL);
	int n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

START_TEST(write_file_safety)
{
	char p[512];
	snprintf(p, sizeof p, "%s", path_in_dir("wf.model")); /* path_in_dir rotates 4 buffers */
	bs_error err;
	struct stat st;
	char *t;
	size_t tl;

	unlink(p);
	ck_assert_msg(bs_write_file(p, "one\n", 4, 0644, 0, &err) == 0, "%s", err.msg);
	ck_assert(stat(p, &st) == 0 && (st.st_mode & 07777) == 0644);
	ck_assert_str_eq(t = slurp(p, &tl), "one\n");
	free(t);
	/* no overwriting: refused, the file unchanged */
	ck_assert(bs_write_file(p, "two\n", 4, 0644, 0, &err) < 0);
	ck_assert_int_eq(err.code, BS_E_CANTCREAT);
	ck_assert(strstr(err.msg, "already exists (not overwriting)") != NULL);
	ck_assert_str_eq(t = slurp(p, &tl), "one\n");
	free(t);
	/* overwriting replaces content and mode */
	ck_assert_msg(bs_write_file(p, "three\n", 6, 0600, 1, &err) == 0, "%s", err.msg);
	ck_assert(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600);
	ck_assert_str_eq(t = slurp(p, &tl), "three\n");
	free(t);
	ck_assert_int_eq(count_prefixed("wf.model."), 0); /* no temporary left */

	/* a FIFO, a directory, a symbolic link: refused even with overwrite,
	 * and left as they were (the old writer opened a FIFO and blocked,
	 * and truncated, chmod-ed and on error unlinked devices) */
	char fifo[512];
	snprintf(fifo, sizeof fifo, "%s", path_in_dir("wf.fifo"));
	unlink(fifo);
	ck_assert(mkfifo(fifo, 0600) == 0);
	ck_assert(bs_write_file(fifo, "x", 1, 0644, 1, &err) < 0);
	ck_assert(strstr(err.msg, "is not a regular file (not overwriting)") != NULL);
	ck_assert(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 07777) == 0600);
	unlink(fifo);
	char dir[512];
	snprintf(dir, sizeof dir, "%s", path_in_dir("wf.dir"));
	rmdir(dir);
	ck_assert(mkdir(dir, 0700) == 0);
	ck_assert(bs_write_file(dir, "x", 1, 0644, 1, &err) < 0);
	ck_assert(lstat(dir, &st) == 0 && S_ISDIR(st.st_mode));
	rmdir(dir);
	char link[512];
	snprintf(link, sizeof link, "%s", path_in_dir("wf.link"));
	unlink(link);
	ck_assert(symlink(p, link) == 0);
	ck_assert(bs_write_file(link, "x", 1, 0644, 1, &err) < 0);
	ck_assert(strstr(err.msg, "is a symbolic link (not overwriting)") != NULL);
	ck_assert(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
	ck_assert_str_eq(t = slurp(p, &tl), "three\n"); /* the link's target untouched */
	free(t);
	unlink(link);
	/* a directory that does not exist: an error naming the path, nothing made */
	char bad[512];
	snprintf(bad, sizeof bad, "%s", path_in_dir("no-such-dir/f"));
	ck_assert(bs_write_file(bad, "x", 1, 0644, 0, &err) < 0);
	ck_assert(strstr(err.msg, "no-such-dir/f") != NULL);
	ck_assert_int_eq(count_prefixed("wf."), 1); /* wf.model only */
}
END_TEST

static Suite *keyfile_suite(void)
{
	Suite *s = suite_create("keyfile");
	TCase *tc = tcase_create("files");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, pub_round_trip);
	tcase_add_test(tc, sec_round_trip_plain);
	tcase_add_test(tc, sec_round_trip_sealed);
	tcase_add_test(tc, sealed_default_params);
	tcase_add_test(tc, inspect_kinds);
	tcase_add_test(tc, wrong_passphrase);
	tcase_add_test(tc, permissions);
	tcase_add_test(tc, binding);
	tcase_add_test(tc, passphrase_file);
	suite_add_tcase(s, tc);
	TCase *wf = tcase_create("write_file");
	tcase_set_timeout(wf, 20);
	tcase_add_test(wf, write_file_safety);
	suite_add_tcase(s, wf);
	return s;
}

int main(void)
{
	return keyfix_run(keyfile_suite());
}
