"""storm_lib.py - for storm.py: an MTA-side milter protocol client (version
6, unix sockets), the milter's log read incrementally, bounded waits, and
the fixture (keys, models, configuration variants, messages with their
offline scores).
"""
import os
import random
import socket
import struct
import subprocess
import time

# ------------------------------------------------------------------ milter protocol
SMFIP_NOCONNECT, SMFIP_NOMAIL, SMFIP_NORCPT = 0x1, 0x4, 0x8
SMFIP_NOBODY, SMFIP_NOHDRS, SMFIP_NOEOH = 0x10, 0x20, 0x40
SMFIP_NR_HDR, SMFIP_NODATA = 0x80, 0x200
SMFIP_NR_CONN, SMFIP_NR_MAIL, SMFIP_NR_RCPT = 0x1000, 0x4000, 0x8000
SMFIP_NR_DATA, SMFIP_NR_EOH, SMFIP_NR_BODY = 0x10000, 0x40000, 0x80000
# what Postfix offers (milter protocol 6): every step optional, every reply
# optional, SMFIS_SKIP understood
OFFER_PROTO = 0x1FFFFF
OFFER_ACTIONS = 0x1FF
FINAL = b"cadrty4f"  # replies that end a step (the rest are modifications)


class MilterError(Exception):
    pass


class Milter:
    """One MTA-side milter connection (unix socket)."""

    def __init__(self, path, timeout):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        for attempt in range(50):
            try:
                self.s.connect(path)
                break
            except (ConnectionRefusedError, FileNotFoundError, BlockingIOError):
                if attempt == 49:
                    raise
                time.sleep(0.05)
        self.proto = 0

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise MilterError("the milter closed the connection")
            buf += chunk
        return buf

    def send(self, cmd, data=b""):
        self.s.sendall(struct.pack(">I", len(data) + 1) + cmd + data)

    def recv(self):
        (n,) = struct.unpack(">I", self._exact(4))
        body = self._exact(n)
        return body[:1], body[1:]

    def reply(self):
        """The reply that ends a step; modifications collected on the way."""
        mods = []
        while True:
            cmd, data = self.recv()
            if cmd == b"p":  # progress
                continue
            if cmd in FINAL:
                return cmd, data, mods
            mods.append((cmd, data))

    def step(self, cmd, data, no_flag, nr_flag):
        """Send one step unless negotiated away; its reply unless 'no reply'."""
        if self.proto & no_flag:
            return b"c"
        self.send(cmd, data)
        if self.proto & nr_flag:
            return b"c"
        return self.reply()[0]

    def negotiate(self):
        self.send(b"O", struct.pack(">III", 6, OFFER_ACTIONS, OFFER_PROTO))
        cmd, data = self.recv()
        if cmd != b"O" or len(data) < 12:
            raise MilterError("option negotiation: reply %r" % cmd)
        _, _, self.proto = struct.unpack(">III", data[:12])

    def connect_info(self, host, ip):
        data = host.encode() + b"\0" + b"4" + struct.pack(">H", 25) + ip.encode() + b"\0"
        return self.step(b"C", data, SMFIP_NOCONNECT, SMFIP_NR_CONN)

    def macro(self, stage, pairs):
        data = stage
        for k, v in pairs:
            data += k.encode() + b"\0" + v.encode() + b"\0"
        self.send(b"D", data)

    def quit(self):
        try:
            self.send(b"Q")
        except OSError:
            pass


def z(*parts):
    return b"".join(p.encode() + b"\0" for p in parts)


def header_value(mods, name):
    """The value of the header `name` the milter added (last one), or None."""
    val = None
    for cmd, data in mods:
        if cmd in (b"h", b"i"):
            if cmd == b"i":
                data = data[4:]
            parts = data.split(b"\0")
            if parts[0].decode().lower() == name.lower():
                val = parts[1].decode()
    return val


