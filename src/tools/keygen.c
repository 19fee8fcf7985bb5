/*
 * keygen.c - blindscore-keygen: create a Paillier key pair, or check a key
 * file (blindscore-keygen(1), blindscore-keys(5)).
 *
 * Order of work: parse flags, refuse existing outputs (unless -f), obtain the
 * passphrase (before the slow part, so a typo costs nothing), generate, write
 * PREFIX.sec then PREFIX.pub, load both back and compare key ids.  On any
 * failure after the first write, whatever was written is removed.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "harden.h"
#include "keyfile.h"
#include "paillier.h"
#include "passphrase.h"
#include "util.h"

#define PROG "blindscore-keygen"

enum {
	OPT_CHECK = 256,
	OPT_PASSFILE,
	OPT_PUBLIC_ONLY,
	OPT_INSECURE,
};

static const struct option long_options[] = {
    {"bits", required_argument, NULL, 'b'},
    {"output", required_argument, NULL, 'o'},
    {"force", no_argument, NULL, 'f'},
    {"no-passphrase", no_argument, NULL, 'N'},
    {"passphrase-file", required_argument, NULL, OPT_PASSFILE},
    {"check", required_argument, NULL, OPT_CHECK},
    {"public-only", no_argument, NULL, OPT_PUBLIC_ONLY},
    {"insecure-test-key", no_argument, NULL, OPT_INSECURE},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

struct opts {
	unsigned bits;
	const char *prefix, *passfile, *check;
	int force, no_pass, public_only, insecure, quiet;
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: " PROG " [-fNq] [-b BITS] [--passphrase-file FILE] -o PREFIX\n"
	        "       " PROG " --check FILE [--public-only] [--passphrase-file FILE]\n"
	        "       " PROG " -h | -V\n"
	        "\n"
	        "Create a Paillier key pair for blindscore, or check a key file.\n"
	        "\n"
	        "  -b, --bits BITS          modulus size (default %d; 2048 is allowed with a\n"
	        "                           warning; smaller sizes are refused)\n"
	        "  -o, --output PREFIX      write PREFIX.sec (mode 0600) and PREFIX.pub (0644)\n"
	        "  -f, --force              replace existing PREFIX.sec and PREFIX.pub\n"
	        "  -N, --no-passphrase      write the secret key without a passphrase\n"
	        "      --passphrase-file F  take the passphrase from the first line of F\n"
	        "      --check FILE         verify a public or secret key file and print its\n"
	        "                           kind, size and key id\n"
	        "      --public-only        with --check: do not ask for the passphrase of a\n"
	        "                           sealed secret key; check only its public part\n"
	        "      --insecure-test-key  allow keys below 2048 bits (for test suites only)\n"
	        "  -q, --quiet              no progress display, no summary\n"
	        "  -h, --help               this text\n"
	        "  -V, --version            print the version\n"
	        "\n"
	        "Without -N or --passphrase-file the passphrase is asked on the terminal;\n"
	        "if standard input is not a terminal, one of them must be given.\n"
	        "Exit status: 0 success, 64 usage, 65 bad key file, 66 cannot read,\n"
	        "73 cannot create, 77 permissions or wrong passphrase (sysexits.h).\n",
	        BS_DEFAULT_BITS);
}

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (code == EX_USAGE)
		fputs("Try '" PROG " --help'.\n", stderr);
	exit(code);
}

static void die_err(const bs_error *err) __attribute__((noreturn));

/* A library error: its message, its sysexits code, no usage hint. */
static void die_err(const bs_error *err)
{
	fprintf(stderr, PROG ": %s\n", err->msg);
	exit(bs_error_exit_code(err));
}

