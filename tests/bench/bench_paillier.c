/*
 * bench_paillier.c - the Paillier primitives every later target is a ratio of.
 *
 * At 2048 and 3072 bits: one multiplication mod n^2 (mpz_mul + mpz_mod), one
 * DJN randomizer from the fixed-base window table, one full exponentiation
 * hs^a (for comparison), one CRT decryption, and key generation.  Prints a
 * table and writes JSON lines to the file named by argv[1] (optional).
 * Timings are medians of several repetitions of a batch (the machines are
 * shared and noisy; compare ratios, not absolute figures).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "djn.h"
#include "paillier.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

#define REPS 7

/* Median over REPS batches of `iters` calls, in microseconds per call. */
#define TIME_US(iters, body)                                                                      \
	({                                                                                         \
		double _t[REPS];                                                                   \
		for (int _r = 0; _r < REPS; _r++) {                                                \
			double _s = bs_now();                                                      \
			for (int _i = 0; _i < (iters); _i++) {                                     \
				body;                                                              \
			}                                                                          \
			_t[_r] = (bs_now() - _s) * 1e6 / (iters);                                  \
		}                                                                                  \
		qsort(_t, REPS, sizeof _t[0], cmp_double);                                         \
		_t[REPS / 2];                                                                      \
	})

int main(int argc, char **argv)
{
	static const unsigned sizes[] = {2048, 3072};
	FILE *json = NULL;

	if (bs_crypto_init() < 0)
		return 1;
	if (argc > 1 && !(json = fopen(argv[1], "a"))) {
		perror(argv[1]);
		return 1;
	}
	printf("%-6s %14s %14s %14s %14s %14s %12s %10s\n", "bits", "mulmod_us", "djn_us",
	       "powm_us", "decrypt_us", "keygen_s", "table_MiB", "djn/mulmod");
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		unsigned bits = sizes[s];
		bs_seckey sk;
		bs_djn_table tab;
		bs_error err;
		mpz_t a, b, r, c, m;
		double t0, keygen_s, mul_us, djn_us, powm_us, dec_us;

		bs_seckey_init(&sk);
		mpz_inits(a, b, r, c, m, NULL);
		t0 = bs_now();
		if (bs_paillier_keygen(&sk, bits, 0, NULL, NULL, &err) < 0) {
			fprintf(stderr, "keygen: %s\n", err.msg);
			return 1;
		}
		keygen_s = bs_now() - t0;
		bs_random_mpz_bits(a, 2 * bits - 1);
		bs_random_mpz_bits(b, 2 * bits - 1);
		mul_us = TIME_US(2000, {
			mpz_mul(r, a, b);
			mpz_mod(r, r, sk.pub.n2);
		});
		if (bs_djn_table_init(&tab, &sk.pub, BS_DJN_DEFAULT_WINDOW, &err) < 0)
			return 1;
		djn_us = TIME_US(20, bs_djn_randomizer(&tab, r));
		powm_us = TIME_US(3, {
			bs_paillier_random_exponent(&sk.pub, a);
			mpz_powm(r, sk.pub.hs, a, sk.pub.n2);
		});
		bs_paillier_encrypt_si(&sk.pub, c, -12345, &err);
		dec_us = TIME_US(10, bs_paillier_decrypt(&sk, m, c, &err));
		printf("%-6u %14.2f %14.1f %14.1f %14.1f %14.2f %12.1f %10.1f\n", bits, mul_us,
		       djn_us, powm_us, dec_us, keygen_s,
		       (double)bs_djn_table_bytes(&tab) / 1048576.0, djn_us / mul_us);
		if (json)
			fprintf(json,
				"{\"bench\":\"paillier\",\"bits\":%u,\"mulmod_us\":%.3f,"
				"\"djn_randomizer_us\":%.2f,\"djn_window\":%u,\"powm_us\":%.2f,"
				"\"crt_decrypt_us\":%.2f,\"keygen_s\":%.3f,\"djn_over_mulmod\":%.2f}\n",
				bits, mul_us, djn_us, BS_DJN_DEFAULT_WINDOW, powm_us, dec_us,
				keygen_s, djn_us / mul_us);
		bs_djn_table_clear(&tab);
		mpz_clears(a, b, r, c, m, NULL);
		bs_seckey_clear(&sk);
	}
	if (json)
		fclose(json);
	return 0;
}
