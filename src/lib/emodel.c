/*
 * emodel.c - encrypted model file: header, KDF, seed files, loading (see
 * emodel.h).  Building and verifying (the parallel part) is in emodel_build.c.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emodel.h"
#include "emodel_int.h"
#include "mulmod.h"

/* ------------------------------------------------------------ KDF and seed */

static const char kdf_label[] = "blindscore-emodel-kdf-v1";
static const char seed_label[] = "blindscore-seed-hash-v1";

void bs_emodel_kdf(const uint8_t *seed, const uint8_t *model_id, uint64_t j, unsigned exp_bits,
                   mpz_t a)
{
	uint8_t key[crypto_stream_xchacha20_KEYBYTES];
	uint8_t nonce[crypto_stream_xchacha20_NONCEBYTES] = {0};
	uint8_t msg[sizeof kdf_label + BS_MODEL_ID_BYTES];
	size_t nbytes = (exp_bits + 7) / 8;
	uint8_t buf[BS_MAX_BITS / 16 + 8];

	/* k = BLAKE2b-256_seed(label || model id); a_j = XChaCha20_k(nonce = j) */
	memcpy(msg, kdf_label, sizeof kdf_label);
	memcpy(msg + sizeof kdf_label, model_id, BS_MODEL_ID_BYTES);
	crypto_generichash(key, sizeof key, msg, sizeof msg, seed, BS_SEED_BYTES);
	for (int i = 0; i < 8; i++)
		nonce[i] = (uint8_t)(j >> (8 * i));
	crypto_stream_xchacha20(buf, nbytes, nonce, key);
	if (exp_bits % 8)
		buf[0] &= (uint8_t)((1u << (exp_bits % 8)) - 1);
	mpz_import(a, nbytes, 1, 1, 0, 0, buf);
	sodium_memzero(buf, sizeof buf);
	sodium_memzero(key, sizeof key);
}

void bs_emodel_seed_hash(const uint8_t *seed, uint8_t out[32])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)seed_label, sizeof seed_label);
	crypto_generichash_update(&st, seed, BS_SEED_BYTES);
	crypto_generichash_final(&st, out, 32);
}

int bs_seed_write(const char *path, const uint8_t *seed, const uint8_t *model_id, int overwrite,
                  bs_error *err)
{
	char text[256], sh[2 * BS_SEED_BYTES + 1], mh[2 * BS_MODEL_ID_BYTES + 1];
	int n, rc;

	bs_hex_encode(sh, seed, BS_SEED_BYTES);
	bs_hex_encode(mh, model_id, BS_MODEL_ID_BYTES);
	n = snprintf(text, sizeof text, "%s 1\nmodel %s\nseed %s\n", BS_SEED_MAGIC, mh, sh);
	rc = bs_write_file(path, text, (size_t)n, 0600, overwrite, err);
	sodium_memzero(text, sizeof text);
	sodium_memzero(sh, sizeof sh);
	return rc;
}

int bs_seed_read(const char *path, uint8_t *seed, uint8_t *model_id, bs_error *err)
{
	char *buf;
	size_t len;
	char mh[2 * BS_MODEL_ID_BYTES + 2], sh[2 * BS_SEED_BYTES + 2];
	int rc = -1;
	struct stat st;

	if (stat(path, &st) == 0 && (st.st_mode & 077))
		return bs_error_set(err, BS_E_PERM,
		                    "permissions %04o for '%s' are too open; a seed file must be "
		                    "readable only by its owner",
		                    (unsigned)(st.st_mode & 07777), path);
	if (bs_read_file(path, 4096, &buf, &len, err) < 0)
		return -1;
	if (sscanf(buf, BS_SEED_MAGIC " 1\nmodel %65s\nseed %65s\n", mh, sh) != 2 ||
	    strlen(mh) != 2 * BS_MODEL_ID_BYTES || strlen(sh) != 2 * BS_SEED_BYTES)
		bs_error_set(err, BS_E_DATA, "'%s': not a blindscore seed file (version 1)", path);
	else if (bs_hex_decode(model_id, BS_MODEL_ID_BYTES, mh, strlen(mh)) < 0)
		bs_error_set(err, BS_E_DATA, "'%s' line 2: field 'model': bad hex", path);
	else if (bs_hex_decode(seed, BS_SEED_BYTES, sh, strlen(sh)) < 0)
		bs_error_set(err, BS_E_DATA, "'%s' line 3: field 'seed': bad hex", path);
	else
		rc = 0;
	sodium_memzero(buf, len);
	sodium_memzero(sh, sizeof sh);
	free(buf);
	return rc;
}

