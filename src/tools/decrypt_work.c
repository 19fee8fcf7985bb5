/*
 * decrypt_work.c - blindscore-decrypt: per-record checks and parallel CRT
 * decryption (decrypt.h).
 *
 * The main thread checks what needs no secret (key id, model id, ciphertext
 * width); workers validate each ciphertext against n, decrypt, and check the
 * value against the model's bound.  Workers only write their own rows; the
 * main thread reports in input order afterwards.
 */
#include "config.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "decrypt.h"

static const struct dc_model *find_model(const struct dc_ctx *c, const char *id)
{
	for (size_t i = 0; i < c->nmodels; i++)
		if (strcmp(c->models[i].id, id) == 0)
			return &c->models[i];
	return NULL;
}

int dc_precheck(struct dc_ctx *c, struct dc_row *row)
{
	const bs_pubkey *pk = &c->sk.pub;
	size_t width = 2 * (size_t)pk->bits / 8;

	if (strcmp(row->rec.keyid, pk->keyid_hex) != 0)
		snprintf(row->why, sizeof row->why,
		         "field 'keyid': the record is for key %s, but this key is %s; not "
		         "decrypted",
		         row->rec.keyid, pk->keyid_hex);
	else if (!(row->model = find_model(c, row->rec.modelid)))
		snprintf(row->why, sizeof row->why,
		         "field 'modelid': unknown model %s (give its plaintext model with -m); "
		         "not decrypted",
		         row->rec.modelid);
	else if (row->rec.clen != width)
		snprintf(row->why, sizeof row->why,
		         "field 'ciphertext': %zu bytes, but a %u-bit key's ciphertexts are %zu "
		         "bytes",
		         row->rec.clen, pk->bits, width);
	else
		return 0;
	row->bad = 1;
	row->checked = 1;
	return -1;
}

/* Decrypt one row; on a problem fill row->why and set row->bad. */
static void decrypt_row(const struct dc_ctx *c, struct dc_row *row)
{
	const bs_pubkey *pk = &c->sk.pub;
	bs_error err;
	mpz_t m, g;
	long v;

	mpz_init(m);
	mpz_init(g);
	/* bs_paillier_decrypt validates the ciphertext first (0 < c < n^2, gcd(c, n) = 1):
	 * one gcd per record; the diagnosis below runs only for refused records */
	if (bs_paillier_decrypt(&c->sk, m, row->rec.c, &err) < 0) {
		mpz_gcd(g, row->rec.c, pk->n);
		if (mpz_sgn(row->rec.c) > 0 && mpz_cmp(row->rec.c, pk->n2) < 0 &&
		    mpz_cmp_ui(g, 1) != 0)
			snprintf(row->why, sizeof row->why,
			         "field 'ciphertext': REFUSED: it shares a factor with n, which no "
			         "genuine ciphertext does; decrypting it would reveal the secret "
			         "key. This record was forged by someone trying to factor the key");
		else
			snprintf(row->why, sizeof row->why, "field 'ciphertext': %s", err.msg);
		row->bad = 1;
	} else if (!mpz_fits_slong_p(m) || (v = mpz_get_si(m)) > row->model->bound ||
	           v < -row->model->bound) {
		snprintf(row->why, sizeof row->why,
		         "field 'ciphertext': the decrypted score is outside [-%lld, %lld], the "
		         "bound of model %.16s...: the record was tampered with (or encrypted "
		         "for another model)",
		         (long long)row->model->bound, (long long)row->model->bound,
		         row->model->id);
		row->bad = 1;
	} else {
		row->score = v;
		row->flagged = v >= 0;
	}
	bs_mpz_wipe_clear(m);
	mpz_clear(g);
	row->checked = 1;
}

struct job {
	const struct dc_ctx *c;
	struct dc_row *rows;
	size_t n;
	size_t next; /* atomic */
};

static void *worker(void *arg)
{
	struct job *j = arg;

	for (;;) {
		size_t i = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);
		if (i >= j->n)
			break;
		if (!j->rows[i].checked && !j->rows[i].bad)
			decrypt_row(j->c, &j->rows[i]);
	}
	return NULL;
}

void dc_decrypt_rows(struct dc_ctx *c, struct dc_row *rows, size_t n)
{
	struct job j = {c, rows, n, 0};
	pthread_t tid[256];
	int nt = c->jobs, started = 0;

	if (nt > 256)
		nt = 256;
	if ((size_t)nt > n)
		nt = (int)n;
	for (int i = 1; i < nt; i++) {
		if (pthread_create(&tid[started], NULL, worker, &j) != 0)
			break; /* fewer threads; the main thread still does the work */
		started++;
	}
	worker(&j);
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
}
