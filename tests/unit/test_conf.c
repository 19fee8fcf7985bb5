/*
 * test_conf.c - blindscore.conf parsing (src/milter/conf.c): defaults,
 * every option's bad values reported with file, line and option name
 * (src/milter/conf_value.c parses the values),
 * cross-option checks, CIDR parsing and matching (v4, v6, v4-mapped).
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "../../src/milter/conf.h"
#include "unit.h"

static char dir[128];
static char path[512];

static void setup(void)
{
	if (unit_tmpdir(dir, sizeof dir, "conf") < 0)
		abort();
	snprintf(path, sizeof path, "%s/blindscore.conf", dir);
}

static void teardown(void)
{
	unit_rmtree(dir);
}

static const char *base = "PublicKeyFile = /k.pub\n"
                          "ModelFile = /m.bsm\n"
                          "AddHeader = yes\n";

static int load_text(const char *text, conf **c, bs_error *err)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return conf_load(path, c, err);
}

START_TEST(defaults)
{
	conf *c;
	bs_error err;
	ck_assert_msg(load_text(base, &c, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(c->socket, "unix:/run/blindscore/blindscore.sock");
	ck_assert_ptr_null(c->userid);
	ck_assert_int_eq(c->umask, 007);
	ck_assert_ptr_null(c->pidfile);
	ck_assert_int_eq(c->syslog, 1);
	ck_assert_int_eq(c->facility, LOG_MAIL);
	ck_assert_uint_eq(c->ninternal, 2);
	ck_assert_uint_eq(c->nmta, 0);
	ck_assert_int_eq(c->score_authenticated, 1);
	ck_assert_str_eq(c->pubkey_file, "/k.pub");
	ck_assert_str_eq(c->model_file, "/m.bsm");
	ck_assert_ptr_null(c->spool_file);
	ck_assert_int_eq(c->add_header, 1);
	ck_assert_str_eq(c->header_name, "X-Blindscore");
	ck_assert_uint_eq(c->max_scanned, 1048576);
	ck_assert_int_eq(c->log_why, 0);
	ck_assert_int_eq(c->on_internal_error, ACTION_TEMPFAIL);
	ck_assert_int_eq(c->on_spool_error, ACTION_TEMPFAIL);
	ck_assert_int_eq(c->on_no_model, ACTION_TEMPFAIL);
	ck_assert_int_eq(c->max_weight_bound, 1LL << 24);
	ck_assert_int_eq(c->max_score_bound, 1LL << 40);
	ck_assert_uint_eq(c->max_clip, 16);
	ck_assert_uint_eq(c->stats_interval, 600);
	ck_assert_uint_eq(c->restart_count, 10);
	ck_assert_uint_eq(c->restart_window, 3600);
	conf_free(c);
}
END_TEST

START_TEST(every_option_set)
{
	conf *c;
	bs_error err;
	const char *text = "# comment\n"
	                   "socket = \"inet6:8891@[::1]\"\n"
	                   "UserID = \"root:root\"\n"
	                   "UMask = 027\n"
	                   "PidFile = /run/bs.pid\n"
	                   "Syslog = no\n"
	                   "SyslogFacility = local3\n"
	                   "InternalHosts = {\"10.0.0.0/8\", \"2001:db8::/32\", \"192.0.2.7\"}\n"
	                   "MTA = {ORIGINATING, submission}\n"
	                   "ScoreAuthenticated = false\n"
	                   "PublicKeyFile = /k.pub\n"
	                   "ModelFile = /m.bsm\n"
	                   "SpoolFile = /var/spool/bs\n"
	                   "SpoolSync = yes\n"
	                   "HeaderName = X-Test\n"
	                   "MaximumScannedBytes = 64k\n"
	                   "LogWhy = yes\n"
	                   "On-InternalError = accept\n"
	                   "On-SpoolError = Reject\n"
	                   "On-NoModel = tempfail\n"
	                   "MaximumWeightBound = 1000\n"
	                   "MaximumScoreBound = 4611686018427387904\n"
	                   "MaximumClip = 255\n"
	                   "StatisticsInterval = 2m\n"
	                   "AutoRestartRate = 3/90s\n";
	ck_assert_msg(load_text(text, &c, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(c->socket, "inet6:8891@[::1]");
	ck_assert_str_eq(c->userid, "root:root");
	ck_assert_int_eq(c->umask, 027);
	ck_assert_int_eq(c->syslog, 0);
	ck_assert_int_eq(c->facility, LOG_LOCAL3);
	ck_assert_uint_eq(c->ninternal, 3);
	ck_assert_uint_eq(c->nmta, 2);
	ck_assert_str_eq(c->mta[1], "submission");
	ck_assert_int_eq(c->score_authenticated, 0);
	ck_assert_str_eq(c->spool_file, "/var/spool/bs");
	ck_assert_int_eq(c->add_header, 0);
	ck_assert_uint_eq(c->max_scanned, 65536);
	ck_assert_int_eq(c->on_internal_error, ACTION_ACCEPT);
	ck_assert_int_eq(c->on_spool_error, ACTION_REJECT);
	ck_assert_int_eq(c->max_weight_bound, 1000);
	ck_assert_int_eq(c->max_score_bound, 1LL << 62);
	ck_assert_uint_eq(c->max_clip, 255);
	ck_assert_uint_eq(c->stats_interval, 120);
	ck_assert_uint_eq(c->restart_count, 3);
	ck_assert_uint_eq(c->restart_window, 90);
	conf_free(c);
}
END_TEST

/* Each bad line goes on line 4, after the three base lines. */
static const struct {
	const char *line;
	const char *option; /* must be named in the message */
	const char *reason; /* and this part of the reason */
} bad[] = {
    {"Socket = \"tcp:8891\"", "Socket", "must start with"},
    {"Socket = \"inet:0@localhost\"", "Socket", "port"},
    {"Socket = \"inet:99999\"", "Socket", "port"},
    {"Socket = \"inet6:8891@::1\"", "Socket", "brackets"},
    {"Socket = \"unix:relative/path\"", "Socket", "absolute"},
    {"UserID = \"no-such-user-bs\"", "UserID", "no such user"},
    {"UserID = \"root:no-such-group-bs\"", "UserID", "no such group"},
    {"UMask = 0999", "UMask", "octal"},
    {"UMask = 1777", "UMask", "octal"},
    {"PidFile = run/bs.pid", "PidFile", "absolute"},
    {"Syslog = maybe", "Syslog", ""},
    {"SyslogFacility = kernel", "SyslogFacility", "facility"},
    {"InternalHosts = {\"10.0.0.1/8\"}", "InternalHosts", "beyond the prefix"},
    {"InternalHosts = {\"10.0.0.0/33\"}", "InternalHosts", "at most 32"},
    {"InternalHosts = {\"::/129\"}", "InternalHosts", "at most 128"},
    {"InternalHosts = {\"example.com\"}", "InternalHosts", "not an IPv4"},
    {"InternalHosts = {\"10.0.0.0/\"}", "InternalHosts", "prefix length"},
    {"MTA = {\"two words\"}", "MTA", "daemon name"},
    {"ScoreAuthenticated = 2", "ScoreAuthenticated", ""},
    {"PublicKeyFile = k.pub", "PublicKeyFile", "absolute"},
    {"ModelFile = m.bsm", "ModelFile", "absolute"},
    {"SpoolFile = spool", "SpoolFile", "absolute"},
    {"SpoolSync = sometimes", "SpoolSync", ""},
    {"SpoolSync = no", "SpoolSync", "durable before the MTA gets its answer"},
    {"AddHeader = perhaps", "AddHeader", ""},
    {"HeaderName = \"X-Bad:Name\"", "HeaderName", "header field name"},
    {"HeaderName = \"\"", "HeaderName", "header field name"},
    {"MaximumScannedBytes = -1", "MaximumScannedBytes", "size"},
    {"MaximumScannedBytes = 10X", "MaximumScannedBytes", "size"},
    {"MaximumScannedBytes = 4G", "MaximumScannedBytes", "size"},
    {"LogWhy = 7", "LogWhy", ""},
    {"On-InternalError = discard", "On-InternalError", "accept, tempfail or reject"},
    {"On-SpoolError = ignore", "On-SpoolError", "accept, tempfail or reject"},
    {"On-NoModel = pass", "On-NoModel", "accept, tempfail or reject"},
    {"MaximumWeightBound = 0", "MaximumWeightBound", "whole number from 1 to 2^62"},
    {"MaximumScoreBound = 4611686018427387905", "MaximumScoreBound", "2^62"},
    {"MaximumScoreBound = -5", "MaximumScoreBound", "whole number"},
    {"MaximumClip = 256", "MaximumClip", "from 1 to 255"},
    {"StatisticsInterval = 10x", "StatisticsInterval", "time in seconds"},
    {"StatisticsInterval = 400d", "StatisticsInterval", "up to a year"},
    {"AutoRestartRate = 5", "AutoRestartRate", "n/t"},
    {"AutoRestartRate = 0/1h", "AutoRestartRate", "n/t"},
    {"AutoRestartRate = 3/0", "AutoRestartRate", "after '/'"},
    {"AutoRestartRate = 3/1w", "AutoRestartRate", "after '/'"},
    {"NoSuchOption = 1", "NoSuchOption", ""},
};

