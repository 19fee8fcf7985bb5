/*
 * emodel_build.c - encrypting a plaintext model and the auditor's
 * re-derivation, both parallel over buckets (see emodel.h).
 */
#include "config.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "djn.h"
#include "emodel.h"
#include "emodel_int.h"

#define CHUNK 64

/* The plaintext of entry j: the bucket weight, or K for the last entry. */
static long entry_plain(const bs_model *m, size_t j, size_t buckets)
{
	return j == buckets ? (long)m->constant : (long)m->dense[j];
}

struct job {
	const bs_model *m;
	const bs_pubkey *pk;
	const bs_djn_table *tab;
	const uint8_t *seed;
	size_t count, width;
	uint8_t *out;           /* build: count * width bytes */
	const bs_emodel *check; /* verify: compare instead of writing */
	atomic_size_t next, done;
	atomic_size_t mismatch; /* verify: first bad index + 1, 0 = none */
};

/* c_j = (1 + w_j n) * hs^(a_j) mod n^2, in the engine's form. */
static void derive(struct job *jb, size_t j, mpz_t a, mpz_t t, mp_limb_t *c, mp_limb_t *r,
                   mp_limb_t *tp)
{
	const bs_mm *E = &jb->tab->mm;
	size_t buckets = jb->count - 1;

	bs_emodel_kdf(jb->seed, jb->m->id, j, jb->tab->exp_bits, a);
	bs_djn_pow_form(jb->tab, r, a, tp);
	mpz_set_si(t, entry_plain(jb->m, j, buckets));
	mpz_mod(t, t, jb->pk->n);
	mpz_mul(t, t, jb->pk->n);
	mpz_add_ui(t, t, 1);
	bs_mm_import(E, c, t, tp); /* 1 + w n < n^2 */
	bs_mm_mul(E, c, r, c, tp);
}

/* Fixed-width big-endian bytes of an n-limb residue. */
static void put_be(uint8_t *p, size_t width, const mp_limb_t *c, mp_size_t n)
{
	for (size_t i = 0; i < width; i++) {
		size_t limb = i / sizeof(mp_limb_t);
		p[width - 1 - i] =
		    limb < (size_t)n ? (uint8_t)(c[limb] >> (8 * (i % sizeof(mp_limb_t)))) : 0;
	}
}

static void *worker(void *arg)
{
	struct job *jb = arg;
	mpz_t a, t;
	const bs_mm *E = &jb->tab->mm;
	mp_size_t n = E->size;
	size_t limbs = (size_t)(3 * n + bs_mm_scratch(E));
	mp_limb_t *c = bs_xmalloc(limbs * sizeof *c), *r = c + n, *s = r + n, *tp = s + n;

	mpz_inits(a, t, NULL);
	for (;;) {
		size_t start = atomic_fetch_add(&jb->next, CHUNK);
		if (start >= jb->count)
			break;
		size_t stop = start + CHUNK < jb->count ? start + CHUNK : jb->count;
		for (size_t j = start; j < stop; j++) {
			if (jb->check) {
				size_t mm = atomic_load(&jb->mismatch);
				if (mm && j + 1 > mm)
					break; /* a lower mismatch is already known */
			}
			derive(jb, j, a, t, c, r, tp);
			bs_mm_to_plain(E, c, c, tp); /* compare or write plain */
			if (jb->check) {
				const mp_limb_t *have = jb->check->ct + j * jb->check->stride;
				if (jb->check->form) { /* prepared for a scorer */
					bs_mm_prepared_to_form(E, s, have, tp);
					bs_mm_to_plain(E, s, s, tp);
					have = s;
				}
				if (mpn_cmp(c, have, n) != 0) {
					size_t cur = atomic_load(&jb->mismatch);
					while ((cur == 0 || cur > j + 1) &&
					       !atomic_compare_exchange_weak(&jb->mismatch, &cur,
					                                     j + 1))
						;
				}
			} else {
				put_be(jb->out + j * jb->width, jb->width, c, n);
			}
		}
		atomic_fetch_add(&jb->done, stop - start);
	}
	bs_mpz_wipe_clear(a);
	mpz_clear(t);
	sodium_memzero(c, limbs * sizeof *c);
	free(c);
	return NULL;
}

