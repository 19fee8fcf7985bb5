/*
 * test_engine.c - the mulmod engine (mulmod.c: base-n digits, prepared
 * operands and chains; mont.c: Montgomery) against mpz references.  (The
 * comb tables and the scorer on every engine: test_tables.c.)
 *
 * Every implementation (n-adic; Montgomery with the portable REDC always and
 * GMP's redc_1, redc_2, redc_n when configure found them) at every key size
 * from the test-only 128 bits to 8192, plus sizes that are not whole limbs
 * and awkward moduli; edge operands 0, 1, m-1 (n^2-1), R mod m, multiples of
 * n; aliasing; round trips through the form; chains over several
 * preparation blocks.
 */
#include "config.h"

#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mont.h"
#include "mulmod.h"
#include "paillier.h"
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

/* moduli: n^2 for each key size, random odd ones of odd limb counts, and
 * awkward ones (all ones; B^(k-1) + 1; tiny) */
static void modulus(int which, mpz_t m)
{
	static const unsigned key_bits[] = {128, 256, 512, 1024, 2048, 3072, 4096, 8192};
	static const unsigned odd_limbs[] = {1, 2, 3, 5, 9, 15, 17, 33, 63, 97, 129};
	const int nk = sizeof key_bits / sizeof key_bits[0];
	const int no = sizeof odd_limbs / sizeof odd_limbs[0];

	if (which < nk) { /* a random n of exact size, squared */
		mpz_urandomb(m, rs, key_bits[which]);
		mpz_setbit(m, key_bits[which] - 1);
		mpz_setbit(m, 0);
		mpz_mul(m, m, m);
	} else if (which < nk + no) {
		mpz_urandomb(m, rs, odd_limbs[which - nk] * GMP_NUMB_BITS);
		mpz_setbit(m, odd_limbs[which - nk] * GMP_NUMB_BITS - 1 - (unsigned)which % 7);
		mpz_setbit(m, 0);
	} else if (which == nk + no) {
		mpz_set_ui(m, 0);
		mpz_setbit(m, 40 * GMP_NUMB_BITS);
		mpz_sub_ui(m, m, 1); /* all ones */
	} else if (which == nk + no + 1) {
		mpz_set_ui(m, 0);
		mpz_setbit(m, 20 * GMP_NUMB_BITS);
		mpz_add_ui(m, m, 1); /* top limb 1 */
	} else {
		mpz_set_ui(m, 3);
	}
}
#define NMODULI 22

/* want = a b / R mod m */
static void reference(mpz_t want, const mpz_t a, const mpz_t b, const mpz_t m, mp_size_t n)
{
	mpz_t rinv;
	mpz_init_set_ui(rinv, 0);
	mpz_setbit(rinv, (mp_bitcnt_t)n * GMP_NUMB_BITS);
	ck_assert(mpz_invert(rinv, rinv, m));
	mpz_mul(want, a, b);
	mpz_mul(want, want, rinv);
	mpz_mod(want, want, m);
	mpz_clear(rinv);
}

static void operand(int i, mpz_t x, const mpz_t m, mp_size_t n)
{
	switch (i) {
	case 0:
		mpz_set_ui(x, 0);
		break;
	case 1:
		mpz_set_ui(x, 1);
		break;
	case 2:
		mpz_sub_ui(x, m, 1);
		break;
	case 3: /* R mod m */
		mpz_set_ui(x, 0);
		mpz_setbit(x, (mp_bitcnt_t)n * GMP_NUMB_BITS);
		mpz_mod(x, x, m);
		break;
	default:
		mpz_urandomm(x, rs, m);
	}
}

