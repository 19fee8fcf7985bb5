#!/bin/sh
# bench-milter-memory.sh - issue 7 item 8 on the real program: the RSS of
# blindscore-milter with the model loaded and 100 concurrent milter sessions
# held in the middle of a message, against encrypted model + randomizer table
# + pool + 32 MiB; and the per-message memory for a 4 kB message against a
# 1 MB one (same text repeated, MaximumScannedBytes = 0 so all of it is
# scanned): it must not grow with the message's size.
#
# Usage: sh bench-milter-memory.sh BUILDDIR SRCDIR JSONFILE   (make bench)
# The milter runs as the calling user on a unix socket in a temporary
# directory; the client is a small Python implementation of the MTA side of
# the milter protocol (version 6): negotiation, connect, MAIL, RCPT, DATA,
# the headers, end of headers and the body in 65,535-byte pieces for all 100
# sessions; then the RSS is read (/proc/PID/status), every session gets its
# end of message at once, every reply must be "continue" and the spool must
# hold 100 records.  One fresh milter per message size.  Table and pool sizes
# come from bench_memory's line in JSONFILE (run-bench runs it first);
# without it the budget is the idle RSS (model, table, pool and the
# program) + 32 MiB.  Skips (exit 0) without python3.
set -u
B=${1:?usage: bench-milter-memory.sh BUILDDIR SRCDIR JSONFILE}
S=${2:?usage: bench-milter-memory.sh BUILDDIR SRCDIR JSONFILE}
JSON=${3:?usage: bench-milter-memory.sh BUILDDIR SRCDIR JSONFILE}
B=$(cd "$B" && pwd) S=$(cd "$S" && pwd)
BITS=3072
NSESS=${BENCH_MEM_SESSIONS:-100}

skip() {
	echo "bench-milter-memory: $*: skipped"
	exit 0
}
die() {
	echo "bench-milter-memory: $*" >&2
	exit 1
}
echo
echo "== [8] memory of blindscore-milter with $NSESS concurrent sessions mid-message" \
	"(target <= model + table + pool + 32 MiB)"
PY=/usr/bin/python3
[ -x $PY ] || skip "python3 not found"
T=$B/src/tools
MILTER=$B/src/milter/blindscore-milter
[ -x "$MILTER" ] && [ -x "$T/blindscore-encrypt" ] || die "build blindscore first (make)"

# key and encrypted demo model: the same cache as bench-postfix.sh
. "$S/tests/bench/demo-cache.sh"
buckets=$("$T/blindscore-encrypt" --info "$em" | sed -n 's/^buckets *2^\([0-9]*\).*/\1/p')
[ -n "$buckets" ] || die "cannot read the model's bucket count"
# in memory: 2^b + 1 ciphertexts of n^2 (2 * BITS bits)
model_mib=$(awk -v b="$buckets" -v bits=$BITS 'BEGIN { printf "%.3f", (2 ^ b + 1) * bits / 4 / 1048576 }')
tp=$(grep "\"bench\":\"memory\",\"bits\":$BITS," "$JSON" 2>/dev/null | tail -n 1)
table_mib=$(echo "$tp" | sed -n 's/.*"table_mib":\([0-9.]*\).*/\1/p')
pool_mib=$(echo "$tp" | sed -n 's/.*"pool_mib":\([0-9.]*\).*/\1/p')

