/*
 * vocab.c - the vocabulary side file (see vocab.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vocab.h"

#define VOCAB_MAX_FILE ((size_t)2 << 30)

void vocab_init(vocab *v)
{
	v->cap = 1 << 16;
	v->n = 0;
	v->e = bs_xcalloc(v->cap, sizeof *v->e);
}

void vocab_free(vocab *v)
{
	for (size_t i = 0; i < v->cap; i++)
		free(v->e[i].token);
	free(v->e);
	memset(v, 0, sizeof *v);
}

static uint64_t fnv(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

static vocab_entry *slot(vocab_entry *e, size_t cap, const char *s, size_t len)
{
	size_t i = (size_t)fnv(s, len) & (cap - 1);

	while (e[i].token && (strncmp(e[i].token, s, len) != 0 || e[i].token[len] != '\0'))
		i = (i + 1) & (cap - 1);
	return &e[i];
}

void vocab_tap(void *arg, const char *text, size_t len, uint32_t bucket)
{
	vocab *v = arg;
	vocab_entry *e;

	if (2 * (v->n + 1) > v->cap) {
		size_t ncap = v->cap * 2;
		vocab_entry *ne = bs_xcalloc(ncap, sizeof *ne);
		for (size_t i = 0; i < v->cap; i++)
			if (v->e[i].token)
				*slot(ne, ncap, v->e[i].token, strlen(v->e[i].token)) = v->e[i];
		free(v->e);
		v->e = ne;
		v->cap = ncap;
	}
	e = slot(v->e, v->cap, text, len);
	if (!e->token) {
		e->token = bs_xmalloc(len + 1);
		memcpy(e->token, text, len);
		e->token[len] = '\0';
		e->bucket = bucket;
		v->n++;
	}
	if (e->count < UINT32_MAX)
		e->count++;
}

static int cmp_token(const void *a, const void *b)
{
	const vocab_entry *x = a, *y = b;
	return strcmp(x->token, y->token);
}

vocab_entry *vocab_entries(vocab *v, size_t *n)
{
	size_t k = 0;

	for (size_t i = 0; i < v->cap; i++)
		if (v->e[i].token)
			v->e[k++] = v->e[i];
	for (size_t i = k; i < v->cap; i++)
		v->e[i].token = NULL;
	qsort(v->e, k, sizeof *v->e, cmp_token);
	*n = k;
	return v->e;
}

int vocab_write(vocab *v, const bs_model *m, unsigned min_count, const char *path, int overwrite,
                bs_error *err)
{
	size_t n, cap = 1 << 20, len = 0;
	vocab_entry *e = vocab_entries(v, &n);
	char *buf = bs_xmalloc(cap), id[2 * BS_MODEL_ID_BYTES + 1];
	int r;

	bs_model_id_hex(m, id);
	len = (size_t)snprintf(buf, cap, "blindscore-vocab 1\nmodel %s\n", id);
	for (size_t i = 0; i < n; i++) {
		size_t need = strlen(e[i].token) + 48;
		if (e[i].count < min_count)
			continue;
		if (len + need > cap) {
			cap *= 2;
			buf = bs_xrealloc(buf, cap);
		}
		len += (size_t)snprintf(buf + len, cap - len, "%s\t%u\t%d\t%u\n", e[i].token,
		                        e[i].bucket, m->dense[e[i].bucket], e[i].count);
	}
	r = bs_write_file(path, buf, len, 0600, overwrite, err);
	free(buf);
	return r;
}

int vocab_read(vocab *v, const bs_model *m, const char *path, bs_error *err)
{
	char *buf, *line, *next, id[2 * BS_MODEL_ID_BYTES + 1], want[80];
	size_t len;
	unsigned lineno = 0;

	if (bs_read_file(path, VOCAB_MAX_FILE, &buf, &len, err) < 0)
		return -1;
	bs_model_id_hex(m, id);
	snprintf(want, sizeof want, "model %s", id);
	v->cap = 16;
	v->n = 0;
	v->e = bs_xcalloc(v->cap, sizeof *v->e);
	for (line = buf; line < buf + len; line = next) {
		char *nl = memchr(line, '\n', (size_t)(buf + len - line)), *tab[3], *end;
		next = nl ? nl + 1 : buf + len;
		if (nl)
			*nl = '\0';
		lineno++;
		if (lineno == 1 && strcmp(line, "blindscore-vocab 1") != 0)
			goto bad;
		if (lineno == 2 && strcmp(line, want) != 0) {
			free(buf);
			return bs_error_set(err, BS_E_DATA,
			                    "%s:2: vocabulary belongs to another model (want %s)",
			                    path, want);
		}
		if (lineno <= 2)
			continue;
		tab[0] = strchr(line, '\t');
		tab[1] = tab[0] ? strchr(tab[0] + 1, '\t') : NULL;
		tab[2] = tab[1] ? strchr(tab[1] + 1, '\t') : NULL;
		if (!tab[2])
			goto bad;
		if (v->n == v->cap) {
			v->e = bs_xrealloc(v->e, 2 * v->cap * sizeof *v->e);
			memset(v->e + v->cap, 0, v->cap * sizeof *v->e);
			v->cap *= 2;
		}
		*tab[0] = '\0';
		v->e[v->n].token = bs_xstrdup(line);
		v->e[v->n].bucket = (uint32_t)strtoul(tab[0] + 1, &end, 10);
		v->e[v->n].weight = (int32_t)strtol(tab[1] + 1, &end, 10);
		v->e[v->n].count = (uint32_t)strtoul(tab[2] + 1, &end, 10);
		if (*end || v->e[v->n].bucket >= (1u << m->fp.bits)) {
			free(v->e[v->n].token);
			v->e[v->n].token = NULL;
			goto bad;
		}
		v->n++;
	}
	free(buf);
	if (lineno < 2)
		return bs_error_set(err, BS_E_DATA, "%s: not a blindscore vocabulary", path);
	return 0;
bad:
	free(buf);
	return bs_error_set(err, BS_E_DATA, "%s:%u: malformed vocabulary line", path, lineno);
}
