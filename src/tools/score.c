/*
 * score.c - blindscore-score: plaintext scoring of messages with a model, the
 * key holder's debugging tool and the exactness oracle for the encrypted
 * path.  Prints "path<TAB>score<TAB>flagged|clean" per message (mbox
 * messages as path:offset).
 *
 * The per-message loop takes a backend (struct score_backend) so that an
 * encrypting backend can reuse it.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "corpus.h"
#include "extract.h"
#include "model.h"
#include "score.h"

#define PROG "blindscore-score"

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [options] -M MODEL FILE|DIR|MBOX...\n"
	           "       " PROG " --encrypt -k KEY.pub -m MODEL.bsm [-o SPOOL] FILE|DIR|MBOX...\n"
	           "Score messages with a plaintext model, or encrypted into spool records\n"
	           "as the milter does (see " PROG "(1)).\n"
	           "  -M, --model MODEL   the plaintext model (blindscore-model(5))\n"
	           "      --plaintext     messages are pre-tokenized text (Enron)\n"
	           "      --rfc822        messages are raw mail (default: guess per message)\n"
	           "  -F, --float         also print the float score\n"
	           "  -e, --encrypt       encrypted scoring into spool records (blindscore-spool(5))\n"
	           "  -k, --key FILE      public key (with --encrypt)\n"
	           "  -m, --emodel FILE   encrypted model (with --encrypt)\n"
	           "  -o, --spool FILE    append records to FILE (default: standard output)\n"
	           "      --insecure-test-key  accept keys below 2048 bits (tests only)\n"
	           "  -h, --help, -V, --version\n"
	           "Output: path, integer score, 'flagged' or 'clean', tab-separated.\n");
}

/* The plaintext backend: integer score from the model. */
static int plain_score(void *arg, const char *label, const bs_feature *f, size_t n, FILE *out,
		       bs_error *err)
{
	const bs_model *m = arg;
	int64_t s = bs_model_score(m, f, n);

	fprintf(out, "%s\t%lld\t%s\n", label, (long long)s, bs_model_flagged(s) ? "flagged" : "clean");
	return 0;
}

static int plain_float(void *arg, const char *label, const bs_feature *f, size_t n, FILE *out,
		       bs_error *err)
{
	const bs_model *m = arg;
	int64_t s = bs_model_score(m, f, n);

	fprintf(out, "%s\t%lld\t%s\t%.9g\n", label, (long long)s,
		bs_model_flagged(s) ? "flagged" : "clean", bs_model_score_float(m, f, n));
	return 0;
}

int score_messages(const bs_corpus *c, const bs_feature_params *fp, enum bs_text_mode mode,
                   const struct score_backend *be, FILE *out, bs_error *err)
{
	bs_extractor *x = bs_extractor_new(fp, mode, err);
	char label[4096];

	if (!x)
		return -1;
	for (size_t i = 0; i < c->n; i++) {
		const bs_feature *f;
		char *buf;
		size_t len, n;

		if (bs_corpus_read(c, i, &buf, &len, err) < 0) {
			bs_extractor_free(x);
			return -1;
		}
		n = bs_extract(x, buf, len, &f);
		free(buf);
		if (c->item[i].length)
			snprintf(label, sizeof label, "%s:%zu", c->item[i].path, c->item[i].offset);
		else
			snprintf(label, sizeof label, "%s", c->item[i].path);
		if (be->score(be->arg, label, f, n, out, err) < 0) {
			bs_extractor_free(x);
			return -1;
		}
	}
	bs_extractor_free(x);
	if (be->finish && be->finish(be->arg, out, err) < 0)
		return -1;
	if (fflush(out) != 0 || ferror(out))
		return bs_error_set(err, BS_E_IO, "cannot write the output");
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_PLAIN = 256, O_RFC822, O_INSECURE };
	static const struct option lo[] = {
	    {"model", 1, 0, 'M'}, {"plaintext", 0, 0, O_PLAIN}, {"rfc822", 0, 0, O_RFC822},
	    {"float", 0, 0, 'F'}, {"help", 0, 0, 'h'},          {"version", 0, 0, 'V'},
	    {"encrypt", 0, 0, 'e'}, {"key", 1, 0, 'k'}, {"emodel", 1, 0, 'm'},
	    {"spool", 1, 0, 'o'}, {"insecure-test-key", 0, 0, O_INSECURE},
	    {0, 0, 0, 0}};
	const char *model_path = NULL;
	enum bs_text_mode mode = BS_TEXT_AUTO;
	int c, with_float = 0, encrypt = 0;
	const char *key_path = NULL, *emodel_path = NULL, *spool_path = NULL;
	unsigned kflags = 0;
	bs_error err;
	bs_corpus corpus;
	bs_model *m;
	struct score_backend be;

	bs_error_clear(&err);
	while ((c = getopt_long(argc, argv, "M:Fek:m:o:hV", lo, NULL)) != -1) {
		switch (c) {
		case 'e':
			encrypt = 1;
			break;
		case 'k':
			key_path = optarg;
			break;
		case 'm':
			emodel_path = optarg;
			break;
		case 'o':
			spool_path = optarg;
			break;
		case O_INSECURE:
			kflags = 1;
			break;
		case 'M':
			model_path = optarg;
			break;
		case O_PLAIN:
			mode = BS_TEXT_PLAIN;
			break;
		case O_RFC822:
			mode = BS_TEXT_RFC822;
			break;
		case 'F':
			with_float = 1;
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
	if (encrypt) {
		if (!key_path || !emodel_path || optind == argc || model_path) {
			fprintf(stderr, PROG ": --encrypt needs -k KEY.pub, -m MODEL.bsm and "
			                "messages (and no -M)\n");
			return EX_USAGE;
		}
		return score_encrypt_main(key_path, emodel_path, spool_path, kflags, mode,
		                          argc - optind, argv + optind);
	}
	if (!model_path || optind == argc) {
		fprintf(stderr, PROG ": give a model (-M) and messages to score\n");
		return EX_USAGE;
	}
	if (!(m = bs_model_read(model_path, &err)))
		goto fail;
	bs_corpus_init(&corpus);
	for (int i = optind; i < argc; i++)
		if (bs_corpus_add(&corpus, argv[i], BS_LABEL_HAM, &err) < 0) /* label unused */
			goto fail;
	bs_corpus_sort(&corpus);
	be.score = with_float ? plain_float : plain_score;
	be.finish = NULL;
	be.arg = m;
	if (score_messages(&corpus, &m->fp, mode, &be, stdout, &err) < 0)
		goto fail;
	bs_corpus_free(&corpus);
	bs_model_free(m);
	return 0;
fail:
	fprintf(stderr, PROG ": %s\n", err.msg);
	return bs_error_exit_code(&err);
}
