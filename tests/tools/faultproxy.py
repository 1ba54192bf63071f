#!/usr/bin/env python3
"""faultproxy.py -- a test-only HTTPS proxy that injects nonce faults between an
ACME client and Pebble (issue 3), and Retry-After answers.  Python 3 standard
library only.

    python3 tests/tools/faultproxy.py --upstream https://127.0.0.1:PORT \\
        --upstream-ca PEBBLE_CA --cert CERT --key KEY --log FILE \\
        [--port-file FILE] [--listen-port N] [--mode MODE[,MODE...]] [options]

It listens on 127.0.0.1 (TLS with CERT/KEY: give it a certificate for DNS:localhost),
parses HTTP/1.1 requests (keep-alive, Content-Length bodies), forwards each one to
the upstream over TLS (verified with --upstream-ca only) keeping the client's Host
header, so that Pebble's directory and Location URLs point back at the proxy, and
relays the answer re-emitted with a Content-Length.  One upstream connection per
client connection.

Modes (comma separated, they combine; default pass):
  pass     relay unchanged.
  cache    the January 2016 CDN: every HEAD of the newNonce path (learnt from the
           directory, or --nonce-path) is answered from a cache.  The first one is
           fetched upstream and its answer, Replay-Nonce included, is replayed to
           everyone for --cache-seconds, whatever Cache-Control the client sent.
  strip    remove Replay-Nonce from error responses (status >= 400).
  garble   replace Replay-Nonce with invalid values, rotating: "abc$%^" (not
           base64url), 300 base64url characters (too long), "" (empty).  It applies
           to every response except HEAD newNonce, on a fraction --rate of them
           (deterministic: rate 0.5 is every second one).  A client that finds no
           usable nonce in a response must fall back to HEAD newNonce, and that
           fallback must stay possible, so HEAD newNonce is left alone unless
           --garble-heads is given: then the 1st, 3rd, 5th... HEAD newNonce is
           garbled too (the client must retry the HEAD, and the next one is good).
  reject   answer every POST itself (nothing is forwarded) with 400 badNonce,
           detail "proxy rejects every nonce", and a fresh-looking random nonce.
  retry-after
           every Nth POST (--retry-every N, default 1, counted over the proxy's
           life like --reject-every) is answered by the proxy itself, not
           forwarded: status --retry-status (503 with the RFC 8555 problem type
           serverInternal, or 429 with rateLimited), "Retry-After: S" with S from
           --retry-seconds (default 2), or with --retry-date an HTTP-date S
           seconds ahead (RFC 9110 5.6.7: whole seconds, so it is between S-1
           and S seconds ahead when sent), and NO Replay-Nonce.  The detail
           names the status and the Retry-After sent.  When --reject-every
           picks the same POST, the badNonce injection wins.

  --reject-every N (any mode): every Nth POST (counted over the proxy's life) is
  answered by the proxy itself with 400 badNonce and NO Replay-Nonce, as if the
  server had rejected the nonce and the header had been lost.  The client then
  holds no nonce and must send HEAD newNonce: with cache, that is what makes the
  cache serve a replayed nonce.

Log (--log): one line per request, fields key=value separated by spaces:
  conn=N req=N mode=M method=M path=P status=N act=A cc=C nonce_in=X nonce_out=Y
  upstream_nonce=Z t=MS retry_after=R
act is forward, cache-fill, cache-hit, strip, garble:bad-chars, garble:long,
garble:empty, reject, inject, retry-after, upstream-error or bad-request.  t is
when the request had fully arrived, in milliseconds since the Unix epoch
(wall clock, as HTTP-dates are); retry_after the Retry-After sent to the
client ("(none)" when none).  nonce_in is the
nonce of the JWS in a POST body (decoded from its protected header), nonce_out
the Replay-Nonce sent to the client, upstream_nonce the one the upstream sent.
Values are percent-escaped outside [A-Za-z0-9_./-]; "(none)" means no value,
"(empty)" an empty one.  cc is the request's Cache-Control.

It prints its port on stdout (and writes it to --port-file, atomically) once it
listens, and exits on SIGTERM or SIGINT.  Bounded: request head 16 KiB, 100
header lines, bodies 1 MiB, 64 connections, socket timeouts (10 s per I/O, 60 s
idle keep-alive).
"""
import argparse
import base64
import email.utils
import http.client
import json
import os
import secrets
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse

