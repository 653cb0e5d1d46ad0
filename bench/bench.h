/* bayesmat-bench: workloads time the library against baselines run in the
 * same process and print the TSV rows of bench/README.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_BENCH_H
#define BAYESMAT_BENCH_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
  int quick;        /* --quick: the whole run under a minute */
  const char *only; /* run only workloads whose name starts with this (NULL: all) */
  FILE *out;
  int pinned;          /* --threads given: no "ours_1thr" rows */
  int default_threads; /* OpenBLAS's thread count as installed */
} bench_ctx;

/* Median wall time (seconds) of one call of fn(arg), over `reps` timed
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

/* Median time of fn with OpenBLAS pinned to one thread (restored after). */
double bench_time_1thr(const bench_ctx *c, void (*fn)(void *), void *arg, int reps);

/* Unless --threads was given: the row "workload ... ours_s ours_1thr t1 ratio"
 * with t1 = bench_time_1thr(fn, arg). */
void bench_row_threads(bench_ctx *c, const char *workload, size_t p, size_t n, double ours_s, void (*fn)(void *),
                       void *arg);

/* Keep the optimizer from discarding a result. */
extern volatile double bench_sink;

/* Workload groups, one file each (bench/bench_<group>.c). */
void bench_mvn(bench_ctx *c);
void bench_wishart(bench_ctx *c);
void bench_matrix(bench_ctx *c);

#endif
