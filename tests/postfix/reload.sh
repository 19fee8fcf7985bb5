#!/bin/sh
# reload.sh - reload under load: 500 messages through the private Postfix
# (5 different messages x 100, 10 SMTP sessions) while a signaller swaps the
# milter's configuration between model A and model B and sends SIGUSR1 every
# 50 ms.  From the 150th to the 250th scored message (and for at least 10
# signals) the configuration names a broken (truncated) model instead: every
# reload then fails and the old model must keep serving.  Checks:
#   - all 500 messages are delivered, none deferred (tempfail) or lost;
#   - every delivered message has exactly one spool record, and there are
#     no others; the spool's chain is intact;
#   - each record decrypts (blindscore-decrypt -m A -m B) under the model it
#     names to blindscore-score's offline score of its message under that
#     model, and both models were used;
#   - the log names the broken model file and the reason for each failed
#     reload; messages were scored while the broken model was in place;
#   - afterwards, with the broken model still configured and one more
#     failed reload, new messages are scored by the last good model.
top_builddir=${top_builddir:-$(pwd)}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "${top_srcdir}/tests/postfix/fixture.sh"
N_FILES=5
PER_FILE=100
TOTAL=$((N_FILES * PER_FILE))
BROKEN_FROM=150
BROKEN_TO=250

make_key "$D/k"
make_model "$D/A" 1 12
make_model "$D/B" 2 11
head -c 40000 "$D/A.bsm" >"$D/broken.bsm"
chmod 644 "$D/broken.bsm"
mA=$(sha256sum "$D/A.txt" | cut -c1-64)
mB=$(sha256sum "$D/B.txt" | cut -c1-64)
[ "$mA" != "$mB" ] || fail "models A and B are the same"

# Five different messages; each copy keeps its file's Message-ID.
mkdir "$D/msg"
i=0
for f in "$S"/contrib/samples/ham-meeting.eml "$S"/contrib/samples/spam-pharmacy.eml \
	"$S"/contrib/samples/ham-report.eml "$S"/contrib/samples/spam-prize.eml \
	"$S"/contrib/samples/auth-submission.eml; do
	sed "s/^Message-ID: .*/Message-ID: <load$i@test.example.org>/" "$f" >"$D/msg/load$i.eml"
	echo "<load$i@test.example.org> $(offline "$D/A.txt" "$D/msg/load$i.eml") $(offline "$D/B.txt" "$D/msg/load$i.eml")"
	i=$((i + 1))
done >"$D/expected"
[ "$(wc -l <"$D/expected")" -eq $N_FILES ] || fail "expected scores"

bspf_init "$D/pf"
for v in A B broken; do
	bspf_milter_conf "PublicKeyFile = \"$D/k.pub\"" "ModelFile = \"$D/$v.bsm\""
	mv "$BSPF_MCONF" "$D/conf.$v"
done
cp "$D/conf.A" "$BSPF_MCONF"
bspf_start
milter_pid=$BSPF_MILTER_PID

# install_conf V: replace the configuration atomically (rename).
install_conf() {
	cp "$D/conf.$1" "$BSPF_MCONF.new" && mv -f "$BSPF_MCONF.new" "$BSPF_MCONF"
}

# The signaller (Python, for a steady 50 ms period under load): a direct
# child, stopped by $D/stop or the milter's exit.  Before each SIGUSR1 it
# renames the next configuration into place: B, A, B, ... or, while the
# milter has scored between BROKEN_FROM and BROKEN_TO messages (and until
# the broken model has made a reload fail), "broken".
cat >"$D/signaller.py" <<'EOF_PY'
import os, shutil, signal, sys, time
d, conf, log, pid, lo, hi = sys.argv[1:7]
pid, lo, hi = int(pid), int(lo), int(hi)
k, nxt, nbroken = 0, time.monotonic(), 0
with open(d + "/signals", "w") as out:
    while not os.path.exists(d + "/stop"):
        with open(log, errors="replace") as f:
            lines = f.readlines()
        scored = sum(1 for line in lines if ": scored: " in line)
        failed = sum(1 for line in lines if "reload failed" in line)
        # broken from the lo-th scored message until the hi-th, for at
        # least 10 signals (on a fast machine 100 messages take < 0.5 s) and
        # until a reload has failed (at load 15 a reload takes seconds and
        # the signals of the window may all collapse into a good reload)
        if scored >= lo and (scored < hi or 0 < nbroken < 10 or (nbroken and not failed)):
            v, nbroken = "broken", nbroken + 1
        else:
            v = "B" if k % 2 == 0 else "A"
        shutil.copyfile(d + "/conf." + v, conf + ".new")
        os.rename(conf + ".new", conf)
        try:
            os.kill(pid, signal.SIGUSR1)
        except ProcessLookupError:
            break
        out.write(v + "\n")
        k += 1
        nxt += 0.05
        time.sleep(max(0.0, nxt - time.monotonic()))
EOF_PY
py=/usr/bin/python3
[ -x $py ] || py=python3
$py "$D/signaller.py" "$D" "$BSPF_MCONF" "$BSPF_MLOG" "$milter_pid" $BROKEN_FROM $BROKEN_TO &
sig_pid=$!
BSPF_ON_EXIT='touch "$D/stop"; wait $sig_pid 2>/dev/null; '$BSPF_ON_EXIT

t0=$(now_ms)
pids=
i=0
while [ $i -lt $N_FILES ]; do
	smtp-source -s 2 -m $PER_FILE -F "$D/msg/load$i.eml" -f "load$i@example.org" \
		-t bob@example.net -M client.example.org "127.0.0.1:$BSPF_PORT_SMTP" &
	pids="$pids $!"
	i=$((i + 1))
