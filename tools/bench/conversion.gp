# Conversion time against size, in place against the 6.12 copy path.
# Run by scripts/bench.sh in build/bench, on conversion.dat from report.py.
set terminal png size 900,600 font ",11" noenhanced
set output "conversion.png"
set title "guest_memfd: shared -> private -> shared round trip (make bench, QEMU TCG)"
set xlabel "bytes converted"
set ylabel "time (microseconds, TCG)"
set logscale xy
set xtics ("4K" 4096, "16K" 16384, "64K" 65536, "256K" 262144, "1M" 1048576, \
	"4M" 4194304, "16M" 16777216, "64M" 67108864, "256M" 268435456, "1G" 1073741824)
set format y "%g"
set grid
set key top left
set datafile missing "?"
plot "conversion.dat" using 1:4 with linespoints title "copy path (6.12: VM attributes, guest copies, punch)", \
     "" using 1:3 with linespoints title "in place + guest/host re-fault every page", \
     "" using 1:2 with linespoints title "in place (KVM_SET_MEMORY_ATTRIBUTES2)", \
     "" using 1:5 with linespoints title "in place, never-allocated range"
