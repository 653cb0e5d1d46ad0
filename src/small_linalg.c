/* Plain-loop Cholesky kernels for small p (src/small_linalg.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include "small_linalg.h"

size_t bm_sl_chol(double *A, size_t lda, size_t p)
{
  /* the pivots' reciprocals, formed once: a division per pivot instead of
   * one per entry on the substitution's dependency chain */
  double inv[BM_SL_MAX];
  for (size_t i = 0; i < p; i++) {
    double *ri = A + i * lda;
    for (size_t j = 0; j < i; j++) {
      const double *rj = A + j * lda;
      double s = ri[j];
      for (size_t k = 0; k < j; k++) s -= ri[k] * rj[k];
      ri[j] = s * inv[j];
    }
    double s = ri[i];
    for (size_t k = 0; k < i; k++) s -= ri[k] * ri[k];
    /* NaN fails here too (NaN > 0 is false) */
    if (!(s > 0.0) || !isfinite(s)) return i + 1;
    ri[i] = sqrt(s);
    inv[i] = 1.0 / ri[i];
  }
  return 0;
}

void bm_sl_chol_inverse(const double *L, size_t ldl, double *Ainv, size_t lda, size_t p)
{
  /* T = L^{-1} (lower) column by column into a local buffer, then
   * Ainv = T^T T: (i, j) = sum_{k >= max(i, j)} T_ki T_kj. */
  double T[BM_SL_MAX * BM_SL_MAX];
  for (size_t j = 0; j < p; j++) T[j * p + j] = 1.0 / L[j * ldl + j];
  for (size_t j = 0; j < p; j++) {
    for (size_t i = j + 1; i < p; i++) {
      const double *ri = L + i * ldl;
      double s = 0.0;
      for (size_t k = j; k < i; k++) s -= ri[k] * T[k * p + j];
      T[i * p + j] = s * T[i * p + i];
    }
  }
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      double s = 0.0;
      for (size_t k = i; k < p; k++) s += T[k * p + i] * T[k * p + j];
      Ainv[i * lda + j] = s;
      Ainv[j * lda + i] = s;
    }
}

void bm_sl_solve_lower(const double *L, size_t ldl, size_t p, double *B, size_t ldb, size_t m)
{
  for (size_t i = 0; i < p; i++) {
    const double *ri = L + i * ldl;
    double *bi = B + i * ldb;
    for (size_t k = 0; k < i; k++) {
      double l = ri[k];
      const double *bk = B + k * ldb;
      for (size_t c = 0; c < m; c++) bi[c] -= l * bk[c];
    }
    double d = 1.0 / ri[i];
    for (size_t c = 0; c < m; c++) bi[c] *= d;
  }
}

void bm_sl_solve_lower_trans(const double *L, size_t ldl, size_t p, double *B, size_t ldb, size_t m)
{
  for (size_t i = p; i-- > 0;) {
    double *bi = B + i * ldb;
    for (size_t k = i + 1; k < p; k++) {
      double l = L[k * ldl + i];
      const double *bk = B + k * ldb;
      for (size_t c = 0; c < m; c++) bi[c] -= l * bk[c];
    }
    double d = 1.0 / L[i * ldl + i];
    for (size_t c = 0; c < m; c++) bi[c] *= d;
  }
}

void bm_sl_syrk_lower(size_t p, size_t k, double alpha, const double *A, size_t lda, double beta, double *C,
                      size_t ldc)
{
  for (size_t i = 0; i < p; i++) {
    const double *ai = A + i * lda;
    for (size_t j = 0; j <= i; j++) {
      const double *aj = A + j * lda;
      double s = 0.0;
      for (size_t c = 0; c < k; c++) s += ai[c] * aj[c];
      C[i * ldc + j] = beta == 0.0 ? alpha * s : alpha * s + beta * C[i * ldc + j];
    }
  }
}
