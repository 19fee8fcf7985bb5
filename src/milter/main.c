/*
 * main.c - blindscore-milter: start-up in milter-regex's order (flags,
 * config, key and model, socket, daemon, pid file, spool, privileges, run).
 *
 * Exit status (sysexits.h): 0, EX_USAGE, EX_CONFIG (bad config, key or model
 * with -n; bad config at start), EX_OSERR / EX_SOFTWARE / EX_UNAVAILABLE.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "active.h"
#include "callbacks.h"
#include "log.h"
#include "reload.h"
#include "spoolq.h"

#ifndef BS_VERSION
#define BS_VERSION "unknown"
#endif
#define COUNTERS_INTERVAL 600

static void usage(FILE *f)
{
	fprintf(f, "usage: blindscore-milter [-fnV] [-x FILE]\n"
	           "\n"
	           "Score outgoing mail with an encrypted model (blindscore.conf(5)).\n"
	           "\n"
	           "  -x FILE   configuration file (default " CONF_DEFAULT_FILE ")\n"
	           "  -n        check the configuration, the key and the model, then exit\n"
	           "  -f        stay in the foreground and log to standard error too\n"
	           "  -V        print the version and exit\n"
	           "  -T        accept test-size keys (below 2048 bits; test suites only)\n"
	           "  -h        this text\n"
	           "\n"
	           "Signals: SIGUSR1 reloads configuration, key and model; SIGUSR2 reopens\n"
	           "the spool; SIGTERM, SIGINT and SIGHUP stop the milter.\n"
	           "Exit status: 0 success, 64 usage, 78 configuration error (sysexits.h).\n");
}

/* "user[:group]" -> ids; -1 with a message when unknown. */
static int lookup_user(const char *spec, uid_t *uid, gid_t *gid, char *user, size_t ulen)
{
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	if (n >= ulen)
		return -1;
	memcpy(user, spec, n);
	user[n] = '\0';
	struct passwd *pw = getpwnam(user);
	if (pw == NULL)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (colon) {
		struct group *gr = getgrnam(colon + 1);
		if (gr == NULL)
			return -1;
		*gid = gr->gr_gid;
	}
	return 0;
}

static const char *unix_socket_path(const char *sock)
{
	if (sock[0] == '/')
		return sock;
	if (strncmp(sock, "unix:", 5) == 0)
		return sock + 5;
	if (strncmp(sock, "local:", 6) == 0)
		return sock + 6;
	return NULL;
}

/* libmilter does not expose its listening socket: find it among our fds. */
static void set_nodelay(void)
{
	int found = 0;
	for (int fd = 3; fd < 1024; fd++) {
		int on = 0;
		socklen_t len = sizeof on;
		struct sockaddr_storage ss;
		socklen_t slen = sizeof ss;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0 || !on)
			continue;
		if (getsockname(fd, (struct sockaddr *)&ss, &slen) < 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		on = 1;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) < 0)
			log_msg(LOG_WARNING, NULL, "setsockopt(TCP_NODELAY): %s", strerror(errno));
		else
			found++;
	}
	if (!found)
		log_msg(LOG_WARNING, NULL,
		        "no listening TCP socket found for TCP_NODELAY: "
		        "each message may stall about 40 ms");
}

