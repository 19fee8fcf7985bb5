/*
 * html.c - streaming HTML to text (see html.h).
 */
#include "config.h"

#include <string.h>

#include "charset.h"
#include "html.h"

enum {
	H_TEXT = 0,
	H_LT,        /* after '<' */
	H_TAGNAME,   /* reading a tag name */
	H_TAG,       /* inside a tag, after its name */
	H_TAG_DQ,    /* inside a "..." attribute value */
	H_TAG_SQ,    /* inside a '...' attribute value */
	H_BANG,      /* after "<!" */
	H_BANG_DASH, /* after "<!-" */
	H_COMMENT,   /* inside <!-- ... -->; raw_match counts trailing '-' */
	H_RAW,       /* inside <script> or <style> */
	H_ENT,       /* after '&' */
};

static const char *const block_tags[] = {
    "address", "article", "aside", "blockquote", "body",   "br",       "button",  "caption",
    "center",  "dd",      "div",   "dl",         "dt",     "fieldset", "figure",  "footer",
    "form",    "frame",   "h1",    "h2",         "h3",     "h4",       "h5",      "h6",
    "head",    "header",  "hr",    "html",       "iframe", "img",      "input",   "li",
    "main",    "nav",     "ol",    "option",     "p",      "pre",      "section", "select",
    "table",   "tbody",   "td",    "textarea",   "tfoot",  "th",       "thead",   "title",
    "tr",      "ul",
};

struct named_ent {
	const char *name;
	unsigned long cp;
};

/* Case-sensitive names; the Latin-1 letters are listed in lower case and their
 * capital forms are handled in ent_named(). */
static const struct named_ent named_ents[] = {
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},      {"apos", '\''},
    {"nbsp", 0xA0},    {"copy", 0xA9},    {"reg", 0xAE},     {"trade", 0x2122},  {"euro", 0x20AC},
    {"cent", 0xA2},    {"pound", 0xA3},   {"yen", 0xA5},     {"sect", 0xA7},     {"deg", 0xB0},
    {"plusmn", 0xB1},  {"middot", 0xB7},  {"laquo", 0xAB},   {"raquo", 0xBB},    {"iexcl", 0xA1},
    {"iquest", 0xBF},  {"times", 0xD7},   {"divide", 0xF7},  {"shy", 0xAD},      {"ndash", 0x2013},
    {"mdash", 0x2014}, {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"sbquo", 0x201A},  {"ldquo", 0x201C},
    {"rdquo", 0x201D}, {"bdquo", 0x201E}, {"bull", 0x2022},  {"hellip", 0x2026}, {"szlig", 0xDF},
    {"agrave", 0xE0},  {"aacute", 0xE1},  {"acirc", 0xE2},   {"atilde", 0xE3},   {"auml", 0xE4},
    {"aring", 0xE5},   {"aelig", 0xE6},   {"ccedil", 0xE7},  {"egrave", 0xE8},   {"eacute", 0xE9},
    {"ecirc", 0xEA},   {"euml", 0xEB},    {"igrave", 0xEC},  {"iacute", 0xED},   {"icirc", 0xEE},
    {"iuml", 0xEF},    {"eth", 0xF0},     {"ntilde", 0xF1},  {"ograve", 0xF2},   {"oacute", 0xF3},
    {"ocirc", 0xF4},   {"otilde", 0xF5},  {"ouml", 0xF6},    {"oslash", 0xF8},   {"ugrave", 0xF9},
    {"uacute", 0xFA},  {"ucirc", 0xFB},   {"uuml", 0xFC},    {"yacute", 0xFD},   {"thorn", 0xFE},
    {"yuml", 0xFF},
};

void bs_html_init(bs_html *h)
{
	memset(h, 0, sizeof *h);
}

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/* Named reference -> code point, or 0. "Eacute" is "eacute" minus 0x20,
 * "AElig"/"ETH"/"THORN" likewise; "Yuml" is U+0178. */
