/*
 * train.c - blindscore-train: labelled corpus -> plaintext model
 * (blindscore-model(5)) and private vocabulary side file.
 *
 * Reads the corpus in path order, extracts features with the shared chain
 * (extract.h; by default with subject-tagged features, features.h),
 * normalizes each message's counts by N^(1/R) (by default R = 2,
 * N = sum count^2; model.h), cross-validates the liblinear C on stratified folds drawn from
 * the seed, picks the threshold on the out-of-fold decision values for a
 * target false-positive rate, trains on everything, quantizes and writes.
 * Same inputs, options and seed give a byte-identical model.
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "corpus.h"
#include "dataset.h"
#include "linear.h"
#include "metrics.h"
#include "model.h"
#include "sources.h"
#include "vocab.h"

#define PROG              "blindscore-train"
#define MAX_GRID          16
#define DEFAULT_GRID      "0.125,0.25,0.5" /* without normalization */
#define DEFAULT_GRID_L2   "32,64,128"      /* with norm-root 2 */
#define DEFAULT_GRID_L4   "1,2,4"          /* with norm-root 4 */
#define DEFAULT_NORM_ROOT 2
#define DEFAULT_NORM_BITS 10 /* or the largest that fits B and C */
#define DEFAULT_SUBJECT   1  /* subject-tagged features */

struct opts {
	struct sources src;
	bs_feature_params fp;
	double grid[MAX_GRID];
	size_t ngrid;
	unsigned folds, scale_bits, threads, vocab_min, norm_root, norm_bits;
	int have_grid, have_norm_bits;
	long long wmax;
	double fpr, threshold;
	int fixed_threshold, have_salt, force, quiet;
	unsigned long long seed;
	const char *output, *vocab;
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: " PROG " [options] -o MODEL [SOURCE...]\n"
	    "Train a blindscore model on labelled mail (see " PROG "(1)).\n"
	    "Sources (one or more; directories with ham/ and spam/ subdirectories as SOURCE):\n"
	    "  -H, --ham PATH        ham directory, Maildir, mbox or message file\n"
	    "  -S, --spam PATH       spam directory, Maildir, mbox or message file\n"
	    "  -m, --manifest CSV    'path,label' lines (label ham, spam, 0 or 1)\n"
	    "      --split PART      train or test: the standard split, holding out per class\n"
	    "      --holdout N       ... the last N messages in path order (default 1000)\n"
	    "      --plaintext       messages are pre-tokenized text (Enron); --rfc822: raw mail\n"
	    "Model:\n"
	    "  -b, --bits B          2^B hash buckets (default 18)\n"
	    "  -c, --clip C          clip per-bucket counts to C (default 1: binary)\n"
	    "  -n, --ngram N         1: tokens; 2: tokens and token pairs (default 1)\n"
	    "  -g, --chargram N      also character N-grams of words, N in 3..5 (default 0: off)\n"
	    "      --subject-tag T   1: Subject tokens also as \"subject:token\" (default %d)\n"
	    "  -r, --norm-root R     divide counts by N^(1/R), N = sum of squared counts: R 2, 4\n"
	    "                        or 0 for none (default %d)\n"
	    "      --norm-bits G     fraction bits of the integer N^(1/R) (default %d, less\n"
	    "                        when B and C need it)\n"
	    "  -C, --cost LIST       liblinear C, or comma list to cross-validate (default %s;\n"
	    "                        %s with -r 4, %s with -r 0)\n"
	    "  -k, --folds K         cross-validation folds (default 5)\n"
	    "  -p, --fpr RATE        target false-positive rate for the threshold (default 0.005)\n"
	    "  -t, --threshold T     fixed threshold on the decision value instead of --fpr\n"
	    "  -F, --scale-bits F    fixed-point fraction bits (default 16)\n"
	    "  -W, --weight-bound W  saturate integer weights at +-W (default: no limit)\n"
	    "  -s, --seed N          seed for folds and salt (default 1); --salt HEX sets the "
	    "salt\n"
	    "Output:\n"
	    "  -o, --output MODEL    model file;  -v, --vocab FILE  vocabulary side file\n"
	    "  -f, --force           overwrite existing files; -j N threads (default 2)\n"
	    "  -q, --quiet           no summary;  -h, --help;  -V, --version\n",
	    DEFAULT_SUBJECT, DEFAULT_NORM_ROOT, DEFAULT_NORM_BITS, DEFAULT_GRID_L2, DEFAULT_GRID_L4,
	    DEFAULT_GRID);
}

