/*
 * charset.h - the few charset conversions the MIME walker does before
 * tokenizing, and RFC 2047 encoded-word decoding for header values.
 *
 * Charsets fall in three classes:
 *   BS_CS_LATIN: us-ascii, iso-8859-1 and its aliases, windows-1252: converted to
 *                UTF-8 with the Windows-1252 table (as browsers do: 0x80..0x9F are
 *                the Windows-1252 characters, the five unassigned ones map to
 *                U+0081, U+008D, U+008F, U+0090, U+009D);
 *   BS_CS_UTF8:  utf-8: bytes kept;
 *   BS_CS_RAW:   anything else, or no charset: bytes kept as they are.
 * One normalisation: the no-break space (Latin 0xA0) becomes an ASCII space, so
 * that "a&nbsp;b" in HTML and "a\xa0b" in Latin-1 text both separate words
 * (a UTF-8 C2 A0 in a UTF-8 part is kept: the tokenizer treats it as a letter).
 */
#ifndef BS_CHARSET_H
#define BS_CHARSET_H

#include <stddef.h>

enum bs_charset { BS_CS_RAW = 0, BS_CS_UTF8, BS_CS_LATIN };

/* Classify a charset name (case-insensitive, surrounding quotes/space ignored,
 * an RFC 2231 "*language" suffix ignored). */
enum bs_charset bs_charset_lookup(const char *name, size_t len);

/* Convert in[0..len) to out; out must hold 3 * len bytes.  Returns bytes
 * written.  BS_CS_UTF8 and BS_CS_RAW copy. */
size_t bs_charset_to_utf8(enum bs_charset cs, const char *in, size_t len, char *out);

/* Append the UTF-8 encoding of code point cp (<= 0x10FFFF, else U+FFFD) to
 * out; returns 1..4. */
size_t bs_utf8_put(unsigned long cp, char *out);

/* Decode the RFC 2047 encoded-words ("=?charset?B|Q?text?=") in an unfolded
 * header value, converting each word's charset as above; whitespace between
 * two adjacent encoded-words is dropped; malformed words stay literal; text
 * outside words is copied unchanged.  Writes at most outcap bytes (the result
 * is cut, never overrun) and returns the length written. */
size_t bs_rfc2047_decode(const char *in, size_t len, char *out, size_t outcap);

#endif
