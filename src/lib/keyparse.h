/*
 * keyparse.h - inside the key file module: a key file's text cut into the
 * fields of its fixed order, and the checks of those fields (keyparse.c).
 * Used by keyparse.c's own bs_pubkey_parse / bs_seckey_parse and by the file
 * layer keyfile.c (bs_keyfile_inspect); not for use outside src/lib/key*.c.
 *
 * Contract: no I/O and no permission checks (those are keyfile.c's).  Every
 * function returns 0, or -1 with err naming the file (doc->name), the line
 * and the field, as keyfile.h promises.  A bs_keydoc's values point into the
 * caller's text, which must outlive it and is the caller's to wipe.
 */
#ifndef BS_KEYPARSE_H
#define BS_KEYPARSE_H

#include <stddef.h>

#include "keyfile.h"
#include "keyseal.h"
#include "paillier.h"
#include "util.h"

/* The fields, in file order; a file has a subset in this order. */
enum { KF_BITS, KF_KEYID, KF_N, KF_HS, KF_P, KF_Q, KF_SEALED, KF_BOX, KF_COUNT };

struct bs_keyfield {
	int line; /* 0: absent */
	const char *val;
	size_t len;
};

/* A key file cut into its fields. */
struct bs_keydoc {
	const char *name; /* file name for messages */
	enum bs_keykind kind;
	int sealed;
	struct bs_keyfield f[KF_COUNT];
	size_t header_len; /* bytes before the box line (authenticated by the seal) */
};

/* Size, magic, version, bytes, line ends and the field order of the kind
 * (unknown, duplicate, missing and trailing fields); values unchecked. */
int bs_keydoc_split(struct bs_keydoc *d, const char *name, const char *text, size_t len,
                    bs_error *err);
/* bits, keyid, n, hs into pk (bs_pubkey_init'ed): syntax, bits against n,
 * bs_pubkey_validate, the key id against the recomputed one. */
int bs_keydoc_public(const struct bs_keydoc *d, bs_pubkey *pk, unsigned flags, bs_error *err);
/* The "sealed" line of a sealed secret key: algorithm, cost within
 * BS_SEAL_OPS_MAX / BS_SEAL_MEM_MAX, salt and nonce. */
int bs_keydoc_seal(const struct bs_keydoc *d, bs_keyseal *s, bs_error *err);

#endif
