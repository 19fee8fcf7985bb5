/*
 * mont.c - Montgomery multiplication modulo a fixed odd modulus (mont.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mont.h"

#if GMP_NAIL_BITS != 0
#error "blindscore needs a GMP built without nails"
#endif

/* GMP internals (gmp-impl.h), detected by configure with these prototypes. */
#ifdef HAVE_GMPN_REDC_1
mp_limb_t __gmpn_redc_1(mp_ptr rp, mp_ptr up, mp_srcptr mp, mp_size_t n, mp_limb_t invm);
#endif
#ifdef HAVE_GMPN_REDC_2
mp_limb_t __gmpn_redc_2(mp_ptr rp, mp_ptr up, mp_srcptr mp, mp_size_t n, mp_srcptr mip);
#endif
#ifdef HAVE_GMPN_REDC_N
void __gmpn_redc_n(mp_ptr rp, mp_ptr up, mp_srcptr mp, mp_size_t n, mp_srcptr ip);
#endif

/* AUTO: mpn_redc_n from this many limbs on (below it the word-by-word
 * reductions win; measured with tests/bench/bench_mont). */
#define REDC_N_FROM 16

static const char *const names[BS_MONT_IMPLS] = {"auto", "portable", "gmp-redc-1", "gmp-redc-2",
                                                 "gmp-redc-n"};

const char *bs_mont_impl_name(enum bs_mont_impl impl)
{
	return (unsigned)impl < BS_MONT_IMPLS ? names[impl] : "?";
}

int bs_mont_available(enum bs_mont_impl impl)
{
	switch (impl) {
	case BS_MONT_AUTO:
	case BS_MONT_PORTABLE:
		return 1;
#ifdef HAVE_GMPN_REDC_1
	case BS_MONT_GMP_REDC_1:
		return 1;
#endif
#ifdef HAVE_GMPN_REDC_2
	case BS_MONT_GMP_REDC_2:
		return 1;
#endif
#ifdef HAVE_GMPN_REDC_N
	case BS_MONT_GMP_REDC_N:
		return 1;
#endif
	default:
		return 0;
	}
}

/* Word-by-word REDC on documented functions only (GMP's generic redc_1):
 * returns the carry out of the n-limb result. */
static mp_limb_t redc_portable(mp_limb_t *rp, mp_limb_t *up, const mp_limb_t *mp, mp_size_t n,
                               mp_limb_t invm)
{
	for (mp_size_t j = 0; j < n; j++) {
		mp_limb_t cy = mpn_addmul_1(up, mp, n, up[0] * invm);
		up[0] = cy; /* the zeroed limb keeps the carry for the final add */
		up++;
	}
	return mpn_add_n(rp, up, up - n, n);
}

/* The result of a word-wise REDC is below 2m; make it canonical. */
static void finish(const bs_mont *M, mp_limb_t *r, mp_limb_t cy)
{
	if (cy || mpn_cmp(r, M->m, M->n) >= 0)
		mpn_sub_n(r, r, M->m, M->n);
}

void bs_mont_redc(const bs_mont *M, mp_limb_t *r, mp_limb_t *t)
{
	switch (M->impl) {
#ifdef HAVE_GMPN_REDC_N
	case BS_MONT_GMP_REDC_N:
		__gmpn_redc_n(r, t, M->m, M->n, M->ip); /* already < m */
		return;
#endif
#ifdef HAVE_GMPN_REDC_2
	case BS_MONT_GMP_REDC_2:
		finish(M, r, __gmpn_redc_2(r, t, M->m, M->n, M->inv));
		return;
#endif
#ifdef HAVE_GMPN_REDC_1
	case BS_MONT_GMP_REDC_1:
		finish(M, r, __gmpn_redc_1(r, t, M->m, M->n, M->inv[0]));
		return;
#endif
	default:
		finish(M, r, redc_portable(r, t, M->m, M->n, M->inv[0]));
		return;
	}
}

void bs_mont_mul(const bs_mont *M, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b,
                 mp_limb_t *tp)
{
	if (a == b)
		mpn_sqr(tp, a, M->n);
	else
		mpn_mul_n(tp, a, b, M->n);
	bs_mont_redc(M, r, tp);
}

void bs_mont_sqr(const bs_mont *M, mp_limb_t *r, const mp_limb_t *a, mp_limb_t *tp)
{
	mpn_sqr(tp, a, M->n);
	bs_mont_redc(M, r, tp);
}

void bs_mont_to(const bs_mont *M, mp_limb_t *r, const mp_limb_t *a, mp_limb_t *tp)
{
	bs_mont_mul(M, r, a, M->r2, tp);
}

void bs_mont_from(const bs_mont *M, mp_limb_t *r, const mp_limb_t *a, mp_limb_t *tp)
{
	memmove(tp, a, (size_t)M->n * sizeof *tp);
	memset(tp + M->n, 0, (size_t)M->n * sizeof *tp);
	bs_mont_redc(M, r, tp);
}

int bs_mont_import(const bs_mont *M, mp_limb_t *r, const mpz_t x)
{
	size_t k = mpz_size(x);

	if (mpz_sgn(x) < 0 || k > (size_t)M->n ||
	    (k == (size_t)M->n && mpn_cmp(mpz_limbs_read(x), M->m, M->n) >= 0))
		return -1;
	if (k)
		memcpy(r, mpz_limbs_read(x), k * sizeof *r);
	memset(r + k, 0, ((size_t)M->n - k) * sizeof *r);
	return 0;
}

