/*
 * keyfix.h - shared fixture of the key file tests (test_keyfile.c,
 * test_keyparse.c): two random 512-bit keys made once (allow_insecure), a
 * mkdtemp directory, and helpers that build and mangle key file texts.
 */
#ifndef BS_TEST_KEYFIX_H
#define BS_TEST_KEYFIX_H

#include <check.h>
#include <stddef.h>

#include "keyfile.h"
#include "paillier.h"
#include "passphrase.h"

#define BITS     512
#define INSECURE BS_KEYFILE_ALLOW_INSECURE

extern bs_seckey key_a, key_b;
extern const bs_seal_params fast; /* cheapest Argon2id, for speed */

/* main() of a key file test: make the keys and the directory, run s
 * (unit_run), remove them; the exit status. */
int keyfix_run(Suite *s);

char *path_in_dir(const char *name); /* 4 rotating static buffers */
char *slurp(const char *path, size_t *len);
int getpass_str(void *arg, bs_passphrase *pp, bs_error *err); /* arg: the passphrase */
void set_pass(bs_passphrase *pp, const char *s);

/* key_a as a public, unsealed secret or sealed ("correct horse") file text. */
enum form { PUB, SEC, SEALED };
char *key_text(enum form f, size_t *len);
/* Parse text as form f (with INSECURE and the passphrase above). */
int parse_as(enum form f, const char *text, size_t len, bs_error *err);
/* Assert that parsing fails with `want` in the message. */
void expect_fail(enum form f, const char *text, const char *want, const char *what);
/* Copy of text with line `line`'s value replaced; copy of a line's value. */
char *with_value(const char *text, int line, const char *val);
char *value_of(const char *text, int line);

#endif
