/*
 * harden.h - keeping a process's secrets out of core dumps and away from
 * other processes of the same user.
 *
 * For the programs that hold a secret key, a passphrase, decrypted scores or
 * an encryption seed (blindscore-keygen, blindscore-decrypt,
 * blindscore-encrypt): call bs_harden_nodump() first thing in main(), before
 * any secret is read.  It sets RLIMIT_CORE to 0 (soft and hard, so neither
 * the program nor a child can raise it again) and, on Linux,
 * prctl(PR_SET_DUMPABLE, 0): no core file even where core_pattern pipes to a
 * crash collector (systemd-coredump, apport) or fs.suid_dumpable is set,
 * /proc/PID/{environ,mem,maps,...} owned by root, and no ptrace attach by
 * the same unprivileged user.  Root (CAP_SYS_PTRACE) is not kept out.
 *
 * Returns 0, or -1 with err (BS_E_INTERNAL: these calls do not fail on
 * Linux); a program should then refuse to go on.  The milter does not call
 * it: it holds no secret (blindscore-milter(8), NOTES).
 */
#ifndef BS_HARDEN_H
#define BS_HARDEN_H

#include "util.h"

int bs_harden_nodump(bs_error *err);

#endif
