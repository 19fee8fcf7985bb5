/*
 * log.h - logging and counters of blindscore-milter.
 *
 * Messages go to syslog (with the configured facility) and, in the
 * foreground (-f), to standard error.  A message about one mail starts with
 * its queue id, as Postfix's own lines do.  Never log a score, a weight, a
 * ciphertext or a token.  Counters are atomics bumped by the callbacks and
 * printed as one line at intervals and at exit.
 */
#ifndef MILTER_LOG_H
#define MILTER_LOG_H

#include <syslog.h>

/* Before any thread starts; may be called again to change the facility. */
void log_open(const char *ident, int use_syslog, int facility, int to_stderr);
void log_close(void);
/* qid may be NULL or "" (no queue id yet). */
void log_msg(int prio, const char *qid, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

enum stat_id {
	STAT_CONNECTIONS,
	STAT_MESSAGES, /* MAIL commands seen */
	STAT_NOT_OUTGOING,
	STAT_SCORED,
	STAT_TRUNCATED,
	STAT_HEADERS,    /* headers added */
	STAT_SPOOLED,    /* records made durable */
	STAT_ACCEPTED,   /* by an On-* action */
	STAT_TEMPFAILED, /* by an On-* action */
	STAT_REJECTED,   /* by an On-* action */
	STAT_ABORTED,
	STAT_RELOADS,
	STAT_RELOAD_FAILURES,
	STAT_COUNT
};

void stats_inc(enum stat_id id);
/* One line "counters (<when>): connections=... ..." at LOG_INFO. */
void stats_log(const char *when);

#endif
