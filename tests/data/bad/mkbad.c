/*
 * mkbad.c - helper of tests/data/bad/run.sh: encrypted models that are
 * wrong in one chosen way but carry a correct trailing SHA-256, so that the
 * loader's later checks (not the hash) must catch them.
 *
 *   mkbad rehash IN OUT              copy IN, recompute the trailing hash
 *   mkbad setct IN OUT J WHAT KEY.sec
 *        set ciphertext J (0 = bucket 0; 2^B = the constant) to WHAT:
 *        zero (0), n2 (n^2, not below n^2), factor (3p, shares a factor
 *        with n), then rehash.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emodel_int.h"
#include "keyfile.h"

static void die(const char *what, const bs_error *err)
{
	fprintf(stderr, "mkbad: %s: %s\n", what, err ? err->msg : "failed");
	exit(1);
}

static void save(const char *path, uint8_t *buf, size_t len)
{
	bs_error err;

	if (len < 32)
		die(path, NULL);
	crypto_hash_sha256(buf + len - 32, buf, len - 32);
	if (bs_write_file(path, buf, len, 0644, 1, &err) < 0)
		die(path, &err);
}

int main(int argc, char **argv)
{
	bs_error err;
	char *buf;
	size_t len;

	if (argc < 4 || bs_crypto_init() < 0) {
		fprintf(stderr,
		        "usage: mkbad rehash IN OUT | setct IN OUT J zero|n2|factor KEY.sec\n");
		return 64;
	}
	if (bs_read_file(argv[2], (size_t)1 << 30, &buf, &len, &err) < 0)
		die(argv[2], &err);
	if (strcmp(argv[1], "setct") == 0 && argc == 7) {
		bs_emodel *em = bs_emodel_alloc();
		bs_seckey sk;
		size_t hdrlen, j = strtoul(argv[4], NULL, 10);
		mpz_t v;

		if (bs_emodel_parse_header(em, buf, len, argv[2], &hdrlen, &err) < 0)
			die(argv[2], &err);
		if (j >= em->count)
			die("J out of range", NULL);
		bs_seckey_init(&sk);
		if (bs_seckey_load(&sk, argv[6], BS_KEYFILE_ALLOW_INSECURE, NULL, NULL, &err) < 0)
			die(argv[6], &err);
		mpz_init(v);
		if (strcmp(argv[5], "n2") == 0)
			mpz_set(v, sk.pub.n2);
		else if (strcmp(argv[5], "factor") == 0)
			mpz_mul_ui(v, sk.p, 3);
		else if (strcmp(argv[5], "zero") != 0)
			die(argv[5], NULL);
		if ((mpz_sizeinbase(v, 2) + 7) / 8 > em->width)
			die("value wider than a ciphertext", NULL);
		uint8_t *ct = (uint8_t *)buf + hdrlen + j * em->width;
		size_t n = 0;
		memset(ct, 0, em->width);
		if (mpz_sgn(v) > 0)
			mpz_export(ct + em->width - (mpz_sizeinbase(v, 2) + 7) / 8, &n, 1, 1, 1, 0,
			           v);
		mpz_clear(v);
		bs_seckey_clear(&sk);
		bs_emodel_free(em);
	} else if (strcmp(argv[1], "rehash") != 0 || argc != 4) {
		fprintf(stderr, "mkbad: bad arguments\n");
		return 64;
	}
	save(argv[3], (uint8_t *)buf, len);
	free(buf);
	return 0;
}
