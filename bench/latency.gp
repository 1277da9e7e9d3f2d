# bench/latency.gp — the latency-distribution plot of bench_latency's latency.dat (tools/bench-latency):
# latency against percentile, the percentile axis stretched as 1/(1-q) so the tail is visible.
# gnuplot -e "dat='latency.dat'; out='latency'" bench/latency.gp  ->  latency.png, latency.svg
if (!exists("dat")) dat = 'latency.dat'
if (!exists("out")) out = 'latency'
set logscale x
set logscale y
set grid
set key top left
set xlabel "percentile"
set ylabel "latency (us)"
set xtics ("50%%" 2, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 10000, "99.999%%" 100000)
set title "acctsync latency distribution: account update, scheduled write -> book applied (coordinated omission corrected)"
do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 1100,650 noenhanced; set output out.'.png' }
    if (fmt eq "svg") { set terminal svg size 1100,650 noenhanced; set output out.'.svg' }
    plot for [i=0:3] dat index i using (1/(1-$1)):2 with lines linewidth 2 title columnheader(1)
}