static int parse_grid(struct opts *o, const char *s)
{
	char *copy = bs_xstrdup(s), *tok, *save = NULL;
	o->ngrid = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		double c = strtod(tok, &end);
		if (*end || !(c > 0) || !isfinite(c) || o->ngrid == MAX_GRID) {
			free(copy);
			return -1;
		}
		o->grid[o->ngrid++] = c;
	}
	free(copy);
	return o->ngrid ? 0 : -1;
}

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, PROG ": ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(code);
}

static unsigned long num(const char *s, unsigned long lo, unsigned long hi, const char *what)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || v < lo || v > hi || s[0] == '-') {
		fprintf(stderr, PROG ": %s '%s' must be an integer in [%lu, %lu]\n", what, s, lo,
		        hi);
		exit(64);
	}
	return v;
}

static void parse_args(struct opts *o, int argc, char **argv)
{
	enum { O_SPLIT = 256, O_HOLDOUT, O_PLAIN, O_RFC822, O_SALT, O_NORM_BITS, O_SUBJECT };
	static const struct option lo[] = {{"ham", 1, 0, 'H'},
	                                   {"spam", 1, 0, 'S'},
	                                   {"manifest", 1, 0, 'm'},
	                                   {"split", 1, 0, O_SPLIT},
	                                   {"holdout", 1, 0, O_HOLDOUT},
	                                   {"plaintext", 0, 0, O_PLAIN},
	                                   {"rfc822", 0, 0, O_RFC822},
	                                   {"bits", 1, 0, 'b'},
	                                   {"clip", 1, 0, 'c'},
	                                   {"ngram", 1, 0, 'n'},
	                                   {"chargram", 1, 0, 'g'},
	                                   {"subject-tag", 1, 0, O_SUBJECT},
	                                   {"cost", 1, 0, 'C'},
	                                   {"folds", 1, 0, 'k'},
	                                   {"fpr", 1, 0, 'p'},
	                                   {"threshold", 1, 0, 't'},
	                                   {"scale-bits", 1, 0, 'F'},
	                                   {"weight-bound", 1, 0, 'W'},
	                                   {"seed", 1, 0, 's'},
	                                   {"salt", 1, 0, O_SALT},
	                                   {"output", 1, 0, 'o'},
	                                   {"vocab", 1, 0, 'v'},
	                                   {"force", 0, 0, 'f'},
	                                   {"threads", 1, 0, 'j'},
	                                   {"quiet", 0, 0, 'q'},
	                                   {"help", 0, 0, 'h'},
	                                   {"version", 0, 0, 'V'},
	                                   {"norm-root", 1, 0, 'r'},
	                                   {"norm-bits", 1, 0, O_NORM_BITS},
	                                   {0, 0, 0, 0}};
	int c;
	char *end;

	while ((c = getopt_long(argc, argv, "H:S:m:b:c:n:g:r:C:k:p:t:F:W:s:o:v:fj:qhV", lo,
	                        NULL)) != -1) {
		switch (c) {
		case 'H':
			sources_add(&o->src, optarg, SOURCE_HAM);
			break;
		case 'S':
			sources_add(&o->src, optarg, SOURCE_SPAM);
			break;
		case 'm':
			sources_add(&o->src, optarg, SOURCE_MANIFEST);
			break;
		case O_SPLIT:
			if (sources_set_split(&o->src, optarg) < 0)
				die(64, "--split must be 'train' or 'test', not '%s'", optarg);
			break;
		case O_HOLDOUT:
			o->src.holdout = num(optarg, 1, 100000000, "holdout");
			break;
		case O_PLAIN:
			o->src.mode = BS_TEXT_PLAIN;
			break;
		case O_RFC822:
			o->src.mode = BS_TEXT_RFC822;
			break;
		case 'b':
			o->fp.bits = (unsigned)num(optarg, BS_FEATURES_MIN_BITS,
			                           BS_FEATURES_MAX_BITS, "bits");
			break;
		case 'c':
			o->fp.clip = (unsigned)num(optarg, 1, BS_FEATURES_MAX_CLIP, "clip");
			break;
		case 'n':
			o->fp.ngram = (unsigned)num(optarg, 1, 2, "ngram");
			break;
		case 'g':
			o->fp.chargram = (unsigned)num(optarg, 0, 5, "chargram");
			if (o->fp.chargram == 1 || o->fp.chargram == 2)
				die(64, "--chargram '%s' must be 0 or in [3, 5]", optarg);
			break;
		case O_SUBJECT:
			o->fp.subject = (unsigned)num(optarg, 0, 1, "subject-tag");
			break;
		case 'r':
			o->norm_root = (unsigned)num(optarg, 0, 4, "norm root");
			if (o->norm_root != 0 && o->norm_root != 2 && o->norm_root != 4)
				die(64, "--norm-root '%s' must be 0, 2 or 4", optarg);
			break;
		case O_NORM_BITS:
			o->norm_bits =
			    (unsigned)num(optarg, 0, BS_MODEL_MAX_NORM_BITS, "norm bits");
			o->have_norm_bits = 1;
			break;
		case 'C':
			o->have_grid = 1;
			if (parse_grid(o, optarg) < 0)
				die(64,
				    "--cost '%s': expected positive numbers separated by commas",
				    optarg);
			break;
		case 'k':
			o->folds = (unsigned)num(optarg, 2, 20, "folds");
			break;
		case 'p':
			o->fpr = strtod(optarg, &end);
			if (*end || !(o->fpr >= 0 && o->fpr < 1))
				die(64, "--fpr '%s' must be a rate in [0, 1)", optarg);
			o->fixed_threshold = 0;
			break;
		case 't':
			o->threshold = strtod(optarg, &end);
			if (*end || !isfinite(o->threshold))
				die(64, "--threshold '%s' is not a number", optarg);
			o->fixed_threshold = 1;
			break;
		case 'F':
			o->scale_bits =
			    (unsigned)num(optarg, 0, BS_MODEL_MAX_SCALE_BITS, "scale bits");
			break;
		case 'W':
			o->wmax = (long long)num(optarg, 1, BS_MODEL_MAX_WEIGHT, "weight bound");
			break;
		case 's':
			o->seed = strtoull(optarg, &end, 10);
			if (!*optarg || *end)
				die(64, "--seed '%s' must be a non-negative integer", optarg);
			break;
		case O_SALT:
			if (strlen(optarg) != 2 * BS_SALT_BYTES ||
			    bs_hex_decode(o->fp.salt, BS_SALT_BYTES, optarg, strlen(optarg)) !=
			        BS_SALT_BYTES)
				die(64, "--salt '%s' must be 32 hex digits", optarg);
			o->have_salt = 1;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'v':
			o->vocab = optarg;
			break;
		case 'f':
			o->force = 1;
			break;
		case 'j':
			o->threads = (unsigned)num(optarg, 1, 64, "threads");
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf(PROG " " PACKAGE_VERSION "\n");
			exit(0);
		default:
			usage(stderr);
			exit(64);
		}
	}
	for (int i = optind; i < argc; i++)
		sources_add(&o->src, argv[i], SOURCE_AUTO);
	if (!o->have_grid && o->norm_root)
		parse_grid(o, o->norm_root == 2 ? DEFAULT_GRID_L2 : DEFAULT_GRID_L4);
	if (!o->norm_root && !o->have_norm_bits)
		o->norm_bits = 0;
	while (o->norm_root && !o->have_norm_bits && o->norm_bits > 0 &&
	       bs_model_norm_check(&o->fp, o->norm_root, o->norm_bits, NULL) < 0)
		o->norm_bits--;
	if (o->have_norm_bits || !o->norm_root) {
		bs_error e;
		if (bs_model_norm_check(&o->fp, o->norm_root, o->norm_bits, &e) < 0)
			die(64, "%s", e.msg);
	}
	if (!o->output)
		die(64, "%s", "no output: give -o MODEL");
	if (o->src.n == 0)
		die(64, "%s", "no training data: give a SOURCE, -H/-S or -m");
}

