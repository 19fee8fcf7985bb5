-- gen.lua - deterministic message text for the chunking and truncation
-- tests: words, base64, quoted-printable, and 65,535-byte pieces.
gen = {}

local seed = 12345
local function rand(n)
	seed = (seed * 1103515245 + 12345) % 2147483648
	return seed % n
end

local syll = {"ka", "ro", "mi", "zen", "tor", "bla", "qui", "ux", "fen", "dra", "lo", "wi",
	"ste", "mar", "nol", "pha", "gri", "vo", "shu", "te"}

-- A word of 2 to 5 syllables.
function gen.word()
	local w = {}
	for _ = 1, 2 + rand(4) do w[#w + 1] = syll[1 + rand(#syll)] end
	return table.concat(w)
end

-- About n bytes of text in CRLF lines of at most 76 characters.
function gen.text(n)
	local out, line, size = {}, {}, 0
	while size < n do
		local w = gen.word()
		if #table.concat(line, " ") + #w + 1 > 76 then
			local l = table.concat(line, " ") .. "\r\n"
			out[#out + 1] = l
			size = size + #l
			line = {}
		end
		line[#line + 1] = w
	end
	return table.concat(out)
end

-- Pieces of at most `size` bytes.
function gen.pieces(s, size)
	local t = {}
	for i = 1, #s, size do t[#t + 1] = s:sub(i, i + size - 1) end
	return t
end

-- Do the piece boundaries fall inside words (a letter on both sides)?
function gen.split_words(pieces)
	local n = 0
	for i = 1, #pieces - 1 do
		local a, b = pieces[i]:sub(-1), pieces[i + 1]:sub(1, 1)
		if a:match("%a") and b:match("%a") then n = n + 1 end
	end
	return n
end

local b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

-- Base64 in CRLF lines of 76 characters.
function gen.base64(s)
	local out = {}
	for i = 1, #s, 3 do
		local a, b, c = s:byte(i, i + 2)
		local n = a * 65536 + (b or 0) * 256 + (c or 0)
		local q = {}
		for k = 3, 0, -1 do
			local v = math.floor(n / 64 ^ k) % 64
			q[#q + 1] = b64:sub(v + 1, v + 1)
		end
		if not b then q[3] = "=" end
		if not c then q[4] = "=" end
		out[#out + 1] = table.concat(q)
	end
	local flat, lines = table.concat(out), {}
	for i = 1, #flat, 76 do lines[#lines + 1] = flat:sub(i, i + 75) .. "\r\n" end
	return table.concat(lines)
end

-- Quoted-printable with soft line breaks every 60 characters and '='
-- encoded, so that escapes and soft breaks get split across pieces too.
function gen.qp(s)
	local out = {}
	for line in s:gmatch("([^\r\n]*)\r\n") do
		local enc = line:gsub("=", "=3D"):gsub("e", "=65")
		while #enc > 60 do
			local cut = 60
			while enc:sub(cut - 1, cut - 1) == "=" or enc:sub(cut - 2, cut - 2) == "=" do
				cut = cut - 1
			end
			out[#out + 1] = enc:sub(1, cut - 1) .. "=\r\n"
			enc = enc:sub(cut)
		end
		out[#out + 1] = enc .. "\r\n"
	end
	return table.concat(out)
end

return gen
