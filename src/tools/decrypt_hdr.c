/*
 * decrypt_hdr.c - blindscore-decrypt --headers: records from the
 * X-Blindscore header of raw RFC 5322 messages (decrypt.h).
 *
 * Only the header section is read (at most HDR_MAX bytes).  Fields are
 * unfolded per RFC 5322 (a line starting with a space or tab continues the
 * previous one); the score header's value keeps its folding for
 * bs_record_header_parse, which accepts it.  Return-Path (else From) gives
 * the sender column ("<>" for the null sender's "Return-Path: <>", not the
 * From address) and Message-ID the msgid column.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decrypt.h"

#define HDR_MAX (1024 * 1024)

/* Trim spaces, tabs and line breaks at both ends, in place. */
static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Only the address of a Return-Path or From value: "<a@b>" -> "a@b"; the
 * null sender "<>" stays "<>", as the milter stores it in its records. */
static void address_of(char *out, const char *v)
{
	const char *lt = strrchr(v, '<'), *gt;

	if (lt && (gt = strchr(lt, '>')) != NULL) {
		size_t n = (size_t)(gt - lt - 1);
		if (n == 0) {
			bs_record_set_text(out, "<>");
			return;
		}
		char tmp[BS_RECORD_TEXT_MAX + 1];
		if (n > BS_RECORD_TEXT_MAX)
			n = BS_RECORD_TEXT_MAX;
		memcpy(tmp, lt + 1, n);
		tmp[n] = '\0';
		bs_record_set_text(out, tmp);
	} else {
		bs_record_set_text(out, v);
	}
}

/* Read the header section: up to the first empty line. */
static char *read_header_section(FILE *f, size_t *len, int *too_big)
{
	size_t cap = 8192, n = 0;
	char *buf = bs_xmalloc(cap + 1);
	int ch, bol = 1;

	*too_big = 0;
	while ((ch = getc_unlocked(f)) != EOF) {
		if (bol && (ch == '\n' || (ch == '\r' && n && buf[n - 1] == '\n')))
			break;
		if (n == HDR_MAX) {
			*too_big = 1;
			break;
		}
		if (n == cap) {
			cap *= 2;
			buf = bs_xrealloc(buf, cap + 1);
		}
		buf[n++] = (char)ch;
		if (ch == '\n')
			bol = 1;
		else if (ch != '\r')
			bol = 0;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

size_t dc_read_message(struct dc_ctx *c, FILE *f, const char *name, struct dc_row *rows, size_t max)
{
	size_t len, nrows = 0, nheaders = 0, hn = strlen(c->header_name);
	int too_big;
	char *buf = read_header_section(f, &len, &too_big), *p = buf;
	char sender[BS_RECORD_TEXT_MAX + 1] = "", from[BS_RECORD_TEXT_MAX + 1] = "",
	                                 msgid[BS_RECORD_TEXT_MAX + 1] = "";

	if (too_big)
		dc_report(name, "header section longer than %d bytes; the rest is ignored",
		          HDR_MAX);
	while (*p) {
		/* one field: this line and its continuation lines */
		char *start = p, *colon, *value, *q = p, *nl;
		for (;;) {
			nl = strchr(q, '\n');
			if (!nl || (nl[1] != ' ' && nl[1] != '\t'))
				break;
			q = nl + 1;
		}
		if (nl) {
			*nl = '\0';
			p = nl + 1;
		} else {
			p = start + strlen(start);
		}
		colon = strchr(start, ':');
		if (!colon)
			continue;
		*colon = '\0';
		value = colon + 1;
		if (strcasecmp(trim(start), c->header_name) == 0 && strlen(trim(start)) == hn) {
			nheaders++;
			if (nrows < max) {
				struct dc_row *row = &rows[nrows];
				bs_error err;
				row->file = name;
				row->from_header = 1;
				if (bs_record_header_parse(trim(value), row->rec.keyid,
				                           row->rec.modelid, row->rec.c,
				                           &row->rec.clen, &err) < 0) {
					dc_report(name, "%s: %s", c->header_name, err.msg);
					c->bad++;
				} else {
					nrows++;
				}
			}
		} else if (strcasecmp(trim(start), "Return-Path") == 0) {
			address_of(sender, trim(value));
		} else if (strcasecmp(trim(start), "From") == 0) {
			address_of(from, trim(value));
		} else if (strcasecmp(trim(start), "Message-ID") == 0) {
			bs_record_set_text(msgid, trim(value));
		}
	}
	free(buf);
	if (nheaders == 0) {
		dc_report(name, "no %s header", c->header_name);
		c->bad++;
	} else if (nheaders > 1) {
		/* The milter removes existing headers before adding its own: more
		 * than one was added afterwards. */
		dc_report(name, "%zu %s headers, but the milter adds exactly one; none is trusted",
		          nheaders, c->header_name);
		c->bad++;
		return 0;
	}
	for (size_t i = 0; i < nrows; i++) {
		bs_record_set_text(rows[i].rec.sender, sender[0] ? sender : from);
		bs_record_set_text(rows[i].rec.msgid, msgid);
	}
	return nrows;
}
