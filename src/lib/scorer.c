/*
 * scorer.c - homomorphic sum per message and the randomizer pool (scorer.h).
 *
 * Arithmetic is the mulmod engine's (mulmod.h), owned by the randomizer
 * table.  bs_scorer_new converts the model's ciphertexts into the engine's
 * form in place, once (bs_emodel_prepare), so a message is products of forms:
 * Enc(K), the pool's randomizers and the tables are forms too, and the one
 * conversion out is the last step.
 */
#include "config.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "djn.h"
#include "scorer.h"

#define KTAB_BYTES (512u << 10) /* Enc(K)^nm table of normalized models */

/* Randomizer tables depend only on the public key and the comb shape, so
 * scorers of the same key share one (a reload that changes the model but
 * not the key builds no table: about 0.65 s of CPU at 1024 bits and more at
 * 3072, and 24 MiB less during the swap).  Entries live while a scorer
 * holds them; the table is read-only once built. */
struct shared_tab {
	bs_djn_table t;
	mpz_t n, hs;            /* the key it was built for */
	unsigned window, steps; /* as asked (0, 0: the planned default) */
	unsigned refs;
	struct shared_tab *next;
};
static pthread_mutex_t tabs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct shared_tab *tabs;

static struct shared_tab *tab_get(const bs_pubkey *pk, unsigned window, unsigned steps,
                                  bs_error *err)
{
	struct shared_tab *e;
	int rc;

	pthread_mutex_lock(&tabs_mu);
	for (e = tabs; e; e = e->next)
		if (e->window == window && e->steps == steps && mpz_cmp(e->n, pk->n) == 0 &&
		    mpz_cmp(e->hs, pk->hs) == 0) {
			e->refs++;
			pthread_mutex_unlock(&tabs_mu);
			return e;
		}
	/* built under the lock: a second scorer of the same key waits for this
	 * table rather than building its own */
	e = bs_xcalloc(1, sizeof *e);
	if (window)
		rc = bs_djn_table_init_comb(&e->t, pk, window, steps ? steps : 1, 1, err);
	else
		rc = bs_djn_table_init_plan(&e->t, pk, BS_DJN_SCORER_BYTES, 0, 1, err);
	if (rc < 0) {
		pthread_mutex_unlock(&tabs_mu);
		free(e);
		return NULL;
	}
	e->t.pk = NULL; /* the key may go before the table: see n and hs */
	mpz_init_set(e->n, pk->n);
	mpz_init_set(e->hs, pk->hs);
	e->window = window;
	e->steps = steps;
	e->refs = 1;
	e->next = tabs;
	tabs = e;
	pthread_mutex_unlock(&tabs_mu);
	return e;
}