static unsigned long ent_named(const char *name, size_t len)
{
	char low[BS_HTML_ENT_MAX];
	int capital = name[0] >= 'A' && name[0] <= 'Z';

	for (size_t i = 0; i < len; i++)
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	for (size_t i = 0; i < sizeof named_ents / sizeof *named_ents; i++) {
		const struct named_ent *e = &named_ents[i];
		if (strlen(e->name) != len)
			continue;
		if (!capital) {
			if (memcmp(e->name, name, len) == 0)
				return e->cp;
			continue;
		}
		if (memcmp(e->name, low, len) != 0)
			continue;
		if (e->cp == 0xFF)
			return 0x178;
		if (e->cp >= 0xE0 && e->cp <= 0xFE && e->cp != 0xF7)
			return e->cp - 0x20;
		return 0;
	}
	return 0;
}

/* Numeric reference body ("#233", "#xE9") -> code point, or 0 if malformed. */
static unsigned long ent_numeric(const char *name, size_t len)
{
	unsigned long v = 0;
	size_t i = 1;
	int hex = 0;

	if (i < len && (name[i] == 'x' || name[i] == 'X')) {
		hex = 1;
		i++;
	}
	if (i >= len)
		return 0;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return 0;
		v = v * (hex ? 16 : 10) + (unsigned long)d;
		if (v > 0x10FFFF)
			v = 0x110000; /* saturate: becomes U+FFFD */
	}
	return v == 0 ? 0xFFFD : v;
}

/* Write code point cp as the text a reader sees; returns bytes written. */
static size_t ent_put(unsigned long cp, char *out)
{
	if (cp == 0xA0) {
		*out = ' ';
		return 1;
	}
	if (cp >= 0x80 && cp <= 0x9F) {
		char b = (char)cp;
		return bs_charset_to_utf8(BS_CS_LATIN, &b, 1, out);
	}
	return bs_utf8_put(cp, out);
}

/* Try to decode the reference in h->name; returns bytes written or 0. */
static size_t ent_decode(const bs_html *h, char *out)
{
	unsigned long cp;

	if (h->name_len == 0)
		return 0;
	if (h->name[0] == '#')
		cp = ent_numeric(h->name, h->name_len);
	else
		cp = ent_named(h->name, h->name_len);
	return cp ? ent_put(cp, out) : 0;
}

static size_t ent_literal(const bs_html *h, char *out)
{
	out[0] = '&';
	memcpy(out + 1, h->name, h->name_len);
	return 1 + h->name_len;
}

/* A tag ended ('>'): returns 1 if it acts as whitespace; may enter H_RAW. */
static int tag_end(bs_html *h)
{
	const char *n = h->name;
	size_t len = h->name_len;

	h->state = H_TEXT;
	if (len >= BS_HTML_ENT_MAX)
		return 0;
	if (!h->closing && len == 6 && memcmp(n, "script", 6) == 0) {
		h->state = H_RAW;
		h->raw_kind = 1;
		h->raw_match = 0;
		return 1;
	}
	if (!h->closing && len == 5 && memcmp(n, "style", 5) == 0) {
		h->state = H_RAW;
		h->raw_kind = 2;
		h->raw_match = 0;
		return 1;
	}
	for (size_t i = 0; i < sizeof block_tags / sizeof *block_tags; i++)
		if (strlen(block_tags[i]) == len && memcmp(block_tags[i], n, len) == 0)
			return 1;
	return 0;
}

