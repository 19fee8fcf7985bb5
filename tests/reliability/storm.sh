#!/bin/sh
# storm.sh - reload storms (issue 8, item 4), driven by storm.py: 1,000
# SIGUSR1 to the milter ("usr1") and 1,000 SIGHUP to an `-A` supervisor
# ("hup", turned into SIGUSR1 for its child), each during load; the two
# scenarios run side by side, each with its own milter.
#
# Load: 4 threads speaking the milter protocol on the milter's unix socket
# (1-3 messages per connection, 12 different messages sent in 1-3 body
# chunks, 3 % aborted before EOH, ~0.1 s pauses).  Before each signal the
# configuration is replaced atomically by the next variant: models A (B=8)
# and B (B=9: another feature pipeline) alternately, and every 100th signal
# one of 10 broken variants (truncated, plaintext, empty, bit-flipped,
# missing model; a model under another key; a 512-bit key while the spool
# holds 1024-bit records; a secret key as PublicKeyFile; a model over
# MaximumWeightBound; a bad configuration line), kept until its failure is
# in the log.  Signals come every ~60 ms with bursts of 10 back to back.
# A reload costs ~0.65 s of CPU even with this 1024-bit key and tiny models
# (the scorer rebuilds its 24 MiB randomizer table), so most signals
# coalesce: the test prints the signals sent, those the supervisor took, and
# the reloads the milter made.
#
# Checks, per scenario: the milter (and the supervisor) stay up, the
# supervisor's child keeps its pid (one start in the log); every message
# sent gets exactly one record (aborted ones none, no other records), the
# spool's chain verifies, each record decrypts (blindscore-decrypt, the test
# key) to blindscore-score's offline score of its message under the model it
# names, and the X-Blindscore header carries the record's model and
# ciphertext; both models were used; each broken variant failed with its
# file and reason in the log, no reload failed for another reason; the
# counters at exit agree with the log, nothing tempfailed; at least 10 real
# reloads, 4 of them successful; after the storm a reload to the other
# model works under load and mail is then scored with it; open files and
# threads are no more than before the storm (plain build: memory mappings
# +32, RSS +128 MiB at most); SIGTERM stops it with status 0.
#
# Leaks: in an ASan build (check-asan-extra) LeakSanitizer runs at the
# milter's exit (detect_leaks=1 is forced here): a leak aborts the milter or
# makes its exit status non-zero, and its report in the log fails the test
# (the supervisor passes a crash at exit on: supervisor-stop.sh).
# `storm.sh --valgrind` (storm-valgrind.sh) runs "usr1" under valgrind
# memcheck with a reduced plan (skipped without valgrind or in an ASan
# build).  STORM_SIGNALS overrides the count and STORM_KEEP=1 keeps the
# directory; STORM_MILTER runs another binary (manual runs).
top_builddir=${top_builddir:-$(pwd)}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
B=$top_builddir
S=$top_srcdir
MILTER=${STORM_MILTER:-$B/src/milter/blindscore-milter}

py=/usr/bin/python3
[ -x $py ] || py=$(command -v python3) || {
	echo "python3 not found: skipped"
	exit 77
}
for f in "$MILTER" "$B/tests/milter/mkmodel" "$B/src/tools/blindscore-decrypt"; do
	[ -x "$f" ] || {
		echo "storm.sh: $f is not built" >&2
		exit 99
	}
done
asan=no
grep -q __asan_init "$MILTER" && asan=yes

mode=plain
[ "${1:-}" = --valgrind ] && mode=valgrind
if [ $mode = valgrind ]; then
	if ! command -v valgrind >/dev/null 2>&1; then
		echo "valgrind not found: skipped"
		exit 77
	fi
	if [ $asan = yes ]; then
		echo "an ASan build (valgrind cannot run it): skipped; storm.sh covers leaks there"
		exit 77
	fi
fi

D=$(mktemp -d /tmp/bs-storm.XXXXXX) || exit 99
# storm.py writes the pid of every milter it starts to $D/pids (and stops
# them itself); if it was killed, stop those still running (checked by name)
cleanup() {
	[ -f "$D/pids" ] && while read -r p; do
		grep -q blindscore-milter "/proc/$p/cmdline" 2>/dev/null && kill -9 "$p"
	done <"$D/pids"
	if [ -n "${STORM_KEEP:-}" ]; then
		echo "kept $D"
	else
		rm -rf "$D"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "FAIL: $*"
	exit 1
}

set -- --dir "$D" --tools "$B/src/tools" --mkmodel "$B/tests/milter/mkmodel" \
	--samples "$S/contrib/samples" --milter "$MILTER"
limit=600
case $mode in
plain)
	# 1,000 signals in about a minute: a reload costs ~0.65 s of CPU here
	# (the scorer rebuilds its 24 MiB randomizer table), so most coalesce
	set -- "$@" --scenario usr1 --scenario hup --signals "${STORM_SIGNALS:-1000}" --period-ms 60
	if [ $asan = yes ]; then
		# leak detection on whatever the caller set (a later option wins)
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"
		export ASAN_OPTIONS
		set -- "$@" --no-memory
	fi
	;;
valgrind)
	# under memcheck a reload costs ~40x: start, failed reloads on every
	# cheap broken variant during load, one swap to the other model, stop;
	# SIGUSR1 only (the supervisor is the same code as under ASan)
	limit=900
	set -- "$@" --scenario usr1 --signals "${STORM_SIGNALS:-40}" --broken-every 1 \
		--broken trunc,plain,empty,flip,missing,wrongkey,secret,bounds,badconf \
		--no-warmup --workers 2 --pause-ms 100 --min-reloads 40 --min-swaps 0 \
		--slow 10 --no-memory \
		--wrapper "valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --error-exitcode=99 --log-file=$D/vg.%p.log"
	;;
esac
to=
command -v timeout >/dev/null 2>&1 && to="timeout -k 10 $limit"
echo "storm.sh ($mode$([ $asan = yes ] && echo ", ASan")): $*" | sed "s|$D|\$D|g"
$to "$py" "$S/tests/reliability/storm.py" "$@"
rc=$?

if [ $mode = valgrind ]; then
	n=0
	bad=0
	for f in "$D"/vg.*.log; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		# every process ended normally (a summary) with no error and no
		# definite leak (--errors-for-leak-kinds=definite counts them)
		if ! grep -q "ERROR SUMMARY: 0 errors" "$f"; then
			echo "--- $f:"
			cat "$f"
			bad=1
		fi
	done
	[ $bad -eq 0 ] || fail "valgrind: errors, definite leaks or no summary"
	[ $n -ge 1 ] || fail "no valgrind log"
	echo "valgrind: no errors and no definite leaks in $n process(es)"
fi
[ $rc -eq 124 ] && fail "storm.py did not finish within $limit s"
[ $rc -eq 0 ] || fail "storm.py (status $rc)"
echo "storm ($mode) passed"
