# shellcheck shell=sh
# tests/tools/faultproxy.py for the suites (POSIX sh; source it after pebble.sh, with W
# set to the suite's scratch directory).
#
#   proxy_certs [X509 OPTIONS...]  the proxy's own CA ($W/proxy-ca.pem, PCA) and listener
#                        certificate ($W/proxy.pem, DNS:localhost: BearSSL matches DNS
#                        names); extra options go to the signing `openssl x509`
#                        (default -CAcreateserial).  The listener certificate has an
#                        AKI, so faultproxy.py --cert-id works on it.  Sets REASON on
#                        failure.
#   proxy_start LOG MODE [OPTIONS...]  start the proxy in front of Pebble; sets PROXY_URL
#                        (the directory through it) and PROXY_PID; on port PROXY_PORT
#                        when that is set.  Sets REASON on failure.
#   proxy_stop           stop it (safe to call twice)
#   pcount LOG [KEY VALUE]...  lines of the proxy log where every KEY has VALUE
#   pfield LOG KEY [KEY VALUE]...  the KEY values of those lines, one per line

PROXY=${PROXY:-${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/faultproxy.py}
PROXY_PID=
PROXY_PORT=

proxy_certs() {
    [ $# -gt 0 ] || set -- -CAcreateserial
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\nauthorityKeyIdentifier=keyid\n' >"$W/proxy.ext"
    if ! { openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -keyout "$W/proxy-ca.key" -out "$W/proxy-ca.pem" -days 2 \
            -subj "/CN=picoacme faultproxy test CA" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" &&
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -keyout "$W/proxy.key" -out "$W/proxy.csr" -subj "/CN=localhost" &&
        openssl x509 -req -in "$W/proxy.csr" -CA "$W/proxy-ca.pem" -CAkey "$W/proxy-ca.key" \
            "$@" -days 2 -sha256 -extfile "$W/proxy.ext" -out "$W/proxy.pem"; } \
            >"$W/openssl.log" 2>&1; then
        REASON="openssl could not make the proxy's certificates: $(tail -n 2 "$W/openssl.log" | tr '\n' ' ')"
        return 1
    fi
    PCA=$W/proxy-ca.pem
}

proxy_stop() {
    if [ -n "$PROXY_PID" ]; then
        kill -TERM "$PROXY_PID" 2>/dev/null
        _px_i=0
        while kill -0 "$PROXY_PID" 2>/dev/null && [ "$_px_i" -lt 30 ]; do
            sleep 0.1
            _px_i=$((_px_i + 1))
        done
        kill -KILL "$PROXY_PID" 2>/dev/null
        wait "$PROXY_PID" 2>/dev/null
        PROXY_PID=
    fi
}

proxy_start() {
    _px_log=$1 _px_mode=$2
    shift 2
    proxy_stop
    rm -f "$W/proxy.port" "$_px_log"
    # shellcheck disable=SC2086 # split on purpose
    env $_PEBBLE_UNSET python3 "$PROXY" --upstream "${PEBBLE_DIR_URL%/dir}" \
        --upstream-ca "$PEBBLE_CA" --cert "$W/proxy.pem" --key "$W/proxy.key" \
        --log "$_px_log" --port-file "$W/proxy.port" --listen-port "${PROXY_PORT:-0}" \
        --verbose --mode "$_px_mode" "$@" </dev/null >/dev/null 2>"$_px_log.stderr" &
    PROXY_PID=$!
    _px_i=0
    while [ ! -s "$W/proxy.port" ] && [ "$_px_i" -lt 100 ]; do
        kill -0 "$PROXY_PID" 2>/dev/null || break
        sleep 0.1
        _px_i=$((_px_i + 1))
    done
    if [ ! -s "$W/proxy.port" ]; then
        REASON="faultproxy did not start: $(head -n 3 "$_px_log.stderr" | tr '\n' ' ')"
        proxy_stop
        return 1
    fi
    PROXY_URL=https://localhost:$(cat "$W/proxy.port")/dir
}

pcount() {
    _px_l=$1
    shift
    [ -f "$_px_l" ] || { echo 0; return; }
    awk -v spec="$*" '
        BEGIN { n = split(spec, s, " ") }
        { delete f
          for (i = 1; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v = $i; sub(/^[^=]*=/, "", v); f[k] = v }
          for (i = 1; i < n; i += 2) if (f[s[i]] != s[i + 1]) next
          c++ }
        END { print c + 0 }' "$_px_l"
}

pfield() {
    _px_l=$1 _px_k=$2
    shift 2
    awk -v key="$_px_k" -v spec="$*" '
        BEGIN { n = split(spec, s, " ") }
        { delete f
          for (i = 1; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v = $i; sub(/^[^=]*=/, "", v); f[k] = v }
          for (i = 1; i < n; i += 2) if (f[s[i]] != s[i + 1]) next
          print f[key] }' "$_px_l"
}
