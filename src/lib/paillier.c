/*
 * paillier.c - Paillier with g = n+1, DJN randomizers, CRT decryption.
 *
 * See paillier.h for the contract.  Secret arithmetic (the CRT exponentiations
 * with p-1 and q-1) uses mpz_powm_sec; every secret mpz is wiped before it is
 * freed, and bs_crypto_init() makes GMP wipe whatever it frees or reallocates.
 */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "paillier.h"

/* ------------------------------------------------------------ memory hygiene */

static void *gmp_alloc_wipe(size_t n)
{
	return bs_xmalloc(n);
}

static void *gmp_realloc_wipe(void *p, size_t old, size_t n)
{
	void *q = bs_xmalloc(n);
	memcpy(q, p, old < n ? old : n);
	sodium_memzero(p, old);
	free(p);
	return q;
}

static void gmp_free_wipe(void *p, size_t n)
{
	if (p) {
		sodium_memzero(p, n);
		free(p);
	}
}

int bs_crypto_init(void)
{
	if (sodium_init() < 0)
		return -1;
	mp_set_memory_functions(gmp_alloc_wipe, gmp_realloc_wipe, gmp_free_wipe);
	return 0;
}

void bs_mpz_wipe_clear(mpz_t x)
{
	if (x->_mp_d && x->_mp_alloc > 0)
		sodium_memzero(x->_mp_d, (size_t)x->_mp_alloc * sizeof(mp_limb_t));
	mpz_clear(x);
}

/* ------------------------------------------------------------ randomness */

void bs_random_mpz_bits(mpz_t out, unsigned bits)
{
	size_t nbytes = (bits + 7) / 8;
	unsigned char *buf = bs_xmalloc(nbytes);

	randombytes_buf(buf, nbytes);
	if (bits % 8)
		buf[0] &= (unsigned char)((1u << (bits % 8)) - 1);
	mpz_import(out, nbytes, 1, 1, 0, 0, buf);
	sodium_memzero(buf, nbytes);
	free(buf);
}

void bs_paillier_random_exponent(const bs_pubkey *pk, mpz_t a)
{
	bs_random_mpz_bits(a, pk->bits / 2);
}

/* Uniform x in [1, n) with gcd(x, n) = 1, by rejection. */
static void random_unit(const mpz_t n, mpz_t x)
{
	mpz_t g;
	unsigned bits = (unsigned)mpz_sizeinbase(n, 2);

	mpz_init(g);
	for (;;) {
		bs_random_mpz_bits(x, bits);
		if (mpz_sgn(x) == 0 || mpz_cmp(x, n) >= 0)
			continue;
		mpz_gcd(g, x, n);
		if (mpz_cmp_ui(g, 1) == 0)
			break;
	}
	mpz_clear(g);
}

/* ------------------------------------------------------------ init / clear */

void bs_pubkey_init(bs_pubkey *pk)
{
	memset(pk, 0, sizeof *pk);
	mpz_inits(pk->n, pk->n2, pk->hs, pk->half, NULL);
}

void bs_pubkey_clear(bs_pubkey *pk)
{
	mpz_clears(pk->n, pk->n2, pk->hs, pk->half, NULL);
	memset(pk, 0, sizeof *pk);
}

void bs_seckey_init(bs_seckey *sk)
{
	bs_pubkey_init(&sk->pub);
	mpz_inits(sk->p, sk->q, sk->p2, sk->q2, sk->pm1, sk->qm1, sk->hp, sk->hq, sk->qinv, NULL);
}

void bs_seckey_clear(bs_seckey *sk)
{
	bs_mpz_wipe_clear(sk->p);
	bs_mpz_wipe_clear(sk->q);
	bs_mpz_wipe_clear(sk->p2);
	bs_mpz_wipe_clear(sk->q2);
	bs_mpz_wipe_clear(sk->pm1);
	bs_mpz_wipe_clear(sk->qm1);
	bs_mpz_wipe_clear(sk->hp);
	bs_mpz_wipe_clear(sk->hq);
	bs_mpz_wipe_clear(sk->qinv);
	bs_pubkey_clear(&sk->pub);
	sodium_memzero(sk, sizeof *sk);
}

/* ------------------------------------------------------------ public key */

/*
 * The key id is the first 16 bytes of SHA-256 over the canonical text of the
 * public key: "blindscore-public-key 1\nbits <decimal>\nn <hex>\nhs <hex>\n",
 * hex lower-case without leading zeros.  blindscore-keys(5) documents this.
 */
