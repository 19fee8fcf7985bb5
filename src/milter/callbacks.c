/*
 * callbacks.c - libmilter callbacks.
 *
 * State: one struct conn per connection (smfi_setpriv at option
 * negotiation, freed at CLOSE) holding the client's address and daemon name and, reused by every
 * message of the connection, the tokenizer, MIME walker and feature table.
 * A message starts at MAIL (it pins the active configuration) and ends at
 * EOM or ABORT (reset, pin released).  Mail that is not outgoing is accepted
 * at the earliest callback that can tell, except that with LogWhy the
 * reason line waits for the MTA's queue id (Postfix has none at MAIL; it
 * sends {i} at DATA, or at a RCPT after the first): such mail is accepted at
 * the first later callback that has it.  Once MaximumScannedBytes is
 * reached, body chunks are answered with SMFIS_SKIP when the MTA offered
 * SMFIP_SKIP (Postfix and Sendmail do), so it stops sending them.  Every
 * path returns a defined SMFIS_ result; failures map to the On-* actions.
 *
 * Headers and end of headers are answered with SMFIS_NOREPLY when the MTA
 * offers SMFIP_NR_HDR and SMFIP_NR_EOH and the milter listens on a unix
 * socket: nothing is decided there (mail that is not outgoing has been
 * accepted at DATA at the latest), and a reply per header costs both sides
 * a round trip (make bench: libmilter's share of the milter's CPU per
 * message falls by about a quarter).  Not on inet sockets: an MTA that
 * writes commands without waiting for replies would meet Nagle's algorithm
 * against delayed ACKs there (DESIGN.md 8).
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "active.h"
#include "callbacks.h"
#include "fault.h"
#include "features.h"
#include "log.h"
#include "mime.h"
#include "outbound.h"
#include "record.h"
#include "spoolq.h"
#include "tokenize.h"

typedef struct conn {
	struct sockaddr_storage addr;
	int has_addr;
	char daemon[128];
	int has_daemon;
	int can_skip; /* the MTA understands SMFIS_SKIP */
	int nr_hdr;   /* SMFIP_NR_HDR and SMFIP_NR_EOH negotiated */
	/* the message in progress */
	active *act; /* pinned; NULL between messages */
	int scoring;
	int not_outgoing; /* accept at the first callback with a queue id (LogWhy) */
	char why[256];    /* ... and log this reason then */
	unsigned long scanned;
	int truncated;
	unsigned nrcpt;
	unsigned existing; /* headers named HeaderName seen */
	char qid[BS_RECORD_TEXT_MAX + 1];
	char sender[BS_RECORD_TEXT_MAX + 1];
	char msgid[BS_RECORD_TEXT_MAX + 1];
	/* the scanning pipeline, kept across messages */
	bs_tokenizer tok;
	bs_mime *mime;
	bs_features *feat;
	bs_feature_params feat_fp; /* the parameters feat was made with */
} conn;

static sfsistat action_result(enum conf_action a, SMFICTX *ctx, const char *qid,
                              const char *code_text)
{
	switch (a) {
	case ACTION_ACCEPT:
		stats_inc(STAT_ACCEPTED);
		return SMFIS_ACCEPT;
	case ACTION_REJECT:
		stats_inc(STAT_REJECTED);
		if (smfi_setreply(ctx, "550", "5.7.1", (char *)code_text) != MI_SUCCESS)
			log_msg(LOG_WARNING, qid, "smfi_setreply failed");
		return SMFIS_REJECT;
	case ACTION_TEMPFAIL:
	default:
		stats_inc(STAT_TEMPFAILED);
		if (smfi_setreply(ctx, "451", "4.7.1", (char *)code_text) != MI_SUCCESS)
			log_msg(LOG_WARNING, qid, "smfi_setreply failed");
		return SMFIS_TEMPFAIL;
	}
}

static void message_end(conn *c)
{
	active_release(c->act);
	c->act = NULL;
	c->scoring = 0;
	c->not_outgoing = 0;
	c->why[0] = '\0';
	c->scanned = 0;
	c->truncated = 0;
	c->nrcpt = 0;
	c->existing = 0;
	c->qid[0] = c->sender[0] = c->msgid[0] = '\0';
}

