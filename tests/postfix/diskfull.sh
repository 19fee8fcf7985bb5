#!/bin/sh
# diskfull.sh - disk full (issue 8): the milter's spool lives on a small
# tmpfs, under a private Postfix on 127.0.0.1 that retries what the milter
# tempfails (retry.sh).
#   1. $DF_N1 messages are scored normally.
#   2. The tmpfs is filled up (a filler file); $DF_N2 more messages are sent:
#      the spool writes fail (ENOSPC, some after writing part of a record
#      into the file's last page), and On-SpoolError's default tempfails
#      them, so Postfix keeps them deferred.  Once each has been tempfailed
#      at least twice: none reached the sink, the spool ends with a LF, holds
#      exactly one record per message at the sink and verifies with no torn
#      fragment: nothing partial is left.
#   3. The filler is removed.  Without a restart or a signal the milter
#      scores again: the deferred messages and $DF_N3 new ones are delivered.
# Afterwards every message at the sink has exactly one record under its
# queue id, decrypting to its offline score, and one header; there are no
# other records; the milter is the one process started at the beginning.
# The mount lives in a private mount namespace when unshare(1) allows it,
# and is unmounted at exit in any case.  Skips (77) without root, Postfix or
# tmpfs mounts.
if [ -z "${BS_DISKFULL_NS:-}" ] && [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 &&
	unshare -m --propagation private true 2>/dev/null; then
	BS_DISKFULL_NS=1 exec unshare -m --propagation private /bin/sh "$0" "$@"
fi
top_builddir=${top_builddir:-$(pwd)}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "${top_srcdir}/tests/postfix/fixture.sh"
. "${top_srcdir}/tests/postfix/retry.sh"
N1=${DF_N1:-30}
N2=${DF_N2:-40}
N3=${DF_N3:-30}
t0=$(now_ms)

MNT=$D/spoolfs
mkdir "$MNT" || exit 99
if ! mount -t tmpfs -o size=64k,mode=0755 blindscore-test "$MNT" 2>"$D/mount.err"; then
	echo "cannot mount a tmpfs ($(cat "$D/mount.err")): skipped"
	BS_TEST_CLEAN=1
	exit 77
fi
BSPF_ON_EXIT='umount "$MNT" 2>/dev/null || umount -l "$MNT"; '$BSPF_ON_EXIT

make_key "$D/k"
make_model "$D/m" 1 12
M=$D/m.txt

bspf_init "$D/pf"
BSPF_SPOOL=$MNT/spool
retry_setup
bspf_milter_conf "PublicKeyFile = \"$D/k.pub\"" "ModelFile = \"$D/m.bsm\"" "AddHeader = yes"
bspf_start
retry_started
milter_pid=$BSPF_MILTER_PID

# spool_clean WHEN: the spool ends with a LF and verifies without any
# warning, and holds one record per message at the sink, no other.
spool_clean() {
	[ "$(tail -c 1 "$BSPF_SPOOL" | od -An -c | tr -d ' ')" = '\n' ] ||
		fail "$1: the spool does not end with a LF (a partial record)"
	retry_decrypt "$D/check"
	[ ! -s "$D/check.err" ] || fail "$1: blindscore-decrypt: $(cat "$D/check.err")"
	_sink=$(bspf_sink_count)
	[ "$(wc -l <"$D/check")" -eq "$_sink" ] ||
		fail "$1: $(wc -l <"$D/check") records for $_sink messages at the sink"
}

# 1. normal operation
retry_send p1 "$N1"
retry_sent p1
retry_wait_all p1 "$N1" 60 || fail "phase 1: not every message was delivered"
spool_clean "phase 1"

# 2. full: fill the tmpfs (dd stops at ENOSPC)
dd if=/dev/zero of="$MNT/filler" bs=4096 2>/dev/null
dd if=/dev/zero of="$MNT/filler2" bs=512 2>/dev/null
free_kb=$(df -k "$MNT" | awk 'NR == 2 { print $4 }')
spool_size=$(wc -c <"$BSPF_SPOOL")
echo "tmpfs full: $free_kb kB free, spool $spool_size bytes" \
	"($((4096 - spool_size % 4096)) bytes left in its last page)"
errs0=$(grep -c 'records not written' "$BSPF_MLOG")
t_full=$(now_ms)
retry_send p2 "$N2"
retry_sent p2
# each message tempfailed at least twice (Postfix retries every 1-2 s)
# shellcheck disable=SC2016
bspf_wait_for '[ $(grep -c "postfix/scorer/smtp.* status=deferred" "$BSPF_LOG") -ge $((2 * N2)) ]' 600 ||
	fail "phase 2: mail was not tempfailed while the spool was full" \
		"($(grep -c "postfix/scorer/smtp.* status=deferred" "$BSPF_LOG") deferrals)"
deferred=$(grep -c 'postfix/scorer/smtp.* status=deferred' "$BSPF_LOG")
grep 'postfix/scorer/smtp.* status=deferred' "$BSPF_LOG" | grep -v -q ' said: 4[0-9][0-9] ' &&
	fail "phase 2: a deferral that is not a 4xx reply: $(grep 'postfix/scorer/smtp.* status=deferred' "$BSPF_LOG" |
		grep -v -m1 ' said: 4[0-9][0-9] ')"
