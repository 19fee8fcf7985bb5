/*
 * bench_paillier.c - the arithmetic every later figure is a ratio of.
 *
 *   [1] mulmod: the engine (mont.h) against mpz_mul + mpz_mod at 2048, 3072
 *       and 4096 bits (modulus n^2), every REDC built in, mpn_mul_n alone
 *       (the floor: a REDC costs at least one more half-product).
 *   [3] DJN randomizer tables at 3072 bits: memory against cost for windows
 *       4..12, classic (steps 1) and comb within the scorer's budget, the
 *       defaults chosen; one full powm and one CRT decryption for scale.
 *
 * Usage: bench_paillier JSON KEYDIR.  Figures are medians over interleaved
 * rounds of per-thread CPU time (bench.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "djn.h"
#include "mont.h"
#include "mulmod.h"

#define ROUNDS 15
#define NV     9 /* variants of the mulmod table */

static FILE *json;
static gmp_randstate_t rs;

/* ------------------------------------------------------------ [1] mulmod */

struct mm {
	mpz_t n, m, a, b, r;
	bs_mm E;                     /* the engine (n-adic) */
	bs_mont mont[BS_MONT_IMPLS]; /* Montgomery with each REDC */
	mp_limb_t *x, *y, *z, *tp, *mx, *my, *mz, *py;
	bs_mm_chain chain;
};

/* One batch of variant v; returns microseconds per operation. */
static double batch(struct mm *s, int v, int iters)
{
	double t0 = bench_cpu();

	for (int i = 0; i < iters; i++) {
		switch (v) {
		case 0:
			mpz_mul(s->r, s->a, s->b);
			mpz_mod(s->r, s->r, s->m);
			break;
		case 1: /* the engine as the scorer runs it: a chain */
			bs_mm_mul(&s->E, s->z, s->z, s->y, s->tp);
			break;
		case 2:
			bs_mm_sqr(&s->E, s->z, s->z, s->tp);
			break;
		case 3:
			mpn_mul_n(s->tp, s->mx, s->my, s->mont[BS_MONT_PORTABLE].n);
			break;
		case 8: /* by a prepared operand, as the sum and the randomizers do */
			bs_mm_chain_mul_prepared(&s->E, &s->chain, s->py, s->tp);
			break;
		default: /* 4..7: Montgomery with BS_MONT_PORTABLE .. BS_MONT_GMP_REDC_N */
			bs_mont_mul(&s->mont[v - 3], s->mz, s->mz, s->my, s->tp);
		}
	}
	return (bench_cpu() - t0) * 1e6 / iters;
}

