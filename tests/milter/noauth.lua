-- noauth.lua - with ScoreAuthenticated = no an external client is accepted
-- at CONNECT, before any MAIL; internal clients are still scored.
dofile(os.getenv("BS_SRCDIR") .. "/lib.lua")
bs.start()

local conn = bs.connect()
bs.check(bs.conninfo(conn, "192.0.2.1") == SMFIR_ACCEPT, "external client accepted at CONNECT")
mt.disconnect(conn)

conn = bs.connect()
bs.check(bs.conninfo(conn, "10.1.0.7") == SMFIR_CONTINUE, "internal client continues")
bs.check(bs.mail(conn, "<s@example.org>", "N1", "alice") == SMFIR_CONTINUE, "MAIL")
bs.check(bs.rest(conn, {"<r@example.net>"}, {{"Subject", "x"}}, "y\r\n") == SMFIR_CONTINUE,
	"EOM")
bs.check(bs.scored(conn), "internal mail scored")
mt.disconnect(conn)
mt.echo("noauth: passed")
