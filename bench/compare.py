#!/usr/bin/env python3
"""make bench, host part: picoacme and the ACME clients Debian packages,
issuing from one local Pebble, in one run.  Stdlib only.

Pebble runs already (tests/pebble/pebble.sh: PEBBLE_DIR_URL, PEBBLE_CA,
PEBBLE_HTTP_PORT and PEBBLE_LOG in the environment).  For each client:

  round 0   one issuance under strace -ff (not timed; also a warm-up):
            TCP connections = connect() calls to Pebble's ACME port;
            code = the bytes of every ELF or Python file the client
            executed or opened (program, shared libraries, modules).
  round 1-N one issuance each, clients interleaved (picoacme, uacme, lego,
            certbot, picoacme, ...), each with fresh state, run by
            bench/rusage.c: wall time, user+sys CPU and peak RSS of the
            child from wait4(); requests = the lines Pebble logs per
            request ("-> calling handler()") during the run.

A client of several processes (uacme: "new", then "issue") sums wall and
CPU and takes the larger peak.  Writes into OUTDIR: host.tsv (one row per
run), host.md (the table: medians with min/max, ratios to picoacme) and
host.dat (gnuplot).
  compare.py OUTDIR RUNS RUSAGE CASHIM PICOACME [CLIENT...]
"""
import http.server
import os
import re
import shutil
import signal
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import urllib.parse

STEP_TIMEOUT = 120
CHART = ["picoacme", "picoacme-static", "uacme", "lego", "certbot"]
# picoacme-static: picoacme linked statically ($BENCH_PICOACME_STATIC;
# left out without it).  uacme-cadir: uacme as Debian's libcurl runs it
# by default, reading every file of /etc/ssl/certs besides Pebble's CA on
# each connection (in the tables, not in the chart).
CLIENTS = ["picoacme", "picoacme-static", "uacme", "lego", "certbot",
           "uacme-cadir"]

HOOK = """#!/bin/sh
# uacme's http-01 hook for make bench: METHOD TYPE IDENT TOKEN AUTH
d="$BENCH_WEBROOT/.well-known/acme-challenge"
case $1 in
begin) [ "$2" = http-01 ] || exit 1
	mkdir -p "$d" && printf '%s' "$5" >"$d/$4" ;;
done|failed) rm -f "$d/$4" ;;
esac
"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    allow_reuse_address = True
    daemon_threads = True


class Webroot:
    """The web server uacme's hook writes for (uacme answers no challenge
    itself); run by this script, so its cost is not uacme's."""

    def __init__(self, port, root):
        def handler(*a, **kw):
            return Quiet(*a, directory=root, **kw)
        self.srv = Server(("127.0.0.1", port), handler)
        self.th = threading.Thread(target=self.srv.serve_forever,
                                   daemon=True)
        self.th.start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def env_base(state):
    env = {k: v for k, v in os.environ.items()
           if not re.match(r"(?i)(.*_proxy|SSL_CERT_.*|REQUESTS_CA_BUNDLE|"
                           r"CURL_CA_BUNDLE|LD_PRELOAD|PEBBLE_.*)$", k)}
    env["HOME"] = state
    return env


