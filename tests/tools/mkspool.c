/*
 * mkspool.c - test helper for tests/tools/decrypt.sh: makes a tiny plaintext
 * model, spools of records whose ciphertexts encrypt known scores (through
 * the library's spool writer), and messages carrying an X-Blindscore header.
 *
 *   mkspool model OUT                 write a 4-bucket model; print its bound S
 *   mkspool spool KEY.sec MODEL OUT [-r N] REC...
 *                                     append records; with -r N, after N records
 *                                     rename OUT to OUT.1 and reopen (logrotate)
 *   mkspool header KEY.sec MODEL VALUE  print a message with a folded header
 *
 * REC is VALUE[/SENDER]; VALUE is an integer score, or P (a ciphertext that
 * is a multiple of p, sharing a factor with n), K (a record for another key
 * id) or M (a record for an unknown model id).  Records get time
 * 1764000000+i, queue id Q<i>, Message-ID <i@example.org> and i recipients.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keyfile.h"
#include "model.h"
#include "record.h"
#include "spool.h"

static void fail(const char *what, const bs_error *err)
{
	fprintf(stderr, "mkspool: %s: %s\n", what, err ? err->msg : "failed");
	exit(1);
}

static int make_model(const char *out)
{
	bs_feature_params fp;
	double w[16] = {0};
	bs_error err;
	bs_model *m;

	memset(&fp, 0, sizeof fp);
	fp.bits = 4;
	fp.clip = 1;
	fp.ngram = 1;
	w[1] = 2.0;
	w[5] = -1.5;
	w[9] = 0.75;
	/* F = 8: weights 512, -384, 192; K = round(-0.5 * 256) = -128 */
	m = bs_model_from_float(&fp, w, 0.0, 0.5, 8, 0, &err);
	if (!m || bs_model_write(m, out, 1, &err) < 0)
		fail(out, &err);
	printf("%lld\n", (long long)m->score_bound);
	bs_model_free(m);
	return 0;
}

static void load(const char *keypath, const char *modelpath, bs_seckey *sk, char mid[65])
{
	bs_error err;
	bs_model *m;

	bs_seckey_init(sk);
	if (bs_seckey_load(sk, keypath, BS_KEYFILE_ALLOW_INSECURE, NULL, NULL, &err) < 0)
		fail(keypath, &err);
	if (!(m = bs_model_read(modelpath, &err)))
		fail(modelpath, &err);
	bs_model_id_hex(m, mid);
	bs_model_free(m);
}

/* Fill r's keyid, modelid and ciphertext for VALUE (see the top). */
static void encrypt_value(const bs_seckey *sk, const char *mid, const char *v, bs_record *r)
{
	bs_error err;

	strcpy(r->keyid, sk->pub.keyid_hex);
	strcpy(r->modelid, mid);
	if (strcmp(v, "P") == 0) {
		mpz_mul_ui(r->c, sk->p, 3);
		return;
	}
	if (strcmp(v, "K") == 0)
		memset(r->keyid, 'e', BS_KEYID_HEXLEN);
	if (strcmp(v, "M") == 0)
		memset(r->modelid, 'd', BS_MODELID_HEXLEN);
	if (bs_paillier_encrypt_si(&sk->pub, r->c, (v[0] == 'K' || v[0] == 'M') ? 1 : atol(v),
	                           &err) < 0)
		fail("encrypt", &err);
}

static int make_spool(int argc, char **argv)
{
	bs_seckey sk;
	char mid[65], rotated[4096];
	bs_spool_writer *w;
	bs_error err;
	int rotate_after = -1, first = 3;

	if (argc < 4)
		return 2;
	if (argc > 5 && strcmp(argv[3], "-r") == 0) {
		rotate_after = atoi(argv[4]);
		first = 5;
	}
	load(argv[0], argv[1], &sk, mid);
	snprintf(rotated, sizeof rotated, "%s.1", argv[2]);
	if (!(w = bs_spool_writer_open(argv[2], rotated, sk.pub.bits, NULL, &err)))
		fail(argv[2], &err);
	for (int i = first; i < argc; i++) {
		int k = i - first + 1;
		char *arg = bs_xstrdup(argv[i]), *slash = strchr(arg, '/'), buf[64];
		bs_record r;

		if (k - 1 == rotate_after) {
			if (rename(argv[2], rotated) < 0 ||
			    bs_spool_writer_reopen(w, NULL, &err) < 0)
				fail("rotate", &err);
		}
		if (slash)
			*slash++ = '\0';
		bs_record_init(&r);
		r.time = 1764000000 + k;
		snprintf(buf, sizeof buf, "Q%d", k);
		bs_record_set_text(r.queueid, buf);
		snprintf(buf, sizeof buf, "<%d@example.org>", k);
		bs_record_set_text(r.msgid, buf);
		bs_record_set_text(r.sender, slash ? slash : "");
		r.nrcpt = (unsigned)k;
		r.truncated = k % 4 == 0;
		encrypt_value(&sk, mid, arg, &r);
		if (bs_spool_writer_append(w, &r, 1, &err) < 0)
			fail("append", &err);
		bs_record_clear(&r);
		free(arg);
	}
	bs_spool_writer_close(w);
	bs_seckey_clear(&sk);
	return 0;
}

static int make_header(char **argv)
{
	bs_seckey sk;
	bs_record r;
	char mid[65], *value, *folded;

	load(argv[0], argv[1], &sk, mid);
	bs_record_init(&r);
	encrypt_value(&sk, mid, argv[2], &r);
	value = bs_record_header_value(r.keyid, r.modelid, r.c, sk.pub.bits);
	if (!value)
		fail("header", NULL);
	folded = bs_record_header_fold(value, strlen("X-Blindscore: "));
	printf("Return-Path: <sender@example.org>\nFrom: Sender <sender@example.org>\n"
	       "Message-ID: <hdr@example.org>\nX-Blindscore: %s\nSubject: test\n\nbody\n",
	       folded);
	free(value);
	free(folded);
	bs_record_clear(&r);
	bs_seckey_clear(&sk);
	return 0;
}

int main(int argc, char **argv)
{
	if (bs_crypto_init() < 0)
		return 1;
	if (argc == 3 && strcmp(argv[1], "model") == 0)
		return make_model(argv[2]);
	if (argc >= 6 && strcmp(argv[1], "spool") == 0)
		return make_spool(argc - 2, argv + 2);
	if (argc == 5 && strcmp(argv[1], "header") == 0)
		return make_header(argv + 2);
	fputs("usage: mkspool model OUT | spool KEY MODEL OUT [-r N] REC... | header KEY MODEL "
	      "VALUE\n",
	      stderr);
	return 2;
}
