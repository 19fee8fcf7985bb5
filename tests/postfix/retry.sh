# retry.sh - sourced by tests/postfix/crash.sh and diskfull.sh after
# fixture.sh: a private Postfix that retries by itself what the milter
# tempfails, many distinct messages, and the per-message checks.
#
# The private Postfix of contrib/lib-postfix.sh gets a front door: a second
# smtpd on 127.0.0.1:$RT_PORT_FRONT without the milter, which queues every
# message with content_filter = scorer:[127.0.0.1]:$BSPF_PORT_SMTP (an
# after-queue content filter).  The "scorer" transport hands it to the
# milter-protected smtpd of the same instance; what that smtpd tempfails
# (milter dead, spool full: 4xx) stays deferred in the queue and is retried
# after 1-2 s (queue_run_delay, minimal/maximal_backoff_time), as Postfix
# retries any deferred mail.  The client (sendmany.py) never sees a 4xx.
#
#   client -> front smtpd (no milter) -> queue -> scorer (smtp client)
#          -> smtpd + blindscore-milter -> queue -> relay -> smtp-sink
#
# The sink's copy carries the scoring smtpd's Received header (topmost "by
# mail.example.org ... id QID"), so bspf_dump_index gives the queue id the
# milter saw.  The scorer transport greets as front.example.org so that
# Postfix's smtp client does not take the scoring smtpd for itself ("mail
# loops back to myself").

RT_PORT_FRONT=
RT_MARK='# retry.sh:'

rt_write_conf() {
	cat >>"$BSPF_CONF/main.cf" <<EOF
$RT_MARK Postfix retries deferred mail within seconds
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
EOF
	cat >>"$BSPF_CONF/master.cf" <<EOF
$RT_MARK the front door (no milter) and the transport to the milter's smtpd
127.0.0.1:$RT_PORT_FRONT inet n - n - - smtpd
  -o syslog_name=postfix/front
  -o smtpd_milters=
  -o content_filter=scorer:[127.0.0.1]:$BSPF_PORT_SMTP
scorer unix - - n - - smtp
  -o syslog_name=postfix/scorer
  -o myhostname=front.example.org
EOF
}

# retry_setup: after bspf_init, before bspf_start.
retry_setup() {
	RT_PORT_FRONT=$(bspf_free_port "$BSPF_PORT_SMTP" "$BSPF_PORT_SUB" "$BSPF_PORT_SINK")
	rt_write_conf
}

# retry_started: after bspf_start.  lib-postfix rewrites main.cf and
# master.cf when it retries on new ports; then add the front door again.
retry_started() {
	if ! grep -q "^$RT_MARK" "$BSPF_CONF/master.cf"; then
		RT_PORT_FRONT=$(bspf_free_port "$BSPF_PORT_SMTP" "$BSPF_PORT_SUB" "$BSPF_PORT_SINK")
		rt_write_conf
		postfix -c "$BSPF_CONF" reload >/dev/null 2>&1 || fail "postfix reload"
	fi
	bspf_wait_for 'bspf_port_listening $RT_PORT_FRONT' 100 ||
		fail "the front smtpd does not listen on 127.0.0.1:$RT_PORT_FRONT: $(tail -n 3 "$BSPF_LOG")"
}

# retry_send RUN N [SESSIONS]: N messages <RUN-i@test.example.org> to the
# front door, in the background ($RT_SEND_PID); copies in $D/msg/RUN/.
retry_send() {
	_py=/usr/bin/python3
	[ -x $_py ] || _py=python3
	$_py "$S/tests/postfix/sendmany.py" "$RT_PORT_FRONT" "$2" "$1" "$D/msg/$1" "${3:-8}" \
		>"$D/send.$1.out" 2>&1 &
	RT_SEND_PID=$!
	case $BSPF_ON_EXIT in
	*RT_SEND_PID*) ;;
	*) BSPF_ON_EXIT='kill $RT_SEND_PID 2>/dev/null; '$BSPF_ON_EXIT ;;
	esac
}

# retry_sent: wait for the sender; fail if it could not send everything.
retry_sent() {
	wait "$RT_SEND_PID" || fail "sendmany.py: $(cat "$D/send.$1.out")"
}

