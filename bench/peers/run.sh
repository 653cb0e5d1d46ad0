#!/usr/bin/env bash
# bench/peers/run.sh BUILD_DIR [--threads 1] [--reps N] [--quick]
#
# Times bayesmat against Stan Math, GSL and scipy on the same workloads and
# the same data, and prints one table (workload, p, bayesmat's median time,
# each peer's median time and its ratio to bayesmat). README.md beside this
# file says what each peer computes and how to read the table.
#
#   BUILD_DIR     a configured and built bayesmat tree (libbayesmat.a in it);
#                 the peer programs and the data are written to
#                 BUILD_DIR/bench-peers/
#   --threads 1   OPENBLAS_NUM_THREADS=1 in the environment of every peer
#                 process (bayesmat's included); without it OpenBLAS runs as
#                 installed, as users run it
#   --reps N      timing batches per measurement (median; default 31)
#   --quick       --reps 5: a smoke run, not for quoting
#   --cpu-time    time with each process's CPU clock instead of wall time
#                 (less disturbed by other load; meaningful only with
#                 --threads 1, since it adds up the time of all threads)
#
# Installs nothing: it checks what each peer needs and skips (and names) a
# peer whose prerequisites are missing; scripts/install-peers installs them.
# Before any peer is timed on a row, its value must agree with bayesmat's
# to a relative 1e-10 (and, where the peer has gradients, the gradient
# checksums of peer_common.h to 1e-8); a peer that disagrees is reported and
# not timed. Not part of CI: timings on a shared machine are indicative only.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

usage() { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
build=$(cd "$1" 2>/dev/null && pwd) || { echo "run.sh: no build directory '$1'" >&2; exit 2; }
shift
threads=""
reps=31
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="${2:?--threads needs a number}"; shift 2 ;;
    --reps) reps="${2:?--reps needs a number}"; shift 2 ;;
    --quick) reps=5; shift ;;
    --cpu-time) export PEER_CLOCK=cpu; shift ;;
    *) usage ;;
  esac
done
if [ -n "$threads" ]; then export OPENBLAS_NUM_THREADS="$threads"; fi
if [ "${PEER_CLOCK:-}" = cpu ] && [ "${OPENBLAS_NUM_THREADS:-}" != 1 ]; then
  echo "run.sh: warning: --cpu-time without --threads 1 adds up the CPU time of OpenBLAS's threads" >&2
fi

# The workloads of the speed comparison in bench/README.md: every row
# includes the parameter set-up (the factorization).
N=1000
MVN_PS=(5 400)
WISHART_PS=(5 20 100)
ROWS=(
  "mvn_loglik 5" "mvn_loglik 400"
  "mvn_loglik_grad 5" "mvn_loglik_grad 400"
  "wishart_logpdf 5" "wishart_logpdf 20" "wishart_logpdf 100"
  "wishart_logpdf_grad 5" "wishart_logpdf_grad 20" "wishart_logpdf_grad 100"
)
PEERS=(stan stan_chol gsl scipy)

CC=${CC:-cc}
CXX=${CXX:-c++}
# The flags of the library's Release build; no -march=native for anyone,
# since Debian's packages (OpenBLAS aside, which dispatches at run time)
# are built for the generic x86-64 either way.
# CFLAGS / CXXFLAGS from the environment are split into words on purpose.
read -ra cflags <<<"${CFLAGS:--O3 -DNDEBUG}"
read -ra cxxflags <<<"${CXXFLAGS:--O3 -DNDEBUG}"
STAN_MATH_INCLUDE=${STAN_MATH_INCLUDE:-/usr/lib/R/site-library/StanHeaders/include}
EIGEN_INCLUDE=${EIGEN_INCLUDE:-/usr/include/eigen3}
PY=${PY:-/usr/bin/python3}

out="$build/bench-peers"
mkdir -p "$out/data"

missing=()
have_header() { # $1 compiler, $2 header, further args: include flags
  local c=$1 h=$2; shift 2
  echo "#include <$h>" | "$c" -x "$([ "$c" = "$CXX" ] && echo c++ || echo c)" -E "$@" - >/dev/null 2>&1
}

