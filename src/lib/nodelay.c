/*
 * nodelay.c - TCP_NODELAY on the listening sockets among our descriptors
 * (nodelay.h).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "nodelay.h"

int bs_nodelay_listeners(bs_error *err)
{
	int found = 0, failed = 0;

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
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0)
			found++;
		else if (failed++ == 0)
			bs_error_set(err, BS_E_IO, "setsockopt(TCP_NODELAY): %s", strerror(errno));
	}
	return failed ? -1 : found;
}
