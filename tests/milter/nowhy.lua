-- nowhy.lua - without LogWhy, mail that is not outgoing is accepted at
-- MAIL even when the MTA sent no queue id there (nothing to log, so
-- nothing to wait for), and nothing is logged about it.
dofile(os.getenv("BS_SRCDIR") .. "/lib.lua")
bs.start()

local conn = bs.connect()
bs.check(bs.conninfo(conn, "192.0.2.7") == SMFIR_CONTINUE, "inbound CONNECT")
bs.ok(mt.macro(conn, SMFIC_MAIL, "{mail_addr}", "x@example.com"), "macro")
bs.ok(mt.mailfrom(conn, "<x@example.com>"), "mailfrom")
bs.check(mt.getreply(conn) == SMFIR_ACCEPT, "accepted at MAIL without a queue id")
mt.disconnect(conn)
mt.sleep(0.2)
bs.check(bs.log_count("accepted unscanned") == 0, "a LogWhy line without LogWhy")
mt.echo("nowhy: passed")
