/*
 * record.c - the spool line and the X-Blindscore header value (record.h,
 * blindscore-spool(5)).
 *
 * One text form per record: the writer produces it, the reader refuses
 * anything else, so the hash chain is over a canonical encoding.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

#define NFIELDS 12

static const char *const field_names[NFIELDS] = {
    "version", "seq",   "time",    "queueid",   "msgid",      "sender",
    "nrcpt",   "keyid", "modelid", "truncated", "ciphertext", "prev",
};

void bs_record_init(bs_record *r)
{
	memset(r, 0, sizeof *r);
	mpz_init(r->c);
}

void bs_record_clear(bs_record *r)
{
	mpz_clear(r->c);
	sodium_memzero(r, sizeof *r);
}

void bs_record_set_text(char *field, const char *value)
{
	size_t n = value ? strnlen(value, BS_RECORD_TEXT_MAX) : 0;

	if (n)
		memcpy(field, value, n);
	field[n] = '\0';
}

/* ------------------------------------------------------------ helpers */

static int needs_escape(unsigned char ch)
{
	return ch < 0x21 || ch > 0x7e || ch == '%';
}

static int is_lower_hex(const char *s, size_t len, size_t want)
{
	if (len != want)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* Append the escaped form of a text field to out (room: 3*MAX + 1). */
static size_t escape_text(char *out, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (v[0] == '\0') {
		out[o++] = '-';
	} else if (strcmp(v, "-") == 0) {
		memcpy(out, "%2D", 3);
		o = 3;
	} else {
		for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
			if (needs_escape(*p)) {
				out[o++] = '%';
				out[o++] = hex[*p >> 4];
				out[o++] = hex[*p & 15];
			} else {
				out[o++] = (char)*p;
			}
		}
	}
	out[o] = '\0';
	return o;
}

/* Fixed-width big-endian base64 of c; NULL if it does not fit. */
static char *ciphertext_b64(const mpz_t c, unsigned bits, size_t *b64len)
{
	size_t width = 2 * (size_t)bits / 8, count = 0;
	size_t b64max;
	unsigned char *buf;
	char *b64;

	if (bits == 0 || bits % 8 || mpz_sgn(c) < 0 || mpz_sizeinbase(c, 2) > 8 * width)
		return NULL;
	buf = bs_xcalloc(1, width);
	if (mpz_sgn(c) > 0) {
		size_t need = (mpz_sizeinbase(c, 2) + 7) / 8;
		mpz_export(buf + (width - need), &count, 1, 1, 1, 0, c);
	}
	b64max = sodium_base64_ENCODED_LEN(width, sodium_base64_VARIANT_ORIGINAL);
	b64 = bs_xmalloc(b64max);
	sodium_bin2base64(b64, b64max, buf, width, sodium_base64_VARIANT_ORIGINAL);
	free(buf);
	*b64len = strlen(b64);
	return b64;
}

