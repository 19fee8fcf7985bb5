/*
 * djn.c - fixed-base window exponentiation of hs (see djn.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "djn.h"

int bs_djn_table_init(bs_djn_table *t, const bs_pubkey *pk, unsigned window, bs_error *err)
{
	size_t per, total;
	mpz_t base;

	memset(t, 0, sizeof *t);
	if (window < 1 || window > BS_DJN_MAX_WINDOW)
		return bs_error_set(err, BS_E_USAGE, "DJN window %u is out of range 1..%u", window,
		                    BS_DJN_MAX_WINDOW);
	t->pk = pk;
	t->window = window;
	t->exp_bits = pk->bits / 2;
	t->ndigits = (t->exp_bits + window - 1) / window;
	per = ((size_t)1 << window) - 1;
	total = per * t->ndigits;
	t->entries = bs_xcalloc(total, sizeof(mpz_t));

	mpz_init_set(base, pk->hs); /* hs^(2^(w*i)) */
	for (unsigned i = 0; i < t->ndigits; i++) {
		mpz_t *row = t->entries + (size_t)i * per;
		mpz_init_set(row[0], base);
		for (size_t j = 1; j < per; j++) {
			mpz_init(row[j]);
			mpz_mul(row[j], row[j - 1], base);
			mpz_mod(row[j], row[j], pk->n2);
		}
		/* next base = base^(2^w) = row[per-1] * base */
		mpz_mul(base, row[per - 1], base);
		mpz_mod(base, base, pk->n2);
	}
	mpz_clear(base);
	return 0;
}

void bs_djn_table_clear(bs_djn_table *t)
{
	if (t->entries) {
		size_t total = (((size_t)1 << t->window) - 1) * t->ndigits;
		for (size_t k = 0; k < total; k++)
			mpz_clear(t->entries[k]);
		free(t->entries);
	}
	memset(t, 0, sizeof *t);
}

size_t bs_djn_table_bytes(const bs_djn_table *t)
{
	size_t total = (((size_t)1 << t->window) - 1) * t->ndigits;
	return total * (mpz_size(t->pk->n2) * sizeof(mp_limb_t) + sizeof(mpz_t));
}

void bs_djn_pow(const bs_djn_table *t, mpz_t out, const mpz_t a)
{
	size_t per = ((size_t)1 << t->window) - 1;
	int started = 0;

	for (unsigned i = 0; i < t->ndigits; i++) {
		unsigned long d = 0;
		for (unsigned b = 0; b < t->window; b++) {
			if (mpz_tstbit(a, (mp_bitcnt_t)i * t->window + b))
				d |= 1ul << b;
		}
		if (!d)
			continue;
		if (!started) {
			mpz_set(out, t->entries[(size_t)i * per + d - 1]);
			started = 1;
		} else {
			mpz_mul(out, out, t->entries[(size_t)i * per + d - 1]);
			mpz_mod(out, out, t->pk->n2);
		}
	}
	if (!started)
		mpz_set_ui(out, 1);
}

void bs_djn_randomizer(const bs_djn_table *t, mpz_t out)
{
	mpz_t a;

	mpz_init(a);
	bs_random_mpz_bits(a, t->exp_bits);
	bs_djn_pow(t, out, a);
	bs_mpz_wipe_clear(a);
}
