#!/bin/sh
# Flash and RAM of a firmware image, per part, against the budget.
#   sh boards/qemu-mps2-an385/size.sh ELF [QEMU_LOG]
# Totals come from the section headers of ELF; the split comes from ELF.map
# (the linker map board.mk writes beside it).  Parts: core (core/), port
# (port/), app (the other objects of this repository), board (startup,
# board, uart, semihost, lan9118, clock_sntp), BearSSL, lwIP, libc
# (newlib-nano and libgcc), align (padding), stack (the stack region).
# Flash is .text + .ARM.exidx + the initial values of .data; RAM is
# .data + .bss + stack.  An -flto image (the field image) has no objects
# per part in its map (the link merges them), so its split goes by each
# symbol's source file from the debug information (nm -l); what has none
# (static tables, mostly BearSSL's T0 code and curve constants; all the
# RAM: the largest RAM objects are listed below) and the padding are one
# row, "unattributed".
# With QEMU_LOG (the UART output of a run ending in board_exit()), also the
# peak stack and the CPU time measured at run time.  Fails when malloc is
# linked or a total exceeds FW_FLASH_MAX (131072) or FW_RAM_MAX (65536)
# bytes.
set -u
ELF=${1:?usage: size.sh ELF [QEMU_LOG]}
LOG=${2:-}
MAP=${ELF%.elf}.map
FLASH_MAX=${FW_FLASH_MAX:-131072}
RAM_MAX=${FW_RAM_MAX:-65536}
NM=${FW_CROSS:-arm-none-eabi-}nm
READELF=${FW_CROSS:-arm-none-eabi-}readelf

for f in "$ELF" "$MAP"; do
	[ -f "$f" ] || { echo "size: no $f" >&2; exit 2; }
done

# Section sizes from the headers, as "name size" (decimal).
secs=$($READELF -S -W "$ELF" | sed -n 's/^ *\[ *[0-9]*\] *//p' |
    while read -r name _type _addr _off size _rest; do
	printf '%s %d\n' "$name" "0x$size"
done)
sec() {
	echo "$secs" | awk -v s="$1" '$1 == s { v = $2 } END { print v + 0 }'
}
text=$(sec .text)
exidx=$(sec .ARM.exidx)
data=$(sec .data)
bss=$(sec .bss)
stack=$(sec .stack)
flash=$((text + exidx + data))
ram=$((data + bss + stack))

echo "size: $ELF"
BOARD_FILES="startup board uart semihost lan9118 clock_sntp"
if grep -q 'ltrans[0-9]*\.ltrans\.o' "$MAP"; then
	# -flto: one row per part by source file (each address once: LTO
	# leaves aliases), the rest unattributed.
	${FW_CROSS:-arm-none-eabi-}nm -S -l --defined-only "$ELF" | awk \
	    -v board="$BOARD_FILES" -v flash="$flash" -v ram="$ram" \
	    -v stack="$stack" '
