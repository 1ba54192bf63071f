#!/bin/sh
# Integration tests: picoacme against Pebble on loopback with real http-01 validation.
#   sh tests/pebble/run.sh BINARY
# Prints "ok - NAME" / "not ok - NAME: reason" per test (diagnostics on "# " lines), then
# "integration: N passed, N failed"; exits non-zero if any test failed.
# PEBBLE_KEEP=1 keeps Pebble's work dir (logs, CLI state dirs) for a look afterwards.
#
# The cases (Pebble at 5 % nonce rejection, real http-01 validation):
#   new-account           issued into a fresh state dir; account.key, account.url stored,
#                         cert.key and account.key mode 0600.
#   existing-account      the same state dir again: account kept, no new account made.
#   two-names             one order for two names.
#   nonce-reject-5pct-10-runs  10 issuances in a row, fresh state dirs.
#   failure-refused-name  a name that is not a DNS name ('_'): refused by picoacme
#                         itself before any request (exit 11, one stderr line naming it,
#                         Pebble's log unchanged).  Pebble 2.4 accepts every name that
#                         passes that check (single labels, .invalid, .local, xn--):
#                         the CA's refusal (rejectedIdentifier, exit 31) is tested in
#                         tests/cli.sh through faultproxy --reject-name.
#   failure-unreachable-server  nothing listens: one stderr line, non-zero exit.
#   wrong-ca-file         a CA file that did not sign Pebble's certificate: refused.
#   http01-probe-refused  while an issuance validates, a prober asks the responder for a
#                         random token, /.well-known/acme-challenge/../../etc/passwd and
#                         /, every 15 ms: every answer is 404 (400 for malformed), none
#                         is 200 or carries the account's key authorization, at least one
#                         answer came, and the issuance succeeds.
#   http01-idle-3, http01-idle-6  3 (6) connections to the responder that send nothing,
#                         held (and reopened when closed) from before the issuance on,
#                         all open before Pebble's validator connects (its DNS waits for
#                         them): issued, Pebble validated the challenge, in under 4 s (the
#                         responder must not serve one connection at a time, 5 s each).
#   terms-of-service      without --agree-tos on a fresh state dir: exit 2, one stderr
#                         line naming Pebble's terms URL (meta.termsOfService), no
#                         account.url; then with --agree-tos the same state dir issues.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/pebble/pebble.sh
. "$HERE/pebble.sh"

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: sh tests/pebble/run.sh BINARY" >&2
    exit 2
fi
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac

CLI_TIMEOUT=${PICOACME_CLI_TIMEOUT:-60}   # every CLI run (seconds)
FAIL_TIMEOUT=30     # failure paths must end within this
IDLE_TIMEOUT=20     # http01-idle-*: a stalled responder fails by then (Pebble gives up at ~10 s)
PASS=0
FAIL=0
T=                  # scratch dir for this suite (inside PEBBLE_WORK)
HELPER_PID=         # the background prober / idle-connection holder
DNS_STOPPED=        # pid of pebble-challtestsrv while an http01-idle case stops it

ok() { echo "ok - $1"; PASS=$((PASS + 1)); }
notok() { echo "not ok - $1: $2"; FAIL=$((FAIL + 1)); }
# Up to 8 lines of a file as diagnostics.
diag() { [ -s "$1" ] && tail -n 8 "$1" | sed 's/^/#   /'; return 0; }

# shellcheck disable=SC2317 # called by the EXIT trap
finish() {
    _rc=$?
    if [ -n "$HELPER_PID" ]; then
        kill -TERM "$HELPER_PID" 2>/dev/null
        wait "$HELPER_PID" 2>/dev/null
    fi
    dns_resume
    if [ "$FAIL" -gt 0 ] && [ -n "${PEBBLE_LOG:-}" ] && [ -s "$PEBBLE_LOG" ]; then
        echo "# last lines of Pebble's log:"
        diag "$PEBBLE_LOG"
    fi
    pebble_stop
    case $_rc in 130 | 143) echo "# interrupted" ;; esac
    echo "integration: $PASS passed, $FAIL failed"
    if [ "$FAIL" -gt 0 ]; then exit 1; fi
    exit "$_rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run_cli SECONDS OUT ARGS... : runs BINARY ARGS with a clean environment; stdout to
