/* bayesmat-bench: mvn and mvt workloads.
 *
 * n = 1000 observations, p = 5, 20, 100, 400. Baselines in the same process:
 *  - floor:    the LAPACK/BLAS floor of a batched Gaussian log-likelihood:
 *              copy Sigma + dpotrf, copy X + one dtrsm of the n x p block;
 *  - gsl_loop: gsl_linalg_cholesky_decomp1 of Sigma, then a loop of
 *              gsl_ran_multivariate_gaussian_log_pdf over the rows (valid input);
 *  - mvn_loglik: our own batched log-likelihood (for the gradient and mvt ratios).
 * "ours" always includes the factorization (bm_*_set) and validation.
 * mvn_logpdf_single: one bm_mvn_logpdf on a set object vs one GSL call with a
 * precomputed factor (n column = 1).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_cblas.h>
#include <lapacke.h>
#include "bayesmat.h"
#include "bench.h"

typedef struct {
  size_t p, n;
  gsl_vector *mu, *work, *grad_mu;
  gsl_matrix *Sigma, *X, *L, *Lbuf, *Xbuf, *grad_S;
  bm_mvn *dn;
  bm_mvt *dt;
  const gsl_vector *x1;
} problem;

static problem *problem_alloc(size_t p, size_t n, gsl_rng *r)
{
  problem *b = calloc(1, sizeof *b);
  b->p = p;
  b->n = n;
  b->mu = gsl_vector_alloc(p);
  b->work = gsl_vector_alloc(p);
  b->grad_mu = gsl_vector_alloc(p);
  b->Sigma = gsl_matrix_alloc(p, p);
  b->X = gsl_matrix_alloc(n, p);
  b->L = gsl_matrix_alloc(p, p);
  b->Lbuf = gsl_matrix_alloc(p, p);
  b->Xbuf = gsl_matrix_alloc(n, p);
  b->grad_S = gsl_matrix_alloc(p, p);
  bench_spd(r, b->Sigma);
  bm_rng_std_normal_vector(r, b->mu);
  bm_rng_std_normal_matrix(r, b->X);
  gsl_matrix_memcpy(b->L, b->Sigma);
  gsl_linalg_cholesky_decomp1(b->L);
  b->dn = bm_mvn_alloc(p);
  b->dt = bm_mvt_alloc(p);
  bm_mvn_set(b->dn, b->mu, b->Sigma);
  bm_mvt_set(b->dt, 5.0, b->mu, b->Sigma);
  return b;
}

static void problem_free(problem *b)
{
  gsl_vector *vs[] = {b->mu, b->work, b->grad_mu};
  gsl_matrix *ms[] = {b->Sigma, b->X, b->L, b->Lbuf, b->Xbuf, b->grad_S};
  for (size_t i = 0; i < 3; i++) gsl_vector_free(vs[i]);
  for (size_t i = 0; i < 6; i++) gsl_matrix_free(ms[i]);
  bm_mvn_free(b->dn);
  bm_mvt_free(b->dt);
  free(b);
}

/* floor: dpotrf of Sigma + dtrsm of the n x p block (copies included) */
static void run_floor(void *arg)
{
  problem *b = arg;
  int p = (int)b->p, n = (int)b->n;
  memcpy(b->Lbuf->data, b->Sigma->data, sizeof(double) * b->p * b->p);
  memcpy(b->Xbuf->data, b->X->data, sizeof(double) * b->p * b->n);
  LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', p, b->Lbuf->data, p);
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, n, p, 1.0, b->Lbuf->data, p,
              b->Xbuf->data, p);
  bench_sink = b->Xbuf->data[0];
}

