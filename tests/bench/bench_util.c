/*
 * bench_util.c - helpers shared by the `make bench` programs (bench.h).
 */
#include "config.h"

#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "corpus.h"
#include "extract.h"
#include "keyfile.h"

double bench_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_proc_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_wall(void)
{
	return bs_now();
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_loadavg(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

void bench_title(const char *title)
{
	printf("\n== %s (load average %.1f on %ld CPUs)\n", title, bench_loadavg(),
	       sysconf(_SC_NPROCESSORS_ONLN));
}

const char *bench_verdict(double value, double target, int at_most)
{
	return (at_most ? value <= target : value >= target) ? "pass" : "MISS";
}

long bench_status_kib(const char *field)
{
	char line[256];
	long v = 0;
	size_t fl = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
			v = strtol(line + fl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

void bench_key(const char *dir, unsigned bits, bs_seckey *sk)
{
	char path[512];
	bs_error err;

	bs_seckey_init(sk);
	if (dir) {
		snprintf(path, sizeof path, "%s/k%u.sec", dir, bits);
		if (access(path, R_OK) == 0 && bs_seckey_load(sk, path, 0, NULL, NULL, &err) == 0)
			return;
		bs_seckey_clear(sk);
		bs_seckey_init(sk);
	}
	if (bs_paillier_keygen(sk, bits, 0, NULL, NULL, &err) < 0) {
		fprintf(stderr, "bench: keygen: %s\n", err.msg);
		exit(1);
	}
}

bs_model *bench_bundled_model(const char *srcdir)
{
	char path[512];
	bs_error err;
	bs_model *m;

	snprintf(path, sizeof path, "%s/model/default.model", srcdir);
	if (!(m = bs_model_read(path, &err))) {
		fprintf(stderr, "bench: %s\n", err.msg);
		exit(1);
	}
	return m;
}

bs_emodel *bench_fake_emodel(const bs_pubkey *pk, const bs_model *m)
{
	bs_emodel *em = bs_xcalloc(1, sizeof *em);
	const mp_limb_t *top;
	size_t bytes;

	bs_pubkey_init(&em->pk);
	mpz_set(em->pk.n, pk->n);
	mpz_set(em->pk.hs, pk->hs);
	bs_pubkey_finish(&em->pk);
	em->tokenizer_version = m->tokenizer_version;
	em->fp = m->fp;
	em->scale_bits = m->scale_bits;
	em->norm_root = m->norm_root;
	em->norm_bits = m->norm_bits;
	em->weight_bound = m->weight_bound;
	em->score_bound = m->score_bound;
	em->count = ((size_t)1 << m->fp.bits) + 1;
	em->width = (2 * pk->bits + 7) / 8;
	em->stride = mpz_size(em->pk.n2);
	bytes = em->count * em->stride * sizeof(mp_limb_t);
	em->ct = bs_xmalloc(bytes);
	randombytes_buf(em->ct, bytes);
	top = mpz_limbs_read(em->pk.n2) + em->stride - 1;
	for (size_t j = 0; j < em->count; j++) { /* below n^2: top limb below n^2's */
		mp_limb_t *c = em->ct + j * em->stride;
		c[em->stride - 1] %= *top;
		c[0] |= 1;
	}
	return em;
}

size_t bench_features(const bs_feature_params *fp, const char *text, size_t len, bs_feature **f)
{
	static bs_extractor *x;
	static bs_feature_params cur;
	const bs_feature *got;
	bs_error err;
	size_t n;

	if (!x || memcmp(&cur, fp, sizeof cur) != 0) {
		bs_extractor_free(x);
		cur = *fp;
		if (!(x = bs_extractor_new(fp, BS_TEXT_AUTO, &err))) {
			fprintf(stderr, "bench: extractor: %s\n", err.msg);
			exit(1);
		}
	}
	n = bs_extract(x, text, len, &got);
	*f = bs_xmalloc((n ? n : 1) * sizeof **f);
	memcpy(*f, got, n * sizeof **f);
	return n;
}

/* Synthetic message i: "Subject: ..." then Zipf-distributed words, length
 * log-normal around the corpus's median of 154 tokens. */
static char *synthetic_text(size_t *len)
{
	size_t tokens =
	    (size_t)(154.0 * exp(1.1 * ((double)randombytes_uniform(2001) - 1000) / 1000.0 * 1.7));
	size_t cap = 64 + tokens * 10, n = 0;
	char *t = bs_xmalloc(cap);

	n += (size_t)snprintf(t, cap, "Subject: message %u\n", randombytes_uniform(100000));
	for (size_t i = 0; i < tokens && n + 12 < cap; i++) {
		/* Zipf over 60,000 words: rank = 60000^u */
		double u = (double)randombytes_uniform(1000000) / 1e6;
		unsigned rank = (unsigned)pow(60000.0, u);
		n += (size_t)snprintf(t + n, cap - n, "w%u ", rank);
	}
	*len = n;
	return t;
}

static int read_test_split(const char *dir, struct bench_msgs *out)
{
	bs_corpus c;
	bs_error err;

	bs_corpus_init(&c);
	if (bs_corpus_add(&c, dir, BS_LABEL_AUTO, &err) < 0 ||
	    (bs_corpus_sort(&c), bs_corpus_split(&c, 1000, 1, &err)) < 0) {
		fprintf(stderr, "bench: corpus %s: %s (using synthetic messages)\n", dir, err.msg);
		bs_corpus_free(&c);
		return -1;
	}
	out->m = bs_xcalloc(c.n, sizeof *out->m);
	for (size_t i = 0; i < c.n; i++) {
		if (bs_corpus_read(&c, i, &out->m[out->n].text, &out->m[out->n].len, &err) < 0) {
			fprintf(stderr, "bench: %s\n", err.msg);
			continue;
		}
		out->n++;
	}
	bs_corpus_free(&c);
	return 0;
}

void bench_messages(const char *corpus_dir, const bs_feature_params *fp, struct bench_msgs *out)
{
	double sum = 0;

	memset(out, 0, sizeof *out);
	if (corpus_dir && access(corpus_dir, R_OK) == 0 && read_test_split(corpus_dir, out) == 0)
		out->real = 1;
	else {
		out->n = 2000;
		out->m = bs_xcalloc(out->n, sizeof *out->m);
		for (size_t i = 0; i < out->n; i++)
			out->m[i].text = synthetic_text(&out->m[i].len);
	}
	for (size_t i = 0; i < out->n; i++) {
		out->m[i].nf = bench_features(fp, out->m[i].text, out->m[i].len, &out->m[i].f);
		sum += (double)out->m[i].nf;
	}
	out->mean_distinct = out->n ? sum / (double)out->n : 0;
}

void bench_messages_free(struct bench_msgs *ms)
{
	for (size_t i = 0; i < ms->n; i++) {
		free(ms->m[i].text);
		free(ms->m[i].f);
	}
	free(ms->m);
	memset(ms, 0, sizeof *ms);
}
