/*
 * bench.h - helpers shared by the `make bench` programs.
 *
 * The machines are shared and loaded, so every figure is a ratio of two
 * things measured in the same run, interleaved in rounds (A B A B ...), each
 * round timed with the thread's CPU clock, and the median over rounds is
 * reported.  The load average is printed with each table.
 *
 * Workload: the Enron-Spam standard test split (last 1000 ham, last 1000
 * spam) run through the real extractor (extract.h) under the bundled model's
 * parameters, when run-bench found the corpus; otherwise synthetic messages
 * with the corpus's statistics (a Zipf vocabulary, same length distribution),
 * through the same extractor.
 */
#ifndef BS_BENCH_H
#define BS_BENCH_H

#include <stdio.h>

#include "emodel.h"
#include "features.h"
#include "model.h"
#include "paillier.h"

double bench_cpu(void);                /* this thread's CPU seconds */
double bench_proc_cpu(void);           /* the process's CPU seconds, all threads */
double bench_wall(void);               /* monotonic seconds */
double bench_median(double *v, int n); /* sorts v */
double bench_loadavg(void);
/* "== title (load average x)" */
void bench_title(const char *title);
const char *bench_verdict(double value, double target, int at_most);
/* VmRSS / VmHWM of this process in KiB (0 if unknown). */
long bench_status_kib(const char *field);

/* Key of `bits` bits: ARGS dir/k<bits>.sec when present (run-bench makes
 * them once), else generated. */
void bench_key(const char *dir, unsigned bits, bs_seckey *sk);

/* The bundled model (top_srcdir/model/default.model), plaintext. */
bs_model *bench_bundled_model(const char *srcdir);

/* An encrypted model of m's parameters (2^B + 1 ciphertexts) under pk with
 * random ciphertexts: the right size and layout for timing, built in memory
 * in a second instead of minutes of encryption.  Not decryptable. */
bs_emodel *bench_fake_emodel(const bs_pubkey *pk, const bs_model *m);

struct bench_msg {
	char *text;
	size_t len;
	bs_feature *f;
	size_t nf; /* distinct buckets */
};

struct bench_msgs {
	struct bench_msg *m;
	size_t n;
	int real; /* 1: Enron test split, 0: synthetic */
	double mean_distinct;
};

/* corpus_dir: the unpacked enron-spam directory or NULL/absent: synthetic. */
void bench_messages(const char *corpus_dir, const bs_feature_params *fp, struct bench_msgs *out);
void bench_messages_free(struct bench_msgs *ms);
/* Features of one text under fp (caller frees *f). */
size_t bench_features(const bs_feature_params *fp, const char *text, size_t len, bs_feature **f);

#endif
