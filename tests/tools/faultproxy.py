#!/usr/bin/env python3
"""faultproxy.py -- a test-only HTTPS proxy that injects nonce faults between an
ACME client and Pebble (issue 3), and Retry-After answers; it also emulates what
Debian's Pebble 2.4 lacks: ARI (RFC 9773) and certificate profiles, and logs
newOrder payloads.  Python 3 standard library only.

    python3 tests/tools/faultproxy.py --upstream https://127.0.0.1:PORT \\
        --upstream-ca PEBBLE_CA --cert CERT --key KEY --log FILE \\
        [--port-file FILE] [--listen-port N] [--mode MODE[,MODE...]] [options]
    python3 tests/tools/faultproxy.py --cert-id CERT.pem   # print its ARI certID
    python3 tests/tools/faultproxy.py --self-test          # offline checks

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

  chaos    the fault soak (tests/pebble/soak.sh): each request, with probability
           --chaos-rate (seeded by --seed), gets one fault drawn at random:
           reset (forwarded, then the connection closed unanswered), truncate
           (forwarded, half the answer sent, then closed), stall (forwarded,
           then nothing for --stall-seconds before the connection is closed),
           5xx (forwarded, the answer replaced by 500 serverInternal without
           a nonce), badnonce (POST, not forwarded: 400 badNonce with a fresh
           nonce), garble (forwarded, its Replay-Nonce made invalid),
           retry-after (POST, not forwarded: 503 with Retry-After: 1).  The
           log's act says which.

  --reject-every N (any mode): every Nth POST (counted over the proxy's life) is
  answered by the proxy itself with 400 badNonce and NO Replay-Nonce, as if the
  server had rejected the nonce and the header had been lost.  The client then
  holds no nonce and must send HEAD newNonce: with cache, that is what makes the
  cache serve a replayed nonce.

ACME extensions Debian's Pebble 2.4 lacks (options, any mode; off by default):
  --ari WINDOW
           ARI (RFC 9773).  The directory the proxy relays (any 200 answer to a
           GET whose JSON object has a newNonce string) gains
           "renewalInfo": "https://HOST/renewal-info", HOST being the request's
           Host header, which is how Pebble builds its own URLs: the client sees
           the proxy's origin.  The proxy answers GET (and HEAD) /renewal-info/ID
           itself, nothing forwarded: 200, Content-Type application/json,
             {"suggestedWindow": {"start": S, "end": E},
              "explanationURL": "https://example.test/why"}
           S and E RFC 3339 UTC ("2025-01-02T03:04:05Z"), computed at each request
           from WINDOW: future (start now + 1 day, end now + 2 days), past (now - 2
           days, now - 1 day) or S:E, whole seconds relative to now; a negative S
           needs "--ari=-10:-5" (argparse takes "-10:-5" for an option).  S < E is
           not enforced, so a test can serve an inverted window.  ID must be a
           certID (RFC 9773 4.1): base64url(AKI keyIdentifier) "."
           base64url(serial INTEGER content bytes, leading zero kept), i.e. two
           parts of [A-Za-z0-9_-] (no "=" padding), each decoding to at least one
           byte, the serial part a positive minimally-encoded DER INTEGER (so a
           serial whose leading 00 was dropped is refused: 00:87:65:43:21 must be
           "AIdlQyE", "h2VDIQ" is refused).  Any other path under /renewal-info
           gets 400 with a malformed problem document whose detail says why.  No
           Replay-Nonce (RFC 8555 requires one on POST answers only).  Other
           methods on /renewal-info are forwarded like any request.
  --ari-retry-after SECONDS
           with --ari: the 200 renewal-info answers carry "Retry-After: SECONDS".
  --profiles NAME[,NAME...]
           certificate profiles (draft-ietf-acme-profiles): the directory's "meta"
           object (created when absent) gains "profiles": {"NAME": "faultproxy test
           profile NAME", ...}; its other fields stay.
  --reject-name NAME
           a newOrder whose identifiers include the value NAME is answered by
           the proxy itself: 400 rejectedIdentifier, detail "faultproxy: will not
           issue for NAME" followed by a newline, ESC [31m and BEL (control
           characters a client must not print raw), with a fresh Replay-Nonce.
           act reject-name.
  --strip-order-extras
           only to test error paths.  A JWS is signed, so the proxy cannot strip
           fields from a newOrder and forward the rest; instead a newOrder whose
           payload carries "profile" or "replaces" is answered by the proxy itself,
           not forwarded: 400 malformed, detail "faultproxy: unsupported field
           profile" (or "replaces", or "profile,replaces"), with a Replay-Nonce the
           proxy has just fetched from Pebble with HEAD newNonce, so it is valid
           (none when that fails or the newNonce path is not known yet).  reject,
           --reject-every and retry-after win when they pick the same POST.
           Without it the order is forwarded: Pebble 2.4 ignores both fields (Go's
           encoding/json drops unknown ones): 201, and the order it returns has
           neither field (tests/tools/faultproxy_selftest.sh checks this).

  --cert-id FILE (no proxy): print the ARI certID of the first certificate in FILE
  (PEM, or DER), read with the small DER reader below (AKI keyIdentifier and
  serial; no openssl).  --self-test (no proxy, no network): offline checks of the
  certID code (the RFC 9773 example), the certID checks, WINDOW parsing, the
  payload fields and the directory rewrite; prints one line per check.

Log (--log): one line per request, fields key=value separated by spaces:
  conn=N req=N mode=M method=M path=P status=N act=A cc=C nonce_in=X nonce_out=Y
  upstream_nonce=Z t=MS retry_after=R profile=P replaces=R identifiers=I cert_id=C
act is forward, cache-fill, cache-hit, strip, garble:bad-chars, garble:long,
garble:empty, reject, inject, retry-after, upstream-error or bad-request; and
with the extensions dir-extend (a directory given renewalInfo and/or profiles;
strip or garble, applied after it, replace it in act), ari (renewal-info
answered), ari-bad (400 for a malformed certID) or unsupported
(--strip-order-extras).  profile, replaces and identifiers come from the JWS
payload of a newOrder (any POST whose payload decodes to a JSON object with an
"identifiers" array): its "profile" and "replaces" ("-" when absent,
"(not-a-string)" when not a string) and the "value" of each identifier, each
percent-escaped, joined with "," (a "," inside a value shows as %2C; "(empty)"
for an empty array).  They are "-" on every other line.  cert_id is the certID
asked of /renewal-info ("-" elsewhere).  t is
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
import random
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
CHAOS = ("reset", "truncate", "stall", "5xx", "badnonce", "garble", "retry-after")


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


def jws_payload(body):
    """The decoded JSON payload of a flattened JWS, or None (also for "")."""
    try:
        jws = json.loads(body)
        pl = jws["payload"]
        if not isinstance(pl, str) or pl == "":
            return None
        return json.loads(b64url_decode(pl))
    except Exception:
        return None


def order_fields(payload):
    """(profile, replaces, identifiers) log values of a newOrder payload, already
    escaped; ("-", "-", "-") when the payload is not a newOrder's."""
    if not isinstance(payload, dict) or not isinstance(payload.get("identifiers"), list):
        return "-", "-", "-"

    def one(k):
        if k not in payload:
            return "-"
        v = payload[k]
        return esc(v) if isinstance(v, str) else "(not-a-string)"
    vals = []
    for i in payload["identifiers"]:
        v = i.get("value") if isinstance(i, dict) else None
        vals.append(esc(v) if isinstance(v, str) else "(not-a-string)")
    return one("profile"), one("replaces"), ",".join(vals) if vals else "(empty)"


