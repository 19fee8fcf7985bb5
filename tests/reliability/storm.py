#!/usr/bin/env python3
"""storm.py - reload storms against blindscore-milter (issue 8, item 4).

Run by tests/reliability/storm.sh (which makes the directory, checks the
tools and cleans up); see that script for what is checked.  One scenario per
run of `scenario()`: "usr1" sends SIGUSR1 to the milter, "hup" sends SIGHUP
to an `-A` supervisor (which turns it into SIGUSR1 for its child).

While the signals fly, WORKERS threads speak the milter protocol over the
milter's unix socket (one connection per 1-3 messages, a few messages
aborted), and before every signal the configuration file is replaced
atomically (rename) by the next variant: models A and B alternately, and
every BROKEN_EVERY-th signal one of the broken variants, kept until its
failure is in the log.  Every wait is bounded.
"""
import csv
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from storm_lib import (SMFIP_NODATA, SMFIP_NOEOH, SMFIP_NOBODY, SMFIP_NOHDRS,  # noqa: E402
                       SMFIP_NOMAIL, SMFIP_NORCPT, SMFIP_NR_BODY, SMFIP_NR_DATA, SMFIP_NR_EOH,
                       SMFIP_NR_HDR, SMFIP_NR_MAIL, SMFIP_NR_RCPT, Failure, Fixture, Log,
                       Milter, MilterError, check, header_value, wait_for, z)


# ------------------------------------------------------------------ one scenario
RELOADING, RELOADED, FAILED = "SIGUSR1: reloading", ": reloaded ", "reload failed, keeping"
SUP_HUP = "supervisor: SIGHUP: asking the milter"


