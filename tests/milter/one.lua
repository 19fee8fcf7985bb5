-- one.lua - one outgoing message to a milter started by the shell (BS_QID
-- names it): it must be scored, with its record in the spool at EOM.
dofile(os.getenv("BS_SRCDIR") .. "/lib.lua")
local qid = bs.env("BS_QID")
local m, e, conn = bs.message(qid)
bs.check(m == SMFIR_CONTINUE and e == SMFIR_CONTINUE, qid .. ": MAIL and EOM continue")
bs.check(bs.scored(conn), qid .. ": header added")
bs.check(bs.record(qid) ~= nil, qid .. ": record in the spool at EOM")
mt.disconnect(conn)
mt.echo("one: " .. qid .. " scored")
