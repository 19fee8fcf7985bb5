/*
 * harden.c - no core dumps, not dumpable (harden.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "harden.h"

int bs_harden_nodump(bs_error *err)
{
	const struct rlimit none = {0, 0};

	if (setrlimit(RLIMIT_CORE, &none) < 0)
		return bs_error_set(err, BS_E_INTERNAL, "cannot disable core dumps: setrlimit: %s",
		                    strerror(errno));
#ifdef PR_SET_DUMPABLE
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return bs_error_set(err, BS_E_INTERNAL,
		                    "cannot make the process non-dumpable: prctl: %s",
		                    strerror(errno));
#endif
	return 0;
}
