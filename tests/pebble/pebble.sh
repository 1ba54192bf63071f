# shellcheck shell=sh
# Pebble on loopback for picoacme's tests and demo.  Source this file (POSIX sh).
#
#   pebble_start [nonce_reject_percent]   start pebble-challtestsrv + pebble (default 5 %)
#   pebble_stop                           stop both, remove the work dir (safe to call twice)
#   pebble_kill                           SIGKILL Pebble alone (a CA that went away)
#   pebble_restart                        start it again: same ports and certificates,
#                                         nothing else kept (Pebble keeps all in memory)
#   pebble_root FILE [N]                  fetch Pebble's issuing root (/roots/N, 0) into FILE
#   pebble_intermediate FILE              fetch Pebble's intermediate (/intermediates/0)
#   pebble_dir_field NAME                 print a URL from the ACME directory (newAccount, ...)
#   pebble_get URL [FILE]                 GET over TLS trusting only PEBBLE_CA
#   pebble_free_ports N                   print N free TCP ports (one line, space separated)
#   pebble_key_matches CERT KEY           KEY is the key of CERT's first certificate
#   pebble_verify_chain PEM ROOT SCRATCH  PEM's chain verifies up to ROOT only (sets REASON)
#
# After pebble_start these are exported:
#   PEBBLE_DIR_URL   https://127.0.0.1:PORT/dir
#   PEBBLE_CA        PEM of the throwaway CA that signed Pebble's listener certificate
#   PEBBLE_HTTP_PORT port Pebble's validator connects to for http-01 (on 127.0.0.1)
#   PEBBLE_TLS_PORT  port Pebble's validator connects to for tls-alpn-01
#   PEBBLE_MGMT      https://127.0.0.1:PORT2 (Pebble's management interface, same cert)
#   PEBBLE_DNS       127.0.0.1:PORT of pebble-challtestsrv's DNS (answers A with 127.0.0.1)
#   PEBBLE_CHALL_MGMT http://127.0.0.1:PORT of pebble-challtestsrv's management API
#   PEBBLE_CHALL_PID the pid of pebble-challtestsrv (the validator's DNS: a test may
#                    SIGSTOP it to hold validation back, and must SIGCONT it)
#   PEBBLE_WORK      the temp dir (removed by pebble_stop unless PEBBLE_KEEP=1)
#   PEBBLE_LOG       Pebble's log file
#
# Knobs (environment): PEBBLE_ADDR=A listens (ACME and management) on address A
# instead of 127.0.0.1 (the lwIP test: the host side of a TAP link; an IPv6 address
# such as ::1 is bracketed in the URLs);
# PEBBLE_VALIDATE_IPV4=A makes every name resolve to A for validation (default
# 127.0.0.1); PEBBLE_CERT_ADDRS="A ..." adds addresses the listener certificate is
# valid for, besides 127.0.0.1 (the QEMU test: the guest reaches Pebble at 10.0.2.2);
# PEBBLE_CERT_NAMES="N ..." adds DNS names to it (the field firmware test reaches
# Pebble by name); PEBBLE_CERT_SAN="..." makes its subjectAltName exactly that, in
# openssl's syntax (e.g. "IP:127.0.0.1" or "DNS:localhost"), in place of all the
# above (the harness's own readiness checks then skip the host name); PEBBLE_CERT_KEY=ec|rsa|p384|rsa4096 chooses the key types of that
# certificate and its CA (default ec; see _pebble_certs); PEBBLE_PORT_BASE=N uses the fixed ports N..N+5 instead of free
# ones; PEBBLE_START_TIMEOUT (seconds, default 15); PEBBLE_KEEP=1 keeps the work dir;
# PEBBLE_ALTERNATE_ROOTS=N makes Pebble issue under N more roots, each chain linked
# from the certificate answer with Link: rel="alternate" (default 0; pebble_root N).
# PEBBLE_EAB_KID=ID PEBBLE_EAB_KEY=B64URL make Pebble require External Account
# Binding (RFC 8555 7.3.4) with that one MAC key (base64url, as Pebble reads it).
#
# Callers must stop Pebble on every exit path:
#   trap pebble_stop EXIT; trap 'exit 130' INT; trap 'exit 143' TERM

