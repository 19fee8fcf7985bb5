/*
 * metrics.h - figures of a scored, labelled test set: confusion counts, ROC
 * curve and its area, the threshold for a target false-positive rate.
 *
 * Labels are BS_LABEL_HAM (negative) and BS_LABEL_SPAM (positive, "flagged").
 * A message is flagged at threshold t iff score >= t.  Ties count half in the
 * AUC (Mann-Whitney).  All functions are pure and deterministic.
 */
#ifndef BS_METRICS_H
#define BS_METRICS_H

#include <stddef.h>

typedef struct bs_confusion {
	size_t tp, fp, tn, fn;
} bs_confusion;

typedef struct bs_roc_point {
	double fpr, tpr, threshold; /* flagged iff score >= threshold */
} bs_roc_point;

void bs_confusion_at(const double *score, const int *label, size_t n, double threshold,
                     bs_confusion *c);
double bs_auc(const double *score, const int *label, size_t n);

/* The ROC curve: one point per distinct score, from (0,0) to (1,1); *out
 * (caller frees) gets at most n + 1 points. */
size_t bs_roc(const double *score, const int *label, size_t n, bs_roc_point **out);

/* The lowest threshold at which at most floor(fpr * #ham) ham are flagged:
 * halfway between the (k+1)-th highest ham score and the next higher
 * distinct score.  *fnr (if non-NULL) gets the false-negative rate there. */
double bs_threshold_for_fpr(const double *score, const int *label, size_t n, double fpr,
                            double *fnr);

#endif
