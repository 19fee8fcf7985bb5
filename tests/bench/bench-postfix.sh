#!/bin/sh
# bench-postfix.sh - issue 6's benchmark and issue 7 item 5: blindscore-milter
# in a real, private Postfix on 127.0.0.1 (contrib/lib-postfix.sh) relaying to
# smtp-sink, against the same Postfix without a milter and with
# tests/bench/noop-milter burning blindscore's engine CPU per message at EOM.
#
# Usage: sh bench-postfix.sh BUILDDIR SRCDIR JSONFILE   (as root; make bench)
# Skips (exit 0, with a message) without root or Postfix.
#
#  1. Offline engine cost: blindscore-score --encrypt (3072-bit key, the demo
#     model) over N copies of the workload message minus over a few copies:
#     CPU seconds (/usr/bin/time %U+%S) per message.  Model and key are
#     cached in BUILDDIR/bench-cache (encryption takes minutes).
#  2. Throughput: one Postfix, one smtpd listener per variant (-o smtpd_milters):
#     bare, blindscore (unix socket), noop-0 (no CPU) and burner (noop-milter
#     burning the offline CPU per message).  Each round sends $MSGS 4 kB
#     messages with smtp-source, $SESS sessions, one connection per message;
#     a round ends when smtp-sink holds them all and the queue is empty; its
#     time runs from smtp-source's start to the last dump file's mtime.  The
#     variants alternate (order rotated) for $ROUNDS rounds; medians reported.
#  3. Milter CPU per message: /proc/PID/stat utime+stime over the rounds.
#  4. One-session latency: a Python smtplib client sending one message at a
#     time, interleaving the variants, blindscore also over an inet socket
#     (a second milter instance): p50/p99 of the whole transaction and of the
#     end-of-data -> 250 step (EOM).
# Environment: BENCH_PF_ROUNDS (5), BENCH_PF_MSGS (400), BENCH_PF_SESS (10),
# BENCH_PF_LAT (150 messages per variant).
set -u
B=${1:?usage: bench-postfix.sh BUILDDIR SRCDIR JSONFILE}
S=${2:?usage: bench-postfix.sh BUILDDIR SRCDIR JSONFILE}
JSON=${3:?usage: bench-postfix.sh BUILDDIR SRCDIR JSONFILE}
B=$(cd "$B" && pwd) S=$(cd "$S" && pwd)
ROUNDS=${BENCH_PF_ROUNDS:-5}
MSGS=${BENCH_PF_MSGS:-400}
SESS=${BENCH_PF_SESS:-10}
LATN=${BENCH_PF_LAT:-150}
BITS=3072

skip() {
	echo "bench-postfix: $*: skipped"
	exit 0
}
die() {
	echo "bench-postfix: $*" >&2
	exit 1
}
echo
echo "== [5] milter in Postfix: throughput and latency (issue 6 benchmark, issue 7 item 5)"
[ "$(id -u)" -eq 0 ] || skip "a private Postfix needs root (its master runs as root)"
PATH=$PATH:/usr/sbin:/sbin
for c in postfix postconf postqueue smtp-sink smtp-source; do
	command -v $c >/dev/null 2>&1 || skip "$c not found (sh contrib/install-deps)"
done
PY=/usr/bin/python3
[ -x $PY ] || skip "python3 not found"
[ -x /usr/bin/time ] || skip "/usr/bin/time not found (Debian package time)"
T=$B/src/tools
MILTER=$B/src/milter/blindscore-milter
NOOP=$B/tests/bench/noop-milter
[ -x "$MILTER" ] && [ -x "$T/blindscore-score" ] || die "build blindscore first (make)"
[ -x "$NOOP" ] || make -C "$B" tests/bench/noop-milter >/dev/null || die "cannot build noop-milter"

# ------------------------------------------------------------ key and model
cache=$B/bench-cache
mkdir -p "$cache"
chmod 755 "$cache"
key=$cache/k$BITS
em=$cache/demo-b14.k$BITS.bsm
model=$S/contrib/samples/demo-b14.model
if [ ! -r "$key.pub" ]; then
	"$T/blindscore-keygen" -q -f -N -b $BITS -o "$key" || die "blindscore-keygen"
fi
if [ ! -s "$em" ] || [ "$em" -ot "$key.pub" ] || [ "$em" -ot "$model" ] ||
	! "$T/blindscore-encrypt" --info "$em" >/dev/null 2>&1; then
	echo "encrypting the demo model at $BITS bits once into $em (1-3 min)"
	"$T/blindscore-encrypt" -q -f -k "$key.pub" -m "$model" -o "$em.tmp" ||
		die "blindscore-encrypt"
	mv "$em.tmp" "$em"
	mv "$em.tmp.seed" "$em.seed" 2>/dev/null
