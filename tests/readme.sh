#!/bin/sh
# tests/readme.sh -- the C in README.md cannot rot.
#
# The convention: every ```c block of README.md is either
#   - a whole program (it has a main() function): compiled with -Wall
#     -Wextra -Werror against the INSTALLED library (make install into a
#     temporary DESTDIR, flags from its picoacme.pc through pkg-config),
#     and, when it uses the POSIX port (posix_port_init), run against
#     Pebble as its usage line says: it must store a certificate for the
#     new key, then say "fresh" on a second run; or
#   - a fragment: its first line is a comment with the word "fragment"
#     (/* fragment: ... */), and it is skipped.
# A block that is neither fails: a program with main() forgotten would
# otherwise never be compiled.
#
# And the number README.md gives for sizeof(struct acme_client) ("...
# sizeof(struct acme_client) = 65,976 bytes", x86-64, default limits) is
# checked against the installed headers on an x86-64 host.
#
# Prints "readme: N passed, N failed".  Needs the host build (make).
set -u
. tests/pebble/pebble.sh
T=$(mktemp -d)
trap 'pebble_stop; rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
pass=0 fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
notok() { echo "FAILED: $1: $2"; fail=$((fail + 1)); }
README=${README:-README.md}

# The ```c blocks, one file each: $T/block-N.c.
awk -v d="$T" '
    /^```c[ \t]*$/ { n++; f = d "/block-" n ".c"; inb = 1; printf "" > f; next }
    /^```/ && inb { inb = 0; close(f); next }
    inb { print > f }' "$README"
nblocks=$(ls "$T"/block-*.c 2>/dev/null | wc -l)
[ "$nblocks" -gt 0 ] || notok "blocks" "no \`\`\`c block in $README"

# The installed library.
if make --no-print-directory -s install DESTDIR="$T/dest" PREFIX=/usr/local \
    >"$T/install.log" 2>&1; then
	ok "make install into a DESTDIR"
else
	cat "$T/install.log"
	notok "make install" "failed"
fi
PKG_CONFIG_PATH=$T/dest/usr/local/lib/pkgconfig
PKG_CONFIG_SYSROOT_DIR=$T/dest
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
PC_CFLAGS=$(pkg-config --cflags picoacme) || notok "pkg-config" "no picoacme.pc"
PC_LIBS=$(pkg-config --libs picoacme)
CC=${CC:-cc}
CFLAGS="-std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -O1 -g
 -fsanitize=address,undefined -fno-sanitize-recover=all"

posix_prog=
i=0
while [ $i -lt "$nblocks" ]; do
	i=$((i + 1))
	b=$T/block-$i.c
	line=$(grep -n . "$b" | head -n 1 | cut -d: -f1)
	if grep -Eq '(^|[^A-Za-z0-9_])main[(]' "$b"; then
		# shellcheck disable=SC2086
		if $CC $CFLAGS $PC_CFLAGS -o "$T/prog-$i" "$b" $PC_LIBS \
		    >"$T/cc-$i.log" 2>&1; then
			ok "block $i (a program) compiles and links"
		else
			cat "$T/cc-$i.log"
			notok "block $i" "does not compile against the install"
			continue
		fi
		grep -q posix_port_init "$b" && posix_prog=$T/prog-$i
	elif sed -n "${line:-1}p" "$b" | grep -q '^[[:space:]]*/\*.*fragment'; then
		echo "skip: block $i (a fragment)"
	else
		notok "block $i" "neither a program (main) nor marked /* fragment */"
	fi
done

# The POSIX example against Pebble: a certificate, then "fresh".
if [ -z "$posix_prog" ]; then
	notok "example" "no program using posix_port_init in $README"
elif ! pebble_start 0 >"$T/pebble.log" 2>&1; then
	cat "$T/pebble.log"
	notok "example" "pebble_start failed"
else
	mkdir -p "$T/state"
	timeout 120 "$posix_prog" "$PEBBLE_DIR_URL" "$PEBBLE_CA" readme.test \
	    "$PEBBLE_HTTP_PORT" "$T/state" >"$T/run1.out" 2>"$T/run1.err"
	rc=$?
	if [ $rc -eq 0 ] && grep -qx renewed "$T/run1.out" &&
	    pebble_key_matches "$T/state/cert.pem" "$T/state/cert.key" &&
	    ! grep -q Sanitizer "$T/run1.err"; then
		ok "the example gets a certificate from Pebble"
	else
		cat "$T/run1.out" "$T/run1.err"
		notok "example, first run" "exit $rc, no matching cert.pem"
	fi
	timeout 60 "$posix_prog" "$PEBBLE_DIR_URL" "$PEBBLE_CA" readme.test \
	    "$PEBBLE_HTTP_PORT" "$T/state" >"$T/run2.out" 2>"$T/run2.err"
	rc=$?
	if [ $rc -eq 0 ] && grep -qx fresh "$T/run2.out"; then
		ok "the example's second run finds the certificate fresh"
	else
		cat "$T/run2.out" "$T/run2.err"
		notok "example, second run" "exit $rc, not \"fresh\""
	fi
	# A CA file without a certificate: a clear error, exit 1.
	printf 'not a certificate\n' >"$T/none.pem"
	"$posix_prog" "$PEBBLE_DIR_URL" "$T/none.pem" readme.test \
	    "$PEBBLE_HTTP_PORT" "$T/state" >/dev/null 2>"$T/run3.err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q ACME_ERR_PARAM "$T/run3.err"; then
		ok "the example refuses a CA file without a certificate"
	else
		cat "$T/run3.err"
		notok "example, no CA" "exit $rc"
	fi
fi

# The size README.md states, against sizeof with the installed headers.
stated=$(grep -o 'sizeof(struct acme_client) = [0-9,]* bytes' "$README" |
    head -n 1 | sed 's/[^0-9]//g')
if [ "$(uname -m)" != x86_64 ]; then
	echo "skip: the stated sizeof (measured on x86-64)"
elif [ -z "$stated" ]; then
	notok "sizeof" "README.md states no \"sizeof(struct acme_client) = N bytes\""
else
	printf '%s\n' '#include <stdio.h>' '#include <picoacme/acme.h>' \
	    'int main(void) { printf("%zu\n", sizeof(struct acme_client)); return 0; }' \
	    >"$T/sizeof.c"
	# shellcheck disable=SC2086
	real=$($CC $PC_CFLAGS -o "$T/sizeof" "$T/sizeof.c" && "$T/sizeof")
	if [ "$real" = "$stated" ]; then
		ok "README.md's sizeof(struct acme_client) ($stated) is right"
	else
		notok "sizeof" "README.md says $stated, the headers give $real: update it"
	fi
fi
echo "readme: $pass passed, $fail failed"
[ $fail -eq 0 ]
