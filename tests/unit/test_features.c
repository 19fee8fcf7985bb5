/*
 * test_features.c - feature hashing: SipHash-2-4 vectors (the paper's and an
 * independent implementation), bucket reduction, clipping, sorting, reuse,
 * pairs, character n-grams, tokenizer wiring, subject-tagged features.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "features.h"
#include "mime.h"
#include "tokenize.h"
#include "unit.h"

/* Independent SipHash-2-4 (Aumasson and Bernstein, 2012), 64-bit output. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define ROUND                                                                                      \
	do {                                                                                       \
		v0 += v1, v1 = ROTL(v1, 13), v1 ^= v0, v0 = ROTL(v0, 32);                          \
		v2 += v3, v3 = ROTL(v3, 16), v3 ^= v2;                                             \
		v0 += v3, v3 = ROTL(v3, 21), v3 ^= v0;                                             \
		v2 += v1, v1 = ROTL(v1, 17), v1 ^= v2, v2 = ROTL(v2, 32);                          \
	} while (0)

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t ref_siphash24(const uint8_t *in, size_t len, const uint8_t key[16])
{
	uint64_t k0 = le64(key), k1 = le64(key + 8), m, b = (uint64_t)len << 56;
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		ROUND;
		ROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	ROUND;
	ROUND;
	v0 ^= b;
	v2 ^= 0xff;
	ROUND;
	ROUND;
	ROUND;
	ROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static bs_feature_params params(unsigned bits, unsigned clip, unsigned ngram)
{
	bs_feature_params p;
	memset(&p, 0, sizeof p);
	p.bits = bits;
	p.clip = clip;
	p.ngram = ngram;
	for (int i = 0; i < 16; i++)
		p.salt[i] = (uint8_t)i;
	return p;
}

START_TEST(paper_vector)
{
	/* SipHash paper, appendix A: key 00..0f, message 00..0e -> a129ca6149be45e5 */
	bs_feature_params p = params(24, 1, 1);
	char msg[15];
	for (int i = 0; i < 15; i++)
		msg[i] = (char)i;
	ck_assert_uint_eq(bs_features_hash(&p, msg, 15), 0xa129ca6149be45e5ULL & 0xffffff);
	ck_assert_uint_eq(ref_siphash24((const uint8_t *)msg, 15, p.salt), 0xa129ca6149be45e5ULL);
}
END_TEST

START_TEST(independent_vectors)
{
	static const char *toks[] = {"",
	                             "a",
	                             "viagra",
	                             "subject",
	                             "0123456789abcdef",
	                             "\xc3\xa9t\xc3\xa9",
	                             "a b",
	                             "longer-than-eight-bytes-token"};
	for (unsigned bits = 4; bits <= 24; bits += 5) {
		bs_feature_params p = params(bits, 1, 1);
		p.salt[3] = (uint8_t)(0x5a ^ bits);
		for (size_t i = 0; i < sizeof toks / sizeof *toks; i++) {
			uint64_t h =
			    ref_siphash24((const uint8_t *)toks[i], strlen(toks[i]), p.salt);
			ck_assert_uint_eq(bs_features_hash(&p, toks[i], strlen(toks[i])),
			                  h & ((1ULL << bits) - 1));
		}
	}
}
END_TEST

static uint32_t count_of(const bs_feature *f, size_t n, uint32_t bucket)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].bucket == bucket)
			return f[i].count;
	return 0;
}

START_TEST(clipping_and_order)
{
	bs_feature_params p = params(16, 2, 1);
	bs_features *f = bs_features_new(&p, NULL);
	const bs_feature *out;
	size_t n;

	for (int i = 0; i < 5; i++)
		bs_features_add_token(f, "spam", 4);
	bs_features_add_token(f, "ham", 3);
	n = bs_features_get(f, &out);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_lt(out[0].bucket, out[1].bucket);
	ck_assert_uint_eq(count_of(out, n, bs_features_hash(&p, "spam", 4)), 2);
	ck_assert_uint_eq(count_of(out, n, bs_features_hash(&p, "ham", 3)), 1);
	ck_assert_uint_eq(bs_features_tokens(f), 6);
	bs_features_reset(f);
	ck_assert_uint_eq(bs_features_get(f, &out), 0);
	bs_features_free(f);
}
END_TEST