fi
chmod 644 "$em" "$key.pub"

W=$(mktemp -d /tmp/bs-bench-postfix.XXXXXX) || die "mktemp"
chmod 755 "$W"
trap 'rm -rf "$W"' EXIT

# ------------------------------------------------------------ the message
# 4 kB: the bodies of the bundled samples, repeated to 4096 bytes.
MSG=$W/msg.eml
for f in "$S"/contrib/samples/*.eml; do
	awk 'b { print } /^$/ { b = 1 }' "$f"
done >"$W/bodies"
{
	printf 'From: alice@example.org\nTo: bob@example.net\nSubject: quarterly report and offers\n'
	printf 'Message-ID: <bench@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n'
	printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n'
} >"$W/head"
awk -v max=4096 -v hl="$(wc -c <"$W/head")" '{ l[n++] = $0 }
	END { s = hl; for (i = 0; ; i = (i + 1) % n) { if (s + length(l[i]) + 1 > max) break
		print l[i]; s += length(l[i]) + 1 } }' "$W/bodies" >"$W/body"
cat "$W/head" "$W/body" >"$MSG"
msg_bytes=$(wc -c <"$MSG")

# ------------------------------------------------------------ offline CPU
# CPU per message of blindscore-score --encrypt: (N_BIG - N_SMALL) copies'
# difference, so key and model loading cancel out; median of 3 pairs.
N_SMALL=20
N_BIG=320
mkdir "$W/small" "$W/big"
i=0
while [ $i -lt $N_BIG ]; do
	cp "$MSG" "$W/big/m$i.eml"
	[ $i -lt $N_SMALL ] && cp "$MSG" "$W/small/m$i.eml"
	i=$((i + 1))
done
offcpu() {
	rm -f "$W/off.spool"
	/usr/bin/time -f '%U %S' -o "$W/time.out" "$T/blindscore-score" --encrypt -k "$key.pub" \
		-m "$em" -o "$W/off.spool" "$1" >/dev/null 2>"$W/score.err" ||
		die "blindscore-score --encrypt: $(cat "$W/score.err")"
	awk '{ print $1 + $2 }' "$W/time.out"
}
off_list=
for r in 1 2 3; do
	cs=$(offcpu "$W/small")
	cb=$(offcpu "$W/big")
	off_list="$off_list $(echo "$cs $cb" | awk -v n=$((N_BIG - N_SMALL)) '{ printf "%.6f", ($2 - $1) / n }')"
done
off_s=$(echo $off_list | tr ' ' '\n' | sort -g | sed -n 2p)
burn_us=$(echo "$off_s" | awk '{ printf "%d", $1 * 1e6 + 0.5 }')
echo "offline engine CPU per message: $(echo "$off_s" | awk '{ printf "%.3f", $1 * 1000 }') ms" \
	"(blindscore-score --encrypt, $BITS-bit key, $msg_bytes-byte message; pairs:" \
	"$(echo $off_list | awk '{ for (i = 1; i <= NF; i++) printf " %.3f", $i * 1000 }') ms)"

# ------------------------------------------------------------ Postfix
BSPF_CONTRIB=$S/contrib
BSPF_MILTER=$MILTER
BSPF_MILTER_FLAGS=
. "$S/contrib/lib-postfix.sh"
EXTRA_PIDS=
# After bspf_stop (lib-postfix.sh's EXIT trap): our milters, the work dir.
BSPF_ON_EXIT='for p in $EXTRA_PIDS; do kill "$p" 2>/dev/null; done
	for p in $EXTRA_PIDS; do wait "$p" 2>/dev/null; done
	if [ $_rc -eq 0 ]; then rm -rf "$W"; else echo "bench-postfix: work directory kept: $W"; fi'
bspf_init "$W/pf"
bspf_milter_conf "PublicKeyFile = \"$key.pub\"" "ModelFile = \"$em\""
bspf_start

# A second blindscore-milter on an inet socket (latency only).
MPORT=$(bspf_free_port "$BSPF_PORT_SMTP" "$BSPF_PORT_SUB" "$BSPF_PORT_SINK")
sed -e "s|^Socket = .*|Socket = \"inet:$MPORT@127.0.0.1\"|" \
	-e "s|^PidFile = .*|PidFile = \"$BSPF_RUN/pid-inet\"|" \
	-e "s|^SpoolFile = .*|SpoolFile = \"$BSPF_MDIR/spool-inet\"|" "$BSPF_MCONF" >"$BSPF_MDIR/inet.conf"
"$MILTER" -f -x "$BSPF_MDIR/inet.conf" 2>>"$BSPF_MDIR/milter-inet.log" &
INET_PID=$!
EXTRA_PIDS="$EXTRA_PIDS $INET_PID"
"$NOOP" -p "unix:$BSPF_RUN/noop0.sock" 2>>"$BSPF_MDIR/noop.log" &
NOOP0_PID=$!
"$NOOP" -b "$burn_us" -p "unix:$BSPF_RUN/burn.sock" 2>>"$BSPF_MDIR/noop.log" &
BURN_PID=$!
EXTRA_PIDS="$EXTRA_PIDS $NOOP0_PID $BURN_PID"
bspf_wait_for 'bspf_port_listening $MPORT && [ -S "$BSPF_RUN/noop0.sock" ] && [ -S "$BSPF_RUN/burn.sock" ]' 300 ||
	die "the extra milters did not start: $(tail -n 3 "$BSPF_MDIR/milter-inet.log" "$BSPF_MDIR/noop.log")"

# One smtpd listener per variant; blindscore (unix) is lib-postfix's smtp port.
used="$BSPF_PORT_SMTP $BSPF_PORT_SUB $BSPF_PORT_SINK $MPORT"
P_BARE=$(bspf_free_port $used) && used="$used $P_BARE"
P_NOOP0=$(bspf_free_port $used) && used="$used $P_NOOP0"
P_BURN=$(bspf_free_port $used) && used="$used $P_BURN"
P_INET=$(bspf_free_port $used)
P_BS=$BSPF_PORT_SMTP
cat >>"$BSPF_CONF/master.cf" <<EOF
# bench-postfix.sh: one listener per variant
127.0.0.1:$P_BARE inet n - n - - smtpd -o smtpd_milters=
127.0.0.1:$P_NOOP0 inet n - n - - smtpd -o smtpd_milters=unix:$BSPF_RUN/noop0.sock
127.0.0.1:$P_BURN inet n - n - - smtpd -o smtpd_milters=unix:$BSPF_RUN/burn.sock
127.0.0.1:$P_INET inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MPORT
EOF
postfix -c "$BSPF_CONF" reload >/dev/null 2>&1 || die "postfix reload: $(tail -n 3 "$BSPF_LOG")"
all_listening() {
	for _p in "$@"; do
		bspf_port_listening "$_p" || return 1
	done
}
bspf_wait_for 'all_listening $P_BARE $P_NOOP0 $P_BURN $P_INET' 100 ||
	die "the benchmark's smtpd listeners did not start: $(tail -n 3 "$BSPF_LOG")"

# ------------------------------------------------------------ throughput
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
HZ=$(getconf CLK_TCK)
now_s() {
	date +%s.%N
}

# round NAME PORT: send $MSGS messages; "NAME rate" into rounds.txt.
round() {
	find "$BSPF_SINK" -type f -name 'm.*' -delete
	_sent0=$(bspf_sent_count)
	_c0=$(cpu_ticks "$BSPF_MILTER_PID")
	_b0=$(cpu_ticks "$BURN_PID")
	_t0=$(now_s)
	smtp-source -s "$SESS" -m "$MSGS" -F "$MSG" -f alice@example.org -t bob@example.net \
		-M client.example.org "127.0.0.1:$2" >"$W/source.out" 2>&1 ||
		die "smtp-source ($1): $(tail -n 3 "$W/source.out")"
	bspf_wait_for '[ "$(ls -f "$BSPF_SINK" | grep -c "^m\.")" -ge $MSGS ]' 1200 ||
		die "$1: only $(ls -f "$BSPF_SINK" | grep -c '^m\.') of $MSGS messages at the sink"
	_t1=$(find "$BSPF_SINK" -type f -name 'm.*' -printf '%T@\n' | sort -g | tail -n 1)
	bspf_wait_delivered $((_sent0 + MSGS)) 60 || die "$1: not every message was delivered"
	_c1=$(cpu_ticks "$BSPF_MILTER_PID")
	_b1=$(cpu_ticks "$BURN_PID")
	echo "$1 $(echo "$_t0 $_t1" | awk -v n="$MSGS" '{ printf "%.2f", n / ($2 - $1) }') $((_c1 - _c0)) $((_b1 - _b0))" \
		>>"$W/rounds.txt"
	sleep 0.5
}

# Warm-up: every variant once (smtpd processes, milter connections, pools).
MSGS_SAVE=$MSGS
WARM=40
MSGS=$WARM
for v in bare:$P_BARE blindscore:$P_BS noop0:$P_NOOP0 burner:$P_BURN; do
	round "${v%%:*}" "${v#*:}"
done
MSGS=$MSGS_SAVE
: >"$W/rounds.txt"
t_start=$(date +%s)
r=0
set -- bare:$P_BARE blindscore:$P_BS noop0:$P_NOOP0 burner:$P_BURN
while [ $r -lt "$ROUNDS" ]; do
	for v in "$@"; do
		round "${v%%:*}" "${v#*:}"
	done
	set -- "$2" "$3" "$4" "$1" # rotate the order
	r=$((r + 1))
done
t_rounds=$(($(date +%s) - t_start))
grep -q 'milter-reject\|status=deferred\|status=bounced' "$BSPF_LOG" &&
	die "deferred or rejected mail in $BSPF_LOG"

# ------------------------------------------------------------ latency
cat >"$W/lat.py" <<'EOF'
import re, smtplib, sys, time
msg = open(sys.argv[1], 'rb').read().replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
msg = re.sub(rb'(?m)^\.', b'..', msg)
n = int(sys.argv[2])
vs = [a.split(':') for a in sys.argv[3:]]
tot = {v[0]: [] for v in vs}
eom = {v[0]: [] for v in vs}
for i in range(n):
    for name, port in vs:
        t0 = time.perf_counter()
        s = smtplib.SMTP('127.0.0.1', int(port), local_hostname='client.example.org')
        s.ehlo()
        s.mail('alice@example.org')
        s.rcpt('bob@example.net')
        s.putcmd('data')
        code, _ = s.getreply()
        assert code == 354, code
        s.send(msg + b'.\r\n')
        t1 = time.perf_counter()
        code, _ = s.getreply()
        t2 = time.perf_counter()
        assert code == 250, (name, code)
        s.quit()
        t3 = time.perf_counter()
        tot[name].append((t3 - t0) * 1000)
        eom[name].append((t2 - t1) * 1000)
def q(a, p):
    a = sorted(a)
    return a[min(len(a) - 1, int(p * len(a)))]
for name, _ in vs:
    print(name, len(tot[name]), '%.3f %.3f %.3f %.3f %.3f' % (
        sum(tot[name]) / n, q(tot[name], .5), q(tot[name], .99), q(eom[name], .5), q(eom[name], .99)))
EOF
sent0=$(bspf_sent_count)
$PY "$W/lat.py" "$MSG" "$LATN" bare:$P_BARE blindscore:$P_BS blindscore-inet:$P_INET \
	noop0:$P_NOOP0 burner:$P_BURN >"$W/lat.txt" 2>"$W/lat.err" ||
	die "latency client: $(tail -n 3 "$W/lat.err")"
bspf_wait_delivered $((sent0 + 5 * LATN)) 60 || die "latency messages not delivered"

# ------------------------------------------------------------ milter counters
want_scored=$((WARM + ROUNDS * MSGS + LATN))
bspf_stop
scored=$(grep 'counters (exit)' "$BSPF_MLOG" | sed -n 's/.* scored=\([0-9]*\).*/\1/p')
grep -q 'counters (exit):.* tempfailed=0 ' "$BSPF_MLOG" ||
	die "the milter tempfailed messages: $(grep 'counters (exit)' "$BSPF_MLOG")"
