#!/bin/sh
# bench-train.sh - issue 4's training-time target: blindscore-train on the full
# Enron-Spam training split (33,715 - 2,000 messages), run exactly as
# `make model` runs it (same options, so the model must come out equal to
# model/default.model), timed with /usr/bin/time: wall-clock and CPU
# (user + system) seconds, and the ratio of the wall-clock time to the 60 s
# target on 2 cores.  The load average before and after is printed beside
# the figures: on a shared machine the wall time is only meaningful with it.
#
# Usage: sh bench-train.sh BUILDDIR SRCDIR JSONFILE   (make bench, run-bench)
# Skips (exit 0, with a message) when the corpus ($CORPORA, else
# SRCDIR/../shared/corpora) or /usr/bin/time is absent.  The corpus is
# unpacked once into BUILDDIR/bench-work (shared with run-bench).
set -u
B=${1:?usage: bench-train.sh BUILDDIR SRCDIR JSONFILE}
S=${2:?usage: bench-train.sh BUILDDIR SRCDIR JSONFILE}
JSON=${3:?usage: bench-train.sh BUILDDIR SRCDIR JSONFILE}
TARGET=60

echo
echo "== training time (issue 4: full Enron-Spam training split, target <= $TARGET s on 2 cores)"
skip() {
	echo "bench-train: $*: skipped"
	exit 0
}
corpora=${CORPORA:-$S/../shared/corpora}
[ -r "$corpora/enron-spam.tar.xz" ] || skip "$corpora/enron-spam.tar.xz not found (set CORPORA)"
[ -x /usr/bin/time ] || skip "/usr/bin/time not found (Debian package time)"
train=$B/src/tools/blindscore-train
[ -x "$train" ] || {
	echo "bench-train: $train not built" >&2
	exit 1
}
work=$B/bench-work
mkdir -p "$work"
[ -d "$work/enron-spam" ] || xz -dc "$corpora/enron-spam.tar.xz" | tar -x -C "$work" || {
	echo "bench-train: cannot unpack $corpora/enron-spam.tar.xz" >&2
	exit 1
}
out=$work/train-bench
rm -rf "$out" && mkdir -p "$out"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# the command of `make model` (Makefile.am), output to a scratch directory
if ! /usr/bin/time -f '%e %U %S' -o "$out/time" "$train" -q -f --plaintext --split train \
	-o "$out/default.model" -v "$out/default.vocab" "$work/enron-spam"; then
	echo "bench-train: blindscore-train failed" >&2
	exit 1
fi
load1=$(cut -d' ' -f1-3 /proc/loadavg)
same=false
cmp -s "$out/default.model" "$S/model/default.model" && same=true
read -r wall user sys < "$out/time"
awk -v w="$wall" -v u="$user" -v s="$sys" -v t=$TARGET -v l0="$load0" -v l1="$load1" \
	-v n="$(nproc)" -v same=$same -v json="$JSON" 'BEGIN {
	cpu = u + s
	printf "%-28s %10s\n", "figure", "value"
	printf "%-28s %10.1f\n", "wall-clock s", w
	printf "%-28s %10.1f (user %.1f + system %.1f)\n", "CPU s", cpu, u, s
	printf "%-28s %10.3f (%s)\n", "wall / target " t " s", w / t, w <= t ? "met" : "missed"
	printf "%-28s %10.3f (CPU / 2 cores / target: the wall time on an idle 2-core machine is at least this)\n", "CPU / (2 x target)", cpu / (2 * t)
	printf "load average before: %s; after: %s (%d CPUs)\n", l0, l1, n
	printf "model equal to model/default.model: %s\n", same
	split(l0, a, " "); split(l1, b, " ")
	printf "{\"bench\":\"train\",\"corpus\":\"enron-spam train split\",\"wall_s\":%.2f,\"cpu_s\":%.2f," \
		"\"target_s\":%d,\"ratio_wall\":%.3f,\"met\":%s,\"load_before\":%s,\"load_after\":%s," \
		"\"cpus\":%d,\"reproduces_default_model\":%s}\n", w, cpu, t, w / t,
		(w <= t ? "true" : "false"), a[1], b[1], n, same >> json
}'
rm -rf "$out"
