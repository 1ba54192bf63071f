#!/bin/sh
# The picoacme command as a user meets it (issue 13, "a user's first hour"):
#   sh tests/cli.sh BINARY
# Offline (no CA): every help path (exit 0, the help on stdout); an unknown command
# or option and a missing value (exit 2, one line naming it and pointing at --help);
# bad names refused before any request (exit 11, the name and the reason); a CA
# file that is missing or holds no certificate (exit 32); a state directory that
# cannot be written and an account.key that cannot be read (exit 22, the path and
# the reason; run as nobody: root may write anywhere); the exit codes in --help and
# the man page; the man page rendering without warnings, listing every option.
# Against Pebble: the man page's examples (ensure from cron, dns-01 with a hook,
# tls-alpn-01) run as written but for the server, CA file, state directory, ports
# and hook; rate limited (exit 30, the Retry-After), rejectedIdentifier (exit 31,
# the detail's control characters escaped, one line), validation failed (exit 33);
# --verbose logging waits and retries with reason and length; the status line on
# a terminal (script(1)) and nothing on stderr otherwise; --contact with an
# existing account said to be ignored; --key-type p384 and rsa2048 and
# --account-key-type es384 issued, the leaf's key checked with openssl.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/pebble/pebble.sh
. "$ROOT/tests/pebble/pebble.sh"

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: sh tests/cli.sh BINARY" >&2
    exit 2
fi
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
MAN=$ROOT/man/picoacme.1
PASS=0
FAIL=0
T=$(mktemp -d /tmp/picoacme-cli.XXXXXX)
chmod 755 "$T"
W=$T
# shellcheck source=tests/pebble/proxy.sh
. "$ROOT/tests/pebble/proxy.sh"

ok() { echo "ok - $1"; PASS=$((PASS + 1)); }
notok() { echo "not ok - $1: $2"; FAIL=$((FAIL + 1)); }
diag() { [ -s "$1" ] && tail -n 6 "$1" | sed 's/^/#   /'; return 0; }

# shellcheck disable=SC2317 # called by the EXIT trap
finish() {
    _rc=$?
    proxy_stop
    pebble_stop
    rm -rf "$T"
    echo "cli: $PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ] || exit 1
    exit "$_rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# cli OUT ARGS...: BINARY ARGS, stdout/stderr to OUT.out/.err, status in RC.
cli() {
    _o=$1
    shift
    # shellcheck disable=SC2086 # split on purpose
    timeout -k 5 90 env $_PEBBLE_UNSET "$BIN" "$@" </dev/null >"$_o.out" 2>"$_o.err"
    RC=$?
}

# broken OUT: succeeds (REASON set) when the run crashed or a sanitizer spoke.
broken() {
    case $RC in
    124 | 137) REASON="timed out"; return 0 ;;
    126 | 127) REASON="cannot run $BIN (exit $RC)"; return 0 ;;
    esac
    if [ "$RC" -gt 128 ]; then REASON="killed by signal $((RC - 128))"; return 0; fi
    if grep -q -e 'Sanitizer' -e 'runtime error:' "$1.err" 2>/dev/null; then
        REASON="sanitizer report"
        return 0
    fi
    return 1
}

lines() { awk 'END { print NR }' "$1"; }

# expect NAME OUT CODE PATTERN...: exit CODE, exactly one line on stderr, matching
# every fixed-string PATTERN.
expect() {
    _n=$1 _o=$2 _c=$3
    shift 3
    if broken "$_o"; then notok "$_n" "$REASON"; diag "$_o.err"; return 1; fi
    if [ "$RC" -ne "$_c" ]; then
        notok "$_n" "exit $RC, want $_c"; diag "$_o.err"; return 1
    fi
    if [ "$(lines "$_o.err")" -ne 1 ]; then
        notok "$_n" "$(lines "$_o.err") lines on stderr, want one"; diag "$_o.err"; return 1
    fi
    for _p in "$@"; do
        if ! grep -qF -e "$_p" "$_o.err"; then
            notok "$_n" "stderr lacks '$_p'"; diag "$_o.err"; return 1
        fi
    done
    ok "$_n"
    echo "#   $(cut -c1-160 "$_o.err")"
}

