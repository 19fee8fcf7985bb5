/*
 * report.c - the audit report in Markdown and the ROC curve in SVG (see
 * report.h).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define MIN_TOKEN_COUNT 3 /* top-token tables skip tokens rarer than this */

static double pct(double x)
{
	return 100.0 * x;
}

/* A token as inline HTML code, safe inside a Markdown table. */
static void put_token(FILE *out, const char *t)
{
	fputs("<code>", out);
	for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '|':
			fputs("&#124;", out);
			break;
		case '`':
			fputs("&#96;", out);
			break;
		case '*':
			fputs("&#42;", out);
			break;
		case '_':
			fputs("&#95;", out);
			break;
		case '\\':
			fputs("&#92;", out);
			break;
		default:
			if (*p < 0x20 || *p >= 0x7f)
				fprintf(out, "\\x%02x", *p);
			else
				fputc(*p, out);
		}
	}
	fputs("</code>", out);
}

static vocab_entry **top_tokens;
static int cmp_weight_desc(const void *a, const void *b)
{
	const vocab_entry *x = *(vocab_entry *const *)a, *y = *(vocab_entry *const *)b;
	if (x->weight != y->weight)
		return x->weight < y->weight ? 1 : -1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->token, y->token);
}

static void token_tables(FILE *out, vocab *voc, const bs_model *m, unsigned top)
{
	size_t n, k = 0;
	vocab_entry *e = vocab_entries(voc, &n);

	top_tokens = bs_xmalloc((n ? n : 1) * sizeof *top_tokens);
	for (size_t i = 0; i < n; i++) {
		e[i].weight = m->dense[e[i].bucket]; /* the model's, not the file's */
		if (e[i].count >= MIN_TOKEN_COUNT)
			top_tokens[k++] = &e[i];
	}
	qsort(top_tokens, k, sizeof *top_tokens, cmp_weight_desc);
	fprintf(out,
	        "\n## Top tokens\n\nFrom the vocabulary side file (tokens seen at least %d "
	        "times in training; a pair of consecutive tokens shows as \"a b\"). Weights "
	        "are integers in units of 2^-%u; tokens sharing a bucket share its weight.\n",
	        MIN_TOKEN_COUNT, m->scale_bits);
	for (int dir = 0; dir < 2; dir++) {
		fprintf(out,
		        "\n### %u toward %s\n\n| # | token | weight | bucket | count |\n"
		        "|---:|---|---:|---:|---:|\n",
		        top, dir == 0 ? "spam (largest weights)" : "ham (smallest weights)");
		for (unsigned i = 0; i < top && i < k; i++) {
			const vocab_entry *t = top_tokens[dir == 0 ? i : k - 1 - i];
			if ((dir == 0 && t->weight <= 0) || (dir == 1 && t->weight >= 0))
				break;
			fprintf(out, "| %u | ", i + 1);
			put_token(out, t->token);
			fprintf(out, " | %d | %u | %u |\n", t->weight, t->bucket, t->count);
		}
	}
	free(top_tokens);
}

