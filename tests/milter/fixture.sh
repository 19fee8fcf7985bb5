# fixture.sh - sourced by the milter test scripts (tests/milter/*.sh).
#
# Makes a temporary directory $D holding a 512-bit test key (k.pub, k.sec)
# and two tiny models encrypted under it (model.txt -> m.bsm, model2.txt ->
# m2.bsm), and defines:
#   mkconf NAME [LINES]  write $D/NAME.conf for an instance NAME (socket
#                        $D/NAME.sock, spool $D/NAME.spool, header and spool
#                        output); LINES are appended (a later line wins)
#   lua NAME SCRIPT [BINARY]
#                        run tests/milter/SCRIPT.lua under miltertest against
#                        instance NAME; the milter's log (standard error) is
#                        $D/NAME.log; prints the log on failure; status 0/1
#   lua_bg ... / lua_wait   the same in the background, then wait for all
#   lua_ext NAME SCRIPT [VAR=VALUE...]
#                        the same for a milter the shell started itself,
#                        logging to $D/NAME.log (miltertest's own errors go
#                        to $D/NAME.mt)
#   track PID            kill PID at exit (servers started in subshells)
#   waitlog FILE TEXT [COUNT [SECONDS]]
#                        wait until FILE has COUNT lines with TEXT, or fail
#   decrypt_headers FILE [MODEL]
#                        blindscore-decrypt --headers (models model.txt,
#                        model2.txt and MODEL): CSV, a header line first
#   offline FILE [MODEL]  blindscore-score's integer score of a message
#   log_clean LOG FILE..  the log holds no ciphertext of the spool/headers
#                        and no word of the messages' bodies
#   sanitizers_clean     no AddressSanitizer, LeakSanitizer or UBSan report
#                        in any log of $D (a --enable-sanitizers build)
#   fail MSG              print and exit 1
# Exits 77 (skip) without miltertest.
set -u
if ! command -v miltertest >/dev/null 2>&1; then
	echo "miltertest not found: skipped"
	exit 77
fi
B=${top_builddir:?}
S=${top_srcdir:?}
T=$B/src/tools
BS_MILTER=$B/src/milter/blindscore-milter
BS_FAULT_MILTER=$B/tests/milter/blindscore-milter-fault
BS_SRCDIR=$S/tests/milter
export BS_SRCDIR
D=$(mktemp -d /tmp/bs-milter-test.XXXXXX) || exit 99
chmod 755 "$D"
BG_PIDS=
trap 'for p in $BG_PIDS $(cat "$D/pids" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
rm -rf "$D"' EXIT
trap 'exit 1' INT TERM
fail() {
	echo "FAIL: $*"
	exit 1
}

"$T/blindscore-keygen" --insecure-test-key -b 512 -N -q -o "$D/k" 2>/dev/null || fail "keygen"
"$B/tests/milter/mkmodel" "$D/model.txt" 8 0 || fail "mkmodel"
"$B/tests/milter/mkmodel" "$D/model2.txt" 8 5 || fail "mkmodel 2"
for m in m:model m2:model2; do
	"$T/blindscore-encrypt" --insecure-test-key -q -k "$D/k.pub" -m "$D/${m#*:}.txt" \
		-o "$D/${m%%:*}.bsm" 2>/dev/null || fail "encrypt ${m#*:}"
done
mkdir "$D/out" || exit 99

mkconf() {
	cat >"$D/$1.conf" <<EOC
Socket = "unix:$D/$1.sock"
Syslog = no
PublicKeyFile = "$D/k.pub"
ModelFile = "$D/m.bsm"
SpoolFile = "$D/$1.spool"
AddHeader = yes
InternalHosts = {"10.1.0.0/16", "::1", "2001:db8:1::/48"}
MTA = {"ORIGINATING"}
LogWhy = yes
${2:-}
EOC
}

# mt NAME SCRIPT ERRFILE BINARY [VAR=VALUE...]
mt() {
	name=$1
	script=$2
	err=$3
	bin=$4
	shift 4
	env BS_MILTER="$bin" BS_CONF="$D/$name.conf" BS_SOCK="$D/$name.sock" \
		BS_SPOOL="$D/$name.spool" BS_LOG="$D/$name.log" BS_OUT="$D/out" BS_NAME="$name" \
		BS_FAULT_FILE="$D/$name.fault" BS_DIR="$D" BS_SCRIPT="$BS_SRCDIR/$script.lua" "$@" \
		miltertest -s "$BS_SRCDIR/wrap.lua" >"$D/$name.out" 2>"$err"
	rc=$?
	cat "$D/$name.out"
	if [ $rc -ne 0 ]; then
		echo "--- $script.lua ($name) failed; log:"
		cat "$D/$name.log"
		[ "$err" = "$D/$name.log" ] || cat "$err"
		return 1
	fi
	return 0
}

lua() {
	mt "$1" "$2" "$D/$1.log" "${3:-$BS_MILTER}"
}

lua_ext() {
	n=$1
	s=$2
	shift 2
	mt "$n" "$s" "$D/$n.mt" "$BS_MILTER" "$@"
}

track() {
	echo "$1" >>"$D/pids"
}

waitlog() {
	i=0
	while [ $i -lt $((${4:-30} * 20)) ]; do
		[ "$(grep -cF -- "$2" "$1" 2>/dev/null)" -ge "${3:-1}" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "--- $1:"
	cat "$1"
	fail "no '$2' (x${3:-1}) in $1"
}

lua_bg() {
	lua "$@" &
	BG_PIDS="$BG_PIDS $!"
}

lua_wait() {
	st=0
	for p in $BG_PIDS; do
		wait "$p" || st=1
	done
	BG_PIDS=
	return $st
}

decrypt_headers() {
	"$T/blindscore-decrypt" --insecure-test-key -k "$D/k.sec" -m "$D/model.txt" \
		-m "$D/model2.txt" ${2:+-m "$2"} --headers -a -f csv --no-progress "$1"
}

offline() {
	"$T/blindscore-score" -M "${2:-$D/model.txt}" --rfc822 "$1" | cut -f2
}

# The log must hold no ciphertext (spool records, added headers) and no
# word of the bodies the scripts saved in $D/out (one grep -F for each).
log_clean() {
	log=$1
	shift
	pat=$D/log_clean.$$
	for f in "$@"; do
		[ -f "$f" ] || continue
		# spool: field 11 of each record; headers: the c= value, unfolded
		awk '$1 == "bs1" { print $11 }' "$f"
		tr -d '\n\t ' <"$f" | grep -o 'c=[A-Za-z0-9+/=]*' | cut -c3-
	done | awk 'length($0) >= 40 { print substr($0, 1, 40) }' >"$pat"
	if [ -s "$pat" ] && grep -F -f "$pat" "$log"; then
		echo "a ciphertext is in $log"
		return 1
	fi
	for f in "$D"/out/*.orig; do
		[ -f "$f" ] || continue
		sed '1,/^$/d' "$f" | tr -cs 'A-Za-z' '\n' | awk 'length($0) >= 9'
	done | sort -u >"$pat"
	if [ -s "$pat" ] && grep -i -F -f "$pat" "$log"; then
		echo "a word of a message body is in $log"
		return 1
	fi
	return 0
}

sanitizers_clean() {
	if grep -l -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$D"/*.log "$D"/*.mt \
		"$D"/*.err 2>/dev/null; then
		for f in $(grep -l -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$D"/*.log \
			"$D"/*.mt "$D"/*.err 2>/dev/null); do
			echo "--- $f"
			cat "$f"
		done
		fail "sanitizer reports"
	fi
	return 0
}
