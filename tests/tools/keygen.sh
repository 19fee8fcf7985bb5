#!/bin/sh
# keygen.sh - blackbox test of blindscore-keygen (blindscore-keygen(1)).
# Small keys use the test-only flag for speed; one real 2048-bit run.
set -u

KG="${top_builddir:-.}/src/tools/blindscore-keygen"
T=$(mktemp -d "${TMPDIR:-/tmp}/keygen-test.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
umask 022
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# run EXPECTED_STATUS DESCRIPTION -- command...: stdout in $T/out, stderr in $T/err
run() {
	want=$1 what=$2
	shift 3
	"$@" >"$T/out" 2>"$T/err" </dev/null
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$what (exit $got)"; else
		fail "$what: exit $got, expected $want"; sed 's/^/  stderr: /' "$T/err"; fi
}
has() { # FILE PATTERN DESCRIPTION
	if grep -q -- "$2" "$1"; then ok "$3"; else fail "$3: no '$2' in:"; sed 's/^/  /' "$1"; fi
}
mode() { stat -c %a "$1"; }

[ -x "$KG" ] || { echo "no $KG"; exit 99; }

# ---- help and version
run 0 "--help" -- "$KG" --help
has "$T/out" "usage: blindscore-keygen" "--help shows usage"
[ "$(wc -l <"$T/out")" -le 30 ] && ok "--help fits a screen" || fail "--help longer than 30 lines"
run 0 "-V" -- "$KG" -V
has "$T/out" "^blindscore-keygen (blindscore) " "-V prints the version"
run 64 "unknown option" -- "$KG" --frobnicate
run 64 "no -o" -- "$KG" -N

# ---- sizes
run 64 "-b 1024 without the test flag" -- "$KG" -b 1024 -N -o "$T/small"
has "$T/err" "insecure" "refusal says why"
[ ! -e "$T/small.sec" ] && [ ! -e "$T/small.pub" ] && ok "nothing written" || fail "files left"
run 64 "-b 511 (odd)" -- "$KG" --insecure-test-key -b 511 -N -o "$T/odd"
run 64 "-b abc" -- "$KG" -b abc -N -o "$T/abc"

# ---- generate, modes, no overwrite
run 0 "generate 512 -N" -- "$KG" --insecure-test-key -b 512 -N -o "$T/k"
has "$T/err" "for tests only" "test key warning"
[ "$(mode "$T/k.sec")" = 600 ] && ok "k.sec is 0600" || fail "k.sec mode $(mode "$T/k.sec")"
[ "$(mode "$T/k.pub")" = 644 ] && ok "k.pub is 0644" || fail "k.pub mode $(mode "$T/k.pub")"
keyid=$(sed -n 's/^key id: //p' "$T/out")
[ ${#keyid} -eq 32 ] && ok "key id printed" || fail "key id '$keyid'"
has "$T/k.pub" "^keyid $keyid\$" "key id in the public file"
sum=$(cat "$T/k.sec" "$T/k.pub" | cksum)
run 73 "no overwrite without -f" -- "$KG" --insecure-test-key -b 512 -N -o "$T/k"
has "$T/err" "already exists (use -f to overwrite)" "overwrite refusal message"
[ "$(cat "$T/k.sec" "$T/k.pub" | cksum)" = "$sum" ] && ok "files untouched" || fail "files changed"
rm "$T/k.sec"; cp "$T/k.pub" "$T/only.pub"
run 73 "an existing .pub alone blocks too" -- "$KG" --insecure-test-key -b 512 -N -o "$T/only"
[ ! -e "$T/only.sec" ] && ok "no .sec left behind" || fail "only.sec created"
chmod 644 "$T/only.pub"
run 0 "-f overwrites" -- "$KG" --insecure-test-key -b 512 -N -f -o "$T/only"
[ "$(mode "$T/only.sec")" = 600 ] && ok "overwritten .sec is 0600" || fail "mode $(mode "$T/only.sec")"
run 73 "unwritable directory" -- "$KG" --insecure-test-key -b 512 -N -o "$T/nodir/k"

# ---- passphrases
run 64 "stdin not a terminal and no choice" -- "$KG" --insecure-test-key -b 512 -o "$T/p"
has "$T/err" "give -N" "explains the choice"
printf 'correct horse battery\nignored\n' >"$T/pass"
printf 'wrong\n' >"$T/wrong"
run 0 "sealed with --passphrase-file" -- "$KG" --insecure-test-key -b 512 --passphrase-file "$T/pass" -o "$T/s"
has "$T/s.sec" "^sealed argon2id13 3 268435456 " "sealed line with MODERATE cost"
grep -q '^p ' "$T/s.sec" && fail "p in clear in a sealed file" || ok "no p line in a sealed file"
run 0 "--check sealed with the passphrase" -- "$KG" --insecure-test-key --check "$T/s.sec" --passphrase-file "$T/pass"
has "$T/out" "secret key (sealed; passphrase verified), 512 bits, key id " "--check output"
run 77 "--check sealed, wrong passphrase" -- "$KG" --insecure-test-key --check "$T/s.sec" --passphrase-file "$T/wrong"
has "$T/err" "wrong passphrase (or corrupted key file)" "wrong passphrase message"
run 0 "--check --public-only needs no passphrase" -- "$KG" --insecure-test-key --check "$T/s.sec" --public-only
has "$T/out" "sealed; secret part not checked" "--public-only output"

# ---- --check
run 0 "--check public" -- "$KG" --insecure-test-key --check "$T/k.pub"
has "$T/out" "^$T/k.pub: public key, 512 bits, key id $keyid\$" "--check public output"
run 65 "--check a 512-bit key without the flag" -- "$KG" --check "$T/k.pub"
has "$T/err" "line 2: field 'bits'" "names field bits"
sed 's/^keyid ./keyid 0/' "$T/k.pub" >"$T/bad.pub"
grep -q "^keyid $keyid" "$T/bad.pub" && sed -i 's/^keyid ./keyid 1/' "$T/bad.pub"
run 65 "--check tampered key id" -- "$KG" --insecure-test-key --check "$T/bad.pub"
has "$T/err" "bad.pub line 3: field 'keyid': does not match the key" "names field keyid"
sed 's/^hs .*/hs 0/' "$T/k.pub" >"$T/bad.pub"
run 65 "--check bad hs" -- "$KG" --insecure-test-key --check "$T/bad.pub"
has "$T/err" "line 5: field 'hs'" "names field hs"
sed 's/^n \(.*\)./n \10/' "$T/only.sec" >"$T/bad.sec"; chmod 600 "$T/bad.sec"
run 65 "--check even n in a secret key" -- "$KG" --insecure-test-key --check "$T/bad.sec"
has "$T/err" "line 4: field 'n'" "names field n"
head -c 200 "$T/only.sec" >"$T/trunc.sec"; chmod 600 "$T/trunc.sec"
run 65 "--check truncated" -- "$KG" --insecure-test-key --check "$T/trunc.sec"
chmod 644 "$T/only.sec"
run 77 "--check a secret key readable by others" -- "$KG" --insecure-test-key --check "$T/only.sec"
has "$T/err" "permissions 0644 for '$T/only.sec' are too open; it must be readable only by its owner" "ssh-style message"
run 66 "--check a missing file" -- "$KG" --check "$T/none.pub"

# ---- one real key
start=$(date +%s)
run 0 "real 2048-bit key" -- "$KG" -b 2048 -N -o "$T/real"
has "$T/err" "warning: 2048-bit keys" "2048 warning"
run 0 "--check the real key" -- "$KG" --check "$T/real.sec"
has "$T/out" "secret key (not sealed), 2048 bits" "real key check output"
echo "2048-bit run took $(($(date +%s) - start)) s"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