# ------------------------------------------------------------------ set-up
def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if r.returncode != 0:
        raise SystemExit("FAIL: %s: exit %d: %s" % (" ".join(cmd), r.returncode,
                                                    r.stderr.decode(errors="replace")))
    return r.stdout.decode()


def model_id(bsm):
    with open(bsm, "rb") as f:
        for line in f.read(8192).split(b"\n"):
            if line.startswith(b"model "):
                return line[6:].decode()
    raise SystemExit("FAIL: no model id in " + bsm)


def parse_message(text):
    """(headers, body): unfolded headers as (name, value), body with LF."""
    head, _, body = text.partition("\n\n")
    headers = []
    for line in head.split("\n"):
        if line[:1] in (" ", "\t") and headers:
            headers[-1] = (headers[-1][0], headers[-1][1] + " " + line.strip())
        elif ":" in line:
            n, _, v = line.partition(":")
            headers.append((n, v.strip()))
    return headers, body


WORDS = ("invoice meeting quarterly lottery winner pharmacy discount schedule "
         "agenda budget prize claim urgent replica viagra minutes project deadline "
         "report attached unsubscribe congratulations offer limited account verify "
         "password shipment delivery review draft contract").split()


class Fixture:
    """Keys, models, configuration variants and message templates in d."""

    def __init__(self, d, tools, mkmodel, samples):
        self.d = d
        T = lambda p: os.path.join(tools, p)  # noqa: E731
        self.decrypt = T("blindscore-decrypt")
        j = lambda *p: os.path.join(d, *p)  # noqa: E731
        self.j = j
        kg = [T("blindscore-keygen"), "--insecure-test-key", "-N", "-q"]
        run(kg + ["-b", "1024", "-o", j("k")])
        run(kg + ["-b", "1024", "-o", j("other")])
        run(kg + ["-b", "512", "-o", j("small")])
        run([mkmodel, j("A.txt"), "8", "0"])
        run([mkmodel, j("B.txt"), "9", "5"])  # another B: the pipeline is rebuilt
        enc = [T("blindscore-encrypt"), "--insecure-test-key", "-q"]
        run(enc + ["-k", j("k.pub"), "-m", j("A.txt"), "-o", j("A.bsm")])
        run(enc + ["-k", j("k.pub"), "-m", j("B.txt"), "-o", j("B.bsm")])
        run(enc + ["-k", j("other.pub"), "-m", j("A.txt"), "-o", j("wrongkey.bsm")])
        run(enc + ["-k", j("small.pub"), "-m", j("A.txt"), "-o", j("small.bsm")])
        with open(j("B.bsm"), "rb") as f:
            b = f.read()
        with open(j("trunc.bsm"), "wb") as f:
            f.write(b[:2000])
        flip = bytearray(b)
        flip[len(flip) * 3 // 4] ^= 0x01
        with open(j("flip.bsm"), "wb") as f:
            f.write(bytes(flip))
        open(j("empty.bsm"), "wb").close()
        self.ids = {"A": model_id(j("A.bsm")), "B": model_id(j("B.bsm"))}
        if self.ids["A"] == self.ids["B"]:
            raise SystemExit("FAIL: models A and B have the same id")
        kp, ks = j("k.pub"), j("k.sec")
        # variant: (public key, model, extra lines, text its failure must show)
        self.variants = {
            "A": (kp, j("A.bsm"), "", None),
            "B": (kp, j("B.bsm"), "", None),
            "trunc": (kp, j("trunc.bsm"), "", j("trunc.bsm")),
            "plain": (kp, j("A.txt"), "", j("A.txt")),
            "empty": (kp, j("empty.bsm"), "", j("empty.bsm")),
            "flip": (kp, j("flip.bsm"), "", j("flip.bsm")),
            "missing": (kp, j("missing.bsm"), "", j("missing.bsm")),
            "wrongkey": (kp, j("wrongkey.bsm"), "", j("wrongkey.bsm")),
            "keysize": (j("small.pub"), j("small.bsm"), "",
                        "the key has 512 bits, the open spool holds 1024-bit records"),
            "secret": (ks, j("A.bsm"), "", "is a SECRET key file"),
            "bounds": (kp, j("A.bsm"), "MaximumWeightBound = 1", "above MaximumWeightBound = 1"),
            "badconf": (kp, j("A.bsm"), "UMask = 0999", "option 'UMask'"),
        }
        self.broken = [v for v in self.variants if v not in ("A", "B")]
        # templates: the samples and a few generated ones
        os.makedirs(j("msg"), exist_ok=True)
        texts = []
        for name in sorted(os.listdir(samples)):
            if name.endswith(".eml"):
                with open(os.path.join(samples, name)) as f:
                    texts.append(f.read())
        rnd = random.Random(8)
        for i in range(6):
            words = " ".join(rnd.choice(WORDS) for _ in range(20 + 30 * i))
            texts.append("From: gen%d@example.org\nTo: r@example.net\nSubject: %s\n\n%s\n" %
                         (i, " ".join(rnd.choice(WORDS) for _ in range(4)), words))
        self.templates = []
        for i, text in enumerate(texts):
            headers, body = parse_message(text)
            headers = [(n, v) for n, v in headers if n.lower() != "message-id"]
            headers.append(("Message-ID", "<storm-t%d@example.org>" % i))
            path = j("msg", "t%d.eml" % i)
            with open(path, "w") as f:
                for n, v in headers:
                    f.write("%s: %s\n" % (n, v))
                f.write("\n" + body)
            want = {}
            for m in ("A", "B"):
                out = run([T("blindscore-score"), "-M", j(m + ".txt"), "--rfc822", path])
                want[m] = int(out.split("\t")[1])
            self.templates.append({"headers": headers, "body": body.replace("\n", "\r\n"),
                                   "msgid": "<storm-t%d@example.org>" % i, "want": want})
        if len({t["want"]["A"] for t in self.templates}) < 3:
            raise SystemExit("FAIL: the templates' offline scores hardly differ")

    def conf_text(self, name, variant, sock, spool):
        pk, model, extra, _ = self.variants[variant]
        return ("Socket = \"unix:%s\"\nSyslog = no\nPublicKeyFile = \"%s\"\n"
                "ModelFile = \"%s\"\nSpoolFile = \"%s\"\nAddHeader = yes\n"
                "InternalHosts = {\"10.1.0.0/16\"}\nLogWhy = yes\n%s\n" %
                (sock, pk, model, spool, extra))


# ------------------------------------------------------------------ the log
class Log:
    """The milter's log (its standard error), read incrementally."""

    def __init__(self, path):
        self.path, self.f, self.rest, self.lines = path, None, "", []
        self.counters = {}  # substring -> lines holding it, kept up to date

    def poll(self):
        if self.f is None:
            try:
                self.f = open(self.path, errors="replace")
            except FileNotFoundError:
                return
        data = self.f.read()
        if data:
            parts = (self.rest + data).split("\n")
            self.rest = parts.pop()
            self.lines.extend(parts)
            for s in self.counters:
                self.counters[s] += sum(1 for line in parts if s in line)

    def count(self, s):
        self.poll()
        if s not in self.counters:
            self.counters[s] = sum(1 for line in self.lines if s in line)
        return self.counters[s]

    def grep(self, s):
        self.poll()
        return [line for line in self.lines if s in line]

    def text(self):
        """The log's last 60 lines but those of scored messages."""
        self.poll()
        return "\n".join([line for line in self.lines if ": scored: " not in line][-60:])


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def wait_for(pred, seconds, what, log=None):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.01)
    if pred():
        return
    raise Failure("timed out after %g s waiting for %s%s" %
                  (seconds, what, "\n--- log (tail):\n" + log.text() if log else ""))
