/* bayesmat — mergeable sufficient statistics of W_p(nu, S)
 * (declarations at the end of include/bayesmat/wishart.h).
 *
 * Summary of m SPD observations X_1..X_m: (m, A = sum_i X_i, l = sum_i log|X_i|),
 * each X_i factorized once (Cholesky). The summary is additive: merging adds
 * (m, A, l), exact up to the rounding of the sums. The summary itself is the
 * one shared with the inverse Wishart (wishart_type_stats.c); this file keeps
 * what is Wishart's own: A sums X_i, and
 * from the summary (S = L L^T, B = L^-1 A L^-T):
 *   ll   = m log_norm + (nu-p-1)/2 l - tr(B)/2
 *   d_S  = L^-T (B/2 - m nu/2 I) L^-1       (= sum_i [S^-1 X_i S^-1 - nu S^-1]/2)
 *   d_nu = l/2 - m p/2 log 2 - m/2 log|S| - m/2 psi_p(nu/2)
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include "mvgamma_small.h"
#include "bayesmat/status.h"
#include "bayesmat/specfun.h"
#include "bayesmat/wishart.h"
#include "stats_internal.h"
#include "wishart_impl.h"
#include "wishart_type_stats.h"
#include "stats_pack.h"
#include "../src/error.h"

static void eval(const bm_spd_stats *s, const bm_spd_view *v, double *B, double *ll, gsl_matrix *d_S, double *d_nu)
{
  size_t p = s->p;
  double m = s->m, pd = (double)p, nu = v->nu;
  memcpy(B, s->A, p * p * sizeof(double));
  bm_stats_sandwich(v->L, B, p);
  double htr = 0.0; /* half the trace, summed in halves: the trace may pass DBL_MAX where log f does not */
  for (size_t i = 0; i < p; i++) htr += 0.5 * B[i * p + i];
  if (isnan(htr)) htr = INFINITY; /* finite sums: only an overflow (inf - inf) in the product, the trace beyond it */
  if (ll) *ll = m * v->log_norm + 0.5 * (nu - pd - 1.0) * s->sum_logdet - htr;
  if (d_nu) *d_nu = 0.5 * s->sum_logdet - 0.5 * m * pd * M_LN2 - 0.5 * m * v->logdet - m * bm_mvdigamma_small_halved(p, nu);
  if (d_S) {
    for (size_t i = 0; i < p * p; i++) B[i] *= 0.5;
    for (size_t i = 0; i < p; i++) B[i * p + i] -= 0.5 * m * nu;
    bm_stats_unsandwich(v->L, B, p);
    for (size_t i = 0; i < p; i++) memcpy(d_S->data + i * d_S->tda, B + i * p, p * sizeof(double));
  }
}

BM_SPD_STATS_SURFACE(wishart, S, BM_PACK_WISHART, 0, eval)
