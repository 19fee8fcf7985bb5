/*
 * scorer.h - the encrypted scorer (DESIGN.md section 7).
 *
 * Per message: the (bucket, clipped count) features -> one multiplication mod
 * n^2 per distinct bucket into per-count products P_1..P_C, combined as
 * prod_c P_c^c with 2(C-1) more multiplications, times Enc(K) (the folded
 * constant; Enc(K)^nm from a small table for length-normalized models, after
 * G squarings), then re-randomized exactly once with a DJN randomizer hs^a
 * taken from a pool.  The cost is bounded by the distinct buckets, not the
 * message's length.  All of it runs on the mulmod engine (mulmod.h) with one
 * conversion out per message: creating a scorer converts the model's
 * ciphertexts into the engine's form in place (bs_emodel_prepare; after it
 * bs_emodel_ct no longer applies to that model).
 *
 * The pool is filled by a background thread; each entry is used once and
 * wiped; when it is empty the caller computes a fresh randomizer itself (the
 * message never waits for the thread and never reuses a randomizer).
 *
 * A scorer is shared by threads: bs_scorer_score is thread-safe.  The
 * encrypted model must outlive the scorer; one model may serve several
 * scorers (same engine).  Scorers of the same public key (and comb shape)
 * share one randomizer table, built by the first and freed with the last,
 * so a milter reload that keeps the key builds none.
 */
#ifndef BS_SCORER_H
#define BS_SCORER_H

#include <gmp.h>
#include <stddef.h>

#include "emodel.h"
#include "features.h"

struct bs_djn_table;

#define BS_SCORER_DEFAULT_POOL 64

typedef struct bs_scorer bs_scorer;

typedef struct bs_scorer_stats {
	unsigned long scored;      /* messages */
	unsigned long pool_hits;   /* randomizers taken from the pool */
	unsigned long pool_misses; /* computed inline because the pool was empty */
	unsigned long refills;     /* randomizers made by the background thread */
} bs_scorer_stats;

/* pool_size 0 = no pool and no thread (every randomizer computed inline);
 * window 0 = the default randomizer table (the fastest comb within
 * BS_DJN_SCORER_BYTES, djn.h), else the classic table of that window. */
bs_scorer *bs_scorer_new(bs_emodel *em, unsigned window, size_t pool_size, bs_error *err);
/* The same with an explicit comb (window, steps) (benchmarks). */
bs_scorer *bs_scorer_new_comb(bs_emodel *em, unsigned window, unsigned steps, size_t pool_size,
                              bs_error *err);
void bs_scorer_free(bs_scorer *s);
/* Memory: the randomizer table plus the scorer's small tables; the pool. */
size_t bs_scorer_table_bytes(const bs_scorer *s);
size_t bs_scorer_pool_bytes(const bs_scorer *s);
/* The randomizer table (and its arithmetic, ->mont). */
const struct bs_djn_table *bs_scorer_djn(const bs_scorer *s);

/* out = re-randomized Enc(score) of the message with features f[0..n). */
void bs_scorer_score(bs_scorer *s, const bs_feature *f, size_t n, mpz_t out);
/* The same without re-randomization (tests, benchmarks). */
void bs_scorer_sum(const bs_scorer *s, const bs_feature *f, size_t n, mpz_t out);

void bs_scorer_get_stats(bs_scorer *s, bs_scorer_stats *st);

/* Test hook: called with every randomizer right before it is applied. */
typedef void (*bs_scorer_tap)(void *arg, const mpz_t randomizer);
void bs_scorer_set_tap(bs_scorer *s, bs_scorer_tap tap, void *arg);

#endif
