/*
 * test_paillier.c - Paillier core and DJN table (src/lib/paillier.c, djn.c).
 *
 * Known-answer values come from tests/unit/kat/paillier_kat.py, which computes
 * them independently with Python's integers: fixed 128-bit primes found by a
 * deterministic SHA-256 stream, hs = (-x^2)^n mod n^2, c = (1+mn) hs^a mod n^2,
 * and checks each c with the textbook lambda/mu decryption (not the CRT).
 * Regenerate with: python3 tests/unit/kat/paillier_kat.py
 */
#include "config.h"

#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "djn.h"
#include "paillier.h"
#include "unit.h"

struct kat_case {
	const char *m, *a, *c;
};

#define KAT_P "f56cd4f53c3ebd2eee6049ffa2c16acf"
#define KAT_Q "d295e8ed957ddcfc9c473ca000134dcf"
#define KAT_N "c9e2fe578437ef48a9295438073a963caa5981d38af9fa35056b1363b4e2a061"
#define KAT_HS "6e2d1c7d36506d86ea0fcab974a1976a6f34224aa7f0aec35b69edc12187c4d04edb03410f19031e4b2e230aafbefd838099de5789924381244e6f47df976b96"
static const struct kat_case kat_cases[] = {
	{"0", "1", "6e2d1c7d36506d86ea0fcab974a1976a6f34224aa7f0aec35b69edc12187c4d04edb03410f19031e4b2e230aafbefd838099de5789924381244e6f47df976b96"},
	{"1", "3039", "891bd9714274c3829795abbe56c1ee470b75fbf798ccc0719c00dbc28d0a08c4907b106853cb32b85eaf117d6aa1575e8d5a966bf3ad0c2661111d98ab11ae4f"},
	{"-1", "3e7", "636dfc76759b1c5aea22b511334eff03c490200591ba323d922b2487c1813bf9519a8f06e33b5f9794ed0ae0217df955111b527e91f4e754e7435a00af206ee3"},
	{"42", "7fffffffffffffffffffffffffffffff", "2b973726db25e87f12d74a0218d5ae12ec597226c9c1ae75056c39cbf4fe4b4ce85c86938ce2352debd2f0335a7cd1a779034797291e438c31f5f83786e97841"},
	{"-123456789", "10000000000000000000000007", "50817dc894e35a47700015bb495d6538ac1955d2df27e970462f7e59c2b907f0c202b78163d14f46f6deac1bf4161ccb1e4f9ab2b22ad789cda8b7bba2d77056"},
	{"45657972702444068234518048271738964154680679813452185273944741295137360007216", "5", "4bdb50643bc00747d9fe6c4506336a5af6d56f578b213c6aff389e6b84fbb76eb4202851ca074f76e7dd2c59e467300c3e10c62cba735906dc7982d6086a7571"},
	{"-45657972702444068234518048271738964154680679813452185273944741295137360007216", "6", "9ab1baf7227245654c1fb4b93120baf21ed0385ecdb1f3c35edafeaab904fca286aa4bdb905ab81bdd8cc9bf7006fdc93b955a266c633e73f92444faa9c4cf64"},
};

/* ------------------------------------------------------------ fixtures */

static bs_seckey kat_sk;
static bs_seckey rnd_sk; /* random 512-bit key, shared by property tests */
static int rnd_ready;

static void load_kat_key(bs_seckey *sk)
{
	bs_error err;
	bs_seckey_init(sk);
	mpz_set_str(sk->pub.n, KAT_N, 16);
	mpz_set_str(sk->pub.hs, KAT_HS, 16);
	mpz_set_str(sk->p, KAT_P, 16);
	mpz_set_str(sk->q, KAT_Q, 16);
	/* Garbage in the CRT constants: finish must recompute them (libhcs defect:
	 * imported keys kept stale constants). */
	mpz_set_ui(sk->hp, 12345);
	mpz_set_ui(sk->qinv, 777);
	ck_assert_msg(bs_seckey_finish(sk, &err) == 0, "%s", err.msg);
}

