/*
 * outbound.h - which mail is scored: only outgoing mail (DESIGN.md section 8).
 *
 * A message is outgoing if its client is in InternalHosts, or the MTA's
 * {daemon_name} is listed in MTA, or the client authenticated ({auth_authen}
 * set) and ScoreAuthenticated is on.  A connection without a client address
 * (local submission) is outgoing.  At CONNECT only the first two can be
 * known; the callbacks accept a connection there when authentication could
 * not change the answer, otherwise at MAIL.
 */
#ifndef MILTER_OUTBOUND_H
#define MILTER_OUTBOUND_H

#include <stddef.h>
#include <sys/socket.h>

#include "conf.h"

enum outbound_verdict { OUTBOUND_NO = 0, OUTBOUND_YES = 1, OUTBOUND_UNKNOWN = -1 };

/*
 * at_mail = 0: the CONNECT-time answer (auth ignored; UNKNOWN when only
 * authentication could make the mail outgoing).  at_mail = 1: the final
 * answer for one message.  For NO, why (if non-NULL) says why, without any
 * content of the message.
 */
enum outbound_verdict outbound_decide(const conf *cf, const struct sockaddr *client,
                                      const char *daemon_name, const char *auth, int at_mail,
                                      char *why, size_t whylen);

/* Client address as text for logs ("unknown" when there is none). */
void outbound_addr_text(const struct sockaddr *sa, char *out, size_t len);

#endif