# OUT.out, stderr to OUT.err, exit status in RC, wall time in ELAPSED_MS.
run_cli() {
    _secs=$1 _out=$2
    shift 2
    _t0=$(date +%s%N)
    # shellcheck disable=SC2086 # split on purpose
    timeout -k 5 "$_secs" env $_PEBBLE_UNSET "$BIN" "$@" </dev/null >"$_out.out" 2>"$_out.err"
    RC=$?
    ELAPSED_MS=$((($(date +%s%N) - _t0) / 1000000))
}

# cli_broken OUT: sets REASON and succeeds when the run did not really happen (binary
# missing, killed by the timeout, crashed, sanitizer report).
cli_broken() {
    case $RC in
    124 | 137) REASON="timed out"; return 0 ;;
    126 | 127) REASON="cannot run $BIN (exit $RC)"; return 0 ;;
    esac
    if [ "$RC" -gt 128 ]; then REASON="killed by signal $((RC - 128))"; return 0; fi
    if grep -q -e 'Sanitizer' -e 'runtime error:' "$1.err" 2>/dev/null; then
        REASON="sanitizer report on stderr"
        return 0
    fi
    return 1
}

first_err() { head -n 1 "$1.err" 2>/dev/null | cut -c1-200; }

# err_line OUT: the CLI's error line from a --verbose run (the last line that is not a
# request or counters log line).
err_line() {
    _e=$(grep -v -E '^picoacme: ([A-Z]+ [a-z]+://|counters:)' "$1.err" 2>/dev/null |
        tail -n 1 | cut -c1-200)
    if [ -n "$_e" ]; then echo "$_e"
    elif [ -s "$1.err" ]; then echo "no error line on stderr, only the request log"
    else echo "nothing on stderr"; fi
}

# issue OUT STATEDIR NAME... : a verbose issuance that should succeed.  Sets REASON.
issue() { issue_within "$CLI_TIMEOUT" "$@"; }

# issue_within SECONDS OUT STATEDIR NAME... : the same, killed after SECONDS.
issue_within() {
    _tmo=$1 _o=$2 _s=$3
    shift 3
    _args=
    for _n in "$@"; do _args="$_args -d $_n"; done
    # shellcheck disable=SC2086 # names contain no spaces
    run_cli "$_tmo" "$_o" issue --agree-tos --server  "$PEBBLE_DIR_URL" --ca-file "$PEBBLE_CA" \
        --state-dir "$_s" --http-port "$PEBBLE_HTTP_PORT" $_args --verbose
    if cli_broken "$_o"; then return 1; fi
    if [ "$RC" -ne 0 ]; then REASON="exit $RC: $(err_line "$_o")"; return 1; fi
    return 0
}

# sans PEM: the leaf's DNS SANs, sorted, space separated.
sans() {
    openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null |
        sed -n '2,$p' | tr ',' '\n' | sed 's/^ *//; s/ *$//' | grep -v '^$' | sort | tr '\n' ' ' |
        sed 's/ $//'
}


# check_issued STATEDIR NAME... : cert.pem/cert.key are right for exactly these names.
check_issued() {
    _d=$1
    shift
    [ -s "$_d/cert.pem" ] || { REASON="no cert.pem"; return 1; }
    [ -s "$_d/cert.key" ] || { REASON="no cert.key"; return 1; }
    pebble_key_matches "$_d/cert.pem" "$_d/cert.key" || { REASON="cert.key does not match cert.pem"; return 1; }
    _m=$(stat -L -c %a "$_d/cert.key")   # -L: cert.key may be a link (live/)
    [ "$_m" = 600 ] || { REASON="cert.key has mode $_m, want 600"; return 1; }
    _want=$(for _n in "$@"; do echo "DNS:$_n"; done | sort | tr '\n' ' ' | sed 's/ $//')
    _got=$(sans "$_d/cert.pem")
    [ "$_got" = "$_want" ] || { REASON="SANs are '$_got', want '$_want'"; return 1; }
    mkdir -p "$T/chk"
    pebble_verify_chain "$_d/cert.pem" "$T/root.pem" "$T/chk" || return 1
    return 0
}

# stderr_lines OUT: number of lines on stderr (a last line without newline counts).
stderr_lines() { awk 'END { print NR }' "$1.err"; }

