/*
 * decrypt.h - blindscore-decrypt's parts (blindscore-decrypt(1)):
 * decrypt.c (flags, key, models, input loop), decrypt_work.c (record checks
 * and parallel decryption), decrypt_out.c (table, CSV, JSON lines, the
 * per-sender summary), decrypt_hdr.c (records from X-Blindscore headers).
 *
 * Decrypted scores are the key holder's only: rows are wiped when a batch
 * has been printed, and the per-sender summary is wiped when freed.
 */
#ifndef BS_DECRYPT_H
#define BS_DECRYPT_H

#include <stdint.h>
#include <stdio.h>

#include "paillier.h"
#include "record.h"

#define PROG "blindscore-decrypt"

enum dc_format { DC_TABLE, DC_CSV, DC_JSONL };

struct dc_model {
	const char *path;
	char id[BS_MODELID_HEXLEN + 1];
	int64_t bound; /* S */
};

struct dc_row {
	bs_record rec;
	const char *file;
	unsigned long line;  /* 0 in --headers mode */
	unsigned long index; /* the verifier's record index; 0 = none */
	int from_header;     /* no seq, time, nrcpt, truncated */
	int bad;             /* withheld: reported on stderr */
	int checked;         /* key, model and width checked, decryption done */
	char why[1100];      /* reason for a bad row found by a worker */
	const struct dc_model *model;
	int64_t score;
	int flagged;
};

struct dc_sender; /* per-sender summary table (decrypt_out.c) */
struct dc_seen;   /* --unique: messages printed so far (decrypt_out.c) */

struct dc_ctx {
	/* options */
	int all, by_sender, headers, jobs, progress, unique;
	enum dc_format format;
	const char *header_name;
	/* key and models */
	bs_seckey sk;
	struct dc_model *models;
	size_t nmodels;
	/* counts */
	unsigned long records, good, flagged, printed, bad;
	unsigned long retries; /* --unique: good records that repeat a message */
	int exit_code;         /* worst non-data exit so far (EX_IOERR, EX_NOINPUT) */
	int header_printed;
	struct dc_sender *senders;
	struct dc_seen *seen;
};

/* Print "blindscore-decrypt: <where>: <msg>" to stderr (where may be NULL). */
void dc_report(const char *where, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* decrypt_work.c: main-thread checks of one row (key id, model, width);
 * marks it bad with the reason in row->why (reported by dc_emit, in input
 * order).  Returns 0 if the row may be decrypted. */
int dc_precheck(struct dc_ctx *c, struct dc_row *row);
/* Decrypt every unchecked, not-bad row of rows[0..n) with c->jobs threads. */
void dc_decrypt_rows(struct dc_ctx *c, struct dc_row *rows, size_t n);

/* decrypt_out.c */
void dc_emit(struct dc_ctx *c, struct dc_row *row); /* a decrypted or bad row */
void dc_seen_free(struct dc_ctx *c);                /* --unique's table, wiped */
void dc_print_header(struct dc_ctx *c);             /* CSV/table header, once */
void dc_summary(struct dc_ctx *c);                  /* --by-sender, at the end */
void dc_senders_free(struct dc_ctx *c);

/* decrypt_hdr.c: one message file -> rows (0, 1 or more X-Blindscore
 * headers).  Returns the number of rows filled (rows must hold max). */
size_t dc_read_message(struct dc_ctx *c, FILE *f, const char *name, struct dc_row *rows,
                       size_t max);

#endif
