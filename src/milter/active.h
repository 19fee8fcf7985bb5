/*
 * active.h - the active configuration: conf + public key + encrypted model +
 * scorer, refcounted, swapped as one on reload.
 *
 * A message pins the active object current at its MAIL command and releases
 * it when it ends, so a reload never changes the model under a message; the
 * old object is freed when its last message ends.  An object may hold no
 * model (em == NULL, problem says why): then On-NoModel applies.
 */
#ifndef MILTER_ACTIVE_H
#define MILTER_ACTIVE_H

#include "conf.h"
#include "emodel.h"
#include "paillier.h"
#include "scorer.h"
#include "util.h"

typedef struct active {
	conf *cf;
	bs_pubkey pk;
	bs_emodel *em; /* NULL: no usable key and model */
	bs_scorer *sc; /* NULL unless built with a scorer */
	char problem[1024];
	unsigned long generation;
	int refs; /* under the active lock */
} active;

#define ACTIVE_SCORER        0x1 /* build the scorer (starts its pool thread) */
#define ACTIVE_ALLOW_NOMODEL 0x2 /* a bad key or model is not an error: em = NULL */
#define ACTIVE_INSECURE      0x4 /* accept test-size keys */

/* Load the config at `path`, then its key and model.  A config error, and a
 * secret key file given as PublicKeyFile, are always -1; a key or model
 * error (a model whose declared bounds exceed the configured Maximum* limits
 * included) is -1 unless ACTIVE_ALLOW_NOMODEL. */
int active_build(const char *path, unsigned flags, active **out, bs_error *err);
/* Free an object nobody holds (not installed, or after the last release). */
void active_free(active *a);

/* Make a the current object (it starts with one reference: the slot's);
 * the previous one is released. */
void active_install(active *a);
/* The current object with a reference taken; NULL before the first install. */
active *active_acquire(void);
void active_release(active *a);
/* Drop the current object at exit. */
void active_shutdown(void);

#endif
