/*
 * nodelay.h - TCP_NODELAY on listening sockets that a library opened and
 * does not expose (libmilter's smfi_opensocket).
 *
 * bs_nodelay_listeners scans this process's descriptors 3..1023 for
 * listening AF_INET/AF_INET6 sockets and sets TCP_NODELAY on each; Linux
 * copies it to the sockets accept() returns, so that a milter's small
 * replies are not held back by Nagle's algorithm (about 40 ms a message).
 * Used by blindscore-milter (src/milter/process.c) and the benchmark's
 * reference milter (tests/bench/noop-milter.c).  Returns the number of
 * sockets set (0: none found), or -1 with err if setsockopt failed on one
 * (the others are still set).
 */
#ifndef BS_NODELAY_H
#define BS_NODELAY_H

#include "util.h"

int bs_nodelay_listeners(bs_error *err);

#endif
