/* bayesmat — mergeable sufficient statistics of IW_p(nu, Psi)
 * (declarations at the end of include/bayesmat/invwishart.h).
 *
 * Summary of m SPD observations X_1..X_m: (m, A = sum_i X_i^-1, l = sum_i log|X_i|),
 * each X_i factorized once (Cholesky). The summary is additive: merging adds
 * (m, A, l), exact up to the rounding of the sums. The summary itself is the
 * one shared with the Wishart (wishart_type_stats.c); this file keeps what is
 * the inverse Wishart's own: A sums X_i^-1, and
 * from the summary (Psi = L L^T, B = L^T A L):
 *   ll    = m log_norm - (nu+p+1)/2 l - tr(B)/2
 *   d_Psi = m nu/2 Psi^-1 - A/2
 *   d_nu  = m/2 log|Psi| - m p/2 log 2 - m/2 psi_p(nu/2) - l/2
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_cblas.h>
#include "mvgamma_small.h"
#include "bayesmat/status.h"
#include "bayesmat/linalg.h"
#include "bayesmat/specfun.h"
#include "bayesmat/invwishart.h"
#include "stats_internal.h"
#include "invwishart_impl.h"
#include "wishart_type_stats.h"
#include "stats_pack.h"
#include "../src/error.h"

static void eval(const bm_spd_stats *s, const bm_spd_view *v, double *B, double *ll, gsl_matrix *d_Psi, double *d_nu)
{
  size_t p = s->p;
  double m = s->m, pd = (double)p, nu = v->nu;
  const gsl_matrix *L = v->L;
  /* tr(Psi A) = tr(L^T A L) */
  memcpy(B, s->A, p * p * sizeof(double));
  cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, (int)p, 1.0, L->data,
              (int)L->tda, B, (int)p);
  cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, (int)p, (int)p, 1.0, L->data,
              (int)L->tda, B, (int)p);
  double htr = 0.0; /* half the trace, summed in halves: the trace may pass DBL_MAX where log f does not */
  for (size_t i = 0; i < p; i++) htr += 0.5 * B[i * p + i];
  if (isnan(htr)) htr = INFINITY; /* finite sums: only an overflow (inf - inf) in the product, the trace beyond it */
  if (ll) *ll = m * v->log_norm - 0.5 * (nu + pd + 1.0) * s->sum_logdet - htr;
  if (d_nu) *d_nu = 0.5 * m * v->logdet - 0.5 * m * pd * M_LN2 - m * bm_mvdigamma_small_halved(p, nu) - 0.5 * s->sum_logdet;
  if (d_Psi) {
    gsl_matrix_view Bv = gsl_matrix_view_array(B, p, p);
    bm_chol_inverse(L, &Bv.matrix);
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++)
        gsl_matrix_set(d_Psi, i, j, 0.5 * m * nu * B[i * p + j] - 0.5 * s->A[i * p + j]);
  }
}

BM_SPD_STATS_SURFACE(invwishart, Psi, BM_PACK_INVWISHART, 1, eval)
