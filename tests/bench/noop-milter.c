/*
 * noop-milter.c - the benchmark's reference milter (tests/bench/bench-postfix.sh).
 *
 * It registers the same callbacks and negotiates the same actions and
 * protocol steps as blindscore-milter (headers and body are sent to it,
 * xxfi_data is registered, no replies to headers on a unix socket), keeps no state, and at EOM burns -b N
 * microseconds of its own thread's CPU (CLOCK_THREAD_CPUTIME_ID) before
 * answering SMFIS_CONTINUE.  With N = blindscore's measured engine CPU per
 * message it is "a milter that costs exactly the arithmetic": the bound
 * blindscore-milter's throughput is compared with (issue 7, item 5).
 *
 * Usage: noop-milter [-b MICROSECONDS] -p unix:PATH|inet:PORT@HOST
 * Runs in the foreground; the unix socket is made mode 0666, inet listening
 * sockets get TCP_NODELAY (../shared/POSTFIX-TESTING.md).  Not installed.
 */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nodelay.h"

static long burn_us;
static int nr_hdr; /* no replies to headers: unix sockets, as blindscore-milter */

static void burn(void)
{
	struct timespec t0, t;
	if (burn_us <= 0 || clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0) < 0)
		return;
	volatile unsigned long x = 0;
	do {
		for (int i = 0; i < 256; i++)
			x += (unsigned long)i * 2654435761u;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000L + (t.tv_nsec - t0.tv_nsec) / 1000 < burn_us);
}

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx;
	(void)f0;
	(void)f2;
	(void)f3;
	*pf0 = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
	const unsigned long nr = SMFIP_NR_HDR | SMFIP_NR_EOH;
	*pf1 = f1 & (SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_SKIP | (nr_hdr ? nr : 0));
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)ctx;
	(void)host;
	(void)sa;
	return SMFIS_CONTINUE;
}

static sfsistat cb_env(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_eoh(SMFICTX *ctx)
{
	(void)ctx;
	return nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_ctx(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat cb_body(SMFICTX *ctx, unsigned char *b, size_t n)
{
	(void)ctx;
	(void)b;
	(void)n;
	return SMFIS_CONTINUE;
}

static sfsistat cb_eom(SMFICTX *ctx)
{
	(void)ctx;
	burn();
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
    .xxfi_name = "noop-burner",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
    .xxfi_connect = cb_connect,
    .xxfi_envfrom = cb_env,
    .xxfi_envrcpt = cb_env,
    .xxfi_header = cb_header,
    .xxfi_eoh = cb_eoh,
    .xxfi_body = cb_body,
    .xxfi_eom = cb_eom,
    .xxfi_abort = cb_ctx,
    .xxfi_close = cb_ctx,
    .xxfi_data = cb_ctx,
    .xxfi_negotiate = cb_negotiate,
};

int main(int argc, char **argv)
{
	const char *sock = NULL;
	bs_error err;
	int opt;
	while ((opt = getopt(argc, argv, "b:p:hV")) != -1) {
		switch (opt) {
		case 'b':
			burn_us = strtol(optarg, NULL, 10);
			break;
		case 'p':
			sock = optarg;
			break;
		case 'V':
			puts("noop-milter (blindscore benchmark)");
			return 0;
		default:
			fprintf(
			    stderr,
			    "usage: noop-milter [-b MICROSECONDS] -p unix:PATH|inet:PORT@HOST\n");
			return opt == 'h' ? 0 : 64;
		}
	}
	if (sock == NULL || burn_us < 0) {
		fprintf(stderr,
		        "usage: noop-milter [-b MICROSECONDS] -p unix:PATH|inet:PORT@HOST\n");
		return 64;
	}
	if (smfi_setconn((char *)sock) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS) {
		fprintf(stderr, "noop-milter: cannot set up %s\n", sock);
		return 70;
	}
	umask(0);
	if (smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "noop-milter: cannot open socket %s\n", sock);
		return 71;
	}
	nr_hdr = strncmp(sock, "unix:", 5) == 0 || strncmp(sock, "local:", 6) == 0;
	if (nr_hdr)
		chmod(strchr(sock, ':') + 1, 0666);
	else if (bs_nodelay_listeners(&err) < 0) /* libmilter does not expose its socket */
		fprintf(stderr, "noop-milter: %s\n", err.msg);
	return smfi_main() == MI_SUCCESS ? 0 : 70;
}
