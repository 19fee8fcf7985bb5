-- outbound.lua - which mail is scored: InternalHosts (v4, v6, v4-mapped),
-- {daemon_name} in MTA, {auth_authen}; everything else accepted at MAIL.
dofile(os.getenv("BS_SRCDIR") .. "/lib.lua")
bs.start()

local cases = {
	-- ip, daemon, auth, scored?
	{"10.1.2.3", nil, nil, true, "client in InternalHosts (CIDR)"},
	{"10.2.0.1", nil, nil, false, "client outside InternalHosts"},
	{"::1", nil, nil, true, "IPv6 loopback"},
	{"2001:db8::5", nil, nil, false, "IPv6 outside"},
	{"2001:db8:1::9", nil, nil, true, "IPv6 CIDR inside"},
	{"::ffff:10.1.9.9", nil, nil, true, "v4-mapped client in a v4 range"},
	{"192.0.2.1", "ORIGINATING", nil, true, "daemon name in MTA"},
	{"192.0.2.1", "smtpd", nil, false, "daemon name not in MTA"},
	{"192.0.2.1", nil, "alice", true, "authenticated"},
	{"192.0.2.1", nil, "", false, "empty {auth_authen}"},
}

for i, c in ipairs(cases) do
	local conn = bs.connect()
	local r = bs.conninfo(conn, c[1], c[2])
	bs.check(r == SMFIR_CONTINUE, c[5] .. ": CONNECT continues (auth may follow)")
	r = bs.mail(conn, "<s@example.org>", "Q" .. i, c[3])
	if c[4] then
		bs.check(r == SMFIR_CONTINUE, c[5] .. ": MAIL continues")
		r = bs.rest(conn, {"<r@example.net>"}, {{"Subject", "hello"}}, "body text\r\n")
		bs.check(r == SMFIR_CONTINUE, c[5] .. ": EOM continues")
		bs.check(bs.scored(conn), c[5] .. ": header added")
	else
		bs.check(r == SMFIR_ACCEPT, c[5] .. ": accepted at MAIL")
	end
	mt.disconnect(conn)
end
mt.echo("outbound: " .. #cases .. " cases passed")