static int open_socket(const conf *cf, int have_ids, uid_t uid, gid_t gid)
{
	if (smfi_setconn(cf->socket) != MI_SUCCESS) {
		log_msg(LOG_ERR, NULL, "smfi_setconn(%s) failed", cf->socket);
		return -1;
	}
	if (smfi_register(*callbacks_desc()) != MI_SUCCESS) {
		log_msg(LOG_ERR, NULL, "smfi_register failed");
		return -1;
	}
	umask((mode_t)cf->umask);
	if (smfi_opensocket(1) != MI_SUCCESS) {
		log_msg(LOG_ERR, NULL, "cannot open socket %s (in use, or no permission?)",
		        cf->socket);
		return -1;
	}
	const char *path = unix_socket_path(cf->socket);
	if (path == NULL) {
		set_nodelay();
		return 0;
	}
	if (have_ids && geteuid() == 0 && chown(path, uid, gid) < 0) {
		log_msg(LOG_ERR, NULL, "chown %s: %s", path, strerror(errno));
		return -1;
	}
	if (chmod(path, (mode_t)(0777 & ~cf->umask)) < 0) {
		log_msg(LOG_ERR, NULL, "chmod %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_pidfile(const char *path)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_msg(LOG_ERR, NULL, "cannot create pid file %s: %s", path, strerror(errno));
		return -1;
	}
	int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n || close(fd) < 0) {
		log_msg(LOG_ERR, NULL, "cannot write pid file %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int drop_privileges(const char *user, uid_t uid, gid_t gid)
{
	if (geteuid() != 0) {
		if (getuid() == uid)
			return 0;
		log_msg(LOG_ERR, NULL, "UserID %s: not running as root, cannot change user", user);
		return -1;
	}
	if (initgroups(user, gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		log_msg(LOG_ERR, NULL, "cannot become user %s: %s", user, strerror(errno));
		return -1;
	}
	if (uid != 0 && setuid(0) == 0) {
		log_msg(LOG_ERR, NULL, "privileges could not be dropped for good");
		return -1;
	}
	return 0;
}

static int check_only(const char *path, unsigned flags)
{
	active *a;
	bs_error err;
	if (active_build(path, flags, &a, &err) < 0) {
		fprintf(stderr, "blindscore-milter: %s\n", err.msg);
		return EX_CONFIG;
	}
	printf("%s: OK: key %s (%u bits), model %s (B=%u)\n", path, a->pk.keyid_hex, a->pk.bits,
	       a->em->model_id_hex, a->em->fp.bits);
	active_free(a);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = CONF_DEFAULT_FILE;
	int check = 0, foreground = 0, opt;
	unsigned flags = 0;
	while ((opt = getopt(argc, argv, "x:nfVTh")) != -1) {
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

	/* Before any thread exists: SIGUSR1/2 go to our signal thread only, and
	 * SIGHUP/SIGINT/SIGTERM to libmilter's (it blocks them only in the
	 * thread calling smfi_main, so threads started earlier must too). */
	sigset_t set;
	reload_sigset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 || signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		fprintf(stderr, "blindscore-milter: cannot set up signals\n");
		return EX_OSERR;
	}

	active *a;
	bs_error err;
	if (active_build(path, flags | ACTIVE_ALLOW_NOMODEL, &a, &err) < 0) {
		fprintf(stderr, "blindscore-milter: %s\n", err.msg);
		return EX_CONFIG;
	}
	const conf *cf = a->cf;
	log_open("blindscore-milter", cf->syslog, cf->facility, foreground);
	if (a->em == NULL)
		log_msg(LOG_ERR, NULL,
		        "no model: %s; On-NoModel %s applies until a reload succeeds", a->problem,
		        conf_action_name(cf->on_no_model));

	uid_t uid = 0;
	gid_t gid = 0;
	char user[256] = "";
	int have_ids = cf->userid != NULL;
	if (have_ids && lookup_user(cf->userid, &uid, &gid, user, sizeof user) < 0) {
		log_msg(LOG_ERR, NULL, "%s: UserID %s: no such user or group", path, cf->userid);
		return EX_CONFIG;
	}
	if (cf->spool_file && a->pk.bits == 0) {
		log_msg(LOG_ERR, NULL, "cannot open the spool without a valid public key");
		return EX_CONFIG;
	}
	if (open_socket(cf, have_ids, uid, gid) < 0)
		return EX_UNAVAILABLE;
	if (!foreground && daemon(0, 0) < 0) {
		log_msg(LOG_ERR, NULL, "daemon: %s", strerror(errno));
		return EX_OSERR;
	}
	if (cf->pidfile && write_pidfile(cf->pidfile) < 0)
		return EX_CANTCREAT;
	if (cf->spool_file && spoolq_open(cf->spool_file, a->pk.bits, cf->spool_sync, &err) < 0) {
		log_msg(LOG_ERR, NULL, "%s", err.msg);
		return EX_CANTCREAT;
	}
	if (have_ids && drop_privileges(user, uid, gid) < 0)
		return EX_NOPERM;

	/* Threads from here on (after daemon()). */
	if (a->em) {
		a->sc = bs_scorer_new(a->em, 0, BS_SCORER_DEFAULT_POOL, &err);
		if (a->sc == NULL) {
			log_msg(LOG_ERR, NULL, "%s: %s", cf->model_file, err.msg);
			return EX_SOFTWARE;
		}
	}
	active_install(a);
	if ((cf->spool_file && spoolq_start(&err) < 0) ||
	    reload_start(path, flags | ACTIVE_SCORER, COUNTERS_INTERVAL, &err) < 0) {
		log_msg(LOG_ERR, NULL, "%s", err.msg);
		return EX_OSERR;
	}
	log_msg(LOG_INFO, NULL, "starting: socket %s, key %s, model %.16s", cf->socket,
	        a->pk.bits ? a->pk.keyid_hex : "-", a->em ? a->em->model_id_hex : "-");
	char *pidfile = cf->pidfile ? bs_xstrdup(cf->pidfile) : NULL;
	int rc = smfi_main();
	log_msg(rc == MI_SUCCESS ? LOG_INFO : LOG_ERR, NULL, "stopping%s",
	        rc == MI_SUCCESS ? "" : ": smfi_main failed");
	reload_stop();
	spoolq_stop();
	stats_log("exit");
	active_shutdown();
	if (pidfile && unlink(pidfile) < 0 && errno != ENOENT)
		log_msg(LOG_WARNING, NULL, "cannot remove pid file %s: %s", pidfile,
		        strerror(errno));
	free(pidfile);
	log_close();
	return rc == MI_SUCCESS ? 0 : EX_SOFTWARE;
}