# Variables set for the processes we start: no CA bundle or proxy from the caller's
# environment, and never PEBBLE_VA_ALWAYS_VALID (real validation only).
# (A variable, not a function, so that "env $_PEBBLE_UNSET cmd &" execs cmd and $! is
# the pid of cmd itself, not of a subshell.)
_PEBBLE_UNSET="-u SSL_CERT_FILE -u SSL_CERT_DIR -u REQUESTS_CA_BUNDLE -u CURL_CA_BUNDLE
 -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY -u all_proxy
 -u PEBBLE_VA_ALWAYS_VALID"
_pebble_env() {
    # shellcheck disable=SC2086 # split on purpose
    env $_PEBBLE_UNSET "$@"
}

# python3 helper (stdlib only).  Subcommands:
#   ports N                      N free TCP ports (also free on UDP), space separated
#   checkfree PORT...            fail unless every PORT is free (TCP and UDP)
#   wait DIRURL CA CHALLURL SECS PID...   until the directory answers over TLS
#   get URL CA [OUT]             GET, verify with CA only; body to OUT or stdout
#   dirfield URL CA NAME         print directory[NAME]
_pebble_py() {
    _pebble_env python3 - "$@" <<'PY'
import json, os, socket, ssl, sys, time, urllib.request

def opener(ca):
    handlers = [urllib.request.ProxyHandler({})]
    if ca:
        ctx = ssl.create_default_context(cafile=ca)  # trusts ca only
        # A test's own subjectAltName may not name the URL's host: the
        # chain is still checked, the name is picoacme's to check.
        if os.environ.get("PEBBLE_CERT_SAN"):
            ctx.check_hostname = False
        handlers.append(urllib.request.HTTPSHandler(context=ctx))
    return urllib.request.build_opener(*handlers)

def get(url, ca, timeout=5.0):
    req = urllib.request.Request(url, headers={"User-Agent": "picoacme-tests"})
    try:
        with opener(ca).open(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:   # a status is an answer too
        return e.code, e.read()

def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        try:
            os.kill(pid, 0)
            return True
        except OSError:
            return False

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "ports":
    socks, ports = [], []
    while len(ports) < int(args[0]):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(("0.0.0.0", 0))
        p = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("0.0.0.0", p))
        except OSError:
            t.close(); u.close(); continue
        socks += [t, u]
        ports.append(p)
    print(" ".join(map(str, ports)))
elif cmd == "checkfree":                      # exit 1 naming the first busy port
    for a in args:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind)
            if kind == socket.SOCK_STREAM:   # as servers do: TIME_WAIT is no obstacle
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("0.0.0.0", int(a)))
            except OSError as e:
                sys.exit("port %s is busy: %s" % (a, e))
            finally:
                s.close()
elif cmd == "wait":
    url, ca, chall, secs = args[0], args[1], args[2], float(args[3])
    pids = [int(p) for p in args[4:]]
    deadline = time.monotonic() + secs
    last = "no answer yet"
    while time.monotonic() < deadline:
        dead = [p for p in pids if not alive(p)]
        if dead:
            sys.exit("process %s exited" % " ".join(map(str, dead)))
        try:
            get(chall, None, 1.0)            # challtestsrv management: any status will do
            st, body = get(url, ca, 1.0)
            if st == 200 and "newNonce" in json.loads(body):
                sys.exit(0)
            last = "directory answered %d" % st
        except Exception as e:               # refused, TLS error, ...
            last = str(e)
        time.sleep(0.05)
    sys.exit("not ready after %gs: %s" % (secs, last))
