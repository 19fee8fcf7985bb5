-- lib.lua - helpers shared by the blindscore-milter miltertest scripts.
-- run.sh sets BS_MILTER (the binary), BS_CONF (config), BS_SOCK (its unix
-- socket), BS_SPOOL (its spool file) and BS_OUT (a directory for messages
-- the shell checks afterwards: decrypted header vs offline score).
bs = {}

function bs.env(name)
	local v = os.getenv(name)
	if v == nil then error("environment variable " .. name .. " is not set") end
	return v
end

function bs.ok(r, what)
	if r ~= nil then error(what .. ": " .. tostring(r), 2) end
end

function bs.check(cond, what)
	if not cond then error("FAILED: " .. what, 2) end
end

-- Start the milter (miltertest stops it with SIGTERM at the end).
function bs.start(conf)
	mt.startfilter(bs.env("BS_MILTER"), "-f", "-T", "-x", conf or bs.env("BS_CONF"))
end

function bs.connect()
	local conn = mt.connect("unix:" .. bs.env("BS_SOCK"), 100, 0.05)
	if conn == nil then error("cannot connect to the milter") end
	return conn
end

-- CONNECT from ip (and {daemon_name}); returns the milter's reply.
function bs.conninfo(conn, ip, daemon)
	if daemon ~= nil then
		bs.ok(mt.macro(conn, SMFIC_CONNECT, "{daemon_name}", daemon), "macro")
	end
	bs.ok(mt.conninfo(conn, "client.example", ip), "conninfo")
	return mt.getreply(conn)
end

-- MAIL FROM with queue id and optional {auth_authen}; returns the reply.
function bs.mail(conn, from, qid, auth)
	if auth ~= nil then
		bs.ok(mt.macro(conn, SMFIC_MAIL, "i", qid, "{auth_authen}", auth), "macro")
	else
		bs.ok(mt.macro(conn, SMFIC_MAIL, "i", qid), "macro")
	end
	bs.ok(mt.mailfrom(conn, from), "mailfrom")
	return mt.getreply(conn)
end

-- The rest of a message: recipients, headers ({name, value} pairs), body
-- pieces (a string or a list of strings, sent one chunk each); returns the
-- EOM reply.
function bs.rest(conn, rcpts, headers, body)
	for _, r in ipairs(rcpts) do
		bs.ok(mt.rcptto(conn, r), "rcptto")
		bs.check(mt.getreply(conn) == SMFIR_CONTINUE, "RCPT reply")
	end
	bs.ok(mt.data(conn), "data")
	for _, h in ipairs(headers) do
		bs.ok(mt.header(conn, h[1], h[2]), "header")
	end
	bs.ok(mt.eoh(conn), "eoh")
	if type(body) == "string" then body = {body} end
	for _, piece in ipairs(body) do
		bs.ok(mt.bodystring(conn, piece), "body")
	end
	bs.ok(mt.eom(conn), "eom")
	return mt.getreply(conn)
end

-- Was the message scored (header added, given AddHeader = yes)?
function bs.scored(conn)
	return mt.eom_check(conn, MT_HDRADD, "X-Blindscore")
end

function bs.spool_lines()
	local f = io.open(bs.env("BS_SPOOL"), "r")
	if f == nil then return 0 end
	local n = 0
	for _ in f:lines() do n = n + 1 end
	f:close()
	return n
end

-- Write the message as the MTA would deliver it, with the added header,
-- for run.sh to decrypt and compare with the offline score.
function bs.save(conn, name, headers, body)
	local dir = bs.env("BS_OUT")
	local orig = io.open(dir .. "/" .. name .. ".orig", "w")
	local out = io.open(dir .. "/" .. name .. ".eml", "w")
	local v = mt.getheader(conn, "X-Blindscore", 0)
	bs.check(v ~= nil, name .. ": header value")
	out:write("X-Blindscore: " .. v .. "\n")
	for _, h in ipairs(headers) do
		local line = h[1] .. ": " .. h[2] .. "\n"
		orig:write(line)
		if h[1]:lower() ~= "x-blindscore" then out:write(line) end
	end
	orig:write("\n")
	out:write("\n")
	if type(body) == "string" then body = {body} end
	local text = table.concat(body):gsub("\r\n", "\n")
	orig:write(text)
	out:write(text)
	orig:close()
	out:close()
	return v
end

return bs