void bs_pubkey_finish(bs_pubkey *pk)
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char head[64];
	char *hex;

	pk->bits = (unsigned)mpz_sizeinbase(pk->n, 2);
	mpz_mul(pk->n2, pk->n, pk->n);
	mpz_fdiv_q_2exp(pk->half, pk->n, 1);

	crypto_hash_sha256_init(&st);
	snprintf(head, sizeof head, "blindscore-public-key 1\nbits %u\nn ", pk->bits);
	crypto_hash_sha256_update(&st, (const unsigned char *)head, strlen(head));
	hex = mpz_get_str(NULL, 16, pk->n);
	crypto_hash_sha256_update(&st, (const unsigned char *)hex, strlen(hex));
	free(hex);
	crypto_hash_sha256_update(&st, (const unsigned char *)"\nhs ", 4);
	hex = mpz_get_str(NULL, 16, pk->hs);
	crypto_hash_sha256_update(&st, (const unsigned char *)hex, strlen(hex));
	free(hex);
	crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_final(&st, digest);
	memcpy(pk->keyid, digest, BS_KEYID_LEN);
	bs_hex_encode(pk->keyid_hex, pk->keyid, BS_KEYID_LEN);
}

int bs_pubkey_validate(const bs_pubkey *pk, unsigned declared_bits, int allow_insecure,
                       bs_error *err)
{
	unsigned bits = mpz_sgn(pk->n) > 0 ? (unsigned)mpz_sizeinbase(pk->n, 2) : 0;

	if (mpz_sgn(pk->n) <= 0)
		return bs_error_set(err, BS_E_CRYPTO, "field 'n': modulus is not positive");
	if (declared_bits && bits != declared_bits)
		return bs_error_set(err, BS_E_CRYPTO,
		                    "field 'n': modulus has %u bits but the key declares %u", bits,
		                    declared_bits);
	if (bits < BS_TEST_MIN_BITS || bits > BS_MAX_BITS || bits % 2)
		return bs_error_set(err, BS_E_CRYPTO,
		                    "field 'n': modulus size %u bits is not supported", bits);
	if (bits < BS_MIN_BITS && !allow_insecure)
		return bs_error_set(err, BS_E_CRYPTO,
		                    "field 'n': modulus of %u bits is below the minimum of %u",
		                    bits, BS_MIN_BITS);
	if (mpz_even_p(pk->n))
		return bs_error_set(err, BS_E_CRYPTO, "field 'n': modulus is even");
	for (unsigned long d = 3; d < 65536; d += 2) {
		if (mpz_divisible_ui_p(pk->n, d))
			return bs_error_set(err, BS_E_CRYPTO,
			                    "field 'n': modulus has the small factor %lu", d);
	}
	if (mpz_perfect_power_p(pk->n))
		return bs_error_set(err, BS_E_CRYPTO, "field 'n': modulus is a perfect power");
	if (mpz_probab_prime_p(pk->n, 5))
		return bs_error_set(err, BS_E_CRYPTO, "field 'n': modulus is prime");
	if (bs_ciphertext_validate(pk, pk->hs, err) < 0) {
		bs_error_prefix(err, "field 'hs'");
		return -1;
	}
	/* hs of order 1 or 2 mod n (hs = 1, n-1, ...) would not randomize at
	 * all: ciphertexts would be readable as 1 + m n.  Refuse hs^2 = 1 mod n. */
	{
		mpz_t t;
		int trivial;
		mpz_init(t);
		mpz_powm_ui(t, pk->hs, 2, pk->n);
		trivial = mpz_cmp_ui(t, 1) == 0;
		mpz_clear(t);
		if (trivial)
			return bs_error_set(err, BS_E_CRYPTO,
					    "field 'hs': hs^2 = 1 mod n, so it would not randomize "
					    "ciphertexts");
	}
	return 0;
}

int bs_ciphertext_validate(const bs_pubkey *pk, const mpz_t c, bs_error *err)
{
	mpz_t g;
	int ok;

	if (mpz_sgn(c) <= 0)
		return bs_error_set(err, BS_E_CRYPTO, "ciphertext is zero or negative");
	if (mpz_cmp(c, pk->n2) >= 0)
		return bs_error_set(err, BS_E_CRYPTO, "ciphertext is not below n^2");
	mpz_init(g);
	mpz_gcd(g, c, pk->n);
	ok = mpz_cmp_ui(g, 1) == 0;
	mpz_clear(g);
	if (!ok)
		return bs_error_set(err, BS_E_CRYPTO,
		                    "ciphertext shares a factor with n (this would factor the "
		                    "key: treat the input as hostile)");
	return 0;
}

