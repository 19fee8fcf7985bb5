/*
 * spool.c - the spool writer: recovery of the chain state from a file's
 * tail, group-committed appends, reopen for logrotate (spool.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"

struct bs_spool_writer {
	char *path, *rotated;
	int fd;
	unsigned bits;
	int need_recover; /* a write or sync failed: re-read the state first */
	bs_spool_state st;
};

static void state_zero(bs_spool_state *st)
{
	st->seq = 0;
	memset(st->hash, '0', BS_HASH_HEXLEN);
	st->hash[BS_HASH_HEXLEN] = '\0';
}

/* ------------------------------------------------------------ tail state */

/* Parse one candidate line; on success set st. */
static int try_line(const char *line, size_t len, const char *name, bs_spool_state *st)
{
	bs_record r;
	bs_error e;
	int ok;

	if (len == 0 || len + 1 > BS_RECORD_LINE_MAX)
		return 0;
	bs_record_init(&r);
	ok = bs_record_parse(&r, line, len, name, &e) == 0;
	if (ok) {
		st->seq = r.seq;
		bs_record_hash(line, len, st->hash);
	}
	bs_record_clear(&r);
	return ok;
}

int bs_spool_tail_state(int fd, const char *name, bs_spool_state *st, size_t *torn, int *complete,
                        bs_error *err)
{
	struct stat sb;
	off_t size, chunk = 64 * 1024;
	char *buf = NULL;

	state_zero(st);
	*torn = 0;
	*complete = 0;
	if (fstat(fd, &sb) < 0)
		return bs_error_set(err, BS_E_IO, "%s: cannot stat: %s", name, strerror(errno));
	size = sb.st_size;
	if (size == 0)
		return 0;
	for (;;) {
		off_t from, end, i;
		int found_tail = 0;

		if (chunk > size)
			chunk = size;
		from = size - chunk;
		buf = bs_xrealloc(buf, (size_t)chunk);
		if (pread(fd, buf, (size_t)chunk, from) != (ssize_t)chunk) {
			free(buf);
			return bs_error_set(err, BS_E_IO, "%s: cannot read its end: %s", name,
			                    errno ? strerror(errno) : "short read");
		}
		/* end = one past the last LF; the bytes after it are a fragment. */
		for (end = chunk; end > 0 && buf[end - 1] != '\n'; end--)
			;
		if (end == 0 && from > 0) {
			chunk *= 2;
			continue;
		}
		if (end < chunk) {
			*torn = (size_t)(chunk - end);
			if (try_line(buf + end, (size_t)(chunk - end), name, st)) {
				*complete = 1;
				*torn = 0;
				break;
			}
		}
		/* Walk complete lines backwards; the first line of a chunk that
		 * does not start the file may be partial: skip it. */
		for (i = end - 1; i > 0;) {
			off_t lf = i, start = i;
			while (start > 0 && buf[start - 1] != '\n')
				start--;
			if (start == 0 && from > 0)
				break;
			if (try_line(buf + start, (size_t)(lf - start), name, st)) {
				found_tail = 1;
				break;
			}
			i = start - 1;
		}
		if (found_tail || from == 0)
			break;
		chunk *= 2;
	}
	free(buf);
	return 0;
}

/* ------------------------------------------------------------ opening */

static int sync_dir(const char *path, bs_error *err)
{
	char *copy = bs_xstrdup(path);
	int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (dfd < 0 || fsync(dfd) < 0)
		rc = bs_error_set(err, BS_E_IO, "%s: cannot sync its directory: %s", path,
		                  strerror(errno));
	if (dfd >= 0)
		close(dfd);
	free(copy);
	return rc;
}

