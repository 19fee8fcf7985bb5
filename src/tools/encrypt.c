/*
 * blindscore-encrypt - encrypt a plaintext model for a public key, and the
 * auditor's --verify (blindscore-encrypt(1), blindscore-emodel(5)).
 */
#include "config.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "emodel.h"
#include "harden.h"
#include "keyfile.h"
#include "model.h"
#include "paillier.h"

static const char *prog = "blindscore-encrypt";

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: %s [-f] [-j N] -k KEY.pub -m MODEL -o OUT.bsm [-s SEEDFILE]\n"
	        "       %s --verify MODEL SEEDFILE ENCRYPTED [-j N]\n"
	        "       %s --info ENCRYPTED\n"
	        "\n"
	        "Encrypt every bucket of a plaintext model (blindscore-model(5)) under a\n"
	        "Paillier public key into an encrypted model (blindscore-emodel(5)), with\n"
	        "randomizers derived from a fresh 32-byte seed.  The seed goes to SEEDFILE\n"
	        "(default OUT.bsm.seed, mode 0600) for the auditor; never to the operator.\n"
	        "\n"
	        "  -k, --key FILE        public key (blindscore-keys(5))\n"
	        "  -m, --model FILE      plaintext model\n"
	        "  -o, --output FILE     encrypted model to write\n"
	        "  -s, --seed-file FILE  where to write the seed\n"
	        "  -f, --force           overwrite existing output files\n"
	        "  -j, --jobs N          worker threads (default: all cores)\n"
	        "      --verify          re-derive every ciphertext from MODEL and SEEDFILE and\n"
	        "                        compare with ENCRYPTED (the auditor's check)\n"
	        "      --info            print an encrypted model's header\n"
	        "      --insecure-test-key  accept keys below 2048 bits (tests only)\n"
	        "  -q, --quiet           no progress bar\n"
	        "  -h, --help            this text;  -V, --version  version\n",
	        prog, prog, prog);
}

static int fail(const bs_error *err)
{
	fprintf(stderr, "%s: %s\n", prog, err->msg);
	return bs_error_exit_code(err);
}

static void print_info(const bs_emodel *em, const char *path)
{
	printf("file         %s\n", path);
	printf("key id       %s (%u bits)\n", em->pk.keyid_hex, em->pk.bits);
	printf("model id     %s\n", em->model_id_hex);
	printf("buckets      2^%u (+1 constant), clip %u, ngram %u, tokenizer %u\n", em->fp.bits,
	       em->fp.clip, em->fp.ngram, em->tokenizer_version);
	printf("features     chargram %u, subject-tag %u, normalization ", em->fp.chargram,
	       em->fp.subject);
	if (em->norm_root)
		printf("N^(1/%u), %u bits\n", em->norm_root, em->norm_bits);
	else
		printf("none\n");
	printf("scale        2^%u, weight bound %lld, score bound %lld\n", em->scale_bits,
	       (long long)em->weight_bound, (long long)em->score_bound);
	printf("sha256       %s\n", em->file_hash_hex);
}

static int verify(const char *mpath, const char *spath, const char *epath, unsigned jobs,
                  int progress)
{
	bs_error err;
	uint8_t seed[BS_SEED_BYTES], mid[BS_MODEL_ID_BYTES];
	bs_model *m;
	bs_emodel *em;
	int rc;

	if (!(m = bs_model_read(mpath, &err)))
		return fail(&err);
	if (bs_seed_read(spath, seed, mid, &err) < 0) {
		bs_model_free(m);
		return fail(&err);
	}
	if (memcmp(mid, m->id, BS_MODEL_ID_BYTES) != 0) {
		bs_model_free(m);
		sodium_memzero(seed, sizeof seed);
		fprintf(stderr, "%s: MISMATCH: seed file '%s' belongs to another model than '%s'\n",
		        prog, spath, mpath);
		return EX_DATAERR;
	}
	if (!(em = bs_emodel_load(epath, NULL, &err))) {
		bs_model_free(m);
		sodium_memzero(seed, sizeof seed);
		return fail(&err);
	}
	rc = bs_emodel_verify(em, m, seed, jobs, progress, &err);
	sodium_memzero(seed, sizeof seed);
	if (rc < 0) {
		fprintf(stderr, "%s: MISMATCH: %s\n", prog, err.msg);
		rc = EX_DATAERR;
	} else {
		printf("OK: '%s' is exactly '%s' encrypted for key %s with the given seed\n", epath,
		       mpath, em->pk.keyid_hex);
		printf("model id %s, %zu ciphertexts, sha256 %s\n", em->model_id_hex, em->count,
		       em->file_hash_hex);
	}
	bs_emodel_free(em);
	bs_model_free(m);
	return rc;
}

