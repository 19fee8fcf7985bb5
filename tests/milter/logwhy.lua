-- logwhy.lua - the envelope sender of spool records (angle brackets
-- stripped, "<>" kept for the null sender; blindscore-spool(5)) and LogWhy
-- lines that start with the queue id.  Mail that is not outgoing is
-- accepted at MAIL when the MTA sent {i} there (Sendmail); when it did not
-- (Postfix has no queue file before the first accepted RCPT), at the first
-- RCPT or DATA that has it, so that the reason line carries the id.
dofile(os.getenv("BS_SRCDIR") .. "/lib.lua")
bs.start()

local senders = {
	{"<alice@example.org>", "alice@example.org"},
	{"<>", "<>"},
	{"bare@example.org", "bare@example.org"},
	{"<a b@example.org>", "a%20b@example.org"},
}
local conn = bs.connect()
bs.check(bs.conninfo(conn, "10.1.0.1") == SMFIR_CONTINUE, "CONNECT")
for i, s in ipairs(senders) do
	local qid = "E" .. i
	bs.check(bs.mail(conn, s[1], qid) == SMFIR_CONTINUE, qid .. ": MAIL")
	bs.check(bs.rest(conn, {"<r@example.net>"}, {{"Subject", "sender " .. i}}, "text\r\n") ==
		SMFIR_CONTINUE, qid .. ": EOM")
	local r = bs.record(qid)
	bs.check(r ~= nil, qid .. ": no spool record")
	bs.check(r[6] == s[2], qid .. ": MAIL FROM " .. s[1] .. " stored as sender '" ..
		tostring(r[6]) .. "', expected '" .. s[2] .. "'")
end
mt.disconnect(conn)

local why = "message accepted unscanned, not outgoing: client 192.0.2.7 not in InternalHosts"
local function inbound()
	local c = bs.connect()
	bs.check(bs.conninfo(c, "192.0.2.7") == SMFIR_CONTINUE, "inbound CONNECT (auth may follow)")
	return c
end
-- MAIL without {i}: a macro of another name replaces miltertest's MAIL macros
local function mail_noid(c, from)
	bs.ok(mt.macro(c, SMFIC_MAIL, "{mail_addr}", from), "macro")
	bs.ok(mt.mailfrom(c, "<" .. from .. ">"), "mailfrom")
	return mt.getreply(c)
end
local function rcpt(c, to)
	bs.ok(mt.rcptto(c, to), "rcptto")
	return mt.getreply(c)
end

-- W1: {i} at MAIL (Sendmail): accepted at MAIL, the line starts with the id
conn = inbound()
bs.check(bs.mail(conn, "<x@example.com>", "W1") == SMFIR_ACCEPT, "W1: accepted at MAIL")
bs.wait_log("W1: " .. why)
mt.disconnect(conn)

-- W2: no {i} at MAIL nor at the first RCPT (Postfix), then at the second
conn = inbound()
bs.check(mail_noid(conn, "x@example.com") == SMFIR_CONTINUE, "W2: MAIL without a queue id continues")
bs.check(rcpt(conn, "<a@example.org>") == SMFIR_CONTINUE, "W2: first RCPT without a queue id continues")
bs.ok(mt.macro(conn, SMFIC_RCPT, "i", "W2"), "macro")
bs.check(rcpt(conn, "<b@example.org>") == SMFIR_ACCEPT, "W2: accepted at the RCPT with the queue id")
bs.wait_log("W2: " .. why)
mt.disconnect(conn)

-- W3: no {i} before DATA (miltertest cannot send DATA macros; Postfix sends
-- {i} there): accepted at DATA at the latest, the reason logged once
local before = bs.log_count(why)
conn = inbound()
bs.check(mail_noid(conn, "x@example.com") == SMFIR_CONTINUE, "W3: MAIL continues")
bs.check(rcpt(conn, "<a@example.org>") == SMFIR_CONTINUE, "W3: RCPT continues")
bs.ok(mt.data(conn), "data")
bs.check(mt.getreply(conn) == SMFIR_ACCEPT, "W3: accepted at DATA")
bs.wait_log(why, before + 1)
mt.disconnect(conn)

-- W4: aborted before DATA (the MTA refused every recipient): nothing was
-- accepted, nothing is logged; the next message of the connection, with
-- {i} at MAIL, is accepted at MAIL
before = bs.log_count(why)
conn = inbound()
bs.check(mail_noid(conn, "y@example.com") == SMFIR_CONTINUE, "W4: MAIL continues")
bs.ok(mt.abort(conn), "abort")
bs.check(bs.mail(conn, "<z@example.com>", "W5") == SMFIR_ACCEPT, "W5: accepted at MAIL")
bs.wait_log("W5: " .. why)
mt.disconnect(conn)
mt.sleep(0.2)
bs.check(bs.log_count(why) == before + 1, "W4: an aborted message logged a LogWhy line")

-- an outgoing message on the same milter is still scored with its queue id
local r, e, c2 = bs.message("W6")
bs.check(r == SMFIR_CONTINUE and e == SMFIR_CONTINUE, "W6: outgoing message")
bs.check(bs.record("W6") ~= nil, "W6: spool record")
mt.disconnect(c2)
mt.echo("logwhy: passed")
