/* bayesmat-bench: workloads time the library against baselines run in the
 * same process and print the TSV rows of bench/README.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_BENCH_H
#define BAYESMAT_BENCH_H

#include <stddef.h>
#include <stdio.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

typedef struct {
  int quick;        /* --quick: the whole run under a minute */
  int scale;        /* --scale: the p = 2000 rows (time and peak memory) */
  const char *only; /* run only workloads whose name starts with this (NULL: all) */
  FILE *out;
  int pinned;          /* --threads given: no "ours_1thr" rows */
  int default_threads; /* OpenBLAS's thread count as installed */
} bench_ctx;

/* --cpu-time: time with the process CPU clock (all threads' CPU time added;
 * meaningful with --threads 1) instead of the wall clock. */
void bench_use_cpu_clock(void);

/* Median time (seconds) of one call of fn(arg), over `reps` timed
 * repetitions each long enough (>= ~2 ms, looping the call) to be measurable.
 * One untimed warm-up call first. */
double bench_time(void (*fn)(void *), void *arg, int reps);

/* Repetitions to use: fewer with --quick. */
int bench_reps(const bench_ctx *c);

/* 1 when workload `name` is selected by --only. */
int bench_selected(const bench_ctx *c, const char *name);

/* One TSV row: workload p n ours_s baseline baseline_s ratio. */
void bench_row(bench_ctx *c, const char *workload, size_t p, size_t n, double ours_s, const char *baseline,
               double baseline_s);

/* Times ours and base on arg, prints "workload p n t_ours baseline t_base
 * ratio" and returns t_ours. */
double bench_pair(bench_ctx *c, const char *workload, size_t p, size_t n, void (*ours)(void *), const char *baseline,
                  void (*base)(void *), void *arg);

/* Median time of fn with OpenBLAS pinned to one thread (restored after). */
double bench_time_1thr(const bench_ctx *c, void (*fn)(void *), void *arg, int reps);

/* CPU seconds per call of fn spent by threads other than the caller's
 * (OpenBLAS's helpers; from the process and thread CPU clocks, so a loaded
 * machine does not fake it), and *share = that time / the caller's CPU time.
 * 0 when no call of fn starts BLAS threads. */
double bench_helper_cpu(void (*fn)(void *), void *arg, double *share);

/* Unless --threads was given: the rows "workload ... ours_s ours_1thr t1
 * ratio" (t1 = bench_time_1thr(fn)) and "workload ... ours_s blas_helper_cpu
 * h share" (bench_helper_cpu). */
void bench_row_threads(bench_ctx *c, const char *workload, size_t p, size_t n, double ours_s, void (*fn)(void *),
                       void *arg);

/* S (k x k) <- B B^T / k + I with B standard normal: exactly symmetric,
 * condition number a few units. */
void bench_spd(gsl_rng *r, gsl_matrix *S);

/* Keep the optimizer from discarding a result. */
extern volatile double bench_sink;

/* Workload groups, one file each (bench/bench_<group>.c). */
void bench_mvn(bench_ctx *c);
void bench_wishart(bench_ctx *c);
void bench_matrix(bench_ctx *c);
void bench_scale(bench_ctx *c);

#endif