static unsigned resolve_threads(unsigned threads)
{
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	return threads > 256 ? 256 : threads;
}

static int run(struct job *jb, unsigned threads, int progress, const char *label, bs_error *err)
{
	pthread_t *tid;
	unsigned started = 0;

	threads = resolve_threads(threads);
	tid = bs_xcalloc(threads, sizeof *tid);
	for (unsigned i = 0; i < threads; i++) {
		if (pthread_create(&tid[i], NULL, worker, jb) != 0)
			break;
		started++;
	}
	if (!started) {
		free(tid);
		return bs_error_set(err, BS_E_INTERNAL, "cannot start worker threads");
	}
	if (progress) {
		while (atomic_load(&jb->done) < jb->count &&
		       !(jb->check && atomic_load(&jb->mismatch))) {
			bs_progress(label, atomic_load(&jb->done), jb->count);
			usleep(100000);
		}
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	if (progress) {
		bs_progress(label, atomic_load(&jb->done), jb->count);
		bs_progress_end();
	}
	free(tid);
	return 0;
}

static int bound_fits(const bs_model *m, const bs_pubkey *pk, bs_error *err)
{
	int64_t s;
	mpz_t lim;
	int ok;

	if (bs_model_bound(m, &s) < 0 || s != m->score_bound)
		return bs_error_set(err, BS_E_DATA,
		                    "the model's declared score bound does not match its weights");
	/* |score| <= S < n/4 leaves a wide gap between positive and negative
	 * values, so tampering that pushes a value out of range is visible. */
	mpz_init(lim);
	mpz_fdiv_q_2exp(lim, pk->n, 2);
	ok = mpz_cmp_si(lim, s) > 0;
	mpz_clear(lim);
	if (!ok)
		return bs_error_set(err, BS_E_DATA,
		                    "the model's score bound %lld does not fit safely in the "
		                    "plaintext space of a %u-bit key",
		                    (long long)s, pk->bits);
	return 0;
}

int bs_emodel_encrypt(const bs_model *m, const bs_pubkey *pk, const uint8_t *seed, unsigned threads,
                      int progress, const char *path, int overwrite, bs_error *err)
{
	bs_emodel em;
	bs_djn_table tab;
	struct job jb;
	char *hdr;
	size_t hdrlen, total;
	uint8_t *buf;
	int rc;

	if (bound_fits(m, pk, err) < 0)
		return -1;
	memset(&em, 0, sizeof em);
	memcpy(em.pk.n, pk->n, sizeof(mpz_t)); /* shallow: read-only use */
	memcpy(em.pk.hs, pk->hs, sizeof(mpz_t));
	em.pk.bits = pk->bits;
	memcpy(em.pk.keyid_hex, pk->keyid_hex, sizeof em.pk.keyid_hex);
	em.tokenizer_version = m->tokenizer_version;
	em.fp = m->fp;
	em.scale_bits = m->scale_bits;
	em.norm_root = m->norm_root;
	em.norm_bits = m->norm_bits;
	em.weight_bound = m->weight_bound;
	em.score_bound = m->score_bound;
	memcpy(em.model_id, m->id, BS_MODEL_ID_BYTES);
	bs_hex_encode(em.model_id_hex, m->id, BS_MODEL_ID_BYTES);
	bs_emodel_seed_hash(seed, em.seed_hash);
	em.created = (int64_t)time(NULL);
	em.count = ((size_t)1 << m->fp.bits) + 1;
	em.width = bs_emodel_width(pk);
	hdr = bs_emodel_header(&em, &hdrlen);

	total = hdrlen + em.count * em.width + 32;
	buf = malloc(total);
	if (!buf) {
		free(hdr);
		return bs_error_set(err, BS_E_NOMEM, "cannot allocate %zu bytes for '%s'", total,
		                    path);
	}
	memcpy(buf, hdr, hdrlen);
	free(hdr);
	if (bs_djn_table_init_plan(&tab, pk, BS_DJN_BULK_BYTES, (double)em.count,
	                           resolve_threads(threads), err) < 0) {
		free(buf);
		return -1;
	}
	memset(&jb, 0, sizeof jb);
	jb.m = m;
	jb.pk = pk;
	jb.tab = &tab;
	jb.seed = seed;
	jb.count = em.count;
	jb.width = em.width;
	jb.out = buf + hdrlen;
	rc = run(&jb, threads, progress, "encrypting", err);
	bs_djn_table_clear(&tab);
	if (rc == 0) {
		crypto_hash_sha256(buf + total - 32, buf, total - 32);
		rc = bs_write_file(path, buf, total, 0644, overwrite, err);
	}
	free(buf);
	return rc;
}

#define MISMATCH(field)                                                                            \
	bs_error_set(err, BS_E_CRYPTO,                                                             \
	             "field '%s' of the encrypted model does not match the plaintext model",       \
	             field)

int bs_emodel_verify(const bs_emodel *em, const bs_model *m, const uint8_t *seed, unsigned threads,
                     int progress, bs_error *err)
{
	uint8_t sh[32];
	bs_djn_table tab;
	struct job jb;
	size_t bad;

	if (memcmp(em->model_id, m->id, BS_MODEL_ID_BYTES) != 0)
		return MISMATCH("model");
	if (em->tokenizer_version != m->tokenizer_version)
		return MISMATCH("tokenizer");
	if (em->fp.bits != m->fp.bits)
		return MISMATCH("buckets-log2");
	if (memcmp(em->fp.salt, m->fp.salt, BS_SALT_BYTES) != 0)
		return MISMATCH("salt");
	if (em->fp.clip != m->fp.clip)
		return MISMATCH("clip");
	if (em->fp.ngram != m->fp.ngram)
		return MISMATCH("ngram");
	if (em->fp.chargram != m->fp.chargram)
		return MISMATCH("chargram");
	if (em->fp.subject != m->fp.subject)
		return MISMATCH("subject-tag");
	if (em->scale_bits != m->scale_bits)
		return MISMATCH("scale");
	if (em->norm_root != m->norm_root)
		return MISMATCH("norm-root");
	if (em->norm_bits != m->norm_bits)
		return MISMATCH("norm-bits");
	if (em->weight_bound != m->weight_bound)
		return MISMATCH("weight-bound");
	if (em->score_bound != m->score_bound)
		return MISMATCH("score-bound");
	bs_emodel_seed_hash(seed, sh);
	if (sodium_memcmp(sh, em->seed_hash, 32) != 0)
		return bs_error_set(err, BS_E_CRYPTO,
		                    "the seed does not match the encrypted model's seed-hash");
	if (bs_djn_table_init_plan(&tab, &em->pk, BS_DJN_BULK_BYTES, (double)em->count,
	                           resolve_threads(threads), err) < 0)
		return -1;
	if (em->form && em->form != (int)tab.mm.impl) {
		bs_djn_table_clear(&tab);
		return bs_error_set(err, BS_E_USAGE,
		                    "encrypted model prepared for another mulmod engine");
	}
	memset(&jb, 0, sizeof jb);
	jb.m = m;
	jb.pk = &em->pk;
	jb.tab = &tab;
	jb.seed = seed;
	jb.count = em->count;
	jb.width = em->width;
	jb.check = em;
	if (run(&jb, threads, progress, "verifying", err) < 0) {
		bs_djn_table_clear(&tab);
		return -1;
	}
	bs_djn_table_clear(&tab);
	bad = atomic_load(&jb.mismatch);
	if (bad) {
		size_t j = bad - 1;
		if (j == em->count - 1)
			return bs_error_set(err, BS_E_CRYPTO,
			                    "ciphertext %zu (the constant) does not match its "
			                    "re-derivation",
			                    j);
		return bs_error_set(err, BS_E_CRYPTO,
		                    "ciphertext %zu (bucket %zu) does not match its re-derivation",
		                    j, j);
	}
	return 0;
}
