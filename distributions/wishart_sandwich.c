/* The two-sided product of the Wishart-type gradients beyond BM_KN_MAX
 * (distributions/wishart_common.h): T = L^-1, T^T T and T^T (M M^T - c I) T
 * by LAPACK on the storage trick of src/linalg.c (a row-major lower triangle
 * is LAPACK's column-major upper one, its transpose).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <lapacke.h>
#undef I /* complex.h's, via lapacke.h: wishart_common.h names a parameter I */
#include <gsl/gsl_cblas.h>
#include "wishart_common.h"

void bm_wt_tri_inverse(const gsl_matrix *L, double *T)
{
  size_t p = L->size1;
  bm_wt_copy_lower(L, T, p);
  /* column-major upper U = L^T: U^-1 = T^T, i.e. row-major lower T = L^-1 */
  LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, 'U', 'N', (lapack_int)p, T, (lapack_int)p);
}

void bm_wt_gram_from_tri(const double *T, size_t p, double *A, size_t lda)
{
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) A[i * lda + j] = T[i * p + j];
  /* column-major upper U = T^T: U U^T = T^T T */
  LAPACKE_dlauum_work(LAPACK_COL_MAJOR, 'U', (lapack_int)p, A, (lapack_int)lda);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < i; j++) A[j * lda + i] = A[i * lda + j];
}

void bm_wt_sandwich_mmt(const double *T, const double *M, size_t p, double alpha, double c, double *G, size_t ldg)
{
  /* lower triangle of alpha M M^T by block columns J = [j0, j1): rows j0.. of
   * M's first j1 columns times the J rows' (M's zeros beyond column j1 are
   * skipped: p^3/6 multiply-adds and the diagonal blocks' halves) */
  const size_t nb = 64;
  for (size_t j0 = 0; j0 < p; j0 += nb) {
    size_t j1 = j0 + nb < p ? j0 + nb : p;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(p - j0), (int)(j1 - j0), (int)j1, alpha, M + j0 * p,
                (int)p, M + j0 * p, (int)p, 0.0, G + j0 * ldg + j0, (int)ldg);
  }
  for (size_t i = 0; i < p; i++) G[i * ldg + i] -= alpha * c;
  /* itype 2, column-major upper: U C U^T with U = T^T, i.e. T^T C T */
  LAPACKE_dsygst_work(LAPACK_COL_MAJOR, 2, 'U', (lapack_int)p, G, (lapack_int)ldg, T, (lapack_int)p);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < i; j++) G[j * ldg + i] = G[i * ldg + j];
}