START_TEST(bad_value)
{
	char text[1024], want[600];
	conf *c = NULL;
	bs_error err;
	snprintf(text, sizeof text, "%s%s\n# trailer\n", base, bad[_i].line);
	ck_assert_msg(load_text(text, &c, &err) < 0, "accepted: %s", bad[_i].line);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(err.code, BS_E_CONFIG);
	snprintf(want, sizeof want, "%s line 4: ", path);
	ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s: %s", bad[_i].line, err.msg);
	ck_assert_msg(strstr(err.msg, bad[_i].option), "%s: %s", bad[_i].line, err.msg);
	ck_assert_msg(strstr(err.msg, bad[_i].reason), "%s: %s", bad[_i].line, err.msg);
}
END_TEST

START_TEST(cross_checks)
{
	conf *c;
	bs_error err;
	ck_assert(load_text("ModelFile = /m\nAddHeader = yes\n", &c, &err) < 0);
	ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "'PublicKeyFile' is required"), "%s",
	              err.msg);
	ck_assert(load_text("PublicKeyFile = /k\nAddHeader = yes\n", &c, &err) < 0);
	ck_assert_msg(strstr(err.msg, "'ModelFile' is required"), "%s", err.msg);
	ck_assert(load_text("PublicKeyFile = /k\nModelFile = /m\n", &c, &err) < 0);
	ck_assert_msg(strstr(err.msg, "SpoolFile") && strstr(err.msg, "AddHeader"), "%s", err.msg);
	ck_assert(load_text("PublicKeyFile = /k\nModelFile = /m\nSpoolFile = /s\n", &c, &err) == 0);
	conf_free(c);
	ck_assert(conf_load("/nonexistent/bs.conf", &c, &err) < 0);
	ck_assert_int_eq(err.code, BS_E_NOINPUT);
	ck_assert_msg(strstr(err.msg, "cannot read '/nonexistent/bs.conf'"), "%s", err.msg);
}
END_TEST

