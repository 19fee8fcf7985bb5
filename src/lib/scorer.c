/*
 * scorer.c - homomorphic sum per message and the randomizer pool (scorer.h).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "djn.h"
#include "scorer.h"

struct bs_scorer {
	const bs_emodel *em;
	bs_djn_table tab;
	/* pool: ring of ready randomizers */
	size_t cap, head, len;
	mpz_t *ring;
	pthread_t thread;
	int running, stop;
	pthread_mutex_t mu;
	pthread_cond_t need; /* the filler waits on it while the pool is full */
	bs_scorer_stats stats;
	bs_scorer_tap tap;
	void *tap_arg;
};

static void *filler(void *arg)
{
	bs_scorer *s = arg;
	mpz_t r;

	mpz_init(r);
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->stop && s->len == s->cap)
			pthread_cond_wait(&s->need, &s->mu);
		if (s->stop)
			break;
		pthread_mutex_unlock(&s->mu);
		bs_djn_randomizer(&s->tab, r);
		pthread_mutex_lock(&s->mu);
		if (s->len < s->cap) {
			mpz_swap(s->ring[(s->head + s->len) % s->cap], r);
			s->len++;
			s->stats.refills++;
		}
	}
	pthread_mutex_unlock(&s->mu);
	bs_mpz_wipe_clear(r);
	return NULL;
}

bs_scorer *bs_scorer_new(const bs_emodel *em, unsigned window, size_t pool_size, bs_error *err)
{
	bs_scorer *s = bs_xcalloc(1, sizeof *s);

	s->em = em;
	if (bs_djn_table_init(&s->tab, &em->pk, window ? window : BS_DJN_DEFAULT_WINDOW, err) < 0) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->need, NULL);
	s->cap = pool_size;
	if (pool_size) {
		s->ring = bs_xcalloc(pool_size, sizeof(mpz_t));
		for (size_t i = 0; i < pool_size; i++)
			mpz_init2(s->ring[i], 2 * em->pk.bits + 64);
		if (pthread_create(&s->thread, NULL, filler, s) != 0) {
			bs_scorer_free(s);
			bs_error_set(err, BS_E_INTERNAL, "cannot start the randomizer pool thread");
			return NULL;
		}
		s->running = 1;
	}
	return s;
}

void bs_scorer_free(bs_scorer *s)
{
	if (!s)
		return;
	if (s->running) {
		pthread_mutex_lock(&s->mu);
		s->stop = 1;
		pthread_cond_signal(&s->need);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	}
	for (size_t i = 0; i < s->cap && s->ring; i++)
		bs_mpz_wipe_clear(s->ring[i]);
	free(s->ring);
	bs_djn_table_clear(&s->tab);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->need);
	free(s);
}

void bs_scorer_set_tap(bs_scorer *s, bs_scorer_tap tap, void *arg)
{
	s->tap = tap;
	s->tap_arg = arg;
}

void bs_scorer_get_stats(bs_scorer *s, bs_scorer_stats *st)
{
	pthread_mutex_lock(&s->mu);
	*st = s->stats;
	pthread_mutex_unlock(&s->mu);
}

void bs_scorer_sum(const bs_scorer *s, const bs_feature *f, size_t n, mpz_t out)
{
	const bs_emodel *em = s->em;
	const mpz_t *n2 = &em->pk.n2;
	unsigned clip = em->fp.clip;
	mpz_t prod[BS_FEATURES_MAX_CLIP + 1], view, acc;
	int used[BS_FEATURES_MAX_CLIP + 1] = {0};
	unsigned top = 0;

	/* P_c = product of the ciphertexts of the buckets seen c times */
	for (size_t i = 0; i < n; i++) {
		unsigned c = f[i].count;
		if (c == 0)
			continue;
		if (c > clip)
			c = clip;
		bs_emodel_ct(em, f[i].bucket, view);
		if (!used[c]) {
			mpz_init_set(prod[c], view);
			used[c] = 1;
			if (c > top)
				top = c;
		} else {
			mpz_mul(prod[c], prod[c], view);
			mpz_mod(prod[c], prod[c], *n2);
		}
	}
	/* prod_c P_c^c = prod_{k=1..top} (prod_{c>=k} P_c): running suffix products,
	 * onto Enc(K) (or onto 1 with normalization: Enc(K)^nm comes last) */
	bs_emodel_ct(em, em->count - 1, view); /* Enc(K) */
	if (em->norm_root)
		mpz_set_ui(out, 1);
	else
		mpz_set(out, view);
	if (top) {
		mpz_init(acc);
		int have = 0;
		for (unsigned c = top; c >= 1; c--) {
			if (used[c]) {
				if (!have) {
					mpz_set(acc, prod[c]);
					have = 1;
				} else {
					mpz_mul(acc, acc, prod[c]);
					mpz_mod(acc, acc, *n2);
				}
			}
			mpz_mul(out, out, acc);
			mpz_mod(out, out, *n2);
		}
		mpz_clear(acc);
	}
	if (em->norm_root) {
		/* Enc(2^G sum w x + K nm): small public exponents (model.h) */
		uint64_t sumsq = 0;
		mpz_t kt;
		for (size_t i = 0; i < n; i++) {
			uint64_t c = f[i].count > clip ? clip : f[i].count;
			sumsq += c * c;
		}
		if (em->norm_bits)
			mpz_powm_ui(out, out, 1UL << em->norm_bits, *n2);
		mpz_init(kt);
		mpz_powm_ui(kt, view,
		            (unsigned long)bs_model_norm_of(em->norm_root, em->norm_bits, sumsq),
		            *n2);
		mpz_mul(out, out, kt);
		mpz_mod(out, out, *n2);
		mpz_clear(kt);
	}
	for (unsigned c = 1; c <= top; c++)
		if (used[c])
			mpz_clear(prod[c]);
}

void bs_scorer_score(bs_scorer *s, const bs_feature *f, size_t n, mpz_t out)
{
	mpz_t r;
	int have = 0;

	bs_scorer_sum(s, f, n, out);
	mpz_init2(r, 2 * s->em->pk.bits + 64);
	pthread_mutex_lock(&s->mu);
	if (s->len) {
		/* take the entry and leave a zero in the ring (wiped on swap) */
		mpz_swap(r, s->ring[s->head]);
		mpz_set_ui(s->ring[s->head], 0);
		s->head = (s->head + 1) % s->cap;
		s->len--;
		s->stats.pool_hits++;
		have = 1;
		pthread_cond_signal(&s->need);
	} else {
		s->stats.pool_misses++;
	}
	s->stats.scored++;
	pthread_mutex_unlock(&s->mu);
	if (!have)
		bs_djn_randomizer(&s->tab, r);
	if (s->tap)
		s->tap(s->tap_arg, r);
	mpz_mul(out, out, r);
	mpz_mod(out, out, s->em->pk.n2);
	bs_mpz_wipe_clear(r);
}
