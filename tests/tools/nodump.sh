#!/bin/sh
# nodump.sh - the programs that hold a secret keep it out of core dumps
# (src/lib/harden.h; SECURITY in their man pages): blindscore-keygen (the
# secret key), blindscore-decrypt (the secret key and the scores) and
# blindscore-encrypt (the seed, also with --verify).  Each is started as an
# unprivileged user, with the soft core size limit raised to the hard one,
# and left blocked opening a FIFO that nobody writes; then, within 10 s,
#   /proc/PID/limits must say "Max core file size 0 0", and
#   /proc/PID/environ must belong to root although the process runs as that
#   user (the kernel does that for a non-dumpable process only).
# cat(1), started the same way, is the control: it must be seen dumpable,
# with its limit as started, so that the checks are seen to tell the two
# apart.  As root the programs run as nobody (setpriv); as another user, as
# that user.  Skips (77) where neither works.
set -u

B="${top_builddir:-.}"
T=$(mktemp -d "${TMPDIR:-/tmp}/nodump-test.XXXXXX") || exit 99
pids=""
cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 99' HUP INT TERM
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

for p in blindscore-keygen blindscore-decrypt blindscore-encrypt; do
	[ -x "$B/src/tools/$p" ] || { echo "no $B/src/tools/$p"; exit 99; }
done

# Who runs the programs.
AS=""
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null 2>&1 || { echo "root without setpriv(1): skipped"; exit 77; }
	getent passwd nobody >/dev/null || { echo "no user nobody: skipped"; exit 77; }
	AS="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
	chmod 755 "$T"
	# shellcheck disable=SC2086
	$AS test -x "$B/src/tools/blindscore-keygen" 2>/dev/null ||
		{ echo "nobody cannot run $B/src/tools/blindscore-keygen: skipped"; exit 77; }
	# shellcheck disable=SC2086
	$AS test -x "$T" 2>/dev/null || { echo "nobody cannot reach $T: skipped"; exit 77; }
fi
USER_ID=$(${AS:-env} id -u)
echo "running as uid $USER_ID"

# shellcheck disable=SC3045 # dash and bash have ulimit -H and -S
HARD=$(ulimit -H -c)
# shellcheck disable=SC3045
ulimit -S -c "$HARD" 2>/dev/null || true
if [ "$HARD" = 0 ]; then
	echo "note: the hard core size limit is already 0 here: only the dumpable check tells"
fi

mkfifo -m 666 "$T/fifo" || exit 99
F="$T/fifo"

# limits PID: "soft hard" of the core file size
limits() { awk '/^Max core file size/ { print $5, $6 }' "/proc/$1/limits" 2>/dev/null; }
owner() { stat -c %u "/proc/$1/environ" 2>/dev/null; }

# watch WANT NAME COMM -- command...: start it blocked on the FIFO, wait until
# it is COMM (exec done) and, for WANT=nodump, shows both marks; then judge.
watch() {
	want=$1 name=$2 comm=$3
	shift 4
	# shellcheck disable=SC2086
	$AS "$@" >"$T/out" 2>"$T/err" </dev/null &
	pid=$!
	pids="$pids $pid"
	i=0
	while [ $i -lt 200 ]; do
		if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ]; then
			[ "$want" = dump ] && break
			[ "$(limits $pid)" = "0 0" ] && [ "$(owner $pid)" = 0 ] && break
		fi
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	l=$(limits $pid) o=$(owner $pid) c=$(cat "/proc/$pid/comm" 2>/dev/null)
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	if [ "$c" != "$comm" ]; then
		fail "$name: not running as $comm (exited early?)"
		sed 's/^/  stderr: /' "$T/err"
	elif [ "$uid" != "$USER_ID" ]; then
		fail "$name: runs as uid $uid, not $USER_ID"
	elif [ "$want" = nodump ]; then
		[ "$l" = "0 0" ] && ok "$name: core size limit 0 (soft and hard)" ||
			fail "$name: core size limit '$l', expected '0 0'"
		[ "$o" = 0 ] && ok "$name: not dumpable (/proc/PID/environ owned by root)" ||
			fail "$name: dumpable (/proc/PID/environ owned by uid $o)"
	else
		[ "$l" = "$HARD $HARD" ] && ok "$name: core size limit as started ($l)" ||
			fail "$name: core size limit '$l', expected '$HARD $HARD'"
		[ "$o" = "$USER_ID" ] && ok "$name: dumpable (/proc/PID/environ owned by uid $o)" ||
			fail "$name: /proc/PID/environ owned by uid $o, expected $USER_ID"
	fi
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
}

watch dump "control: cat" cat -- cat "$F"
watch nodump "blindscore-keygen --check" blindscore-keyg -- \
	"$B/src/tools/blindscore-keygen" --check "$F"
watch nodump "blindscore-decrypt" blindscore-decr -- \
	"$B/src/tools/blindscore-decrypt" -k "$F" -m "$F"
watch nodump "blindscore-encrypt" blindscore-encr -- \
	"$B/src/tools/blindscore-encrypt" -k "$F" -m "$F" -o "$T/out.bsm"
watch nodump "blindscore-encrypt --verify" blindscore-encr -- \
	"$B/src/tools/blindscore-encrypt" --verify "$F" "$F" "$F"

if [ $failures -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "all passed"
