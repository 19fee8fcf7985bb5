/*
 * mime_part.c - the meaning of a part's headers (Subject, Content-Type,
 * Content-Transfer-Encoding, Content-Disposition) and the content pipeline
 * base64/QP -> Latin-1 to UTF-8 -> HTML to text -> tokenizer (see mime.h).
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "mime_int.h"

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void mime_part_defaults(bs_mime *m, int digest)
{
	memset(&m->cur, 0, sizeof m->cur);
	m->cur.kind = digest ? KIND_MESSAGE : KIND_TEXT;
	m->cur.digest = 0;
}

enum mime_hdr mime_header_kind(const char *name, size_t len)
{
	static const struct {
		const char *name;
		enum mime_hdr kind;
	} known[] = {
	    {"subject", HDR_SUBJECT},
	    {"content-type", HDR_CTYPE},
	    {"content-transfer-encoding", HDR_CTE},
	    {"content-disposition", HDR_CDISP},
	};

	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (strlen(known[i].name) == len && strncasecmp(known[i].name, name, len) == 0)
			return known[i].kind;
	return HDR_NONE;
}

/* Find parameter `want` in a Content-Type or Content-Disposition value and
 * copy its (unquoted) value to out, cut to cap bytes.  *ext is set when the
 * parameter was given in RFC 2231 extended form (name* or name*0*).  Returns
 * the length, or -1 when absent. */
