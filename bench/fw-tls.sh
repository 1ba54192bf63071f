#!/bin/sh
# make size: flash of the firmware image per TLS profile.
#   sh bench/fw-tls.sh SMALL_ELF PUBLIC_ELF FULL_ELF
# SMALL is the shipped image (ACME_TLS_FULL=0); PUBLIC the same with
# ACME_TLS_PUBLIC_CA=1 and ACME_TLS_CHACHA20=0 (Makefile: the whole
# public-CA profile no longer fits the lab image); FULL with
# ACME_TLS_FULL=1.
# Flash is .text + .ARM.exidx + .data; the RAM of the three is the same (BearSSL's contexts do not
# depend on the profile).
set -eu
# The flash total as the image's size report counts it (that report fails
# over budget, which the full profile is: only its total line is used).
flash() {
	sh boards/qemu-mps2-an385/size.sh "$1" | awk '$1 == "total" { print $2 }'
}
small=$(flash "$1")
public=$(flash "$2")
full=$(flash "$3")
echo "TLS profiles (flash of the whole image; budget 131072):"
printf '  %-46s %7d\n' "small (ECDHE-ECDSA P-256, shipped)" "$small"
printf '  %-46s %7d  (+%d)\n' "ACME_TLS_PUBLIC_CA=1 (+RSA, P-384; -ChaCha20, -X25519)" \
    "$public" $((public - small))
printf '  %-46s %7d  (+%d)%s\n' "ACME_TLS_FULL=1 (+AES-256, SHA-512)" "$full" \
    $((full - small)) "$([ "$full" -gt 131072 ] && echo ': over budget')"
