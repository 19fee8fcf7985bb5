#!/bin/sh
# systemd-security.sh - contrib/systemd/blindscore-milter.service keeps its
# hardening and what the milter needs:
#   - `systemd-analyze security --offline=true` rates its exposure at most
#     MAX = 1.2 (the unit's 1.1 with systemd 252 plus one rounding step; taking
#     out any one of User=, CapabilityBoundingSet=, SystemCallFilter=,
#     NoNewPrivileges=, ProtectSystem=, PrivateDevices=, RestrictNamespaces=
#     or ProtectProc= gives 1.3 to 2.9: contrib/systemd/README);
#   - systemd reports no unknown or unparsable setting in it;
#   - Type=simple with -f, ExecReload sending SIGUSR1, /run/blindscore
#     (RuntimeDirectory) and /var/spool/blindscore writable.
# BS_UNIT=FILE checks another unit file.  Skips (77) without systemd-analyze
# or where it has no --offline (systemd < 250).
set -u

MAX=1.2
UNIT="${BS_UNIT:-${top_srcdir:-.}/contrib/systemd/blindscore-milter.service}"
command -v systemd-analyze >/dev/null 2>&1 || { echo "no systemd-analyze: skipped"; exit 77; }
[ -r "$UNIT" ] || { echo "cannot read $UNIT"; exit 99; }
T=$(mktemp -d "${TMPDIR:-/tmp}/unit-test.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# The unit under its own name (offline analysis takes the name from the file).
cp "$UNIT" "$T/blindscore-milter.service" || exit 99
timeout 120 systemd-analyze security --offline=true --no-pager \
	"$T/blindscore-milter.service" >"$T/out" 2>&1
rc=$?
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p' "$T/out")
if [ -z "$score" ]; then
	if grep -q -i "unrecognized option\|unknown option\|invalid option" "$T/out"; then
		echo "systemd-analyze cannot analyze offline here (systemd < 250?): skipped"
		sed 's/^/  /' "$T/out"
		exit 77
	fi
	fail "no exposure level from systemd-analyze (exit $rc):"
	sed 's/^/  /' "$T/out"
else
	echo "exposure $score ($(systemd-analyze --version | head -1))"
	if awk -v s="$score" -v m="$MAX" 'BEGIN { exit !(s <= m) }'; then
		ok "exposure $score <= $MAX"
	else
		fail "exposure $score > $MAX; what is exposed:"
		grep '✗' "$T/out" | sed 's/^/  /'
	fi
fi
if grep -i "unknown\|failed to parse\|ignoring\|invalid" "$T/out" | grep -q "blindscore-milter.service"; then
	fail "systemd does not understand every line:"
	grep -i "unknown\|failed to parse\|ignoring\|invalid" "$T/out" | sed 's/^/  /'
else
	ok "every setting understood"
fi

# need PATTERN DESCRIPTION: the unit has a line matching PATTERN
need() {
	if grep -q -- "$1" "$T/blindscore-milter.service"; then ok "$2"; else
		fail "$2: no line matching '$1'"; fi
}
need '^Type=simple$' "Type=simple"
need '^ExecStart=[^ ]*blindscore-milter .*-f' "ExecStart in the foreground (-f)"
# shellcheck disable=SC2016 # a literal $MAINPID
need '^ExecReload=/bin/kill -USR1 \$MAINPID$' "ExecReload sends SIGUSR1"
need '^RuntimeDirectory=blindscore$' "RuntimeDirectory /run/blindscore"
need '^ReadWritePaths=.*/run/blindscore' "/run/blindscore writable"
need '^ReadWritePaths=.*/var/spool/blindscore' "/var/spool/blindscore writable"
if grep -q '^PrivateNetwork=\(yes\|true\|1\)' "$T/blindscore-milter.service"; then
	fail "PrivateNetwork= would cut off inet sockets"
fi

if [ $failures -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "all passed"
