/*
 * corpus.h - test helper: stream the files of a .tar.xz corpus archive
 * (../shared/corpora, found through $CORPORA) without unpacking it.
 *
 * corpus_tar_foreach() runs `xz -dc` on the archive, parses the tar stream
 * (ustar and GNU long names) and calls fn(arg, name, data, len) once per regular
 * file, in archive order, with the whole file in memory (freed after the call).
 * fn returns non-zero to stop.  Returns 0, or -1 if the archive could not be
 * read (a message on stderr).
 */
#ifndef BS_TEST_CORPUS_H
#define BS_TEST_CORPUS_H

#include <stddef.h>

typedef int (*corpus_file_fn)(void *arg, const char *name, const char *data, size_t len);

int corpus_exists(const char *path);
int corpus_tar_foreach(const char *archive, corpus_file_fn fn, void *arg);

#endif