START_TEST(many_tokens_bounded)
{
	/* 5000 distinct tokens into 2^8 buckets: at most 256 entries, counts add up */
	bs_feature_params p = params(8, 255, 1);
	bs_features *f = bs_features_new(&p, NULL);
	const bs_feature *out;
	size_t n, total = 0;
	char tok[16];

	for (int round = 0; round < 3; round++) {
		bs_features_reset(f);
		for (int i = 0; i < 5000; i++) {
			int k = snprintf(tok, sizeof tok, "t%d", i);
			bs_features_add_token(f, tok, (size_t)k);
		}
		n = bs_features_get(f, &out);
		ck_assert_uint_le(n, 256);
		total = 0;
		for (size_t i = 0; i < n; i++) {
			total += out[i].count;
			if (i)
				ck_assert_uint_lt(out[i - 1].bucket, out[i].bucket);
		}
		ck_assert_uint_eq(total, 5000); /* 5000/256 ~ 20 per bucket < clip 255 */
	}
	bs_features_free(f);
}
END_TEST

START_TEST(pairs_and_chargrams)
{
	bs_feature_params p = params(20, 1, 2);
	bs_features *f = bs_features_new(&p, NULL);
	const bs_feature *out;
	size_t n;

	bs_features_add_token(f, "cheap", 5);
	bs_features_add_token(f, "pills", 5);
	n = bs_features_get(f, &out);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(count_of(out, n, bs_features_hash(&p, "cheap pills", 11)), 1);
	bs_features_free(f);

	p = params(20, 1, 1);
	p.chargram = 3;
	f = bs_features_new(&p, NULL);
	bs_features_add_token(f, "abcd", 4); /* <abcd>: <ab abc bcd cd> = 4 grams */
	bs_features_add_token(f, ",", 1);    /* punctuation: no grams */
	n = bs_features_get(f, &out);
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(count_of(out, n, bs_features_hash(&p, "\001<ab", 4)), 1);
	ck_assert_uint_eq(count_of(out, n, bs_features_hash(&p, "\001cd>", 4)), 1);
	bs_features_free(f);
}
END_TEST

START_TEST(tokenizer_wiring)
{
	bs_feature_params p = params(18, 1, 1);
	bs_features *f = bs_features_new(&p, NULL);
	bs_tokenizer t;
	const bs_feature *out;
	size_t n;

	bs_features_attach(f, &t);
	bs_tok_feed(&t, "Hello, hel", 10);
	bs_tok_feed(&t, "lo WORLD", 8);
	bs_tok_flush(&t);
	n = bs_features_get(f, &out);
	ck_assert_uint_eq(bs_features_tokens(f), 4); /* hello , hello world */
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(count_of(out, n, bs_features_hash(&p, "hello", 5)), 1); /* clipped */
	ck_assert_uint_eq(count_of(out, n, bs_features_hash(&p, "world", 5)), 1);
	bs_features_free(f);
}
END_TEST

/* Subject-tagged features: only on lines starting "subject :", ended by a
 * line break or a flush, fed in any split; nothing extra when off. */
START_TEST(subject_tagging)
{
	static const char text[] = "Subject: Cheap pills\nsubject here\nhi subject: x\n";
	bs_feature_params p = params(20, 255, 1);
	const bs_feature *out;
	size_t n;
	bs_tokenizer t;
	bs_features *f;

	p.subject = 1;
	f = bs_features_new(&p, NULL);
	bs_features_attach(f, &t);
	for (size_t split = 0; split < sizeof text - 1; split++) {
		bs_features_reset(f);
		bs_tok_feed(&t, text, split);
		bs_tok_feed(&t, text + split, sizeof text - 1 - split);
		bs_tok_flush(&t);
		n = bs_features_get(f, &out);
		/* subject : cheap pills here hi x + subject:cheap subject:pills */
		ck_assert_uint_eq(bs_features_tokens(f), 10);
		ck_assert_uint_eq(n, 9);
		ck_assert_uint_eq(count_of(out, n, bs_features_hash(&p, "subject:cheap", 13)), 1);
		ck_assert_uint_eq(count_of(out, n, bs_features_hash(&p, "subject:pills", 13)), 1);
		ck_assert_uint_eq(count_of(out, n, bs_features_hash(&p, "subject", 7)), 3);
		ck_assert_uint_eq(count_of(out, n, bs_features_hash(&p, "subject:here", 12)), 0);
		ck_assert_uint_eq(count_of(out, n, bs_features_hash(&p, "subject:x", 9)), 0);
	}
	/* a flush ends the line, as the MIME walker's end of a Subject header */
	bs_features_reset(f);
	bs_tok_feed(&t, "subject : a", 11);
	bs_tok_flush(&t);
	bs_tok_feed(&t, "b", 1);
	bs_tok_flush(&t);
	n = bs_features_get(f, &out);
	ck_assert_uint_eq(count_of(out, n, bs_features_hash(&p, "subject:a", 9)), 1);
	ck_assert_uint_eq(count_of(out, n, bs_features_hash(&p, "subject:b", 9)), 0);
	/* reset starts a new line; tokens fed by hand, bs_features_break */
	bs_features_reset(f);
	bs_features_add_token(f, "subject", 7);
	bs_features_add_token(f, ":", 1);
	bs_features_add_token(f, "y", 1);
	bs_features_break(f);
	bs_features_add_token(f, "z", 1);
	n = bs_features_get(f, &out);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(count_of(out, n, bs_features_hash(&p, "subject:y", 9)), 1);
	bs_features_free(f);

	p.subject = 0; /* off: the tokens only, as models before the option */
	f = bs_features_new(&p, NULL);
	bs_features_attach(f, &t);
	bs_tok_feed(&t, text, sizeof text - 1);
	bs_tok_flush(&t);
	ck_assert_uint_eq(bs_features_get(f, &out), 7);
	bs_features_free(f);
}
END_TEST

