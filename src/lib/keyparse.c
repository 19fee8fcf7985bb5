/*
 * keyparse.c - key file texts: cutting a text into the fields of its fixed
 * order, checking each value, opening the seal (keyparse.h, keyfile.h).
 *
 * Parsing happens in two steps: bs_keydoc_split cuts the text into the fields
 * of the fixed order (so unknown, duplicate, missing and extra fields are all
 * found in one place), then each field's value is checked with its line
 * number at hand.  Paillier's own checks name a field ("field 'n': ...");
 * kf_locate adds the file and line of that field to such a message.  Reading
 * files and their permissions is keyfile.c's job, writing them keysave.c's.
 */
#include "config.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "keyfile.h"
#include "keyparse.h"
#include "keyseal.h"

#define MAGIC_PUB "blindscore-public-key"
#define MAGIC_SEC "blindscore-secret-key"

static const char *const field_names[KF_COUNT] = {"bits", "keyid", "n",      "hs",
                                                  "p",    "q",     "sealed", "box"};
static const int order_pub[] = {KF_BITS, KF_KEYID, KF_N, KF_HS, -1};
static const int order_sec[] = {KF_BITS, KF_KEYID, KF_N, KF_HS, KF_P, KF_Q, -1};
static const int order_sealed[] = {KF_BITS, KF_KEYID, KF_N, KF_HS, KF_SEALED, KF_BOX, -1};

/* ------------------------------------------------------------ errors */

