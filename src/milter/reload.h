/*
 * reload.h - the signal thread: SIGUSR1 reloads config, key and model;
 * SIGUSR2 reopens the spool; a counters line every StatisticsInterval
 * (taken from the active configuration, so a reload changes it).
 *
 * SIGUSR1 and SIGUSR2 must be blocked in every thread (block them before
 * the first thread starts); this thread takes them with sigtimedwait.
 * libmilter's own thread handles SIGHUP, SIGINT and SIGTERM (all "stop"),
 * so the milter never installs a SIGHUP handler.
 */
#ifndef MILTER_RELOAD_H
#define MILTER_RELOAD_H

#include <signal.h>

#include "util.h"

/* The signals this thread takes, for the caller to block first. */
void reload_sigset(sigset_t *set);
/* Start the thread; `path` is the config file, flags as for active_build. */
int reload_start(const char *path, unsigned active_flags, bs_error *err);
void reload_stop(void);
/* One reload, as SIGUSR1 does it (also for tests): 0 if swapped. */
int reload_now(void);

#endif
