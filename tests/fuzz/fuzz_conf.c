/*
 * fuzz_conf.c - libFuzzer target for blindscore-milter's configuration
 * parser (conf.h: conf_load, libconfuse with the option table and its
 * validators in src/milter/conf.c).
 *
 * The input is the file; libconfuse reads a path, so it goes to an
 * in-memory file.  Checked promises for a configuration that loads: the
 * required options are there, paths are absolute, actions are in range,
 * every InternalHosts entry has a valid prefix, a configuration needs no
 * restart against itself, and matching addresses against it works.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#include "fuzz.h"

static void probe(const conf *c)
{
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;

	memset(&v4, 0, sizeof v4);
	v4.sin_family = AF_INET;
	inet_pton(AF_INET, "10.1.2.3", &v4.sin_addr);
	(void)conf_internal_host(c, (const struct sockaddr *)&v4);
	memset(&v6, 0, sizeof v6);
	v6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &v6.sin6_addr);
	(void)conf_internal_host(c, (const struct sockaddr *)&v6);
	inet_pton(AF_INET6, "2001:db8::1", &v6.sin6_addr);
	(void)conf_internal_host(c, (const struct sockaddr *)&v6);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	conf *c = NULL;
	bs_error err;

	if (conf_load(fuzz_memfile(data, size), &c, &err) < 0) {
		if (c != NULL || strnlen(err.msg, sizeof err.msg) == 0)
			abort(); /* an error must come with a message and no result */
		return 0;
	}
	if (!c->pubkey_file || c->pubkey_file[0] != '/' || !c->model_file ||
	    c->model_file[0] != '/' || (c->spool_file && c->spool_file[0] != '/') ||
	    (!c->spool_file && !c->add_header) || (c->pidfile && c->pidfile[0] != '/'))
		abort();
	if ((unsigned)c->on_internal_error > ACTION_REJECT ||
	    (unsigned)c->on_spool_error > ACTION_REJECT || (unsigned)c->on_no_model > ACTION_REJECT)
		abort();
	if (c->umask < 0 || c->umask > 0777 || !c->header_name || !c->socket)
		abort();
	for (size_t i = 0; i < c->ninternal; i++)
		if (c->internal[i].prefix > (c->internal[i].family == AF_INET ? 32u : 128u))
			abort();
	if (conf_restart_option(c, c) != NULL)
		abort();
	probe(c);
	conf_free(c);
	return 0;
}
