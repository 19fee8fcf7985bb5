#!/bin/sh
# The bundled model on the Enron-Spam standard test split: the committed
# audit figures, and float/integer agreement on every message.
. "${top_srcdir:-..}/tests/tools/synth.sh"
tarball="${CORPORA:-/nonexistent}/enron-spam.tar.xz"
if [ ! -r "$tarball" ]; then
	echo "SKIP: $tarball not found (set CORPORA to the shared corpora directory)"
	exit 77
fi
xz -dc "$tarball" | tar -x -C "$T" || fail "cannot extract $tarball"
M="${top_srcdir:-..}/model"
"$B/blindscore-audit" -q -M "$M/default.model" --plaintext --split test -o "$T/a.md" \
	"$T/enron-spam" || fail "audit of the bundled model: exit status $?"
for f in '| accuracy |' '| ROC AUC |' '| false negatives at FP = 1 % |'; do
	grep -F "$f" "$T/a.md" | head -1 > "$T/got"
	grep -F "$f" "$M/AUDIT.md" | head -1 > "$T/want"
	cmp -s "$T/got" "$T/want" || fail "'$f' differs from model/AUDIT.md: $(cat "$T/got")"
done
exit 0