elif cmd == "get":
    st, body = get(args[0], args[1])
    if st != 200:
        sys.exit("GET %s -> %d" % (args[0], st))
    if len(args) > 2:
        with open(args[2], "wb") as f:
            f.write(body)
    else:
        sys.stdout.buffer.write(body)
elif cmd == "dirfield":
    st, body = get(args[0], args[1])
    v = json.loads(body).get(args[2]) if st == 200 else None
    if not isinstance(v, str):
        sys.exit("directory has no %s (status %d)" % (args[2], st))
    print(v)
else:
    sys.exit("unknown subcommand " + cmd)
PY
}

pebble_free_ports() {
    _pebble_py ports "$1"
}

# True while PID exists and is not a zombie.
_pebble_alive() {
    if [ -r "/proc/$1/stat" ]; then
        _pebble_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
        [ -n "$_pebble_st" ] && [ "$_pebble_st" != Z ]
    else
        kill -0 "$1" 2>/dev/null
    fi
}

# Throwaway CA (EC P-256) and a listener certificate for 127.0.0.1 / localhost.
# Addresses are iPAddress entries only, never dNSName ones: a client reaching Pebble
# at https://127.0.0.1 must match the address (picoacme: core/x509ip.c), as OpenSSL,
# Python and Go do.
_pebble_certs() {
    _pebble_d=$1
    _pebble_san="IP:127.0.0.1, DNS:localhost"
    [ "${PEBBLE_ADDR:-127.0.0.1}" = 127.0.0.1 ] ||
        _pebble_san="$_pebble_san, IP:$PEBBLE_ADDR"
    for _pebble_n in ${PEBBLE_CERT_ADDRS:-}; do
        _pebble_san="$_pebble_san, IP:$_pebble_n"
    done
    for _pebble_n in ${PEBBLE_CERT_NAMES:-}; do
        _pebble_san="$_pebble_san, DNS:$_pebble_n"
    done
    [ -z "${PEBBLE_CERT_SAN:-}" ] || _pebble_san=$PEBBLE_CERT_SAN
    cat >"$_pebble_d/server.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $_pebble_san
EOF
    # PEBBLE_CERT_KEY: ec (P-256 CA and key), rsa (RSA-2048 CA and key, as
    # public CAs' R1x hierarchy), p384 (P-384 CA signing with SHA-384 over
    # a P-256 key, as an E* hierarchy), rsa4096 (an RSA-4096 CA over an
    # RSA-2048 key, as ISRG Root X1 over a public server's certificate).
    case ${PEBBLE_CERT_KEY:-ec} in
    ec) _pebble_cak="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
        _pebble_k="$_pebble_cak" _pebble_h=-sha256 ;;
    rsa) _pebble_cak="-newkey rsa:2048" _pebble_k="$_pebble_cak"
        _pebble_h=-sha256 ;;
    rsa4096) _pebble_cak="-newkey rsa:4096" _pebble_k="-newkey rsa:2048"
        _pebble_h=-sha256 ;;
    p384) _pebble_cak="-newkey ec -pkeyopt ec_paramgen_curve:P-384"
        _pebble_k="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
        _pebble_h=-sha384 ;;
    *) echo "pebble: PEBBLE_CERT_KEY must be ec, rsa, p384 or rsa4096" >&2
        return 1 ;;
    esac
    # shellcheck disable=SC2086 # split on purpose
    openssl req -x509 -new $_pebble_cak -nodes $_pebble_h \
        -keyout "$_pebble_d/ca.key" -out "$_pebble_d/ca.pem" -days 2 \
        -subj "/CN=picoacme test CA for Pebble's listener" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null &&
    openssl req -new $_pebble_k -nodes \
        -keyout "$_pebble_d/server.key" -out "$_pebble_d/server.csr" \
        -subj "/CN=localhost" 2>/dev/null &&
    openssl x509 -req -in "$_pebble_d/server.csr" -CA "$_pebble_d/ca.pem" \
        -CAkey "$_pebble_d/ca.key" -CAcreateserial -days 2 $_pebble_h \
        -extfile "$_pebble_d/server.ext" -out "$_pebble_d/server.pem" 2>/dev/null
}

