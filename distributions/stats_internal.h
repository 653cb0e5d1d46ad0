/* Internal (not installed): read-only views of a set family object for the
 * sufficient-statistics code in distributions/<family>_stats.c (issue #11).
 * Each accessor is defined at the end of its family file, in a block marked
 * "issue #11 accessor", and returns BM_EINVAL for NULL or a never-set object.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_STATS_INTERNAL_H
#define BAYESMAT_STATS_INTERNAL_H

#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/mvn.h"
#include "bayesmat/wishart.h"
#include "bayesmat/invwishart.h"
#include "bayesmat/matnorm.h"
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

/* mu, the lower factor L of Sigma, lognorm = -p/2 log 2pi - 1/2 log|Sigma| */
int bm_mvn_internal_view(const bm_mvn *d, const gsl_vector **mu, const gsl_matrix **L, double *lognorm);
/* nu, lower factor of S, log|S|, log_norm = -nu p/2 log 2 - nu/2 log|S| - log Gamma_p(nu/2) */
int bm_wishart_internal_view(const bm_wishart *d, double *nu, const gsl_matrix **L_S, double *logdet_S,
                             double *log_norm);
/* nu, lower factor of Psi, log|Psi|, log_norm = nu/2 log|Psi| - nu p/2 log 2 - log Gamma_p(nu/2) */
int bm_invwishart_internal_view(const bm_invwishart *d, double *nu, const gsl_matrix **L_Psi,
                                double *logdet_Psi, double *log_norm);
/* M, lower factors of U and V, log_norm = -np/2 log 2pi - p/2 log|U| - n/2 log|V| */
int bm_matnorm_internal_view(const bm_matnorm *d, const gsl_matrix **M, const gsl_matrix **L_U,
                             const gsl_matrix **L_V, double *log_norm);
#endif
