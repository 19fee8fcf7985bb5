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
 * corpus: already tokenized, "Subject: ..." on line one): bs_mime_feed and
 * bs_mime_body go straight to the tokenizer, bs_mime_header is ignored.
 *
 * What is tokenized, in message order:
 *   - each Subject header (top level and of nested message/rfc822 parts), as the
 *     text "Subject: " + unfolded, RFC 2047-decoded value + "\n", then a flush;
 *     no other header yields tokens (addresses never);
 *   - the body of text/plain and text/html parts, and of parts without a
 *     Content-Type (text/plain, or message/rfc822 inside multipart/digest);
 *     charset iso-8859-1 and aliases, windows-1252 and us-ascii are converted
 *     to UTF-8, utf-8 and everything else (or no charset) is kept as bytes;
 *   - the file name of any part that has one (Content-Disposition filename=,
 *     else Content-Type name=; RFC 2047 and RFC 2231 forms decoded), then a flush.
 * Other parts (images, application/..., text/enriched ...) are skipped, and so
 * are multipart preambles and epilogues.  An mbox "From " line at the start of
 * a message (raw mode, and nested messages) is skipped.  Each part ends with
 * a tokenizer flush, so no token spans two parts.
 *
 * Bounds and recoveries (each recovery sets an anomaly bit):
 *   - lines are never stored whole: only the first BS_MIME_LINE_PREFIX bytes of
 *     a line are held, enough to recognise a boundary or a header name; body
 *     bytes stream through the decoders;
 *   - a header value is kept up to BS_MIME_HEADER_MAX bytes (unfolded); the
 *     rest is dropped (BS_MIME_ANOM_LONG_HEADER); other headers are not stored;
 *     a header name must fit in the line prefix;
 *   - a line in a header block that is neither a header nor a continuation
 *     ends the block and is the first body line (BS_MIME_ANOM_BAD_HEADER);
 *   - boundaries longer than BS_MIME_BOUNDARY_MAX bytes are compared on their
 *     first BS_MIME_BOUNDARY_MAX bytes; a delimiter line is "--" boundary,
 *     optionally "--", then only white space;
 *   - multipart without a boundary parameter: its body is tokenized as
 *     text/plain (BS_MIME_ANOM_NO_BOUNDARY);
 *   - multipart whose boundary does not appear: the preamble is held back up
 *     to BS_MIME_PREAMBLE_MAX bytes; if the message ends, or the preamble
 *     outgrows that, before any delimiter, the preamble is tokenized as
 *     text/plain (7bit, no charset) and streaming continues as text/plain until a
 *     delimiter turns up (BS_MIME_ANOM_NO_BOUNDARY);
 *   - a delimiter of an outer multipart closes the inner ones; a message that
 *     ends inside a multipart or before its close delimiter is walked as far
 *     as it goes (BS_MIME_ANOM_UNCLOSED);
 *   - multiparts and message/rfc822 parts nested deeper than BS_MIME_MAX_DEPTH
 *     are skipped whole (BS_MIME_ANOM_DEPTH); a message/rfc822 part with a
 *     base64 or quoted-printable encoding is skipped too.
 * Memory is one fixed-size allocation per bs_mime (about 60 KB).  No globals:
 * one bs_mime per message per thread.
 */
#ifndef BS_MIME_H
#define BS_MIME_H

#include <stddef.h>

#include "tokenize.h"

#define BS_MIME_MAX_DEPTH    16
#define BS_MIME_LINE_PREFIX  256
#define BS_MIME_BOUNDARY_MAX 200
#define BS_MIME_HEADER_MAX   4096
#define BS_MIME_PREAMBLE_MAX 4096

/* bs_mime_anomalies() bits */
#define BS_MIME_ANOM_BAD_HEADER  0x01u
#define BS_MIME_ANOM_LONG_HEADER 0x02u
#define BS_MIME_ANOM_NO_BOUNDARY 0x04u
#define BS_MIME_ANOM_UNCLOSED    0x08u
#define BS_MIME_ANOM_DEPTH       0x10u

enum bs_mime_mode { BS_MIME_RFC822 = 0, BS_MIME_PLAINTEXT = 1 };

typedef struct bs_mime bs_mime;

/* Tokens are delivered to tok (which the caller owns and initialised). */
bs_mime *bs_mime_new(enum bs_mime_mode mode, bs_tokenizer *tok);
void bs_mime_free(bs_mime *m);
/* Start a new message with the same tokenizer (the milter: one per MAIL).
 * A token pending in the tokenizer is discarded. */
void bs_mime_reset(bs_mime *m);

void bs_mime_feed(bs_mime *m, const char *buf, size_t len);
void bs_mime_header(bs_mime *m, const char *name, const char *value);
void bs_mime_end_headers(bs_mime *m);
void bs_mime_body(bs_mime *m, const char *buf, size_t len);
void bs_mime_finish(bs_mime *m);

/* Non-zero when the input was malformed in a way the walker recovered from
 * (missing boundary, truncated part, depth limit hit, ...): for diagnostics.
 * A bit mask of BS_MIME_ANOM_*. */
unsigned bs_mime_anomalies(const bs_mime *m);

#endif
