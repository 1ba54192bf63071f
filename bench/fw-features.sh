#!/bin/sh
# make size: what each compile-time feature of core adds to the firmware,
# measured on the Cortex-M3 build of core/ with the image's own flags
# (build/fw/app.flags) and the feature switched on: the object code of
# core/*.c (-Os, before the link drops what is unused) and
# sizeof(struct acme_client).
#   sh bench/fw-features.sh APP_FLAGS_FILE 'NAME::-DFLAGS ...' ...
# Each argument is a label, '::', the -D flags that turn a feature on
# over the image's own (which has them off), and optionally '::' and the
# BearSSL objects the feature pulls in (members of libbearssl.a beside
# APP_FLAGS_FILE, counted whole: the server engine for tls-alpn-01).
set -eu
flags=$(cat "$1")
flagsfile=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure DIR EXTRA_FLAGS: prints "TEXT SIZEOF".
measure() {
	mkdir -p "$1"
	for f in core/*.c; do
		# shellcheck disable=SC2086 # flags split on purpose
		$flags $2 -c "$f" -o "$1/$(basename "$f" .c).o"
	done
	printf '#include "acme.h"\nconst unsigned long acme_client_size = sizeof(struct acme_client);\n' \
	    >"$1/sz.c"
	# shellcheck disable=SC2086
	$flags $2 -c "$1/sz.c" -o "$1/sz.o"
	text=$(arm-none-eabi-size "$1"/[!s]*.o "$1"/s[!z]*.o 2>/dev/null |
	    awk 'NR > 1 { t += $1 } END { print t }')
	sz=$(arm-none-eabi-objdump -s -j .rodata.acme_client_size "$1/sz.o" |
	    awk '/^ 0000/ { print $2; exit }')
	# little endian 32-bit
	sz=$(printf '%d' "0x$(echo "$sz" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/')")
	echo "$text $sz"
}

base=$(measure "$tmp/base" "")
echo "core features (Cortex-M3 -Os object code of core/, struct acme_client):"
printf '  %-44s %7s %7s\n' "the image as built" \
    "${base% *}" "${base#* }"
for spec in "$@"; do
	label=${spec%%::*}
	extra=${spec#*::}
	lib=
	case $extra in *::*) lib=${extra#*::}; extra=${extra%%::*} ;; esac
	m=$(measure "$tmp/f" "$extra")
	libtext=0
	if [ -n "$lib" ]; then
		libtext=$(arm-none-eabi-size "$(dirname "$flagsfile")/libbearssl.a" |
		    awk -v want=" $lib " 'NR > 1 && index(want, " " $6 " ") {
			t += $1 } END { print t + 0 }')
	fi
	printf '  %-44s %+7d %+7d\n' "$label" \
	    $((${m% *} - ${base% *} + libtext)) $((${m#* } - ${base#* }))
	rm -rf "$tmp/f"
done
