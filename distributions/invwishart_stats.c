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
#include "bayesmat/status.h"
#include "bayesmat/linalg.h"
#include "bayesmat/specfun.h"
#include "bayesmat/invwishart.h"
#include "stats_internal.h"
#include "invwishart_impl.h"
#include "wishart_type_stats.h"
#include "stats_pack.h"
#include "../src/error.h"

struct bm_invwishart_stats {
  bm_spd_stats base;
};

#define BASE(s) ((s) ? &(s)->base : NULL)

bm_invwishart_stats *bm_invwishart_stats_alloc(size_t p)
{
  bm_invwishart_stats *s = calloc(1, sizeof *s);
  if (s && bm_spd_stats_init(&s->base, p)) {
    free(s);
    return NULL;
  }
  return s;
}

void bm_invwishart_stats_free(bm_invwishart_stats *s)
{
  if (!s) return;
  bm_spd_stats_release(&s->base);
  free(s);
}

size_t bm_invwishart_stats_dim(const bm_invwishart_stats *s) { return s ? s->base.p : 0; }

int bm_invwishart_stats_reset(bm_invwishart_stats *s) { return bm_spd_stats_reset(BASE(s)); }

int bm_invwishart_stats_add(bm_invwishart_stats *s, const gsl_matrix *const *X, size_t m)
{
  return bm_spd_stats_add(BASE(s), X, m, 0, 1);
}

int bm_invwishart_stats_compute(bm_invwishart_stats *s, const gsl_matrix *const *X, size_t m)
{
  return bm_spd_stats_add(BASE(s), X, m, 1, 1);
}

int bm_invwishart_stats_merge(bm_invwishart_stats *a, const bm_invwishart_stats *b)
{
  return bm_spd_stats_merge(BASE(a), BASE(b));
}

int bm_invwishart_stats_get(const bm_invwishart_stats *s, double *m, gsl_matrix *A, double *sum_logdet)
{
  return bm_spd_stats_get(BASE(s), m, A, sum_logdet);
}

size_t bm_invwishart_stats_packed_len(const bm_invwishart_stats *s) { return bm_spd_stats_packed_len(BASE(s)); }

int bm_invwishart_stats_pack(const bm_invwishart_stats *s, double *buf) { return bm_spd_stats_pack(BASE(s), buf, BM_PACK_INVWISHART); }

int bm_invwishart_stats_unpack(bm_invwishart_stats *s, const double *buf, size_t len)
{
  return bm_spd_stats_unpack(BASE(s), buf, len, BM_PACK_INVWISHART);
}

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
  double tr = 0.0;
  for (size_t i = 0; i < p; i++) tr += B[i * p + i];
  if (ll) *ll = m * v->log_norm - 0.5 * (nu + pd + 1.0) * s->sum_logdet - 0.5 * tr;
  if (d_nu) *d_nu = 0.5 * m * v->logdet - 0.5 * m * pd * M_LN2 - 0.5 * m * bm_mvdigamma(p, 0.5 * nu) - 0.5 * s->sum_logdet;
  if (d_Psi) {
    gsl_matrix_view Bv = gsl_matrix_view_array(B, p, p);
    bm_chol_inverse(L, &Bv.matrix);
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++)
        gsl_matrix_set(d_Psi, i, j, 0.5 * m * nu * B[i * p + j] - 0.5 * s->A[i * p + j]);
  }
}

int bm_invwishart_stats_loglik_grad(const bm_invwishart *d, const bm_invwishart_stats *s, double *ll,
                                    gsl_matrix *d_Psi, double *d_nu)
{
  bm_spd_view v;
  int bad = !s || !d || !d->is_set;
  if (!bad) v = (bm_spd_view){d->nu, d->L_Psi, d->logdet_Psi, d->log_norm};
  return bm_spd_stats_loglik_grad(BASE(s), bad ? NULL : &v, ll, d_Psi, d_nu, eval);
}

int bm_invwishart_stats_loglik(const bm_invwishart *d, const bm_invwishart_stats *s, double *ll)
{
  if (!ll) return BM_FAIL(BM_EINVAL, "ll is NULL");
  return bm_invwishart_stats_loglik_grad(d, s, ll, NULL, NULL);
}
