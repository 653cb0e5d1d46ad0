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

/* Lower triangle of C (n x n, ldc) <- alpha M M^T, M (n x n, ldm) lower
 * triangular: recursively in halves, [C11; C21 C22] = [M11 M11^T;
 * M21 M11^T, M21 M21^T + M22 M22^T], the off-diagonal block by dtrmm in
 * place on a copy of M21 and the diagonal blocks' second term by dsyrk:
 * n^3/6 multiply-adds in large BLAS-3 calls (block columns of M M^T by
 * dgemm took 1.3-2x longer at p = 129-256, multiplying zeros). */
static void lower_mmt(const double *M, size_t ldm, size_t n, double alpha, double *C, size_t ldc)
{
  if (n <= 32) {
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j <= i; j++) {
        double s = 0.0;
        for (size_t k = 0; k <= j; k++) s += M[i * ldm + k] * M[j * ldm + k];
        C[i * ldc + j] = alpha * s;
      }
    return;
  }
  size_t n1 = n / 2, n2 = n - n1;
  const double *M21 = M + n1 * ldm, *M22 = M21 + n1;
  double *C21 = C + n1 * ldc, *C22 = C21 + n1;
  lower_mmt(M, ldm, n1, alpha, C, ldc);
  lower_mmt(M22, ldm, n2, alpha, C22, ldc);
  for (size_t i = 0; i < n2; i++)
    for (size_t j = 0; j < n1; j++) C21[i * ldc + j] = M21[i * ldm + j];
  cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)n2, (int)n1, alpha, M, (int)ldm,
              C21, (int)ldc);
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)n2, (int)n1, alpha, M21, (int)ldm, 1.0, C22, (int)ldc);
}

void bm_wt_sandwich_mmt(const double *T, const double *M, size_t p, double alpha, double c, double *G, size_t ldg)
{
  lower_mmt(M, p, p, alpha, G, ldg);
  for (size_t i = 0; i < p; i++) G[i * ldg + i] -= alpha * c;
  /* itype 2, column-major upper: U C U^T with U = T^T, i.e. T^T C T */
  LAPACKE_dsygst_work(LAPACK_COL_MAJOR, 2, 'U', (lapack_int)p, G, (lapack_int)ldg, T, (lapack_int)p);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < i; j++) G[j * ldg + i] = G[i * ldg + j];
}