START_TEST(test_mont_mul)
{
	enum bs_mont_impl impl = (enum bs_mont_impl)_i;
	mpz_t m, a, b, want, got;
	bs_error err;

	if (!bs_mont_available(impl))
		return;
	mpz_inits(m, a, b, want, got, NULL);
	for (int w = 0; w < NMODULI; w++) {
		bs_mont M;
		modulus(w, m);
		mp_size_t n = (mp_size_t)mpz_size(m);
		if (impl == BS_MONT_GMP_REDC_N && n <= 8) {
			ck_assert_int_eq(bs_mont_init(&M, m, impl, &err), -1);
			continue;
		}
		ck_assert_msg(bs_mont_init(&M, m, impl, &err) == 0, "%s", err.msg);
		ck_assert_int_eq(M.n, n);
		ck_assert(impl == BS_MONT_AUTO || M.impl == impl);
		mp_limb_t *x = calloc(5 * (size_t)n, sizeof *x), *y = x + n, *r = y + n,
		          *tp = r + n;
		for (int i = 0; i < 12; i++) {
			operand(i % 6, a, m, n);
			operand(i < 6 ? 5 - i : i, b, m, n);
			ck_assert_int_eq(bs_mont_import(&M, x, a), 0);
			ck_assert_int_eq(bs_mont_import(&M, y, b), 0);
			reference(want, a, b, m, n);
			bs_mont_mul(&M, r, x, y, tp);
			bs_mont_export(&M, got, r);
			ck_assert_msg(mpz_cmp(got, want) == 0,
			              "%s, modulus %d (%ld limbs), case %d",
			              bs_mont_impl_name(M.impl), w, (long)n, i);
			bs_mont_mul(&M, x, x, y, tp); /* r aliases a */
			bs_mont_export(&M, got, x);
			ck_assert(mpz_cmp(got, want) == 0);
			bs_mont_import(&M, x, a);
			bs_mont_mul(&M, y, x, y, tp); /* r aliases b */
			bs_mont_export(&M, got, y);
			ck_assert(mpz_cmp(got, want) == 0);
			reference(want, a, a, m, n); /* squares, both ways */
			bs_mont_sqr(&M, r, x, tp);
			bs_mont_export(&M, got, r);
			ck_assert(mpz_cmp(got, want) == 0);
			bs_mont_mul(&M, x, x, x, tp);
			bs_mont_export(&M, got, x);
			ck_assert(mpz_cmp(got, want) == 0);
			/* round trip through the form */
			bs_mont_import(&M, x, a);
			bs_mont_to(&M, r, x, tp);
			bs_mont_from(&M, r, r, tp);
			bs_mont_export(&M, got, r);
			ck_assert_msg(mpz_cmp(got, a) == 0, "round trip, modulus %d case %d", w, i);
		}
		/* import refuses m and above, and negatives */
		ck_assert_int_eq(bs_mont_import(&M, x, m), -1);
		mpz_set_si(a, -1);
		ck_assert_int_eq(bs_mont_import(&M, x, a), -1);
		free(x);
		bs_mont_clear(&M);
	}
	mpz_set_ui(m, 4);
	ck_assert_int_eq(bs_mont_init(&(bs_mont){0}, m, BS_MONT_AUTO, &err), -1);
	mpz_set_ui(m, 1);
	ck_assert_int_eq(bs_mont_init(&(bs_mont){0}, m, BS_MONT_AUTO, &err), -1);
	mpz_clears(m, a, b, want, got, NULL);
}
END_TEST

/* Long chains of products stay exact (carries through many reductions). */
START_TEST(test_mont_chain)
{
	enum bs_mont_impl impl = (enum bs_mont_impl)_i;
	mpz_t m, a, acc, want, got, r;
	bs_mont M;
	bs_error err;

	if (!bs_mont_available(impl))
		return;
	mpz_inits(m, a, acc, want, got, r, NULL);
	modulus(5, m); /* 3072-bit n squared */
	ck_assert_int_eq(bs_mont_init(&M, m, impl, &err), 0);
	mp_size_t n = M.n;
	mp_limb_t *x = calloc(4 * (size_t)n, sizeof *x), *y = x + n, *tp = y + n;
	mpz_set_ui(want, 1);
	bs_mont_import(&M, x, want);
	bs_mont_to(&M, x, x, tp);
	for (int i = 0; i < 300; i++) {
		mpz_urandomm(a, rs, m);
		if (i % 50 == 7)
			mpz_sub_ui(a, m, 1);
		mpz_mul(want, want, a);
		mpz_mod(want, want, m);
		bs_mont_import(&M, y, a);
		bs_mont_to(&M, y, y, tp);
		bs_mont_mul(&M, x, x, y, tp);
	}
	bs_mont_from(&M, x, x, tp);
	bs_mont_export(&M, got, x);
	ck_assert(mpz_cmp(got, want) == 0);
	free(x);
	bs_mont_clear(&M);
	mpz_clears(m, a, acc, want, got, r, NULL);
}
END_TEST

/* The engine mod n^2 against mpz: key sizes 128..8192 and sizes that are not
 * whole limbs; edge operands; aliasing; round trips; import bounds. */
