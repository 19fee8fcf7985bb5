/*
 * decrypt.c - blindscore-decrypt: read score records (spool files or
 * X-Blindscore headers), verify them, decrypt them with the secret key, and
 * print the flagged messages (blindscore-decrypt(1), blindscore-spool(5)).
 *
 * Order of work: parse flags, load the models, load the secret key (asking
 * for its passphrase), open every spool input, then stream: the verifier
 * checks format and chain, the main thread checks key and model ids, a batch
 * is decrypted in parallel and printed.  The last record of a batch is held
 * back until its successor has been checked against it, so that a record the
 * chain condemns is never printed.  Every good record is printed; every bad
 * one is reported on stderr and makes the exit status 65.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "decrypt.h"
#include "harden.h"
#include "keyfile.h"
#include "model.h"
#include "spool.h"

#define BATCH 128 /* records per parallel round; also the progress step */

enum { OPT_PASSFILE = 256, OPT_INSECURE, OPT_NO_PROGRESS };

static const struct option long_options[] = {
    {"key", required_argument, NULL, 'k'},
    {"model", required_argument, NULL, 'm'},
    {"passphrase-file", required_argument, NULL, OPT_PASSFILE},
    {"headers", no_argument, NULL, 'e'},
    {"header-name", required_argument, NULL, 'H'},
    {"all", no_argument, NULL, 'a'},
    {"unique", no_argument, NULL, 'u'},
    {"format", required_argument, NULL, 'f'},
    {"by-sender", no_argument, NULL, 's'},
    {"jobs", required_argument, NULL, 'j'},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"insecure-test-key", no_argument, NULL, OPT_INSECURE},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
	fputs("usage: " PROG " -k KEY.sec -m MODEL [-m MODEL...] [options] [SPOOL...]\n"
	      "       " PROG " -k KEY.sec -m MODEL --headers [options] [MESSAGE...]\n"
	      "\n"
	      "Verify and decrypt blindscore score records; print the flagged messages.\n"
	      "Spool files are read in the order given (rotated files first: spool.1 spool);\n"
	      "no file or '-' reads standard input.\n"
	      "\n"
	      "  -k, --key KEY.sec        secret key (asks for its passphrase on the terminal)\n"
	      "      --passphrase-file F  take the passphrase from the first line of F\n"
	      "  -m, --model MODEL        plaintext model: its id, score bound and decision\n"
	      "                           rule (repeat for records of several models)\n"
	      "  -e, --headers            inputs are raw messages with an X-Blindscore header\n"
	      "  -H, --header-name NAME   header to read (default X-Blindscore)\n"
	      "  -a, --all                print every good record, not only flagged ones\n"
	      "  -u, --unique             print a message scored twice (a retry) once\n"
	      "  -f, --format FMT         table (default), csv or jsonl\n"
	      "  -s, --by-sender          print a per-sender summary instead of records\n"
	      "  -j, --jobs N             decryption threads (default: number of CPUs)\n"
	      "      --no-progress        no progress bar on a terminal\n"
	      "      --insecure-test-key  accept keys below 2048 bits (test suites only)\n"
	      "  -h, --help               this text\n"
	      "  -V, --version            print the version\n"
	      "\n"
	      "Exit status: 0 every record good; 65 a record was bad (every good record is\n"
	      "still printed); 64 usage; 66 cannot read an input; 74 read error; key\n"
	      "problems per sysexits.h (65 bad key file, 77 permissions or passphrase).\n",
	      f);
}

void dc_report(const char *where, const char *fmt, ...)
{
	va_list ap;

	bs_progress_end();
	fputs(PROG ": ", stderr);
	if (where)
		fprintf(stderr, "%s: ", where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	bs_progress_end();
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (code == EX_USAGE)
		fputs("Try '" PROG " --help'.\n", stderr);
	exit(code);
}

struct opts {
	const char *key, *passfile;
	const char **models;
	size_t nmodels;
	int insecure;
};

static void parse_args(int argc, char **argv, struct opts *o, struct dc_ctx *c)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int ch;

	c->jobs = cpus > 0 ? (int)cpus : 1;
	c->progress = 1;
	c->header_name = "X-Blindscore";
	c->format = DC_TABLE;
	o->models = bs_xcalloc((size_t)argc, sizeof *o->models);
	while ((ch = getopt_long(argc, argv, "k:m:eH:auf:sj:hV", long_options, NULL)) != -1) {
		switch (ch) {
		case 'k':
			o->key = optarg;
			break;
		case 'm':
			o->models[o->nmodels++] = optarg;
			break;
		case OPT_PASSFILE:
			o->passfile = optarg;
			break;
		case 'e':
			c->headers = 1;
			break;
		case 'H':
			if (!*optarg || strpbrk(optarg, ": \t\r\n"))
				die(EX_USAGE, "-H '%s': not a header field name", optarg);
			c->header_name = optarg;
			break;
		case 'a':
			c->all = 1;
			break;
		case 'u':
			c->unique = 1;
			break;
		case 'f':
			if (strcmp(optarg, "table") == 0)
				c->format = DC_TABLE;
			else if (strcmp(optarg, "csv") == 0)
				c->format = DC_CSV;
			else if (strcmp(optarg, "jsonl") == 0)
				c->format = DC_JSONL;
			else
				die(EX_USAGE, "--format %s: use table, csv or jsonl", optarg);
			break;
		case 's':
			c->by_sender = 1;
			break;
		case 'j': {
			char *end;
			long j;
			errno = 0;
			j = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || j < 1 || j > 256)
				die(EX_USAGE, "-j %s: give a number of threads from 1 to 256",
				    optarg);
			c->jobs = (int)j;
			break;
		}
		case OPT_NO_PROGRESS:
			c->progress = 0;
			break;
		case OPT_INSECURE:
			o->insecure = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf(PROG " (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			exit(0);
		default:
			fputs("Try '" PROG " --help'.\n", stderr);
			exit(EX_USAGE);
		}
	}
	if (!o->key)
		die(EX_USAGE, "no secret key: give -k KEY.sec");
	if (o->nmodels == 0)
		die(EX_USAGE, "no model: give -m MODEL for each model whose records you read "
		              "(its bound is needed to detect tampering)");
}