/* Raw mail through the MIME walker: the Subject header (RFC 2047) is tagged,
 * the body is not, a nested message's Subject is; the same features whether
 * the message comes whole, in chunks of 1..64 bytes, or as libmilter gives it. */
static const char raw_msg[] =
    "From: a@example.org\r\nSubject: =?utf-8?q?Cheap_pills?=\r\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nbody words here\r\n"
    "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nmore\r\n--b--\r\n";

static size_t mime_features(bs_features *f, bs_tokenizer *t, size_t chunk, bs_feature *copy)
{
	bs_mime *m = bs_mime_new(BS_MIME_RFC822, t);
	const bs_feature *out;
	size_t n, len = sizeof raw_msg - 1;

	bs_features_reset(f);
	if (chunk == 0) { /* libmilter: headers one by one, then the body */
		const char *body = strstr(raw_msg, "\r\n\r\n") + 4;
		bs_mime_header(m, "From", " a@example.org");
		bs_mime_header(m, "Subject", " =?utf-8?q?Cheap_pills?=");
		bs_mime_header(m, "Content-Type", " multipart/mixed; boundary=\"b\"");
		bs_mime_end_headers(m);
		bs_mime_body(m, body, len - (size_t)(body - raw_msg));
	} else {
		for (size_t i = 0; i < len; i += chunk)
			bs_mime_feed(m, raw_msg + i, len - i < chunk ? len - i : chunk);
	}
	bs_mime_finish(m);
	bs_mime_free(m);
	n = bs_features_get(f, &out);
	memcpy(copy, out, n * sizeof *out);
	return n;
}

START_TEST(subject_tagging_mime)
{
	bs_feature_params p = params(20, 255, 1);
	bs_feature whole[64], part[64];
	bs_tokenizer t;
	bs_features *f;
	size_t n;

	p.subject = 1;
	f = bs_features_new(&p, NULL);
	bs_features_attach(f, &t);
	n = mime_features(f, &t, sizeof raw_msg, whole);
	ck_assert_uint_eq(count_of(whole, n, bs_features_hash(&p, "subject:cheap", 13)), 1);
	ck_assert_uint_eq(count_of(whole, n, bs_features_hash(&p, "subject:pills", 13)), 1);
	ck_assert_uint_eq(count_of(whole, n, bs_features_hash(&p, "subject:inner", 13)), 1);
	ck_assert_uint_eq(count_of(whole, n, bs_features_hash(&p, "subject:body", 12)), 0);
	ck_assert_uint_eq(count_of(whole, n, bs_features_hash(&p, "subject:more", 12)), 0);
	ck_assert_uint_eq(count_of(whole, n, bs_features_hash(&p, "body", 4)), 1);
	for (size_t chunk = 0; chunk <= 64; chunk++) {
		ck_assert_uint_eq(mime_features(f, &t, chunk, part), n);
		ck_assert_msg(memcmp(part, whole, n * sizeof *part) == 0, "chunk %zu differs",
		              chunk);
	}
	bs_features_free(f);
}
END_TEST

START_TEST(bad_params)
{
	bs_error err;
	bs_feature_params p = params(3, 1, 1);
	ck_assert_ptr_null(bs_features_new(&p, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "bits"));
	p = params(18, 0, 1);
	ck_assert_ptr_null(bs_features_new(&p, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "clip"));
	p = params(18, 1, 3);
	ck_assert_ptr_null(bs_features_new(&p, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "ngram"));
	p = params(18, 1, 1);
	p.subject = 2;
	ck_assert_ptr_null(bs_features_new(&p, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "subject-tag"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("features");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, paper_vector);
	tcase_add_test(tc, independent_vectors);
	tcase_add_test(tc, clipping_and_order);
	tcase_add_test(tc, many_tokens_bounded);
	tcase_add_test(tc, pairs_and_chargrams);
	tcase_add_test(tc, tokenizer_wiring);
	tcase_add_test(tc, subject_tagging);
	tcase_add_test(tc, subject_tagging_mime);
	tcase_add_test(tc, bad_params);
	suite_add_tcase(s, tc);
	return unit_run(s, CK_FORK_GETENV);
}
