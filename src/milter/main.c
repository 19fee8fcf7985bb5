/*
 * main.c - blindscore-milter: start-up in milter-regex's order (flags,
 * config, key and model, socket, daemon, pid file, spool, privileges,
 * randomizer table and threads, run), optionally under the -A supervisor
 * (supervisor.h).
 *
 * Exit status (sysexits.h): 0, EX_USAGE, EX_CONFIG (bad config, key or model
 * with -n; bad config or a secret key as PublicKeyFile at start),
 * EX_UNAVAILABLE (socket), EX_CANTCREAT (pid file, spool), EX_NOPERM (user),
 * EX_OSERR / EX_SOFTWARE.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "active.h"
#include "log.h"
#include "process.h"
#include "reload.h"
#include "spoolq.h"
#include "stop.h"
#include "supervisor.h"

#ifndef BS_VERSION
#define BS_VERSION "unknown"
#endif

static void usage(FILE *f)
{
	fprintf(f, "usage: blindscore-milter [-AfnV] [-x FILE]\n"
	           "\n"
	           "Score outgoing mail with an encrypted model (blindscore.conf(5)).\n"
	           "\n"
	           "  -x FILE   configuration file (default " CONF_DEFAULT_FILE ")\n"
	           "  -n        check the configuration, the key and the model, then exit\n"
	           "  -f        stay in the foreground and log to standard error too\n"
	           "  -A        run under a supervisor that restarts the milter if it dies\n"
	           "            and turns SIGHUP into a reload\n"
	           "  -V        print the version and exit\n"
	           "  -T        accept test-size keys (below 2048 bits; test suites only)\n"
	           "  -h        this text\n"
	           "\n"
	           "Signals: SIGUSR1 reloads configuration, key and model; SIGUSR2 reopens\n"
	           "the spool; SIGTERM and SIGINT stop the milter, and so does SIGHUP\n"
	           "unless -A is given.\n"
	           "Exit status: 0 success, 64 usage, 78 configuration error (sysexits.h).\n");
}

static int check_only(const char *path, unsigned flags)
{
	active *a;
	bs_error err;
	if (active_build(path, flags, &a, &err) < 0) {
		fprintf(stderr, "blindscore-milter: %s\n", err.msg);
		return EX_CONFIG;
	}
	printf("%s: OK: key %s (%u bits), model %s (B=%u, C=%u, W=%lld, S=%lld)\n", path,
	       a->pk.keyid_hex, a->pk.bits, a->em->model_id_hex, a->em->fp.bits, a->em->fp.clip,
	       (long long)a->em->weight_bound, (long long)a->em->score_bound);
	active_free(a);
	return 0;
}

/* The scorer: its randomizer table (seconds at 3072 bits, logged with its
 * size and build time) and its pool thread.  NULL after logging. */
