/*
 * mont.h - Montgomery multiplication modulo a fixed odd modulus m on GMP's
 * mpn_ layer: one of the mulmod engine's implementations (mulmod.h), kept
 * for comparison and as a cross-check of the default (base-n digits).
 *
 * A residue is an array of exactly M->n limbs (little-endian, zero-padded),
 * fully reduced (< m).  With R = B^n (B = 2^GMP_NUMB_BITS) the Montgomery
 * form of x is xR mod m, and bs_mont_mul(a, b) = ab/R mod m: forms multiply
 * into forms, so a chain of products pays one conversion in and one out.
 *
 * Reduction (REDC) is one of:
 *   BS_MONT_GMP_REDC_N, _REDC_2, _REDC_1: GMP's internal mpn_redc_n (mullo +
 *     wrap-around product), mpn_redc_2, mpn_redc_1.  Undocumented: configure
 *     detects them (HAVE_GMPN_REDC_1/_2/_N) and they may be absent;
 *   BS_MONT_PORTABLE: a word-by-word REDC on the documented mpn_addmul_1,
 *     always built, so the engine works with any GMP; tests run it too.
 * BS_MONT_AUTO picks the fastest available for the size (measured: redc_n
 * from 16 limbs on, see tests/bench).  Outputs are always < m.
 *
 * Contract: inputs < m; the output may alias an input; `tp` is scratch of
 * bs_mont_scratch(M) limbs owned by the calling thread.  A bs_mont is
 * read-only after init and shared by threads.  Not constant-time: the final
 * conditional subtraction and GMP's Toom multiplications branch on data.
 */
#ifndef BS_MONT_H
#define BS_MONT_H

#include <gmp.h>
#include <stddef.h>

#include "util.h"

enum bs_mont_impl {
	BS_MONT_AUTO = 0,
	BS_MONT_PORTABLE,
	BS_MONT_GMP_REDC_1,
	BS_MONT_GMP_REDC_2,
	BS_MONT_GMP_REDC_N,
	BS_MONT_IMPLS /* count */
};

typedef struct bs_mont {
	mp_size_t n;            /* limbs of m */
	enum bs_mont_impl impl; /* resolved (never AUTO) */
	mp_limb_t *m;           /* the modulus, n limbs, odd, top limb non-zero */
	mp_limb_t *ip;          /* 1/m mod R (redc_n) */
	mp_limb_t inv[2];       /* -1/m mod B^2 (inv[0]: -1/m mod B) */
	mp_limb_t *one;         /* R mod m: the form of 1 */
	mp_limb_t *r2;          /* R^2 mod m: converts into the form */
} bs_mont;

/* Whether impl is built into this library (AUTO and PORTABLE always are). */
int bs_mont_available(enum bs_mont_impl impl);
const char *bs_mont_impl_name(enum bs_mont_impl impl);

/* m odd, m > 1.  impl AUTO or one that is available (else BS_E_USAGE). */
int bs_mont_init(bs_mont *M, const mpz_t m, enum bs_mont_impl impl, bs_error *err);
void bs_mont_clear(bs_mont *M);
/* Limbs of scratch one call needs. */
static inline mp_size_t bs_mont_scratch(const bs_mont *M)
{
	return 2 * M->n;
}

/* r = ab/R mod m */
void bs_mont_mul(const bs_mont *M, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b,
                 mp_limb_t *tp);
/* r = a^2/R mod m */
void bs_mont_sqr(const bs_mont *M, mp_limb_t *r, const mp_limb_t *a, mp_limb_t *tp);
/* r = t/R mod m for t of 2n limbs, t < mR (t is clobbered; r must not overlap t). */
void bs_mont_redc(const bs_mont *M, mp_limb_t *r, mp_limb_t *t);
/* r = aR mod m (into the form) and r = a/R mod m (out of it). */
void bs_mont_to(const bs_mont *M, mp_limb_t *r, const mp_limb_t *a, mp_limb_t *tp);
void bs_mont_from(const bs_mont *M, mp_limb_t *r, const mp_limb_t *a, mp_limb_t *tp);

/* Limb arrays <-> mpz: import requires 0 <= x < m (else -1, r untouched);
 * export gives a normalized mpz. */
int bs_mont_import(const bs_mont *M, mp_limb_t *r, const mpz_t x);
void bs_mont_export(const bs_mont *M, mpz_t out, const mp_limb_t *a);

#endif
