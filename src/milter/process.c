/*
 * process.c - socket, pid file, privileges (process.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "callbacks.h"
#include "log.h"
#include "nodelay.h"
#include "process.h"

int process_user_lookup(const char *spec, process_user *u)
{
	memset(u, 0, sizeof *u);
	if (spec == NULL)
		return 0;
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	struct passwd *pw = NULL;
	if (n < sizeof u->name) {
		memcpy(u->name, spec, n);
		u->name[n] = '\0';
		pw = getpwnam(u->name);
	}
	if (pw == NULL) {
		log_msg(LOG_ERR, NULL, "UserID %s: no such user", spec);
		return -1;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	if (colon) {
		struct group *gr = getgrnam(colon + 1);
		if (gr == NULL) {
			log_msg(LOG_ERR, NULL, "UserID %s: no such group", spec);
			return -1;
		}
		u->gid = gr->gr_gid;
	}
	u->set = 1;
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
	bs_error err;
	int found = bs_nodelay_listeners(&err);

	if (found < 0)
		log_msg(LOG_WARNING, NULL, "%s", err.msg);
	else if (found == 0)
		log_msg(LOG_WARNING, NULL,
		        "no listening TCP socket found for TCP_NODELAY: "
		        "each message may stall about 40 ms");
}

int process_socket(const conf *cf, const process_user *u)
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
	if (u->set && geteuid() == 0 && chown(path, u->uid, u->gid) < 0) {
		log_msg(LOG_ERR, NULL, "chown %s: %s", path, strerror(errno));
		return -1;
	}
	if (chmod(path, (mode_t)(0777 & ~cf->umask)) < 0) {
		log_msg(LOG_ERR, NULL, "chmod %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int process_write_pidfile(const char *path)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
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

void process_remove_pidfile(const char *path)
{
	if (unlink(path) == 0 || errno == ENOENT)
		return;
	if (errno == EACCES || errno == EPERM)
		log_msg(LOG_NOTICE, NULL,
		        "pid file %s left in place: its directory is not writable by this "
		        "user (put PidFile in a directory UserID owns, or use -A)",
		        path);
	else
		log_msg(LOG_WARNING, NULL, "cannot remove pid file %s: %s", path, strerror(errno));
}

int process_drop(const process_user *u)
{
	if (!u->set)
		return 0;
	if (geteuid() != 0) {
		if (getuid() == u->uid)
			return 0;
		log_msg(LOG_ERR, NULL, "UserID %s: not running as root, cannot change user",
		        u->name);
		return -1;
	}
	if (initgroups(u->name, u->gid) < 0 || setgid(u->gid) < 0 || setuid(u->uid) < 0) {
		log_msg(LOG_ERR, NULL, "cannot become user %s: %s", u->name, strerror(errno));
		return -1;
	}
	if (u->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		log_msg(LOG_ERR, NULL, "privileges could not be dropped for good");
		return -1;
	}
	return 0;
}