# ---- help and version -------------------------------------------------------------
i=0
for args in "help" "help issue" "help ensure" "help rollover" "revoke -h" \
    "issue --help" "ensure -h" \
    "issue -d x.example --help" "--help" "-h" "--version" "-V"; do
    i=$((i + 1))
    # shellcheck disable=SC2086 # split on purpose
    cli "$T/h$i" $args
    if broken "$T/h$i"; then notok "help[$args]" "$REASON"; continue; fi
    case $args in
    *-V | *--version) want="picoacme [0-9]" ;;
    *) want="usage: picoacme" ;;
    esac
    if [ "$RC" -eq 0 ] && [ ! -s "$T/h$i.err" ] && grep -q "$want" "$T/h$i.out"; then
        ok "help[$args]"
    else
        notok "help[$args]" "exit $RC, stdout $(head -c 60 "$T/h$i.out" | head -n 1), stderr $(head -n 1 "$T/h$i.err")"
    fi
done

# ---- bad usage: exit 2, one line naming what is wrong and pointing at --help -------
i=0
while IFS='|' read -r args want; do
    i=$((i + 1))
    # shellcheck disable=SC2086 # split on purpose
    cli "$T/u$i" $args
    expect "usage[$args]" "$T/u$i" 2 "$want" "--help"
done <<'EOF'
frobnicate|unknown command 'frobnicate'
--frobnicate|unknown option --frobnicate
issue --frobnicate|unknown option --frobnicate
issue --frobnicate value|unknown option --frobnicate
issue --server|--server needs a value
issue -d|-d needs a value
issue stray|unexpected argument 'stray'
help frobnicate|no command 'frobnicate'
|a command is needed
issue -d x.example|needs --server
issue --http-port 0|bad --http-port 0
issue --challenge http-01,bogus|bad --challenge
rollover --state-dir x|rollover needs --server, --ca-file and --state-dir
revoke --reason 7|bad --reason 7
revoke --reason 11|bad --reason 11
issue --by-cert-key|unknown option --by-cert-key
issue --eab-kid k -d x.example|--eab-kid and --eab-hmac-key go together
EOF

# ---- the exit codes are listed in --help and in the man page ----------------------
"$BIN" --help >"$T/help.txt" 2>&1
missing=
for c in 2 11 22 29 30 31 32 33; do
    grep -qE "^ +$c " "$T/help.txt" || missing="$missing help:$c"
    grep -qx "\\.B $c" "$MAN" || missing="$missing man:$c"
done
if [ -z "$missing" ]; then ok "exit-codes-listed"; else notok "exit-codes-listed" "missing$missing"; fi

# ---- the man page: renders without warnings, names every option of --help ----------
if command -v groff >/dev/null 2>&1; then
    groff -man -Tutf8 -ww -z "$MAN" >"$T/groff.err" 2>&1
    if [ ! -s "$T/groff.err" ]; then ok "man-groff"; else notok "man-groff" "$(head -n 2 "$T/groff.err")"; fi
fi
if command -v man >/dev/null 2>&1; then
    MANWIDTH=80 man --warnings -l "$MAN" >"$T/man.txt" 2>"$T/man.err"
    if [ ! -s "$T/man.err" ] && grep -q "EXIT STATUS" "$T/man.txt"; then
        ok "man-l"
    else
        notok "man-l" "$(head -n 2 "$T/man.err")"
    fi
    missing=
    for o in $(grep -oE -- '--[a-z][a-z0-9-]+' "$T/help.txt" | sort -u); do
        grep -qF -- "$o" "$T/man.txt" || missing="$missing $o"
    done
    if [ -z "$missing" ]; then ok "man-options"; else notok "man-options" "not in the man page:$missing"; fi
