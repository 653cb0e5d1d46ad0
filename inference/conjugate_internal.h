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
#include <lapacke.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "bayesmat/status.h"
#include "bayesmat/alloc.h"
#include "bayesmat/linalg.h"
#include "bayesmat/specfun.h"

typedef struct {
  double norm;
  size_t row;
} cj_row_key;

static inline int cj_row_key_desc(const void *a, const void *b)
{
  const cj_row_key *x = a, *y = b;
  if (x->norm != y->norm) return x->norm < y->norm ? 1 : -1; /* NaN rows compare equal: LAPACKE rejects them later */
  return x->row < y->row ? -1 : x->row > y->row;
}

/* Rows of A (m x c, leading dimension lda) reordered by decreasing max-norm.
 * R^T R = A^T A does not depend on the order of the rows, but Householder QR
 * is backward stable only relative to the column norms: a block of rows
 * 1e10 times larger than the others (a large noise precision or weight, a
 * diffuse prior against data) then swamps the small rows' contribution —
 * e.g. the prior in the directions the data leave free — with errors of
 * eps * 1e10 relative. With the rows sorted large-to-small the factorization
 * is row-wise stable in practice (Powell & Reid 1969; Cox & Higham 1998), and
 * those directions come out to a few eps. @return BM_SUCCESS; BM_ENOMEM. */
static inline int cj_sort_rows(double *A, size_t m, size_t c, size_t lda)
{
  if (m < 2) return BM_SUCCESS;
  cj_row_key *key = malloc(m * sizeof *key);
  double *tmp = malloc(m * c * sizeof(double));
  if (key == NULL || tmp == NULL) {
    free(key);
    free(tmp);
    return BM_ENOMEM;
  }
  int sorted = 1;
  for (size_t i = 0; i < m; i++) {
    double mx = 0.0;
    for (size_t j = 0; j < c; j++) mx = fmax(mx, fabs(A[i * lda + j]));
    key[i].norm = mx;
    key[i].row = i;
    if (i > 0 && mx > key[i - 1].norm) sorted = 0;
  }
  if (!sorted) {
    qsort(key, m, sizeof *key, cj_row_key_desc);
    for (size_t i = 0; i < m; i++) memcpy(tmp + i * c, A + key[i].row * lda, c * sizeof(double));
    for (size_t i = 0; i < m; i++) memcpy(A + i * lda, tmp + i * c, c * sizeof(double));
  }
  free(key);
  free(tmp);
  return BM_SUCCESS;
}

/* R (c x c, upper triangular, non-negative diagonal, strict lower zero) with
 * R^T R = A^T A for the m x c row block A (row-major, leading dimension lda).
 * A is overwritten (its rows are first sorted, see cj_sort_rows). m may be
 * smaller than c (the missing rows are zero).
 * @return BM_SUCCESS; BM_ENOMEM; BM_ENONFINITE (NaN in A, e.g. overflowed statistics). */
static inline int cj_qr_upper(double *A, size_t m, size_t c, size_t lda, gsl_matrix *R)
{
  if (m == 0) {
    gsl_matrix_set_zero(R);
    return BM_SUCCESS;
  }
  size_t kmin = m < c ? m : c;
  if (cj_sort_rows(A, m, c, lda) != BM_SUCCESS) return BM_ENOMEM;
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
