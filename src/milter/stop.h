/*
 * stop.h - stop within milliseconds of SIGTERM or SIGINT, not 5 seconds.
 *
 * Why libmilter (8.14-8.18) takes up to 5 s: its signal thread sigwaits for
 * SIGHUP, SIGTERM and SIGINT and calls mi_stop_milters, which sets the stop
 * flag and then closes the listening socket under the listener's mutex.
 * The listener holds that mutex while it polls the socket with a 5-second
 * timeout (MI_CHK_TIME, listener.c) and looks at the flag only when the
 * poll ends: after a connection or the timeout.  smfi_stop() is the same
 * call.  (Its workers stop taking commands as soon as the flag is set.)
 *
 * stop_run runs smfi_main in a thread of its own, created with SIGTERM and
 * SIGINT blocked, and lets the calling (main) thread take them through a
 * handler: Linux gives a signal sent to the process (kill(2), systemd, the
 * -A supervisor) to the thread whose id is the pid - the main thread -
 * whenever that thread does not block it, ahead of libmilter's signal
 * thread, which sigwaits for the same signals; the main thread stops
 * blocking them before the milter thread exists, so there is no window in
 * which libmilter's thread could take one (there was one with a sigwait of
 * our own, and a test that sent SIGTERM right after the first negotiation
 * hit it: a 5 s stop).  Yet once in about 40 starts - under ASan, in CI,
 * SIGTERM sent right after the first negotiation - libmilter's thread still
 * took the signal (cause not found; not reproduced in 36 tries here, with
 * and without ASan, idle and loaded): that stop took 5 s, correctly.  On one it calls smfi_stop in a helper
 * thread (that call waits for the listener) and connects to the milter's
 * own socket, again every 10 ms until smfi_stop returned, so the poll ends
 * at once and the listener sees the flag.  SIGHUP stays libmilter's alone
 * (a stop, up to 5 s).  A residue:
 * should libmilter's pool controller see the flag before the listener
 * accepts the wake-up connection, that session cannot start and the
 * listener sleeps 1 s before it looks at the flag (MI_SLEEP); measured
 * stops took 7-16 ms idle and 8-12 ms with four clients sending mail.
 *
 * The threads of the process must block SIGTERM and SIGINT (main.c does,
 * before any thread starts).
 */
#ifndef MILTER_STOP_H
#define MILTER_STOP_H

/* After smfi_opensocket: note the address of the (only) listening socket,
 * to connect to at a stop.  -1 if none was found (then a stop takes up to
 * 5 s; logged). */
int stop_note_listener(void);

/* smfi_main, stopped promptly on SIGTERM or SIGINT; returns its result. */
int stop_run(void);

#endif