static void run_gsl_loop(void *arg)
{
  problem *b = arg;
  gsl_matrix_memcpy(b->Lbuf, b->Sigma);
  gsl_linalg_cholesky_decomp1(b->Lbuf);
  double sum = 0.0, lp;
  for (size_t i = 0; i < b->n; i++) {
    gsl_vector_const_view xi = gsl_matrix_const_row(b->X, i);
    gsl_ran_multivariate_gaussian_log_pdf(&xi.vector, b->mu, b->Lbuf, &lp, b->work);
    sum += lp;
  }
  bench_sink = sum;
}

static void run_mvn_loglik(void *arg)
{
  problem *b = arg;
  double ll;
  bm_mvn_set(b->dn, b->mu, b->Sigma);
  bm_mvn_loglik(b->dn, b->X, &ll, NULL);
  bench_sink = ll;
}

static void run_mvn_loglik_grad(void *arg)
{
  problem *b = arg;
  double ll;
  bm_mvn_set(b->dn, b->mu, b->Sigma);
  bm_mvn_loglik_grad(b->dn, b->X, &ll, b->grad_mu, b->grad_S);
  bench_sink = ll;
}

static void run_mvt_loglik(void *arg)
{
  problem *b = arg;
  double ll;
  bm_mvt_set(b->dt, 5.0, b->mu, b->Sigma);
  bm_mvt_loglik(b->dt, b->X, &ll, NULL);
  bench_sink = ll;
}

static void run_single_ours(void *arg)
{
  problem *b = arg;
  double lp;
  bm_mvn_logpdf(b->dn, b->x1, &lp);
  bench_sink = lp;
}

static void run_single_gsl(void *arg)
{
  problem *b = arg;
  double lp;
  gsl_ran_multivariate_gaussian_log_pdf(b->x1, b->mu, b->L, &lp, b->work);
  bench_sink = lp;
}

void bench_mvn(bench_ctx *c)
{
  const size_t ps[] = {5, 20, 100, 400}, n = 1000;
  int reps = bench_reps(c);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 42);
  for (size_t k = 0; k < 4; k++) {
    size_t p = ps[k];
    problem *b = problem_alloc(p, n, r);
    gsl_vector_const_view x1 = gsl_matrix_const_row(b->X, 0);
    b->x1 = &x1.vector;
    double t_floor = -1, t_ll = -1;
    if (bench_selected(c, "mvn_loglik") || bench_selected(c, "mvn_loglik_grad") || bench_selected(c, "mvt_loglik")) {
      t_floor = bench_time(run_floor, b, reps);
      t_ll = bench_time(run_mvn_loglik, b, reps);
    }
    if (bench_selected(c, "mvn_loglik")) {
      bench_row(c, "mvn_loglik", p, n, t_ll, "floor", t_floor);
      bench_row(c, "mvn_loglik", p, n, t_ll, "gsl_loop", bench_time(run_gsl_loop, b, reps));
      bench_row_threads(c, "mvn_loglik", p, n, t_ll, run_mvn_loglik, b);
    }
    /* workloads compared with the mvn value and the floor */
    static const struct {
      const char *name;
      void (*fn)(void *);
    } vs_value[] = {{"mvn_loglik_grad", run_mvn_loglik_grad}, {"mvt_loglik", run_mvt_loglik}};
    for (size_t w = 0; w < 2; w++) {
      if (!bench_selected(c, vs_value[w].name)) continue;
      double t = bench_time(vs_value[w].fn, b, reps);
      if (t_ll > 0) bench_row(c, vs_value[w].name, p, n, t, "mvn_loglik", t_ll);
      if (t_floor > 0) bench_row(c, vs_value[w].name, p, n, t, "floor", t_floor);
      bench_row_threads(c, vs_value[w].name, p, n, t, vs_value[w].fn, b);
    }
    if (bench_selected(c, "mvn_logpdf_single")) {
      double t = bench_pair(c, "mvn_logpdf_single", p, 1, run_single_ours, "gsl", run_single_gsl, b);
      bench_row_threads(c, "mvn_logpdf_single", p, 1, t, run_single_ours, b);
    }
    problem_free(b);
  }
  gsl_rng_free(r);
}