_pebble_fail() {
    echo "pebble_start: $1" >&2
    for _pebble_f in "${PEBBLE_WORK:-}/challtestsrv.log" "${PEBBLE_LOG:-}"; do
        [ -s "$_pebble_f" ] || continue
        echo "pebble_start: last lines of $_pebble_f:" >&2
        tail -n 15 "$_pebble_f" | sed 's/^/    /' >&2
    done
    pebble_stop
    return 1
}

pebble_start() {
    _pebble_reject=${1:-5}
    if [ -n "${_PEBBLE_PID:-}${_PEBBLE_CHALL_PID:-}" ]; then
        echo "pebble_start: already started (call pebble_stop first)" >&2
        return 1
    fi
    for _pebble_c in pebble pebble-challtestsrv openssl python3; do
        command -v "$_pebble_c" >/dev/null 2>&1 ||
            { echo "pebble_start: $_pebble_c not found (run scripts/deps.sh)" >&2; return 1; }
    done
    PEBBLE_WORK=$(mktemp -d "${TMPDIR:-/tmp}/picoacme-pebble.XXXXXX") ||
        { echo "pebble_start: mktemp failed" >&2; return 1; }
    PEBBLE_LOG=$PEBBLE_WORK/pebble.log
    export PEBBLE_WORK PEBBLE_LOG

    _pebble_certs "$PEBBLE_WORK" || { _pebble_fail "openssl could not make the certificates"; return 1; }
    PEBBLE_CA=$PEBBLE_WORK/ca.pem

    if [ -n "${PEBBLE_PORT_BASE:-}" ]; then
        _pebble_b=$PEBBLE_PORT_BASE
        _pebble_ports="$_pebble_b $((_pebble_b + 1)) $((_pebble_b + 2)) $((_pebble_b + 3)) $((_pebble_b + 4)) $((_pebble_b + 5))"
        # shellcheck disable=SC2086 # split on purpose
        _pebble_why=$(_pebble_py checkfree $_pebble_ports 2>&1) ||
            { _pebble_fail "PEBBLE_PORT_BASE=$_pebble_b: $_pebble_why"; return 1; }
    else
        _pebble_ports=$(pebble_free_ports 6) || { _pebble_fail "could not find free ports"; return 1; }
    fi
    # shellcheck disable=SC2086 # split on purpose
    set -- $_pebble_ports
    _pebble_listen=$1 _pebble_mport=$2 PEBBLE_HTTP_PORT=$3 PEBBLE_TLS_PORT=$4
    _pebble_dns=$5 _pebble_cmport=$6

    # An IPv6 address is bracketed in URLs and Go's listen addresses.
    _pebble_host=${PEBBLE_ADDR:-127.0.0.1}
    case $_pebble_host in *:*) _pebble_host="[$_pebble_host]" ;; esac
    _pebble_eab_req=false _pebble_eab_keys=
    if [ -n "${PEBBLE_EAB_KID:-}" ] && [ -n "${PEBBLE_EAB_KEY:-}" ]; then
        _pebble_eab_req=true
        _pebble_eab_keys=",
    \"externalAccountMACKeys\": { \"$PEBBLE_EAB_KID\": \"$PEBBLE_EAB_KEY\" }"
    fi
    cat >"$PEBBLE_WORK/pebble-config.json" <<EOF
{
  "pebble": {
    "listenAddress": "$_pebble_host:$_pebble_listen",
    "managementListenAddress": "$_pebble_host:$_pebble_mport",
    "certificate": "$PEBBLE_WORK/server.pem",
    "privateKey": "$PEBBLE_WORK/server.key",
    "httpPort": $PEBBLE_HTTP_PORT,
    "tlsPort": $PEBBLE_TLS_PORT,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": $_pebble_eab_req$_pebble_eab_keys
  }
}
EOF
    # Debian's pebble-challtestsrv has no -doh flag.
    # shellcheck disable=SC2086 # split on purpose
    env $_PEBBLE_UNSET pebble-challtestsrv -defaultIPv4 "${PEBBLE_VALIDATE_IPV4:-127.0.0.1}" -defaultIPv6 "" \
        -dns01 "127.0.0.1:$_pebble_dns" -http01 "" -https01 "" -tlsalpn01 "" \
        -management "127.0.0.1:$_pebble_cmport" \
        </dev/null >"$PEBBLE_WORK/challtestsrv.log" 2>&1 &
    _PEBBLE_CHALL_PID=$!
    _pebble_run


    PEBBLE_DIR_URL=https://$_pebble_host:$_pebble_listen/dir
    PEBBLE_MGMT=https://$_pebble_host:$_pebble_mport
    PEBBLE_DNS=127.0.0.1:$_pebble_dns
    PEBBLE_CHALL_MGMT=http://127.0.0.1:$_pebble_cmport
    PEBBLE_CHALL_PID=$_PEBBLE_CHALL_PID
    export PEBBLE_DIR_URL PEBBLE_CA PEBBLE_HTTP_PORT PEBBLE_TLS_PORT PEBBLE_MGMT \
        PEBBLE_DNS PEBBLE_CHALL_MGMT PEBBLE_CHALL_PID

    _pebble_wait
}

