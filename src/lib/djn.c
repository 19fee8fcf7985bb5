/*
 * djn.c - DJN randomizers from a comb table (see djn.h).
 */
#include "config.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "djn.h"

int bs_djn_table_init_comb(bs_djn_table *t, const bs_pubkey *pk, unsigned window, unsigned steps,
                           unsigned threads, bs_error *err)
{
	mp_limb_t *g, *tp;
	int rc;

	memset(t, 0, sizeof *t);
	if (window < 1 || window > BS_DJN_MAX_WINDOW)
		return bs_error_set(err, BS_E_USAGE, "DJN window %u is out of range 1..%u", window,
		                    BS_DJN_MAX_WINDOW);
	if (bs_mm_init(&t->mm, pk->n, BS_MM_AUTO, err) < 0)
		return -1;
	t->pk = pk;
	t->exp_bits = pk->bits / 2;
	g = bs_xcalloc((size_t)(t->mm.size + bs_mm_scratch(&t->mm)), sizeof *g);
	tp = g + t->mm.size;
	if (bs_mm_import(&t->mm, g, pk->hs, tp) < 0) {
		free(g);
		bs_mm_clear(&t->mm);
		return bs_error_set(err, BS_E_CRYPTO, "DJN value hs is not below n^2");
	}
	rc = bs_fixbase_init(&t->fb, &t->mm, g, t->exp_bits, window, steps, threads, err);
	free(g);
	if (rc < 0) {
		bs_mm_clear(&t->mm);
		return -1;
	}
	t->window = t->fb.window;
	t->steps = t->fb.steps;
	return 0;
}

int bs_djn_table_init(bs_djn_table *t, const bs_pubkey *pk, unsigned window, bs_error *err)
{
	return bs_djn_table_init_comb(t, pk, window, 1, 1, err);
}

int bs_djn_table_init_plan(bs_djn_table *t, const bs_pubkey *pk, size_t max_bytes, double uses,
                           unsigned threads, bs_error *err)
{
	unsigned w, steps;
	mp_size_t n = 2 * (mp_size_t)mpz_size(pk->n);

	bs_fixbase_plan(n, pk->bits / 2, max_bytes, uses, threads, &w, &steps);
	return bs_djn_table_init_comb(t, pk, w, steps, threads, err);
}

void bs_djn_table_clear(bs_djn_table *t)
{
	if (t->fb.tab)
		bs_fixbase_clear(&t->fb);
	if (t->mm.n)
		bs_mm_clear(&t->mm);
	memset(t, 0, sizeof *t);
}

size_t bs_djn_table_bytes(const bs_djn_table *t)
{
	return bs_fixbase_bytes(&t->fb);
}

void bs_djn_pow_form(const bs_djn_table *t, mp_limb_t *r, const mpz_t a, mp_limb_t *tp)
{
	bs_fixbase_pow(&t->fb, r, mpz_limbs_read(a), (mp_size_t)mpz_size(a), tp);
}

void bs_djn_randomizer_form(const bs_djn_table *t, mp_limb_t *r, mp_limb_t *tp)
{
	mpz_t a;

	mpz_init(a);
	bs_random_mpz_bits(a, t->exp_bits);
	bs_djn_pow_form(t, r, a, tp);
	bs_mpz_wipe_clear(a);
}

/* Out of the form into an mpz, wiping the limbs used. */
static void form_out(const bs_djn_table *t, mpz_t out, mp_limb_t *r, size_t limbs)
{
	bs_mm_export(&t->mm, out, r, r + t->mm.size);
	sodium_memzero(r, limbs * sizeof *r);
	free(r);
}

void bs_djn_pow(const bs_djn_table *t, mpz_t out, const mpz_t a)
{
	size_t limbs = (size_t)(t->mm.size + bs_mm_scratch(&t->mm));
	mp_limb_t *r = bs_xmalloc(limbs * sizeof *r);

	bs_djn_pow_form(t, r, a, r + t->mm.size);
	form_out(t, out, r, limbs);
}

void bs_djn_randomizer(const bs_djn_table *t, mpz_t out)
{
	size_t limbs = (size_t)(t->mm.size + bs_mm_scratch(&t->mm));
	mp_limb_t *r = bs_xmalloc(limbs * sizeof *r);

	bs_djn_randomizer_form(t, r, r + t->mm.size);
	form_out(t, out, r, limbs);
}
