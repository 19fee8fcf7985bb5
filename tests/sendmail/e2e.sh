#!/bin/sh
# e2e.sh - blindscore-milter under a real, private Sendmail on 127.0.0.1,
# relaying to Postfix's smtp-sink on loopback.
#
# Sendmail is not installed (Debian's sendmail-bin conflicts with postfix):
# contrib/sendmail/fetch unpacks Debian's packages into a cache directory
# (default /var/cache/blindscore/sendmail, or $BS_SENDMAIL_DIR) and this test
# runs that sendmail as root with -C on a sendmail.cf it generates with m4
# from a private .mc (tests/sendmail/private.mc.in + the contrib snippet
# contrib/sendmail/blindscore.mc): two daemons on 127.0.0.1 and free high
# ports ("MTA", and "MSA" like Sendmail's submission daemon), private queue,
# pid and settings files, no DNS, SMART_HOST to smtp-sink.  Nothing of the
# system's mail set-up is touched; port 25 is never used.
#
# The milter (InternalHosts 127.0.0.1, MTA = MSA, AddHeader, spool) must tell
# apart, with the macros Sendmail sends by default ({daemon_name} at CONNECT,
# i and {auth_authen} at MAIL):
#   internal   MTA daemon from 127.0.0.1 (InternalHosts)          scored
#   inbound    MTA daemon from 127.0.0.2                          not scored
#   msa        MSA daemon from 127.0.0.2 ({daemon_name} = MSA)    scored
#   smtp-auth  MTA daemon from 127.0.0.2 + AUTH PLAIN, and
#   smtp-login the same with AUTH LOGIN ({auth_authen} only)      scored
#   noauth     the smtp-auth message and sender from 127.0.0.2
#              without AUTH                                       not scored
#   badpass    AUTH PLAIN with a wrong password: 535, nothing delivered
#   null       MAIL FROM:<> from 127.0.0.1                        scored
#   session    three messages over one SMTP connection           scored
#   forged     two forged X-Blindscore headers                    scored
#   big        300 kB body (several milter body chunks)           scored
#   local      sendmail -bs (SMTP on standard input, no client
#              address: what the MSP's relaying is not needed for) scored
# Every delivered outgoing message has exactly one spool record with
# Sendmail's queue id, its Message-ID and its envelope sender without angle
# brackets ("<>" for the null sender), which decrypts to blindscore-score's
# offline score of the file sent, and exactly one X-Blindscore header at the
# sink decrypting to the same score; inbound ones have neither, and the
# LogWhy line of each starts with its queue id.
#
# SMTP AUTH uses Cyrus SASL with the application name "Sendmail": libsasl2
# reads Sendmail.conf from its compiled-in path (strace of the daemon's
# start, Debian 12: /etc/sasl2, /etc/sasl, /usr/lib/x86_64-linux-gnu/sasl2,
# /usr/lib/sasl2, the first file found; SASL_CONF_PATH in sendmail's
# environment changes nothing, the same path is searched).  The test's
# Sendmail.conf (auxprop sasldb in $W/sasl, PLAIN LOGIN) is bind-mounted
# there in a mount namespace of the daemon's own (unshare --mount): over the
# first Sendmail.conf of that path if one exists, else its directory over the
# first directory of the path that holds no plugins.  The system's /etc is
# never written.  Without saslpasswd2 (sasl2-bin), the PLAIN and LOGIN
# plugins (libsasl2-modules) or a mount namespace, the AUTH cases are skipped
# with a note and the rest runs.
#
# Skips (77) without root, Postfix (smtp-sink), swaks, m4, or the Sendmail
# packages (the download needs the Debian mirror).
top_builddir=${top_builddir:-$(pwd)}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ "$(id -u)" -ne 0 ]; then
	echo "a private Sendmail needs root (it binds its ports and runs its queue as root): skipped"
	exit 77
