/*
 * fixbase.c - fixed-base comb exponentiation (fixbase.h).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fixbase.h"

/* Costs in products of two forms (n-adic engine, measured at 2048-4096 bits):
 * a squaring, a product by a prepared entry, preparing one entry. */
#define SQR_COST  0.8
#define PMUL_COST 0.84
#define PREP_COST 1.6

static unsigned ceil_div(unsigned a, unsigned b)
{
	return (a + b - 1) / b;
}

/* cols, blocks and the balanced steps for (exp_bits, w, steps). */
static void geometry(unsigned exp_bits, unsigned w, unsigned steps, unsigned *cols,
                     unsigned *blocks, unsigned *steps_out)
{
	*cols = ceil_div(exp_bits ? exp_bits : 1, w);
	if (steps < 1)
		steps = 1;
	if (steps > *cols)
		steps = *cols;
	*blocks = ceil_div(*cols, steps);
	*steps_out = ceil_div(*cols, *blocks); /* same blocks, fewest squarings */
}

static mp_limb_t *entry(const bs_fixbase *t, unsigned j, unsigned idx)
{
	size_t per = ((size_t)1 << t->window) - 1;
	return t->tab + ((size_t)j * per + idx - 1) * (size_t)t->mm->size;
}

/* ------------------------------------------------------------ building */

struct level_job {
	bs_fixbase *t;
	unsigned level; /* entries idx in (2^level, 2^(level+1)) */
	size_t items, next;
	pthread_mutex_t mu;
};

static void *level_worker(void *arg)
{
	struct level_job *lj = arg;
	bs_fixbase *t = lj->t;
	unsigned half = 1u << lj->level;
	size_t per_block = half - 1;
	mp_limb_t *tp = bs_xmalloc((size_t)bs_mm_scratch(t->mm) * sizeof *tp);

	for (;;) {
		pthread_mutex_lock(&lj->mu);
		size_t i = lj->next++;
		pthread_mutex_unlock(&lj->mu);
		if (i >= lj->items)
			break;
		unsigned j = (unsigned)(i / per_block), idx = half + 1 + (unsigned)(i % per_block);
		bs_mm_mul(t->mm, entry(t, j, idx), entry(t, j, idx - half), entry(t, j, half), tp);
	}
	free(tp);
	return NULL;
}

static void fill_level(bs_fixbase *t, unsigned level, unsigned threads)
{
	struct level_job lj = {.t = t, .level = level, .next = 0};
	pthread_t tid[64];
	unsigned started = 0;

	lj.items = (size_t)t->blocks * ((1u << level) - 1);
	if (lj.items == 0)
		return;
	pthread_mutex_init(&lj.mu, NULL);
	if (threads > 64)
		threads = 64;
	/* with threads, the caller only waits (its CPU is the serial part) */
	for (unsigned i = 0; threads > 1 && i < threads && i < lj.items; i++)
		if (pthread_create(&tid[started], NULL, level_worker, &lj) == 0)
			started++;
	if (!started)
		level_worker(&lj);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&lj.mu);
}

int bs_fixbase_init(bs_fixbase *t, const bs_mm *M, const mp_limb_t *g, unsigned exp_bits,
                    unsigned window, unsigned steps, unsigned threads, bs_error *err)
{
	size_t n = (size_t)M->size, total;
	mp_limb_t *cur, *tp;
	unsigned long pos = 0;

	memset(t, 0, sizeof *t);
	if (window < 1 || window > BS_FIXBASE_MAX_WINDOW)
		return bs_error_set(err, BS_E_USAGE, "window %u is out of range 1..%u", window,
		                    BS_FIXBASE_MAX_WINDOW);
	if (steps < 1)
		return bs_error_set(err, BS_E_USAGE, "comb steps must be at least 1");
	t->mm = M;
	t->exp_bits = exp_bits;
	t->window = window;
	geometry(exp_bits, window, steps, &t->cols, &t->blocks, &t->steps);
	total = (size_t)t->blocks * (((size_t)1 << window) - 1);
	t->tab = malloc(total * n * sizeof(mp_limb_t));
	if (!t->tab)
		return bs_error_set(err, BS_E_NOMEM,
		                    "cannot allocate a %zu MiB exponentiation table",
		                    total * n * sizeof(mp_limb_t) >> 20);

	/* the single-bit entries g^(2^(t*cols + j*steps)), by repeated squaring */
	cur = bs_xmalloc((n + (size_t)bs_mm_scratch(M)) * sizeof *cur);
	tp = cur + n;
	memcpy(cur, g, n * sizeof *cur);
	for (unsigned r = 0; r < window; r++) {
		for (unsigned j = 0; j < t->blocks; j++) {
			unsigned long p = (unsigned long)r * t->cols + (unsigned long)j * t->steps;
			for (; pos < p; pos++)
				bs_mm_sqr(M, cur, cur, tp);
			memcpy(entry(t, j, 1u << r), cur, n * sizeof *cur);
		}
	}
	free(cur);
	/* the rest, level by level: idx = (idx - 2^l) + 2^l, both already made */
	for (unsigned l = 1; l < window; l++)
		fill_level(t, l, threads ? threads : 1);
	/* lookups multiply chains by entries: prepared operands (mulmod.h) */
	if (bs_mm_prepare(M, t->tab, total, n, 1, threads ? threads : 1, err) < 0) {
		bs_fixbase_clear(t);
		return -1;
	}
	return 0;
}

