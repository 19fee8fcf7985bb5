#!/bin/sh
# run.sh - blindscore-milter under miltertest: builds a fixture (512-bit
# test key, tiny model encrypted under it, configs), runs each script, then
# checks that the headers the milter added decrypt to blindscore-score's
# offline scores, and the -n check mode.  Exit 77 (skip) without miltertest.
set -u
if ! command -v miltertest >/dev/null 2>&1; then
	echo "miltertest not found: skipped"
	exit 77
fi
B=${top_builddir:?}
S=${top_srcdir:?}
T=$B/src/tools
D=$(mktemp -d /tmp/bs-milter-test.XXXXXX) || exit 99
trap 'rm -rf "$D"' EXIT INT TERM
fail() {
	echo "FAIL: $*"
	exit 1
}

"$T/blindscore-keygen" --insecure-test-key -b 512 -N -q -o "$D/k" 2>/dev/null ||
	fail "keygen"
"$B/tests/milter/mkmodel" "$D/model.txt" 8 || fail "mkmodel"
"$T/blindscore-encrypt" --insecure-test-key -q -k "$D/k.pub" -m "$D/model.txt" \
	-o "$D/m.bsm" 2>/dev/null || fail "encrypt"
mkdir "$D/out" || exit 99

cat >"$D/bs.conf" <<EOC
Socket = "unix:$D/sock"
Syslog = no
PublicKeyFile = "$D/k.pub"
ModelFile = "$D/m.bsm"
SpoolFile = "$D/spool"
AddHeader = yes
InternalHosts = {"10.1.0.0/16", "::1", "2001:db8:1::/48"}
MTA = {"ORIGINATING"}
LogWhy = yes
EOC
sed 's/^LogWhy = yes$/ScoreAuthenticated = no/' "$D/bs.conf" >"$D/noauth.conf"

BS_MILTER=$B/src/milter/blindscore-milter
BS_CONF=$D/bs.conf
BS_CONF_NOAUTH=$D/noauth.conf
BS_SOCK=$D/sock
BS_SPOOL=$D/spool
BS_OUT=$D/out
BS_SRCDIR=$S/tests/milter
export BS_MILTER BS_CONF BS_CONF_NOAUTH BS_SOCK BS_SPOOL BS_OUT BS_SRCDIR

# -n: good config, bad value (file and line named), missing model
"$BS_MILTER" -T -n -x "$BS_CONF" >/dev/null || fail "-n on a good config"
printf 'UMask = 0999\n' >>"$D/noauth.conf.bad" 2>/dev/null
cat "$D/noauth.conf" "$D/noauth.conf.bad" >"$D/bad.conf"
"$BS_MILTER" -T -n -x "$D/bad.conf" 2>"$D/err"
[ $? -eq 78 ] || fail "-n on a bad config: exit status"
grep -q "bad.conf line 10: option 'UMask'" "$D/err" || fail "-n message: $(cat "$D/err")"
sed "s|$D/m.bsm|$D/missing.bsm|" "$BS_CONF" >"$D/nomodel.conf"
"$BS_MILTER" -T -n -x "$D/nomodel.conf" 2>/dev/null
[ $? -eq 78 ] || fail "-n with a missing model"
"$BS_MILTER" -n -x "$BS_CONF" 2>/dev/null && fail "-n accepted a test key without -T"

for t in outbound noauth messages header; do
	echo "--- $t.lua"
	miltertest -s "$S/tests/milter/$t.lua" || fail "$t.lua"
done

# Headers decrypt to exactly the offline integer score.
for m in split whole; do
	got=$("$T/blindscore-decrypt" --insecure-test-key -k "$D/k.sec" -m "$D/model.txt" \
		--headers -a -f csv --no-progress "$D/out/$m.eml") || fail "decrypt $m"
	want=$("$T/blindscore-score" -M "$D/model.txt" --rfc822 "$D/out/$m.orig" | cut -f2)
	echo "$m: offline $want; decrypted: $(echo "$got" | tail -n 1)"
	echo "$got" | tail -n 1 | tr ',' '\n' | grep -qx -- "$want" ||
		fail "$m: decrypted score differs from offline score $want"
done
echo "milter tests passed"
