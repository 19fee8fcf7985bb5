#!/bin/sh
# blindscore-train: determinism, seed and salt, error messages.
. "${top_srcdir:-..}/tests/tools/synth.sh"
synth "$T/c"

"$B/blindscore-train" -q -C 1 -k 2 -o "$T/a.model" -v "$T/a.vocab" "$T/c" || fail "train"
"$B/blindscore-train" -q -C 1 -k 2 -o "$T/b.model" -v "$T/b.vocab" "$T/c" || fail "train again"
cmp "$T/a.model" "$T/b.model" || fail "same inputs and seed gave different models"
cmp "$T/a.vocab" "$T/b.vocab" || fail "same inputs and seed gave different vocabularies"
"$B/blindscore-train" -q -C 1 -k 2 -j 1 -o "$T/j.model" "$T/c" || fail "train -j 1"
cmp "$T/a.model" "$T/j.model" || fail "thread count changed the model"
"$B/blindscore-train" -q -C 1 -k 2 -s 2 -o "$T/s.model" "$T/c" || fail "train -s 2"
cmp -s "$T/a.model" "$T/s.model" && fail "another seed gave the same model (salt)"
head -1 "$T/a.model" | grep -qx 'blindscore-model 1' || fail "magic line"
grep -q '^cheap	' "$T/a.vocab" || fail "vocabulary lacks 'cheap'"

# existing output is not overwritten without -f
"$B/blindscore-train" -q -C 1 -k 2 -o "$T/a.model" "$T/c" 2>"$T/err" && fail "overwrote"
grep -q "already exists" "$T/err" || fail "overwrite message: $(cat "$T/err")"

# an empty class
"$B/blindscore-train" -q -H "$T/c/ham" -o "$T/e.model" 2>"$T/err"
[ $? -eq 65 ] || fail "empty class: exit status"
grep -q "no spam messages" "$T/err" || fail "empty class message: $(cat "$T/err")"

# manifest: unknown label, missing file
printf 'path,label\nc/ham/0000.ham.txt,ham\nc/spam/0000.spam.txt,maybe\n' > "$T/m.csv"
"$B/blindscore-train" -q -m "$T/m.csv" -o "$T/m.model" 2>"$T/err"
[ $? -eq 65 ] || fail "unknown label: exit status"
grep -q "m.csv:3: unknown label 'maybe'" "$T/err" || fail "label message: $(cat "$T/err")"
printf 'c/ham/0000.ham.txt,0\nc/ham/nope.txt,1\n' > "$T/m.csv"
"$B/blindscore-train" -q -m "$T/m.csv" -o "$T/m.model" 2>"$T/err"
[ $? -eq 66 ] || fail "missing file: exit status"
grep -q "m.csv:2: cannot read" "$T/err" || fail "missing file message: $(cat "$T/err")"
"$B/blindscore-train" -q -o "$T/x.model" "$T/nonexistent" 2>"$T/err" && fail "no such dir"
grep -q "cannot open" "$T/err" || fail "missing source message: $(cat "$T/err")"

# manifest with 0/1 labels trains the same messages as the directories
( cd "$T" && for f in c/ham/*; do echo "$f,0"; done; for f in c/spam/*; do echo "$f,1"; done ) \
	> "$T/all.csv"
"$B/blindscore-train" -q -C 1 -k 2 -m "$T/all.csv" -o "$T/m.model" || fail "manifest train"
cmp "$T/a.model" "$T/m.model" || fail "manifest and directories gave different models"
exit 0
