# synth.sh - sourced by the tool tests: $B (build dir), $T (temp dir), and a
# small synthetic corpus generator.
B=${top_builddir:-..}/src/tools
T=$(mktemp -d "${TMPDIR:-/tmp}/bs-tools.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# synth DIR: 40 ham and 40 spam pre-tokenized messages (Enron layout).
synth() {
	mkdir -p "$1/ham" "$1/spam"
	i=0
	while [ $i -lt 40 ]; do
		printf 'Subject: meeting notes %d\nplease review the gas schedule for monday , thanks vince %d\n' \
			$i $((i % 7)) > "$1/ham/$(printf %04d $i).ham.txt"
		printf 'Subject: cheap pills %d\nclick here to buy cheap viagra now ! free offer %d\n' \
			$i $((i % 5)) > "$1/spam/$(printf %04d $i).spam.txt"
		i=$((i + 1))
	done
}
