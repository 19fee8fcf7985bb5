/*
 * tokenize.c - the shared tokenizer (see tokenize.h for the exact contract).
 *
 * One table lookup per byte classifies it; word bytes are lower-cased through
 * a second table and appended to a fixed buffer.  The only cross-byte rule is
 * the Latin-1 capital fold (0xC3 followed by 0x80..0x9E), which looks at the
 * previous byte of the current token, so it works across feed boundaries
 * without extra state.
 */
#include "config.h"

#include <string.h>

#include "tokenize.h"

enum { C_SEP = 0, C_WORD = 1, C_PUNCT = 2 };

/* Byte classes (GNU range designators; gnu11), read-only and so thread-safe.
 * Unlisted bytes, 0x00..0x20 and 0x7f, are separators (C_SEP == 0). */
static const unsigned char tok_class[256] = {
    ['!' ... '/'] = C_PUNCT, ['0' ... '9'] = C_WORD,   [':' ... '@'] = C_PUNCT,
    ['A' ... 'Z'] = C_WORD,  ['[' ... '`'] = C_PUNCT,  ['a' ... 'z'] = C_WORD,
    ['{' ... '~'] = C_PUNCT, [0x80 ... 0xff] = C_WORD,
};

_Static_assert(sizeof tok_class == 256, "tok_class must cover every byte");

void bs_tok_init(bs_tokenizer *t, bs_token_cb cb, void *arg)
{
	memset(t, 0, sizeof *t);
	t->cb = cb;
	t->arg = arg;
}

void bs_tok_set_break(bs_tokenizer *t, bs_break_cb brk)
{
	t->brk = brk;
}

void bs_tok_reset(bs_tokenizer *t)
{
	t->len = 0;
	t->skipping = 0;
}

static void tok_end_run(bs_tokenizer *t)
{
	if (t->len > 0 && !t->skipping)
		t->cb(t->arg, t->buf, t->len);
	t->len = 0;
	t->skipping = 0;
}

void bs_tok_flush(bs_tokenizer *t)
{
	tok_end_run(t);
	if (t->brk)
		t->brk(t->arg);
}

void bs_tok_feed(bs_tokenizer *t, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	const unsigned char *end = p + len;

	while (p < end) {
		unsigned char c = *p;
		unsigned char cls = tok_class[c];

		if (cls != C_WORD) {
			tok_end_run(t);
			if (cls == C_PUNCT) {
				char ch = (char)c;
				t->cb(t->arg, &ch, 1);
			} else if (c == '\n' && t->brk) {
				t->brk(t->arg);
			}
			p++;
			continue;
		}
		if (t->skipping) {
			while (p < end && tok_class[*p] == C_WORD)
				p++;
			continue;
		}
		/* Inside a word run: copy as many word bytes as fit. */
		while (p < end) {
			c = *p;
			if (tok_class[c] != C_WORD)
				break;
			if (t->len == BS_TOKEN_MAX) {
				t->cb(t->arg, t->buf, t->len);
				t->skipping = 1;
				break;
			}
			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			else if (c >= 0x80 && c <= 0x9e && c != 0x97 && t->len > 0 &&
			         (unsigned char)t->buf[t->len - 1] == 0xc3)
				c += 0x20;
			t->buf[t->len++] = (char)c;
			p++;
		}
	}
}