# expect_failure NAME OUT STATEDIR: a run that must fail cleanly.
expect_failure() {
    if cli_broken "$2"; then notok "$1" "$REASON"; diag "$2.err"; return; fi
    if [ "$RC" -eq 0 ]; then notok "$1" "exit 0, want failure"; return; fi
    if [ -e "$3/cert.pem" ]; then notok "$1" "cert.pem written"; return; fi
    _k=$(stderr_lines "$2")
    if [ "$_k" -ne 1 ] || [ -z "$(first_err "$2")" ]; then
        notok "$1" "exit $RC but $_k lines on stderr, want exactly one"
        diag "$2.err"
        return
    fi
    ok "$1"
    echo "#   exit $RC: $(first_err "$2")"
}

# The background helper of the http01-* cases (python3, stdlib only), written to
# $T/h01.py by h01_helper_write.  Subcommands:
#   probe PORT SECS LOG CTL   until CTL.stop exists (at most SECS): every 15 ms, one
#       connection each for GET of a random token, of ../../etc/passwd under the
#       challenge prefix, and of /; one log line per attempt:
#       "t=MS kind=K status=S body=B" (status "none" when the connection gave no
#       status line; B percent-escaped, "(empty)" when empty).
#   idle PORT N PID SECS LOG CTL  until CTL.stop exists (at most SECS): keep N
#       connections open that send nothing, retrying every 0.2 ms while fewer are open
#       (the port listens only while the client validates); a connection the server
#       closes is logged and reopened.  PID (0: none) is a process stopped with
#       SIGSTOP: it gets SIGCONT once N are open (line "resumed held=N"), or after 5 s,
#       or at the end.  Last line: "summary opened=N closed=N max_held=N".
#   thumb DER                 the RFC 7638 thumbprint of a P-256 public key (DER SPKI).
# Both loops write CTL.ready once running.
h01_helper_write() {
    cat >"$T/h01.py" <<'PY'
import base64, hashlib, os, secrets, select, signal, socket, sys, time

def now_ms():
    return int(time.time() * 1000)

def esc(b):
    if not b:
        return "(empty)"
    ok = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./"
    return "".join(chr(c) if c in ok else "%%%02X" % c for c in b[:300])

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == "thumb":
    q = open(a[0], "rb").read()[-65:]
    if len(q) != 65 or q[0] != 4:
        sys.exit("not an uncompressed P-256 point")
    jwk = '{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}' % (b64u(q[1:33]), b64u(q[33:]))
    print(b64u(hashlib.sha256(jwk.encode()).digest()))
    sys.exit(0)

port, ctl = int(a[0]), a[-1]
log = open(a[-2], "w", buffering=1)
deadline = time.monotonic() + float(a[-3])
open(ctl + ".ready", "w").close()

def running():
    return time.monotonic() < deadline and not os.path.exists(ctl + ".stop")

if cmd == "probe":
    reqs = (("token", "/.well-known/acme-challenge/" + b64u(secrets.token_bytes(32))),
            ("dotdot", "/.well-known/acme-challenge/../../etc/passwd"),
            ("root", "/"))
    while running():
        for kind, path in reqs:
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=0.5)
            except OSError:
                break                         # not listening (yet, or any more)
            data = b""
            try:
                s.settimeout(2.0)
                s.sendall(("GET %s HTTP/1.1\r\nHost: probe.picoacme.test\r\n"
                           "Connection: close\r\n\r\n" % path).encode())
                while len(data) < 65536:
                    d = s.recv(4096)
                    if not d:
                        break
                    data += d
            except OSError:
                pass                          # reset or timeout: what came counts
            finally:
                s.close()
            line, _, rest = data.partition(b"\r\n")
            f = line.split(b" ")
            st = f[1].decode("ascii", "replace") if len(f) >= 2 and \
                f[0].startswith(b"HTTP/1.") else "none"
            body = rest.partition(b"\r\n\r\n")[2]
            log.write("t=%d kind=%s status=%s body=%s\n" % (now_ms(), kind, st, esc(body)))
        time.sleep(0.015)
