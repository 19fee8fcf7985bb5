#!/usr/bin/env python3
"""optneg.py - start a milter and time it as an MTA sees it (tests/milter/starttime.sh).

usage: optneg.py SOCKET LOG TEXT -- COMMAND...

Starts COMMAND (its standard error to LOG), connects to the unix SOCKET
every 2 ms until a connection is accepted, sends an option negotiation and
waits for the reply, then sends SIGTERM and waits for the milter to exit.
Prints one line of NAME=VALUE pairs (times in seconds):
  connect   start -> first accepted connection
  wait      that connection -> the negotiation reply (how long an MTA waits)
  logged    1 if LOG held TEXT when the first connection was accepted
  reply     the reply's command letter (O for an option negotiation)
  stop      SIGTERM -> exit
  status    the milter's exit status
Every wait is bounded (60 s); status 2 on a timeout or an early exit.
"""
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

LIMIT = 60.0
SMFIC_OPTNEG = b"O"


def main():
    if len(sys.argv) < 5 or sys.argv[4] != "--":
        sys.exit(__doc__)
    path, log, text, cmd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[5:]
    t0 = time.monotonic()
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, stderr=err)
    try:
        run(proc, path, log, text, t0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def run(proc, path, log, text, t0):
    conn = None
    while conn is None:
        if proc.poll() is not None:
            print("milter exited with status %d before accepting" % proc.returncode)
            sys.exit(2)
        if time.monotonic() - t0 > LIMIT:
            print("no connection accepted in %.0f s" % LIMIT)
            sys.exit(2)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            conn = s
        except OSError:
            s.close()
            time.sleep(0.002)
    t_conn = time.monotonic()
    with open(log, errors="replace") as f:
        logged = int(text in f.read())
    conn.settimeout(LIMIT)
    # version 6, all actions, all protocol steps offered
    conn.sendall(struct.pack(">Ic3I", 13, SMFIC_OPTNEG, 6, 0x1FF, 0x1FFFFF))
    head = b""
    while len(head) < 5:
        chunk = conn.recv(5 - len(head))
        if not chunk:
            break
        head += chunk
    t_reply = time.monotonic()
    conn.close()
    reply = head[4:5].decode("ascii", "replace") or "-"
    # a blocking wait (Popen.wait with a timeout polls every 50 ms), with a
    # watchdog that kills the milter after LIMIT
    dog = threading.Timer(LIMIT, proc.kill)
    dog.start()
    proc.send_signal(signal.SIGTERM)
    t_term = time.monotonic()
    status = proc.wait()
    t_end = time.monotonic()
    dog.cancel()
    if t_end - t_term >= LIMIT:
        print("milter still running %.0f s after SIGTERM" % LIMIT)
        sys.exit(2)
    print(
        "connect=%.3f wait=%.3f logged=%d reply=%s stop=%.3f status=%d"
        % (t_conn - t0, t_reply - t_conn, logged, reply, t_end - t_term, status)
    )


if __name__ == "__main__":
    main()