# -- ARI (RFC 9773) --------------------------------------------------------------
B64URL = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
ARI_PATH = "/renewal-info"
DAY = 86400


def b64url_encode(b):
    return base64.urlsafe_b64encode(b).decode("ascii").rstrip("=")


def cert_id(aki, serial):
    """RFC 9773 4.1: base64url(keyIdentifier) "." base64url(serial content)."""
    return b64url_encode(aki) + "." + b64url_encode(serial)


def check_cert_id(cid):
    """None when cid is a well-formed certID, else why not."""
    parts = cid.split(".")
    if len(parts) != 2:
        return "want two base64url parts separated by one '.', got %d part(s)" % len(parts)
    raw = []
    for name, v in zip(("keyIdentifier", "serial"), parts):
        if v == "":
            return "empty %s part" % name
        bad = sorted(set(v) - B64URL)
        if bad:
            return "%s part has characters outside base64url: %s" % (name, "".join(bad))
        if len(v) % 4 == 1:
            return "%s part has an impossible base64url length %d" % (name, len(v))
        try:
            d = base64.urlsafe_b64decode(v + "=" * (-len(v) % 4))
        except ValueError as e:
            return "%s part does not decode: %s" % (name, e)
        if b64url_encode(d) != v:
            return "%s part is not canonical base64url (stray low bits)" % name
        raw.append(d)
    s = raw[1]
    if s[0] & 0x80:
        return "serial part is negative as a DER INTEGER (leading 00 dropped?)"
    if len(s) > 1 and s[0] == 0 and not s[1] & 0x80:
        return "serial part is not a minimal DER INTEGER (extra leading 00)"
    if not any(s):
        return "serial part is zero (RFC 5280 serials are positive)"
    return None


