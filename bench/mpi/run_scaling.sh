#!/usr/bin/env bash
# Strong scaling 1 -> 2 ranks, alternating rank counts K times so that a
# shared machine's load drift hits both alike (docs/scaling.md).
# Usage: bench/mpi/run_scaling.sh BUILD_DIR [K] [bench options...]
set -euo pipefail
build=${1:?build dir}; k=${2:-5}; shift $(( $# >= 2 ? 2 : 1 ))
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
for i in $(seq "$k"); do
  for np in 1 2; do
    mpirun --allow-run-as-root --oversubscribe -np "$np" "$build/bench/bayesmat-bench-mpi" "$@" | grep -v '^allreduce'
  done
  echo "# $(uptime | sed 's/.*load/load/')"
done