static void derive_salt(struct opts *o)
{
	char in[64];
	unsigned char h[crypto_generichash_BYTES];

	if (o->have_salt)
		return;
	snprintf(in, sizeof in, "blindscore salt %llu", o->seed);
	crypto_generichash(h, sizeof h, (const unsigned char *)in, strlen(in), NULL, 0);
	memcpy(o->fp.salt, h, BS_SALT_BYTES);
}

static void fail(const bs_error *err)
{
	fprintf(stderr, PROG ": %s\n", err->msg);
	exit(bs_error_exit_code(err));
}

/* Choose C by cross-validated AUC of the deployed score (linear.h; ties: the
 * smaller C), and the threshold on
 * that C's out-of-fold decision values. */
static double choose(const struct opts *o, const lr_data *l, const bs_dataset *d, double *threshold,
                     double *cv_fnr)
{
	lr_cv_result res[MAX_GRID];
	size_t best = 0;
	int *label;

	lr_cross_validate(l, d, o->grid, o->ngrid, o->folds, o->seed, o->threads, res);
	for (size_t g = 1; g < o->ngrid; g++)
		if (res[g].auc > res[best].auc ||
		    (res[g].auc == res[best].auc && res[g].C < res[best].C))
			best = g;
	label = bs_xmalloc(d->n * sizeof *label);
	for (size_t i = 0; i < d->n; i++)
		label[i] = d->label[i];
	*threshold = bs_threshold_for_fpr(res[best].oof, label, d->n, o->fpr, cv_fnr);
	if (!o->quiet) {
		fprintf(stderr, PROG ": %u-fold cross-validation:\n", o->folds);
		for (size_t g = 0; g < o->ngrid; g++)
			fprintf(stderr, "  C %-8g AUC %.5f  accuracy %.4f  log-loss %.4f%s\n",
			        res[g].C, res[g].auc, res[g].accuracy, res[g].logloss,
			        g == best ? "  <- chosen" : "");
	}
	free(label);
	for (size_t g = 0; g < o->ngrid; g++)
		free(res[g].oof);
	return o->grid[best];
}

