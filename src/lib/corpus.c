/*
 * corpus.c - enumerate labelled messages from directories, mbox files and
 * manifests (see corpus.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corpus.h"

#define MAX_MESSAGE  ((size_t)256 << 20)
#define MAX_MANIFEST ((size_t)256 << 20)

void bs_corpus_init(bs_corpus *c)
{
	memset(c, 0, sizeof *c);
}

void bs_corpus_free(bs_corpus *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->item[i].path);
	free(c->item);
	memset(c, 0, sizeof *c);
}

static void push(bs_corpus *c, const char *path, int label, size_t off, size_t len)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 1024;
		c->item = bs_xrealloc(c->item, c->cap * sizeof *c->item);
	}
	c->item[c->n].path = bs_xstrdup(path);
	c->item[c->n].label = label;
	c->item[c->n].offset = off;
	c->item[c->n].length = len;
	c->n++;
}

int bs_label_parse(const char *s)
{
	if (!strcasecmp(s, "ham") || !strcmp(s, "0"))
		return BS_LABEL_HAM;
	if (!strcasecmp(s, "spam") || !strcmp(s, "1"))
		return BS_LABEL_SPAM;
	return -1;
}

const char *bs_label_name(int label)
{
	return label == BS_LABEL_SPAM ? "spam" : "ham";
}

static int starts_with_from(const char *path, int *yes, bs_error *err)
{
	char buf[5];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return bs_error_set(err, BS_E_NOINPUT, "cannot open '%s': %s", path,
		                    strerror(errno));
	r = read(fd, buf, sizeof buf);
	close(fd);
	if (r < 0)
		return bs_error_set(err, BS_E_IO, "cannot read '%s': %s", path, strerror(errno));
	*yes = r == 5 && memcmp(buf, "From ", 5) == 0;
	return 0;
}

/* Split an mbox on lines starting with "From " (the first one included). */
static int add_mbox(bs_corpus *c, const char *path, int label, bs_error *err)
{
	char *buf;
	size_t len, start = 0;

	if (bs_read_file(path, (size_t)4 << 30, &buf, &len, err) < 0)
		return -1;
	for (size_t i = 1; i + 5 <= len; i++) {
		if (buf[i - 1] == '\n' && memcmp(buf + i, "From ", 5) == 0) {
			push(c, path, label, start, i - start);
			start = i;
		}
	}
	if (len > start)
		push(c, path, label, start, len - start);
	free(buf);
	return 0;
}

static int add_dir(bs_corpus *c, const char *dir, int label, bs_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int r = 0;

	if (!d)
		return bs_error_set(err, BS_E_NOINPUT, "cannot open directory '%s': %s", dir,
		                    strerror(errno));
	while (r == 0 && (e = readdir(d)) != NULL) {
		struct stat st;
		size_t n = strlen(dir) + strlen(e->d_name) + 2;
		char *p;
		if (e->d_name[0] == '.')
			continue;
		p = bs_xmalloc(n);
		snprintf(p, n, "%s/%s", dir, e->d_name);
		if (stat(p, &st) < 0) {
			r = bs_error_set(err, BS_E_NOINPUT, "cannot stat '%s': %s", p,
			                 strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			int sub = label;
			if (label == BS_LABEL_AUTO)
				sub = !strcmp(e->d_name, "ham")    ? BS_LABEL_HAM
				      : !strcmp(e->d_name, "spam") ? BS_LABEL_SPAM
				                                   : BS_LABEL_AUTO;
			r = add_dir(c, p, sub, err);
		} else if (S_ISREG(st.st_mode) && label != BS_LABEL_AUTO) {
			push(c, p, label, 0, 0);
		}
		free(p);
	}
	closedir(d);
	return r;
}

int bs_corpus_add(bs_corpus *c, const char *path, int label, bs_error *err)
{
	struct stat st;
	int mbox;

	if (stat(path, &st) < 0)
		return bs_error_set(err, BS_E_NOINPUT, "cannot open '%s': %s", path,
		                    strerror(errno));
	if (S_ISDIR(st.st_mode))
		return add_dir(c, path, label, err);
	if (!S_ISREG(st.st_mode))
		return bs_error_set(err, BS_E_NOINPUT, "'%s' is not a file or directory", path);
	if (label == BS_LABEL_AUTO)
		return bs_error_set(err, BS_E_USAGE,
		                    "'%s' is a file: say whether it holds ham or spam", path);
	if (starts_with_from(path, &mbox, err) < 0)
		return -1;
	if (mbox)
		return add_mbox(c, path, label, err);
	push(c, path, label, 0, 0);
	return 0;
}

int bs_corpus_add_manifest(bs_corpus *c, const char *path, bs_error *err)
{
	char *buf, *line, *next, *base;
	size_t len, baselen;
	unsigned lineno = 0;
	const char *slash = strrchr(path, '/');
	int r = 0;

	if (bs_read_file(path, MAX_MANIFEST, &buf, &len, err) < 0)
		return -1;
	baselen = slash ? (size_t)(slash - path) + 1 : 0;
	base = bs_xmalloc(baselen + 1);
	memcpy(base, path, baselen);
	base[baselen] = '\0';
	for (line = buf; r == 0 && line < buf + len; line = next) {
		char *nl = memchr(line, '\n', (size_t)(buf + len - line)), *comma, *full;
		int label;
		size_t n;
		next = nl ? nl + 1 : buf + len;
		if (nl)
			*nl = '\0';
		else
			buf[len] = '\0';
		lineno++;
		n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0 || line[0] == '#' || (lineno == 1 && !strcmp(line, "path,label")))
			continue;
		comma = strrchr(line, ',');
		if (!comma || comma == line) {
			r = bs_error_set(err, BS_E_DATA, "%s:%u: expected 'path,label'", path,
			                 lineno);
			break;
		}
		*comma = '\0';
		label = bs_label_parse(comma + 1);
		if (label < 0) {
			r = bs_error_set(err, BS_E_DATA,
			                 "%s:%u: unknown label '%s' (expected ham, spam, 0 or 1)",
			                 path, lineno, comma + 1);
			break;
		}
		if (line[0] == '/') {
			full = bs_xstrdup(line);
		} else {
			full = bs_xmalloc(baselen + strlen(line) + 1);
			memcpy(full, base, baselen);
			strcpy(full + baselen, line);
		}
		if (access(full, R_OK) < 0)
			r = bs_error_set(err, BS_E_NOINPUT, "%s:%u: cannot read '%s': %s", path,
			                 lineno, full, strerror(errno));
		else
			push(c, full, label, 0, 0);
		free(full);
	}
	free(base);
	free(buf);
	return r;
}

