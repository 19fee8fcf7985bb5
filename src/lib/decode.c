/*
 * decode.c - streaming base64 and quoted-printable decoders (see decode.h).
 */
#include "config.h"

#include "decode.h"

/* Sextet value + 1 for the alphabet, B64_PAD for '=', 0 (ignored) for the rest;
 * the +1 keeps "everything else" at the implicit zero. */
#define B64_PAD 65
static const unsigned char b64_val[256] = {
    ['A'] = 1,  ['B'] = 2,       ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,
    ['H'] = 8,  ['I'] = 9,       ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
    ['O'] = 15, ['P'] = 16,      ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
    ['V'] = 22, ['W'] = 23,      ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28,
    ['c'] = 29, ['d'] = 30,      ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
    ['j'] = 36, ['k'] = 37,      ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44,      ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
    ['x'] = 50, ['y'] = 51,      ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58,      ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63,
    ['/'] = 64, ['='] = B64_PAD,
};

void bs_b64_init(bs_b64 *d)
{
	d->acc = 0;
	d->n = 0;
}

/* Emit the complete bytes of a partial quantum of n sextets and reset. */
static size_t b64_flush_partial(bs_b64 *d, char *out)
{
	size_t k = 0;

	if (d->n == 2) {
		out[k++] = (char)(d->acc >> 4);
	} else if (d->n == 3) {
		out[k++] = (char)(d->acc >> 10);
		out[k++] = (char)(d->acc >> 2);
	}
	d->acc = 0;
	d->n = 0;
	return k;
}

size_t bs_b64_feed(bs_b64 *d, const char *in, size_t len, char *out)
{
	const unsigned char *p = (const unsigned char *)in, *end = p + len;
	unsigned acc = d->acc;
	int n = d->n;
	size_t k = 0;

	while (p < end) {
		unsigned v = b64_val[*p++];
		if (v - 1 < 64) { /* unsigned: v == 0 wraps and fails */
			acc = (acc << 6) | (v - 1);
			if (++n == 4) {
				out[k++] = (char)(acc >> 16);
				out[k++] = (char)(acc >> 8);
				out[k++] = (char)acc;
				acc = 0;
				n = 0;
			}
		} else if (v == B64_PAD && n > 0) {
			d->acc = acc;
			d->n = n;
			k += b64_flush_partial(d, out + k);
			acc = 0;
			n = 0;
		}
	}
	d->acc = acc;
	d->n = n;
	return k;
}

size_t bs_b64_finish(bs_b64 *d, char *out)
{
	return b64_flush_partial(d, out);
}

void bs_qp_init(bs_qp *d)
{
	d->state = 0;
	d->hex1 = 0;
}

static int qp_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t bs_qp_feed(bs_qp *d, const char *in, size_t len, char *out)
{
	const unsigned char *p = (const unsigned char *)in, *end = p + len;
	size_t k = 0;

	while (p < end) {
		unsigned char c = *p;
		switch (d->state) {
		case 0: {
			/* fast path: copy up to the next '=' */
			const unsigned char *q = p;
			while (q < end && *q != '=')
				q++;
			for (; p < q; p++)
				out[k++] = (char)*p;
			if (p < end) {
				d->state = 1;
				p++;
			}
			continue;
		}
		case 1:
			if (qp_hex(c) >= 0) {
				d->hex1 = c;
				d->state = 2;
				p++;
			} else if (c == '\n') {
				d->state = 0; /* soft break */
				p++;
			} else if (c == '\r') {
				d->state = 3;
				p++;
			} else {
				out[k++] = '='; /* bad escape: literal, reprocess c */
				d->state = 0;
			}
			continue;
		case 2:
			if (qp_hex(c) >= 0) {
				out[k++] = (char)(qp_hex(d->hex1) << 4 | qp_hex(c));
				p++;
			} else {
				out[k++] = '=';
				out[k++] = (char)d->hex1;
			}
			d->state = 0;
			continue;
		default: /* "=\r": a soft break whether or not '\n' follows */
			if (c == '\n')
				p++;
			d->state = 0;
			continue;
		}
	}
	return k;
}

size_t bs_qp_finish(bs_qp *d, char *out)
{
	size_t k = 0;

	if (d->state == 1) {
		out[k++] = '=';
	} else if (d->state == 2) {
		out[k++] = '=';
		out[k++] = (char)d->hex1;
	}
	d->state = 0;
	return k;
}