size_t bs_html_feed(bs_html *h, const char *in, size_t len, char *out)
{
	const unsigned char *p = (const unsigned char *)in, *end = p + len;
	size_t k = 0;

	while (p < end) {
		unsigned char c = *p;

		switch (h->state) {
		case H_TEXT:
			while (p < end && *p != '<' && *p != '&')
				out[k++] = (char)*p++;
			if (p == end)
				break;
			h->state = *p == '<' ? H_LT : H_ENT;
			h->name_len = 0;
			h->closing = 0;
			p++;
			break;
		case H_LT:
			if (c == '/') {
				h->closing = 1;
				h->state = H_TAGNAME;
			} else if (c == '!') {
				h->state = H_BANG;
			} else if (c == '?') {
				h->state = H_TAG;
				h->after_eq = 0;
			} else if (is_alpha(c)) {
				h->state = H_TAGNAME;
				continue; /* the letter starts the name */
			} else {
				out[k++] = '<';
				h->state = H_TEXT;
				continue;
			}
			p++;
			break;
		case H_TAGNAME:
			if (is_alnum(c) || c == '-' || c == ':') {
				if (h->name_len < BS_HTML_ENT_MAX)
					h->name[h->name_len++] =
					    (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
				p++;
				break;
			}
			h->state = H_TAG;
			h->after_eq = 0;
			continue; /* reprocess c inside the tag */
		case H_TAG:
			if (c == '>') {
				if (tag_end(h))
					out[k++] = ' ';
			} else if (c == '=') {
				h->after_eq = 1;
			} else if (h->after_eq && (c == '"' || c == '\'')) {
				h->state = c == '"' ? H_TAG_DQ : H_TAG_SQ;
			} else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
				h->after_eq = 0;
			}
			p++;
			break;
		case H_TAG_DQ:
		case H_TAG_SQ: {
			unsigned char q = h->state == H_TAG_DQ ? '"' : '\'';
			while (p < end && *p != q)
				p++;
			if (p < end) {
				h->state = H_TAG;
				h->after_eq = 0;
				p++;
			}
			break;
		}
		case H_BANG:
			if (c == '-') {
				h->state = H_BANG_DASH;
			} else if (c == '>') {
				h->state = H_TEXT;
			} else {
				h->state = H_TAG;
				h->name_len = 0;
				h->after_eq = 0;
			}
			p++;
			break;
		case H_BANG_DASH:
			if (c == '-') {
				h->state = H_COMMENT;
				h->raw_match = 0;
				p++;
			} else {
				h->state = H_TAG;
				h->name_len = 0;
				h->after_eq = 0;
			}
			break;
		case H_COMMENT:
			if (c == '-')
				h->raw_match++;
			else if (c == '>' && h->raw_match >= 2)
				h->state = H_TEXT;
			else
				h->raw_match = 0;
			p++;
			break;
		case H_RAW: {
			const char *target = h->raw_kind == 1 ? "</script" : "</style";
			int tlen = h->raw_kind == 1 ? 8 : 7;
			unsigned char lc = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			if (lc == (unsigned char)target[h->raw_match]) {
				if (++h->raw_match == tlen) {
					/* the rest of the end tag, up to '>', acts on nothing */
					h->state = H_TAG;
					h->closing = 1;
					h->name_len = 0;
					h->after_eq = 0;
				}
			} else {
				h->raw_match = c == '<' ? 1 : 0;
			}
			p++;
			break;
		}
		case H_ENT:
			if (c == ';') {
				size_t n = ent_decode(h, out + k);
				k += n ? n : ent_literal(h, out + k);
				if (!n)
					out[k++] = ';';
				h->state = H_TEXT;
				p++;
				break;
			}
			if ((is_alnum(c) || (c == '#' && h->name_len == 0)) &&
			    h->name_len < BS_HTML_ENT_MAX) {
				h->name[h->name_len++] = (char)c;
				p++;
				break;
			}
			/* no ';': decode if we can (browsers accept "&amp " and "&#233 "),
			 * else literal; either way reprocess c as text */
			{
				size_t n = ent_decode(h, out + k);
				k += n ? n : ent_literal(h, out + k);
			}
			h->state = H_TEXT;
			break;
		}
	}
	return k;
}

size_t bs_html_finish(bs_html *h, char *out)
{
	size_t k = 0;

	if (h->state == H_ENT) {
		size_t n = ent_decode(h, out);
		k = n ? n : ent_literal(h, out);
	} else if (h->state == H_LT) {
		out[k++] = '<';
	}
	bs_html_init(h);
	return k;
}
