#!/bin/sh
# empty.sh - a message without features under the bundled length-normalized
# model: no Subject header, no text part and no file name (its only part an
# unnamed attachment, which the MIME walker skips), so N = sum count^2 = 0.  Such a message counts
# as N = 1 (blindscore-model(5)): nm = 2^G, score K * 2^G, and since the
# model's K < 0 it is clean - with blindscore-score in plaintext (float score
# bias - threshold < 0 too) and encrypted (score --encrypt, then
# blindscore-decrypt).  With nm = 0 it scored 0 and was flagged.  Messages
# with a Subject header (even an empty one) have features, and so do named
# attachments (the file name is tokenized): the controls.
# Encrypting the bundled model under a 512-bit test key: about 10 s of CPU.
. "${top_srcdir:-..}/tests/tools/synth.sh"
model=${top_srcdir:-..}/model/default.model
[ -r "$model" ] || fail "$model not found"
K=$(sed -n 's/^constant //p' "$model")
G=$(sed -n 's/^norm-bits //p' "$model")
[ -n "$K" ] && [ -n "$G" ] || fail "$model: no constant or no norm-bits line"
[ "$K" -lt 0 ] || fail "$model: constant $K is not negative (the test needs K < 0)"
want=$((K * (1 << G)))

# message NAME SUBJECT-LINE [FILENAME]: multipart/mixed whose only part is a
# base64 attachment; a second form: a single-part application/pdf body
message() {
	{
		printf 'From: alice@example.org\nTo: bob@example.org\n'
		[ -z "$2" ] || printf '%s\n' "$2"
		printf 'Date: Thu, 26 Nov 2026 04:00:00 +0000\nMessage-ID: <%s@example.org>\n' "$1"
		printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n'
		printf -- '--b1\nContent-Type: application/octet-stream\n'
		printf 'Content-Disposition: attachment%s\n' "${3:+; filename=\"$3\"}"
		printf 'Content-Transfer-Encoding: base64\n\n'
		printf 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v\n'
		printf -- '--b1--\n'
	} > "$T/m/$1.eml"
}
mkdir -p "$T/m"
message attach ''
{
	printf 'From: alice@example.org\nTo: bob@example.org\nMessage-ID: <pdf@example.org>\n'
	printf 'MIME-Version: 1.0\nContent-Type: application/pdf\n'
	printf 'Content-Transfer-Encoding: base64\n\nJVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoK\n'
} > "$T/m/pdf.eml"
message control 'Subject: '
message named '' report.bin

"$B/blindscore-score" --rfc822 -F -M "$model" "$T/m/attach.eml" "$T/m/pdf.eml" \
	"$T/m/control.eml" "$T/m/named.eml" > "$T/plain" || fail "blindscore-score exit status $?"
for m in attach pdf; do
	line=$(grep "/$m.eml	" "$T/plain") || fail "$m: no output line"
	set -- $line
	[ "$2" = "$want" ] || fail "$m: score $2, expected K * 2^G = $want ($line)"
	[ "$3" = clean ] || fail "$m: '$3', expected clean ($line)"
	awk -v f="$4" 'BEGIN { exit !(f < 0) }' || fail "$m: float score $4 is not negative"
	echo "ok: $m (no features): score $2 = K * 2^G, clean, float score $4"
done
for m in control named; do
	line=$(grep "/$m.eml	" "$T/plain") || fail "$m: no output line"
	set -- $line
	[ "$2" != "$want" ] || fail "$m (has features): score $2 = K * 2^G"
	echo "ok: $m (empty Subject header, or a file name: features): score $2"
done

# encrypted: the scorer raises Enc(K) to nm = 2^G; decrypts to the same score
"$B/blindscore-keygen" -q -b 512 -N --insecure-test-key -o "$T/k" >/dev/null ||
	fail "keygen exit status $?"
"$B/blindscore-encrypt" -q --insecure-test-key -k "$T/k.pub" -m "$model" -o "$T/m.bsm" ||
	fail "encrypt exit status $?"
"$B/blindscore-score" --rfc822 --encrypt --insecure-test-key -k "$T/k.pub" -m "$T/m.bsm" \
	"$T/m/attach.eml" "$T/m/pdf.eml" > "$T/spool" || fail "score --encrypt exit status $?"
"$B/blindscore-decrypt" --no-progress --insecure-test-key -k "$T/k.sec" -m "$model" --all \
	--format csv "$T/spool" > "$T/dec" || fail "decrypt exit status $?"
# csv: queueid (the path) is field 3, score field 9, flagged field 10
n=$(awk -F, -v w="$want" 'NR > 1 && $9 == w && $10 == 0' "$T/dec" | wc -l)
if [ "$n" -ne 2 ]; then
	cat "$T/dec" >&2
	fail "encrypted: $n of 2 records decrypt to $want, not flagged"
fi
echo "ok: encrypted scores of both decrypt to $want, not flagged"
exit 0