elif cmd == "idle":
    n, stopped = int(a[1]), int(a[2])
    held, opened, closed, most = [], 0, 0, 0
    resume_by = time.monotonic() + 5.0

    def resume():
        global stopped
        if stopped:
            try:
                os.kill(stopped, signal.SIGCONT)
            except OSError:
                pass
            log.write("t=%d resumed held=%d\n" % (now_ms(), len(held)))
            stopped = 0
    while running():
        while len(held) < n:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(0.2)
            try:
                s.connect(("127.0.0.1", port))
            except OSError:
                s.close()
                break
            held.append((s, time.monotonic()))
            opened += 1
            log.write("t=%d connected held=%d\n" % (now_ms(), len(held)))
        most = max(most, len(held))
        if len(held) >= n or time.monotonic() > resume_by:
            resume()
        # Fast while fewer than n are open: Pebble's validator connects 4-7 ms
        # after the port opens, and the idle connections must be there first.
        wait = 0.0002 if len(held) < n else 0.005
        if not held:
            time.sleep(wait)
            continue
        r = select.select([s for s, _ in held], [], [], wait)[0]
        for s in r:
            try:
                d = s.recv(4096)
            except OSError:
                d = b""
            t0 = [t for x, t in held if x is s][0]
            held = [(x, t) for x, t in held if x is not s]
            s.close()
            closed += 1
            log.write("t=%d closed-by-server after=%dms data=%s\n"
                      % (now_ms(), (time.monotonic() - t0) * 1000, esc(d)))
    resume()
    for s, _ in held:
        s.close()
    log.write("summary opened=%d closed=%d max_held=%d\n" % (opened, closed, most))
else:
    sys.exit("unknown subcommand " + cmd)
PY
}

# helper_start KIND CTL ARGS... : the helper in the background (bounded by timeout),
# HELPER_PID set; fails unless it is running within 5 s.
helper_start() {
    _k=$1 _c=$2
    shift 2
    rm -f "$_c.ready" "$_c.stop"
    timeout -k 2 45 python3 "$T/h01.py" "$_k" "$@" "$_c" </dev/null >/dev/null 2>"$_c.stderr" &
    HELPER_PID=$!
    _i=0
    while [ ! -e "$_c.ready" ] && [ "$_i" -lt 50 ]; do
        kill -0 "$HELPER_PID" 2>/dev/null || break
        sleep 0.1
        _i=$((_i + 1))
    done
    [ -e "$_c.ready" ] && return 0
    REASON="the $_k helper did not start: $(head -n 2 "$_c.stderr" | tr '\n' ' ')"
    helper_stop "$_c"
    return 1
}

# dns_resume: continue pebble-challtestsrv if a case stopped it (safe to call twice).
dns_resume() {
    if [ -n "$DNS_STOPPED" ]; then
        kill -CONT "$DNS_STOPPED" 2>/dev/null
        DNS_STOPPED=
    fi
}

# helper_stop CTL: ask the helper to end, wait for it (bounded by its timeout).
helper_stop() {
    : >"$1.stop"
    if [ -n "$HELPER_PID" ]; then
        wait "$HELPER_PID" 2>/dev/null
        HELPER_PID=
    fi
}

# validated OUT: Pebble's log says it validated a challenge this run POSTed.
validated() {
    sed -n 's/.* set VALID by completed challenge \([A-Za-z0-9_-]*\).*/\1/p' "$PEBBLE_LOG" | {
        while read -r _c; do
            grep -q "^picoacme: POST https://[^ ]*/$_c -> 2" "$1.err" && exit 0
        done
        exit 1
    }
}

# counter OUT NAME: a value from the "picoacme: counters:" line ("" when missing).
counter() {
    sed -n "s/^picoacme: counters:.* $2=\([0-9][0-9]*\).*/\1/p" "$1.err" | tail -n 1
}

# ---------------------------------------------------------------------------------------

if [ ! -f "$BIN" ] || [ ! -x "$BIN" ]; then
    notok "binary" "$BIN is missing or not executable"
fi

if ! pebble_start 5; then
    notok "pebble" "pebble_start failed"
    exit 1
fi
T=$PEBBLE_WORK/t
mkdir -p "$T"
if ! pebble_root "$T/root.pem"; then
    notok "pebble" "cannot fetch Pebble's root from $PEBBLE_MGMT/roots/0"
    exit 1
fi
NEWACCT=$(pebble_dir_field newAccount) || { notok "pebble" "no newAccount in directory"; exit 1; }