done
rc=0
for p in $pids; do
	wait "$p" || rc=1
done
t_sent=$(now_ms)
[ $rc -eq 0 ] || fail "smtp-source failed (a message was refused: tempfail?)"
bspf_wait_delivered $TOTAL 60 || fail "not all $TOTAL messages were delivered"
t_done=$(now_ms)
touch "$D/stop"
wait $sig_pid

n_sig=$(wc -l <"$D/signals")
n_broken=$(grep -c broken "$D/signals")
echo "$TOTAL messages sent in $((t_sent - t0)) ms, delivered after $((t_done - t0)) ms" \
	"($((TOTAL * 1000 / (t_done - t0))) msgs/s), $n_sig SIGUSR1 ($n_broken with the broken model)"
[ "$n_broken" -gt 0 ] || fail "the broken model was never installed"

during=$(awk '/reload failed/ { on = 1 } /reloaded / { on = 0 } on && /: scored: / { n++ }
	END { print n + 0 }' "$BSPF_MLOG")

# Last phase, quiet: broken model configured, one more failed reload, then
# messages must be scored by the last model that loaded.
install_conf broken
# shellcheck disable=SC2034 # used in the bspf_wait_for condition
fails=$(grep -c 'reload failed' "$BSPF_MLOG")
kill -USR1 "$milter_pid"
bspf_wait_for '[ $(grep -c "reload failed" "$BSPF_MLOG") -gt $fails ]' 100 ||
	fail "no 'reload failed' line after the last SIGUSR1"
last_good=$(grep -E 'reloaded .*model|starting: ' "$BSPF_MLOG" | tail -n 1 | sed 's/.*model //')
i=0
while [ $i -lt 3 ]; do
	smtp-source -m 1 -F "$D/msg/load$i.eml" -f "after@example.org" -t bob@example.net \
		-M client.example.org "127.0.0.1:$BSPF_PORT_SMTP" || fail "sending after the load"
	i=$((i + 1))
done
bspf_wait_delivered $((TOTAL + 3)) 30 || fail "messages after the load were not delivered"

# Every delivered message: exactly one record; no other records.
bspf_dump_index >"$D/index"
[ "$(wc -l <"$D/index")" -eq $((TOTAL + 3)) ] || fail "$(wc -l <"$D/index") messages at the sink"
awk '$2 == "-" { exit 1 }' "$D/index" || fail "a message at the sink has no queue id"
decrypt_csv "$D/scores" "$D/A.txt" "$D/B.txt"
[ "$(wc -l <"$D/scores")" -eq $((TOTAL + 3)) ] ||
	fail "$(wc -l <"$D/scores") spool records for $((TOTAL + 3)) messages"
awk '{ print $2 }' "$D/index" | sort >"$D/qid.sink"
awk '{ print $1 }' "$D/scores" | sort >"$D/qid.spool"
[ "$(sort -u "$D/qid.spool" | wc -l)" -eq $((TOTAL + 3)) ] || fail "a queue id has two records"
cmp -s "$D/qid.sink" "$D/qid.spool" || fail "queue ids at the sink and in the spool differ"

# Each record: the offline score of its message under the model it names.
awk -v mA="$mA" -v mB="$mB" '
	FILENAME == ARGV[1] { a[$1] = $2; b[$1] = $3; next }
	FILENAME == ARGV[2] { mid[$2] = $3; next }
	{
		m = mid[$1]
		if (!(m in a)) { print "record " $1 ": unknown message " m; bad++; next }
		if ($3 == mA) { want = a[m]; nA++ }
		else if ($3 == mB) { want = b[m]; nB++ }
		else { print "record " $1 ": unknown model " $3; bad++; next }
		if ($2 != want) { print "record " $1 " (" m "): score " $2 ", expected " want; bad++ }
	}
	END {
		printf "records under model A: %d, under model B: %d\n", nA, nB
		if (nA == 0 || nB == 0) { print "one model was never used"; bad++ }
		exit bad > 0
	}' "$D/expected" "$D/index" "$D/scores" || fail "records do not match their models"

# The broken model: every failure names the file and a reason; while it
# was configured, mail kept being scored; afterwards the last good one.
n_failed=$(grep -c "reload failed, keeping the current configuration: '$D/broken\.bsm'" "$BSPF_MLOG")
grep 'reload failed' "$BSPF_MLOG" | grep -v "keeping the current configuration: '$D/broken\.bsm'" &&
	fail "a reload failed for another reason, or without naming the file"
echo "failed reloads: $n_failed, e.g.: $(grep -m1 'reload failed' "$BSPF_MLOG")"
[ "$n_failed" -ge 2 ] || fail "$n_failed failed reloads logged"
echo "messages scored while the broken model was configured: $during"
[ "$during" -ge 3 ] || fail "no mail was scored while the broken model was configured"
awk -v m="$last_good" '$4 == "after@example.org" { n++; if (substr($3, 1, length(m)) != m) bad++ }
	END { exit bad > 0 || n != 3 }' "$D/scores" ||
	fail "after a failed reload, mail was not scored by the last good model ($last_good)"
echo "after the last failed reload: 3 messages scored by the last good model $last_good"

bspf_stop
counters=$(grep 'counters (exit)' "$BSPF_MLOG")
echo "$counters"
echo "$counters" | grep -q ' tempfailed=0 ' || fail "the milter tempfailed messages"
echo "reload passed"
