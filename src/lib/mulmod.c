/*
 * mulmod.c - multiplication modulo n^2 in base-n digits or Montgomery form
 * (mulmod.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mulmod.h"

static enum bs_mm_impl default_impl = BS_MM_NADIC;
static enum bs_mont_impl default_mont = BS_MONT_AUTO;

void bs_mm_set_default(enum bs_mm_impl impl, enum bs_mont_impl mont_impl)
{
	default_impl = impl == BS_MM_AUTO ? BS_MM_NADIC : impl;
	default_mont = mont_impl;
}

const char *bs_mm_name(const bs_mm *E)
{
	return E->impl == BS_MM_NADIC ? "n-adic" : bs_mont_impl_name(E->mont.impl);
}

mp_size_t bs_mm_scratch(const bs_mm *E)
{
	return 10 * E->L + 16;
}

int bs_mm_init(bs_mm *E, const mpz_t n, enum bs_mm_impl impl, bs_error *err)
{
	mpz_t n2;

	memset(E, 0, sizeof *E);
	if (mpz_cmp_ui(n, 1) <= 0 || mpz_even_p(n))
		return bs_error_set(err, BS_E_USAGE, "the modulus n must be odd and above 1");
	E->impl = impl == BS_MM_AUTO ? default_impl : impl;
	E->L = (mp_size_t)mpz_size(n);
	E->n = bs_xcalloc((size_t)(3 * E->L), sizeof(mp_limb_t));
	E->one = E->n + E->L;
	memcpy(E->n, mpz_limbs_read(n), (size_t)E->L * sizeof(mp_limb_t));
	if (E->impl == BS_MM_MONT) {
		mpz_init(n2);
		mpz_mul(n2, n, n);
		enum bs_mont_impl mi = default_mont;
		if (mi == BS_MONT_GMP_REDC_N && mpz_size(n2) <= 8)
			mi = BS_MONT_AUTO; /* redc_n needs more than 8 limbs */
		int rc = bs_mont_init(&E->mont, n2, mi, err);
		mpz_clear(n2);
		if (rc < 0) {
			free(E->n);
			memset(E, 0, sizeof *E);
			return -1;
		}
		E->size = E->mont.n;
		memcpy(E->one, E->mont.one, (size_t)E->size * sizeof(mp_limb_t));
	} else {
		E->size = 2 * E->L;
		E->one[0] = 1; /* digits (1, 0) */
	}
	return 0;
}

void bs_mm_clear(bs_mm *E)
{
	if (E->impl == BS_MM_MONT)
		bs_mont_clear(&E->mont);
	free(E->n);
	memset(E, 0, sizeof *E);
}

/* ------------------------------------------------------------ base-n digits */

/* Scratch layout (L = limbs of n): T 2L | Q L+2 | S 2L+1 | X 2L | ... */
#define T_(tp)    (tp)
#define Q_(tp, L) ((tp) + 2 * (L))
#define S_(tp, L) ((tp) + 3 * (L) + 2)
#define X_(tp, L) ((tp) + 5 * (L) + 3)

/* r1 = (S + v) mod n, S of 2L + 1 limbs, v = Q (L + 1 limbs); then the low
 * digit u from T.  a and b are no longer read, so r may alias them. */
static void nadic_finish(const bs_mm *E, mp_limb_t *r, mp_limb_t *tp)
{
	mp_size_t L = E->L, sn = 2 * L + 1;
	mp_limb_t *S = S_(tp, L), *Q = Q_(tp, L);

	mpn_add(S, S, sn, Q, L + 1); /* S < 2n^2 + n: no carry out */
	if (S[sn - 1] == 0)
		sn--;
	mpn_tdiv_qr(Q, r + L, 0, S, sn, E->n, L);
	memcpy(r, T_(tp), (size_t)L * sizeof *r);
}

static void nadic_mul(const bs_mm *E, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b,
                      mp_limb_t *tp)
{
	mp_size_t L = E->L;
	mp_limb_t *T = T_(tp), *S = S_(tp, L), *X = X_(tp, L);

	/* x0 y0 = v n + u */
	mpn_mul_n(T, a, b, L);
	mpn_tdiv_qr(Q_(tp, L), T, 0, T, 2 * L, E->n, L);
	/* x0 y1 + x1 y0 */
	mpn_mul_n(S, a, b + L, L);
	mpn_mul_n(X, a + L, b, L);
	S[2 * L] = mpn_add_n(S, S, X, 2 * L);
	nadic_finish(E, r, tp);
}

