-- reload.lua - SIGUSR1 with a good model, a broken one, a broken
-- configuration, a restart-only option and a model over the configured
-- bounds; SIGUSR2 after rotation.  Run by reload.sh, which passes the two
-- models' ids (BS_MODEL_A, BS_MODEL_B) and checks the spool afterwards.
dofile(os.getenv("BS_SRCDIR") .. "/lib.lua")
local dir, conf = bs.env("BS_DIR"), bs.env("BS_CONF")
local A, B = bs.env("BS_MODEL_A"), bs.env("BS_MODEL_B")
local model = dir .. "/" .. bs.env("BS_NAME") .. ".bsm"
local reloads, failures = 0, 0

local function sh(cmd)
	local r = os.execute(cmd)
	bs.check(r == 0 or r == true, cmd)
end
local function usr1_ok()
	reloads = reloads + 1
	bs.signal(10, "reloaded " .. conf, reloads)
end
local function usr1_fails(why)
	failures = failures + 1
	bs.signal(10, "reload failed, keeping the current configuration: ", failures)
	bs.wait_log(why)
end
local function scored_with(qid, id, body)
	local m, e, conn = bs.message(qid, body)
	bs.check(e == SMFIR_CONTINUE and bs.scored(conn), qid .. ": scored")
	local r = bs.record(qid)
	bs.check(r ~= nil and r[9] == id, qid .. ": record names model " .. id:sub(1, 8))
	bs.check(mt.getheader(conn, "X-Blindscore", 0):gsub("%s", ""):find("m=" .. id, 1, true),
		qid .. ": header names the model")
	return conn
end

sh("cp " .. dir .. "/m.bsm " .. model)
bs.start()
bs.wait_log("starting: pid")
bs.wait_log("counters (interval): connections=0 ", 1, 3) -- StatisticsInterval = 1
mt.disconnect(scored_with("A1", A))

-- a message pins the model current at its MAIL command
local pbody = "pinned message across a reload, quintillion marmalade\r\n"
local pheaders = {{"Subject", "pinned"}, {"Message-ID", "<P1@example.org>"}}
local conn = bs.connect()
bs.check(bs.conninfo(conn, "10.1.0.1") == SMFIR_CONTINUE, "P1: CONNECT")
bs.check(bs.mail(conn, "<s@example.org>", "P1") == SMFIR_CONTINUE, "P1: MAIL")
bs.head(conn, {"<r@example.net>"}, pheaders)
sh("cp " .. dir .. "/m2.bsm " .. model)
usr1_ok()
bs.ok(mt.bodystring(conn, pbody), "P1: body")
bs.ok(mt.eom(conn), "P1: eom")
bs.check(mt.getreply(conn) == SMFIR_CONTINUE, "P1: EOM")
bs.check(bs.record("P1")[9] == A, "P1 finished with the model it started with")
bs.save(conn, "reload-P1", pheaders, pbody)
mt.disconnect(conn)
local bbody = "after the reload, xylophonist quadrillion\r\n"
conn = scored_with("B1", B, bbody)
bs.save(conn, "reload-B1", {{"Subject", "message B1"}, {"Message-ID", "<B1@example.org>"}}, bbody)
mt.disconnect(conn)

-- broken models: the old one keeps serving; the log names file and reason
sh("head -c 2000 " .. dir .. "/m2.bsm > " .. model)
usr1_fails("'" .. model .. "' is truncated")
mt.disconnect(scored_with("B2", B))
sh("cp " .. dir .. "/model2.txt " .. model)
usr1_fails("'" .. model .. "' is not a blindscore encrypted model")
mt.disconnect(scored_with("B3", B))
sh("cp " .. dir .. "/m2.bsm " .. model)

-- a broken configuration: file, line and option named
sh("cp " .. conf .. " " .. conf .. ".good && echo 'UMask = 0999' >> " .. conf)
usr1_fails(conf .. " line 12: option 'UMask'")
mt.disconnect(scored_with("B4", B))

-- a model over the configured bounds
sh("cp " .. conf .. ".good " .. conf .. " && echo 'MaximumWeightBound = 100' >> " .. conf)
usr1_fails("above MaximumWeightBound = 100")
mt.disconnect(scored_with("B5", B))

-- a restart-only option: warned about, the socket stays where it was
sh("cp " .. conf .. ".good " .. conf .. " && echo 'Socket = \"unix:" .. dir ..
	"/elsewhere.sock\"' >> " .. conf)
usr1_ok()
bs.wait_log("reload: option 'Socket' changed in " .. conf .. "; it takes effect only at restart")
mt.disconnect(scored_with("B6", B))
sh("cp " .. conf .. ".good " .. conf)

-- SIGUSR2 after rotation: a new file, the chain continues
sh("mv " .. bs.env("BS_SPOOL") .. " " .. bs.env("BS_SPOOL") .. ".1")
bs.signal(12, "reopened spool " .. bs.env("BS_SPOOL") .. ": chain continues after record 8")
mt.disconnect(scored_with("B7", B))
bs.check(bs.spool_lines() == 1, "the new spool file holds the new record")

-- the old model is released once its last message ended: another reload
-- back to model A works, and so does scoring with it
sh("cp " .. dir .. "/m.bsm " .. model)
usr1_ok()
mt.disconnect(scored_with("A2", A))
mt.echo("reload: " .. reloads .. " reloads, " .. failures .. " refused: passed")
