/* bayesmat-bench: wishart / invwishart workloads.
 *
 * wishart_logpdf       ours: bm_wishart_set(nu, S) + bm_wishart_logpdf(X), i.e.
 *                      both factorizations included (validation, copies, two
 *                      dpotrf, one dtrsm, log Gamma_p).
 *   baseline "lapack_floor": copy S and X, two dpotrf, one dtrsm, the two
 *                      log-determinants, the trace and log Gamma_p.
 *   baseline "gsl_factors_given": GSL 2.7's gsl_ran_wishart_log_pdf with both
 *                      Cholesky factors precomputed outside the timing. Timing
 *                      only: its multivariate-gamma term is wrong.
 * wishart_logpdf_grad  ours: set + bm_wishart_logpdf_grad (value and the
 *                      gradients w.r.t. X, S and nu).
 *   baseline "lapack_floor": the value's floor plus one dpotri each for S^-1
 *                      and X^-1 (what any gradient needs).
 * invwishart_logpdf, invwishart_logpdf_grad: the same for IW_p(nu, Psi).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "bayesmat.h"
#include "bench.h"

typedef struct {
  size_t p;
  double nu;
  gsl_matrix *S, *X, *L_S, *L_X, *work, *G_X, *G_S;
  double *a, *b, *c, *e; /* floor scratch, p x p each */
  int inverse;           /* 1: the inverse-Wishart workloads */
  bm_wishart *w;
  bm_invwishart *iw;
} wk;

static void copy_lower(const gsl_matrix *A, double *buf, size_t p)
{
  for (size_t i = 0; i < p; i++) memcpy(buf + i * p, A->data + i * A->tda, (i + 1) * sizeof(double));
}

/* the value's floor: two dpotrf, one dtrsm, log-determinants, trace, log Gamma_p */
static double floor_value(wk *k, int inverse_wishart)
{
  size_t p = k->p;
  int n = (int)p;
  copy_lower(k->S, k->a, p);
  copy_lower(k->X, k->b, p);
  for (size_t i = 0; i < p; i++)
    for (size_t j = i + 1; j < p; j++) k->a[i * p + j] = k->b[i * p + j] = 0.0;
  LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', n, k->a, n);
  LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', n, k->b, n);
  double ldS = 0, ldX = 0, tr = 0;
  for (size_t i = 0; i < p; i++) {
    ldS += log(k->a[i * p + i]);
    ldX += log(k->b[i * p + i]);
  }
  if (!inverse_wishart) { /* b <- L_S^-1 L_X */
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, n, 1.0, k->a, n, k->b, n);
    for (size_t i = 0; i < p * p; i++) tr += k->b[i] * k->b[i];
  } else { /* c <- L_X^-1 L_Psi */
    memcpy(k->c, k->a, p * p * sizeof(double));
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, n, 1.0, k->b, n, k->c, n);
    for (size_t i = 0; i < p * p; i++) tr += k->c[i] * k->c[i];
  }
  return (k->nu - (double)p - 1.0) * ldX - 0.5 * tr - k->nu * ldS - bm_lmvgamma(p, 0.5 * k->nu);
}

static void floor_logpdf(void *arg) { bench_sink = floor_value(arg, ((wk *)arg)->inverse); }

/* plus one dpotri each for S^-1 and X^-1 (factors recomputed: a, b were overwritten) */
static void floor_grad(void *arg)
{
  wk *k = arg;
  size_t p = k->p;
  int n = (int)p;
  double v = floor_value(k, k->inverse);
  copy_lower(k->L_S, k->c, p);
  copy_lower(k->L_X, k->e, p);
  LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', n, k->c, n);
  LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', n, k->e, n);
  bench_sink = v + k->c[0] + k->e[0];
}

