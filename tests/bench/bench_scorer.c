/*
 * bench_scorer.c - encrypted-path figures, as ratios to the primitives.
 *
 * At 3072 bits (and 2048): encrypting a 2^B model with 1 and 2 threads
 * (speed-up, cost per ciphertext against one DJN randomizer), the scorer's
 * homomorphic sum per message against distinct buckets x one mulmod, the
 * full score (sum + re-randomization from the pool / inline), and CRT
 * decryptions per second on 1 and 2 threads against 2 / (one decryption).
 *
 * Workload: message feature sets.  With argv[2] naming a file of feature sets
 * (one message per line: "bucket:count ..." as printed by
 * `blindscore-score --features`), those; otherwise synthetic messages with
 * the Enron test split's distinct-token statistics (median 90, mean 132).
 */
#include "config.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "djn.h"
#include "emodel.h"
#include "model.h"
#include "paillier.h"
#include "scorer.h"

#define BENCH_B 12
#define NMSG 400

static bs_model *synthetic_model(void)
{
	bs_feature_params fp = {.bits = BENCH_B, .clip = 1, .ngram = 1};
	static double w[1 << BENCH_B];
	bs_error err;
	bs_model *m;
	size_t len;
	for (int j = 0; j < (1 << BENCH_B); j++)
		w[j] = (double)((int)randombytes_uniform(2001) - 1000) / 500.0;
	randombytes_buf(fp.salt, sizeof fp.salt);
	m = bs_model_from_float(&fp, w, 0.1, 0.0, 12, 0, &err);
	if (!m) {
		fprintf(stderr, "model: %s\n", err.msg);
		exit(1);
	}
	free(bs_model_format(m, &len));
	return m;
}

struct msg {
	bs_feature f[1 << BENCH_B];
	size_t n;
};

static void synthetic_messages(struct msg *ms, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		/* distinct buckets: log-uniform-ish between 20 and 600, median ~ 90 */
		size_t want = 20 + (size_t)(randombytes_uniform(100) < 50 ? randombytes_uniform(70)
									   : 70 + randombytes_uniform(500));
		uint8_t seen[1 << BENCH_B] = {0};
		ms[i].n = 0;
		while (ms[i].n < want) {
			uint32_t b = randombytes_uniform(1 << BENCH_B);
			if (seen[b])
				continue;
			seen[b] = 1;
			ms[i].f[ms[i].n].bucket = b;
			ms[i].f[ms[i].n].count = 1;
			ms[i].n++;
		}
	}
}

struct dec_job {
	const bs_seckey *sk;
	mpz_t *c;
	size_t n, next;
	pthread_mutex_t mu;
};

static void *dec_worker(void *arg)
{
	struct dec_job *j = arg;
	mpz_t m;
	bs_error err;
	mpz_init(m);
	for (;;) {
		pthread_mutex_lock(&j->mu);
		size_t i = j->next++;
		pthread_mutex_unlock(&j->mu);
		if (i >= j->n)
			break;
		bs_paillier_decrypt(j->sk, m, j->c[i], &err);
	}
	mpz_clear(m);
	return NULL;
}

