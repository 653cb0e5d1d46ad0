/* Internal (not installed): triangular sandwiches shared by the
 * sufficient-statistics code in distributions/<family>_stats.c, which reads
 * the set family object through the struct definition in <family>_impl.h.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_STATS_INTERNAL_H
#define BAYESMAT_STATS_INTERNAL_H

#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_cblas.h>

/* B (p x p, leading dim ldb) <- L^-1 B L^-T */
static inline void bm_stats_sandwich(const gsl_matrix *L, double *B, size_t ldb)
{
  int p = (int)L->size1;
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, p, p, 1.0, L->data, (int)L->tda, B,
              (int)ldb);
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, p, p, 1.0, L->data, (int)L->tda, B,
              (int)ldb);
}

/* B (p x p, leading dim ldb) <- L^-T B L^-1, then symmetrized exactly */
static inline void bm_stats_unsandwich(const gsl_matrix *L, double *B, size_t ldb)
{
  size_t p = L->size1;
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, (int)p, (int)p, 1.0, L->data,
              (int)L->tda, B, (int)ldb);
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, (int)p, 1.0, L->data,
              (int)L->tda, B, (int)ldb);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < i; j++) {
      double g = 0.5 * (B[i * ldb + j] + B[j * ldb + i]);
      B[i * ldb + j] = g;
      B[j * ldb + i] = g;
    }
}

#endif