static unsigned parse_bits(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > 65536)
		die(EX_USAGE, "-b %s: not a key size in bits", s);
	return (unsigned)v;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof *o);
	o->bits = BS_DEFAULT_BITS;
	while ((c = getopt_long(argc, argv, "b:o:fNqhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->bits = parse_bits(optarg);
			break;
		case 'o':
			o->prefix = optarg;
			break;
		case 'f':
			o->force = 1;
			break;
		case 'N':
			o->no_pass = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case OPT_PASSFILE:
			o->passfile = optarg;
			break;
		case OPT_CHECK:
			o->check = optarg;
			break;
		case OPT_PUBLIC_ONLY:
			o->public_only = 1;
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
	if (optind < argc)
		die(EX_USAGE, "unexpected argument '%s'", argv[optind]);
	if (o->check && o->prefix)
		die(EX_USAGE, "--check and -o cannot be combined");
	if (!o->check && !o->prefix)
		die(EX_USAGE, "no output given: use -o PREFIX (or --check FILE)");
	if (o->no_pass && o->passfile && !o->check)
		die(EX_USAGE, "-N and --passphrase-file cannot be combined");
	if (o->public_only && !o->check)
		die(EX_USAGE, "--public-only only applies to --check");
}

/* ------------------------------------------------------------ --check */

static int run_check(const struct opts *o)
{
	unsigned flags = o->insecure ? BS_KEYFILE_ALLOW_INSECURE : 0;
	bs_keyfile_info info;
	bs_error err;
	const char *state = "";

	bs_error_clear(&err);
	if (bs_keyfile_inspect(o->check, flags, NULL, &info, &err) < 0)
		die_err(&err);
	if (info.kind == BS_KEY_SECRET && !info.sealed) {
		state = " (not sealed)";
	} else if (info.kind == BS_KEY_SECRET && o->public_only) {
		state = " (sealed; secret part not checked)";
	} else if (info.kind == BS_KEY_SECRET) {
		char prompt[PATH_MAX + 32];
		bs_passphrase_source src = {o->passfile, prompt, NULL};
		bs_seckey sk;

		snprintf(prompt, sizeof prompt, "Passphrase for %s: ", o->check);
		bs_seckey_init(&sk);
		if (bs_seckey_load(&sk, o->check, flags, bs_keyfile_getpass_source, &src, &err) <
		    0) {
			bs_seckey_clear(&sk);
			die_err(&err);
		}
		bs_seckey_clear(&sk);
		state = " (sealed; passphrase verified)";
	}
	printf("%s: %s key%s, %u bits, key id %s\n", o->check,
	       info.kind == BS_KEY_PUBLIC ? "public" : "secret", state, info.bits, info.keyid_hex);
	return 0;
}

/* ------------------------------------------------------------ generation */

struct progress {
	int on;
	unsigned bits;
	double last;
};

static void show_progress(void *arg, const char *stage, unsigned long tries)
{
	struct progress *pr = arg;
	double now;

	if (!pr->on)
		return;
	now = bs_now();
	if (now - pr->last < 0.1 && strcmp(stage, "hs") != 0)
		return;
	pr->last = now;
	if (strcmp(stage, "hs") == 0)
		fprintf(stderr, "\r" PROG ": %u-bit key: computing hs                        ",
		        pr->bits);
	else
		fprintf(stderr, "\r" PROG ": %u-bit key: searching for prime %s (candidate %lu) ",
		        pr->bits, stage, tries);
	fflush(stderr);
}

static int copy_passphrase(void *arg, bs_passphrase *pp, bs_error *err)
{
	const bs_passphrase *src = arg;

	if (bs_passphrase_alloc(pp, err) < 0)
		return -1;
	memcpy(pp->buf, src->buf, src->len + 1);
	pp->len = src->len;
	return 0;
}

static void get_passphrase(const struct opts *o, const char *secpath, bs_passphrase *pp)
{
	char prompt[PATH_MAX + 32];
	bs_passphrase_source src = {o->passfile, prompt, "Same passphrase again: "};
	bs_error err;

	if (!o->passfile && !isatty(STDIN_FILENO))
		die(EX_USAGE, "standard input is not a terminal: give -N for a secret key "
		              "without a passphrase, or --passphrase-file FILE");
	snprintf(prompt, sizeof prompt, "Passphrase for %s: ", secpath);
	bs_error_clear(&err);
	if (bs_passphrase_get(&src, pp, &err) < 0)
		die_err(&err);
	if (pp->len == 0) {
		bs_passphrase_free(pp);
		die(EX_USAGE, "empty passphrase: use -N for a secret key without one");
	}
}

/* Load both files back and compare them with the key just generated. */
static int verify_written(const struct opts *o, const char *sec, const char *pub,
                          const bs_seckey *sk, bs_passphrase *pp, bs_error *err)
{
	unsigned flags = o->insecure ? BS_KEYFILE_ALLOW_INSECURE : 0;
	bs_seckey back;
	bs_pubkey pback;
	int rc = -1;

	bs_seckey_init(&back);
	bs_pubkey_init(&pback);
	if (bs_seckey_load(&back, sec, flags, pp ? copy_passphrase : NULL, pp, err) < 0 ||
	    bs_pubkey_load(&pback, pub, flags, err) < 0)
		goto out;
	if (strcmp(back.pub.keyid_hex, sk->pub.keyid_hex) != 0 ||
	    strcmp(pback.keyid_hex, sk->pub.keyid_hex) != 0 || mpz_cmp(back.p, sk->p) != 0) {
		bs_error_set(err, BS_E_INTERNAL, "the written files do not load back as this key");
		goto out;
	}
	rc = 0;
out:
	bs_pubkey_clear(&pback);
	bs_seckey_clear(&back);
	return rc;
}

static int run_generate(const struct opts *o)
{
	unsigned flags =
	    (o->insecure ? BS_KEYFILE_ALLOW_INSECURE : 0) | (o->force ? BS_KEYFILE_OVERWRITE : 0);
	char sec[PATH_MAX], pub[PATH_MAX];
	struct progress pr = {!o->quiet && isatty(STDERR_FILENO), o->bits, 0};
	bs_passphrase pp = {NULL, 0};
	bs_seckey sk;
	bs_error err;
	struct stat st;
	double t0;
	int sec_written = 0;

	if (o->bits < BS_MIN_BITS && !o->insecure)
		die(EX_USAGE,
		    "-b %u: keys below %d bits are insecure and refused (--insecure-test-key "
		    "allows them, for test suites only)",
		    o->bits, BS_MIN_BITS);
	if (o->bits % 2 || o->bits < BS_TEST_MIN_BITS || o->bits > BS_MAX_BITS)
		die(EX_USAGE, "-b %u: key size must be even and between %d and %d", o->bits,
		    BS_TEST_MIN_BITS, BS_MAX_BITS);
	if (o->bits < BS_MIN_BITS)
		fprintf(stderr,
		        PROG ": warning: %u-bit key for tests only; never use it for mail\n",
		        o->bits);
	else if (o->bits < BS_DEFAULT_BITS)
		fprintf(stderr,
		        PROG ": warning: %u-bit keys give about 112-bit security; %d is "
		             "recommended\n",
		        o->bits, BS_DEFAULT_BITS);
	if (strlen(o->prefix) + 5 > sizeof sec)
		die(EX_USAGE, "-o: prefix too long");
	snprintf(sec, sizeof sec, "%s.sec", o->prefix);
	snprintf(pub, sizeof pub, "%s.pub", o->prefix);
	if (!o->force && lstat(sec, &st) == 0)
		die(EX_CANTCREAT, "'%s' already exists (use -f to overwrite)", sec);
	if (!o->force && lstat(pub, &st) == 0)
		die(EX_CANTCREAT, "'%s' already exists (use -f to overwrite)", pub);
	if (!o->no_pass)
		get_passphrase(o, sec, &pp);

	bs_error_clear(&err);
	bs_seckey_init(&sk);
	t0 = bs_now();
	if (bs_paillier_keygen(&sk, o->bits, o->insecure, show_progress, &pr, &err) < 0)
		goto fail;
	if (pr.on)
		fprintf(stderr, "\r" PROG ": %u-bit key generated in %.1f s%30s\n", o->bits,
		        bs_now() - t0, "");
	if (bs_seckey_save(&sk, sec, o->no_pass ? NULL : &pp, NULL, flags, &err) < 0)
		goto fail;
	sec_written = 1;
	if (bs_pubkey_save(&sk.pub, pub, flags, &err) < 0)
		goto fail;
	if (verify_written(o, sec, pub, &sk, o->no_pass ? NULL : &pp, &err) < 0) {
		unlink(pub);
		goto fail;
	}
	if (!o->quiet)
		printf("public key: %s\nsecret key: %s (%s)\nbits: %u\nkey id: %s\n", pub, sec,
		       o->no_pass ? "not sealed" : "sealed with a passphrase", sk.pub.bits,
		       sk.pub.keyid_hex);
	bs_seckey_clear(&sk);
	bs_passphrase_free(&pp);
	return 0;
fail:
	if (sec_written)
		unlink(sec);
	bs_seckey_clear(&sk);
	bs_passphrase_free(&pp);
	if (pr.on)
		fputc('\n', stderr);
	die_err(&err);
}

int main(int argc, char **argv)
{
	struct opts o;
	bs_error err;

	if (bs_harden_nodump(&err) < 0) /* the secret key: never in a core dump */
		die_err(&err);
	parse_args(argc, argv, &o);
	if (bs_crypto_init() < 0)
		die(EX_SOFTWARE, "cannot initialise libsodium");
	if (o.check)
		return run_check(&o);
	return run_generate(&o);
}
