#!/bin/sh
# decrypt.sh - blackbox test of blindscore-decrypt (blindscore-decrypt(1),
# blindscore-spool(5)) with real ciphertexts under a 512-bit test key.
# tests/tools/mkspool writes the model, the spools (through the library's
# writer) and a message with a folded header.
set -u

B="${top_builddir:-.}"
DC="$B/src/tools/blindscore-decrypt"
KG="$B/src/tools/blindscore-keygen"
MK="$B/tests/tools/mkspool"
T=$(mktemp -d "${TMPDIR:-/tmp}/decrypt-test.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
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
hasnt() {
	if grep -q -- "$2" "$1"; then fail "$3: '$2' found in:"; sed 's/^/  /' "$1"; else ok "$3"; fi
}
lines() { # FILE N DESCRIPTION
	n=$(wc -l <"$1")
	if [ "$n" -eq "$2" ]; then ok "$3"; else fail "$3: $n lines, expected $2"; sed 's/^/  /' "$1"; fi
}

for p in "$DC" "$KG" "$MK"; do [ -x "$p" ] || { echo "no $p"; exit 99; }; done

"$KG" --insecure-test-key -b 512 -N -q -o "$T/k" 2>/dev/null || { echo "keygen failed"; exit 99; }
"$KG" --insecure-test-key -b 512 -N -q -o "$T/other" 2>/dev/null || exit 99
S=$("$MK" model "$T/m.model") || exit 99
[ "$S" = 576 ] && ok "model bound 576" || fail "model bound $S"
D() { "$DC" --insecure-test-key --no-progress -k "$T/k.sec" -m "$T/m.model" "$@"; }

# ---- usage
run 0 "--help" -- "$DC" --help
[ "$(wc -l <"$T/out")" -le 30 ] && ok "--help fits a screen" || fail "--help too long"
run 0 "-V" -- "$DC" -V
has "$T/out" "^blindscore-decrypt (blindscore) " "-V prints the version"
run 64 "no key" -- "$DC" -m "$T/m.model"
run 64 "no model" -- "$DC" -k "$T/k.sec" --insecure-test-key
run 64 "bad format" -- D --format xml "$T/none"
run 64 "bad -j" -- D -j 0 "$T/none"
run 66 "missing input" -- D "$T/none"
run 65 "512-bit key refused without the test flag" -- "$DC" -k "$T/k.sec" -m "$T/m.model" /dev/null

# ---- a good spool: values, flags, formats
"$MK" spool "$T/k.sec" "$T/m.model" "$T/good" 5/alice -3/bob 0/alice 17/carol -200/bob \
	576/alice -576/dave || exit 99
run 0 "good spool, csv --all" -- D --all --format csv "$T/good"
lines "$T/out" 8 "csv: header + 7 rows"
has "$T/out" "^seq,time,queueid,msgid,sender,nrcpt,modelid,truncated,score,flagged,file,line$" "csv header"
has "$T/out" "^1,2025-11-24T16:00:01Z,Q1,<1@example.org>,alice,1,[0-9a-f]*,0,5,1," "seq 1 = 5, flagged"
has "$T/out" "^2,.*,bob,2,[0-9a-f]*,0,-3,0," "seq 2 = -3, not flagged"
has "$T/out" "^3,.*,0,0,1," "seq 3 = 0 is flagged (score >= 0)"
has "$T/out" "^4,.*,carol,4,[0-9a-f]*,1,17,1," "seq 4 = 17, truncated"
has "$T/out" "^6,.*,576,1," "seq 6 = +S accepted"
has "$T/out" "^7,.*,-576,0," "seq 7 = -S accepted"
[ ! -s "$T/err" ] && ok "no messages on stderr" || fail "stderr not empty"
run 0 "default: flagged only" -- D "$T/good"
lines "$T/out" 5 "table: header + 4 flagged"
hasnt "$T/out" " bob " "bob's messages are not flagged"
run 0 "jsonl --all" -- D --all --format jsonl "$T/good"
lines "$T/out" 7 "jsonl: 7 objects"
has "$T/out" '^{"seq":2,"time":"2025-11-24T16:00:02Z","unixtime":1764000002,"queueid":"Q2","msgid":"<2@example.org>","sender":"bob","nrcpt":2,"truncated":false,"modelid":"[0-9a-f]*","score":-3,"flagged":false,' "jsonl row"
run 0 "--by-sender csv" -- D --by-sender --format csv "$T/good"
has "$T/out" "^alice,3,3,576$" "alice: 3 messages, 3 flagged, max 576"
has "$T/out" "^bob,2,0,-3$" "bob: 2 messages, 0 flagged, max -3"
run 0 "-j 1 and stdin" -- sh -c "'$DC' --insecure-test-key -k '$T/k.sec' -m '$T/m.model' -j 1 -a -f csv < '$T/good'"
lines "$T/out" 8 "stdin: 7 rows"

# ---- escaping of awkward senders in csv and jsonl
"$MK" spool "$T/k.sec" "$T/m.model" "$T/esc" '1/a,"b"@x' "$(printf '2/e\033[31m')" || exit 99
run 0 "awkward senders" -- D -a -f csv "$T/esc"
has "$T/out" '^1,.*,"a,""b""@x",' "csv quoting"
has "$T/out" '^2,.*,e%1B\[31m,' "control bytes shown as %XX"
run 0 "awkward senders jsonl" -- D -a -f jsonl "$T/esc"
has "$T/out" '"sender":"a,\\"b\\"@x"' "json escaping"

# ---- rotation: the chain continues across files given in order
"$MK" spool "$T/k.sec" "$T/m.model" "$T/rot" -r 3 1 2 3 4 5 || exit 99
run 0 "rotated spool.1 then spool" -- D -a -f csv "$T/rot.1" "$T/rot"
lines "$T/out" 6 "5 records across 2 files"
run 0 "current file alone: chain start noted" -- D -a -f csv "$T/rot"
has "$T/err" "note: the chain starts at seq 4" "chain start note"
run 65 "files in the wrong order" -- D -a -f csv "$T/rot" "$T/rot.1"
has "$T/err" "out of order" "wrong order reported"

# ---- tampering: each reported, exit 65, good records still printed
good() { sed -n "$1p" "$T/good"; }
tamper() { # NAME DESCRIPTION PATTERN ROWS: spool in $T/$NAME
	run 65 "$2" -- D -a -f csv "$T/$1"
	has "$T/err" "$3" "$2: reported"
	lines "$T/out" "$4" "$2: $(($4 - 1)) good records still printed"
}
head -c -20 "$T/good" >"$T/trunc"
tamper trunc "truncated spool" "trunc line 7: last line has no line feed" 7
{ good 1; good 2; good 4; good 3; good 5; good 6; good 7; } >"$T/reord"
tamper reord "reordered records" "reord line 4: record seq 3 is out of order" 8
{ good 1; good 2; good 2; good 3; good 4; good 5; good 6; good 7; } >"$T/dup"
tamper dup "duplicated record" "dup line 3: record seq 2 is a duplicate of" 8
{ good 1; good 2; good 4; good 5; good 6; good 7; } >"$T/miss"
tamper miss "deleted record" "miss line 3: record seq 3 is missing" 7
# edit one base64 character in the middle of seq 2's ciphertext
awk 'NR == 2 { c = $11; m = int(length(c) / 2); ch = substr(c, m, 1);
	$11 = substr(c, 1, m - 1) (ch == "A" ? "B" : "A") substr(c, m + 1) } { print }' \
	"$T/good" >"$T/edit"
