#!/bin/sh
# make size: flash of the firmware image per TLS profile.
#   sh bench/fw-tls.sh SMALL_ELF PUBLIC_ELF FULL_ELF
# SMALL is the shipped image (ACME_TLS_FULL=0); PUBLIC the same with
# ACME_TLS_PUBLIC_CA=1; FULL with ACME_TLS_FULL=1 (br_ssl_client_init_full).
# Flash is .text + .ARM.exidx + .data, as boards/qemu-mps2-an385/size.sh
# counts it; the RAM of the three is the same (BearSSL's contexts do not
# depend on the profile).
set -eu
READELF=${FW_CROSS:-arm-none-eabi-}readelf
flash() {
	_s=0
	for _h in $($READELF -S -W "$1" | sed -n 's/^ *\[ *[0-9]*\] *//p' |
	    awk '$1 == ".text" || $1 == ".ARM.exidx" || $1 == ".data" {
		print $5 }'); do
		_s=$((_s + 0x$_h))
	done
	echo "$_s"
}
small=$(flash "$1")
public=$(flash "$2")
full=$(flash "$3")
echo "TLS profiles (flash of the whole image; budget 131072):"
printf '  %-34s %7d\n' "small (ECDHE-ECDSA P-256, shipped)" "$small"
printf '  %-34s %7d  (+%d)\n' "ACME_TLS_PUBLIC_CA=1 (+RSA, P-384)" \
    "$public" $((public - small))
printf '  %-34s %7d  (+%d)%s\n' "ACME_TLS_FULL=1 (init_full)" "$full" \
    $((full - small)) "$([ "$full" -gt 131072 ] && echo ': over budget')"
