/* bayesmat-bench [--quick] [--only PREFIX] [--threads N] [--cpu-time]
 * Threading: by default OpenBLAS runs as installed (its own thread count),
 * as users run the library, and each bayesmat workload gets a second row
 * "ours_1thr": the same call timed in the same process with OpenBLAS pinned
 * to one thread, so the ratio is the price (or gain) of the default
 * threading. --threads N pins OpenBLAS to N threads for the whole run (the
 * bench program may change the global BLAS setting; the library never does).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench.h"

void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

volatile double bench_sink;

/* --cpu-time: process CPU time instead of wall time (less disturbed by other
 * processes on a loaded machine; meaningful only with --threads 1, since
 * it adds up the CPU time of every thread). */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static double now(void)
{
  struct timespec ts;
  clock_gettime(bench_clock, &ts);
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

double bench_time_1thr(const bench_ctx *c, void (*fn)(void *), void *arg, int reps)
{
  openblas_set_num_threads(1);
  double t = bench_time(fn, arg, reps);
  openblas_set_num_threads(c->default_threads);
  return t;
}

void bench_row_threads(bench_ctx *c, const char *workload, size_t p, size_t n, double ours_s, void (*fn)(void *),
                       void *arg)
{
  if (c->pinned) return;
  bench_row(c, workload, p, n, ours_s, "ours_1thr", bench_time_1thr(c, fn, arg, bench_reps(c)));
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
  int threads = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick"))
      c.quick = 1;
    else if (!strcmp(argv[i], "--cpu-time"))
      bench_clock = CLOCK_PROCESS_CPUTIME_ID;
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc && atoi(argv[i + 1]) > 0)
      threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--only") && i + 1 < argc)
      c.only = argv[++i];
    else {
      fprintf(stderr, "usage: bayesmat-bench [--quick] [--only PREFIX] [--threads N] [--cpu-time]\n");
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
  return 0;
}
