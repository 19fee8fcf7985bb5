/*
 * decode.h - streaming Content-Transfer-Encoding decoders for the MIME walker:
 * base64 and quoted-printable.
 *
 * Both are byte-exact state machines fed arbitrary chunks (a quantum or an
 * "=XX" escape split across calls decodes as if whole) and never allocate.
 * Output never exceeds the input length plus BS_DECODE_SLACK bytes per call,
 * so a caller sizes its output buffer as inlen + BS_DECODE_SLACK.
 *
 * Leniency (mail in the wild is broken; nothing here ever fails):
 *   base64: bytes outside the alphabet (line breaks, junk, NUL) are ignored;
 *           line lengths do not matter; '=' ends the current quantum (a
 *           following base64 character starts a new one, so concatenated
 *           encodings decode); a quantum left open at the end (missing
 *           padding) yields its complete bytes at bs_b64_finish; a single
 *           dangling sextet yields nothing.
 *   quoted-printable: "=XX" (hex, either case) is a byte; "=" at the end of a
 *           line (LF or CR LF) is a soft break and vanishes; any other "="
 *           sequence is passed through literally, as is every other byte.
 */
#ifndef BS_DECODE_H
#define BS_DECODE_H

#include <stddef.h>

#define BS_DECODE_SLACK 4

typedef struct bs_b64 {
	unsigned acc; /* sextets accumulated, most recent in the low bits */
	int n;        /* sextets in acc (0..3) */
} bs_b64;

void bs_b64_init(bs_b64 *d);
/* Decode in[0..len) into out; returns bytes written (<= len * 3 / 4 + 3). */
size_t bs_b64_feed(bs_b64 *d, const char *in, size_t len, char *out);
/* End of input: flush a quantum missing its padding; returns bytes written (<= 2). */
size_t bs_b64_finish(bs_b64 *d, char *out);

typedef struct bs_qp {
	int state;          /* 0 normal, 1 after '=', 2 after '=X', 3 after "=\r" */
	unsigned char hex1; /* the X of "=X" */
} bs_qp;

void bs_qp_init(bs_qp *d);
/* Decode in[0..len) into out; returns bytes written (<= len + 2). */
size_t bs_qp_feed(bs_qp *d, const char *in, size_t len, char *out);
/* End of input: a dangling "=" or "=X" is emitted literally (<= 2 bytes). */
size_t bs_qp_finish(bs_qp *d, char *out);

#endif