[ "${scored:-0}" -eq "$want_scored" ] ||
	die "the milter scored ${scored:-?} messages, $want_scored sent to it"

# ------------------------------------------------------------ report
load=$(cut -d' ' -f1 /proc/loadavg)
awk -v off="$off_s" -v hz="$HZ" -v msgs="$MSGS" -v rounds="$ROUNDS" -v sess="$SESS" \
	-v burn="$burn_us" -v bytes="$msg_bytes" -v load="$load" -v json="$JSON" -v bits=$BITS \
	-v latf="$W/lat.txt" -v secs="$t_rounds" '
function median(name,   k, i, j, t, a) {
	k = 0; for (i = 1; i <= nr[name]; i++) a[++k] = rate[name, i]
	for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
{ n = ++nr[$1]; rate[$1, n] = $2; all[$1] = all[$1] " " $2; cpu_bs[$1] += $3; cpu_burn[$1] += $4 }
END {
	split("bare blindscore noop0 burner", V, " ")
	for (i = 1; i <= 4; i++) med[V[i]] = median(V[i])
	bs_ms = cpu_bs["blindscore"] / hz * 1000 / (nr["blindscore"] * msgs)
	bu_ms = cpu_burn["burner"] / hz * 1000 / (nr["burner"] * msgs)
	while ((getline l < latf) > 0) { split(l, f, " "); lat[f[1]] = l }
	printf "4 kB messages (%d bytes), %d per round, %d sessions, one connection per message; %d rounds" \
		" per variant, interleaved (%d s); %d-bit key; load average %s\n", bytes, msgs, sess, rounds, secs, bits, load
	printf "%-12s %10s %9s %9s %10s  %s\n", "variant", "msgs/s", "vs_bare", "milterCPU", "burn_us", "rounds (msgs/s)"
	printf "%-12s %10.1f %9.3f %9s %10s  %s\n", "bare", med["bare"], 1, "-", "-", all["bare"]
	printf "%-12s %10.1f %9.3f %7.3fms %10s  %s\n", "blindscore", med["blindscore"], med["blindscore"] / med["bare"], bs_ms, "-", all["blindscore"]
	printf "%-12s %10.1f %9.3f %9s %10d  %s\n", "noop0", med["noop0"], med["noop0"] / med["bare"], "-", 0, all["noop0"]
	printf "%-12s %10.1f %9.3f %7.3fms %10d  %s\n", "burner", med["burner"], med["burner"] / med["bare"], bu_ms, burn, all["burner"]
	r_burn = med["blindscore"] / med["burner"]; r_cpu = bs_ms / (off * 1000)
	printf "blindscore / burner throughput %.3f (target >= 0.95: %s); blindscore >= 300 msgs/s: %s\n",
		r_burn, (r_burn >= 0.95 ? "pass" : "MISS"), (med["blindscore"] >= 300 ? "pass" : "MISS")
	printf "milter CPU per message %.3f ms / offline %.3f ms = %.3f (target <= 1.15: %s)\n",
		bs_ms, off * 1000, r_cpu, (r_cpu <= 1.15 ? "pass" : "MISS")
	printf "\none session, one message at a time (Python smtplib), ms:\n"
	printf "%-16s %6s %8s %8s %8s %8s %8s\n", "variant", "n", "mean", "p50", "p99", "eom_p50", "eom_p99"
	split("bare blindscore blindscore-inet noop0 burner", L, " ")
	for (i = 1; i <= 5; i++) { split(lat[L[i]], f, " "); printf "%-16s %6d %8.2f %8.2f %8.2f %8.2f %8.2f\n", f[1], f[2], f[3], f[4], f[5], f[6], f[7]
		nl[L[i]] = f[2]; lmean[L[i]] = f[3]; l50[L[i]] = f[4]; l99[L[i]] = f[5]; e50[L[i]] = f[6]; e99[L[i]] = f[7] }
	d = l50["blindscore-inet"] - l50["blindscore"]
	printf "inet - unix (p50): %+.2f ms (target: within a few ms)\n", d
	printf "{\"bench\":\"postfix\",\"bits\":%d,\"msg_bytes\":%d,\"msgs_per_round\":%d,\"sessions\":%d,\"rounds\":%d," \
		"\"bare_mps\":%.2f,\"blindscore_mps\":%.2f,\"noop0_mps\":%.2f,\"burner_mps\":%.2f,\"burn_us\":%d," \
		"\"blindscore_over_bare\":%.4f,\"blindscore_over_burner\":%.4f,\"target_over_burner\":0.95,\"pass_over_burner\":%s," \
		"\"pass_300\":%s,\"milter_cpu_ms\":%.4f,\"offline_cpu_ms\":%.4f,\"milter_over_offline\":%.4f," \
		"\"target_over_offline\":1.15,\"pass_over_offline\":%s,\"loadavg\":%s}\n",
		bits, bytes, msgs, sess, rounds, med["bare"], med["blindscore"], med["noop0"], med["burner"], burn,
		med["blindscore"] / med["bare"], r_burn, (r_burn >= 0.95 ? "true" : "false"),
		(med["blindscore"] >= 300 ? "true" : "false"), bs_ms, off * 1000, r_cpu,
		(r_cpu <= 1.15 ? "true" : "false"), load >> json
	for (i = 1; i <= 5; i++)
		printf "{\"bench\":\"postfix_latency\",\"variant\":\"%s\",\"sessions\":1,\"n\":%d,\"mean_ms\":%.3f," \
			"\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"eom_p50_ms\":%.3f,\"eom_p99_ms\":%.3f}\n",
			L[i], nl[L[i]], lmean[L[i]], l50[L[i]], l99[L[i]], e50[L[i]], e99[L[i]] >> json
}' "$W/rounds.txt" || die "report failed"
echo "blindscore-milter: $scored messages scored, none tempfailed"
