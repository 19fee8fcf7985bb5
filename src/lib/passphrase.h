/*
 * passphrase.h - reading a passphrase from the terminal or from a file.
 *
 * A passphrase lives in a guarded libsodium allocation (sodium_malloc: locked
 * in memory where the system allows, guard pages around it) and is wiped by
 * bs_passphrase_free.  It is read either
 *   - from the first line of a file (--passphrase-file): the line ends at the
 *     first LF; the LF (and a CR before it) is not part of the passphrase; or
 *   - from /dev/tty with echo off (termios), never from stdin, so that a
 *     program reading data on stdin can still ask.  The terminal settings are
 *     restored on every path, including SIGINT/SIGTERM/SIGTSTP, which are
 *     re-raised after the terminal is restored.
 * The module never prints except the prompt on the terminal itself.
 */
#ifndef BS_PASSPHRASE_H
#define BS_PASSPHRASE_H

#include <stddef.h>

#include "util.h"

#define BS_PASSPHRASE_MAX 1023 /* longer passphrases are refused, never truncated */

typedef struct bs_passphrase {
	char *buf;  /* sodium_malloc'd, BS_PASSPHRASE_MAX + 1 bytes, NUL-terminated */
	size_t len; /* bytes before the NUL (a passphrase may not contain NUL) */
} bs_passphrase;

/* Where a program takes its passphrase from. */
typedef struct bs_passphrase_source {
	const char *file;           /* --passphrase-file, or NULL for the terminal */
	const char *prompt;         /* e.g. "Passphrase for key.sec: " */
	const char *confirm_prompt; /* non-NULL: ask twice (creating a key) */
} bs_passphrase_source;

/* Allocate an empty passphrase (needs sodium_init, i.e. bs_crypto_init). */
int bs_passphrase_alloc(bs_passphrase *pp, bs_error *err);
/* Wipe and free; safe on a zeroed or already freed struct. */
void bs_passphrase_free(bs_passphrase *pp);
/* Copy a C string in (tests, programmatic use).  -1 if too long. */
int bs_passphrase_set(bs_passphrase *pp, const char *s, bs_error *err);

/* First line of `path`.  An empty first line or a missing file is an error. */
int bs_passphrase_read_file(bs_passphrase *pp, const char *path, bs_error *err);

/*
 * Prompt on /dev/tty without echo.  With confirm_prompt, asks again and fails
 * with "passphrases do not match" if the two differ.  Fails (BS_E_USAGE) when
 * there is no controlling terminal.
 */
int bs_passphrase_prompt(bs_passphrase *pp, const char *prompt, const char *confirm_prompt,
                         bs_error *err);

/* The source's file if set, else the terminal.  Allocates *pp (free it). */
int bs_passphrase_get(const bs_passphrase_source *src, bs_passphrase *pp, bs_error *err);

/* Is there a terminal to prompt on? (/dev/tty can be opened) */
int bs_passphrase_have_tty(void);

#endif