static void conn_free(conn *c)
{
	if (c == NULL)
		return;
	message_end(c);
	bs_mime_free(c->mime);
	bs_features_free(c->feat);
	free(c);
}

/* The queue id, once the MTA has sent it ({i}: Sendmail at MAIL, Postfix at
 * DATA or at a RCPT after the first; libmilter keeps earlier macros). */
static void note_qid(conn *c, SMFICTX *ctx)
{
	if (c->qid[0])
		return;
	const char *i = smfi_getsymval(ctx, "i");
	if (i)
		bs_record_set_text(c->qid, i);
}

/* The connection's state, made at negotiation (or here if there was none). */
static conn *conn_get(SMFICTX *ctx)
{
	conn *c = smfi_getpriv(ctx);
	if (c)
		return c;
	c = calloc(1, sizeof *c);
	if (c == NULL) {
		log_msg(LOG_ERR, NULL, "out of memory for a new connection");
		return NULL;
	}
	if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
		log_msg(LOG_ERR, NULL, "smfi_setpriv failed");
		free(c);
		return NULL;
	}
	return c;
}

/* Whether the milter listens on a unix socket (the Socket option does not
 * change at reload). */
static int unix_socket(void)
{
	active *a = active_acquire();
	int r = a && a->cf && a->cf->socket &&
	        (strncmp(a->cf->socket, "unix:", 5) == 0 || strncmp(a->cf->socket, "local:", 6) == 0 ||
	         a->cf->socket[0] == '/');
	active_release(a);
	return r;
}

/* Ask for the header actions and the protocol steps we have callbacks for,
 * for SMFIS_SKIP when the MTA offers it, and for no replies to headers on a
 * unix socket (above). */
static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
	(void)f2;
	(void)f3;
	const unsigned long actions = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
	if ((f0 & actions) != actions) {
		log_msg(LOG_ERR, NULL,
		        "the MTA does not let milters add and remove headers (actions 0x%lx): "
		        "connection refused",
		        f0);
		return SMFIS_REJECT;
	}
	conn *c = conn_get(ctx);
	if (c == NULL)
		return SMFIS_REJECT;
	c->can_skip = (f1 & SMFIP_SKIP) != 0;
	const unsigned long nr = SMFIP_NR_HDR | SMFIP_NR_EOH;
	c->nr_hdr = (f1 & nr) == nr && unix_socket();
	*pf0 = actions;
	*pf1 = f1 & (SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_SKIP | (c->nr_hdr ? nr : 0));
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)host;
	stats_inc(STAT_CONNECTIONS);
	conn *c = conn_get(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	if (sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
		size_t len = sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
		                                      : sizeof(struct sockaddr_in6);
		memcpy(&c->addr, sa, len);
		c->has_addr = 1;
	}
	const char *d = smfi_getsymval(ctx, "{daemon_name}");
	if (d) {
		snprintf(c->daemon, sizeof c->daemon, "%s", d);
		c->has_daemon = 1;
	}
	active *a = active_acquire();
	if (a) {
		char why[256];
		enum outbound_verdict v =
		    outbound_decide(a->cf, c->has_addr ? (struct sockaddr *)&c->addr : NULL,
		                    c->has_daemon ? c->daemon : NULL, NULL, 0, why, sizeof why);
		int log_why = a->cf->log_why;
		active_release(a);
		if (v == OUTBOUND_NO) {
			if (log_why)
				log_msg(LOG_INFO, NULL, "connection accepted unscanned, %s", why);
			stats_inc(STAT_NOT_OUTGOING);
			return SMFIS_ACCEPT; /* c is freed at CLOSE */
		}
	}
	return SMFIS_CONTINUE;
}

/* Make the pipeline fit the pinned model (new features if its parameters
 * changed).  -1 on failure. */
static int pipeline_ready(conn *c)
{
	if (c->feat == NULL || memcmp(&c->act->em->fp, &c->feat_fp, sizeof c->feat_fp) != 0) {
		bs_error err;
		bs_features *f = bs_features_new(&c->act->em->fp, &err);
		if (f == NULL) {
			log_msg(LOG_ERR, c->qid, "cannot set up feature hashing: %s", err.msg);
			return -1;
		}
		bs_features_free(c->feat);
		c->feat = f;
		c->feat_fp = c->act->em->fp;
		bs_features_attach(c->feat, &c->tok);
		if (c->mime == NULL) {
			c->mime = bs_mime_new(BS_MIME_RFC822, &c->tok);
			if (c->mime == NULL) {
				log_msg(LOG_ERR, c->qid, "cannot set up the MIME walker");
				return -1;
			}
		}
	}
	bs_features_reset(c->feat);
	bs_mime_reset(c->mime);
	return 0;
}