failed_records=$(($(grep 'records not written' "$BSPF_MLOG" | sed 's/.*: \([0-9]*\) records not written.*/\1/' |
	awk '{ n += $1 } END { print n + 0 }') - 0))
[ "$(grep -c 'records not written' "$BSPF_MLOG")" -gt "$errs0" ] ||
	fail "phase 2: the milter logged no failed spool write"
grep 'records not written' "$BSPF_MLOG" | grep -q -i 'no space left' ||
	fail "phase 2: the failed writes were not ENOSPC: $(grep -m1 'records not written' "$BSPF_MLOG")"
during=$(retry_sink_count p2)
echo "while full: $deferred deliveries tempfailed and deferred, $failed_records records not written," \
	"$during of $N2 messages delivered (scored into the last page's slack)"
# Hold the queue so that no write is under way while the spool is checked.
postsuper -c "$BSPF_CONF" -h ALL 2>/dev/null
sleep 3
spool_clean "while full"
postsuper -c "$BSPF_CONF" -H ALL 2>/dev/null
t_free=$(now_ms)

# 3. space returns: no restart, no signal
rm -f "$MNT/filler" "$MNT/filler2"
retry_wait_all p2 "$N2" 120 || fail "phase 3: the deferred messages were not delivered"
t_resumed=$(now_ms)
retry_send p3 "$N3"
retry_sent p3
retry_wait_all p3 "$N3" 60 || fail "phase 3: new messages were not delivered"

kill -0 "$milter_pid" 2>/dev/null && [ "$BSPF_MILTER_PID" = "$milter_pid" ] ||
	fail "the milter is not the one started at the beginning"
[ "$(grep -c ': starting: pid ' "$BSPF_MLOG")" -eq 1 ] || fail "the milter was restarted"
[ "$(grep -c 'opened spool' "$BSPF_MLOG")" -eq 1 ] || fail "the spool was reopened"
spool_clean "at the end"
total=0
for r in p1:$N1 p2:$N2 p3:$N3; do
	retry_verify "${r%:*}" "${r#*:}"
	[ "$RT_RETRIES" -eq 0 ] || fail "run ${r%:*}: $RT_RETRIES second records"
	total=$((total + RT_RECORDS))
done
bspf_stop
grep -q 'counters (exit):' "$BSPF_MLOG" || fail "the milter did not exit cleanly"
t_end=$(now_ms)
echo "$((N1 + N2 + N3)) messages, $total records (one each), none partial;" \
	"scoring resumed $((t_resumed - t_free)) ms after space returned;" \
	"full for $((t_free - t_full)) ms; wall time $((t_end - t0)) ms"
echo "$(grep 'counters (exit)' "$BSPF_MLOG")"
echo "diskfull passed"