static bs_scorer *scorer_new(const active *a)
{
	struct timespec t0, t1;
	bs_error err;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bs_scorer *sc = bs_scorer_new(a->em, 0, BS_SCORER_DEFAULT_POOL, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (sc == NULL) {
		log_msg(LOG_ERR, NULL, "%s: %s", a->cf->model_file, err.msg);
		return NULL;
	}
	log_msg(LOG_INFO, NULL, "randomizer table ready: %.1f MiB in %.2f s",
	        (double)bs_scorer_table_bytes(sc) / (1 << 20),
	        (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return sc;
}

/* Everything after the flags: the milter itself (also the -A child). */
static int run(const char *path, unsigned flags, int foreground, int supervised)
{
	/* Before any thread exists: SIGUSR1/2 go to our signal thread only,
	 * SIGTERM/SIGINT to this (main) thread in stop_run (stop.h), SIGHUP to
	 * libmilter's (it blocks them only in the thread calling smfi_main, so
	 * threads started earlier must too). */
	sigset_t set;
	reload_sigset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 || signal(SIGPIPE, SIG_IGN) == SIG_ERR ||
	    signal(SIGXFSZ, SIG_IGN) == SIG_ERR) {
		fprintf(stderr, "blindscore-milter: cannot set up signals\n");
		return EX_OSERR;
	}

	active *a;
	bs_error err;
	if (active_build(path, flags | ACTIVE_ALLOW_NOMODEL, &a, &err) < 0) {
		log_msg(LOG_ERR, NULL, "%s", err.msg);
		return EX_CONFIG;
	}
	const conf *cf = a->cf;
	log_open("blindscore-milter", cf->syslog, cf->facility, foreground);
	if (a->em == NULL)
		log_msg(LOG_ERR, NULL,
		        "no model: %s; On-NoModel %s applies until a reload succeeds", a->problem,
		        conf_action_name(cf->on_no_model));

	process_user user;
	if (process_user_lookup(cf->userid, &user) < 0)
		return EX_CONFIG;
	if (cf->spool_file && a->pk.bits == 0) {
		log_msg(LOG_ERR, NULL, "cannot open the spool without a valid public key");
		return EX_CONFIG;
	}
	/* The socket first: an MTA that connects while the randomizer table is
	 * built (seconds at 3072 bits, below) waits in the listen backlog and
	 * is answered once smfi_main runs, instead of being refused (and its
	 * mail tempfailed by milter_default_action). */
	if (process_socket(cf, &user) < 0)
		return EX_UNAVAILABLE;
	stop_note_listener();
	if (!foreground && !supervised && daemon(0, 0) < 0) {
		log_msg(LOG_ERR, NULL, "daemon: %s", strerror(errno));
		return EX_OSERR;
	}
	const char *pidfile = supervised ? NULL : cf->pidfile;
	if (pidfile && process_write_pidfile(pidfile) < 0)
		return EX_CANTCREAT;
	if (cf->spool_file && spoolq_open(cf->spool_file, a->pk.bits, &err) < 0) {
		log_msg(LOG_ERR, NULL, "%s", err.msg);
		return EX_CANTCREAT;
	}
	if (process_drop(&user) < 0)
		return EX_NOPERM;
	if (supervised && supervisor_child_guard() < 0)
		return EX_SOFTWARE;

	/* Threads from here on (after daemon()). */
	if (a->em && (a->sc = scorer_new(a)) == NULL)
		return EX_SOFTWARE;
	char *pidcopy = pidfile ? bs_xstrdup(pidfile) : NULL;
	active_install(a);
	if ((cf->spool_file && spoolq_start(&err) < 0) ||
	    reload_start(path, flags | ACTIVE_SCORER, &err) < 0) {
		log_msg(LOG_ERR, NULL, "%s", err.msg);
		return EX_OSERR;
	}
	log_msg(LOG_INFO, NULL, "starting: pid %ld, socket %s, key %s, model %.16s", (long)getpid(),
	        cf->socket, a->pk.bits ? a->pk.keyid_hex : "-", a->em ? a->em->model_id_hex : "-");
	int rc = stop_run();
	log_msg(rc == MI_SUCCESS ? LOG_INFO : LOG_ERR, NULL, "stopping%s",
	        rc == MI_SUCCESS ? "" : ": smfi_main failed");
	reload_stop();
	spoolq_stop();
	stats_log("exit");
	active_shutdown();
	if (pidcopy)
		process_remove_pidfile(pidcopy);
	free(pidcopy);
	log_close();
	return rc == MI_SUCCESS ? 0 : EX_SOFTWARE;
}

int main(int argc, char **argv)
{
	const char *path = CONF_DEFAULT_FILE;
	int check = 0, foreground = 0, supervise = 0, opt;
	unsigned flags = 0;
	while ((opt = getopt(argc, argv, "x:nfAVTh")) != -1) {
		switch (opt) {
		case 'x':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'A':
			supervise = 1;
			break;
		case 'T':
			flags |= ACTIVE_INSECURE;
			break;
		case 'V':
			printf("blindscore-milter %s (libmilter %d)\n", BS_VERSION, SMFI_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (bs_crypto_init() < 0) {
		fprintf(stderr, "blindscore-milter: cannot initialise libsodium\n");
		return EX_SOFTWARE;
	}
	if (check)
		return check_only(path, flags);
	int supervised = 0;
	if (supervise) {
		int rc = supervisor_run(path, foreground, &supervised);
		if (!supervised)
			return rc;
	}
	return run(path, flags, foreground, supervised);
}
