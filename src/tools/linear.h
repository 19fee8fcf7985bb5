/*
 * linear.h - L2-regularized logistic regression (liblinear L2R_LR) on a
 * bs_dataset: training, and k-fold cross-validation over a grid of C values
 * run on a few threads, for blindscore-train.
 *
 * Spam is the positive class.  Weights come back dense, one per bucket, with
 * the (regularized) bias separately, so that the decision value of a message
 * is bias + sum count * w[bucket].  With norm_root R (2 or 4; 0: none) every
 * message's counts are divided by N^(1/R), N = sum count^2, before training
 * and in the decision value (model.h).  Folds are stratified and drawn from the
 * seed, so results depend only on the data, the grid and the seed.
 */
#ifndef BS_TOOLS_LINEAR_H
#define BS_TOOLS_LINEAR_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

typedef struct lr_data lr_data;

lr_data *lr_data_new(const bs_dataset *d, unsigned bits, unsigned norm_root);
void lr_data_free(lr_data *l);

/* Train on messages idx[0..n) (all when idx is NULL); returns 2^bits weights. */
double *lr_train(const lr_data *l, const size_t *idx, size_t n, double C, double *bias);

/* Decision value of message i of the dataset (normalized as trained). */
double lr_decision(const lr_data *l, size_t i, const double *w, double bias);

typedef struct lr_cv_result {
	double C;
	double auc, accuracy, logloss; /* auc: of oof * N^(1/R), as deployed */
	double *oof;                   /* out-of-fold decision values, one per message */
} lr_cv_result;

/* Cross-validate every C of grid[0..ngrid); res[g] gets its figures.  The
 * progress bar (on a TTY) is labelled "cross-validation". */
void lr_cross_validate(const lr_data *l, const bs_dataset *d, const double *grid, size_t ngrid,
                       unsigned folds, uint64_t seed, unsigned threads, lr_cv_result *res);

#endif