# a. new account ------------------------------------------------------------------------
N=new-account
S=$T/state-a
if ! issue "$T/a" "$S" a1.picoacme.test; then
    notok "$N" "$REASON"; diag "$T/a.err"
elif ! check_issued "$S" a1.picoacme.test; then
    notok "$N" "$REASON"; diag "$T/a.err"
elif [ ! -s "$S/account.key" ] || [ ! -s "$S/account.url" ]; then
    notok "$N" "account.key or account.url missing"
elif [ "$(stat -c %a "$S/account.key")" != 600 ]; then
    notok "$N" "account.key has mode $(stat -c %a "$S/account.key"), want 600"
else
    ok "$N"
fi

# b. existing account: same state dir, no new account ------------------------------------
N=existing-account
cp "$S/account.key" "$T/b-account.key" 2>/dev/null
cp "$S/account.url" "$T/b-account.url" 2>/dev/null
if [ ! -s "$T/b-account.key" ] || [ ! -s "$T/b-account.url" ]; then
    notok "$N" "no account from new-account to reuse"
elif ! issue "$T/b" "$S" a2.picoacme.test; then
    notok "$N" "$REASON"; diag "$T/b.err"
elif ! cmp -s "$S/account.key" "$T/b-account.key"; then
    notok "$N" "account.key changed"
elif ! cmp -s "$S/account.url" "$T/b-account.url"; then
    notok "$N" "account.url changed: $(cat "$S/account.url")"
elif ! check_issued "$S" a2.picoacme.test; then
    notok "$N" "$REASON"
elif ! grep -q '^picoacme: POST https://[^ ]* -> [0-9][0-9]*' "$T/b.err"; then
    # Without request lines the newAccount check below would pass vacuously.
    notok "$N" "--verbose log has no 'picoacme: POST URL -> STATUS' lines"; diag "$T/b.err"
elif ! grep -q '^picoacme: counters: requests=' "$T/b.err"; then
    notok "$N" "--verbose log has no 'picoacme: counters:' line"; diag "$T/b.err"
else
    _bad=$(grep -F "POST $NEWACCT -> " "$T/b.err" | grep -v -e ' -> 200$' -e ' -> 400$' |
        head -n 1)
    # 400 is allowed only as a badNonce retry (Pebble rejects 5 % of nonces); a 201
    # would mean a new account was created.
    if [ -n "$_bad" ]; then
        notok "$N" "second run created an account: $_bad"
    elif grep -q -F "POST $NEWACCT -> 200" "$T/b.err"; then
        ok "$N"
        echo "#   (the CLI confirmed its account with newAccount -> 200)"
    else
        ok "$N"
    fi
fi

# c. two names in one order --------------------------------------------------------------
N=two-names
S=$T/state-c
if ! issue "$T/c" "$S" a.picoacme.test b.picoacme.test; then
    notok "$N" "$REASON"; diag "$T/c.err"
elif ! check_issued "$S" a.picoacme.test b.picoacme.test; then
    notok "$N" "$REASON"
else
    ok "$N"
fi

# d. 5 % nonce rejection: 10 issuances in a row, fresh state dirs ---------------------------
N=nonce-reject-5pct-10-runs
_good=0 _why='' _retries=0 _diag=/dev/null
for _i in 1 2 3 4 5 6 7 8 9 10; do
    S=$T/state-d$_i
    # Stop at the first failure: "in a row" is already lost, and a hanging CLI would
    # otherwise cost 10 timeouts.
    if ! issue "$T/d$_i" "$S" "d$_i.picoacme.test"; then
        _why="run $_i: $REASON"
        _diag=$T/d$_i.err
        break
    fi
    if ! check_issued "$S" "d$_i.picoacme.test"; then
        _why="run $_i: $REASON"
        break
    fi
    _good=$((_good + 1))
    _r=$(sed -n 's/^picoacme: counters:.* badnonce_retries=\([0-9][0-9]*\).*/\1/p' "$T/d$_i.err" |
        tail -n 1)
    _retries=$((_retries + ${_r:-0}))
done
if [ "$_good" -eq 10 ]; then
    ok "$N"
    echo "#   badNonce retries over the 10 runs: $_retries"
else
    notok "$N" "$_good succeeded, then $_why"
    diag "$_diag"
fi