static void mulmod_table(void)
{
	static const unsigned sizes[] = {2048, 3072, 4096};
	static const char *const names[NV] = {"mpz",        "engine",     "sqr",
	                                      "mul_n only", "portable",   "gmp-redc-1",
	                                      "gmp-redc-2", "gmp-redc-n", "x prepared"};
	bs_error err;

	bench_title(
	    "[1] multiplication mod n^2: the product by a prepared operand (a model ciphertext or"
	    " table entry,\n    stored prepared at load) vs mpz_mul + mpz_mod (ratio, target <= "
	    "0.75)");
	printf("%-5s %9s %9s %7s %-5s |", "bits", "mpz_us", "prep_us", "ratio", "");
	printf(" %10s", "general");
	for (int v = 2; v < NV - 1; v++)
		printf(" %10s", names[v]);
	printf("\n%38s| %10s %10s %10s %21s %21s\n", "", "(engine)", "(engine)", "(n^2 size)",
	       "---- Montgomery, REDC", "------------------");
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		struct mm s;
		double t[NV][ROUNDS], ratio[NV][ROUNDS], med[NV], rat[NV];
		int have[NV], iters = (int)(2.5e6 / ((double)sizes[k] * sizeof(mp_limb_t)));

		mpz_inits(s.n, s.m, s.a, s.b, s.r, NULL);
		mpz_urandomb(s.n, rs, sizes[k]);
		mpz_setbit(s.n, sizes[k] - 1);
		mpz_setbit(s.n, 0);
		mpz_mul(s.m, s.n, s.n);
		mpz_urandomm(s.a, rs, s.m);
		mpz_urandomm(s.b, rs, s.m);
		bs_mm_init(&s.E, s.n, BS_MM_NADIC, &err);
		for (int i = 1; i < BS_MONT_IMPLS; i++)
			if (bs_mont_init(&s.mont[i], s.m, (enum bs_mont_impl)i, &err) < 0)
				s.mont[i].n = 0;
		mp_size_t n = s.E.size, mn = s.mont[BS_MONT_PORTABLE].n;
		s.x = bs_xcalloc((size_t)(9 * n + bs_mm_scratch(&s.E)), sizeof *s.x);
		s.py = s.x + 6 * n + bs_mm_scratch(&s.E);
		s.y = s.x + n;
		s.z = s.y + n;
		s.mx = s.z + n;
		s.my = s.mx + n;
		s.mz = s.my + n;
		s.tp = s.mz + n;
		bs_mm_import(&s.E, s.x, s.a, s.tp);
		bs_mm_import(&s.E, s.y, s.b, s.tp);
		memcpy(s.z, s.x, (size_t)n * sizeof *s.z);
		bs_mont_import(&s.mont[BS_MONT_PORTABLE], s.mx, s.a);
		bs_mont_import(&s.mont[BS_MONT_PORTABLE], s.my, s.b);
		memcpy(s.mz, s.mx, (size_t)mn * sizeof *s.mz);
		memcpy(s.py, s.y, (size_t)n * sizeof *s.py);
		bs_mm_prepare(&s.E, s.py, 1, (size_t)n, 1, 1, &err);
		bs_mm_chain_init(&s.chain, s.py + n, s.py + 2 * n);
		bs_mm_chain_mul(&s.E, &s.chain, s.x, s.tp);
		for (int v = 0; v < NV; v++)
			have[v] = v < 4 || v == 8 || s.mont[v - 3].n != 0;
		for (int r = 0; r < ROUNDS; r++)
			for (int v = 0; v < NV; v++)
				if (have[v]) {
					t[v][r] = batch(&s, v, iters);
					ratio[v][r] = t[v][r] / t[0][r];
				}
		for (int v = 0; v < NV; v++)
			if (have[v]) {
				med[v] = bench_median(t[v], ROUNDS);
				rat[v] = bench_median(ratio[v], ROUNDS);
			}
		printf("%-5u %9.2f %9.2f %7.3f %-5s |", sizes[k], med[0], med[8], rat[8],
		       bench_verdict(rat[8], 0.75, 1));
		printf(" %10.3f", rat[1]);
		for (int v = 2; v < NV - 1; v++)
			if (have[v])
				printf(" %10.3f", rat[v]);
			else
				printf(" %10s", "absent");
		printf("\n");
		if (json) {
			fprintf(json,
			        "{\"bench\":\"mulmod\",\"bits\":%u,\"mpz_us\":%.3f,\"prepared_us\":"
			        "%.3f,"
			        "\"prepared_over_mpz\":%.4f,\"target\":0.75,\"pass\":%s,\"engine_"
			        "us\":%.3f,"
			        "\"engine_over_mpz\":%.4f,\"engine\":\"%s\"",
			        sizes[k], med[0], med[8], rat[8], rat[8] <= 0.75 ? "true" : "false",
			        med[1], rat[1], bs_mm_name(&s.E));
			for (int v = 2; v < NV; v++)
				if (have[v]) {
					char key[32];
					snprintf(key, sizeof key, "%s", names[v]);
					for (char *c = key; *c; c++)
						*c = *c == ' ' || *c == '-' ? '_' : *c;
					fprintf(json, ",\"%s_over_mpz\":%.4f", key, rat[v]);
				}
			fprintf(json, "}\n");
		}
		for (int i = 1; i < BS_MONT_IMPLS; i++)
			if (s.mont[i].n)
				bs_mont_clear(&s.mont[i]);
		bs_mm_clear(&s.E);
		free(s.x);
		mpz_clears(s.n, s.m, s.a, s.b, s.r, NULL);
	}
	printf(
	    "ratios to mpz.  prep (the headline): the product by a prepared operand, as the"
	    " homomorphic sum\nmultiplies by the model's ciphertexts and the randomizer by table"
	    " entries (2 half-size products\n+ 2 divisions by n, mulmod.h); general: both operands"
	    " in base-n digits, unprepared (3 half-size\nproducts + 2 divisions), in a chain.  "
	    "Montgomery ="
	    " mpn_mul_n + REDC; 'mul_n only' is its product alone: the\nREDC costs about 1.5x"
	    " that again, which is why Montgomery stays near 0.85.\n");
}

/* ------------------------------------------------------------ [3] windows */

/* Median over rounds of (one randomizer) / (one engine mulmod), and the
 * randomizer's microseconds. */
