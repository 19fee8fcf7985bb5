/*
 * record.h - score records: the spool line (blindscore-spool(5)) and the
 * X-Blindscore header value.
 *
 * A spool line is one record per scored message, ASCII, fields separated by
 * single spaces, ending in LF:
 *
 *   bs1 <seq> <time> <queueid> <msgid> <sender> <nrcpt> <keyid> <modelid>
 *       <truncated> <ciphertext> <prev>
 *
 *   bs1        format tag and version
 *   seq        decimal sequence number, 1 for the first record ever written
 *   time       UNIX time (decimal seconds) the record was made
 *   queueid    MTA queue id, Message-ID and envelope sender: text fields,
 *   msgid      escaped (below); "-" stands for an absent value; the sender
 *   sender     without angle brackets, "<>" for the null sender
 *   nrcpt      decimal number of envelope recipients
 *   keyid      32 lower-case hex: the public key's id
 *   modelid    64 lower-case hex: the plaintext model's id (SHA-256)
 *   truncated  0 or 1: the scan stopped at MaximumScannedBytes
 *   ciphertext the re-randomized score, base64 (RFC 4648, no line breaks) of
 *              the big-endian ciphertext, exactly 2*bits/8 bytes
 *   prev       64 lower-case hex: SHA-256 of the previous record's line
 *              (without its LF); 64 zeros for the first record ever written
 *
 * Text fields escape every byte outside 0x21..0x7e, and '%', as %XX (upper
 * hex); a field that is exactly "-" is written %2D.  Fields are bounded
 * (BS_RECORD_TEXT_MAX bytes before escaping; longer values are cut).  A value
 * cannot contain NUL (%00 is refused).  Every record has exactly one text
 * form: the reader refuses escapes of bytes that need none, lower-case hex,
 * numbers with leading zeros or signs, and non-canonical base64.
 *
 * The header value is "v=1; k=<keyid>; m=<modelid>; c=<base64>".  The parser
 * accepts it folded (a line break, "\n" or "\r\n", followed by a space or
 * tab) and ignores spaces and tabs anywhere, as DKIM does for its b= tag;
 * bs_record_header_fold produces the folded form the milter adds.
 *
 * The reader is strict: every field is checked for syntax and range and an
 * error (BS_E_DATA) names the field: "<where>: field 'keyid': ...".  The
 * ciphertext's byte width is returned (clen) so that the caller can check it
 * against its key (2*bits/8); checks against a key (0 < c < n^2,
 * gcd(c, n) = 1) are the caller's (bs_ciphertext_validate).
 *
 * Thread-safety: all functions are reentrant; records are not shared.
 */
#ifndef BS_RECORD_H
#define BS_RECORD_H

#include <gmp.h>
#include <stddef.h>
#include <stdint.h>

#include "paillier.h"
#include "util.h"

#define BS_RECORD_TAG      "bs1"
#define BS_RECORD_TEXT_MAX 256   /* bytes of a text field before escaping */
#define BS_RECORD_LINE_MAX 16384 /* longest valid line, LF included */
#define BS_MODELID_HEXLEN  64
#define BS_HASH_HEXLEN     64

typedef struct bs_record {
	uint64_t seq;
	int64_t time;
	char queueid[BS_RECORD_TEXT_MAX + 1]; /* unescaped; "" = absent */
	char msgid[BS_RECORD_TEXT_MAX + 1];
	char sender[BS_RECORD_TEXT_MAX + 1];
	unsigned nrcpt;
	char keyid[BS_KEYID_HEXLEN + 1];
	char modelid[BS_MODELID_HEXLEN + 1];
	int truncated;
	mpz_t c;     /* ciphertext */
	size_t clen; /* bytes of the ciphertext as written (set by the parser) */
	char prev[BS_HASH_HEXLEN + 1];
} bs_record;

void bs_record_init(bs_record *r);
void bs_record_clear(bs_record *r);
/* Copy text into a record field, cutting at BS_RECORD_TEXT_MAX. */
void bs_record_set_text(char *field, const char *value);

/*
 * Format r as one spool line (with its LF) into a malloc'd string; `bits` is
 * the key size, which fixes the ciphertext width.  Returns NULL if the record
 * cannot be written: the ciphertext is negative or does not fit 2*bits/8
 * bytes, seq is 0, or keyid, modelid or prev is not lower-case hex of its
 * length.
 */
char *bs_record_format(const bs_record *r, unsigned bits, size_t *len);
/* Parse one line (with or without its LF); `where` (e.g. "spool line 12")
 * starts error messages.  r must be initialised; on error its contents are
 * unspecified. */
int bs_record_parse(bs_record *r, const char *line, size_t len, const char *where, bs_error *err);

/* SHA-256 of a line without its LF, as 64 hex (the next record's prev).  A
 * trailing LF in line[0..len) is ignored. */
void bs_record_hash(const char *line, size_t len, char out[BS_HASH_HEXLEN + 1]);

/* Header value, unfolded; malloc'd.  NULL if c does not fit 2*bits/8 bytes
 * or keyid/modelid are not hex of their length. */
char *bs_record_header_value(const char *keyid, const char *modelid, const mpz_t c, unsigned bits);
/*
 * Fold a header value for a header whose name (with ": ") takes `first_col`
 * columns: breaks with "\n\t" after a "; " or inside the base64 so that no
 * line exceeds 78 columns.  malloc'd.
 */
char *bs_record_header_fold(const char *value, size_t first_col);
/* Parse a header value (folded or not); fills keyid, modelid, c and, if
 * clen != NULL, the ciphertext's byte width. */
int bs_record_header_parse(const char *value, char keyid[BS_KEYID_HEXLEN + 1],
                           char modelid[BS_MODELID_HEXLEN + 1], mpz_t c, size_t *clen,
                           bs_error *err);

#endif
