#!/bin/sh
# crash.sh - crash safety (issue 8): blindscore-milter is killed with
# SIGKILL at random moments while a private Postfix on 127.0.0.1 carries
# $CRASH_N (default 2,000) outgoing messages, twice:
#   run a: without -A; the test restarts the milter at once, as systemd's
#          Restart=on-failure would;
#   run b: with -A; the test kills the child and the supervisor restarts it
#          (AutoRestartRate set to allow every kill; it must never give up).
# Postfix itself retries what the milter's smtpd tempfails (retry.sh: a
# front smtpd without the milter hands each message to the milter-protected
# smtpd as an after-queue content filter, retrying every 1-2 s).
# Once per run the test also tears the spool's last line as a kill during
# write(2) leaves it (run a: a fragment of the next record; run b: a whole
# record without its LF), between the kill and the restart; blindscore-decrypt
# must report the torn last line, and the restarted milter must recover it
# as blindscore-spool(5) documents.
# Afterwards (retry.sh's retry_verify): all messages at the sink, once each;
# each has exactly one record under its queue id, decrypting to its offline
# score, and one X-Blindscore header; the spool verifies; every other record
# is a retry of a message at the sink (killed after the record was durable,
# before Postfix had the answer), and blindscore-decrypt --unique shows
# exactly one record per message.  Prints the figures.
top_builddir=${top_builddir:-$(pwd)}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "${top_srcdir}/tests/postfix/fixture.sh"
. "${top_srcdir}/tests/postfix/retry.sh"
N=${CRASH_N:-2000}
MAX_KILLS=${CRASH_KILLS:-12}
t0=$(now_ms)
HELD= # the supervisor while it is stopped (SIGSTOP) for a tear
fail() {
	[ -z "$HELD" ] || kill -CONT "$HELD" 2>/dev/null
	echo "FAIL: $*"
	exit 1
}

make_key "$D/k"
make_model "$D/m" 1 12
M=$D/m.txt

bspf_init "$D/pf"
retry_setup
bspf_milter_conf "PublicKeyFile = \"$D/k.pub\"" "ModelFile = \"$D/m.bsm\"" "AddHeader = yes" \
	"AutoRestartRate = \"1000/10m\""
bspf_start
retry_started

# A random sleep of 0.3 to 1.5 s.
rand_sleep() {
	sleep "$(od -An -N2 -tu2 /dev/urandom | awk '{ printf "%.2f", 0.3 + ($1 % 1201) / 1000 }')"
}

n_starting() {
	grep -c ': starting: pid ' "$BSPF_MLOG"
}

# The -A supervisor's child (the milter), or nothing.
child_of() {
	tr <"/proc/$1/task/$1/children" 2>/dev/null ' ' '\n' | grep -m1 . ||
		pgrep -P "$1" | head -n 1
}

# tear MODE: leave the spool's end as a write torn by SIGKILL leaves it,
# while no milter runs.  The torn bytes are those of a genuine next record
# (made by blindscore-score --encrypt on a copy of the spool): MODE
# "fragment" keeps a random part of it, "nolf" all of it but the LF.
# blindscore-decrypt must report the torn last line now (exit 65).
TORN_MADE=0
tear() {
	cp "$BSPF_SPOOL" "$D/spool.copy"
	printf 'Subject: torn %s\nMessage-ID: <torn-%s@test.example.org>\n\ncheap offer\n' \
		"$1" "$1" >"$D/torn-$1.eml"
	"$T/blindscore-score" --encrypt --insecure-test-key -k "$D/k.pub" -m "$D/m.bsm" \
		-o "$D/spool.copy" "$D/torn-$1.eml" 2>"$D/tear.err" || fail "tear: $(cat "$D/tear.err")"
	_old=$(wc -c <"$BSPF_SPOOL")
	_len=$(($(wc -c <"$D/spool.copy") - _old))
	if [ "$1" = fragment ]; then
		_keep=$(od -An -N2 -tu2 /dev/urandom | awk -v l="$_len" '{ print 1 + $1 % (l - 2) }')
	else
		_keep=$((_len - 1))
	fi
	tail -c "$_len" "$D/spool.copy" | head -c "$_keep" >>"$BSPF_SPOOL"
	"$T/blindscore-decrypt" --insecure-test-key -k "$D/k.sec" -m "$M" -a -f csv --no-progress \
		"$BSPF_SPOOL" >"$D/tear.decrypt.out" 2>"$D/tear.decrypt.err"
	_rc=$?
	if [ "$1" = fragment ]; then
		[ $_rc -eq 65 ] && grep -q 'last line has no line feed: a torn write' "$D/tear.decrypt.err" ||
			fail "a torn last line ($_keep of $_len bytes) was not reported (exit $_rc): $(cat "$D/tear.decrypt.err")"
		echo "torn the spool's last line: $_keep of $_len bytes of a record; blindscore-decrypt reports it"
	else
		# a whole record without its LF is a record
		[ $_rc -eq 0 ] && grep -q 'torn-nolf\.eml,' "$D/tear.decrypt.out" ||
			fail "a whole last record without LF was not read (exit $_rc): $(cat "$D/tear.decrypt.err")"
		echo "torn the spool's last line: a whole record without its LF; blindscore-decrypt reads it"
	fi
	TORN_MADE=$((TORN_MADE + 1))
	TORN_BYTES=$_keep
}