/* ------------------------------------------------------------ header */

size_t bs_emodel_width(const bs_pubkey *pk)
{
	return (2 * pk->bits + 7) / 8;
}

char *bs_emodel_header(const bs_emodel *em, size_t *len)
{
	char salt[2 * BS_SALT_BYTES + 1], seedh[65];
	char *n = mpz_get_str(NULL, 16, em->pk.n), *hs = mpz_get_str(NULL, 16, em->pk.hs);
	char *out;
	int r;

	bs_hex_encode(salt, em->fp.salt, BS_SALT_BYTES);
	bs_hex_encode(seedh, em->seed_hash, 32);
	r = asprintf(&out,
	             "%s %d\nkeyid %s\nbits %u\nn %s\nhs %s\nmodel %s\ntokenizer %u\n"
	             "buckets-log2 %u\nsalt %s\nclip %u\nngram %u\nchargram %u\n%sscale %u\n"
	             "norm-root %u\nnorm-bits %u\n"
	             "weight-bound %" PRId64 "\nscore-bound %" PRId64 "\nseed-hash %s\n"
	             "created %" PRId64 "\nciphertexts %zu\nwidth %zu\nend\n",
	             BS_EMODEL_MAGIC, BS_EMODEL_VERSION, em->pk.keyid_hex, em->pk.bits, n, hs,
	             em->model_id_hex, em->tokenizer_version, em->fp.bits, salt, em->fp.clip,
	             em->fp.ngram, em->fp.chargram, em->fp.subject ? "subject-tag 1\n" : "",
	             em->scale_bits, em->norm_root, em->norm_bits, em->weight_bound,
	             em->score_bound, seedh, em->created, em->count, em->width);
	free(n);
	free(hs);
	if (r < 0)
		abort();
	*len = (size_t)r;
	return out;
}

/* One "name value" header line; returns the value or NULL (err set). */
static const char *field(const char **p, const char *end, const char *name, int lineno,
                         const char *path, char *val, size_t valmax, bs_error *err)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t nlen = strlen(name), vlen;

	if (!nl) {
		bs_error_set(err, BS_E_DATA, "'%s' line %d: header ends early (expected '%s')",
		             path, lineno, name);
		return NULL;
	}
	if ((size_t)(nl - *p) < nlen + 1 || memcmp(*p, name, nlen) != 0 || (*p)[nlen] != ' ') {
		bs_error_set(err, BS_E_DATA, "'%s' line %d: expected field '%s'", path, lineno,
		             name);
		return NULL;
	}
	vlen = (size_t)(nl - *p) - nlen - 1;
	if (vlen == 0 || vlen >= valmax) {
		bs_error_set(err, BS_E_DATA, "'%s' line %d: field '%s': bad length", path, lineno,
		             name);
		return NULL;
	}
	memcpy(val, *p + nlen + 1, vlen);
	val[vlen] = '\0';
	*p = nl + 1;
	return val;
}

