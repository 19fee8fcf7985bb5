-- header.lua - header output: existing X-Blindscore headers are removed, one
-- is added, folded at <= 78 columns; bodies split inside words.  Messages
-- are saved for run.sh, which decrypts the headers and compares them with
-- blindscore-score's offline result.
dofile(os.getenv("BS_SRCDIR") .. "/lib.lua")
bs.start()

local conn = bs.connect()
bs.check(bs.conninfo(conn, "10.1.0.2") == SMFIR_CONTINUE, "CONNECT")

local headers = {
	{"From", "<s@example.org>"},
	{"To", "<r@example.net>"},
	{"Subject", "cheap offer, limited time"},
	{"X-Blindscore", "v=1; forged by the sender"},
	{"Message-ID", "<h1@example.org>"},
	{"X-BLINDSCORE", "another forged one"},
}
local body = {"Dear friend, this offer is che", "ap and unbeliev",
	"able.\r\nReply now to claim your pri", "ze.\r\n"}
bs.check(bs.mail(conn, "<s@example.org>", "H1") == SMFIR_CONTINUE, "MAIL")
bs.check(bs.rest(conn, {"<r@example.net>"}, headers, body) == SMFIR_CONTINUE, "EOM")
bs.check(mt.eom_check(conn, MT_HDRDELETE, "X-Blindscore"), "old headers deleted")
bs.check(bs.scored(conn), "header added")
local v = bs.save(conn, "split", headers, body)
local first = true
for line in (v .. "\n"):gmatch("([^\n]*)\n") do
	local cols = #line:gsub("\t", "        ")
	if first then cols = cols + #"X-Blindscore: " end
	bs.check(cols <= 78, "folded line within 78 columns: " .. line)
	bs.check(first or line:sub(1, 1) == "\t", "continuation starts with a tab")
	first = false
end

-- a second message on the connection, sent in one piece
local body2 = "Meeting notes attached; see you on Monday.\r\n"
local headers2 = {{"Subject", "notes"}, {"Message-ID", "<h2@example.org>"}}
bs.check(bs.mail(conn, "<s@example.org>", "H2") == SMFIR_CONTINUE, "MAIL 2")
bs.check(bs.rest(conn, {"<r@example.net>"}, headers2, body2) == SMFIR_CONTINUE, "EOM 2")
bs.check(not mt.eom_check(conn, MT_HDRDELETE), "nothing to delete")
bs.save(conn, "whole", headers2, body2)
mt.disconnect(conn)
mt.echo("header: passed")
