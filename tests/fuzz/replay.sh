#!/bin/sh
# replay.sh - run every fuzz target once over its seed corpus
# (tests/fuzz/corpus/<target>) and its regression inputs
# (tests/fuzz/regress/<target>): every input that once crashed a target stays
# a test.  Works with both builds: the standalone driver, or libFuzzer
# (which runs the files it is given and exits).  A crash, sanitizer report or
# abort fails the test and names the target.
set -u

B="${top_builddir:-.}"
S="${top_srcdir:-..}"
targets="mime keyfile model emodel record spool conf decrypt_input"
failures=0
total=0

for t in $targets; do
	bin="$B/tests/fuzz/fuzz_$t"
	[ -x "$bin" ] || { echo "FAIL: $bin not built"; failures=$((failures + 1)); continue; }
	list=$(mktemp "${TMPDIR:-/tmp}/replay.XXXXXX") || exit 99
	for d in "$S/tests/fuzz/corpus/$t" "$S/tests/fuzz/regress/$t"; do
		[ -d "$d" ] && find "$d" -type f ! -name 'README*' | LC_ALL=C sort >>"$list"
	done
	n=$(wc -l <"$list")
	total=$((total + n))
	if [ "$n" -eq 0 ]; then
		echo "FAIL: fuzz_$t: no seed inputs in $S/tests/fuzz/corpus/$t"
		failures=$((failures + 1))
	elif tr '\n' '\0' <"$list" | xargs -0 "$bin" >"$list.log" 2>&1; then
		echo "ok: fuzz_$t: $n inputs"
	else
		echo "FAIL: fuzz_$t crashed on one of its $n inputs:"
		grep -E 'Running:|ERROR|SUMMARY|runtime error|Aborted|abort' "$list.log" | tail -20 |
			sed 's/^/  /'
		failures=$((failures + 1))
	fi
	rm -f "$list" "$list.log"
done
echo "$total inputs, $failures failing targets"
[ "$failures" -eq 0 ]