fi
# Postfix (for smtp-sink), the key and model helpers, $D, fail
. "${top_srcdir}/tests/postfix/fixture.sh"
t_start=$(now_ms)
for c in swaks m4 smtp-sink; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "$c not found (sh contrib/install-deps): skipped"
		# shellcheck disable=SC2034 # read by the fixture's exit trap: remove $D
		BS_TEST_CLEAN=1
		exit 77
	}
done
SM_CACHE=${BS_SENDMAIL_DIR:-/var/cache/blindscore/sendmail}
rc=0
timeout 120 sh "$S/contrib/sendmail/fetch" "$SM_CACHE" >"$D/fetch.out" 2>&1 || rc=$?
if [ $rc -ne 0 ]; then
	cat "$D/fetch.out"
	echo "Sendmail's Debian packages are not available in $SM_CACHE and could not be" \
		"downloaded (status $rc; contrib/sendmail/fetch needs the Debian mirror): skipped"
	# shellcheck disable=SC2034
	BS_TEST_CLEAN=1
	exit 77
fi
SM_ROOT=$SM_CACHE/root
SM_BIN=$SM_ROOT/usr/libexec/sendmail/sendmail
SM_CF=$SM_ROOT/usr/share/sendmail/cf
SM_LIB=$(dirname "$(find "$SM_ROOT/usr/lib" "$SM_ROOT/lib" -name libwrap.so.0 2>/dev/null | sed 1q)")
if [ ! -x "$SM_BIN" ] || [ ! -f "$SM_CF/m4/cf.m4" ]; then
	fail "no sendmail or cf.m4 in $SM_ROOT"
fi
SAMPLES=$S/contrib/samples

# ------------------------------------------------------------ the instance
W=$D/sm
BSPF_DIR=$W
BSPF_RUN=$W/run
BSPF_SOCK=$BSPF_RUN/sock
BSPF_MDIR=$W/milter
BSPF_SPOOL=$BSPF_MDIR/spool
BSPF_MCONF=$BSPF_MDIR/blindscore.conf
BSPF_MLOG=$BSPF_MDIR/milter.log
BSPF_SINK=$W/sink
BSPF_LOGDIR=$W/log
BSPF_AUTH_SOCK=$W/auth.sock # none here; bspf_stop removes it
SM_LOG=$BSPF_LOGDIR/sendmail.log
SM_PID=
mkdir -p "$W/etc" "$W/mqueue" "$BSPF_RUN" "$BSPF_MDIR" "$BSPF_SINK" "$BSPF_LOGDIR" || exit 99
chmod 700 "$W/mqueue" # Sendmail refuses a group- or world-writable queue
chown postfix "$BSPF_SINK"
chown nobody:postfix "$BSPF_RUN"
printf 'hosts\tfiles\naliases\tfiles\n' >"$W/etc/service.switch" # no DNS
BSPF_PORT_SMTP=$(bspf_free_port)
BSPF_PORT_SUB=$(bspf_free_port "$BSPF_PORT_SMTP")
BSPF_PORT_SINK=$(bspf_free_port "$BSPF_PORT_SMTP" "$BSPF_PORT_SUB")

