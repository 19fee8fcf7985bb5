#!/bin/sh
# storm-valgrind.sh - storm.sh's SIGUSR1 scenario under valgrind memcheck
# (--leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99),
# reduced because memcheck makes a reload ~40 times dearer (one successful
# reload of the 1024-bit test key took 64-111 s here): the milter starts,
# 40 SIGUSR1 under load each fail on one of 9 broken variants, then one
# reload swaps the model under load, mail is scored with it, SIGTERM.  Every
# record is checked as in storm.sh; valgrind's log must end with no error
# and no definite leak.  Skipped (77) without valgrind or in an ASan build.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
exec "${SHELL:-/bin/sh}" "$top_srcdir/tests/reliability/storm.sh" --valgrind