static void setup(void)
{
	ck_assert_int_eq(bs_crypto_init(), 0);
	load_kat_key(&kat_sk);
	if (!rnd_ready) {
		bs_error err;
		bs_seckey_init(&rnd_sk);
		ck_assert_msg(bs_paillier_keygen(&rnd_sk, 512, 1, NULL, NULL, &err) == 0, "%s",
			      err.msg);
		rnd_ready = 1;
	}
}

static void teardown(void)
{
	bs_seckey_clear(&kat_sk);
}

/* ------------------------------------------------------------ known answers */

START_TEST(test_kat_encrypt)
{
	bs_error err;
	mpz_t m, a, c, want;
	mpz_inits(m, a, c, want, NULL);
	for (size_t i = 0; i < sizeof kat_cases / sizeof kat_cases[0]; i++) {
		mpz_set_str(m, kat_cases[i].m, 10);
		mpz_set_str(a, kat_cases[i].a, 16);
		mpz_set_str(want, kat_cases[i].c, 16);
		ck_assert_msg(bs_paillier_encrypt_with(&kat_sk.pub, c, m, a, &err) == 0,
			      "case %zu: %s", i, err.msg);
		ck_assert_msg(mpz_cmp(c, want) == 0, "case %zu: ciphertext differs", i);
	}
	mpz_clears(m, a, c, want, NULL);
}
END_TEST

START_TEST(test_kat_decrypt)
{
	bs_error err;
	mpz_t m, c, want;
	mpz_inits(m, c, want, NULL);
	for (size_t i = 0; i < sizeof kat_cases / sizeof kat_cases[0]; i++) {
		mpz_set_str(want, kat_cases[i].m, 10);
		mpz_set_str(c, kat_cases[i].c, 16);
		ck_assert_msg(bs_paillier_decrypt(&kat_sk, m, c, &err) == 0, "case %zu: %s", i,
			      err.msg);
		ck_assert_msg(mpz_cmp(m, want) == 0, "case %zu: plaintext differs", i);
	}
	mpz_clears(m, c, want, NULL);
}
END_TEST

START_TEST(test_kat_keyid_stable)
{
	/* The key id is SHA-256 of the canonical text; recomputing gives the same. */
	char first[BS_KEYID_HEXLEN + 1];
	memcpy(first, kat_sk.pub.keyid_hex, sizeof first);
	bs_pubkey_finish(&kat_sk.pub);
	ck_assert_str_eq(first, kat_sk.pub.keyid_hex);
	ck_assert_uint_eq(strlen(first), BS_KEYID_HEXLEN);
	/* Changing hs changes the key id. */
	mpz_add_ui(kat_sk.pub.hs, kat_sk.pub.hs, 1);
	bs_pubkey_finish(&kat_sk.pub);
	ck_assert_str_ne(first, kat_sk.pub.keyid_hex);
}
END_TEST

/* ------------------------------------------------------------ properties */

static void enc(const bs_pubkey *pk, mpz_t c, const mpz_t m)
{
	bs_error err;
	ck_assert_msg(bs_paillier_encrypt(pk, c, m, &err) == 0, "%s", err.msg);
}

static void dec(const bs_seckey *sk, mpz_t m, const mpz_t c)
{
	bs_error err;
	ck_assert_msg(bs_paillier_decrypt(sk, m, c, &err) == 0, "%s", err.msg);
}

/* A random signed value of up to `bits` bits. */
static void random_signed(mpz_t v, unsigned bits)
{
	bs_random_mpz_bits(v, bits);
	if (randombytes_uniform(2))
		mpz_neg(v, v);
}

