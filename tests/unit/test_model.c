/*
 * test_model.c - blindscore-model(5): round trip, every header field
 * malformed -> an error naming it and its line, weight lines, score and bound
 * by hand, quantization; metrics (AUC, ROC, FPR threshold) by hand.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "metrics.h"
#include "model.h"
#include "unit.h"

static bs_model *small_model(void)
{
	bs_feature_params fp;
	double w[16] = {0};
	bs_model *m;

	memset(&fp, 0, sizeof fp);
	fp.bits = 4;
	fp.clip = 3;
	fp.ngram = 1;
	memset(fp.salt, 0xab, sizeof fp.salt);
	w[1] = 0.5;   /* 2^4 * 0.5 = 8 */
	w[7] = -1.25; /* -20 */
	w[9] = 0.01;  /* 0.16 -> 0 (kept: float weight non-zero) */
	w[15] = 2.0;  /* 32 */
	m = bs_model_from_float(&fp, w, 0.25, 1.0, 4, 0, NULL); /* K = round(-0.75*16) = -12 */
	ck_assert_ptr_nonnull(m);
	return m;
}

START_TEST(quantize_score_bound)
{
	bs_model *m = small_model();
	bs_feature f[] = {{1, 2}, {7, 1}, {15, 3}};

	ck_assert_int_eq(m->constant, -12);
	ck_assert_uint_eq(m->n, 4);
	ck_assert_int_eq(m->weight[0], 8);
	ck_assert_int_eq(m->weight[1], -20);
	ck_assert_int_eq(m->weight[2], 0);
	ck_assert_int_eq(m->weight[3], 32);
	ck_assert_int_eq(m->weight_bound, 32);
	/* |K + C*(8+32)| = 108, |K + C*(-20)| = 72 */
	ck_assert_int_eq(m->score_bound, 108);
	/* -12 + 2*8 - 20 + 3*32 = 80 */
	ck_assert_int_eq(bs_model_score(m, f, 3), 80);
	ck_assert(bs_model_flagged(80));
	ck_assert(!bs_model_flagged(-1));
	ck_assert(bs_model_flagged(0));
	ck_assert(fabs(bs_model_score_float(m, f, 3) - (1.0 - 1.25 + 6.0 + 0.25 - 1.0)) < 1e-12);
	bs_model_free(m);
}
END_TEST

