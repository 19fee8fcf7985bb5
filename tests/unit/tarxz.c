/*
 * tarxz.c - stream a .tar.xz corpus file by file (see tarxz.h).  Test-only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tarxz.h"
#include "util.h"

static int tarxz_exists(const char *path)
{
	return access(path, R_OK) == 0;
}

const char *tarxz_corpus(const char *test, const char *name, char *path, size_t size)
{
	const char *dir = getenv("CORPORA");

	if (!dir || !*dir) {
		fprintf(stderr, "%s: SKIP (CORPORA not set)\n", test);
		return NULL;
	}
	snprintf(path, size, "%s/%s", dir, name);
	if (!tarxz_exists(path)) {
		fprintf(stderr, "%s: SKIP (%s not found)\n", test, path);
		return NULL;
	}
	return path;
}

static unsigned long long tar_octal(const unsigned char *p, size_t n)
{
	unsigned long long v = 0;

	for (size_t i = 0; i < n && p[i]; i++) {
		if (p[i] == ' ')
			continue;
		if (p[i] < '0' || p[i] > '7')
			break;
		v = v * 8 + (p[i] - '0');
	}
	return v;
}

int tarxz_foreach(const char *archive, tarxz_file_fn fn, void *arg)
{
	char cmd[4352];
	unsigned char hdr[512];
	char name[4096], longname[4096] = "";
	FILE *f;
	int rc = 0;

	if (strchr(archive, '\'')) {
		fprintf(stderr, "tarxz: unsupported path %s\n", archive);
		return -1;
	}
	snprintf(cmd, sizeof cmd, "xz -dc '%s'", archive);
	f = popen(cmd, "r");
	if (!f) {
		perror("tarxz: popen xz");
		return -1;
	}
	for (;;) {
		if (fread(hdr, 1, 512, f) != 512) {
			fprintf(stderr, "tarxz: %s: truncated tar stream\n", archive);
			rc = -1;
			break;
		}
		if (hdr[0] == '\0')
			break; /* end-of-archive block */
		unsigned long long size = tar_octal(hdr + 124, 12);
		size_t padded = (size_t)((size + 511) & ~511ULL);
		char type = (char)hdr[156];
		char *data = bs_xmalloc(padded + 1);
		if (padded && fread(data, 1, padded, f) != padded) {
			fprintf(stderr, "tarxz: %s: truncated member\n", archive);
			free(data);
			rc = -1;
			break;
		}
		data[size] = '\0';
		if (type == 'L') { /* GNU long name for the next member */
			snprintf(longname, sizeof longname, "%s", data);
			free(data);
			continue;
		}
		if (longname[0]) {
			snprintf(name, sizeof name, "%s", longname);
			longname[0] = '\0';
		} else if (memcmp(hdr + 257, "ustar", 5) == 0 && hdr[345]) {
			snprintf(name, sizeof name, "%.155s/%.100s", (char *)hdr + 345,
			         (char *)hdr);
		} else {
			snprintf(name, sizeof name, "%.100s", (char *)hdr);
		}
		int stop = 0;
		if (type == '0' || type == '\0')
			stop = fn(arg, name, data, (size_t)size);
		free(data);
		if (stop)
			break;
	}
	/* drain so xz does not die of SIGPIPE noise when we stop early */
	while (fread(hdr, 1, sizeof hdr, f) > 0)
		;
	if (pclose(f) != 0 && rc == 0) {
		fprintf(stderr, "tarxz: xz -dc %s failed\n", archive);
		rc = -1;
	}
	return rc;
}
