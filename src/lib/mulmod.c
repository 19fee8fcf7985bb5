/*
 * mulmod.c - multiplication modulo n^2 in base-n digits or Montgomery form
 * (mulmod.h).
 */
#include "config.h"

#include <pthread.h>
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
	return 14 * E->L + 16;
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

/* ------------------------------------------------------------ prepared operands, chains */

/* r = ab mod n for a, b < n (L limbs); tp: 3L + 1 limbs. */
static void mulmod_n(const bs_mm *E, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b,
                     mp_limb_t *tp)
{
	mpn_mul_n(tp, a, b, E->L);
	mpn_tdiv_qr(tp + 2 * E->L, r, 0, tp, 2 * E->L, E->n, E->L);
}

/* t = (t + a) mod n */
static void addmod_n(const bs_mm *E, mp_limb_t *t, const mp_limb_t *a)
{
	mp_limb_t cy = mpn_add_n(t, t, a, E->L);
	if (cy || mpn_cmp(t, E->n, E->L) >= 0)
		mpn_sub_n(t, t, E->n, E->L);
}

#define PREP_BLOCK 256

/* Prepare operands [start, start + k) of v (k <= PREP_BLOCK); pre: PREP_BLOCK + 2
 * residues of L limbs and the scratch after them. */
static int prepare_block(const bs_mm *E, mp_limb_t *e0, size_t k, size_t stride, int in_form,
                         mp_limb_t *pre)
{
	mp_size_t L = E->L, pn = L;
	mp_limb_t *inv = pre + (size_t)PREP_BLOCK * (size_t)L, *w = inv + L, *tp = w + L;
	const mp_limb_t *pl;
	mpz_t x, nz, pz;
	int ok;

	/* digits, and prefix products of the low digits mod n */
	for (size_t i = 0; i < k; i++) {
		mp_limb_t *e = e0 + i * stride;
		if (!in_form)
			bs_mm_to_form(E, e, e, tp);
		if (i == 0)
			memcpy(pre, e, (size_t)L * sizeof *pre);
		else
			mulmod_n(E, pre + i * (size_t)L, pre + (i - 1) * (size_t)L, e, tp);
	}
	/* one inversion for the block (Montgomery's trick) */
	pl = pre + (k - 1) * (size_t)L;
	while (pn > 0 && pl[pn - 1] == 0)
		pn--;
	mpz_roinit_n(pz, pl, pn);
	mpz_roinit_n(nz, E->n, L);
	mpz_init(x);
	ok = mpz_invert(x, pz, nz);
	memset(inv, 0, (size_t)L * sizeof *inv);
	if (ok)
		memcpy(inv, mpz_limbs_read(x), mpz_size(x) * sizeof *inv);
	mpz_clear(x);
	if (!ok)
		return -1;
	for (size_t i = k; i-- > 0;) {
		mp_limb_t *e = e0 + i * stride;
		/* w = 1 / c0_i, then inv = 1 / (c0_0 .. c0_(i-1)) */
		if (i > 0) {
			mulmod_n(E, w, inv, pre + (i - 1) * (size_t)L, tp);
			mulmod_n(E, inv, inv, e, tp);
		} else {
			memcpy(w, inv, (size_t)L * sizeof *w);
		}
		mulmod_n(E, e + L, e + L, w, tp); /* t = c1 / c0 */
	}
	return 0;
}

struct prep_job {
	const bs_mm *E;
	mp_limb_t *v;
	size_t count, stride, next;
	int in_form, failed;
	pthread_mutex_t mu;
};

static void *prep_worker(void *arg)
{
	struct prep_job *j = arg;
	size_t L = (size_t)j->E->L;
	mp_limb_t *pre =
	    bs_xmalloc(((PREP_BLOCK + 2) * L + (size_t)bs_mm_scratch(j->E)) * sizeof *pre);

	for (;;) {
		pthread_mutex_lock(&j->mu);
		size_t start = j->next;
		j->next += PREP_BLOCK;
		pthread_mutex_unlock(&j->mu);
		if (start >= j->count)
			break;
		size_t k = j->count - start < PREP_BLOCK ? j->count - start : PREP_BLOCK;
		if (prepare_block(j->E, j->v + start * j->stride, k, j->stride, j->in_form, pre) <
		    0) {
			pthread_mutex_lock(&j->mu);
			j->failed = 1;
			pthread_mutex_unlock(&j->mu);
		}
	}
	free(pre);
	return NULL;
}

