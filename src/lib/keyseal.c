/*
 * keyseal.c - Argon2id + BLAKE2b + secretbox seal of secret key bodies
 * (see keyseal.h).
 */
#include "config.h"

#include <string.h>

#include "keyseal.h"

#define KEYLEN crypto_secretbox_KEYBYTES

int bs_keyseal_init(bs_keyseal *s, const bs_seal_params *params, bs_error *err)
{
	s->params.opslimit = params ? params->opslimit : crypto_pwhash_OPSLIMIT_MODERATE;
	s->params.memlimit = params ? params->memlimit : crypto_pwhash_MEMLIMIT_MODERATE;
	if (s->params.opslimit < crypto_pwhash_OPSLIMIT_MIN ||
	    s->params.opslimit > BS_SEAL_OPS_MAX ||
	    s->params.memlimit < crypto_pwhash_MEMLIMIT_MIN || s->params.memlimit > BS_SEAL_MEM_MAX)
		return bs_error_set(err, BS_E_USAGE, "Argon2id parameters out of range");
	randombytes_buf(s->salt, sizeof s->salt);
	randombytes_buf(s->nonce, sizeof s->nonce);
	return 0;
}

/* key = BLAKE2b-256 keyed with Argon2id(passphrase) over the header. */
static uint8_t *seal_key(const bs_keyseal *s, const bs_passphrase *pp, const char *header,
                         size_t header_len, bs_error *err)
{
	uint8_t *pw = sodium_malloc(KEYLEN), *key = sodium_malloc(KEYLEN);

	if (!pw || !key) {
		bs_error_set(err, BS_E_NOMEM, "cannot allocate secure memory");
		goto fail;
	}
	if (crypto_pwhash(pw, KEYLEN, pp->buf, pp->len, s->salt, s->params.opslimit,
	                  s->params.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		bs_error_set(err, BS_E_NOMEM,
		             "Argon2id key derivation failed (it needs %zu MiB of memory)",
		             s->params.memlimit >> 20);
		goto fail;
	}
	crypto_generichash(key, KEYLEN, (const unsigned char *)header, header_len, pw, KEYLEN);
	sodium_free(pw);
	return key;
fail:
	if (pw)
		sodium_free(pw);
	if (key)
		sodium_free(key);
	return NULL;
}

int bs_keyseal_close(const bs_keyseal *s, const bs_passphrase *pp, const char *header,
                     size_t header_len, const uint8_t *pt, size_t ptlen, uint8_t *box,
                     bs_error *err)
{
	uint8_t *key;

	if (!pp || pp->len == 0)
		return bs_error_set(err, BS_E_USAGE,
		                    "empty passphrase (write an unsealed key instead)");
	key = seal_key(s, pp, header, header_len, err);
	if (!key)
		return -1;
	crypto_secretbox_easy(box, pt, ptlen, s->nonce, key);
	sodium_free(key);
	return 0;
}

int bs_keyseal_open(const bs_keyseal *s, const bs_passphrase *pp, const char *header,
                    size_t header_len, const uint8_t *box, size_t boxlen, uint8_t *pt,
                    bs_error *err)
{
	uint8_t *key;
	int rc;

	if (boxlen < crypto_secretbox_MACBYTES)
		return bs_error_set(err, BS_E_PASS, "wrong passphrase (or corrupted key file)");
	key = seal_key(s, pp, header, header_len, err);
	if (!key)
		return -1;
	rc = crypto_secretbox_open_easy(pt, box, boxlen, s->nonce, key);
	sodium_free(key);
	if (rc != 0)
		return bs_error_set(err, BS_E_PASS, "wrong passphrase (or corrupted key file)");
	return 0;
}