START_TEST(normalized)
{
	bs_model *m0 = small_model(), *m, *back;
	bs_feature f[] = {{1, 2}, {7, 1}, {15, 3}};
	double w[16] = {0};
	bs_error err;
	char *text, *bad;
	size_t len;

	w[1] = 0.5;
	w[7] = -1.25;
	w[9] = 0.01;
	w[15] = 2.0;
	/* R = 2, G = 3: N = 4 + 1 + 9 = 14, nm = isqrt(14 * 64 = 896) = 29 */
	m = bs_model_from_float_norm(&m0->fp, w, 0.25, 1.0, 4, 0, 2, 3, &err);
	ck_assert_msg(m != NULL, "%s", err.msg);
	ck_assert_uint_eq(bs_model_norm(m, f, 3), 29);
	ck_assert_uint_eq(bs_model_norm(m, f, 0), 8); /* N = 0 counts as 1: 2^G */
	/* 2^3 * (2*8 - 20 + 3*32) - 12 * 29 = 736 - 348 */
	ck_assert_int_eq(bs_model_score(m, f, 3), 388);
	/* nm in [0, isqrt(16 * 9 * 64) = 96]: max(|3*8*40|, |-12*96 - 3*8*20|) */
	ck_assert_int_eq(m->score_bound, 1632);
	ck_assert(fabs(bs_model_score_float(m, f, 3) - (5.75 - 0.75 * sqrt(14.0))) < 1e-12);
	ck_assert(fabs(388.0 / 128 - bs_model_score_float(m, f, 3)) < 0.1);
	text = bs_model_format(m, &len);
	ck_assert_ptr_nonnull(strstr(text, "clip 3\nnorm-root 2\nnorm-bits 3\nscale-bits 4\n"));
	back = bs_model_parse(text, len, "t", &err);
	ck_assert_msg(back != NULL, "%s", err.msg);
	ck_assert_uint_eq(back->norm_root, 2);
	ck_assert_uint_eq(back->norm_bits, 3);
	ck_assert_int_eq(bs_model_score(back, f, 3), 388);
	ck_assert_int_eq(memcmp(back->id, m->id, sizeof m->id), 0);
	bs_model_free(back);
	bad = strdup(text);
	memcpy(strstr(bad, "norm-root 2"), "norm-root 3", 11);
	ck_assert_ptr_null(bs_model_parse(bad, len, "t", &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "norm-root"));
	free(bad);
	free(text);
	bs_model_free(m);
	/* R = 4, G = 2: (14 * 256 = 3584)^(1/4) -> isqrt(isqrt(3584)) = isqrt(59) = 7 */
	m = bs_model_from_float_norm(&m0->fp, w, 0.25, 1.0, 4, 0, 4, 2, &err);
	ck_assert_msg(m != NULL, "%s", err.msg);
	ck_assert_uint_eq(bs_model_norm(m, f, 3), 7);
	ck_assert_int_eq(bs_model_score(m, f, 3), 4 * 92 - 12 * 7);
	bs_model_free(m);
	/* 144 * 2^64 does not fit; root 3 and bits without root are refused */
	ck_assert_ptr_null(bs_model_from_float_norm(&m0->fp, w, 0, 0, 4, 0, 4, 16, &err));
	ck_assert_ptr_null(bs_model_from_float_norm(&m0->fp, w, 0, 0, 4, 0, 3, 2, &err));
	ck_assert_ptr_null(bs_model_from_float_norm(&m0->fp, w, 0, 0, 4, 0, 0, 2, &err));
	/* exact roots at perfect squares and one below */
	ck_assert_uint_eq(bs_model_norm_of(2, 0, 99), 9);
	ck_assert_uint_eq(bs_model_norm_of(2, 0, 100), 10);
	ck_assert_uint_eq(bs_model_norm_of(2, 16, (uint64_t)1 << 24), (uint64_t)1 << 28);
	ck_assert_uint_eq(bs_model_norm_of(2, 16, ((uint64_t)1 << 24) - 1),
	                  ((uint64_t)1 << 28) - 9);
	ck_assert_uint_eq(bs_model_norm_of(4, 0, 80), 2);
	ck_assert_uint_eq(bs_model_norm_of(4, 0, 81), 3);
	ck_assert_uint_eq(bs_model_norm_of(0, 0, 81), 1);
	ck_assert_uint_eq(bs_model_norm_of(0, 0, 0), 1);
	for (uint64_t i = 0, x = 0x9e3779b97f4a7c15ULL; i < 20000; i++) {
		uint64_t a = (x = x * 6364136223846793005ULL + 1442695040888963407ULL) >> (i % 64);
		unsigned __int128 r = bs_model_norm_of(2, 0, a);
		ck_assert(a == 0 ? r == 1 : r * r <= a && (r + 1) * (r + 1) > a); /* 0 as 1 */
	}
	bs_model_free(m0);
}
END_TEST

/* A message without features (N = 0; e.g. no Subject header and only an
 * attachment) counts as N = 1: nm = 2^G, score K * 2^G, float score
 * bias - threshold, so with K < 0 it is not flagged (nm = 0 scored 0, which
 * the rule score >= 0 flags); with K >= 0 it is, as the float model says. */
