/* LAPACK/BLAS references for the small-kernel tests: the factor, the inverse
 * and the trace solve the hand-written kernels must reproduce.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BM_TESTS_LAPACK_REF_H
#define BM_TESTS_LAPACK_REF_H
#include <string.h>
#include <lapacke.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_matrix.h>
#include "testutil.h"

/* L (p x p, row-major, zero above the diagonal) <- the lower Cholesky factor
 * of A by dpotrf (A's lower triangle; the column-major upper factor is the
 * row-major lower one) */
static inline void ref_chol(const gsl_matrix *A, double *L, size_t p)
{
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) L[i * p + j] = j <= i ? gsl_matrix_get(A, i, j) : 0.0;
  assert_int_equal(LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (int)p, L, (int)p), 0);
}

/* Ainv (p x p, full, symmetric) <- (L L^T)^-1 by dpotri */
static inline void ref_inverse(const double *L, double *Ainv, size_t p)
{
  memcpy(Ainv, L, p * p * sizeof(double));
  assert_int_equal(LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', (int)p, Ainv, (int)p), 0);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < i; j++) Ainv[j * p + i] = Ainv[i * p + j];
}

/* ||L^-1 B||_F^2 = tr((L L^T)^-1 B B^T) by dtrsm (L lower, B p x p,
 * row-major; M p x p scratch) */
static inline double tr_solve(const double *L, const double *B, size_t p, double *M)
{
  memcpy(M, B, p * p * sizeof(double));
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, (int)p, 1.0, L, (int)p, M,
              (int)p);
  double tr = 0.0;
  for (size_t i = 0; i < p * p; i++) tr += M[i] * M[i];
  return tr;
}
#endif