static void tab_put(struct shared_tab *e)
{
	if (!e)
		return;
	pthread_mutex_lock(&tabs_mu);
	if (--e->refs > 0) {
		pthread_mutex_unlock(&tabs_mu);
		return;
	}
	for (struct shared_tab **pp = &tabs; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	pthread_mutex_unlock(&tabs_mu);
	bs_djn_table_clear(&e->t);
	mpz_clear(e->n);
	mpz_clear(e->hs);
	free(e);
}

struct bs_scorer {
	const bs_emodel *em;
	struct shared_tab *shared;
	const bs_djn_table *tab; /* &shared->t: randomizers; owns the arithmetic mod n^2 */
	const bs_mm *E;          /* &tab->mm */
	mp_size_t n;      /* limbs per residue */
	mp_limb_t *kform; /* F(Enc(K)), from the model's last (prepared) entry */
	bs_fixbase ktab;  /* Enc(K)^e (normalized models only) */
	uint64_t nm_max;  /* exponents the K table covers: nm <= nm_max */
	/* pool: ring of ready randomizers (engine form) */
	size_t cap, head, len;
	mp_limb_t *ring;
	pthread_t thread;
	int running, stop;
	pthread_mutex_t mu;
	pthread_cond_t need; /* the filler waits on it while the pool is full */
	bs_scorer_stats stats;
	bs_scorer_tap tap;
	void *tap_arg;
};

static const mp_limb_t *model_ct(const bs_scorer *s, size_t j)
{
	return s->em->ct + j * s->em->stride;
}

/* ------------------------------------------------------------ the sum */

static void prefetch(const bs_scorer *s, const mp_limb_t *p)
{
	const char *c = (const char *)p, *end = c + (size_t)s->n * sizeof *p;
	for (; c < end; c += 64)
		__builtin_prefetch(c, 0, 0);
}

struct val {
	mp_limb_t *d;
	int set; /* 0: the empty product (1) */
};

/* acc *= x */
static void vmul(const bs_scorer *s, struct val *acc, const mp_limb_t *x, mp_limb_t *tp)
{
	if (!acc->set) {
		memcpy(acc->d, x, (size_t)s->n * sizeof *x);
		acc->set = 1;
	} else {
		bs_mm_mul(s->E, acc->d, acc->d, x, tp);
	}
}

/* Per-call memory: the chains of the per-count products, 3 residues and the
 * engine's scratch. */
struct work {
	mp_limb_t *mem;
	size_t limbs;
	struct val out, acc;
	bs_mm_chain prod[BS_FEATURES_MAX_CLIP + 1];
	unsigned top; /* prod[1..top] */
	mp_limb_t *tmp, *tp;
};

static void work_init(const bs_scorer *s, struct work *w, unsigned top)
{
	size_t n = (size_t)s->n, L = (size_t)s->E->L;
	w->limbs = 3 * n + top * (n + L) + (size_t)bs_mm_scratch(s->E);
	w->mem = bs_xmalloc(w->limbs * sizeof *w->mem);
	w->out = (struct val){w->mem, 0};
	w->acc = (struct val){w->mem + n, 0};
	w->tmp = w->mem + 2 * n;
	for (unsigned c = 1; c <= top; c++) {
		mp_limb_t *x = w->mem + 3 * n + (c - 1) * (n + L);
		bs_mm_chain_init(&w->prod[c], x, x + n);
	}
	w->top = top;
	w->tp = w->mem + 3 * n + top * (n + L);
}

static void work_free(struct work *w)
{
	sodium_memzero(w->mem, w->limbs * sizeof *w->mem);
	free(w->mem);
}

/* F(Enc(K)^nm) into r. */
static void k_pow(const bs_scorer *s, mp_limb_t *r, uint64_t nm, mp_limb_t *tp)
{
	if (nm <= s->nm_max) {
#if GMP_NUMB_BITS >= 64
		mp_limb_t e[1] = {(mp_limb_t)nm};
#else
		mp_limb_t e[2] = {(mp_limb_t)nm, (mp_limb_t)(nm >> GMP_NUMB_BITS)};
#endif
		bs_fixbase_pow(&s->ktab, r, e, sizeof e / sizeof e[0], tp);
		return;
	}
	/* beyond the table (a caller passing repeated buckets): left-to-right binary */
	memcpy(r, s->E->one, (size_t)s->n * sizeof *r);
	for (int b = 63; b >= 0; b--) {
		bs_mm_sqr(s->E, r, r, tp);
		if ((nm >> b) & 1)
			bs_mm_mul(s->E, r, r, s->kform, tp);
	}
}

/* w->out = F(Enc(score)) of the message. */
static void sum_into(const bs_scorer *s, const bs_feature *f, size_t nf, struct work *w)
{
	const bs_emodel *em = s->em;
	unsigned clip = em->fp.clip;

	/* P_c = product of the ciphertexts of the buckets seen c times; the next
	 * ciphertext (random in a model of hundreds of MiB) is fetched meanwhile */
	for (size_t i = 0; i < nf; i++) {
		unsigned c = f[i].count > clip ? clip : f[i].count;
		if (i + 1 < nf)
			prefetch(s, model_ct(s, f[i + 1].bucket));
		if (c)
			bs_mm_chain_mul_prepared(s->E, &w->prod[c], model_ct(s, f[i].bucket),
			                         w->tp);
	}
	/* prod_c P_c^c = prod_{k=1..top} (prod_{c>=k} P_c): running suffix products,
	 * onto Enc(K) (or onto 1 with normalization: Enc(K)^nm comes last) */
	if (!em->norm_root)
		vmul(s, &w->out, s->kform, w->tp);
	for (unsigned c = w->top; c >= 1; c--) {
		if (w->prod[c].set) {
			bs_mm_chain_end(s->E, &w->prod[c], w->tmp, w->tp);
			vmul(s, &w->acc, w->tmp, w->tp);
		}
		if (w->acc.set)
			vmul(s, &w->out, w->acc.d, w->tp);
	}
	if (em->norm_root) {
		/* Enc(2^G sum w x + K nm): small public exponents (model.h) */
		uint64_t sumsq = 0;
		for (size_t i = 0; i < nf; i++) {
			uint64_t c = f[i].count > clip ? clip : f[i].count;
			sumsq += c * c;
		}
		if (w->out.set)
			for (unsigned g = 0; g < em->norm_bits; g++)
				bs_mm_sqr(s->E, w->out.d, w->out.d, w->tp);
		k_pow(s, w->tmp, bs_model_norm_of(em->norm_root, em->norm_bits, sumsq), w->tp);
		vmul(s, &w->out, w->tmp, w->tp);
	}
}

static unsigned top_count(const bs_scorer *s, const bs_feature *f, size_t nf)
{
	unsigned top = 0, clip = s->em->fp.clip;
	for (size_t i = 0; i < nf && top < clip; i++)
		if (f[i].count > top)
			top = f[i].count > clip ? clip : f[i].count;
	return top;
}

void bs_scorer_sum(const bs_scorer *s, const bs_feature *f, size_t n, mpz_t out)
{
	struct work w;

	work_init(s, &w, top_count(s, f, n));
	sum_into(s, f, n, &w);
	bs_mm_export(s->E, out, w.out.d, w.tp);
	work_free(&w);
}

/* ------------------------------------------------------------ the pool */

static void *filler(void *arg)
{
	bs_scorer *s = arg;
	size_t n = (size_t)s->n;
	mp_limb_t *r = bs_xmalloc((n + (size_t)bs_mm_scratch(s->E)) * sizeof *r);

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->stop && s->len == s->cap)
			pthread_cond_wait(&s->need, &s->mu);
		if (s->stop)
			break;
		pthread_mutex_unlock(&s->mu);
		bs_djn_randomizer_form(s->tab, r, r + n);
		pthread_mutex_lock(&s->mu);
		if (s->len < s->cap) {
			memcpy(s->ring + ((s->head + s->len) % s->cap) * n, r, n * sizeof *r);
			s->len++;
			s->stats.refills++;
		}
	}
	pthread_mutex_unlock(&s->mu);
	sodium_memzero(r, (n + (size_t)bs_mm_scratch(s->E)) * sizeof *r);
	free(r);
	return NULL;
}