START_TEST(test_mm_mul)
{
	static const unsigned bits[] = {128, 256, 512, 1000, 1024, 2048, 2050, 3072, 4096, 8192};
	enum bs_mm_impl impl;
	enum bs_mont_impl mimpl;
	mpz_t n, m, a, b, want, got;
	bs_error err;

	if (!engine_conf(_i, &impl, &mimpl))
		return;
	bs_mm_set_default(impl, mimpl);
	mpz_inits(n, m, a, b, want, got, NULL);
	for (size_t k = 0; k < sizeof bits / sizeof bits[0]; k++) {
		bs_mm E;
		mpz_urandomb(n, rs, bits[k]);
		mpz_setbit(n, bits[k] - 1);
		mpz_setbit(n, 0);
		mpz_mul(m, n, n);
		ck_assert_msg(bs_mm_init(&E, n, BS_MM_AUTO, &err) == 0, "%s", err.msg);
		mp_size_t sz = E.size;
		mp_limb_t *x = calloc((size_t)(3 * sz + bs_mm_scratch(&E)), sizeof *x), *y = x + sz,
		          *r = y + sz, *tp = r + sz;
		for (int i = 0; i < 16; i++) {
			/* edge operands: 0, 1, n^2-1, n, n-1, (n-1) n, random */
			for (int side = 0; side < 2; side++) {
				mpz_ptr v = side ? b : a;
				switch ((i + 3 * side) % 8) {
				case 0:
					mpz_set_ui(v, 0);
					break;
				case 1:
					mpz_set_ui(v, 1);
					break;
				case 2:
					mpz_sub_ui(v, m, 1);
					break;
				case 3:
					mpz_set(v, n);
					break;
				case 4:
					mpz_sub_ui(v, n, 1);
					break;
				case 5:
					mpz_sub_ui(v, n, 1);
					mpz_mul(v, v, n);
					break;
				default:
					mpz_urandomm(v, rs, m);
				}
			}
			ck_assert_int_eq(bs_mm_import(&E, x, a, tp), 0);
			ck_assert_int_eq(bs_mm_import(&E, y, b, tp), 0);
			mpz_mul(want, a, b);
			mpz_mod(want, want, m);
			bs_mm_mul(&E, r, x, y, tp);
			bs_mm_export(&E, got, r, tp);
			ck_assert_msg(mpz_cmp(got, want) == 0, "%s, %u bits, case %d",
			              bs_mm_name(&E), bits[k], i);
			bs_mm_mul(&E, x, x, y, tp); /* r aliases a */
			bs_mm_export(&E, got, x, tp);
			ck_assert(mpz_cmp(got, want) == 0);
			bs_mm_import(&E, x, a, tp);
			bs_mm_mul(&E, y, x, y, tp); /* r aliases b */
			bs_mm_export(&E, got, y, tp);
			ck_assert(mpz_cmp(got, want) == 0);
			mpz_mul(want, a, a);
			mpz_mod(want, want, m);
			bs_mm_sqr(&E, r, x, tp);
			bs_mm_export(&E, got, r, tp);
			ck_assert_msg(mpz_cmp(got, want) == 0, "square, %u bits, case %d", bits[k],
			              i);
			bs_mm_mul(&E, x, x, x, tp);
			bs_mm_export(&E, got, x, tp);
			ck_assert(mpz_cmp(got, want) == 0);
			/* plain <-> form round trip, in place */
			memset(r, 0, (size_t)sz * sizeof *r);
			memcpy(r, mpz_limbs_read(a), mpz_size(a) * sizeof *r);
			bs_mm_to_form(&E, r, r, tp);
			bs_mm_export(&E, got, r, tp);
			ck_assert(mpz_cmp(got, a) == 0);
			bs_mm_to_plain(&E, r, r, tp);
			bs_mm_import(&E, x, a, tp);
			bs_mm_to_plain(&E, x, x, tp);
			ck_assert(mpn_cmp(r, x, sz) == 0);
		}
		/* F(1) is the unit; import refuses n^2 and negatives */
		mpz_urandomm(a, rs, m);
		bs_mm_import(&E, x, a, tp);
		bs_mm_mul(&E, r, x, E.one, tp);
		bs_mm_export(&E, got, r, tp);
		ck_assert(mpz_cmp(got, a) == 0);
		ck_assert_int_eq(bs_mm_import(&E, x, m, tp), -1);
		mpz_set_si(a, -1);
		ck_assert_int_eq(bs_mm_import(&E, x, a, tp), -1);
		free(x);
		bs_mm_clear(&E);
	}
	mpz_set_ui(n, 10);
	ck_assert_int_eq(bs_mm_init(&(bs_mm){0}, n, BS_MM_AUTO, &err), -1);
	mpz_clears(n, m, a, b, want, got, NULL);
	bs_mm_set_default(BS_MM_NADIC, BS_MONT_AUTO);
}
END_TEST

/* Chains of prepared operands, full forms and squarings against mpz; the
 * batch preparation over several blocks; refusal of an operand sharing a
 * factor with n. */