def parse_window(w):
    """--ari WINDOW -> (start, end) offsets in seconds from now."""
    if w == "future":
        return DAY, 2 * DAY
    if w == "past":
        return -2 * DAY, -DAY
    a, sep, b = w.partition(":")
    try:
        if sep:
            return int(a), int(b)
    except ValueError:
        pass
    raise ValueError("--ari: WINDOW must be future, past or S:E (integer seconds), "
                     "not %r" % w)


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(t)))


# -- a small DER reader (X.509: the AKI keyIdentifier and the serial) -------------
OID_AKI = bytes((0x55, 0x1D, 0x23))        # 2.5.29.35


def der_tlv(b, off, end):
    """(tag, content start, content end) of the TLV at b[off:end]."""
    if off + 2 > end:
        raise ValueError("DER: truncated TLV at %d" % off)
    tag = b[off]
    if tag & 0x1F == 0x1F:
        raise ValueError("DER: high tag number at %d" % off)
    n = b[off + 1]
    off += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4:
            raise ValueError("DER: unsupported length form at %d" % (off - 1))
        if off + k > end:
            raise ValueError("DER: truncated length at %d" % off)
        n = int.from_bytes(b[off:off + k], "big")
        off += k
    if off + n > end:
        raise ValueError("DER: content runs past its parent at %d" % off)
    return tag, off, off + n


def der_children(b, start, end):
    off = start
    while off < end:
        t, cs, ce = der_tlv(b, off, end)
        yield t, cs, ce
        off = ce


def der_cert_aki_serial(der):
    """(keyIdentifier, serial content bytes) of a DER certificate."""
    t, cs, ce = der_tlv(der, 0, len(der))
    if t != 0x30 or ce != len(der):
        raise ValueError("not a DER certificate (outer SEQUENCE)")
    t, ts, te = der_tlv(der, cs, ce)
    if t != 0x30:
        raise ValueError("no tbsCertificate SEQUENCE")
    serial = aki = None
    for t, s, e in der_children(der, ts, te):
        if serial is None:
            if t == 0xA0:            # [0] version
                continue
            if t != 0x02 or e == s:
                raise ValueError("no serialNumber INTEGER in tbsCertificate")
            serial = der[s:e]
        elif t == 0xA3:              # [3] extensions: SEQUENCE OF Extension
            t2, xs, xe = der_tlv(der, s, e)
            if t2 != 0x30:
                raise ValueError("extensions is not a SEQUENCE")
            for t3, es, ee in der_children(der, xs, xe):
                kids = list(der_children(der, es, ee))
                if t3 != 0x30 or not kids or kids[0][0] != 0x06:
                    raise ValueError("malformed Extension")
                if der[kids[0][1]:kids[0][2]] != OID_AKI:
                    continue
                _, vs, ve = kids[-1]
                if kids[-1][0] != 0x04:
                    raise ValueError("AKI extnValue is not an OCTET STRING")
                t4, as_, ae = der_tlv(der, vs, ve)
                if t4 != 0x30:
                    raise ValueError("AKI is not a SEQUENCE")
                for t5, ks, ke in der_children(der, as_, ae):
                    if t5 == 0x80:   # [0] IMPLICIT KeyIdentifier
                        aki = der[ks:ke]
    if serial is None:
        raise ValueError("no serialNumber")
    if not aki:
        raise ValueError("no Authority Key Identifier keyIdentifier")
    return aki, serial