/* Strict base64 (canonical: re-encoding gives the same text) to c. */
static int parse_b64(const char *s, size_t len, mpz_t c, size_t *clen, const char **why)
{
	size_t maxbin = len / 4 * 3, binlen = 0;
	unsigned char *bin;
	char *again;
	size_t againmax;
	int rc = -1;

	if (len == 0 || len % 4) {
		*why = "not base64 (length not a multiple of 4)";
		return -1;
	}
	bin = bs_xmalloc(maxbin ? maxbin : 1);
	if (sodium_base642bin(bin, maxbin, s, len, NULL, &binlen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0) {
		*why = "not base64";
		goto out;
	}
	againmax = sodium_base64_ENCODED_LEN(binlen, sodium_base64_VARIANT_ORIGINAL);
	again = bs_xmalloc(againmax);
	sodium_bin2base64(again, againmax, bin, binlen, sodium_base64_VARIANT_ORIGINAL);
	if (strlen(again) != len || memcmp(again, s, len) != 0) {
		*why = "not canonical base64";
	} else if (binlen == 0 || binlen > 2 * BS_MAX_BITS / 8) {
		*why = "ciphertext width out of range";
	} else {
		mpz_import(c, binlen, 1, 1, 1, 0, bin);
		*clen = binlen;
		rc = 0;
	}
	free(again);
out:
	free(bin);
	return rc;
}

/* Decimal without sign or leading zeros, at most `max`. */
static int parse_dec(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned d;
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int parse_text(const char *s, size_t len, char *out, const char **why)
{
	size_t o = 0;

	if (len == 1 && s[0] == '-') {
		out[0] = '\0';
		return 0;
	}
	if (len == 3 && memcmp(s, "%2D", 3) == 0) {
		strcpy(out, "-");
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '%') {
			int hi, lo;
			if (len - i < 3) {
				*why = "'%' not followed by two hex digits";
				return -1;
			}
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0) {
				*why = "'%' not followed by two upper-case hex digits";
				return -1;
			}
			ch = (unsigned char)(hi << 4 | lo);
			if (ch == 0) {
				*why = "%00 (NUL) is not allowed";
				return -1;
			}
			if (!needs_escape(ch)) {
				*why = "escape of a byte that needs none";
				return -1;
			}
			i += 2;
		} else if (needs_escape(ch)) {
			*why = "unescaped byte outside 0x21..0x7e";
			return -1;
		}
		if (o == BS_RECORD_TEXT_MAX) {
			*why = "longer than 256 bytes";
			return -1;
		}
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return 0;
}

/* ------------------------------------------------------------ format */

char *bs_record_format(const bs_record *r, unsigned bits, size_t *len)
{
	char q[3 * BS_RECORD_TEXT_MAX + 1], m[3 * BS_RECORD_TEXT_MAX + 1],
	    s[3 * BS_RECORD_TEXT_MAX + 1];
	char *b64, *line;
	size_t b64len, max;
	int n;

	if (r->seq == 0 || !is_lower_hex(r->keyid, strlen(r->keyid), BS_KEYID_HEXLEN) ||
	    !is_lower_hex(r->modelid, strlen(r->modelid), BS_MODELID_HEXLEN) ||
	    !is_lower_hex(r->prev, strlen(r->prev), BS_HASH_HEXLEN) || r->time < 0)
		return NULL;
	b64 = ciphertext_b64(r->c, bits, &b64len);
	if (!b64)
		return NULL;
	escape_text(q, r->queueid);
	escape_text(m, r->msgid);
	escape_text(s, r->sender);
	max = strlen(q) + strlen(m) + strlen(s) + b64len + 256;
	line = bs_xmalloc(max);
	n = snprintf(line, max,
	             BS_RECORD_TAG " %" PRIu64 " %" PRId64 " %s %s %s %u %s %s %d %s %s\n", r->seq,
	             r->time, q, m, s, r->nrcpt, r->keyid, r->modelid, r->truncated ? 1 : 0, b64,
	             r->prev);
	free(b64);
	if (len)
		*len = (size_t)n;
	return line;
}

/* ------------------------------------------------------------ parse */

static int field_error(bs_error *err, const char *where, int field, const char *why)
{
	return bs_error_set(err, BS_E_DATA, "%s: field '%s': %s", where, field_names[field], why);
}

int bs_record_parse(bs_record *r, const char *line, size_t len, const char *where, bs_error *err)
{
	const char *f[NFIELDS];
	size_t fl[NFIELDS];
	size_t nf = 0, start = 0;
	uint64_t v;
	const char *why = NULL;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len + 1 > BS_RECORD_LINE_MAX)
		return bs_error_set(err, BS_E_DATA, "%s: line longer than %d bytes", where,
		                    BS_RECORD_LINE_MAX);
	if (memchr(line, '\n', len))
		return bs_error_set(err, BS_E_DATA, "%s: embedded line feed", where);
	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (nf == NFIELDS)
			return bs_error_set(err, BS_E_DATA,
			                    "%s: more than %d fields (after field 'prev')", where,
			                    NFIELDS);
		f[nf] = line + start;
		fl[nf] = i - start;
		if (fl[nf] == 0)
			return field_error(err, where, (int)nf,
			                   "empty (fields are separated by single spaces)");
		nf++;
		start = i + 1;
	}
	if (nf < NFIELDS)
		return field_error(err, where, (int)nf, "missing (line ends early)");

	if (fl[0] != strlen(BS_RECORD_TAG) || memcmp(f[0], BS_RECORD_TAG, fl[0]) != 0)
		return field_error(err, where, 0,
		                   "not '" BS_RECORD_TAG "' (unknown format version)");
	if (parse_dec(f[1], fl[1], UINT64_MAX, &v) < 0 || v == 0)
		return field_error(err, where, 1, "not a decimal number >= 1");
	r->seq = v;
	if (parse_dec(f[2], fl[2], INT64_MAX, &v) < 0)
		return field_error(err, where, 2, "not a non-negative decimal UNIX time");
	r->time = (int64_t)v;
	if (parse_text(f[3], fl[3], r->queueid, &why) < 0)
		return field_error(err, where, 3, why);
	if (parse_text(f[4], fl[4], r->msgid, &why) < 0)
		return field_error(err, where, 4, why);
	if (parse_text(f[5], fl[5], r->sender, &why) < 0)
		return field_error(err, where, 5, why);
	if (parse_dec(f[6], fl[6], UINT_MAX, &v) < 0)
		return field_error(err, where, 6, "not a decimal number of recipients");
	r->nrcpt = (unsigned)v;
	if (!is_lower_hex(f[7], fl[7], BS_KEYID_HEXLEN))
		return field_error(err, where, 7, "not 32 lower-case hex digits");
	memcpy(r->keyid, f[7], BS_KEYID_HEXLEN);
	r->keyid[BS_KEYID_HEXLEN] = '\0';
	if (!is_lower_hex(f[8], fl[8], BS_MODELID_HEXLEN))
		return field_error(err, where, 8, "not 64 lower-case hex digits");
	memcpy(r->modelid, f[8], BS_MODELID_HEXLEN);
	r->modelid[BS_MODELID_HEXLEN] = '\0';
	if (fl[9] != 1 || (f[9][0] != '0' && f[9][0] != '1'))
		return field_error(err, where, 9, "not 0 or 1");
	r->truncated = f[9][0] == '1';
	if (parse_b64(f[10], fl[10], r->c, &r->clen, &why) < 0)
		return field_error(err, where, 10, why);
	if (!is_lower_hex(f[11], fl[11], BS_HASH_HEXLEN))
		return field_error(err, where, 11, "not 64 lower-case hex digits");
	memcpy(r->prev, f[11], BS_HASH_HEXLEN);
	r->prev[BS_HASH_HEXLEN] = '\0';
	return 0;
}

