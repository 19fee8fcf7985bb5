# lib-postfix.sh - a private Postfix with blindscore-milter on 127.0.0.1,
# sourced (". contrib/lib-postfix.sh") by tests/postfix/*.sh and
# contrib/quickstart.  POSIX sh; needs root (Postfix's master runs as root).
#
# It never touches /etc/postfix, the system's Postfix or port 25: everything
# lives under one work directory, on free loopback ports:
#
#   DIR/postfix/     main.cf, master.cf (postfix -c DIR/postfix)
#   DIR/queue/       queue_directory;  DIR/data/  data_directory
#   DIR/log/postfix.log   Postfix's log (maillog_file, postlogd)
#   DIR/sink/        smtp-sink's dump: one file per delivered message
#   DIR/milter/      blindscore.conf, spool, milter.log
#   DIR/run/         the milter's socket and pid file (owned by its user)
#   DIR/auth.sock    demo-auth, the fake Dovecot SASL server
#
# Services (smtpd_milters = non_smtpd_milters = the milter's unix socket,
# milter_protocol 6, milter_default_action tempfail, no DNS, chroot n):
#   127.0.0.1:$BSPF_PORT_SMTP  "smtp": mail from 127.0.0.1 is outgoing (the
#       milter's InternalHosts), from 127.0.0.2 inbound; AUTH is offered.
#   127.0.0.1:$BSPF_PORT_SUB   "submission": -o milter_macro_daemon_name=
#       ORIGINATING, SASL AUTH through demo-auth ($BSPF_USER/$BSPF_PASS).
#   relayhost = smtp-sink on 127.0.0.1:$BSPF_PORT_SINK (run as postfix).
# Loopback (127.0.0.0/8) may relay; example.org is a relay domain.
#
# Use:  bspf_init DIR; bspf_milter_conf EXTRA...; bspf_start; ...; bspf_stop
# bspf_start installs an EXIT (and HUP/INT/PIPE/TERM) trap that calls bspf_stop, then
# evaluates the caller's $BSPF_ON_EXIT (with $_rc, the exit status).
# bspf_stop is idempotent and waits for everything it started, including
# the milter's ~5 s exit.
#
# Inputs (environment): BSPF_MILTER (blindscore-milter), BSPF_MILTER_FLAGS
# (e.g. -T for test keys), BSPF_CONTRIB (this directory, for demo-auth),
# BSPF_SUB_RESTRICTIONS (submission's smtpd_client_restrictions).

BSPF_USER=${BSPF_USER:-demo@example.org}
BSPF_PASS=${BSPF_PASS:-demo-password}
BSPF_SUB_RESTRICTIONS=${BSPF_SUB_RESTRICTIONS:-permit_sasl_authenticated,reject}
BSPF_MILTER_FLAGS=${BSPF_MILTER_FLAGS:-}
BSPF_MILTER_PID=
BSPF_SINK_PID=
BSPF_AUTH_PID=
BSPF_POSTFIX_UP=
BSPF_STOPPED=

bspf_die() {
	echo "lib-postfix: $*" >&2
	exit 1
}