/* ours: set + logpdf (grad = 0) or set + logpdf_grad, of the family k->iw selects */
static void ours_impl(wk *k, int grad)
{
  double lp = 0, dnu = 0;
  if (k->inverse) {
    bm_invwishart_set(k->iw, k->nu, k->S);
    if (grad)
      bm_invwishart_logpdf_grad(k->iw, k->X, &lp, k->G_X, k->G_S, &dnu);
    else
      bm_invwishart_logpdf(k->iw, k->X, &lp);
  } else {
    bm_wishart_set(k->w, k->nu, k->S);
    if (grad)
      bm_wishart_logpdf_grad(k->w, k->X, &lp, k->G_X, k->G_S, &dnu);
    else
      bm_wishart_logpdf(k->w, k->X, &lp);
  }
  bench_sink = lp + dnu;
}
static void ours_logpdf(void *arg) { ours_impl(arg, 0); }
static void ours_grad(void *arg) { ours_impl(arg, 1); }
static void gsl_logpdf(void *arg)
{
  wk *k = arg;
  double lp = 0;
  gsl_ran_wishart_log_pdf(k->X, k->L_X, k->nu, k->L_S, &lp, k->work);
  bench_sink = lp;
}

static void setup(wk *k, size_t p, gsl_rng *r, int inverse_wishart)
{
  memset(k, 0, sizeof *k);
  k->p = p;
  k->inverse = inverse_wishart;
  k->nu = (double)p + 5.5;
  k->S = gsl_matrix_alloc(p, p);
  k->X = gsl_matrix_alloc(p, p);
  k->L_S = gsl_matrix_alloc(p, p);
  k->L_X = gsl_matrix_alloc(p, p);
  k->work = gsl_matrix_alloc(p, p);
  k->G_X = gsl_matrix_alloc(p, p);
  k->G_S = gsl_matrix_alloc(p, p);
  k->a = malloc(p * p * sizeof(double));
  k->b = malloc(p * p * sizeof(double));
  k->c = malloc(p * p * sizeof(double));
  k->e = malloc(p * p * sizeof(double));
  bench_spd(r, k->S); /* X a draw from the distribution */
  k->w = bm_wishart_alloc(p);
  k->iw = bm_invwishart_alloc(p);
  bm_wishart_set(k->w, k->nu, k->S);
  bm_invwishart_set(k->iw, k->nu, k->S);
  if (inverse_wishart)
    bm_invwishart_sample(k->iw, r, k->X);
  else
    bm_wishart_sample(k->w, r, k->X);
  bm_chol_factor(k->S, k->L_S, NULL);
  bm_chol_factor(k->X, k->L_X, NULL);
}

static void teardown(wk *k)
{
  gsl_matrix *ms[] = {k->S, k->X, k->L_S, k->L_X, k->work, k->G_X, k->G_S};
  double *bufs[] = {k->a, k->b, k->c, k->e};
  for (size_t i = 0; i < 7; i++) gsl_matrix_free(ms[i]);
  for (size_t i = 0; i < 4; i++) free(bufs[i]);
  bm_wishart_free(k->w);
  bm_invwishart_free(k->iw);
}

void bench_wishart(bench_ctx *c)
{
  const size_t ps[] = {5, 20, 50, 100, 400};
  static const char *names[2][2] = {{"wishart_logpdf", "wishart_logpdf_grad"},
                                    {"invwishart_logpdf", "invwishart_logpdf_grad"}};
  int reps = bench_reps(c);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 4);
  for (size_t t = 0; t < sizeof ps / sizeof ps[0]; t++)
    for (int inv = 0; inv < 2; inv++) {
      const char *value = names[inv][0], *grad = names[inv][1];
      if (!bench_selected(c, value) && !bench_selected(c, grad)) continue;
      size_t p = ps[t];
      wk k;
      setup(&k, p, r, inv);
      double ours = -1;
      if (bench_selected(c, value) || bench_selected(c, grad)) ours = bench_time(ours_logpdf, &k, reps);
      if (bench_selected(c, value)) {
        bench_row(c, value, p, 1, ours, "lapack_floor", bench_time(floor_logpdf, &k, reps));
        if (!inv) bench_row(c, value, p, 1, ours, "gsl_factors_given", bench_time(gsl_logpdf, &k, reps));
        bench_row_threads(c, value, p, 1, ours, ours_logpdf, &k);
      }
      if (bench_selected(c, grad)) {
        double tg = bench_pair(c, grad, p, 1, ours_grad, "lapack_floor", floor_grad, &k);
        bench_row(c, grad, p, 1, tg, value, ours);
        bench_row_threads(c, grad, p, 1, tg, ours_grad, &k);
      }
      teardown(&k);
    }
  gsl_rng_free(r);
}
