/*
 * report.h - the audit's figures for one model on one labelled test set,
 * and their rendering as Markdown and as an SVG ROC curve.
 *
 * Every figure is computed on the integer scores the deployed (encrypted)
 * model produces; the float scores serve only the agreement check.
 */
#ifndef BS_TOOLS_REPORT_H
#define BS_TOOLS_REPORT_H

#include <stdio.h>

#include "dataset.h"
#include "metrics.h"
#include "model.h"
#include "vocab.h"

struct audit {
	const bs_model *m;
	size_t n, nham, nspam;
	double *score;  /* integer scores (exact as doubles below 2^53) */
	double *fscore; /* float scores */
	int *label;
	bs_confusion c; /* at the model's decision rule, score >= 0 */
	double accuracy, precision, recall, fpr, fnr, auc;
	double fnr_at_1, fnr_at_01; /* FN rate at FP = 1 % and 0.1 % */
	size_t disagree;            /* float and integer decisions differ */
	double max_diff;            /* largest |score/2^F - float score| */
	int64_t max_abs_score;      /* largest |score| seen on the test set */
};

/* Score every message of d with m. */
void audit_run(struct audit *a, const bs_model *m, const bs_dataset *d);
void audit_free(struct audit *a);

/* The Markdown report; voc (may be NULL) gives the top-token tables, roc_name
 * (may be NULL) the SVG file to link, table (may be NULL) a file whose text
 * is included as the B x C measurements. */
int audit_markdown(FILE *out, const struct audit *a, vocab *voc, unsigned top, const char *roc_name,
                   const char *title, const char *table, bs_error *err);
/* The ROC curve (false-positive rate on a log axis from 1e-4) as SVG. */
void audit_svg(FILE *out, const struct audit *a, const char *title);

#endif
