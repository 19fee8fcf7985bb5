/*
 * fixbase.h - fixed-base exponentiation g^e mod m from a precomputed comb
 * table (Lim-Lee), in the mulmod engine's form (mulmod.h).  Serves the DJN randomizers
 * (djn.h) and the scorer's Enc(K)^nm.
 *
 * The bits of e (e < 2^exp_bits) form a matrix of w rows and
 * cols = ceil(exp_bits / w) columns, bit t*cols + c in row t, column c; the w
 * bits of a column index a table of the 2^w - 1 products of the
 * g^(2^(t*cols)).  The columns are cut into `blocks` groups of `steps`
 * consecutive columns, each group with its own table (shifted by
 * 2^(j*steps)), so that g^e costs steps - 1 squarings and at most cols
 * multiplications, from blocks * (2^w - 1) residues.  steps = 1 is the classic
 * fixed-window table (no squarings, the largest table); larger steps trade
 * memory for squarings: at 3072 bits, w = 12 with steps = 16 (24 MiB) costs
 * about 140 products against 256 for w = 6, steps = 1 (12 MiB).  The entries
 * are prepared operands (mulmod.h), so a pow is a chain.
 *
 * Not constant-time: the table index is the exponent's bits (cache-timing
 * side channel) and zero columns are skipped.  The table is read-only after
 * init; threads share it.
 */
#ifndef BS_FIXBASE_H
#define BS_FIXBASE_H

#include <stddef.h>

#include "mulmod.h"

#define BS_FIXBASE_MAX_WINDOW 16

typedef struct bs_fixbase {
	const bs_mm *mm;   /* not owned; must outlive the table */
	unsigned exp_bits; /* exponents below 2^exp_bits */
	unsigned window;   /* w: rows, bits per table index */
	unsigned steps;    /* columns per block: steps - 1 squarings */
	unsigned cols;     /* ceil(exp_bits / w) */
	unsigned blocks;   /* ceil(cols / steps) */
	mp_limb_t *tab;    /* blocks * (2^w - 1) residues, engine form */
} bs_fixbase;

/* Table of g (given in the engine's form) for exponents below 2^exp_bits,
 * window w in [1, BS_FIXBASE_MAX_WINDOW], steps >= 1 (clamped to cols);
 * the products are spread over `threads` threads (0 or 1: the caller's). */
int bs_fixbase_init(bs_fixbase *t, const bs_mm *M, const mp_limb_t *g, unsigned exp_bits,
                    unsigned window, unsigned steps, unsigned threads, bs_error *err);
void bs_fixbase_clear(bs_fixbase *t);
size_t bs_fixbase_bytes(const bs_fixbase *t);

/* r = F(g^e); e has en limbs and is below 2^exp_bits; tp is bs_mm_scratch()
 * limbs; r must not be tp. */
void bs_fixbase_pow(const bs_fixbase *t, mp_limb_t *r, const mp_limb_t *e, mp_size_t en,
                    mp_limb_t *tp);

/*
 * Planning, without building: the memory of a table, the expected cost of
 * one pow and of the build, in products of two forms (a squaring counts 0.8,
 * a product by a prepared entry 0.84, preparing an entry 1.6, as measured),
 * and the (w, steps) that minimises build / threads + uses * pow within
 * max_bytes (uses 0 = the build is free: a long-lived table).
 */
size_t bs_fixbase_plan_bytes(mp_size_t n, unsigned exp_bits, unsigned window, unsigned steps);
double bs_fixbase_plan_pow(unsigned exp_bits, unsigned window, unsigned steps);
double bs_fixbase_plan_build(unsigned exp_bits, unsigned window, unsigned steps);
void bs_fixbase_plan(mp_size_t n, unsigned exp_bits, size_t max_bytes, double uses,
                     unsigned threads, unsigned *window, unsigned *steps);

#endif
