/*
 * outbound.c - the outgoing decision.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "outbound.h"

void outbound_addr_text(const struct sockaddr *sa, char *out, size_t len)
{
	const void *a = NULL;
	if (sa && sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa && sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (a == NULL || inet_ntop(sa->sa_family, a, out, (socklen_t)len) == NULL)
		snprintf(out, len, "unknown");
}

static int mta_listed(const conf *cf, const char *daemon_name)
{
	if (daemon_name == NULL)
		return 0;
	for (size_t i = 0; i < cf->nmta; i++)
		if (strcmp(cf->mta[i], daemon_name) == 0)
			return 1;
	return 0;
}

enum outbound_verdict outbound_decide(const conf *cf, const struct sockaddr *client,
                                      const char *daemon_name, const char *auth, int at_mail,
                                      char *why, size_t whylen)
{
	int has_addr = client && (client->sa_family == AF_INET || client->sa_family == AF_INET6);
	if (!has_addr)
		return OUTBOUND_YES; /* local submission */
	if (conf_internal_host(cf, client))
		return OUTBOUND_YES;
	if (mta_listed(cf, daemon_name))
		return OUTBOUND_YES;
	if (cf->score_authenticated) {
		if (!at_mail)
			return OUTBOUND_UNKNOWN;
		if (auth && auth[0])
			return OUTBOUND_YES;
	}
	if (why) {
		char addr[64];
		outbound_addr_text(client, addr, sizeof addr);
		snprintf(why, whylen,
		         "not outgoing: client %s not in InternalHosts, daemon '%s' not in MTA, %s",
		         addr, daemon_name ? daemon_name : "",
		         cf->score_authenticated ? "not authenticated"
		                                 : "authentication not considered");
	}
	return OUTBOUND_NO;
}
