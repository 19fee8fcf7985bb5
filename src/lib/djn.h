/*
 * djn.h - Damgard-Jurik-Nielsen randomizers hs^a mod n^2 from a fixed-base
 * comb table (fixbase.h) on the mulmod engine (mulmod.h).
 *
 * A randomizer is hs^a with a uniform in [0, 2^(bits/2)).  The table is
 * public data (built from hs only) and read-only after init, so threads may
 * share it; it owns the mod-n^2 arithmetic (t->mm) that the scorer and the
 * model encryption use with it.  Sizes: bs_djn_table_bytes(); costs and
 * choices: fixbase.h and `make bench` (the window table).
 *
 * Defaults, from the table of memory against cost that `make bench` prints
 * (item 3): the scorer's table is the fastest within BS_DJN_SCORER_BYTES (it
 * lives as long as the milter; at 3072 bits w = 12, 16 steps: 128 products
 * and 15 squarings per randomizer, about 95 mpz mulmods, against 256 products
 * for the former w = 6 table of 12 MiB; 24 MiB is the knee: 48 MiB would save
 * 7% of a randomizer, 4% of a message); bulk encryption picks within
 * BS_DJN_BULK_BYTES the table whose build plus one pow per ciphertext is
 * cheapest (2^18 buckets at 3072 bits: w = 15, 11 steps, 240 MiB).
 *
 * Side channel: lookups are indexed by the secret exponent's bits and zero
 * columns are skipped, so a local attacker who can observe the cache could
 * learn bits of a (see fixbase.h).  In the milter that would undo one
 * message's re-randomization; in model encryption the a_j are what hide the
 * weights from the operator, so encrypt on a machine the operator cannot
 * observe.  A constant-time variant would read a whole block per lookup
 * (mpn_sec_tabselect): 3 MiB per product with these tables, over 10 times
 * slower; a w = 4 table read in full, about 3 times slower (estimates; not
 * built).
 */
#ifndef BS_DJN_H
#define BS_DJN_H

#include <gmp.h>
#include <stddef.h>

#include "fixbase.h"
#include "mulmod.h"
#include "paillier.h"

#define BS_DJN_DEFAULT_WINDOW 6 /* bs_djn_table_init's classic table (steps 1) */
#define BS_DJN_MAX_WINDOW     BS_FIXBASE_MAX_WINDOW
#define BS_DJN_SCORER_BYTES   ((size_t)24 << 20)
#define BS_DJN_BULK_BYTES     ((size_t)256 << 20)

typedef struct bs_djn_table {
	const bs_pubkey *pk; /* not owned; must outlive the table (NULL in a scorer's shared table) */
	bs_mm mm;            /* arithmetic mod n^2 */
	unsigned window;     /* w */
	unsigned steps;      /* comb steps (1 = classic fixed window) */
	unsigned exp_bits;   /* bits of the exponent a: pk->bits / 2 */
	bs_fixbase fb;
} bs_djn_table;

/* The classic fixed-window table: window w in [1, BS_DJN_MAX_WINDOW], steps 1. */
int bs_djn_table_init(bs_djn_table *t, const bs_pubkey *pk, unsigned window, bs_error *err);
/* Any comb (window, steps); the build is spread over `threads` threads. */
int bs_djn_table_init_comb(bs_djn_table *t, const bs_pubkey *pk, unsigned window, unsigned steps,
                           unsigned threads, bs_error *err);
/* The table planned within max_bytes for `uses` randomizers (0: long-lived). */
int bs_djn_table_init_plan(bs_djn_table *t, const bs_pubkey *pk, size_t max_bytes, double uses,
                           unsigned threads, bs_error *err);
void bs_djn_table_clear(bs_djn_table *t);
size_t bs_djn_table_bytes(const bs_djn_table *t);

/* out = hs^a mod n^2 for 0 <= a < 2^exp_bits (a is secret: wipe it after). */
void bs_djn_pow(const bs_djn_table *t, mpz_t out, const mpz_t a);
/* out = hs^a for a fresh uniform a from the CSPRNG; a is wiped. */
void bs_djn_randomizer(const bs_djn_table *t, mpz_t out);

/* The same in the engine's form (t->mm.size limbs; tp: bs_mm_scratch limbs). */
void bs_djn_pow_form(const bs_djn_table *t, mp_limb_t *r, const mpz_t a, mp_limb_t *tp);
void bs_djn_randomizer_form(const bs_djn_table *t, mp_limb_t *r, mp_limb_t *tp);

#endif
