/*
 * util.h - errors, allocation, hex and small file helpers for libblindscore.
 *
 * Every library function that can fail takes a `bs_error *` and returns -1
 * (or NULL) after filling it with a sentence naming the file, line or field
 * at fault.  The library never exits and never prints; programs decide.
 * Error codes map onto sysexits(3) with bs_error_exit_code().
 */
#ifndef BS_UTIL_H
#define BS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum bs_errcode {
	BS_OK = 0,
	BS_E_USAGE,   /* bad argument from the caller            -> EX_USAGE */
	BS_E_DATA,    /* malformed input data (file contents)    -> EX_DATAERR */
	BS_E_NOINPUT, /* cannot open or read an input file       -> EX_NOINPUT */
	BS_E_CANTCREAT, /* cannot create an output file          -> EX_CANTCREAT */
	BS_E_IO,      /* read/write error on an open file        -> EX_IOERR */
	BS_E_PERM,    /* unsafe permissions or ownership         -> EX_NOPERM */
	BS_E_CONFIG,  /* configuration error                     -> EX_CONFIG */
	BS_E_CRYPTO,  /* cryptographic check failed              -> EX_DATAERR */
	BS_E_PASS,    /* wrong passphrase                        -> EX_NOPERM */
	BS_E_NOMEM,   /* out of memory                           -> EX_OSERR */
	BS_E_INTERNAL /* bug or impossible state                 -> EX_SOFTWARE */
};

typedef struct bs_error {
	enum bs_errcode code;
	char msg[1024];
} bs_error;

/* Fill *err (if non-NULL) and return -1. */
int bs_error_set(bs_error *err, enum bs_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix the message already in *err with "prefix: ". */
void bs_error_prefix(bs_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bs_error_clear(bs_error *err);
int bs_error_exit_code(const bs_error *err);

/* Allocation that aborts on out-of-memory (like Postfix's mymalloc). */
void *bs_xmalloc(size_t n);
void *bs_xcalloc(size_t n, size_t size);
void *bs_xrealloc(void *p, size_t n);
char *bs_xstrdup(const char *s);

/* Hex encoding: lower-case, no prefix. bs_hex_decode returns bytes written or -1. */
void bs_hex_encode(char *out, const uint8_t *in, size_t len);
long bs_hex_decode(uint8_t *out, size_t outmax, const char *in, size_t inlen);

/* Read a whole file (at most `max` bytes, else BS_E_DATA). Caller frees. */
int bs_read_file(const char *path, size_t max, char **out, size_t *outlen, bs_error *err);

/* Write a whole file atomically: a temporary beside `path` (created 0600,
 * then given `mode`, written, fsynced) is renamed into place - over an
 * existing regular file only if `overwrite`, else only if nothing is there
 * (RENAME_NOREPLACE, or link() where the file system lacks it) - and the
 * directory is fsynced.  An existing path that is not a regular file (a
 * device such as /dev/null, a FIFO, a directory, a symbolic link) is refused
 * and never touched; on any failure `path` is as it was and the temporary
 * is removed.  -1 + err (BS_E_CANTCREAT, BS_E_IO) naming the path. */
int bs_write_file(const char *path, const void *buf, size_t len, int mode, int overwrite,
		  bs_error *err);

/* Monotonic time in seconds, for benchmarks and progress bars. */
double bs_now(void);

/* Progress bar on stderr when it is a TTY: bs_progress(label, done, total). */
void bs_progress(const char *label, unsigned long done, unsigned long total);
void bs_progress_end(void);

#endif