def steps(client, cfg, state, name, url):
    """The commands of one issuance, their environment, and whether it
    needs the bench's web server."""
    ca, port = cfg["ca"], cfg["http_port"]
    env = env_base(state)
    if client in ("picoacme", "picoacme-static"):
        exe = cfg["picoacme"] if client == "picoacme" else cfg["static"]
        return [[exe, "issue", "--agree-tos", "--server", url,
                 "--ca-file", ca, "--state-dir", state + "/st",
                 "--http-port", port, "-d", name]], env, False
    if client in ("uacme", "uacme-cadir"):
        env.update(LD_PRELOAD=cfg["cashim"], BENCH_CA=ca,
                   BENCH_WEBROOT=state + "/www")
        if client == "uacme-cadir":    # and Debian's /etc/ssl/certs
            env["BENCH_CAPATH_KEEP"] = "1"
        base = ["uacme", "-a", url, "-c", state + "/uacme", "-t", "EC"]
        return [base + ["-y", "new"],
                base + ["-h", cfg["hook"], "issue", name]], env, True
    if client == "lego":
        env["LEGO_CA_CERTIFICATES"] = ca
        return [["lego", "--server", url, "--accept-tos", "--email",
                 "bench@picoacme.test", "--domains", name, "--http",
                 "--http.port", ":" + port, "--path", state + "/lego",
                 "--key-type", "ec256", "run"]], env, False
    if client == "certbot":
        env["REQUESTS_CA_BUNDLE"] = ca
        return [["certbot", "certonly", "--standalone", "--non-interactive",
                 "--agree-tos", "--register-unsafely-without-email",
                 "--server", url, "--http-01-port", port,
                 "--http-01-address", "127.0.0.1",
                 "--config-dir", state + "/etc", "--work-dir", state + "/lib",
                 "--logs-dir", state + "/log", "--key-type", "ecdsa",
                 "-d", name]], env, False
    raise ValueError(client)


def log_size():
    return os.path.getsize(os.environ["PEBBLE_LOG"])


def requests_since(off):
    with open(os.environ["PEBBLE_LOG"], "rb") as f:
        f.seek(off)
        return sum(1 for line in f if b"-> calling handler()" in line)