int main(int argc, char **argv)
{
	enum { OPT_VERIFY = 256, OPT_INFO, OPT_INSECURE };
	static const struct option lo[] = {{"key", required_argument, NULL, 'k'},
	                                   {"model", required_argument, NULL, 'm'},
	                                   {"output", required_argument, NULL, 'o'},
	                                   {"seed-file", required_argument, NULL, 's'},
	                                   {"force", no_argument, NULL, 'f'},
	                                   {"jobs", required_argument, NULL, 'j'},
	                                   {"verify", no_argument, NULL, OPT_VERIFY},
	                                   {"info", no_argument, NULL, OPT_INFO},
	                                   {"insecure-test-key", no_argument, NULL, OPT_INSECURE},
	                                   {"quiet", no_argument, NULL, 'q'},
	                                   {"help", no_argument, NULL, 'h'},
	                                   {"version", no_argument, NULL, 'V'},
	                                   {NULL, 0, NULL, 0}};
	const char *kpath = NULL, *mpath = NULL, *opath = NULL, *spath = NULL;
	int force = 0, mode = 0, quiet = 0, c, rc;
	unsigned jobs = 0, kflags = 0;
	char *end, *seedpath = NULL;
	uint8_t seed[BS_SEED_BYTES];
	bs_error err;
	bs_pubkey pk;
	bs_model *m;

	/* The seed reveals every weight of the model: never in a core dump. */
	if (bs_harden_nodump(&err) < 0)
		return fail(&err);
	while ((c = getopt_long(argc, argv, "k:m:o:s:fj:qhV", lo, NULL)) != -1) {
		switch (c) {
		case 'k':
			kpath = optarg;
			break;
		case 'm':
			mpath = optarg;
			break;
		case 'o':
			opath = optarg;
			break;
		case 's':
			spath = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'j':
			jobs = (unsigned)strtoul(optarg, &end, 10);
			if (*end || jobs < 1 || jobs > 256) {
				fprintf(stderr,
				        "%s: -j: '%s' is not a number of threads (1..256)\n", prog,
				        optarg);
				return EX_USAGE;
			}
			break;
		case OPT_VERIFY:
			mode = OPT_VERIFY;
			break;
		case OPT_INFO:
			mode = OPT_INFO;
			break;
		case OPT_INSECURE:
			kflags |= BS_KEYFILE_ALLOW_INSECURE;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("%s %s\n", prog, PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (bs_crypto_init() < 0) {
		fprintf(stderr, "%s: cannot initialise libsodium\n", prog);
		return EX_SOFTWARE;
	}
	int progress = !quiet && isatty(STDERR_FILENO);
	if (mode == OPT_VERIFY) {
		if (argc - optind != 3) {
			fprintf(stderr, "%s: --verify takes MODEL SEEDFILE ENCRYPTED\n", prog);
			return EX_USAGE;
		}
		return verify(argv[optind], argv[optind + 1], argv[optind + 2], jobs, progress);
	}
	if (mode == OPT_INFO) {
		bs_emodel *em;
		if (argc - optind != 1) {
			fprintf(stderr, "%s: --info takes one ENCRYPTED file\n", prog);
			return EX_USAGE;
		}
		if (!(em = bs_emodel_load(argv[optind], NULL, &err)))
			return fail(&err);
		print_info(em, argv[optind]);
		bs_emodel_free(em);
		return 0;
	}
	if (optind != argc || !kpath || !mpath || !opath) {
		fprintf(stderr, "%s: need -k KEY.pub, -m MODEL and -o OUTPUT (see --help)\n", prog);
		return EX_USAGE;
	}
	bs_pubkey_init(&pk);
	if (bs_pubkey_load(&pk, kpath, kflags, &err) < 0) {
		bs_pubkey_clear(&pk);
		return fail(&err);
	}
	if (!(m = bs_model_read(mpath, &err))) {
		bs_pubkey_clear(&pk);
		return fail(&err);
	}
	if (!spath) {
		if (asprintf(&seedpath, "%s.seed", opath) < 0)
			abort();
		spath = seedpath;
	}
	if (!force && access(opath, F_OK) == 0) {
		fprintf(stderr, "%s: '%s' already exists (use -f to overwrite)\n", prog, opath);
		rc = EX_CANTCREAT;
		goto out;
	}
	randombytes_buf(seed, sizeof seed);
	/* The seed file first: an encrypted model nobody can audit is useless. */
	if (bs_seed_write(spath, seed, m->id, force, &err) < 0) {
		rc = fail(&err);
		goto out;
	}
	if (bs_emodel_encrypt(m, &pk, seed, jobs, progress, opath, force, &err) < 0) {
		unlink(spath);
		rc = fail(&err);
		goto out;
	}
	{
		char mid[2 * BS_MODEL_ID_BYTES + 1];
		bs_model_id_hex(m, mid);
		fprintf(stderr, "%s: wrote '%s' (model %s, key %s, 2^%u buckets)\n", prog, opath,
		        mid, pk.keyid_hex, m->fp.bits);
		fprintf(stderr,
		        "%s: seed for the auditor in '%s' (mode 0600): keep it from the "
		        "mail operator\n",
		        prog, spath);
	}
	rc = 0;
out:
	sodium_memzero(seed, sizeof seed);
	free(seedpath);
	bs_model_free(m);
	bs_pubkey_clear(&pk);
	return rc;
}
