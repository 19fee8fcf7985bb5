/*
 * spool.h - the append-only, hash-chained score spool (blindscore-spool(5)):
 * a writer for the milter and blindscore-score --encrypt, and a streaming
 * verifier for blindscore-decrypt.
 *
 * Writer contract
 *   - The file is opened O_WRONLY|O_APPEND|O_CREAT, mode 0640 (the key
 *     holder's collection group may read; others nothing), and locked with
 *     flock(LOCK_EX|LOCK_NB): a second writer on the same file is refused,
 *     since two writers would fork the chain.  A newly created file's
 *     directory is fsync'ed.
 *   - At open the chain state (last seq, SHA-256 of the last record line) is
 *     recovered from the tail of the file.  If the file does not end in LF
 *     (a write torn by a crash), the fragment is never
 *     removed (the file stays append-only): if it is a complete record that
 *     continues the chain it is kept and completed with a LF; otherwise a LF
 *     is appended to end the fragment, the fragment's size is reported in
 *     bs_spool_open_info.torn_bytes, and the chain continues from the last
 *     complete record.  The reader recognises such a fragment.  No complete
 *     record is ever lost.
 *   - An empty (or new) file continues the chain from `rotated` (e.g. the
 *     logrotate'd "spool.1") when given and present, so that restarting after
 *     rotation keeps one chain; otherwise the chain starts at seq 1.
 *   - bs_spool_writer_append writes a batch of records with one write(2) and
 *     one fdatasync(2) (group commit), filling each record's seq and prev.
 *     On return 0 every record is durable.  On -1 none of them may be
 *     acknowledged, and the batch is cut off again (ftruncate to the size
 *     before it): a full disk leaves no partial record and no record of a
 *     message that will be tempfailed and scored again.  Only if that cut
 *     fails too does the writer re-read its state from the file before the
 *     next append (as at open), so a partly written batch is never
 *     overwritten and the chain stays consistent.  This is the one case in
 *     which the file shrinks: by bytes no one was told are written.
 *   - bs_spool_writer_reopen (SIGUSR2 after logrotate) opens the path again:
 *     an empty new file continues the chain from memory; a non-empty one must
 *     end exactly where this writer's chain is, or it is refused.
 *   - Thread-safety: a writer is used by one thread at a time (the milter
 *     serialises through its writer thread and queue).
 *
 * Verifier contract
 *   Feed lines in order (across several files given in order: the chain
 *   continues); each line is parsed strictly and checked against the chain.
 *   Problems are passed to a callback with the file, the line and a sentence;
 *   the verifier always continues after a bad line.  A problem that makes an
 *   earlier record untrustworthy (its hash does not match the next record's
 *   prev) names that record's index so that the caller can withhold it.
 *   Out-of-order records are checked against both chain neighbours whenever
 *   they arrive, and gaps are reported at the end (bs_spool_verifier_finish).
 *   The last record of a chain is covered by no later hash: an edit to it
 *   alone cannot be detected (stated in the man page).
 */
#ifndef BS_SPOOL_H
#define BS_SPOOL_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "record.h"
#include "util.h"

#define BS_SPOOL_MODE 0640

typedef struct bs_spool_state {
	uint64_t seq;                  /* last record written; 0 = none yet */
	char hash[BS_HASH_HEXLEN + 1]; /* its line's SHA-256; 64 zeros if none */
} bs_spool_state;

/* What opening found, for the caller to log. */
typedef struct bs_spool_open_info {
	size_t torn_bytes; /* bytes of a torn last line that was closed with a LF */
	int completed;     /* the last line lacked only its LF; a LF was added */
	int from_rotated;  /* the state came from the rotated file */
	bs_spool_state state;
} bs_spool_open_info;

typedef struct bs_spool_writer bs_spool_writer;

/* Open (creating) `path` for appending records of a `bits`-bit key;
 * `rotated` may be NULL.  info may be NULL. */
bs_spool_writer *bs_spool_writer_open(const char *path, const char *rotated, unsigned bits,
                                      bs_spool_open_info *info, bs_error *err);
/* Append n records durably; fills their seq and prev. */
int bs_spool_writer_append(bs_spool_writer *w, bs_record *recs, size_t n, bs_error *err);
/* Reopen the same path (after logrotate). info may be NULL. */
int bs_spool_writer_reopen(bs_spool_writer *w, bs_spool_open_info *info, bs_error *err);
void bs_spool_writer_state(const bs_spool_writer *w, bs_spool_state *st);
/* Close and free (the records written are already durable). */
void bs_spool_writer_close(bs_spool_writer *w);

/*
 * Read the chain state at the end of an open spool file: the last line that
 * is a valid record (searching backwards past fragments), and the size of a
 * trailing fragment without LF (0 if the file ends in LF).  A fragment that
 * parses as a complete record continuing the chain counts as a record, with
 * *complete set.  st->seq = 0 if the file holds no record.
 */
int bs_spool_tail_state(int fd, const char *name, bs_spool_state *st, size_t *torn, int *complete,
                        bs_error *err);

/* ---- verifier */

enum bs_spool_problem {
	BS_SPOOL_MALFORMED = 1, /* a line that is not a valid record */
	BS_SPOOL_TORN,          /* last line of the input without LF */
	BS_SPOOL_FRAGMENT,      /* a torn write closed by the writer; chain intact (warning) */
	BS_SPOOL_MISSING,       /* records absent from the chain (seq gap) */
	BS_SPOOL_REORDERED,     /* a record after one with a higher seq */
	BS_SPOOL_DUPLICATE,     /* the same record again */
	BS_SPOOL_MODIFIED,    /* hash chain broken: a record differs from what the next recorded */
	BS_SPOOL_CHAIN_START, /* the chain starts after seq 1 (earlier files not given; info) */
};

typedef struct bs_spool_issue {
	enum bs_spool_problem kind;
	int error;        /* 1: counts as a bad input; 0: warning or information */
	const char *file; /* where */
	unsigned long line;
	unsigned long record; /* index (from 1) of the record it condemns; 0 = none */
	char msg[512];        /* sentence without the file/line prefix */
} bs_spool_issue;

typedef void (*bs_spool_issue_fn)(void *arg, const bs_spool_issue *is);

typedef struct bs_spool_verifier bs_spool_verifier;

bs_spool_verifier *bs_spool_verifier_new(bs_spool_issue_fn fn, void *arg);
void bs_spool_verifier_free(bs_spool_verifier *v);

/*
 * Read the next record of f (named `name` in messages; the pointer must stay
 * valid until the verifier is freed).  Returns 1 with *r filled, *index set
 * (1, 2, ... across files) and *lineno set; 0 at the end of f; -1 on a read
 * error (err).  Malformed lines and duplicates are reported and skipped.
 */
int bs_spool_verifier_read(bs_spool_verifier *v, FILE *f, const char *name, bs_record *r,
                           unsigned long *index, unsigned long *lineno, bs_error *err);
/* Feed one line (the core of _read): returns 1 if it is a new record. */
int bs_spool_verifier_line(bs_spool_verifier *v, const char *name, unsigned long lineno,
                           const char *line, size_t len, int has_lf, bs_record *r,
                           unsigned long *index);
/* End of all input: reports a pending fragment and every gap. */
void bs_spool_verifier_finish(bs_spool_verifier *v);
/* Number of issues with error = 1 so far. */
unsigned long bs_spool_verifier_errors(const bs_spool_verifier *v);

#endif