fi

# ---- checked before any request: a closed port as the server, so a request would ---
# ---- end in exit 13 -----------------------------------------------------------------
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/ca.key" -out "$T/ca.pem" -days 2 -subj "/CN=cli test CA" >/dev/null 2>&1
chmod 644 "$T/ca.pem"
CLOSED=https://127.0.0.1:$(pebble_free_ports 1)/dir
i=0
while IFS='|' read -r name why; do
    i=$((i + 1))
    cli "$T/n$i" issue --server "$CLOSED" --ca-file "$T/ca.pem" --state-dir "$T/sn$i" \
        --http-port 5002 -d ok.example -d "$name"
    expect "bad-name[$name]" "$T/n$i" 11 "$name" "$why"
done <<EOF
bad_name.example|a character other than
-lead.example|starts with '-'
trail-.example|ends with '-'
a..example|an empty label
$(printf '%064d' 0 | tr 0 a).example|longer than 63
*.bad_base.example|a character other than
EOF
# a good name in capitals with a trailing dot gets as far as the network
cli "$T/n-norm" issue --server "$CLOSED" --ca-file "$T/ca.pem" --state-dir "$T/sn-norm" \
    --http-port 5002 -d 'Device.Example.COM.'
expect "good-name-reaches-network" "$T/n-norm" 13 "ACME_ERR_NET"

cli "$T/ca1" issue --server "$CLOSED" --ca-file "$T/nonexistent.pem" --state-dir "$T/sca" \
    --http-port 5002 -d x.example
expect "ca-file-missing" "$T/ca1" 32 "cannot read the CA file $T/nonexistent.pem: No such file or directory"
: >"$T/empty.pem"
cli "$T/ca2" issue --server "$CLOSED" --ca-file "$T/empty.pem" --state-dir "$T/sca" \
    --http-port 5002 -d x.example
expect "ca-file-no-certificate" "$T/ca2" 32 "$T/empty.pem" "no certificate"

# As nobody: a state directory it cannot write, an account.key it cannot read.
if command -v setpriv >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
    mkdir -p "$T/ro"
    chmod 555 "$T/ro"
    # shellcheck disable=SC2086 # split on purpose
    timeout 30 $AS_NOBODY "$BIN" issue --server "$CLOSED" --ca-file "$T/ca.pem" \
        --state-dir "$T/ro" --http-port 5002 -d x.example >"$T/ro1.out" 2>"$T/ro1.err"
    RC=$?
    expect "state-dir-read-only" "$T/ro1" 22 "cannot write to the state directory $T/ro: Permission denied"
    mkdir -p "$T/nk"
    : >"$T/nk/account.key"
    chmod 000 "$T/nk/account.key"
    chown 65534:65534 "$T/nk"
    # shellcheck disable=SC2086 # split on purpose
    timeout 30 $AS_NOBODY "$BIN" issue --server "$CLOSED" --ca-file "$T/ca.pem" \
        --state-dir "$T/nk" --http-port 5002 -d x.example >"$T/nk1.out" 2>"$T/nk1.err"
    RC=$?
    if broken "$T/nk1"; then
        notok "account-key-unreadable" "$REASON"
    elif [ "$RC" -eq 22 ] && head -n 1 "$T/nk1.err" |
            grep -qxF "picoacme: cannot read $T/nk/account.key: Permission denied"; then
        ok "account-key-unreadable"
        echo "#   $(head -n 1 "$T/nk1.err")"
    else
        notok "account-key-unreadable" "exit $RC"
        diag "$T/nk1.err"
    fi
else
    notok "state-dir-read-only" "needs root and setpriv to run as nobody"
fi

# ---- against Pebble -------------------------------------------------------------------
if ! pebble_start >/dev/null; then
    notok pebble-start "Pebble did not start"
    exit 1