MAX_HEAD = 16384
MAX_HEADERS = 100
MAX_BODY = 1 << 20
MAX_CONNS = 64
IO_TIMEOUT = 10.0
IDLE_TIMEOUT = 60.0

HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
       "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"}
SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./")
GARBLE = ("bad-chars", "long", "empty")


def esc(v):
    if v is None:
        return "(none)"
    if v == "":
        return "(empty)"
    return "".join(c if c in SAFE else "%%%02X" % b
                   for c, b in ((chr(b), b) for b in v.encode("utf-8", "replace")))


def b64url_decode(s):
    s = s.strip()
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jws_nonce(body):
    """The nonce in a flattened JWS's protected header, or None."""
    try:
        jws = json.loads(body)
        prot = json.loads(b64url_decode(jws["protected"]))
        n = prot.get("nonce")
        return n if isinstance(n, str) else "(not-a-string)"
    except Exception:
        return None


class BadRequest(Exception):
    pass


class Closed(Exception):
    pass


class Reader:
    """Buffered reads from a socket, bounded."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _more(self):
        d = self.sock.recv(65536)
        if not d:
            raise Closed()
        self.buf += d

    def head(self):
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > MAX_HEAD:
                raise BadRequest("request head over %d bytes" % MAX_HEAD)
            try:
                self._more()
            except Closed:
                if self.buf:
                    raise BadRequest("connection closed inside a request head")
                raise
        i = self.buf.index(b"\r\n\r\n")
        if i > MAX_HEAD:
            raise BadRequest("request head over %d bytes" % MAX_HEAD)
        h, self.buf = self.buf[:i], self.buf[i + 4:]
        return h

    def exact(self, n):
        while len(self.buf) < n:
            try:
                self._more()
            except Closed:
                raise BadRequest("connection closed inside a request body")
        d, self.buf = self.buf[:n], self.buf[n:]
        return d


class Proxy:
    def __init__(self, a):
        self.a = a
        self.modes = set(m.strip() for m in a.mode.split(",") if m.strip())
        bad = self.modes - {"pass", "cache", "strip", "garble", "reject",
                            "retry-after"}
        if bad or not self.modes:
            sys.exit("faultproxy: unknown mode %s" % ",".join(sorted(bad)))
        u = urllib.parse.urlsplit(a.upstream)
        if u.scheme != "https" or not u.hostname:
            sys.exit("faultproxy: --upstream must be an https URL")
        self.up_host, self.up_port = u.hostname, u.port or 443
        self.up_ctx = ssl.create_default_context(cafile=a.upstream_ca)  # only this CA
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        self.ctx.load_cert_chain(a.cert, a.key)
        self.nonce_path = a.nonce_path
        self.lock = threading.Lock()
        self.logf = open(a.log, "a", buffering=1, encoding="utf-8")
        self.conns = 0          # open client connections
        self.conn_ids = 0
        self.req_ids = 0
        self.posts = 0
        self.heads = 0          # HEAD newNonce requests
        self.garble_seen = 0    # responses eligible for garble
        self.garble_n = 0       # garbled so far (rotation)
        self.cache = None       # (expires, status, reason, headers, filled_at)

    # -- bookkeeping -----------------------------------------------------------
    def log(self, **kw):
        order = ("conn", "req", "mode", "method", "path", "status", "act", "cc",
                 "nonce_in", "nonce_out", "upstream_nonce", "t", "retry_after")
        line = " ".join("%s=%s" % (k, kw.get(k, "-")) for k in order)
        with self.lock:
            self.logf.write(line + "\n")

    def learn(self, body):
        """Take the newNonce path from a directory body."""
        if self.nonce_path is not None:
            return
        try:
            d = json.loads(body)
            if isinstance(d, dict) and isinstance(d.get("newNonce"), str):
                self.nonce_path = urllib.parse.urlsplit(d["newNonce"]).path
        except Exception:
            pass

    # -- upstream --------------------------------------------------------------
    def upstream(self, st, method, path, headers, body):
        """Forward; returns (status, reason, [(name, value)], body)."""
        for attempt in (0, 1):
            fresh = st.get("up") is None
            if fresh:
                st["up"] = http.client.HTTPSConnection(
                    self.up_host, self.up_port, timeout=IO_TIMEOUT,
                    context=self.up_ctx)
            c = st["up"]
            try:
                c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
                for k, v in headers:
                    if k.lower() not in HOP:
                        c.putheader(k, v)
                c.endheaders(body if body else None)
                r = c.getresponse()
                data = r.read(MAX_BODY + 1)
                if len(data) > MAX_BODY:
                    raise BadRequest("upstream body over %d bytes" % MAX_BODY)
                hdrs = r.getheaders()
                if r.will_close:
                    c.close()
                    st["up"] = None
                return r.status, r.reason, hdrs, data
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError) as e:
                c.close()
                st["up"] = None
                # An idle kept-alive upstream connection went away: once more.
                if fresh or attempt == 1:
                    raise e
            except Exception:
                c.close()
                st["up"] = None
                raise
        raise RuntimeError("unreachable")

    # -- one request -----------------------------------------------------------
    def handle(self, st, method, path, headers, body):
        """Returns (status, reason, headers, body, act, upstream_nonce)."""
        a = self.a
        is_nonce_head = (method == "HEAD" and self.nonce_path is not None and
                         urllib.parse.urlsplit(path).path == self.nonce_path)
        if method == "POST":
            with self.lock:
                self.posts += 1
                n = self.posts
            if "reject" in self.modes:
                return self.problem(
                    "proxy rejects every nonce",
                    base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("=")
                ) + ("reject", None)
            if a.reject_every > 0 and n % a.reject_every == 0:
                return self.problem("faultproxy: injected badNonce, no Replay-Nonce",
                                    None) + ("inject", None)
            if "retry-after" in self.modes and n % a.retry_every == 0:
                return self.retry_after() + ("retry-after", None)
        if is_nonce_head:
            with self.lock:
                self.heads += 1
                hn = self.heads
        if is_nonce_head and "cache" in self.modes:
            now = time.monotonic()
            with self.lock:
                c = self.cache
            if c is not None and now < c[0]:
                hdrs = [(k, v) for k, v in c[3] if k.lower() != "age"]
                hdrs.append(("Age", str(int(now - c[4]))))
                return c[1], c[2], hdrs, b"", "cache-hit", nonce_of(c[3])
            s, r, h, b = self.upstream(st, method, path, headers, body)
            if s in (200, 204) and nonce_of(h) is not None:
                with self.lock:
                    self.cache = (now + a.cache_seconds, s, r, h, now)
            return s, r, h, b, "cache-fill", nonce_of(h)

        s, r, h, b = self.upstream(st, method, path, headers, body)
        if s == 200 and method == "GET":
            self.learn(b)
        up_nonce = nonce_of(h)
        act = "forward"
        if "strip" in self.modes and s >= 400 and up_nonce is not None:
            h = [(k, v) for k, v in h if k.lower() != "replay-nonce"]
            act = "strip"
        if "garble" in self.modes and nonce_of(h) is not None:
            if is_nonce_head:
                do = a.garble_heads and hn % 2 == 1
            else:
                with self.lock:
                    self.garble_seen += 1
                    k = self.garble_seen
                do = int(k * a.rate) != int((k - 1) * a.rate)
            if do:
                with self.lock:
                    kind = GARBLE[self.garble_n % len(GARBLE)]
                    self.garble_n += 1
                if kind == "bad-chars":
                    v = "abc$%^"
                elif kind == "long":
                    v = ((up_nonce or "A") * 300)[:300]
                else:
                    v = ""
                h = [(k2, v if k2.lower() == "replay-nonce" else v2) for k2, v2 in h]
                act = "garble:" + kind
        return s, r, h, b, act, up_nonce

    def problem(self, detail, nonce, status=400, reason="Bad Request",
                ptype="badNonce", extra=()):
        body = json.dumps({"type": "urn:ietf:params:acme:error:" + ptype,
                           "detail": detail, "status": status}).encode()
        h = [("Content-Type", "application/problem+json"),
             ("Cache-Control", "public, max-age=0, no-cache")]
        h.extend(extra)
        if nonce is not None:
            h.append(("Replay-Nonce", nonce))
        return status, reason, h, body

    def retry_after(self):
        """The retry-after mode's answer: 503 or 429, Retry-After, no nonce."""
        a = self.a
        if a.retry_date:
            v = email.utils.formatdate(time.time() + a.retry_seconds, usegmt=True)
        else:
            v = "%d" % a.retry_seconds
        reason, ptype = {503: ("Service Unavailable", "serverInternal"),
                         429: ("Too Many Requests", "rateLimited")}[a.retry_status]
        return self.problem("faultproxy: injected %d, Retry-After: %s"
                            % (a.retry_status, v), None, a.retry_status, reason,
                            ptype, [("Retry-After", v)])

    # -- one client connection -------------------------------------------------
    def serve(self, raw, cid):
        st = {"up": None}
        sock = None
        try:
            raw.settimeout(IO_TIMEOUT)
            sock = self.ctx.wrap_socket(raw, server_side=True)
            rd = Reader(sock)
            while True:
                sock.settimeout(IDLE_TIMEOUT)
                try:
                    head = rd.head()
                except Closed:
                    return
                except BadRequest as e:     # over-long head: answer, log, close
                    self.send(sock, 400, "Bad Request", [("Content-Type", "text/plain")],
                              str(e).encode(), False, True)
                    self.log(conn=cid, mode=",".join(sorted(self.modes)), status=400,
                             act="bad-request")
                    return
                sock.settimeout(IO_TIMEOUT)
                if not self.one(sock, rd, st, cid, head):
                    return
        except (OSError, ssl.SSLError, socket.timeout, BadRequest) as e:
            if self.a.verbose:
                print("faultproxy: conn %d: %s" % (cid, e), file=sys.stderr)
        finally:
            if st["up"] is not None:
                st["up"].close()
            try:
                (sock or raw).close()
            except OSError:
                pass
            with self.lock:
                self.conns -= 1

    def one(self, sock, rd, st, cid, head):
        """One request; returns False when the connection must close."""
        with self.lock:
            self.req_ids += 1
            rid = self.req_ids
        modes = ",".join(sorted(self.modes))
        try:
            lines = head.decode("iso-8859-1").split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
                raise BadRequest("bad request line")
            method, path, ver = parts
            if len(lines) - 1 > MAX_HEADERS:
                raise BadRequest("too many header lines")
            headers = []
            for ln in lines[1:]:
                k, sep, v = ln.partition(":")
                if not sep or not k or k != k.strip():
                    raise BadRequest("bad header line")
                headers.append((k, v.strip()))
            hl = {k.lower(): v for k, v in headers}
            if "transfer-encoding" in hl:
                raise BadRequest("request bodies must have a Content-Length")
            n = hl.get("content-length", "0")
            if not n.isdigit() or int(n) > MAX_BODY:
                raise BadRequest("bad or too large Content-Length")
            body = rd.exact(int(n))
        except BadRequest as e:
            self.send(sock, 400, "Bad Request",
                      [("Content-Type", "text/plain")], str(e).encode(), False, True)
            self.log(conn=cid, req=rid, mode=modes, method="-", path="-", status=400,
                     act="bad-request")
            return False
        t_in = int(time.time() * 1000)
        close = (hl.get("connection", "").lower() == "close" or ver == "HTTP/1.0")
        nonce_in = jws_nonce(body) if method == "POST" else None
        try:
            s, r, h, b, act, up_nonce = self.handle(st, method, path, headers, body)
        except Exception as e:
            if self.a.verbose:
                print("faultproxy: upstream: %s" % e, file=sys.stderr)
            self.send(sock, 502, "Bad Gateway", [("Content-Type", "text/plain")],
                      b"faultproxy: upstream failed\n", False, True)
            self.log(conn=cid, req=rid, mode=modes, method=esc(method), path=esc(path),
                     status=502, act="upstream-error", cc=esc(hl.get("cache-control")),
                     nonce_in=esc(nonce_in), t=t_in)
            return False
        self.send(sock, s, r, h, b, method == "HEAD", close)
        self.log(conn=cid, req=rid, mode=modes, method=esc(method), path=esc(path),
                 status=s, act=act, cc=esc(hl.get("cache-control")),
                 nonce_in=esc(nonce_in), nonce_out=esc(nonce_of(h)),
                 upstream_nonce=esc(up_nonce), t=t_in,
                 retry_after=esc(header_of(h, "retry-after")))
        return not close

    def send(self, sock, status, reason, headers, body, head, close):
        out = ["HTTP/1.1 %d %s" % (status, reason or "Status")]
        cl = None
        for k, v in headers:
            lk = k.lower()
            if lk == "content-length":
                cl = v
                continue
            if lk in HOP:
                continue
            out.append("%s: %s" % (k, v))
        if head:
            if cl is not None:           # the length a GET would have had
                out.append("Content-Length: %s" % cl)
            body = b""
        elif status >= 200 and status not in (204, 304):
            out.append("Content-Length: %d" % len(body))
        else:
            body = b""
        if close:
            out.append("Connection: close")
        sock.sendall(("\r\n".join(out) + "\r\n\r\n").encode("iso-8859-1") + body)

    # -- main loop -------------------------------------------------------------
    def run(self):
        stop = []

        def on_signal(_sig, _frm):
            stop.append(1)
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.a.listen_port))
        ls.listen(16)
        ls.settimeout(0.2)
        port = ls.getsockname()[1]
        if self.a.port_file:
            tmp = self.a.port_file + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d\n" % port)
            os.rename(tmp, self.a.port_file)
        print(port, flush=True)
        while not stop:
            try:
                raw, _ = ls.accept()
            except (socket.timeout, InterruptedError):
                continue
            with self.lock:
                if self.conns >= MAX_CONNS:
                    raw.close()
                    continue
                self.conns += 1
                self.conn_ids += 1
                cid = self.conn_ids
            threading.Thread(target=self.serve, args=(raw, cid), daemon=True).start()
        ls.close()
        self.logf.flush()


