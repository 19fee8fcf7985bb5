#!/usr/bin/python3
"""sendmany.py - send N distinct messages over SMTP to 127.0.0.1:PORT.

usage: sendmany.py PORT N RUN OUTDIR [SESSIONS [PER-CONNECTION]]

Message i (0 <= i < N) has Message-ID <RUN-i@test.example.org>, a sender
from a small set (userK@example.org), one or two recipients at example.net,
and a ham- or spam-like body built from the words the test models are
trained on, so that scores differ.  Each message is written to
OUTDIR/RUN-i.eml exactly as sent (LF line ends; smtplib sends CRLF), for
offline scoring.  SESSIONS threads (default 8) share the messages; each
reconnects after PER-CONNECTION messages (default 25).  Exits 1 if any
message was refused; prints "sent N" on success.  Only 127.0.0.1.
"""
import os
import random
import smtplib
import sys
import threading

HAM = "please review the gas schedule for monday thanks vince meeting room budget forecast storage contract notes team".split()
SPAM = "click here to buy cheap viagra now free offer limited time winner lottery money bonus prize pills deals".split()


def message(run, i):
    rnd = random.Random(f"{run}-{i}")
    spam = rnd.random() < 0.4
    words = SPAM if spam else HAM
    other = HAM if spam else SPAM
    sender = f"user{i % 17}@example.org"
    rcpts = [f"rcpt{i % 23}@example.net"]
    if i % 5 == 0:
        rcpts.append(f"copy{i % 7}@example.net")
    subject = " ".join(rnd.choice(words) for _ in range(3)) + f" {i}"
    body = []
    for _ in range(rnd.randint(2, 8)):
        line = [rnd.choice(words) for _ in range(rnd.randint(5, 12))]
        if rnd.random() < 0.3:
            line.append(rnd.choice(other))
        body.append(" ".join(line))
    text = (
        f"From: {sender}\n"
        f"To: {', '.join(rcpts)}\n"
        f"Subject: {subject}\n"
        f"Date: Thu, 26 Nov 2026 01:00:00 +0000\n"
        f"Message-ID: <{run}-{i}@test.example.org>\n"
        f"\n" + "\n".join(body) + "\n"
    )
    return sender, rcpts, text


def main():
    port, n, run, outdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    sessions = int(sys.argv[5]) if len(sys.argv) > 5 else 8
    per_conn = int(sys.argv[6]) if len(sys.argv) > 6 else 25
    os.makedirs(outdir, exist_ok=True)
    msgs = []
    for i in range(n):
        sender, rcpts, text = message(run, i)
        with open(os.path.join(outdir, f"{run}-{i}.eml"), "w") as f:
            f.write(text)
        msgs.append((sender, rcpts, text))
    errors = []

    def worker(k):
        mine = msgs[k::sessions]
        for start in range(0, len(mine), per_conn):
            try:
                with smtplib.SMTP("127.0.0.1", port, local_hostname="client.example.org", timeout=60) as s:
                    for sender, rcpts, text in mine[start:start + per_conn]:
                        s.sendmail(sender, rcpts, text.encode())
            except (smtplib.SMTPException, OSError) as e:
                errors.append(f"session {k}: {e!r}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        for e in errors[:5]:
            print("sendmany:", e, file=sys.stderr)
        return 1
    print("sent", n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
