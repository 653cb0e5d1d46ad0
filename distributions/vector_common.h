/* bayesmat — internals shared by the location-scale vector families mvn.c and
 * mvt.c (not public, not installed): the lazily cached precision, the
 * residual and its triangular solves, the whitening of batch rows, and the
 * row-group scaffolding of the batched log-likelihood and its gradient.
 * Everything here works on the pieces both objects hold: mu (p), Sigma's
 * lower Cholesky factor L (strict upper = 0) and Lambda = Sigma^{-1}.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_VECTOR_COMMON_H
#define BAYESMAT_VECTOR_COMMON_H

#include <math.h>
#include <stddef.h>
#include <stdatomic.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_cblas.h>
#include "bayesmat/status.h"
#include "internal.h"

#define BM_VC_LOG_2PI 1.83787706640934548356065947281123527
/* below this p the triangular solves are plain loops (no BLAS call overhead) */
#define BM_VC_SMALL_P 24

static inline void bm_vc_swap_matrix(gsl_matrix **a, gsl_matrix **b)
{
  gsl_matrix *t = *a;
  *a = *b;
  *b = t;
}

/* BM_SUCCESS if every entry of the non-NULL outputs is finite; else all of
 * them NaN-filled and BM_EDOM: a value beyond double range (a variate or
 * scale near DBL_MAX/DBL_MIN) is reported, never returned with success. */
int bm_error_set(int status, const char *fn, const char *fmt, ...); /* src/error.h */
#define bm_vc_finite_or_edom(a, b, M) bm_vc_finite_or_edom_fn(BM_FN, a, b, M) /* fn: the public caller */
/* 1 when every entry of a, b, M (each may be NULL) is finite */
static inline int bm_vc_all_finite(const gsl_vector *a, const gsl_vector *b, const gsl_matrix *M)
{
  double z = 0.0;
  for (size_t i = 0; a && i < a->size; i++) z += a->data[i * a->stride] * 0.0;
  for (size_t i = 0; b && i < b->size; i++) z += b->data[i * b->stride] * 0.0;
  for (size_t i = 0; M && i < M->size1; i++)
    for (size_t j = 0; j < M->size2; j++) z += M->data[i * M->tda + j] * 0.0;
  return z == 0.0;
}

static inline int bm_vc_finite_or_edom_fn(const char *fn, gsl_vector *a, gsl_vector *b, gsl_matrix *M)
{
  if (bm_vc_all_finite(a, b, M)) return BM_SUCCESS;
  bm_nan_vector(a);
  bm_nan_vector(b);
  bm_nan_matrix(M);
  return bm_error_set(BM_EDOM, fn, "an entry of the result is beyond double range (Sigma near DBL_MIN or DBL_MAX)");
}

/* |z|^2 / 2 (z contiguous, length p) with the squares scaled by the largest
 * |z_i| when the plain sum overflows: +inf only when half of it is beyond
 * DBL_MAX, or some z_i is not finite. */
static inline double bm_vc_half_sumsq(const double *z, size_t p)
{
  double s = 0.0, m = 0.0;
  for (size_t i = 0; i < p; i++) s += z[i] * z[i];
  if (isfinite(s)) return 0.5 * s;
  for (size_t i = 0; i < p; i++) m = fmax(m, fabs(z[i]));
  if (!isfinite(m) || isnan(s)) return INFINITY;
  s = 0.0;
  for (size_t i = 0; i < p; i++) s += (z[i] / m) * (z[i] / m);
  return 0.5 * s * m * m;
}

/* r <- x - mu (contiguous r of length p = mu->size). */
static inline void bm_vc_residual(const gsl_vector *mu, const gsl_vector *x, double *r)
{
  for (size_t i = 0; i < mu->size; i++) r[i] = x->data[i * x->stride] - mu->data[i * mu->stride];
}

/* z <- L^{-1} z in place (forward substitution). */
static inline void bm_vc_forward_solve(const gsl_matrix *L, double *z)
{
  size_t p = L->size1, tda = L->tda;
  const double *l = L->data;
  if (p > BM_VC_SMALL_P) {
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, l, (int)tda, z, 1);
    return;
  }
  for (size_t i = 0; i < p; i++) {
    const double *row = l + i * tda;
    double s = z[i];
    for (size_t j = 0; j < i; j++) s -= row[j] * z[j];
    z[i] = s / row[i];
  }
}