def header_of(headers, name):
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


def nonce_of(headers):
    return header_of(headers, "replay-nonce")


def main():
    p = argparse.ArgumentParser(description="test-only HTTPS nonce fault proxy")
    p.add_argument("--upstream", required=True, help="https://HOST:PORT of Pebble")
    p.add_argument("--upstream-ca", required=True, help="PEM that signed the upstream")
    p.add_argument("--cert", required=True, help="listener certificate (PEM)")
    p.add_argument("--key", required=True, help="listener key (PEM)")
    p.add_argument("--log", required=True, help="one line per request, appended")
    p.add_argument("--port-file", help="write the port here once listening")
    p.add_argument("--listen-port", type=int, default=0)
    p.add_argument("--mode", default="pass",
                   help="pass, cache, strip, garble, reject, retry-after "
                   "(comma separated)")
    p.add_argument("--cache-seconds", type=float, default=5.0)
    p.add_argument("--rate", type=float, default=1.0, help="garble: fraction (0..1)")
    p.add_argument("--garble-heads", action="store_true",
                   help="garble: also every second HEAD newNonce (1st, 3rd, ...)")
    p.add_argument("--reject-every", type=int, default=0,
                   help="answer every Nth POST with badNonce and no Replay-Nonce")
    p.add_argument("--retry-every", type=int, default=1,
                   help="retry-after: answer every Nth POST (default 1: all)")
    p.add_argument("--retry-status", type=int, default=503, choices=(503, 429),
                   help="retry-after: 503 serverInternal or 429 rateLimited")
    p.add_argument("--retry-seconds", type=int, default=2,
                   help="retry-after: Retry-After in seconds (default 2)")
    p.add_argument("--retry-date", action="store_true",
                   help="retry-after: send an HTTP-date --retry-seconds ahead")
    p.add_argument("--nonce-path", help="newNonce path (default: from the directory)")
    p.add_argument("--verbose", action="store_true", help="connection errors to stderr")
    a = p.parse_args()
    if not 0.0 <= a.rate <= 1.0:
        sys.exit("faultproxy: --rate must be within 0..1")
    if a.reject_every < 0 or a.cache_seconds < 0:
        sys.exit("faultproxy: --reject-every and --cache-seconds must be >= 0")
    if a.retry_every < 1 or a.retry_seconds < 0:
        sys.exit("faultproxy: --retry-every must be >= 1, --retry-seconds >= 0")
    Proxy(a).run()


if __name__ == "__main__":
    main()
