/*
 * mulmod.h - the mulmod engine: multiplication modulo n^2 for a Paillier
 * modulus n, on GMP's mpn_ layer, with residues kept in the engine's form.
 *
 * A residue is E->size limbs in the engine's form F(x); products of forms
 * are forms, so a chain of products (the scorer's sum, a randomizer, a
 * ciphertext) converts in once and out once.  Implementations:
 *
 *   BS_MM_NADIC (default): base-n digits, F(x) = (x0, x1) with x = x0 + x1 n,
 *     0 <= x0, x1 < n, each L limbs (L = limbs of n).  Since n^2 = 0,
 *     xy = x0 y0 + (x0 y1 + x1 y0) n: three L-limb products and two
 *     divisions by n of 2L-limb numbers (the carry floor(x0 y0 / n) moves up a
 *     digit), where mpz_mul + mpz_mod does one 2L-limb product and one
 *     4L-by-2L division.  Documented GMP functions only (mpn_mul_n, mpn_sqr,
 *     mpn_tdiv_qr).  At 2048-4096 bits 0.73-0.76 of mpz, and 0.62-0.64 for
 *     a product by a prepared operand (below), which is most of the work
 *     (make bench, item 1).
 *   BS_MM_MONT (+ a REDC, mont.h): Montgomery form xR mod n^2; kept as the
 *     cross-check and for the benchmark's comparison (0.79-0.93 of mpz:
 *     its REDC costs about 1.5 products).
 *
 * Contract: inputs are forms of residues below n^2; outputs are canonical
 * (equal values have equal limbs); the output may alias an input; `tp` is
 * scratch of bs_mm_scratch(E) limbs owned by the calling thread (the
 * functions use its first BS_MM_TP_USED(E); callers may keep data beyond).
 * Read-only after init, shared by threads.  Not constant-time (GMP's
 * division and Toom products branch on data).
 */
#ifndef BS_MULMOD_H
#define BS_MULMOD_H

#include <gmp.h>
#include <stddef.h>

#include "mont.h"
#include "util.h"

enum bs_mm_impl { BS_MM_AUTO = 0, BS_MM_NADIC, BS_MM_MONT };

typedef struct bs_mm {
	enum bs_mm_impl impl;
	mp_size_t L;    /* limbs of n */
	mp_size_t size; /* limbs of a residue in the form (<= 2L) */
	mp_limb_t *n;   /* n, L limbs */
	mp_limb_t *one; /* F(1), size limbs */
	bs_mont mont;   /* BS_MM_MONT: arithmetic mod n^2 */
} bs_mm;

/* What AUTO resolves to from now on (tests and benchmarks run every user of
 * the engine on one implementation); mont_impl picks the REDC for BS_MM_MONT.
 * Set before creating engines; not synchronized. */
void bs_mm_set_default(enum bs_mm_impl impl, enum bs_mont_impl mont_impl);
const char *bs_mm_name(const bs_mm *E);

/* n odd, n > 1. */
int bs_mm_init(bs_mm *E, const mpz_t n, enum bs_mm_impl impl, bs_error *err);
void bs_mm_clear(bs_mm *E);
mp_size_t bs_mm_scratch(const bs_mm *E);
/* The part of the scratch the engine's functions use; the rest is the caller's. */
#define BS_MM_TP_USED(E) (10 * (E)->L + 16)

/* r = F(xy), r = F(x^2) */
void bs_mm_mul(const bs_mm *E, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b, mp_limb_t *tp);
void bs_mm_sqr(const bs_mm *E, mp_limb_t *r, const mp_limb_t *a, mp_limb_t *tp);

/* Plain residue c (size limbs, c < n^2) <-> form; r may be c. */
void bs_mm_to_form(const bs_mm *E, mp_limb_t *r, const mp_limb_t *c, mp_limb_t *tp);
void bs_mm_to_plain(const bs_mm *E, mp_limb_t *c, const mp_limb_t *r, mp_limb_t *tp);

/* mpz <-> form: import requires 0 <= x < n^2 (else -1). */
int bs_mm_import(const bs_mm *E, mp_limb_t *r, const mpz_t x, mp_limb_t *tp);
void bs_mm_export(const bs_mm *E, mpz_t out, const mp_limb_t *r, mp_limb_t *tp);

/*
 * Prepared operands and chains: long products of fixed operands (the model's
 * ciphertexts, comb table entries).  n-adic: a prepared c is (c0, t), with
 * c = c0 (1 + t n) mod n^2 and t = c1 / c0 mod n (c must be coprime to n).
 * Since (1 + a n)(1 + b n) = 1 + (a + b) n mod n^2, a chain keeps a form X
 * and the sum T of the slopes t; multiplying X by the single digit c0 costs
 * two half-size products and two divisions instead of three and two, and
 * the chain ends with one X (1 + T n).  Preparing costs four mod-n products
 * per operand (batch inversion).  Montgomery: prepared = the form.
 */
/* count operands of E->size limbs, stride limbs apart, in place: from plain
 * residues (in_form 0) or forms, with `threads` threads; -1 if one shares a
 * factor with n. */
int bs_mm_prepare(const bs_mm *E, mp_limb_t *v, size_t count, size_t stride, int in_form,
                  unsigned threads, bs_error *err);
/* r = F(c) of a prepared c (r may be p). */
void bs_mm_prepared_to_form(const bs_mm *E, mp_limb_t *r, const mp_limb_t *p, mp_limb_t *tp);

typedef struct bs_mm_chain {
	mp_limb_t *x; /* E->size limbs: the form X */
	mp_limb_t *t; /* E->L limbs: the sum of slopes T (n-adic) */
	int set;      /* 0: the empty product */
} bs_mm_chain;

/* x and t point into caller memory (size and L limbs). */
void bs_mm_chain_init(bs_mm_chain *c, mp_limb_t *x, mp_limb_t *t);
void bs_mm_chain_mul_prepared(const bs_mm *E, bs_mm_chain *c, const mp_limb_t *p, mp_limb_t *tp);
void bs_mm_chain_mul(const bs_mm *E, bs_mm_chain *c, const mp_limb_t *a, mp_limb_t *tp);
void bs_mm_chain_sqr(const bs_mm *E, bs_mm_chain *c, mp_limb_t *tp);
/* r = F(the chain's product) (r may be c->x; F(1) for an empty chain). */
void bs_mm_chain_end(const bs_mm *E, const bs_mm_chain *c, mp_limb_t *r, mp_limb_t *tp);

#endif
