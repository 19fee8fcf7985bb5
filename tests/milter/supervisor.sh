#!/bin/sh
# supervisor.sh - blindscore-milter -A (src/milter/supervisor.h), four
# supervisors in parallel:
#   sa: PidFile holds the supervisor's pid; SIGHUP becomes a reload of the
#       child (which keeps its pid); SIGUSR2 is passed on; a child killed by
#       SIGKILL is restarted (new pid) and serves, the spool chain continuing;
#       SIGTERM stops both: exit 0, pid file removed;
#   sb: the child stopping cleanly on its own makes the supervisor exit 0;
#   sc: AutoRestartRate = 2/1m: the third crash makes it give up (exit 70);
#   sd: a child that fails with a configuration error (exit 78) is not
#       restarted: the supervisor exits 78;
#   se: without -f the supervisor detaches; as root with UserID = nobody it
#       stays root while its child runs as nobody; SIGTERM ends both and
#       removes the pid file.
. "${top_srcdir:?}/tests/milter/fixture.sh"

# start NAME: the supervisor in the foreground; sets SUP
start() {
	"$BS_MILTER" -A -f -T -x "$D/$1.conf" 2>"$D/$1.log" &
	SUP=$!
	track $SUP
	waitlog "$D/$1.log" "starting: pid"
}

# the pid of the newest child of instance NAME
child() {
	sed -n 's/.*supervisor: started the milter, pid \([0-9]*\).*/\1/p' "$D/$1.log" | tail -n 1
}

# wait (bounded) for the supervisor SUP and check its exit status
stopped() {
	(
		sleep 15
		kill -9 "$SUP" 2>/dev/null
	) &
	dog=$!
	wait "$SUP"
	st=$?
	kill "$dog" 2>/dev/null
	[ "$st" -eq "$2" ] || {
		cat "$D/$1.log"
		fail "$1: supervisor exit status $st, not $2"
	}
}

scenario_a() {
	mkconf sa "PidFile = \"$D/sa.pid\""
	start sa
	[ "$(cat "$D/sa.pid")" = "$SUP" ] || fail "sa: pid file holds $(cat "$D/sa.pid"), not $SUP"
	c1=$(child sa)
	[ -n "$c1" ] && [ "$c1" != "$SUP" ] || fail "sa: no child pid in the log"
	lua_ext sa one BS_QID=A1 || fail "sa: first message"

	kill -HUP $SUP
	waitlog "$D/sa.log" "supervisor: SIGHUP: asking the milter (pid $c1) to reload"
	waitlog "$D/sa.log" "reloaded $D/sa.conf"
	kill -0 "$c1" 2>/dev/null || fail "sa: SIGHUP stopped the child"
	kill -USR2 $SUP
	waitlog "$D/sa.log" "SIGUSR2: reopening the spool"
	lua_ext sa one BS_QID=A2 || fail "sa: message after the reload"

	kill -KILL "$c1"
	waitlog "$D/sa.log" "the milter (pid $c1) was killed by signal 9 (Killed); restarting it in 1 s"
	waitlog "$D/sa.log" "starting: pid" 2
	c2=$(child sa)
	[ "$c2" != "$c1" ] || fail "sa: the child was not replaced"
	lua_ext sa one BS_QID=A3 || fail "sa: message to the restarted child"
	"$T/blindscore-decrypt" --insecure-test-key -k "$D/k.sec" -m "$D/model.txt" -a -f csv \
		--no-progress "$D/sa.spool" >"$D/sa.csv" 2>"$D/sa.err" ||
		fail "sa: the spool does not verify: $(cat "$D/sa.err")"
	[ "$(grep -c ',A[123],' "$D/sa.csv")" -eq 3 ] || fail "sa: three records: $(cat "$D/sa.csv")"

	kill -TERM $SUP
	stopped sa 0
	grep -qF "supervisor: the milter (pid $c2) exited with status 0; exiting" "$D/sa.log" ||
		fail "sa: no clean stop in the log"
	[ -e "$D/sa.pid" ] && fail "sa: pid file left behind"
	kill -0 "$c2" 2>/dev/null && fail "sa: child $c2 still runs"
	echo "sa: pid file, SIGHUP reload, SIGUSR2, restart after SIGKILL, SIGTERM: passed"
}

scenario_b() {
	mkconf sb
	start sb
	kill -TERM "$(child sb)"
	stopped sb 0
	grep -qF "exited with status 0; exiting" "$D/sb.log" || fail "sb: log"
	echo "sb: the child's clean exit ends the supervisor: passed"
}

scenario_c() {
	mkconf sc "AutoRestartRate = 2/1m"
	start sc
	for i in 1 2; do
		kill -KILL "$(child sc)"
		waitlog "$D/sc.log" "starting: pid" $((i + 1))
	done
	kill -KILL "$(child sc)"
	stopped sc 70
	grep -qF "giving up: 2 restarts in the last 60 s (AutoRestartRate)" "$D/sc.log" ||
		fail "sc: log: $(cat "$D/sc.log")"
	echo "sc: AutoRestartRate stops a crash loop: passed"
}

scenario_d() {
	mkconf sd
	start sd
	echo "UMask = 0999" >>"$D/sd.conf"
	kill -KILL "$(child sd)"
	stopped sd 78
	grep -qF "exited with status 78 (a configuration error): not restarting it" "$D/sd.log" ||
		fail "sd: log: $(cat "$D/sd.log")"
	echo "sd: no restart after a configuration error: passed"
}

scenario_e() {
	user=
	[ "$(id -u)" -eq 0 ] && getent passwd nobody >/dev/null && user="UserID = \"nobody\""
	mkconf se "PidFile = \"$D/se.pid\"
$user"
	"$BS_MILTER" -A -T -x "$D/se.conf" 2>"$D/se.start" || fail "se: start"
	i=0
	while [ ! -S "$D/se.sock" ] || [ ! -s "$D/se.pid" ]; do
		i=$((i + 1))
		[ $i -lt 200 ] || fail "se: no socket or pid file"
		sleep 0.05
	done
	sup=$(cat "$D/se.pid")
	track "$sup"
	kid=$(cat "/proc/$sup/task/$sup/children" 2>/dev/null || pgrep -P "$sup")
	kid=$(echo $kid)
	[ -n "$kid" ] && kill -0 "$kid" || fail "se: no child of $sup"
	track "$kid"
	[ "$(cut -d' ' -f6 "/proc/$sup/stat")" = "$sup" ] || fail "se: not detached"
	if [ -n "$user" ]; then
		sleep 0.2
		grep -q "^Uid:	0	" "/proc/$sup/status" || fail "se: the supervisor is not root"
		grep -q "^Uid:	$(id -u nobody)	$(id -u nobody)	" "/proc/$kid/status" ||
			fail "se: the child is not nobody: $(grep Uid "/proc/$kid/status")"
	fi
	lua_ext se one BS_QID=E1 || fail "se: message"
	kill -TERM "$sup"
	i=0
	while { kill -0 "$sup" || kill -0 "$kid"; } 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 300 ] || fail "se: still running"
		sleep 0.05
	done
	[ -e "$D/se.pid" ] && fail "se: pid file left"
	echo "se: detached supervisor${user:+ (root) with its child as nobody}: passed"
}

for s in a b c d e; do
	scenario_$s &
	BG_PIDS="$BG_PIDS $!"
done
lua_wait || fail "supervisor scenarios"
sanitizers_clean
echo "supervisor tests passed"
