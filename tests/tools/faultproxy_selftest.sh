#!/bin/sh
# Self-test of tests/tools/faultproxy.py's ACME extensions (ARI, profiles, newOrder
# payload logging, --strip-order-extras) against Debian's Pebble 2.4.
#   sh tests/tools/faultproxy_selftest.sh [BINARY]
# Prints "ok - NAME" / "not ok - NAME: reason" (diagnostics on "# " lines), then
# "faultproxy-selftest: N passed, N failed"; exits 1 if any check failed.  Not part of
# `make test`.  About 10 s; SELFTEST_KEEP=1 keeps the scratch dir.
#
#   offline               faultproxy.py --self-test (certID of the RFC 9773 example,
#                         the DER reader, certID checks, WINDOW, payload fields,
#                         directory rewrite).
#   cert-id-openssl       --cert-id of an openssl-made certificate (serial
#                         0x87654321: the leading 00 must be kept) equals the certID
#                         built from `openssl x509 -ext authorityKeyIdentifier -serial`.
#   dir-extended          proxy --ari future --ari-retry-after 21600 --profiles
#                         classic,shortlived: the directory fetched through it has
#                         renewalInfo = https://localhost:PORT/renewal-info, every URL
#                         on the proxy's origin, meta.profiles = {classic,
#                         shortlived}, Pebble's meta fields kept; logged act=dir-extend.
#   ari-future            GET renewalInfo/<RFC example certID>: 200, application/json,
#                         start = now + 1 day, end = now + 2 days (+-60 s), RFC 3339
#                         "Z", explanationURL, "Retry-After: 21600"; logged act=ari
#                         with cert_id.
#   ari-malformed         "not-a-cert-id", the serial without its leading 00 ("h2VDIQ"),
#                         a third part, and bare /renewal-info: 400, a malformed
#                         problem document; logged act=ari-bad.
#   order-fields          a hand-made ES256 JWS client (openssl signs): newAccount, then
#                         a newOrder with "profile" and "replaces" through the proxy.
#                         What Pebble 2.4 does with them is reported on a "# " line;
#                         the check is that the proxy logged profile=, replaces= and
#                         identifiers= for the newOrder and "-" for newAccount.
#   strip-order-extras    proxy --ari past --strip-order-extras: that newOrder gets
#                         400 malformed "unsupported field profile,replaces" and a
#                         Replay-Nonce which Pebble then accepts for a plain newOrder
#                         (201); only-replaces gets "unsupported field replaces".
#   ari-past, ari-relative  --ari past and --ari=-10:-5 windows; no Retry-After.
#   plain-dir             a proxy without the options leaves the directory alone.
#   issue-through-proxy   (only with BINARY) picoacme issues through the proxy with
#                         the extended directory; --cert-id of the issued certificate
#                         equals openssl's, and renewal-info answers 200 for it.
set -u
LC_ALL=C
export LC_ALL

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/pebble/pebble.sh
. "$ROOT/tests/pebble/pebble.sh"
# shellcheck source=tests/pebble/proxy.sh
. "$ROOT/tests/pebble/proxy.sh"
BIN=${1:-}
case $BIN in "" | /*) ;; *) BIN=$(pwd)/$BIN ;; esac

PASS=0
FAIL=0
W=
RFC_ID=aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE

ok() { echo "ok - $1"; PASS=$((PASS + 1)); }
notok() { echo "not ok - $1: $2"; FAIL=$((FAIL + 1)); }
diag() { [ -s "$1" ] && tail -n "${2:-12}" "$1" | cut -c1-240 | sed 's/^/#   /'; return 0; }
# check NAME CMD...: ok when CMD succeeds; its output becomes diagnostics either way.
check() {
    _n=$1
    shift
    if "$@" >"$W/check.out" 2>&1; then
        ok "$_n"
        sed 's/^/#   /' "$W/check.out"
    else
        notok "$_n" "$(grep -v '^  ' "$W/check.out" | tail -n 1 | cut -c1-200)"
        diag "$W/check.out" 20
    fi
}

# shellcheck disable=SC2317 # called by the EXIT trap
finish() {
    _rc=$?
    proxy_stop
    pebble_stop
    if [ -n "$W" ] && [ -d "$W" ]; then
        if [ "${SELFTEST_KEEP:-0}" = 1 ]; then echo "# kept $W"; else rm -rf "$W"; fi
    fi
    echo "faultproxy-selftest: $PASS passed, $FAIL failed"
    if [ "$FAIL" -gt 0 ]; then exit 1; fi
    exit "$_rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The checks that talk HTTP, in Python (stdlib; openssl signs the JWS).
#   dir URL CA LOG ARI(0|1) PROFILES          the directory through the proxy
#   ari URL CA LOG ID START END RETRY         renewal-info window (seconds from now)
#   bad URL CA LOG                            malformed certIDs get 400
#   order URL CA LOG WORK                     newOrder with profile and replaces
#   strip URL CA LOG WORK                     the same with --strip-order-extras
#   openssl-id PEM                            certID from openssl's text output
py() {
    # shellcheck disable=SC2086 # split on purpose
    env $_PEBBLE_UNSET PYTHONPATH="$HERE" python3 - "$@" <<'PY'
import calendar, http.client, json, ssl, subprocess, sys, time, urllib.parse
import faultproxy as fp

UA = {"User-Agent": "faultproxy-selftest"}


class Fail(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise Fail(msg)


class Conn:
    """Keep-alive HTTPS to the proxy, trusting only its CA."""
    def __init__(self, url, ca):
        u = urllib.parse.urlsplit(url)
        self.origin = "%s://%s" % (u.scheme, u.netloc)
        self.c = http.client.HTTPSConnection(
            u.hostname, u.port, timeout=10,
            context=ssl.create_default_context(cafile=ca))

    def req(self, method, url, body=None, ctype=None):
        u = urllib.parse.urlsplit(url)
        need("%s://%s" % (u.scheme, u.netloc) == self.origin,
             "%s is not on the proxy's origin %s" % (url, self.origin))
        h = dict(UA)
        if ctype:
            h["Content-Type"] = ctype
        self.c.request(method, u.path + ("?" + u.query if u.query else ""),
                       body=body, headers=h)
        r = self.c.getresponse()
        return r.status, r.getheaders(), r.read()


def hdr(h, name):
    for k, v in h:
        if k.lower() == name:
            return v
    return None


def log_lines(path):
    out = []
    with open(path) as f:
        for ln in f:
            out.append(dict(kv.split("=", 1) for kv in ln.split()))
    return out


def log_wait(log, pred, n=1):
    """The lines matching pred once there are n of them: the proxy writes a line
    after it has sent the answer, so the line may lag behind the answer."""
    deadline = time.monotonic() + 3
    while True:
        ls = [l for l in log_lines(log) if pred(l)]
        if len(ls) >= n or time.monotonic() > deadline:
            need(len(ls) >= n, "no log line yet (want %d, have %d)" % (n, len(ls)))
            return ls


def parse3339(s):
    need(len(s) == 20 and s.endswith("Z"), "not RFC 3339 UTC with Z: %r" % s)
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def cmd_dir(url, ca, log, ari, profiles):
    c = Conn(url, ca)
    st, h, b = c.req("GET", url)
    need(st == 200, "directory: status %d" % st)
    d = json.loads(b)
    for k in ("newNonce", "newAccount", "newOrder", "revokeCert", "keyChange"):
        need(isinstance(d.get(k), str) and d[k].startswith(c.origin + "/"),
             "%s %r is not on the proxy's origin %s" % (k, d.get(k), c.origin))
    meta = d.get("meta", {})
    if ari == "1":
        need(d.get("renewalInfo") == c.origin + "/renewal-info",
             "renewalInfo %r, want %s/renewal-info" % (d.get("renewalInfo"), c.origin))
    else:
        need("renewalInfo" not in d, "renewalInfo present: %r" % d.get("renewalInfo"))
    if profiles:
        want = profiles.split(",")
        got = meta.get("profiles")
        need(isinstance(got, dict) and sorted(got) == sorted(want) and
             all(isinstance(v, str) and v for v in got.values()),
             "meta.profiles %r, want the names %s" % (got, want))
        need("termsOfService" in meta and "externalAccountRequired" in meta,
             "Pebble's meta fields lost: %r" % meta)
    else:
        need("profiles" not in meta, "meta.profiles present: %r" % meta)
    act = log_wait(log, lambda l: l["path"] == "/dir")[-1]["act"]
    need(act == ("dir-extend" if ari == "1" or profiles else "forward"),
         "logged act=%s for the directory" % act)
    print("renewalInfo=%s" % d.get("renewalInfo"))
    print("meta=%s" % json.dumps(meta, sort_keys=True))


def cmd_ari(url, ca, log, cid, start, end, retry):
    c = Conn(url, ca)
    st, h, b = c.req("GET", url)
    ri = json.loads(b)["renewalInfo"]
    t0 = time.time()
    st, h, b = c.req("GET", ri + "/" + cid)
    t1 = time.time()
    need(st == 200, "renewal-info: status %d: %r" % (st, b[:200]))
    need(hdr(h, "content-type") == "application/json",
         "Content-Type %r" % hdr(h, "content-type"))
    j = json.loads(b)
    w = j["suggestedWindow"]
    s, e = parse3339(w["start"]), parse3339(w["end"])
    for name, got, off in (("start", s, int(start)), ("end", e, int(end))):
        need(t0 + off - 60 <= got <= t1 + off + 60,
             "%s %s is not now%+d s" % (name, w[name], off))
    need(j.get("explanationURL") == "https://example.test/why",
         "explanationURL %r" % j.get("explanationURL"))
    ra = hdr(h, "retry-after")
    need(ra == (retry or None), "Retry-After %r, want %r" % (ra, retry or None))
    need(hdr(h, "replay-nonce") is None, "a Replay-Nonce on a GET renewal-info")
    l = log_wait(log, lambda l: l["path"] == "/renewal-info/" + cid)[-1]
    need(l["act"] == "ari" and l["cert_id"] == cid and l["status"] == "200",
         "log line: act=%s status=%s cert_id=%s" % (l["act"], l["status"], l["cert_id"]))
    print("GET %s -> %d Retry-After: %s" % (urllib.parse.urlsplit(ri).path + "/" + cid,
                                            st, ra))
    print("body: %s" % b.decode())


def cmd_bad(url, ca, log):
    c = Conn(url, ca)
    st, h, b = c.req("GET", url)
    ri = json.loads(b)["renewalInfo"]
    seen = 0
    for suffix in ("/not-a-cert-id", "/aYhba4dGQEHhs3uEe6CuLN4ByNQ.h2VDIQ",
                   "/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE.AA", ""):
        st, h, b = c.req("GET", ri + suffix)
        need(st == 400, "GET renewal-info%s: status %d, want 400" % (suffix, st))
        need(hdr(h, "content-type") == "application/problem+json",
             "Content-Type %r" % hdr(h, "content-type"))
        p = json.loads(b)
        need(p.get("type") == "urn:ietf:params:acme:error:malformed" and
             p.get("status") == 400, "problem %r" % p)
        seen += 1
        l = log_wait(log, lambda l: l["path"].startswith("/renewal-info"), seen)[-1]
        need(l["act"] == "ari-bad", "logged act=%s" % l["act"])
        print("GET renewal-info%s -> %d %s" % (suffix, st, p["detail"]))


class Acme:
    """Just enough of an ACME client: ES256 account key, openssl signs."""
    def __init__(self, url, ca, work):
        self.c = Conn(url, ca)
        self.key = work + "/acct.key"
        subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-out", self.key], check=True,
                       capture_output=True)
        spki = subprocess.run(["openssl", "pkey", "-in", self.key, "-pubout", "-outform",
                               "DER"], check=True, capture_output=True).stdout
        pt = spki[-65:]
        need(pt[0] == 4, "unexpected SPKI")
        self.jwk = {"crv": "P-256", "kty": "EC", "x": fp.b64url_encode(pt[1:33]),
                    "y": fp.b64url_encode(pt[33:])}
        st, h, b = self.c.req("GET", url)
        self.dir = json.loads(b)
        self.kid = None
        self.nonce = None

    def head_nonce(self):
        st, h, b = self.c.req("HEAD", self.dir["newNonce"])
        self.nonce = hdr(h, "replay-nonce")

    def post(self, url, payload):
        if self.nonce is None:
            self.head_nonce()
        prot = {"alg": "ES256", "nonce": self.nonce, "url": url}
        if self.kid:
            prot["kid"] = self.kid
        else:
            prot["jwk"] = self.jwk
        p64 = fp.b64url_encode(json.dumps(prot).encode())
        b64 = fp.b64url_encode(json.dumps(payload).encode()) if payload is not None else ""
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key],
                             input=(p64 + "." + b64).encode(), check=True,
                             capture_output=True).stdout
        t, s, e = fp.der_tlv(sig, 0, len(sig))
        rs = b"".join(sig[a:z].lstrip(b"\0").rjust(32, b"\0")
                      for _t, a, z in fp.der_children(sig, s, e))
        body = json.dumps({"protected": p64, "payload": b64,
                           "signature": fp.b64url_encode(rs)})
        st, h, b = self.c.req("POST", url, body.encode(), "application/jose+json")
        self.nonce = hdr(h, "replay-nonce")
        return st, h, b

    def account(self):
        st, h, b = self.post(self.dir["newAccount"], {"termsOfServiceAgreed": True})
        need(st in (200, 201), "newAccount: %d %r" % (st, b[:200]))
        self.kid = hdr(h, "location")


ORDER = {"identifiers": [{"type": "dns", "value": "a.selftest.test"},
                         {"type": "dns", "value": "b.selftest.test"}],
         "profile": "shortlived", "replaces": fp.cert_id(
             bytes.fromhex("69885B6B87464041E1B37B847BA0AE2CDE01C8D4"),
             bytes.fromhex("0087654321"))}


def last_post(log, path, n):
    """The nth POST to path (it waits for it)."""
    return log_wait(log, lambda l: l["method"] == "POST" and l["path"] == path, n)[n - 1]


def cmd_order(url, ca, log, work):
    a = Acme(url, ca, work)
    a.account()
    acct = log_wait(log, lambda l: l["method"] == "POST")[0]
    need((acct["profile"], acct["replaces"], acct["identifiers"]) == ("-", "-", "-"),
         "newAccount logged profile=%s replaces=%s identifiers=%s"
         % (acct["profile"], acct["replaces"], acct["identifiers"]))
    st, h, b = a.post(a.dir["newOrder"], ORDER)
    print("Pebble 2.4, newOrder with profile and replaces: %d %s" % (
        st, json.dumps(json.loads(b), sort_keys=True)[:400]))
    if st == 201:
        o = json.loads(b)
        print("the order Pebble returned has profile: %s, replaces: %s" % (
            "profile" in o, "replaces" in o))
    l = last_post(log, urllib.parse.urlsplit(a.dir["newOrder"]).path, 1)
    got = (l["profile"], l["replaces"], l["identifiers"], l["act"])
    want = ("shortlived", ORDER["replaces"], "a.selftest.test,b.selftest.test", "forward")
    need(got == want, "newOrder logged %r, want %r" % (got, want))
    print("log: profile=%s replaces=%s identifiers=%s" % got[:3])


def cmd_strip(url, ca, log, work):
    a = Acme(url, ca, work)
    a.account()
    path = urllib.parse.urlsplit(a.dir["newOrder"]).path
    st, h, b = a.post(a.dir["newOrder"], ORDER)
    p = json.loads(b)
    need(st == 400 and p.get("type") == "urn:ietf:params:acme:error:malformed" and
         "unsupported field profile,replaces" in p.get("detail", ""),
         "newOrder with extras: %d %r" % (st, p))
    n = a.nonce
    need(n, "no Replay-Nonce on the proxy's 400")
    l = last_post(log, path, 1)
    need(l["act"] == "unsupported" and l["upstream_nonce"] == n and l["nonce_out"] == n,
         "log: act=%s upstream_nonce=%s nonce_out=%s" % (l["act"], l["upstream_nonce"],
                                                         l["nonce_out"]))
    print("newOrder with profile and replaces -> %d %s (Replay-Nonce %s)" % (
        st, p["detail"], n))
    st, h, b = a.post(a.dir["newOrder"], {"identifiers": ORDER["identifiers"],
                                          "replaces": ORDER["replaces"]})
    p = json.loads(b)
    need(st == 400 and p.get("detail") == "faultproxy: unsupported field replaces",
         "newOrder with replaces: %d %r" % (st, p))
    print("newOrder with replaces only -> %d %s" % (st, p["detail"]))
    st, h, b = a.post(a.dir["newOrder"], {"identifiers": ORDER["identifiers"]})
    need(st == 201, "plain newOrder with the proxy's nonce: %d %r" % (st, b[:300]))
    l = last_post(log, path, 3)
    need(l["act"] == "forward" and l["profile"] == "-", "log: act=%s profile=%s"
         % (l["act"], l["profile"]))
    print("plain newOrder with that nonce -> %d (Pebble accepted the proxy's nonce)" % st)


def cmd_openssl_id(pem):
    out = subprocess.run(["openssl", "x509", "-in", pem, "-noout", "-ext",
                          "authorityKeyIdentifier", "-serial"], check=True,
                         capture_output=True, text=True).stdout
    aki = serial = None
    for ln in out.splitlines():
        ln = ln.strip()
        if ln.startswith("serial="):
            serial = ln[len("serial="):]
        elif ":" in ln and not ln.startswith("X509v3"):
            aki = ln.split("keyid:")[-1].replace(":", "")
    need(aki and serial, "openssl printed %r" % out)
    serial = ("0" if len(serial) % 2 else "") + serial
    sb = bytes.fromhex(serial)
    if sb[0] & 0x80:
        sb = b"\0" + sb
    print(fp.cert_id(bytes.fromhex(aki), sb))


cmd, args = sys.argv[1], sys.argv[2:]
try:
    {"dir": cmd_dir, "ari": cmd_ari, "bad": cmd_bad, "order": cmd_order,
     "strip": cmd_strip, "openssl-id": cmd_openssl_id}[cmd](*args)
except Fail as e:
    sys.exit("FAIL: %s" % e)
PY
}

# cert_ids_agree PEM: --cert-id and openssl agree; prints the certID.
cert_ids_agree() {
    _a=$(python3 "$PROXY" --cert-id "$1") || return 1
    _b=$(py openssl-id "$1") || return 1
    echo "--cert-id: $_a"
    echo "openssl:   $_b"
    [ "$_a" = "$_b" ] || { echo "FAIL: they differ"; return 1; }
}

W=$(mktemp -d "${TMPDIR:-/tmp}/picoacme-fpself.XXXXXX") || { notok setup mktemp; exit 1; }

check offline python3 "$PROXY" --self-test

# The proxy's own CA and listener certificate (DNS:localhost, with an AKI), as the suites
# make them; serial 0x87654321 so that --cert-id can be checked on it too.
proxy_certs -set_serial 0x87654321 || { notok setup "$REASON"; exit 1; }
check cert-id-openssl cert_ids_agree "$W/proxy.pem"

if ! pebble_start 0; then
    notok pebble "pebble_start 0 failed"
    exit 1
fi

L=$W/a.plog
if ! proxy_start "$L" pass --ari future --ari-retry-after 21600 \
        --profiles classic,shortlived; then
    notok proxy-start "$REASON"
    exit 1
fi
check dir-extended py dir "$PROXY_URL" "$PCA" "$L" 1 classic,shortlived
check ari-future py ari "$PROXY_URL" "$PCA" "$L" "$RFC_ID" 86400 172800 21600
check ari-malformed py bad "$PROXY_URL" "$PCA" "$L"
mkdir -p "$W/order"
check order-fields py order "$PROXY_URL" "$PCA" "$L" "$W/order"

if [ -n "$BIN" ]; then
    _st=$W/issue.state
    # shellcheck disable=SC2086 # split on purpose
    timeout -k 5 60 env $_PEBBLE_UNSET "$BIN" issue --agree-tos --server "$PROXY_URL" \
        --ca-file "$PCA" --state-dir "$_st" --http-port "$PEBBLE_HTTP_PORT" \
        -d issue.selftest.test --verbose </dev/null >"$W/issue.out" 2>"$W/issue.err"
    _rc=$?
    if [ "$_rc" -ne 0 ] || [ ! -s "$_st/cert.pem" ]; then
        notok issue-through-proxy "exit $_rc"
        diag "$W/issue.err"
    elif ! _id=$(python3 "$PROXY" --cert-id "$_st/cert.pem" 2>&1); then
        notok issue-through-proxy "--cert-id: $_id"
    elif ! cert_ids_agree "$_st/cert.pem" >"$W/ids.out" 2>&1; then
        notok issue-through-proxy "certIDs differ"; diag "$W/ids.out"
    elif ! py ari "$PROXY_URL" "$PCA" "$L" "$_id" 86400 172800 21600 >"$W/ari.out" 2>&1; then
        notok issue-through-proxy "renewal-info: $(tail -n 1 "$W/ari.out")"
    elif ! _ol=$(grep ' method=POST .* identifiers=issue\.selftest\.test ' "$L"); then
        notok issue-through-proxy "no POST logged with identifiers=issue.selftest.test"
        diag "$L" 20
    else
        ok issue-through-proxy
        sed 's/^/#   /' "$W/ids.out"
        echo "#   renewal-info/$_id answered 200"
        echo "$_ol" | sed 's/.* \(path=[^ ]*\) .* \(profile=.*\)/#   newOrder: \1 \2/'
    fi
fi

L=$W/b.plog
if proxy_start "$L" pass --ari past --strip-order-extras; then
    check ari-past py ari "$PROXY_URL" "$PCA" "$L" "$RFC_ID" -172800 -86400 ""
    mkdir -p "$W/strip"
    check strip-order-extras py strip "$PROXY_URL" "$PCA" "$L" "$W/strip"
else
    notok ari-past "$REASON"
fi

L=$W/c.plog
if proxy_start "$L" pass --ari=-10:-5; then
    check ari-relative py ari "$PROXY_URL" "$PCA" "$L" "$RFC_ID" -10 -5 ""
else
    notok ari-relative "$REASON"
fi

L=$W/d.plog
if proxy_start "$L" pass; then
    check plain-dir py dir "$PROXY_URL" "$PCA" "$L" 0 ""
else
    notok plain-dir "$REASON"
fi
proxy_stop
