/*
 * djn.h - fixed-base window table for Damgard-Jurik-Nielsen randomizers.
 *
 * A randomizer is hs^a mod n^2 with a uniform in [0, 2^(bits/2)).  The table
 * holds hs^(j * 2^(w*i)) for every w-bit digit position i and digit j in
 * [1, 2^w), so hs^a costs one multiplication mod n^2 per non-zero digit of a
 * (bits/2 / w of them) instead of a full exponentiation.  Memory is
 * ceil(bits/2 / w) * (2^w - 1) residues of 2*bits bits; bs_djn_table_bytes()
 * reports it.  The table is public data (built from hs only) and read-only
 * after init, so threads may share it.
 */
#ifndef BS_DJN_H
#define BS_DJN_H

#include <gmp.h>
#include <stddef.h>

#include "paillier.h"

#define BS_DJN_DEFAULT_WINDOW 6
#define BS_DJN_MAX_WINDOW     12

typedef struct bs_djn_table {
	const bs_pubkey *pk; /* not owned; must outlive the table */
	unsigned window;     /* w */
	unsigned exp_bits;   /* bits of the exponent a: pk->bits / 2 */
	unsigned ndigits;    /* ceil(exp_bits / w) */
	mpz_t *entries;      /* ndigits * (2^w - 1) */
} bs_djn_table;

/* Build the table for pk with window w in [1, BS_DJN_MAX_WINDOW]. */
int bs_djn_table_init(bs_djn_table *t, const bs_pubkey *pk, unsigned window, bs_error *err);
void bs_djn_table_clear(bs_djn_table *t);
size_t bs_djn_table_bytes(const bs_djn_table *t);

/* out = hs^a mod n^2 for 0 <= a < 2^exp_bits (a is secret: wipe it after). */
void bs_djn_pow(const bs_djn_table *t, mpz_t out, const mpz_t a);
/* out = hs^a for a fresh uniform a from the CSPRNG; a is wiped. */
void bs_djn_randomizer(const bs_djn_table *t, mpz_t out);

#endif