fi
CHALL=$PEBBLE_CHALL_MGMT
export CHALL

# The dns-01 hook of the examples: sets and clears challtestsrv's TXT records.
cp "$ROOT/tests/tools/chall_dns_hook.sh" "$T/dns-hook"

# The man page's examples: the lines between the markers, roff escapes undone,
# continuation lines joined, a crontab line's schedule and user dropped; then the
# placeholders replaced.
for ex in $(sed -n 's/^\.\\" example-begin //p' "$MAN"); do
    sed -n "/^\\.\\\\\" example-begin $ex\$/,/^\\.\\\\\" example-end/p" "$MAN" |
        grep -v '^\.' | sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e "s/\\\\(aq/'/g" \
        -e 's/^[0-9*][^ ]* [^ ]* [^ ]* [^ ]* [^ ]* root //' |
        sed -e :a -e '/\\$/N; s/\\\n//; ta' >"$T/ex-$ex.cmd"
    sed -i -e "s|^picoacme |\"\$BIN\" |" \
        -e "s|https://acme.example/directory|$PEBBLE_DIR_URL|" \
        -e "s|/etc/ssl/certs/ca-certificates.crt|$PEBBLE_CA|" \
        -e "s|/var/lib/picoacme|$T/state-$ex|" \
        -e "s|--http-port 80 |--http-port $PEBBLE_HTTP_PORT |" \
        -e "s|--alpn-port 443 |--alpn-port $PEBBLE_TLS_PORT |" \
        -e "s|/etc/picoacme/dns-hook|$T/dns-hook|" "$T/ex-$ex.cmd"
    if [ "$(lines "$T/ex-$ex.cmd")" -ne 1 ] || ! grep -q '^"$BIN" ' "$T/ex-$ex.cmd"; then
        notok "man-example[$ex]" "not one picoacme command: $(head -c 200 "$T/ex-$ex.cmd")"
        continue
    fi
    BIN=$BIN timeout -k 5 90 env $_PEBBLE_UNSET BIN="$BIN" CHALL="$CHALL" \
        sh "$T/ex-$ex.cmd" </dev/null >"$T/ex-$ex.out" 2>"$T/ex-$ex.err"
    RC=$?
    if broken "$T/ex-$ex"; then notok "man-example[$ex]" "$REASON"; continue; fi
    if [ "$RC" -eq 0 ] && grep -q "obtained a new certificate" "$T/ex-$ex.out" &&
            [ -s "$T/state-$ex/cert.pem" ]; then
        ok "man-example[$ex]"
    else
        notok "man-example[$ex]" "exit $RC"
        diag "$T/ex-$ex.err"
    fi
done

# Validation failed: the responder on another port than the one Pebble's validator
# connects to: the authorization becomes invalid.
cli "$T/v" issue --agree-tos --server "$PEBBLE_DIR_URL" --ca-file "$PEBBLE_CA" \
    --state-dir "$T/sv" --http-port "$(pebble_free_ports 1)" -d invalid.example.test
expect "validation-failed" "$T/v" 33 "validation failed" "invalid.example.test"

# --contact: with a new account nothing is said; with the same state dir again (the
# account exists) picoacme says it is ignored.
cli "$T/c1" issue --agree-tos --server "$PEBBLE_DIR_URL" --ca-file "$PEBBLE_CA" \
    --state-dir "$T/sc" --http-port "$PEBBLE_HTTP_PORT" -d contact.example.test \
    --contact mailto:a@example.com
cli "$T/c2" issue --agree-tos --server "$PEBBLE_DIR_URL" --ca-file "$PEBBLE_CA" \
    --state-dir "$T/sc" --http-port "$PEBBLE_HTTP_PORT" -d contact.example.test \
    --contact mailto:b@example.com
RC1=$RC
if grep -q "contact" "$T/c1.err" 2>/dev/null; then
    notok "contact-existing-account" "the first run (new account) spoke of --contact"
