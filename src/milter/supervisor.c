/*
 * supervisor.c - the -A parent process (supervisor.h).
 *
 * Single-threaded: every signal it handles is blocked and taken with
 * sigtimedwait, SIGCHLD included, so there are no signal handlers.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "process.h"
#include "supervisor.h"

static pid_t supervisor_pid; /* in the child: its parent */

static void handled_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	sigaddset(set, SIGCHLD);
}

/* A signal, waiting at most `seconds` (-1: no limit); 0 on timeout. */
static int next_signal(const sigset_t *set, int seconds)
{
	for (;;) {
		int sig;
		if (seconds < 0) {
			sig = sigwaitinfo(set, NULL);
		} else {
			struct timespec ts = {seconds, 0};
			sig = sigtimedwait(set, NULL, &ts);
		}
		if (sig > 0)
			return sig;
		if (errno == EAGAIN)
			return 0;
		if (errno != EINTR) {
			log_msg(LOG_ERR, NULL, "supervisor: sigwait: %s", strerror(errno));
			return 0;
		}
	}
}

static void describe(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(status),
		         strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
}

/* Restart times, a ring of the last `max` ones. */
typedef struct rate {
	time_t *at;
	unsigned max, window, next, used;
} rate;

/* May we restart now?  Records the restart if so. */
static int rate_allow(rate *r, time_t now)
{
	unsigned recent = 0;
	for (unsigned i = 0; i < r->used; i++)
		if (now - r->at[i] < (time_t)r->window)
			recent++;
	if (recent >= r->max)
		return 0;
	r->at[r->next] = now;
	r->next = (r->next + 1) % r->max;
	if (r->used < r->max)
		r->used++;
	return 1;
}

/* Wait for the child; returns the supervisor's exit status, or -1 to
 * restart it. */
static int watch(pid_t child, const sigset_t *set, rate *r)
{
	int stopping = 0;
	for (;;) {
		int sig = next_signal(set, -1);
		if (sig == SIGHUP) {
			log_msg(LOG_INFO, NULL,
			        "supervisor: SIGHUP: asking the milter (pid %ld) to "
			        "reload",
			        (long)child);
			kill(child, SIGUSR1);
		} else if (sig == SIGUSR1 || sig == SIGUSR2) {
			kill(child, sig);
		} else if (sig == SIGTERM || sig == SIGINT) {
			log_msg(LOG_INFO, NULL, "supervisor: %s: stopping the milter (pid %ld)",
			        sig == SIGTERM ? "SIGTERM" : "SIGINT", (long)child);
			stopping = 1;
			kill(child, sig);
		}
		int status;
		pid_t p = waitpid(child, &status, WNOHANG);
		if (p == 0 || (p < 0 && errno == EINTR))
			continue;
		if (p < 0) {
			log_msg(LOG_ERR, NULL, "supervisor: waitpid: %s", strerror(errno));
			return EX_OSERR;
		}
		char what[128];
		describe(status, what, sizeof what);
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (stopping && WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM &&
		    WTERMSIG(status) != SIGINT) {
			/* a crash (or a sanitizer's abort) while stopping is no clean stop */
			log_msg(LOG_ERR, NULL,
			        "supervisor: the milter (pid %ld) %s while stopping; exiting",
			        (long)child, what);
			return EX_SOFTWARE;
		}
		if (stopping || code == 0) {
			log_msg(LOG_INFO, NULL, "supervisor: the milter (pid %ld) %s; exiting",
			        (long)child, what);
			return code > 0 ? code : 0;
		}
		if (code == EX_USAGE || code == EX_CONFIG) {
			log_msg(LOG_ERR, NULL,
			        "supervisor: the milter (pid %ld) %s (a configuration error): not "
			        "restarting it",
			        (long)child, what);
			return code;
		}
		if (!rate_allow(r, time(NULL))) {
			log_msg(
			    LOG_ERR, NULL,
			    "supervisor: the milter (pid %ld) %s; giving up: %u restarts in the "
			    "last %u s (AutoRestartRate)",
			    (long)child, what, r->max, r->window);
			return EX_SOFTWARE;
		}
		log_msg(LOG_WARNING, NULL,
		        "supervisor: the milter (pid %ld) %s; restarting it in %d s", (long)child,
		        what, SUPERVISOR_RESTART_DELAY);
		return -1;
	}
}

/* The pause before a restart; 1 if a stop signal came meanwhile. */
static int pause_before_restart(const sigset_t *set)
{
	time_t until = time(NULL) + SUPERVISOR_RESTART_DELAY;
	for (time_t now = time(NULL); now < until; now = time(NULL)) {
		int sig = next_signal(set, (int)(until - now));
		if (sig == SIGTERM || sig == SIGINT) {
			log_msg(LOG_INFO, NULL,
			        "supervisor: stop signal while no milter runs; exiting");
			return 1;
		}
	}
	return 0;
}

int supervisor_run(const char *conf_path, int foreground, int *is_child)
{
	conf *cf;
	bs_error err;
	*is_child = 0;
	if (conf_load(conf_path, &cf, &err) < 0) {
		fprintf(stderr, "blindscore-milter: %s\n", err.msg);
		return EX_CONFIG;
	}
	log_open("blindscore-milter", cf->syslog, cf->facility, foreground);
	rate r = {bs_xcalloc(cf->restart_count, sizeof(time_t)), cf->restart_count,
	          cf->restart_window, 0, 0};
	char *pidfile = cf->pidfile ? bs_xstrdup(cf->pidfile) : NULL;
	conf_free(cf);

	sigset_t set;
	handled_signals(&set);
	int rc = EX_OSERR;
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		log_msg(LOG_ERR, NULL, "supervisor: sigprocmask: %s", strerror(errno));
		goto out;
	}
	if (!foreground && daemon(0, 0) < 0) {
		log_msg(LOG_ERR, NULL, "supervisor: daemon: %s", strerror(errno));
		goto out;
	}
	if (pidfile && process_write_pidfile(pidfile) < 0) {
		rc = EX_CANTCREAT;
		goto out;
	}
	for (;;) {
		pid_t child = fork();
		if (child < 0) {
			log_msg(LOG_ERR, NULL, "supervisor: fork: %s", strerror(errno));
			rc = EX_OSERR;
			break;
		}
		if (child == 0) {
			sigset_t chld;
			sigemptyset(&chld);
			sigaddset(&chld, SIGCHLD);
			sigprocmask(SIG_UNBLOCK, &chld, NULL);
			supervisor_pid = getppid();
			free(r.at);
			free(pidfile);
			*is_child = 1;
			return 0;
		}
		log_msg(LOG_INFO, NULL, "supervisor: started the milter, pid %ld", (long)child);
		rc = watch(child, &set, &r);
		if (rc >= 0 || pause_before_restart(&set)) {
			rc = rc >= 0 ? rc : 0;
			break;
		}
	}
	if (pidfile)
		process_remove_pidfile(pidfile);
out:
	free(r.at);
	free(pidfile);
	log_close();
	return rc;
}

int supervisor_child_guard(void)
{
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0) {
		log_msg(LOG_WARNING, NULL, "prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
		return 0;
	}
	if (getppid() != supervisor_pid) {
		log_msg(LOG_ERR, NULL, "the supervisor (pid %ld) is gone: stopping",
		        (long)supervisor_pid);
		return -1;
	}
	return 0;
}
