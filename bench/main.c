/* bayesmat-bench [--quick] [--only PREFIX]
 * Threading: OpenBLAS is pinned to one thread here. At the sizes measured
 * (p <= 400) a second OpenBLAS thread costs more than it gains on this
 * 2-core machine and makes timings unstable; the library itself never
 * changes the caller's BLAS threading (no global state).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench.h"

void openblas_set_num_threads(int num_threads);

volatile double bench_sink;

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double bench_time(void (*fn)(void *), void *arg, int reps)
{
  fn(arg); /* warm-up */
  /* calls per repetition so that one repetition takes >= 2 ms */
  size_t inner = 1;
  for (;;) {
    double t0 = now();
    for (size_t i = 0; i < inner; i++) fn(arg);
    double t = now() - t0;
    if (t >= 2e-3 || inner >= ((size_t)1 << 24)) break;
    inner *= t > 0 ? (size_t)(2.5e-3 / t) + 1 : 16;
  }
  double *ts = malloc(sizeof(double) * (size_t)reps);
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    for (size_t i = 0; i < inner; i++) fn(arg);
    ts[r] = (now() - t0) / (double)inner;
  }
  qsort(ts, (size_t)reps, sizeof(double), cmp_double);
  double med = reps % 2 ? ts[reps / 2] : 0.5 * (ts[reps / 2 - 1] + ts[reps / 2]);
  free(ts);
  return med;
}

int bench_reps(const bench_ctx *c) { return c->quick ? 5 : 21; }

int bench_selected(const bench_ctx *c, const char *name)
{
  return c->only == NULL || strncmp(name, c->only, strlen(c->only)) == 0;
}

void bench_row(bench_ctx *c, const char *workload, size_t p, size_t n, double ours_s, const char *baseline,
               double baseline_s)
{
  fprintf(c->out, "%s\t%zu\t%zu\t%.4e\t%s\t%.4e\t%.3f\n", workload, p, n, ours_s, baseline, baseline_s,
          ours_s / baseline_s);
  fflush(c->out);
}

int main(int argc, char **argv)
{
  bench_ctx c = {.out = stdout};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick"))
      c.quick = 1;
    else if (!strcmp(argv[i], "--only") && i + 1 < argc)
      c.only = argv[++i];
    else {
      fprintf(stderr, "usage: bayesmat-bench [--quick] [--only PREFIX]\n");
      return 2;
    }
  }
  openblas_set_num_threads(1);
  fprintf(c.out, "workload\tp\tn\tours_s\tbaseline\tbaseline_s\tratio\n");
  bench_mvn(&c);
  bench_wishart(&c);
  bench_matrix(&c);
  return 0;
}
