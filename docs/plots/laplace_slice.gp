# Laplace approximation vs the exact posterior of a Bayesian logistic
# regression (n = 20) along a 1-D slice through the mode.
# Input: laplace_slice.csv from examples/logistic_laplace (in the current
# directory, or set csvdir); output: $out (default laplace_slice.png).
if (!exists("csvdir")) csvdir = "."
if (!exists("out")) out = "laplace_slice.png"
set terminal pngcairo size 800,500 font ",11"
set output out
set datafile separator ","
set key top left
set title "Bayesian logistic regression (n = 20): posterior on a slice through the mode"
set xlabel "{/Symbol b}_1 (other coefficients at the mode)"
set ylabel "density p({/Symbol b} | y)"
set grid
set offsets graph 0, graph 0, graph 0.25, graph 0
plot csvdir."/laplace_slice.csv" using 1:2 with lines lw 2 lc rgb "#1f77b4" title "exact (f({/Symbol b}) / p(y), p(y) by importance sampling)", \
     ""                          using 1:3 with lines lw 2 dt 2 lc rgb "#d62728" title "Laplace approximation N({/Symbol b}; mode, (-H)^{-1})"
