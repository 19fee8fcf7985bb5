#!/bin/sh
# e2e.sh - blindscore-milter under a real, private Postfix on 127.0.0.1
# (contrib/lib-postfix.sh), relaying to smtp-sink.  Messages go in through
# each path Postfix has and the milter must tell apart:
#   internal    smtp port from 127.0.0.1 (InternalHosts)          scored
#   inbound     smtp port from 127.0.0.2                          not scored
#   sub-auth    submission (ORIGINATING) + AUTH PLAIN (demo-auth) scored
#   smtp-auth   smtp port from 127.0.0.2 + AUTH LOGIN ({auth_authen} only)
#   sub-noauth  submission from 127.0.0.2, no AUTH ({daemon_name} only)
#   local       sendmail(1) -> pickup (non_smtpd_milters, no client address)
#   session     three messages over one SMTP connection
#   badpass     AUTH with a wrong password: refused, nothing delivered
# Every delivered outgoing message has exactly one spool record, which
# decrypts to blindscore-score's offline score of the file sent, and exactly
# one X-Blindscore header at the sink (forged ones removed), decrypting to
# the same score; inbound messages have neither.  Multipart, QP, base64 and a
# 300 kB body (several milter body chunks) go through Postfix as well.
top_builddir=${top_builddir:-$(pwd)}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "${top_srcdir}/tests/postfix/fixture.sh"
t_start=$(now_ms)
SAMPLES=$S/contrib/samples
command -v swaks >/dev/null 2>&1 || fail "swaks not found (sh contrib/install-deps)"

# The quickstart's story: with the demo model and the bundled one, the spam
# samples are flagged and the ham ones are not.
for model in "$SAMPLES/demo-b14.model" "$S/model/default.model"; do
	"$T/blindscore-score" -M "$model" --rfc822 "$SAMPLES"/*.eml >"$D/samples.out" ||
		fail "blindscore-score -M $model on the samples"
	awk '{ n = split($1, p, "/"); f = p[n]
		want = (f ~ /^ham-/) ? "clean" : "flagged"
		if ($3 != want) { print f ": " $3 ", expected " want; bad++ } }
		END { exit bad > 0 || NR != 6 }' "$D/samples.out" ||
		fail "$(basename "$model") does not sort the samples as the quickstart says"
done

make_key "$D/k"
make_model "$D/m" 1 12
M=$D/m.txt

# case NAME HOW SOURCE-FILE: a copy of SOURCE with Message-ID <NAME@test>.
CASES=
n_cases=0
mkdir "$D/msg"
add_case() {
	sed "s/^Message-ID: .*/Message-ID: <$1@test.example.org>/" "$3" >"$D/msg/$1.eml"
	grep -q "^Message-ID: <$1@test" "$D/msg/$1.eml" ||
		sed -i "1i Message-ID: <$1@test.example.org>" "$D/msg/$1.eml"
	CASES="$CASES $1:$2"
	n_cases=$((n_cases + 1))
}
add_case ham-meeting internal "$SAMPLES/ham-meeting.eml"
add_case spam-pharmacy internal "$SAMPLES/spam-pharmacy.eml"
add_case ham-report internal "$SAMPLES/ham-report.eml"
add_case spam-prize internal "$SAMPLES/spam-prize.eml"
add_case newsletter inbound "$SAMPLES/inbound-newsletter.eml"
add_case pharmacy-in inbound "$SAMPLES/spam-pharmacy.eml"
add_case phish sub-auth "$SAMPLES/auth-submission.eml"
add_case prize-login smtp-auth "$SAMPLES/spam-prize.eml"
add_case meeting-sub sub-noauth "$SAMPLES/ham-meeting.eml"
add_case report-local local "$SAMPLES/ham-report.eml"
add_case session internal3 "$SAMPLES/ham-meeting.eml"
add_case badpass badpass "$SAMPLES/auth-submission.eml"
# Two forged X-Blindscore headers: the milter must replace them with its own.
{
	printf 'X-Blindscore: v=1; k=forged; m=forged; c=AAAA\n'
	sed '/^Subject:/a X-BLINDSCORE: forged too' "$SAMPLES/spam-pharmacy.eml"
} >"$D/forged.src"
add_case forged internal "$D/forged.src"
# 300 kB of text: Postfix hands it to the milter in several body chunks.
{
	printf 'From: alice@example.org\nTo: bob@example.net\nSubject: big report\n'
	printf 'Message-ID: <x>\nContent-Type: text/plain\n\n'
	awk 'BEGIN { for (i = 0; i < 6000; i++)
		printf "line %d gas storage schedule cheap offer click here review %d\n", i, i % 97 }'
} >"$D/big.src"
add_case big internal "$D/big.src"

BSPF_SUB_RESTRICTIONS=permit_mynetworks,permit_sasl_authenticated,reject
bspf_init "$D/pf"
bspf_milter_conf "PublicKeyFile = \"$D/k.pub\"" "ModelFile = \"$D/m.bsm\"" "AddHeader = yes"
bspf_start
t_up=$(now_ms)