void bs_record_hash(const char *line, size_t len, char out[BS_HASH_HEXLEN + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	if (len > 0 && line[len - 1] == '\n')
		len--;
	crypto_hash_sha256(h, (const unsigned char *)line, len);
	bs_hex_encode(out, h, sizeof h);
	out[BS_HASH_HEXLEN] = '\0';
}

/* ------------------------------------------------------------ header value */

char *bs_record_header_value(const char *keyid, const char *modelid, const mpz_t c, unsigned bits)
{
	char *b64, *out;
	size_t b64len, max;

	if (!is_lower_hex(keyid, strlen(keyid), BS_KEYID_HEXLEN) ||
	    !is_lower_hex(modelid, strlen(modelid), BS_MODELID_HEXLEN))
		return NULL;
	b64 = ciphertext_b64(c, bits, &b64len);
	if (!b64)
		return NULL;
	max = b64len + BS_KEYID_HEXLEN + BS_MODELID_HEXLEN + 32;
	out = bs_xmalloc(max);
	snprintf(out, max, "v=1; k=%s; m=%s; c=%s", keyid, modelid, b64);
	free(b64);
	return out;
}

#define FOLD_COLS 78

char *bs_record_header_fold(const char *value, size_t first_col)
{
	size_t len = strlen(value), col = first_col, o = 0;
	char *out = bs_xmalloc(len * 3 / 2 + 64 + first_col);

	for (size_t i = 0; i < len; i++) {
		/* After "; " start a new line if the next tag=value does not fit. */
		if (value[i] == ' ' && i > 0 && value[i - 1] == ';') {
			size_t next = strcspn(value + i + 1, ";");
			if (col + 1 + next > FOLD_COLS) {
				memcpy(out + o, "\n\t", 2);
				o += 2;
				col = 8;
				continue;
			}
		}
		if (col >= FOLD_COLS) {
			memcpy(out + o, "\n\t", 2);
			o += 2;
			col = 8;
		}
		out[o++] = value[i];
		col++;
	}
	out[o] = '\0';
	return out;
}

/* Copy `value` without folding whitespace; -1 on a bare line break. */
static char *unfold(const char *value, const char **why)
{
	size_t len = strlen(value), o = 0;
	char *out = bs_xmalloc(len + 1);

	for (size_t i = 0; i < len; i++) {
		char ch = value[i];
		if (ch == ' ' || ch == '\t')
			continue;
		if (ch == '\r' && value[i + 1] == '\n')
			ch = value[++i];
		if (ch == '\n' || ch == '\r') {
			if (value[i + 1] != ' ' && value[i + 1] != '\t') {
				*why = "line break not followed by a space or tab";
				free(out);
				return NULL;
			}
			continue;
		}
		out[o++] = ch;
	}
	out[o] = '\0';
	return out;
}

int bs_record_header_parse(const char *value, char keyid[BS_KEYID_HEXLEN + 1],
                           char modelid[BS_MODELID_HEXLEN + 1], mpz_t c, size_t *clen,
                           bs_error *err)
{
	static const char *const tags[] = {"v", "k", "m", "c"};
	const char *why = NULL;
	char *flat = unfold(value, &why), *p, *semi;
	size_t dummy;
	int rc = -1;

	if (!flat)
		return bs_error_set(err, BS_E_DATA, "header value: %s", why);
	p = flat;
	for (int t = 0; t < 4; t++) {
		size_t tl = strlen(tags[t]), vl;
		char *v;

		if (strncmp(p, tags[t], tl) != 0 || p[tl] != '=') {
			bs_error_set(err, BS_E_DATA, "header value: tag '%s=' expected%s", tags[t],
			             t ? " after ';'" : " first");
			goto out;
		}
		v = p + tl + 1;
		semi = strchr(v, ';');
		if ((semi != NULL) != (t < 3)) {
			bs_error_set(err, BS_E_DATA, "header value: %s",
			             t < 3 ? "missing tags (want v=, k=, m=, c=)"
			                   : "text after the c= tag");
			goto out;
		}
		vl = semi ? (size_t)(semi - v) : strlen(v);
		if (t == 0 && (vl != 1 || v[0] != '1')) {
			bs_error_set(err, BS_E_DATA, "header value: tag 'v': version is not 1");
			goto out;
		}
		if (t == 1) {
			if (!is_lower_hex(v, vl, BS_KEYID_HEXLEN)) {
				bs_error_set(err, BS_E_DATA,
				             "header value: tag 'k': not 32 lower-case hex digits");
				goto out;
			}
			memcpy(keyid, v, vl);
			keyid[vl] = '\0';
		}
		if (t == 2) {
			if (!is_lower_hex(v, vl, BS_MODELID_HEXLEN)) {
				bs_error_set(err, BS_E_DATA,
				             "header value: tag 'm': not 64 lower-case hex digits");
				goto out;
			}
			memcpy(modelid, v, vl);
			modelid[vl] = '\0';
		}
		if (t == 3 && parse_b64(v, vl, c, clen ? clen : &dummy, &why) < 0) {
			bs_error_set(err, BS_E_DATA, "header value: tag 'c': %s", why);
			goto out;
		}
		p = semi ? semi + 1 : v + vl;
	}
	rc = 0;
out:
	free(flat);
	return rc;
}