void bs_mont_export(const bs_mont *M, mpz_t out, const mp_limb_t *a)
{
	mp_limb_t *d = mpz_limbs_write(out, M->n);
	mp_size_t k = M->n;

	memcpy(d, a, (size_t)M->n * sizeof *d);
	while (k > 0 && d[k - 1] == 0)
		k--;
	mpz_limbs_finish(out, k);
}

/* R^k mod m as an mpz. */
static void rpow_mpz(const bs_mont *M, mpz_t out, unsigned long k)
{
	mpz_t m, r;

	mpz_roinit_n(m, M->m, M->n);
	mpz_init(r);
	mpz_setbit(r, (mp_bitcnt_t)M->n * GMP_NUMB_BITS);
	mpz_mod(r, r, m);
	mpz_powm_ui(out, r, k, m);
	mpz_clear(r);
}

/* One product against mpz, to catch an internal GMP function whose
 * interface changed under the same name. */
static int self_check(const bs_mont *M)
{
	mp_limb_t *a = bs_xcalloc(5 * (size_t)M->n, sizeof *a);
	mp_limb_t *b = a + M->n, *got = b + M->n, *tp = got + M->n;
	mpz_t m, x, y, rinv, want, g;
	int ok;

	mpz_roinit_n(m, M->m, M->n);
	mpz_inits(x, y, rinv, want, g, NULL);
	mpz_sub_ui(x, m, 1);
	mpz_sub_ui(y, m, 2);
	mpz_fdiv_q_2exp(y, y, 1);
	mpz_add_ui(y, y, 1);
	bs_mont_import(M, a, x);
	bs_mont_import(M, b, y);
	bs_mont_mul(M, got, a, b, tp);
	rpow_mpz(M, rinv, 1);
	mpz_invert(rinv, rinv, m);
	mpz_mul(want, x, y);
	mpz_mul(want, want, rinv);
	mpz_mod(want, want, m);
	bs_mont_export(M, g, got);
	ok = mpz_cmp(g, want) == 0;
	mpz_clears(x, y, rinv, want, g, NULL);
	free(a);
	return ok;
}

int bs_mont_init(bs_mont *M, const mpz_t m, enum bs_mont_impl impl, bs_error *err)
{
	mpz_t t, r;
	mp_size_t n;

	memset(M, 0, sizeof *M);
	if (mpz_cmp_ui(m, 1) <= 0 || mpz_even_p(m))
		return bs_error_set(err, BS_E_USAGE, "Montgomery modulus must be odd and above 1");
	if ((unsigned)impl >= BS_MONT_IMPLS || !bs_mont_available(impl))
		return bs_error_set(err, BS_E_USAGE, "mulmod engine '%s' is not built in",
		                    bs_mont_impl_name(impl));
	n = (mp_size_t)mpz_size(m);
	if (impl == BS_MONT_GMP_REDC_N && n <= 8)
		return bs_error_set(err, BS_E_USAGE,
		                    "mulmod engine gmp-redc-n needs a modulus above 8 limbs");
	M->n = n;
	M->m = bs_xcalloc(4 * (size_t)n, sizeof(mp_limb_t));
	M->ip = M->m + n;
	M->one = M->ip + n;
	M->r2 = M->one + n;
	memcpy(M->m, mpz_limbs_read(m), (size_t)n * sizeof(mp_limb_t));

	mpz_inits(t, r, NULL);
	mpz_setbit(r, (mp_bitcnt_t)n * GMP_NUMB_BITS); /* R */
	mpz_invert(t, m, r); /* 1/m mod R: n limbs, but not necessarily below m */
	memcpy(M->ip, mpz_limbs_read(t), mpz_size(t) * sizeof(mp_limb_t));
	mpz_neg(t, t);
	mpz_fdiv_r_2exp(t, t, 2 * GMP_NUMB_BITS); /* -1/m mod B^2 */
	M->inv[0] = mpz_getlimbn(t, 0);
	M->inv[1] = mpz_getlimbn(t, 1);
	mpz_mod(t, r, m);
	bs_mont_import(M, M->one, t);
	mpz_mul(t, t, t);
	mpz_mod(t, t, m);
	bs_mont_import(M, M->r2, t);
	mpz_clears(t, r, NULL);

	if (impl == BS_MONT_AUTO) {
#if defined(HAVE_GMPN_REDC_N)
		impl = n >= REDC_N_FROM ? BS_MONT_GMP_REDC_N : BS_MONT_PORTABLE;
#else
		impl = BS_MONT_PORTABLE;
#endif
#if defined(HAVE_GMPN_REDC_2)
		if (impl == BS_MONT_PORTABLE)
			impl = BS_MONT_GMP_REDC_2;
#endif
		M->impl = impl;
		if (impl != BS_MONT_PORTABLE && !self_check(M))
			M->impl = BS_MONT_PORTABLE; /* GMP's internals changed: stay correct */
	} else {
		M->impl = impl;
	}
	if (!self_check(M)) {
		bs_mont_clear(M);
		return bs_error_set(err, BS_E_INTERNAL,
		                    "mulmod engine '%s' fails its self-check against mpz",
		                    bs_mont_impl_name(impl));
	}
	return 0;
}

void bs_mont_clear(bs_mont *M)
{
	free(M->m);
	memset(M, 0, sizeof *M);
}