# ---- bayesmat (required) ----
lib="$build/libbayesmat.a"
[ -f "$lib" ] || { echo "run.sh: $lib not found: build the library first (cmake --build $build)" >&2; exit 1; }
have_header "$CC" gsl/gsl_randist.h || { echo "run.sh: GSL headers missing (libgsl-dev)" >&2; exit 1; }
bm_libs=(-llapacke -lopenblas -lgsl -lm)
# an OpenMP build of the library needs the OpenMP runtime at link time
if grep -q '^BAYESMAT_OPENMP:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then bm_libs+=(-fopenmp); fi
"$CC" "${cflags[@]}" -std=c11 -I"$repo/include" "$here/peer_bayesmat.c" -o "$out/peer_bayesmat" "$lib" "${bm_libs[@]}" ||
  { echo "run.sh: could not build the bayesmat program against $build" >&2; exit 1; }

# ---- the peers: each is built only if what it needs is there ----
declare -A cmd
cmd[gsl]=""
if "$CC" "${cflags[@]}" -std=c11 "$here/peer_gsl.c" -o "$out/peer_gsl" -lgsl -lopenblas -lm 2>"$out/peer_gsl.log"; then
  cmd[gsl]="$out/peer_gsl"
else
  missing+=("gsl: could not build (see $out/peer_gsl.log; needs libgsl-dev >= 2.6, libopenblas-dev)")
fi

cmd[stan]=""
cmd[stan_chol]=""
stan_ok=1
have_header "$CXX" Eigen/Dense -I"$EIGEN_INCLUDE" ||
  { stan_ok=0; missing+=("stan: Eigen headers not in $EIGEN_INCLUDE (libeigen3-dev, or set EIGEN_INCLUDE)"); }
# (Stan's version header already includes Eigen: look for the file itself)
[ -f "$STAN_MATH_INCLUDE/stan/math.hpp" ] ||
  { stan_ok=0; missing+=("stan: Stan Math headers not in $STAN_MATH_INCLUDE (r-cran-stanheaders, or set STAN_MATH_INCLUDE)"); }
have_header "$CXX" boost/math/special_functions/gamma.hpp ||
  { stan_ok=0; missing+=("stan: Boost headers (libboost-dev)"); }
if [ $stan_ok = 1 ]; then
  # Stan Math takes about a minute to compile: rebuild only when stale.
  if [ ! -x "$out/peer_stan" ] || [ "$here/peer_stan.cpp" -nt "$out/peer_stan" ] ||
     [ "$here/peer_common.h" -nt "$out/peer_stan" ]; then
    echo "run.sh: compiling the Stan Math program (about a minute)..." >&2
    # BOOST_DISABLE_ASSERTS as Stan's own build sets it; the warning is
    # Eigen 3.4 meeting Stan Math 3.0's attributes, harmless.
    if ! "$CXX" "${cxxflags[@]}" -std=c++14 -DBOOST_DISABLE_ASSERTS -Wno-ignored-attributes \
         -I"$STAN_MATH_INCLUDE" -I"$EIGEN_INCLUDE" "$here/peer_stan.cpp" -o "$out/peer_stan" \
         2>"$out/peer_stan.log"; then
      stan_ok=0
      missing+=("stan: compile failed (see $out/peer_stan.log)")
    fi
  fi
fi
if [ $stan_ok = 1 ]; then
  cmd[stan]="env PEER_STAN_FORM=covariance $out/peer_stan"
  cmd[stan_chol]="env PEER_STAN_FORM=cholesky $out/peer_stan"
fi

cmd[scipy]=""
if "$PY" -c 'import numpy, scipy.stats' 2>/dev/null; then
  cmd[scipy]="$PY $here/peer_scipy.py"
else
  missing+=("scipy: $PY cannot import numpy and scipy (python3-scipy)")
fi

# ---- data: gen_data.py needs numpy ----
"$PY" -c 'import numpy' 2>/dev/null || { echo "run.sh: $PY has no numpy (python3-numpy): cannot write the data" >&2; exit 1; }
"$PY" "$here/gen_data.py" "$out/data" "$N" "${MVN_PS[@]}" -- "${WISHART_PS[@]}"

for m in "${missing[@]+"${missing[@]}"}"; do echo "run.sh: skipped $m" >&2; done
if [ ${#missing[@]} -gt 0 ]; then echo "run.sh: scripts/install-peers installs the peers' Debian packages" >&2; fi

# ---- helpers ----
datafile() { case "$1" in mvn*) echo "$out/data/mvn_p$2.bin" ;; *) echo "$out/data/wishart_p$2.bin" ;; esac; }

