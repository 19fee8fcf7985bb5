/*
 * fuzz_common.c - helpers shared by the fuzz targets (fuzz.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "paillier.h"

#include "fuzz.h"

/* blindscore-keygen --insecure-test-key -b 512 -N (tests/fuzz/corpus/README). */
const char fuzz_test_pub[] =
    "blindscore-public-key 1\n"
    "bits 512\n"
    "keyid 3df4b747a3ba4d55389db2bda39ba4c4\n"
    "n eb6d362dc8457250ee2f3add7ffdf1262ff1384ff3836a681bd3701d3e904d82b915cc29c11d499ef8120b9"
    "6ecd604578a248c616a437ec2f27789af7d694f79\n"
    "hs 8eca6da15afe6c26120b354e28bd726816563f19092e2fe36cd36fe1848826147aca6b49a577c8c367bf8d7"
    "b295fafdab45693b5c3a7c854fd1ddf754e5b1669c450a7cca24ae185a8a2a142299990af56caf28acd86e45e"
    "abc9955ff9f9ba1ba83b78742bad50729e527d28ca82f282f4050205753a48f4caac021afb1b6c3c\n";

const char fuzz_test_sec[] =
    "blindscore-secret-key 1\n"
    "bits 512\n"
    "keyid 3df4b747a3ba4d55389db2bda39ba4c4\n"
    "n eb6d362dc8457250ee2f3add7ffdf1262ff1384ff3836a681bd3701d3e904d82b915cc29c11d499ef8120b9"
    "6ecd604578a248c616a437ec2f27789af7d694f79\n"
    "hs 8eca6da15afe6c26120b354e28bd726816563f19092e2fe36cd36fe1848826147aca6b49a577c8c367bf8d7"
    "b295fafdab45693b5c3a7c854fd1ddf754e5b1669c450a7cca24ae185a8a2a142299990af56caf28acd86e45e"
    "abc9955ff9f9ba1ba83b78742bad50729e527d28ca82f282f4050205753a48f4caac021afb1b6c3c\n"
    "p fe26be3b89af44183f11ad664b71ed8d6e867f13e9161e84d63f68bd556df993\n"
    "q ed2399e12027060f311638a7811f719a6387c00b32b92932e65f23d14e61ca43\n";

void fuzz_init(void)
{
	static int done;

	if (done)
		return;
	if (bs_crypto_init() < 0) {
		fprintf(stderr, "fuzz: cannot initialise libsodium\n");
		abort();
	}
	done = 1;
}

const char *fuzz_memfile(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	size_t off = 0;

	if (fd < 0) {
		fd = memfd_create("fuzz-input", MFD_CLOEXEC);
		if (fd < 0) {
			perror("fuzz: memfd_create");
			abort();
		}
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0) {
		perror("fuzz: ftruncate");
		abort();
	}
	while (off < size) {
		ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n <= 0) {
			perror("fuzz: pwrite");
			abort();
		}
		off += (size_t)n;
	}
	return path;
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}