# Messages of RUN at the sink.
retry_sink_count() {
	grep -l -F "Message-ID: <$1-" "$BSPF_SINK"/m.* 2>/dev/null | wc -l
}

# retry_wait_all RUN N SECONDS: until N messages of RUN are at the sink
# and the queue is empty.
retry_wait_all() {
	RT_RUN=$1
	RT_WANT=$2
	# shellcheck disable=SC2016
	bspf_wait_for '[ "$(retry_sink_count "$RT_RUN")" -ge "$RT_WANT" ] && bspf_queue_empty' \
		$(($3 * 10)) && return 0
	echo "$(retry_sink_count "$1") of $2 messages of run $1 at the sink after $3 s; queue:"
	postqueue -c "$BSPF_CONF" -p | tail -n 20
	return 1
}

# retry_decrypt OUT [-u]: decrypt the whole spool (every record, CSV) into
# OUT as "queueid msgid score sender nrcpt" lines; stderr in OUT.err.
# Fails unless the spool verifies (exit 0: chain intact, every record good).
retry_decrypt() {
	_out=$1
	shift
	"$T/blindscore-decrypt" --insecure-test-key -k "$D/k.sec" -m "$M" -a -f csv --no-progress \
		"$@" "$BSPF_SPOOL" >"$_out.csv" 2>"$_out.err" ||
		fail "blindscore-decrypt $* on the spool (exit $?): $(head -n 5 "$_out.err")"
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ print $col["queueid"], $col["msgid"], $col["score"], $col["sender"], $col["nrcpt"] }' \
		"$_out.csv" >"$_out"
}

