/*
 * passphrase.c - passphrase from a file's first line or from /dev/tty without
 * echo (see passphrase.h).  Modelled on OpenBSD's readpassphrase(3).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "passphrase.h"

int bs_passphrase_alloc(bs_passphrase *pp, bs_error *err)
{
	pp->len = 0;
	pp->buf = sodium_malloc(BS_PASSPHRASE_MAX + 1);
	if (!pp->buf)
		return bs_error_set(err, BS_E_NOMEM,
		                    "cannot allocate secure memory for a passphrase");
	memset(pp->buf, 0, BS_PASSPHRASE_MAX + 1);
	return 0;
}

void bs_passphrase_free(bs_passphrase *pp)
{
	if (pp->buf)
		sodium_free(pp->buf); /* zeroes the block */
	pp->buf = NULL;
	pp->len = 0;
}

int bs_passphrase_set(bs_passphrase *pp, const char *s, bs_error *err)
{
	size_t n = strlen(s);

	if (!pp->buf && bs_passphrase_alloc(pp, err) < 0)
		return -1;
	if (n > BS_PASSPHRASE_MAX)
		return bs_error_set(err, BS_E_USAGE, "passphrase longer than %d bytes",
		                    BS_PASSPHRASE_MAX);
	memcpy(pp->buf, s, n + 1);
	pp->len = n;
	return 0;
}

/* Shared by file and terminal input: cut at the first LF, drop one CR before
 * it, refuse NUL and over-long lines, wipe everything after the passphrase. */
static int finish_line(bs_passphrase *pp, size_t got, int full, const char *what, bs_error *err)
{
	char *nl = memchr(pp->buf, '\n', got);
	size_t len;

	if (nl)
		len = (size_t)(nl - pp->buf);
	else if (full)
		return bs_error_set(err, BS_E_USAGE, "%s: passphrase longer than %d bytes", what,
		                    BS_PASSPHRASE_MAX);
	else
		len = got;
	if (len > 0 && pp->buf[len - 1] == '\r')
		len--;
	sodium_memzero(pp->buf + len, BS_PASSPHRASE_MAX + 1 - len);
	if (memchr(pp->buf, '\0', len))
		return bs_error_set(err, BS_E_USAGE, "%s: passphrase contains a NUL byte", what);
	pp->len = len;
	return 0;
}

int bs_passphrase_read_file(bs_passphrase *pp, const char *path, bs_error *err)
{
	size_t got = 0;
	char what[512];
	int fd;

	if (!pp->buf && bs_passphrase_alloc(pp, err) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bs_error_set(err, BS_E_NOINPUT, "cannot open passphrase file '%s': %s", path,
		                    strerror(errno));
	while (got < BS_PASSPHRASE_MAX + 1) {
		ssize_t r = read(fd, pp->buf + got, BS_PASSPHRASE_MAX + 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			bs_error_set(err, BS_E_IO, "cannot read passphrase file '%s': %s", path,
			             strerror(errno));
			close(fd);
			sodium_memzero(pp->buf, BS_PASSPHRASE_MAX + 1);
			return -1;
		}
		if (r == 0)
			break;
		if (memchr(pp->buf + got, '\n', (size_t)r)) {
			got += (size_t)r;
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	snprintf(what, sizeof what, "passphrase file '%s'", path);
	if (finish_line(pp, got, got == BS_PASSPHRASE_MAX + 1, what, err) < 0) {
		sodium_memzero(pp->buf, BS_PASSPHRASE_MAX + 1);
		pp->len = 0;
		return -1;
	}
	if (pp->len == 0)
		return bs_error_set(err, BS_E_USAGE, "passphrase file '%s': first line is empty",
		                    path);
	return 0;
}

/* ------------------------------------------------------------ terminal */

static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
	caught_signal = sig;
}

static const int trapped[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};
#define NTRAPPED (sizeof trapped / sizeof trapped[0])

/* One line from the terminal, echo off.  Returns 0, or -1 with err set. */
static int tty_read_line(int fd, const char *prompt, bs_passphrase *pp, bs_error *err)
{
	struct sigaction sa, old[NTRAPPED];
	struct termios saved, quiet;
	int have_termios, rc = 0;
	size_t got = 0;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: read() returns EINTR */
	sigemptyset(&sa.sa_mask);
	caught_signal = 0;
	for (size_t i = 0; i < NTRAPPED; i++)
		sigaction(trapped[i], &sa, &old[i]);

	have_termios = tcgetattr(fd, &saved) == 0;
	if (have_termios) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* the prompt is cosmetic; reading still works */
	}
	while (!caught_signal) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		if (got < BS_PASSPHRASE_MAX + 1)
			pp->buf[got++] = c;
		c = 0;
	}
	if (have_termios)
		tcsetattr(fd, TCSAFLUSH, &saved);
	for (size_t i = 0; i < NTRAPPED; i++)
		sigaction(trapped[i], &old[i], NULL);

	if (caught_signal) {
		int sig = caught_signal;
		sodium_memzero(pp->buf, BS_PASSPHRASE_MAX + 1);
		pp->len = 0;
		kill(getpid(), sig); /* default action now that the tty is restored */
		return bs_error_set(err, BS_E_USAGE, "passphrase entry interrupted");
	}
	if (finish_line(pp, got, got == BS_PASSPHRASE_MAX + 1, "terminal", err) < 0)
		rc = -1;
	return rc;
}

int bs_passphrase_have_tty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

int bs_passphrase_prompt(bs_passphrase *pp, const char *prompt, const char *confirm_prompt,
                         bs_error *err)
{
	bs_passphrase again = {NULL, 0};
	int fd, rc = -1;

	if (!pp->buf && bs_passphrase_alloc(pp, err) < 0)
		return -1;
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return bs_error_set(err, BS_E_USAGE,
		                    "cannot ask for a passphrase: no terminal (/dev/tty: %s)",
		                    strerror(errno));
	if (tty_read_line(fd, prompt, pp, err) < 0)
		goto out;
	if (confirm_prompt) {
		if (bs_passphrase_alloc(&again, err) < 0 ||
		    tty_read_line(fd, confirm_prompt, &again, err) < 0)
			goto out;
		if (again.len != pp->len || sodium_memcmp(again.buf, pp->buf, pp->len) != 0) {
			bs_error_set(err, BS_E_USAGE, "passphrases do not match");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc < 0) {
		sodium_memzero(pp->buf, BS_PASSPHRASE_MAX + 1);
		pp->len = 0;
	}
	bs_passphrase_free(&again);
	close(fd);
	return rc;
}

int bs_passphrase_get(const bs_passphrase_source *src, bs_passphrase *pp, bs_error *err)
{
	int rc;

	if (bs_passphrase_alloc(pp, err) < 0)
		return -1;
	if (src->file)
		rc = bs_passphrase_read_file(pp, src->file, err);
	else
		rc = bs_passphrase_prompt(
		    pp, src->prompt ? src->prompt : "Passphrase: ", src->confirm_prompt, err);
	if (rc < 0)
		bs_passphrase_free(pp);
	return rc;
}