/* The envelope sender as blindscore-spool(5) stores it: without the angle
 * brackets the MTA passes ("<a@example.org>" -> "a@example.org"), as
 * OpenDKIM strips them; the null sender stays "<>". */
static void copy_sender(conn *c, const char *v)
{
	size_t n = strlen(v);
	if (n > 2 && v[0] == '<' && v[n - 1] == '>') {
		char buf[BS_RECORD_TEXT_MAX + 1];
		n -= 2;
		if (n > BS_RECORD_TEXT_MAX)
			n = BS_RECORD_TEXT_MAX;
		memcpy(buf, v + 1, n);
		buf[n] = '\0';
		bs_record_set_text(c->sender, buf);
	} else {
		bs_record_set_text(c->sender, v);
	}
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
	conn *c = smfi_getpriv(ctx);
	if (c == NULL) {
		log_msg(LOG_ERR, NULL, "MAIL: no connection state");
		return SMFIS_TEMPFAIL;
	}
	message_end(c); /* a message that ended without EOM or ABORT */
	stats_inc(STAT_MESSAGES);
	note_qid(c, ctx);
	c->act = active_acquire();
	if (c->act == NULL) {
		log_msg(LOG_ERR, c->qid, "no configuration loaded");
		return SMFIS_TEMPFAIL;
	}
	const conf *cf = c->act->cf;
	char why[256];
	const char *auth = smfi_getsymval(ctx, "{auth_authen}");
	enum outbound_verdict v =
	    outbound_decide(cf, c->has_addr ? (struct sockaddr *)&c->addr : NULL,
	                    c->has_daemon ? c->daemon : NULL, auth, 1, why, sizeof why);
	if (v != OUTBOUND_YES) {
		stats_inc(STAT_NOT_OUTGOING);
		if (cf->log_why && c->qid[0] == '\0') {
			/* log (and accept) once the queue id is known */
			c->not_outgoing = 1;
			snprintf(c->why, sizeof c->why, "%s", why);
			active_release(c->act); /* nothing of this message is scored */
			c->act = NULL;
			return SMFIS_CONTINUE;
		}
		if (cf->log_why)
			log_msg(LOG_INFO, c->qid, "message accepted unscanned, %s", why);
		message_end(c);
		return SMFIS_ACCEPT;
	}
	if (c->act->em == NULL || c->act->sc == NULL) {
		log_msg(LOG_ERR, c->qid, "no model loaded (%s): On-NoModel %s", c->act->problem,
		        conf_action_name(cf->on_no_model));
		sfsistat r =
		    action_result(cf->on_no_model, ctx, c->qid, "scoring is not available");
		message_end(c);
		return r;
	}
	if (pipeline_ready(c) < 0) {
		sfsistat r = action_result(cf->on_internal_error, ctx, c->qid, "internal error");
		message_end(c);
		return r;
	}
	if (argv && argv[0])
		copy_sender(c, argv[0]);
	c->scoring = 1;
	return SMFIS_CONTINUE;
}

/* Mail found not outgoing at MAIL while the queue id was unknown: log the
 * reason with the queue id once the MTA has sent it (or, with `last`, at
 * the last callback before the content, with whatever is known) and accept
 * the message.  SMFIS_CONTINUE while still waiting. */
static sfsistat not_outgoing_accept(conn *c, SMFICTX *ctx, int last)
{
	note_qid(c, ctx);
	if (c->qid[0] == '\0' && !last)
		return SMFIS_CONTINUE;
	log_msg(LOG_INFO, c->qid, "message accepted unscanned, %s", c->why);
	message_end(c);
	return SMFIS_ACCEPT;
}

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
	conn *c = smfi_getpriv(ctx);
	(void)argv;
	if (c && c->not_outgoing)
		return not_outgoing_accept(c, ctx, 0);
	if (c && c->scoring)
		c->nrcpt++;
	return SMFIS_CONTINUE;
}

