#!/bin/sh
# reload.sh - SIGUSR1 and SIGUSR2 with reload.lua (good and broken models,
# a broken configuration, bounds, a restart-only option, rotation); then
# the rotated and the new spool verify as one chain, the pinned and the
# reloaded messages' headers decrypt to the offline scores under the model
# each names, and the counters agree (StatisticsInterval = 1: a counters
# line every second).
. "${top_srcdir:?}/tests/milter/fixture.sh"

mkconf rl "ModelFile = \"$D/rl.bsm\"
StatisticsInterval = 1"
BS_MODEL_A=$(sed -n 's/^model //p' "$D/m.bsm" | head -n 1)
BS_MODEL_B=$(sed -n 's/^model //p' "$D/m2.bsm" | head -n 1)
[ ${#BS_MODEL_A} -eq 64 ] && [ ${#BS_MODEL_B} -eq 64 ] || fail "model ids"
export BS_MODEL_A BS_MODEL_B
lua rl reload || fail "reload.lua"

"$T/blindscore-decrypt" --insecure-test-key -k "$D/k.sec" -m "$D/model.txt" \
	-m "$D/model2.txt" -a -f csv --no-progress "$D/rl.spool.1" "$D/rl.spool" >"$D/rl.csv" \
	2>"$D/rl.err" || fail "the spools do not verify as one chain: $(cat "$D/rl.err")"
[ "$(cut -d, -f1 "$D/rl.csv" | tail -n +2 | tr '\n' ' ')" = "1 2 3 4 5 6 7 8 9 10 " ] ||
	fail "sequence: $(cat "$D/rl.csv")"

for m in P1:model B1:model2; do
	got=$(decrypt_headers "$D/out/reload-${m%%:*}.eml" | tail -n 1 | cut -d, -f9)
	want=$(offline "$D/out/reload-${m%%:*}.orig" "$D/${m#*:}.txt")
	echo "${m%%:*}: ${m#*:} offline $want, decrypted $got"
	[ "$got" = "$want" ] || fail "${m%%:*}: decrypted $got, offline under ${m#*:} $want"
done
grep "counters (exit)" "$D/rl.log" | grep -q " reloads=3 reload_failures=4" ||
	fail "counters: $(grep counters "$D/rl.log")"
log_clean "$D/rl.log" "$D/rl.spool.1" "$D/rl.spool" "$D"/out/reload-*.eml ||
	fail "secret material in the log"
sanitizers_clean
echo "reload tests passed"
