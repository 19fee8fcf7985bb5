/*
 * conf.c - the option table of blindscore.conf(5) and its validators.
 *
 * Each option is checked by its own callback while libconfuse parses the
 * file, so the line is known; libconfuse's own syntax errors go through the
 * same error function.  The first error is kept: "FILE line N: option 'X':
 * reason".  A parsed file becomes a plain struct conf, so the rest of the
 * milter never sees libconfuse.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <confuse.h>

#include "conf.h"
#include "conf_value.h"

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

/* ---- value parsers as libconfuse callbacks (string -> long) */

static int parse_with(conf_value_fn fn, cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	const char *why;
	if (fn(value, (long *)result, &why) < 0) {
		cfg_error(cfg, "option '%s': '%s' %s", cfg_opt_name(opt), value, why);
		return -1;
	}
	return 0;
}

#define VALUE_CALLBACK(name, fn)                                                                   \
	static int name(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)               \
	{                                                                                          \
		return parse_with(fn, cfg, opt, value, result);                                    \
	}

VALUE_CALLBACK(parse_action, conf_value_action)
VALUE_CALLBACK(parse_facility, conf_value_facility)
VALUE_CALLBACK(parse_umask, conf_value_umask)
VALUE_CALLBACK(parse_size, conf_value_size)
VALUE_CALLBACK(parse_bound, conf_value_bound)
VALUE_CALLBACK(parse_clip, conf_value_clip)
VALUE_CALLBACK(parse_interval, conf_value_interval)

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

static int validate_socket(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	const char *why = v ? conf_socket_problem(v) : "empty";
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

static int validate_rate(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	const char *why;
	unsigned n, t;
	if (conf_rate_parse(v ? v : "", &n, &t, &why) < 0) {
		cfg_error(cfg, "option '%s': '%s': %s", cfg_opt_name(opt), v ? v : "", why);
		return -1;
	}
	return 0;
}

/* Records are always durable before the MTA's answer; "no" used to mean
 * "answer first", which could lose records silently. */
static int validate_spool_sync(cfg_t *cfg, cfg_opt_t *opt)
{
	if (cfg_opt_getnbool(opt, 0) == cfg_false) {
		cfg_error(cfg,
		          "option '%s': 'no' is not supported: every record is made durable "
		          "before the MTA gets its answer (group commit); remove the line",
		          cfg_opt_name(opt));
		return -1;
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
    CFG_INT_CB("MaximumWeightBound", CONF_DEFAULT_MAX_WEIGHT_BOUND, CFGF_NONE, parse_bound),
    CFG_INT_CB("MaximumScoreBound", CONF_DEFAULT_MAX_SCORE_BOUND, CFGF_NONE, parse_bound),
    CFG_INT_CB("MaximumClip", CONF_DEFAULT_MAX_CLIP, CFGF_NONE, parse_clip),
    CFG_INT_CB("StatisticsInterval", 600, CFGF_NONE, parse_interval),
    CFG_STR("AutoRestartRate", "10/1h", CFGF_NONE),
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
    {"AutoRestartRate", validate_rate},
    {"SpoolSync", validate_spool_sync},
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
	c->add_header = cfg_getbool(cfg, "AddHeader") == cfg_true;
	c->header_name = opt_strdup(cfg, "HeaderName");
	c->max_scanned = (unsigned long)cfg_getint(cfg, "MaximumScannedBytes");
	c->log_why = cfg_getbool(cfg, "LogWhy") == cfg_true;
	c->on_internal_error = (enum conf_action)cfg_getint(cfg, "On-InternalError");
	c->on_spool_error = (enum conf_action)cfg_getint(cfg, "On-SpoolError");
	c->on_no_model = (enum conf_action)cfg_getint(cfg, "On-NoModel");
	c->max_weight_bound = cfg_getint(cfg, "MaximumWeightBound");
	c->max_score_bound = cfg_getint(cfg, "MaximumScoreBound");
	c->max_clip = (unsigned)cfg_getint(cfg, "MaximumClip");
	c->stats_interval = (unsigned)cfg_getint(cfg, "StatisticsInterval");
	const char *why;
	if (conf_rate_parse(cfg_getstr(cfg, "AutoRestartRate"), &c->restart_count,
	                    &c->restart_window, &why) < 0)
		return bs_error_set(err, BS_E_CONFIG, "%s: option 'AutoRestartRate': %s", c->path,
		                    why);

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
	if (old->restart_count != new_->restart_count ||
	    old->restart_window != new_->restart_window)
		return "AutoRestartRate";
	return NULL;
}