static void nadic_sqr(const bs_mm *E, mp_limb_t *r, const mp_limb_t *a, mp_limb_t *tp)
{
	mp_size_t L = E->L;
	mp_limb_t *T = T_(tp), *S = S_(tp, L);

	mpn_sqr(T, a, L);
	mpn_tdiv_qr(Q_(tp, L), T, 0, T, 2 * L, E->n, L);
	mpn_mul_n(S, a, a + L, L);
	S[2 * L] = mpn_lshift(S, S, 2 * L, 1); /* 2 x0 x1 */
	nadic_finish(E, r, tp);
}

/* ------------------------------------------------------------ dispatch */

void bs_mm_mul(const bs_mm *E, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b, mp_limb_t *tp)
{
	if (E->impl == BS_MM_MONT)
		bs_mont_mul(&E->mont, r, a, b, tp);
	else if (a == b)
		nadic_sqr(E, r, a, tp);
	else
		nadic_mul(E, r, a, b, tp);
}

void bs_mm_sqr(const bs_mm *E, mp_limb_t *r, const mp_limb_t *a, mp_limb_t *tp)
{
	if (E->impl == BS_MM_MONT)
		bs_mont_sqr(&E->mont, r, a, tp);
	else
		nadic_sqr(E, r, a, tp);
}

void bs_mm_to_form(const bs_mm *E, mp_limb_t *r, const mp_limb_t *c, mp_limb_t *tp)
{
	mp_size_t L = E->L;

	if (E->impl == BS_MM_MONT) {
		bs_mont_to(&E->mont, r, c, tp);
		return;
	}
	/* c = c1 n + c0 */
	memcpy(tp, c, (size_t)(2 * L) * sizeof *tp);
	mpn_tdiv_qr(tp + 2 * L, r, 0, tp, 2 * L, E->n, L);
	memcpy(r + L, tp + 2 * L, (size_t)L * sizeof *r);
}

void bs_mm_to_plain(const bs_mm *E, mp_limb_t *c, const mp_limb_t *r, mp_limb_t *tp)
{
	mp_size_t L = E->L;

	if (E->impl == BS_MM_MONT) {
		bs_mont_from(&E->mont, c, r, tp);
		return;
	}
	mpn_mul_n(tp, r + L, E->n, L);
	mpn_add(tp, tp, 2 * L, r, L); /* < n^2: no carry */
	memcpy(c, tp, (size_t)(2 * L) * sizeof *c);
}

int bs_mm_import(const bs_mm *E, mp_limb_t *r, const mpz_t x, mp_limb_t *tp)
{
	size_t k = mpz_size(x);
	mp_size_t L = E->L;

	if (E->impl == BS_MM_MONT) {
		if (bs_mont_import(&E->mont, r, x) < 0)
			return -1;
		bs_mont_to(&E->mont, r, r, tp);
		return 0;
	}
	if (mpz_sgn(x) < 0 || k > (size_t)(2 * L))
		return -1;
	if (k)
		memcpy(r, mpz_limbs_read(x), k * sizeof *r);
	memset(r + k, 0, ((size_t)(2 * L) - k) * sizeof *r);
	/* below n^2 iff the high digit is below n */
	memcpy(tp, r, (size_t)(2 * L) * sizeof *tp);
	mpn_tdiv_qr(tp + 2 * L, tp + 4 * L, 0, tp, 2 * L, E->n, L);
	if (tp[3 * L] != 0 || mpn_cmp(tp + 2 * L, E->n, L) >= 0)
		return -1;
	memcpy(r, tp + 4 * L, (size_t)L * sizeof *r);
	memcpy(r + L, tp + 2 * L, (size_t)L * sizeof *r);
	return 0;
}

void bs_mm_export(const bs_mm *E, mpz_t out, const mp_limb_t *r, mp_limb_t *tp)
{
	mp_size_t k = E->size;
	mp_limb_t *d;

	bs_mm_to_plain(E, tp, r, tp + E->size);
	while (k > 0 && tp[k - 1] == 0)
		k--;
	d = mpz_limbs_write(out, k > 0 ? k : 1);
	memcpy(d, tp, (size_t)k * sizeof *d);
	mpz_limbs_finish(out, k);
}
