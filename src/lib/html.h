/*
 * html.h - streaming HTML to text for the MIME walker.
 *
 * A state machine fed arbitrary chunks of (UTF-8 or raw) HTML, writing the text
 * a reader would see, for the tokenizer:
 *   - tags are removed; block-level tags (br p div td tr li h1-h6 table ...,
 *     opening or closing) become one space, inline tags (b i span font a ...)
 *     become nothing, so "V<b></b>iagra" stays one word;
 *   - comments (<!-- ... -->), declarations (<!DOCTYPE ...>) and processing
 *     instructions are removed; the content of <script> and <style> is dropped;
 *   - character references are decoded to UTF-8: numeric (&#233; &#xE9;, with
 *     0x80..0x9F read as Windows-1252, as browsers do) and common named ones
 *     (&amp; &lt; &gt; &quot; &apos; the Latin-1 letters, typographic quotes and
 *     dashes ...); &nbsp; and &#160; become an ASCII space; an unknown or
 *     overlong reference is passed through literally;
 *   - a '<' not followed by a letter, '/', '!' or '?' is text.
 * An unterminated comment, tag or quoted attribute swallows the rest of the part
 * (as in a browser).  State is a few bytes; nothing is allocated.
 */
#ifndef BS_HTML_H
#define BS_HTML_H

#include <stddef.h>

/* Output of one bs_html_feed call is at most len + BS_HTML_SLACK bytes. */
#define BS_HTML_ENT_MAX 32
#define BS_HTML_SLACK   (BS_HTML_ENT_MAX + 16)

typedef struct bs_html {
	int state;
	int closing;     /* tag began with '/' */
	int after_eq;    /* in a tag, last non-space byte was '=' */
	int raw_match;   /* in <script>/<style>: bytes of "</script" matched */
	int raw_kind;    /* 1 script, 2 style */
	size_t name_len; /* bytes in name (tag name or entity) */
	char name[BS_HTML_ENT_MAX];
} bs_html;

void bs_html_init(bs_html *h);
/* Convert in[0..len) into out (capacity len + BS_HTML_SLACK); returns bytes written. */
size_t bs_html_feed(bs_html *h, const char *in, size_t len, char *out);
/* End of the part: emit a pending literal (an unfinished "&name" or "<");
 * returns bytes written (<= BS_HTML_SLACK). */
size_t bs_html_finish(bs_html *h, char *out);

#endif
