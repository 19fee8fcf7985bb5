/*
 * test_tables.c - the comb tables (fixbase.c, djn.c) and the scorer
 * (scorer.c) on every mulmod engine, against mpz references: every
 * (window, steps) shape, the planner's budget, DJN tables, and the scorer's
 * exactness on models with counts up to the clip, normalized or not, and
 * messages of up to 2^10 buckets.  (The engine itself: test_engine.c.)
 */
#include "config.h"

#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "djn.h"
#include "emodel.h"
#include "fixbase.h"
#include "model.h"
#include "mont.h"
#include "mulmod.h"
#include "paillier.h"
#include "scorer.h"
#include "unit.h"

static gmp_randstate_t rs;

/* engine configurations: 0 n-adic, 1.. Montgomery with each REDC */
#define NCONF (1 + BS_MONT_IMPLS - 1)
static int engine_conf(int i, enum bs_mm_impl *impl, enum bs_mont_impl *mimpl)
{
	*impl = i == 0 ? BS_MM_NADIC : BS_MM_MONT;
	*mimpl = i == 0 ? BS_MONT_AUTO : (enum bs_mont_impl)i;
	return bs_mont_available(*mimpl);
}

/* Comb tables: every (window, steps) shape against mpz_powm, on each engine. */
START_TEST(test_fixbase)
{
	static const unsigned ebits[] = {1, 7, 64, 65, 200, 1536};
	enum bs_mm_impl impl;
	enum bs_mont_impl mimpl;
	mpz_t n, m, g, e, want, got;
	bs_mm E;
	bs_error err;

	if (!engine_conf(_i, &impl, &mimpl))
		return;
	bs_mm_set_default(impl, mimpl);
	mpz_inits(n, m, g, e, want, got, NULL);
	mpz_urandomb(n, rs, 512);
	mpz_setbit(n, 511);
	mpz_setbit(n, 0);
	mpz_mul(m, n, n);
	ck_assert_int_eq(bs_mm_init(&E, n, BS_MM_AUTO, &err), 0);
	mp_size_t sz = E.size;
	mp_limb_t *gf = calloc((size_t)(2 * sz + bs_mm_scratch(&E)), sizeof *gf), *r = gf + sz,
	          *tp = r + sz;
	mpz_urandomm(g, rs, m);
	ck_assert_int_eq(bs_mm_import(&E, gf, g, tp), 0);
	for (size_t k = 0; k < sizeof ebits / sizeof ebits[0]; k++) {
		for (unsigned w = 1; w <= 7; w += 2) {
			for (unsigned steps = 1; steps <= 9; steps += 4) {
				bs_fixbase t;
				ck_assert_int_eq(bs_fixbase_init(&t, &E, gf, ebits[k], w, steps,
				                                 1 + (w + steps) % 3, &err),
				                 0);
				ck_assert_uint_eq(bs_fixbase_bytes(&t),
				                  bs_fixbase_plan_bytes(sz, ebits[k], w, steps));
				for (int i = 0; i < 6; i++) {
					if (i == 0)
						mpz_set_ui(e, 0);
					else if (i == 1) { /* all ones */
						mpz_set_ui(e, 0);
						mpz_setbit(e, ebits[k]);
						mpz_sub_ui(e, e, 1);
					} else
						mpz_urandomb(e, rs, ebits[k]);
					mpz_powm(want, g, e, m);
					bs_fixbase_pow(&t, r, mpz_limbs_read(e),
					               (mp_size_t)mpz_size(e), tp);
					bs_mm_export(&E, got, r, tp);
					ck_assert_msg(mpz_cmp(got, want) == 0,
					              "%s: exp bits %u window %u steps %u case %d",
					              bs_mm_name(&E), ebits[k], w, steps, i);
				}
				bs_fixbase_clear(&t);
			}
		}
	}
	ck_assert_int_eq(bs_fixbase_init(&(bs_fixbase){0}, &E, gf, 64, 0, 1, 1, &err), -1);
	ck_assert_int_eq(
	    bs_fixbase_init(&(bs_fixbase){0}, &E, gf, 64, BS_FIXBASE_MAX_WINDOW + 1, 1, 1, &err),
	    -1);
	/* the planner stays within its budget and prefers fewer products with more memory */
	unsigned w1, s1, w2, s2;
	bs_fixbase_plan(96, 1536, (size_t)12 << 20, 0, 1, &w1, &s1);
	bs_fixbase_plan(96, 1536, (size_t)48 << 20, 0, 1, &w2, &s2);
	ck_assert_uint_le(bs_fixbase_plan_bytes(96, 1536, w1, s1), (size_t)12 << 20);
	ck_assert_uint_le(bs_fixbase_plan_bytes(96, 1536, w2, s2), (size_t)48 << 20);
	ck_assert(bs_fixbase_plan_pow(1536, w2, s2) < bs_fixbase_plan_pow(1536, w1, s1));
	ck_assert(bs_fixbase_plan_pow(1536, w1, s1) < bs_fixbase_plan_pow(1536, 6, 1));
	free(gf);
	bs_mm_clear(&E);
	mpz_clears(n, m, g, e, want, got, NULL);
	bs_mm_set_default(BS_MM_NADIC, BS_MONT_AUTO);
}
END_TEST

static bs_seckey sk;
static char dir[128];

