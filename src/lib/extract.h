/*
 * extract.h - one whole message in, its features out: the MIME walker (or
 * plain-text mode), the tokenizer and feature hashing wired together, so the
 * trainer, the audit and the plaintext scorer use the exact chain the milter
 * uses.
 *
 * Text mode BS_TEXT_AUTO picks plain text for a file whose first line starts
 * with "Subject:" and whose second line is not a header field ("Name:" with
 * no space before the colon) - the pre-tokenized Enron-Spam layout - and raw
 * RFC 822 otherwise.
 */
#ifndef BS_EXTRACT_H
#define BS_EXTRACT_H

#include <stddef.h>

#include "features.h"
#include "util.h"

enum bs_text_mode { BS_TEXT_AUTO = 0, BS_TEXT_RFC822, BS_TEXT_PLAIN };

typedef struct bs_extractor bs_extractor;

bs_extractor *bs_extractor_new(const bs_feature_params *fp, enum bs_text_mode mode, bs_error *err);
void bs_extractor_free(bs_extractor *x);
/* The features object inside (to set a tap). */
bs_features *bs_extractor_features(bs_extractor *x);

/* Features of one whole message, sorted by bucket, counts clipped; valid
 * until the next call. */
size_t bs_extract(bs_extractor *x, const char *msg, size_t len, const bs_feature **out);

/* BS_TEXT_PLAIN or BS_TEXT_RFC822 for this message, by the rule above. */
enum bs_text_mode bs_text_mode_guess(const char *msg, size_t len);

#endif