# e. failure paths: one line on stderr, non-zero exit, within 30 s ------------------------
N=failure-refused-name
S=$T/state-e1
_before=$(wc -l <"$PEBBLE_LOG")
run_cli "$FAIL_TIMEOUT" "$T/e1" issue --agree-tos --server  "$PEBBLE_DIR_URL" --ca-file "$PEBBLE_CA" \
    --state-dir "$S" --http-port "$PEBBLE_HTTP_PORT" -d 'bad_name.picoacme.test'
_after=$(wc -l <"$PEBBLE_LOG")
if [ "$RC" -ne 11 ] || ! grep -q "bad_name.picoacme.test: a character other than" "$T/e1.err"; then
    notok "$N" "exit $RC, want 11 naming the name and the reason"
    diag "$T/e1.err"
elif [ "$_after" -ne "$_before" ]; then
    notok "$N" "Pebble's log grew by $((_after - _before)) lines: a request was sent"
else
    expect_failure "$N" "$T/e1" "$S"
fi

N=failure-unreachable-server
S=$T/state-e2
_closed=$(pebble_free_ports 1)   # nothing listens there
run_cli "$FAIL_TIMEOUT" "$T/e2" issue --agree-tos --server  "https://127.0.0.1:$_closed/dir" \
    --ca-file "$PEBBLE_CA" --state-dir "$S" --http-port "$PEBBLE_HTTP_PORT" -d e2.picoacme.test
expect_failure "$N" "$T/e2" "$S"

# f. a CA file that did not sign Pebble's certificate --------------------------------------
N=wrong-ca-file
S=$T/state-f
if ! openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$T/wrong-ca.key" -out "$T/wrong-ca.pem" -days 2 \
        -subj "/CN=not Pebble's CA" 2>/dev/null; then
    notok "$N" "openssl could not make a CA"
else
    run_cli "$FAIL_TIMEOUT" "$T/f" issue --agree-tos --server  "$PEBBLE_DIR_URL" --ca-file "$T/wrong-ca.pem" \
        --state-dir "$S" --http-port "$PEBBLE_HTTP_PORT" -d f.picoacme.test
    expect_failure "$N" "$T/f" "$S"
fi

# g-i. the http-01 responder under stray clients, and the terms of service ------------
h01_helper_write

N=http01-probe-refused
S=$T/state-g
C=$T/g-ctl
if ! helper_start probe "$C" "$PEBBLE_HTTP_PORT" 40 "$T/g.probe"; then
    notok "$N" "$REASON"
else
    issue "$T/g" "$S" g.picoacme.test
    _issued=$?
    helper_stop "$C"
    _thumb=
    if openssl pkey -in "$S/account.key" -pubout -outform DER -out "$T/g-pub.der" 2>/dev/null; then
        _thumb=$(python3 "$T/h01.py" thumb "$T/g-pub.der")
    fi
    _tries=$(awk 'END { print NR }' "$T/g.probe")
    _ans=$(grep -c -v ' status=none ' "$T/g.probe")
    _bad=$(grep -v -E ' status=(none|404|400) ' "$T/g.probe" | head -n 1)
    if [ "$_issued" -ne 0 ]; then
        notok "$N" "$REASON"; diag "$T/g.err"
    elif ! check_issued "$S" g.picoacme.test; then
        notok "$N" "$REASON"
    elif [ -z "$_thumb" ]; then
        notok "$N" "cannot compute the account key's thumbprint"
    elif [ -n "$_bad" ]; then
        notok "$N" "the responder answered a prober: $_bad"
    elif grep -q -F "$_thumb" "$T/g.probe"; then
        notok "$N" "a refused answer carried the key authorization: $(grep -F "$_thumb" "$T/g.probe" | head -n 1)"
    elif [ "$_ans" -lt 1 ]; then
        notok "$N" "no answer on $_tries connections while the responder listened: the probe proved nothing"
    else
        ok "$N"
        echo "#   $_ans answers on $_tries connections (token $(grep -c 'kind=token status=404' "$T/g.probe"), ../../etc/passwd $(grep -c 'kind=dotdot status=404' "$T/g.probe"), / $(grep -c 'kind=root status=404' "$T/g.probe") x 404; 400: $(grep -c ' status=400 ' "$T/g.probe")), issued in $ELAPSED_MS ms"
    fi
fi

