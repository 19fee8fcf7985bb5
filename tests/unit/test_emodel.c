/*
 * test_emodel.c - encrypted model (emodel.c, emodel_build.c) and the scorer
 * (scorer.c): encryption, loading and its refusals, the auditor's verify, and
 * exactness of the encrypted score against bs_model_score.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emodel.h"
#include "model.h"
#include "paillier.h"
#include "scorer.h"
#include "unit.h"

#define B 6

static bs_seckey sk, sk2;
static bs_model *model;
static char dir[128];
static char path[256], seedpath[256];
static uint8_t seed[BS_SEED_BYTES];

static bs_model *make_model(double scale)
{
	bs_feature_params fp = {.bits = B, .clip = 3, .ngram = 1};
	double w[1 << B];
	bs_error err;
	bs_model *m;
	size_t len;
	char *text;

	memcpy(fp.salt, "0123456789abcdef", 16);
	for (int j = 0; j < (1 << B); j++)
		w[j] = (j % 5 == 0) ? 0.0 : scale * ((double)((j * 37) % 19) - 9.0) / 7.0;
	m = bs_model_from_float(&fp, w, 0.25, 0.1, 10, 0, &err);
	ck_assert_msg(m != NULL, "%s", err.msg);
	text = bs_model_format(m, &len); /* sets the model id */
	free(text);
	return m;
}

static void setup_once(void)
{
	bs_error err;
	ck_assert_int_eq(bs_crypto_init(), 0);
	ck_assert_int_eq(unit_tmpdir(dir, sizeof dir, "emodel"), 0);
	bs_seckey_init(&sk);
	bs_seckey_init(&sk2);
	ck_assert(bs_paillier_keygen(&sk, 512, 1, NULL, NULL, &err) == 0);
	ck_assert(bs_paillier_keygen(&sk2, 512, 1, NULL, NULL, &err) == 0);
	model = make_model(1.0);
	snprintf(path, sizeof path, "%s/m.bsm", dir);
	snprintf(seedpath, sizeof seedpath, "%s/m.seed", dir);
	randombytes_buf(seed, sizeof seed);
	ck_assert_msg(bs_emodel_encrypt(model, &sk.pub, seed, 2, 0, path, 0, &err) == 0, "%s",
	              err.msg);
	ck_assert(bs_seed_write(seedpath, seed, model->id, 0, &err) == 0);
}