static int open_locked(const char *path, bs_error *err)
{
	int fd, created = 1;
	struct stat sb;

	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	          BS_SPOOL_MODE);
	if (fd < 0 && errno == EEXIST) {
		created = 0;
		fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0)
		return bs_error_set(err, BS_E_CANTCREAT, "cannot open spool '%s': %s", path,
		                    strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return bs_error_set(err, BS_E_CANTCREAT, "spool '%s' is not a regular file", path);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		if (e == EWOULDBLOCK)
			return bs_error_set(err, BS_E_CANTCREAT,
			                    "spool '%s' is locked by another writer", path);
		return bs_error_set(err, BS_E_IO, "cannot lock spool '%s': %s", path, strerror(e));
	}
	if (created && sync_dir(path, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read the state at the end of fd; end a torn last line with a LF.  st gets
 * the file's own state (seq 0 if it holds no record).
 */
static int recover_fd(int fd, const char *path, bs_spool_state *st, bs_spool_open_info *info,
                      bs_error *err)
{
	size_t torn;
	int complete;

	if (bs_spool_tail_state(fd, path, st, &torn, &complete, err) < 0)
		return -1;
	if (torn || complete) {
		if (write_all(fd, "\n", 1) < 0 || fdatasync(fd) < 0)
			return bs_error_set(err, BS_E_IO, "%s: cannot end its last line: %s", path,
			                    strerror(errno));
	}
	if (info) {
		info->torn_bytes = torn;
		info->completed = complete;
	}
	return 0;
}

bs_spool_writer *bs_spool_writer_open(const char *path, const char *rotated, unsigned bits,
                                      bs_spool_open_info *info, bs_error *err)
{
	bs_spool_open_info local;
	bs_spool_writer *w;
	int fd;

	if (!info)
		info = &local;
	memset(info, 0, sizeof *info);
	if (bits == 0 || bits % 8 || bits > BS_MAX_BITS) {
		bs_error_set(err, BS_E_USAGE, "spool '%s': bad key size %u", path, bits);
		return NULL;
	}
	fd = open_locked(path, err);
	if (fd < 0)
		return NULL;
	w = bs_xcalloc(1, sizeof *w);
	w->fd = fd;
	w->bits = bits;
	w->path = bs_xstrdup(path);
	w->rotated = rotated ? bs_xstrdup(rotated) : NULL;
	if (recover_fd(fd, path, &w->st, info, err) < 0)
		goto fail;
	if (w->st.seq == 0 && rotated) {
		int rfd = open(rotated, O_RDONLY | O_CLOEXEC);
		size_t torn;
		int complete;

		if (rfd >= 0) {
			int rc = bs_spool_tail_state(rfd, rotated, &w->st, &torn, &complete, err);
			close(rfd);
			if (rc < 0)
				goto fail;
			info->from_rotated = w->st.seq != 0;
		} else if (errno != ENOENT) {
			bs_error_set(err, BS_E_NOINPUT, "cannot read rotated spool '%s': %s",
			             rotated, strerror(errno));
			goto fail;
		}
	}
	info->state = w->st;
	return w;
fail:
	bs_spool_writer_close(w);
	return NULL;
}

int bs_spool_writer_reopen(bs_spool_writer *w, bs_spool_open_info *info, bs_error *err)
{
	bs_spool_open_info local;
	bs_spool_state st;
	struct stat a, b;
	int fd;

	if (!info)
		info = &local;
	memset(info, 0, sizeof *info);
	if (stat(w->path, &a) == 0 && fstat(w->fd, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino) {
		info->state = w->st; /* not rotated: keep the open file */
		return 0;
	}
	fd = open_locked(w->path, err);
	if (fd < 0)
		return -1;
	if (recover_fd(fd, w->path, &st, info, err) < 0) {
		close(fd);
		return -1;
	}
	if (st.seq != 0 && (st.seq != w->st.seq || strcmp(st.hash, w->st.hash) != 0)) {
		close(fd);
		return bs_error_set(err, BS_E_DATA,
		                    "spool '%s' ends with record seq %llu, but this writer's last "
		                    "record is seq %llu; refusing to fork the chain",
		                    w->path, (unsigned long long)st.seq,
		                    (unsigned long long)w->st.seq);
	}
	close(w->fd);
	w->fd = fd;
	w->need_recover = 0;
	info->state = w->st;
	return 0;
}

/* ------------------------------------------------------------ appending */

int bs_spool_writer_append(bs_spool_writer *w, bs_record *recs, size_t n, bs_error *err)
{
	bs_spool_state st;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (w->need_recover) {
		bs_spool_state fst;
		if (recover_fd(w->fd, w->path, &fst, NULL, err) < 0)
			return -1;
		if (fst.seq != 0)
			w->st = fst;
		w->need_recover = 0;
	}
	st = w->st;
	for (size_t i = 0; i < n; i++) {
		size_t l;
		char *line;

		recs[i].seq = st.seq + 1;
		memcpy(recs[i].prev, st.hash, sizeof st.hash);
		line = bs_record_format(&recs[i], w->bits, &l);
		if (!line) {
			free(buf);
			return bs_error_set(
			    err, BS_E_USAGE,
			    "spool '%s': record %zu of the batch cannot be written "
			    "(bad key id, model id or a ciphertext wider than %u bits)",
			    w->path, i + 1, 2 * w->bits);
		}
		if (len + l > cap) {
			cap = 2 * (len + l);
			buf = bs_xrealloc(buf, cap);
		}
		memcpy(buf + len, line, l);
		len += l;
		st.seq++;
		bs_record_hash(line, l, st.hash);
		free(line);
	}
	if (n == 0)
		return 0;
	struct stat sb;
	if (fstat(w->fd, &sb) < 0) {
		free(buf);
		return bs_error_set(err, BS_E_IO, "cannot append to spool '%s': %s", w->path,
		                    strerror(errno));
	}
	if (write_all(w->fd, buf, len) < 0 || fdatasync(w->fd) < 0) {
		int e = errno;
		/* Nothing of this batch is acknowledged: cut it off again, so that a
		 * full disk leaves neither a partial record nor records of messages
		 * that were tempfailed (and will be scored again).  If even that
		 * fails, the next append recovers from the file's end. */
		if (ftruncate(w->fd, sb.st_size) < 0 || fdatasync(w->fd) < 0)
			w->need_recover = 1;
		free(buf);
		return bs_error_set(err, BS_E_IO, "cannot append to spool '%s': %s", w->path,
		                    strerror(e));
	}
	free(buf);
	w->st = st;
	return 0;
}

void bs_spool_writer_state(const bs_spool_writer *w, bs_spool_state *st)
{
	*st = w->st;
}

void bs_spool_writer_close(bs_spool_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->path);
	free(w->rotated);
	free(w);
}