# sendmail.cf from tests/sendmail/private.mc.in and the contrib .mc line with
# this instance's socket.  lib-postfix.sh's bspf_start_sink calls
# bspf_write_postfix when it moves smtp-sink to a new port: here that
# rewrites sendmail.cf.
sm_write_cf() {
	sed -e "s|@DIR@|$W|g" -e "s|@PORT_MTA@|$BSPF_PORT_SMTP|g" \
		-e "s|@PORT_MSA@|$BSPF_PORT_SUB|g" -e "s|@PORT_SINK@|$BSPF_PORT_SINK|g" \
		-e "s|@HELPFILE@|$SM_ROOT/etc/mail/helpfile|g" \
		"$S/tests/sendmail/private.mc.in" >"$W/private.mc" || fail "private.mc"
	sed -e "s|/run/blindscore/blindscore.sock|$BSPF_SOCK|" "$S/contrib/sendmail/blindscore.mc" \
		>>"$W/private.mc" || fail "private.mc"
	grep -q "S=local:$BSPF_SOCK" "$W/private.mc" ||
		fail "contrib/sendmail/blindscore.mc has no socket line to point at $BSPF_SOCK"
	echo "MAILER(\`local')dnl" >>"$W/private.mc"
	echo "MAILER(\`smtp')dnl" >>"$W/private.mc"
	m4 -D_CF_DIR_="$SM_CF/" -DMAIL_SETTINGS_DIR="$W/etc/" "$SM_CF/m4/cf.m4" "$W/private.mc" \
		>"$W/sendmail.cf" 2>"$W/m4.err" || fail "m4: $(cat "$W/m4.err")"
	[ -s "$W/m4.err" ] && fail "m4: $(cat "$W/m4.err")"
	[ "$(grep -c '^X' "$W/sendmail.cf")" -eq 1 ] ||
		fail "sendmail.cf: not exactly one mail filter: $(grep '^X' "$W/sendmail.cf")"
	# No daemon but ours (in particular none on port 25 or 587).
	[ "$(grep -c '^O DaemonPortOptions=' "$W/sendmail.cf")" -eq 2 ] ||
		fail "sendmail.cf: unexpected daemons: $(grep DaemonPortOptions "$W/sendmail.cf")"
}
bspf_write_postfix() {
	sm_write_cf
}

# Sendmail qualifies the machine's host name before it reads sendmail.cf,
# through DNS and /etc/hosts; when it cannot (a short name such as "vm"),
# it sleeps 60 s at every start.  So it runs in a UTS namespace of its own
# (unshare --uts) named mail.example.org; the machine's name is untouched.
# shellcheck disable=SC2016
SM_NAMED='hostname mail.example.org && exec "$0" "$@"' # run inside unshare only
SM_UTS=
SM_START_WAIT=150
if [ "$(hostname | tr -cd .)" = "" ]; then
	if unshare --uts sh -c 'hostname mail.example.org' 2>/dev/null; then
		SM_UTS=yes
	else
		echo "note: no unshare --uts here: sendmail sleeps 60 s at each start (host name $(hostname))"
		SM_START_WAIT=900
	fi
