/*
 * conf_value.c - value parsers of blindscore.conf(5) (conf_value.h), the
 * AutoRestartRate syntax and InternalHosts' CIDR ranges (conf.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "conf_value.h"
#include "features.h"

#define YEAR (366L * 86400)

static const char *action_names[] = {"accept", "tempfail", "reject"};

const char *conf_action_name(enum conf_action a)
{
	return (unsigned)a < 3 ? action_names[a] : "?";
}

int conf_value_action(const char *s, long *out, const char **why)
{
	for (int i = 0; i < 3; i++)
		if (strcasecmp(s, action_names[i]) == 0) {
			*out = i;
			return 0;
		}
	*why = "is not accept, tempfail or reject";
	return -1;
}

int conf_value_facility(const char *s, long *out, const char **why)
{
	static const struct {
		const char *name;
		int value;
	} facilities[] = {
	    {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"user", LOG_USER},
	    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
	    {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
	    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
	};
	for (size_t i = 0; i < sizeof facilities / sizeof facilities[0]; i++)
		if (strcasecmp(s, facilities[i].name) == 0) {
			*out = facilities[i].value;
			return 0;
		}
	*why = "is not a syslog facility (mail, daemon, user, local0..7)";
	return -1;
}

/* Leading decimal digits (no sign, no space): -1 on none or overflow. */
static int decimal(const char *s, const char **end, unsigned long long *out)
{
	unsigned long long v = 0;
	const char *p = s;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (ULLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	*end = p;
	*out = v;
	return p == s ? -1 : 0;
}

int conf_value_umask(const char *s, long *out, const char **why)
{
	long v = 0;
	size_t n = strlen(s);
	/* only octal digits are ever accumulated, and v stops growing past 0777 */
	for (const char *p = s; *p >= '0' && *p <= '7' && v <= 0777; p++)
		v = v * 8 + (*p - '0');
	if (n == 0 || strspn(s, "01234567") != n || v > 0777) {
		*why = "is not an octal mode between 000 and 777";
		return -1;
	}
	*out = v;
	return 0;
}

/* Decimal with an optional k, M or G suffix (powers of 1024), below 2G. */
int conf_value_size(const char *s, long *out, const char **why)
{
	const char *end;
	unsigned long long v;
	unsigned shift = 0;
	int bad = decimal(s, &end, &v) < 0;
	if (!bad && *end) {
		const char *units = "kKmMgG", *u = strchr(units, *end);
		if (u == NULL || end[1] != '\0')
			bad = 1;
		else
			shift = 10 * (unsigned)(1 + (u - units) / 2);
	}
	if (bad || v > (0x7fffffffULL >> shift)) {
		*why = "is not a size in bytes below 2G (k, M, G allowed)";
		return -1;
	}
	*out = (long)(v << shift);
	return 0;
}

static int whole(const char *s, unsigned long long lo, unsigned long long hi, long *out)
{
	const char *end;
	unsigned long long v;
	if (decimal(s, &end, &v) < 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (long)v;
	return 0;
}

int conf_value_bound(const char *s, long *out, const char **why)
{
	if (whole(s, 1, 1ULL << 62, out) < 0) {
		*why = "is not a whole number from 1 to 2^62";
		return -1;
	}
	return 0;
}

int conf_value_clip(const char *s, long *out, const char **why)
{
	if (whole(s, 1, BS_FEATURES_MAX_CLIP, out) < 0) {
		*why = "is not a whole number from 1 to 255";
		return -1;
	}
	return 0;
}

/* Seconds with an optional unit s, m, h or d, at most a year; -1 if bad. */
static long duration(const char *s, const char **end)
{
	static const char units[] = "sSmMhHdD";
	static const long mult[] = {1, 60, 3600, 86400};
	unsigned long long v;
	if (decimal(s, end, &v) < 0 || v > YEAR)
		return -1;
	const char *u = **end ? strchr(units, **end) : NULL;
	if (u == NULL)
		return (long)v;
	(*end)++;
	v *= (unsigned long long)mult[(u - units) / 2];
	return v > YEAR ? -1 : (long)v;
}

int conf_value_interval(const char *s, long *out, const char **why)
{
	const char *end;
	long v = duration(s, &end);
	if (v < 0 || *end != '\0') {
		*why = "is not a time in seconds up to a year (s, m, h, d allowed)";
		return -1;
	}
	*out = v;
	return 0;
}

int conf_rate_parse(const char *s, unsigned *count, unsigned *seconds, const char **why)
{
	const char *end;
	unsigned long long n;
	if (decimal(s, &end, &n) < 0 || *end != '/' || n < 1 || n > 1000) {
		*why = "must be n/t: n restarts (1 to 1000) per time t (s, m, h, d allowed)";
		return -1;
	}
	long t = duration(end + 1, &end);
	if (t < 1 || *end != '\0') {
		*why = "the time after '/' must be 1 s to a year (s, m, h, d allowed)";
		return -1;
	}
	*count = (unsigned)n;
	*seconds = (unsigned)t;
	return 0;
}

/* ---- Socket */

static int parse_port(const char *s, size_t len)
{
	long port = 0;
	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		port = port * 10 + (s[i] - '0');
	}
	return port >= 1 && port <= 65535 ? (int)port : -1;
}

/* unix:/path, local:/path, /path, inet:PORT[@HOST], inet6:PORT[@[ADDR]] */
const char *conf_socket_problem(const char *v)
{
	if (v[0] == '/')
		return NULL;
	if (strncmp(v, "unix:", 5) == 0 || strncmp(v, "local:", 6) == 0) {
		const char *p = strchr(v, ':') + 1;
		return p[0] == '/' ? NULL : "the socket path must be absolute";
	}
	int v6 = strncmp(v, "inet6:", 6) == 0;
	if (!v6 && strncmp(v, "inet:", 5) != 0)
		return "must start with unix:, local:, inet: or inet6:";
	const char *p = v + (v6 ? 6 : 5);
	const char *at = strchr(p, '@');
	if (parse_port(p, at ? (size_t)(at - p) : strlen(p)) < 0)
		return "the port must be a number from 1 to 65535";
	if (!at)
		return NULL;
	const char *host = at + 1;
	if (host[0] == '\0')
		return "the host after '@' is empty";
	if (v6) {
		char buf[INET6_ADDRSTRLEN + 2];
		struct in6_addr a6;
		size_t n = strlen(host);
		if (host[0] != '[' || host[n - 1] != ']' || n - 2 >= sizeof buf)
			return "an inet6 address must be written in brackets: inet6:PORT@[ADDR]";
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return "not a valid IPv6 address";
	}
	return NULL;
}
/* ---- CIDR */

int conf_cidr_parse(const char *s, conf_cidr *out, const char **why)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	memset(out, 0, sizeof *out);
	if (alen == 0 || alen >= sizeof buf) {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	unsigned max;
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	out->prefix = max;
	if (slash) {
		const char *p = slash + 1;
		unsigned long v = 0;
		size_t n = strlen(p);
		if (n == 0 || n > 3 || strspn(p, "0123456789") != n || (n > 1 && p[0] == '0')) {
			*why = "the prefix length must be a decimal number";
			return -1;
		}
		v = strtoul(p, NULL, 10);
		if (v > max) {
			*why = out->family == AF_INET ? "an IPv4 prefix length is at most 32"
			                              : "an IPv6 prefix length is at most 128";
			return -1;
		}
		out->prefix = (unsigned)v;
	}
	for (unsigned bit = out->prefix; bit < max; bit++)
		if (out->addr[bit / 8] & (0x80u >> (bit % 8))) {
			*why = "bits are set beyond the prefix length (write the network address)";
			return -1;
		}
	return 0;
}

int conf_cidr_match(const conf_cidr *c, const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	const uint8_t *a;
	int family;
	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		family = AF_INET;
	} else if (sa->sa_family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
		family = AF_INET6;
		if (c->family == AF_INET && memcmp(a, mapped, 12) == 0) {
			a += 12;
			family = AF_INET;
		}
	} else {
		return 0;
	}
	if (family != c->family)
		return 0;
	unsigned full = c->prefix / 8, rest = c->prefix % 8;
	if (memcmp(a, c->addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xffu << (8 - rest));
	return (a[full] & mask) == c->addr[full];
}

int conf_internal_host(const conf *c, const struct sockaddr *sa)
{
	for (size_t i = 0; i < c->ninternal; i++)
		if (conf_cidr_match(&c->internal[i], sa))
			return 1;
	return 0;
}
