/*
 * extract.c - message -> MIME walker -> tokenizer -> features (see extract.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "mime.h"

struct bs_extractor {
	enum bs_text_mode mode;
	bs_features *f;
	bs_tokenizer tok;
	bs_mime *raw, *plain;
};

bs_extractor *bs_extractor_new(const bs_feature_params *fp, enum bs_text_mode mode, bs_error *err)
{
	bs_extractor *x = bs_xcalloc(1, sizeof *x);

	x->mode = mode;
	x->f = bs_features_new(fp, err);
	if (!x->f) {
		free(x);
		return NULL;
	}
	bs_features_attach(x->f, &x->tok);
	x->raw = bs_mime_new(BS_MIME_RFC822, &x->tok);
	x->plain = bs_mime_new(BS_MIME_PLAINTEXT, &x->tok);
	return x;
}

void bs_extractor_free(bs_extractor *x)
{
	if (!x)
		return;
	bs_mime_free(x->raw);
	bs_mime_free(x->plain);
	bs_features_free(x->f);
	free(x);
}

bs_features *bs_extractor_features(bs_extractor *x)
{
	return x->f;
}

static int is_header_line(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] > ' ' && s[i] < 127 && s[i] != ':')
		i++;
	return i > 0 && i < n && s[i] == ':';
}

enum bs_text_mode bs_text_mode_guess(const char *msg, size_t len)
{
	const char *nl;

	if (len < 8 || memcmp(msg, "Subject:", 8) != 0)
		return BS_TEXT_RFC822;
	nl = memchr(msg, '\n', len);
	if (!nl)
		return BS_TEXT_PLAIN;
	nl++;
	return is_header_line(nl, (size_t)(msg + len - nl)) ? BS_TEXT_RFC822 : BS_TEXT_PLAIN;
}

size_t bs_extract(bs_extractor *x, const char *msg, size_t len, const bs_feature **out)
{
	enum bs_text_mode mode = x->mode;
	bs_mime *m;

	if (mode == BS_TEXT_AUTO)
		mode = bs_text_mode_guess(msg, len);
	m = mode == BS_TEXT_PLAIN ? x->plain : x->raw;
	bs_features_reset(x->f);
	bs_mime_reset(m);
	bs_mime_feed(m, msg, len);
	bs_mime_finish(m);
	return bs_features_get(x->f, out);
}