static int cmp_item(const void *a, const void *b)
{
	const bs_corpus_item *x = a, *y = b;
	int k = strcmp(x->path, y->path);
	if (k)
		return k;
	return (x->offset > y->offset) - (x->offset < y->offset);
}

void bs_corpus_sort(bs_corpus *c)
{
	if (c->n)
		qsort(c->item, c->n, sizeof *c->item, cmp_item);
}

size_t bs_corpus_count(const bs_corpus *c, int label)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++)
		k += c->item[i].label == label;
	return k;
}

int bs_corpus_split(bs_corpus *c, size_t holdout, int keep_test, bs_error *err)
{
	size_t total[2] = {bs_corpus_count(c, 0), bs_corpus_count(c, 1)}, seen[2] = {0, 0};
	size_t k = 0;

	for (int l = 0; l < 2; l++)
		if (total[l] <= holdout)
			return bs_error_set(err, BS_E_DATA,
			                    "cannot hold out %zu %s messages: the corpus has %zu",
			                    holdout, bs_label_name(l), total[l]);
	for (size_t i = 0; i < c->n; i++) {
		int l = c->item[i].label;
		int test = seen[l]++ >= total[l] - holdout;
		if (test == !!keep_test)
			c->item[k++] = c->item[i];
		else
			free(c->item[i].path);
	}
	c->n = k;
	return 0;
}

int bs_corpus_read(const bs_corpus *c, size_t i, char **buf, size_t *len, bs_error *err)
{
	const bs_corpus_item *it = &c->item[i];
	char *p;
	size_t n;

	if (it->length == 0) {
		if (bs_read_file(it->path, MAX_MESSAGE, &p, &n, err) < 0)
			return -1;
	} else {
		int fd = open(it->path, O_RDONLY | O_CLOEXEC);
		ssize_t r;
		if (fd < 0)
			return bs_error_set(err, BS_E_NOINPUT, "cannot open '%s': %s", it->path,
			                    strerror(errno));
		p = bs_xmalloc(it->length + 1);
		r = pread(fd, p, it->length, (off_t)it->offset);
		close(fd);
		if (r != (ssize_t)it->length) {
			free(p);
			return bs_error_set(err, BS_E_IO, "cannot read '%s' at offset %zu",
			                    it->path, it->offset);
		}
		n = it->length;
		p[n] = '\0';
	}
	if (n >= 5 && memcmp(p, "From ", 5) == 0) {
		char *nl = memchr(p, '\n', n);
		size_t skip = nl ? (size_t)(nl - p) + 1 : n;
		memmove(p, p + skip, n - skip + 1);
		n -= skip;
	}
	*buf = p;
	*len = n;
	return 0;
}
