/* bayesmat-bench: matrix workloads (matnorm, matt).
 *
 * Each workload times the library from the parameters (bm_*_set, i.e. the
 * two Cholesky factorizations plus validation, followed by the evaluation)
 * against its LAPACK floor run in the same process on the same data:
 *   matnorm_logpdf    set + logpdf   vs  dpotrf(U) + dpotrf(V) + the two dtrsm
 *                                        of Z = L_U^-1 R L_V^-T + |Z|_F^2
 *   matt_logpdf_grad  set + value and full gradient (M, Sigma, Omega, nu; the
 *                     X-gradient is -dM) through bm_matt_loglik_grad with m = 1
 *                     vs  the same two dpotrf + two dtrsm + the small-side
 *                     dsyrk + dpotrf (the log-density alone)
 * plus the cached-object rows (matnorm_logpdf_cached, matt_logpdf_cached:
 * logpdf of a set object vs the triangular solves (+ small factorization)).
 * GSL has no matrix normal / matrix t, so the floor is the only baseline.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "bench.h"

typedef struct {
  size_t n, p;
  gsl_matrix *M, *U, *V, *X;
  gsl_matrix *dM, *dU, *dV;
  bm_matnorm *mn;
  bm_matt *mt;
  double *LU, *LV, *Z, *G; /* floor scratch */
} wl;

/* floor: factorize both scales and whiten (plus the small side for matt) */
static double floor_core(wl *w, int factor_scales, int small)
{
  size_t n = w->n, p = w->p;
  if (factor_scales) {
    memcpy(w->LU, w->U->data, n * n * sizeof(double));
    memcpy(w->LV, w->V->data, p * p * sizeof(double));
    LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (int)n, w->LU, (int)n);
    LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (int)p, w->LV, (int)p);
  }
  for (size_t i = 0; i < n * p; i++) w->Z[i] = w->X->data[i] - w->M->data[i];
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)n, (int)p, 1.0, w->LU, (int)n,
              w->Z, (int)p);
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)n, (int)p, 1.0, w->LV, (int)p,
              w->Z, (int)p);
  double s = 0.0;
  if (!small) {
    for (size_t i = 0; i < n * p; i++) s += w->Z[i] * w->Z[i];
    return s;
  }
  size_t k = n <= p ? n : p;
  if (n <= p)
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)n, (int)p, 1.0, w->Z, (int)p, 0.0, w->G, (int)k);
  else
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)p, (int)n, 1.0, w->Z, (int)p, 0.0, w->G, (int)k);
  for (size_t i = 0; i < k; i++) w->G[i * k + i] += 1.0;
  LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (int)k, w->G, (int)k);
  for (size_t i = 0; i < k; i++) s += log(w->G[i * k + i]);
  return s;
}

static void run_floor_mn(void *a) { bench_sink = floor_core(a, 1, 0); }
static void run_floor_mt(void *a) { bench_sink = floor_core(a, 1, 1); }
static void run_floor_mn_cached(void *a) { bench_sink = floor_core(a, 0, 0); }
static void run_floor_mt_cached(void *a) { bench_sink = floor_core(a, 0, 1); }

static void run_mn(void *a)
{
  wl *w = a;
  double lp;
  bm_matnorm_set(w->mn, w->M, w->U, w->V);
  bm_matnorm_logpdf(w->mn, w->X, &lp);
  bench_sink = lp;
}

static void run_mn_cached(void *a)
{
  wl *w = a;
  double lp;
  bm_matnorm_logpdf(w->mn, w->X, &lp);
  bench_sink = lp;
}

static void run_mt(void *a)
{
  wl *w = a;
  double ll, dnu;
  const gsl_matrix *xs[1] = {w->X};
  bm_matt_set(w->mt, 5.0, w->M, w->U, w->V);
  bm_matt_loglik_grad(w->mt, xs, 1, &ll, w->dM, w->dU, w->dV, &dnu);
  bench_sink = ll + dnu;
}

static void run_mt_cached(void *a)
{
  wl *w = a;
  double lp;
  bm_matt_logpdf(w->mt, w->X, &lp);
  bench_sink = lp;
}

static wl *wl_new(gsl_rng *r, size_t n, size_t p)
{
  wl *w = calloc(1, sizeof *w);
  w->n = n;
  w->p = p;
  w->M = gsl_matrix_alloc(n, p);
  w->X = gsl_matrix_alloc(n, p);
  w->U = gsl_matrix_alloc(n, n);
  w->V = gsl_matrix_alloc(p, p);
  w->dM = gsl_matrix_alloc(n, p);
  w->dU = gsl_matrix_alloc(n, n);
  w->dV = gsl_matrix_alloc(p, p);
  for (size_t i = 0; i < n * p; i++) w->M->data[i] = gsl_ran_gaussian(r, 1.0);
  bench_spd(r, w->U);
  bench_spd(r, w->V);
  w->mn = bm_matnorm_alloc(n, p);
  w->mt = bm_matt_alloc(n, p);
  bm_matnorm_set(w->mn, w->M, w->U, w->V);
  bm_matt_set(w->mt, 5.0, w->M, w->U, w->V);
  bm_matt_sample(w->mt, r, w->X);
  size_t k = n <= p ? n : p;
  w->LU = malloc(n * n * sizeof(double));
  w->LV = malloc(p * p * sizeof(double));
  w->Z = malloc(n * p * sizeof(double));
  w->G = malloc(k * k * sizeof(double));
  floor_core(w, 1, 0); /* cached factors for the cached floors */
  return w;
}

static void wl_free(wl *w)
{
  gsl_matrix *all[] = {w->M, w->X, w->U, w->V, w->dM, w->dU, w->dV};
  for (size_t i = 0; i < 7; i++) gsl_matrix_free(all[i]);
  bm_matnorm_free(w->mn);
  bm_matt_free(w->mt);
  free(w->LU);
  free(w->LV);
  free(w->Z);
  free(w->G);
  free(w);
}

void bench_matrix(bench_ctx *c)
{
  size_t sizes_full[][2] = {{5, 5}, {50, 50}, {20, 100}, {100, 20}, {200, 200}};
  size_t nsizes = c->quick ? 4 : 5;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 2026);
  for (size_t s = 0; s < nsizes; s++) {
    size_t n = sizes_full[s][0], p = sizes_full[s][1];
    wl *w = wl_new(r, n, p);
    static const struct {
      const char *name;
      void (*ours)(void *), (*floor)(void *);
      int threads_row;
    } works[] = {{"matnorm_logpdf", run_mn, run_floor_mn, 1},
                 {"matnorm_logpdf_cached", run_mn_cached, run_floor_mn_cached, 0},
                 {"matt_logpdf_grad", run_mt, run_floor_mt, 1},
                 {"matt_logpdf_cached", run_mt_cached, run_floor_mt_cached, 0}};
    for (size_t k = 0; k < sizeof works / sizeof works[0]; k++) {
      if (!bench_selected(c, works[k].name)) continue;
      double t = bench_pair(c, works[k].name, p, n, works[k].ours, "lapack_floor", works[k].floor, w);
      if (works[k].threads_row) bench_row_threads(c, works[k].name, p, n, t, works[k].ours, w);
    }
    wl_free(w);
  }
  gsl_rng_free(r);
}
