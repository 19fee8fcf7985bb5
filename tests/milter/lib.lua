-- lib.lua - helpers shared by the blindscore-milter miltertest scripts.
-- fixture.sh sets, per instance: BS_MILTER (the binary), BS_CONF (config),
-- BS_SOCK (its unix socket), BS_SPOOL (its spool file), BS_LOG (the
-- milter's standard error), BS_FAULT_FILE (fault switch of the test binary),
-- BS_OUT (a directory for messages the shell checks afterwards: decrypted
-- header vs offline score), BS_NAME (the instance) and BS_DIR (the fixture).
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

function bs.connect(sock)
	-- miltertest's 10 s read timeout is too short on a loaded CI machine
	-- (several milters starting at once at load 15+); a hang still fails
	mt.set_timeout(30)
	local conn = mt.connect(sock or ("unix:" .. bs.env("BS_SOCK")), 100, 0.05)
	if conn == nil then error("cannot connect to the milter") end
	return conn
end

-- Wall-clock seconds (fractional).
function bs.now()
	local p = io.popen("date +%s.%N")
	local t = tonumber(p:read("*l"))
	p:close()
	return t
end

function bs.read(path)
	local f = io.open(path, "r")
	if f == nil then return "" end
	local text = f:read("*a")
	f:close()
	return text
end

function bs.write(path, text)
	local f = io.open(path, "w")
	f:write(text)
	f:close()
end

-- Occurrences of a plain string in the milter's log.
function bs.log_count(s)
	local text, n, at = bs.read(bs.env("BS_LOG")), 0, 1
	while true do
		local i, j = text:find(s, at, true)
		if i == nil then return n end
		n, at = n + 1, j + 1
	end
end

-- Wait (at most `seconds`, default 5) until the log holds `count` (default
-- 1) occurrences of s; fails the test otherwise.
function bs.wait_log(s, count, seconds)
	count = count or 1
	-- 30 s by default: a reload or start at load 15+ can take several seconds
	for _ = 1, (seconds or 30) * 20 do
		if bs.log_count(s) >= count then return end
		mt.sleep(0.05)
	end
	error("FAILED: log line '" .. s .. "' x" .. count .. " did not come; log:\n" ..
		bs.read(bs.env("BS_LOG")), 2)
end

-- Send signal sig to the milter and wait for its log line.
function bs.signal(sig, line, count)
	mt.signal(sig)
	bs.wait_log(line, count)
end

-- Switch the test binary's faults (fault.h): a list of names, or nil.
function bs.fault(names)
	bs.write(bs.env("BS_FAULT_FILE"), table.concat(names or {}, "\n") .. "\n")
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

-- Recipients, DATA, headers ({name, value} pairs), EOH.
function bs.head(conn, rcpts, headers)
	for _, r in ipairs(rcpts) do
		bs.ok(mt.rcptto(conn, r), "rcptto")
		bs.check(mt.getreply(conn) == SMFIR_CONTINUE, "RCPT reply")
	end
	bs.ok(mt.data(conn), "data")
	for _, h in ipairs(headers) do
		bs.ok(mt.header(conn, h[1], h[2]), "header")
	end
	bs.ok(mt.eoh(conn), "eoh")
end

-- The rest of a message: bs.head, then body pieces (a string or a list of
-- strings, sent one chunk each); returns the EOM reply.
function bs.rest(conn, rcpts, headers, body)
	bs.head(conn, rcpts, headers)
	if type(body) == "string" then body = {body} end
	for _, piece in ipairs(body) do
		bs.ok(mt.bodystring(conn, piece), "body")
	end
	bs.ok(mt.eom(conn), "eom")
	return mt.getreply(conn)
end

-- One whole outgoing message on a new connection from 10.1.0.1; returns
-- the MAIL reply, the EOM reply (nil if MAIL did not continue) and conn.
function bs.message(qid, body, headers)
	local conn = bs.connect()
	bs.check(bs.conninfo(conn, "10.1.0.1") == SMFIR_CONTINUE, qid .. ": CONNECT")
	local r = bs.mail(conn, "<s@example.org>", qid)
	if r ~= SMFIR_CONTINUE then return r, nil, conn end
	local e = bs.rest(conn, {"<r@example.net>"},
		headers or {{"Subject", "message " .. qid}, {"Message-ID", "<" .. qid .. "@example.org>"}},
		body or "text of message " .. qid .. "\r\n")
	return r, e, conn
end

-- Was the message scored (header added, given AddHeader = yes)?
function bs.scored(conn)
	return mt.eom_check(conn, MT_HDRADD, "X-Blindscore")
end

-- The spool's records as lists of fields.
function bs.spool_records()
	local recs = {}
	for line in bs.read(bs.env("BS_SPOOL")):gmatch("([^\n]*)\n") do
		local r = {}
		for field in line:gmatch("%S+") do r[#r + 1] = field end
		recs[#recs + 1] = r
	end
	return recs
end

function bs.spool_lines()
	return #bs.spool_records()
end

-- The record of queue id qid (field 4), or nil.
function bs.record(qid)
	for _, r in ipairs(bs.spool_records()) do
		if r[4] == qid then return r end
	end
	return nil
end

-- Write the message as the MTA would deliver it, with the added header,
-- for the shell to decrypt and compare with the offline score.
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