function hex(s,   i, v) {
	v = 0
	s = tolower(s)
	for (i = 1; i <= length(s); i++)
		v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v
}
NF < 4 { next }
seen[$1 $3]++ { next }
{
	size = hex($2)
	f = NF >= 5 ? $5 : ""
	p = ""
	if (f ~ /\/src\/bearssl/) p = "BearSSL"
	else if (f ~ /\/src\/lwip/) p = "lwIP"
	else if (f ~ /newlib|libgcc/) p = "libc"
	else if (f ~ /\/core\//) p = "core"
	else if (f ~ /\/port\//) p = "port"
	else if (f ~ /\/boards\//) {
		b = f
		sub(/:.*/, "", b)
		sub(/.*\//, "", b)
		sub(/\.[ch]$/, "", b)
		p = index(" " board " ", " " b " ") > 0 ? "board" : "app"
	} else if (f ~ /\/gen\//) p = "app"
	if (p == "") next
	if ($3 ~ /^[TtRrWw]$/) fl[p] += size
	else if ($3 ~ /^[Dd]$/) { fl[p] += size; rm[p] += size }
	else if ($3 ~ /^[Bb]$/) rm[p] += size
	else next
	sf += ($3 ~ /^[Bb]$/) ? 0 : size
	sr += ($3 ~ /^[DdBb]$/) ? size : 0
}
END {
	k = split("core port app board BearSSL lwIP libc", order, " ")
	printf "  %-8s %8s %8s   (-flto: by source file, debug info)\n",
	    "part", "flash", "RAM"
	for (i = 1; i <= k; i++)
		printf "  %-8s %8d %8d\n", order[i], fl[order[i]],
		    rm[order[i]]
	printf "  %-8s %8d %8d\n", "unattrib", flash - sf,
	    ram - stack - sr
	printf "  %-8s %8d %8d\n", "stack", 0, stack
}'
else
# Input sections of .text and .ARM.exidx (flash), .data (both), .bss and
# .stack (RAM), charged to their part.  Each entry is charged up to the
# address of the next, so merged string sections (the map lists them at
# one address, with their sizes before merging) count once.
awk -v board="$BOARD_FILES" '
function hex(s,   i, v) {
	v = 0
	s = tolower(s)
	sub(/^0x/, "", s)
	for (i = 1; i <= length(s); i++)
		v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v
}
function part(file,   b) {
	if (file == "") return "align"
	if (file ~ /libbearssl\.a\(/) return "BearSSL"
	if (file ~ /liblwip\.a\(/) return "lwIP"
	if (file ~ /lib(c|c_nano|g|g_nano|gcc|nosys)\.a\(/) return "libc"
	if (file ~ /\/obj\/core\//) return "core"
	if (file ~ /\/obj\/port\//) return "port"
	b = file
	sub(/.*\//, "", b)
	sub(/\.o$/, "", b)
	if (file ~ /\/obj\/boards\// && index(" " board " ", " " b " ") > 0)
		return "board"
	return "app"
}
function add(addr, size, file) {
	if (out == "") return
	n++
	ea[n] = addr
	es[n] = size
	ef[n] = file
}
function flush(   i, eff, p) {
	for (i = 1; i <= n; i++) {
		eff = es[i]
		if (i < n && ea[i + 1] >= ea[i]) eff = ea[i + 1] - ea[i]
		if (eff == 0) continue
		p = out == ".stack" ? "stack" : part(ef[i])
		seen[p] = 1
		if (out == ".text" || out == ".ARM.exidx") fl[p] += eff
		else if (out == ".data") { fl[p] += eff; rm[p] += eff }
		else if (out == ".bss" || out == ".stack") rm[p] += eff
	}
	n = 0
}
/^Linker script and memory map/ { inmap = 1; next }
!inmap { next }
/^[^ ]/ { flush(); out = $1; pend = ""; next }
# " .name 0xADDR 0xSIZE file", or " .name" and then "  0xADDR 0xSIZE file"
/^ [^ ]/ && NF == 1 { pend = $1; next }
/^ \*fill\*/ { add(hex($2), hex($3), ""); next }
/^ [^ *]/ && $2 ~ /^0x/ && $3 ~ /^0x/ { add(hex($2), hex($3), $4); next }
/^  +0x/ && pend != "" && $2 ~ /^0x/ && NF >= 3 {
	add(hex($1), hex($2), $3)
	pend = ""
	next
}
{ pend = "" }
END {
	flush()
	k = split("core port app board BearSSL lwIP libc align stack",
	    order, " ")
	printf "  %-8s %8s %8s\n", "part", "flash", "RAM"
	for (i = 1; i <= k; i++) {
		p = order[i]
		if (!(p in seen)) continue
		printf "  %-8s %8d %8d\n", p, fl[p], rm[p]
	}
}' "$MAP"
fi

printf '  %-8s %8d %8d   (.text %d + .ARM.exidx %d + .data %d;' \
    total "$flash" "$ram" "$text" "$exidx" "$data"
printf ' .data + .bss %d + stack %d)\n' "$bss" "$stack"
printf '  %-8s %8d %8d\n' budget "$FLASH_MAX" "$RAM_MAX"

echo "  largest RAM objects:"
$NM -S --size-sort "$ELF" | awk '$3 ~ /^[bBdD]$/' | tail -n 8 |
    while read -r _addr size _type name; do
	printf '    %-36s %6d\n' "$name" "0x$size"
done

if [ -n "$LOG" ]; then
	# The log may hold several boots: the deepest stack of all, and the
	# CPU time of the first (a full issuance).
	peak=$(sed -n \
	    's/.*(stack peak \([0-9]*\) of \([0-9]*\) bytes.*/\1 \2/p' \
	    "$LOG" | sort -n | tail -n 1)
	busy=$(sed -n 's/.*(stack peak .*, busy \([0-9]*\) us).*/\1/p' "$LOG" |
	    head -n 1)
	boots=$(grep -c '(stack peak ' "$LOG")
	if [ -n "$peak" ]; then
		echo "  stack peak (run time, deepest of $boots boots):" \
		    "${peak% *} of ${peak#* } bytes"
	else
		echo "  stack peak: not found in $LOG"
	fi
	[ -n "$busy" ] && echo "  CPU busy (run time, first boot): $busy us" \
	    "(under -icount shift=0: about $busy thousand instructions)"
fi

status=0
if $NM "$ELF" | awk '$NF == "malloc" || $NF == "_malloc_r" { f = 1 }
    END { exit !f }'; then
	echo "size: FAIL: malloc is linked (there is no heap)"
	status=1
fi
if [ "$flash" -gt "$FLASH_MAX" ]; then
	echo "size: FAIL: flash $flash > $FLASH_MAX bytes"
	status=1
fi
if [ "$ram" -gt "$RAM_MAX" ]; then
	echo "size: FAIL: RAM $ram > $RAM_MAX bytes"
	status=1
fi
[ "$status" -eq 0 ] && echo "size: within budget:" \
    "flash $flash of $FLASH_MAX, RAM $ram of $RAM_MAX bytes"
exit "$status"
