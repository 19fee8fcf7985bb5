/*
 * callbacks.h - the libmilter callbacks: per-connection and per-message
 * state, streaming into the MIME walker, scoring and output at EOM.
 */
#ifndef MILTER_CALLBACKS_H
#define MILTER_CALLBACKS_H

#include <libmilter/mfapi.h>

/* The filter description to pass to smfi_register. */
struct smfiDesc *callbacks_desc(void);

#endif