fi
# SMTP AUTH: the test's Sendmail.conf and sasldb, and where the daemon's
# mount namespace puts them (see the header).  SM_SASL=yes when it can.
SM_SASL=
SM_SASL_SRC=
SM_SASL_DST=
BS_SM_USER=demo
BS_SM_PASS=demo-password
sm_sasl_setup() {
	command -v saslpasswd2 >/dev/null 2>&1 ||
		{ echo "saslpasswd2 not found (sasl2-bin; sh contrib/install-deps)" && return 1; }
	command -v unshare >/dev/null 2>&1 || { echo "no unshare" && return 1; }
	_lib=$(LD_LIBRARY_PATH=$SM_LIB ldd "$SM_BIN" 2>/dev/null | awk '$1 ~ /^libsasl2\.so/ { print $3 }')
	[ -f "$_lib" ] || { echo "sendmail is not linked with libsasl2" && return 1; }
	# libsasl2's compiled-in configuration path
	_path=$(grep -a -o '/etc/sasl2:[^[:cntrl:]]*' "$_lib" | sed 1q)
	[ -n "$_path" ] || { echo "no configuration path in $_lib" && return 1; }
	_plugins=
	for _d in $(echo "$_path" | tr : ' '); do
		ls "$_d"/libplain.so* "$_d"/liblogin.so* >/dev/null 2>&1 && _plugins=$_d
	done
	[ -n "$_plugins" ] ||
		{ echo "no PLAIN and LOGIN SASL plugins in $_path (libsasl2-modules)" && return 1; }
	mkdir -p "$W/sasl" || return 1
	{
		echo "pwcheck_method: auxprop"
		echo "auxprop_plugin: sasldb"
		echo "sasldb_path: $W/sasl/sasldb2"
		echo "mech_list: PLAIN LOGIN"
	} >"$W/sasl/Sendmail.conf"
	printf '%s' "$BS_SM_PASS" | saslpasswd2 -p -c -f "$W/sasl/sasldb2" -u mail.example.org \
		"$BS_SM_USER" >"$W/sasl/saslpasswd2.out" 2>&1 ||
		{ echo "saslpasswd2: $(cat "$W/sasl/saslpasswd2.out")" && return 1; }
	SM_SASL_SRC=
	for _d in $(echo "$_path" | tr : ' '); do
		if [ -f "$_d/Sendmail.conf" ]; then
			SM_SASL_SRC=$W/sasl/Sendmail.conf
			SM_SASL_DST=$_d/Sendmail.conf
			break
		fi
	done
	if [ -z "$SM_SASL_SRC" ]; then
		for _d in $(echo "$_path" | tr : ' '); do
			[ -d "$_d" ] && [ "$_d" != "$_plugins" ] && ! ls "$_d"/lib*.so* >/dev/null 2>&1 && {
				SM_SASL_SRC=$W/sasl
				SM_SASL_DST=$_d
				break
			}
		done
	fi
	[ -n "$SM_SASL_SRC" ] ||
		{ echo "no directory of SASL's path $_path to mount a Sendmail.conf over" && return 1; }
	# A throw-away namespace: the mount works, shows our file and stays there.
	_conf=$SM_SASL_DST
	[ -d "$SM_SASL_DST" ] && _conf=$SM_SASL_DST/Sendmail.conf
	# shellcheck disable=SC2016 # expanded by the inner sh
	_seen=$(unshare --mount sh -c 'mount --bind "$0" "$1" && cat "$2"' "$SM_SASL_SRC" \
		"$SM_SASL_DST" "$_conf" 2>&1)
	[ "$_seen" = "$(cat "$W/sasl/Sendmail.conf")" ] || {
		echo "no private mount namespace here (unshare --mount; mount --bind): $_seen"
		return 1
	}
	cmp -s "$_conf" "$W/sasl/Sendmail.conf" &&
		{ echo "the mount is visible outside its namespace" && return 1; }
	SM_SASL=yes
}
if sm_sasl_setup >"$W/sasl.why" 2>&1; then
	echo "SMTP AUTH: $SM_SASL_SRC mounted over $SM_SASL_DST in sendmail's mount namespace"
else
	echo "note: SMTP AUTH cases skipped: $(cat "$W/sasl.why")"
fi

sm() {
	if [ -n "$SM_UTS" ]; then
		LD_LIBRARY_PATH=$SM_LIB unshare --uts sh -c "$SM_NAMED" "$SM_BIN" -C "$W/sendmail.cf" "$@"
	else
		LD_LIBRARY_PATH=$SM_LIB "$SM_BIN" -C "$W/sendmail.cf" "$@"
	fi
}

sm_stop() {
	[ -n "$SM_PID" ] || return 0
	kill -TERM "$SM_PID" 2>/dev/null
	bspf_wait_for '! kill -0 $SM_PID 2>/dev/null' 100 || kill -KILL "$SM_PID" 2>/dev/null
	wait "$SM_PID" 2>/dev/null
	SM_PID=
}