def cert_id_of_file(path):
    with open(path, "rb") as f:
        data = f.read()
    m = data.find(b"-----BEGIN CERTIFICATE-----")
    if m >= 0:
        e = data.find(b"-----END CERTIFICATE-----", m)
        if e < 0:
            raise ValueError("unterminated PEM certificate")
        body = data[m + len(b"-----BEGIN CERTIFICATE-----"):e]
        data = base64.b64decode(b"".join(body.split()), validate=True)
    return cert_id(*der_cert_aki_serial(data))


def extend_directory(body, origin, profiles, ari):
    """The directory JSON with renewalInfo and/or meta.profiles added, or None
    when body is not a directory."""
    try:
        d = json.loads(body)
    except Exception:
        return None
    if not isinstance(d, dict) or not isinstance(d.get("newNonce"), str):
        return None
    if ari:
        d["renewalInfo"] = origin + ARI_PATH
    if profiles:
        meta = d.get("meta")
        if not isinstance(meta, dict):
            meta = d["meta"] = {}
        pr = meta.get("profiles")
        if not isinstance(pr, dict):
            pr = meta["profiles"] = {}
        for name in profiles:
            pr[name] = "faultproxy test profile " + name
    return (json.dumps(d, indent=2) + "\n").encode()


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
                            "retry-after", "chaos"}
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
        self.ari = None if a.ari is None else parse_window(a.ari)
        self.profiles = [n.strip() for n in (a.profiles or "").split(",") if n.strip()]
        self.lock = threading.Lock()
        self.rng = random.Random(a.seed)
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
                 "nonce_in", "nonce_out", "upstream_nonce", "t", "retry_after",
                 "profile", "replaces", "identifiers", "cert_id")
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
    def handle(self, st, method, path, headers, body, info):
        """Returns (status, reason, headers, body, act, upstream_nonce).  info: the
        request's decoded JWS payload ("payload"); it may add "cert_id"."""
        a = self.a
        upath = urllib.parse.urlsplit(path).path
        is_nonce_head = (method == "HEAD" and self.nonce_path is not None and
                         upath == self.nonce_path)
        if (self.ari is not None and method in ("GET", "HEAD") and
                (upath == ARI_PATH or upath.startswith(ARI_PATH + "/"))):
            cid = upath[len(ARI_PATH) + 1:]
            info["cert_id"] = esc(cid)
            why = check_cert_id(cid)
            if why is not None:
                return self.problem("faultproxy: malformed certID: " + why, None,
                                    ptype="malformed") + ("ari-bad", None)
            return self.renewal_info() + ("ari", None)
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
            pl = info.get("payload")
            if (a.reject_name and isinstance(pl, dict) and
                    isinstance(pl.get("identifiers"), list) and
                    any(isinstance(i, dict) and i.get("value") == a.reject_name
                        for i in pl["identifiers"])):
                fresh = self.fresh_nonce(st, headers)
                return self.problem(
                    "faultproxy: will not issue for " + a.reject_name +
                    "\nsecond line\x1b[31m red\x07", fresh,
                    ptype="rejectedIdentifier") + ("reject-name", fresh)
            if (a.strip_order_extras and isinstance(pl, dict) and
                    isinstance(pl.get("identifiers"), list)):
                extras = [k for k in ("profile", "replaces") if k in pl]
                if extras:
                    fresh = self.fresh_nonce(st, headers)
                    return self.problem(
                        "faultproxy: unsupported field " + ",".join(extras), fresh,
                        ptype="malformed") + ("unsupported", fresh)
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
        act = "forward"
        if s == 200 and method == "GET":
            self.learn(b)
            if self.ari is not None or self.profiles:
                host = header_of(headers, "host")
                nb = extend_directory(b, "https://" + host if host else
                                      self.origin_of(b), self.profiles,
                                      self.ari is not None)
                if nb is not None:
                    b, act = nb, "dir-extend"
        up_nonce = nonce_of(h)
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

    @staticmethod
    def origin_of(body):
        """scheme://host:port of a directory's newNonce (no Host header: HTTP/1.0)."""
        try:
            u = urllib.parse.urlsplit(json.loads(body)["newNonce"])
            return "%s://%s" % (u.scheme, u.netloc)
        except Exception:
            return ""

    def fresh_nonce(self, st, headers):
        """A nonce fetched from the upstream with HEAD newNonce, or None."""
        if self.nonce_path is None:
            return None
        hdrs = [(k, v) for k, v in headers
                if k.lower() in ("host", "user-agent", "accept-language")]
        try:
            s, _r, h, _b = self.upstream(st, "HEAD", self.nonce_path, hdrs, b"")
        except Exception as e:
            if self.a.verbose:
                print("faultproxy: HEAD newNonce for a proxy answer: %s" % e,
                      file=sys.stderr)
            return None
        return nonce_of(h) if s in (200, 204) else None

    def renewal_info(self):
        """--ari: a RenewalInfo object, the window computed now."""
        now = time.time()
        body = json.dumps({"suggestedWindow": {"start": rfc3339(now + self.ari[0]),
                                               "end": rfc3339(now + self.ari[1])},
                           "explanationURL": "https://example.test/why"}).encode()
        h = [("Content-Type", "application/json"),
             ("Cache-Control", "public, max-age=0, no-cache")]
        if self.a.ari_retry_after is not None:
            h.append(("Retry-After", "%d" % self.a.ari_retry_after))
        return 200, "OK", h, body

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
        chaos = None
        if "chaos" in self.modes:
            with self.lock:
                if self.rng.random() < self.a.chaos_rate:
                    chaos = self.rng.choice(CHAOS)
            if chaos in ("badnonce", "retry-after") and method != "POST":
                chaos = None
            if chaos == "badnonce":
                s, r, h, b = self.problem(
                    "faultproxy: chaos badNonce",
                    base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("="))
                self.send(sock, s, r, h, b, False, close)
                self.log(conn=cid, req=rid, mode=modes, method=esc(method),
                         path=esc(path), status=s, act="chaos:badnonce", t=t_in)
                return not close
            if chaos == "retry-after":
                body = json.dumps({"type": "urn:ietf:params:acme:error:serverInternal",
                                   "detail": "faultproxy: chaos Retry-After",
                                   "status": 503}).encode()
                self.send(sock, 503, "Service Unavailable",
                          [("Content-Type", "application/problem+json"),
                           ("Retry-After", "1")], body, False, close)
                self.log(conn=cid, req=rid, mode=modes, method=esc(method),
                         path=esc(path), status=503, act="chaos:retry-after", t=t_in)
                return not close
        nonce_in = jws_nonce(body) if method == "POST" else None
        info = {"payload": jws_payload(body) if method == "POST" else None}
        prof, repl, idents = order_fields(info["payload"])
        try:
            s, r, h, b, act, up_nonce = self.handle(st, method, path, headers, body,
                                                    info)
        except Exception as e:
            if self.a.verbose:
                print("faultproxy: upstream: %s" % e, file=sys.stderr)
            self.send(sock, 502, "Bad Gateway", [("Content-Type", "text/plain")],
                      b"faultproxy: upstream failed\n", False, True)
            self.log(conn=cid, req=rid, mode=modes, method=esc(method), path=esc(path),
                     status=502, act="upstream-error", cc=esc(hl.get("cache-control")),
                     nonce_in=esc(nonce_in), t=t_in, profile=prof, replaces=repl,
                     identifiers=idents, cert_id=info.get("cert_id", "-"))
            return False
        if chaos is not None:
            self.log(conn=cid, req=rid, mode=modes, method=esc(method),
                     path=esc(path), status=s, act="chaos:" + chaos, t=t_in)
            if chaos == "reset":
                return False
            if chaos == "stall":
                time.sleep(self.a.stall_seconds)
                return False
            if chaos == "truncate":
                out = ("HTTP/1.1 %d %s\r\nContent-Length: %d\r\n\r\n" %
                       (s, r or "Status", len(b))).encode("iso-8859-1")
                sock.sendall(out + b[:len(b) // 2])
                return False
            if chaos == "5xx":
                s, r = 500, "Internal Server Error"
                h = [("Content-Type", "application/problem+json")]
                b = json.dumps({"type": "urn:ietf:params:acme:error:serverInternal",
                                "detail": "faultproxy: chaos 500", "status": 500}).encode()
            if chaos == "garble":
                h = [(k2, "abc$%^" if k2.lower() == "replay-nonce" else v2)
                     for k2, v2 in h]
            self.send(sock, s, r, h, b, method == "HEAD", close)
            return not close
        self.send(sock, s, r, h, b, method == "HEAD", close)
        self.log(conn=cid, req=rid, mode=modes, method=esc(method), path=esc(path),
                 status=s, act=act, cc=esc(hl.get("cache-control")),
                 nonce_in=esc(nonce_in), nonce_out=esc(nonce_of(h)),
                 upstream_nonce=esc(up_nonce), t=t_in,
                 retry_after=esc(header_of(h, "retry-after")), profile=prof,
                 replaces=repl, identifiers=idents, cert_id=info.get("cert_id", "-"))
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


def self_test():
    """Offline checks; prints one line per check, returns the exit status."""
    fails = []

    def check(name, got, want):
        ok = got == want
        print("%s - %s%s" % ("ok" if ok else "not ok", name,
                             "" if ok else ": got %r, want %r" % (got, want)))
        if not ok:
            fails.append(name)

    # RFC 9773 4.1's example.
    aki = bytes.fromhex("69885B6B87464041E1B37B847BA0AE2CDE01C8D4")
    serial = bytes.fromhex("0087654321")
    rfc = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"
    check("cert_id RFC 9773 example", cert_id(aki, serial), rfc)

    # The DER reader, on a skeleton certificate carrying the same values.
    def tlv(tag, content):
        n = len(content)
        k = (n.bit_length() + 7) // 8
        ln = bytes((n,)) if n < 128 else bytes((0x80 | k,)) + n.to_bytes(k, "big")
        return bytes((tag,)) + ln + content
    alg = tlv(0x30, tlv(0x06, bytes.fromhex("2A8648CE3D040302")))   # ecdsa-with-SHA256
    name = tlv(0x30, tlv(0x31, tlv(0x30, tlv(0x06, b"\x55\x04\x03") + tlv(0x0C, b"x"))))
    ext_ski = tlv(0x30, tlv(0x06, b"\x55\x1D\x0E") + tlv(0x04, tlv(0x04, b"\x01" * 20)))
    ext_aki = tlv(0x30, tlv(0x06, OID_AKI) + tlv(0x04, tlv(0x30, tlv(0x80, aki))))
    ext_bc = tlv(0x30, tlv(0x06, b"\x55\x1D\x13") + tlv(0x01, b"\xff") +
                 tlv(0x04, tlv(0x30, b"")))
    tbs = tlv(0x30, tlv(0xA0, tlv(0x02, b"\x02")) + tlv(0x02, serial) + alg + name +
              tlv(0x30, b"x" * 30) + name + tlv(0x30, b"y" * 200) +
              tlv(0xA3, tlv(0x30, ext_bc + ext_ski + ext_aki)))
    der = tlv(0x30, tbs + alg + tlv(0x03, b"\x00" + b"z" * 70))
    check("DER reader: AKI and serial", der_cert_aki_serial(der), (aki, serial))
    try:
        der_cert_aki_serial(der[:-5])
        got = "accepted"
    except ValueError:
        got = "ValueError"
    check("DER reader: truncated certificate refused", got, "ValueError")
    noaki = tlv(0x30, tlv(0x30, tlv(0x02, serial) + alg + name + tlv(0x30, b"")) + alg)
    try:
        der_cert_aki_serial(noaki)
        got = "accepted"
    except ValueError as e:
        got = str(e)
    check("DER reader: no AKI refused", got, "no Authority Key Identifier keyIdentifier")

    # certID syntax.
    check("check_cert_id RFC example", check_cert_id(rfc), None)
    for bad in ("", "aYhba4dGQEHhs3uEe6CuLN4ByNQ", "a.b.c", ".AIdlQyE",
                "aYhba4dGQEHhs3uEe6CuLN4ByNQ.", "aYhb+4dG.AIdlQyE",
                "aYhba4dGQEHhs3uEe6CuLN4ByNQ=.AIdlQyE", "A.AIdlQyE", "aYhb.AIdlQyF",
                "aYhba4dGQEHhs3uEe6CuLN4ByNQ.h2VDIQ", "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AAE",
                "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AA", "aY%3Db.AIdlQyE"):
        check("check_cert_id refuses %r" % bad, check_cert_id(bad) is not None, True)
    check("check_cert_id: serial 00:80 is fine", check_cert_id("AQ.AIA"), None)

    # WINDOW.
    check("window future", parse_window("future"), (86400, 172800))
    check("window past", parse_window("past"), (-172800, -86400))
    check("window -10:-5", parse_window("-10:-5"), (-10, -5))
    for bad in ("soon", "1", "1:x", ""):
        try:
            parse_window(bad)
            got = "accepted"
        except ValueError:
            got = "ValueError"
        check("window refuses %r" % bad, got, "ValueError")
    check("rfc3339", rfc3339(1700000000.9), "2023-11-14T22:13:20Z")

    # Payload fields.
    def jws(payload):
        return json.dumps({"protected": b64url_encode(b'{"nonce":"n1"}'),
                           "payload": payload if isinstance(payload, str)
                           else b64url_encode(json.dumps(payload).encode()),
                           "signature": "AA"}).encode()
    order = {"identifiers": [{"type": "dns", "value": "a.test"},
                             {"type": "dns", "value": "*.b,c.test"}],
             "profile": "shortlived", "replaces": rfc}
    check("order fields", order_fields(jws_payload(jws(order))),
          ("shortlived", rfc, "a.test,%2A.b%2Cc.test"))
    check("order fields, no extras",
          order_fields(jws_payload(jws({"identifiers": [{"type": "dns",
                                                          "value": "a.test"}]}))),
          ("-", "-", "a.test"))
    check("order fields, profile not a string",
          order_fields({"identifiers": [], "profile": 3}),
          ("(not-a-string)", "-", "(empty)"))
    check("POST-as-GET: no fields", order_fields(jws_payload(jws(""))), ("-", "-", "-"))
    check("newAccount: no fields",
          order_fields(jws_payload(jws({"termsOfServiceAgreed": True}))),
          ("-", "-", "-"))
    check("not a JWS: no fields", order_fields(jws_payload(b"junk")), ("-", "-", "-"))

    # Directory rewrite.
    d = {"keyChange": "https://localhost:1/rollover-account-key",
         "meta": {"externalAccountRequired": False, "termsOfService": "data:x"},
         "newAccount": "https://localhost:1/sign-me-up",
         "newNonce": "https://localhost:1/nonce-plz",
         "newOrder": "https://localhost:1/order-plz",
         "revokeCert": "https://localhost:1/revoke-cert"}
    nd = json.loads(extend_directory(json.dumps(d).encode(), "https://localhost:1",
                                     ["classic", "shortlived"], True))
    check("directory: renewalInfo", nd.get("renewalInfo"),
          "https://localhost:1/renewal-info")
    check("directory: profiles", sorted(nd["meta"]["profiles"]), ["classic", "shortlived"])
    check("directory: other fields kept",
          {k: v for k, v in nd.items() if k != "renewalInfo"},
          dict(d, meta=dict(d["meta"], profiles=nd["meta"]["profiles"])))
    del d["meta"]
    nd = json.loads(extend_directory(json.dumps(d).encode(), "https://h:2", ["x"], False))
    check("directory: meta created, no renewalInfo",
          (nd["meta"], "renewalInfo" in nd),
          ({"profiles": {"x": "faultproxy test profile x"}}, False))
    check("not a directory: untouched",
          extend_directory(b'{"status": "valid"}', "https://h:2", ["x"], True), None)
    print("self-test: %d failed" % len(fails) if fails else "self-test: all passed")
    return 1 if fails else 0


def main():
    p = argparse.ArgumentParser(description="test-only HTTPS nonce fault proxy")
    p.add_argument("--upstream", help="https://HOST:PORT of Pebble (required)")
    p.add_argument("--upstream-ca", help="PEM that signed the upstream (required)")
    p.add_argument("--cert", help="listener certificate (PEM) (required)")
    p.add_argument("--key", help="listener key (PEM) (required)")
    p.add_argument("--log", help="one line per request, appended (required)")
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
    p.add_argument("--ari", metavar="WINDOW",
                   help="ARI: renewalInfo in the directory, /renewal-info answered; "
                   "WINDOW future, past or S:E seconds from now (--ari=-10:-5)")
    p.add_argument("--ari-retry-after", type=int, metavar="SECONDS",
                   help="--ari: Retry-After on renewal-info answers")
    p.add_argument("--profiles", metavar="NAME[,NAME...]",
                   help="add meta.profiles with these names to the directory")
    p.add_argument("--reject-name", metavar="NAME",
                   help="a newOrder naming NAME: 400 rejectedIdentifier")
    p.add_argument("--strip-order-extras", action="store_true",
                   help="answer a newOrder carrying profile or replaces with 400 "
                   "malformed \"unsupported field\" (error-path tests)")
    p.add_argument("--chaos-rate", type=float, default=0.1,
                   help="chaos: the share of requests that get a fault")
    p.add_argument("--seed", type=int, default=1, help="chaos: the random seed")
    p.add_argument("--stall-seconds", type=float, default=8.0,
                   help="chaos: how long a stalled answer stays silent")
    p.add_argument("--verbose", action="store_true", help="connection errors to stderr")
    p.add_argument("--cert-id", metavar="FILE",
                   help="print the ARI certID of FILE's first certificate and exit")
    p.add_argument("--self-test", action="store_true",
                   help="run the offline self-checks and exit")
    a = p.parse_args()
    if a.self_test:
        sys.exit(self_test())
    if a.cert_id:
        try:
            print(cert_id_of_file(a.cert_id))
        except (OSError, ValueError) as e:
            sys.exit("faultproxy: --cert-id %s: %s" % (a.cert_id, e))
        return
    missing = [o for o in ("upstream", "upstream_ca", "cert", "key", "log")
               if getattr(a, o) is None]
    if missing:
        p.error("the following arguments are required: " +
                ", ".join("--" + o.replace("_", "-") for o in missing))
    if a.ari is not None:
        try:
            parse_window(a.ari)
        except ValueError as e:
            sys.exit("faultproxy: %s" % e)
    if a.ari_retry_after is not None and (a.ari is None or a.ari_retry_after < 0):
        sys.exit("faultproxy: --ari-retry-after needs --ari and must be >= 0")
    if a.profiles is not None:
        names = [n.strip() for n in a.profiles.split(",")]
        if not all(names) or len(set(names)) != len(names):
            sys.exit("faultproxy: --profiles: empty or repeated name in %r" % a.profiles)
    if not 0.0 <= a.rate <= 1.0:
        sys.exit("faultproxy: --rate must be within 0..1")
    if a.reject_every < 0 or a.cache_seconds < 0:
        sys.exit("faultproxy: --reject-every and --cache-seconds must be >= 0")
    if a.retry_every < 1 or a.retry_seconds < 0:
        sys.exit("faultproxy: --retry-every must be >= 1, --retry-seconds >= 0")
    Proxy(a).run()


if __name__ == "__main__":
    main()
