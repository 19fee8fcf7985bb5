#!/bin/sh
# blindscore-audit: figures checked against values computed by hand, and the
# float/integer disagreement check.
. "${top_srcdir:-..}/tests/tools/synth.sh"

# A model every token hits: 16 buckets of weight 1 (F = 0), clip 1, K = -3,
# so a message scores (distinct buckets) - 3.  S = max(|-3 + 16|, |-3|) = 13.
model() { # $1 = float weight, $2 = threshold, $3 = constant, $4 = integer weight, $5 = S
	printf 'blindscore-model 1\ntokenizer 1\nngram 1\nchargram 0\nbits 4\n'
	printf 'salt 000102030405060708090a0b0c0d0e0f\nclip 1\nscale-bits 0\nweight-bound 1\n'
	printf 'bias 0\nthreshold %s\nconstant %s\nscore-bound %s\nweights 16\n' "$2" "$3" "$5"
	b=0
	while [ $b -lt 16 ]; do printf '%d %s %s\n' $b "$4" "$1"; b=$((b + 1)); done
	echo end
}
model 1 3 -3 1 13 > "$T/hand.model"
long='a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9 aa bb cc dd ee'
mkdir -p "$T/t/ham" "$T/t/spam"
for i in 1 2 3; do printf 'x x x\n' > "$T/t/ham/s$i"; done
printf '%s\n' "$long" > "$T/t/ham/long"
printf '%s\n' "$long" > "$T/t/spam/long1"
printf '%s\n' "$long" > "$T/t/spam/long2"
printf 'y\n' > "$T/t/spam/s1"
"$B/blindscore-audit" -q --plaintext -M "$T/hand.model" -o "$T/r.md" -r "$T/r.svg" "$T/t" ||
	fail "audit exit status $?"
# 7 messages: ham 3 clean + 1 flagged, spam 2 flagged + 1 clean.
# accuracy 5/7, precision 2/3, recall 2/3, FP 1/4, FN 1/3.
# AUC: long spam beat 3 short ham (6), tie the long ham (2 x 1/2), the short
# spam ties the 3 short ham (3 x 1/2, same one-bucket score): 8.5 / 12.
for want in '| accuracy | 71.43 % (5 of 7) |' '| precision | 66.67 % |' '| recall | 66.67 % |' \
	'| 25.00 % (1 of 4 ham flagged) |' '| 33.33 % (1 of 3 spam missed) |' \
	'| ROC AUC | 0.70833 |' 'Decisions agree on 7 of 7 messages' \
	'| largest possible \|score\| S | 13 '; do
	grep -qF "$want" "$T/r.md" || fail "report lacks '$want'"
done
grep -q '<polyline' "$T/r.svg" || fail "no ROC curve"

# Float weights -0.4 round to integer 0; threshold 0.2 rounds to K = 0: the
# integer score 0 flags every message, the float score never does.
model -0.4 0.2 0 0 0 > "$T/bad.model"
"$B/blindscore-audit" -q --plaintext -M "$T/bad.model" -o "$T/bad.md" "$T/t" 2>"$T/err"
[ $? -eq 65 ] || fail "disagreement not reported by the exit status"
grep -q "disagree on 7 messages" "$T/err" || fail "disagreement message: $(cat "$T/err")"

# a separable synthetic corpus: trained model is perfect on it
synth "$T/c"
"$B/blindscore-train" -q -C 1 -k 2 -o "$T/s.model" -v "$T/s.vocab" "$T/c" || fail "train"
"$B/blindscore-audit" -q -M "$T/s.model" -v "$T/s.vocab" -o "$T/s.md" "$T/c" || fail "audit"
grep -qF '| accuracy | 100.00 % (80 of 80) |' "$T/s.md" || fail "synthetic accuracy"
grep -qF '<code>cheap</code>' "$T/s.md" || fail "top tokens lack 'cheap'"
"$B/blindscore-score" -M "$T/s.model" "$T/c/spam/0001.spam.txt" | grep -q '	flagged$' ||
	fail "score: spam not flagged"
"$B/blindscore-score" -M "$T/s.model" "$T/c/ham/0001.ham.txt" | grep -q '	clean$' ||
	fail "score: ham flagged"
exit 0
