/*
 * decrypt_out.c - blindscore-decrypt output: table, CSV (RFC 4180), JSON
 * lines, and the per-sender summary (decrypt.h).
 *
 * Text fields come from mail (senders, queue ids, Message-IDs) and may hold
 * anything, so every format prints them in one safe form: valid, printable
 * UTF-8 as it is; every other byte (controls, DEL, C1 controls, invalid
 * UTF-8) and '%' itself as %XX.  No terminal escape sequence can get
 * through, and the JSON and CSV stay valid.
 */
#include "config.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decrypt.h"

#define SAFE_MAX (3 * BS_RECORD_TEXT_MAX + 1)

/* Length of a valid printable UTF-8 sequence at s (>= 0x80), or 0. */
static size_t utf8_ok(const unsigned char *s)
{
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		if (s[1] < 0x80 || s[1] > 0xbf || (s[0] == 0xc2 && s[1] < 0xa0))
			return 0; /* C1 controls U+0080..U+009F */
		return 2;
	}
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		unsigned lo = s[0] == 0xe0 ? 0xa0 : 0x80, hi = s[0] == 0xed ? 0x9f : 0xbf;
		if (s[1] < lo || s[1] > hi || s[2] < 0x80 || s[2] > 0xbf)
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		unsigned lo = s[0] == 0xf0 ? 0x90 : 0x80, hi = s[0] == 0xf4 ? 0x8f : 0xbf;
		if (s[1] < lo || s[1] > hi || s[2] < 0x80 || s[2] > 0xbf || s[3] < 0x80 ||
		    s[3] > 0xbf)
			return 0;
		return 4;
	}
	return 0;
}

static const char *safe(char out[SAFE_MAX], const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;

	while (*s) {
		size_t n = *s >= 0x80 ? utf8_ok(s) : (*s >= 0x20 && *s < 0x7f && *s != '%');
		if (n) {
			memcpy(out + o, s, n);
			o += n;
			s += n;
		} else {
			out[o++] = '%';
			out[o++] = hex[*s >> 4];
			out[o++] = hex[*s & 15];
			s++;
		}
	}
	out[o] = '\0';
	return out;
}

static void iso_time(char out[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "%" PRId64, t);
}

static void csv_field(const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n") || s[0] == ' ' || (s[0] && s[strlen(s) - 1] == ' ')) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
	putchar(last ? '\n' : ',');
}

static void json_str(const char *key, const char *s, int comma)
{
	printf("\"%s\":", key);
	if (!s) {
		fputs("null", stdout);
	} else {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"' || *s == '\\')
				putchar('\\');
			putchar(*s); /* safe(): no control bytes remain */
		}
		putchar('"');
	}
	if (comma)
		putchar(',');
}

void dc_print_header(struct dc_ctx *c)
{
	if (c->header_printed)
		return;
	c->header_printed = 1;
	if (c->format == DC_CSV)
		puts("seq,time,queueid,msgid,sender,nrcpt,modelid,truncated,score,flagged,file,"
		     "line");
	else if (c->format == DC_TABLE)
		printf("%-8s  %-20s  %-14s  %-30s  %5s  %10s  %-7s  %s\n",
		       c->headers ? "FILE" : "SEQ", "TIME", "QUEUE-ID", "SENDER", "RCPTS", "SCORE",
		       "FLAG", "TRUNC");
}

static void print_row(struct dc_ctx *c, const struct dc_row *row)
{
	char q[SAFE_MAX], m[SAFE_MAX], s[SAFE_MAX], f[SAFE_MAX], t[32] = "-", seq[24] = "-",
	                                                         nr[16] = "-";
	const bs_record *r = &row->rec;
	int hdr = row->from_header;

	dc_print_header(c);
	safe(q, r->queueid);
	safe(m, r->msgid);
	safe(s, r->sender);
	if (strlen(row->file) < BS_RECORD_TEXT_MAX)
		safe(f, row->file);
	else
		strcpy(f, "(long name)");
	if (!hdr) {
		iso_time(t, r->time);
		snprintf(seq, sizeof seq, "%" PRIu64, r->seq);
		snprintf(nr, sizeof nr, "%u", r->nrcpt);
	}
	switch (c->format) {
	case DC_TABLE:
		printf("%-8s  %-20s  %-14s  %-30s  %5s  %10" PRId64 "  %s%s\n", hdr ? f : seq, t,
		       q[0] ? q : "-", s[0] ? s : "-", nr, row->score,
		       row->flagged ? "FLAGGED" : "-      ",
		       !hdr && r->truncated ? "  truncated" : "");
		break;
	case DC_CSV:
		csv_field(hdr ? "" : seq, 0);
		csv_field(hdr ? "" : t, 0);
		csv_field(q, 0);
		csv_field(m, 0);
		csv_field(s, 0);
		csv_field(hdr ? "" : nr, 0);
		csv_field(r->modelid, 0);
		csv_field(hdr ? "" : r->truncated ? "1" : "0", 0);
		printf("%" PRId64 ",%d,", row->score, row->flagged);
		csv_field(f, 0);
		printf("%lu\n", row->line);
		break;
	case DC_JSONL:
		putchar('{');
		if (hdr)
			fputs("\"seq\":null,\"time\":null,", stdout);
		else
			printf("\"seq\":%s,\"time\":\"%s\",\"unixtime\":%" PRId64 ",", seq, t,
			       r->time);
		json_str("queueid", q[0] ? q : NULL, 1);
		json_str("msgid", m[0] ? m : NULL, 1);
		json_str("sender", s[0] ? s : NULL, 1);
		if (hdr)
			fputs("\"nrcpt\":null,\"truncated\":null,", stdout);
		else
			printf("\"nrcpt\":%u,\"truncated\":%s,", r->nrcpt,
			       r->truncated ? "true" : "false");
		json_str("modelid", r->modelid, 1);
		printf("\"score\":%" PRId64 ",\"flagged\":%s,", row->score,
		       row->flagged ? "true" : "false");
		json_str("file", f, 1);
		printf("\"line\":%lu}\n", row->line);
		break;
	}
}

