/*
 * bench_memory.c - memory and scaling at 3072 bits.
 *
 *   [8] RSS with the model (2^18 buckets, in memory, random ciphertexts),
 *       the scorer (randomizer table + pool) and 100 concurrent messages
 *       (100 live extractors, each holding one test-split message's state)
 *       against model + table + pool + 32 MiB; the per-message state (heap in
 *       use after extraction, the message itself excluded) from 1 KB to 10 MB.
 *   [9] cost per message against message size, 1 KB .. 10 MB (test-split text
 *       concatenated): extraction, the homomorphic sum, the distinct buckets
 *       and the bound distinct x mpz mulmod; SVG plot in BUILDDIR.
 *
 * Usage: bench_memory JSON KEYDIR SRCDIR SVG [CORPUS_DIR]
 */
#include "config.h"

#include <malloc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "extract.h"
#include "scorer.h"

#define BITS   3072
#define NCONC  100
#define NSIZES 8

static FILE *json;

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

/* ------------------------------------------------------------ [8] RSS */

static void rss_table(bs_emodel *em, const struct bench_msgs *ms, long rss_bare, long rss0)
{
	bs_error err;
	bs_extractor *x[NCONC];
	const bs_feature *f[NCONC];
	size_t nf[NCONC];
	long rss_model = bench_status_kib("VmRSS");
	bs_scorer *sc = bs_scorer_new(em, 0, BS_SCORER_DEFAULT_POOL, &err);
	mpz_t c;

	if (!sc) {
		fprintf(stderr, "bench: %s\n", err.msg);
		exit(1);
	}
	usleep(500000); /* pool full */
	long rss_scorer = bench_status_kib("VmRSS");
	for (int i = 0; i < NCONC; i++) {
		const struct bench_msg *m = &ms->m[(size_t)i * ms->n / NCONC];
		if (!(x[i] = bs_extractor_new(&em->fp, BS_TEXT_AUTO, &err))) {
			fprintf(stderr, "bench: %s\n", err.msg);
			exit(1);
		}
		nf[i] = bs_extract(x[i], m->text, m->len, &f[i]);
	}
	mpz_init(c);
	for (int i = 0; i < NCONC; i++)
		bs_scorer_score(sc, f[i], nf[i], c);
	long rss_msgs = bench_status_kib("VmRSS"), hwm = bench_status_kib("VmHWM");
	double model_mib = (double)(em->count * em->stride * sizeof(mp_limb_t)) / 1048576.0;
	double table_mib = (double)bs_scorer_table_bytes(sc) / 1048576.0;
	double pool_mib = (double)bs_scorer_pool_bytes(sc) / 1048576.0;
	/* the bench holds the test split (text, features) and the plaintext model; a milter
	 * does not */
	double corpus_mib = (double)(rss0 - rss_bare) / 1024.0;
	double limit = model_mib + table_mib + pool_mib + 32,
	       rss = (double)rss_msgs / 1024.0 - corpus_mib;

	bench_title("[8] memory: RSS with the model and 100 concurrent messages (target <= model +"
	            " table + pool + 32 MiB)");
	printf("%-9s %9s %9s %9s %9s %10s %9s %9s %-5s\n", "bare_MiB", "model", "table", "pool",
	       "+scorer", "+100 msgs", "limit", "peak", "");
	printf("%-9.1f %9.1f %9.1f %9.2f %9.1f %10.1f %9.1f %9.1f %-5s\n", rss_bare / 1024.0,
	       model_mib, table_mib, pool_mib, rss_scorer / 1024.0 - corpus_mib, rss, limit,
	       hwm / 1024.0 - corpus_mib, bench_verdict(rss, limit, 1));
	printf("RSS of this process less the %.1f MiB the bench holds for itself (test split,"
	       " plaintext\nmodel); with the model %.1f MiB; the 100 message states add %.1f"
	       " MiB (%.0f KiB each).\n",
	       corpus_mib, rss_model / 1024.0 - corpus_mib, (rss_msgs - rss_scorer) / 1024.0,
	       (double)(rss_msgs - rss_scorer) / NCONC);
	if (json)
		fprintf(
		    json,
		    "{\"bench\":\"memory\",\"bits\":%u,\"rss_mib\":%.1f,\"peak_mib\":%.1f,"
		    "\"model_mib\":%.1f,\"table_mib\":%.2f,\"pool_mib\":%.3f,\"limit_mib\":%.1f,"
		    "\"pass\":%s,\"concurrent\":%d}\n",
		    BITS, rss, hwm / 1024.0, model_mib, table_mib, pool_mib, limit,
		    rss <= limit ? "true" : "false", NCONC);
	mpz_clear(c);
	for (int i = 0; i < NCONC; i++)
		bs_extractor_free(x[i]);
	bs_scorer_free(sc);
}