# idle_case NAME N: N idle connections held during an issuance.  Pebble's validator
# connects 4-7 ms after the responder starts listening, so to be sure the idle
# connections are there first, Pebble's DNS (pebble-challtestsrv, which only
# validation uses: the client connects to Pebble by address) is stopped until the
# helper holds all N; then the validator's lookup is answered and it connects.
idle_case() {
    _in=$1 _ik=$2
    S=$T/state-$_in C=$T/$_in-ctl
    DNS_STOPPED=$PEBBLE_CHALL_PID
    kill -STOP "$DNS_STOPPED"
    if ! helper_start idle "$C" "$PEBBLE_HTTP_PORT" "$_ik" "$DNS_STOPPED" 40 "$T/$_in.idle"; then
        dns_resume
        notok "$_in" "$REASON"
        return
    fi
    issue_within "$IDLE_TIMEOUT" "$T/$_in" "$S" "$_in.picoacme.test"
    _issued=$?
    helper_stop "$C"
    dns_resume
    _sum=$(sed -n 's/^summary //p' "$T/$_in.idle")
    _res=$(sed -n 's/^t=[0-9]* resumed held=\([0-9]*\)$/\1/p' "$T/$_in.idle" | head -n 1)
    if [ "${_res:-0}" -lt "$_ik" ]; then
        notok "$_in" "Pebble's DNS was resumed with ${_res:-no} idle connections open, not $_ik: the case proved nothing ($_sum)"
    elif [ "$_issued" -ne 0 ]; then
        notok "$_in" "$REASON (after $ELAPSED_MS ms; idle connections: ${_sum:-no summary})"
        diag "$T/$_in.err"
    elif ! check_issued "$S" "$_in.picoacme.test"; then
        notok "$_in" "$REASON"
    elif ! validated "$T/$_in"; then
        notok "$_in" "Pebble's log shows no validated challenge of this run"
    elif [ "$ELAPSED_MS" -ge 4000 ]; then
        notok "$_in" "issued, but in $ELAPSED_MS ms, want under 4000 (idle connections: $_sum)"
    else
        ok "$_in"
        echo "#   issued in $ELAPSED_MS ms, challenges_served=$(counter "$T/$_in" challenges_served); idle connections: $_sum"
    fi
}
idle_case http01-idle-3 3
idle_case http01-idle-6 6

N=terms-of-service
S=$T/state-i
_tos=$(pebble_get "$PEBBLE_DIR_URL" | python3 -c '
import json, sys
v = json.load(sys.stdin).get("meta", {}).get("termsOfService")
if not isinstance(v, str) or not v:
    sys.exit("the directory has no meta.termsOfService")
print(v)') || _tos=
if [ -z "$_tos" ]; then
    notok "$N" "no meta.termsOfService in Pebble's directory"
else
    run_cli "$FAIL_TIMEOUT" "$T/i1" issue --server "$PEBBLE_DIR_URL" --ca-file "$PEBBLE_CA" \
        --state-dir "$S" --http-port "$PEBBLE_HTTP_PORT" -d i.picoacme.test
    if cli_broken "$T/i1"; then
        notok "$N" "$REASON"; diag "$T/i1.err"
    elif [ "$RC" -ne 2 ]; then
        notok "$N" "without --agree-tos: exit $RC, want 2: $(first_err "$T/i1")"
    elif [ "$(stderr_lines "$T/i1")" -ne 1 ]; then
        notok "$N" "without --agree-tos: $(stderr_lines "$T/i1") lines on stderr, want one"
        diag "$T/i1.err"
    elif ! grep -q -F "$_tos" "$T/i1.err"; then
        notok "$N" "without --agree-tos: the line does not name $_tos: $(first_err "$T/i1")"
    elif [ -e "$S/account.url" ]; then
        notok "$N" "without --agree-tos: account.url written"
    elif ! issue "$T/i2" "$S" i.picoacme.test; then
        notok "$N" "then with --agree-tos: $REASON"; diag "$T/i2.err"
    elif ! check_issued "$S" i.picoacme.test; then
        notok "$N" "then with --agree-tos: $REASON"
    elif [ ! -s "$S/account.url" ]; then
        notok "$N" "then with --agree-tos: no account.url"
    else
        ok "$N"
        echo "#   exit 2: $(first_err "$T/i1")"
    fi
fi

exit 0