START_TEST(empty_message)
{
	static const unsigned roots[] = {2, 4, 2, 4, 0}, gbits[] = {3, 2, 16, 8, 0};
	static const double thresholds[] = {1.0, -1.0};
	bs_feature_params fp;
	bs_feature none[1] = {{1, 1}}; /* never read: n = 0 */
	double w[16] = {0};
	bs_error err;

	memset(&fp, 0, sizeof fp);
	fp.bits = 4;
	fp.clip = 3;
	fp.ngram = 1;
	w[1] = 0.5;
	w[7] = -1.25;
	w[15] = 2.0;
	for (size_t r = 0; r < sizeof roots / sizeof roots[0]; r++) {
		uint64_t one = (uint64_t)1 << gbits[r];
		ck_assert_uint_eq(bs_model_norm_of(roots[r], gbits[r], 0), one);
		ck_assert_uint_eq(bs_model_norm_of(roots[r], gbits[r], 1), one);
		for (size_t t = 0; t < 2; t++) {
			/* bias 0.25, F = 4: K = round((0.25 - t) * 16) = -12 or 20 */
			bs_model *m = bs_model_from_float_norm(&fp, w, 0.25, thresholds[t], 4, 0,
			                                       roots[r], gbits[r], &err);
			ck_assert_msg(m != NULL, "%s", err.msg);
			int64_t k = t == 0 ? -12 : 20, s = bs_model_score(m, none, 0);
			double fs = bs_model_score_float(m, none, 0);
			ck_assert_int_eq(m->constant, k);
			ck_assert_uint_eq(bs_model_norm(m, none, 0), one);
			ck_assert_int_eq(s, k * (int64_t)one);
			ck_assert(fs == 0.25 - thresholds[t]);
			ck_assert_int_eq(bs_model_flagged(s), k >= 0);
			ck_assert_int_eq(bs_model_flagged(s), fs >= 0);
			ck_assert(fabs((double)s / ldexp(1, 4 + (int)gbits[r]) - fs) < 1e-12);
			ck_assert(llabs(s) <= m->score_bound);
			bs_model_free(m);
		}
	}
}
END_TEST

START_TEST(saturation)
{
	bs_feature_params fp;
	double w[16] = {0};
	bs_model *m;

	memset(&fp, 0, sizeof fp);
	fp.bits = 4;
	fp.clip = 1;
	fp.ngram = 1;
	w[2] = 100;
	w[3] = -100;
	m = bs_model_from_float(&fp, w, 0, 0, 8, 1000, NULL);
	ck_assert_int_eq(m->weight[0], 1000);
	ck_assert_int_eq(m->weight[1], -1000);
	ck_assert_int_eq(m->weight_bound, 1000);
	bs_model_free(m);
}
END_TEST

START_TEST(round_trip)
{
	bs_model *m = small_model(), *r;
	size_t len, len2;
	char *text = bs_model_format(m, &len), *text2;
	bs_error err;

	r = bs_model_parse(text, len, "t.model", &err);
	ck_assert_msg(r != NULL, "%s", err.msg);
	text2 = bs_model_format(r, &len2);
	ck_assert_uint_eq(len, len2);
	ck_assert_mem_eq(text, text2, len);
	ck_assert_mem_eq(m->id, r->id, BS_MODEL_ID_BYTES);
	ck_assert_int_eq(r->fp.bits, 4);
	ck_assert_int_eq(r->fp.clip, 3);
	ck_assert_int_eq(r->constant, -12);
	ck_assert_int_eq(r->dense[15], 32);
	ck_assert(r->bias == 0.25 && r->threshold == 1.0);
	free(text);
	free(text2);
	bs_model_free(m);
	bs_model_free(r);
}
END_TEST

/* The optional subject-tag line: written after clip only when set, read back,
 * the line numbers after it shift by one; 0 or 2 refused. */