# retry_verify RUN N: the checks after a run (fails on the first problem).
#  - the sink has N messages of RUN, one per Message-ID, each with the
#    queue id of the smtpd that scored it and exactly one X-Blindscore header;
#  - the spool verifies; every sink message has exactly one record under
#    its queue id, decrypting to blindscore-score's offline score of the
#    file sent; its header decrypts to the same score;
#  - every other record of RUN is a retry: a message at the sink scored
#    again, same sender, recipients and score;
#  - with --unique, exactly one record per message, and the retries it
#    counts are exactly those extra records.
# Sets RT_RECORDS (records of RUN) and RT_RETRIES.
retry_verify() {
	_run=$1
	_n=$2
	# offline scores of the files sent: "<msgid> score"
	"$T/blindscore-score" -M "$M" --rfc822 "$D/msg/$_run"/*.eml >"$D/$_run.offline" ||
		fail "blindscore-score on the messages of run $_run"
	awk -v run="$_run" '{ f = $1; sub(/.*\//, "", f); sub(/\.eml$/, "", f)
		print "<" f "@test.example.org>", $2 }' "$D/$_run.offline" | sort >"$D/$_run.want"
	[ "$(wc -l <"$D/$_run.want")" -eq "$_n" ] || fail "offline scores: $(wc -l <"$D/$_run.want")"

	# the sink: "qid msgid file", one line per message of the run
	bspf_dump_index | awk -v p="<$_run-" 'index($3, p) == 1 { print $2, $3, $1 }' |
		sort -k2 >"$D/$_run.sink"
	[ "$(wc -l <"$D/$_run.sink")" -eq "$_n" ] ||
		fail "run $_run: $(wc -l <"$D/$_run.sink") messages at the sink, $_n sent"
	[ "$(cut -d' ' -f2 "$D/$_run.sink" | sort -u | wc -l)" -eq "$_n" ] ||
		fail "run $_run: a message reached the sink twice"
	awk '$1 == "-" { exit 1 }' "$D/$_run.sink" || fail "run $_run: a sink message without queue id"

	# every record, and every message once
	retry_decrypt "$D/$_run.all"
	retry_decrypt "$D/$_run.uniq" -u
	awk -v p="<$_run-" 'index($2, p) == 1' "$D/$_run.all" >"$D/$_run.recs"
	awk -v p="<$_run-" 'index($2, p) == 1' "$D/$_run.uniq" >"$D/$_run.urecs"
	RT_RECORDS=$(wc -l <"$D/$_run.recs")
	RT_RETRIES=$((RT_RECORDS - _n))
	awk -v run="$_run" -v n="$_n" '
		FILENAME == ARGV[1] { want[$1] = $2; next }
		FILENAME == ARGV[2] { qid[$2] = $1; atsink[$1] = $2; next }
		FILENAME == ARGV[3] {
			if (!($2 in want)) { print "record " $1 ": unknown message " $2; bad++; next }
			if ($3 != want[$2]) {
				print "record " $1 " (" $2 "): score " $3 ", offline " want[$2]; bad++ }
			nrec[$2]++
			if ($1 in atsink) {
				if (atsink[$1] != $2) { print "record " $1 ": Message-ID " $2 \
					", at the sink " atsink[$1]; bad++ }
				own[$1]++
			} else {
				# a retry: the same message as one at the sink
				if (!($2 in qid)) { print "record " $1 " (" $2 "): no such message at the sink"; bad++ }
				else if (key[$2] != "" && key[$2] != $4 " " $5) {
					print "record " $1 ": sender/recipients differ from another record of " $2; bad++ }
			}
			key[$2] = $4 " " $5
			next
		}
		{ u[$2]++ }
		END {
			for (q in atsink) if (own[q] != 1) {
				print "message " atsink[q] " (queue id " q "): " own[q] + 0 " records under its queue id"
				bad++ }
			for (m in want) if (u[m] != 1) {
				print "message " m ": " u[m] + 0 " records with --unique"; bad++ }
			exit bad > 0
		}' "$D/$_run.want" "$D/$_run.sink" "$D/$_run.recs" "$D/$_run.urecs" ||
		fail "run $_run: records do not match the messages at the sink"
	[ "$(wc -l <"$D/$_run.urecs")" -eq "$_n" ] ||
		fail "run $_run: $(wc -l <"$D/$_run.urecs") records with --unique for $_n messages"
	# --unique's notes name exactly the extra records of this run
	_notes=$(grep -c 'is a retry of the message of' "$D/$_run.uniq.err")
	_all_extra=$(($(wc -l <"$D/$_run.all") - $(wc -l <"$D/$_run.uniq")))
	[ "$_notes" -eq "$_all_extra" ] ||
		fail "run $_run: --unique noted $_notes retries, printed $_all_extra records fewer"
	if [ "$RT_RETRIES" -gt 0 ]; then
		grep -q "note: [0-9]* records* repeated a message already counted" "$D/$_run.uniq.err" ||
			fail "run $_run: no retry summary from --unique"
	fi

	# the header of each sink copy: exactly one, decrypting to the same score
	cut -d' ' -f3 "$D/$_run.sink" >"$D/$_run.files"
	_nohdr=$(xargs grep -L -i '^X-Blindscore:' <"$D/$_run.files" | wc -l)
	[ "$_nohdr" -eq 0 ] || fail "run $_run: $_nohdr messages at the sink without X-Blindscore header"
	xargs "$T/blindscore-decrypt" --insecure-test-key -k "$D/k.sec" -m "$M" --headers -a -f csv \
		--no-progress <"$D/$_run.files" >"$D/$_run.hdr.csv" 2>"$D/$_run.hdr.err" ||
		fail "run $_run: decrypting the headers: $(head -n 3 "$D/$_run.hdr.err")"
	# (xargs may run it more than once: a CSV header row each time)
	awk -F, -v n="$_n" 'FILENAME == ARGV[1] { split($0, a, " "); want[a[1]] = a[2]; next }
		$1 == "seq" { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ m = $col["msgid"]; got[m]++
		  if ($col["score"] != want[m]) { print "header of " m ": " $col["score"] ", offline " want[m]; bad++ } }
		END { for (m in want) if (got[m] != 1) { print m ": " got[m] + 0 " headers at the sink"; bad++ }
		      exit bad > 0 }' "$D/$_run.want" "$D/$_run.hdr.csv" ||
		fail "run $_run: the sink copies' headers do not decrypt to the offline scores, one each"
}