static void teardown_once(void)
{
	if (unit_rmtree(dir) < 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* Read the file, let `edit` change it, write a copy, return its path. */
static const char *edited_copy(void (*edit)(uint8_t *buf, size_t *len, size_t hdr), int rehash)
{
	static char out[300];
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(1 << 20);
	size_t len = fread(buf, 1, 1 << 20, f), hdr;
	fclose(f);
	hdr = (size_t)((uint8_t *)strstr((char *)buf, "\nend\n") - buf) + 5;
	edit(buf, &len, hdr);
	if (rehash)
		crypto_hash_sha256(buf + len - 32, buf, len - 32);
	snprintf(out, sizeof out, "%s/edited.bsm", dir);
	unlink(out);
	f = fopen(out, "wb");
	fwrite(buf, 1, len, f);
	fclose(f);
	free(buf);
	return out;
}

static void flip_ct(uint8_t *buf, size_t *len, size_t hdr)
{
	buf[hdr + 3 * 128 + 100] ^= 1; /* ciphertext 3 (512-bit key: 128-byte width) */
}
static void truncate_file(uint8_t *buf, size_t *len, size_t hdr)
{
	*len -= 100;
}
static void ct_multiple_of_p(uint8_t *buf, size_t *len, size_t hdr)
{
	mpz_t c;
	size_t cnt;
	mpz_init(c);
	mpz_mul_ui(c, sk.p, 12345);
	memset(buf + hdr + 5 * 128, 0, 128);
	mpz_export(buf + hdr + 5 * 128 + 128 - (mpz_sizeinbase(c, 2) + 7) / 8, &cnt, 1, 1, 0, 0, c);
	mpz_clear(c);
}
static void upper_n(uint8_t *buf, size_t *len, size_t hdr)
{
	uint8_t *p = (uint8_t *)strstr((char *)buf, "\nn ") + 3;
	while (!(*p >= 'a' && *p <= 'f'))
		p++;
	*p = (uint8_t)(*p - 'a' + 'A'); /* same number, another text form */
}
static void ct_zero(uint8_t *buf, size_t *len, size_t hdr)
{
	memset(buf + hdr + 7 * 128, 0, 128);
}

START_TEST(test_load_ok)
{
	bs_error err;
	bs_emodel *em = bs_emodel_load(path, &sk.pub, &err);
	ck_assert_msg(em != NULL, "%s", err.msg);
	ck_assert_uint_eq(em->count, (1u << B) + 1);
	ck_assert_int_eq(memcmp(em->model_id, model->id, 32), 0);
	ck_assert_int_eq(em->score_bound, model->score_bound);
	bs_emodel_free(em);
}
END_TEST

START_TEST(test_seed_not_in_file)
{
	char *buf;
	size_t len;
	bs_error err;
	ck_assert(bs_read_file(path, 1 << 20, &buf, &len, &err) == 0);
	for (size_t i = 0; i + BS_SEED_BYTES <= len; i++)
		ck_assert(memcmp(buf + i, seed, BS_SEED_BYTES) != 0);
	char hex[2 * BS_SEED_BYTES + 1];
	bs_hex_encode(hex, seed, BS_SEED_BYTES);
	ck_assert_ptr_null(memmem(buf, len, hex, strlen(hex)));
	free(buf);
	struct stat st;
	ck_assert_int_eq(stat(seedpath, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
}
END_TEST

START_TEST(test_load_refusals)
{
	bs_error err;
	const char *p;

	/* another key: both key ids named */
	ck_assert_ptr_null(bs_emodel_load(path, &sk2.pub, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, sk.pub.keyid_hex));
	ck_assert_ptr_nonnull(strstr(err.msg, sk2.pub.keyid_hex));
	/* one bit flipped: the hash catches it */
	p = edited_copy(flip_ct, 0);
	ck_assert_ptr_null(bs_emodel_load(p, NULL, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "SHA-256"));
	/* truncated */
	p = edited_copy(truncate_file, 0);
	ck_assert_ptr_null(bs_emodel_load(p, NULL, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "truncated"));
	/* a ciphertext sharing a factor with n, hash recomputed */
	p = edited_copy(ct_multiple_of_p, 1);
	ck_assert_ptr_null(bs_emodel_load(p, NULL, &err));
	ck_assert_msg(strstr(err.msg, "ciphertext 5") && strstr(err.msg, "shares a factor"), "%s",
	              err.msg);
	/* zero ciphertext, hash recomputed */
	p = edited_copy(ct_zero, 1);
	ck_assert_ptr_null(bs_emodel_load(p, NULL, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "ciphertext 7 is zero"));
	/* a second text form of the same key is refused (one file per model) */
	p = edited_copy(upper_n, 1);
	ck_assert_ptr_null(bs_emodel_load(p, NULL, &err));
	ck_assert_msg(strstr(err.msg, "field 'n'") != NULL, "%s", err.msg);
	/* not a model at all */
	ck_assert_ptr_null(bs_emodel_load(seedpath, NULL, &err));
}
END_TEST

START_TEST(test_verify)
{
	bs_error err;
	uint8_t wrong[BS_SEED_BYTES];
	bs_emodel *em = bs_emodel_load(path, NULL, &err), *ed;
	bs_model *other;

	ck_assert_ptr_nonnull(em);
	ck_assert_msg(bs_emodel_verify(em, model, seed, 2, 0, &err) == 0, "%s", err.msg);
	/* wrong seed */
	memcpy(wrong, seed, sizeof wrong);
	wrong[0] ^= 1;
	ck_assert_int_eq(bs_emodel_verify(em, model, wrong, 2, 0, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "seed"));
	/* wrong plaintext model */
	other = make_model(2.0);
	ck_assert_int_eq(bs_emodel_verify(em, other, seed, 2, 0, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "'model'"));
	bs_model_free(other);
	/* one ciphertext changed (and the file hash recomputed by the forger) */
	ed = bs_emodel_load(edited_copy(flip_ct, 1), NULL, &err);
	if (ed) { /* a flipped bit may leave a valid ciphertext: then verify must catch it */
		ck_assert_int_eq(bs_emodel_verify(ed, model, seed, 2, 0, &err), -1);
		ck_assert_msg(strstr(err.msg, "ciphertext 3 (bucket 3)") != NULL, "%s", err.msg);
		bs_emodel_free(ed);
	}
	bs_emodel_free(em);
}
END_TEST

static void random_features(bs_feature *f, size_t *n)
{
	size_t k = 0;
	for (uint32_t b = 0; b < (1u << B); b++) {
		if (randombytes_uniform(3) == 0) {
			f[k].bucket = b;
			f[k].count = 1 + randombytes_uniform(3);
			k++;
		}
	}
	*n = k;
}

START_TEST(test_score_exact)
{
	bs_error err;
	bs_emodel *em = bs_emodel_load(path, &sk.pub, &err);
	bs_scorer *s = bs_scorer_new(em, 4, 8, &err);
	bs_feature f[1 << B];
	size_t n;
	mpz_t c, m;

	ck_assert_ptr_nonnull(s);
	mpz_inits(c, m, NULL);
	for (int i = 0; i < 200; i++) {
		random_features(f, &n);
		if (i == 0)
			n = 0; /* empty message: just the constant */
		bs_scorer_score(s, f, n, c);
		ck_assert(bs_paillier_decrypt(&sk, m, c, &err) == 0);
		ck_assert_msg(mpz_cmp_si(m, (long)bs_model_score(model, f, n)) == 0,
		              "message %d: encrypted %ld, plaintext %ld", i, mpz_get_si(m),
		              (long)bs_model_score(model, f, n));
	}
	mpz_clears(c, m, NULL);
	bs_scorer_free(s);
	bs_emodel_free(em);
}
END_TEST

/* Scorers of one key share a randomizer table (a milter reload keeping the
 * key builds none); it outlives the scorer and the key that made it; other
 * keys and comb shapes get their own. */
START_TEST(test_shared_table)
{
	bs_error err;
	char path2[300];
	bs_emodel *em1 = bs_emodel_load(path, &sk.pub, &err);
	bs_emodel *em2 = bs_emodel_load(path, &sk.pub, &err);
	ck_assert_ptr_nonnull(em1);
	ck_assert_ptr_nonnull(em2);
	snprintf(path2, sizeof path2, "%s/other-key.bsm", dir);
	ck_assert_msg(bs_emodel_encrypt(model, &sk2.pub, seed, 1, 0, path2, 0, &err) == 0, "%s",
	              err.msg);
	bs_emodel *em3 = bs_emodel_load(path2, &sk2.pub, &err);
	ck_assert_ptr_nonnull(em3);

	bs_scorer *s1 = bs_scorer_new(em1, 4, 0, &err);
	bs_scorer *s2 = bs_scorer_new(em2, 4, 4, &err);
	bs_scorer *s3 = bs_scorer_new(em3, 4, 0, &err);
	bs_scorer *s4 = bs_scorer_new(em2, 5, 0, &err);
	ck_assert(s1 && s2 && s3 && s4);
	ck_assert_ptr_eq(bs_scorer_djn(s1), bs_scorer_djn(s2));
	ck_assert_ptr_ne(bs_scorer_djn(s1), bs_scorer_djn(s3)); /* another key */
	ck_assert_ptr_ne(bs_scorer_djn(s2), bs_scorer_djn(s4)); /* another shape */
	bs_scorer_free(s1);
	bs_emodel_free(em1); /* the key the table was built from is gone */

	bs_feature f[1 << B];
	size_t n;
	mpz_t c, m;
	mpz_inits(c, m, NULL);
	for (int i = 0; i < 50; i++) {
		random_features(f, &n);
		bs_scorer_score(s2, f, n, c);
		ck_assert(bs_paillier_decrypt(&sk, m, c, &err) == 0);
		ck_assert_int_eq(mpz_get_si(m), (long)bs_model_score(model, f, n));
		bs_scorer_score(s3, f, n, c);
		ck_assert(bs_paillier_decrypt(&sk2, m, c, &err) == 0);
		ck_assert_int_eq(mpz_get_si(m), (long)bs_model_score(model, f, n));
	}
	mpz_clears(c, m, NULL);
	bs_scorer_free(s2);
	bs_scorer_free(s4);
	bs_scorer_free(s3);
	bs_emodel_free(em2);
	bs_emodel_free(em3);
}
END_TEST

#define NTAP 300
static char taps[NTAP][65];
static int ntaps;
static void tap(void *arg, const mpz_t r)
{
	char *s = mpz_get_str(NULL, 16, r);
	uint8_t h[32];
	crypto_hash_sha256(h, (uint8_t *)s, strlen(s));
	free(s);
	ck_assert_int_lt(ntaps, NTAP);
	bs_hex_encode(taps[ntaps++], h, 16);
}

START_TEST(test_randomizers_never_reused)
{
	bs_error err;
	bs_emodel *em = bs_emodel_load(path, &sk.pub, &err);
	bs_scorer *s = bs_scorer_new(em, 4, 16, &err);
	bs_scorer_stats st;
	bs_feature f[1 << B];
	size_t n;
	mpz_t c1, c2, m1, m2;

	mpz_inits(c1, c2, m1, m2, NULL);
	bs_scorer_set_tap(s, tap, NULL);
	random_features(f, &n);
	ntaps = 0;
	usleep(200000); /* let the pool fill so both paths are exercised */
	for (int i = 0; i < NTAP / 2; i++) {
		bs_scorer_score(s, f, n, c1);
		bs_scorer_score(s, f, n, c2);
		ck_assert(mpz_cmp(c1, c2) != 0); /* same message, two ciphertexts */
		bs_paillier_decrypt(&sk, m1, c1, &err);
		bs_paillier_decrypt(&sk, m2, c2, &err);
		ck_assert(mpz_cmp(m1, m2) == 0);
	}
	for (int i = 0; i < ntaps; i++)
		for (int j = i + 1; j < ntaps; j++)
			ck_assert_msg(strcmp(taps[i], taps[j]) != 0, "randomizer %d reused at %d",
			              i, j);
	bs_scorer_get_stats(s, &st);
	ck_assert_uint_eq(st.scored, NTAP);
	ck_assert_uint_eq(st.pool_hits + st.pool_misses, NTAP);
	ck_assert_uint_gt(st.pool_hits, 0);
	mpz_clears(c1, c2, m1, m2, NULL);
	bs_scorer_free(s);
	bs_emodel_free(em);
}
END_TEST

/* Normalized models (norm-root 2 and 4) with character n-grams: the header
 * carries chargram, norm-root and norm-bits, verify accepts, and the
 * encrypted score 2^G sum w x + K nm equals bs_model_score exactly. */
START_TEST(test_score_exact_norm)
{
	static const unsigned roots[2] = {2, 4}, gbits[2] = {12, 7};
	bs_feature_params fp = {.bits = B, .clip = 3, .ngram = 1, .chargram = 3};
	double w[1 << B];
	bs_feature f[1 << B];
	bs_error err;
	char npath[300];
	size_t n, len;
	mpz_t c, m;

	memcpy(fp.salt, "0123456789abcdef", 16);
	for (int j = 0; j < (1 << B); j++)
		w[j] = (j % 5 == 0) ? 0.0 : ((double)((j * 37) % 19) - 9.0) / 7.0;
	mpz_inits(c, m, NULL);
	for (int r = 0; r < 2; r++) {
		bs_model *nm =
		    bs_model_from_float_norm(&fp, w, 0.25, -1.5, 10, 0, roots[r], gbits[r], &err);
		ck_assert_msg(nm != NULL, "%s", err.msg);
		free(bs_model_format(nm, &len));
		snprintf(npath, sizeof npath, "%s/norm%u.bsm", dir, roots[r]);
		ck_assert_msg(bs_emodel_encrypt(nm, &sk.pub, seed, 2, 0, npath, 0, &err) == 0, "%s",
		              err.msg);
		bs_emodel *em = bs_emodel_load(npath, &sk.pub, &err);
		ck_assert_msg(em != NULL, "%s", err.msg);
		ck_assert_uint_eq(em->fp.chargram, 3);
		ck_assert_uint_eq(em->norm_root, roots[r]);
		ck_assert_uint_eq(em->norm_bits, gbits[r]);
		ck_assert_msg(bs_emodel_verify(em, nm, seed, 2, 0, &err) == 0, "%s", err.msg);
		ck_assert_int_eq(bs_emodel_verify(em, model, seed, 2, 0, &err), -1);
		bs_scorer *s = bs_scorer_new(em, 4, 0, &err);
		ck_assert_ptr_nonnull(s);
		for (int i = 0; i < 60; i++) {
			random_features(f, &n);
			if (i == 0)
				n = 0;
			bs_scorer_score(s, f, n, c);
			ck_assert(bs_paillier_decrypt(&sk, m, c, &err) == 0);
			ck_assert_msg(mpz_cmp_si(m, (long)bs_model_score(nm, f, n)) == 0,
			              "root %u message %d: encrypted %ld, plaintext %ld", roots[r],
			              i, mpz_get_si(m), (long)bs_model_score(nm, f, n));
		}
		bs_scorer_free(s);
		bs_emodel_free(em);
		bs_model_free(nm);
	}
	mpz_clears(c, m, NULL);
}
END_TEST

/* A message without features under a normalized model with K < 0: the
 * encrypted score decrypts to K * 2^G (nm = 2^G, as for N = 1), the plaintext
 * score, and is not flagged (nm = 0 gave Enc(0): flagged); without
 * normalization it decrypts to K. */
START_TEST(test_empty_message)
{
	static const unsigned roots[3] = {2, 4, 0}, gbits[3] = {12, 7, 0};
	bs_feature_params fp = {.bits = B, .clip = 3, .ngram = 1};
	double w[1 << B];
	bs_feature none[1] = {{1, 1}}; /* never read: n = 0 */
	bs_error err;
	char npath[300];
	size_t len;
	mpz_t c, m;

	memcpy(fp.salt, "0123456789abcdef", 16);
	for (int j = 0; j < (1 << B); j++)
		w[j] = (j % 5 == 0) ? 0.0 : ((double)((j * 37) % 19) - 9.0) / 7.0;
	mpz_inits(c, m, NULL);
	for (int r = 0; r < 3; r++) {
		/* K = round((0.25 - 1.5) * 2^10) = -1280 */
		bs_model *pm =
		    bs_model_from_float_norm(&fp, w, 0.25, 1.5, 10, 0, roots[r], gbits[r], &err);
		ck_assert_msg(pm != NULL, "%s", err.msg);
		ck_assert_int_eq(pm->constant, -1280);
		free(bs_model_format(pm, &len));
		snprintf(npath, sizeof npath, "%s/empty%u.bsm", dir, roots[r]);
		ck_assert_msg(bs_emodel_encrypt(pm, &sk.pub, seed, 2, 0, npath, 0, &err) == 0, "%s",
		              err.msg);
		bs_emodel *em = bs_emodel_load(npath, &sk.pub, &err);
		ck_assert_msg(em != NULL, "%s", err.msg);
		bs_scorer *s = bs_scorer_new(em, 4, 0, &err);
		ck_assert_ptr_nonnull(s);
		bs_scorer_score(s, none, 0, c);
		ck_assert(bs_paillier_decrypt(&sk, m, c, &err) == 0);
		ck_assert_msg(mpz_cmp_si(m, -1280L * (1L << gbits[r])) == 0,
		              "root %u: decrypted %ld", roots[r], mpz_get_si(m));
		ck_assert_int_eq(mpz_get_si(m), (long)bs_model_score(pm, none, 0));
		ck_assert(!bs_model_flagged(mpz_get_si(m)));
		ck_assert(bs_model_score_float(pm, none, 0) < 0);
		bs_scorer_free(s);
		bs_emodel_free(em);
		bs_model_free(pm);
	}
	mpz_clears(c, m, NULL);
}
END_TEST

START_TEST(test_bound_refused)
{
	/* A model whose declared score bound is not the one its weights give is
	 * refused.  (The other refusal, S >= n/4, cannot happen with supported
	 * keys: models cap S at 2^62 and keys have at least 128 bits.) */
	bs_error err;
	bs_model *m = make_model(1.0);
	char p2[300];
	m->score_bound -= 1;
	snprintf(p2, sizeof p2, "%s/bad-bound.bsm", dir);
	ck_assert_int_eq(bs_emodel_encrypt(m, &sk.pub, seed, 1, 0, p2, 0, &err), -1);
	ck_assert_msg(strstr(err.msg, "score bound") != NULL, "%s", err.msg);
	ck_assert_int_eq(access(p2, F_OK), -1);
	bs_model_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("emodel");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, setup_once, teardown_once);
	tcase_add_test(tc, test_load_ok);
	tcase_add_test(tc, test_seed_not_in_file);
	tcase_add_test(tc, test_load_refusals);
	tcase_add_test(tc, test_verify);
	tcase_add_test(tc, test_score_exact);
	tcase_add_test(tc, test_shared_table);
	tcase_add_test(tc, test_score_exact_norm);
	tcase_add_test(tc, test_empty_message);
	tcase_add_test(tc, test_randomizers_never_reused);
	tcase_add_test(tc, test_bound_refused);
	suite_add_tcase(s, tc);
	return unit_run(s, CK_FORK_GETENV);
}