/* r = a randomizer (engine form): from the pool, else computed here. */
static void take_randomizer(bs_scorer *s, mp_limb_t *r, mp_limb_t *tp)
{
	size_t n = (size_t)s->n;
	int have = 0;

	pthread_mutex_lock(&s->mu);
	if (s->len) {
		mp_limb_t *slot = s->ring + s->head * n;
		memcpy(r, slot, n * sizeof *r);
		sodium_memzero(slot, n * sizeof *r);
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
		bs_djn_randomizer_form(s->tab, r, tp);
}

void bs_scorer_score(bs_scorer *s, const bs_feature *f, size_t n, mpz_t out)
{
	struct work w;

	work_init(s, &w, top_count(s, f, n));
	sum_into(s, f, n, &w);
	take_randomizer(s, w.acc.d, w.tp);
	if (s->tap) {
		mpz_t v;
		mpz_init(v);
		bs_mm_export(s->E, v, w.acc.d, w.tp);
		s->tap(s->tap_arg, v);
		bs_mpz_wipe_clear(v);
	}
	bs_mm_mul(s->E, w.out.d, w.out.d, w.acc.d, w.tp);
	bs_mm_export(s->E, out, w.out.d, w.tp);
	work_free(&w);
}

/* ------------------------------------------------------------ set-up */

static int tables_init(bs_scorer *s, bs_error *err)
{
	const bs_emodel *em = s->em;

	s->kform = bs_xmalloc(((size_t)s->n + (size_t)bs_mm_scratch(s->E)) * sizeof *s->kform);
	bs_mm_prepared_to_form(s->E, s->kform, model_ct(s, em->count - 1), s->kform + s->n);
	if (em->norm_root) {
		uint64_t sumsq_max = ((uint64_t)1 << em->fp.bits) * em->fp.clip * em->fp.clip;
		unsigned bits = 1, w, steps;
		s->nm_max = bs_model_norm_of(em->norm_root, em->norm_bits, sumsq_max);
		while (bits < 64 && (s->nm_max >> bits))
			bits++;
		bs_fixbase_plan(s->n, bits, KTAB_BYTES, 0, 1, &w, &steps);
		if (bs_fixbase_init(&s->ktab, s->E, s->kform, bits, w, steps, 1, err) < 0)
			return -1;
		if (bits < 64)
			s->nm_max = ((uint64_t)1 << bits) - 1;
	}
	return 0;
}

bs_scorer *bs_scorer_new_comb(bs_emodel *em, unsigned window, unsigned steps, size_t pool_size,
                              bs_error *err)
{
	bs_scorer *s = bs_xcalloc(1, sizeof *s);

	s->em = em;
	s->shared = tab_get(&em->pk, window, window ? (steps ? steps : 1) : 0, err);
	if (!s->shared) {
		free(s);
		return NULL;
	}
	s->tab = &s->shared->t;
	s->E = &s->tab->mm;
	s->n = s->E->size;
	if (bs_emodel_prepare(em, s->E, err) < 0) {
		tab_put(s->shared);
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->need, NULL);
	if (tables_init(s, err) < 0) {
		bs_scorer_free(s);
		return NULL;
	}
	s->cap = pool_size;
	if (pool_size) {
		s->ring = bs_xcalloc(pool_size * (size_t)s->n, sizeof *s->ring);
		if (pthread_create(&s->thread, NULL, filler, s) != 0) {
			bs_scorer_free(s);
			bs_error_set(err, BS_E_INTERNAL, "cannot start the randomizer pool thread");
			return NULL;
		}
		s->running = 1;
	}
	return s;
}

bs_scorer *bs_scorer_new(bs_emodel *em, unsigned window, size_t pool_size, bs_error *err)
{
	return bs_scorer_new_comb(em, window, 1, pool_size, err);
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
	if (s->ring) {
		sodium_memzero(s->ring, s->cap * (size_t)s->n * sizeof *s->ring);
		free(s->ring);
	}
	if (s->ktab.tab)
		bs_fixbase_clear(&s->ktab);
	free(s->kform);
	tab_put(s->shared);
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

size_t bs_scorer_table_bytes(const bs_scorer *s)
{
	return bs_djn_table_bytes(s->tab) + (s->ktab.tab ? bs_fixbase_bytes(&s->ktab) : 0);
}

size_t bs_scorer_pool_bytes(const bs_scorer *s)
{
	return s->cap * (size_t)s->n * sizeof(mp_limb_t);
}

const bs_djn_table *bs_scorer_djn(const bs_scorer *s)
{
	return s->tab;
}
