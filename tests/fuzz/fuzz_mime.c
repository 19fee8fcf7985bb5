/*
 * fuzz_mime.c - libFuzzer target for the MIME walker (and through it the
 * base64, quoted-printable, RFC 2047, charset and HTML decoders and the
 * tokenizer).
 *
 * The first two input bytes choose the chunk sizes (so splits of lines,
 * escapes and words are explored); the rest is the message, fed in raw mode,
 * then again in chunks of a different size, and the two token streams must be
 * identical (the walker's contract: any split gives the same tokens).
 *
 *   clang -fsanitize=fuzzer,address,undefined -iquote src/lib -include config.h \
 *     tests/fuzz/fuzz_mime.c src/lib/{tokenize,mime,mime_part,decode,charset,html,util}.c
 *   ./a.out tests/fuzz/corpus/mime
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "tokenize.h"

struct digest {
	uint64_t h; /* FNV-1a over tokens and their lengths */
	size_t n;
};

static void digest_cb(void *arg, const char *tok, size_t len)
{
	struct digest *d = arg;

	if (len == 0 || len > BS_TOKEN_MAX)
		abort();
	for (size_t i = 0; i < len; i++)
		d->h = (d->h ^ (unsigned char)tok[i]) * 0x100000001b3ULL;
	d->h = (d->h ^ len) * 0x100000001b3ULL;
	d->n++;
}

/* Feed data in chunks whose sizes cycle through 1 + (seed * k) % 97. */
static struct digest walk(const uint8_t *data, size_t len, unsigned seed, int vary)
{
	struct digest d = {0xcbf29ce484222325ULL, 0};
	bs_tokenizer tok;
	bs_mime *m;
	size_t off = 0;
	unsigned k = 1;

	bs_tok_init(&tok, digest_cb, &d);
	m = bs_mime_new(BS_MIME_RFC822, &tok);
	while (off < len) {
		size_t c = vary ? 1 + (seed * k++) % 97 : seed;
		if (c > len - off)
			c = len - off;
		bs_mime_feed(m, (const char *)data + off, c);
		off += c;
	}
	bs_mime_finish(m);
	bs_mime_free(m);
	return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	unsigned seed = (unsigned)data[0] << 8 | data[1];
	struct digest a = walk(data + 2, size - 2, seed ? seed : 1, 1);
	struct digest b = walk(data + 2, size - 2, 65535, 0);

	if (a.h != b.h || a.n != b.n)
		abort(); /* the token stream depends on how the input was split */
	return 0;
}
