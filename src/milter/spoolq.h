/*
 * spoolq.h - the milter's spool writer thread (DESIGN.md section 8).
 *
 * Callback threads hand records to one writer thread, which appends every
 * record waiting at that moment with one write and one fdatasync (group
 * commit, spool.h) and then wakes their threads: EOM is answered only after
 * the message's record is durable, and a failure reaches the caller (its
 * On-SpoolError action).  A reopen request (SIGUSR2, after logrotate) is
 * carried out by the writer thread between batches.
 */
#ifndef MILTER_SPOOLQ_H
#define MILTER_SPOOLQ_H

#include "record.h"
#include "util.h"

/* Open the spool (before dropping privileges) for a `bits`-bit key. */
int spoolq_open(const char *path, unsigned bits, bs_error *err);
/* Start the writer thread (after daemonizing). */
int spoolq_start(bs_error *err);
/* Key size of the open spool; 0 if none is open. */
unsigned spoolq_bits(void);
/* Append r (seq and prev are filled by the writer); returns when it is
 * durable (0) or failed (-1, err set).  r stays the caller's. */
int spoolq_append(const bs_record *r, bs_error *err);
void spoolq_reopen(void);
/* Write what is queued, stop the thread, close the file. */
void spoolq_stop(void);

#endif
