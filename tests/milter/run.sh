#!/bin/sh
# run.sh - the basic blindscore-milter suite under miltertest: which mail is
# scored (outbound.lua, noauth.lua), several messages per connection with
# durable spool records (messages.lua), header replacement and folding
# (header.lua), the stored envelope sender and LogWhy lines with the queue id
# (logwhy.lua, nowhy.lua), each against its own milter, in parallel; then the added
# headers decrypt to blindscore-score's offline scores, and -n refuses what
# it must (bad values with file and line, missing model, a test key without
# -T, a secret key as PublicKeyFile, a model over the configured bounds).
. "${top_srcdir:?}/tests/milter/fixture.sh"

mkconf bs
"$BS_MILTER" -T -n -x "$D/bs.conf" >"$D/n.out" || fail "-n on a good config"
grep -q "OK: key .* model .*(B=8, C=3, W=352, S=80288)" "$D/n.out" || fail "-n: $(cat "$D/n.out")"
"$BS_MILTER" -n -x "$D/bs.conf" 2>/dev/null && fail "-n accepted a test key without -T"

# refused with exit status 78 and a message naming file, line or option
refused() {
	name=$1
	want=$2
	shift 2
	"$@" -x "$D/$name.conf" >/dev/null 2>"$D/$name.err"
	st=$?
	[ $st -eq 78 ] || fail "$name: exit status $st, not 78: $(cat "$D/$name.err")"
	grep -q -- "$want" "$D/$name.err" || fail "$name: message: $(cat "$D/$name.err")"
	echo "refused as expected ($name): $(head -n 1 "$D/$name.err")"
}
mkconf umask "UMask = 0999"
refused umask "umask.conf line 10: option 'UMask'" "$BS_MILTER" -T -n
mkconf missing "ModelFile = \"$D/missing.bsm\""
refused missing "missing.bsm" "$BS_MILTER" -T -n
mkconf sync "SpoolSync = no"
refused sync "sync.conf line 10: option 'SpoolSync': 'no' is not supported" "$BS_MILTER" -T -n
mkconf secret "PublicKeyFile = \"$D/k.sec\""
refused secret "PublicKeyFile $D/k.sec is a SECRET key file" "$BS_MILTER" -T -n
# ... also when starting (before any socket exists), not just with -n
refused secret "is a SECRET key file" "$BS_MILTER" -T -f
[ -e "$D/secret.sock" ] && fail "a socket was opened with a secret key configured"
mkconf wbound "MaximumWeightBound = 351"
refused wbound "weight bound W = 352, above MaximumWeightBound = 351" "$BS_MILTER" -T -n
mkconf sbound "MaximumScoreBound = 80000"
refused sbound "score bound S = 80288, above MaximumScoreBound = 80000" "$BS_MILTER" -T -n
mkconf clip "MaximumClip = 2"
refused clip "count clip C = 3, above MaximumClip = 2" "$BS_MILTER" -T -n
mkconf bounds "MaximumWeightBound = 352
MaximumScoreBound = 80288
MaximumClip = 3"
"$BS_MILTER" -T -n -x "$D/bounds.conf" >/dev/null || fail "-n with bounds equal to the limits"

for t in outbound messages header logwhy; do
	mkconf $t
done
mkconf noauth "ScoreAuthenticated = no"
mkconf nowhy "LogWhy = no"
for t in outbound noauth messages header; do
	lua_bg $t $t
done
lua_wait || fail "miltertest scripts"
# a second batch: fewer milters starting at once on a loaded machine
for t in logwhy nowhy; do
	lua_bg $t $t
done
lua_wait || fail "miltertest scripts"

# Headers decrypt to exactly the offline integer score.
for m in split whole; do
	got=$(decrypt_headers "$D/out/$m.eml") || fail "decrypt $m"
	want=$(offline "$D/out/$m.orig")
	echo "$m: offline $want; decrypted: $(echo "$got" | tail -n 1)"
	echo "$got" | tail -n 1 | tr ',' '\n' | grep -qx -- "$want" ||
		fail "$m: decrypted score differs from offline score $want"
done
for t in outbound noauth messages header logwhy nowhy; do
	log_clean "$D/$t.log" "$D/$t.spool" "$D"/out/*.eml || fail "$t: secret material in the log"
done
sanitizers_clean
echo "milter tests passed"
