#!/bin/sh
# make size: the lab and the field firmware images side by side (flash,
# RAM, and the stack peak measured at run time under QEMU).
#   sh bench/fw-images.sh LAB_ELF LAB_LOG FIELD_ELF FIELD_LOG
# The logs are UART output of runs ending in board_exit() ("stack peak N
# of M bytes"); the deepest of the boots in each counts.
set -eu
[ $# -eq 4 ] || { echo "usage: bench/fw-images.sh LAB_ELF LAB_LOG FIELD_ELF FIELD_LOG" >&2; exit 2; }
total() {
	sh boards/qemu-mps2-an385/size.sh "$1" | awk -v c="$2" '$1 == "total" { print $c }'
}
peak() {
	sed -n 's/.*(stack peak \([0-9]*\) of \([0-9]*\) bytes.*/\1 \2/p' \
	    "$1" 2>/dev/null | sort -n | tail -n 1
}
lf=$(total "$1" 2) lr=$(total "$1" 3) ff=$(total "$3" 2) fr=$(total "$3" 3)
lp=$(peak "$2") fp=$(peak "$4")
echo "firmware images (budget: flash 131072, RAM 65536 with the stack):"
printf '  %-22s %10s %10s\n' "" lab field
printf '  %-22s %10d %10d\n' "flash" "$lf" "$ff"
printf '  %-22s %10d %10d\n' "flash left" $((131072 - lf)) $((131072 - ff))
printf '  %-22s %10d %10d\n' "RAM (stack included)" "$lr" "$fr"
printf '  %-22s %10d %10d\n' "RAM left" $((65536 - lr)) $((65536 - fr))
printf '  %-22s %10s %10s   (of %s bytes)\n' "stack peak (run time)" \
    "${lp% *}" "${fp% *}" "${fp#* }"