static long param_find(const char *v, size_t len, const char *want, char *out, size_t cap, int *ext)
{
	size_t wl = strlen(want), i = 0;

	while (i < len && v[i] != ';')
		i++;
	while (i < len) {
		while (i < len && (v[i] == ';' || is_ws(v[i])))
			i++;
		size_t ks = i;
		while (i < len && v[i] != '=' && v[i] != ';' && !is_ws(v[i]))
			i++;
		size_t kl = i - ks;
		while (i < len && is_ws(v[i]))
			i++;
		if (i >= len || v[i] != '=')
			continue;
		i++;
		while (i < len && is_ws(v[i]))
			i++;
		size_t n = 0;
		int quoted = i < len && v[i] == '"';
		char *o = out;
		if (quoted) {
			for (i++; i < len && v[i] != '"'; i++) {
				if (v[i] == '\\' && i + 1 < len)
					i++;
				if (n < cap)
					o[n++] = v[i];
			}
			i++;
		} else {
			for (; i < len && v[i] != ';' && !is_ws(v[i]); i++)
				if (n < cap)
					o[n++] = v[i];
		}
		const char *k = v + ks;
		if (kl < wl || strncasecmp(k, want, wl) != 0)
			continue;
		const char *tail = k + wl;
		size_t tl = kl - wl;
		if (tl == 0 || (tl == 2 && memcmp(tail, "*0", 2) == 0)) {
			*ext = 0;
			return (long)n;
		}
		if ((tl == 1 && tail[0] == '*') || (tl == 3 && memcmp(tail, "*0*", 3) == 0)) {
			*ext = 1;
			return (long)n;
		}
	}
	return -1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Store a file name parameter, decoded (RFC 2231 charset'lang'%XX, or RFC
 * 2047 words), in m->cur.name. */
static void part_set_name(bs_mime *m, const char *raw, size_t len, int ext)
{
	char tmp[MIME_NAME_MAX], conv[3 * MIME_NAME_MAX];
	size_t n = 0;

	if (ext) {
		const char *q1 = memchr(raw, '\'', len);
		const char *q2 = q1 ? memchr(q1 + 1, '\'', (size_t)(raw + len - q1 - 1)) : NULL;
		enum bs_charset cs = q1 ? bs_charset_lookup(raw, (size_t)(q1 - raw)) : BS_CS_RAW;
		size_t i = q2 ? (size_t)(q2 + 1 - raw) : 0;
		for (; i < len && n < sizeof tmp; i++) {
			int h1, h2;
			if (raw[i] == '%' && i + 2 < len && (h1 = hexval(raw[i + 1])) >= 0 &&
			    (h2 = hexval(raw[i + 2])) >= 0) {
				tmp[n++] = (char)(h1 << 4 | h2);
				i += 2;
			} else {
				tmp[n++] = raw[i];
			}
		}
		n = bs_charset_to_utf8(cs, tmp, n, conv);
	} else {
		n = bs_rfc2047_decode(raw, len, conv, sizeof conv);
	}
	if (n > MIME_NAME_MAX)
		n = MIME_NAME_MAX;
	memcpy(m->cur.name, conv, n);
	m->cur.name_len = n;
}

static void parse_ctype(bs_mime *m, const char *v, size_t len)
{
	struct mime_part *c = &m->cur;
	char buf[MIME_NAME_MAX];
	size_t i = 0, ts, tl, ss, sl;
	long n;
	int ext;

	if (c->have_ctype)
		return; /* the first Content-Type wins */
	c->have_ctype = 1;
	while (i < len && is_ws(v[i]))
		i++;
	ts = i;
	while (i < len && v[i] != '/' && v[i] != ';' && !is_ws(v[i]))
		i++;
	tl = i - ts;
	if (i >= len || v[i] != '/') {
		c->kind = KIND_TEXT; /* no subtype: invalid, RFC 2045 says text/plain */
	} else {
		ss = ++i;
		while (i < len && v[i] != ';' && !is_ws(v[i]))
			i++;
		sl = i - ss;
#define IS(s, l, lit) ((l) == sizeof(lit) - 1 && strncasecmp((s), (lit), (l)) == 0)
		if (IS(v + ts, tl, "text"))
			c->kind = IS(v + ss, sl, "html")                 ? KIND_HTML
			          : (sl == 0 || IS(v + ss, sl, "plain")) ? KIND_TEXT
			                                                 : KIND_SKIP;
		else if (IS(v + ts, tl, "multipart"))
			c->kind = KIND_MULTIPART, c->digest = IS(v + ss, sl, "digest");
		else if (IS(v + ts, tl, "message") && IS(v + ss, sl, "rfc822"))
			c->kind = KIND_MESSAGE;
		else
			c->kind = KIND_SKIP;
#undef IS
	}
	n = param_find(v, len, "charset", buf, sizeof buf, &ext);
	c->charset = n > 0 ? bs_charset_lookup(buf, (size_t)n) : BS_CS_RAW;
	n = param_find(v, len, "boundary", c->boundary, sizeof c->boundary, &ext);
	c->blen = n > 0 ? (size_t)n : 0;
	if (!c->have_disp_name && (n = param_find(v, len, "name", buf, sizeof buf, &ext)) > 0)
		part_set_name(m, buf, (size_t)n, ext);
}

static void parse_cdisp(bs_mime *m, const char *v, size_t len)
{
	char buf[MIME_NAME_MAX];
	int ext;
	long n = param_find(v, len, "filename", buf, sizeof buf, &ext);

	if (n > 0 && !m->cur.have_disp_name) {
		part_set_name(m, buf, (size_t)n, ext);
		m->cur.have_disp_name = 1;
	}
}

static void parse_cte(bs_mime *m, const char *v, size_t len)
{
	while (len > 0 && is_ws(*v))
		v++, len--;
	while (len > 0 && is_ws(v[len - 1]))
		len--;
	if (len == 6 && strncasecmp(v, "base64", 6) == 0)
		m->cur.cte = CTE_B64;
	else if (len == 16 && strncasecmp(v, "quoted-printable", 16) == 0)
		m->cur.cte = CTE_QP;
	else
		m->cur.cte = CTE_NONE;
}

static void emit_subject(bs_mime *m, const char *v, size_t len)
{
	/* m->conv is free while headers are read (no part pipeline is open) */
	size_t n;

	while (len > 0 && is_ws(*v))
		v++, len--;
	n = bs_rfc2047_decode(v, len, m->conv, sizeof m->conv);
	bs_tok_flush(m->tok);
	bs_tok_feed(m->tok, "Subject: ", 9);
	bs_tok_feed(m->tok, m->conv, n);
	bs_tok_feed(m->tok, "\n", 1);
	bs_tok_flush(m->tok);
}

void mime_header_done(bs_mime *m)
{
	switch (m->hdr) {
	case HDR_SUBJECT:
		emit_subject(m, m->hbuf, m->hlen);
		break;
	case HDR_CTYPE:
		parse_ctype(m, m->hbuf, m->hlen);
		break;
	case HDR_CTE:
		parse_cte(m, m->hbuf, m->hlen);
		break;
	case HDR_CDISP:
		parse_cdisp(m, m->hbuf, m->hlen);
		break;
	case HDR_NONE:
		break;
	}
	m->hdr = HDR_NONE;
	m->hlen = 0;
}

void mime_emit_name(bs_mime *m)
{
	if (m->cur.name_len == 0)
		return;
	bs_tok_flush(m->tok);
	bs_tok_feed(m->tok, m->cur.name, m->cur.name_len);
	bs_tok_flush(m->tok);
}

/* ---------------------------------------------------------------- pipeline */

void mime_pipe_start(bs_mime *m, enum mime_kind kind)
{
	m->cur.kind = kind;
	m->pipe_open = 1;
	bs_b64_init(&m->b64);
	bs_qp_init(&m->qp);
	bs_html_init(&m->html);
	bs_tok_flush(m->tok);
}

/* Decoded bytes (at most MIME_SLICE + BS_DECODE_SLACK) -> charset -> HTML -> tokens. */
static void pipe_emit(bs_mime *m, const char *d, size_t n)
{
	if (m->cur.charset == BS_CS_LATIN) {
		n = bs_charset_to_utf8(BS_CS_LATIN, d, n, m->conv);
		d = m->conv;
	}
	if (m->cur.kind == KIND_HTML) {
		n = bs_html_feed(&m->html, d, n, m->htm);
		d = m->htm;
	}
	bs_tok_feed(m->tok, d, n);
}

void mime_pipe_feed(bs_mime *m, const char *p, size_t n)
{
	if (!m->pipe_open)
		return;
	while (n > 0) {
		size_t take = n < MIME_SLICE ? n : MIME_SLICE;
		switch (m->cur.cte) {
		case CTE_B64:
			pipe_emit(m, m->dec, bs_b64_feed(&m->b64, p, take, m->dec));
			break;
		case CTE_QP:
			pipe_emit(m, m->dec, bs_qp_feed(&m->qp, p, take, m->dec));
			break;
		case CTE_NONE:
			pipe_emit(m, p, take);
			break;
		}
		p += take;
		n -= take;
	}
}

void mime_pipe_end(bs_mime *m)
{
	size_t n = 0;

	if (!m->pipe_open)
		return;
	if (m->cur.cte == CTE_B64)
		n = bs_b64_finish(&m->b64, m->dec);
	else if (m->cur.cte == CTE_QP)
		n = bs_qp_finish(&m->qp, m->dec);
	if (n)
		pipe_emit(m, m->dec, n);
	if (m->cur.kind == KIND_HTML) {
		n = bs_html_finish(&m->html, m->htm);
		bs_tok_feed(m->tok, m->htm, n);
	}
	bs_tok_flush(m->tok);
	m->pipe_open = 0;
}