class Scenario:
    def __init__(self, fx, name, args):
        self.fx, self.name, self.a = fx, name, args
        j = fx.j
        self.conf, self.sock, self.spool = j(name + ".conf"), j(name + ".sock"), j(name + ".spool")
        self.logpath = j(name + ".log")
        self.log = Log(self.logpath)
        self.sig = signal.SIGHUP if name == "hup" else signal.SIGUSR1
        self.results = []  # (qid, template, outcome, header value)
        self.res_lock = threading.Lock()
        self.errors = []
        self.seq = 0
        self.proc = None
        self.installed = None
        self.broken_used = set()
        self.marks, self.t_mark = [], time.monotonic()

    def mark(self, what):
        now = time.monotonic()
        self.marks.append("%s %.1f s" % (what, now - self.t_mark))
        self.t_mark = now

    # -- configuration variants
    def install(self, variant):
        tmp = self.conf + ".new"
        with open(tmp, "w") as f:
            f.write(self.fx.conf_text(self.name, variant, self.sock, self.spool))
        os.rename(tmp, self.conf)
        self.installed = variant

    # -- messages
    def next_qid(self, tag):
        with self.res_lock:
            self.seq += 1
            return "%s%s%06d" % (self.name.upper()[0], tag, self.seq)

    def session(self, rnd, n, tag, abort_rate=0.0):
        """One connection with n messages; results appended."""
        m = Milter(self.sock, self.a["timeout"])
        try:
            m.negotiate()
            r = m.connect_info("client.example", "10.1.%d.%d" % (rnd.randrange(256), 1 +
                                                                rnd.randrange(254)))
            if r != b"c":
                raise MilterError("CONNECT answered %r" % r)
            for _ in range(n):
                ti = rnd.randrange(len(self.fx.templates))
                t = self.fx.templates[ti]
                qid = self.next_qid(tag)
                m.macro(b"M", [("i", qid)])
                for cmd, data, no, nr in (
                        (b"M", z("<s@example.org>"), SMFIP_NOMAIL, SMFIP_NR_MAIL),
                        (b"R", z("<r@example.net>"), SMFIP_NORCPT, SMFIP_NR_RCPT),
                        (b"T", b"", SMFIP_NODATA, SMFIP_NR_DATA)):
                    r = m.step(cmd, data, no, nr)
                    if r != b"c":
                        raise MilterError("%s: %s answered %r" % (qid, cmd.decode(), r))
                for hn, hv in t["headers"]:
                    r = m.step(b"L", z(hn, hv), SMFIP_NOHDRS, SMFIP_NR_HDR)
                    if r != b"c":
                        raise MilterError("%s: header answered %r" % (qid, r))
                if rnd.random() < abort_rate:
                    m.send(b"A")  # abort: no reply; the message must leave no record
                    with self.res_lock:
                        self.results.append((qid, ti, "aborted", None))
                    continue
                r = m.step(b"N", b"", SMFIP_NOEOH, SMFIP_NR_EOH)
                if r != b"c":
                    raise MilterError("%s: EOH answered %r" % (qid, r))
                body = t["body"].encode()
                cuts = sorted(rnd.randrange(len(body) + 1) for _ in range(rnd.randrange(3)))
                pieces = [body[i:k] for i, k in zip([0] + cuts, cuts + [len(body)])]
                for p in pieces:
                    if p:
                        r = m.step(b"B", p, SMFIP_NOBODY, SMFIP_NR_BODY)
                        if r not in (b"c", b"s"):
                            raise MilterError("%s: body answered %r" % (qid, r))
                m.send(b"E")
                cmd, data, mods = m.reply()
                hv = header_value(mods, "X-Blindscore")
                outcome = "scored" if cmd == b"c" and hv else "EOM %r %r" % (cmd, data[:80])
                with self.res_lock:
                    self.results.append((qid, ti, outcome, hv))
            m.quit()
        finally:
            m.close()

    def worker(self, k, stop):
        rnd = random.Random(1000 + k)
        try:
            while not stop.is_set():
                self.session(rnd, 1 + rnd.randrange(3), "W%d" % k, self.a["abort_rate"])
                if self.a["pause"]:
                    time.sleep(rnd.random() * self.a["pause"])
        except Exception as e:  # noqa: BLE001 - every error fails the test
            self.errors.append("worker %d: %s: %s" % (k, type(e).__name__, e))
            stop.set()

    def messages(self, n, tag):
        rnd = random.Random(tag)
        before = len(self.results)
        self.session(rnd, n, tag)
        return self.results[before:]

    # -- processes
    def counts(self):
        return self.log.count(RELOADING), self.log.count(RELOADED), self.log.count(FAILED)

    def quiet(self):
        """No reload running or pending: wait until every reload that started
        ended and nothing new started for a while."""
        settle = self.a["settle"]

        def done():
            n, ok, bad = self.counts()
            return n == ok + bad
        last = None
        end = time.monotonic() + self.a["reload_timeout"]
        while time.monotonic() < end:
            wait_for(done, self.a["reload_timeout"], "the last reload to end", self.log)
            c = self.counts()
            if c == last:
                return c
            last = c
            time.sleep(settle)
        raise Failure("reloads did not settle\n" + self.log.text())

    def sync_reload(self, variant):
        """Install variant, signal, wait until that reload ended; the outcome."""
        n0, ok0, bad0 = self.quiet()
        self.install(variant)
        os.kill(self.target, self.sig)
        wait_for(lambda: self.counts()[0] > n0 and self.counts()[0] == sum(self.counts()[1:]),
                 self.a["reload_timeout"], "the reload to %s" % variant, self.log)
        self.quiet()
        last = [line for line in self.log.grep("") if RELOADED in line or FAILED in line][-1]
        return last

    def proc_stat(self, pid):
        def listdir(p):
            try:
                return len(os.listdir(p))
            except OSError:
                return -1
        rss = 0
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1])
            with open("/proc/%d/maps" % pid) as f:
                maps = sum(1 for _ in f)
        except OSError:
            maps = -1
        return {"fds": listdir("/proc/%d/fd" % pid), "tasks": listdir("/proc/%d/task" % pid),
                "maps": maps, "rss_kib": rss}

    def settled_stat(self, pid, base=None):
        """Process figures once the last connection's thread is gone."""
        st = self.proc_stat(pid)
        end = time.monotonic() + 5 + 5 * self.a["settle"]
        while base and time.monotonic() < end and (st["tasks"] > base["tasks"] or
                                                   st["fds"] > base["fds"]):
            time.sleep(0.1)
            st = self.proc_stat(pid)
        return st

    def start(self):
        self.install("A")
        cmd = list(self.a["wrapper"]) + [self.a["milter"]]
        if self.name == "hup":
            cmd.append("-A")
        cmd += ["-f", "-T", "-x", self.conf]
        logf = open(self.logpath, "w")
        self.proc = subprocess.Popen(cmd, stdout=logf, stderr=logf, stdin=subprocess.DEVNULL)
        logf.close()
        with open(self.fx.j("pids"), "a") as f:
            f.write("%d\n" % self.proc.pid)
        wait_for(lambda: self.log.count("starting: pid") >= 1 or self.proc.poll() is not None,
                 self.a["start_timeout"], "the milter to start", self.log)
        check(self.proc.poll() is None, "the milter exited at start:\n" + self.log.text())
        self.target = self.proc.pid
        if self.name == "hup":
            m = re.search(r"supervisor: started the milter, pid (\d+)", "\n".join(self.log.lines))
            check(m is not None, "no child pid in the supervisor's log")
            self.child = int(m.group(1))
            with open(self.fx.j("pids"), "a") as f:
                f.write("%d\n" % self.child)
        else:
            self.child = self.proc.pid
        m = re.search(r"starting: pid (\d+)", "\n".join(self.log.lines))
        check(int(m.group(1)) == self.child, "the milter's pid %s is not %d" %
              (m.group(1), self.child))

    def stop(self):
        os.kill(self.target, signal.SIGTERM)
        try:
            st = self.proc.wait(self.a["stop_timeout"])
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Failure("the milter did not stop within %d s after SIGTERM\n%s" %
                          (self.a["stop_timeout"], self.log.text()))
        return st

    # -- the storm
    def signaller(self, nsig):
        """Send nsig signals; returns (sent, broken variants sent)."""
        rnd = random.Random(42)
        broken_sent, good = 0, 0
        period, every, broken = self.a["period"], self.a["broken_every"], self.a["broken"]
        i = -1
        for i in range(nsig):
            if self.errors:
                break
            if every and i % every == every // 2:
                v = broken[broken_sent % len(broken)]
                broken_sent += 1
                self.broken_used.add(v)
                want = self.fx.variants[v][3]
                seen = self.log.count(want)
                self.install(v)
                os.kill(self.target, self.sig)
                # keep it until a reload failed on it (a reload that was already
                # running may end first, with the files it read)
                wait_for(lambda: self.log.count(want) > seen, self.a["reload_timeout"],
                         "a failed reload with the %s variant ('%s')" % (v, want), self.log)
                continue
            good += 1
            self.install("B" if good % 2 else "A")
            os.kill(self.target, self.sig)
            # mostly a steady period, now and then a burst of back-to-back signals
            if i % 100 >= 90:
                continue
            time.sleep(rnd.uniform(0.5, 1.5) * period)
        return i + 1, broken_sent

    def current_model(self):
        """A or B: the model of the last successful reload (or of the start)."""
        lines = [line for line in self.log.grep("") if RELOADED in line or "starting: pid" in line]
        m = re.search(r"model ([0-9a-f]{16})", lines[-1])
        return {self.fx.ids[k][:16]: k for k in "AB"}[m.group(1)]

    def run_storm(self):
        a = self.a
        t0 = time.monotonic()
        self.start()
        pid = self.child
        self.mark("start")
        # warm-up: A, a reload to B, one back to A (baseline with one model)
        warm = self.messages(5, "S")
        if a["warmup"]:
            last = self.sync_reload("B")
            check(self.fx.ids["B"][:16] in last, "warm-up reload to B: " + last)
            warm += self.messages(5, "T")
            last = self.sync_reload("A")
            check(self.fx.ids["A"][:16] in last, "warm-up reload to A: " + last)
        check(all(r[2] == "scored" for r in warm), "warm-up messages: %s" % warm)
        base = self.settled_stat(pid)
        self.mark("warm-up")
        n0, ok0, bad0 = self.counts()
        hup0 = self.log.count(SUP_HUP)

        stop = threading.Event()
        workers = [threading.Thread(target=self.worker, args=(k, stop)) for k in range(a["workers"])]
        t_storm = time.monotonic()
        msgs_before = len(self.results)
        for w in workers:
            w.start()
        try:
            sent, broken_sent = self.signaller(a["signals"])
            t_signals = time.monotonic() - t_storm
            self.mark("signals")
            n1, ok1, bad1 = self.quiet()
            hups = self.log.count(SUP_HUP) - hup0
            # one more reload, to the other model, under load (messages pinned to
            # the old one end after it)
            final = "B" if self.current_model() == "A" else "A"
            last = self.sync_reload(final)
            check(self.fx.ids[final][:16] in last, "the reload after the storm: " + last)
            self.mark("last reload")
        finally:
            stop.set()
            for w in workers:
                w.join(a["timeout"] + 10)
        check(not self.errors, "load: " + "; ".join(self.errors[:5]))
        check(all(not w.is_alive() for w in workers), "a load thread hangs")
        storm_msgs = len(self.results) - msgs_before
        check(self.proc.poll() is None, "the milter%s died during the storm\n%s" %
              (" supervisor" if self.name == "hup" else "", self.log.text()))
        check(os.path.exists("/proc/%d" % self.child), "the milter (pid %d) is gone" % self.child)
        if self.name == "hup":
            check(self.log.count("supervisor: started the milter") == 1 and
                  self.log.count("starting: pid") == 1,
                  "the supervisor restarted the milter:\n" + "\n".join(
                      self.log.grep("supervisor:")[-10:]))

        # afterwards: mail is scored with the last model; resources as before
        after = self.messages(10, "Z")
        check(all(r[2] == "scored" and ("m=" + self.fx.ids[final]) in re.sub(r"\s", "", r[3])
                  for r in after), "after the storm, mail not scored with model %s: %s" %
              (final, after))
        end = self.settled_stat(pid, base)
        real = n1 - n0
        check(end["fds"] <= base["fds"], "open files %d before the storm, %d after" %
              (base["fds"], end["fds"]))
        check(end["tasks"] <= base["tasks"], "threads %d before the storm, %d after" %
              (base["tasks"], end["tasks"]))
        if a["memory"]:  # not under ASan (quarantine) or valgrind
            check(end["maps"] <= base["maps"] + 32, "memory mappings %d before, %d after" %
                  (base["maps"], end["maps"]))
            check(end["rss_kib"] <= base["rss_kib"] + 128 * 1024,
                  "RSS %d KiB before, %d KiB after" % (base["rss_kib"], end["rss_kib"]))
        self.mark("after")
        t_stop = time.monotonic()
        status = self.stop()
        t_stopped = time.monotonic() - t_stop
        self.log.poll()
        san = [i for i, line in enumerate(self.log.lines) if re.search(
            r"ERROR: (Address|Leak|Thread)Sanitizer|runtime error:|Sanitizer:DEADLYSIGNAL", line)]
        check(not san, "sanitizer report:\n" + "\n".join(self.log.lines[san[0]:san[0] + 60])
              if san else "")
        check(status == 0, "the milter%s exited with status %d after SIGTERM\n%s" %
              (" supervisor" if self.name == "hup" else "", status, self.log.text()))

        # the log: reloads, failures with file and reason, counters
        ok_lines, bad_lines = self.log.grep(RELOADED), self.log.grep(FAILED)
        for v in sorted(self.broken_used):
            want = self.fx.variants[v][3]
            check(any(want in line for line in bad_lines),
                  "no failed reload naming '%s' (variant %s)" % (want, v))
        for line in bad_lines:
            check(any(self.fx.variants[v][3] in line for v in self.fx.broken) or
                  self.conf in line, "a reload failed for an unexpected reason: " + line)
        counters = self.log.grep("counters (exit)")
        check(len(counters) == 1, "counters at exit: %s" % counters)
        check(" reloads=%d reload_failures=%d" % (len(ok_lines), len(bad_lines)) in counters[0],
              "counters %s; log: %d reloaded, %d failed" % (counters[0], len(ok_lines),
                                                             len(bad_lines)))
        check(" tempfailed=0 " in counters[0], "tempfailed: " + counters[0])
        check(real >= a["min_reloads"], "only %d reloads for %d signals" % (real, sent))
        check(ok1 - ok0 >= a["min_swaps"], "only %d successful reloads during the storm" %
              (ok1 - ok0))
        check(bad1 - bad0 >= broken_sent, "%d broken variants, %d failed reloads" %
              (broken_sent, bad1 - bad0))

        self.mark("stop")
        verified = self.verify()
        self.mark("verify")
        return {
            "scenario": self.name, "signals": sent, "supervisor_took": hups if
            self.name == "hup" else None, "reloads": real, "reloaded": ok1 - ok0,
            "failed": bad1 - bad0, "broken_sent": broken_sent, "storm_messages": storm_msgs,
            "messages": sum(1 for r in self.results if r[2] == "scored"),
            "aborted": sum(1 for r in self.results if r[2] == "aborted"),
            "verified": verified, "storm_s": t_signals, "total_s": time.monotonic() - t0,
            "stop_s": t_stopped, "base": base, "end": end,
            "by_model": self.by_model, "marks": ", ".join(self.marks),
        }

    def verify(self):
        """Every scored message: one record, decrypting to its offline score
        under the model it names; aborted messages: none; no other records."""
        fx = self.fx
        bad = [r for r in self.results if r[2] not in ("scored", "aborted")]
        check(not bad, "%d messages not scored, e.g. %s" % (len(bad), bad[:3]))
        out = self.fx.j(self.name + ".csv")
        with open(out, "w") as f:
            r = subprocess.run([fx.decrypt, "--insecure-test-key", "-k", fx.j("k.sec"), "-m",
                                fx.j("A.txt"), "-m", fx.j("B.txt"), "-a", "-f", "csv",
                                "--no-progress", "-j", "2", self.spool], stdout=f,
                               stderr=subprocess.PIPE)
        check(r.returncode == 0, "blindscore-decrypt on the spool: exit %d: %s" %
              (r.returncode, r.stderr.decode(errors="replace")[:2000]))
        with open(out) as f:
            rows = list(csv.DictReader(f))
        # the spool's own ciphertexts, for the header comparison
        ct = {}
        with open(self.spool) as f:
            for line in f:
                fields = line.split()
                ct.setdefault(fields[3], []).append(fields[10])
        recs = {}
        for row in rows:
            recs.setdefault(row["queueid"], []).append(row)
        mid = {fx.ids["A"]: "A", fx.ids["B"]: "B"}
        self.by_model = {"A": 0, "B": 0}
        n = 0
        problems = []
        for qid, ti, outcome, hv in self.results:
            got = recs.pop(qid, [])
            if outcome == "aborted":
                if got:
                    problems.append("%s: aborted, but %d records" % (qid, len(got)))
                continue
            if len(got) != 1:
                problems.append("%s: %d records" % (qid, len(got)))
                continue
            row, t = got[0], fx.templates[ti]
            m = mid.get(row["modelid"])
            hvc = re.sub(r"\s", "", hv)
            if m is None:
                problems.append("%s: unknown model %s" % (qid, row["modelid"]))
            elif int(row["score"]) != t["want"][m]:
                problems.append("%s (template %d, model %s): decrypted %s, offline %d" %
                                (qid, ti, m, row["score"], t["want"][m]))
            elif row["msgid"] != t["msgid"]:
                problems.append("%s: record for %s, sent %s" % (qid, row["msgid"], t["msgid"]))
            elif "m=" + row["modelid"] + ";" not in hvc or "c=" + ct[qid][0] not in hvc:
                problems.append("%s: the header does not carry the record's model and "
                                "ciphertext: %s" % (qid, hv))
            else:
                self.by_model[m] += 1
                n += 1
        for qid, got in recs.items():
            problems.append("%s: %d records of no message sent" % (qid, len(got)))
        check(not problems, "%d problems in the spool:\n  %s" % (len(problems),
                                                                  "\n  ".join(problems[:20])))
        check(self.by_model["A"] > 0 and self.by_model["B"] > 0,
              "records by model: %s" % self.by_model)
        return n