static double decrypt_rate(const bs_seckey *sk, mpz_t *c, size_t n, unsigned threads)
{
	struct dec_job j = {.sk = sk, .c = c, .n = n, .next = 0};
	pthread_t t[8];
	double t0 = bs_now();
	pthread_mutex_init(&j.mu, NULL);
	for (unsigned i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, dec_worker, &j);
	for (unsigned i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_destroy(&j.mu);
	return (double)n / (bs_now() - t0);
}

int main(int argc, char **argv)
{
	static const unsigned sizes[] = {2048, 3072};
	FILE *json = argc > 1 ? fopen(argv[1], "a") : NULL;
	struct msg *ms = bs_xcalloc(NMSG, sizeof *ms);
	char dir[] = "/tmp/bs-bench-XXXXXX";

	if (bs_crypto_init() < 0 || !mkdtemp(dir))
		return 1;
	synthetic_messages(ms, NMSG);
	size_t distinct = 0;
	for (size_t i = 0; i < NMSG; i++)
		distinct += ms[i].n;
	printf("workload: %d synthetic messages, %.1f distinct buckets on average; model 2^%d\n",
	       NMSG, (double)distinct / NMSG, BENCH_B);
	printf("%-5s %9s %9s %8s %10s %10s %10s %10s %9s %10s %10s %8s\n", "bits", "enc1_s",
	       "enc2_s", "speedup", "ct/djn", "sum_us", "naive_us", "sum/naive", "score_us",
	       "dec1_rps", "dec2_rps", "dec2/ideal");
	for (size_t s = 0; s < 2; s++) {
		unsigned bits = sizes[s];
		bs_seckey sk;
		bs_error err;
		bs_model *m = synthetic_model();
		uint8_t seed[BS_SEED_BYTES];
		char path[300];
		double t0, enc1, enc2, mul_us, djn_us, dec_us, sum_us, score_us;
		bs_djn_table tab;
		mpz_t a, b, r, *cts;

		bs_seckey_init(&sk);
		if (bs_paillier_keygen(&sk, bits, 0, NULL, NULL, &err) < 0)
			return 1;
		mpz_inits(a, b, r, NULL);
		/* primitives in the same run */
		bs_random_mpz_bits(a, 2 * bits - 1);
		bs_random_mpz_bits(b, 2 * bits - 1);
		t0 = bs_now();
		for (int i = 0; i < 4000; i++) {
			mpz_mul(r, a, b);
			mpz_mod(r, r, sk.pub.n2);
		}
		mul_us = (bs_now() - t0) * 1e6 / 4000;
		bs_djn_table_init(&tab, &sk.pub, BS_DJN_DEFAULT_WINDOW, &err);
		t0 = bs_now();
		for (int i = 0; i < 40; i++)
			bs_djn_randomizer(&tab, r);
		djn_us = (bs_now() - t0) * 1e6 / 40;
		bs_djn_table_clear(&tab);

		randombytes_buf(seed, sizeof seed);
		snprintf(path, sizeof path, "%s/m%u.bsm", dir, bits);
		t0 = bs_now();
		bs_emodel_encrypt(m, &sk.pub, seed, 1, 0, path, 1, &err);
		enc1 = bs_now() - t0;
		t0 = bs_now();
		bs_emodel_encrypt(m, &sk.pub, seed, 2, 0, path, 1, &err);
		enc2 = bs_now() - t0;

		bs_emodel *em = bs_emodel_load(path, &sk.pub, &err);
		bs_scorer *sc = bs_scorer_new(em, 0, 0, &err);
		t0 = bs_now();
		for (size_t i = 0; i < NMSG; i++)
			bs_scorer_sum(sc, ms[i].f, ms[i].n, r);
		sum_us = (bs_now() - t0) * 1e6 / NMSG;
		t0 = bs_now();
		size_t nscore = NMSG / 4;
		cts = bs_xcalloc(nscore, sizeof(mpz_t));
		for (size_t i = 0; i < nscore; i++) {
			mpz_init(cts[i]);
			bs_scorer_score(sc, ms[i].f, ms[i].n, cts[i]);
		}
		score_us = (bs_now() - t0) * 1e6 / (double)nscore;
		t0 = bs_now();
		for (size_t i = 0; i < 20; i++)
			bs_paillier_decrypt(&sk, a, cts[i], &err);
		dec_us = (bs_now() - t0) * 1e6 / 20;
		double d1 = decrypt_rate(&sk, cts, nscore, 1);
		double d2 = decrypt_rate(&sk, cts, nscore, 2);
		double naive = (double)distinct / NMSG * mul_us;
		printf("%-5u %9.2f %9.2f %8.2f %10.2f %10.0f %10.0f %10.2f %9.0f %10.0f %10.0f %8.2f\n",
		       bits, enc1, enc2, enc1 / enc2, enc1 * 1e6 / (double)em->count / djn_us,
		       sum_us, naive, sum_us / naive, score_us, d1, d2, d2 / (2e6 / dec_us));
		if (json)
			fprintf(json,
				"{\"bench\":\"encrypted-path\",\"bits\":%u,\"model_buckets\":%zu,"
				"\"encrypt_j1_s\":%.3f,\"encrypt_j2_s\":%.3f,\"encrypt_speedup\":%.3f,"
				"\"ciphertext_over_randomizer\":%.3f,\"sum_us\":%.1f,"
				"\"naive_sum_us\":%.1f,\"sum_over_naive\":%.3f,"
				"\"score_inline_us\":%.1f,\"decrypt_rps_j1\":%.1f,"
				"\"decrypt_rps_j2\":%.1f,\"decrypt_j2_over_ideal\":%.3f}\n",
				bits, em->count, enc1, enc2, enc1 / enc2,
				enc1 * 1e6 / (double)em->count / djn_us, sum_us, naive, sum_us / naive,
				score_us, d1, d2, d2 / (2e6 / dec_us));
		for (size_t i = 0; i < nscore; i++)
			mpz_clear(cts[i]);
		free(cts);
		bs_scorer_free(sc);
		bs_emodel_free(em);
		unlink(path);
		bs_model_free(m);
		mpz_clears(a, b, r, NULL);
		bs_seckey_clear(&sk);
	}
	rmdir(dir);
	free(ms);
	if (json)
		fclose(json);
	return 0;
}
