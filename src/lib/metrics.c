/*
 * metrics.c - confusion counts, ROC, AUC, thresholds (see metrics.h).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "corpus.h"
#include "metrics.h"
#include "util.h"

void bs_confusion_at(const double *score, const int *label, size_t n, double threshold,
                     bs_confusion *c)
{
	c->tp = c->fp = c->tn = c->fn = 0;
	for (size_t i = 0; i < n; i++) {
		int flagged = score[i] >= threshold;
		if (label[i] == BS_LABEL_SPAM)
			*(flagged ? &c->tp : &c->fn) += 1;
		else
			*(flagged ? &c->fp : &c->tn) += 1;
	}
}

struct pair {
	double s;
	int l;
};

static int cmp_desc(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	if (x->s != y->s)
		return x->s < y->s ? 1 : -1;
	return x->l - y->l;
}

static struct pair *sorted_desc(const double *score, const int *label, size_t n)
{
	struct pair *p = bs_xmalloc((n ? n : 1) * sizeof *p);
	for (size_t i = 0; i < n; i++) {
		p[i].s = score[i];
		p[i].l = label[i] == BS_LABEL_SPAM;
	}
	qsort(p, n, sizeof *p, cmp_desc);
	return p;
}

double bs_auc(const double *score, const int *label, size_t n)
{
	struct pair *p = sorted_desc(score, label, n);
	double area = 0, pos = 0, neg = 0;

	/* Walk groups of equal scores from the top: each ham counts the spam above
	 * it, plus half of the spam tied with it. */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		double gp = 0, gn = 0;
		while (j < n && p[j].s == p[i].s) {
			gp += p[j].l;
			gn += !p[j].l;
			j++;
		}
		area += gn * (pos + gp / 2);
		pos += gp;
		neg += gn;
		i = j;
	}
	free(p);
	return pos > 0 && neg > 0 ? area / (pos * neg) : NAN;
}

size_t bs_roc(const double *score, const int *label, size_t n, bs_roc_point **out)
{
	struct pair *p = sorted_desc(score, label, n);
	bs_roc_point *r = bs_xmalloc((n + 1) * sizeof *r);
	double P = 0, N = 0, tp = 0, fp = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		*(p[i].l ? &P : &N) += 1;
	r[k++] = (bs_roc_point){0, 0, n ? p[0].s + 1 : 0};
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && p[j].s == p[i].s) {
			*(p[j].l ? &tp : &fp) += 1;
			j++;
		}
		r[k++] = (bs_roc_point){N > 0 ? fp / N : 0, P > 0 ? tp / P : 0, p[i].s};
		i = j;
	}
	free(p);
	*out = r;
	return k;
}

double bs_threshold_for_fpr(const double *score, const int *label, size_t n, double fpr,
                            double *fnr)
{
	struct pair *p = sorted_desc(score, label, n);
	size_t nham = 0, allowed, seen = 0, i, fn = 0, npos = 0;
	double v = -INFINITY, t, above = INFINITY;

	for (i = 0; i < n; i++)
		nham += !p[i].l;
	allowed = (size_t)floor(fpr * (double)nham + 1e-9);
	/* v: the score of the (allowed+1)-th highest ham. */
	for (i = 0; i < n; i++) {
		if (!p[i].l && seen++ == allowed) {
			v = p[i].s;
			break;
		}
	}
	/* The next higher distinct score above v, if any. */
	for (i = 0; i < n && p[i].s > v; i++)
		above = p[i].s;
	if (v == -INFINITY)
		t = n ? p[n - 1].s : 0;
	else if (above == INFINITY)
		t = v + fmax(1.0, fabs(v)) * 1e-9;
	else
		t = v + (above - v) / 2;
	for (i = 0; i < n; i++) {
		npos += p[i].l;
		fn += p[i].l && p[i].s < t;
	}
	if (fnr)
		*fnr = npos ? (double)fn / (double)npos : NAN;
	free(p);
	return t;
}
