/* bayesmat-bench [--quick] [--only PREFIX] [--threads N] [--cpu-time] [--scale]
 * Threading: by default OpenBLAS runs as installed (its own thread count),
 * as users run the library, and each bayesmat workload gets two more rows:
 * "ours_1thr", the same call timed in the same process with OpenBLAS pinned
 * to one thread, so the ratio is the price (or gain) of the default
 * threading; and "blas_helper_cpu", the CPU time OpenBLAS's helper threads
 * spent per call (0 when the call starts no BLAS thread). --threads N pins
 * OpenBLAS to N threads for the whole run (the bench program may change the
 * global BLAS setting; the library never does). --scale adds the p = 2000
 * rows (bench_scale.c): time and peak memory, each in a child process.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>
#include <string.h>
#include "bench.h"

void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

int main(int argc, char **argv)
{
  bench_ctx c = {.out = stdout};
  int threads = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick"))
      c.quick = 1;
    else if (!strcmp(argv[i], "--scale"))
      c.scale = 1;
    else if (!strcmp(argv[i], "--cpu-time"))
      bench_use_cpu_clock();
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc && atoi(argv[i + 1]) > 0)
      threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--only") && i + 1 < argc)
      c.only = argv[++i];
    else {
      fprintf(stderr, "usage: bayesmat-bench [--quick] [--only PREFIX] [--threads N] [--cpu-time] [--scale]\n");
      return 2;
    }
  }
  c.default_threads = openblas_get_num_threads();
  if (threads > 0) openblas_set_num_threads(threads);
  c.pinned = threads > 0;
  fprintf(c.out, "workload\tp\tn\tours_s\tbaseline\tbaseline_s\tratio\n");
  bench_mvn(&c);
  bench_wishart(&c);
  bench_matrix(&c);
  if (c.scale) bench_scale(&c);
  return 0;
}
