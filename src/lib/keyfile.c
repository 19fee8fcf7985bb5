/*
 * keyfile.c - key files on disk: reading a whole key file into one buffer
 * that is wiped, the owner-only check of secret key files, and the loaders
 * (keyfile.h).  The text itself is checked by keyparse.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"
#include "keyparse.h"
#include "keyseal.h"

int bs_keyfile_getpass_source(void *arg, bs_passphrase *pp, bs_error *err)
{
	return bs_passphrase_get(arg, pp, err);
}

/* The whole file into a buffer of BS_KEYFILE_MAX + 1 bytes that is never
 * reallocated (so no copy of a secret is left behind); free with wipe_free. */
static int read_key_file(const char *path, char **out, size_t *outlen, mode_t *mode, bs_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	size_t got = 0;
	char *buf;

	if (fd < 0)
		return bs_error_set(err, BS_E_NOINPUT, "cannot open '%s': %s", path,
		                    strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return bs_error_set(err, BS_E_NOINPUT, "'%s' is not a regular file", path);
	}
	if (st.st_size > BS_KEYFILE_MAX) {
		close(fd);
		return bs_error_set(err, BS_E_DATA, "%s: too large (%lld bytes, limit %d)", path,
		                    (long long)st.st_size, BS_KEYFILE_MAX);
	}
	buf = bs_xmalloc(BS_KEYFILE_MAX + 1);
	while (got < BS_KEYFILE_MAX + 1) {
		ssize_t r = read(fd, buf + got, BS_KEYFILE_MAX + 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			bs_error_set(err, BS_E_IO, "cannot read '%s': %s", path, strerror(errno));
			close(fd);
			sodium_memzero(buf, BS_KEYFILE_MAX + 1);
			free(buf);
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*out = buf;
	*outlen = got;
	*mode = st.st_mode & 07777;
	return 0;
}

static void wipe_free(char *buf)
{
	if (buf) {
		sodium_memzero(buf, BS_KEYFILE_MAX + 1);
		free(buf);
	}
}

static int check_secret_mode(const char *path, mode_t mode, bs_error *err)
{
	if (mode & 077)
		return bs_error_set(err, BS_E_PERM,
		                    "permissions %04o for '%s' are too open; it must be readable "
		                    "only by its owner",
		                    (unsigned)mode, path);
	return 0;
}

int bs_pubkey_load(bs_pubkey *pk, const char *path, unsigned flags, bs_error *err)
{
	char *buf;
	size_t len;
	mode_t mode;
	int rc;

	if (read_key_file(path, &buf, &len, &mode, err) < 0)
		return -1;
	rc = bs_pubkey_parse(pk, path, buf, len, flags, err);
	wipe_free(buf);
	return rc;
}

int bs_seckey_load(bs_seckey *sk, const char *path, unsigned flags, bs_getpass_fn getpass,
                   void *arg, bs_error *err)
{
	char *buf;
	size_t len;
	mode_t mode;
	int rc;

	if (read_key_file(path, &buf, &len, &mode, err) < 0)
		return -1;
	rc = check_secret_mode(path, mode, err);
	if (rc == 0)
		rc = bs_seckey_parse(sk, path, buf, len, flags, getpass, arg, err);
	wipe_free(buf);
	return rc;
}

int bs_keyfile_inspect(const char *path, unsigned flags, bs_pubkey *pk, bs_keyfile_info *info,
                       bs_error *err)
{
	bs_pubkey tmp;
	bs_seckey sk;
	struct bs_keydoc d;
	bs_keyseal s;
	char *buf;
	size_t len;
	mode_t mode;
	int rc = -1;

	memset(info, 0, sizeof *info);
	if (read_key_file(path, &buf, &len, &mode, err) < 0)
		return -1;
	bs_pubkey_init(&tmp);
	bs_seckey_init(&sk);
	if (bs_keydoc_split(&d, path, buf, len, err) < 0)
		goto out;
	if (d.kind == BS_KEY_SECRET && check_secret_mode(path, mode, err) < 0)
		goto out;
	if (bs_keydoc_public(&d, &tmp, flags, err) < 0)
		goto out;
	if (d.kind == BS_KEY_SECRET && d.sealed && bs_keydoc_seal(&d, &s, err) < 0)
		goto out;
	if (d.kind == BS_KEY_SECRET && d.sealed)
		info->seal = s.params;
	if (d.kind == BS_KEY_SECRET && !d.sealed &&
	    bs_seckey_parse(&sk, path, buf, len, flags, NULL, NULL, err) < 0)
		goto out;
	info->kind = d.kind;
	info->sealed = d.sealed;
	info->bits = tmp.bits;
	memcpy(info->keyid_hex, tmp.keyid_hex, sizeof info->keyid_hex);
	if (pk) {
		mpz_set(pk->n, tmp.n);
		mpz_set(pk->hs, tmp.hs);
		bs_pubkey_finish(pk);
	}
	rc = 0;
out:
	bs_seckey_clear(&sk);
	bs_pubkey_clear(&tmp);
	wipe_free(buf);
	return rc;
}