# make bench's chart (gnuplot, Debian's gnuplot-nox): what one issuance
# costs each client (medians, with min-max bars), and the firmware's
# flash and RAM by part against the 128 KB / 64 KB budget and the split
# of its instructions.
#   gnuplot -e "dir='OUTDIR'; out='chart.svg'; title='...'" bench/chart.gp
# (nocode=1: the code sizes were not measured, host.dat has nan there).
# Reads dir/host.dat, dir/fw-parts.dat and dir/fw-split.dat (bench/compare.py,
# bench/fw.sh).
if (!exists("title")) title = "picoacme: make bench"
set terminal svg size 1200,760 dynamic font "sans,12" background "white"
set output out
set multiplot layout 2,3 title title font ",15"
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set boxwidth 0.8
set grid ytics lc rgb "#dddddd"
set key off
set xtics nomirror scale 0 rotate by -30 left font ",10"
set ytics nomirror
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
col(n) = (strcol(1)[1:8] eq "picoacme") ? 0x2e7d32 : 0x8c8c8c
h = dir."/host.dat"

set title "wall time per issuance (ms)"
plot h using 0:2:(0.7):(col(0)) with boxes lc rgb variable, \
     '' using 0:2:5:6 with yerrorbars lc rgb "black" pt -1, \
     '' using 0:6:(sprintf("%.0f", $2)):xtic(1) with labels offset 0,0.8
set title "CPU per issuance, user+sys (ms)"
plot h using 0:3:(0.7):(col(0)) with boxes lc rgb variable, \
     '' using 0:3:7:8 with yerrorbars lc rgb "black" pt -1, \
     '' using 0:8:(sprintf("%.0f", $3)):xtic(1) with labels offset 0,0.8
set title "peak RSS (MB)"
plot h using 0:4:(0.7):(col(0)) with boxes lc rgb variable, \
     '' using 0:4:9:10 with yerrorbars lc rgb "black" pt -1, \
     '' using 0:10:(sprintf("%.1f", $4)):xtic(1) with labels offset 0,0.8
if (!exists("nocode")) nocode = 0
if (nocode) {
	set title "code loaded: not measured (strace could not trace)"
	plot h using 0:(0):xtic(1) with points pt -1
} else {
	set title "program + libraries + modules loaded (MB)"
	plot h using 0:11:(0.7):(col(0)) with boxes lc rgb variable, \
	     '' using 0:11:(sprintf("%.1f", $11)):xtic(1) with labels offset 0,0.8
}

# The firmware: one stacked bar each for flash and RAM, KB, by part.
set title "firmware (Cortex-M3 lab image): KB by part"
set style histogram rowstacked
set boxwidth 0.6
set key outside right top vertical font ",10" reverse Left
p = dir."/fw-parts.dat"
set xtics norotate ("flash" 0, "RAM" 1)
set xrange [-0.6:1.6]
set yrange [0:140]
set offsets 0, 0, 0, 0
set arrow 1 from -0.45,128 to 0.45,128 nohead lc rgb "red" lw 2 dt 2 front
set arrow 2 from 0.55,64 to 1.45,64 nohead lc rgb "red" lw 2 dt 2 front
set label 1 "128 KB" at 0,133 center tc rgb "red" front
set label 2 "64 KB" at 1,69 center tc rgb "red" front
set palette defined (0 "#1b5e20", 1 "#66bb6a", 2 "#ffb300", 3 "#8d6e63", \
    4 "#1565c0", 5 "#90caf9", 6 "#ab47bc", 7 "#bdbdbd", 8 "#ef5350")
unset colorbox
parts = "core port app board BearSSL lwIP libc align stack"
plot for [i=1:9] p every ::(i-1)::(i-1) \
         using (0):($5/1024.):(-0.3):(0.3):($4/1024.):($5/1024.) \
         with boxxyerror fc palette frac (i-1)/8. title word(parts, i), \
     for [i=1:9] p every ::(i-1)::(i-1) \
         using (1):($7/1024.):(0.7):(1.3):($6/1024.):($7/1024.) \
         with boxxyerror fc palette frac (i-1)/8. notitle
unset arrow 1; unset arrow 2; unset label 1; unset label 2; unset key

# Its instructions per issuance, by what they do.
set title "firmware: one issuance, M guest instructions"
set style histogram clustered
set xrange [*:*]
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set xtics rotate by -30 left font ",10"
s = dir."/fw-split.dat"
plot s using 0:2:(0.7) with boxes lc rgb "#1565c0", \
     '' using 0:2:(sprintf("%.1f", $2)):xtic(1) with labels offset 0,0.8
unset multiplot
