#!/bin/sh
# What the Cortex-M3 firmware build needs: the cross compiler, newlib,
# QEMU, dpkg-source, and the Debian source packages of BearSSL and lwIP
# unpacked under build/fw/src/.  Installs missing packages and writes the
# deb-src entry when running as root; otherwise prints the command and
# fails.  Fetches the sources only when they are not there yet, so a
# second build downloads nothing.  Silent when nothing is to do.
#   sh scripts/fw-deps.sh [SRCDIR]      (default build/fw/src)
#
# The unpacked trees are reached through version-free links
# SRCDIR/bearssl and SRCDIR/lwip; SRCDIR/.stamp marks a complete fetch.
# Debian's own patches are applied by dpkg-source; we add none.
set -u

SRC=${1:-build/fw/src}
APT_SRC=/etc/apt/sources.list.d/picoacme-src.sources
PKGS_SRC="bearssl lwip"

die() {
	echo "fw-deps: $*" >&2
	exit 1
}

is_root() {
	[ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1
}

# Missing tools, as "command:package" pairs.
missing() {
	for _c in qemu-system-arm:qemu-system-arm \
	    arm-none-eabi-gcc:gcc-arm-none-eabi \
	    dpkg-source:dpkg-dev python3:python3 unshare:util-linux \
	    ip:iproute2 timeout:coreutils; do
		command -v "${_c%%:*}" >/dev/null 2>&1 || echo "$_c"
	done
	# newlib-nano: the C library the firmware links.
	[ -f /usr/lib/arm-none-eabi/newlib/thumb/v7-m/nofp/libc_nano.a ] ||
	    echo "newlib:libnewlib-arm-none-eabi"
	[ -f /usr/include/jsmn.h ] || echo "jsmn.h:libjsmn-dev"
}

MISSING=$(missing)
if [ -n "$MISSING" ]; then
	PKGS=$(echo "$MISSING" | sed 's/.*://' | sort -u | tr '\n' ' ')
	CMD="apt-get install -y --no-install-recommends $PKGS"
	if ! is_root; then
		echo "fw-deps: missing: $(echo "$MISSING" | sed 's/:.*//' |
		    tr '\n' ' ')" >&2
		die "install them as root with: apt-get update && $CMD"
	fi
	echo "fw-deps: installing $PKGS" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get -q update >/dev/null || die "apt-get update failed"
	# shellcheck disable=SC2086 # one word per package
	apt-get -q install -y --no-install-recommends $PKGS >/dev/null ||
	    die "failed: $CMD"
	[ -z "$(missing)" ] || die "still missing: $(missing | tr '\n' ' ')"
fi

[ -f "$SRC/.stamp" ] && [ -d "$SRC/bearssl/src" ] && [ -d "$SRC/lwip/src" ] &&
    exit 0

# The sources come from Debian's mirror only, through a deb-src entry.
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
    ! grep -qs '^deb-src' /etc/apt/sources.list; then
	if ! is_root; then
		echo "fw-deps: apt-get source needs a deb-src entry;" \
		    "as root:" >&2
		echo "  write $APT_SRC (deb-src of bookworm main) and" \
		    "run apt-get update" >&2
		exit 1
	fi
	cat >"$APT_SRC" <<'EOF' || die "cannot write $APT_SRC"
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	apt-get -q update >/dev/null || die "apt-get update failed"
fi

mkdir -p "$SRC" || die "cannot create $SRC"
tmp="$SRC/.fetch.$$"
rm -rf "$tmp"
mkdir "$tmp" || die "cannot create $tmp"
trap 'rm -rf "$tmp"' EXIT
echo "fw-deps: apt-get source $PKGS_SRC into $SRC" >&2
fetch() {
	# shellcheck disable=SC2086 # one word per package
	(cd "$tmp" && apt-get -q source $PKGS_SRC >/dev/null 2>fetch.log)
}
# A deb-src entry whose index was never downloaded needs an update first.
if ! fetch && ! { is_root && apt-get -q update >/dev/null && fetch; }; then
	cat "$tmp/fetch.log" >&2
	die "apt-get source $PKGS_SRC failed"
fi
for p in $PKGS_SRC; do
	d=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name "$p-*" |
	    head -n 1)
	if [ -z "$d" ] || [ ! -d "$d/src" ]; then
		die "no unpacked $p tree"
	fi
	rm -rf "${SRC:?}/${d##*/}" "${SRC:?}/$p"
	mv "$d" "$SRC/" || die "cannot move $d"
	ln -s "${d##*/}" "$SRC/$p" || die "cannot link $SRC/$p"
done
# Keep the .dsc and tarballs: they record exactly what was built.
mkdir -p "$SRC/dist" && mv "$tmp"/*.dsc "$tmp"/*.tar.* "$SRC/dist/" 2>/dev/null
date -u '+%Y-%m-%dT%H:%M:%SZ' >"$SRC/.stamp"
exit 0
