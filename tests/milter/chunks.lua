-- chunks.lua - bodies sent in 65,535-byte pieces (the MTA's maximum), with
-- words, base64 quads and quoted-printable escapes split across pieces: the
-- saved messages' headers must decrypt to exactly blindscore-score's
-- offline result (chunks.sh checks).  MaximumScannedBytes = 0 (no limit).
dofile(os.getenv("BS_SRCDIR") .. "/lib.lua")
dofile(os.getenv("BS_SRCDIR") .. "/gen.lua")
bs.start()

local function send(qid, headers, body)
	local pieces = gen.pieces(body, 65535)
	local conn = bs.connect()
	bs.check(bs.conninfo(conn, "10.1.0.3") == SMFIR_CONTINUE, qid .. ": CONNECT")
	bs.check(bs.mail(conn, "<s@example.org>", qid) == SMFIR_CONTINUE, qid .. ": MAIL")
	bs.check(bs.rest(conn, {"<r@example.net>"}, headers, pieces) == SMFIR_CONTINUE, qid .. ": EOM")
	bs.check(bs.scored(conn), qid .. ": scored")
	bs.save(conn, "chunks-" .. qid, headers, body)
	mt.disconnect(conn)
	local r = bs.record(qid)
	bs.check(r ~= nil and r[10] == "0", qid .. ": a record, not truncated")
	return pieces
end

-- plain text, about 300 kB: 5 pieces, words cut at every boundary
local text = gen.text(300000)
local pieces = gen.pieces(text, 65535)
bs.check(#pieces >= 5 and gen.split_words(pieces) >= 2,
	"plain: words split across pieces (" .. gen.split_words(pieces) .. ")")
send("C1", {{"Subject", "=?UTF-8?Q?chunked_pl=C3=A4in_text?="}, {"Message-ID", "<C1@example.org>"}},
	text)

-- multipart: a quoted-printable part and a base64 part, about 250 kB
local bnd = "=_bs_boundary_42"
local body = "This is a multi-part message in MIME format.\r\n" ..
	"--" .. bnd .. "\r\nContent-Type: text/plain; charset=us-ascii\r\n" ..
	"Content-Transfer-Encoding: quoted-printable\r\n\r\n" .. gen.qp(gen.text(120000)) ..
	"--" .. bnd .. "\r\nContent-Type: text/plain; charset=us-ascii\r\n" ..
	"Content-Transfer-Encoding: base64\r\n\r\n" .. gen.base64(gen.text(90000)) ..
	"--" .. bnd .. "--\r\n"
send("C2", {{"Subject", "multipart in pieces"}, {"Message-ID", "<C2@example.org>"},
	{"MIME-Version", "1.0"}, {"Content-Type", "multipart/mixed; boundary=\"" .. bnd .. "\""}},
	body)

-- the same plain text in pieces of 1 to 4,000 bytes of varying size
local small, at, k = {}, 1, 0
while at <= #text do
	k = k + 1
	local n = 1 + (k * 7919) % 4000
	small[#small + 1] = text:sub(at, at + n - 1)
	at = at + n
end
local conn = bs.connect()
bs.check(bs.conninfo(conn, "10.1.0.3") == SMFIR_CONTINUE, "C3: CONNECT")
bs.check(bs.mail(conn, "<s@example.org>", "C3") == SMFIR_CONTINUE, "C3: MAIL")
local h3 = {{"Subject", "=?UTF-8?Q?chunked_pl=C3=A4in_text?="}, {"Message-ID", "<C3@example.org>"}}
bs.check(bs.rest(conn, {"<r@example.net>"}, h3, small) == SMFIR_CONTINUE, "C3: EOM")
bs.save(conn, "chunks-C3", h3, text)
mt.disconnect(conn)
mt.echo("chunks: " .. #pieces .. " pieces of 65535 bytes (" .. gen.split_words(pieces) ..
	" words split), a multipart message, " .. #small .. " small pieces: sent")
