/*
 * mime.c - the MIME walker's line machine (see mime.h for the contract).
 *
 * Input is cut into lines, but a line is never stored whole: its first
 * BS_MIME_LINE_PREFIX bytes are collected in lbuf, which is enough to tell a
 * delimiter line or a header name; the line is then classified, its prefix
 * sent to a sink, and the rest of it streamed to the same sink up to the next
 * '\n'.  Sinks: the header buffer (bounded), the current part's content
 * pipeline (mime_part.c), the held-back preamble, or nowhere.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mime_int.h"
#include "util.h"

enum { ST_HEADERS = 0, ST_BODY, ST_PREAMBLE };
enum { SINK_DISCARD = 0, SINK_HEADER, SINK_BODY, SINK_PREAMBLE };

static void start_message(bs_mime *m)
{
	m->state = ST_HEADERS;
	m->first_line = 1;
	m->hdr = HDR_NONE;
	m->hlen = 0;
	mime_part_defaults(m, 0);
}

bs_mime *bs_mime_new(enum bs_mime_mode mode, bs_tokenizer *tok)
{
	bs_mime *m = bs_xcalloc(1, sizeof *m);

	m->mode = mode;
	m->tok = tok;
	bs_mime_reset(m);
	return m;
}

void bs_mime_free(bs_mime *m)
{
	free(m);
}

void bs_mime_reset(bs_mime *m)
{
	bs_tok_reset(m->tok);
	m->anomalies = 0;
	m->in_rest = 0;
	m->sink = SINK_DISCARD;
	m->lbuf_len = 0;
	m->depth = 0;
	m->nest = 0;
	m->pre_len = 0;
	m->pipe_open = 0;
	start_message(m);
}

unsigned bs_mime_anomalies(const bs_mime *m)
{
	return m->anomalies;
}

/* ---------------------------------------------------------------- sinks */

static void header_append(bs_mime *m, const char *p, size_t n)
{
	if (m->hdr == HDR_NONE)
		return;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r' || p[i] == '\n')
			continue; /* unfolding */
		if (m->hlen == sizeof m->hbuf) {
			m->anomalies |= BS_MIME_ANOM_LONG_HEADER;
			return;
		}
		m->hbuf[m->hlen++] = p[i];
	}
}

/* The boundary of the innermost multipart has not appeared: tokenize what was
 * held back as text/plain and go on streaming as text (mime.h). */
static void preamble_give_up(bs_mime *m)
{
	m->anomalies |= BS_MIME_ANOM_NO_BOUNDARY;
	m->cur.cte = CTE_NONE;
	m->cur.charset = BS_CS_RAW;
	mime_pipe_start(m, KIND_TEXT);
	mime_pipe_feed(m, m->pre, m->pre_len);
	m->pre_len = 0;
	m->state = ST_BODY;
}

