/*
 * conf.h - blindscore-milter's configuration (blindscore.conf(5)).
 *
 * One libconfuse option table (conf.c; the value syntaxes are in
 * conf_value.c), OpenDKIM-style names matched
 * without regard to case, syntax "Name = value" (libconfuse; lists as
 * {"a", "b"}).  Every option has a validation callback that runs while the
 * file is parsed, so an error names the file, the line and the option:
 *   "/etc/blindscore.conf line 12: option 'UMask': '0999' is not an octal mode"
 * Checks that need several options (at least one output, required files)
 * follow the parse and name the file.  conf_load never prints or exits.
 */
#ifndef MILTER_CONF_H
#define MILTER_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "util.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define CONF_DEFAULT_FILE SYSCONFDIR "/blindscore.conf"

/* Defaults of the limits on a model's declared bounds (blindscore.conf(5)):
 * a score carries at most log2(2S + 1) bits about its message. */
#define CONF_DEFAULT_MAX_WEIGHT_BOUND (1L << 24)
#define CONF_DEFAULT_MAX_SCORE_BOUND  (1L << 40)
#define CONF_DEFAULT_MAX_CLIP         16

/* The On-* actions. */
enum conf_action { ACTION_ACCEPT = 0, ACTION_TEMPFAIL = 1, ACTION_REJECT = 2 };

/* One InternalHosts entry: an address with a prefix length. */
typedef struct conf_cidr {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order; 4 bytes used for AF_INET */
	unsigned prefix;  /* 0..32 or 0..128 */
} conf_cidr;

typedef struct conf {
	char *path; /* the file it came from */

	char *socket;        /* unix:PATH, local:PATH, inet:PORT[@HOST], inet6:PORT[@[ADDR]] */
	char *userid;        /* user[:group], NULL = keep the current user */
	int umask;           /* for the socket and files created */
	char *pidfile;       /* NULL = none */
	int syslog;          /* log to syslog */
	int facility;        /* LOG_MAIL, ... */
	conf_cidr *internal; /* InternalHosts */
	size_t ninternal;
	char **mta; /* {daemon_name} values whose mail is outgoing */
	size_t nmta;
	int score_authenticated;
	char *pubkey_file;
	char *model_file;
	char *spool_file; /* NULL = no spool */
	int add_header;
	char *header_name;
	unsigned long max_scanned; /* 0 = no limit */
	int log_why;
	enum conf_action on_internal_error, on_spool_error, on_no_model;
	/* limits on the model's declared bounds (DESIGN.md section 1) */
	long long max_weight_bound; /* W */
	long long max_score_bound;  /* S */
	unsigned max_clip;          /* C */
	unsigned stats_interval;    /* seconds between counters lines; 0 = at exit only */
	unsigned restart_count;     /* -A: at most this many restarts ... */
	unsigned restart_window;    /* ... in this many seconds */
} conf;

/* Parse and check `path`; *out is a new conf on success. */
int conf_load(const char *path, conf **out, bs_error *err);
void conf_free(conf *c);

/* Name of an action ("accept", ...). */
const char *conf_action_name(enum conf_action a);

/* "10.0.0.0/8", "::1", "2001:db8::/32"; -1 with *why set when invalid.
 * Host bits beyond the prefix must be zero. */
int conf_cidr_parse(const char *s, conf_cidr *out, const char **why);
/* Does the address (AF_INET, AF_INET6; v4-mapped v6 counts as v4) fall in c? */
int conf_cidr_match(const conf_cidr *c, const struct sockaddr *sa);
/* Is sa in InternalHosts? */
int conf_internal_host(const conf *c, const struct sockaddr *sa);

/* "n/t[u]" (AutoRestartRate; u = s, m, h or d): -1 with *why set. */
int conf_rate_parse(const char *s, unsigned *count, unsigned *seconds, const char **why);

/* Options that a reload cannot change: the name of the first one that
 * differs between old and new, or NULL. */
const char *conf_restart_option(const conf *old, const conf *new_);

#endif
