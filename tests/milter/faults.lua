-- faults.lua - the On-* actions, all set to BS_ACTION (accept, tempfail or
-- reject), run by faults.sh against the fault-injection binary (fault.h):
--   On-NoModel: the milter starts without its model (the file is missing);
--   a reload after the model is put in place: scored again;
--   On-SpoolError: the spool writer fails (fault "spool");
--   On-InternalError: scoring fails (fault "internal");
--   faults off: scored again, the record durable at EOM.
-- Each failed message gets the action's reply and leaves no record; the
-- shell checks the counters and the spool chain afterwards.
dofile(os.getenv("BS_SRCDIR") .. "/lib.lua")
local action = bs.env("BS_ACTION")
local codes = {tempfail = {"451", "4.7.1"}, reject = {"550", "5.7.1"}}

-- the MAIL or EOM reply the action must give; at EOM with the SMTP reply
-- text (miltertest compares code, enhanced code and text only together)
local function acted(conn, r, what, text)
	if action == "accept" then
		bs.check(r == SMFIR_ACCEPT, what .. ": accepted")
	else
		bs.check(r == SMFIR_REPLYCODE, what .. ": a " .. action .. " reply code")
		if text then
			local c = codes[action]
			bs.check(mt.eom_check(conn, MT_SMTPREPLY, c[1], c[2], text),
				what .. ": SMTP reply " .. c[1] .. " " .. c[2] .. " " .. text)
		end
	end
end

bs.fault(nil)
bs.start()
bs.wait_log("no model: cannot open '" .. bs.env("BS_DIR") .. "/" .. bs.env("BS_NAME") .. ".bsm'")
bs.wait_log("On-NoModel " .. action .. " applies until a reload succeeds")

-- On-NoModel, at MAIL
local m, e, conn = bs.message("N1")
acted(conn, m, "no model")
bs.check(e == nil, "no model: the message ends at MAIL")
mt.disconnect(conn)
bs.check(bs.spool_lines() == 0, "no record without a model")

-- the model appears; SIGUSR1 loads it
os.execute("cp " .. bs.env("BS_DIR") .. "/m.bsm " .. bs.env("BS_DIR") .. "/" ..
	bs.env("BS_NAME") .. ".bsm")
bs.signal(10, "reloaded " .. bs.env("BS_CONF"))
m, e, conn = bs.message("R1")
bs.check(e == SMFIR_CONTINUE and bs.scored(conn), "scored after the reload")
mt.disconnect(conn)
bs.check(bs.record("R1") ~= nil, "record after the reload")

-- On-SpoolError
bs.fault({"spool"})
m, e, conn = bs.message("S1")
acted(conn, e, "spool fault", "cannot record the message")
mt.disconnect(conn)
bs.check(bs.record("S1") == nil, "no record for the spool fault")
bs.wait_log("S1: spool record not written: injected fault (test binary): nothing written: " ..
	"On-SpoolError " .. action)

-- On-InternalError
bs.fault({"internal"})
m, e, conn = bs.message("I1")
acted(conn, e, "internal fault", "internal error")
bs.check(not bs.scored(conn), "no header after an internal error")
mt.disconnect(conn)
bs.check(bs.record("I1") == nil, "no record for the internal fault")
bs.wait_log("I1: injected fault (test binary): On-InternalError " .. action)

-- faults gone: scored again, nothing was left behind
bs.fault(nil)
m, e, conn = bs.message("F1", "zorblaxquintessential frobnicated text\r\n")
bs.check(e == SMFIR_CONTINUE and bs.scored(conn), "scored once the faults are gone")
bs.save(conn, "fault-" .. action, {{"Subject", "message F1"}, {"Message-ID", "<F1@example.org>"}},
	"zorblaxquintessential frobnicated text\r\n")
mt.disconnect(conn)
bs.check(bs.spool_lines() == 2, "two records: R1 and F1")
mt.echo("faults (" .. action .. "): passed")