def run_scenario(fx, name, args, out):
    sc = Scenario(fx, name, args)
    try:
        out[name] = sc.run_storm()
    except Failure as e:
        out[name] = "FAIL: %s: %s" % (name, e)
    except Exception:  # noqa: BLE001 - a protocol error, a timeout...
        import traceback
        out[name] = "FAIL: %s: %s\n--- log (tail):\n%s" % (
            name, traceback.format_exc(), sc.log.text())
    finally:
        if sc.proc and sc.proc.poll() is None:
            sc.proc.kill()
            sc.proc.wait()


def report(name, r):
    sig = "SIGHUP to the supervisor" if name == "hup" else "SIGUSR1"
    print("%s: %d %s%s in %.1f s; %d reloads in the milter (%d succeeded, %d failed on "
          "%d broken variants)" %
          (name, r["signals"], sig, " (it took %d)" % r["supervisor_took"]
           if r["supervisor_took"] is not None else "", r["storm_s"], r["reloads"],
           r["reloaded"], r["failed"], r["broken_sent"]))
    print("%s: %d messages scored (%d sent during the storm), %d aborted; %d records "
          "verified (model A %d, B %d); stopped %.1f s after SIGTERM; scenario %.1f s" %
          (name, r["messages"], r["storm_messages"], r["aborted"], r["verified"],
           r["by_model"]["A"], r["by_model"]["B"], r["stop_s"], r["total_s"]))
    print("%s: the milter before/after the storm: fds %d/%d, threads %d/%d, maps %d/%d, "
          "RSS %d/%d KiB" % (name, r["base"]["fds"], r["end"]["fds"], r["base"]["tasks"],
                             r["end"]["tasks"], r["base"]["maps"], r["end"]["maps"],
                             r["base"]["rss_kib"], r["end"]["rss_kib"]))
    print("%s: phases: %s" % (name, r["marks"]), flush=True)


