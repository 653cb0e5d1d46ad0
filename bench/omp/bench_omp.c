/* bayesmat-bench-omp: thread scaling of the batched mvn/mvt log-likelihood
 * (value, and value + gradient), built only with -DBAYESMAT_OPENMP=ON. Run
 *   OPENBLAS_NUM_THREADS=1 build-omp/bench/bayesmat-bench-omp [--n N] [--p P] [--reps R]
 * (defaults n = 100000, p = 20). For each workload, BAYESMAT_NUM_THREADS = 1
 * and 2 (set here with setenv before each series), the rows of
 * bayesmat-bench: "workload p n t2 threads_1 t1 ratio" with
 * ratio = t2 / t1 (the speed-up is its
 * inverse). Wall-clock medians (bench/timing.c).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "bench.h"

typedef struct {
  gsl_matrix *X, *G;
  gsl_vector *g;
  bm_mvn *d;
  bm_mvt *t;
} omp_job;

static void mvn_value(void *a)
{
  omp_job *j = a;
  double ll;
  bm_mvn_loglik(j->d, j->X, &ll, NULL);
  bench_sink = ll;
}
static void mvt_value(void *a)
{
  omp_job *j = a;
  double ll;
  bm_mvt_loglik(j->t, j->X, &ll, NULL);
  bench_sink = ll;
}
static void mvn_grad(void *a)
{
  omp_job *j = a;
  double ll;
  bm_mvn_loglik_grad(j->d, j->X, &ll, j->g, j->G);
  bench_sink = ll;
}
static void mvt_grad(void *a)
{
  omp_job *j = a;
  double ll, dnu;
  bm_mvt_loglik_grad(j->t, j->X, &ll, j->g, j->G, &dnu);
  bench_sink = ll + dnu;
}

int main(int argc, char **argv)
{
  size_t n = 100000, p = 20;
  int reps = 15;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--n") && i + 1 < argc) n = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--p") && i + 1 < argc) p = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
  }
  if (reps < 1) reps = 1;
  bench_ctx c = {.out = stdout};
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  omp_job j = {gsl_matrix_alloc(n, p), gsl_matrix_alloc(p, p), gsl_vector_alloc(p), bm_mvn_alloc(p), bm_mvt_alloc(p)};
  gsl_matrix *Sigma = gsl_matrix_alloc(p, p);
  gsl_vector *mu = gsl_vector_calloc(p);
  for (size_t i = 0; i < n * p; i++) j.X->data[i] = gsl_ran_gaussian(r, 1.0);
  bench_spd(r, Sigma);
  bm_mvn_set(j.d, mu, Sigma);
  bm_mvt_set(j.t, 5.0, mu, Sigma);
  static const struct {
    const char *name;
    void (*fn)(void *);
  } works[] = {{"mvn_loglik", mvn_value}, {"mvt_loglik", mvt_value}, {"mvn_loglik_grad", mvn_grad},
               {"mvt_loglik_grad", mvt_grad}};
  fprintf(c.out, "workload\tp\tn\tours_s\tbaseline\tbaseline_s\tratio\n");
  for (size_t w = 0; w < sizeof works / sizeof works[0]; w++) {
    setenv("BAYESMAT_NUM_THREADS", "1", 1);
    double t1 = bench_time(works[w].fn, &j, reps);
    setenv("BAYESMAT_NUM_THREADS", "2", 1);
    double t2 = bench_time(works[w].fn, &j, reps);
    bench_row(&c, works[w].name, p, n, t2, "threads_1", t1);
  }
  bm_mvn_free(j.d);
  bm_mvt_free(j.t);
  gsl_matrix_free(j.X);
  gsl_matrix_free(j.G);
  gsl_vector_free(j.g);
  gsl_matrix_free(Sigma);
  gsl_vector_free(mu);
  gsl_rng_free(r);
  return 0;
}
