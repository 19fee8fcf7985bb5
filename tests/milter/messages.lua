-- messages.lua - several messages on one connection (one aborted), one
-- spool record per scored message, durable before the EOM reply.
dofile(os.getenv("BS_SRCDIR") .. "/lib.lua")
bs.start()

local conn = bs.connect()
bs.check(bs.conninfo(conn, "10.1.0.1") == SMFIR_CONTINUE, "CONNECT")
local before = bs.spool_lines()
for i = 1, 3 do
	bs.check(bs.mail(conn, "<s" .. i .. "@example.org>", "M" .. i) == SMFIR_CONTINUE, "MAIL " .. i)
	local r = bs.rest(conn, {"<a@example.net>", "<b@example.net>"},
		{{"Subject", "message " .. i}, {"Message-ID", "<m" .. i .. "@example.org>"}},
		"text of message " .. i .. "\r\n")
	bs.check(r == SMFIR_CONTINUE, "EOM " .. i)
	bs.check(bs.scored(conn), "message " .. i .. " scored")
	bs.check(bs.spool_lines() == before + i, "record " .. i .. " durable at EOM")
end
-- an aborted message leaves no record, and the next one is scored
bs.check(bs.mail(conn, "<s4@example.org>", "M4") == SMFIR_CONTINUE, "MAIL 4")
bs.ok(mt.rcptto(conn, "<a@example.net>"), "rcpt")
bs.ok(mt.abort(conn), "abort")
bs.check(bs.mail(conn, "<s5@example.org>", "M5") == SMFIR_CONTINUE, "MAIL 5")
bs.check(bs.rest(conn, {"<a@example.net>"}, {{"Subject", "five"}}, "5\r\n") == SMFIR_CONTINUE,
	"EOM 5")
bs.check(bs.spool_lines() == before + 4, "four records after the abort")
-- an inbound message on a fresh connection leaves none
mt.disconnect(conn)
conn = bs.connect()
bs.conninfo(conn, "192.0.2.9")
bs.check(bs.mail(conn, "<x@example.com>", "M6") == SMFIR_ACCEPT, "inbound accepted")
mt.disconnect(conn)
bs.check(bs.spool_lines() == before + 4, "no record for inbound mail")

-- the record carries the envelope and Message-ID (escaped per record.h)
local f = io.open(bs.env("BS_SPOOL"), "r")
local text = f:read("*a")
f:close()
bs.check(text:find("bs1 %d+ %d+ M2 <m2@example.org> s2@example.org 2 ") ~= nil,
	"record of message 2 names queue id, Message-ID, sender (no angle brackets), 2 recipients")
mt.echo("messages: passed")
