#!/bin/sh
# faults.sh - each On-* action (accept, tempfail, reject) by fault
# injection (src/milter/fault.h), one milter per action in parallel, with
# faults.lua; then the counters at exit show exactly the action taken, the
# spool holds only the scored messages' records and verifies, and the log
# holds no ciphertext or body word.
. "${top_srcdir:?}/tests/milter/fixture.sh"
[ -x "$BS_FAULT_MILTER" ] || fail "$BS_FAULT_MILTER not built"

for a in accept tempfail reject; do
	mkconf "f$a" "ModelFile = \"$D/f$a.bsm\"
On-NoModel = $a
On-SpoolError = $a
On-InternalError = $a"
	(BS_ACTION=$a && export BS_ACTION && lua "f$a" faults "$BS_FAULT_MILTER") &
	BG_PIDS="$BG_PIDS $!"
done
lua_wait || fail "faults.lua"

for a in accept tempfail reject; do
	log=$D/f$a.log
	line=$(grep "counters (exit)" "$log") || fail "$a: no counters at exit"
	for c in accepted tempfailed rejected; do
		want=0
		[ "$c" = "${a}ed" ] && want=3
		echo "$line" | grep -q " $c=$want " ||
			fail "$a: want $c=$want: $line"
	done
	echo "$line" | grep -q " scored=2 " || fail "$a: want scored=2: $line"
	"$T/blindscore-decrypt" --insecure-test-key -k "$D/k.sec" -m "$D/model.txt" -a \
		-f csv --no-progress "$D/f$a.spool" >"$D/f$a.csv" 2>"$D/f$a.err" ||
		fail "$a: the spool does not verify: $(cat "$D/f$a.err")"
	[ "$(cut -d, -f3 "$D/f$a.csv" | grep -c '^[RF]1$')" -eq 2 ] ||
		fail "$a: records: $(cat "$D/f$a.csv")"
	log_clean "$log" "$D/f$a.spool" "$D/out/fault-$a.eml" || fail "$a: secret material in the log"
	echo "$a: counters and spool as expected"
done
grep -q "BS_FAULT_FILE" "$BS_MILTER" && fail "the installed binary has fault points"
sanitizers_clean
echo "fault tests passed"
