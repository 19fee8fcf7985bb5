#!/bin/sh
# Exactness of the encrypted path (issue 5): every message of the Enron
# standard test split (last 1000 ham and last 1000 spam in path order) scored
# in plaintext (blindscore-score) and encrypted (score --encrypt, then
# blindscore-decrypt --all) gives the same integer score and decision:
#   - 2048-bit key, the bundled model, all 2,000 messages;
#   - 3072-bit key, a small model (2^12 buckets, counts clipped at 3) trained
#     here, on a 200-message subset (both classes).
. "${top_srcdir:-..}/tests/tools/synth.sh"
tarball="${CORPORA:-/nonexistent}/enron-spam.tar.xz"
if [ ! -r "$tarball" ]; then
	echo "SKIP: $tarball not found (set CORPORA to the shared corpora directory)"
	exit 77
fi
xz -dc "$tarball" | tar -x -C "$T" || fail "cannot extract $tarball"
root=$T/enron-spam
list() { # class -> the test split's paths of that class, in path order
	for d in 1 2 3 4 5 6; do
		ls -1 "$root/enron$d/$1" | LC_ALL=C sort | sed "s|^|$root/enron$d/$1/|"
	done | tail -n 1000
}
{ list ham; list spam; } > "$T/files"
[ "$(wc -l < "$T/files")" -eq 2000 ] || fail "expected 2000 test messages"

# check BITS MODEL FILELIST FLAGS: plaintext vs encrypted scores, message by message
check() {
	bits=$1 model=$2 files=$3
	"$B/blindscore-keygen" -q -b "$bits" -N -o "$T/k$bits" >/dev/null ||
		fail "keygen $bits"
	"$B/blindscore-encrypt" -q -k "$T/k$bits.pub" -m "$model" -o "$T/m$bits.bsm" ||
		fail "encrypt at $bits bits"
	# shellcheck disable=SC2046
	"$B/blindscore-score" --plaintext -M "$model" $(cat "$files") > "$T/plain$bits" ||
		fail "plaintext scoring"
	# shellcheck disable=SC2046
	"$B/blindscore-score" --plaintext --encrypt -k "$T/k$bits.pub" -m "$T/m$bits.bsm" \
		$(cat "$files") > "$T/spool$bits" || fail "encrypted scoring"
	"$B/blindscore-decrypt" --no-progress -k "$T/k$bits.sec" -m "$model" --all --format csv \
		"$T/spool$bits" > "$T/dec$bits" || fail "decrypt exit status $?"
	# plain: path<TAB>score<TAB>flagged|clean; csv: queueid(=path) is field 3,
	# score field 9, flagged field 10
	awk -F'\t' '{ print $1 " " $2 " " ($3 == "flagged" ? 1 : 0) }' "$T/plain$bits" |
		sort > "$T/p"
	awk -F, 'NR > 1 { print $3 " " $9 " " $10 }' "$T/dec$bits" | sort > "$T/e"
	n=$(wc -l < "$T/p")
	[ "$n" -eq "$(wc -l < "$files")" ] || fail "$bits bits: $n plaintext scores"
	[ "$(wc -l < "$T/e")" -eq "$n" ] || fail "$bits bits: $(wc -l < "$T/e") decrypted of $n"
	if ! cmp -s "$T/p" "$T/e"; then
		diff "$T/p" "$T/e" | head -5 >&2
		fail "$bits bits: encrypted and plaintext scores differ"
	fi
	echo "ok: $bits bits, $n messages: encrypted scores equal plaintext scores and decisions"
}

check 2048 "${top_srcdir:-..}/model/default.model" "$T/files"

"$B/blindscore-train" -q -b 12 -c 3 -C 0.25 --plaintext --split train -o "$T/small.model" \
	"$root" || fail "training the small model"
{ sed -n '1,100p' "$T/files"; sed -n '1901,2000p' "$T/files"; } > "$T/subset"
check 3072 "$T/small.model" "$T/subset"
exit 0