START_TEST(test_prop_add)
{
	const bs_pubkey *pk = &rnd_sk.pub;
	mpz_t a, b, ca, cb, cs, s, want;
	mpz_inits(a, b, ca, cb, cs, s, want, NULL);
	for (int i = 0; i < 200; i++) {
		random_signed(a, 1 + randombytes_uniform(200));
		random_signed(b, 1 + randombytes_uniform(200));
		enc(pk, ca, a);
		enc(pk, cb, b);
		bs_paillier_add(pk, cs, ca, cb);
		dec(&rnd_sk, s, cs);
		mpz_add(want, a, b);
		ck_assert_msg(mpz_cmp(s, want) == 0, "iteration %d: Dec(Enc(a)Enc(b)) != a+b", i);
	}
	mpz_clears(a, b, ca, cb, cs, s, want, NULL);
}
END_TEST

START_TEST(test_prop_mul_plain)
{
	const bs_pubkey *pk = &rnd_sk.pub;
	mpz_t a, ca, cr, r, want;
	mpz_inits(a, ca, cr, r, want, NULL);
	for (int i = 0; i < 200; i++) {
		long k = (long)randombytes_uniform(1u << 20) - (1l << 19);
		random_signed(a, 1 + randombytes_uniform(100));
		enc(pk, ca, a);
		bs_paillier_mul_plain(pk, cr, ca, k);
		dec(&rnd_sk, r, cr);
		mpz_mul_si(want, a, k);
		ck_assert_msg(mpz_cmp(r, want) == 0, "iteration %d: Dec(Enc(a)^k) != k*a (k=%ld)", i,
			      k);
	}
	mpz_clears(a, ca, cr, r, want, NULL);
}
END_TEST

START_TEST(test_prop_add_plain)
{
	const bs_pubkey *pk = &rnd_sk.pub;
	mpz_t a, ca, cr, r, want;
	mpz_inits(a, ca, cr, r, want, NULL);
	for (int i = 0; i < 100; i++) {
		long k = (long)randombytes_random() - (long)(1u << 31);
		random_signed(a, 60);
		enc(pk, ca, a);
		bs_paillier_add_plain(pk, cr, ca, k);
		dec(&rnd_sk, r, cr);
		mpz_set_si(want, k);
		mpz_add(want, want, a);
		ck_assert_msg(mpz_cmp(r, want) == 0, "iteration %d", i);
	}
	mpz_clears(a, ca, cr, r, want, NULL);
}
END_TEST

