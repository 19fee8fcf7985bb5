-- truncate.lua - MaximumScannedBytes = 100k: a small message is not
-- truncated; a 300 kB one is cut at the limit (its record's truncated flag
-- set), the piece crossing the limit is answered with SKIP when the MTA
-- offered SMFIP_SKIP and with CONTINUE when it did not; headers alone can
-- exhaust the budget.  The cut message is saved with its scanned prefix
-- only, so chunks.sh checks the score against the prefix scored offline.
dofile(os.getenv("BS_SRCDIR") .. "/lib.lua")
dofile(os.getenv("BS_SRCDIR") .. "/gen.lua")
local LIMIT = 102400
local SKIP = SMFIP_SKIP or 0x400
bs.start()

local m, e, conn = bs.message("T1")
bs.check(e == SMFIR_CONTINUE, "T1: EOM")
mt.disconnect(conn)
bs.check(bs.record("T1")[10] == "0", "T1: not truncated")

-- body pieces until the milter says SKIP (as an MTA does); the replies
local function body(conn, pieces)
	local replies = {}
	for _, p in ipairs(pieces) do
		bs.ok(mt.bodystring(conn, p), "body")
		replies[#replies + 1] = mt.getreply(conn)
		if replies[#replies] == SMFIR_SKIP then break end
	end
	bs.ok(mt.eom(conn), "eom")
	return replies
end

local text = gen.text(300000)
local pieces = gen.pieces(text, 65535)
local headers = {{"Subject", "truncated"}, {"Message-ID", "<T2@example.org>"}}
local hbytes = 0
for _, h in ipairs(headers) do hbytes = hbytes + #h[1] + #h[2] + 4 end

-- T2: the MTA offers SKIP
conn = bs.connect()
bs.check(bs.conninfo(conn, "10.1.0.4") == SMFIR_CONTINUE, "T2: CONNECT")
bs.check(mt.test_option(conn, SKIP), "T2: the milter asked for SMFIP_SKIP")
bs.check(bs.mail(conn, "<s@example.org>", "T2") == SMFIR_CONTINUE, "T2: MAIL")
bs.head(conn, {"<r@example.net>"}, headers)
local replies = body(conn, pieces)
bs.check(#replies == 2 and replies[1] == SMFIR_CONTINUE and replies[2] == SMFIR_SKIP,
	"T2: CONTINUE, then SKIP for the piece crossing the limit (" .. #replies .. " replies)")
bs.check(mt.getreply(conn) == SMFIR_CONTINUE and bs.scored(conn), "T2: scored")
local prefix = text:sub(1, LIMIT - hbytes)
bs.check(prefix:sub(-1) ~= "\r", "T2: the cut does not split a CRLF")
bs.save(conn, "trunc-T2", headers, prefix)
mt.disconnect(conn)
bs.check(bs.record("T2")[10] == "1", "T2: truncated flag set")
bs.wait_log("T2: scored: model=")
bs.check(bs.log_count(" truncated header spooled") == 1, "T2: the log says truncated")

-- T3: an MTA without SMFIP_SKIP gets CONTINUE for every piece
conn = bs.connect()
-- (miltertest's argument order: version, protocol options, actions)
bs.ok(mt.negotiate(conn, nil, 0x1FFFFF - SKIP, nil), "T3: negotiate without SMFIP_SKIP")
bs.check(not mt.test_option(conn, SKIP), "T3: no SMFIP_SKIP")
bs.check(bs.conninfo(conn, "10.1.0.4") == SMFIR_CONTINUE, "T3: CONNECT")
bs.check(bs.mail(conn, "<s@example.org>", "T3") == SMFIR_CONTINUE, "T3: MAIL")
bs.head(conn, {"<r@example.net>"}, {{"Subject", "truncated"}, {"Message-ID", "<T3@example.org>"}})
replies = body(conn, pieces)
bs.check(#replies == #pieces, "T3: every piece sent")
for i, r in ipairs(replies) do bs.check(r == SMFIR_CONTINUE, "T3: piece " .. i .. " CONTINUE") end
bs.check(mt.getreply(conn) == SMFIR_CONTINUE and bs.scored(conn), "T3: scored")
mt.disconnect(conn)
bs.check(bs.record("T3")[10] == "1", "T3: truncated flag set")

-- T4: 2,000 headers (about 120 kB) exhaust the budget before the body
local many = {{"Message-ID", "<T4@example.org>"}}
for i = 1, 2000 do
	many[#many + 1] = {"X-Filler-" .. i, string.rep("filler ", 7)}
end
conn = bs.connect()
bs.check(bs.conninfo(conn, "10.1.0.4") == SMFIR_CONTINUE, "T4: CONNECT")
bs.check(bs.mail(conn, "<s@example.org>", "T4") == SMFIR_CONTINUE, "T4: MAIL")
bs.head(conn, {"<r@example.net>"}, many)
replies = body(conn, {"short body\r\n"})
bs.check(replies[1] == SMFIR_SKIP, "T4: the first body piece is skipped")
bs.check(mt.getreply(conn) == SMFIR_CONTINUE and bs.scored(conn), "T4: scored")
mt.disconnect(conn)
bs.check(bs.record("T4")[10] == "1", "T4: truncated flag set")
-- an MTA that does not let milters change headers is refused at once
conn = bs.connect()
bs.check(mt.negotiate(conn, nil, nil, 0x1FF - 0x01 - 0x10) ~= nil,
	"no header actions: negotiation refused")
bs.wait_log("the MTA does not let milters add and remove headers (actions 0x1ee)")
mt.echo("truncate: passed")