int main(int argc, char **argv)
{
	struct opts o;
	bs_error err;
	bs_corpus corpus;
	bs_dataset data;
	vocab voc;
	lr_data *l;
	bs_model *m;
	double C, threshold = 0, cv_fnr = NAN, bias, *w, t0 = bs_now();

	memset(&o, 0, sizeof o);
	bs_error_clear(&err);
	sources_init(&o.src);
	o.fp.bits = 18;
	o.fp.clip = 1;
	o.fp.ngram = 1;
	o.fp.subject = DEFAULT_SUBJECT;
	parse_grid(&o, DEFAULT_GRID);
	o.folds = 5;
	o.fpr = 0.005;
	o.scale_bits = 16;
	o.norm_root = DEFAULT_NORM_ROOT;
	o.norm_bits = DEFAULT_NORM_BITS;
	o.threads = 2;
	o.seed = 1;
	parse_args(&o, argc, argv);
	if (sodium_init() < 0)
		die(70, "%s", "libsodium initialisation failed");
	derive_salt(&o);

	if (sources_load(&o.src, &corpus, &err) < 0)
		fail(&err);
	if (o.vocab)
		vocab_init(&voc);
	if (bs_dataset_load(&data, &corpus, &o.fp, o.src.mode, "reading",
	                    o.vocab ? vocab_tap : NULL, &voc, &err) < 0)
		fail(&err);
	if (!o.quiet)
		fprintf(stderr, PROG ": %zu ham, %zu spam, %zu features (%.1f s)\n",
		        bs_corpus_count(&corpus, BS_LABEL_HAM),
		        bs_corpus_count(&corpus, BS_LABEL_SPAM), data.nfeat, bs_now() - t0);
	l = lr_data_new(&data, o.fp.bits, o.norm_root);
	if (o.ngrid == 1 && o.fixed_threshold)
		C = o.grid[0];
	else
		C = choose(&o, l, &data, &threshold, &cv_fnr);
	if (o.fixed_threshold)
		threshold = o.threshold;
	w = lr_train(l, NULL, 0, C, &bias);
	m = bs_model_from_float_norm(&o.fp, w, bias, threshold, o.scale_bits, o.wmax, o.norm_root,
	                             o.norm_bits, &err);
	if (!m)
		fail(&err);
	if (bs_model_write(m, o.output, o.force, &err) < 0)
		fail(&err);
	if (o.vocab && vocab_write(&voc, m, 1, o.vocab, o.force, &err) < 0)
		fail(&err);
	if (!o.quiet) {
		char id[2 * BS_MODEL_ID_BYTES + 1];
		bs_model_id_hex(m, id);
		fprintf(stderr,
		        PROG ": C %g, threshold %.6g (cross-validated FN %.2f%% at FP %.2f%%), "
		             "%zu weights, W %lld, score bound %lld\n",
		        C, threshold, 100 * cv_fnr, 100 * o.fpr, m->n, (long long)m->weight_bound,
		        (long long)m->score_bound);
		fprintf(stderr, PROG ": wrote %s (model id %.16s...) in %.1f s\n", o.output, id,
		        bs_now() - t0);
	}
	free(w);
	bs_model_free(m);
	lr_data_free(l);
	bs_dataset_free(&data);
	bs_corpus_free(&corpus);
	if (o.vocab)
		vocab_free(&voc);
	sources_free(&o.src);
	return 0;
}
