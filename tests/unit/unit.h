/*
 * unit.h - what every Check suite in tests/unit shares: running a suite to
 * an exit status, and a temporary directory fixture.
 *
 * A test program's main() ends with `return unit_run(suite, CK_FORK_GETENV);`
 * (CK_NOFORK for suites whose unchecked fixtures build state the tests share).
 * Directories come from unit_tmpdir, under $TMPDIR or /tmp, and are removed
 * with everything in them by unit_rmtree.
 */
#ifndef BS_TEST_UNIT_H
#define BS_TEST_UNIT_H

#include <check.h>
#include <stddef.h>

/* Run every test of s with CK_NORMAL output; EXIT_SUCCESS if none failed,
 * else EXIT_FAILURE.  fs: CK_FORK_GETENV (Check's default: $CK_FORK),
 * CK_FORK or CK_NOFORK. */
int unit_run(Suite *s, enum fork_status fs);

/* A new directory "<$TMPDIR or /tmp>/bs-<name>.XXXXXX", mode 0700, its path
 * in dir (size bytes); 0, or -1 with errno set. */
int unit_tmpdir(char *dir, size_t size, const char *name);

/* Remove dir and everything below it, following no symbolic link; 0 or -1. */
int unit_rmtree(const char *dir);

#endif