static struct sockaddr_storage addr(const char *s)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (strchr(s, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, s, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, s, &a->sin_addr), 1);
	}
	return ss;
}

static int match(const char *cidr, const char *a)
{
	conf_cidr c;
	const char *why;
	struct sockaddr_storage ss = addr(a);
	ck_assert_msg(conf_cidr_parse(cidr, &c, &why) == 0, "%s: %s", cidr, why);
	return conf_cidr_match(&c, (struct sockaddr *)&ss);
}

START_TEST(cidr_matching)
{
	ck_assert(match("127.0.0.1", "127.0.0.1"));
	ck_assert(!match("127.0.0.1", "127.0.0.2"));
	ck_assert(match("10.0.0.0/8", "10.255.1.2"));
	ck_assert(!match("10.0.0.0/8", "11.0.0.1"));
	ck_assert(match("192.168.4.0/22", "192.168.7.255"));
	ck_assert(!match("192.168.4.0/22", "192.168.8.0"));
	ck_assert(match("0.0.0.0/0", "203.0.113.9"));
	ck_assert(!match("0.0.0.0/0", "::1"));
	ck_assert(match("::1", "::1"));
	ck_assert(!match("::1", "::2"));
	ck_assert(match("2001:db8::/32", "2001:db8:ffff::1"));
	ck_assert(!match("2001:db8::/32", "2001:db9::1"));
	ck_assert(match("2001:db8:8000::/33", "2001:db8:8000::1"));
	ck_assert(!match("2001:db8:8000::/33", "2001:db8:7fff::1"));
	/* a v4-mapped v6 client matches a v4 entry, not a v6 one */
	ck_assert(match("10.0.0.0/8", "::ffff:10.1.2.3"));
	ck_assert(!match("::1", "::ffff:127.0.0.1"));
	ck_assert(!match("10.0.0.0/8", "::a01:203"));

	conf *c;
	bs_error err;
	struct sockaddr_storage a = addr("127.0.0.1"), b = addr("::1"), x = addr("192.0.2.1");
	ck_assert(load_text(base, &c, &err) == 0);
	ck_assert(conf_internal_host(c, (struct sockaddr *)&a));
	ck_assert(conf_internal_host(c, (struct sockaddr *)&b));
	ck_assert(!conf_internal_host(c, (struct sockaddr *)&x));
	ck_assert(!conf_internal_host(c, NULL));
	conf_free(c);
}
END_TEST

START_TEST(restart_options)
{
	conf *a, *b;
	bs_error err;
	ck_assert(load_text(base, &a, &err) == 0);
	char text[512];
	snprintf(text, sizeof text, "%sLogWhy = yes\nMTA = {X}\n", base);
	ck_assert(load_text(text, &b, &err) == 0);
	ck_assert_ptr_null(conf_restart_option(a, b));
	conf_free(b);
	snprintf(text, sizeof text, "%sSocket = \"inet:1234@127.0.0.1\"\n", base);
	ck_assert(load_text(text, &b, &err) == 0);
	ck_assert_str_eq(conf_restart_option(a, b), "Socket");
	conf_free(b);
	snprintf(text, sizeof text, "%sAutoRestartRate = 2/1m\n", base);
	ck_assert(load_text(text, &b, &err) == 0);
	ck_assert_str_eq(conf_restart_option(a, b), "AutoRestartRate");
	conf_free(b);
	snprintf(text, sizeof text, "%sMaximumClip = 2\nStatisticsInterval = 0\n", base);
	ck_assert(load_text(text, &b, &err) == 0);
	ck_assert_ptr_null(conf_restart_option(a, b));
	conf_free(b);
	conf_free(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("conf");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, every_option_set);
	tcase_add_loop_test(tc, bad_value, 0, (int)(sizeof bad / sizeof bad[0]));
	tcase_add_test(tc, cross_checks);
	tcase_add_test(tc, cidr_matching);
	tcase_add_test(tc, restart_options);
	suite_add_tcase(s, tc);
	return unit_run(s, CK_FORK_GETENV);
}
