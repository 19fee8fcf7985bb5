#!/bin/sh
# make-corpus.sh - (re)make the seed corpora in tests/fuzz/corpus/<target>/
# with the real tools of a normal build:
#   make -C BUILD all tests/tools/mkspool tests/milter/mkmodel tests/fuzz/mkseal
#   sh tests/fuzz/make-corpus.sh BUILD
# Keys: the committed 512-bit test pair tests/fuzz/testkey.{pub,sec} (also
# compiled into fuzz_common.c).  Model: tests/fuzz/corpus/model/tiny-b4
# (tests/milter/mkmodel OUT 4; its id and bound are in fuzz.h).  Seeds that
# carry a flag byte (see each fuzz_<target>.c) get it prepended here.  The
# mime seeds are the golden messages of tests/data/mime with two chunk-size
# bytes, plus the edge cases made below.  Existing files are replaced.
set -eu

B=$(cd "$1" && pwd)
S=$(cd "$(dirname "$0")/../.." && pwd)
C="$S/tests/fuzz/corpus"
K="$S/tests/fuzz/testkey"
T=$(mktemp -d "${TMPDIR:-/tmp}/make-corpus.XXXXXX")
trap 'rm -rf "$T"' EXIT
KG="$B/src/tools/blindscore-keygen"
EN="$B/src/tools/blindscore-encrypt"
SC="$B/src/tools/blindscore-score"
MK="$B/tests/tools/mkspool"

# seed TARGET NAME FLAG-OCTAL FILE: FLAG byte (or none if FLAG is -) + FILE
seed() {
	mkdir -p "$C/$1"
	if [ "$3" = - ]; then cat "$4" >"$C/$1/$2"; else
		{ printf "\\$3"; cat "$4"; } >"$C/$1/$2"; fi
}

cp "$K.sec" "$T/k.sec" && chmod 600 "$T/k.sec"
M="$C/model/tiny-b4"
[ -f "$M" ] || "$B/tests/milter/mkmodel" "$M" 4

# ---- keyfile: flag bit 0 secret, bit 1 test-size keys allowed
seed keyfile pub-512 002 "$K.pub"
seed keyfile sec-512 003 "$K.sec"
seed keyfile pub-as-sec 003 "$K.pub"
seed keyfile pub-512-no-flag 000 "$K.pub"
"$B/tests/fuzz/mkseal" --insecure-test-key "$T/k.sec" "$T/cheap.sec" fuzz
seed keyfile sealed-cheap-512 003 "$T/cheap.sec"
echo fuzz >"$T/pass"
"$KG" --insecure-test-key -b 512 -q --passphrase-file "$T/pass" -o "$T/mod" 2>/dev/null
seed keyfile sealed-moderate-512 003 "$T/mod.sec"
"$KG" -b 2048 -N -q -o "$T/k2048" 2>/dev/null
seed keyfile pub-2048 000 "$T/k2048.pub"
seed keyfile sec-2048 001 "$T/k2048.sec"

# ---- model: no flag byte
"$B/tests/milter/mkmodel" "$C/model/tiny-b8" 8
"$MK" model "$C/model/mkspool-b4" >/dev/null

# ---- emodel: flag bit 0 re-hash, bit 1 expected key
"$EN" --insecure-test-key -q -k "$K.pub" -m "$M" -o "$T/m.bsm" 2>/dev/null
seed emodel tiny-b4 000 "$T/m.bsm"
seed emodel tiny-b4-rehash-key 003 "$T/m.bsm"
"$EN" --insecure-test-key -q -k "$T/mod.pub" -m "$M" -o "$T/other.bsm" 2>/dev/null
seed emodel other-key 002 "$T/other.bsm"

# ---- spool records made as the milter makes them (blindscore-score --encrypt)
for f in plain multipart-alt nested-rfc822 encoded-subject-qp; do
	cp "$S/tests/data/mime/$f.eml" "$T/$f.eml"
done
(cd "$T" && "$SC" --insecure-test-key --encrypt -k "$K.pub" -m m.bsm -o spool \
	plain.eml multipart-alt.eml nested-rfc822.eml encoded-subject-qp.eml 2>/dev/null)
"$MK" spool "$T/k.sec" "$M" "$T/values" 5/alice -3/bob "0/$(printf 'caf\303\251')" \
	"17/$(printf 'evil\033[2J')" P/mallory K/x M/y 4352/max -4352/min
"$MK" header "$T/k.sec" "$M" 7 >"$T/message"