tamper edit "edited ciphertext" "edit line 2: record seq 2 was modified" 7
hasnt "$T/out" "^2," "the edited record is withheld"
sed -i 's/ bob / mallory /' "$T/edit"
run 65 "edited sender" -- D -a -f csv "$T/edit"
has "$T/err" "record seq 5 was modified" "edited sender: reported"

# forged records written through the writer: the chain is intact, the content is bad
"$MK" spool "$T/k.sec" "$T/m.model" "$T/forged" 1/a P/b K/c M/d 577/e -577/f 2/g || exit 99
run 65 "forged records" -- D -a -f csv "$T/forged"
has "$T/err" "forged line 2: field 'ciphertext': REFUSED: it shares a factor with n" "multiple of p refused loudly"
has "$T/err" "forged line 3: field 'keyid': the record is for key eeeeeeee" "wrong key id: both ids named"
has "$T/err" "forged line 3: .*this key is [0-9a-f]\{32\}" "wrong key id: this key named"
has "$T/err" "forged line 4: field 'modelid': unknown model dddddddd" "unknown model id"
has "$T/err" "forged line 5: .*outside \[-576, 576\]" "out of bound (+) is tampering"
has "$T/err" "forged line 6: .*outside \[-576, 576\]" "out of bound (-) is tampering"
has "$T/err" "5 problems reported above; 2 of 7 records good, 2 flagged" "summary of bad records"
lines "$T/out" 3 "the 2 good forged-spool records printed"
has "$T/out" "^7,.*,2,1," "record after the bad ones decrypted"

# a spool for another key
run 65 "other key" -- "$DC" --insecure-test-key -k "$T/other.sec" -m "$T/m.model" -a "$T/good"
has "$T/err" "the record is for key .*, but this key is" "other key: both ids named"

# ---- header mode, folded header
"$MK" header "$T/k.sec" "$T/m.model" 42 >"$T/msg.eml" || exit 99
has "$T/msg.eml" "^	" "the header is folded"
run 0 "--headers" -- D --headers -a -f csv "$T/msg.eml"
has "$T/out" ",,,<hdr@example.org>,sender@example.org,,[0-9a-f]*,,42,1,.*msg.eml,0$" "header decrypted: 42"
sed 's/^Return-Path: .*/Return-Path: <>/' "$T/msg.eml" >"$T/null.eml"
run 0 "--headers, null sender" -- D --headers -a -f csv "$T/null.eml"
has "$T/out" ",,,<hdr@example.org>,<>,,[0-9a-f]*,,42,1,.*null.eml,0$" "Return-Path: <> is the null sender, not From"
sed 's/$/\r/' "$T/msg.eml" >"$T/crlf.eml"
run 0 "--headers with CRLF" -- D --headers -a -f csv "$T/crlf.eml"
has "$T/out" ",42,1," "CRLF message decrypted"
sed 's/^X-Blindscore:/X-Score:/' "$T/msg.eml" >"$T/renamed.eml"
run 0 "-H" -- D --headers -H x-score -a -f csv "$T/renamed.eml"
has "$T/out" ",42,1," "-H header name"
run 65 "no header" -- D --headers -a "$T/renamed.eml" "$T/msg.eml"
has "$T/err" "renamed.eml: no X-Blindscore header" "missing header reported"
has "$T/out" "  42  FLAGGED" "the other message still printed"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
exit 0
