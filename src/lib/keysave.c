/*
 * keysave.c - writing public and secret key files (see keyfile.h).
 *
 * Text is built in one fixed buffer of BS_KEYFILE_MAX bytes that is never
 * reallocated and is wiped before it is freed, so the hex of p and q exists
 * in exactly one place.  Files are created 0600 and only then given their
 * final mode, so a secret is never readable by others, not even briefly.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"
#include "keyseal.h"

struct sbuf {
	char *buf;
	size_t len, cap;
	int overflow;
};

static void sb_init(struct sbuf *b)
{
	b->cap = BS_KEYFILE_MAX;
	b->buf = bs_xmalloc(b->cap + 1);
	b->buf[0] = '\0';
	b->len = 0;
	b->overflow = 0;
}

static void sb_free(struct sbuf *b)
{
	if (b->buf) {
		sodium_memzero(b->buf, b->cap + 1);
		free(b->buf);
	}
	b->buf = NULL;
}

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->len, b->cap + 1 - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n > b->cap - b->len)
		b->overflow = 1;
	else
		b->len += (size_t)n;
}

/* "name <lower-case hex>\n", written straight into the buffer. */
static void sb_mpz(struct sbuf *b, const char *name, const mpz_t x)
{
	size_t need = strlen(name) + 1 + mpz_sizeinbase(x, 16) + 1;

	if (b->overflow || b->len + need > b->cap) {
		b->overflow = 1;
		return;
	}
	b->len += (size_t)sprintf(b->buf + b->len, "%s ", name);
	mpz_get_str(b->buf + b->len, 16, x);
	b->len += strlen(b->buf + b->len);
	b->buf[b->len++] = '\n';
	b->buf[b->len] = '\0';
}

static void format_public(struct sbuf *b, const bs_pubkey *pk, const char *magic)
{
	sb_printf(b, "%s 1\nbits %u\nkeyid %s\n", magic, pk->bits, pk->keyid_hex);
	sb_mpz(b, "n", pk->n);
	sb_mpz(b, "hs", pk->hs);
}

char *bs_pubkey_format(const bs_pubkey *pk, size_t *len)
{
	struct sbuf b;

	sb_init(&b);
	format_public(&b, pk, "blindscore-public-key");
	if (b.overflow) {
		sb_free(&b);
		return NULL;
	}
	if (len)
		*len = b.len;
	return b.buf;
}

int bs_pubkey_save(const bs_pubkey *pk, const char *path, unsigned flags, bs_error *err)
{
	size_t len;
	char *text = bs_pubkey_format(pk, &len);
	int rc;

	if (!text)
		return bs_error_set(err, BS_E_INTERNAL, "public key too large to format");
	rc = bs_write_file(path, text, len, 0644, !!(flags & BS_KEYFILE_OVERWRITE), err);
	free(text);
	return rc;
}

/* Append "sealed ..." and "box ..." lines for the body text. */
static int seal_body(struct sbuf *b, const struct sbuf *body, const bs_passphrase *pass,
                     const bs_seal_params *params, bs_error *err)
{
	char salt[2 * crypto_pwhash_SALTBYTES + 1], nonce[2 * crypto_secretbox_NONCEBYTES + 1];
	size_t boxlen = body->len + crypto_secretbox_MACBYTES;
	uint8_t *box;
	bs_keyseal s;
	int rc;

	if (bs_keyseal_init(&s, params, err) < 0)
		return -1;
	bs_hex_encode(salt, s.salt, sizeof s.salt);
	bs_hex_encode(nonce, s.nonce, sizeof s.nonce);
	sb_printf(b, "sealed %s %llu %zu %s %s\n", BS_SEAL_ALG, s.params.opslimit,
	          s.params.memlimit, salt, nonce);
	if (b->overflow || b->len + 4 + 2 * boxlen + 1 > b->cap)
		return bs_error_set(err, BS_E_INTERNAL, "secret key too large to format");
	box = bs_xmalloc(boxlen);
	rc = bs_keyseal_close(&s, pass, b->buf, b->len, (const uint8_t *)body->buf, body->len, box,
	                      err);
	if (rc == 0) {
		sb_printf(b, "box ");
		bs_hex_encode(b->buf + b->len, box, boxlen);
		b->len += 2 * boxlen;
		sb_printf(b, "\n");
	}
	free(box); /* ciphertext: nothing secret */
	return rc;
}

int bs_seckey_save(const bs_seckey *sk, const char *path, const bs_passphrase *pass,
                   const bs_seal_params *params, unsigned flags, bs_error *err)
{
	struct sbuf b, body = {NULL, 0, 0, 0};
	int rc = -1;

	if (pass && pass->len == 0)
		return bs_error_set(err, BS_E_USAGE,
		                    "empty passphrase (write an unsealed key instead)");
	sb_init(&b);
	format_public(&b, &sk->pub, "blindscore-secret-key");
	if (!pass) {
		sb_mpz(&b, "p", sk->p);
		sb_mpz(&b, "q", sk->q);
	} else {
		sb_init(&body);
		sb_mpz(&body, "p", sk->p);
		sb_mpz(&body, "q", sk->q);
		if (body.overflow || seal_body(&b, &body, pass, params, err) < 0) {
			if (body.overflow)
				bs_error_set(err, BS_E_INTERNAL, "secret key too large to format");
			goto out;
		}
	}
	if (b.overflow) {
		bs_error_set(err, BS_E_INTERNAL, "secret key too large to format");
		goto out;
	}
	rc = bs_write_file(path, b.buf, b.len, 0600, !!(flags & BS_KEYFILE_OVERWRITE), err);
out:
	sb_free(&body);
	sb_free(&b);
	return rc;
}
