#!/usr/bin/env python3
"""A small SNTP server for the firmware tests (RFC 4330, stdlib only).

    sntpd.py ADDR PORT LOG [--time UNIX] [--ready FILE] [--offset-file F]

Answers every 48-byte client request (mode 3) with a server reply (mode 4,
stratum 1, version as asked): originate = the request's transmit timestamp,
receive and transmit = now (the host's clock), or UNIX seconds when --time
is given (a wrong clock, e.g. before the firmware's floor), plus the
seconds in F, read at each request (a clock moved on; none when F is
missing or empty).  Anything else
is ignored.  One line per request in LOG: "t=UNIX from=ADDR:PORT
answered=SECONDS".  Writes FILE once listening.  Runs until killed.
"""
import socket
import struct
import sys
import time

NTP_DELTA = 2208988800          # 1900-01-01 to 1970-01-01, in seconds


def ntp_stamp(t):
    sec = int(t)
    frac = int((t - sec) * (1 << 32)) & 0xFFFFFFFF
    return struct.pack("!II", (sec + NTP_DELTA) & 0xFFFFFFFF, frac)


def offset(name):
    try:
        with open(name) as f:
            return float(f.read().strip() or 0)
    except (OSError, TypeError, ValueError):
        return 0.0


def main(argv):
    addr, port, logname = argv[1], int(argv[2]), argv[3]
    fixed = None
    ready = None
    offset_file = None
    rest = argv[4:]
    while rest:
        if rest[0] == "--time" and len(rest) > 1:
            fixed = float(rest[1])
        elif rest[0] == "--ready" and len(rest) > 1:
            ready = rest[1]
        elif rest[0] == "--offset-file" and len(rest) > 1:
            offset_file = rest[1]
        else:
            sys.exit("usage: sntpd.py ADDR PORT LOG [--time UNIX] [--ready FILE]"
                     " [--offset-file F]")
        rest = rest[2:]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    log = open(logname, "a", buffering=1)
    if ready:
        open(ready, "w").close()
    while True:
        data, peer = s.recvfrom(512)
        if len(data) < 48 or data[0] & 7 != 3:
            continue
        now = time.time()
        t = fixed if fixed is not None else now
        t += offset(offset_file)
        version = (data[0] >> 3) & 7
        head = struct.pack("!BBbb", (version << 3) | 4, 1, 6, -20)
        reply = (head + b"\0\0\0\0" + b"\0\0\0\0" + b"LOCL" + ntp_stamp(t)
                 + data[40:48] + ntp_stamp(t) + ntp_stamp(t))
        s.sendto(reply, peer)
        log.write("t=%d from=%s:%d answered=%d\n" % (now, peer[0], peer[1], t))


if __name__ == "__main__":
    main(sys.argv)