# Pebble itself, in the background, appending to its log.
_pebble_run() {
    # shellcheck disable=SC2086 # split on purpose
    env $_PEBBLE_UNSET PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT="$_pebble_reject" \
        PEBBLE_ALTERNATE_ROOTS="${PEBBLE_ALTERNATE_ROOTS:-0}" \
        pebble -config "$PEBBLE_WORK/pebble-config.json" -dnsserver "127.0.0.1:$_pebble_dns" \
        </dev/null >>"$PEBBLE_LOG" 2>&1 &
    _PEBBLE_PID=$!
}

_pebble_wait() {
    if ! _pebble_why=$(_pebble_py wait "$PEBBLE_DIR_URL" "$PEBBLE_CA" "$PEBBLE_CHALL_MGMT/" \
            "${PEBBLE_START_TIMEOUT:-15}" "$_PEBBLE_PID" "$_PEBBLE_CHALL_PID" 2>&1); then
        _pebble_fail "Pebble did not come up on $PEBBLE_DIR_URL: $_pebble_why"
        return 1
    fi
    return 0
}

pebble_kill() {
    [ -n "${_PEBBLE_PID:-}" ] || { echo "pebble_kill: not started" >&2; return 1; }
    kill -KILL "$_PEBBLE_PID" 2>/dev/null
    wait "$_PEBBLE_PID" 2>/dev/null
    _PEBBLE_PID=''
    return 0
}

pebble_restart() {
    [ -z "${_PEBBLE_PID:-}" ] && [ -n "${PEBBLE_WORK:-}" ] ||
        { echo "pebble_restart: call pebble_start, then pebble_kill, first" >&2; return 1; }
    _pebble_run
    _pebble_wait
}

