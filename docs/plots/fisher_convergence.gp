# Monte Carlo estimates of the matrix-F Fisher information (p = 2, nu = 5,
# delta = 6) converging to the closed form, as ratios estimate / closed form
# with one-standard-error bars. Input: fisher_convergence.csv from
# examples/matf_fisher_jeffreys; output: $out (default fisher_convergence.png).
if (!exists("csvdir")) csvdir = "."
if (!exists("out")) out = "fisher_convergence.png"
set terminal pngcairo size 800,500 font ",11"
set output out
set datafile separator ","
set logscale x 2
set format x "2^{%L}"
set xrange [40:200000]
set yrange [0.6:1.5]
set key bottom right
set title "Matrix F: Monte Carlo Fisher information / closed form (±1 s.e.)"
set xlabel "number of draws"
set ylabel "estimate / closed form"
set grid
f = csvdir."/fisher_convergence.csv"
plot 1 with lines lc rgb "black" lw 1 notitle, \
     f using ($1*0.94):2:3   with yerrorlines lc rgb "#1f77b4" pt 7 ps 0.7 title "I_{{/Symbol Y}_{11}{/Symbol Y}_{11}}: E[s s^T]", \
     f using ($1*0.98):4:5   with yerrorlines lc rgb "#1f77b4" dt 2 pt 5 ps 0.7 title "I_{{/Symbol Y}_{11}{/Symbol Y}_{11}}: E[-H]", \
     f using ($1*1.02):6:7   with yerrorlines lc rgb "#2ca02c" pt 7 ps 0.7 title "I_{{/Symbol n}{/Symbol n}}: E[s s^T]", \
     f using ($1*1.06):10:11 with yerrorlines lc rgb "#d62728" pt 7 ps 0.7 title "I_{{/Symbol d}{/Symbol d}}: E[s s^T]", \
     f using ($1*1.10):14:15 with yerrorlines lc rgb "#9467bd" pt 7 ps 0.7 title "I_{{/Symbol Y}_{11}{/Symbol n}}: E[s s^T]", \
     f using ($1*1.14):16:17 with yerrorlines lc rgb "#9467bd" dt 2 pt 5 ps 0.7 title "I_{{/Symbol Y}_{11}{/Symbol n}}: E[-H]"