static sfsistat cb_data(SMFICTX *ctx)
{
	/* also present so that Postfix expects a reply (TCP stalls, DESIGN.md 8) */
	conn *c = smfi_getpriv(ctx);
	if (c && c->not_outgoing)
		return not_outgoing_accept(c, ctx, 1);
	return SMFIS_CONTINUE;
}

/* Take up to n more bytes of the budget; the rest is cut and flagged. */
static size_t budget(conn *c, size_t n)
{
	unsigned long max = c->act->cf->max_scanned;
	if (max == 0)
		return n;
	if (c->truncated || c->scanned >= max) {
		c->truncated = 1;
		return 0;
	}
	if (n > max - c->scanned) {
		n = max - c->scanned;
		c->truncated = 1;
	}
	c->scanned += n;
	return n;
}

static void copy_msgid(conn *c, const char *v)
{
	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	char buf[BS_RECORD_TEXT_MAX + 1];
	size_t n = 0;
	for (; *v && n < BS_RECORD_TEXT_MAX; v++)
		if (*v != '\r' && *v != '\n')
			buf[n++] = *v;
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	bs_record_set_text(c->msgid, buf);
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
	conn *c = smfi_getpriv(ctx);
	const sfsistat go = c && c->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
	if (c && c->not_outgoing) /* an MTA without the DATA step */
		return c->nr_hdr ? go : not_outgoing_accept(c, ctx, 1);
	if (c == NULL || !c->scoring)
		return go;
	if (strcasecmp(name, c->act->cf->header_name) == 0)
		c->existing++;
	if (strcasecmp(name, "Message-ID") == 0 && c->msgid[0] == '\0')
		copy_msgid(c, value);
	size_t n = strlen(name) + strlen(value) + 4; /* ": " and CRLF */
	if (budget(c, n) == n)
		bs_mime_header(c->mime, name, value);
	return go;
}

static sfsistat cb_eoh(SMFICTX *ctx)
{
	conn *c = smfi_getpriv(ctx);
	const sfsistat go = c && c->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
	if (c && c->not_outgoing)
		return c->nr_hdr ? go : not_outgoing_accept(c, ctx, 1);
	if (c && c->scoring)
		bs_mime_end_headers(c->mime);
	return go;
}

static sfsistat cb_body(SMFICTX *ctx, unsigned char *buf, size_t len)
{
	conn *c = smfi_getpriv(ctx);
	if (c && c->not_outgoing)
		return not_outgoing_accept(c, ctx, 1);
	if (c == NULL || !c->scoring)
		return SMFIS_CONTINUE;
	size_t n = budget(c, len);
	if (n)
		bs_mime_body(c->mime, (const char *)buf, n);
	return c->truncated && c->can_skip ? SMFIS_SKIP : SMFIS_CONTINUE;
}

/* Remove the existing headers of our name, add ours.  -1 on failure. */
static int put_header(SMFICTX *ctx, conn *c, const mpz_t ct)
{
	const active *a = c->act;
	char *name = a->cf->header_name;
	char *value = bs_record_header_value(a->pk.keyid_hex, a->em->model_id_hex, ct, a->pk.bits);
	if (value == NULL) {
		log_msg(LOG_ERR, c->qid, "cannot format the %s header", name);
		return -1;
	}
	char *folded = bs_record_header_fold(value, strlen(name) + 2);
	free(value);
	if (folded == NULL) {
		log_msg(LOG_ERR, c->qid, "cannot fold the %s header", name);
		return -1;
	}
	int rc = 0;
	for (unsigned i = c->existing; i >= 1 && rc == 0; i--)
		if (smfi_chgheader(ctx, name, (int)i, NULL) != MI_SUCCESS) {
			log_msg(LOG_ERR, c->qid, "smfi_chgheader(%s, %u) failed", name, i);
			rc = -1;
		}
	if (rc == 0 && smfi_addheader(ctx, name, folded) != MI_SUCCESS) {
		log_msg(LOG_ERR, c->qid, "smfi_addheader(%s) failed", name);
		rc = -1;
	}
	free(folded);
	if (rc == 0)
		stats_inc(STAT_HEADERS);
	return rc;
}

