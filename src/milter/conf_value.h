/*
 * conf_value.h - the value syntaxes of blindscore.conf(5), without libconfuse.
 *
 * Each parser takes the text of one value and returns 0 with *out set, or
 * -1 with *why set to a fixed phrase that completes "'<value>' ..." (for
 * example "is not an octal mode between 000 and 777").  conf.c wraps them
 * as libconfuse callbacks, which add the file, the line and the option.
 */
#ifndef MILTER_CONF_VALUE_H
#define MILTER_CONF_VALUE_H

#include "conf.h"

typedef int (*conf_value_fn)(const char *s, long *out, const char **why);

int conf_value_action(const char *s, long *out, const char **why);   /* accept, ... */
int conf_value_facility(const char *s, long *out, const char **why); /* mail, local0.. */
int conf_value_umask(const char *s, long *out, const char **why);    /* octal 000..777 */
int conf_value_size(const char *s, long *out, const char **why);     /* bytes; k, M, G */
int conf_value_bound(const char *s, long *out, const char **why);    /* 1 .. 2^62 */
int conf_value_clip(const char *s, long *out, const char **why);     /* 1 .. 255 */
int conf_value_interval(const char *s, long *out, const char **why); /* seconds; s m h d */

/* Socket syntax: NULL if valid, else why not (a phrase after "'v': "). */
const char *conf_socket_problem(const char *v);

#endif
