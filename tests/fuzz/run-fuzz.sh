#!/bin/sh
# run-fuzz.sh - `make fuzz` in a tree configured with --enable-fuzzing:
#   run-fuzz.sh BUILDDIR SRCDIR SECONDS [TARGET...]
# For each target: replay its regression inputs, then fuzz for SECONDS with
# libFuzzer (ASan + UBSan), starting from the seed corpus and the inputs kept
# by earlier runs (BUILDDIR/fuzz-work/<target>/corpus, never the source
# tree).  Prints executions per target; fails if any target crashed, leaked,
# hit a sanitizer or a timeout; the input is left in
# BUILDDIR/fuzz-work/<target>/ to be copied to tests/fuzz/regress/<target>/.
set -u

B=$1 S=$2 secs=$3
shift 3
targets=${*:-"mime keyfile model emodel record spool conf decrypt_input"}
failures=0

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

for t in $targets; do
	t=${t#fuzz_}
	bin="$B/tests/fuzz/fuzz_$t"
	work="$B/fuzz-work/$t"
	seeds="$S/tests/fuzz/corpus/$t"
	regress="$S/tests/fuzz/regress/$t"
	mkdir -p "$work/corpus"
	[ -x "$bin" ] || { echo "fuzz_$t: not built"; failures=$((failures + 1)); continue; }
	if [ -d "$regress" ] && [ -n "$(find "$regress" -type f ! -name 'README*')" ]; then
		if ! find "$regress" -type f ! -name 'README*' -print0 | xargs -0 "$bin" \
			>"$work/regress.log" 2>&1; then
			echo "fuzz_$t: FAILED on a regression input (log: $work/regress.log):"
			grep -E 'Running:|runtime error|ERROR|SUMMARY' "$work/regress.log" | head -6 |
				sed 's/^/  /'
			failures=$((failures + 1))
			continue
		fi
	fi
	case $t in
	mime) opts="-max_len=16384" ;;
	*) opts="-max_len=8192" ;;
	esac
	dirs="$work/corpus $seeds"
	[ -d "$regress" ] && dirs="$dirs $regress"
	start=$(date +%s)
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2560 -print_final_stats=1 \
		-artifact_prefix="$work/" $opts $dirs >"$work/fuzz.log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -1)
	cov=$(grep -E '^#[0-9]+' "$work/fuzz.log" | tail -1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	if [ "$rc" -eq 0 ]; then
		echo "fuzz_$t: ${execs:-?} executions in ${took} s, coverage ${cov:-?}, no crash"
	else
		echo "fuzz_$t: FAILED (exit $rc) after ${execs:-?} executions in ${took} s:"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written|deadly signal|leak' \
			"$work/fuzz.log" | head -10 | sed 's/^/  /'
		echo "  log: $work/fuzz.log; keep the input: cp $work/<crash-file> $regress/"
		failures=$((failures + 1))
	fi
done
[ "$failures" -eq 0 ] || { echo "make fuzz: $failures target(s) failed"; exit 1; }
