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
#include <float.h>
#include "wishart_common.h" /* before lapacke.h: its <complex.h> defines I, a parameter name there */
#include <lapacke.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "bayesmat/status.h"
#include "bayesmat/alloc.h"
#include "bayesmat/linalg.h"
#include "bayesmat/specfun.h"
#include "bayesmat/random.h"
#include "internal.h"

/* R (c x c, upper triangular, non-negative diagonal, strict lower zero) with
 * R^T R = A^T A for the m x c row block A (row-major, leading dimension lda).
 * A is overwritten. m may be smaller than c (the missing rows are zero).
 *
 * Each row is rotated into the triangle by Givens rotations (Gentleman's
 * row-sequential QR). Householder QR (LAPACK dgeqrf) is backward stable only
 * relative to the column norms: one row 1e10 times larger than the rest (a
 * weight of 1e20, a noise precision of 1e20 with n < k, a prior covariance of
 * 1e24 I) contaminates the small rows with errors eps * 1e10 — posterior
 * means 1e-7 .. 1e-1 off, or rank gates firing — and sorting the rows does
 * not cure it without column pivoting, which would break the column order
 * the models rely on (the response column last). A rotation only mixes a
 * row with the triangle where the row is nonzero, each rotated pair keeps
 * its own scale, and the factor comes out row-wise accurate: a few eps in
 * every direction the small rows determine, whatever the ratio of row sizes.
 * @return BM_SUCCESS; BM_ENONFINITE (NaN or inf in A, e.g. overflowed
 *         statistics; R unchanged). Allocates nothing. */
static inline int cj_qr_upper(double *A, size_t m, size_t c, size_t lda, gsl_matrix *R)
{
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < c; j++)
      if (!isfinite(A[i * lda + j])) return BM_ENONFINITE;
  gsl_matrix_set_zero(R);
  double *Rd = R->data;
  const size_t t = R->tda;
  for (size_t i = 0; i < m; i++) {
    double *r = A + i * lda;
    for (size_t j = 0; j < c; j++) {
      const double b = r[j];
      if (b == 0.0) continue;
      double *Rj = Rd + j * t;
      const double a = Rj[j], h = hypot(a, b), cs = a / h, sn = b / h;
      Rj[j] = h;
      r[j] = 0.0;
      for (size_t l = j + 1; l < c; l++) {
        const double x = Rj[l], z = r[l];
        Rj[l] = cs * x + sn * z;
        r[l] = cs * z - sn * x;
      }
    }
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

/* Numerical full column rank of the upper factor R (p x p) of a design,
 * decided scale-invariantly: the columns of R (whose norms are those of the
 * design's columns) are scaled to unit length, and the 1-norm condition
 * number of the scaled triangle must stay below 1 / (1e3 p eps) (about
 * 4.5e12 / p). Changing the units of a covariate changes nothing. work: p x p
 * scratch, col: p doubles. @return 1 full rank; 0 numerically rank-deficient. */
static inline int cj_upper_full_rank(const gsl_matrix *R, gsl_matrix *work, double *col)
{
  const size_t p = R->size1;
  double nrm = 0.0;
  gsl_matrix_set_zero(work);
  for (size_t j = 0; j < p; j++) {
    double mx = 0.0, ss = 0.0;
    for (size_t i = 0; i <= j; i++) mx = fmax(mx, fabs(gsl_matrix_get(R, i, j)));
    if (!(mx > 0.0) || !isfinite(mx)) return 0;
    for (size_t i = 0; i <= j; i++) ss += (gsl_matrix_get(R, i, j) / mx) * (gsl_matrix_get(R, i, j) / mx);
    const double cn = mx * sqrt(ss);
    double c1 = 0.0;
    for (size_t i = 0; i <= j; i++) {
      gsl_matrix_set(work, i, j, gsl_matrix_get(R, i, j) / cn);
      c1 += fabs(gsl_matrix_get(work, i, j));
    }
    nrm = fmax(nrm, c1);
  }
  /* || work^-1 ||_1 from the columns of work^-1 (back substitution on e_j) */
  double inrm = 0.0;
  for (size_t j = 0; j < p && isfinite(inrm); j++) {
    for (size_t i = 0; i < p; i++) col[i] = i == j ? 1.0 : 0.0;
    cblas_dtrsv(CblasRowMajor, CblasUpper, CblasNoTrans, CblasNonUnit, (int)p, work->data, (int)work->tda, col, 1);
    double c1 = 0.0;
    for (size_t i = 0; i <= j; i++) c1 += fabs(col[i]);
    if (!(c1 <= DBL_MAX)) c1 = INFINITY;
    inrm = fmax(inrm, c1);
  }
  return isfinite(inrm) && nrm * inrm * 1e3 * 2.220446049250313e-16 * (double)p < 1.0;
}

/* sum_i log |R_ii| (half the log-determinant of R^T R). */
static inline double cj_half_logdet_upper(const gsl_matrix *R)
{
  double s = 0.0;
  for (size_t i = 0; i < R->size1; i++) s += log(fabs(gsl_matrix_get(R, i, i)));
  return s;
}

/* log|Psi_n| - log|Psi_0| = log|I + M|, M = R0^-T W R0^-1, for Psi_0 = R0^T R0
 * (R0 p x p upper) and Psi_n = Psi_0 + W, W = sum_b scale_b^2 B_b^T B_b (each
 * B_b with p columns; NULL blocks skipped). The evidence multiplies it by
 * (nu0 + n)/2: taking it as the difference of the two log-determinants
 * leaves eps |log|Psi|| in it, times nu0 (0.5 absolute at nu0 = 1e16), and W
 * below eps Psi_0 vanishes from the rounded Psi_n altogether. Here M comes
 * from W's own rows, and its Cholesky factor is taken with every pivot
 * written 1 + u_i, u_i formed without the 1: log|I + M| = sum log1p(u_i).
 * BM_ENOMEM in *st (NaN returned) when scratch cannot be had. */
static inline double cj_logdet_ratio(const gsl_matrix *R0, const gsl_matrix *const *blocks, const double *scale,
                                     size_t nb, size_t p, int *st)
{
  size_t rows = 0;
  for (size_t b = 0; b < nb; b++) rows += blocks[b] ? blocks[b]->size1 : 0;
  if (rows == 0) return 0.0;
  gsl_matrix *Z = bm_matrix_alloc(rows, p), *M = bm_matrix_alloc(p, p);
  if (Z == NULL || M == NULL) {
    bm_matrix_free(Z);
    bm_matrix_free(M);
    *st = BM_ENOMEM;
    return NAN;
  }
  size_t r = 0;
  for (size_t b = 0; b < nb; b++)
    for (size_t i = 0; blocks[b] && i < blocks[b]->size1; i++, r++)
      for (size_t j = 0; j < p; j++) gsl_matrix_set(Z, r, j, scale[b] * gsl_matrix_get(blocks[b], i, j));
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, (int)rows, (int)p, 1.0, R0->data,
              (int)R0->tda, Z->data, (int)Z->tda); /* Z R0^-1 */
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      double v = 0.0;
      for (size_t k = 0; k < rows; k++) v += gsl_matrix_get(Z, k, i) * gsl_matrix_get(Z, k, j);
      gsl_matrix_set(M, i, j, v);
    }
  double ld = 0.0; /* Cholesky of I + M in place of M's lower triangle */
  for (size_t i = 0; i < p; i++) {
    double u = gsl_matrix_get(M, i, i);
    for (size_t k = 0; k < i; k++) u -= gsl_matrix_get(M, i, k) * gsl_matrix_get(M, i, k);
    ld += log1p(u);
    double lii = sqrt(1.0 + u);
    for (size_t j = i + 1; j < p; j++) {
      double v = gsl_matrix_get(M, j, i);
      for (size_t k = 0; k < i; k++) v -= gsl_matrix_get(M, j, k) * gsl_matrix_get(M, i, k);
      gsl_matrix_set(M, j, i, v / lii);
    }
  }
  bm_matrix_free(Z);
  bm_matrix_free(M);
  return ld;
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