pebble_stop() {
    for _pebble_p in ${_PEBBLE_PID:-} ${_PEBBLE_CHALL_PID:-}; do
        kill -TERM "$_pebble_p" 2>/dev/null
    done
    for _pebble_p in ${_PEBBLE_PID:-} ${_PEBBLE_CHALL_PID:-}; do
        _pebble_i=0
        while _pebble_alive "$_pebble_p" && [ "$_pebble_i" -lt 50 ]; do
            sleep 0.1
            _pebble_i=$((_pebble_i + 1))
        done
        if _pebble_alive "$_pebble_p"; then
            kill -KILL "$_pebble_p" 2>/dev/null
            sleep 0.1
        fi
        # Reap it (it is dead or a zombie now, so this cannot block for long).
        _pebble_alive "$_pebble_p" || wait "$_pebble_p" 2>/dev/null
    done
    _PEBBLE_PID='' _PEBBLE_CHALL_PID=''
    if [ -n "${PEBBLE_WORK:-}" ] && [ -d "$PEBBLE_WORK" ]; then
        case $PEBBLE_WORK in
        */picoacme-pebble.*)
            if [ "${PEBBLE_KEEP:-0}" = 1 ]; then
                echo "pebble_stop: kept $PEBBLE_WORK" >&2
            else
                rm -rf "$PEBBLE_WORK"
            fi ;;
        esac
    fi
    PEBBLE_WORK=
    return 0
}

pebble_get() {
    if [ $# -ge 2 ]; then
        _pebble_py get "$1" "$PEBBLE_CA" "$2"
    else
        _pebble_py get "$1" "$PEBBLE_CA"
    fi
}

pebble_dir_field() {
    _pebble_py dirfield "$PEBBLE_DIR_URL" "$PEBBLE_CA" "$1"
}

_pebble_fetch_pem() {
    pebble_get "$PEBBLE_MGMT/$1" "$2" || return 1
    if ! grep -q -- '-----BEGIN CERTIFICATE-----' "$2"; then
        echo "pebble: $PEBBLE_MGMT/$1 did not return a PEM certificate" >&2
        return 1
    fi
}

pebble_root() {
    if [ $# -ge 2 ]; then
        _pebble_fetch_pem "roots/$2" "$1"
    else
        _pebble_fetch_pem roots/0 "$1"
    fi
}

pebble_intermediate() {
    _pebble_fetch_pem intermediates/0 "$1"
}

# Checks of an issued certificate, shared by the suites (they set REASON on failure).
# pebble_key_matches CERT KEY: KEY is the private key of the first certificate in CERT.
pebble_key_matches() {
    _pebble_ka=$(openssl pkey -in "$2" -pubout 2>/dev/null) || return 1
    _pebble_kb=$(openssl x509 -in "$1" -noout -pubkey 2>/dev/null) || return 1
    [ -n "$_pebble_ka" ] && [ "$_pebble_ka" = "$_pebble_kb" ]
}

# pebble_verify_chain PEM ROOT SCRATCH: the chain in PEM (leaf first) verifies up to
# ROOT and only ROOT, for a TLS server.  SCRATCH is a directory it may write.
pebble_verify_chain() {
    mkdir -p "$3"
    rm -f "$3"/cert-*.pem
    awk -v d="$3" '/-----BEGIN CERTIFICATE-----/ { n++ }
        n { f = d "/cert-" n ".pem"; print > f }' "$1"
    cp "$3/cert-1.pem" "$3/leaf.pem" 2>/dev/null ||
        { REASON="$1 holds no certificate"; return 1; }
    : >"$3/inter.pem"
    for _pebble_c in "$3"/cert-*.pem; do
        [ "$_pebble_c" = "$3/cert-1.pem" ] || cat "$_pebble_c" >>"$3/inter.pem"
    done
    set -- "$3/leaf.pem" "$2" "$3/inter.pem"
    if [ -s "$3" ]; then
        set -- "$@" -untrusted "$3"
    fi
    _pebble_l=$1 _pebble_r=$2
    shift 3
    # shellcheck disable=SC2086 # split on purpose
    if ! _pebble_v=$(env $_PEBBLE_UNSET openssl verify -no-CApath -no-CAstore \
            -CAfile "$_pebble_r" -purpose sslserver "$@" "$_pebble_l" 2>&1); then
        REASON="openssl verify: $(echo "$_pebble_v" | tr '\n' ' ' | cut -c1-200)"
        return 1
    fi
}
