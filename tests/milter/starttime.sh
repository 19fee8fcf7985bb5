#!/bin/sh
# starttime.sh - blindscore-milter's start and stop as an MTA and an admin
# see them, with a 2048-bit key (its randomizer table takes a second or more
# to build):
#   the table is built before the socket is opened: when the first
#   connection is accepted the log already says "randomizer table ready",
#   and that connection's option negotiation is answered in well under half
#   the table's build time (the milter used to open its socket first, so an
#   MTA connecting then waited in the listen backlog for the whole build);
#   SIGTERM, sent right after that negotiation, stops the milter (exit 0) in
#   under 2.5 s (libmilter alone takes up to 5 s: stop.h) and the log says
#   "SIGTERM: asking libmilter to stop".
# The timings are judged on the best of up to 3 starts (load on a shared
# machine); the order, the reply and the exit status in every start.
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
fast_reply=
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
	*" logged=1 reply=O "*" status=0") ;;
	*)
		cat "$D/st.log"
		fail "start $try: socket before the table, a wrong reply or a bad exit"
		;;
	esac
	grep -qF "SIGTERM: asking libmilter to stop" "$D/st.log" || {
		cat "$D/st.log"
		fail "start $try: SIGTERM not taken by the milter's main thread"
	}
	wait=$(echo "$out" | sed -n 's/.* wait=\([0-9.]*\) .*/\1/p')
	stop=$(echo "$out" | sed -n 's/.* stop=\([0-9.]*\) .*/\1/p')
	awk -v w="$wait" -v t="$table" 'BEGIN { exit !(w < t / 2) }' &&
		fast_reply="$wait s against a $table s table build"
	awk -v s="$stop" 'BEGIN { exit !(s < 2.5) }' && fast_stop="$stop s"
	[ -n "$fast_reply" ] && [ -n "$fast_stop" ] && break
done
[ -n "$fast_reply" ] || fail "the first negotiation waited at least half the table's build time"
[ -n "$fast_stop" ] || fail "SIGTERM took 2.5 s or more to stop the milter"
echo "starttime: table before the socket; first negotiation answered $fast_reply;" \
	"stopped $fast_stop after SIGTERM: passed"
