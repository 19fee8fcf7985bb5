/*
 * audit_run.c - score a test set with a model and compute the audit's
 * figures (see report.h).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

void audit_run(struct audit *a, const bs_model *m, const bs_dataset *d)
{
	double scale = ldexp(1.0, (int)(m->scale_bits + m->norm_bits));

	memset(a, 0, sizeof *a);
	a->m = m;
	a->n = d->n;
	a->score = bs_xmalloc((d->n ? d->n : 1) * sizeof *a->score);
	a->fscore = bs_xmalloc((d->n ? d->n : 1) * sizeof *a->fscore);
	a->label = bs_xmalloc((d->n ? d->n : 1) * sizeof *a->label);
	for (size_t i = 0; i < d->n; i++) {
		const bs_feature *f = d->feat + d->start[i];
		size_t k = d->start[i + 1] - d->start[i];
		int64_t s = bs_model_score(m, f, k);
		double fs = bs_model_score_float(m, f, k), diff;

		a->score[i] = (double)s;
		a->fscore[i] = fs;
		a->label[i] = d->label[i];
		*(d->label[i] == BS_LABEL_SPAM ? &a->nspam : &a->nham) += 1;
		if (bs_model_flagged(s) != (fs >= 0))
			a->disagree++;
		diff = fabs((double)s / scale - fs);
		if (diff > a->max_diff)
			a->max_diff = diff;
		if (llabs(s) > a->max_abs_score)
			a->max_abs_score = llabs(s);
	}
	bs_confusion_at(a->score, a->label, a->n, 0.0, &a->c);
	a->accuracy = (double)(a->c.tp + a->c.tn) / (double)(a->n ? a->n : 1);
	a->precision = a->c.tp + a->c.fp ? (double)a->c.tp / (double)(a->c.tp + a->c.fp) : NAN;
	a->recall = a->nspam ? (double)a->c.tp / (double)a->nspam : NAN;
	a->fpr = a->nham ? (double)a->c.fp / (double)a->nham : NAN;
	a->fnr = a->nspam ? (double)a->c.fn / (double)a->nspam : NAN;
	a->auc = bs_auc(a->score, a->label, a->n);
	bs_threshold_for_fpr(a->score, a->label, a->n, 0.01, &a->fnr_at_1);
	bs_threshold_for_fpr(a->score, a->label, a->n, 0.001, &a->fnr_at_01);
}

void audit_free(struct audit *a)
{
	free(a->score);
	free(a->fscore);
	free(a->label);
	memset(a, 0, sizeof *a);
}
