/*
 * mkseal.c - seed-corpus helper (tests/fuzz/make-corpus.sh): re-save an
 * unsealed secret key sealed with the lowest Argon2id cost libsodium allows,
 * so that fuzz_keyfile can afford to open the seal on every execution.
 *
 *   mkseal [--insecure-test-key] IN.sec OUT.sec PASSPHRASE
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "keyfile.h"

int main(int argc, char **argv)
{
	unsigned flags = BS_KEYFILE_OVERWRITE;
	bs_seal_params cheap = {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
	bs_passphrase pp = {NULL, 0};
	bs_seckey sk;
	bs_error err;
	int i = 1, rc = 1;

	if (argc > 1 && strcmp(argv[1], "--insecure-test-key") == 0) {
		flags |= BS_KEYFILE_ALLOW_INSECURE;
		i++;
	}
	if (argc - i != 3) {
		fprintf(stderr, "usage: mkseal [--insecure-test-key] IN.sec OUT.sec PASSPHRASE\n");
		return 64;
	}
	if (bs_crypto_init() < 0)
		return 70;
	bs_seckey_init(&sk);
	if (bs_seckey_load(&sk, argv[i], flags, NULL, NULL, &err) < 0 ||
	    bs_passphrase_alloc(&pp, &err) < 0 || bs_passphrase_set(&pp, argv[i + 2], &err) < 0 ||
	    bs_seckey_save(&sk, argv[i + 1], &pp, &cheap, flags, &err) < 0)
		fprintf(stderr, "mkseal: %s\n", err.msg);
	else
		rc = 0;
	bs_passphrase_free(&pp);
	bs_seckey_clear(&sk);
	return rc;
}