START_TEST(subject_tag_line)
{
	bs_model *m = small_model(), *r;
	size_t len;
	char *text = bs_model_format(m, &len), *t2;
	bs_error err;

	ck_assert_ptr_null(strstr(text, "subject-tag"));
	free(text);
	m->fp.subject = 1;
	text = bs_model_format(m, &len);
	ck_assert_ptr_nonnull(strstr(text, "\nclip 3\nsubject-tag 1\nscale-bits 4\n"));
	r = bs_model_parse(text, len, "t.model", &err);
	ck_assert_msg(r != NULL, "%s", err.msg);
	ck_assert_uint_eq(r->fp.subject, 1);
	ck_assert_mem_eq(m->id, r->id, BS_MODEL_ID_BYTES);
	bs_model_free(r);
	t2 = malloc(len + 1);
	for (const char *bad = "02"; *bad; bad++) {
		memcpy(t2, text, len);
		*(strstr(t2, "subject-tag 1") + 12) = *bad;
		ck_assert_ptr_null(bs_model_parse(t2, len, "t.model", &err));
		ck_assert_msg(strstr(err.msg, "t.model:8: field 'subject-tag'"), "%s", err.msg);
	}
	memcpy(t2, text, len);
	memcpy(strstr(t2, "score-bound ") + 12, "9", 1); /* now line 14 */
	ck_assert_ptr_null(bs_model_parse(t2, len, "t.model", &err));
	ck_assert_msg(strstr(err.msg, "t.model:14: field 'score-bound'"), "%s", err.msg);
	free(t2);
	free(text);
	bs_model_free(m);
}
END_TEST

/* Replace line `line` (1-based) of the canonical text with `repl` and expect
 * an error mentioning `field` and ":line:". */