W=$(mktemp -d "${TMPDIR:-/tmp}/bs-bench-mem.XXXXXX") || die "mktemp"
MPID=
cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# the messages: the bundled samples' bodies, 4 kB and 1 MB of them
for f in "$S"/contrib/samples/*.eml; do
	awk 'b { print } /^$/ { b = 1 }' "$f"
done >"$W/bodies"
for size in 4096 1048576; do
	awk -v max=$size '{ l[n++] = $0 } END { s = 0; for (i = 0; ; i = (i + 1) % n) {
		if (s + length(l[i]) + 1 > max) break; print l[i]; s += length(l[i]) + 1 } }' \
		"$W/bodies" >"$W/body.$size"
done

cat >"$W/client.py" <<'EOF'
# MTA side of the milter protocol, version 6: N sessions held mid-message.
import os, socket, struct, sys, time
path, n, bodyf, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
body = open(bodyf, 'rb').read().replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
heads = [(b'From', b'alice@example.org'), (b'To', b'bob@example.net'),
         (b'Subject', b'quarterly report and offers'), (b'Message-ID', b'<mem@example.org>'),
         (b'Date', b'Mon, 1 Jan 2024 00:00:00 +0000'), (b'MIME-Version', b'1.0'),
         (b'Content-Type', b'text/plain; charset=us-ascii')]
def rss():
    d = {}
    with open('/proc/%s/status' % pid) as f:
        for l in f:
            k, _, v = l.partition(':')
            if k in ('VmRSS', 'VmHWM', 'Threads'):
                d[k] = int(v.split()[0])
    return d
def recvn(s, k):
    b = b''
    while len(b) < k:
        c = s.recv(k - len(b))
        if not c:
            raise SystemExit('milter closed the connection')
        b += c
    return b
def send(s, cmd, data=b''):
    s.sendall(struct.pack('>I', len(data) + 1) + cmd + data)
def reply(s):
    (k,) = struct.unpack('>I', recvn(s, 4))
    r = recvn(s, k)
    return r[:1], r[1:]
def expect(s, what, ok=b'c'):
    c, d = reply(s)
    if c not in ok:
        raise SystemExit('%s: reply %r %r' % (what, c, d[:80]))
    return c
def z(*a):
    return b''.join(x + b'\0' for x in a)
qid = lambda i: b'MEM%05d' % i
def open_sessions(first, count):
    grp = []
    for i in range(first, first + count):
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        send(s, b'O', struct.pack('>III', 6, 0x1ff, 0x1fffff))
        c, d = reply(s)
        if c != b'O':
            raise SystemExit('negotiation: %r' % c)
        # the steps the milter asked for: no replies to headers (0x80) and
        # to the end of headers (0x40000) on a unix socket, as Postfix honours
        nr = struct.unpack('>III', d[:12])[2]
        grp.append((i, s))
    for i, s in grp:
        send(s, b'D', b'C' + z(b'j', b'mail.example.org', b'{daemon_name}', b'smtpd'))
        send(s, b'C', b'client.example.org\0' + b'4' + struct.pack('>H', 12345) + b'127.0.0.1\0')
    for i, s in grp:
        expect(s, 'connect')
    for i, s in grp:
        send(s, b'D', b'M' + z(b'i', qid(i), b'{mail_addr}', b'alice@example.org'))
        send(s, b'M', z(b'<alice@example.org>'))
    for i, s in grp:
        expect(s, 'MAIL')
    for i, s in grp:
        send(s, b'R', z(b'<bob@example.net>'))
    for i, s in grp:
        expect(s, 'RCPT')
    for i, s in grp:
        send(s, b'T')
    for i, s in grp:
        expect(s, 'DATA')
    for k, v in heads:
        for i, s in grp:
            send(s, b'L', z(k, v))
        for i, s in grp:
            if not nr & 0x80:
                expect(s, 'header')
    for i, s in grp:
        send(s, b'N')
    for i, s in grp:
        if not nr & 0x40000:
            expect(s, 'end of headers')
    skipped = set()
    for off in range(0, len(body), 65535):
        live = [s for i, s in grp if s not in skipped]
        for s in live:
            send(s, b'B', body[off:off + 65535])
        for s in live:
            if expect(s, 'body', b'cs') == b's':
                skipped.add(s)
    time.sleep(0.3)
    return [s for i, s in grp]
idle = rss()
half = n // 2
ss = open_sessions(0, half)
mid1 = rss()
ss += open_sessions(half, n - half)
mid = rss()
skipped = ()
for i, s in enumerate(ss):
    send(s, b'D', b'E' + z(b'i', qid(i)))
    send(s, b'E')
for s in ss:
    while True:
        c, d = reply(s)
        if c in (b'h', b'm', b'i'):
            continue  # header actions
        if c != b'c':
            raise SystemExit('end of message: reply %r %r' % (c, d[:80]))
        break
after = rss()
for s in ss:
    send(s, b'Q')
    s.close()
print(idle['VmRSS'], mid['VmRSS'], after['VmRSS'], after['VmHWM'], mid['Threads'], mid1['VmRSS'], half)
EOF

: >"$W/results"
for size in 4096 1048576; do
	rm -f "$W/sock" "$W/spool"
	cat >"$W/m.conf" <<EOF
Socket = "unix:$W/sock"
PidFile = "$W/pid"
Syslog = no
SpoolFile = "$W/spool"
InternalHosts = {"127.0.0.1"}
PublicKeyFile = "$key.pub"
ModelFile = "$em"
MaximumScannedBytes = 0
EOF
	"$MILTER" -f -x "$W/m.conf" 2>"$W/milter.log" &
	MPID=$!
	i=0
	while ! grep -q 'starting: pid' "$W/milter.log" 2>/dev/null; do
		kill -0 $MPID 2>/dev/null || die "blindscore-milter did not start: $(tail -n 3 "$W/milter.log")"
		i=$((i + 1))
		[ $i -lt 600 ] || die "blindscore-milter did not start within 60 s"
		sleep 0.1
	done
	sleep 1 # the randomizer pool fills
	out=$($PY "$W/client.py" "$W/sock" "$NSESS" "$W/body.$size" $MPID 2>"$W/client.err") ||
		die "milter client ($size bytes): $(tail -n 3 "$W/client.err")"
	kill $MPID
	wait $MPID
	MPID=
	recs=$(grep -c . "$W/spool" 2>/dev/null || echo 0)
	[ "$recs" -ge "$NSESS" ] || die "$recs spool records for $NSESS messages ($size bytes)"
	echo "$size $out" >>"$W/results"
done

awk -v model="$model_mib" -v table="${table_mib:-}" -v pool="${pool_mib:-}" -v n="$NSESS" \
	-v json="$JSON" -v bits=$BITS '
{ size[NR] = $1; idle[NR] = $2 / 1024; mid[NR] = $3 / 1024; after[NR] = $4 / 1024; hwm[NR] = $5 / 1024
  thr[NR] = $6; avg[NR] = ($3 - $2) / n; per[NR] = ($3 - $7) / (n - $8) }
END {
	known = table != "" && pool != ""
	limit = known ? model + table + pool + 32 : idle[1] + 32
	printf "%-9s %9s %9s %9s %9s %8s %8s %8s %9s %s\n", "message", "idle_MiB", "mid_MiB", "after_MiB", "peak_MiB",
		"threads", "KiB/msg", "avg_KiB", "limit", "verdict"
	for (i = 1; i <= NR; i++) {
		ok = hwm[i] <= limit
		printf "%-9s %9.1f %9.1f %9.1f %9.1f %8d %8.1f %8.1f %9.1f %s\n", size[i] " B", idle[i], mid[i], after[i], hwm[i],
			thr[i], per[i], avg[i], limit, ok ? "pass" : "MISS"
	}
	ratio = per[2] / per[1]
	printf "limit (for the peak) = model %.1f + table %s + pool %s + 32 MiB%s;\n" \
		"KiB/msg: RSS growth from %d to %d sessions held mid-message, per session (the marginal cost);\n" \
		"avg_KiB: (mid - idle) / %d, with the fixed costs (libmilter worker threads, malloc arenas);\n" \
		"1 MB / 4 kB per-message memory: %.2f (target: independent of the size)\n",
		model, known ? sprintf("%.2f", table) : "?", known ? sprintf("%.3f", pool) : "?",
		known ? "" : " (table and pool unknown without bench_memory: idle RSS + 32 MiB)", n / 2, n, n, ratio
	for (i = 1; i <= NR; i++)
		printf "{\"bench\":\"milter_memory\",\"bits\":%d,\"sessions\":%d,\"msg_bytes\":%d,\"idle_mib\":%.2f," \
			"\"mid_mib\":%.2f,\"after_mib\":%.2f,\"peak_mib\":%.2f,\"per_msg_kib\":%.1f,\"avg_msg_kib\":%.1f,\"model_mib\":%.2f," \
			"\"table_mib\":%s,\"pool_mib\":%s,\"limit_mib\":%.2f,\"pass\":%s}\n", bits, n, size[i], idle[i], mid[i],
			after[i], hwm[i], per[i], avg[i], model, known ? table : "null", known ? pool : "null", limit,
			hwm[i] <= limit ? "true" : "false" >> json
}' "$W/results" || die "report failed"
