/* bayesmat-bench: clocks, medians and the TSV rows (shared with
 * bayesmat-bench-omp).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include "bench.h"

void openblas_set_num_threads(int num_threads);

volatile double bench_sink;

static clockid_t bench_clock = CLOCK_MONOTONIC;

void bench_use_cpu_clock(void) { bench_clock = CLOCK_PROCESS_CPUTIME_ID; }

static double clock_s(clockid_t id)
{
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now(void) { return clock_s(bench_clock); }

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* calls per repetition so that one repetition takes >= 2 ms */
static size_t calls_per_rep(void (*fn)(void *), void *arg)
{
  size_t inner = 1;
  for (;;) {
    double t0 = now();
    for (size_t i = 0; i < inner; i++) fn(arg);
    double t = now() - t0;
    if (t >= 2e-3 || inner >= ((size_t)1 << 24)) return inner;
    inner *= t > 0 ? (size_t)(2.5e-3 / t) + 1 : 16;
  }
}

double bench_time(void (*fn)(void *), void *arg, int reps)
{
  /* The first workload of a process ran up to 2x slow at p = 5 (the
   * processor's clock and caches still settling: `--only mvt_loglik` gave
   * 6-9 us where the same kernel after other rows took 3 us). So the first
   * timing of a process runs its workload for 0.3 s untimed. */
  static int settled;
  if (!settled) {
    double w0 = clock_s(CLOCK_MONOTONIC);
    while (clock_s(CLOCK_MONOTONIC) - w0 < 0.3) fn(arg);
    settled = 1;
  }
  fn(arg); /* warm-up */
  size_t inner = calls_per_rep(fn, arg);
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

double bench_helper_cpu(void (*fn)(void *), void *arg, double *share)
{
  /* OpenBLAS's idle helpers spin for a while after a threaded call: let
   * those of earlier workloads fall asleep first */
  struct timespec pause = {0, 300000000};
  nanosleep(&pause, NULL);
  fn(arg);
  size_t calls = 0;
  double w0 = clock_s(CLOCK_MONOTONIC), p0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), m0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
  while (clock_s(CLOCK_MONOTONIC) - w0 < 0.05 || calls < 3) {
    fn(arg);
    calls++;
  }
  double main_s = clock_s(CLOCK_THREAD_CPUTIME_ID) - m0, helper_s = clock_s(CLOCK_PROCESS_CPUTIME_ID) - p0 - main_s;
  if (helper_s < 0) helper_s = 0;
  *share = main_s > 0 ? helper_s / main_s : 0.0;
  return helper_s / (double)calls;
}

void bench_row_threads(bench_ctx *c, const char *workload, size_t p, size_t n, double ours_s, void (*fn)(void *),
                       void *arg)
{
  if (c->pinned) return;
  bench_row(c, workload, p, n, ours_s, "ours_1thr", bench_time_1thr(c, fn, arg, bench_reps(c)));
  double share, helper = bench_helper_cpu(fn, arg, &share);
  fprintf(c->out, "%s\t%zu\t%zu\t%.4e\t%s\t%.4e\t%.3f\n", workload, p, n, ours_s, "blas_helper_cpu", helper, share);
  fflush(c->out);
}

double bench_pair(bench_ctx *c, const char *workload, size_t p, size_t n, void (*ours)(void *), const char *baseline,
                  void (*base)(void *), void *arg)
{
  int reps = bench_reps(c);
  double t = bench_time(ours, arg, reps);
  bench_row(c, workload, p, n, t, baseline, bench_time(base, arg, reps));
  return t;
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

void bench_spd(gsl_rng *r, gsl_matrix *S)
{
  size_t k = S->size1;
  gsl_matrix *B = gsl_matrix_alloc(k, k);
  for (size_t i = 0; i < k * k; i++) B->data[i] = gsl_ran_gaussian(r, 1.0);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k, (int)k, (int)k, 1.0 / (double)k, B->data, (int)k,
              B->data, (int)k, 0.0, S->data, (int)k);
  for (size_t i = 0; i < k; i++) {
    S->data[i * k + i] += 1.0;
    for (size_t j = 0; j < i; j++) S->data[j * k + i] = S->data[i * k + j]; /* exactly symmetric */
  }
  gsl_matrix_free(B);
}
