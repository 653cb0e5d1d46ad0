# Simulation-based calibration rank histograms (examples/conjugate_sbc):
# Normal-Wishart posterior of Lambda_11 and posterior predictive of x_new,1,
# right (bayesmat) vs a typo (W for W^-1). Uniform ranks = calibrated.
# The grey band is the central 99% range of a bin count under uniformity.
# Input: sbc_ranks.csv; output: $out (default sbc_ranks.png).
if (!exists("csvdir")) csvdir = "."
if (!exists("out")) out = "sbc_ranks.png"
set terminal pngcairo size 900,650 font ",10"
set output out
set datafile separator ","
f = csvdir."/sbc_ranks.csv"
nsim = 1000.; nbins = 20.
e = nsim / nbins
sd = sqrt(nsim * (1 / nbins) * (1 - 1 / nbins))
lo = e - 2.576 * sd; hi = e + 2.576 * sd
set style fill solid 0.7 border lc rgb "black"
set boxwidth 0.9
set xrange [-0.5:19.5]
set yrange [0:400]
set xlabel "rank bin (20 bins of the ranks 0..99)"
set ylabel "count"
set grid ytics
unset key
set multiplot layout 2,2 title "SBC rank histograms, 1000 simulations (uniform = calibrated)"
set title "posterior of {/Symbol L}_{11}: right (bm\\_niw)"
plot [-0.5:19.5] '+' using 1:(lo):(hi) with filledcurves lc rgb "#dddddd", e with lines lc rgb "black", \
     f using 1:2 with boxes lc rgb "#2ca02c"
set title "posterior of {/Symbol L}_{11}: typo W_0 for W_0^{-1}"
plot [-0.5:19.5] '+' using 1:(lo):(hi) with filledcurves lc rgb "#dddddd", e with lines lc rgb "black", \
     f using 1:3 with boxes lc rgb "#d62728"
set title "predictive of x_{new,1}: right (bm\\_niw\\_predictive)"
plot [-0.5:19.5] '+' using 1:(lo):(hi) with filledcurves lc rgb "#dddddd", e with lines lc rgb "black", \
     f using 1:4 with boxes lc rgb "#2ca02c"
set title "predictive of x_{new,1}: typo W_n for W_n^{-1} in the scale"
plot [-0.5:19.5] '+' using 1:(lo):(hi) with filledcurves lc rgb "#dddddd", e with lines lc rgb "black", \
     f using 1:5 with boxes lc rgb "#d62728"
unset multiplot