# Is TCP port $1 listening on any address?  (/proc, no ss/netstat needed)
bspf_port_listening() {
	_hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p=":$_hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

# Does process $2 hold the socket listening on TCP port $1?
bspf_port_owned() {
	_hex=$(printf '%04X' "$1")
	_ino=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p=":$_hex" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10; exit }')
	[ -n "$_ino" ] || return 1
	for _fd in "/proc/$2/fd"/*; do
		[ "$(readlink "$_fd" 2>/dev/null)" = "socket:[$_ino]" ] && return 0
	done
	return 1
}

# A free port in 20000..32767 (below Linux's ephemeral range), not in $*.
bspf_free_port() {
	_n=0
	while [ $_n -lt 200 ]; do
		_p=$(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12768 + 20000))
		_n=$((_n + 1))
		case " $* " in *" $_p "*) continue ;; esac
		bspf_port_listening "$_p" || {
			echo "$_p"
			return 0
		}
	done
	bspf_die "no free port found"
}

# Can the postfix user reach (and write, with -w) path $2?
bspf_postfix_can() {
	runuser -u postfix -- test "$1" "$2" 2>/dev/null
}

# bspf_cleanup_stale DIR: stop what an earlier run in DIR left running when it
# was killed without its trap running (kill -9): its Postfix master, milter,
# smtp-sink and demo-auth, each checked by name before it is signalled.
bspf_cleanup_stale() {
	_pf=$1/queue/pid/master.pid
	_p=$(sed 1q "$_pf" 2>/dev/null | tr -d ' ')
	if [ -n "$_p" ] && grep -qx master "/proc/$_p/comm" 2>/dev/null; then
		echo "stopping a Postfix left running in $1 by an earlier run"
		postfix -c "$1/postfix" stop >/dev/null 2>&1 || kill "$_p"
	fi
	for _pf in "$1/run/pid" "$1/run/sink.pid" "$1/run/auth.pid"; do
		_p=$(sed 1q "$_pf" 2>/dev/null | tr -d ' ')
		[ -n "$_p" ] && tr '\0' ' ' <"/proc/$_p/cmdline" 2>/dev/null | grep -q -F "$1/" || continue
		echo "stopping process $_p left running in $1 by an earlier run"
		kill "$_p" 2>/dev/null
		bspf_wait_for '! kill -0 $_p 2>/dev/null' 100
	done
}

bspf_init() {
	[ "$(id -u)" -eq 0 ] || bspf_die "must run as root (Postfix's master runs as root)"
	for _c in postfix postconf postqueue smtp-sink; do
		command -v "$_c" >/dev/null 2>&1 || [ -x "/usr/sbin/$_c" ] ||
			bspf_die "$_c not found (sh contrib/install-deps)"
	done
	PATH=$PATH:/usr/sbin:/sbin
	BSPF_DIR=$1
	mkdir -p "$BSPF_DIR" || bspf_die "cannot create $BSPF_DIR"
	BSPF_DIR=$(cd "$BSPF_DIR" && pwd)
	chmod 755 "$BSPF_DIR"
	bspf_postfix_can -x "$BSPF_DIR" ||
		bspf_die "$BSPF_DIR is not reachable by the postfix user (a parent directory is not o+x)"
	BSPF_CONF=$BSPF_DIR/postfix
	BSPF_QUEUE=$BSPF_DIR/queue
	BSPF_DATA=$BSPF_DIR/data
	BSPF_LOGDIR=$BSPF_DIR/log
	BSPF_LOG=$BSPF_LOGDIR/postfix.log
	BSPF_SINK=$BSPF_DIR/sink
	BSPF_MDIR=$BSPF_DIR/milter
	BSPF_RUN=$BSPF_DIR/run
	BSPF_SOCK=$BSPF_RUN/sock
	BSPF_MILTER_USER=${BSPF_MILTER_USER:-nobody:postfix}
	BSPF_SPOOL=$BSPF_MDIR/spool
	BSPF_MCONF=$BSPF_MDIR/blindscore.conf
	BSPF_MLOG=$BSPF_MDIR/milter.log
	BSPF_AUTH_SOCK=$BSPF_DIR/auth.sock
	# A previous run's leftovers (queue, data, sockets) would confuse this one.
	rm -rf "$BSPF_CONF" "$BSPF_QUEUE" "$BSPF_DATA" "$BSPF_LOGDIR" "$BSPF_SINK" \
		"$BSPF_SOCK" "$BSPF_AUTH_SOCK"
	mkdir -p "$BSPF_CONF" "$BSPF_QUEUE" "$BSPF_LOGDIR" "$BSPF_SINK" "$BSPF_MDIR" "$BSPF_RUN" ||
		exit 1
	chmod 755 "$BSPF_CONF" "$BSPF_QUEUE" "$BSPF_LOGDIR" "$BSPF_MDIR" "$BSPF_RUN"
	chown postfix "$BSPF_SINK"
	chown "$BSPF_MILTER_USER" "$BSPF_RUN" # like /run/blindscore
	BSPF_PORT_SMTP=$(bspf_free_port)
	BSPF_PORT_SUB=$(bspf_free_port "$BSPF_PORT_SMTP")
	BSPF_PORT_SINK=$(bspf_free_port "$BSPF_PORT_SMTP" "$BSPF_PORT_SUB")
	bspf_write_postfix
}

bspf_write_postfix() {
	cat >"$BSPF_CONF/main.cf" <<EOF
# Private Postfix instance written by blindscore's contrib/lib-postfix.sh.
# Loopback only; the system's Postfix (/etc/postfix) is not involved.
compatibility_level = 3.6
queue_directory = $BSPF_QUEUE
data_directory = $BSPF_DATA
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.example.org
mydomain = example.org
myorigin = \$mydomain
mydestination =
local_recipient_maps =
local_transport = error:5.1.1 local delivery is disabled here
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = example.org
relayhost = [127.0.0.1]:$BSPF_PORT_SINK
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated,
    reject_unauth_destination
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtpd_sasl_type = dovecot
smtpd_sasl_path = $BSPF_AUTH_SOCK
smtpd_sasl_auth_enable = yes
maillog_file = $BSPF_LOG
maillog_file_prefixes = $BSPF_LOGDIR
biff = no
append_dot_mydomain = no
readme_directory = no
delay_warning_time = 0
# blindscore-milter: the same lines as contrib/postfix/main.cf.snippet
smtpd_milters = unix:$BSPF_SOCK
non_smtpd_milters = \$smtpd_milters
milter_protocol = 6
milter_default_action = tempfail
EOF
	cat >"$BSPF_CONF/master.cf" <<EOF
# Private Postfix instance written by blindscore's contrib/lib-postfix.sh.
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$BSPF_PORT_SMTP inet n - n - - smtpd
127.0.0.1:$BSPF_PORT_SUB inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_client_restrictions=$BSPF_SUB_RESTRICTIONS
  -o milter_macro_daemon_name=ORIGINATING
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# bspf_milter_conf [LINE...]: write DIR/milter/blindscore.conf: the socket,
# spool and log settings this instance needs, then the caller's lines
# (PublicKeyFile, ModelFile, AddHeader, ...).  The milter runs as
# $BSPF_MILTER_USER (default nobody:postfix) with UMask 007, so only Postfix
# can use its socket; it must be able to read the key and model to reload.
bspf_milter_conf() {
	{
		echo "# blindscore-milter for the private Postfix in $BSPF_DIR"
		echo "Socket = \"unix:$BSPF_SOCK\""
		echo "UserID = \"$BSPF_MILTER_USER\""
		echo "UMask = 007"
		echo "PidFile = \"$BSPF_RUN/pid\""
		echo "Syslog = no"
		echo "SpoolFile = \"$BSPF_SPOOL\""
		echo "InternalHosts = {\"127.0.0.1\"}"
		echo "MTA = {\"ORIGINATING\"}"
		echo "LogWhy = yes"
		for _l in "$@"; do
			echo "$_l"
		done
	} >"$BSPF_MCONF.tmp" && mv "$BSPF_MCONF.tmp" "$BSPF_MCONF"
}

# Wait up to $2 tenths of a second for command $1 (eval'd) to succeed.
bspf_wait_for() {
	_i=0
	while [ $_i -lt "$2" ]; do
		eval "$1" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

bspf_start_auth() {
	[ -n "${BSPF_CONTRIB:-}" ] || bspf_die "BSPF_CONTRIB (the contrib directory) is not set"
	_py=/usr/bin/python3 # not a pyenv shim: those take ~0.5 s to start
	[ -x "$_py" ] || _py=$(command -v python3) || bspf_die "python3 not found (sh contrib/install-deps)"
	"$_py" "$BSPF_CONTRIB/demo-auth" "$BSPF_AUTH_SOCK" "$BSPF_USER" "$BSPF_PASS" \
		2>>"$BSPF_LOGDIR/demo-auth.log" &
	BSPF_AUTH_PID=$!
	echo $BSPF_AUTH_PID >"$BSPF_RUN/auth.pid"
	bspf_wait_for '[ -S "$BSPF_AUTH_SOCK" ]' 100 || bspf_die "demo-auth did not start"
}

# Ports are checked free before use, but another program may take one
# meanwhile: smtp-sink and Postfix retry on new ports when a bind fails.
bspf_start_sink() {
	_try=0
	while :; do
		smtp-sink -u postfix -h sink.example.net -d "$BSPF_SINK/m." \
			"127.0.0.1:$BSPF_PORT_SINK" 256 2>>"$BSPF_LOGDIR/smtp-sink.log" &
		BSPF_SINK_PID=$!
		echo $BSPF_SINK_PID >"$BSPF_RUN/sink.pid"
		bspf_wait_for 'bspf_port_owned $BSPF_PORT_SINK $BSPF_SINK_PID || ! kill -0 $BSPF_SINK_PID 2>/dev/null' 100
		bspf_port_owned "$BSPF_PORT_SINK" "$BSPF_SINK_PID" && return 0
		kill "$BSPF_SINK_PID" 2>/dev/null
		wait "$BSPF_SINK_PID" 2>/dev/null
		BSPF_SINK_PID=
		_try=$((_try + 1))
		[ $_try -lt 3 ] || bspf_die "smtp-sink did not start: $(tail -n 3 "$BSPF_LOGDIR/smtp-sink.log")"
		BSPF_PORT_SINK=$(bspf_free_port "$BSPF_PORT_SMTP" "$BSPF_PORT_SUB")
		bspf_write_postfix
	done
}

bspf_start_milter() {
	[ -x "${BSPF_MILTER:-}" ] || bspf_die "BSPF_MILTER (blindscore-milter) is not set"
	rm -f "$BSPF_SOCK"
	# shellcheck disable=SC2086
	"$BSPF_MILTER" -f $BSPF_MILTER_FLAGS -x "$BSPF_MCONF" 2>>"$BSPF_MLOG" &
	BSPF_MILTER_PID=$!
	bspf_wait_for '[ -S "$BSPF_SOCK" ] || ! kill -0 $BSPF_MILTER_PID 2>/dev/null' 300
	if ! kill -0 "$BSPF_MILTER_PID" 2>/dev/null || [ ! -S "$BSPF_SOCK" ]; then
		tail -n 5 "$BSPF_MLOG" >&2
		bspf_die "blindscore-milter did not start (log: $BSPF_MLOG)"
	fi
}

bspf_start_postfix() {
	_try=0
	while :; do
		if postfix -c "$BSPF_CONF" start >/dev/null 2>&1; then
			BSPF_POSTFIX_UP=1
			bspf_wait_for 'bspf_port_listening $BSPF_PORT_SMTP && bspf_port_listening $BSPF_PORT_SUB' 100 &&
				return 0
		fi
		grep -q 'Address already in use' "$BSPF_LOG" 2>/dev/null && [ $_try -lt 2 ] ||
			bspf_die "Postfix did not start: $(tail -n 5 "$BSPF_LOG" 2>/dev/null)"
		postfix -c "$BSPF_CONF" stop >/dev/null 2>&1
		BSPF_POSTFIX_UP=
		_try=$((_try + 1))
		mv "$BSPF_LOG" "$BSPF_LOG.bind-failed.$_try"
		BSPF_PORT_SMTP=$(bspf_free_port "$BSPF_PORT_SINK")
		BSPF_PORT_SUB=$(bspf_free_port "$BSPF_PORT_SMTP" "$BSPF_PORT_SINK")
		bspf_write_postfix
	done
}

bspf_trap() {
	_rc=$?
	trap '' HUP INT TERM PIPE # e.g. output piped to head: keep cleaning up
	trap - EXIT
	bspf_stop
	if [ -n "${BSPF_ON_EXIT:-}" ]; then
		eval "$BSPF_ON_EXIT"
	fi
	exit $_rc
}

# Start demo-auth, smtp-sink, the milter (with DIR/milter/blindscore.conf)
# and Postfix, in that order.
bspf_start() {
	[ -f "$BSPF_MCONF" ] || bspf_die "no $BSPF_MCONF: call bspf_milter_conf first"
	BSPF_STOPPED=
	trap bspf_trap EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 141' PIPE
	trap 'exit 143' TERM
	bspf_start_auth
	bspf_start_sink
	bspf_start_milter
	bspf_start_postfix
}

# Stop only what this library started; wait for each process.
bspf_stop() {
	[ -z "$BSPF_STOPPED" ] || return 0
	BSPF_STOPPED=1
	if [ -n "$BSPF_MILTER_PID" ]; then
		kill -TERM "$BSPF_MILTER_PID" 2>/dev/null # ~5 s: overlap it with the rest
	fi
	if [ -n "$BSPF_POSTFIX_UP" ]; then
		_mpid=$(sed 1q "$BSPF_QUEUE/pid/master.pid" 2>/dev/null | tr -d ' ')
		if [ -n "$_mpid" ] && kill -TERM "$_mpid" 2>/dev/null; then
			bspf_wait_for '! kill -0 $_mpid 2>/dev/null' 100 ||
				postfix -c "$BSPF_CONF" abort >/dev/null 2>&1
		fi
		BSPF_POSTFIX_UP=
	fi
	for _p in "$BSPF_SINK_PID" "$BSPF_AUTH_PID"; do
		[ -n "$_p" ] && kill -TERM "$_p" 2>/dev/null && wait "$_p" 2>/dev/null
	done
	BSPF_SINK_PID=
	BSPF_AUTH_PID=
	if [ -n "$BSPF_MILTER_PID" ]; then
		wait "$BSPF_MILTER_PID" 2>/dev/null
		BSPF_MILTER_PID=
	fi
	rm -f "$BSPF_AUTH_SOCK" "$BSPF_RUN/sink.pid" "$BSPF_RUN/auth.pid"
}

# Reload the milter (SIGUSR1).
bspf_reload_milter() {
	kill -USR1 "$BSPF_MILTER_PID"
}

# Number of messages smtp-sink has received completely.
bspf_sink_count() {
	grep -l '^X-Client-Addr:' "$BSPF_SINK"/m.* 2>/dev/null | wc -l
}

# Number of deliveries Postfix has logged.
bspf_sent_count() {
	grep -c ' status=sent ' "$BSPF_LOG" 2>/dev/null || true
}

bspf_queue_empty() {
	postqueue -c "$BSPF_CONF" -p 2>/dev/null | grep -q 'Mail queue is empty'
}

# bspf_wait_delivered N SECONDS: until N messages are at the sink and the
# queue is empty.  Prints the queue on failure.
bspf_wait_delivered() {
	_want=$1
	if bspf_wait_for '[ "$(bspf_sent_count)" -ge "$_want" ] && bspf_queue_empty' $(($2 * 10)); then
		return 0
	fi
	echo "lib-postfix: $(bspf_sent_count) of $_want messages delivered; queue:" >&2
	postqueue -c "$BSPF_CONF" -p >&2
	return 1
}

# bspf_smtp FILE [PORT] [FROM] [TO]: send raw message FILE with smtp-source
# from 127.0.0.1 (outgoing for the milter).
bspf_smtp() {
	smtp-source -m 1 -F "$1" -f "${3:-alice@example.org}" -t "${4:-bob@example.net}" \
		-M client.example.org "127.0.0.1:${2:-$BSPF_PORT_SMTP}"
}

# bspf_swaks FILE ARGS...: send FILE with swaks (quiet unless it fails), e.g.
# --local-interface 127.0.0.2 (an outside client) or --auth PLAIN.
bspf_swaks() {
	_f=$1
	shift
	swaks --silent 2 --data "@$_f" --helo client.example.net "$@" >"$BSPF_DIR/swaks.out" 2>&1 || {
		cat "$BSPF_DIR/swaks.out" >&2
		return 1
	}
}

# bspf_dump_index [DUMP...]: "FILE QUEUEID MESSAGE-ID" for each dump at the
# sink (default: all of them): the queue id our
# Postfix gave the message (its Received header, "by mail.example.org
# (Postfix) with ESMTP id ABC123") and the Message-ID header's value.
bspf_dump_index() {
	# shellcheck disable=SC2016
	_prog='function flush() {
		if (h ~ /^Received: .*by mail\.example\.org \(Postfix/ && qid == "") {
			qid = h; sub(/.* id /, "", qid); sub(/[^0-9A-Za-z].*/, "", qid) }
		if (tolower(h) ~ /^message-id:/ && mid == "") {
			mid = h; sub(/^[^:]*: */, "", mid); sub(/ .*/, "", mid) }
		h = "" }
	function out() { flush(); if (!done) print FILENAME, (qid == "" ? "-" : qid), (mid == "" ? "-" : mid); done = 1 }
	FNR == 1 { if (NR > 1) out(); done = 0; qid = ""; mid = ""; h = "" }
	done { next }
	{ gsub(/\t/, " ") }
	/^$/ { out(); next }
	/^ / { h = h $0; next }
	{ flush(); h = $0 }
	END { if (NR) out() }'
	if [ $# -gt 0 ]; then
		awk "$_prog" "$@"
	else
		find "$BSPF_SINK" -type f -name 'm.*' | sort | xargs -r awk "$_prog"
	fi
}

# The queue id our Postfix gave the message in dump $1.
bspf_dump_qid() {
	bspf_dump_index "$1" | cut -d' ' -f2
}

# The dump of the message with Message-ID $1 (one file name a line).
bspf_dump_of() {
	grep -l -i -F "Message-ID: $1" "$BSPF_SINK"/m.* 2>/dev/null
}

# The message as it arrived at the sink, without smtp-sink's own lines
# (X-Client-Addr ... X-Rcpt-Args and its three-line Received header).
bspf_dump_message() {
	awk 'state == 2 { print; next }
		state == 1 && /^[ \t]/ { next }
		state == 1 { state = 2; print; next }
		/^Received: / { state = 1 }' "$1"
}