/* A draw Sigma = C C^T ~ IW_p(nu, L L^T) as its factor C = L A^{-T}, A the
 * lower Bartlett factor (A A^T ~ W_p(nu, I)); Sigma itself too when not NULL.
 * A, C: p x p. @return BM_SUCCESS or bm_rng_bartlett's failure (C, Sigma
 * then unwritten). */
static inline int cj_iw_draw(gsl_rng *r, double nu, const gsl_matrix *L, gsl_matrix *A, gsl_matrix *C,
                             gsl_matrix *Sigma)
{
  const int p = (int)L->size1;
  int st = bm_rng_bartlett(r, nu, A);
  if (st != BM_SUCCESS) return st;
  gsl_matrix_memcpy(C, L);
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, p, p, 1.0, A->data, (int)A->tda,
              C->data, (int)C->tda);
  if (Sigma != NULL)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, p, p, p, 1.0, C->data, (int)C->tda, C->data, (int)C->tda,
                0.0, Sigma->data, (int)Sigma->tda);
  return BM_SUCCESS;
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
  if (bm_wt_large_nu(p, nu) && isfinite(tr))
    /* the inverse Wishart family's large-nu form (distributions/wishart_common.h):
     * the textbook sum cancels like nu log nu (7e-4 absolute at nu = 1e12) */
    return bm_wt_lognorm_large(p, nu) + 0.5 * nu * bm_wt_dev_diag(work->data, p, work->tda, nu) -
           bm_wt_half_sumsq(work->data, p, work->tda, 1) - 0.5 * ((double)p + 1.0) * bm_chol_logdet(L_S);
  return 0.5 * nu * bm_chol_logdet(L_Psi) - 0.5 * nu * (double)p * M_LN2 - bm_lmvgamma_half(p, nu) -
         0.5 * (nu + (double)p + 1.0) * bm_chol_logdet(L_S) - 0.5 * tr;
}

#endif
