/*
 * paillier.h - Paillier encryption with g = n+1 and DJN randomizers.
 *
 * Plaintexts are signed integers encoded mod n (values above n/2 decode as
 * negative).  Enc(m) = (1 + m*n) * h_s^a mod n^2, where h_s = (-x^2)^n mod n^2
 * is the public Damgard-Jurik-Nielsen value and a is uniform in
 * [0, 2^(bits/2)).  Decryption uses the CRT with mpz_powm_sec mod p^2 and q^2.
 *
 * Every secret (p, q, CRT constants, randomizer exponents) lives in mpz_t
 * values that are wiped (limbs zeroed) before they are freed: bs_seckey_clear.
 * Randomness comes only from libsodium's randombytes_buf.
 */
#ifndef BS_PAILLIER_H
#define BS_PAILLIER_H

#include <gmp.h>
#include <stdint.h>

#include "util.h"

#define BS_KEYID_LEN 16
#define BS_KEYID_HEXLEN (2 * BS_KEYID_LEN)
#define BS_MIN_BITS 2048     /* below this only with allow_insecure */
#define BS_DEFAULT_BITS 3072
#define BS_MAX_BITS 8192
#define BS_TEST_MIN_BITS 128 /* smallest size even the test-only flag accepts */

typedef struct bs_pubkey {
	unsigned bits;                /* exact bit length of n */
	mpz_t n, n2, hs;              /* modulus, n^2, DJN public value */
	mpz_t half;                   /* floor(n/2): decoding boundary */
	uint8_t keyid[BS_KEYID_LEN];  /* SHA-256(canonical public key)[0..15] */
	char keyid_hex[BS_KEYID_HEXLEN + 1];
} bs_pubkey;

typedef struct bs_seckey {
	bs_pubkey pub;
	mpz_t p, q;        /* secret primes, p < q not required */
	mpz_t p2, q2;      /* p^2, q^2 */
	mpz_t pm1, qm1;    /* p-1, q-1: the CRT decryption exponents */
	mpz_t hp, hq;      /* L_p((n+1)^(p-1) mod p^2)^-1 mod p, same for q */
	mpz_t qinv;        /* q^-1 mod p for recombination */
} bs_seckey;

/* Progress callback for key generation: stage text and a counter. */
typedef void (*bs_keygen_progress)(void *arg, const char *stage, unsigned long tries);

void bs_pubkey_init(bs_pubkey *pk);
void bs_pubkey_clear(bs_pubkey *pk);
void bs_seckey_init(bs_seckey *sk);
void bs_seckey_clear(bs_seckey *sk); /* wipes every secret */

/* Wipe the limbs of an mpz_t (its allocated size), then mpz_clear it. */
void bs_mpz_wipe_clear(mpz_t x);

/*
 * Generate a key of exactly `bits` bits.  Refuses bits < BS_MIN_BITS unless
 * allow_insecure (tests only), and bits that are odd, below BS_TEST_MIN_BITS
 * or above BS_MAX_BITS.  p, q are bits/2-bit primes, p = q = 3 (mod 4),
 * p != q, gcd(p-1, q-1) = 2.
 */
int bs_paillier_keygen(bs_seckey *sk, unsigned bits, int allow_insecure,
		       bs_keygen_progress progress, void *progress_arg, bs_error *err);

/*
 * Complete a public key from n and hs (bits taken from n): computes n^2, n/2
 * and the key id.  Does not validate; call bs_pubkey_validate.
 */
void bs_pubkey_finish(bs_pubkey *pk);

/* Public key checks: n odd, exact declared size, no prime factor below 2^16,
 * not a perfect power, hs a valid ciphertext.  `declared_bits` 0 = n's own. */
int bs_pubkey_validate(const bs_pubkey *pk, unsigned declared_bits, int allow_insecure,
		       bs_error *err);

/*
 * Complete a secret key from p, q and the public part (n, hs already set):
 * checks n == p*q, p != q, both prime (probabilistically), p = q = 3 mod 4,
 * recomputes every CRT constant and checks an encrypt/decrypt round trip.
 */
int bs_seckey_finish(bs_seckey *sk, bs_error *err);

/* Ciphertext check: 0 < c < n^2 and gcd(c, n) = 1. */
int bs_ciphertext_validate(const bs_pubkey *pk, const mpz_t c, bs_error *err);

/* Signed encoding: out = m mod n (m must satisfy |m| <= n/2). */
int bs_paillier_encode(const bs_pubkey *pk, mpz_t out, const mpz_t m, bs_error *err);
/* out = v if v <= n/2 else v - n. */
void bs_paillier_decode(const bs_pubkey *pk, mpz_t out, const mpz_t v);

/* c = (1 + m*n) * hs^a mod n^2 with the given exponent a (deterministic). */
int bs_paillier_encrypt_with(const bs_pubkey *pk, mpz_t c, const mpz_t m, const mpz_t a,
			     bs_error *err);
/* As above with a fresh uniform a from the CSPRNG (wiped afterwards). */
int bs_paillier_encrypt(const bs_pubkey *pk, mpz_t c, const mpz_t m, bs_error *err);
/* Same, for a machine-word plaintext. */
int bs_paillier_encrypt_si(const bs_pubkey *pk, mpz_t c, long m, bs_error *err);

/* Homomorphic operations (public). */
void bs_paillier_add(const bs_pubkey *pk, mpz_t r, const mpz_t a, const mpz_t b);
void bs_paillier_add_plain(const bs_pubkey *pk, mpz_t r, const mpz_t a, long m);
void bs_paillier_mul_plain(const bs_pubkey *pk, mpz_t r, const mpz_t a, long k);
/* r = c * hs^a mod n^2 (a fresh from the CSPRNG when a == NULL). */
void bs_paillier_rerandomize(const bs_pubkey *pk, mpz_t r, const mpz_t c, const mpz_t a);

/* Uniform randomizer exponent in [0, 2^(bits/2)) from libsodium. */
void bs_paillier_random_exponent(const bs_pubkey *pk, mpz_t a);
/* Uniform integer of `bits` bits from libsodium (top bit not forced). */
void bs_random_mpz_bits(mpz_t out, unsigned bits);

/* m = Dec(c), signed.  Validates c first. */
int bs_paillier_decrypt(const bs_seckey *sk, mpz_t m, const mpz_t c, bs_error *err);

/*
 * Call once at program start, before any other library call: initialises
 * libsodium and makes GMP wipe every block it frees or moves (so temporaries
 * holding secrets never linger in freed memory).  Returns -1 if libsodium
 * cannot be initialised.
 */
int bs_crypto_init(void);

#endif
