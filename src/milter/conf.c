/*
 * conf.c - the option table of blindscore.conf(5) and its validators.
 *
 * Each option is checked by its own callback while libconfuse parses the
 * file, so the line is known; libconfuse's own syntax errors go through the
 * same error function.  The first error is kept: "FILE line N: option 'X':
 * reason".  A parsed file becomes a plain struct conf, so the rest of the
 * milter never sees libconfuse.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <confuse.h>

#include "conf.h"

/* The first error of the parse in progress (conf_load runs on one thread
 * at a time per thread; libconfuse's error function has no argument). */
static __thread char *error_buf;
static __thread size_t error_len;

static void on_cfg_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	if (error_buf == NULL || error_buf[0] != '\0')
		return;
	int n = 0;
	if (cfg && cfg->filename && cfg->line > 0)
		n = snprintf(error_buf, error_len, "%s line %d: ", cfg->filename, cfg->line);
	else if (cfg && cfg->filename)
		n = snprintf(error_buf, error_len, "%s: ", cfg->filename);
	if (n < 0 || (size_t)n >= error_len)
		return;
	vsnprintf(error_buf + n, error_len - (size_t)n, fmt, ap);
}

static const struct {
	const char *name;
	int value;
} facilities[] = {
    {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"user", LOG_USER},     {"local0", LOG_LOCAL0},
    {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
    {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

static const char *action_names[] = {"accept", "tempfail", "reject"};

const char *conf_action_name(enum conf_action a)
{
	return (unsigned)a < 3 ? action_names[a] : "?";
}

/* ---- value parsers (string -> long) */

static int parse_action(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	for (int i = 0; i < 3; i++)
		if (strcasecmp(value, action_names[i]) == 0) {
			*(long *)result = i;
			return 0;
		}
	cfg_error(cfg, "option '%s': '%s' is not accept, tempfail or reject", cfg_opt_name(opt),
	          value);
	return -1;
}

static int parse_facility(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	for (size_t i = 0; i < sizeof facilities / sizeof facilities[0]; i++)
		if (strcasecmp(value, facilities[i].name) == 0) {
			*(long *)result = facilities[i].value;
			return 0;
		}
	cfg_error(cfg, "option '%s': '%s' is not a syslog facility (mail, daemon, user, local0..7)",
	          cfg_opt_name(opt), value);
	return -1;
}

static int parse_umask(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	char *end;
	errno = 0;
	long v = strtol(value, &end, 8);
	if (value[0] == '\0' || *end != '\0' || errno || v < 0 || v > 0777 ||
	    strspn(value, "01234567") != strlen(value)) {
		cfg_error(cfg, "option '%s': '%s' is not an octal mode between 000 and 777",
		          cfg_opt_name(opt), value);
		return -1;
	}
	*(long *)result = v;
	return 0;
}

/* Decimal with an optional k, M or G suffix (powers of 1024). */
static int parse_size(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(value, &end, 10);
	unsigned shift = 0;
	if (*end == 'k' || *end == 'K')
		shift = 10;
	else if (*end == 'm' || *end == 'M')
		shift = 20;
	else if (*end == 'g' || *end == 'G')
		shift = 30;
	if (shift)
		end++;
	if (!isdigit((unsigned char)value[0]) || *end != '\0' || errno ||
	    v > (0x7fffffffULL >> shift)) {
		cfg_error(cfg,
		          "option '%s': '%s' is not a size in bytes below 2G (k, M, G allowed)",
		          cfg_opt_name(opt), value);
		return -1;
	}
	*(long *)result = (long)(v << shift);
	return 0;
}

/* ---- validators */

static int is_absolute(const char *s)
{
	return s && s[0] == '/';
}

static int validate_path(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	if (!is_absolute(v)) {
		cfg_error(cfg, "option '%s': '%s' is not an absolute path", cfg_opt_name(opt),
		          v ? v : "");
		return -1;
	}
	return 0;
}

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
static const char *socket_problem(const char *v)
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

static int validate_socket(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	const char *why = v ? socket_problem(v) : "empty";
	if (why) {
		cfg_error(cfg, "option '%s': '%s': %s", cfg_opt_name(opt), v ? v : "", why);
		return -1;
	}
	return 0;
}

static int validate_userid(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	char user[256];
	const char *colon = strchr(v, ':');
	size_t ulen = colon ? (size_t)(colon - v) : strlen(v);
	if (ulen == 0 || ulen >= sizeof user) {
		cfg_error(cfg, "option '%s': '%s' is not user or user:group", cfg_opt_name(opt), v);
		return -1;
	}
	memcpy(user, v, ulen);
	user[ulen] = '\0';
	if (getpwnam(user) == NULL) {
		cfg_error(cfg, "option '%s': no such user '%s'", cfg_opt_name(opt), user);
		return -1;
	}
	if (colon && getgrnam(colon + 1) == NULL) {
		cfg_error(cfg, "option '%s': no such group '%s'", cfg_opt_name(opt), colon + 1);
		return -1;
	}
	return 0;
}

static int validate_cidr_list(cfg_t *cfg, cfg_opt_t *opt)
{
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *v = cfg_opt_getnstr(opt, i);
		const char *why;
		conf_cidr c;
		if (conf_cidr_parse(v, &c, &why) < 0) {
			cfg_error(cfg, "option '%s': '%s': %s", cfg_opt_name(opt), v, why);
			return -1;
		}
	}
	return 0;
}

static int validate_mta(cfg_t *cfg, cfg_opt_t *opt)
{
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *v = cfg_opt_getnstr(opt, i);
		if (v[0] == '\0' || strpbrk(v, " \t\r\n")) {
			cfg_error(cfg, "option '%s': '%s' is not a daemon name", cfg_opt_name(opt),
			          v);
			return -1;
		}
	}
	return 0;
}

static int validate_header_name(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	size_t n = strlen(v);
	int ok = n > 0 && n <= 64;
	for (size_t i = 0; ok && i < n; i++)
		ok = v[i] > 32 && v[i] < 127 && v[i] != ':';
	if (!ok) {
		cfg_error(cfg,
		          "option '%s': '%s' is not a header field name (1 to 64 printable "
		          "characters, no ':')",
		          cfg_opt_name(opt), v);
		return -1;
	}
	return 0;
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

/* ---- the table */

static cfg_opt_t options[] = {
    CFG_STR("Socket", "unix:/run/blindscore/blindscore.sock", CFGF_NONE),
    CFG_STR("UserID", NULL, CFGF_NODEFAULT),
    CFG_INT_CB("UMask", 007, CFGF_NONE, parse_umask),
    CFG_STR("PidFile", NULL, CFGF_NODEFAULT),
    CFG_BOOL("Syslog", cfg_true, CFGF_NONE),
    CFG_INT_CB("SyslogFacility", LOG_MAIL, CFGF_NONE, parse_facility),
    CFG_STR_LIST("InternalHosts", "{\"127.0.0.1\", \"::1\"}", CFGF_NONE),
    CFG_STR_LIST("MTA", "{}", CFGF_NONE),
    CFG_BOOL("ScoreAuthenticated", cfg_true, CFGF_NONE),
    CFG_STR("PublicKeyFile", NULL, CFGF_NODEFAULT),
    CFG_STR("ModelFile", NULL, CFGF_NODEFAULT),
    CFG_STR("SpoolFile", NULL, CFGF_NODEFAULT),
    CFG_BOOL("SpoolSync", cfg_true, CFGF_NONE),
    CFG_BOOL("AddHeader", cfg_false, CFGF_NONE),
    CFG_STR("HeaderName", "X-Blindscore", CFGF_NONE),
    CFG_INT_CB("MaximumScannedBytes", 1048576, CFGF_NONE, parse_size),
    CFG_BOOL("LogWhy", cfg_false, CFGF_NONE),
    CFG_INT_CB("On-InternalError", ACTION_TEMPFAIL, CFGF_NONE, parse_action),
    CFG_INT_CB("On-SpoolError", ACTION_TEMPFAIL, CFGF_NONE, parse_action),
    CFG_INT_CB("On-NoModel", ACTION_TEMPFAIL, CFGF_NONE, parse_action),
    CFG_END(),
};

static const struct {
	const char *name;
	cfg_validate_callback_t fn;
} validators[] = {
    {"Socket", validate_socket},
    {"UserID", validate_userid},
    {"PidFile", validate_path},
    {"InternalHosts", validate_cidr_list},
    {"MTA", validate_mta},
    {"PublicKeyFile", validate_path},
    {"ModelFile", validate_path},
    {"SpoolFile", validate_path},
    {"HeaderName", validate_header_name},
};

static char *opt_strdup(cfg_t *cfg, const char *name)
{
	if (cfg_size(cfg, name) == 0)
		return NULL;
	const char *v = cfg_getstr(cfg, name);
	return v ? bs_xstrdup(v) : NULL;
}

static int fill(conf *c, cfg_t *cfg, bs_error *err)
{
	c->socket = opt_strdup(cfg, "Socket");
	c->userid = opt_strdup(cfg, "UserID");
	c->umask = (int)cfg_getint(cfg, "UMask");
	c->pidfile = opt_strdup(cfg, "PidFile");
	c->syslog = cfg_getbool(cfg, "Syslog") == cfg_true;
	c->facility = (int)cfg_getint(cfg, "SyslogFacility");
	c->ninternal = cfg_size(cfg, "InternalHosts");
	c->internal = bs_xcalloc(c->ninternal ? c->ninternal : 1, sizeof *c->internal);
	for (size_t i = 0; i < c->ninternal; i++) {
		const char *why;
		/* Defaults bypass the validators: check them here too. */
		if (conf_cidr_parse(cfg_getnstr(cfg, "InternalHosts", (unsigned)i), &c->internal[i],
		                    &why) < 0)
			return bs_error_set(err, BS_E_CONFIG, "%s: option 'InternalHosts': %s",
			                    c->path, why);
	}
	c->nmta = cfg_size(cfg, "MTA");
	c->mta = bs_xcalloc(c->nmta + 1, sizeof *c->mta);
	for (size_t i = 0; i < c->nmta; i++)
		c->mta[i] = bs_xstrdup(cfg_getnstr(cfg, "MTA", (unsigned)i));
	c->score_authenticated = cfg_getbool(cfg, "ScoreAuthenticated") == cfg_true;
	c->pubkey_file = opt_strdup(cfg, "PublicKeyFile");
	c->model_file = opt_strdup(cfg, "ModelFile");
	c->spool_file = opt_strdup(cfg, "SpoolFile");
	c->spool_sync = cfg_getbool(cfg, "SpoolSync") == cfg_true;
	c->add_header = cfg_getbool(cfg, "AddHeader") == cfg_true;
	c->header_name = opt_strdup(cfg, "HeaderName");
	c->max_scanned = (unsigned long)cfg_getint(cfg, "MaximumScannedBytes");
	c->log_why = cfg_getbool(cfg, "LogWhy") == cfg_true;
	c->on_internal_error = (enum conf_action)cfg_getint(cfg, "On-InternalError");
	c->on_spool_error = (enum conf_action)cfg_getint(cfg, "On-SpoolError");
	c->on_no_model = (enum conf_action)cfg_getint(cfg, "On-NoModel");

	if (c->pubkey_file == NULL)
		return bs_error_set(err, BS_E_CONFIG, "%s: option 'PublicKeyFile' is required",
		                    c->path);
	if (c->model_file == NULL)
		return bs_error_set(err, BS_E_CONFIG, "%s: option 'ModelFile' is required",
		                    c->path);
	if (c->spool_file == NULL && !c->add_header)
		return bs_error_set(err, BS_E_CONFIG,
		                    "%s: neither 'SpoolFile' nor 'AddHeader = yes' is set: "
		                    "scores would go nowhere",
		                    c->path);
	return 0;
}

int conf_load(const char *path, conf **out, bs_error *err)
{
	char msg[sizeof err->msg];
	*out = NULL;
	cfg_t *cfg = cfg_init(options, CFGF_NOCASE);
	if (cfg == NULL)
		return bs_error_set(err, BS_E_NOMEM, "%s: cannot initialise libconfuse", path);
	cfg_set_error_function(cfg, on_cfg_error);
	for (size_t i = 0; i < sizeof validators / sizeof validators[0]; i++)
		cfg_set_validate_func(cfg, validators[i].name, validators[i].fn);

	msg[0] = '\0';
	error_buf = msg;
	error_len = sizeof msg;
	errno = 0;
	int rc = cfg_parse(cfg, path);
	int saved = errno;
	error_buf = NULL;
	if (rc == CFG_FILE_ERROR) {
		cfg_free(cfg);
		return bs_error_set(err, BS_E_NOINPUT, "cannot read '%s': %s", path,
		                    strerror(saved ? saved : ENOENT));
	}
	if (rc != CFG_SUCCESS) {
		cfg_free(cfg);
		return bs_error_set(err, BS_E_CONFIG, "%s",
		                    msg[0] ? msg : "configuration file is malformed");
	}
	conf *c = bs_xcalloc(1, sizeof *c);
	c->path = bs_xstrdup(path);
	int r = fill(c, cfg, err);
	cfg_free(cfg);
	if (r < 0) {
		conf_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void conf_free(conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->socket);
	free(c->userid);
	free(c->pidfile);
	free(c->internal);
	for (size_t i = 0; i < c->nmta; i++)
		free(c->mta[i]);
	free(c->mta);
	free(c->pubkey_file);
	free(c->model_file);
	free(c->spool_file);
	free(c->header_name);
	free(c);
}

static int str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

const char *conf_restart_option(const conf *old, const conf *new_)
{
	if (str_differs(old->socket, new_->socket))
		return "Socket";
	if (str_differs(old->userid, new_->userid))
		return "UserID";
	if (old->umask != new_->umask)
		return "UMask";
	if (str_differs(old->pidfile, new_->pidfile))
		return "PidFile";
	if (old->syslog != new_->syslog)
		return "Syslog";
	if (old->facility != new_->facility)
		return "SyslogFacility";
	if (str_differs(old->spool_file, new_->spool_file))
		return "SpoolFile";
	if (old->spool_sync != new_->spool_sync)
		return "SpoolSync";
	return NULL;
}