# The daemon: in its UTS namespace and, for SMTP AUTH, a mount namespace
# with the test's Sendmail.conf (unshare --mount makes its mounts private).
# shellcheck disable=SC2016
SM_SASL_MOUNT='mount --bind "$SM_SASL_SRC" "$SM_SASL_DST" && '
sm_start() {
	_try=0
	while :; do
		# $! is sendmail itself: unshare and sh exec it, -bD does not fork
		if [ -n "$SM_SASL" ]; then
			_pre=$SM_SASL_MOUNT
			# shellcheck disable=SC2016 # expanded by the inner sh
			[ -n "$SM_UTS" ] && _pre="$_pre$SM_NAMED" || _pre="$_pre"'exec "$0" "$@"'
			LD_LIBRARY_PATH=$SM_LIB SM_SASL_SRC=$SM_SASL_SRC SM_SASL_DST=$SM_SASL_DST \
				unshare --mount ${SM_UTS:+--uts} sh -c "$_pre" "$SM_BIN" -C "$W/sendmail.cf" \
				-bD -q1m -X "$BSPF_LOGDIR/smtp.trace" >>"$SM_LOG" 2>&1 &
		elif [ -n "$SM_UTS" ]; then
			LD_LIBRARY_PATH=$SM_LIB unshare --uts sh -c "$SM_NAMED" "$SM_BIN" -C "$W/sendmail.cf" \
				-bD -q1m -X "$BSPF_LOGDIR/smtp.trace" >>"$SM_LOG" 2>&1 &
		else
			LD_LIBRARY_PATH=$SM_LIB "$SM_BIN" -C "$W/sendmail.cf" \
				-bD -q1m -X "$BSPF_LOGDIR/smtp.trace" >>"$SM_LOG" 2>&1 &
		fi
		SM_PID=$!
		bspf_wait_for '{ bspf_port_owned $BSPF_PORT_SMTP $SM_PID &&
			bspf_port_owned $BSPF_PORT_SUB $SM_PID; } || ! kill -0 $SM_PID 2>/dev/null' $SM_START_WAIT
		bspf_port_owned "$BSPF_PORT_SMTP" "$SM_PID" && bspf_port_owned "$BSPF_PORT_SUB" "$SM_PID" &&
			return 0
		sm_stop
		_try=$((_try + 1))
		[ $_try -lt 3 ] || fail "sendmail did not start: $(tail -n 5 "$SM_LOG")"
		BSPF_PORT_SMTP=$(bspf_free_port "$BSPF_PORT_SINK")
		BSPF_PORT_SUB=$(bspf_free_port "$BSPF_PORT_SMTP" "$BSPF_PORT_SINK")
		sm_write_cf
	done
}

# sm_bs FILE FROM TO: submit FILE with sendmail -bs (SMTP on standard input;
# the pauses keep Sendmail from taking it for an early talker).
sm_bs() {
	{
		sleep 1
		printf 'HELO local.example.org\r\n'
		sleep 0.3
		printf 'MAIL FROM:<%s>\r\n' "$2"
		sleep 0.3
		printf 'RCPT TO:<%s>\r\n' "$3"
		sleep 0.3
		printf 'DATA\r\n'
		sleep 0.3
		sed 's/^\./../; s/$/\r/' "$1" # dot-stuffed, CRLF (8.17.1.9 refuses bare LF)
		printf '.\r\n'
		sleep 0.5
		printf 'QUIT\r\n'
	} | sm -bs >"$W/bs.out" 2>&1
	grep -q '^250 2\.0\.0 .* Message accepted' "$W/bs.out" || {
		cat "$W/bs.out"
		return 1
	}
}

sm_queue_empty() {
	sm -bp 2>/dev/null | grep -q 'is empty'
}

# Stop Sendmail, then the milter and smtp-sink (lib-postfix.sh), then the
# fixture's clean-up (work directory kept on failure).
sm_trap() {
	_rc=$?
	trap '' HUP INT TERM PIPE
	trap - EXIT
	sm_stop
	bspf_stop
	eval "$BSPF_ON_EXIT"
	exit $_rc
}
trap sm_trap EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