/* ------------------------------------------------------------ key generation */

/* A uniformly random prime of exactly `bits` bits with the top two bits set
 * (so that p*q has exactly 2*bits bits) and p = 3 (mod 4). */
static void random_prime_3mod4(mpz_t p, unsigned bits, bs_keygen_progress progress, void *arg,
                               const char *stage)
{
	unsigned long tries = 0;

	for (;;) {
		bs_random_mpz_bits(p, bits);
		mpz_setbit(p, bits - 1);
		mpz_setbit(p, bits - 2);
		mpz_setbit(p, 0);
		mpz_setbit(p, 1);
		tries++;
		if (progress && tries % 16 == 0)
			progress(arg, stage, tries);
		if (mpz_probab_prime_p(p, 40))
			break;
	}
	if (progress)
		progress(arg, stage, tries);
}

static void compute_hs(bs_pubkey *pk)
{
	mpz_t x;

	mpz_init(x);
	random_unit(pk->n, x);
	mpz_mul(x, x, x);
	mpz_mod(x, x, pk->n2);
	mpz_sub(x, pk->n2, x); /* -x^2 mod n^2 */
	mpz_powm(pk->hs, x, pk->n, pk->n2);
	bs_mpz_wipe_clear(x);
}

int bs_paillier_keygen(bs_seckey *sk, unsigned bits, int allow_insecure,
                       bs_keygen_progress progress, void *progress_arg, bs_error *err)
{
	mpz_t g;

	if (bits % 2 || bits < BS_TEST_MIN_BITS || bits > BS_MAX_BITS)
		return bs_error_set(err, BS_E_USAGE,
		                    "key size %u bits is not supported (even, %u..%u)", bits,
		                    BS_TEST_MIN_BITS, BS_MAX_BITS);
	if (bits < BS_MIN_BITS && !allow_insecure)
		return bs_error_set(err, BS_E_USAGE, "key size %u bits is below the minimum of %u",
		                    bits, BS_MIN_BITS);
	mpz_init(g);
	for (;;) {
		random_prime_3mod4(sk->p, bits / 2, progress, progress_arg, "p");
		random_prime_3mod4(sk->q, bits / 2, progress, progress_arg, "q");
		if (mpz_cmp(sk->p, sk->q) == 0)
			continue;
		mpz_sub_ui(sk->pm1, sk->p, 1);
		mpz_sub_ui(sk->qm1, sk->q, 1);
		mpz_gcd(g, sk->pm1, sk->qm1);
		if (mpz_cmp_ui(g, 2) != 0)
			continue;
		mpz_mul(sk->pub.n, sk->p, sk->q);
		if (mpz_sizeinbase(sk->pub.n, 2) == bits)
			break;
	}
	bs_mpz_wipe_clear(g);
	if (progress)
		progress(progress_arg, "hs", 0);
	mpz_mul(sk->pub.n2, sk->pub.n, sk->pub.n);
	compute_hs(&sk->pub);
	bs_pubkey_finish(&sk->pub);
	if (bs_seckey_finish(sk, err) < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------ secret key */

/* h = L_r((n+1)^(r-1) mod r^2)^-1 mod r, for r = p or q. */
static int crt_h(mpz_t h, const mpz_t n, const mpz_t r, const mpz_t r2, const mpz_t rm1)
{
	mpz_t g;
	int ok;

	mpz_init(g);
	mpz_add_ui(g, n, 1);
	mpz_mod(g, g, r2);
	mpz_powm_sec(g, g, rm1, r2);
	mpz_sub_ui(g, g, 1);
	mpz_divexact(g, g, r);
	ok = mpz_invert(h, g, r) != 0;
	bs_mpz_wipe_clear(g);
	return ok ? 0 : -1;
}

int bs_seckey_finish(bs_seckey *sk, bs_error *err)
{
	bs_pubkey *pk = &sk->pub;
	mpz_t t, m, c;
	int rc = -1;

	if (mpz_cmp_ui(sk->p, 3) < 0 || mpz_cmp_ui(sk->q, 3) < 0)
		return bs_error_set(err, BS_E_CRYPTO, "field 'p': secret primes are missing");
	if (mpz_cmp(sk->p, sk->q) == 0)
		return bs_error_set(err, BS_E_CRYPTO, "field 'q': q equals p");
	if (mpz_fdiv_ui(sk->p, 4) != 3)
		return bs_error_set(err, BS_E_CRYPTO, "field 'p': p is not 3 mod 4");
	if (mpz_fdiv_ui(sk->q, 4) != 3)
		return bs_error_set(err, BS_E_CRYPTO, "field 'q': q is not 3 mod 4");
	mpz_init(t);
	mpz_mul(t, sk->p, sk->q);
	if (mpz_cmp(t, pk->n) != 0) {
		bs_mpz_wipe_clear(t);
		return bs_error_set(err, BS_E_CRYPTO, "field 'n': n is not p*q");
	}
	if (!mpz_probab_prime_p(sk->p, 25)) {
		bs_mpz_wipe_clear(t);
		return bs_error_set(err, BS_E_CRYPTO, "field 'p': p is not prime");
	}
	if (!mpz_probab_prime_p(sk->q, 25)) {
		bs_mpz_wipe_clear(t);
		return bs_error_set(err, BS_E_CRYPTO, "field 'q': q is not prime");
	}
	bs_mpz_wipe_clear(t);
	bs_pubkey_finish(pk);

	mpz_mul(sk->p2, sk->p, sk->p);
	mpz_mul(sk->q2, sk->q, sk->q);
	mpz_sub_ui(sk->pm1, sk->p, 1);
	mpz_sub_ui(sk->qm1, sk->q, 1);
	if (crt_h(sk->hp, pk->n, sk->p, sk->p2, sk->pm1) < 0 ||
	    crt_h(sk->hq, pk->n, sk->q, sk->q2, sk->qm1) < 0 ||
	    mpz_invert(sk->qinv, sk->q, sk->p) == 0)
		return bs_error_set(err, BS_E_CRYPTO, "field 'p': CRT constants do not exist");

	/* hs must be a non-trivial encryption of zero under this key. */
	mpz_inits(m, c, NULL);
	if (bs_pubkey_validate(pk, 0, 1, err) < 0)
		goto out;
	if (bs_paillier_decrypt(sk, m, pk->hs, err) < 0 || mpz_sgn(m) != 0) {
		bs_error_set(err, BS_E_CRYPTO, "field 'hs': is not an encryption of zero");
		goto out;
	}
	/* Round trip of a random value through encryption and decryption. */
	bs_random_mpz_bits(m, 64);
	mpz_neg(m, m);
	if (bs_paillier_encrypt(pk, c, m, err) < 0)
		goto out;
	{
		mpz_t back;
		mpz_init(back);
		if (bs_paillier_decrypt(sk, back, c, err) < 0 || mpz_cmp(back, m) != 0) {
			bs_mpz_wipe_clear(back);
			bs_error_set(err, BS_E_CRYPTO,
			             "secret key fails the encrypt/decrypt round trip");
			goto out;
		}
		bs_mpz_wipe_clear(back);
	}
	rc = 0;
out:
	bs_mpz_wipe_clear(m);
	mpz_clear(c);
	return rc;
}

/* ------------------------------------------------------------ encoding */

int bs_paillier_encode(const bs_pubkey *pk, mpz_t out, const mpz_t m, bs_error *err)
{
	if (mpz_cmpabs(m, pk->half) > 0)
		return bs_error_set(err, BS_E_USAGE, "plaintext does not fit in (-n/2, n/2]");
	mpz_mod(out, m, pk->n);
	return 0;
}

void bs_paillier_decode(const bs_pubkey *pk, mpz_t out, const mpz_t v)
{
	if (mpz_cmp(v, pk->half) > 0)
		mpz_sub(out, v, pk->n);
	else
		mpz_set(out, v);
}

/* ------------------------------------------------------------ encryption */

int bs_paillier_encrypt_with(const bs_pubkey *pk, mpz_t c, const mpz_t m, const mpz_t a,
                             bs_error *err)
{
	mpz_t t;

	mpz_init(t);
	if (bs_paillier_encode(pk, t, m, err) < 0) {
		mpz_clear(t);
		return -1;
	}
	/* (1 + m n) mod n^2 */
	mpz_mul(t, t, pk->n);
	mpz_add_ui(t, t, 1);
	mpz_powm(c, pk->hs, a, pk->n2);
	mpz_mul(c, c, t);
	mpz_mod(c, c, pk->n2);
	bs_mpz_wipe_clear(t);
	return 0;
}

int bs_paillier_encrypt(const bs_pubkey *pk, mpz_t c, const mpz_t m, bs_error *err)
{
	mpz_t a;
	int rc;

	mpz_init(a);
	bs_paillier_random_exponent(pk, a);
	rc = bs_paillier_encrypt_with(pk, c, m, a, err);
	bs_mpz_wipe_clear(a);
	return rc;
}

int bs_paillier_encrypt_si(const bs_pubkey *pk, mpz_t c, long m, bs_error *err)
{
	mpz_t mm;
	int rc;

	mpz_init_set_si(mm, m);
	rc = bs_paillier_encrypt(pk, c, mm, err);
	bs_mpz_wipe_clear(mm);
	return rc;
}

/* ------------------------------------------------------------ homomorphic ops */

void bs_paillier_add(const bs_pubkey *pk, mpz_t r, const mpz_t a, const mpz_t b)
{
	mpz_mul(r, a, b);
	mpz_mod(r, r, pk->n2);
}

void bs_paillier_add_plain(const bs_pubkey *pk, mpz_t r, const mpz_t a, long m)
{
	mpz_t t;

	mpz_init_set_si(t, m);
	mpz_mod(t, t, pk->n);
	mpz_mul(t, t, pk->n);
	mpz_add_ui(t, t, 1);
	mpz_mul(r, a, t);
	mpz_mod(r, r, pk->n2);
	mpz_clear(t);
}

void bs_paillier_mul_plain(const bs_pubkey *pk, mpz_t r, const mpz_t a, long k)
{
	mpz_t e;

	/* Enc(m)^k = Enc(k m); a negative k uses k mod n, which exists for any
	 * valid ciphertext (no inverse needed). */
	mpz_init_set_si(e, k);
	mpz_mod(e, e, pk->n);
	mpz_powm(r, a, e, pk->n2);
	mpz_clear(e);
}

void bs_paillier_rerandomize(const bs_pubkey *pk, mpz_t r, const mpz_t c, const mpz_t a)
{
	mpz_t t, fresh;

	mpz_init(t);
	if (a) {
		mpz_powm(t, pk->hs, a, pk->n2);
	} else {
		mpz_init(fresh);
		bs_paillier_random_exponent(pk, fresh);
		mpz_powm(t, pk->hs, fresh, pk->n2);
		bs_mpz_wipe_clear(fresh);
	}
	mpz_mul(r, c, t);
	mpz_mod(r, r, pk->n2);
	bs_mpz_wipe_clear(t);
}

/* ------------------------------------------------------------ decryption */

/* m_r = L_r(c^(r-1) mod r^2) * h_r mod r */
static void crt_part(mpz_t out, const mpz_t c, const mpz_t r, const mpz_t r2, const mpz_t rm1,
                     const mpz_t h)
{
	mpz_mod(out, c, r2);
	mpz_powm_sec(out, out, rm1, r2);
	mpz_sub_ui(out, out, 1);
	mpz_divexact(out, out, r);
	mpz_mul(out, out, h);
	mpz_mod(out, out, r);
}

int bs_paillier_decrypt(const bs_seckey *sk, mpz_t m, const mpz_t c, bs_error *err)
{
	mpz_t mp, mq;

	if (bs_ciphertext_validate(&sk->pub, c, err) < 0)
		return -1;
	mpz_inits(mp, mq, NULL);
	crt_part(mp, c, sk->p, sk->p2, sk->pm1, sk->hp);
	crt_part(mq, c, sk->q, sk->q2, sk->qm1, sk->hq);
	/* m = mq + q * ((mp - mq) * q^-1 mod p) */
	mpz_sub(mp, mp, mq);
	mpz_mul(mp, mp, sk->qinv);
	mpz_mod(mp, mp, sk->p);
	mpz_mul(mp, mp, sk->q);
	mpz_add(mp, mp, mq);
	bs_paillier_decode(&sk->pub, m, mp);
	bs_mpz_wipe_clear(mp);
	bs_mpz_wipe_clear(mq);
	return 0;
}
