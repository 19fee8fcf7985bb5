#!/bin/sh
# supervisor-stop.sh - the -A supervisor must not report a clean stop when
# its milter dies of another signal while stopping (found by storm.sh: an
# ASan build's milter aborted at exit with a leak report and the supervisor
# still exited 0).  The milter is frozen (SIGSTOP), the supervisor gets
# SIGTERM, and once it logged that it is stopping the milter, the milter is
# killed (SIGKILL): the supervisor must exit 70 (EX_SOFTWARE) and say so.
# Then the normal case: SIGTERM alone still ends in exit 0.
top_builddir=${top_builddir:-$(pwd)}
B=$top_builddir
T=$B/src/tools
MILTER=$B/src/milter/blindscore-milter
for f in "$MILTER" "$B/tests/milter/mkmodel" "$T/blindscore-keygen" "$T/blindscore-encrypt"; do
	[ -x "$f" ] || {
		echo "supervisor-stop.sh: $f is not built" >&2
		exit 99
	}
done
D=$(mktemp -d /tmp/bs-supstop.XXXXXX) || exit 99
SUP=
CHILD=
cleanup() {
	for p in $CHILD $SUP; do
		grep -q blindscore-milter "/proc/$p/cmdline" 2>/dev/null && kill -9 "$p"
	done
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "FAIL: $*"
	[ -f "$D/log" ] && cat "$D/log"
	exit 1
}

"$T/blindscore-keygen" --insecure-test-key -b 1024 -N -q -o "$D/k" 2>/dev/null || fail keygen
"$B/tests/milter/mkmodel" "$D/m.txt" 8 0 || fail mkmodel
"$T/blindscore-encrypt" --insecure-test-key -q -k "$D/k.pub" -m "$D/m.txt" -o "$D/m.bsm" \
	2>/dev/null || fail encrypt
cat >"$D/conf" <<EOF
Socket = "unix:$D/sock"
Syslog = no
PublicKeyFile = "$D/k.pub"
ModelFile = "$D/m.bsm"
SpoolFile = "$D/spool"
EOF

# waitlog TEXT: the log holds TEXT within 60 s
waitlog() {
	i=0
	until grep -qF -- "$1" "$D/log"; do
		i=$((i + 1))
		[ $i -lt 600 ] || fail "no '$1' in the log"
		sleep 0.1
	done
}

# start: the supervisor and its child (SUP, CHILD)
start() {
	: >"$D/log"
	"$MILTER" -A -f -T -x "$D/conf" 2>>"$D/log" &
	SUP=$!
	waitlog "starting: pid"
	CHILD=$(sed -n 's/.*supervisor: started the milter, pid \([0-9]*\).*/\1/p' "$D/log")
	[ -n "$CHILD" ] || fail "no child pid"
}

# stopped: wait for the supervisor (killed after 60 s); its status in ST
stopped() {
	(
		sleep 60
		kill -9 "$SUP" 2>/dev/null
	) &
	dog=$!
	wait "$SUP"
	ST=$?
	kill "$dog" 2>/dev/null
	SUP=
}

start
kill -STOP "$CHILD" || fail "SIGSTOP"
kill -TERM "$SUP"
waitlog "supervisor: SIGTERM: stopping the milter (pid $CHILD)"
kill -KILL "$CHILD"
stopped
[ $ST -eq 70 ] || fail "the milter was killed while stopping; supervisor exit status $ST, not 70"
grep -qF "supervisor: the milter (pid $CHILD) was killed by signal 9 (Killed) while stopping; exiting" \
	"$D/log" || fail "no log line for the killed milter"
echo "killed while stopping: supervisor exit status 70, logged"

start
kill -TERM "$SUP"
stopped
[ $ST -eq 0 ] || fail "clean stop: supervisor exit status $ST, not 0"
grep -qF "supervisor: the milter (pid $CHILD) exited with status 0; exiting" "$D/log" ||
	fail "no clean stop in the log"
echo "clean stop: exit status 0"
echo "supervisor-stop passed"
