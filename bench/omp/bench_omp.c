/* bayesmat-bench-omp: thread scaling of the batched mvn/mvt log-likelihood
 * and gradient, built only with -DBAYESMAT_OPENMP=ON. Run
 *   OPENBLAS_NUM_THREADS=1 build-omp/bench/bayesmat-bench-omp [--n N] [--p P] [--reps R]
 * Prints TSV rows: workload  threads  p  n  seconds (median), for
 * BAYESMAT_NUM_THREADS = 1 and 2 (set here with setenv before each series).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
  size_t n = 400000, p = 20;
  int reps = 15;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--n") && i + 1 < argc) n = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--p") && i + 1 < argc) p = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
  }
  if (reps < 1) reps = 1;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_matrix *X = gsl_matrix_alloc(n, p), *Sigma = gsl_matrix_alloc(p, p), *G = gsl_matrix_alloc(p, p);
  gsl_vector *mu = gsl_vector_calloc(p), *g = gsl_vector_alloc(p);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(X, i, j, gsl_ran_gaussian(r, 1.0));
  gsl_matrix_set_identity(Sigma);
  bm_mvn *d = bm_mvn_alloc(p);
  bm_mvt *t = bm_mvt_alloc(p);
  bm_mvn_set(d, mu, Sigma);
  bm_mvt_set(t, 5.0, mu, Sigma);
  double *tm = malloc((size_t)reps * sizeof *tm), ll, dnu;
  const char *threads[] = {"1", "2"};
  for (int w = 0; w < 2; w++)
    for (int th = 0; th < 2; th++) {
      setenv("BAYESMAT_NUM_THREADS", threads[th], 1);
      for (int k = 0; k < reps; k++) {
        double t0 = now();
        if (w == 0) bm_mvn_loglik_grad(d, X, &ll, g, G);
        else bm_mvt_loglik_grad(t, X, &ll, g, G, &dnu);
        tm[k] = now() - t0;
      }
      qsort(tm, (size_t)reps, sizeof *tm, cmp);
      printf("%s\t%s\t%zu\t%zu\t%.4e\n", w ? "mvt_loglik_grad" : "mvn_loglik_grad", threads[th], p, n, tm[reps / 2]);
    }
  free(tm);
  bm_mvn_free(d);
  bm_mvt_free(t);
  gsl_matrix_free(X);
  gsl_matrix_free(Sigma);
  gsl_matrix_free(G);
  gsl_vector_free(mu);
  gsl_vector_free(g);
  gsl_rng_free(r);
  return 0;
}