/* ------------------------------------------------------------ per sender */

struct dc_sender {
	size_t n, cap;
	struct sender_ent {
		char *sender;
		unsigned long messages, flagged;
		int64_t max;
	} * e;
	size_t *slot, nslot;
};

static size_t str_hash(const char *s, size_t nslot)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)(h & (nslot - 1));
}

static struct sender_ent *sender_get(struct dc_ctx *c, const char *sender)
{
	struct dc_sender *t = c->senders;
	size_t i;

	if (!t) {
		t = c->senders = bs_xcalloc(1, sizeof *t);
		t->nslot = 256;
		t->slot = bs_xcalloc(t->nslot, sizeof *t->slot);
	}
	for (i = str_hash(sender, t->nslot); t->slot[i]; i = (i + 1) & (t->nslot - 1))
		if (strcmp(t->e[t->slot[i] - 1].sender, sender) == 0)
			return &t->e[t->slot[i] - 1];
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->e = bs_xrealloc(t->e, t->cap * sizeof *t->e);
	}
	memset(&t->e[t->n], 0, sizeof t->e[t->n]);
	t->e[t->n].sender = bs_xstrdup(sender);
	t->slot[i] = ++t->n;
	if (2 * t->n > t->nslot) {
		free(t->slot);
		t->nslot *= 2;
		t->slot = bs_xcalloc(t->nslot, sizeof *t->slot);
		for (size_t k = 0; k < t->n; k++) {
			size_t j = str_hash(t->e[k].sender, t->nslot);
			while (t->slot[j])
				j = (j + 1) & (t->nslot - 1);
			t->slot[j] = k + 1;
		}
	}
	return &t->e[t->n - 1];
}

/* ------------------------------------------------------------ --unique */

/*
 * Messages counted so far: a keyed BLAKE2b digest (key random per run) of
 * what identifies a message and is the same in a retry (Message-ID, sender,
 * recipients, key, model, truncated flag, decrypted score), and where its
 * first record was.  The table holds nothing readable and is wiped.
 */
struct dc_seen {
	unsigned char key[crypto_generichash_KEYBYTES];
	struct seen_ent {
		unsigned char h[16];
		const char *file; /* NULL: empty slot */
		unsigned long line;
	} * e;
	size_t n, nslot;
};

static void seen_digest(const struct dc_seen *t, const struct dc_row *row, unsigned char h[16])
{
	const bs_record *r = &row->rec;
	const char *text[] = {r->msgid, r->sender, r->keyid, r->modelid};
	crypto_generichash_state st;
	char num[64];
	int len = snprintf(num, sizeof num, "%u %d %" PRId64, r->nrcpt, r->truncated, row->score);

	crypto_generichash_init(&st, t->key, sizeof t->key, 16);
	for (size_t i = 0; i < sizeof text / sizeof *text; i++)
		crypto_generichash_update(&st, (const unsigned char *)text[i], strlen(text[i]) + 1);
	crypto_generichash_update(&st, (const unsigned char *)num, (size_t)len);
	crypto_generichash_final(&st, h, 16);
	sodium_memzero(num, sizeof num);
	sodium_memzero(&st, sizeof st);
}

static struct seen_ent *seen_slot(struct seen_ent *e, size_t nslot, const unsigned char h[16])
{
	size_t i;

	memcpy(&i, h, sizeof i);
	for (i &= nslot - 1; e[i].file && memcmp(e[i].h, h, 16) != 0; i = (i + 1) & (nslot - 1))
		;
	return &e[i];
}

