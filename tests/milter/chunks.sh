#!/bin/sh
# chunks.sh - chunks.lua (65,535-byte pieces, words, base64 and QP split
# across pieces; MaximumScannedBytes = 0) and truncate.lua
# (MaximumScannedBytes = 100k, SKIP) in parallel; then every saved
# message's header decrypts to exactly blindscore-score's offline score (for
# the truncated message: of the prefix the milter scanned), and the counters
# and logs are as expected.
. "${top_srcdir:?}/tests/milter/fixture.sh"

# 4,096 buckets, so that long messages do not fill every bucket to the clip
"$B/tests/milter/mkmodel" "$D/big.txt" 12 3 || fail "mkmodel"
"$T/blindscore-encrypt" --insecure-test-key -q -k "$D/k.pub" -m "$D/big.txt" -o "$D/big.bsm" \
	2>/dev/null || fail "encrypt"
mkconf ck "MaximumScannedBytes = 0
ModelFile = \"$D/big.bsm\""
mkconf tr "MaximumScannedBytes = 100k
ModelFile = \"$D/big.bsm\""
lua_bg ck chunks
lua_bg tr truncate
lua_wait || fail "chunks.lua / truncate.lua"

for m in chunks-C1 chunks-C2 chunks-C3 trunc-T2; do
	got=$(decrypt_headers "$D/out/$m.eml" "$D/big.txt" | tail -n 1 | cut -d, -f9)
	want=$(offline "$D/out/$m.orig" "$D/big.txt")
	echo "$m ($(wc -c <"$D/out/$m.orig") bytes): offline $want, decrypted $got"
	[ -n "$want" ] && [ "$got" = "$want" ] || fail "$m: decrypted $got, offline $want"
done
grep "counters (exit)" "$D/tr.log" | grep -q " scored=4 truncated=3 " ||
	fail "counters: $(grep counters "$D/tr.log")"
log_clean "$D/ck.log" "$D/ck.spool" "$D"/out/chunks-*.eml || fail "ck: secret material in the log"
log_clean "$D/tr.log" "$D/tr.spool" "$D"/out/trunc-*.eml || fail "tr: secret material in the log"
sanitizers_clean
echo "chunk tests passed"