def run_step(argv, env, log, prefix=None):
    """Run one command under bench/rusage (or strace); return its
    figures, or None if it failed."""
    fig = log + ".fig"
    cmd = prefix + argv if prefix else [CFG["rusage"], fig] + argv
    with open(log, "ab") as out:
        p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                             stdout=out, stderr=out, start_new_session=True)
        try:
            rc = p.wait(timeout=STEP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            return None
    if rc != 0:
        return None
    if prefix:
        return {}
    with open(fig) as f:
        return {k: int(v) for k, v in
                (kv.split("=") for kv in f.read().split())}


def issue(client, tag, trace=None):
    """One issuance by client with fresh state; its figures or None."""
    state = tempfile.mkdtemp(prefix=client + "-", dir=CFG["work"])
    name = "%s-%s.bench.test" % (tag, client)
    argvs, env, web = steps(client, CFG, state, name, CFG["url"])
    log = os.path.join(CFG["work"], "%s-%s.log" % (client, tag))
    srv = None
    if web:
        os.makedirs(state + "/www")
        srv = Webroot(int(CFG["http_port"]), state + "/www")
    off = log_size()
    tot = {"wall_us": 0, "cpu_us": 0, "maxrss_kb": 0}
    ok = True
    try:
        for argv in argvs:
            prefix = None
            if trace:
                prefix = ["strace", "-ff", "-qq", "-o", trace,
                          "-e", "trace=execve,open,openat,connect"]
            r = run_step(argv, env, log, prefix)
            if r is None:
                ok = False
                break
            if not trace:
                tot["wall_us"] += r["wall_us"]
                tot["cpu_us"] += r["user_us"] + r["sys_us"]
                tot["maxrss_kb"] = max(tot["maxrss_kb"], r["maxrss_kb"])
    finally:
        if srv:
            srv.close()
    tot["requests"] = requests_since(off)
    shutil.rmtree(state, ignore_errors=True)
    if not ok:
        with open(log, errors="replace") as f:
            tail = f.read().splitlines()[-5:]
        print("bench: %s failed (%s):\n  %s" % (client, log,
              "\n  ".join(tail)), file=sys.stderr)
        return None
    return tot


OPEN_RE = re.compile(r'^(?:execve|open|openat)\((?:AT_FDCWD, )?"([^"]+)".*'
                     r'= (\d+)')
CONN_RE = re.compile(r'^connect\(.*sin_port=htons\((\d+)\)')


def traced(client):
    """Round 0 under strace: (connections to Pebble, code bytes, files)."""
    if not CFG["strace"]:          # no ptrace here: a plain warm-up
        return None if issue(client, "r0") is None else (None, None, 0)
    d = tempfile.mkdtemp(prefix="strace-" + client + "-", dir=CFG["work"])
    if issue(client, "r0", trace=d + "/t") is None:
        return None
    acme_port = urllib.parse.urlsplit(CFG["url"]).port
    conns, files = 0, set()
    for fn in os.listdir(d):
        with open(os.path.join(d, fn), errors="replace") as f:
            for line in f:
                m = CONN_RE.match(line)
                if m and int(m.group(1)) == acme_port:
                    conns += 1
                m = OPEN_RE.match(line)
                if m:
                    files.add(os.path.realpath(m.group(1)))
    code, n = 0, 0
    for p in sorted(files):
        if p.startswith(CFG["work"]) or p == CFG["cashim"] or \
                not os.path.isfile(p):
            continue
        with open(p, "rb") as f:
            elf = f.read(4) == b"\x7fELF"
        if elf or p.endswith((".py", ".pyc")):
            code += os.path.getsize(p)
            n += 1
    shutil.rmtree(d, ignore_errors=True)
    return conns, code, n


def fmt(vals, scale, digits):
    med = statistics.median(vals) / scale
    return "%.*f (%.*f-%.*f)" % (digits, med, digits, min(vals) / scale,
                                 digits, max(vals) / scale)


def main():
    global CFG
    out, runs, rusage, cashim, pico = sys.argv[1:6]
    clients = sys.argv[6:] or CLIENTS
    work = tempfile.mkdtemp(prefix="picoacme-bench.")
    CFG = dict(work=work, rusage=os.path.abspath(rusage),
               cashim=os.path.abspath(cashim), picoacme=os.path.abspath(pico),
               hook=os.path.join(work, "uacme-hook.sh"),
               url=os.environ["PEBBLE_DIR_URL"], ca=os.environ["PEBBLE_CA"],
               http_port=os.environ["PEBBLE_HTTP_PORT"],
               static=os.environ.get("BENCH_PICOACME_STATIC", ""))
    if CFG["static"]:
        CFG["static"] = os.path.abspath(CFG["static"])
    CFG["strace"] = shutil.which("strace") is not None and \
        subprocess.run(["strace", "-qq", "-o", os.devnull, "true"],
                       stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL).returncode == 0
    with open(CFG["hook"], "w") as f:
        f.write(HOOK)
    os.chmod(CFG["hook"], 0o755)
    notes = []
    avail = []
    broken = []
    if not CFG["strace"]:
        notes.append("strace cannot trace here: TCP connections and code "
                     "not measured")
    for c in clients:
        if c not in CLIENTS:
            sys.exit("bench: unknown client " + c)
        if c == "picoacme-static":
            if not CFG["static"]:
                continue
            exe = CFG["static"]
        elif c == "picoacme":
            exe = CFG["picoacme"]
        else:
            exe = shutil.which(c.split("-")[0])
        if not exe:
            notes.append("%s: not installed, left out" % c)
            continue
        avail.append(c)
    static = {}
    for c in list(avail):
        t = traced(c)
        if t is None:
            notes.append("%s: its first issuance failed, left out" % c)
            broken.append(c)
            avail.remove(c)
            continue
        static[c] = t
    res = {c: [] for c in avail}
    fails = {c: 0 for c in avail}
    with open(os.path.join(out, "host.tsv"), "w") as tsv:
        tsv.write("client\tround\twall_us\tcpu_us\tmaxrss_kb\trequests\n")
        for i in range(1, int(runs) + 1):
            for c in avail:
                r = issue(c, "r%d" % i)
                if r is None:
                    fails[c] += 1
                    continue
                res[c].append(r)
                tsv.write("%s\t%d\t%d\t%d\t%d\t%d\n" % (
                    c, i, r["wall_us"], r["cpu_us"], r["maxrss_kb"],
                    r["requests"]))
    shutil.rmtree(work, ignore_errors=True)

    rows, dat = [], ["# client wall_ms cpu_ms rss_mb wall_min wall_max "
                     "cpu_min cpu_max rss_min rss_max code_mb"]
    med = {}
    for c in avail:
        v = res[c]
        if not v:
            notes.append("%s: every timed issuance failed" % c)
            broken.append(c)
            continue
        col = {k: [r[k] for r in v] for k in v[0]}
        med[c] = {k: statistics.median(x) for k, x in col.items()}
        conns, code, nfiles = static[c]
        w = col["wall_us"]
        if max(w) > 5 * min(w):     # two modes: say how many were fast
            cut = (min(w) * max(w)) ** 0.5
            notes.append("%s: wall time in two modes, %d of %d runs under "
                         "%.0f ms" % (c, sum(1 for x in w if x < cut),
                                      len(w), cut / 1e3))
        rows.append((c, len(v), fails[c], col, conns, code, nfiles))
        if c in CHART:
            dat.append("%s %.1f %.1f %.2f %.1f %.1f %.1f %.1f %.2f %.2f "
                       "%.2f" % (
                c, med[c]["wall_us"] / 1e3, med[c]["cpu_us"] / 1e3,
                med[c]["maxrss_kb"] / 1024,
                min(col["wall_us"]) / 1e3, max(col["wall_us"]) / 1e3,
                min(col["cpu_us"]) / 1e3, max(col["cpu_us"]) / 1e3,
                min(col["maxrss_kb"]) / 1024, max(col["maxrss_kb"]) / 1024,
                code / 1e6 if code is not None else float("nan")))
    with open(os.path.join(out, "host.dat"), "w") as f:
        f.write("\n".join(dat) + "\n")

    base = med.get("picoacme")

    def ratio(c, k):
        if not base or not base[k]:
            return "-"
        return "%.1f" % (med[c][k] / base[k])

    md = ["| client | issued | requests | TCP conns | wall ms | CPU ms "
          "(user+sys) | peak RSS MB | code MB (files) |",
          "|---|---|---|---|---|---|---|---|"]
    for c, n, nf, col, conns, code, nfiles in rows:
        md.append("| %s | %d/%d | %s | %s | %s | %s | %s | %s |" % (
            c, n, n + nf, fmt(col["requests"], 1, 0),
            "-" if conns is None else conns,
            fmt(col["wall_us"], 1e3, 0), fmt(col["cpu_us"], 1e3, 1),
            fmt(col["maxrss_kb"], 1024, 1),
            "-" if code is None else "%.2f (%d)" % (code / 1e6, nfiles)))
    md += ["", "Ratios to picoacme (median over median; above 1: picoacme "
           "uses less):", "",
           "| client | requests | wall | CPU | peak RSS | code |",
           "|---|---|---|---|---|---|"]
    pc = static.get("picoacme")
    for c, n, nf, col, conns, code, nfiles in rows:
        md.append("| %s | %s | %s | %s | %s | %s |" % (
            c, ratio(c, "requests"), ratio(c, "wall_us"), ratio(c, "cpu_us"),
            ratio(c, "maxrss_kb"),
            "%.1f" % (code / pc[1]) if pc and pc[1] and code else "-"))
    if notes:
        md += [""] + ["Note: " + n + "." for n in notes]
    with open(os.path.join(out, "host.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
    # picoacme must issue; with BENCH_STRICT=1 (make bench-smoke) every
    # installed client must, so that a broken set-up does not go unseen.
    if "picoacme" in clients and "picoacme" not in med:
        return 1
    if os.environ.get("BENCH_STRICT") == "1" and broken:
        return 1
    return 0 if med else 1


if __name__ == "__main__":
    sys.exit(main())