# run NAME MODE: send N messages and kill the milter at random moments.
run() {
	_name=$1
	_mode=$2
	_t=$(now_ms)
	_kills=0
	_restarts=0
	_down=0 # ms from each kill until the next milter logged "starting"
	_tear_at=2
	_logstart=$(wc -l <"$BSPF_MLOG")
	retry_send "$_name" "$N"
	while [ $_kills -lt $MAX_KILLS ] && [ "$(retry_sink_count "$_name")" -lt "$N" ]; do
		rand_sleep
		_starts=$(n_starting)
		_tkill=$(now_ms)
		if [ "$_mode" = supervised ]; then
			_pid=$(child_of "$BSPF_MILTER_PID")
			[ -n "$_pid" ] || fail "run $_name: the supervisor has no child: $(tail -n 3 "$BSPF_MLOG")"
			if [ $((_kills + 1)) -eq $_tear_at ]; then
				# hold the supervisor so that the tear is done before the restart
				HELD=$BSPF_MILTER_PID
				kill -STOP "$HELD"
				kill -KILL "$_pid"
				# dead (a zombie: its files are closed) but not yet reaped
				bspf_wait_for 'grep -q "^State:[[:space:]]*Z" "/proc/$_pid/status"' 100 ||
					fail "run $_name: the killed milter did not die"
				tear nolf
				kill -CONT "$HELD"
				HELD=
			else
				kill -KILL "$_pid"
			fi
			_kills=$((_kills + 1))
			bspf_wait_for '[ "$(n_starting)" -gt "$_starts" ]' 300 ||
				fail "run $_name: the supervisor did not restart the milter: $(tail -n 3 "$BSPF_MLOG")"
			_down=$((_down + $(now_ms) - _tkill))
		else
			kill -KILL "$BSPF_MILTER_PID"
			wait "$BSPF_MILTER_PID" 2>/dev/null
			_kills=$((_kills + 1))
			[ $_kills -eq $_tear_at ] && tear fragment
			bspf_start_milter
			_restarts=$((_restarts + 1))
			bspf_wait_for '[ "$(n_starting)" -gt "$_starts" ]' 300 ||
				fail "run $_name: the milter did not start again"
			_down=$((_down + $(now_ms) - _tkill))
		fi
	done
	_tk=$(now_ms)
	retry_sent "$_name"
	retry_wait_all "$_name" "$N" 150 || fail "run $_name: not every message was delivered"
	_td=$(now_ms)
	sed -n "$((_logstart + 1)),\$p" "$BSPF_MLOG" >"$D/$_name.mlog"
	if [ "$_mode" = supervised ]; then
		_restarts=$(grep -c 'supervisor: the milter (pid [0-9]*) was killed by signal 9.*restarting it' \
			"$D/$_name.mlog")
		grep 'giving up' "$D/$_name.mlog" && fail "run $_name: the supervisor gave up"
	fi
	[ $_kills -ge 3 ] || fail "run $_name: only $_kills kills before all mail was through (make CRASH_N larger)"
	[ "$_restarts" -eq $_kills ] || fail "run $_name: $_kills kills but $_restarts restarts"
	[ $_kills -ge $_tear_at ] || fail "run $_name: the spool was never torn"
	retry_verify "$_name" "$N"
	# the tear: recovered by the restarted milter as blindscore-spool(5) says
	_torn_logged=$(grep -c 'closed a torn last line of' "$D/$_name.mlog")
	if [ "$_mode" = supervised ]; then
		# a whole record without LF: completed and kept in the chain
		[ "$(grep -c 'torn-nolf\.eml ' "$D/$_name.all")" -eq 1 ] ||
			fail "run $_name: the completed torn record is not in the chain once"
		grep -q 'its last record lacked only its line feed: completed' "$D/$_name.mlog" ||
			fail "run $_name: the milter did not report completing the last record"
		_tear_note="record without LF completed"
	else
		grep -q "closed a torn last line of $TORN_BYTES bytes" "$D/$_name.mlog" ||
			fail "run $_name: the milter did not report the torn line of $TORN_BYTES bytes"
		grep -q 'torn-fragment\.eml ' "$D/$_name.all" && fail "run $_name: the fragment was decrypted"
		_tear_note="fragment of $TORN_BYTES bytes closed"
	fi
	_fragments=$(grep -c 'warning: .*torn' "$D/$_name.all.err")
	_deferred=$(grep -c 'postfix/scorer/smtp.* status=deferred' "$BSPF_LOG")
	echo "run $_name ($_mode): $N messages, $_kills kills, $_restarts restarts," \
		"$RT_RECORDS records, $RT_RETRIES retries (second records of a message)," \
		"$_deferred tempfailed deliveries retried by Postfix (all runs so far)," \
		"torn tails: 1 made ($_tear_note), $_torn_logged fragments closed by the milter," \
		"$_fragments fragments in the spool (all runs so far)," \
		"milter down $((_down / _kills)) ms per kill (mean, kill to 'starting')," \
		"kill phase $((_tk - _t)) ms, all delivered after $((_td - _t)) ms"
}

run a restart
# Run b: the same Postfix and spool; the milter under -A.
kill -TERM "$BSPF_MILTER_PID"
wait "$BSPF_MILTER_PID"
BSPF_MILTER_FLAGS="-T -A"
bspf_start_milter
run b supervised

bspf_stop
t_end=$(now_ms)
[ "$(grep -c "counters (exit)" "$BSPF_MLOG")" -eq 2 ] || fail "the milters of runs a and b did not both exit cleanly"
echo "$(grep "counters (exit)" "$BSPF_MLOG" | tail -n 1)"
echo "wall time $((t_end - t0)) ms"
echo "crash passed"