int bs_mm_prepare(const bs_mm *E, mp_limb_t *v, size_t count, size_t stride, int in_form,
                  unsigned threads, bs_error *err)
{
	struct prep_job j = {E, v, count, stride, 0, in_form, 0, PTHREAD_MUTEX_INITIALIZER};
	pthread_t tid[16];
	unsigned started = 0;

	if (E->impl == BS_MM_MONT) {
		if (!in_form) {
			mp_limb_t *tp = bs_xmalloc((size_t)bs_mm_scratch(E) * sizeof *tp);
			for (size_t i = 0; i < count; i++)
				bs_mm_to_form(E, v + i * stride, v + i * stride, tp);
			free(tp);
		}
		return 0;
	}
	if (threads > 16)
		threads = 16;
	/* with threads, the caller only waits (its CPU is the serial part) */
	for (unsigned i = 0; threads > 1 && i < threads && i * PREP_BLOCK < count; i++)
		if (pthread_create(&tid[started], NULL, prep_worker, &j) == 0)
			started++;
	if (!started)
		prep_worker(&j);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	if (j.failed)
		return bs_error_set(err, BS_E_CRYPTO,
		                    "an operand shares a factor with n (cannot prepare it)");
	return 0;
}

void bs_mm_prepared_to_form(const bs_mm *E, mp_limb_t *r, const mp_limb_t *p, mp_limb_t *tp)
{
	if (E->impl == BS_MM_MONT) {
		if (r != p)
			memcpy(r, p, (size_t)E->size * sizeof *r);
		return;
	}
	if (r != p)
		memcpy(r, p, (size_t)E->L * sizeof *r);
	mulmod_n(E, r + E->L, p + E->L, p, tp); /* c1 = t c0 */
}

void bs_mm_chain_init(bs_mm_chain *c, mp_limb_t *x, mp_limb_t *t)
{
	c->x = x;
	c->t = t;
	c->set = 0;
}

void bs_mm_chain_mul_prepared(const bs_mm *E, bs_mm_chain *c, const mp_limb_t *p, mp_limb_t *tp)
{
	mp_size_t L = E->L;

	if (E->impl == BS_MM_MONT) {
		bs_mm_chain_mul(E, c, p, tp);
		return;
	}
	if (!c->set) {
		memcpy(c->x, p, (size_t)L * sizeof *p);
		memset(c->x + L, 0, (size_t)L * sizeof *p);
		memcpy(c->t, p + L, (size_t)L * sizeof *p);
		c->set = 1;
		return;
	}
	/* X c0: x0 c0 = v n + u; (x1 c0 + v) mod n */
	mp_limb_t *T = T_(tp), *S = S_(tp, L);
	mpn_mul_n(T, c->x, p, L);
	mpn_tdiv_qr(Q_(tp, L), T, 0, T, 2 * L, E->n, L);
	mpn_mul_n(S, c->x + L, p, L);
	S[2 * L] = 0;
	nadic_finish(E, c->x, tp);
	addmod_n(E, c->t, p + L);
}

void bs_mm_chain_mul(const bs_mm *E, bs_mm_chain *c, const mp_limb_t *a, mp_limb_t *tp)
{
	if (!c->set) {
		memcpy(c->x, a, (size_t)E->size * sizeof *a);
		if (E->impl != BS_MM_MONT)
			memset(c->t, 0, (size_t)E->L * sizeof *a);
		c->set = 1;
		return;
	}
	bs_mm_mul(E, c->x, c->x, a, tp);
}

void bs_mm_chain_sqr(const bs_mm *E, bs_mm_chain *c, mp_limb_t *tp)
{
	if (!c->set)
		return;
	bs_mm_sqr(E, c->x, c->x, tp);
	if (E->impl != BS_MM_MONT) { /* T = 2T mod n */
		mp_limb_t cy = mpn_lshift(c->t, c->t, E->L, 1);
		if (cy || mpn_cmp(c->t, E->n, E->L) >= 0)
			mpn_sub_n(c->t, c->t, E->n, E->L);
	}
}

void bs_mm_chain_end(const bs_mm *E, const bs_mm_chain *c, mp_limb_t *r, mp_limb_t *tp)
{
	mp_size_t L = E->L;

	if (!c->set) {
		memcpy(r, E->one, (size_t)E->size * sizeof *r);
		return;
	}
	if (E->impl == BS_MM_MONT || mpn_zero_p(c->t, L)) {
		if (r != c->x)
			memcpy(r, c->x, (size_t)E->size * sizeof *r);
		return;
	}
	/* X (1 + T n) = x0 + (x1 + x0 T) n */
	mp_limb_t *S = S_(tp, L);
	mpn_mul_n(S, c->x, c->t, L);
	S[2 * L] = mpn_add(S, S, 2 * L, c->x + L, L);
	mpn_tdiv_qr(Q_(tp, L), r + L, 0, S, S[2 * L] ? 2 * L + 1 : 2 * L, E->n, L);
	if (r != c->x)
		memcpy(r, c->x, (size_t)L * sizeof *r);
}