static int field_error(bs_error *err, const struct bs_keydoc *d, int f, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "<file> line <n>: field '<name>': <message>" (BS_E_DATA). */
static int field_error(bs_error *err, const struct bs_keydoc *d, int f, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return bs_error_set(err, BS_E_DATA, "%s line %d: field '%s': %s", d->name, d->f[f].line,
	                    field_names[f], msg);
}

/* Add "<file> line <n>" to a message that starts "field 'x'" (paillier.c). */
static void kf_locate(const struct bs_keydoc *d, bs_error *err)
{
	if (!err)
		return;
	for (int f = 0; f < KF_COUNT; f++) {
		char want[32];
		snprintf(want, sizeof want, "field '%s'", field_names[f]);
		if (strncmp(err->msg, want, strlen(want)) == 0 && d->f[f].line) {
			bs_error_prefix(err, "%s line %d", d->name, d->f[f].line);
			return;
		}
	}
	bs_error_prefix(err, "%s", d->name);
}

/* ------------------------------------------------------------ splitting */

static int field_index(const char *name, size_t len)
{
	for (int f = 0; f < KF_COUNT; f++)
		if (strlen(field_names[f]) == len && memcmp(field_names[f], name, len) == 0)
			return f;
	return -1;
}

int bs_keydoc_split(struct bs_keydoc *d, const char *name, const char *text, size_t len,
                    bs_error *err)
{
	const char *p = text, *end = text + len;
	const int *order = NULL;
	int line = 0, pos = 0;

	memset(d, 0, sizeof *d);
	d->name = name;
	if (len > BS_KEYFILE_MAX)
		return bs_error_set(err, BS_E_DATA, "%s: too large (%zu bytes, limit %d)", name,
		                    len, BS_KEYFILE_MAX);
	if (len < 11 || memcmp(text, "blindscore-", 11) != 0)
		return bs_error_set(err, BS_E_DATA, "%s line 1: not a blindscore key file", name);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
		size_t nlen;
		int f;

		line++;
		if (!nl)
			return bs_error_set(err, BS_E_DATA,
			                    "%s line %d: no newline at end of file (truncated?)",
			                    name, line);
		for (const char *q = p; q < nl; q++) {
			if (*q == '\r')
				return bs_error_set(err, BS_E_DATA,
				                    "%s line %d: carriage return (lines must end "
				                    "with LF only)",
				                    name, line);
			if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e)
				return bs_error_set(err, BS_E_DATA,
				                    "%s line %d: invalid byte 0x%02x", name, line,
				                    (unsigned char)*q);
		}
		if (nl == p)
			return bs_error_set(err, BS_E_DATA, "%s line %d: empty line", name, line);
		sp = memchr(p, ' ', (size_t)(nl - p));
		if (!sp)
			return bs_error_set(err, BS_E_DATA, "%s line %d: '%.*s' has no value", name,
			                    line, (int)(nl - p > 40 ? 40 : nl - p), p);
		nlen = (size_t)(sp - p);
		if (line == 1) {
			if (nlen == strlen(MAGIC_PUB) && memcmp(p, MAGIC_PUB, nlen) == 0) {
				d->kind = BS_KEY_PUBLIC;
				order = order_pub;
			} else if (nlen == strlen(MAGIC_SEC) && memcmp(p, MAGIC_SEC, nlen) == 0) {
				d->kind = BS_KEY_SECRET;
				order = order_sec;
			} else {
				return bs_error_set(err, BS_E_DATA,
				                    "%s line 1: not a blindscore key file", name);
			}
			if (nl - sp - 1 != 1 || sp[1] != '1')
				return bs_error_set(
				    err, BS_E_DATA,
				    "%s line 1: unsupported version '%.*s' (this "
				    "program reads version 1)",
				    name, (int)(nl - sp - 1 > 20 ? 20 : nl - sp - 1), sp + 1);
			p = nl + 1;
			continue;
		}
		f = field_index(p, nlen);
		if (f >= 0 && d->f[f].line)
			return bs_error_set(
			    err, BS_E_DATA,
			    "%s line %d: field '%s' appears twice (first on line %d)", name, line,
			    field_names[f], d->f[f].line);
		if (order[pos] < 0)
			return bs_error_set(err, BS_E_DATA,
			                    "%s line %d: unexpected '%.*s' after the last field "
			                    "(trailing garbage)",
			                    name, line, (int)(nlen > 40 ? 40 : nlen), p);
		if (d->kind == BS_KEY_SECRET && order[pos] == KF_P && f == KF_SEALED) {
			order = order_sealed;
			d->sealed = 1;
		}
		if (f < 0)
			return bs_error_set(err, BS_E_DATA, "%s line %d: unknown field '%.*s'",
			                    name, line, (int)(nlen > 40 ? 40 : nlen), p);
		if (f != order[pos])
			return bs_error_set(
			    err, BS_E_DATA, "%s line %d: field '%s' is missing here (found '%s')%s",
			    name, line, field_names[order[pos]], field_names[f],
			    order[pos] == KF_P ? "; a sealed key has 'sealed' here" : "");
		if (f == KF_BOX)
			d->header_len = (size_t)(p - text);
		d->f[f] = (struct bs_keyfield){line, sp + 1, (size_t)(nl - sp - 1)};
		pos++;
		p = nl + 1;
	}
	if (!order)
		return bs_error_set(err, BS_E_DATA, "%s: empty file", name);
	if (order[pos] >= 0)
		return bs_error_set(err, BS_E_DATA,
		                    "%s line %d: field '%s' is missing (file truncated?)", name,
		                    line + 1, field_names[order[pos]]);
	return 0;
}

/* ------------------------------------------------------------ values */

static int is_lower_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* Canonical hex (lower case, no leading zero, at most maxdigits) into x.  The
 * temporary copy is wiped: it may hold p or q. */
static int parse_hexnum(const struct bs_keydoc *d, int f, mpz_t x, size_t maxdigits, bs_error *err)
{
	const struct bs_keyfield *v = &d->f[f];
	char *tmp;
	int rc;

	if (!is_lower_hex(v->val, v->len))
		return field_error(err, d, f, "not lower-case hexadecimal");
	if (v->val[0] == '0')
		return field_error(err, d, f, "leading zero (numbers are written canonically)");
	if (v->len > maxdigits)
		return field_error(err, d, f, "too long (%zu hex digits, at most %zu)", v->len,
		                   maxdigits);
	tmp = bs_xmalloc(v->len + 1);
	memcpy(tmp, v->val, v->len);
	tmp[v->len] = '\0';
	mpz_realloc2(x, (mp_bitcnt_t)(4 * v->len + 64)); /* no reallocation while parsing */
	rc = mpz_set_str(x, tmp, 16);
	sodium_memzero(tmp, v->len + 1);
	free(tmp);
	if (rc < 0)
		return field_error(err, d, f, "not a hexadecimal number");
	return 0;
}

