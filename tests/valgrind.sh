#!/usr/bin/env bash
# valgrind memcheck over the test suite: zero errors and zero
# leaks (definite, indirect, possible) for every test executable of a build,
# two at a time. Args: build-dir. Excluded, and why (docs/reliability.md):
#   test_nomem  replaces malloc itself (-Wl,--wrap) and counts every
#               allocation; it runs leak-checked under ASan/LSan instead, and
#               takes > 4 min under valgrind (thousands of p = 46 injections);
#   test_mpi*   Open MPI's own allocations (leaked by MPI_Init) are not ours to check;
#   test_matf   its 1e5-draw Monte Carlo Fisher checks take > 10 min under
#               valgrind; every matf function still runs under valgrind in
#               test_threads, test_edges (p = 200), test_spec_contract,
#               test_theta and `bayesmat verify --quick`, and test_matf itself
#               runs under ASan + LSan.
#   test_sweep_families  its references are long double, which valgrind
#               emulates in double precision (the comparisons would fail
#               spuriously), and its 14000 points x 12 entry points take
#               minutes there; it runs under ASan + UBSan instead.
#   test_sweep_conjugate  the same for the conjugate models and transforms:
#               long-double references (valgrind computes them in double),
#               ~1e5 points (~7 s in Release); the code paths it drives run
#               under valgrind in test_blr/niw/mniw/transform, and it runs
#               under ASan + LSan.
#   test_laplace_stress  280 fits up to n = 1e5 and FD Hessians of q = 50
#               (10 s CPU in Release, far beyond the budget under valgrind);
#               bm_laplace's paths all run under valgrind in test_laplace, and
#               the stress test itself under ASan + UBSan.
#   test_wishart_sandwich  long-double references at condition 1e8
#               (valgrind computes them in double) and p = 256 (2 s in
#               Release); it runs under ASan + UBSan.
#   test_check_dist  ~4e5 Monte Carlo draws with a Hessian each (seven
#               families x three points, and a 2e5-draw Fisher block test);
#               minutes under valgrind; it runs under ASan + UBSan.
#   test_surface  its special-function references are long double, which
#               valgrind evaluates in double precision; the family and
#               conjugate entry points it names run under valgrind in the
#               family tests, and it runs under ASan + UBSan.
# Everything else, including the cli_* tests' CLI binary on `verify --quick`, runs.
set -uo pipefail
build=$1
src=$(cd "$(dirname "$0")" && pwd)
export BAYESMAT_TEST_DATA="$src/data" OPENBLAS_NUM_THREADS=1
vg=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --track-origins=no)
list=()
for t in "$build"/tests/test_*; do
  [ -x "$t" ] && [ -f "$t" ] || continue
  case $(basename "$t") in test_nomem|test_mpi*|test_matf|test_sweep_families|test_sweep_conjugate|test_laplace_stress|test_check_dist|test_surface|test_wishart_sandwich) continue ;; esac
  list+=("$t")
done
run_one() {
  local t=$1 log; log=$(mktemp)
  local s=$SECONDS
  if "${vg[@]}" "$t" >"$log" 2>&1; then
    echo "valgrind $(basename "$t"): clean ($((SECONDS - s)) s)"
  else
    echo "valgrind $(basename "$t"): ERRORS OR LEAKS"; grep -E '^==[0-9]+==' "$log" | head -60; tail -20 "$log"
    rm -f "$log"; return 1
  fi
  rm -f "$log"
}
export -f run_one; export vg_str="${vg[*]}"
status=0
# two at a time (2 cores)
printf '%s\n' "${list[@]}" "$build/bayesmat::verify" | xargs -P2 -I{} bash -c '
  vg=($vg_str)
  t={}
  if [ "$t" != "${t%::verify}" ]; then
    b=${t%::verify}; log=$(mktemp)
    if "${vg[@]}" "$b" verify --quick --seed 7 >"$log" 2>&1; then echo "valgrind bayesmat verify --quick: clean"; rm -f "$log";
    else echo "valgrind bayesmat verify --quick: ERRORS OR LEAKS"; grep -E "^==[0-9]+==" "$log" | head -60; rm -f "$log"; exit 1; fi
  else
    run_one "$t"
  fi' || status=1
exit $status