elif [ "$RC1" -eq 0 ] && grep -qF "note: --contact is ignored: the account in $T/sc/account.url exists" "$T/c2.err"; then
    ok "contact-existing-account"
else
    notok "contact-existing-account" "exit $RC1"
    diag "$T/c2.err"
fi

# A terminal: a status line rewritten in place and cleared at the end; no terminal:
# nothing on stderr.
if command -v script >/dev/null 2>&1; then
    # shellcheck disable=SC2086 # split on purpose
    timeout -k 5 90 env $_PEBBLE_UNSET script -q -e -c "'$BIN' issue --agree-tos \
        --server '$PEBBLE_DIR_URL' --ca-file '$PEBBLE_CA' --state-dir '$T/stty' \
        --http-port $PEBBLE_HTTP_PORT -d tty.example.test" /dev/null \
        </dev/null >"$T/tty.out" 2>&1
    RC=$?
    n=$(grep -c "$(printf '\r\033\\[K')picoacme: " "$T/tty.out")
    if [ "$RC" -eq 0 ] && [ "$n" -ge 1 ] &&
            grep -q "$(printf '\r\033\\[K')picoacme: obtained a new certificate" "$T/tty.out"; then
        ok "status-line-tty"
        echo "#   $(tr '\r' '\n' <"$T/tty.out" | grep -c 'picoacme: ') status updates"
    else
        notok "status-line-tty" "exit $RC, $n status lines"
        tr '\r' '\n' <"$T/tty.out" | tail -n 4 | sed 's/^/#   /'
    fi
fi
cli "$T/notty" issue --agree-tos --server "$PEBBLE_DIR_URL" --ca-file "$PEBBLE_CA" \
    --state-dir "$T/snotty" --http-port "$PEBBLE_HTTP_PORT" -d notty.example.test
if [ "$RC" -eq 0 ] && [ ! -s "$T/notty.err" ] && [ "$(lines "$T/notty.out")" -eq 1 ]; then
    ok "quiet-without-tty"
else
    notok "quiet-without-tty" "exit $RC, $(lines "$T/notty.err") lines on stderr"
fi

# Key types (README "Key types and signers"): Pebble issues for a P-384 and an
# RSA-2048 certificate key, and to an ES384 account; openssl reads each stored key
# and finds the same public key in the leaf.
# keytype NAME ARGS... -- CERTKEY_WANT ACCOUNTKEY_WANT: issue with ARGS; the leaf's
# and cert.key's "Public-Key:" lines and account.key's must be the ones wanted.
keytype() {
    _n=$1 _args=$2 _ck=$3 _ak=$4
    # shellcheck disable=SC2086 # split on purpose
    cli "$T/k-$_n" issue --agree-tos --server "$PEBBLE_DIR_URL" --ca-file "$PEBBLE_CA" \
        --state-dir "$T/sk-$_n" --http-port "$PEBBLE_HTTP_PORT" -d "$_n.example.test" \
        $_args
    _s=$T/sk-$_n
    _leaf=$(openssl x509 -in "$_s/cert.pem" -noout -text 2>/dev/null |
        grep -E 'Public-Key:|NIST CURVE' | tr -d ' \n')
    _key=$(openssl pkey -in "$_s/cert.key" -pubout 2>/dev/null | openssl pkey -pubin \
        -noout -text 2>/dev/null | grep -E 'Public-Key:|NIST CURVE' | tr -d ' \n')
    _acct=$(openssl pkey -in "$_s/account.key" -noout -text 2>/dev/null |
        grep -E 'NIST CURVE' | tr -d ' \n')
    _same=$(openssl x509 -in "$_s/cert.pem" -noout -pubkey 2>/dev/null | md5sum)
    _mine=$(openssl pkey -in "$_s/cert.key" -pubout 2>/dev/null | md5sum)
    if [ "$RC" -eq 0 ] && [ "$_leaf" = "$_key" ] && [ "$_same" = "$_mine" ] &&
            echo "$_leaf" | grep -qF "$_ck" && echo "$_acct" | grep -qF "$_ak"; then
        ok "key-type[$_n]"
        echo "#   leaf: $_leaf; account: $_acct"
    else
        notok "key-type[$_n]" "exit $RC, leaf '$_leaf', key '$_key', account '$_acct'"
        diag "$T/k-$_n.err"
    fi
}
keytype p384 "--key-type p384" "NISTCURVE:P-384" "NISTCURVE:P-256"
keytype rsa2048 "--key-type rsa2048" "Public-Key:(2048bit)" "NISTCURVE:P-256"
keytype es384 "--account-key-type es384" "NISTCURVE:P-256" "NISTCURVE:P-384"

