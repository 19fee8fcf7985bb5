/*
 * mime_int.h - private state of the MIME walker, shared by mime.c (the line
 * machine: headers, boundaries, nesting) and mime_part.c (what a part's
 * headers mean, and the decode -> charset -> HTML -> tokenizer pipeline).
 * Not for use outside those two files.
 */
#ifndef BS_MIME_INT_H
#define BS_MIME_INT_H

#include "charset.h"
#include "decode.h"
#include "html.h"
#include "mime.h"

#define MIME_SLICE    4096 /* pipeline works on input slices of this size */
#define MIME_NAME_MAX 256  /* bytes of a file name kept */

enum mime_hdr { HDR_NONE = 0, HDR_SUBJECT, HDR_CTYPE, HDR_CTE, HDR_CDISP };
enum mime_kind { KIND_SKIP = 0, KIND_TEXT, KIND_HTML, KIND_MULTIPART, KIND_MESSAGE };
enum mime_cte { CTE_NONE = 0, CTE_B64, CTE_QP };

/* What the headers of the current part (or message) said. */
struct mime_part {
	enum mime_kind kind;
	enum mime_cte cte;
	enum bs_charset charset;
	int have_ctype;
	int have_disp_name;
	int digest; /* multipart/digest */
	size_t blen;
	char boundary[BS_MIME_BOUNDARY_MAX];
	size_t name_len;
	char name[MIME_NAME_MAX];
};

struct mime_level { /* one open multipart */
	size_t blen;
	unsigned nest; /* message/rfc822 nesting of its parts */
	int digest;
	int seen; /* a delimiter of this level has been seen */
	char boundary[BS_MIME_BOUNDARY_MAX];
};

struct bs_mime {
	enum bs_mime_mode mode;
	bs_tokenizer *tok;
	unsigned anomalies;

	/* line machine */
	int state;      /* ST_* in mime.c */
	int in_rest;    /* inside a line whose prefix was classified */
	int sink;       /* where the rest of that line goes: SINK_* in mime.c */
	int first_line; /* next line is the first of a message (mbox From_) */
	size_t lbuf_len;
	char lbuf[BS_MIME_LINE_PREFIX];

	/* header being read */
	enum mime_hdr hdr;
	size_t hlen;
	char hbuf[BS_MIME_HEADER_MAX];

	struct mime_part cur;
	struct mime_level levels[BS_MIME_MAX_DEPTH];
	unsigned depth; /* open multiparts */
	unsigned nest;  /* message/rfc822 nesting */

	/* held-back preamble of the innermost multipart */
	size_t pre_len;
	char pre[BS_MIME_PREAMBLE_MAX];

	/* content pipeline of the current text part */
	int pipe_open;
	bs_b64 b64;
	bs_qp qp;
	bs_html html;
	char dec[MIME_SLICE + BS_DECODE_SLACK];
	char conv[3 * (MIME_SLICE + BS_DECODE_SLACK)];
	char htm[3 * (MIME_SLICE + BS_DECODE_SLACK) + BS_HTML_SLACK];
};

/* mime_part.c */
void mime_part_defaults(bs_mime *m, int digest);
void mime_header_done(bs_mime *m);
enum mime_hdr mime_header_kind(const char *name, size_t len);
void mime_emit_name(bs_mime *m);
void mime_pipe_start(bs_mime *m, enum mime_kind kind);
void mime_pipe_feed(bs_mime *m, const char *p, size_t n);
void mime_pipe_end(bs_mime *m);

#endif
