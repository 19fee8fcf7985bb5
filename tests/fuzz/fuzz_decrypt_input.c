/*
 * fuzz_decrypt_input.c - libFuzzer target for what blindscore-decrypt reads
 * before and around decryption (src/tools/decrypt*.c): spool files through
 * the verifier, or raw messages with an X-Blindscore header
 * (dc_read_message), then the per-record checks (dc_precheck), decryption
 * under the fixed 512-bit test key (fuzz.h), and the output formats
 * (dc_emit, dc_summary).
 *
 * Input: one flag byte, then the spool or message.  Flag bit 0: --headers;
 * bits 1-2: table, csv, jsonl; bit 3: --all; bit 4: --by-sender.  Checked
 * promise (decrypt_out.c): whatever the records hold, neither the output nor
 * the messages on stderr carry a control byte (no terminal escape, no broken
 * CSV or JSON line): only printable text, tabs excepted, and line ends.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyfile.h"
#include "spool.h"

#include "decrypt.h"
#include "fuzz.h"

#define ROWS 8

static struct dc_ctx ctx;
static struct dc_model model = {"test.model", FUZZ_TEST_MODEL_ID, FUZZ_TEST_MODEL_BOUND};
static struct dc_row rows[ROWS];

static void no_controls(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch < 0x20 && ch != '\n') || ch == 0x7f)
			abort(); /* a control byte from the input reached the terminal */
	}
}

/* decrypt.c's, minus the printing: check what would be printed. */
void dc_report(const char *where, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	no_controls(buf, strlen(buf));
	if (where)
		no_controls(where, strlen(where));
}

static void row_reset(struct dc_row *row)
{
	mpz_t keep;

	keep[0] = row->rec.c[0];
	memset(row, 0, sizeof *row);
	row->rec.c[0] = keep[0];
}

static void flush(size_t n)
{
	dc_decrypt_rows(&ctx, rows, n);
	for (size_t i = 0; i < n; i++) {
		dc_emit(&ctx, &rows[i]);
		row_reset(&rows[i]);
	}
}

struct batch {
	size_t n;
};

static struct batch batch;

static void on_issue(void *arg, const bs_spool_issue *is)
{
	(void)arg;
	dc_report(is->file, "%s", is->msg);
	for (size_t i = 0; is->record && i < batch.n; i++)
		if (rows[i].index == is->record)
			rows[i].bad = 1;
}

static void run_spool(FILE *f)
{
	bs_spool_verifier *v = bs_spool_verifier_new(on_issue, NULL);
	unsigned long index, line;
	bs_error err;

	batch.n = 0;
	while (bs_spool_verifier_read(v, f, "spool", &rows[batch.n].rec, &index, &line, &err) ==
	       1) {
		struct dc_row *row = &rows[batch.n];
		row->file = "spool";
		row->line = line;
		row->index = index;
		ctx.records++;
		dc_precheck(&ctx, row);
		if (++batch.n == ROWS) {
			flush(batch.n);
			batch.n = 0;
		}
	}
	bs_spool_verifier_finish(v);
	flush(batch.n);
	batch.n = 0;
	bs_spool_verifier_free(v);
}

static void run_headers(FILE *f)
{
	size_t n = dc_read_message(&ctx, f, "message", rows, ROWS);

	for (size_t k = 0; k < n; k++) {
		ctx.records++;
		dc_precheck(&ctx, &rows[k]);
	}
	flush(n);
}

static void setup(void)
{
	bs_error err;

	fuzz_init();
	bs_seckey_init(&ctx.sk);
	if (bs_seckey_parse(&ctx.sk, "test.sec", fuzz_test_sec, strlen(fuzz_test_sec),
	                    BS_KEYFILE_ALLOW_INSECURE, NULL, NULL, &err) < 0)
		abort();
	ctx.models = &model;
	ctx.nmodels = 1;
	ctx.jobs = 1;
	ctx.header_name = "X-Blindscore";
	for (size_t i = 0; i < ROWS; i++)
		bs_record_init(&rows[i].rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	FILE *saved = stdout, *in, *out;
	char *text = NULL;
	size_t len = 0;

	if (size < 1)
		return 0;
	if (!ready) {
		setup();
		ready = 1;
	}
	unsigned flags = data[0];
	ctx.headers = flags & 1;
	ctx.format = ((flags >> 1) & 3) == 1   ? DC_CSV
	             : ((flags >> 1) & 3) == 2 ? DC_JSONL
	                                       : DC_TABLE;
	ctx.all = !!(flags & 8);
	ctx.by_sender = !!(flags & 16);
	ctx.records = ctx.good = ctx.flagged = ctx.printed = ctx.bad = 0;
	ctx.header_printed = 0;
	static char empty[1];
	in = size > 1 ? fmemopen((void *)(data + 1), size - 1, "r") : fmemopen(empty, 1, "r");
	out = open_memstream(&text, &len);
	if (!in || !out)
		abort();
	stdout = out;
	if (size == 1)
		(void)getc(in); /* fmemopen needs a size: consume the one byte */
	if (ctx.headers)
		run_headers(in);
	else
		run_spool(in);
	if (ctx.by_sender)
		dc_summary(&ctx);
	dc_senders_free(&ctx);
	stdout = saved;
	fclose(in);
	fclose(out);
	no_controls(text, len);
	free(text);
	return 0;
}