make_key "$D/k"
make_model "$D/m" 1 12
M=$D/m.txt
{
	echo "# blindscore-milter for the private Sendmail in $W"
	echo "Socket = \"unix:$BSPF_SOCK\""
	echo "UserID = \"nobody:postfix\""
	echo "UMask = 007"
	echo "PidFile = \"$BSPF_RUN/pid\""
	echo "Syslog = no"
	echo "SpoolFile = \"$BSPF_SPOOL\""
	echo "InternalHosts = {\"127.0.0.1\"}"
	echo "MTA = {\"MSA\"}" # Sendmail's submission daemon, DAEMON_OPTIONS Name=MSA
	echo "LogWhy = yes"
	echo "PublicKeyFile = \"$D/k.pub\""
	echo "ModelFile = \"$D/m.bsm\""
	echo "AddHeader = yes"
} >"$BSPF_MCONF"

# ------------------------------------------------------------ the messages
# add_case NAME HOW SOURCE: a copy of SOURCE with Message-ID <NAME@test...>.
CASES=
mkdir "$D/msg"
add_case() {
	sed "s/^Message-ID: .*/Message-ID: <$1@test.example.org>/" "$3" >"$D/msg/$1.eml"
	grep -q "^Message-ID: <$1@test" "$D/msg/$1.eml" ||
		sed -i "1i Message-ID: <$1@test.example.org>" "$D/msg/$1.eml"
	CASES="$CASES $1:$2"
}
add_case ham-meeting internal "$SAMPLES/ham-meeting.eml"
add_case spam-pharmacy internal "$SAMPLES/spam-pharmacy.eml"
add_case newsletter inbound "$SAMPLES/inbound-newsletter.eml"
add_case prize-in inbound "$SAMPLES/spam-prize.eml"
add_case report-msa msa "$SAMPLES/ham-report.eml"
add_case bounce null "$SAMPLES/ham-report.eml"
add_case session internal3 "$SAMPLES/ham-meeting.eml"
{
	printf 'X-Blindscore: v=1; k=forged; m=forged; c=AAAA\n'
	sed '/^Subject:/a X-BLINDSCORE: forged too' "$SAMPLES/spam-prize.eml"
} >"$D/forged.src"
add_case forged internal "$D/forged.src"
{
	printf 'From: alice@example.org\nTo: bob@example.net\nSubject: big report\n'
	printf 'Message-ID: <x>\nContent-Type: text/plain\n\n'
	awk 'BEGIN { for (i = 0; i < 6000; i++)
		printf "line %d gas storage schedule cheap offer click here review %d\n", i, i % 97 }'
} >"$D/big.src"
add_case big internal "$D/big.src"
add_case report-local local "$SAMPLES/ham-report.eml"
if [ -n "$SM_SASL" ]; then
	add_case prize-auth smtp-auth "$SAMPLES/spam-prize.eml"
	add_case phish-login smtp-login "$SAMPLES/auth-submission.eml"
	add_case prize-noauth noauth "$SAMPLES/spam-prize.eml"
	add_case badpass badpass "$SAMPLES/auth-submission.eml"
fi

# ------------------------------------------------------------ run
sm_write_cf
bspf_start_sink
bspf_start_milter
sm_start
t_up=$(now_ms)

