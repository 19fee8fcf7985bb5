/*
 * fault.h - test-only fault injection, for the On-* tests
 * (tests/milter/faults.sh).
 *
 * Compiled in only when BS_FAULT_INJECTION is defined: `make check` builds
 * tests/milter/blindscore-milter-fault from the milter's sources with it;
 * the installed blindscore-milter has no fault points (fault_hit is the
 * constant 0 and this module is not linked).
 *
 * A fault is active while the file named by the environment variable
 * BS_FAULT_FILE contains the fault's name as one line, so a test switches
 * faults on and off while the milter runs, deterministically:
 *   spool     the spool writer fails the batch without writing anything
 *             (as a failed write(2) or fdatasync(2) would): On-SpoolError;
 *   internal  scoring at end of message fails: On-InternalError.
 */
#ifndef MILTER_FAULT_H
#define MILTER_FAULT_H

enum fault_point { FAULT_SPOOL, FAULT_INTERNAL };

#ifdef BS_FAULT_INJECTION
/* Is the fault active now?  (Reads the file each time; tests only.) */
int fault_hit(enum fault_point p);
#else
#define fault_hit(p) 0
#endif

#endif
