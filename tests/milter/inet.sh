#!/bin/sh
# inet.sh - an inet socket on 127.0.0.1 (a free port): the milter listens
# there and only there, scores, and one session takes about as long as over
# a unix socket: latency.lua measures 20 sessions on each (one after the
# other) and fails if even the fastest takes over 30 ms (TCP_NODELAY and
# the DATA callback avoid 40 ms stalls, which hit every session); the
# fastest inet session must be within 10 ms of the fastest unix one (the
# fastest, not the mean: CI machines at load 15+ slow some sessions).
. "${top_srcdir:?}/tests/milter/fixture.sh"

# a port nothing listens on or is bound to (checked in /proc/net/tcp)
port=$((20000 + $$ % 20000))
i=0
while [ $i -lt 50 ]; do
	hex=$(printf '%04X' $port)
	grep -q ":$hex " /proc/net/tcp 2>/dev/null || break
	port=$((port + 1))
	i=$((i + 1))
done
[ $i -lt 50 ] || fail "no free port found"

mkconf in "Socket = \"inet:$port@127.0.0.1\"
InternalHosts = {\"127.0.0.1\"}"
mkconf un "InternalHosts = {\"127.0.0.1\"}"
(BS_SOCKET="unix:$D/un.sock" BS_DONE=$D/un.done && export BS_SOCKET BS_DONE && lua un latency) &
BG_PIDS="$BG_PIDS $!"
(BS_SOCKET="inet:$port@127.0.0.1" BS_AFTER=$D/un.done BS_DONE=$D/in.done &&
	export BS_SOCKET BS_AFTER BS_DONE && lua in latency) &
BG_PIDS="$BG_PIDS $!"
# while it runs: listening on 127.0.0.1 only
hex=$(printf '%04X' $port)
waitlog "$D/in.log" "starting: pid"
grep -q "^ *[0-9]*: 0100007F:$hex 00000000:0000 0A" /proc/net/tcp ||
	fail "not listening on 127.0.0.1:$port: $(grep ":$hex " /proc/net/tcp)"
[ "$(grep -c ":$hex 00000000:0000 0A" /proc/net/tcp)" -eq 1 ] || fail "listening elsewhere too"
grep -q ":$(printf '%04X' $port) .* 0A" /proc/net/tcp6 2>/dev/null && fail "listening on IPv6"
lua_wait || fail "latency.lua"
grep -q "no listening TCP socket found" "$D/in.log" && fail "TCP_NODELAY was not set"
un=$(cat "$D/un.done")
in=$(cat "$D/in.done")
echo "one session (the fastest of 20): unix socket $un ms, inet socket $in ms"
awk -v u="$un" -v i="$in" 'BEGIN { exit !(i <= u + 10) }' ||
	fail "inet ($in ms) more than 10 ms a session slower than unix ($un ms)"
sanitizers_clean
echo "inet tests passed"
