/*
 * linear.c - liblinear wrapper, stratified k-fold cross-validation on
 * threads (see linear.h).
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <linear.h>

#include "linear.h"
#include "metrics.h"

struct lr_data {
	const bs_dataset *d;
	unsigned bits;
	struct feature_node *space; /* each message's nodes, bias node, terminator */
	struct feature_node **x;
	double *y;
	double *norm; /* N^(1/R) of each message (1 without normalization) */
};

static void quiet(const char *s)
{
	(void)s;
}

lr_data *lr_data_new(const bs_dataset *d, unsigned bits, unsigned norm_root)
{
	lr_data *l = bs_xcalloc(1, sizeof *l);
	size_t k = 0;
	int bias_index = (1 << bits) + 1;

	set_print_string_function(quiet);
	l->d = d;
	l->bits = bits;
	l->space = bs_xmalloc((d->nfeat + 2 * d->n + 1) * sizeof *l->space);
	l->x = bs_xmalloc((d->n ? d->n : 1) * sizeof *l->x);
	l->y = bs_xmalloc((d->n ? d->n : 1) * sizeof *l->y);
	l->norm = bs_xmalloc((d->n ? d->n : 1) * sizeof *l->norm);
	for (size_t i = 0; i < d->n; i++) {
		double sumsq = 0, scale = 1;
		l->x[i] = &l->space[k];
		for (size_t j = d->start[i]; j < d->start[i + 1]; j++)
			sumsq += (double)d->feat[j].count * d->feat[j].count;
		if (sumsq > 0 && norm_root == 2)
			scale = 1 / sqrt(sumsq);
		else if (sumsq > 0 && norm_root == 4)
			scale = 1 / sqrt(sqrt(sumsq));
		for (size_t j = d->start[i]; j < d->start[i + 1]; j++) {
			l->space[k].index = (int)d->feat[j].bucket + 1;
			l->space[k++].value = d->feat[j].count * scale;
		}
		l->norm[i] = 1 / scale;
		l->space[k].index = bias_index;
		l->space[k++].value = 1.0;
		l->space[k++].index = -1;
		l->y[i] = d->label[i] == BS_LABEL_SPAM ? 1.0 : -1.0;
	}
	return l;
}

void lr_data_free(lr_data *l)
{
	if (!l)
		return;
	free(l->space);
	free(l->x);
	free(l->y);
	free(l->norm);
	free(l);
}

double *lr_train(const lr_data *l, const size_t *idx, size_t n, double C, double *bias)
{
	struct problem prob;
	struct parameter param;
	struct model *m;
	size_t nb = (size_t)1 << l->bits;
	double *w = bs_xcalloc(nb, sizeof *w), sign;
	int labels[2];

	if (!idx)
		n = l->d->n;
	memset(&prob, 0, sizeof prob);
	memset(&param, 0, sizeof param);
	prob.l = (int)n;
	prob.n = (int)nb + 1;
	prob.bias = 1.0;
	prob.x = bs_xmalloc((n ? n : 1) * sizeof *prob.x);
	prob.y = bs_xmalloc((n ? n : 1) * sizeof *prob.y);
	for (size_t i = 0; i < n; i++) {
		size_t k = idx ? idx[i] : i;
		prob.x[i] = l->x[k];
		prob.y[i] = l->y[k];
	}
	param.solver_type = L2R_LR;
	param.C = C;
	param.eps = 0.01;
	m = train(&prob, &param);
	get_labels(m, labels);
	sign = labels[0] == 1 ? 1.0 : -1.0;
	for (size_t j = 0; j < nb && (int)j < m->nr_feature; j++)
		w[j] = sign * m->w[j];
	*bias = sign * m->w[m->nr_feature] * m->bias;
	free_and_destroy_model(&m);
	free(prob.x);
	free(prob.y);
	return w;
}

double lr_decision(const lr_data *l, size_t i, const double *w, double bias)
{
	double s = bias;
	for (const struct feature_node *x = l->x[i]; x->index != -1; x++)
		if ((size_t)x->index <= ((size_t)1 << l->bits))
			s += x->value * w[x->index - 1];
	return s;
}

/* ---------------------------------------------------------------- CV */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct cv {
	const lr_data *l;
	const bs_dataset *d;
	const double *grid;
	unsigned folds, njobs, next, done;
	unsigned *fold; /* fold of each message */
	lr_cv_result *res;
	pthread_mutex_t lock;
};

