/*
 * fuzz_keyfile.c - libFuzzer target for key files (keyfile.h,
 * blindscore-keys(5)): bs_pubkey_parse and bs_seckey_parse, sealed secret
 * keys included.
 *
 * Input: one flag byte, then the file text.  Flag bit 0: parse as a secret
 * key (else public); bit 1: BS_KEYFILE_ALLOW_INSECURE (the seeds are 512-bit
 * test keys).  Checked promises:
 *   - a public key that parses is exactly its canonical text
 *     (bs_pubkey_format), since every key has one text form;
 *   - a sealed key's Argon2id cost is refused before any hashing when it is
 *     above BS_SEAL_OPS_MAX / BS_SEAL_MEM_MAX: the passphrase callback, which
 *     the parser calls only after it checked the "sealed" line, aborts if it
 *     sees a larger cost.  To keep executions fast the callback declines
 *     (wrong passphrase path) when the cost is above 2 passes of 64 KiB;
 *     the seeds are sealed with the minimum cost and the passphrase "fuzz";
 *   - an error about a secret key file never quotes its secrets: the message
 *     holds the first 12 digits of the 'p' or 'q' line's value only if they
 *     also appear on some other line (which it may quote).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>

#include "keyfile.h"
#include "keyseal.h"

#include "fuzz.h"

#define CHEAP_OPS 2ULL
#define CHEAP_MEM ((unsigned long long)64 << 10)

struct text {
	const char *p;
	size_t len;
};

/* ops and mem of the "sealed" line, as the callback's check sees them. */
static int sealed_cost(const struct text *t, unsigned long long *ops, unsigned long long *mem)
{
	static const char key[] = "\nsealed argon2id13 ";
	char buf[96];
	const char *p = t->p, *end = t->p + t->len;

	for (; p + sizeof key - 1 <= end; p++)
		if (memcmp(p, key, sizeof key - 1) == 0)
			break;
	if (p + sizeof key - 1 > end)
		return -1;
	p += sizeof key - 1;
	size_t n = (size_t)(end - p) < sizeof buf - 1 ? (size_t)(end - p) : sizeof buf - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return sscanf(buf, "%llu %llu", ops, mem) == 2 ? 0 : -1;
}

static int getpass_cb(void *arg, bs_passphrase *pp, bs_error *err)
{
	const struct text *t = arg;
	unsigned long long ops, mem;

	if (sealed_cost(t, &ops, &mem) < 0)
		abort(); /* called for a file whose sealed line did not parse */
	if (ops > BS_SEAL_OPS_MAX || mem > BS_SEAL_MEM_MAX)
		abort(); /* an expensive Argon2id cost got past the parser */
	if (ops > CHEAP_OPS || mem > CHEAP_MEM)
		return bs_error_set(err, BS_E_PASS, "fuzz: Argon2id cost too high to try");
	if (bs_passphrase_alloc(pp, err) < 0 || bs_passphrase_set(pp, "fuzz", err) < 0)
		return -1;
	return 0;
}

/* Abort if msg quotes the start of the value of a "\np " or "\nq " line. */
static void no_secret_in(const struct text *t, const char *msg)
{
	for (size_t i = 0; i + 3 < t->len; i++) {
		if (t->p[i] != '\n' || (t->p[i + 1] != 'p' && t->p[i + 1] != 'q') ||
		    t->p[i + 2] != ' ')
			continue;
		const char *v = t->p + i + 3;
		size_t n = 0;
		/* secret values are hex: a "p field 'n': ..." line the fuzzer wrote
		 * quotes the error message's own words, not a secret */
		while (v + n < t->p + t->len && n < 12 && isxdigit((unsigned char)v[n]))
			n++;
		if (n < 12 || memmem(msg, strlen(msg), v, 12) == NULL)
			continue;
		/* quoted from another line that holds the same digits: not a leak */
		const char *first = memmem(t->p, t->len, v, 12);
		const char *other =
		    first != v ? first : memmem(v + 1, (size_t)(t->p + t->len - v - 1), v, 12);
		if (!other)
			abort(); /* a secret key's digits in an error message */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bs_error err;
	unsigned flags;

	if (size < 1)
		return 0;
	fuzz_init();
	flags = data[0] & 2 ? BS_KEYFILE_ALLOW_INSECURE : 0;
	struct text t = {(const char *)data + 1, size - 1};
	if (data[0] & 1) {
		bs_seckey sk;
		bs_seckey_init(&sk);
		if (bs_seckey_parse(&sk, "fuzz.sec", t.p, t.len, flags, getpass_cb, &t, &err) < 0)
			no_secret_in(&t, err.msg);
		bs_seckey_clear(&sk);
	} else {
		bs_pubkey pk;
		bs_pubkey_init(&pk);
		if (bs_pubkey_parse(&pk, "fuzz.pub", t.p, t.len, flags, &err) == 0) {
			size_t len;
			char *canon = bs_pubkey_format(&pk, &len);
			if (len != t.len || memcmp(canon, t.p, len) != 0)
				abort(); /* accepted a public key that is not in canonical form */
			free(canon);
		}
		bs_pubkey_clear(&pk);
	}
	return 0;
}