START_TEST(test_mm_chain)
{
	enum { K = 600 }; /* more than one PREP_BLOCK */
	enum bs_mm_impl impl;
	enum bs_mont_impl mimpl;
	mpz_t n, m, x, want, got;
	bs_mm E;
	bs_error err;

	if (!engine_conf(_i, &impl, &mimpl))
		return;
	bs_mm_set_default(impl, mimpl);
	mpz_inits(n, m, x, want, got, NULL);
	mpz_urandomb(n, rs, 1024);
	mpz_setbit(n, 1023);
	mpz_setbit(n, 0);
	mpz_nextprime(n, n); /* every operand below n^2 but not a multiple of n is a unit */
	mpz_mul(m, n, n);
	ck_assert_int_eq(bs_mm_init(&E, n, BS_MM_AUTO, &err), 0);
	size_t sz = (size_t)E.size, stride = sz + 1;
	mp_limb_t *v = calloc(K * stride, sizeof *v), *full = calloc(sz, sizeof *v),
	          *mem = calloc(sz + (size_t)E.L, sizeof *v),
	          *tp = calloc((size_t)bs_mm_scratch(&E), sizeof *v);
	mpz_t *plain = calloc(K, sizeof *plain);
	for (int i = 0; i < K; i++) {
		mpz_init(plain[i]);
		do
			mpz_urandomm(plain[i], rs, m);
		while (mpz_divisible_p(plain[i], n));
		if (i == 1)
			mpz_set_ui(plain[i], 1);
		if (i == 2)
			mpz_sub_ui(plain[i], m, 1);
		memcpy(v + i * stride, mpz_limbs_read(plain[i]), mpz_size(plain[i]) * sizeof *v);
	}
	ck_assert_int_eq(bs_mm_prepare(&E, v, K, stride, 0, 1 + _i % 2, &err), 0);
	for (int i = 0; i < K; i += 97) { /* prepared -> form -> plain round trip */
		bs_mm_prepared_to_form(&E, full, v + i * stride, tp);
		bs_mm_export(&E, got, full, tp);
		ck_assert_msg(mpz_cmp(got, plain[i]) == 0, "%s operand %d", bs_mm_name(&E), i);
	}
	for (int round = 0; round < 4; round++) {
		bs_mm_chain c;
		bs_mm_chain_init(&c, mem, mem + sz);
		bs_mm_chain_end(&E, &c, full, tp); /* empty product */
		bs_mm_export(&E, got, full, tp);
		ck_assert(mpz_cmp_ui(got, 1) == 0);
		mpz_set_ui(want, 1);
		for (int i = 0; i < K; i++) {
			int op = (i + round) % 7;
			if (op == 3 && round > 0) { /* a full operand */
				mpz_urandomm(x, rs, m);
				bs_mm_import(&E, full, x, tp);
				bs_mm_chain_mul(&E, &c, full, tp);
				mpz_mul(want, want, x);
			} else if (op == 5 && round > 1) {
				bs_mm_chain_sqr(&E, &c, tp);
				mpz_mul(want, want, want);
			} else {
				bs_mm_chain_mul_prepared(&E, &c, v + i * stride, tp);
				mpz_mul(want, want, plain[i]);
			}
			mpz_mod(want, want, m);
		}
		bs_mm_chain_end(&E, &c, c.x, tp); /* in place */
		bs_mm_export(&E, got, c.x, tp);
		ck_assert_msg(mpz_cmp(got, want) == 0, "%s round %d", bs_mm_name(&E), round);
	}
	/* a multiple of n cannot be prepared (n-adic: it has no inverse mod n) */
	memset(v, 0, stride * sizeof *v);
	memcpy(v, mpz_limbs_read(n), mpz_size(n) * sizeof *v);
	if (E.impl == BS_MM_NADIC)
		ck_assert_int_eq(bs_mm_prepare(&E, v, 3, stride, 0, 2, &err), -1);
	for (int i = 0; i < K; i++)
		mpz_clear(plain[i]);
	free(plain);
	free(v);
	free(full);
	free(mem);
	free(tp);
	bs_mm_clear(&E);
	mpz_clears(n, m, x, want, got, NULL);
	bs_mm_set_default(BS_MM_NADIC, BS_MONT_AUTO);
}
END_TEST

static void setup_once(void)
{
	ck_assert_int_eq(bs_crypto_init(), 0);
	gmp_randinit_default(rs);
	gmp_randseed_ui(rs, 20240607);
}

static void teardown_once(void)
{
	gmp_randclear(rs);
}

static Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, setup_once, teardown_once);
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_mont_mul, 0, BS_MONT_IMPLS);
	tcase_add_loop_test(tc, test_mont_chain, 0, BS_MONT_IMPLS);
	tcase_add_loop_test(tc, test_mm_mul, 0, NCONF);
	tcase_add_loop_test(tc, test_mm_chain, 0, NCONF);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(engine_suite(), CK_NOFORK);
}
