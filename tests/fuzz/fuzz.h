/*
 * fuzz.h - what the fuzz targets of tests/fuzz share (README.md there).
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput for one parser.  Built
 * with --enable-fuzzing it links libFuzzer (or AFL++'s driver); otherwise it
 * links standalone.c, which runs the target once over every file named on
 * the command line, so that `make check` replays the seed corpora and the
 * regression inputs with any compiler.  A target aborts (a finding) when the
 * code under test breaks a promise of its header, not only on memory errors.
 */
#ifndef BS_FUZZ_H
#define BS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* bs_crypto_init once; aborts if libsodium cannot start. */
void fuzz_init(void);

/* For APIs that take a path: put data into an in-memory file (one memfd per
 * process, rewritten each call) and return a path that opens it. */
const char *fuzz_memfile(const uint8_t *data, size_t size);

/* data[0..size) as a NUL-terminated string (malloc'd; NULs kept). */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* The fixed 512-bit test key pair the seed corpora were made with
 * (tests/fuzz/corpus/README): public test material, never for mail. */
extern const char fuzz_test_pub[];
extern const char fuzz_test_sec[];
/* The tiny model (tests/milter/mkmodel, B = 4) the seed records score with. */
#define FUZZ_TEST_MODEL_ID    "84dfaeb681042d69d4ed093783f14221effcc40b72daa6b399b1331e3ab785ba"
#define FUZZ_TEST_MODEL_BOUND 4352

#endif
