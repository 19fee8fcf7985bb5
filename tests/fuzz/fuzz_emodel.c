/*
 * fuzz_emodel.c - libFuzzer target for the encrypted model loader
 * (bs_emodel_load and bs_emodel_parse_header, blindscore-emodel(5)).
 *
 * Input: one flag byte, then the file.  Flag bit 0: replace the file's last
 * 32 bytes with the SHA-256 of the rest, so that mutations get past the
 * integrity hash to the size, key and ciphertext checks; bit 1: load with
 * the test public key as the expected key.  The file goes to an in-memory
 * file, since the loader maps a path.  Checked promises: a header that
 * parses can be written again (bs_emodel_header) and that text parses to
 * the same length; a model that loads has 2^B + 1 ciphertexts, each in
 * (0, n^2) and coprime to n.
 */
#include "config.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "emodel.h"
#include "emodel_int.h"
#include "keyfile.h"

#include "fuzz.h"

static void check_header(const uint8_t *data, size_t size)
{
	bs_emodel *em = bs_emodel_alloc(), *again;
	bs_error err;
	size_t hdrlen, len, hdrlen2;
	char *text;

	if (bs_emodel_parse_header(em, (const char *)data, size, "fuzz.bsm", &hdrlen, &err) == 0) {
		if (hdrlen > size)
			abort();
		text = bs_emodel_header(em, &len);
		again = bs_emodel_alloc();
		if (bs_emodel_parse_header(again, text, len, "written", &hdrlen2, &err) < 0 ||
		    hdrlen2 != len)
			abort(); /* the writer's header is refused by its reader */
		bs_emodel_free(again);
		free(text);
	}
	bs_emodel_free(em);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bs_pubkey expect;
	static int have_key;
	bs_error err;
	bs_emodel *em;
	uint8_t *buf;

	if (size < 1)
		return 0;
	fuzz_init();
	if (!have_key) {
		bs_pubkey_init(&expect);
		if (bs_pubkey_parse(&expect, "test.pub", fuzz_test_pub, strlen(fuzz_test_pub),
		                    BS_KEYFILE_ALLOW_INSECURE, &err) < 0)
			abort();
		have_key = 1;
	}
	int fix_hash = data[0] & 1, use_key = data[0] & 2;
	data++;
	size--;
	buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	if (fix_hash && size >= 32)
		crypto_hash_sha256(buf + size - 32, buf, size - 32);
	check_header(buf, size);
	em = bs_emodel_load(fuzz_memfile(buf, size), use_key ? &expect : NULL, &err);
	if (em) {
		mpz_t c, g;
		if (em->count != ((size_t)1 << em->fp.bits) + 1)
			abort();
		mpz_init(g);
		for (size_t j = 0; j < em->count; j++) {
			bs_emodel_ct(em, j, c);
			mpz_gcd(g, c, em->pk.n);
			if (mpz_sgn(c) <= 0 || mpz_cmp(c, em->pk.n2) >= 0 || mpz_cmp_ui(g, 1) != 0)
				abort(); /* a ciphertext the loader should have refused */
		}
		mpz_clear(g);
		bs_emodel_free(em);
	}
	free(buf);
	return 0;
}