def main():
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--tools", required=True)
    p.add_argument("--mkmodel", required=True)
    p.add_argument("--samples", required=True)
    p.add_argument("--milter", required=True)
    p.add_argument("--scenario", action="append", choices=("usr1", "hup"), required=True,
                   help="repeat: the scenarios run side by side")
    p.add_argument("--signals", type=int, default=1000)
    p.add_argument("--period-ms", type=float, default=60)
    p.add_argument("--broken-every", type=int, default=100, help="0: none")
    p.add_argument("--broken", help="broken variants to use, comma-separated (default all)")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--pause-ms", type=float, default=200)
    p.add_argument("--min-reloads", type=int, default=10)
    p.add_argument("--min-swaps", type=int, default=4, help="successful reloads in the storm")
    p.add_argument("--no-warmup", action="store_true", help="no reloads before the storm")
    p.add_argument("--slow", type=float, default=1.0, help="timeouts x (valgrind)")
    p.add_argument("--no-memory", action="store_true", help="no mappings/RSS check")
    p.add_argument("--wrapper", default="", help="command to run the milter under (valgrind)")
    o = p.parse_args()
    t0 = time.monotonic()
    fx = Fixture(o.dir, o.tools, o.mkmodel, o.samples)
    broken = o.broken.split(",") if o.broken else fx.broken
    for v in broken:
        if v not in fx.broken:
            p.error("no broken variant " + v)
    args = {
        "milter": o.milter, "signals": o.signals, "period": o.period_ms / 1000.0,
        "broken_every": o.broken_every, "broken": broken, "workers": o.workers,
        "pause": o.pause_ms / 1000.0, "min_reloads": o.min_reloads,
        "min_swaps": o.min_swaps, "abort_rate": 0.03,
        "warmup": not o.no_warmup, "timeout": 30 * o.slow, "settle": 0.3 * o.slow,
        "start_timeout": 30 * o.slow, "stop_timeout": 30 * o.slow,
        "reload_timeout": 60 * o.slow, "memory": not o.no_memory, "wrapper": o.wrapper.split(),
    }
    print("set-up: 1024-bit key, models A (B=8, %s) and B (B=9, %s), %d broken variants, "
          "%d messages: %.1f s" % (fx.ids["A"][:12], fx.ids["B"][:12], len(broken),
                                   len(fx.templates), time.monotonic() - t0), flush=True)
    out = {}
    threads = [threading.Thread(target=run_scenario, args=(fx, name, args, out))
               for name in o.scenario]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failed = 0
    for name in o.scenario:
        r = out.get(name, "FAIL: %s: no result" % name)
        if isinstance(r, str):
            print(r, flush=True)
            failed += 1
        else:
            report(name, r)
    print("storm.py: %.1f s" % (time.monotonic() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
