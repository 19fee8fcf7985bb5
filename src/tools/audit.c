/*
 * audit.c - blindscore-audit: a model and a labelled test set -> Markdown
 * report (error rates, ROC, float/integer agreement, top tokens, bounds) and
 * an SVG ROC curve.  Exits EX_DATAERR if float and integer decisions
 * disagree on any message.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "dataset.h"
#include "model.h"
#include "report.h"
#include "sources.h"
#include "vocab.h"

#define PROG "blindscore-audit"

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [options] -M MODEL [SOURCE...]\n"
	           "Audit a blindscore model on labelled mail (see " PROG "(1)).\n"
	           "  -M, --model MODEL     the plaintext model (blindscore-model(5))\n"
	           "  -v, --vocab FILE      vocabulary side file, for the top-token tables\n"
	           "  -H, --ham PATH, -S, --spam PATH, -m, --manifest CSV, SOURCE...\n"
	           "                        test messages, as for blindscore-train(1)\n"
	           "      --split PART, --holdout N, --plaintext, --rfc822\n"
	           "                        as for blindscore-train(1)\n"
	           "  -o, --output FILE     Markdown report (default: standard output)\n"
	           "  -r, --roc FILE        write the ROC curve as SVG\n"
	           "  -T, --title TEXT      report title (default: the model file name)\n"
	           "  -n, --top N           tokens per direction (default 50)\n"
	           "  -i, --include FILE    append FILE (e.g. a B x C table) to the report\n"
	           "  -q, --quiet           no summary on standard error\n"
	           "  -h, --help, -V, --version\n"
	           "Exit status 65 (EX_DATAERR) if float and integer decisions disagree.\n");
}

static void fail(const bs_error *err)
{
	fprintf(stderr, PROG ": %s\n", err->msg);
	exit(bs_error_exit_code(err));
}

static FILE *open_out(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, PROG ": cannot create '%s': %m\n", path);
		exit(EX_CANTCREAT);
	}
	return f;
}

static void close_out(FILE *f, const char *path)
{
	if (fclose(f) != 0) {
		fprintf(stderr, PROG ": cannot write '%s': %m\n", path);
		exit(EX_IOERR);
	}
}

int main(int argc, char **argv)
{
	enum { O_SPLIT = 256, O_HOLDOUT, O_PLAIN, O_RFC822 };
	static const struct option lo[] = {
	    {"model", 1, 0, 'M'},         {"vocab", 1, 0, 'v'},         {"ham", 1, 0, 'H'},
	    {"spam", 1, 0, 'S'},          {"manifest", 1, 0, 'm'},      {"split", 1, 0, O_SPLIT},
	    {"holdout", 1, 0, O_HOLDOUT}, {"plaintext", 0, 0, O_PLAIN}, {"rfc822", 0, 0, O_RFC822},
	    {"output", 1, 0, 'o'},        {"roc", 1, 0, 'r'},           {"title", 1, 0, 'T'},
	    {"top", 1, 0, 'n'},           {"include", 1, 0, 'i'},       {"quiet", 0, 0, 'q'},
	    {"help", 0, 0, 'h'},          {"version", 0, 0, 'V'},       {0, 0, 0, 0}};
	const char *model_path = NULL, *vocab_path = NULL, *output = NULL, *roc = NULL;
	const char *title = NULL, *include = NULL;
	unsigned top = 50;
	int quiet = 0, c;
	struct sources src;
	bs_error err;
	bs_corpus corpus;
	bs_dataset data;
	bs_model *m;
	vocab voc;
	struct audit a;
	FILE *out;

	sources_init(&src);
	bs_error_clear(&err);
	while ((c = getopt_long(argc, argv, "M:v:H:S:m:o:r:T:n:i:qhV", lo, NULL)) != -1) {
		switch (c) {
		case 'M':
			model_path = optarg;
			break;
		case 'v':
			vocab_path = optarg;
			break;
		case 'H':
			sources_add(&src, optarg, SOURCE_HAM);
			break;
		case 'S':
			sources_add(&src, optarg, SOURCE_SPAM);
			break;
		case 'm':
			sources_add(&src, optarg, SOURCE_MANIFEST);
			break;
		case O_SPLIT:
			if (sources_set_split(&src, optarg) < 0) {
				fprintf(stderr, PROG ": --split must be 'train' or 'test'\n");
				return EX_USAGE;
			}
			break;
		case O_HOLDOUT:
			src.holdout = strtoul(optarg, NULL, 10);
			break;
		case O_PLAIN:
			src.mode = BS_TEXT_PLAIN;
			break;
		case O_RFC822:
			src.mode = BS_TEXT_RFC822;
			break;
		case 'o':
			output = optarg;
			break;
		case 'r':
			roc = optarg;
			break;
		case 'T':
			title = optarg;
			break;
		case 'n':
			top = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'i':
			include = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(PROG " " PACKAGE_VERSION "\n");
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	for (int i = optind; i < argc; i++)
		sources_add(&src, argv[i], SOURCE_AUTO);
	if (!model_path || src.n == 0) {
		fprintf(stderr, PROG ": give a model (-M) and test messages\n");
		return EX_USAGE;
	}
	if (src.holdout == 0) {
		fprintf(stderr, PROG ": --holdout must be a positive integer\n");
		return EX_USAGE;
	}
	if (!(m = bs_model_read(model_path, &err)))
		fail(&err);
	if (vocab_path && vocab_read(&voc, m, vocab_path, &err) < 0)
		fail(&err);
	if (sources_load(&src, &corpus, &err) < 0)
		fail(&err);
	if (bs_dataset_load(&data, &corpus, &m->fp, src.mode, "scoring", NULL, NULL, &err) < 0)
		fail(&err);
	audit_run(&a, m, &data);
	if (!title)
		title = strrchr(model_path, '/') ? strrchr(model_path, '/') + 1 : model_path;
	out = output ? open_out(output) : stdout;
	if (audit_markdown(out, &a, vocab_path ? &voc : NULL, top,
	                   roc ? (strrchr(roc, '/') ? strrchr(roc, '/') + 1 : roc) : NULL, title,
	                   include, &err) < 0)
		fail(&err);
	if (output)
		close_out(out, output);
	else if (fflush(stdout) != 0)
		return EX_IOERR;
	if (roc) {
		FILE *f = open_out(roc);
		audit_svg(f, &a, title);
		close_out(f, roc);
	}
	if (!quiet)
		fprintf(stderr,
		        PROG ": %zu messages: accuracy %.2f%%, AUC %.5f, FP %.2f%%, FN %.2f%%, "
		             "FN@FP1%% %.2f%%, FN@FP0.1%% %.2f%%, float/int disagreements %zu "
		             "(max diff %.3g)\n",
		        a.n, 100 * a.accuracy, a.auc, 100 * a.fpr, 100 * a.fnr, 100 * a.fnr_at_1,
		        100 * a.fnr_at_01, a.disagree, a.max_diff);
	c = a.disagree ? EX_DATAERR : 0;
	if (a.disagree)
		fprintf(stderr, PROG ": float and integer decisions disagree on %zu messages\n",
		        a.disagree);
	audit_free(&a);
	bs_dataset_free(&data);
	bs_corpus_free(&corpus);
	if (vocab_path)
		vocab_free(&voc);
	bs_model_free(m);
	sources_free(&src);
	return c;
}
