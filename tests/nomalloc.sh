#!/bin/sh
# core/ must not allocate nor print: check the undefined symbols of every
# core object.  Prints "nomalloc: N passed, N failed"; exit 1 on failure.
# DESIGN.md section 3.
set -u
bad='^(malloc|calloc|realloc|free|strdup|strndup|aligned_alloc|posix_memalign|printf|fprintf|vprintf|vfprintf|puts|fputs|putchar|fputc|perror|fopen|fclose|fread|fwrite|fflush|fgets|getchar|scanf|sscanf|fscanf|__printf_chk|__fprintf_chk|_IO_putc)$'
pass=0 fail=0
for o in "$@"; do
	syms=$(nm -u "$o" | awk '{print $NF}' | sed 's/@.*//' | grep -E "$bad")
	if [ -n "$syms" ]; then
		echo "not ok - $o references: $(echo $syms)"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done
[ "$#" -gt 0 ] || fail=1
echo "nomalloc: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