/* z <- L^{-T} z in place (back substitution). */
static inline void bm_vc_back_solve(const gsl_matrix *L, double *z)
{
  size_t p = L->size1, tda = L->tda;
  const double *l = L->data;
  if (p > BM_VC_SMALL_P) {
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, (int)p, l, (int)tda, z, 1);
    return;
  }
  for (size_t i = p; i-- > 0;) {
    double s = z[i];
    for (size_t j = i + 1; j < p; j++) s -= l[j * tda + i] * z[j];
    z[i] = s / l[i * tda + i];
  }
}

/* delta = |z|^2 after z <- L^{-1} z in place (the Mahalanobis form of r = z). */
static inline double bm_vc_whiten(const gsl_matrix *L, double *z)
{
  bm_vc_forward_solve(L, z);
  double delta = 0.0;
  for (size_t i = 0; i < L->size1; i++) delta += z[i] * z[i];
  return delta;
}

/* a <- Lambda r = L^{-T} L^{-1} r in place; returns delta = r^T Lambda r. */
static inline double bm_vc_precision_times(const gsl_matrix *L, double *a)
{
  double delta = bm_vc_whiten(L, a);
  bm_vc_back_solve(L, a);
  return delta;
}

/* Status of a batch X against a set object of dimension p (obj_status: the
 * object's own check): NULL -> EINVAL, no rows or p columns -> EBADLEN.
 * Finiteness is checked while whitening (bm_vc_whiten_rows). */
int bm_vc_check_batch_fn(const char *fn, int obj_status, size_t p, const gsl_matrix *X);
/* (the _fn helpers take their public caller's name for bm_last_error; the macros pass it) */
/* (the _fn helpers name BM_FN of src/error.h, the public caller, in bm_last_error) */
#define bm_vc_check_batch(...) bm_vc_check_batch_fn(BM_FN, __VA_ARGS__)

/* Arguments of a family's shaped gradient at x (obj_status: the object's own
 * check): x (p, finite), then each non-NULL output's shape; on failure every
 * output is NaN-filled. @return the first failing status, else BM_SUCCESS. */
int bm_vc_check_grad_fn(const char *fn, int obj_status, size_t p, const gsl_vector *x, gsl_vector *dx,
                        gsl_vector *dmu, gsl_matrix *dSigma);
#define bm_vc_check_grad(...) bm_vc_check_grad_fn(BM_FN, __VA_ARGS__)

/* B <- the symmetric matrix with A's lower triangle (row copy, then mirror). */
void bm_vc_copy_sym_lower(const gsl_matrix *A, gsl_matrix *B);

/* Lambda = (L L^T)^{-1}, computed once per _set by the first caller that
 * needs it; concurrent callers wait. state: 0 not computed, 1 being computed,
 * 2 valid (reset to 0, or 2 with Lambda filled, by the family's _set). */
const gsl_matrix *bm_vc_precision(atomic_int *state, const gsl_matrix *L, gsl_matrix *Lambda);

/* G <- (w a a^T - Lambda)/2, symmetric p x p. */
void bm_vc_sigma_grad(double w, const double *a, const gsl_matrix *Lambda, gsl_matrix *G);

/* H_SS <- T(Lambda, Lambda)/2 - w T(a a^T, Lambda) (q x q, vech coordinates),
 * with A (p x p contiguous scratch) <- a a^T. */
void bm_vc_hess_sigma_block(double w, const double *a, double *A, const gsl_matrix *Lambda, gsl_matrix *H_SS);

/* Symmetrize the p x p row-major block G (leading dimension tda) as (G + G^T)/2. */
void bm_vc_symmetrize(double *G, size_t p, size_t tda);

/* G (p x p symmetric, both triangles stored, leading dim tda) <-
 * L^{-1} G L^{-T} (trans = 0) or L^{-T} G L^{-1} (trans = 1), symmetric,
 * without starting OpenBLAS threads at p <= BM_KN_SCATTER_MAX (src/kernels.h:
 * bm_kn_sygst's blocked symmetric kernel beyond BM_SL_MAX where its path is
 * taken; else two triangular solves up to BM_KN_MAX) and through LAPACK's
 * dsygst beyond.
 * work: bm_vc_sandwich_work(p) doubles. L's diagonal must be positive.
 * @return BM_SUCCESS; BM_ESING from dsygst (not expected for a factor). */
int bm_vc_sandwich(const gsl_matrix *L, double *G, size_t tda, int trans, double *work);
/* doubles of bm_vc_sandwich's work at order p (at least p^2) */
size_t bm_vc_sandwich_work(size_t p);

/* Per block of whitened rows Z (rows x p, rows first .. first+rows-1 of X) of
 * bm_vc_loglik_rows: add the block's terms to *total (row by row, in order)
 * and write each row's log-density into each (when non-NULL). */
typedef void (*bm_vc_loglik_block)(const void *ctx, const double *Z, size_t rows, size_t first, gsl_vector *each,
                                   double *total);

