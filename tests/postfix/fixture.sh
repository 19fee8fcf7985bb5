# fixture.sh - sourced by tests/postfix/*.sh: skip checks, the work
# directory, a 512-bit test key and small models trained on synthetic mail,
# and helpers to compare spool records with blindscore-score's offline scores.
# Sets B (build dir), S (source dir), T (tools), D (work dir, removed at exit).
set -u
if ! command -v postfix >/dev/null 2>&1 && [ ! -x /usr/sbin/postfix ]; then
	echo "postfix is not installed (sh contrib/install-deps): skipped"
	exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "a private Postfix needs root (its master runs as root): skipped"
	exit 77
fi
PATH=$PATH:/usr/sbin:/sbin
B=${top_builddir:?}
S=${top_srcdir:?}
T=$B/src/tools
D=$(mktemp -d /tmp/bs-postfix-test.XXXXXX) || exit 99
chmod 755 "$D"
BSPF_CONTRIB=$S/contrib
BSPF_MILTER=$B/src/milter/blindscore-milter
BSPF_MILTER_FLAGS=-T
# Keep the work directory of a failed run for a look, unless told not to.
BSPF_ON_EXIT='if [ $_rc -eq 0 ] || [ -n "${BS_TEST_CLEAN:-}" ]; then rm -rf "$D"; else echo "work directory kept: $D"; fi'
trap '_rc=$?; eval "$BSPF_ON_EXIT"' EXIT
. "$S/contrib/lib-postfix.sh"

fail() {
	echo "FAIL: $*"
	exit 1
}

# Milliseconds since the epoch.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# synth_corpus DIR N SEED: N ham and N spam raw messages, varied by SEED.
synth_corpus() {
	mkdir -p "$1/ham" "$1/spam"
	_i=0
	while [ $_i -lt "$2" ]; do
		printf 'From: user%d@example.org\nTo: team@example.org\nSubject: meeting notes %d\nMessage-ID: <h%d.%d@example.org>\n\nplease review the gas schedule for monday, thanks vince %d\nthe meeting is in room %d about %s\n' \
			$_i $_i $_i "$3" $((_i % 7)) $((_i % 5)) "$(echo budget forecast storage contract | cut -d' ' -f$((_i % 4 + 1)))" \
			>"$1/ham/h$_i.eml"
		printf 'From: deals%d@example.org\nTo: you@example.net\nSubject: cheap pills %d\nMessage-ID: <s%d.%d@example.org>\n\nclick here to buy cheap viagra now! free offer %d\nlimited time %s prize\n' \
			$_i $_i $_i "$3" $((_i % 5)) "$(echo winner lottery money bonus | cut -d' ' -f$((_i % 4 + 1)))" \
			>"$1/spam/s$_i.eml"
		_i=$((_i + 1))
	done
}

# make_key PREFIX: a 512-bit key pair (tests only).
make_key() {
	"$T/blindscore-keygen" --insecure-test-key -b 512 -N -q -o "$1" 2>/dev/null ||
		fail "blindscore-keygen"
}

# make_model NAME SEED BITS: train NAME.txt on a synthetic corpus and encrypt
# it under $D/k.pub into NAME.bsm.
make_model() {
	synth_corpus "$D/corpus.$2" 30 "$2"
	"$T/blindscore-train" -q -f --rfc822 -b "$3" -s "$2" -H "$D/corpus.$2/ham" \
		-S "$D/corpus.$2/spam" -o "$1.txt" || fail "blindscore-train $1"
	"$T/blindscore-encrypt" --insecure-test-key -q -f -k "$D/k.pub" -m "$1.txt" \
		-o "$1.bsm" 2>/dev/null || fail "blindscore-encrypt $1"
	chmod 644 "$1.bsm"
}

# offline MODEL FILE: blindscore-score's integer score of raw message FILE.
offline() {
	"$T/blindscore-score" -M "$1" --rfc822 "$2" | cut -f2
}

# header_score MODEL FILE: the score the X-Blindscore header of FILE (a
# message as delivered) decrypts to under MODEL.
header_score() {
	"$T/blindscore-decrypt" --insecure-test-key -k "$D/k.sec" -m "$1" --headers -a -f csv \
		--no-progress "$2" | awk -F, 'NR == 1 {
			for (i = 1; i <= NF; i++) if ($i == "score") s = i; next }
			{ print $s }'
}

# decrypt_csv OUT MODEL... : decrypt the spool (--all, csv) into OUT as
# "queueid score modelid sender" lines; fails unless every record is good.
decrypt_csv() {
	_out=$1
	shift
	_ms=
	for _m in "$@"; do
		_ms="$_ms -m $_m"
	done
	# shellcheck disable=SC2086
	"$T/blindscore-decrypt" --insecure-test-key -k "$D/k.sec" $_ms -a -f csv --no-progress \
		"$BSPF_SPOOL" >"$D/decrypt.csv" 2>"$D/decrypt.err" ||
		fail "blindscore-decrypt on the spool: $(cat "$D/decrypt.err")"
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ print $col["queueid"], $col["score"], $col["modelid"], $col["sender"] }' \
		"$D/decrypt.csv" >"$_out"
}
