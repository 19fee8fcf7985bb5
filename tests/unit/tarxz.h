/*
 * tarxz.h - test helper: stream the files of a .tar.xz corpus archive
 * (../shared/corpora, found through $CORPORA) without unpacking it.
 *
 * tarxz_foreach() runs `xz -dc` on the archive, parses the tar stream
 * (ustar and GNU long names) and calls fn(arg, name, data, len) once per regular
 * file, in archive order, with the whole file in memory (freed after the call).
 * fn returns non-zero to stop.  Returns 0, or -1 if the archive could not be
 * read (a message on stderr).
 */
#ifndef BS_TEST_TARXZ_H
#define BS_TEST_TARXZ_H

#include <stddef.h>

typedef int (*tarxz_file_fn)(void *arg, const char *name, const char *data, size_t len);

/* The path of corpus archive `name` under $CORPORA in path (size bytes), or
 * NULL after "<test>: SKIP (<why>)" on stderr: $CORPORA unset, or no such
 * readable archive there. */
const char *tarxz_corpus(const char *test, const char *name, char *path, size_t size);
int tarxz_foreach(const char *archive, tarxz_file_fn fn, void *arg);

#endif
