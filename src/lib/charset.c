/*
 * charset.c - Latin-1/Windows-1252 to UTF-8 and RFC 2047 decoding (see charset.h).
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "charset.h"
#include "decode.h"

/* Windows-1252 0x80..0x9F (WHATWG index; unassigned bytes map to C1 controls). */
static const unsigned short cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static const char *const latin_names[] = {
    "us-ascii",        "ascii",  "ansi_x3.4-1968", "iso-8859-1", "iso8859-1", "iso_8859-1",
    "iso-8859-1:1987", "latin1", "latin-1",        "l1",         "cp819",     "ibm819",
    "windows-1252",    "cp1252", "x-cp1252",       "win-1252",
};

static const char *const utf8_names[] = {"utf-8", "utf8", "unicode-1-1-utf-8"};

enum bs_charset bs_charset_lookup(const char *name, size_t len)
{
	while (len > 0 && (*name == '"' || *name == ' ' || *name == '\t')) {
		name++;
		len--;
	}
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '"' || name[i] == '*' || name[i] == ' ' || name[i] == '\t' ||
		    name[i] == ';') {
			len = i;
			break;
		}
	}
	for (size_t i = 0; i < sizeof latin_names / sizeof *latin_names; i++)
		if (strlen(latin_names[i]) == len && strncasecmp(latin_names[i], name, len) == 0)
			return BS_CS_LATIN;
	for (size_t i = 0; i < sizeof utf8_names / sizeof *utf8_names; i++)
		if (strlen(utf8_names[i]) == len && strncasecmp(utf8_names[i], name, len) == 0)
			return BS_CS_UTF8;
	return BS_CS_RAW;
}

size_t bs_utf8_put(unsigned long cp, char *out)
{
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t bs_charset_to_utf8(enum bs_charset cs, const char *in, size_t len, char *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t k = 0;

	if (cs != BS_CS_LATIN) {
		memcpy(out, in, len);
		return len;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		if (c < 0x80)
			out[k++] = (char)c;
		else if (c < 0xA0)
			k += bs_utf8_put(cp1252_high[c - 0x80], out + k);
		else if (c == 0xA0)
			out[k++] = ' ';
		else
			k += bs_utf8_put(c, out + k);
	}
	return k;
}

/* ---------------------------------------------------------------- RFC 2047 */

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parse an encoded-word at in[0..len) (starting "=?").  On success return its
 * length and set the fields. */
static size_t ew_parse(const char *in, size_t len, const char **cs, size_t *cslen, char *enc,
                       const char **text, size_t *textlen)
{
	size_t i = 2;

	*cs = in + 2;
	while (i < len && in[i] != '?' && in[i] > ' ' && in[i] < 0x7f)
		i++;
	if (i >= len || in[i] != '?' || i == 2)
		return 0;
	*cslen = i - 2;
	if (i + 2 >= len || in[i + 2] != '?')
		return 0;
	*enc = (char)(in[i + 1] | 0x20);
	if (*enc != 'b' && *enc != 'q')
		return 0;
	i += 3;
	*text = in + i;
	while (i + 1 < len && !(in[i] == '?' && in[i + 1] == '=')) {
		if ((unsigned char)in[i] <= ' ')
			return 0; /* no whitespace inside a word */
		i++;
	}
	if (i + 1 >= len)
		return 0;
	*textlen = (size_t)(in + i - *text);
	return i + 2;
}

/* Decode one word's text to raw bytes in tmp (capacity >= textlen). */
static size_t ew_decode_text(char enc, const char *text, size_t textlen, char *tmp)
{
	size_t k = 0;

	if (enc == 'b') {
		bs_b64 d;
		bs_b64_init(&d);
		k = bs_b64_feed(&d, text, textlen, tmp);
		return k + bs_b64_finish(&d, tmp + k);
	}
	for (size_t i = 0; i < textlen; i++) {
		int h1, h2;
		if (text[i] == '_') {
			tmp[k++] = ' ';
		} else if (text[i] == '=' && i + 2 < textlen &&
		           (h1 = hexval((unsigned char)text[i + 1])) >= 0 &&
		           (h2 = hexval((unsigned char)text[i + 2])) >= 0) {
			tmp[k++] = (char)(h1 << 4 | h2);
			i += 2;
		} else {
			tmp[k++] = text[i];
		}
	}
	return k;
}

static size_t put_cut(char *out, size_t k, size_t outcap, const char *s, size_t n)
{
	if (k >= outcap)
		return k;
	if (n > outcap - k)
		n = outcap - k;
	memcpy(out + k, s, n);
	return k + n;
}

size_t bs_rfc2047_decode(const char *in, size_t len, char *out, size_t outcap)
{
	/* A word's text is at most len bytes; decoded it is no longer, and UTF-8
	 * conversion at most triples it.  Convert in slices to stay bounded. */
	char raw[256], conv[3 * sizeof raw];
	size_t i = 0, k = 0;
	size_t pending_ws = 0; /* whitespace after an encoded-word, not yet copied */
	const char *ws_start = NULL;

	while (i < len) {
		const char *cs, *text;
		size_t cslen, textlen, n;
		char enc;

		if (in[i] == '=' && i + 1 < len && in[i + 1] == '?' &&
		    (n = ew_parse(in + i, len - i, &cs, &cslen, &enc, &text, &textlen)) > 0) {
			enum bs_charset c = bs_charset_lookup(cs, cslen);
			pending_ws = 0; /* dropped between adjacent words */
			for (size_t off = 0; off < textlen;) {
				/* b64 slices must be multiples of 4 characters */
				size_t take = textlen - off < 240 ? textlen - off : 240;
				size_t m = ew_decode_text(enc, text + off, take, raw);
				if (enc == 'q' && take == 240) {
					/* do not split an "=XX": back up to before any '=' in the
					 * last two characters */
					size_t back = 0;
					if (text[off + take - 1] == '=')
						back = 1;
					else if (text[off + take - 2] == '=')
						back = 2;
					if (back) {
						take -= back;
						m = ew_decode_text(enc, text + off, take, raw);
					}
				}
				size_t cl = bs_charset_to_utf8(c, raw, m, conv);
				k = put_cut(out, k, outcap, conv, cl);
				off += take;
			}
			i += n;
			/* remember following whitespace; copied only if no word follows */
			ws_start = in + i;
			while (i < len &&
			       (in[i] == ' ' || in[i] == '\t' || in[i] == '\r' || in[i] == '\n'))
				i++;
			pending_ws = (size_t)(in + i - ws_start);
			continue;
		}
		if (pending_ws) {
			k = put_cut(out, k, outcap, ws_start, pending_ws);
			pending_ws = 0;
		}
		k = put_cut(out, k, outcap, in + i, 1);
		i++;
	}
	if (pending_ws)
		k = put_cut(out, k, outcap, ws_start, pending_ws);
	return k;
}
