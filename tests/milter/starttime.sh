#!/bin/sh
# starttime.sh - blindscore-milter's start and stop as an MTA and an admin
# see them, with a 2048-bit key (its randomizer table takes a second or more
# to build):
#   the socket is opened before the table is built, so an MTA connecting
#   during the build is held, not refused: the first connection is accepted
#   before the log says "randomizer table ready", and its option
#   negotiation is answered (reply O) once the table is ready (a milter
#   that built the table first would refuse that connection, and Postfix
#   would apply milter_default_action to the mail);
#   SIGTERM, sent right after that negotiation, stops the milter (exit 0) in
#   under 2.5 s (libmilter alone takes up to 5 s: stop.h) and the log says
#   "SIGTERM: asking libmilter to stop".
# The stop (main thread's log line, under 2.5 s) is judged on the best of up
# to 3 starts (load on a shared machine; a rare stop by libmilter's own
# signal thread, stop.h); the order, the reply and the exit status in every
# start.
. "${top_srcdir:?}/tests/milter/fixture.sh"
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3) || {
	echo "python3 not found: skipped"
	exit 77
}
"$T/blindscore-keygen" -b 2048 -N -q -o "$D/k2048" 2>/dev/null || fail "keygen 2048"
"$T/blindscore-encrypt" -q -k "$D/k2048.pub" -m "$D/model.txt" -o "$D/m2048.bsm" 2>/dev/null ||
	fail "encrypt under the 2048-bit key"
mkconf st "PublicKeyFile = \"$D/k2048.pub\"
ModelFile = \"$D/m2048.bsm\""

READY="randomizer table ready"
fast_stop=
for try in 1 2 3; do
	out=$($PY "$S/tests/milter/optneg.py" "$D/st.sock" "$D/st.log" "$READY" -- \
		"$BS_MILTER" -f -x "$D/st.conf") || {
		echo "$out"
		cat "$D/st.log"
		fail "start $try: no negotiation"
	}
	table=$(sed -n "s/.*$READY: .* in \([0-9.]*\) s\$/\1/p" "$D/st.log")
	echo "start $try: $out table=$table"
	[ -n "$table" ] || {
		cat "$D/st.log"
		fail "start $try: no '$READY' line"
	}
	case "$out" in
	*" logged=0 reply=O "*" status=0") ;;
	*)
		cat "$D/st.log"
		fail "start $try: the table before the socket, a wrong reply or a bad exit"
		;;
	esac
	stop=$(echo "$out" | sed -n 's/.* stop=\([0-9.]*\) .*/\1/p')
	if grep -qF "SIGTERM: asking libmilter to stop" "$D/st.log"; then
		awk -v s="$stop" 'BEGIN { exit !(s < 2.5) }' && fast_stop="$stop s" && break
	else
		# libmilter's own signal thread took it (stop.h: seen once in
		# about 40 starts, under ASan in CI): the old, slow stop
		echo "start $try: SIGTERM taken by libmilter's signal thread"
	fi
done
[ -n "$fast_stop" ] || fail "SIGTERM never stopped the milter through its main thread within 2.5 s"
echo "starttime: socket before the table, the first connection held and answered;" \
	"stopped $fast_stop after SIGTERM: passed"
