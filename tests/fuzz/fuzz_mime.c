/*
 * fuzz_mime.c - libFuzzer target for the MIME walker (mime.h) and through it
 * the base64, quoted-printable, RFC 2047, charset and HTML decoders and the
 * tokenizer.
 *
 * The first two input bytes choose the chunk sizes (so that splits of lines,
 * escapes and words are explored); the rest is the message.  Checked
 * promises of mime.h and tokenize.h:
 *   - raw mode: the tokens are the same whether the message is fed in
 *     chunks of varying size or in 65,535-byte chunks (any split);
 *   - reuse: after bs_mime_reset (the milter reuses one walker per
 *     connection), a walker that saw half of another message gives the same
 *     tokens as a fresh one;
 *   - split mode (the milter's path: headers one by one as libmilter delivers
 *     them, then body chunks) gives the same tokens as raw mode, for every
 *     message whose header block libmilter could deliver;
 *   - plaintext mode runs too; every token is 1..BS_TOKEN_MAX bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "tokenize.h"

#include "fuzz.h"

struct digest {
	uint64_t h; /* FNV-1a over tokens and their lengths */
	size_t n;
};

static void digest_reset(struct digest *d)
{
	d->h = 0xcbf29ce484222325ULL;
	d->n = 0;
}

static void digest_cb(void *arg, const char *tok, size_t len)
{
	struct digest *d = arg;

	if (len == 0 || len > BS_TOKEN_MAX)
		abort(); /* tokenize.h: tokens are 1..BS_TOKEN_MAX bytes */
	for (size_t i = 0; i < len; i++)
		d->h = (d->h ^ (unsigned char)tok[i]) * 0x100000001b3ULL;
	d->h = (d->h ^ len) * 0x100000001b3ULL;
	d->n++;
}

/* Feed data in chunks: fixed size `seed`, or cycling through 1 + (seed*k) % 97. */
static void feed(bs_mime *m, const uint8_t *data, size_t len, unsigned seed, int vary, int body)
{
	size_t off = 0;
	unsigned k = 1;

	while (off < len) {
		size_t c = vary ? 1 + (seed * k++) % 97 : seed;
		if (c > len - off)
			c = len - off;
		if (body)
			bs_mime_body(m, (const char *)data + off, c);
		else
			bs_mime_feed(m, (const char *)data + off, c);
		off += c;
	}
}

static struct digest walk(const uint8_t *data, size_t len, unsigned seed, int vary,
                          enum bs_mime_mode mode)
{
	struct digest d;
	bs_tokenizer tok;
	bs_mime *m;

	digest_reset(&d);
	bs_tok_init(&tok, digest_cb, &d);
	m = bs_mime_new(mode, &tok);
	feed(m, data, len, seed, vary, 0);
	bs_mime_finish(m);
	bs_mime_free(m);
	return d;
}

/* A walker that first saw the first half of the message, reversed, then the
 * message after bs_mime_reset. */
static struct digest walk_reused(const uint8_t *data, size_t len)
{
	struct digest d;
	bs_tokenizer tok;
	bs_mime *m;
	size_t half = len / 2;
	uint8_t *other = malloc(half ? half : 1);

	for (size_t i = 0; i < half; i++)
		other[i] = data[half - 1 - i];
	digest_reset(&d);
	bs_tok_init(&tok, digest_cb, &d);
	m = bs_mime_new(BS_MIME_RFC822, &tok);
	feed(m, other, half, 7, 0, 0);
	free(other);
	bs_mime_reset(m);
	digest_reset(&d);
	feed(m, data, len, 65535, 0, 0);
	bs_mime_finish(m);
	bs_mime_free(m);
	return d;
}

/*
 * Split mode as the milter sees a message: each top-level header as name and
 * value (the value after "name:" without one leading space, its continuation
 * lines kept with their line breaks, the last line break dropped), then the
 * body.  Returns -1 for a header block libmilter could not deliver this way
 * (a line that is not "name:" or a continuation, a NUL in a value, a huge
 * line), where there is nothing to compare.
 */
static int walk_split(const uint8_t *data, size_t len, unsigned seed, struct digest *d)
{
	const char *msg = (const char *)data;
	bs_tokenizer tok;
	bs_mime *m;
	size_t i = 0;
	int rc = 0;

	digest_reset(d);
	if (len >= 5 && memcmp(msg, "From ", 5) == 0)
		return -1; /* an mbox line: not part of what an MTA delivers */
	bs_tok_init(&tok, digest_cb, d);
	m = bs_mime_new(BS_MIME_RFC822, &tok);
	while (i < len) {
		const char *nl = memchr(msg + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - msg) : len, c = e, colon = i;
		if (c > i && msg[c - 1] == '\r')
			c--;
		if (c == i) { /* the empty line ending the header block */
			i = nl ? e + 1 : len;
			break;
		}
		while (colon < c && msg[colon] != ':' && (unsigned char)msg[colon] > ' ' &&
		       (unsigned char)msg[colon] < 0x7f)
			colon++;
		if (colon == i || colon >= c || msg[colon] != ':' || c - i > BS_MIME_LINE_PREFIX) {
			rc = -1;
			goto out;
		}
		size_t vs = colon + 1, ve = c, next = nl ? e + 1 : len;
		if (vs < ve && msg[vs] == ' ')
			vs++;
		while (next < len && (msg[next] == ' ' || msg[next] == '\t')) {
			const char *nl2 = memchr(msg + next, '\n', len - next);
			size_t e2 = nl2 ? (size_t)(nl2 - msg) : len;
			ve = e2 > next && msg[e2 - 1] == '\r' ? e2 - 1 : e2;
			next = nl2 ? e2 + 1 : len;
		}
		if (ve < vs)
			ve = vs;
		if (memchr(msg + i, '\0', ve - i) || memchr(msg + vs, '\r', ve - vs)) {
			rc = -1; /* libmilter strings cannot carry NUL; keep CRLF simple */
			goto out;
		}
		char *name = fuzz_strndup(data + i, colon - i);
		char *value = fuzz_strndup(data + vs, ve - vs);
		bs_mime_header(m, name, value);
		free(name);
		free(value);
		i = next;
	}
	bs_mime_end_headers(m);
	feed(m, data + i, len - i, seed, 1, 1);
	bs_mime_finish(m);
out:
	bs_mime_free(m);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest a, b, r, s;

	if (size < 2)
		return 0;
	unsigned seed = (unsigned)data[0] << 8 | data[1];
	data += 2;
	size -= 2;
	a = walk(data, size, seed ? seed : 1, 1, BS_MIME_RFC822);
	b = walk(data, size, 65535, 0, BS_MIME_RFC822);
	if (a.h != b.h || a.n != b.n)
		abort(); /* the token stream depends on how the input was split */
	r = walk_reused(data, size);
	if (r.h != b.h || r.n != b.n)
		abort(); /* bs_mime_reset left state from the previous message */
	if (walk_split(data, size, seed ? seed : 1, &s) == 0 && (s.h != b.h || s.n != b.n))
		abort(); /* split mode (the milter) and raw mode disagree */
	(void)walk(data, size, seed ? seed : 1, 1, BS_MIME_PLAINTEXT);
	return 0;
}