/* The earlier record of the same message, or NULL (and row is remembered). */
static const struct seen_ent *seen_check(struct dc_ctx *c, const struct dc_row *row)
{
	struct dc_seen *t = c->seen;
	struct seen_ent *e;
	unsigned char h[16];

	if (!t) {
		t = c->seen = bs_xcalloc(1, sizeof *t);
		crypto_generichash_keygen(t->key);
		t->nslot = 1024;
		t->e = bs_xcalloc(t->nslot, sizeof *t->e);
	}
	seen_digest(t, row, h);
	e = seen_slot(t->e, t->nslot, h);
	if (e->file)
		return e;
	memcpy(e->h, h, 16);
	e->file = row->file;
	e->line = row->line;
	if (2 * ++t->n > t->nslot) {
		struct seen_ent *old = t->e;
		size_t nold = t->nslot;

		t->nslot *= 2;
		t->e = bs_xcalloc(t->nslot, sizeof *t->e);
		for (size_t i = 0; i < nold; i++)
			if (old[i].file)
				*seen_slot(t->e, t->nslot, old[i].h) = old[i];
		sodium_memzero(old, nold * sizeof *old);
		free(old);
	}
	return NULL;
}

void dc_seen_free(struct dc_ctx *c)
{
	struct dc_seen *t = c->seen;

	if (!t)
		return;
	sodium_memzero(t->e, t->nslot * sizeof *t->e);
	free(t->e);
	sodium_memzero(t, sizeof *t);
	free(t);
	c->seen = NULL;
}

/* --unique: is row a retry of a message already counted?  (Reported.) */
static int is_retry(struct dc_ctx *c, const struct dc_row *row)
{
	const struct seen_ent *first;
	char where[600], q[SAFE_MAX];

	if (!c->unique || !row->rec.msgid[0] || !(first = seen_check(c, row)))
		return 0;
	c->retries++;
	if (row->line)
		snprintf(where, sizeof where, "%s line %lu", row->file, row->line);
	else
		snprintf(where, sizeof where, "%s", row->file);
	safe(q, row->rec.queueid);
	if (first->line)
		dc_report(
		    where,
		    "note: queue id %s is a retry of the message of %s line %lu: counted once",
		    q[0] ? q : "-", first->file, first->line);
	else
		dc_report(where, "note: a retry of the message in %s: counted once", first->file);
	return 1;
}

void dc_emit(struct dc_ctx *c, struct dc_row *row)
{
	if (row->bad) {
		if (row->why[0]) {
			char where[600];
			if (row->line)
				snprintf(where, sizeof where, "%s line %lu", row->file, row->line);
			else
				snprintf(where, sizeof where, "%s", row->file);
			dc_report(where, "%s", row->why);
			c->bad++;
		}
		return;
	}
	c->good++;
	if (is_retry(c, row))
		return;
	if (row->flagged)
		c->flagged++;
	if (c->by_sender) {
		struct sender_ent *e = sender_get(c, row->rec.sender);
		if (e->messages == 0 || row->score > e->max)
			e->max = row->score;
		e->messages++;
		e->flagged += row->flagged != 0;
		return;
	}
	if (c->all || row->flagged) {
		print_row(c, row);
		c->printed++;
	}
}

static int by_flagged(const void *a, const void *b)
{
	const struct sender_ent *x = a, *y = b;

	if (x->flagged != y->flagged)
		return x->flagged < y->flagged ? 1 : -1;
	if (x->max != y->max)
		return x->max < y->max ? 1 : -1;
	return strcmp(x->sender, y->sender);
}

void dc_summary(struct dc_ctx *c)
{
	struct dc_sender *t = c->senders;
	char s[SAFE_MAX];

	if (c->format == DC_CSV)
		puts("sender,messages,flagged,max_score");
	else if (c->format == DC_TABLE)
		printf("%-40s  %8s  %8s  %10s\n", "SENDER", "MESSAGES", "FLAGGED", "MAX-SCORE");
	if (!t)
		return;
	qsort(t->e, t->n, sizeof *t->e, by_flagged);
	for (size_t i = 0; i < t->n; i++) {
		const struct sender_ent *e = &t->e[i];
		safe(s, e->sender);
		if (c->format == DC_TABLE) {
			printf("%-40s  %8lu  %8lu  %10" PRId64 "\n", s[0] ? s : "-", e->messages,
			       e->flagged, e->max);
		} else if (c->format == DC_CSV) {
			csv_field(s, 0);
			printf("%lu,%lu,%" PRId64 "\n", e->messages, e->flagged, e->max);
		} else {
			putchar('{');
			json_str("sender", s[0] ? s : NULL, 1);
			printf("\"messages\":%lu,\"flagged\":%lu,\"max_score\":%" PRId64 "}\n",
			       e->messages, e->flagged, e->max);
		}
	}
}

void dc_senders_free(struct dc_ctx *c)
{
	struct dc_sender *t = c->senders;

	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->e[i].sender);
	if (t->e)
		sodium_memzero(t->e, t->cap * sizeof *t->e);
	free(t->e);
	free(t->slot);
	free(t);
	c->senders = NULL;
}
