/*
 * fuzz_record.c - libFuzzer target for score records (record.h): the spool
 * line (bs_record_parse) and the X-Blindscore header value
 * (bs_record_header_parse).
 *
 * Input: one flag byte, then the text.  Flag bit 0: a header value (folded
 * or not), else a spool line.  Checked promises:
 *   - a spool line that parses is exactly what bs_record_format writes for
 *     the record ("every record has exactly one text form");
 *   - a header value that parses equals bs_record_header_value of what was
 *     read, up to the spaces, tabs and folding the parser ignores, and the
 *     folded form (bs_record_header_fold) reads back to the same values.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "record.h"

#include "fuzz.h"

/* s without spaces, tabs, CR and LF (in place). */
static void squeeze(char *s)
{
	char *o = s;

	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			*o++ = *s;
	*o = '\0';
}

static void spool_line(const uint8_t *data, size_t size)
{
	bs_record r;
	bs_error err;
	size_t len = size, flen;

	bs_record_init(&r);
	if (bs_record_parse(&r, (const char *)data, size, "fuzz line 1", &err) == 0) {
		if (len > 0 && data[len - 1] == '\n')
			len--;
		if (r.clen % 2 == 0) {
			char *line = bs_record_format(&r, (unsigned)(r.clen * 4), &flen);
			if (!line || flen != len + 1 || memcmp(line, data, len) != 0 ||
			    line[len] != '\n')
				abort(); /* a second text form of the same record was accepted */
			free(line);
		}
		char hash[BS_HASH_HEXLEN + 1];
		bs_record_hash((const char *)data, size, hash);
	}
	bs_record_clear(&r);
}

static void header_value(const uint8_t *data, size_t size)
{
	char keyid[BS_KEYID_HEXLEN + 1], modelid[BS_MODELID_HEXLEN + 1];
	char keyid2[BS_KEYID_HEXLEN + 1], modelid2[BS_MODELID_HEXLEN + 1];
	char *value = fuzz_strndup(data, size);
	bs_error err;
	size_t clen, clen2;
	mpz_t c, c2;

	mpz_inits(c, c2, NULL);
	if (bs_record_header_parse(value, keyid, modelid, c, &clen, &err) == 0 && clen % 2 == 0) {
		char *canon = bs_record_header_value(keyid, modelid, c, (unsigned)(clen * 4));
		if (!canon)
			abort();
		char *folded = bs_record_header_fold(canon, strlen("X-Blindscore: "));
		if (bs_record_header_parse(folded, keyid2, modelid2, c2, &clen2, &err) < 0 ||
		    strcmp(keyid, keyid2) != 0 || strcmp(modelid, modelid2) != 0 ||
		    mpz_cmp(c, c2) != 0 || clen != clen2)
			abort(); /* the folded header does not read back */
		squeeze(value);
		squeeze(canon);
		if (strcmp(value, canon) != 0)
			abort(); /* a second text form of the same header value was accepted */
		free(folded);
		free(canon);
	}
	mpz_clears(c, c2, NULL);
	free(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fuzz_init();
	if (data[0] & 1)
		header_value(data + 1, size - 1);
	else
		spool_line(data + 1, size - 1);
	return 0;
}
