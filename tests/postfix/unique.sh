#!/bin/sh
# unique.sh - blindscore-decrypt --unique, deterministically (no Postfix, no
# root): the records a retry leaves (blindscore-decrypt(1), RETRIES) are made
# with blindscore-score --encrypt, which writes records as the milter does
# (its queue id is the file's path, so the same file twice is one message
# scored twice).  Checks:
#   - without --unique every record is printed, and nothing is noted;
#   - with --unique the second record of a message is a retry: not printed,
#     one note naming both spool lines, one summary note, exit status 0;
#   - the same Message-ID with a different score, and records without a
#     Message-ID, are not retries;
#   - --by-sender counts a retried message once;
#   - a bad record still makes the exit status 65 with --unique.
set -u
B=${top_builddir:-$(pwd)}
S=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$B/src/tools
for p in blindscore-keygen blindscore-encrypt blindscore-score blindscore-decrypt; do
	[ -x "$T/$p" ] || {
		echo "$T/$p not built: skipped"
		exit 77
	}
done
D=$(mktemp -d /tmp/bs-unique-test.XXXXXX) || exit 99
trap 'rc=$?; if [ $rc -eq 0 ]; then rm -rf "$D"; else echo "work directory kept: $D"; fi; exit $rc' EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}
MODEL=$S/contrib/samples/demo-b14.model
"$T/blindscore-keygen" --insecure-test-key -b 512 -N -q -o "$D/k" 2>/dev/null || fail "keygen"
"$T/blindscore-encrypt" --insecure-test-key -q -f -k "$D/k.pub" -m "$MODEL" -o "$D/m.bsm" \
	2>/dev/null || fail "blindscore-encrypt"

msg() { # FILE MSGID BODY
	{
		printf 'From: alice@example.org\nTo: bob@example.net\nSubject: note\n'
		[ -z "$2" ] || printf 'Message-ID: %s\n' "$2"
		printf '\n%s\n' "$3"
	} >"$D/$1"
}
msg a.eml '<a@test.example.org>' 'please review the gas schedule for monday'
msg b.eml '<a@test.example.org>' 'click here to buy cheap viagra now, free offer, winner'
msg c.eml '' 'the meeting notes are attached'
sa=$("$T/blindscore-score" -M "$MODEL" --rfc822 "$D/a.eml" | cut -f2)
sb=$("$T/blindscore-score" -M "$MODEL" --rfc822 "$D/b.eml" | cut -f2)
[ "$sa" != "$sb" ] || fail "messages a and b have the same score ($sa): pick other bodies"

# a, a again (a retry), b (same Message-ID, another score), c twice (no
# Message-ID): genuine ciphertexts from blindscore-score --encrypt, whose
# records carry no Message-ID or sender; the fields the milter fills are
# set as it would (queue ids Q1..Q5, Message-IDs, sender) and the chain is
# made again.
(cd "$D" && "$T/blindscore-score" --encrypt --insecure-test-key -k k.pub -m m.bsm -o spool.raw \
	--rfc822 a.eml a.eml b.eml c.eml c.eml) >/dev/null 2>"$D/score.err" ||
	fail "blindscore-score --encrypt: $(cat "$D/score.err")"
[ "$(wc -l <"$D/spool.raw")" -eq 5 ] || fail "$(wc -l <"$D/spool.raw") records written, 5 expected"
i=0
prev=0000000000000000000000000000000000000000000000000000000000000000
# shellcheck disable=SC2034 # the fields replaced
while read -r tag seq time qid mid snd nr key model tr c old; do
	i=$((i + 1))
	case $i in
	[123]) mid='<a@test.example.org>' ;;
	*) mid=- ;;
	esac
	line="$tag $seq $time Q$i $mid alice@example.org $nr $key $model $tr $c $prev"
	printf '%s\n' "$line"
	prev=$(printf '%s' "$line" | sha256sum | cut -c1-64)
done <"$D/spool.raw" >"$D/spool"

dec() { # OUT ARGS...: csv "queueid msgid score" lines, stderr in OUT.err, exit status in OUT.rc
	_o=$1
	shift
	"$T/blindscore-decrypt" --insecure-test-key -k "$D/k.sec" -m "$MODEL" --no-progress "$@" \
		>"$_o.raw" 2>"$_o.err"
	echo $? >"$_o.rc"
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ m = $col["msgid"]; print $col["queueid"], (m == "" ? "-" : m), $col["score"] }' \
		"$_o.raw" >"$_o"
}

dec "$D/all" -a -f csv "$D/spool"
[ "$(cat "$D/all.rc")" -eq 0 ] || fail "decrypt: exit $(cat "$D/all.rc"): $(cat "$D/all.err")"
[ ! -s "$D/all.err" ] || fail "decrypt without --unique: $(cat "$D/all.err")"
[ "$(wc -l <"$D/all")" -eq 5 ] || fail "decrypt printed $(wc -l <"$D/all") records, 5 expected"
[ "$(grep -c "^Q[12] <a@test.example.org> $sa\$" "$D/all")" -eq 2 ] ||
	fail "records of a: $(cat "$D/all")"

dec "$D/uniq" -a -u -f csv "$D/spool"
[ "$(cat "$D/uniq.rc")" -eq 0 ] || fail "decrypt -u: exit $(cat "$D/uniq.rc"): $(cat "$D/uniq.err")"
cat "$D/uniq.err"
[ "$(wc -l <"$D/uniq")" -eq 4 ] || fail "decrypt -u printed $(wc -l <"$D/uniq") records, 4 expected"
grep -q "^Q1 <a@test.example.org> $sa\$" "$D/uniq" && ! grep -q '^Q2 ' "$D/uniq" ||
	fail "-u: message a is not printed once, from its first record: $(cat "$D/uniq")"
grep -q "^Q3 <a@test.example.org> $sb\$" "$D/uniq" || fail "-u: b (same Message-ID, another score) is missing"
[ "$(grep -c '^Q[45] - ' "$D/uniq")" -eq 2 ] || fail "-u: records without Message-ID were merged"
[ "$(wc -l <"$D/uniq.err")" -eq 2 ] || fail "-u: expected two notes"
grep -q 'spool line 2: note: queue id Q2 is a retry of the message of .*spool line 1: counted once' \
	"$D/uniq.err" || fail "-u: no note for the retry"
grep -q 'note: 1 record repeated a message already counted' "$D/uniq.err" || fail "-u: no summary note"

"$T/blindscore-decrypt" --insecure-test-key -k "$D/k.sec" -m "$MODEL" --no-progress -u -s -f csv \
	"$D/spool" >"$D/senders" 2>/dev/null || fail "decrypt -u -s"
awk -F, 'NR > 1 { n += $2 } END { exit n != 4 }' "$D/senders" ||
	fail "--by-sender -u counted $(awk -F, 'NR > 1 { n += $2 } END { print n }' "$D/senders") messages, 4 expected"

# a modified record: still exit 65 with --unique
sed '3s/^bs1 3 /bs1 9 /' "$D/spool" >"$D/spool.bad"
dec "$D/bad" -a -u -f csv "$D/spool.bad"
[ "$(cat "$D/bad.rc")" -eq 65 ] || fail "a bad record with -u: exit $(cat "$D/bad.rc")"
echo "unique passed"
