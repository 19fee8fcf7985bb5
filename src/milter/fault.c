/*
 * fault.c - fault points of the test binary (fault.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

static const char *const names[] = {"spool", "internal"};

int fault_hit(enum fault_point p)
{
	const char *path = getenv("BS_FAULT_FILE");
	if (path == NULL || path[0] == '\0')
		return 0;
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	char line[64];
	int hit = 0;
	while (!hit && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		hit = strcmp(line, names[p]) == 0;
	}
	fclose(f);
	return hit;
}
