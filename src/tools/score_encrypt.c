/*
 * score_encrypt.c - blindscore-score --encrypt: score archived mail the way
 * the milter does (same walker, tokenizer, hashing and scorer) into spool
 * records (blindscore-spool(5)).  With -o the records are appended to a
 * spool file through the spool writer (chain continued, group-committed);
 * otherwise they go to standard output as a fresh chain starting at seq 1.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "emodel.h"
#include "keyfile.h"
#include "record.h"
#include "score.h"
#include "scorer.h"
#include "spool.h"

#define PROG  "blindscore-score"
#define BATCH 256

struct enc_state {
	const bs_emodel *em;
	bs_scorer *scorer;
	bs_spool_writer *spool; /* NULL: standard output */
	bs_spool_state chain;   /* for standard output */
	bs_record recs[BATCH];
	size_t nrecs;
	unsigned long written;
};

static int flush_batch(struct enc_state *st, FILE *out, bs_error *err)
{
	if (!st->nrecs)
		return 0;
	if (st->spool) {
		if (bs_spool_writer_append(st->spool, st->recs, st->nrecs, err) < 0)
			return -1;
	} else {
		for (size_t i = 0; i < st->nrecs; i++) {
			size_t len;
			char *line;
			st->recs[i].seq = ++st->chain.seq;
			memcpy(st->recs[i].prev, st->chain.hash, sizeof st->chain.hash);
			line = bs_record_format(&st->recs[i], st->em->pk.bits, &len);
			if (!line)
				return bs_error_set(err, BS_E_INTERNAL, "cannot format a record");
			bs_record_hash(line, len, st->chain.hash);
			fwrite(line, 1, len, out);
			free(line);
		}
		if (fflush(out) != 0)
			return bs_error_set(err, BS_E_IO, "cannot write standard output");
	}
	st->written += st->nrecs;
	st->nrecs = 0;
	return 0;
}

static int enc_score(void *arg, const char *label, const bs_feature *f, size_t n, FILE *out,
                     bs_error *err)
{
	struct enc_state *st = arg;
	bs_record *r = &st->recs[st->nrecs++];

	r->time = (int64_t)time(NULL);
	bs_record_set_text(r->queueid, label); /* offline: the message's path */
	r->msgid[0] = r->sender[0] = '\0';
	r->nrcpt = 0;
	memcpy(r->keyid, st->em->pk.keyid_hex, sizeof r->keyid);
	memcpy(r->modelid, st->em->model_id_hex, sizeof r->modelid);
	r->truncated = 0;
	bs_scorer_score(st->scorer, f, n, r->c);
	if (st->nrecs == BATCH)
		return flush_batch(st, out, err);
	return 0;
}

static int enc_finish(void *arg, FILE *out, bs_error *err)
{
	return flush_batch(arg, out, err);
}

int score_encrypt_main(const char *key, const char *emodel, const char *spool, unsigned flags,
                       enum bs_text_mode mode, int nfiles, char **files)
{
	struct enc_state *st = bs_xcalloc(1, sizeof *st);
	struct score_backend be = {.score = enc_score, .finish = enc_finish, .arg = st};
	bs_pubkey pk;
	bs_emodel *em = NULL;
	bs_corpus corpus;
	bs_error err;
	int rc = 0;

	if (bs_crypto_init() < 0) {
		fprintf(stderr, PROG ": cannot initialise libsodium\n");
		free(st);
		return EX_SOFTWARE;
	}
	bs_pubkey_init(&pk);
	bs_corpus_init(&corpus);
	for (size_t i = 0; i < BATCH; i++)
		bs_record_init(&st->recs[i]);
	if (bs_pubkey_load(&pk, key, flags ? BS_KEYFILE_ALLOW_INSECURE : 0, &err) < 0)
		goto fail;
	if (!(em = bs_emodel_load(emodel, &pk, &err)))
		goto fail;
	st->em = em;
	if (!(st->scorer = bs_scorer_new(em, 0, BS_SCORER_DEFAULT_POOL, &err)))
		goto fail;
	memset(st->chain.hash, '0', BS_HASH_HEXLEN);
	st->chain.hash[BS_HASH_HEXLEN] = '\0';
	if (spool && !(st->spool = bs_spool_writer_open(spool, NULL, em->pk.bits, NULL, &err)))
		goto fail;
	for (int i = 0; i < nfiles; i++)
		if (bs_corpus_add(&corpus, files[i], BS_LABEL_HAM, &err) < 0) /* label unused */
			goto fail;
	bs_corpus_sort(&corpus);
	if (score_messages(&corpus, &em->fp, mode, &be, stdout, &err) < 0)
		goto fail;
	if (spool)
		fprintf(stderr, PROG ": appended %lu records to '%s'\n", st->written, spool);
	goto out;
fail:
	fprintf(stderr, PROG ": %s\n", err.msg);
	rc = bs_error_exit_code(&err);
out:
	if (st->spool)
		bs_spool_writer_close(st->spool);
	bs_scorer_free(st->scorer);
	bs_emodel_free(em);
	for (size_t i = 0; i < BATCH; i++)
		bs_record_clear(&st->recs[i]);
	bs_corpus_free(&corpus);
	bs_pubkey_clear(&pk);
	free(st);
	return rc;
}