static void load_models(const struct opts *o, struct dc_ctx *c)
{
	c->models = bs_xcalloc(o->nmodels, sizeof *c->models);
	for (size_t i = 0; i < o->nmodels; i++) {
		bs_error err;
		bs_model *m = bs_model_read(o->models[i], &err);
		if (!m)
			die(bs_error_exit_code(&err), "%s", err.msg);
		c->models[c->nmodels].path = o->models[i];
		bs_model_id_hex(m, c->models[c->nmodels].id);
		c->models[c->nmodels].bound = m->score_bound;
		bs_model_free(m);
		for (size_t k = 0; k < c->nmodels; k++)
			if (strcmp(c->models[k].id, c->models[c->nmodels].id) == 0)
				goto dup; /* the same model twice: harmless */
		c->nmodels++;
	dup:;
	}
}

static void load_key(const struct opts *o, struct dc_ctx *c)
{
	char prompt[600];
	bs_passphrase_source src = {o->passfile, prompt, NULL};
	bs_error err;

	snprintf(prompt, sizeof prompt, "Passphrase for %s: ", o->key);
	bs_seckey_init(&c->sk);
	if (bs_seckey_load(&c->sk, o->key, o->insecure ? BS_KEYFILE_ALLOW_INSECURE : 0,
	                   bs_keyfile_getpass_source, &src, &err) < 0) {
		bs_seckey_clear(&c->sk);
		die(bs_error_exit_code(&err), "%s", err.msg);
	}
}

/* ------------------------------------------------------------ spool mode */

struct batch {
	struct dc_ctx *c;
	struct dc_row rows[BATCH];
	size_t n;
};

static void row_reset(struct dc_row *row)
{
	mpz_t keep;

	/* keep the ciphertext's allocation; wipe the rest (it held a score) */
	keep[0] = row->rec.c[0];
	sodium_memzero(row, sizeof *row);
	row->rec.c[0] = keep[0];
}

/* A verifier issue: report it; withhold the record it condemns. */
static void on_issue(void *arg, const bs_spool_issue *is)
{
	struct batch *b = arg;
	char where[600];

	snprintf(where, sizeof where, "%s line %lu", is->file, is->line);
	if (is->kind == BS_SPOOL_CHAIN_START)
		dc_report(where, "note: %s", is->msg);
	else
		dc_report(where, "%s%s", is->error ? "" : "warning: ", is->msg);
	if (!is->record)
		return;
	for (size_t i = 0; i < b->n; i++)
		if (b->rows[i].index == is->record) {
			b->rows[i].bad = 1;
			return;
		}
}

/* Decrypt the batch, print all but the last row (unless final). */
static void flush_batch(struct batch *b, int final)
{
	size_t upto = final ? b->n : b->n - 1;

	dc_decrypt_rows(b->c, b->rows, b->n);
	for (size_t i = 0; i < upto; i++) {
		dc_emit(b->c, &b->rows[i]);
		row_reset(&b->rows[i]);
	}
	if (!final && b->n > 0) {
		struct dc_row tmp = b->rows[0];
		b->rows[0] = b->rows[b->n - 1];
		b->rows[b->n - 1] = tmp;
	}
	b->n = final ? 0 : 1;
	fflush(stdout);
}

static unsigned long input_size(char **files, int n)
{
	unsigned long total = 0;
	struct stat sb;

	for (int i = 0; i < n; i++)
		if (strcmp(files[i], "-") != 0 && stat(files[i], &sb) == 0 && S_ISREG(sb.st_mode))
			total += (unsigned long)sb.st_size;
	return total;
}