n_want=0
for c in $CASES; do
	name=${c%%:*}
	how=${c#*:}
	f=$D/msg/$name.eml
	case $how in
	internal) bspf_swaks "$f" --server 127.0.0.1 --port "$BSPF_PORT_SMTP" \
		--from alice@example.org --to bob@example.net ;;
	internal3) smtp-source -d -m 3 -F "$f" -f alice@example.org -t bob@example.net \
		-M client.example.org "127.0.0.1:$BSPF_PORT_SMTP" ;;
	inbound) bspf_swaks "$f" --server 127.0.0.1 --port "$BSPF_PORT_SMTP" --local-interface 127.0.0.2 \
		--from news@external.example.com --to bob@example.org ;;
	msa) bspf_swaks "$f" --server 127.0.0.1 --port "$BSPF_PORT_SUB" --local-interface 127.0.0.2 \
		--from alice@example.org --to carol@example.org ;;
	null) bspf_swaks "$f" --server 127.0.0.1 --port "$BSPF_PORT_SMTP" \
		--from '<>' --to bob@example.net ;;
	local) sm_bs "$f" alice@example.org bob@example.net ;;
	smtp-auth) bspf_swaks "$f" --server 127.0.0.1 --port "$BSPF_PORT_SMTP" --local-interface 127.0.0.2 \
		--from demo@example.org --to winner@example.net \
		--auth PLAIN --auth-user "$BS_SM_USER" --auth-password "$BS_SM_PASS" ;;
	smtp-login) bspf_swaks "$f" --server 127.0.0.1 --port "$BSPF_PORT_SMTP" --local-interface 127.0.0.2 \
		--from demo@example.org --to accounts@example.net \
		--auth LOGIN --auth-user "$BS_SM_USER" --auth-password "$BS_SM_PASS" ;;
	noauth) bspf_swaks "$f" --server 127.0.0.1 --port "$BSPF_PORT_SMTP" --local-interface 127.0.0.2 \
		--from demo@example.org --to bob@example.org ;;
	badpass)
		swaks --silent 2 --data "@$f" --helo client.example.net --server 127.0.0.1 \
			--port "$BSPF_PORT_SMTP" --local-interface 127.0.0.2 --from demo@example.org \
			--to x@example.net --auth PLAIN --auth-user "$BS_SM_USER" \
			--auth-password wrong >"$D/badpass.out" 2>&1 &&
			fail "AUTH with a wrong password was accepted"
		grep -q '^<\*\* *535 ' "$D/badpass.out" ||
			fail "wrong password: no 535: $(cat "$D/badpass.out")"
		echo "$name ($how): refused with $(grep -m1 -o '535 .*' "$D/badpass.out")"
		;;
	esac || fail "sending $name ($how)"
	case $how in
	badpass) ;;
	internal3) n_want=$((n_want + 3)) ;;
	*) n_want=$((n_want + 1)) ;;
	esac
done
t_sent=$(now_ms)
bspf_wait_for '[ "$(bspf_sink_count)" -ge $n_want ] && sm_queue_empty' 600 || {
	sm -bp
	fail "$(bspf_sink_count) of $n_want messages at the sink after 60 s"
}
t_done=$(now_ms)

# ------------------------------------------------------------ check
# Sendmail's queue id: its Received header, "by mail.example.org (8.17...)
# with ESMTP id 5AQ1A2bX012345" ("with ESMTPA" after AUTH, RFC 3848;
# smtp-sink's own lines removed first).
sm_dump_qid() {
	bspf_dump_message "$1" | awk '
		/^[^ \t]/ { if (h ~ /^Received: .* by mail\.example\.org / && q == "") q = h; h = "" }
		{ sub(/^[ \t]+/, " "); h = h $0 }
		/^$/ { exit }
		END { if (q != "") { sub(/.* with E?SMTPS?A? id /, "", q); sub(/[^0-9A-Za-z].*/, "", q); print q } }'
}

