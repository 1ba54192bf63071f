#!/bin/sh
# Integration tests: picoacme against Pebble on loopback with real http-01 validation.
#   sh tests/pebble/run.sh BINARY
# Prints "ok - NAME" / "not ok - NAME: reason" per test (diagnostics on "# " lines), then
# "integration: N passed, N failed"; exits non-zero if any test failed.
# PEBBLE_KEEP=1 keeps Pebble's work dir (logs, CLI state dirs) for a look afterwards.
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
PASS=0
FAIL=0
T=                  # scratch dir for this suite (inside PEBBLE_WORK)

ok() { echo "ok - $1"; PASS=$((PASS + 1)); }
notok() { echo "not ok - $1: $2"; FAIL=$((FAIL + 1)); }
# Up to 8 lines of a file as diagnostics.
diag() { [ -s "$1" ] && tail -n 8 "$1" | sed 's/^/#   /'; return 0; }

# shellcheck disable=SC2317 # called by the EXIT trap
finish() {
    _rc=$?
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
# OUT.out, stderr to OUT.err, exit status in RC.
run_cli() {
    _secs=$1 _out=$2
    shift 2
    # shellcheck disable=SC2086 # split on purpose
    timeout -k 5 "$_secs" env $_PEBBLE_UNSET "$BIN" "$@" </dev/null >"$_out.out" 2>"$_out.err"
    RC=$?
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
issue() {
    _o=$1 _s=$2
    shift 2
    _args=
    for _n in "$@"; do _args="$_args -d $_n"; done
    # shellcheck disable=SC2086 # names contain no spaces
    run_cli "$CLI_TIMEOUT" "$_o" issue --agree-tos --server  "$PEBBLE_DIR_URL" --ca-file "$PEBBLE_CA" \
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
    _m=$(stat -c %a "$_d/cert.key")
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
run_cli "$FAIL_TIMEOUT" "$T/e1" issue --agree-tos --server  "$PEBBLE_DIR_URL" --ca-file "$PEBBLE_CA" \
    --state-dir "$S" --http-port "$PEBBLE_HTTP_PORT" -d 'bad_name.picoacme.test'
expect_failure "$N" "$T/e1" "$S"

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

exit 0