START_TEST(test_prop_negative_and_boundary)
{
	const bs_pubkey *pk = &rnd_sk.pub;
	bs_error err;
	mpz_t v, c, r;
	mpz_inits(v, c, r, NULL);
	/* n/2 and -n/2 are the extremes; they round trip. */
	mpz_set(v, pk->half);
	enc(pk, c, v);
	dec(&rnd_sk, r, c);
	ck_assert(mpz_cmp(r, v) == 0);
	mpz_neg(v, pk->half);
	enc(pk, c, v);
	dec(&rnd_sk, r, c);
	ck_assert(mpz_cmp(r, v) == 0);
	/* n/2 + 1 does not fit: refused, not silently wrapped. */
	mpz_add_ui(v, pk->half, 1);
	ck_assert_int_eq(bs_paillier_encrypt(pk, c, v, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not fit"));
	/* Two large positives whose sum passes n/2 decode as negative: wrap is
	 * modular, which is why models declare a score bound. */
	mpz_set(v, pk->half);
	enc(pk, c, v);
	bs_paillier_add(pk, c, c, c);
	dec(&rnd_sk, r, c);
	ck_assert_int_eq(mpz_sgn(r), -1);
	/* -1 */
	mpz_set_si(v, -1);
	enc(pk, c, v);
	dec(&rnd_sk, r, c);
	ck_assert_int_eq(mpz_cmp_si(r, -1), 0);
	mpz_clears(v, c, r, NULL);
}
END_TEST

START_TEST(test_prop_rerandomize)
{
	const bs_pubkey *pk = &rnd_sk.pub;
	mpz_t v, c, c1, c2, r;
	mpz_inits(v, c, c1, c2, r, NULL);
	for (int i = 0; i < 50; i++) {
		random_signed(v, 64);
		enc(pk, c, v);
		bs_paillier_rerandomize(pk, c1, c, NULL);
		bs_paillier_rerandomize(pk, c2, c, NULL);
		ck_assert(mpz_cmp(c1, c) != 0);
		ck_assert(mpz_cmp(c1, c2) != 0);
		dec(&rnd_sk, r, c1);
		ck_assert(mpz_cmp(r, v) == 0);
		dec(&rnd_sk, r, c2);
		ck_assert(mpz_cmp(r, v) == 0);
	}
	/* Encrypting the same value twice gives different ciphertexts. */
	enc(pk, c1, v);
	enc(pk, c2, v);
	ck_assert(mpz_cmp(c1, c2) != 0);
	mpz_clears(v, c, c1, c2, r, NULL);
}
END_TEST

/* ------------------------------------------------------------ validation */

START_TEST(test_ciphertext_validation)
{
	const bs_pubkey *pk = &kat_sk.pub;
	bs_error err;
	mpz_t c, m;
	mpz_inits(c, m, NULL);
	mpz_set_ui(c, 0);
	ck_assert_int_eq(bs_ciphertext_validate(pk, c, &err), -1);
	ck_assert_int_eq(bs_paillier_decrypt(&kat_sk, m, c, &err), -1);
	mpz_set(c, pk->n2);
	ck_assert_int_eq(bs_ciphertext_validate(pk, c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "n^2"));
	mpz_add_ui(c, pk->n2, 5);
	ck_assert_int_eq(bs_paillier_decrypt(&kat_sk, m, c, &err), -1);
	/* A multiple of p would factor n: refused loudly. */
	mpz_mul_ui(c, kat_sk.p, 3);
	ck_assert_int_eq(bs_ciphertext_validate(pk, c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "shares a factor"));
	ck_assert_int_eq(bs_paillier_decrypt(&kat_sk, m, c, &err), -1);
	mpz_set(c, kat_sk.q);
	ck_assert_int_eq(bs_ciphertext_validate(pk, c, &err), -1);
	mpz_set_ui(c, 1); /* Enc(0) with r = 1 is a valid ciphertext */
	ck_assert_int_eq(bs_ciphertext_validate(pk, c, &err), 0);
	mpz_clears(c, m, NULL);
}
END_TEST

static void pub_from(bs_pubkey *pk, const mpz_t n, const mpz_t hs)
{
	bs_pubkey_init(pk);
	mpz_set(pk->n, n);
	mpz_set(pk->hs, hs);
	bs_pubkey_finish(pk);
}

START_TEST(test_pubkey_validation)
{
	bs_error err;
	bs_pubkey pk;
	mpz_t n, hs;
	mpz_inits(n, hs, NULL);

	pub_from(&pk, kat_sk.pub.n, kat_sk.pub.hs);
	ck_assert_msg(bs_pubkey_validate(&pk, 256, 1, &err) == 0, "%s", err.msg);
	/* below the minimum without the test-only flag */
	ck_assert_int_eq(bs_pubkey_validate(&pk, 256, 0, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "minimum"));
	/* declared size differs */
	ck_assert_int_eq(bs_pubkey_validate(&pk, 258, 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "declares"));
	bs_pubkey_clear(&pk);

	/* even modulus */
	mpz_add_ui(n, kat_sk.pub.n, 1);
	pub_from(&pk, n, kat_sk.pub.hs);
	ck_assert_int_eq(bs_pubkey_validate(&pk, 0, 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "even"));
	bs_pubkey_clear(&pk);

	/* small factor */
	mpz_mul_ui(n, kat_sk.p, 65521);
	mpz_mul_ui(n, n, 65519); /* keep n about the same size, odd */
	pub_from(&pk, n, kat_sk.pub.hs);
	ck_assert_int_eq(bs_pubkey_validate(&pk, 0, 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "small factor"));
	bs_pubkey_clear(&pk);

	/* perfect power: p^2 */
	mpz_mul(n, kat_sk.p, kat_sk.p);
	pub_from(&pk, n, kat_sk.pub.hs);
	ck_assert_int_eq(bs_pubkey_validate(&pk, 0, 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "perfect power"));
	bs_pubkey_clear(&pk);

	/* hs sharing a factor with n */
	mpz_mul_ui(hs, kat_sk.p, 7);
	pub_from(&pk, kat_sk.pub.n, hs);
	ck_assert_int_eq(bs_pubkey_validate(&pk, 0, 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "field 'hs'"));
	bs_pubkey_clear(&pk);

	/* hs = 1 and hs = n - 1 do not randomize: refused */
	mpz_set_ui(hs, 1);
	pub_from(&pk, kat_sk.pub.n, hs);
	ck_assert_int_eq(bs_pubkey_validate(&pk, 0, 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "would not randomize"));
	bs_pubkey_clear(&pk);
	mpz_sub_ui(hs, kat_sk.pub.n, 1);
	pub_from(&pk, kat_sk.pub.n, hs);
	ck_assert_int_eq(bs_pubkey_validate(&pk, 0, 1, &err), -1);
	bs_pubkey_clear(&pk);
	/* hs = 0 */
	mpz_set_ui(hs, 0);
	pub_from(&pk, kat_sk.pub.n, hs);
	ck_assert_int_eq(bs_pubkey_validate(&pk, 0, 1, &err), -1);
	bs_pubkey_clear(&pk);
	mpz_clears(n, hs, NULL);
}
END_TEST

static int finish_with(const char *p, const char *q, const char *n, const char *hs, bs_error *err)
{
	bs_seckey sk;
	int rc;
	bs_seckey_init(&sk);
	mpz_set_str(sk.p, p, 16);
	mpz_set_str(sk.q, q, 16);
	mpz_set_str(sk.pub.n, n, 16);
	mpz_set_str(sk.pub.hs, hs, 16);
	rc = bs_seckey_finish(&sk, err);
	bs_seckey_clear(&sk);
	return rc;
}

START_TEST(test_seckey_checks)
{
	bs_error err;
	mpz_t t;
	char *s;

	ck_assert_int_eq(finish_with(KAT_P, KAT_Q, KAT_N, KAT_HS, &err), 0);
	/* hs = 1 is a valid unit and an "encryption of zero" that randomizes nothing */
	ck_assert_int_eq(finish_with(KAT_P, KAT_Q, KAT_N, "1", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "would not randomize"));
	/* p given twice (IPCL defect: q checked against nothing) */
	mpz_init_set_str(t, KAT_P, 16);
	mpz_mul(t, t, t);
	s = mpz_get_str(NULL, 16, t);
	ck_assert_int_eq(finish_with(KAT_P, KAT_P, s, KAT_HS, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "q equals p"));
	free(s);
	/* q = 1 mod 4 refused (checked on q, not p twice) */
	{
		mpz_t q, n;
		mpz_init_set_str(q, "f", 16); /* start the search somewhere */
		mpz_set_str(q, KAT_Q, 16);
		do
			mpz_nextprime(q, q);
		while (mpz_fdiv_ui(q, 4) != 1);
		mpz_init_set_str(n, KAT_P, 16);
		mpz_mul(n, n, q);
		char *qs = mpz_get_str(NULL, 16, q), *ns = mpz_get_str(NULL, 16, n);
		ck_assert_int_eq(finish_with(KAT_P, qs, ns, KAT_HS, &err), -1);
		ck_assert_ptr_nonnull(strstr(err.msg, "'q': q is not 3 mod 4"));
		free(qs);
		free(ns);
		mpz_clears(q, n, NULL);
	}
	/* n != p*q */
	ck_assert_int_eq(finish_with(KAT_P, KAT_Q, "c9e2fe578437ef48a9295438073a963caa5981d38af9fa35056b1363b4e2a063",
				     KAT_HS, &err),
			 -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not p*q"));
	/* hs that is not an encryption of zero (valid unit, wrong residue class) */
	ck_assert_int_eq(finish_with(KAT_P, KAT_Q, KAT_N, "2", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "'hs'"));
	mpz_clear(t);
}
END_TEST

START_TEST(test_keygen_properties)
{
	const bs_seckey *sk = &rnd_sk;
	mpz_t g, a, b;
	mpz_inits(g, a, b, NULL);
	ck_assert_uint_eq(mpz_sizeinbase(sk->pub.n, 2), 512);
	ck_assert_uint_eq(sk->pub.bits, 512);
	ck_assert_uint_eq(mpz_fdiv_ui(sk->p, 4), 3);
	ck_assert_uint_eq(mpz_fdiv_ui(sk->q, 4), 3);
	ck_assert(mpz_cmp(sk->p, sk->q) != 0);
	mpz_sub_ui(a, sk->p, 1);
	mpz_sub_ui(b, sk->q, 1);
	mpz_gcd(g, a, b);
	ck_assert_int_eq(mpz_cmp_ui(g, 2), 0);
	ck_assert_uint_eq(mpz_sizeinbase(sk->p, 2), 256);
	ck_assert_uint_eq(mpz_sizeinbase(sk->q, 2), 256);
	mpz_clears(g, a, b, NULL);
}
END_TEST

START_TEST(test_keygen_refuses)
{
	bs_seckey sk;
	bs_error err;
	bs_seckey_init(&sk);
	ck_assert_int_eq(bs_paillier_keygen(&sk, 1024, 0, NULL, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "minimum"));
	ck_assert_int_eq(bs_paillier_keygen(&sk, 513, 1, NULL, NULL, &err), -1);
	ck_assert_int_eq(bs_paillier_keygen(&sk, 64, 1, NULL, NULL, &err), -1);
	bs_seckey_clear(&sk);
}
END_TEST

/* A deterministic randombytes implementation: if key generation drew any
 * randomness from elsewhere (rand(), time, GMP's default state) two runs on
 * the same stream would differ. */
static uint64_t det_state;
static unsigned long det_calls;
static const char *det_name(void) { return "deterministic-test"; }
static uint32_t det_random(void)
{
	det_calls++;
	det_state = det_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(det_state >> 32);
}
static void det_buf(void *const buf, const size_t size)
{
	unsigned char *p = buf;
	for (size_t i = 0; i < size; i++) {
		det_state = det_state * 6364136223846793005ull + 1442695040888963407ull;
		p[i] = (unsigned char)(det_state >> 56);
	}
	det_calls++;
}
static randombytes_implementation det_impl = {.implementation_name = det_name,
					      .random = det_random,
					      .buf = det_buf};

START_TEST(test_randomness_only_from_libsodium)
{
	bs_seckey a, b;
	bs_error err;
	randombytes_set_implementation(&det_impl);
	bs_seckey_init(&a);
	bs_seckey_init(&b);
	det_state = 42;
	det_calls = 0;
	ck_assert_int_eq(bs_paillier_keygen(&a, 256, 1, NULL, NULL, &err), 0);
	ck_assert_uint_gt(det_calls, 2);
	det_state = 42;
	ck_assert_int_eq(bs_paillier_keygen(&b, 256, 1, NULL, NULL, &err), 0);
	ck_assert(mpz_cmp(a.pub.n, b.pub.n) == 0);
	ck_assert(mpz_cmp(a.pub.hs, b.pub.hs) == 0);
	det_state = 43;
	bs_seckey_clear(&b);
	bs_seckey_init(&b);
	ck_assert_int_eq(bs_paillier_keygen(&b, 256, 1, NULL, NULL, &err), 0);
	ck_assert(mpz_cmp(a.pub.n, b.pub.n) != 0);
	bs_seckey_clear(&a);
	bs_seckey_clear(&b);
	randombytes_set_implementation(&randombytes_sysrandom_implementation);
}
END_TEST

START_TEST(test_wipe)
{
	mpz_t x;
	mp_limb_t *limbs;
	mpz_init_set_str(x, "123456789abcdef123456789abcdef", 16);
	limbs = x->_mp_d;
	/* Wipe zeroes the limbs before release; check through a copy of the
	 * pointer right after sodium_memzero by wiping without freeing. */
	sodium_memzero(limbs, (size_t)x->_mp_alloc * sizeof(mp_limb_t));
	ck_assert_uint_eq(limbs[0], 0);
	bs_mpz_wipe_clear(x);
	/* A cleared key has no value left in its struct. */
	bs_seckey sk;
	load_kat_key(&sk);
	bs_seckey_clear(&sk);
	ck_assert_ptr_null(sk.p->_mp_d);
	ck_assert_uint_eq(sk.pub.bits, 0);
}
END_TEST

/* ------------------------------------------------------------ DJN table */

START_TEST(test_djn_table)
{
	const bs_pubkey *pk = &rnd_sk.pub;
	bs_djn_table t;
	bs_error err;
	mpz_t a, want, got;
	mpz_inits(a, want, got, NULL);
	for (unsigned w = 1; w <= 8; w++) {
		ck_assert_int_eq(bs_djn_table_init(&t, pk, w, &err), 0);
		ck_assert_uint_gt(bs_djn_table_bytes(&t), 0);
		for (int i = 0; i < 20; i++) {
			if (i == 0)
				mpz_set_ui(a, 0);
			else if (i == 1) {
				mpz_set_ui(a, 0);
				mpz_setbit(a, pk->bits / 2);
				mpz_sub_ui(a, a, 1);
			} else
				bs_random_mpz_bits(a, pk->bits / 2);
			mpz_powm(want, pk->hs, a, pk->n2);
			bs_djn_pow(&t, got, a);
			ck_assert_msg(mpz_cmp(want, got) == 0, "window %u, case %d", w, i);
		}
		bs_djn_randomizer(&t, got);
		ck_assert_int_eq(bs_ciphertext_validate(pk, got, &err), 0);
		bs_djn_table_clear(&t);
	}
	ck_assert_int_eq(bs_djn_table_init(&t, pk, 0, &err), -1);
	ck_assert_int_eq(bs_djn_table_init(&t, pk, BS_DJN_MAX_WINDOW + 1, &err), -1);
	mpz_clears(a, want, got, NULL);
}
END_TEST

static Suite *paillier_suite(void)
{
	Suite *s = suite_create("paillier");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_kat_encrypt);
	tcase_add_test(tc, test_kat_decrypt);
	tcase_add_test(tc, test_kat_keyid_stable);
	tcase_add_test(tc, test_prop_add);
	tcase_add_test(tc, test_prop_mul_plain);
	tcase_add_test(tc, test_prop_add_plain);
	tcase_add_test(tc, test_prop_negative_and_boundary);
	tcase_add_test(tc, test_prop_rerandomize);
	tcase_add_test(tc, test_ciphertext_validation);
	tcase_add_test(tc, test_pubkey_validation);
	tcase_add_test(tc, test_seckey_checks);
	tcase_add_test(tc, test_keygen_properties);
	tcase_add_test(tc, test_keygen_refuses);
	tcase_add_test(tc, test_randomness_only_from_libsodium);
	tcase_add_test(tc, test_wipe);
	tcase_add_test(tc, test_djn_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(paillier_suite(), CK_FORK_GETENV);
}