/* Row groups of a batched log-likelihood (src/omp_policy.h): one group
 * without OpenMP; with it, G(n, p) groups whose partial totals are added in
 * group order, so the result does not depend on the number of threads.
 * *total <- the sum of the group totals. X already passed bm_vc_check_batch.
 * @return BM_SUCCESS; BM_ENONFINITE (X); BM_ENOMEM. Outputs untouched on failure
 * except each (caller NaN-fills it). */
int bm_vc_loglik_rows(const gsl_vector *mu, const gsl_matrix *L, const gsl_matrix *X, gsl_vector *each,
                      bm_vc_loglik_block block, const void *ctx, double *total);

/* The whole batched log-likelihood but for the family's final formula: checks
 * (obj_status first, then bm_vc_check_batch, then each's length), the row
 * groups, and each NaN-filled on any failure. mu, L may be NULL when
 * obj_status is not BM_SUCCESS. */
int bm_vc_loglik_fn(const char *fn, int obj_status, const gsl_vector *mu, const gsl_matrix *L, const gsl_matrix *X,
                    gsl_vector *each, bm_vc_loglik_block block, const void *ctx, double *total);
#define bm_vc_loglik(...) bm_vc_loglik_fn(BM_FN, __VA_ARGS__)

/* Per block of whitened rows Z (rows x p) of bm_vc_loglik_grad_rows: add the
 * block's rows (weighted as the family needs) into s (p) and acc[0..1], and
 * replace Z's rows by the rows whose Z^T Z / 2 enters the Sigma gradient. */
typedef void (*bm_vc_grad_block)(const void *ctx, double *Z, size_t rows, double *s, double acc[2]);

/* Row groups of a batched log-likelihood gradient: acc <- the group sums of
 * the block accumulators (group order); dmu <- L^{-T} sum s; dSigma <-
 * L^{-T} (Z^T Z - n I) L^{-1} / 2 with Z the rows the block function left
 * (each may be NULL). X already passed bm_vc_check_batch.
 * @return BM_SUCCESS; BM_ENONFINITE (X); BM_ENOMEM; on failure dmu, dSigma NaN. */
int bm_vc_loglik_grad_rows(const gsl_matrix *L, const gsl_vector *mu, const gsl_matrix *X, gsl_vector *dmu,
                           gsl_matrix *dSigma, bm_vc_grad_block block, const void *ctx, double acc[2]);

/* bm_vc_loglik_grad_rows after the checks (obj_status first, then
 * bm_vc_check_batch, then dmu's and dSigma's shapes; dmu, dSigma NaN on any
 * failure). mu, L may be NULL when obj_status is not BM_SUCCESS. */
int bm_vc_loglik_grad_fn(const char *fn, int obj_status, const gsl_matrix *L, const gsl_vector *mu,
                         const gsl_matrix *X, gsl_vector *dmu, gsl_matrix *dSigma, bm_vc_grad_block block,
                         const void *ctx, double acc[2]);
#define bm_vc_loglik_grad(...) bm_vc_loglik_grad_fn(BM_FN, __VA_ARGS__)

/* bm_vc_scatter_grad's answer when its result left double's range: the
 * caller recomputes through bm_vc_loglik_grad (outputs then rewritten). */
#define BM_VC_RETRY (-1000)

/* The Gaussian batched gradient from the scatter S = sum_i r_i r_i^T
 * (r_i = x_i - mu; one rank-n update, n p^2 flops, instead of whitening the
 * rows and a second rank-n update): *sumsq <- tr(L^{-1} S L^{-T}) =
 * sum_i |L^{-1} r_i|^2, dSigma <- (Sigma^{-1} S Sigma^{-1} - n Sigma^{-1})/2
 * as L^{-T} (L^{-1} S L^{-T} - n I) L^{-1} / 2 (two symmetric sandwiches,
 * 2 p^3), dmu <- Sigma^{-1} sum_i r_i (may be NULL). dSigma is required.
 * Rounding: S is formed before whitening, so its errors are amplified by
 * up to cond(Sigma) instead of cond(L): callers use it for well-conditioned
 * factors only. Checks and statuses as bm_vc_loglik_grad, plus BM_VC_RETRY
 * (not an error: nothing reported) when a result is not finite. */
int bm_vc_scatter_grad_fn(const char *fn, int obj_status, const gsl_matrix *L, const gsl_vector *mu,
                          const gsl_matrix *X, gsl_vector *dmu, gsl_matrix *dSigma, double *sumsq);
#define bm_vc_scatter_grad(...) bm_vc_scatter_grad_fn(__func__, __VA_ARGS__)

#endif