static int put_record(conn *c, const mpz_t ct)
{
	const active *a = c->act;
	bs_record r;
	bs_error err;
	bs_record_init(&r);
	r.time = (int64_t)time(NULL);
	memcpy(r.queueid, c->qid, sizeof r.queueid);
	memcpy(r.msgid, c->msgid, sizeof r.msgid);
	memcpy(r.sender, c->sender, sizeof r.sender);
	r.nrcpt = c->nrcpt;
	memcpy(r.keyid, a->pk.keyid_hex, sizeof r.keyid);
	memcpy(r.modelid, a->em->model_id_hex, sizeof r.modelid);
	r.truncated = c->truncated;
	mpz_set(r.c, ct);
	int rc = spoolq_append(&r, &err);
	bs_record_clear(&r);
	if (rc < 0)
		log_msg(LOG_ERR, c->qid, "spool record not written: %s: On-SpoolError %s", err.msg,
		        conf_action_name(a->cf->on_spool_error));
	else
		stats_inc(STAT_SPOOLED);
	return rc;
}

static sfsistat cb_eom(SMFICTX *ctx)
{
	conn *c = smfi_getpriv(ctx);
	if (c && c->not_outgoing)
		return not_outgoing_accept(c, ctx, 1);
	if (c == NULL || !c->scoring) {
		if (c)
			message_end(c);
		return SMFIS_CONTINUE;
	}
	note_qid(c, ctx);
	const conf *cf = c->act->cf;
	if (fault_hit(FAULT_INTERNAL)) {
		log_msg(LOG_ERR, c->qid, "injected fault (test binary): On-InternalError %s",
		        conf_action_name(cf->on_internal_error));
		sfsistat r = action_result(cf->on_internal_error, ctx, c->qid, "internal error");
		message_end(c);
		return r;
	}
	bs_mime_finish(c->mime);
	const bs_feature *f;
	size_t n = bs_features_get(c->feat, &f);
	mpz_t ct;
	mpz_init(ct);
	bs_scorer_score(c->act->sc, f, n, ct);
	sfsistat r = SMFIS_CONTINUE;
	if (cf->add_header && put_header(ctx, c, ct) < 0) {
		log_msg(LOG_ERR, c->qid, "no score header: On-InternalError %s",
		        conf_action_name(cf->on_internal_error));
		r = action_result(cf->on_internal_error, ctx, c->qid, "internal error");
	} else if (cf->spool_file && put_record(c, ct) < 0)
		r = action_result(cf->on_spool_error, ctx, c->qid, "cannot record the message");
	mpz_clear(ct);
	if (r == SMFIS_CONTINUE) {
		stats_inc(STAT_SCORED);
		if (c->truncated)
			stats_inc(STAT_TRUNCATED);
		log_msg(LOG_INFO, c->qid, "scored: model=%.16s nrcpt=%u%s%s%s",
		        c->act->em->model_id_hex, c->nrcpt, c->truncated ? " truncated" : "",
		        cf->add_header ? " header" : "", cf->spool_file ? " spooled" : "");
	}
	message_end(c);
	return r;
}

static sfsistat cb_abort(SMFICTX *ctx)
{
	conn *c = smfi_getpriv(ctx);
	if (c && (c->act || c->not_outgoing)) {
		/* not outgoing and no queue id yet: the MTA dropped the message
		 * before DATA, so nothing was accepted and nothing is logged */
		if (c->act)
			stats_inc(STAT_ABORTED);
		message_end(c);
	}
	return SMFIS_CONTINUE;
}

static sfsistat cb_close(SMFICTX *ctx)
{
	conn *c = smfi_getpriv(ctx);
	if (c) {
		if (smfi_setpriv(ctx, NULL) != MI_SUCCESS)
			log_msg(LOG_WARNING, NULL, "close: smfi_setpriv failed");
		conn_free(c);
	}
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
    .xxfi_name = "blindscore",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
    .xxfi_connect = cb_connect,
    .xxfi_envfrom = cb_envfrom,
    .xxfi_envrcpt = cb_envrcpt,
    .xxfi_header = cb_header,
    .xxfi_eoh = cb_eoh,
    .xxfi_body = cb_body,
    .xxfi_eom = cb_eom,
    .xxfi_abort = cb_abort,
    .xxfi_close = cb_close,
    .xxfi_data = cb_data,
    .xxfi_negotiate = cb_negotiate,
};

struct smfiDesc *callbacks_desc(void)
{
	return &desc;
}
