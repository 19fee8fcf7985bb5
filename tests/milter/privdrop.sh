#!/bin/sh
# privdrop.sh - as root (skipped otherwise), UserID = nobody:
#   pa: daemon mode (no -f): the pid file holds the daemon's pid, the daemon
#       leads its own session, runs as nobody with no capabilities, its
#       socket is owned by nobody with the mode UMask = 027 gives (0750); it
#       scores through the socket and writes the spool it opened as root; a
#       SIGUSR1 reload works after the drop; SIGTERM stops it and the pid
#       file, in a directory nobody owns, is removed;
#   pb: foreground, pid file in a root-owned directory: the milter runs as
#       nobody and, at exit, says it left the pid file.
. "${top_srcdir:?}/tests/milter/fixture.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "not root: privilege drop not tested (skipped)"
	exit 77
fi
getent passwd nobody >/dev/null && getent group nogroup >/dev/null || {
	echo "no user nobody or group nogroup: skipped"
	exit 77
}
NOBODY=$(id -u nobody)
NOGROUP=$(getent group nogroup | cut -d: -f3)
mkdir "$D/run" && chown nobody:nogroup "$D/run" || fail "run directory"

# wait (bounded) until process $1 is gone
gone() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -0 "$1" 2>/dev/null && fail "process $1 did not stop"
	return 0
}

# the process runs as nobody:nogroup, without capabilities (waiting, bounded,
# for the drop: it follows the pid file and the spool's opening, which took
# over 0.2 s on a loaded CI machine)
runs_as_nobody() {
	st=/proc/$1/status
	i=0
	while ! grep -q "^Uid:	$NOBODY	" "$st" 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	grep -q "^Uid:	$NOBODY	$NOBODY	$NOBODY	$NOBODY$" "$st" || fail "$1: $(grep Uid "$st")"
	grep -q "^Gid:	$NOGROUP	$NOGROUP	$NOGROUP	$NOGROUP$" "$st" || fail "$1: $(grep Gid "$st")"
	grep -q "^CapEff:	0000000000000000$" "$st" || fail "$1: $(grep CapEff "$st")"
	grep -q "^Groups:.*\<0\>" "$st" && fail "$1: still in group root: $(grep Groups "$st")"
	return 0
}

scenario_a() {
	mkconf pa "Socket = \"unix:$D/run/pa.sock\"
UserID = \"nobody\"
UMask = 027
PidFile = \"$D/run/pa.pid\"
ModelFile = \"$D/pa.bsm\""
	cp "$D/m.bsm" "$D/pa.bsm"
	"$BS_MILTER" -T -x "$D/pa.conf" 2>"$D/pa.start" || fail "pa: start: $(cat "$D/pa.start")"
	i=0
	while [ ! -S "$D/run/pa.sock" ] || [ ! -s "$D/run/pa.pid" ]; do
		i=$((i + 1))
		[ $i -lt 200 ] || fail "pa: no socket or pid file"
		sleep 0.05
	done
	pid=$(cat "$D/run/pa.pid")
	track "$pid"
	[ "$(cat "$D/run/pa.pid")" = "$(printf '%s\n' "$pid")" ] || fail "pa: pid file content"
	kill -0 "$pid" 2>/dev/null || fail "pa: pid $pid from the pid file does not run"
	# daemon(3): its own session, not the test's
	[ "$(cut -d' ' -f6 "/proc/$pid/stat")" = "$pid" ] || fail "pa: not a session leader"
	runs_as_nobody "$pid"
	[ "$(stat -c '%U:%G %a' "$D/run/pa.sock")" = "nobody:nogroup 750" ] ||
		fail "pa: socket $(stat -c '%U:%G %a' "$D/run/pa.sock")"
	lua_ext pa one BS_SOCK="$D/run/pa.sock" BS_QID=P1 || fail "pa: scoring as nobody"
	[ "$(stat -c '%U %a' "$D/pa.spool")" = "root 640" ] ||
		fail "pa: spool $(stat -c '%U %a' "$D/pa.spool")"

	# reload after the drop: model 2 in place, SIGUSR1, until a record names it
	b=$(sed -n 's/^model //p' "$D/m2.bsm" | head -n 1)
	cp "$D/m2.bsm" "$D/pa.bsm"
	kill -USR1 "$pid"
	i=0
	while :; do
		i=$((i + 1))
		lua_ext pa one BS_SOCK="$D/run/pa.sock" BS_QID="R$i" >/dev/null || fail "pa: R$i"
		awk -v q="R$i" '$4 == q { print $9 }' "$D/pa.spool" | grep -qx "$b" && break
		[ $i -lt 20 ] || fail "pa: the reload as nobody did not take model 2"
		sleep 0.1
	done

	kill -TERM "$pid"
	gone "$pid"
	[ -e "$D/run/pa.pid" ] && fail "pa: pid file not removed"
	echo "pa: daemon as nobody, pid file, socket 0750 nobody:nogroup, scoring, reload: passed"
}

scenario_b() {
	mkconf pb "UserID = \"nobody:nogroup\"
PidFile = \"$D/pb.pid\""
	"$BS_MILTER" -f -T -x "$D/pb.conf" 2>"$D/pb.log" &
	pid=$!
	track $pid
	waitlog "$D/pb.log" "starting: pid $pid"
	runs_as_nobody "$pid"
	[ "$(cat "$D/pb.pid")" = "$pid" ] || fail "pb: pid file"
	kill -TERM "$pid"
	wait "$pid" || fail "pb: exit status $?"
	grep -qF "pid file $D/pb.pid left in place: its directory is not writable by this user" \
		"$D/pb.log" || fail "pb: no notice: $(cat "$D/pb.log")"
	[ -e "$D/pb.pid" ] || fail "pb: pid file gone?"
	echo "pb: foreground as nobody, pid file left with a notice: passed"
}

scenario_a &
BG_PIDS="$BG_PIDS $!"
scenario_b &
BG_PIDS="$BG_PIDS $!"
lua_wait || fail "privilege drop"
sanitizers_clean
echo "privilege drop tests passed"