int audit_markdown(FILE *out, const struct audit *a, vocab *voc, unsigned top, const char *roc_name,
                   const char *title, const char *table, bs_error *err)
{
	const bs_model *m = a->m;
	char id[2 * BS_MODEL_ID_BYTES + 1];
	double scale = ldexp(1.0, (int)m->scale_bits);

	bs_model_id_hex(m, id);
	fprintf(out, "# blindscore model audit: %s\n\n", title);
	fprintf(out, "| | |\n|---|---|\n| model id (SHA-256 of the file) | `%s` |\n", id);
	fprintf(out, "| test set | %zu messages: %zu ham, %zu spam |\n", a->n, a->nham, a->nspam);
	fprintf(out,
	        "| features | tokenizer %u, ngram %u%s, B = %u (%lu buckets), counts clipped to "
	        "C = %u |\n",
	        m->tokenizer_version, m->fp.ngram,
	        m->fp.subject ? ", Subject-line tokens also as \"subject:token\"" : "", m->fp.bits,
	        1ul << m->fp.bits, m->fp.clip);
	fprintf(out, "| weights | %zu non-zero lines, scale F = %u bits |\n", m->n, m->scale_bits);
	if (m->norm_root) {
		fprintf(out,
		        "| normalization | counts divided by N^(1/%u), N = sum count^2; integer "
		        "nm = floor((N * 2^(%u*G))^(1/%u)), G = %u bits |\n",
		        m->norm_root, m->norm_root, m->norm_root, m->norm_bits);
		fprintf(out,
		        "| decision | flagged iff 2^G * sum count * w + K * nm >= 0, K = %lld "
		        "(bias %.6g, threshold %.6g) |\n",
		        (long long)m->constant, m->bias, m->threshold);
	} else {
		fprintf(out,
		        "| decision | flagged iff K + sum count * w >= 0, K = %lld (bias %.6g, "
		        "threshold %.6g) |\n",
		        (long long)m->constant, m->bias, m->threshold);
	}

	fprintf(out, "\n## Error rates (integer scores, as deployed)\n\n| figure | value |\n"
	             "|---|---:|\n");
	fprintf(out, "| accuracy | %.2f %% (%zu of %zu) |\n", pct(a->accuracy), a->c.tp + a->c.tn,
	        a->n);
	fprintf(out, "| precision | %.2f %% |\n| recall | %.2f %% |\n", pct(a->precision),
	        pct(a->recall));
	fprintf(out,
	        "| false-positive rate (\"privacy violation level\") | %.2f %% (%zu of %zu ham "
	        "flagged) |\n",
	        pct(a->fpr), a->c.fp, a->nham);
	fprintf(out,
	        "| false-negative rate (\"security risk level\") | %.2f %% (%zu of %zu spam "
	        "missed) |\n",
	        pct(a->fnr), a->c.fn, a->nspam);
	fprintf(out, "| ROC AUC | %.5f |\n", a->auc);
	fprintf(out, "| false negatives at FP = 1 %% | %.2f %% |\n", pct(a->fnr_at_1));
	fprintf(out, "| false negatives at FP = 0.1 %% | %.2f %% |\n", pct(a->fnr_at_01));
	fprintf(out,
	        "\nConfusion matrix at the model's threshold:\n\n| | flagged | not flagged |\n"
	        "|---|---:|---:|\n| spam | %zu | %zu |\n| ham | %zu | %zu |\n",
	        a->c.tp, a->c.fn, a->c.fp, a->c.tn);
	if (roc_name)
		fprintf(out, "\n![ROC curve](%s)\n", roc_name);

	fprintf(out, "\n## Float versus integer\n\n");
	fprintf(out,
	        "Decisions agree on %zu of %zu messages (%s). Largest difference between the "
	        "integer score / 2^%u and the float score: %.3g (float-score units).\n",
	        a->n - a->disagree, a->n, a->disagree ? "**DISAGREEMENT**" : "all agree",
	        m->scale_bits + m->norm_bits, a->max_diff);

	fprintf(out, "\n## Bounds\n\n| | |\n|---|---|\n");
	fprintf(out, "| weight bound W | %lld (%.4g in float units) |\n",
	        (long long)m->weight_bound, (double)m->weight_bound / scale);
	fprintf(out, "| largest possible \\|score\\| S | %lld (%.1f bits) |\n",
	        (long long)m->score_bound, log2((double)m->score_bound + 1));
	fprintf(out, "| largest \\|score\\| on this test set | %lld |\n",
	        (long long)a->max_abs_score);

	if (voc)
		token_tables(out, voc, m, top);
	if (table) {
		char *buf;
		size_t len;
		if (bs_read_file(table, (size_t)1 << 24, &buf, &len, err) < 0)
			return -1;
		fprintf(out, "\n");
		fwrite(buf, 1, len, out);
		free(buf);
	}
	if (ferror(out))
		return bs_error_set(err, BS_E_IO, "cannot write the report");
	return 0;
}

/* ------------------------------------------------------------------ SVG */

#define W      640
#define H      480
#define L      70 /* plot margins */
#define R      20
#define T      40
#define B      60
#define LOGMIN -4.0

static double px(double fpr)
{
	double lx = fpr > 0 ? log10(fpr) : LOGMIN;
	if (lx < LOGMIN)
		lx = LOGMIN;
	return L + (lx - LOGMIN) / -LOGMIN * (W - L - R);
}

static double py(double tpr)
{
	return T + (1 - tpr) * (H - T - B);
}

void audit_svg(FILE *out, const struct audit *a, const char *title)
{
	bs_roc_point *roc;
	size_t n = bs_roc(a->score, a->label, a->n, &roc);

	fprintf(out,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	        "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" "
	        "height=\"100%%\" fill=\"white\"/>\n",
	        W, H);
	fprintf(out,
	        "<text x=\"%d\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">ROC: %s "
	        "(AUC %.5f)</text>\n",
	        W / 2, title, a->auc);
	for (int e = 0; e <= 4; e++) { /* x grid: 1e-4 .. 1 */
		double x = px(pow(10, e - 4));
		fprintf(out,
		        "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
		        "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">1e%d</text>\n",
		        x, T, x, H - B, x, H - B + 16, e - 4);
	}
	for (int k = 0; k <= 10; k += 2) { /* y grid */
		double y = py(k / 10.0);
		fprintf(out,
		        "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
		        "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n",
		        L, y, W - R, y, L - 6, y + 4, k / 10.0);
	}
	fprintf(out,
	        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">false-positive rate (log)</text>\n"
	        "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">"
	        "true-positive rate</text>\n",
	        (W + L - R) / 2, H - 20, (H + T - B) / 2, (H + T - B) / 2);
	fprintf(out, "<polyline fill=\"none\" stroke=\"#c00\" stroke-width=\"1.5\" points=\"");
	for (size_t i = 0; i < n; i++) {
		/* step: move right at the old height, then up */
		if (i > 0)
			fprintf(out, "%.1f,%.1f ", px(roc[i].fpr), py(roc[i - 1].tpr));
		fprintf(out, "%.1f,%.1f ", px(roc[i].fpr), py(roc[i].tpr));
	}
	fprintf(out,
	        "\"/>\n<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"none\" stroke=\"#00c\"/>"
	        "<text x=\"%.1f\" y=\"%.1f\">threshold</text>\n</svg>\n",
	        px(a->fpr), py(a->recall), px(a->fpr) + 6, py(a->recall) + 16);
	free(roc);
}
