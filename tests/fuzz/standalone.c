/*
 * standalone.c - main() for the fuzz targets when libFuzzer is not linked
 * (a build without --enable-fuzzing): runs LLVMFuzzerTestOneInput once on
 * every file named, and on every file of every directory named, in name
 * order.  Arguments starting with '-' (libFuzzer flags such as -runs=0) are
 * ignored, so tests/fuzz/replay.sh calls both builds the same way.
 *
 *   tests/fuzz/fuzz_record tests/fuzz/corpus/record tests/fuzz/regress/record
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

#include "fuzz.h"

#define INPUT_MAX ((size_t)64 << 20)

static unsigned long runs;

static int run_file(const char *path)
{
	bs_error err;
	char *buf;
	size_t len;

	if (bs_read_file(path, INPUT_MAX, &buf, &len, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	/* an exact-size copy, so that ASan sees reads past the end */
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	runs++;
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int run_dir(const char *dir)
{
	struct dirent **ent;
	int n = scandir(dir, &ent, NULL, by_name), rc = 0;

	if (n < 0) {
		perror(dir);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		if (ent[i]->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", dir, ent[i]->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && run_file(path) < 0)
				rc = -1;
		}
		free(ent[i]);
	}
	free(ent);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (argv[i][0] == '-')
			continue;
		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			rc = 1;
		} else if (S_ISDIR(st.st_mode) ? run_dir(argv[i]) < 0 : run_file(argv[i]) < 0) {
			rc = 1;
		}
	}
	fprintf(stderr, "%s: %lu inputs run\n", argv[0], runs);
	return rc;
}