void bs_fixbase_clear(bs_fixbase *t)
{
	free(t->tab); /* public data: no wipe needed */
	memset(t, 0, sizeof *t);
}

size_t bs_fixbase_bytes(const bs_fixbase *t)
{
	return (size_t)t->blocks * (((size_t)1 << t->window) - 1) * (size_t)t->mm->size *
	       sizeof(mp_limb_t);
}

/* ------------------------------------------------------------ pow */

static inline unsigned bit_at(const mp_limb_t *e, mp_size_t en, unsigned long p)
{
	size_t i = p / GMP_NUMB_BITS;
	return i < (size_t)en ? (unsigned)(e[i] >> (p % GMP_NUMB_BITS)) & 1u : 0u;
}

void bs_fixbase_pow(const bs_fixbase *t, mp_limb_t *r, const mp_limb_t *e, mp_size_t en,
                    mp_limb_t *tp)
{
	const bs_mm *M = t->mm;
	bs_mm_chain c;

	bs_mm_chain_init(&c, r, tp + BS_MM_TP_USED(M));
	for (unsigned k = t->steps; k-- > 0;) {
		bs_mm_chain_sqr(M, &c, tp);
		for (unsigned j = 0; j < t->blocks; j++) {
			unsigned col = j * t->steps + k, idx = 0;
			if (col >= t->cols)
				continue;
			for (unsigned row = 0; row < t->window; row++)
				idx |= bit_at(e, en, (unsigned long)row * t->cols + col) << row;
			if (idx)
				bs_mm_chain_mul_prepared(M, &c, entry(t, j, idx), tp);
		}
	}
	bs_mm_chain_end(M, &c, r, tp);
}

/* ------------------------------------------------------------ planning */

size_t bs_fixbase_plan_bytes(mp_size_t n, unsigned exp_bits, unsigned window, unsigned steps)
{
	unsigned cols, blocks, st;
	geometry(exp_bits, window, steps, &cols, &blocks, &st);
	return (size_t)blocks * (((size_t)1 << window) - 1) * (size_t)n * sizeof(mp_limb_t);
}

double bs_fixbase_plan_pow(unsigned exp_bits, unsigned window, unsigned steps)
{
	unsigned cols, blocks, st;
	geometry(exp_bits, window, steps, &cols, &blocks, &st);
	return PMUL_COST * (double)cols * (1.0 - 1.0 / (double)(1u << window)) +
	       SQR_COST * (double)(st - 1);
}

double bs_fixbase_plan_build(unsigned exp_bits, unsigned window, unsigned steps)
{
	unsigned cols, blocks, st;
	geometry(exp_bits, window, steps, &cols, &blocks, &st);
	return SQR_COST * (double)((window - 1) * cols + (blocks - 1) * st) +
	       (double)blocks * (double)((1u << window) - 1 - window) +
	       PREP_COST * (double)blocks * (double)((1u << window) - 1);
}

void bs_fixbase_plan(mp_size_t n, unsigned exp_bits, size_t max_bytes, double uses,
                     unsigned threads, unsigned *window, unsigned *steps)
{
	double best = -1;

	*window = 1;
	*steps = ceil_div(exp_bits ? exp_bits : 1, 1);
	if (threads < 1)
		threads = 1;
	for (unsigned w = 1; w <= BS_FIXBASE_MAX_WINDOW; w++) {
		unsigned cols = ceil_div(exp_bits ? exp_bits : 1, w), last_blocks = 0;
		for (unsigned s = 1; s <= cols; s++) {
			unsigned c, blocks, st;
			geometry(exp_bits, w, s, &c, &blocks, &st);
			if (blocks == last_blocks)
				continue;
			last_blocks = blocks;
			size_t bytes = bs_fixbase_plan_bytes(n, exp_bits, w, st);
			if (bytes > max_bytes)
				continue;
			double cost = bs_fixbase_plan_pow(exp_bits, w, st);
			if (uses > 0)
				cost =
				    bs_fixbase_plan_build(exp_bits, w, st) / threads + uses * cost;
			cost += 1e-12 * (double)bytes; /* ties: the smaller table */
			if (best < 0 || cost < best) {
				best = cost;
				*window = w;
				*steps = st;
			}
		}
	}
}
