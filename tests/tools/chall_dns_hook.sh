#!/bin/sh
# A dns-01 hook for the tests (picoacme --dns-hook): "$0 add|remove NAME
# VALUE" sets or clears NAME's TXT record in pebble-challtestsrv through
# its management API at $CHALL (tests/pebble/pebble.sh's
# PEBBLE_CHALL_MGMT).  Knobs: HOOK_LOG=FILE appends "OP NAME VALUE" per
# run; HOOK_LATER=N answers 75 ("not yet") to the first N runs of each
# add; HOOK_FAIL=1 fails every add.  Used by tests/cli.sh and
# tests/pebble/challenges.sh.
op=$1 name=$2 value=${3:-}
[ -n "${HOOK_LOG:-}" ] && echo "$op $name $value" >>"$HOOK_LOG"
if [ "$op" = add ]; then
    [ "${HOOK_FAIL:-0}" = 1 ] && exit 1
    if [ -n "${HOOK_LOG:-}" ]; then
        n=$(grep -c "^add $name $value\$" "$HOOK_LOG")
        [ "$n" -le "${HOOK_LATER:-0}" ] && exit 75
    fi
    path=set-txt body="{\"host\":\"$name.\",\"value\":\"$value\"}"
else
    path=clear-txt body="{\"host\":\"$name.\"}"
fi
exec python3 -c '
import sys, urllib.request
op = urllib.request.build_opener(urllib.request.ProxyHandler({}))
r = op.open(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(),
    method="POST"), timeout=5)
sys.exit(0 if r.status == 200 else 1)' "$CHALL/$path" "$body"