static void measure_table(const bs_djn_table *t, double *us, double *ratio)
{
	const bs_mm *E = &t->mm;
	mp_size_t n = E->size;
	mp_limb_t *r = bs_xcalloc((size_t)(2 * n + bs_mm_scratch(E)), sizeof *r), *y = r + n,
	          *tp = y + n;
	double tr[7], rt[7];
	mpz_t a;

	mpz_init(a);
	bs_random_mpz_bits(a, 2 * t->exp_bits - 2);
	bs_mm_import(E, y, a, tp);
	for (int k = 0; k < 7; k++) {
		double t0 = bench_cpu(), t1, t2;
		for (int i = 0; i < 6; i++) {
			bs_random_mpz_bits(a, t->exp_bits);
			bs_djn_pow_form(t, r, a, tp);
		}
		t1 = bench_cpu();
		for (int i = 0; i < 150; i++)
			bs_mm_mul(E, r, r, y, tp);
		t2 = bench_cpu();
		tr[k] = (t1 - t0) * 1e6 / 6;
		rt[k] = tr[k] / ((t2 - t1) * 1e6 / 150);
	}
	*us = bench_median(tr, 7);
	*ratio = bench_median(rt, 7);
	mpz_clear(a);
	free(r);
}

static void window_row(const bs_seckey *sk, unsigned w, unsigned steps, const char *what,
                       double mpz_us)
{
	bs_djn_table t;
	bs_error err;
	double us, ratio, t0 = bench_wall();

	if (bs_djn_table_init_comb(&t, &sk->pub, w, steps, 2, &err) < 0) {
		printf("%-9s w=%-2u: %s\n", what, w, err.msg);
		return;
	}
	double build_s = bench_wall() - t0;
	measure_table(&t, &us, &ratio);
	printf("%-9s %3u %6u %10.1f %10.2f %10.0f %9.1f %10.1f %9.2f\n", what, w, t.steps,
	       (double)bs_djn_table_bytes(&t) / 1048576.0, build_s, us, ratio,
	       bs_fixbase_plan_pow(t.exp_bits, w, t.steps), us / mpz_us);
	if (json)
		fprintf(json,
		        "{\"bench\":\"djn-window\",\"bits\":%u,\"kind\":\"%s\",\"window\":%u,"
		        "\"steps\":%u,\"table_bytes\":%zu,\"build_s\":%.3f,\"randomizer_us\":%.1f,"
		        "\"randomizer_over_mulmod\":%.2f,\"randomizer_over_mpz_mulmod\":%.2f}\n",
		        sk->pub.bits, what, w, t.steps, bs_djn_table_bytes(&t), build_s, us, ratio,
		        us / mpz_us);
	bs_djn_table_clear(&t);
}

static double mpz_mulmod_us(const mpz_t m)
{
	mpz_t a, b, r;
	double v[7];
	mpz_inits(a, b, r, NULL);
	mpz_urandomm(a, rs, m);
	mpz_urandomm(b, rs, m);
	for (int k = 0; k < 7; k++) {
		double t0 = bench_cpu();
		for (int i = 0; i < 300; i++) {
			mpz_mul(r, a, b);
			mpz_mod(r, r, m);
		}
		v[k] = (bench_cpu() - t0) * 1e6 / 300;
	}
	mpz_clears(a, b, r, NULL);
	return bench_median(v, 7);
}

static void window_table(const bs_seckey *sk)
{
	unsigned bits = sk->pub.bits, exp_bits = bits / 2, sw, ss, bw, bst;
	mp_size_t n = (mp_size_t)mpz_size(sk->pub.n2);
	size_t entry = (size_t)n * sizeof(mp_limb_t);
	double mpz_us = mpz_mulmod_us(sk->pub.n2);
	char title[200];

	snprintf(title, sizeof title,
	         "[3] DJN randomizer tables at %u bits: memory against cost (comb: the fewest "
	         "products within %zu MiB)",
	         bits, BS_DJN_SCORER_BYTES >> 20);
	bench_title(title);
	printf("%-9s %3s %6s %10s %10s %10s %9s %10s %9s\n", "table", "w", "steps", "MiB",
	       "build_s", "rand_us", "/mulmod", "predicted", "/mpz_mm");
	for (unsigned w = 4; w <= 12; w++)
		window_row(sk, w, 1, "classic", mpz_us);
	for (unsigned w = 4; w <= 12; w++) {
		size_t per = ((size_t)1 << w) - 1, blocks = BS_DJN_SCORER_BYTES / (per * entry);
		unsigned cols = (exp_bits + w - 1) / w;
		if (blocks == 0 || blocks >= cols)
			continue; /* the classic table already fits */
		window_row(sk, w, (unsigned)((cols + blocks - 1) / blocks), "comb", mpz_us);
	}
	bs_fixbase_plan(n, exp_bits, BS_DJN_SCORER_BYTES, 0, 1, &sw, &ss);
	bs_fixbase_plan(n, exp_bits, BS_DJN_BULK_BYTES, (double)((1 << 18) + 1), 2, &bw, &bst);
	printf("defaults: scorer w=%u steps=%u (%.1f MiB, %.0f mulmods predicted; was w=6 steps=1,"
	       " %.0f);\n          bulk encryption of 2^18 buckets w=%u steps=%u (%.0f MiB, %.0f"
	       " mulmods)\n",
	       sw, ss, (double)bs_fixbase_plan_bytes(n, exp_bits, sw, ss) / 1048576.0,
	       bs_fixbase_plan_pow(exp_bits, sw, ss), bs_fixbase_plan_pow(exp_bits, 6, 1), bw, bst,
	       (double)bs_fixbase_plan_bytes(n, exp_bits, bw, bst) / 1048576.0,
	       bs_fixbase_plan_pow(exp_bits, bw, bst));
	window_row(sk, sw, ss, "scorer", mpz_us);
	printf("rand_us: one randomizer hs^a (a of %u bits); /mulmod: in engine mulmods, measured"
	       " alongside;\npredicted: 0.84 x products + 0.8 x squarings.  Table lookups are "
	       "indexed by"
	       " secret exponent bits\n(not constant-time: a cache-timing side channel for a local"
	       " attacker; see djn.h).\n",
	       exp_bits);
	if (json)
		fprintf(json,
		        "{\"bench\":\"djn-defaults\",\"bits\":%u,\"scorer_window\":%u,"
		        "\"scorer_steps\":%u,\"scorer_table_bytes\":%zu,\"bulk_window\":%u,"
		        "\"bulk_steps\":%u,\"bulk_table_bytes\":%zu,\"mpz_mulmod_us\":%.3f}\n",
		        bits, sw, ss, bs_fixbase_plan_bytes(n, exp_bits, sw, ss), bw, bst,
		        bs_fixbase_plan_bytes(n, exp_bits, bw, bst), mpz_us);
}