static int parse_uint(const char *s, size_t len, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (len == 0 || len > 20 || (s[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (max - (unsigned long long)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* bits, keyid, n, hs: fill pk and check it against the declared values. */
int bs_keydoc_public(const struct bs_keydoc *d, bs_pubkey *pk, unsigned flags, bs_error *err)
{
	const struct bs_keyfield *kid = &d->f[KF_KEYID];
	unsigned long long bits;
	unsigned nbits;

	if (parse_uint(d->f[KF_BITS].val, d->f[KF_BITS].len, BS_MAX_BITS, &bits) < 0)
		return field_error(err, d, KF_BITS, "not a decimal number up to %d", BS_MAX_BITS);
	if (bits < BS_TEST_MIN_BITS || bits % 2)
		return field_error(err, d, KF_BITS, "%llu-bit keys are not supported", bits);
	if (bits < BS_MIN_BITS && !(flags & BS_KEYFILE_ALLOW_INSECURE))
		return field_error(err, d, KF_BITS,
		                   "%llu-bit keys are insecure (the minimum is %d; test keys need "
		                   "the test-only flag)",
		                   bits, BS_MIN_BITS);
	if (kid->len != BS_KEYID_HEXLEN || !is_lower_hex(kid->val, kid->len))
		return field_error(err, d, KF_KEYID, "not %d lower-case hex digits",
		                   BS_KEYID_HEXLEN);
	if (parse_hexnum(d, KF_N, pk->n, (BS_MAX_BITS + 3) / 4, err) < 0)
		return -1;
	nbits = (unsigned)mpz_sizeinbase(pk->n, 2);
	if (nbits != bits)
		return field_error(err, d, KF_BITS, "says %llu, but field 'n' has %u bits", bits,
		                   nbits);
	if (parse_hexnum(d, KF_HS, pk->hs, (2 * BS_MAX_BITS + 3) / 4, err) < 0)
		return -1;
	bs_pubkey_finish(pk);
	if (bs_pubkey_validate(pk, (unsigned)bits, !!(flags & BS_KEYFILE_ALLOW_INSECURE), err) <
	    0) {
		kf_locate(d, err);
		return -1;
	}
	if (memcmp(kid->val, pk->keyid_hex, BS_KEYID_HEXLEN) != 0)
		return field_error(err, d, KF_KEYID,
		                   "does not match the key (expected %s from 'n' and 'hs', file "
		                   "says %.*s)",
		                   pk->keyid_hex, (int)kid->len, kid->val);
	return 0;
}

/* p and q (from the file or from the opened box), then bs_seckey_finish. */
static int kf_secret(const struct bs_keydoc *d, bs_seckey *sk, bs_error *err)
{
	unsigned half = sk->pub.bits / 2, pb, qb;
	size_t maxdigits = (half + 3) / 4;
	int rc = -1;
	mpz_t t;

	if (parse_hexnum(d, KF_P, sk->p, maxdigits, err) < 0 ||
	    parse_hexnum(d, KF_Q, sk->q, maxdigits, err) < 0)
		return -1;
	pb = (unsigned)mpz_sizeinbase(sk->p, 2);
	qb = (unsigned)mpz_sizeinbase(sk->q, 2);
	if (pb != half)
		return field_error(err, d, KF_P, "has %u bits, expected %u (half of 'bits')", pb,
		                   half);
	if (qb != half)
		return field_error(err, d, KF_Q, "has %u bits, expected %u (half of 'bits')", qb,
		                   half);
	mpz_init2(t, 2 * half + 64);
	if (!mpz_divisible_p(sk->pub.n, sk->p)) {
		field_error(err, d, KF_P, "does not divide n");
		goto out;
	}
	mpz_mul(t, sk->p, sk->q);
	if (mpz_cmp(t, sk->pub.n) != 0) {
		field_error(err, d, KF_Q, "p*q is not n");
		goto out;
	}
	if (bs_seckey_finish(sk, err) < 0) {
		kf_locate(d, err);
		goto out;
	}
	rc = 0;
out:
	bs_mpz_wipe_clear(t);
	return rc;
}

/* "argon2id13 <ops> <mem> <salt hex> <nonce hex>" */
int bs_keydoc_seal(const struct bs_keydoc *d, bs_keyseal *s, bs_error *err)
{
	const char *p = d->f[KF_SEALED].val, *end = p + d->f[KF_SEALED].len;
	const char *tok[5];
	size_t toklen[5];
	unsigned long long ops, mem;
	int n = 0;

	while (n < 5) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		tok[n] = p;
		toklen[n] = sp ? (size_t)(sp - p) : (size_t)(end - p);
		n++;
		if (!sp)
			break;
		p = sp + 1;
	}
	if (n != 5 || tok[4] + toklen[4] != end)
		return field_error(err, d, KF_SEALED,
		                   "expected '" BS_SEAL_ALG " <ops> <mem> <salt> <nonce>'");
	if (toklen[0] != strlen(BS_SEAL_ALG) || memcmp(tok[0], BS_SEAL_ALG, toklen[0]) != 0)
		return field_error(err, d, KF_SEALED,
		                   "unknown algorithm '%.*s' (expected " BS_SEAL_ALG ")",
		                   (int)(toklen[0] > 20 ? 20 : toklen[0]), tok[0]);
	if (parse_uint(tok[1], toklen[1], BS_SEAL_OPS_MAX, &ops) < 0 ||
	    ops < crypto_pwhash_OPSLIMIT_MIN)
		return field_error(err, d, KF_SEALED, "opslimit must be a number from %llu to %llu",
		                   (unsigned long long)crypto_pwhash_OPSLIMIT_MIN, BS_SEAL_OPS_MAX);
	if (parse_uint(tok[2], toklen[2], BS_SEAL_MEM_MAX, &mem) < 0 ||
	    mem < crypto_pwhash_MEMLIMIT_MIN)
		return field_error(err, d, KF_SEALED,
		                   "memlimit must be a number of bytes from %zu to %zu",
		                   (size_t)crypto_pwhash_MEMLIMIT_MIN, BS_SEAL_MEM_MAX);
	if (!is_lower_hex(tok[3], toklen[3]) ||
	    bs_hex_decode(s->salt, sizeof s->salt, tok[3], toklen[3]) != sizeof s->salt)
		return field_error(err, d, KF_SEALED, "salt is not %zu lower-case hex digits",
		                   2 * sizeof s->salt);
	if (!is_lower_hex(tok[4], toklen[4]) ||
	    bs_hex_decode(s->nonce, sizeof s->nonce, tok[4], toklen[4]) != sizeof s->nonce)
		return field_error(err, d, KF_SEALED, "nonce is not %zu lower-case hex digits",
		                   2 * sizeof s->nonce);
	s->params.opslimit = ops;
	s->params.memlimit = (size_t)mem;
	return 0;
}

/* Open the box with the passphrase and check p and q. */
static int kf_unseal(struct bs_keydoc *d, const bs_keyseal *s, const bs_passphrase *pp,
                     const char *text, bs_seckey *sk, bs_error *err)
{
	const struct bs_keyfield *bx = &d->f[KF_BOX];
	size_t boxlen = bx->len / 2, ptlen;
	uint8_t *box = NULL;
	char *pt = NULL, *nl1, *nl2;
	int rc = -1;

	if (bx->len % 2 || boxlen <= crypto_secretbox_MACBYTES || !is_lower_hex(bx->val, bx->len))
		return field_error(err, d, KF_BOX, "not lower-case hex of a sealed box");
	ptlen = boxlen - crypto_secretbox_MACBYTES;
	box = bs_xmalloc(boxlen);
	bs_hex_decode(box, boxlen, bx->val, bx->len);
	pt = sodium_malloc(ptlen + 1);
	if (!pt) {
		bs_error_set(err, BS_E_NOMEM, "cannot allocate secure memory");
		goto out;
	}
	if (bs_keyseal_open(s, pp, text, d->header_len, box, boxlen, (uint8_t *)pt, err) < 0) {
		bs_error_prefix(err, "%s", d->name);
		goto out;
	}
	pt[ptlen] = '\0';
	/* The plaintext is "p <hex>\nq <hex>\n"; its fields are reported on the box line. */
	nl1 = memchr(pt, '\n', ptlen);
	nl2 = nl1 ? memchr(nl1 + 1, '\n', ptlen - (size_t)(nl1 + 1 - pt)) : NULL;
	if (strncmp(pt, "p ", 2) != 0 || !nl1 || strncmp(nl1 + 1, "q ", 2) != 0 || !nl2 ||
	    nl2 != pt + ptlen - 1) {
		field_error(err, d, KF_BOX, "sealed content is not 'p <hex>' and 'q <hex>'");
		goto out;
	}
	d->f[KF_P] = (struct bs_keyfield){bx->line, pt + 2, (size_t)(nl1 - pt - 2)};
	d->f[KF_Q] = (struct bs_keyfield){bx->line, nl1 + 3, (size_t)(nl2 - nl1 - 3)};
	rc = kf_secret(d, sk, err);
	memset(&d->f[KF_P], 0, sizeof d->f[KF_P]);
	memset(&d->f[KF_Q], 0, sizeof d->f[KF_Q]);
out:
	sodium_memzero(box, boxlen);
	free(box);
	if (pt)
		sodium_free(pt);
	return rc;
}

/* ------------------------------------------------------------ parsing entry points */

int bs_pubkey_parse(bs_pubkey *pk, const char *name, const char *text, size_t len, unsigned flags,
                    bs_error *err)
{
	struct bs_keydoc d;

	if (bs_keydoc_split(&d, name, text, len, err) < 0)
		return -1;
	if (d.kind != BS_KEY_PUBLIC)
		return bs_error_set(err, BS_E_DATA,
		                    "%s is a secret key file; a public key file was expected",
		                    name);
	return bs_keydoc_public(&d, pk, flags, err);
}

int bs_seckey_parse(bs_seckey *sk, const char *name, const char *text, size_t len, unsigned flags,
                    bs_getpass_fn getpass, void *arg, bs_error *err)
{
	bs_passphrase pp = {NULL, 0};
	bs_keyseal s;
	struct bs_keydoc d;
	int rc;

	if (bs_keydoc_split(&d, name, text, len, err) < 0)
		return -1;
	if (d.kind != BS_KEY_SECRET)
		return bs_error_set(err, BS_E_DATA,
		                    "%s is a public key file; a secret key file was expected",
		                    name);
	if (bs_keydoc_public(&d, &sk->pub, flags, err) < 0)
		return -1;
	if (!d.sealed)
		return kf_secret(&d, sk, err);
	if (bs_keydoc_seal(&d, &s, err) < 0)
		return -1;
	if (!getpass)
		return bs_error_set(err, BS_E_PASS,
		                    "%s is sealed with a passphrase; none was given", name);
	if (getpass(arg, &pp, err) < 0) {
		bs_passphrase_free(&pp);
		return -1;
	}
	rc = kf_unseal(&d, &s, &pp, text, sk, err);
	bs_passphrase_free(&pp);
	return rc;
}