static void run_spool(struct dc_ctx *c, char **files, int nfiles)
{
	static struct batch b;
	bs_spool_verifier *v;
	FILE **fp = bs_xcalloc((size_t)nfiles, sizeof *fp);
	unsigned long total = c->progress ? input_size(files, nfiles) : 0, before = 0;
	bs_error err;

	for (int i = 0; i < nfiles; i++) {
		fp[i] = strcmp(files[i], "-") == 0 ? stdin : fopen(files[i], "r");
		if (!fp[i]) {
			int e = errno;
			free(fp); /* exit without a leak report (LeakSanitizer) */
			die(EX_NOINPUT, "cannot open '%s': %s", files[i], strerror(e));
		}
	}
	b.c = c;
	for (size_t i = 0; i < BATCH; i++)
		bs_record_init(&b.rows[i].rec);
	v = bs_spool_verifier_new(on_issue, &b);
	for (int i = 0; i < nfiles; i++) {
		const char *name = strcmp(files[i], "-") == 0 ? "(stdin)" : files[i];
		struct dc_row *row = &b.rows[b.n];
		unsigned long index, line;
		int rc;

		while ((rc = bs_spool_verifier_read(v, fp[i], name, &row->rec, &index, &line,
		                                    &err)) == 1) {
			row->file = name;
			row->line = line;
			row->index = index;
			c->records++;
			dc_precheck(c, row);
			if (++b.n == BATCH) {
				flush_batch(&b, 0);
				if (total) {
					long pos = ftell(fp[i]);
					bs_progress("decrypting",
					            (before + (pos > 0 ? (unsigned long)pos : 0)) /
					                1024,
					            total / 1024);
				}
			}
			row = &b.rows[b.n];
		}
		if (rc < 0) {
			dc_report(NULL, "%s", err.msg);
			c->exit_code = EX_IOERR;
		}
		if (total) {
			long pos = ftell(fp[i]);
			before += pos > 0 ? (unsigned long)pos : 0;
		}
		if (fp[i] != stdin)
			fclose(fp[i]);
	}
	bs_spool_verifier_finish(v);
	flush_batch(&b, 1);
	bs_progress_end();
	c->bad += bs_spool_verifier_errors(v);
	bs_spool_verifier_free(v);
	for (size_t i = 0; i < BATCH; i++)
		bs_record_clear(&b.rows[i].rec);
	free(fp);
}

/* ------------------------------------------------------------ headers mode */

static void run_headers(struct dc_ctx *c, char **files, int nfiles)
{
	static struct dc_row rows[4];

	for (size_t i = 0; i < 4; i++)
		bs_record_init(&rows[i].rec);
	for (int i = 0; i < nfiles; i++) {
		int is_stdin = strcmp(files[i], "-") == 0;
		const char *name = is_stdin ? "(stdin)" : files[i];
		FILE *f = is_stdin ? stdin : fopen(files[i], "r");
		size_t n;

		if (!f) {
			dc_report(NULL, "cannot open '%s': %s", files[i], strerror(errno));
			c->exit_code = EX_NOINPUT;
			continue;
		}
		n = dc_read_message(c, f, name, rows, 4);
		if (!is_stdin)
			fclose(f);
		for (size_t k = 0; k < n; k++) {
			c->records++;
			dc_precheck(c, &rows[k]);
		}
		dc_decrypt_rows(c, rows, n);
		for (size_t k = 0; k < n; k++) {
			dc_emit(c, &rows[k]);
			row_reset(&rows[k]);
		}
		if (c->progress && nfiles > 100)
			bs_progress("decrypting", (unsigned long)i + 1, (unsigned long)nfiles);
	}
	bs_progress_end();
	for (size_t i = 0; i < 4; i++)
		bs_record_clear(&rows[i].rec);
}

int main(int argc, char **argv)
{
	static struct dc_ctx c;
	static char *stdin_only[] = {"-"};
	struct opts o;
	char **files;
	int nfiles;
	bs_error err;

	if (bs_harden_nodump(&err) < 0) /* the secret key and the scores */
		die(bs_error_exit_code(&err), "%s", err.msg);
	memset(&o, 0, sizeof o);
	parse_args(argc, argv, &o, &c);
	if (bs_crypto_init() < 0)
		die(EX_SOFTWARE, "cannot initialise libsodium");
	files = optind < argc ? argv + optind : stdin_only;
	nfiles = optind < argc ? argc - optind : 1;
	load_models(&o, &c);
	load_key(&o, &c);
	if (c.headers)
		run_headers(&c, files, nfiles);
	else
		run_spool(&c, files, nfiles);
	if (c.by_sender)
		dc_summary(&c);
	else if (c.format == DC_CSV)
		dc_print_header(&c);
	dc_senders_free(&c);
	dc_seen_free(&c);
	bs_seckey_clear(&c.sk);
	free(c.models);
	free(o.models);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(EX_IOERR, "cannot write the output: %s", strerror(errno));
	if (c.retries)
		dc_report(NULL,
		          "note: %lu record%s repeated a message already counted (a retry: same "
		          "Message-ID, sender, recipients, model and score); each message is "
		          "printed once",
		          c.retries, c.retries == 1 ? "" : "s");
	if (c.bad)
		dc_report(NULL,
		          "%lu problem%s reported above; %lu of %lu records good, %lu flagged",
		          c.bad, c.bad == 1 ? "" : "s", c.good, c.records, c.flagged);
	if (c.exit_code)
		return c.exit_code;
	return c.bad ? EX_DATAERR : 0;
}