START_TEST(test_djn_comb)
{
	const bs_pubkey *pk = &sk.pub;
	mpz_t a, want, got;
	bs_error err;

	mpz_inits(a, want, got, NULL);
	for (unsigned shape = 0; shape < 4; shape++) {
		bs_djn_table t;
		if (shape < 3)
			ck_assert_int_eq(
			    bs_djn_table_init_comb(&t, pk, 3 + 4 * shape, 1 + 7 * shape, 2, &err),
			    0);
		else
			ck_assert_int_eq(bs_djn_table_init_plan(&t, pk, 1 << 20, 100, 2, &err), 0);
		ck_assert_uint_le(bs_djn_table_bytes(&t), shape < 3 ? SIZE_MAX : (size_t)1 << 20);
		for (int i = 0; i < 10; i++) {
			bs_random_mpz_bits(a, pk->bits / 2);
			mpz_powm(want, pk->hs, a, pk->n2);
			bs_djn_pow(&t, got, a);
			ck_assert_msg(mpz_cmp(want, got) == 0, "shape %u case %d", shape, i);
		}
		bs_djn_table_clear(&t);
	}
	mpz_clears(a, want, got, NULL);
}
END_TEST

/* A model of 2^10 buckets: messages with more factors than the scorer's
 * R-power table (512), counts up to the clip, normalized or not, exact on
 * every engine. */
static void score_model(unsigned clip, unsigned root, unsigned gbits, int conf)
{
	enum bs_mm_impl impl;
	enum bs_mont_impl mimpl;
	enum { BB = 10 };
	bs_feature_params fp = {.bits = BB, .clip = clip, .ngram = 1};
	static double w[1 << BB];
	static bs_feature f[1 << BB];
	uint8_t seed[BS_SEED_BYTES];
	char path[300];
	bs_error err;
	size_t len;
	mpz_t c, m;

	if (!engine_conf(conf, &impl, &mimpl))
		return;
	bs_mm_set_default(impl, mimpl);
	memcpy(fp.salt, "0123456789abcdef", 16);
	for (int j = 0; j < (1 << BB); j++)
		w[j] = ((double)((j * 37) % 19) - 9.0) / 7.0;
	bs_model *mo = bs_model_from_float_norm(&fp, w, 0.25, -1.5, 10, 0, root, gbits, &err);
	ck_assert_msg(mo != NULL, "%s", err.msg);
	free(bs_model_format(mo, &len));
	snprintf(path, sizeof path, "%s/m%u-%u-%d.bsm", dir, clip, root, conf);
	randombytes_buf(seed, sizeof seed);
	ck_assert_msg(bs_emodel_encrypt(mo, &sk.pub, seed, 2, 0, path, 1, &err) == 0, "%s",
	              err.msg);
	bs_emodel *em = bs_emodel_load(path, &sk.pub, &err);
	ck_assert_msg(em != NULL, "%s", err.msg);
	ck_assert_msg(bs_emodel_verify(em, mo, seed, 2, 0, &err) == 0, "%s", err.msg);
	bs_scorer *s = bs_scorer_new_comb(em, 5, 3, 4, &err);
	ck_assert_ptr_nonnull(s);
	mpz_inits(c, m, NULL);
	for (int i = 0; i < 8; i++) {
		size_t n = 0;
		unsigned keep = i == 0 ? 0 : i < 3 ? 1000 : 1 + randombytes_uniform(1000);
		for (uint32_t b = 0; b < (1u << BB); b++)
			if (randombytes_uniform(1000) < keep) {
				f[n].bucket = b;
				f[n].count = i == 7 ? clip : 1 + randombytes_uniform(clip);
				n++;
			}
		bs_scorer_score(s, f, n, c);
		ck_assert(bs_paillier_decrypt(&sk, m, c, &err) == 0);
		ck_assert_msg(mpz_cmp_si(m, (long)bs_model_score(mo, f, n)) == 0,
		              "%s clip %u root %u message %d (%zu buckets): encrypted %ld, "
		              "plaintext %ld",
		              bs_mm_name(&bs_scorer_djn(s)->mm), clip, root, i, n, mpz_get_si(m),
		              (long)bs_model_score(mo, f, n));
		bs_scorer_sum(s, f, n, c);
		ck_assert(bs_paillier_decrypt(&sk, m, c, &err) == 0);
		ck_assert(mpz_cmp_si(m, (long)bs_model_score(mo, f, n)) == 0);
	}
	mpz_clears(c, m, NULL);
	bs_scorer_free(s);
	bs_emodel_free(em);
	bs_model_free(mo);
	unlink(path);
	bs_mm_set_default(BS_MM_NADIC, BS_MONT_AUTO);
}

START_TEST(test_scorer_big)
{
	score_model(1, 0, 0, _i);
	score_model(3, 0, 0, _i);
	score_model(1, 2, 10, _i);
	score_model(4, 4, 6, _i);
}
END_TEST

static void setup_once(void)
{
	bs_error err;
	ck_assert_int_eq(bs_crypto_init(), 0);
	gmp_randinit_default(rs);
	gmp_randseed_ui(rs, 20240607);
	ck_assert_int_eq(unit_tmpdir(dir, sizeof dir, "tables"), 0);
	bs_seckey_init(&sk);
	ck_assert(bs_paillier_keygen(&sk, 512, 1, NULL, NULL, &err) == 0);
}

static void teardown_once(void)
{
	unit_rmtree(dir);
	bs_seckey_clear(&sk);
	gmp_randclear(rs);
}

static Suite *tables_suite(void)
{
	Suite *s = suite_create("tables");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, setup_once, teardown_once);
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_fixbase, 0, NCONF);
	tcase_add_test(tc, test_djn_comb);
	tcase_add_loop_test(tc, test_scorer_big, 0, NCONF);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(tables_suite(), CK_NOFORK);
}