static void expect_error(const char *repl, unsigned line, const char *field)
{
	bs_model *m = small_model();
	size_t len;
	char *text = bs_model_format(m, &len), *out = malloc(len + 256), *p = text, want[32];
	size_t o = 0;
	bs_error err;
	bs_model *r;

	for (unsigned l = 1; *p; l++) {
		char *nl = strchr(p, '\n');
		size_t n = (size_t)(nl - p) + 1;
		if (l == line) {
			if (repl) {
				memcpy(out + o, repl, strlen(repl));
				o += strlen(repl);
			}
		} else {
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	r = bs_model_parse(out, o, "t.model", &err);
	ck_assert_msg(r == NULL, "accepted '%s' on line %u", repl ? repl : "(deleted)", line);
	snprintf(want, sizeof want, "t.model:%u:", line);
	ck_assert_msg(strstr(err.msg, want) != NULL, "'%s' lacks '%s'", err.msg, want);
	ck_assert_msg(strstr(err.msg, field) != NULL, "'%s' lacks '%s'", err.msg, field);
	bs_model_free(m);
	free(out);
	free(text);
}

START_TEST(malformed_fields)
{
	expect_error("blindscore-model 2\n", 1, "magic");
	expect_error("blindscore-key 1\n", 1, "magic");
	expect_error("tokenizer 9\n", 2, "tokenizer");
	expect_error("ngram 3\n", 3, "ngram");
	expect_error("chargram 2\n", 4, "chargram");
	expect_error("bits 99\n", 5, "bits");
	expect_error("salt abcd\n", 6, "salt");
	expect_error("salt zzabababababababababababababababab\n", 6, "salt");
	expect_error("clip 0\n", 7, "clip");
	expect_error("scale-bits 40\n", 8, "scale-bits");
	expect_error("weight-bound -1\n", 9, "weight-bound");
	expect_error("weight-bound 10\n", 15, "weight"); /* then weight 32 exceeds it */
	expect_error("bias nan\n", 10, "bias");
	expect_error("threshold x\n", 11, "threshold");
	expect_error("constant 1.5\n", 12, "constant");
	expect_error("score-bound 107\n", 13, "score-bound");
	expect_error("weights 5\n", 18, "weight line");
	expect_error("weights x\n", 14, "weights");
	expect_error("clip  3\n", 7, "clip");
	expect_error("bits 4 \n", 5, "bits");
	expect_error(NULL, 2, "tokenizer");       /* a missing line: the next one is out of place */
	expect_error("1 8 0.5\n", 16, "bucket");  /* not ascending (after bucket 7) */
	expect_error("16 8 0.5\n", 15, "bucket"); /* out of range */
	expect_error("1 8\n", 15, "weight line");
	expect_error("1 8 0\n", 15, "float weight");
	expect_error("fin\n", 19, "end");
}
END_TEST

START_TEST(truncated)
{
	bs_model *m = small_model();
	size_t len;
	char *text = bs_model_format(m, &len);
	bs_error err;

	for (size_t cut = 0; cut < len; cut++) {
		bs_model *r = bs_model_parse(text, cut, "t.model", &err);
		ck_assert_msg(r == NULL, "accepted a file cut at %zu", cut);
	}
	free(text);
	bs_model_free(m);
}
END_TEST

START_TEST(metrics_by_hand)
{
	/* spam 0.9 0.8 0.4, ham 0.7 0.3 0.1 0.4(tie)  */
	double s[] = {0.9, 0.8, 0.4, 0.7, 0.3, 0.1, 0.4};
	int l[] = {1, 1, 1, 0, 0, 0, 0};
	bs_confusion c;
	bs_roc_point *roc;
	double fnr, t;
	size_t n;

	/* pairs (spam > ham): 0.9: 4, 0.8: 4, 0.4: 2 + 0.5 tie -> 10.5 / 12 */
	ck_assert(fabs(bs_auc(s, l, 7) - 10.5 / 12) < 1e-12);
	bs_confusion_at(s, l, 7, 0.5, &c);
	ck_assert_uint_eq(c.tp, 2);
	ck_assert_uint_eq(c.fn, 1);
	ck_assert_uint_eq(c.fp, 1);
	ck_assert_uint_eq(c.tn, 3);
	/* FP <= 25 %: one ham (0.7) may be flagged; the next ham is 0.4, the next
	 * higher score 0.7: threshold 0.55, spam 0.4 missed */
	t = bs_threshold_for_fpr(s, l, 7, 0.25, &fnr);
	ck_assert(fabs(t - 0.55) < 1e-12);
	ck_assert(fabs(fnr - 1.0 / 3) < 1e-12);
	/* FP 0: above 0.7, between 0.7 and 0.8 */
	t = bs_threshold_for_fpr(s, l, 7, 0.0, &fnr);
	ck_assert(fabs(t - 0.75) < 1e-12);
	n = bs_roc(s, l, 7, &roc);
	ck_assert_uint_eq(n, 7); /* origin + 6 distinct scores */
	ck_assert(roc[0].fpr == 0 && roc[0].tpr == 0);
	ck_assert(roc[n - 1].fpr == 1 && roc[n - 1].tpr == 1);
	ck_assert(fabs(roc[3].fpr - 0.25) < 1e-12 && fabs(roc[3].tpr - 2.0 / 3) < 1e-12);
	free(roc);
}
END_TEST

START_TEST(labels)
{
	ck_assert_int_eq(bs_label_parse("ham"), BS_LABEL_HAM);
	ck_assert_int_eq(bs_label_parse("SPAM"), BS_LABEL_SPAM);
	ck_assert_int_eq(bs_label_parse("0"), BS_LABEL_HAM);
	ck_assert_int_eq(bs_label_parse("1"), BS_LABEL_SPAM);
	ck_assert_int_eq(bs_label_parse("junk"), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, quantize_score_bound);
	tcase_add_test(tc, saturation);
	tcase_add_test(tc, normalized);
	tcase_add_test(tc, empty_message);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, subject_tag_line);
	tcase_add_test(tc, malformed_fields);
	tcase_add_test(tc, truncated);
	tcase_add_test(tc, metrics_by_hand);
	tcase_add_test(tc, labels);
	suite_add_tcase(s, tc);
	return unit_run(s, CK_FORK_GETENV);
}
