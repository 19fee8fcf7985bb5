/*
 * emodel_int.h - internals shared by emodel.c and emodel_build.c.
 */
#ifndef BS_EMODEL_INT_H
#define BS_EMODEL_INT_H

#include "emodel.h"

bs_emodel *bs_emodel_alloc(void);
size_t bs_emodel_width(const bs_pubkey *pk);
/* The canonical header text ("...end\n"); malloc'd. */
char *bs_emodel_header(const bs_emodel *em, size_t *len);
int bs_emodel_parse_header(bs_emodel *em, const char *buf, size_t len, const char *path,
                           size_t *hdrlen, bs_error *err);

#endif