static int parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *e;
	long long v;
	if (!*s || (s[0] == '0' && s[1]) || (s[0] == '-' && s[1] == '0'))
		return -1;
	errno = 0;
	v = strtoll(s, &e, 10);
	if (errno || *e || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* The one text form of a number: lower-case hex digits, no leading zero. */
static int canonical_hex(const char *s)
{
	if (s[0] == '\0' || s[0] == '0')
		return 0;
	return strspn(s, "0123456789abcdef") == strlen(s);
}

static int parse_hex_exact(const char *s, uint8_t *out, size_t n)
{
	return strlen(s) == 2 * n && bs_hex_decode(out, n, s, 2 * n) == (long)n ? 0 : -1;
}

#define BAD(fmt, ...)                                                                              \
	do {                                                                                       \
		bs_error_set(err, BS_E_DATA, "'%s' line %d: " fmt, path, line, ##__VA_ARGS__);     \
		return -1;                                                                         \
	} while (0)

#define NEXT(name, buf)                                                                            \
	do {                                                                                       \
		line++;                                                                            \
		if (!field(&p, end, name, line, path, buf, sizeof buf, err))                       \
			return -1;                                                                 \
	} while (0)

#define NUM(name, lo, hi, dst)                                                                     \
	do {                                                                                       \
		int64_t _v;                                                                        \
		NEXT(name, val);                                                                   \
		if (parse_i64(val, lo, hi, &_v) < 0)                                               \
			BAD("field '%s': '%s' is not a number in %lld..%lld", name, val,           \
			    (long long)(lo), (long long)(hi));                                     \
		dst = _v;                                                                          \
	} while (0)

int bs_emodel_parse_header(bs_emodel *em, const char *buf, size_t len, const char *path,
                           size_t *hdrlen, bs_error *err)
{
	const char *p = buf, *end = buf + (len < 8192 ? len : 8192);
	char val[2100], magic[64];
	int line = 0;
	int64_t v;
	bs_error kerr;

	snprintf(magic, sizeof magic, "%s %d\n", BS_EMODEL_MAGIC, BS_EMODEL_VERSION);
	if (len < strlen(magic) || memcmp(buf, magic, strlen(magic)) != 0) {
		if (len >= strlen(BS_EMODEL_MAGIC) &&
		    memcmp(buf, BS_EMODEL_MAGIC, strlen(BS_EMODEL_MAGIC)) == 0)
			return bs_error_set(err, BS_E_DATA,
			                    "'%s' line 1: unsupported encrypted model version",
			                    path);
		return bs_error_set(err, BS_E_DATA, "'%s' is not a blindscore encrypted model",
		                    path);
	}
	p += strlen(magic);
	line = 1;
	char keyid[64];
	NEXT("keyid", keyid);
	NUM("bits", BS_TEST_MIN_BITS, BS_MAX_BITS, v);
	unsigned bits = (unsigned)v;
	NEXT("n", val);
	if (!canonical_hex(val) || mpz_set_str(em->pk.n, val, 16) < 0)
		BAD("field 'n': not lower-case hex without leading zeros");
	NEXT("hs", val);
	if (!canonical_hex(val) || mpz_set_str(em->pk.hs, val, 16) < 0)
		BAD("field 'hs': not lower-case hex without leading zeros");
	bs_pubkey_finish(&em->pk);
	if (bs_pubkey_validate(&em->pk, bits, 1, &kerr) < 0)
		BAD("%s", kerr.msg);
	if (strcmp(keyid, em->pk.keyid_hex) != 0) {
		line = 2;
		BAD("field 'keyid': %s does not match the key in the header (%s)", keyid,
		    em->pk.keyid_hex);
	}
	NEXT("model", val);
	if (parse_hex_exact(val, em->model_id, BS_MODEL_ID_BYTES) < 0)
		BAD("field 'model': not %d hex digits", 2 * BS_MODEL_ID_BYTES);
	bs_hex_encode(em->model_id_hex, em->model_id, BS_MODEL_ID_BYTES);
	NUM("tokenizer", 1, 1000, em->tokenizer_version);
	NUM("buckets-log2", BS_FEATURES_MIN_BITS, BS_FEATURES_MAX_BITS, em->fp.bits);
	NEXT("salt", val);
	if (parse_hex_exact(val, em->fp.salt, BS_SALT_BYTES) < 0)
		BAD("field 'salt': not %d hex digits", 2 * BS_SALT_BYTES);
	NUM("clip", 1, BS_FEATURES_MAX_CLIP, em->fp.clip);
	NUM("ngram", 1, 2, em->fp.ngram);
	NUM("chargram", 0, 5, em->fp.chargram);
	if (em->fp.chargram == 1 || em->fp.chargram == 2)
		BAD("field 'chargram': must be 0 or in [3, 5]");
	/* optional line, only for models with subject-tagged features */
	if ((size_t)(end - p) > 12 && memcmp(p, "subject-tag ", 12) == 0)
		NUM("subject-tag", 1, 1, em->fp.subject);
	NUM("scale", 0, BS_MODEL_MAX_SCALE_BITS, em->scale_bits);
	NUM("norm-root", 0, 4, em->norm_root);
	NUM("norm-bits", 0, BS_MODEL_MAX_NORM_BITS, em->norm_bits);
	if (bs_model_norm_check(&em->fp, em->norm_root, em->norm_bits, &kerr) < 0)
		BAD("field 'norm-bits': %s", kerr.msg);
	NUM("weight-bound", 0, INT32_MAX, em->weight_bound);
	NUM("score-bound", 0, INT64_C(1) << 62, em->score_bound);
	NEXT("seed-hash", val);
	if (parse_hex_exact(val, em->seed_hash, 32) < 0)
		BAD("field 'seed-hash': not 64 hex digits");
	NUM("created", 0, INT64_MAX, em->created);
	NUM("ciphertexts", 1, INT64_C(1) << 30, em->count);
	NUM("width", 1, 4096, em->width);
	line++;
	if ((size_t)(end - p) < 4 || memcmp(p, "end\n", 4) != 0)
		BAD("expected 'end'");
	p += 4;
	if (em->count != ((size_t)1 << em->fp.bits) + 1)
		return bs_error_set(err, BS_E_DATA,
		                    "'%s': field 'ciphertexts': %zu, but 2^%u buckets need %zu",
		                    path, em->count, em->fp.bits, ((size_t)1 << em->fp.bits) + 1);
	if (em->width != bs_emodel_width(&em->pk))
		return bs_error_set(err, BS_E_DATA,
		                    "'%s': field 'width': %zu, but a %u-bit key needs %zu", path,
		                    em->width, em->pk.bits, bs_emodel_width(&em->pk));
	*hdrlen = (size_t)(p - buf);
	return 0;
}

/* ------------------------------------------------------------ loading */

void bs_emodel_ct(const bs_emodel *em, size_t j, mpz_t view)
{
	const mp_limb_t *l = em->ct + j * em->stride;
	assert(em->form == 0);
	mp_size_t n = (mp_size_t)em->stride;
	while (n > 0 && l[n - 1] == 0)
		n--;
	mpz_roinit_n(view, l, n);
}

int bs_emodel_prepare(bs_emodel *em, const bs_mm *E, bs_error *err)
{
	if (em->form == (int)E->impl)
		return 0;
	if (em->form != 0)
		return bs_error_set(err, BS_E_USAGE,
		                    "encrypted model already prepared for another mulmod engine");
	if ((size_t)E->size > em->stride)
		return bs_error_set(err, BS_E_INTERNAL, "mulmod engine residues exceed the model's");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (bs_mm_prepare(E, em->ct, em->count, em->stride, 0,
	                  cpus < 1 ? 1 : cpus > 4 ? 4 : (unsigned)cpus, err) < 0)
		return -1; /* cannot happen after the load's checks */
	em->form = (int)E->impl;
	return 0;
}

bs_emodel *bs_emodel_alloc(void)
{
	bs_emodel *em = bs_xcalloc(1, sizeof *em);
	bs_pubkey_init(&em->pk);
	return em;
}

void bs_emodel_free(bs_emodel *em)
{
	if (!em)
		return;
	bs_pubkey_clear(&em->pk);
	free(em->ct);
	free(em);
}

/* All ciphertexts coprime to n: one gcd of their product mod n, then a search
 * for the culprit only if it fails. */
static int check_all(const bs_emodel *em, const char *path, bs_error *err)
{
	mpz_t prod, c, g;
	int ok;

	mpz_inits(prod, g, NULL);
	mpz_set_ui(prod, 1);
	for (size_t j = 0; j < em->count; j++) {
		bs_emodel_ct(em, j, c);
		if (mpz_sgn(c) == 0 || mpz_cmp(c, em->pk.n2) >= 0) {
			mpz_clears(prod, g, NULL);
			return bs_error_set(err, BS_E_CRYPTO, "'%s': ciphertext %zu is %s", path, j,
			                    mpz_sgn(c) == 0 ? "zero" : "not below n^2");
		}
		mpz_mul(prod, prod, c);
		mpz_mod(prod, prod, em->pk.n);
	}
	mpz_gcd(g, prod, em->pk.n);
	ok = mpz_cmp_ui(g, 1) == 0;
	if (!ok) {
		for (size_t j = 0; j < em->count; j++) {
			bs_emodel_ct(em, j, c);
			if (bs_ciphertext_validate(&em->pk, c, err) < 0) {
				bs_error_prefix(err, "'%s': ciphertext %zu", path, j);
				break;
			}
		}
	}
	mpz_clears(prod, g, NULL);
	return ok ? 0 : -1;
}

bs_emodel *bs_emodel_load(const char *path, const bs_pubkey *expect, bs_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	const uint8_t *map;
	size_t hdrlen, need;
	uint8_t digest[32];
	bs_emodel *em;

	if (fd < 0) {
		bs_error_set(err, BS_E_NOINPUT, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 64) {
		close(fd);
		bs_error_set(err, BS_E_DATA,
		             "'%s' is not an encrypted model (too short or not a "
		             "regular file)",
		             path);
		return NULL;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		bs_error_set(err, BS_E_IO, "cannot map '%s': %s", path, strerror(errno));
		return NULL;
	}
	em = bs_emodel_alloc();
	if (bs_emodel_parse_header(em, (const char *)map, (size_t)st.st_size, path, &hdrlen, err) <
	    0)
		goto fail;
	need = hdrlen + em->count * em->width + 32;
	if ((size_t)st.st_size != need) {
		bs_error_set(err, BS_E_DATA, "'%s' is %s: %lld bytes, the header implies %zu", path,
		             (size_t)st.st_size < need ? "truncated" : "too long",
		             (long long)st.st_size, need);
		goto fail;
	}
	crypto_hash_sha256(digest, map, need - 32);
	memcpy(em->file_hash, map + need - 32, 32);
	bs_hex_encode(em->file_hash_hex, em->file_hash, 32);
	if (sodium_memcmp(digest, map + need - 32, 32) != 0) {
		bs_error_set(err, BS_E_CRYPTO,
		             "'%s': SHA-256 of the contents does not match the trailing hash "
		             "(file corrupted or modified)",
		             path);
		goto fail;
	}
	if (expect && sodium_memcmp(expect->keyid, em->pk.keyid, BS_KEYID_LEN) != 0) {
		bs_error_set(err, BS_E_CRYPTO,
		             "'%s' is encrypted for key %s, but the configured public key is %s",
		             path, em->pk.keyid_hex, expect->keyid_hex);
		goto fail;
	}
	em->stride = 2 * mpz_size(em->pk.n); /* room for the engine's form */
	em->ct = bs_xcalloc(em->count * em->stride, sizeof(mp_limb_t));
	for (size_t j = 0; j < em->count; j++) {
		mpz_t tmp;
		mpz_init(tmp);
		mpz_import(tmp, em->width, 1, 1, 0, 0, map + hdrlen + j * em->width);
		if (mpz_size(tmp) > em->stride) {
			mpz_clear(tmp);
			bs_error_set(err, BS_E_CRYPTO, "'%s': ciphertext %zu is not below n^2",
			             path, j);
			goto fail;
		}
		mpz_export(em->ct + j * em->stride, NULL, -1, sizeof(mp_limb_t), 0, 0, tmp);
		mpz_clear(tmp);
	}
	if (check_all(em, path, err) < 0)
		goto fail;
	munmap((void *)map, (size_t)st.st_size);
	return em;
fail:
	munmap((void *)map, (size_t)st.st_size);
	bs_emodel_free(em);
	return NULL;
}
