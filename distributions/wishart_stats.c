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
#include "bayesmat/status.h"
#include "bayesmat/specfun.h"
#include "bayesmat/wishart.h"
#include "stats_internal.h"
#include "wishart_impl.h"
#include "wishart_type_stats.h"
#include "stats_pack.h"
#include "../src/error.h"

struct bm_wishart_stats {
  bm_spd_stats base;
};

#define BASE(s) ((s) ? &(s)->base : NULL)

bm_wishart_stats *bm_wishart_stats_alloc(size_t p)
{
  bm_wishart_stats *s = calloc(1, sizeof *s);
  if (s && bm_spd_stats_init(&s->base, p)) {
    free(s);
    return NULL;
  }
  return s;
}

void bm_wishart_stats_free(bm_wishart_stats *s)
{
  if (!s) return;
  bm_spd_stats_release(&s->base);
  free(s);
}

size_t bm_wishart_stats_dim(const bm_wishart_stats *s) { return s ? s->base.p : 0; }

int bm_wishart_stats_reset(bm_wishart_stats *s) { return bm_spd_stats_reset(BASE(s)); }

int bm_wishart_stats_add(bm_wishart_stats *s, const gsl_matrix *const *X, size_t m)
{
  return bm_spd_stats_add(BASE(s), X, m, 0, 0);
}

int bm_wishart_stats_compute(bm_wishart_stats *s, const gsl_matrix *const *X, size_t m)
{
  return bm_spd_stats_add(BASE(s), X, m, 1, 0);
}

int bm_wishart_stats_merge(bm_wishart_stats *a, const bm_wishart_stats *b) { return bm_spd_stats_merge(BASE(a), BASE(b)); }

int bm_wishart_stats_get(const bm_wishart_stats *s, double *m, gsl_matrix *A, double *sum_logdet)
{
  return bm_spd_stats_get(BASE(s), m, A, sum_logdet);
}

size_t bm_wishart_stats_packed_len(const bm_wishart_stats *s) { return bm_spd_stats_packed_len(BASE(s)); }

int bm_wishart_stats_pack(const bm_wishart_stats *s, double *buf) { return bm_spd_stats_pack(BASE(s), buf, BM_PACK_WISHART); }

int bm_wishart_stats_unpack(bm_wishart_stats *s, const double *buf, size_t len)
{
  return bm_spd_stats_unpack(BASE(s), buf, len, BM_PACK_WISHART);
}

static void eval(const bm_spd_stats *s, const bm_spd_view *v, double *B, double *ll, gsl_matrix *d_S, double *d_nu)
{
  size_t p = s->p;
  double m = s->m, pd = (double)p, nu = v->nu;
  memcpy(B, s->A, p * p * sizeof(double));
  bm_stats_sandwich(v->L, B, p);
  double tr = 0.0;
  for (size_t i = 0; i < p; i++) tr += B[i * p + i];
  if (ll) *ll = m * v->log_norm + 0.5 * (nu - pd - 1.0) * s->sum_logdet - 0.5 * tr;
  if (d_nu) *d_nu = 0.5 * s->sum_logdet - 0.5 * m * pd * M_LN2 - 0.5 * m * v->logdet - 0.5 * m * bm_mvdigamma(p, 0.5 * nu);
  if (d_S) {
    for (size_t i = 0; i < p * p; i++) B[i] *= 0.5;
    for (size_t i = 0; i < p; i++) B[i * p + i] -= 0.5 * m * nu;
    bm_stats_unsandwich(v->L, B, p);
    for (size_t i = 0; i < p; i++) memcpy(d_S->data + i * d_S->tda, B + i * p, p * sizeof(double));
  }
}

int bm_wishart_stats_loglik_grad(const bm_wishart *d, const bm_wishart_stats *s, double *ll, gsl_matrix *d_S, double *d_nu)
{
  bm_spd_view v;
  int bad = !s || !d || !d->is_set;
  if (!bad) v = (bm_spd_view){d->nu, d->L_S, d->logdet_S, d->log_norm};
  return bm_spd_stats_loglik_grad(BASE(s), bad ? NULL : &v, ll, d_S, d_nu, eval);
}

int bm_wishart_stats_loglik(const bm_wishart *d, const bm_wishart_stats *s, double *ll)
{
  if (!ll) return BM_FAIL(BM_EINVAL, "ll is NULL");
  return bm_wishart_stats_loglik_grad(d, s, ll, NULL, NULL);
}