/* ------------------------------------------------------------ scale */

static void scale_table(const bs_seckey *sk)
{
	bs_djn_table t;
	bs_error err;
	mpz_t a, r, c, m;
	double pw[5], dc[5], rz[5], mm = mpz_mulmod_us(sk->pub.n2);

	mpz_inits(a, r, c, m, NULL);
	bs_djn_table_init_plan(&t, &sk->pub, BS_DJN_SCORER_BYTES, 0, 2, &err);
	bs_paillier_encrypt_si(&sk->pub, c, -12345, &err);
	for (int k = 0; k < 5; k++) {
		double t0 = bench_cpu(), t1, t2, t3;
		bs_paillier_random_exponent(&sk->pub, a);
		mpz_powm(r, sk->pub.hs, a, sk->pub.n2);
		t1 = bench_cpu();
		for (int i = 0; i < 3; i++)
			bs_paillier_decrypt(sk, m, c, &err);
		t2 = bench_cpu();
		for (int i = 0; i < 5; i++)
			bs_djn_randomizer(&t, r);
		t3 = bench_cpu();
		pw[k] = (t1 - t0) * 1e6;
		dc[k] = (t2 - t1) * 1e6 / 3;
		rz[k] = (t3 - t2) * 1e6 / 5;
	}
	double p = bench_median(pw, 5), d = bench_median(dc, 5), z = bench_median(rz, 5);
	printf("%u bits: mpz mulmod %.2f us; randomizer %.0f us (%.0f mpz mulmods); full powm hs^a"
	       " %.0f us (%.1f randomizers); CRT decryption %.0f us\n",
	       sk->pub.bits, mm, z, z / mm, p, p / z, d);
	if (json)
		fprintf(json,
		        "{\"bench\":\"paillier\",\"bits\":%u,\"mulmod_us\":%.3f,"
		        "\"djn_randomizer_us\":%.2f,\"powm_us\":%.2f,\"crt_decrypt_us\":%.2f,"
		        "\"djn_over_mulmod\":%.2f}\n",
		        sk->pub.bits, mm, z, p, d, z / mm);
	bs_djn_table_clear(&t);
	mpz_clears(a, r, c, m, NULL);
}

int main(int argc, char **argv)
{
	bs_seckey k2048, k3072;

	if (bs_crypto_init() < 0)
		return 1;
	if (argc > 1 && !(json = fopen(argv[1], "a"))) {
		perror(argv[1]);
		return 1;
	}
	gmp_randinit_default(rs);
	gmp_randseed_ui(rs, 7);
	mulmod_table();
	bench_key(argc > 2 ? argv[2] : NULL, 3072, &k3072);
	window_table(&k3072);
	bench_key(argc > 2 ? argv[2] : NULL, 2048, &k2048);
	bench_title("Paillier primitives (for scale)");
	scale_table(&k2048);
	scale_table(&k3072);
	bs_seckey_clear(&k2048);
	bs_seckey_clear(&k3072);
	if (json)
		fclose(json);
	return 0;
}
