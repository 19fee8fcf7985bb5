/*
 * reload.c - signal thread, reload, periodic counters.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "active.h"
#include "log.h"
#include "reload.h"
#include "spoolq.h"

static char *conf_path;
static unsigned build_flags;
static pthread_t sig_thread;
static int running;
static atomic_int stopping;

void reload_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
}

int reload_now(void)
{
	active *fresh;
	bs_error err;
	if (active_build(conf_path, build_flags, &fresh, &err) < 0) {
		stats_inc(STAT_RELOAD_FAILURES);
		log_msg(LOG_ERR, NULL, "reload failed, keeping the current configuration: %s",
		        err.msg);
		return -1;
	}
	active *old = active_acquire();
	if (old) {
		const char *opt = conf_restart_option(old->cf, fresh->cf);
		if (opt)
			log_msg(
			    LOG_WARNING, NULL,
			    "reload: option '%s' changed in %s; it takes effect only at restart",
			    opt, conf_path);
		unsigned bits = spoolq_bits();
		if (bits && fresh->pk.bits != bits) {
			log_msg(LOG_ERR, NULL,
			        "reload failed, keeping the current configuration: %s: the key "
			        "has %u bits, the open spool holds %u-bit records (restart to "
			        "change the key size)",
			        fresh->cf->pubkey_file, fresh->pk.bits, bits);
			active_release(old);
			active_free(fresh);
			stats_inc(STAT_RELOAD_FAILURES);
			return -1;
		}
		active_release(old);
	}
	active_install(fresh);
	stats_inc(STAT_RELOADS);
	log_msg(LOG_INFO, NULL, "reloaded %s: key %s, model %.16s", conf_path, fresh->pk.keyid_hex,
	        fresh->em->model_id_hex);
	return 0;
}

/* StatisticsInterval of the active configuration; 0 = only at exit. */
static unsigned current_interval(void)
{
	active *a = active_acquire();
	unsigned v = a ? a->cf->stats_interval : 0;
	active_release(a);
	return v;
}

static void *sig_main(void *arg)
{
	sigset_t set;
	(void)arg;
	reload_sigset(&set);
	time_t last = time(NULL);
	while (!atomic_load(&stopping)) {
		unsigned interval = current_interval();
		time_t now = time(NULL);
		struct timespec ts = {3600, 0};
		if (interval)
			ts.tv_sec =
			    last + (time_t)interval > now ? last + (time_t)interval - now : 0;
		int sig = sigtimedwait(&set, NULL, &ts);
		if (atomic_load(&stopping))
			break;
		if (sig == SIGUSR1) {
			log_msg(LOG_INFO, NULL, "SIGUSR1: reloading %s", conf_path);
			reload_now();
		} else if (sig == SIGUSR2) {
			log_msg(LOG_INFO, NULL, "SIGUSR2: reopening the spool");
			if (spoolq_bits())
				spoolq_reopen();
		} else if (sig < 0 && errno != EAGAIN && errno != EINTR) {
			log_msg(LOG_ERR, NULL, "sigtimedwait: %s", strerror(errno));
		}
		interval = current_interval(); /* a reload may have changed it */
		if (interval && time(NULL) >= last + (time_t)interval) {
			stats_log("interval");
			last = time(NULL);
		}
	}
	return NULL;
}

int reload_start(const char *path, unsigned active_flags, bs_error *err)
{
	conf_path = bs_xstrdup(path);
	build_flags = active_flags;
	int rc = pthread_create(&sig_thread, NULL, sig_main, NULL);
	if (rc != 0)
		return bs_error_set(err, BS_E_INTERNAL, "cannot start the signal thread: %s",
		                    strerror(rc));
	running = 1;
	return 0;
}

void reload_stop(void)
{
	if (running) {
		atomic_store(&stopping, 1);
		pthread_kill(sig_thread, SIGUSR2); /* wakes sigtimedwait */
		pthread_join(sig_thread, NULL);
		running = 0;
	}
	free(conf_path);
	conf_path = NULL;
}
