/*
 * active.c - loading, pinning and swapping the active configuration.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "active.h"
#include "keyfile.h"
#include "tokenize.h"

static pthread_mutex_t active_lock = PTHREAD_MUTEX_INITIALIZER;
static active *current;
static unsigned long generations;

/* Does the file start like a secret key file?  Only its first bytes are
 * read, so the secret itself never enters this process. */
static int is_secret_key_file(const char *path)
{
	static const char magic[] = "blindscore-secret-key ";
	char head[sizeof magic - 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return 0; /* the key loader reports it */
	ssize_t n = read(fd, head, sizeof head);
	close(fd);
	return n == (ssize_t)sizeof head && memcmp(head, magic, sizeof head) == 0;
}

/* DESIGN.md section 1: refuse a model whose declared bounds exceed the
 * configured limits (its scores could carry more about each message). */
static int check_bounds(const conf *cf, const bs_emodel *em, bs_error *err)
{
	const char *what = NULL, *opt = NULL;
	long long have = 0, max = 0;
	if (em->weight_bound > cf->max_weight_bound) {
		what = "weight bound W", opt = "MaximumWeightBound";
		have = em->weight_bound, max = cf->max_weight_bound;
	} else if (em->score_bound > cf->max_score_bound) {
		what = "score bound S", opt = "MaximumScoreBound";
		have = em->score_bound, max = cf->max_score_bound;
	} else if (em->fp.clip > cf->max_clip) {
		what = "count clip C", opt = "MaximumClip";
		have = em->fp.clip, max = cf->max_clip;
	}
	if (what == NULL)
		return 0;
	return bs_error_set(err, BS_E_CONFIG,
	                    "%s: the model declares %s = %lld, above %s = %lld in %s: refused "
	                    "(raise the limit only if the auditor approved this model)",
	                    cf->model_file, what, have, opt, max, cf->path);
}

static int load_model(active *a, unsigned flags, bs_error *err)
{
	const conf *cf = a->cf;
	unsigned kflags = (flags & ACTIVE_INSECURE) ? BS_KEYFILE_ALLOW_INSECURE : 0;
	if (bs_pubkey_load(&a->pk, cf->pubkey_file, kflags, err) < 0)
		return -1;
	a->em = bs_emodel_load(cf->model_file, &a->pk, err);
	if (a->em == NULL)
		return -1;
	if (a->em->tokenizer_version != BS_TOKENIZER_VERSION)
		bs_error_set(err, BS_E_DATA,
		             "%s: model made for tokenizer version %u, this milter has %u",
		             cf->model_file, a->em->tokenizer_version, BS_TOKENIZER_VERSION);
	if (a->em->tokenizer_version != BS_TOKENIZER_VERSION || check_bounds(cf, a->em, err) < 0) {
		bs_emodel_free(a->em);
		a->em = NULL;
		return -1;
	}
	if (flags & ACTIVE_SCORER) {
		a->sc = bs_scorer_new(a->em, 0, BS_SCORER_DEFAULT_POOL, err);
		if (a->sc == NULL) {
			bs_error_prefix(err, "%s", cf->model_file);
			bs_emodel_free(a->em);
			a->em = NULL;
			return -1;
		}
	}
	return 0;
}

int active_build(const char *path, unsigned flags, active **out, bs_error *err)
{
	conf *cf;
	*out = NULL;
	if (conf_load(path, &cf, err) < 0)
		return -1;
	if (is_secret_key_file(cf->pubkey_file)) {
		bs_error_set(err, BS_E_CONFIG,
		             "%s: PublicKeyFile %s is a SECRET key file: refused.  Give the "
		             "milter the public key (.pub) and keep the secret key off the mail "
		             "server",
		             path, cf->pubkey_file);
		conf_free(cf);
		return -1;
	}
	active *a = bs_xcalloc(1, sizeof *a);
	a->cf = cf;
	bs_pubkey_init(&a->pk);
	if (load_model(a, flags, err) < 0) {
		if (!(flags & ACTIVE_ALLOW_NOMODEL)) {
			active_free(a);
			return -1;
		}
		snprintf(a->problem, sizeof a->problem, "%s", err->msg);
	}
	*out = a;
	return 0;
}

void active_free(active *a)
{
	if (a == NULL)
		return;
	bs_scorer_free(a->sc); /* before the model it reads */
	bs_emodel_free(a->em);
	bs_pubkey_clear(&a->pk);
	conf_free(a->cf);
	free(a);
}

void active_install(active *a)
{
	pthread_mutex_lock(&active_lock);
	active *old = current;
	a->refs = 1;
	a->generation = ++generations;
	current = a;
	int last = old && --old->refs == 0;
	pthread_mutex_unlock(&active_lock);
	if (last)
		active_free(old);
}

active *active_acquire(void)
{
	pthread_mutex_lock(&active_lock);
	active *a = current;
	if (a)
		a->refs++;
	pthread_mutex_unlock(&active_lock);
	return a;
}

void active_release(active *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&active_lock);
	int last = --a->refs == 0;
	pthread_mutex_unlock(&active_lock);
	if (last)
		active_free(a);
}

void active_shutdown(void)
{
	pthread_mutex_lock(&active_lock);
	active *a = current;
	current = NULL;
	int last = a && --a->refs == 0;
	pthread_mutex_unlock(&active_lock);
	if (last)
		active_free(a);
}
