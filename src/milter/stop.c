/*
 * stop.c - a prompt stop: smfi_stop and a connection that wakes libmilter's
 * listener (stop.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "log.h"
#include "stop.h"

#define WAKE_EVERY_MS 10
#define WAKE_TRIES    500 /* 5 s: by then the listener's poll timed out anyway */

static struct sockaddr_storage listen_addr;
static socklen_t listen_len;
static pthread_t main_thread;
static atomic_int milter_done, stop_called;
static pthread_mutex_t stop_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cv = PTHREAD_COND_INITIALIZER;
static int stop_done; /* under stop_mu */
static int milter_rc = MI_FAILURE;

int stop_note_listener(void)
{
	for (int fd = 3; fd < 1024; fd++) {
		int on = 0;
		socklen_t len = sizeof on;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0 || !on)
			continue;
		listen_len = sizeof listen_addr;
		if (getsockname(fd, (struct sockaddr *)&listen_addr, &listen_len) < 0)
			break;
		/* a wildcard address is reached through the loopback */
		if (listen_addr.ss_family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&listen_addr;
			if (in->sin_addr.s_addr == htonl(INADDR_ANY))
				in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		} else if (listen_addr.ss_family == AF_INET6) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&listen_addr;
			if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
				in6->sin6_addr = in6addr_loopback;
		}
		return 0;
	}
	listen_len = 0;
	log_msg(LOG_WARNING, NULL, "listening socket not found: a stop may take 5 s");
	return -1;
}

/* One connection to our own socket, closed at once: the listener's poll
 * returns, it accepts (a session that ends at its first read) and then
 * looks at the stop flag.  Non-blocking: a full backlog wakes it as well. */
static void wake_listener(void)
{
	if (listen_len == 0)
		return;
	int s = socket(listen_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return;
	if (connect(s, (struct sockaddr *)&listen_addr, listen_len) < 0 && errno == EINPROGRESS) {
		struct pollfd p = {.fd = s, .events = POLLOUT};
		(void)poll(&p, 1, 100); /* TCP: let the handshake finish */
	}
	close(s);
}

static void *milter_main(void *arg)
{
	(void)arg;
	milter_rc = smfi_main();
	atomic_store(&milter_done, 1);
	pthread_kill(main_thread, SIGTERM); /* ends stop_run's wait */
	return NULL;
}

static void *stopper(void *arg)
{
	(void)arg;
	atomic_store(&stop_called, 1);
	smfi_stop(); /* returns once the listener has let go of its socket */
	pthread_mutex_lock(&stop_mu);
	stop_done = 1;
	pthread_cond_signal(&stop_cv);
	pthread_mutex_unlock(&stop_mu);
	return NULL;
}

/* Wait up to ms for the stopper; 1 if it is done. */
static int stopper_done(long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&stop_mu);
	while (!stop_done && pthread_cond_timedwait(&stop_cv, &stop_mu, &ts) == 0)
		;
	int done = stop_done;
	pthread_mutex_unlock(&stop_mu);
	return done;
}

static void request_stop(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, stopper, NULL) != 0) {
		smfi_stop(); /* the slow way: up to 5 s */
		return;
	}
	/* Wake the listener only once the flag is set, which smfi_stop does
	 * first thing: a listener woken before goes back to its poll, and if
	 * libmilter's pool controller sees the flag before the listener's next
	 * accept, that accept's session cannot start and the listener sleeps
	 * 1 s (MI_SLEEP after mi_start_session fails). */
	struct timespec ms = {0, 1000000L};
	for (int i = 0; i < 1000 && !atomic_load(&stop_called); i++)
		nanosleep(&ms, NULL);
	nanosleep(&ms, NULL);
	for (int i = 0; i < WAKE_TRIES; i++) {
		wake_listener();
		if (stopper_done(WAKE_EVERY_MS))
			break;
	}
	pthread_join(t, NULL);
}

int stop_run(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	main_thread = pthread_self();
	pthread_t t;
	if (pthread_create(&t, NULL, milter_main, NULL) != 0) {
		log_msg(LOG_WARNING, NULL, "cannot start the milter thread: a stop may take 5 s");
		return smfi_main();
	}
	int sig;
	/* the milter thread's own SIGTERM when smfi_main returned by itself
	 * (SIGHUP, an error) finds milter_done set; sigwait cannot fail here */
	if (sigwait(&set, &sig) == 0 && !atomic_load(&milter_done)) {
		log_msg(LOG_INFO, NULL, "%s: asking libmilter to stop",
		        sig == SIGINT ? "SIGINT" : "SIGTERM");
		request_stop();
	}
	pthread_join(t, NULL);
	return milter_rc;
}
