/*
 * log.c - syslog and stderr output, counters.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int log_syslog = 0;
static int log_stderr = 1;

void log_open(const char *ident, int use_syslog, int facility, int to_stderr)
{
	if (log_syslog)
		closelog();
	log_syslog = use_syslog;
	log_stderr = to_stderr;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

void log_close(void)
{
	if (log_syslog)
		closelog();
	log_syslog = 0;
}

static const char *prio_name(int prio)
{
	switch (prio) {
	case LOG_CRIT:
	case LOG_ALERT:
	case LOG_EMERG:
		return "fatal: ";
	case LOG_ERR:
		return "error: ";
	case LOG_WARNING:
		return "warning: ";
	default:
		return "";
	}
}

void log_msg(int prio, const char *qid, const char *fmt, ...)
{
	char text[2048];
	va_list ap;
	int n = 0;
	if (qid && qid[0])
		n = snprintf(text, sizeof text, "%s: ", qid);
	va_start(ap, fmt);
	vsnprintf(text + n, sizeof text - (size_t)n, fmt, ap);
	va_end(ap);
	if (log_syslog)
		syslog(prio, "%s%s", prio_name(prio), text);
	if (log_stderr)
		fprintf(stderr, "blindscore-milter: %s%s\n", prio_name(prio), text);
}

static atomic_ulong counters[STAT_COUNT];
static const char *names[STAT_COUNT] = {
    "connections", "messages", "not_outgoing",    "scored",     "truncated",
    "headers",     "spooled",  "accepted",        "tempfailed", "rejected",
    "aborted",     "reloads",  "reload_failures",
};

void stats_inc(enum stat_id id)
{
	atomic_fetch_add_explicit(&counters[id], 1, memory_order_relaxed);
}

void stats_log(const char *when)
{
	char line[1024];
	size_t n = 0;
	for (int i = 0; i < STAT_COUNT && n < sizeof line; i++) {
		int k = snprintf(line + n, sizeof line - n, "%s%s=%lu", i ? " " : "", names[i],
		                 atomic_load_explicit(&counters[i], memory_order_relaxed));
		if (k < 0)
			break;
		n += (size_t)k;
	}
	log_msg(LOG_INFO, NULL, "counters (%s): %s", when, line);
}
