/*
 * mime.h - streaming MIME walker: raw RFC 822 mail in, tokens out.
 *
 * Fed arbitrary chunks (the milter gives <= 65,535-byte body chunks that split
 * lines and words), with bounded memory whatever the input.  It unfolds
 * headers, decodes the Subject (RFC 2047, B and Q, UTF-8 and Latin-1) and
 * tokenizes it, walks nested multiparts up to a depth limit, decodes base64 and
 * quoted-printable, tokenizes text/plain, reduces text/html to text, skips
 * other parts, and converts Latin-1/Windows-1252 text to UTF-8 before
 * tokenizing.  Tokens go to a bs_tokenizer (tokenize.h).
 *
 * Two ways in, which give identical tokens for the same message:
 *   - raw:   bs_mime_feed() with the whole message (headers + body), any split;
 *   - split: bs_mime_header() per top-level header as libmilter delivers them
 *            (name, value with folding line breaks kept), bs_mime_end_headers(),
 *            then bs_mime_body() with body chunks (as xxfi_body delivers them).
 * Both end with bs_mime_finish().
 *
 * A second mode, BS_MIME_PLAINTEXT, treats the whole input as text (the Enron
 * corpus: already tokenized, "Subject: ..." on line one).
 */
#ifndef BS_MIME_H
#define BS_MIME_H

#include <stddef.h>

#include "tokenize.h"

#define BS_MIME_MAX_DEPTH 16

enum bs_mime_mode { BS_MIME_RFC822 = 0, BS_MIME_PLAINTEXT = 1 };

typedef struct bs_mime bs_mime;

/* Tokens are delivered to tok (which the caller owns and initialised). */
bs_mime *bs_mime_new(enum bs_mime_mode mode, bs_tokenizer *tok);
void bs_mime_free(bs_mime *m);
/* Start a new message with the same tokenizer (the milter: one per MAIL). */
void bs_mime_reset(bs_mime *m);

void bs_mime_feed(bs_mime *m, const char *buf, size_t len);
void bs_mime_header(bs_mime *m, const char *name, const char *value);
void bs_mime_end_headers(bs_mime *m);
void bs_mime_body(bs_mime *m, const char *buf, size_t len);
void bs_mime_finish(bs_mime *m);

/* Non-zero when the input was malformed in a way the walker recovered from
 * (missing boundary, truncated part, depth limit hit, ...): for diagnostics. */
unsigned bs_mime_anomalies(const bs_mime *m);

#endif