/* ------------------------------------------------------------ [9] scaling */

struct point {
	size_t bytes, distinct, heap;
	double extract_ms, sum_ms, bound_ms;
};

/* Text of about `size` bytes: "Subject: ..." then test-split bodies, repeated. */
static char *big_text(const struct bench_msgs *ms, size_t size, size_t *len)
{
	char *t = bs_xmalloc(size + 64);
	size_t n = (size_t)snprintf(t, 64, "Subject: scaling %zu\n", size);
	for (size_t i = 0; n < size; i = (i + 1) % ms->n) {
		const char *body = memchr(ms->m[i].text, '\n', ms->m[i].len);
		size_t bl = body ? ms->m[i].len - (size_t)(body + 1 - ms->m[i].text) : 0;
		if (bl > size - n)
			bl = size - n;
		memcpy(t + n, body + 1, bl);
		n += bl;
		if (n < size)
			t[n++] = '\n';
	}
	*len = n;
	return t;
}

static double svg_x(size_t bytes)
{
	return 70 + 380 * (log10((double)bytes) - 3) / 4.1;
}

/* One log-log panel at vertical offset y0 (240 px high): y from 10^lo to
 * 10^hi, series given by getter over the points. */
struct series {
	const char *label, *colour;
	int dashed;
	double (*get)(const struct point *);
};

static void svg_panel(FILE *f, int y0, const char *ylabel, int lo, int hi, const struct series *ser,
                      int nser, const struct point *p, int np)
{
	double top = y0 + 20, bottom = y0 + 220, h = bottom - top;

	for (int e = 3; e <= 7; e++) {
		double x = svg_x((size_t)pow(10, e));
		fprintf(
		    f,
		    "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#ddd'/><text x='%.1f' "
		    "y='%.1f' text-anchor='middle'>10^%d</text>\n",
		    x, top, x, bottom, x, bottom + 14, e);
	}
	for (int e = lo; e <= hi; e++) {
		double y = bottom - h * (e - lo) / (hi - lo);
		fprintf(f,
		        "<line x1='70' y1='%.1f' x2='450' y2='%.1f' stroke='#ddd'/><text x='64' "
		        "y='%.1f' text-anchor='end'>10^%d</text>\n",
		        y, y, y + 4, e);
	}
	fprintf(f,
	        "<text x='18' y='%.1f' transform='rotate(-90 18 %.1f)' text-anchor='middle'>%s"
	        "</text>\n",
	        (top + bottom) / 2, (top + bottom) / 2, ylabel);
	for (int k = 0; k < nser; k++) {
		fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='2'%s points='",
		        ser[k].colour, ser[k].dashed ? " stroke-dasharray='5,3'" : "");
		for (int i = 0; i < np; i++) {
			double v = ser[k].get(&p[i]), l = log10(v > 0 ? v : pow(10, lo));
			if (l < lo)
				l = lo;
			fprintf(f, "%.1f,%.1f ", svg_x(p[i].bytes),
			        bottom - h * (l - lo) / (hi - lo));
		}
		fprintf(f,
		        "'/>\n<rect x='80' y='%.1f' width='12' height='3' fill='%s'/><text x='96' "
		        "y='%.1f'>%s</text>\n",
		        top + 8 + 14 * k, ser[k].colour, top + 12 + 14 * k, ser[k].label);
	}
}

static double g_extract(const struct point *p)
{
	return p->extract_ms;
}
static double g_sum(const struct point *p)
{
	return p->sum_ms;
}
static double g_bound(const struct point *p)
{
	return p->bound_ms;
}
static double g_distinct(const struct point *p)
{
	return (double)p->distinct;
}
static double g_state(const struct point *p)
{
	return (double)p->heap / 1024.0;
}

static void svg_write(const char *path, const struct point *p, int np)
{
	static const struct series cost[3] = {
	    {"extraction (MIME, tokens, hashing)", "#1f77b4", 0, g_extract},
	    {"homomorphic sum", "#d62728", 0, g_sum},
	    {"distinct buckets x mpz mulmod", "#2ca02c", 1, g_bound}};
	static const struct series size[2] = {{"distinct buckets", "#9467bd", 0, g_distinct},
	                                      {"per-message state, KiB", "#8c564b", 0, g_state}};
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	fprintf(f,
	        "<svg xmlns='http://www.w3.org/2000/svg' width='520' height='540' "
	        "font-family='sans-serif' font-size='11'>\n<rect width='520' height='540' "
	        "fill='white'/>\n<text x='260' y='16' text-anchor='middle' font-size='13'>"
	        "blindscore: cost per message vs message size (%u-bit key)"
	        "</text>\n",
	        BITS);
	svg_panel(f, 10, "CPU ms per message", -2, 4, cost, 3, p, np);
	svg_panel(f, 270, "count", 0, 6, size, 2, p, np);
	fprintf(f, "<text x='260' y='530' text-anchor='middle'>message size (bytes)</text>\n"
	           "</svg>\n");
	fclose(f);
}