static void sink_bytes(bs_mime *m, int sink, const char *p, size_t n)
{
	switch (sink) {
	case SINK_HEADER:
		header_append(m, p, n);
		break;
	case SINK_BODY:
		mime_pipe_feed(m, p, n);
		break;
	case SINK_PREAMBLE:
		if (m->state != ST_PREAMBLE) {
			mime_pipe_feed(m, p, n);
		} else if (n <= sizeof m->pre - m->pre_len) {
			memcpy(m->pre + m->pre_len, p, n);
			m->pre_len += n;
		} else {
			preamble_give_up(m);
			mime_pipe_feed(m, p, n);
		}
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------- structure */

static void end_headers(bs_mime *m)
{
	struct mime_part *c = &m->cur;

	mime_header_done(m);
	mime_emit_name(m);
	m->state = ST_BODY;
	switch (c->kind) {
	case KIND_MULTIPART:
		if (c->blen == 0) {
			m->anomalies |= BS_MIME_ANOM_NO_BOUNDARY;
			mime_pipe_start(m, KIND_TEXT);
		} else if (m->depth + m->nest >= BS_MIME_MAX_DEPTH) {
			m->anomalies |= BS_MIME_ANOM_DEPTH;
		} else {
			struct mime_level *l = &m->levels[m->depth++];
			memcpy(l->boundary, c->boundary, c->blen);
			l->blen = c->blen;
			l->nest = m->nest;
			l->digest = c->digest;
			l->seen = 0;
			m->pre_len = 0;
			m->state = ST_PREAMBLE;
		}
		break;
	case KIND_MESSAGE:
		if (m->depth + m->nest >= BS_MIME_MAX_DEPTH) {
			m->anomalies |= BS_MIME_ANOM_DEPTH;
		} else if (c->cte == CTE_NONE) {
			m->nest++;
			start_message(m);
		}
		break;
	case KIND_TEXT:
	case KIND_HTML:
		mime_pipe_start(m, c->kind);
		break;
	case KIND_SKIP:
		break;
	}
}

/* Is line l[0..n) (its prefix, if !complete) a delimiter of an open
 * multipart?  Searches innermost first. */
static int boundary_match(const bs_mime *m, const char *l, size_t n, unsigned *lvl, int *close)
{
	for (unsigned i = m->depth; i-- > 0;) {
		const struct mime_level *b = &m->levels[i];
		size_t j = 2 + b->blen;
		if (n < j || memcmp(l + 2, b->boundary, b->blen) != 0)
			continue;
		int c = n >= j + 2 && l[j] == '-' && l[j + 1] == '-';
		if (c)
			j += 2;
		while (j < n && (l[j] == ' ' || l[j] == '\t' || l[j] == '\r' || l[j] == '\n'))
			j++;
		if (j < n)
			continue; /* "--boundaryX": a longer boundary, or text */
		*lvl = i;
		*close = c;
		return 1;
	}
	return 0;
}

static void on_boundary(bs_mime *m, unsigned lvl, int close)
{
	if (m->state == ST_HEADERS)
		end_headers(m); /* a part that is all headers */
	if (m->state == ST_PREAMBLE && m->depth - 1 > lvl)
		preamble_give_up(m); /* an inner multipart never saw its boundary */
	mime_pipe_end(m);
	if (m->depth - 1 > lvl)
		m->anomalies |= BS_MIME_ANOM_UNCLOSED;
	m->depth = lvl + 1;
	m->nest = m->levels[lvl].nest;
	m->pre_len = 0;
	m->hdr = HDR_NONE;
	m->hlen = 0;
	if (close) {
		m->depth = lvl; /* the epilogue is skipped */
		m->state = ST_BODY;
		return;
	}
	m->levels[lvl].seen = 1;
	m->state = ST_HEADERS;
	m->first_line = 0;
	mime_part_defaults(m, m->levels[lvl].digest);
}

/* ---------------------------------------------------------------- lines */

static void rest_of_line(bs_mime *m, int complete, int sink)
{
	if (!complete) {
		m->in_rest = 1;
		m->sink = sink;
	}
}

static void dispatch(bs_mime *m, const char *l, size_t n, int complete);

static void header_line(bs_mime *m, const char *l, size_t n, int complete)
{
	size_t c = n, i = 0;

	if (complete && c > 0 && l[c - 1] == '\n')
		c--;
	if (complete && c > 0 && l[c - 1] == '\r')
		c--;
	if (c == 0) {
		end_headers(m); /* the blank line */
		return;
	}
	if (l[0] == ' ' || l[0] == '\t') {
		header_append(m, l, n);
		rest_of_line(m, complete, SINK_HEADER);
		return;
	}
	while (i < c && l[i] != ':' && (unsigned char)l[i] > ' ' && (unsigned char)l[i] < 0x7f)
		i++;
	if (i > 0 && i < c && l[i] == ':') {
		mime_header_done(m);
		m->hdr = mime_header_kind(l, i);
		header_append(m, l + i + 1, n - i - 1);
		rest_of_line(m, complete, SINK_HEADER);
		return;
	}
	/* neither a header nor a continuation: the body starts here */
	m->anomalies |= BS_MIME_ANOM_BAD_HEADER;
	end_headers(m);
	dispatch(m, l, n, complete);
}

static void dispatch(bs_mime *m, const char *l, size_t n, int complete)
{
	switch (m->state) {
	case ST_HEADERS:
		header_line(m, l, n, complete);
		break;
	case ST_PREAMBLE:
		sink_bytes(m, SINK_PREAMBLE, l, n);
		rest_of_line(m, complete, m->state == ST_PREAMBLE ? SINK_PREAMBLE : SINK_BODY);
		break;
	default:
		sink_bytes(m, SINK_BODY, l, n);
		rest_of_line(m, complete, SINK_BODY);
		break;
	}
}

/* lbuf holds a whole line (complete) or the first BS_MIME_LINE_PREFIX bytes
 * of a longer one. */
static void line(bs_mime *m, int complete)
{
	const char *l = m->lbuf;
	size_t n = m->lbuf_len;
	unsigned lvl;
	int close;

	m->lbuf_len = 0;
	if (m->first_line) {
		m->first_line = 0;
		if (n >= 5 && memcmp(l, "From ", 5) == 0) {
			rest_of_line(m, complete, SINK_DISCARD);
			return;
		}
	}
	if (m->depth > 0 && n >= 2 && l[0] == '-' && l[1] == '-' &&
	    boundary_match(m, l, n, &lvl, &close)) {
		on_boundary(m, lvl, close);
		rest_of_line(m, complete, SINK_DISCARD);
		return;
	}
	dispatch(m, l, n, complete);
}

void bs_mime_feed(bs_mime *m, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	if (m->mode == BS_MIME_PLAINTEXT) {
		bs_tok_feed(m->tok, buf, len);
		return;
	}
	while (p < end) {
		const char *q;
		size_t n;

		if (m->in_rest) {
			q = memchr(p, '\n', (size_t)(end - p));
			n = q ? (size_t)(q + 1 - p) : (size_t)(end - p);
			sink_bytes(m, m->sink, p, n);
			p += n;
			if (q)
				m->in_rest = 0;
			continue;
		}
		n = sizeof m->lbuf - m->lbuf_len;
		if (n > (size_t)(end - p))
			n = (size_t)(end - p);
		q = memchr(p, '\n', n);
		if (q)
			n = (size_t)(q + 1 - p);
		memcpy(m->lbuf + m->lbuf_len, p, n);
		m->lbuf_len += n;
		p += n;
		if (q)
			line(m, 1);
		else if (m->lbuf_len == sizeof m->lbuf)
			line(m, 0);
	}
}

/* ---------------------------------------------------------------- split mode */

void bs_mime_header(bs_mime *m, const char *name, const char *value)
{
	size_t vl = strlen(value);

	if (m->mode == BS_MIME_PLAINTEXT)
		return;
	while (vl > 0 && (value[vl - 1] == '\n' || value[vl - 1] == '\r'))
		vl--;
	/* the same bytes a raw message would carry; Postfix dropped the space */
	bs_mime_feed(m, name, strlen(name));
	bs_mime_feed(m, ": ", 2);
	bs_mime_feed(m, value, vl);
	bs_mime_feed(m, "\n", 1);
}

void bs_mime_end_headers(bs_mime *m)
{
	if (m->mode == BS_MIME_PLAINTEXT)
		return;
	bs_mime_feed(m, "\n", 1);
}

void bs_mime_body(bs_mime *m, const char *buf, size_t len)
{
	bs_mime_feed(m, buf, len);
}

void bs_mime_finish(bs_mime *m)
{
	if (m->mode == BS_MIME_RFC822) {
		if (m->in_rest)
			m->in_rest = 0;
		else if (m->lbuf_len > 0)
			line(m, 1); /* a last line without '\n' */
		if (m->state == ST_HEADERS)
			end_headers(m);
		if (m->state == ST_PREAMBLE)
			preamble_give_up(m);
		mime_pipe_end(m);
		if (m->depth > 0)
			m->anomalies |= BS_MIME_ANOM_UNCLOSED;
		m->depth = 0;
	}
	bs_tok_flush(m->tok);
}
