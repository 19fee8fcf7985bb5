/*
 * tokenize.h - the one tokenizer shared by training, audit, scoring and the
 * milter, so that every path sees exactly the same tokens.
 *
 * A token is a maximal run of "word" bytes (ASCII letters and digits, and every
 * byte >= 0x80, i.e. UTF-8 sequences count as letters) or a single ASCII
 * punctuation character.  Whitespace and control bytes (including NUL)
 * separate tokens.  ASCII letters are lower-cased, and so are the UTF-8
 * encodings of Latin-1 capitals U+00C0..U+00DE (except U+00D7), so that
 * Latin-1 text converted to UTF-8 folds the same way.
 *
 * The tokenizer is a state machine fed arbitrary chunks: a token split across
 * two calls to bs_tok_feed is emitted once, whole.  Tokens longer than
 * BS_TOKEN_MAX bytes are cut: the first BS_TOKEN_MAX bytes are emitted once
 * and the rest of the run is skipped (bounded memory, deterministic).
 *
 * Applied to the pre-tokenized Enron corpus text it reproduces that corpus's
 * space-separated tokens.
 *
 * Precisely, byte by byte (this is what "the same tokens" means for the trainer):
 *   - word bytes:   0-9 A-Z a-z and 0x80..0xFF;
 *   - punctuation:  the 32 ASCII bytes 0x21..0x2F, 0x3A..0x40, 0x5B..0x60,
 *                   0x7B..0x7E, each a one-byte token;
 *   - separators:   everything else (0x00..0x20 and 0x7F).
 *   - folding:      A-Z -> a-z; the byte pair 0xC3 x with x in 0x80..0x9E,
 *                   x != 0x97, inside one word run becomes 0xC3 (x + 0x20).
 *                   The pair is recognised across feed boundaries; a pair cut
 *                   by the BS_TOKEN_MAX limit is not folded (its second byte is
 *                   skipped anyway).
 * Tokens are passed to the callback as (pointer, length), not NUL-terminated;
 * the pointer is valid only during the call.
 *
 * An optional break callback (bs_tok_set_break) is called with the same arg
 * after every '\n' byte and at every bs_tok_flush, each time after the pending
 * token: the feature hasher uses it to know where a line (such as the
 * "Subject: ..." line) ends.  It never changes the tokens.
 */
#ifndef BS_TOKENIZE_H
#define BS_TOKENIZE_H

#include <stddef.h>

#define BS_TOKENIZER_VERSION 1
#define BS_TOKEN_MAX         64

typedef void (*bs_token_cb)(void *arg, const char *tok, size_t len);
typedef void (*bs_break_cb)(void *arg);

typedef struct bs_tokenizer {
	bs_token_cb cb;
	bs_break_cb brk; /* NULL: no break notices */
	void *arg;
	size_t len;   /* bytes of the current token in buf */
	int skipping; /* current run exceeded BS_TOKEN_MAX: drop bytes until it ends */
	char buf[BS_TOKEN_MAX];
} bs_tokenizer;

/* Initialise: callback cb with arg, no break callback. */
void bs_tok_init(bs_tokenizer *t, bs_token_cb cb, void *arg);
/* Set (or clear with NULL) the break callback; it gets the same arg as cb. */
void bs_tok_set_break(bs_tokenizer *t, bs_break_cb brk);
/* Drop a pending token (a new message starts); keeps cb, brk and arg. */
void bs_tok_reset(bs_tokenizer *t);
/* Feed text; may be called with any split of the input. */
void bs_tok_feed(bs_tokenizer *t, const char *text, size_t len);
/* End of a text segment: emits a pending token. The next feed starts fresh. */
void bs_tok_flush(bs_tokenizer *t);

#endif