outside="--local-interface 127.0.0.2"
for c in $CASES; do
	name=${c%%:*}
	how=${c#*:}
	f=$D/msg/$name.eml
	case $how in
	internal) bspf_smtp "$f" ;;
	internal3)
		smtp-source -d -m 3 -F "$f" -f alice@example.org -t bob@example.net \
			-M client.example.org "127.0.0.1:$BSPF_PORT_SMTP"
		;;
	inbound) bspf_swaks "$f" --server 127.0.0.1 --port "$BSPF_PORT_SMTP" $outside \
		--from news@external.example.com --to bob@example.org ;;
	sub-auth) bspf_swaks "$f" --server 127.0.0.1 --port "$BSPF_PORT_SUB" $outside \
		--from demo@example.org --to accounts@example.net \
		--auth PLAIN --auth-user "$BSPF_USER" --auth-password "$BSPF_PASS" ;;
	smtp-auth) bspf_swaks "$f" --server 127.0.0.1 --port "$BSPF_PORT_SMTP" $outside \
		--from demo@example.org --to winner@example.net \
		--auth LOGIN --auth-user "$BSPF_USER" --auth-password "$BSPF_PASS" ;;
	sub-noauth) bspf_swaks "$f" --server 127.0.0.1 --port "$BSPF_PORT_SUB" $outside \
		--from alice@example.org --to robert@example.net ;;
	local) sendmail -C "$BSPF_CONF" -f alice@example.org -i research@example.net <"$f" ||
		fail "sendmail" ;;
	badpass)
		swaks --silent 2 --data "@$f" --server 127.0.0.1 --port "$BSPF_PORT_SUB" $outside \
			--from demo@example.org --to x@example.net --auth PLAIN \
			--auth-user "$BSPF_USER" --auth-password wrong >"$D/badpass.out" 2>&1 &&
			fail "AUTH with a wrong password was accepted"
		grep -q '535' "$D/badpass.out" || fail "wrong password: no 535: $(cat "$D/badpass.out")"
		;;
	esac || fail "sending $name ($how)"
done
t_sent=$(now_ms)
want_deliveries=$((n_cases - 1 + 2)) # badpass: none; session: three
bspf_wait_delivered $want_deliveries 60 || fail "not every message was delivered"
t_done=$(now_ms)

decrypt_csv "$D/scores" "$M"
n_scored=0
n_checked=0
n_inbound=0
for c in $CASES; do
	name=${c%%:*}
	how=${c#*:}
	want=$(offline "$M" "$D/msg/$name.eml")
	dumps=$(bspf_dump_of "<$name@test.example.org>")
	n=$(echo "$dumps" | grep -c .)
	case $how in
	internal3) expect=3 ;;
	badpass) expect=0 ;;
	*) expect=1 ;;
	esac
	[ "$n" -eq "$expect" ] || fail "$name ($how): $n messages at the sink, expected $expect"
	for dump in $dumps; do
		qid=$(bspf_dump_qid "$dump")
		[ -n "$qid" ] || fail "$name: no queue id in $dump"
		recs=$(grep -c "^$qid " "$D/scores")
		hdrs=$(bspf_dump_message "$dump" | grep -ci '^X-Blindscore:')
		case $how in
		inbound)
			[ "$recs" -eq 0 ] || fail "$name (inbound, $qid): $recs spool records"
			[ "$hdrs" -eq 0 ] || fail "$name (inbound, $qid): $hdrs X-Blindscore headers"
			n_inbound=$((n_inbound + 1))
			echo "$name ($how, $qid): not scored"
			;;
		*)
			[ "$recs" -eq 1 ] || fail "$name ($how, $qid): $recs spool records, expected 1"
			got=$(grep "^$qid " "$D/scores" | cut -d' ' -f2)
			[ "$got" = "$want" ] ||
				fail "$name ($how, $qid): spool decrypts to $got, offline score $want"
			[ "$hdrs" -eq 1 ] || fail "$name ($how, $qid): $hdrs X-Blindscore headers, expected 1"
			hgot=$(header_score "$M" "$dump")
			[ "$hgot" = "$want" ] ||
				fail "$name ($how, $qid): header decrypts to '$hgot', offline score $want"
			echo "$name ($how, $qid): spool and header decrypt to the offline score $want"
			n_scored=$((n_scored + 1))
			;;
		esac
		n_checked=$((n_checked + 1))
	done
done
total=$(grep -c . "$D/scores")
[ "$total" -eq "$n_scored" ] || fail "$total spool records for $n_scored scored messages"
[ "$(bspf_sink_count)" -eq "$n_checked" ] ||
	fail "$(bspf_sink_count) messages at the sink, $n_checked expected"
# LogWhy: one line per inbound message.  Postfix has no queue id yet at MAIL
# (smtpd_delay_open_until_valid_rcpt), so the line has none to match.
why=$(grep -c 'message accepted unscanned, not outgoing: client 127.0.0.2 not in InternalHosts' \
	"$BSPF_MLOG")
[ "$why" -eq "$n_inbound" ] || fail "$why LogWhy lines for $n_inbound inbound messages"

t_stop=$(now_ms)
bspf_stop
t_end=$(now_ms)
grep -E 'blindscore-milter: (error|warning):' "$BSPF_MLOG" &&
	fail "the milter logged errors or warnings"
grep -q 'counters (exit):.* scored='"$n_scored"' .*tempfailed=0 ' "$BSPF_MLOG" ||
	fail "the milter's exit counters: $(grep 'counters (exit)' "$BSPF_MLOG")"
echo "$n_checked messages delivered, $n_scored scored, all exact"
echo "timings (ms): fixture+start $((t_up - t_start)), send $((t_sent - t_up)), deliver $((t_done - t_sent)), check $((t_stop - t_done)), stop $((t_end - t_stop))"
echo "e2e passed"