static void scaling_table(bs_emodel *em, const struct bench_msgs *ms, const char *svg)
{
	static const size_t sizes[NSIZES] = {1000,   4000,    16000,   64000,
	                                     256000, 1000000, 4000000, 10000000};
	struct point p[NSIZES];
	bs_error err;
	bs_scorer *sc = bs_scorer_new(em, 0, 0, &err);
	mpz_t out, a, b, r;
	double mm;

	mpz_inits(out, a, b, r, NULL);
	bs_random_mpz_bits(a, 2 * BITS - 2);
	bs_random_mpz_bits(b, 2 * BITS - 2);
	double t0 = bench_cpu();
	for (int i = 0; i < 2000; i++) {
		mpz_mul(r, a, b);
		mpz_mod(r, r, em->pk.n2);
	}
	mm = (bench_cpu() - t0) * 1e3 / 2000; /* ms */
	bench_title("[9] scaling: cost per message vs size, bounded by the distinct buckets");
	printf("%10s %9s %11s %9s %11s %9s %11s\n", "bytes", "distinct", "extract_ms", "sum_ms",
	       "bound_ms", "sum/bound", "state_KiB");
	for (int k = 0; k < NSIZES; k++) {
		size_t len;
		char *t = big_text(ms, sizes[k], &len);
		bs_extractor *x = bs_extractor_new(&em->fp, BS_TEXT_AUTO, &err);
		const bs_feature *f;
		size_t h0 = heap_in_use();
		double c0 = bench_cpu();
		size_t nf = bs_extract(x, t, len, &f);
		double c1 = bench_cpu();
		size_t h1 = heap_in_use();
		bs_scorer_sum(sc, f, nf, out);
		double c2 = bench_cpu();
		p[k] = (struct point){len,
		                      nf,
		                      h1 > h0 ? h1 - h0 : 0,
		                      (c1 - c0) * 1e3,
		                      (c2 - c1) * 1e3,
		                      (double)nf * mm};
		printf("%10zu %9zu %11.2f %9.2f %11.2f %9.3f %11.1f\n", len, nf, p[k].extract_ms,
		       p[k].sum_ms, p[k].bound_ms, p[k].sum_ms / p[k].bound_ms,
		       (double)p[k].heap / 1024.0);
		if (json)
			fprintf(json,
			        "{\"bench\":\"scaling\",\"bits\":%u,\"bytes\":%zu,\"distinct\":%zu,"
			        "\"extract_ms\":%.3f,\"sum_ms\":%.3f,\"bound_ms\":%.3f,"
			        "\"state_bytes\":%zu}\n",
			        BITS, len, nf, p[k].extract_ms, p[k].sum_ms, p[k].bound_ms,
			        p[k].heap);
		bs_extractor_free(x);
		free(t);
	}
	printf(
	    "bound = distinct buckets x one mpz mulmod (%.2f us); state: heap the extractor holds"
	    " after\nthe message (the message's own buffer excluded): it follows the distinct"
	    " buckets (at most 2^%u), not the size.\nplot: %s\n",
	    mm * 1e3, em->fp.bits, svg);
	svg_write(svg, p, NSIZES);
	mpz_clears(out, a, b, r, NULL);
	bs_scorer_free(sc);
}

int main(int argc, char **argv)
{
	bs_seckey sk;
	struct bench_msgs ms;
	long rss_bare, rss0;

	if (bs_crypto_init() < 0 || argc < 5) {
		fprintf(stderr, "usage: bench_memory JSON KEYDIR SRCDIR SVG [CORPUS_DIR]\n");
		return 1;
	}
	if (!(json = fopen(argv[1], "a"))) {
		perror(argv[1]);
		return 1;
	}
	bench_key(argv[2], BITS, &sk);
	rss_bare = bench_status_kib("VmRSS");
	bs_model *bundled = bench_bundled_model(argv[3]);
	bench_messages(argc > 5 ? argv[5] : NULL, &bundled->fp, &ms);
	rss0 = bench_status_kib("VmRSS");
	bs_emodel *em = bench_fake_emodel(&sk.pub, bundled);
	rss_table(em, &ms, rss_bare, rss0);
	scaling_table(em, &ms, argv[4]);
	bs_emodel_free(em);
	bs_model_free(bundled);
	bench_messages_free(&ms);
	bs_seckey_clear(&sk);
	fclose(json);
	return 0;
}