# agree A B: every field of B matches A (field 1 at 1e-10 relative, the
# gradient checksums at 1e-8 relative to max(|a|, |b|, 1)); a peer that
# reports fewer fields (no gradients) is compared on those it has.
agree() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    na = split(a, x, " "); nb = split(b, y, " ");
    if (nb < 1 || nb > na) exit 1;
    for (k = 1; k <= nb; k++) {
      if (x[k] !~ /^[-+0-9.eE]+$/ || y[k] !~ /^[-+0-9.eE]+$/) exit 1;
      d = x[k] - y[k]; if (d < 0) d = -d;
      s = x[k] < 0 ? -x[k] : x[k]; t = y[k] < 0 ? -y[k] : y[k]; if (t > s) s = t;
      if (k == 1) { if (d > 1e-10 * s) exit 1 }
      else { if (s < 1) s = 1; if (d > 1e-8 * s) exit 1 }
    }
    exit 0 }'
}

fmt_time() { # seconds -> 3 significant digits in a readable unit
  # (the thresholds sit where %.3g would round up to 1000 of the unit)
  awk -v t="$1" 'BEGIN {
    if (t < 0.9995e-6) printf "%.3g ns", t * 1e9;
    else if (t < 0.9995e-3) printf "%.3g µs", t * 1e6;
    else if (t < 0.9995) printf "%.3g ms", t * 1e3;
    else printf "%.3g s", t }'
}

: >"$out/peers.stderr"
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
notes=()
table=()

# A peer's value must agree before it is timed; bayesmat is timed first on
# every row, the peers right after it, so a change of machine load hits a
# row's figures alike rather than one peer's.
for row in "${ROWS[@]}"; do
  read -r w p <<<"$row"
  f=$(datafile "$w" "$p")
  ref=$("$out/peer_bayesmat" value "$w" "$p" "$f") || { notes+=("$w p=$p: bayesmat failed"); continue; }
  bm=$("$out/peer_bayesmat" time "$w" "$p" "$f" "$reps" | awk '{print $2}')
  line="| $w | $p | $(fmt_time "$bm")"
  for peer in "${PEERS[@]}"; do
    c=${cmd[$peer]}
    if [ -z "$c" ]; then line+=" | not built | "; continue; fi
    set +e
    v=$($c value "$w" "$p" "$f" 2>>"$out/peers.stderr")
    rc=$?
    set -e
    if [ $rc -eq 3 ]; then line+=" | — | "; continue; fi
    if [ $rc -ne 0 ]; then line+=" | failed | "; notes+=("$peer $w p=$p: exit $rc (stderr in $out/peers.stderr)"); continue; fi
    if ! agree "$ref" "$v"; then
      line+=" | disagrees | "
      notes+=("$peer $w p=$p: got [$v], bayesmat [$ref]: not timed")
      continue
    fi
    t=$($c time "$w" "$p" "$f" "$reps" 2>>"$out/peers.stderr" | awk '{print $2}')
    line+=" | $(fmt_time "$t") | $(awk -v a="$t" -v b="$bm" 'BEGIN { printf "%.2f×", a / b }')"
  done
  table+=("$line |")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

# ---- the table ----
echo "bayesmat vs peers: n = $N observations for the MVN; medians of $reps batches; every row includes the factorization"
echo "clock: $([ "${PEER_CLOCK:-}" = cpu ] && echo "process CPU time" || echo "wall time"); OpenBLAS threads: ${OPENBLAS_NUM_THREADS:-as installed (OPENBLAS_NUM_THREADS unset)}; $(nproc 2>/dev/null || echo ?) cores; load average before: $load_before, after: $load_after"
echo "ratio = peer time / bayesmat time (> 1: bayesmat is faster); '—' = the peer has no such computation"
echo
echo "| workload | p | bayesmat | Stan | ratio | Stan (Cholesky) | ratio | GSL | ratio | scipy | ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${table[@]}"
if grep -q "corrected by a constant" "$out/peers.stderr" 2>/dev/null; then
  echo "note: gsl wishart: this GSL's multivariate gamma is shifted by one half-step; the peer adds the constant difference (peer_gsl.c)"
fi
for n in "${notes[@]+"${notes[@]}"}"; do echo "note: $n"; done