decrypt_csv "$D/scores" "$M"
# queueid -> sender and msgid, from the full CSV (decrypt_csv keeps 4 columns)
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{ print $col["queueid"], $col["sender"], $col["msgid"] }' "$D/decrypt.csv" >"$D/envelopes"
n_scored=0
n_checked=0
n_inbound=0
for c in $CASES; do
	name=${c%%:*}
	how=${c#*:}
	want=$(offline "$M" "$D/msg/$name.eml")
	dumps=$(bspf_dump_of "<$name@test.example.org>")
	n=$(echo "$dumps" | grep -c .)
	case $how in
	internal3) expect=3 ;;
	badpass) expect=0 ;;
	*) expect=1 ;;
	esac
	[ "$n" -eq "$expect" ] || fail "$name ($how): $n messages at the sink, expected $expect"
	case $how in
	null) want_sender='<>' ;;
	inbound | noauth | badpass) want_sender=- ;;
	smtp-auth | smtp-login) want_sender=demo@example.org ;;
	*) want_sender=alice@example.org ;;
	esac
	for dump in $dumps; do
		qid=$(sm_dump_qid "$dump")
		[ -n "$qid" ] || fail "$name: no Sendmail queue id in $dump"
		recs=$(grep -c "^$qid " "$D/scores")
		hdrs=$(bspf_dump_message "$dump" | grep -ci '^X-Blindscore:')
		case $how in
		inbound | noauth)
			why="not outgoing: client 127.0.0.2 not in InternalHosts, daemon 'MTA' not in MTA"
			[ "$how" = noauth ] && why="$why, not authenticated"
			[ "$recs" -eq 0 ] || fail "$name ($how, $qid): $recs spool records"
			[ "$hdrs" -eq 0 ] || fail "$name ($how, $qid): $hdrs X-Blindscore headers"
			grep -q "blindscore-milter: $qid: message accepted unscanned, $why" "$BSPF_MLOG" ||
				fail "$name ($how, $qid): no LogWhy line '$why' with its queue id"
			n_inbound=$((n_inbound + 1))
			echo "$name ($how, $qid): not scored; LogWhy line with the queue id: $why"
			;;
		*)
			[ "$recs" -eq 1 ] || fail "$name ($how, $qid): $recs spool records, expected 1"
			got=$(grep "^$qid " "$D/scores" | cut -d' ' -f2)
			[ "$got" = "$want" ] ||
				fail "$name ($how, $qid): spool decrypts to $got, offline score $want"
			env=$(grep "^$qid " "$D/envelopes")
			[ "$env" = "$qid $want_sender <$name@test.example.org>" ] ||
				fail "$name ($how, $qid): record's queueid/sender/msgid '$env'"
			[ "$hdrs" -eq 1 ] || fail "$name ($how, $qid): $hdrs X-Blindscore headers, expected 1"
			hgot=$(header_score "$M" "$dump")
			[ "$hgot" = "$want" ] ||
				fail "$name ($how, $qid): header decrypts to '$hgot', offline score $want"
			echo "$name ($how, $qid): spool and header decrypt to the offline score $want; sender $want_sender"
			n_scored=$((n_scored + 1))
			;;
		esac
		n_checked=$((n_checked + 1))
	done
done
total=$(grep -c . "$D/scores")
[ "$total" -eq "$n_scored" ] || fail "$total spool records for $n_scored scored messages"
[ "$(bspf_sink_count)" -eq "$n_checked" ] ||
	fail "$(bspf_sink_count) messages at the sink, $n_checked expected"
why=$(grep -c 'message accepted unscanned' "$BSPF_MLOG")
[ "$why" -eq "$n_inbound" ] || fail "$why LogWhy lines for $n_inbound inbound messages"

t_stop=$(now_ms)
sm_stop
bspf_stop
t_end=$(now_ms)
grep -E 'blindscore-milter: (.*: )?(error|warning):' "$BSPF_MLOG" &&
	fail "the milter logged errors or warnings"
grep -q 'counters (exit):.* scored='"$n_scored"' .*tempfailed=0 ' "$BSPF_MLOG" ||
	fail "the milter's exit counters: $(grep 'counters (exit)' "$BSPF_MLOG")"
echo "$n_checked messages delivered by Sendmail $(sm -d0.1 -bt </dev/null 2>/dev/null |
	awk '/^Version/ { print $2; exit }'), $n_scored scored, all exact"
echo "timings (ms): set-up+start $((t_up - t_start)), send $((t_sent - t_up)), deliver $((t_done - t_sent)), check $((t_stop - t_done)), stop $((t_end - t_stop))"
echo "sendmail e2e passed"