static void run_job(struct cv *cv, unsigned job)
{
	unsigned g = job / cv->folds, f = job % cv->folds;
	size_t n = cv->d->n, k = 0;
	size_t *idx = bs_xmalloc(n * sizeof *idx);
	double bias, *w;

	for (size_t i = 0; i < n; i++)
		if (cv->fold[i] != f)
			idx[k++] = i;
	w = lr_train(cv->l, idx, k, cv->grid[g], &bias);
	for (size_t i = 0; i < n; i++)
		if (cv->fold[i] == f)
			cv->res[g].oof[i] = lr_decision(cv->l, i, w, bias);
	free(w);
	free(idx);
}

static void *worker(void *arg)
{
	struct cv *cv = arg;

	for (;;) {
		unsigned job;
		pthread_mutex_lock(&cv->lock);
		job = cv->next++;
		pthread_mutex_unlock(&cv->lock);
		if (job >= cv->njobs)
			break;
		run_job(cv, job);
		pthread_mutex_lock(&cv->lock);
		cv->done++;
		bs_progress("cross-validation", cv->done, cv->njobs);
		pthread_mutex_unlock(&cv->lock);
	}
	return NULL;
}

static void stratified_folds(const bs_dataset *d, unsigned folds, uint64_t seed, unsigned *fold)
{
	size_t n = d->n, *perm = bs_xmalloc((n ? n : 1) * sizeof *perm);
	uint64_t s = seed;

	for (int label = 0; label < 2; label++) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (d->label[i] == label)
				perm[k++] = i;
		for (size_t i = k; i > 1; i--) { /* Fisher-Yates */
			size_t j = (size_t)(splitmix(&s) % i), t = perm[i - 1];
			perm[i - 1] = perm[j];
			perm[j] = t;
		}
		for (size_t i = 0; i < k; i++)
			fold[perm[i]] = (unsigned)(i % folds);
	}
	free(perm);
}

void lr_cross_validate(const lr_data *l, const bs_dataset *d, const double *grid, size_t ngrid,
                       unsigned folds, uint64_t seed, unsigned threads, lr_cv_result *res)
{
	struct cv cv = {l, d, grid, folds, (unsigned)(ngrid * folds),
	                0, 0, NULL, res,   PTHREAD_MUTEX_INITIALIZER};
	pthread_t *tid = bs_xmalloc((threads ? threads : 1) * sizeof *tid);
	int *label = bs_xmalloc((d->n ? d->n : 1) * sizeof *label);
	unsigned created = 0;

	cv.fold = bs_xmalloc((d->n ? d->n : 1) * sizeof *cv.fold);
	stratified_folds(d, folds, seed, cv.fold);
	for (size_t g = 0; g < ngrid; g++) {
		res[g].C = grid[g];
		res[g].oof = bs_xcalloc(d->n ? d->n : 1, sizeof *res[g].oof);
	}
	for (unsigned t = 1; t < threads; t++)
		if (pthread_create(&tid[created], NULL, worker, &cv) == 0)
			created++;
	worker(&cv); /* jobs are claimed from a shared counter: no thread is required */
	for (unsigned t = 0; t < created; t++)
		pthread_join(tid[t], NULL);
	bs_progress_end();
	for (size_t i = 0; i < d->n; i++)
		label[i] = d->label[i];
	for (size_t g = 0; g < ngrid; g++) {
		bs_confusion c;
		double ll = 0;
		for (size_t i = 0; i < d->n; i++) {
			double z = res[g].oof[i] * (d->label[i] == BS_LABEL_SPAM ? 1 : -1);
			ll += z > 0 ? log1p(exp(-z)) : -z + log1p(exp(z));
		}
		bs_confusion_at(res[g].oof, label, d->n, 0.0, &c);
		/* AUC of the score as deployed, (decision value) * N^(1/R): with
		 * normalization its ranking is not that of the decision value. */
		double *dep = bs_xmalloc((d->n ? d->n : 1) * sizeof *dep);
		for (size_t i = 0; i < d->n; i++)
			dep[i] = res[g].oof[i] * l->norm[i];
		res[g].auc = bs_auc(dep, label, d->n);
		free(dep);
		res[g].accuracy = (double)(c.tp + c.tn) / (double)(d->n ? d->n : 1);
		res[g].logloss = ll / (double)(d->n ? d->n : 1);
	}
	free(label);
	free(cv.fold);
	free(tid);
}
