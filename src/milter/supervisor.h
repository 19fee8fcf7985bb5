/*
 * supervisor.h - `-A`: a small parent process that keeps the milter
 * running, as OpenDKIM's AutoRestart.
 *
 * The supervisor reads the configuration only for PidFile, Syslog and
 * AutoRestartRate, stays root, and forks the milter, which then starts as
 * usual (socket, files, privilege drop) without detaching or writing the
 * pid file.  The supervisor
 *   - turns SIGHUP into SIGUSR1 for the child (reload; libmilter itself
 *     would stop on SIGHUP), and passes SIGUSR1 and SIGUSR2 on unchanged;
 *   - passes SIGTERM and SIGINT on, waits for the child and exits 0 (or
 *     with the child's status if it failed, or EX_SOFTWARE if it was killed
 *     by a signal other than SIGTERM or SIGINT meanwhile: a crash while
 *     stopping);
 *   - exits 0 when the child exits 0 on its own, and with the child's
 *     status when it exits with EX_USAGE or EX_CONFIG (a restart would fail
 *     the same way);
 *   - restarts the child after RESTART_DELAY seconds when it dies of a
 *     signal or exits with any other status, unless AutoRestartRate (n/t)
 *     restarts already happened in the last t seconds: then it logs that it
 *     gives up and exits with EX_SOFTWARE.
 * Without -f the supervisor detaches before the first fork.  PidFile holds
 * the supervisor's pid (signal it, not the child) and is removed at exit.
 * The child gets SIGTERM if the supervisor dies (PR_SET_PDEATHSIG).
 */
#ifndef MILTER_SUPERVISOR_H
#define MILTER_SUPERVISOR_H

#define SUPERVISOR_RESTART_DELAY 1 /* seconds */

/*
 * Run the supervisor.  Returns in the supervisor with its exit status
 * (*is_child = 0), or in a new child with 0 (*is_child = 1), which goes on
 * to start the milter with HUP, INT, TERM, USR1 and USR2 still blocked.
 * Call before any thread exists.
 */
int supervisor_run(const char *conf_path, int foreground, int *is_child);

/* In the child, once privileges are dropped: ask for SIGTERM when the
 * supervisor dies; -1 if it is already gone. */
int supervisor_child_guard(void);

#endif
