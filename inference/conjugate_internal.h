/* Internal helpers shared by the conjugate models (niw.c, blr.c, mniw.c).
 * All static inline: no exported symbols.
 *
 * The models keep every Gram-type quantity as a triangular factor: a matrix
 * of rows A is summarised by the upper-triangular R of its QR decomposition
 * (R^T R = A^T A). Stacking two such factors and re-triangularising merges
 * the underlying row sets exactly (R^T R adds), which is how chunked updates
 * and merges of sufficient statistics stay numerically stable.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_CONJUGATE_INTERNAL_H
#define BAYESMAT_CONJUGATE_INTERNAL_H

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "bayesmat/status.h"
#include "bayesmat/alloc.h"
#include "bayesmat/linalg.h"
#include "bayesmat/specfun.h"
#include "internal.h"

/* R (c x c, upper triangular, non-negative diagonal, strict lower zero) with
 * R^T R = A^T A for the m x c row block A (row-major, leading dimension lda).
 * A is overwritten. m may be smaller than c (the missing rows are zero).
 * @return BM_SUCCESS; BM_ENOMEM; BM_ENONFINITE (NaN in A, e.g. overflowed statistics). */
static inline int cj_qr_upper(double *A, size_t m, size_t c, size_t lda, gsl_matrix *R)
{
  if (m == 0) {
    gsl_matrix_set_zero(R);
    return BM_SUCCESS;
  }
  size_t kmin = m < c ? m : c;
  double *tau = malloc(kmin * sizeof(double));
  if (tau == NULL) return BM_ENOMEM;
  lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)c, A, (lapack_int)lda, tau);
  free(tau);
  if (info == LAPACK_WORK_MEMORY_ERROR) return BM_ENOMEM;
  if (info != 0) return BM_ENONFINITE; /* LAPACKE's NaN check: statistics that overflowed to inf/NaN */
  gsl_matrix_set_zero(R);
  for (size_t i = 0; i < kmin; i++) {
    double sgn = A[i * lda + i] < 0.0 ? -1.0 : 1.0;
    for (size_t j = i; j < c; j++) gsl_matrix_set(R, i, j, sgn * A[i * lda + j]);
  }
  return BM_SUCCESS;
}

/* Re-triangularise the row blocks stacked in order: each block i is given
 * as a matrix (rows x c) scaled by scale[i]. Result in R (c x c). */
static inline int cj_qr_stack(const gsl_matrix *const *blocks, const double *scale, size_t nblocks, size_t c,
                              gsl_matrix *R)
{
  size_t m = 0;
  for (size_t b = 0; b < nblocks; b++)
    if (blocks[b] != NULL) m += blocks[b]->size1;
  if (m == 0) {
    gsl_matrix_set_zero(R);
    return BM_SUCCESS;
  }
  double *A = malloc(m * c * sizeof(double));
  if (A == NULL) return BM_ENOMEM;
  size_t row = 0;
  for (size_t b = 0; b < nblocks; b++) {
    const gsl_matrix *B = blocks[b];
    if (B == NULL) continue;
    for (size_t i = 0; i < B->size1; i++, row++)
      for (size_t j = 0; j < c; j++) A[row * c + j] = scale[b] * gsl_matrix_get(B, i, j);
  }
  int st = cj_qr_upper(A, m, c, c, R);
  free(A);
  return st;
}

/* Lower Cholesky factor L (L L^T = R^T R) from an upper R with non-negative diagonal. */
static inline void cj_lower_from_upper(const gsl_matrix *R, gsl_matrix *L)
{
  const size_t p = R->size1;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(L, i, j, j <= i ? gsl_matrix_get(R, j, i) : 0.0);
}

/* 1 when the upper factor R is numerically nonsingular: min R_ii > c eps max R_ii. */
static inline int cj_upper_nonsingular(const gsl_matrix *R)
{
  double mx = 0.0, mn = INFINITY;
  for (size_t i = 0; i < R->size1; i++) {
    double d = fabs(gsl_matrix_get(R, i, i));
    if (d > mx) mx = d;
    if (d < mn) mn = d;
  }
  return mx > 0.0 && isfinite(mx) && mn > 1e3 * 2.220446049250313e-16 * (double)R->size1 * mx;
}

/* sum_i log |R_ii| (half the log-determinant of R^T R). */
static inline double cj_half_logdet_upper(const gsl_matrix *R)
{
  double s = 0.0;
  for (size_t i = 0; i < R->size1; i++) s += log(fabs(gsl_matrix_get(R, i, i)));
  return s;
}

/* Inverse of the lower factor: Linv = L^{-1} (lower). Linv must not alias L. */
static inline void cj_lower_inverse(const gsl_matrix *L, gsl_matrix *Linv)
{
  gsl_matrix_set_identity(Linv);
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)L->size1, (int)L->size1, 1.0,
              L->data, (int)L->tda, Linv->data, (int)Linv->tda);
}

/* (R^T R)^{-1} = R^{-1} R^{-T} into Out (full symmetric), R upper nonsingular. */
static inline int cj_inverse_from_upper(const gsl_matrix *R, gsl_matrix *Out)
{
  const size_t p = R->size1;
  gsl_matrix *L = bm_matrix_alloc(p, p);
  if (L == NULL) return BM_ENOMEM;
  cj_lower_from_upper(R, L);
  int st = bm_chol_inverse(L, Out);
  bm_matrix_free(L);
  return st;
}

/* log IW_p(Sigma | nu, Psi) from L_Psi (lower factor of Psi) and L_S (lower factor of Sigma):
 * nu/2 log|Psi| - nu p/2 log 2 - log Gamma_p(nu/2) - (nu+p+1)/2 log|Sigma| - tr(Psi Sigma^-1)/2,
 * tr(Psi Sigma^-1) = ||L_S^{-1} L_Psi||_F^2. work: p x p scratch. */
static inline double cj_iw_logpdf(const gsl_matrix *L_Psi, double nu, const gsl_matrix *L_S, gsl_matrix *work)
{
  const size_t p = L_Psi->size1;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(work, i, j, j <= i ? gsl_matrix_get(L_Psi, i, j) : 0.0);
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, (int)p, 1.0, L_S->data,
              (int)L_S->tda, work->data, (int)work->tda);
  double tr = 0.0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) tr += gsl_matrix_get(work, i, j) * gsl_matrix_get(work, i, j);
  if (isnan(tr)) tr = INFINITY; /* finite factors: NaN only from overflow (inf - inf) in the solve */
  return 0.5 * nu * bm_chol_logdet(L_Psi) - 0.5 * nu * (double)p * M_LN2 - bm_lmvgamma(p, 0.5 * nu) -
         0.5 * (nu + (double)p + 1.0) * bm_chol_logdet(L_S) - 0.5 * tr;
}

#endif
