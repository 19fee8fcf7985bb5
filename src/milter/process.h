/*
 * process.h - process set-up of blindscore-milter: the listening socket
 * (mode from UMask, owner from UserID, TCP_NODELAY on inet sockets), the
 * pid file and the privilege drop.
 *
 * Each function logs its own failure (log.h) and returns -1.  Call them in
 * this order, as root when UserID is set: process_user, process_socket,
 * (daemon(3)), process_write_pidfile, (open the spool), process_drop.
 */
#ifndef MILTER_PROCESS_H
#define MILTER_PROCESS_H

#include <sys/types.h>

#include "conf.h"

typedef struct process_user {
	int set; /* UserID given */
	uid_t uid;
	gid_t gid;
	char name[256];
} process_user;

/* UserID "user[:group]" (NULL: u->set = 0). */
int process_user_lookup(const char *spec, process_user *u);
/* libmilter's socket: register the callbacks, open it, set its owner/mode. */
int process_socket(const conf *cf, const process_user *u);
/* "PID\n"; the file is replaced if it exists. */
int process_write_pidfile(const char *path);
/* At exit.  After a privilege drop the file's directory must be writable by
 * UserID (e.g. /run/blindscore); otherwise the file stays and a notice says
 * so.  (With -A the supervisor, which stays root, removes it.) */
void process_remove_pidfile(const char *path);
/* setgid, initgroups, setuid; fails if root could be regained. */
int process_drop(const process_user *u);

#endif
