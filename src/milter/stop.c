/*
 * stop.c - a prompt stop: smfi_stop and a connection that wakes libmilter's
 * listener (stop.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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

/* The main thread's SIGTERM/SIGINT handler: the signal, down a pipe. */
static int sig_pipe[2] = {-1, -1};

static void on_stop_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;
	(void)!write(sig_pipe[1], &c, 1);
	errno = saved;
}

/* Start smfi_main's thread with SIGTERM and SIGINT blocked (and everything
 * else the creating thread blocks), whatever the main thread's mask is. */
static int start_milter_thread(pthread_t *t, const sigset_t *blocked)
{
	pthread_attr_t attr;
	int r = pthread_attr_init(&attr);
	if (r != 0)
		return r;
#if HAVE_PTHREAD_ATTR_SETSIGMASK_NP
	r = pthread_attr_setsigmask_np(&attr, blocked);
#else
	(void)blocked; /* the main thread still blocks them while it creates it */
#endif
	if (r == 0)
		r = pthread_create(t, &attr, milter_main, NULL);
	pthread_attr_destroy(&attr);
	return r;
}

int stop_run(void)
{
	main_thread = pthread_self();
	sigset_t stopset, blocked;
	sigemptyset(&stopset);
	sigaddset(&stopset, SIGTERM);
	sigaddset(&stopset, SIGINT);
	pthread_sigmask(SIG_BLOCK, NULL, &blocked); /* SIGTERM/SIGINT among them (main.c) */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigfillset(&sa.sa_mask);
	pthread_t t;
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGINT, &sa, NULL) < 0) {
		log_msg(LOG_WARNING, NULL, "cannot set up the prompt stop: a stop may take 5 s");
		return smfi_main();
	}
	/* From the unblocking on, the main thread takes SIGTERM and SIGINT
	 * through the handler: every other thread blocks them, and the kernel
	 * gives a signal sent to the process to the thread whose id is the pid
	 * whenever that thread does not block it, ahead of any other (such as
	 * libmilter's signal thread, which sigwaits for them).  With
	 * pthread_attr_setsigmask_np the milter thread is created blocking them
	 * after the main thread unblocked them: no window at all. */
#if HAVE_PTHREAD_ATTR_SETSIGMASK_NP
	pthread_sigmask(SIG_UNBLOCK, &stopset, NULL);
#endif
	if (start_milter_thread(&t, &blocked) != 0) {
		pthread_sigmask(SIG_BLOCK, &stopset, NULL);
		log_msg(LOG_WARNING, NULL, "cannot start the milter thread: a stop may take 5 s");
		return smfi_main();
	}
	pthread_sigmask(SIG_UNBLOCK, &stopset, NULL);
	unsigned char sig = 0;
	for (;;) {
		struct pollfd p = {.fd = sig_pipe[0], .events = POLLIN};
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
		if (read(sig_pipe[0], &sig, 1) == 1)
			break;
	}
	pthread_sigmask(SIG_BLOCK, &stopset, NULL);
	if (!atomic_load(&milter_done)) {
		log_msg(LOG_INFO, NULL, "%s: asking libmilter to stop",
		        sig == SIGINT ? "SIGINT" : "SIGTERM");
		request_stop();
	}
	pthread_join(t, NULL);
	return milter_rc;
}