# Through faultproxy: rate limited, rejectedIdentifier, and the waits of --verbose.
if ! proxy_certs; then
    notok "faultproxy" "$REASON"
    exit 1
fi
cat "$PEBBLE_CA" "$PCA" >"$T/both.pem"

if proxy_start "$T/rl.plog" retry-after --retry-status 429 --retry-seconds 3600; then
    cli "$T/rl" issue --agree-tos --server "$PROXY_URL" --ca-file "$T/both.pem" \
        --state-dir "$T/srl" --http-port "$PEBBLE_HTTP_PORT" -d rl.example.test
    expect "rate-limited" "$T/rl" 30 "rate limited by the CA" "rateLimited" "Retry-After 3600 s"
    proxy_stop
else
    notok "rate-limited" "$REASON"
fi
if proxy_start "$T/rej.plog" pass --reject-name rejected.example.test; then
    cli "$T/rej" issue --agree-tos --server "$PROXY_URL" --ca-file "$T/both.pem" \
        --state-dir "$T/srej" --http-port "$PEBBLE_HTTP_PORT" -d rejected.example.test
    if expect "rejected-identifier" "$T/rej" 31 "will not issue for this name" \
            'rejected.example.test\nsecond line\x1b[31m red\x07'; then
        if tr -d '\n' <"$T/rej.err" | LC_ALL=C grep -q "$(printf '[\001-\037\177]')"; then
            notok "problem-detail-escaped" "a raw control character on stderr"
        else
            ok "problem-detail-escaped"
        fi
    fi
    proxy_stop
else
    notok "rejected-identifier" "$REASON"
fi
if proxy_start "$T/wait.plog" retry-after --retry-every 3 --retry-seconds 1; then
    cli "$T/wait" issue --agree-tos --server "$PROXY_URL" --ca-file "$T/both.pem" \
        --state-dir "$T/swait" --http-port "$PEBBLE_HTTP_PORT" -d wait.example.test --verbose
    # Attempt 2 mostly; 3 when a badNonce retry (Pebble's 5 %) put the
    # retry of a request on the proxy's next third POST.
    n=$(grep -cE '^picoacme: waiting 1\.[0-9] s \(Retry-After\) before retrying https://[^ ]+ \(attempt [234] of 4\)$' "$T/wait.err")
    polls=$(grep -cE '^picoacme: waiting [0-9]+\.[0-9] s \((Retry-After|backoff)\) before polling the (order|authorization)$' "$T/wait.err")
    sent=$(grep -c 'act=retry-after' "$T/wait.plog")
    if [ "$RC" -eq 0 ] && [ "$n" -ge 1 ] && [ "$n" -eq "$sent" ]; then
        ok "verbose-waits"
        echo "#   $n retries after Retry-After (the proxy sent $sent), $polls poll waits: $(grep -m1 'waiting' "$T/wait.err")"
    else
        notok "verbose-waits" "exit $RC, $n retry lines for $sent Retry-After answers"
        diag "$T/wait.err"
    fi
    proxy_stop
else
    notok "verbose-waits" "$REASON"
fi