# ---- record: flag 0 spool line, 1 header value
head -1 "$T/spool" >"$T/line1"
sed -n 2p "$T/values" >"$T/line2"
sed -n 4p "$T/values" >"$T/line4"
seed record line-score 000 "$T/line1"
seed record line-mkspool 000 "$T/line2"
seed record line-escaped-sender 000 "$T/line4"
sed -n '/^X-Blindscore:/,/^[^ 	X]/p' "$T/message" | sed '$d' | sed '1s/^X-Blindscore: //' >"$T/hfold"
tr -d '\n\t' <"$T/hfold" >"$T/hflat"
seed record header-folded 001 "$T/hfold"
seed record header-flat 001 "$T/hflat"

# ---- spool: flag bit 0 stdio reader, bit 1 two files
seed spool score-lines 000 "$T/spool"
seed spool score-stream 001 "$T/spool"
seed spool values-two-files 002 "$T/values"
head -c -40 "$T/values" >"$T/torn"
seed spool torn-last-line 001 "$T/torn"
{ sed -n 1,2p "$T/values"; sed -n 4p "$T/values"; sed -n 3p "$T/values"; sed -n 2p "$T/values"; } >"$T/reord"
seed spool reordered-duplicate 000 "$T/reord"

# ---- decrypt_input: flag bit 0 headers, bits 1-2 table/csv/jsonl, 3 all, 4 by-sender
seed decrypt_input spool-table-all 010 "$T/values"
seed decrypt_input spool-csv-all 012 "$T/values"
seed decrypt_input spool-jsonl-all 014 "$T/values"
seed decrypt_input spool-by-sender 020 "$T/values"
seed decrypt_input score-spool 010 "$T/spool"
seed decrypt_input headers-jsonl 015 "$T/message"
seed decrypt_input headers-table 011 "$T/message"

# ---- conf: no flag byte
seed conf example - "$S/conf/blindscore.conf"
cat >"$T/min.conf" <<'CONF'
PublicKeyFile = /etc/blindscore/key.pub
ModelFile = /etc/blindscore/model.bsm
SpoolFile = /var/spool/blindscore/spool
CONF
seed conf minimal - "$T/min.conf"
cat >"$T/all.conf" <<'CONF'
# every option, non-default values
Socket = "inet6:8891@[::1]"
UserID = "nobody:nogroup"
UMask = 027
PidFile = /run/blindscore.pid
Syslog = no
SyslogFacility = local3
InternalHosts = {"10.0.0.0/8", "192.168.1.0/24", "2001:db8::/32", "::1"}
MTA = {"ORIGINATING", "submission"}
ScoreAuthenticated = false
PublicKeyFile = "/etc/blindscore/key.pub"
ModelFile = "/etc/blindscore/model.bsm"
SpoolFile = "/var/spool/blindscore/spool"
SpoolSync = yes
AddHeader = yes
HeaderName = X-Score-Test
MaximumScannedBytes = 4M
LogWhy = true
On-InternalError = accept
On-SpoolError = reject
On-NoModel = tempfail
CONF
seed conf all-options - "$T/all.conf"
printf 'Socket = inet:8891@127.0.0.1\nPublicKeyFile = /k\nModelFile = /m\nAddHeader = yes\n' >"$T/hdr.conf"
seed conf header-only - "$T/hdr.conf"

# ---- mime edge cases: two chunk-size bytes, then the message
for f in "$S"/tests/data/mime/*.eml; do
	n=$(basename "$f" .eml)
	{ printf '\001\007'; cat "$f"; } >"$C/mime/$n"
done
{ printf '\000\003'; printf 'Content-Type: multipart/mixed; boundary=b\r\nSubject: =?utf-8?B?w6l0w6k=?= =?iso-8859-1?Q?caf=E9?=\r\n\r\n--b\r\nContent-Type: text/html; charset=windows-1252\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>caf=E9 &amp; &#233;t=\r\n=C3=A9<script>x</script>\r\n--b\r\nContent-Type: application/pdf; name="=?utf-8?Q?r=C3=A9sum=C3=A9.pdf?="\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n'; } >"$C/mime/crlf-html-qp-attach"
{ printf '\000\001'; i=0; while [ $i -lt 20 ]; do printf 'Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n' $i $i; i=$((i + 1)); done; printf 'Content-Type: text/plain\n\ndeep\n'; } >"$C/mime/nested-20"
{ printf '\001\000'; printf 'Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!!bm90IHZhbGlk\n====\nYWJj=ZGVm\n'; } >"$C/mime/bad-base64"
{ printf '\000\002'; printf 'Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nsoft=\nbreak =ZZ =4 =\n=E9t=E9 ==41\n'; } >"$C/mime/bad-qp"
echo "corpora written to $C"
