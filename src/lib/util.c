/*
 * util.c - errors, allocation, hex and file helpers (see util.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int bs_error_set(bs_error *err, enum bs_errcode code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		err->code = code;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void bs_error_prefix(bs_error *err, const char *fmt, ...)
{
	char pre[512], old[sizeof err->msg];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	old[sizeof old - 1] = '\0';
	{
		size_t lp = strlen(pre), lo = strlen(old), cap = sizeof err->msg - 1;
		if (lp > cap - 2)
			lp = cap - 2;
		memcpy(err->msg, pre, lp);
		memcpy(err->msg + lp, ": ", 2);
		if (lo > cap - lp - 2)
			lo = cap - lp - 2;
		memcpy(err->msg + lp + 2, old, lo);
		err->msg[lp + 2 + lo] = '\0';
	}
}

void bs_error_clear(bs_error *err)
{
	if (err) {
		err->code = BS_OK;
		err->msg[0] = '\0';
	}
}

int bs_error_exit_code(const bs_error *err)
{
	switch (err ? err->code : BS_E_INTERNAL) {
	case BS_OK:
		return 0;
	case BS_E_USAGE:
		return EX_USAGE;
	case BS_E_DATA:
		return EX_DATAERR;
	case BS_E_NOINPUT:
		return EX_NOINPUT;
	case BS_E_CANTCREAT:
		return EX_CANTCREAT;
	case BS_E_IO:
		return EX_IOERR;
	case BS_E_PERM:
		return EX_NOPERM;
	case BS_E_CONFIG:
		return EX_CONFIG;
	case BS_E_CRYPTO:
		return EX_DATAERR;
	case BS_E_PASS:
		return EX_NOPERM;
	case BS_E_NOMEM:
		return EX_OSERR;
	default:
		return EX_SOFTWARE;
	}
}

static void oom(size_t n)
{
	fprintf(stderr, "blindscore: out of memory allocating %zu bytes\n", n);
	abort();
}

void *bs_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *bs_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *bs_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *bs_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = bs_xmalloc(n);
	memcpy(p, s, n);
	return p;
}

void bs_hex_encode(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long bs_hex_decode(uint8_t *out, size_t outmax, const char *in, size_t inlen)
{
	if (inlen % 2 || inlen / 2 > outmax)
		return -1;
	for (size_t i = 0; i < inlen / 2; i++) {
		int hi = hexval((unsigned char)in[2 * i]),
		    lo = hexval((unsigned char)in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(inlen / 2);
}

int bs_read_file(const char *path, size_t max, char **out, size_t *outlen, bs_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t len = 0, cap;

	if (fd < 0)
		return bs_error_set(err, BS_E_NOINPUT, "cannot open '%s': %s", path,
		                    strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return bs_error_set(err, BS_E_NOINPUT, "'%s' is not a regular file", path);
	}
	if ((size_t)st.st_size > max) {
		close(fd);
		return bs_error_set(err, BS_E_DATA, "'%s' is too large (%lld bytes, limit %zu)",
		                    path, (long long)st.st_size, max);
	}
	cap = (size_t)st.st_size + 1;
	buf = bs_xmalloc(cap);
	for (;;) {
		ssize_t r;
		if (len + 1 >= cap) {
			if (cap > max) {
				free(buf);
				close(fd);
				return bs_error_set(err, BS_E_DATA, "'%s' is too large (limit %zu)",
				                    path, max);
			}
			cap *= 2;
			buf = bs_xrealloc(buf, cap);
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			close(fd);
			return bs_error_set(err, BS_E_IO, "cannot read '%s': %s", path,
			                    strerror(errno));
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

/* fsync the directory holding `path` (best effort: the rename's durability). */
static void sync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? bs_xstrdup(path) : bs_xstrdup(".");
	if (slash)
		dir[slash == path ? 1 : slash - path] = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

int bs_write_file(const char *path, const void *buf, size_t len, int mode, int overwrite,
                  bs_error *err)
{
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!overwrite)
			return bs_error_set(err, BS_E_CANTCREAT,
			                    "'%s' already exists (not overwriting)", path);
		if (S_ISLNK(st.st_mode))
			return bs_error_set(err, BS_E_CANTCREAT,
			                    "'%s' is a symbolic link (not overwriting)", path);
		if (!S_ISREG(st.st_mode))
			return bs_error_set(err, BS_E_CANTCREAT,
			                    "'%s' is not a regular file (not overwriting)", path);
	}
	char *tmp = bs_xmalloc(strlen(path) + sizeof ".XXXXXX");
	sprintf(tmp, "%s.XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC), e = 0;
	if (fd < 0) {
		e = errno;
		free(tmp);
		return bs_error_set(err, BS_E_CANTCREAT, "cannot create '%s': %s", path,
		                    strerror(e));
	}
	const char *p = buf;
	if (fchmod(fd, (mode_t)mode) < 0)
		e = errno;
	while (e == 0 && len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			e = errno;
		else {
			p += w;
			len -= (size_t)w;
		}
	}
	if (e == 0 && fsync(fd) < 0)
		e = errno;
	if (close(fd) < 0 && e == 0)
		e = errno;
	if (e == 0 && overwrite && rename(tmp, path) < 0)
		e = errno;
	if (e == 0 && !overwrite) {
		/* into place only if nothing appeared there meanwhile */
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) < 0) {
			if (errno != EINVAL && errno != ENOSYS)
				e = errno;
			else if (link(tmp, path) < 0) /* no RENAME_NOREPLACE on this file system */
				e = errno;
			else
				unlink(tmp);
		}
	}
	if (e) {
		unlink(tmp);
		free(tmp);
		if (e == EEXIST)
			return bs_error_set(err, BS_E_CANTCREAT,
			                    "'%s' already exists (not overwriting)", path);
		return bs_error_set(err, BS_E_IO, "cannot write '%s': %s", path, strerror(e));
	}
	free(tmp);
	sync_dir_of(path);
	return 0;
}

double bs_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double progress_last;
static int progress_shown;

void bs_progress(const char *label, unsigned long done, unsigned long total)
{
	double now;
	int width = 40, fill;

	if (!isatty(STDERR_FILENO) || total == 0)
		return;
	now = bs_now();
	if (done != total && now - progress_last < 0.1)
		return;
	progress_last = now;
	fill = (int)((double)width * (double)done / (double)total);
	fprintf(stderr, "\r%s [%.*s%*s] %lu/%lu", label, fill,
	        "########################################", width - fill, "", done, total);
	fflush(stderr);
	progress_shown = 1;
}

void bs_progress_end(void)
{
	if (progress_shown) {
		fputc('\n', stderr);
		progress_shown = 0;
	}
}
