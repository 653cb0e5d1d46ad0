/* bayesmat — mergeable sufficient statistics of W_p(nu, S) (issue #11;
 * declarations at the end of include/bayesmat/wishart.h).
 *
 * Summary of m SPD observations X_1..X_m: (m, A = sum_i X_i, l = sum_i log|X_i|),
 * each X_i factorized once (Cholesky). The summary is additive: merging adds
 * (m, A, l), exact up to the rounding of the sums.
 * From the summary (S = L L^T, B = L^-1 A L^-T):
 *   ll   = m log_norm + (nu-p-1)/2 l - tr(B)/2
 *   d_S  = L^-T (B/2 - m nu/2 I) L^-1       (= sum_i [S^-1 X_i S^-1 - nu S^-1]/2)
 *   d_nu = l/2 - m p/2 log 2 - m/2 log|S| - m/2 psi_p(nu/2)
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_cblas.h>
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "bayesmat/specfun.h"
#include "bayesmat/wishart.h"
#include "stats_internal.h"
#include "work.h"

struct bm_wishart_stats {
  size_t p;
  double m;
  double sum_logdet; /* sum_i log|X_i| */
  double *A;         /* p x p, full symmetric: sum_i X_i */
  double *A_b;       /* the block being added */
  double *work;      /* p x p factor scratch */
};

bm_wishart_stats *bm_wishart_stats_alloc(size_t p)
{
  if (p == 0 || p > ((size_t)1 << 26)) return NULL;
  bm_wishart_stats *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->p = p;
  s->A = calloc(3 * p * p, sizeof(double));
  if (!s->A) {
    free(s);
    return NULL;
  }
  s->A_b = s->A + p * p;
  s->work = s->A_b + p * p;
  return s;
}

void bm_wishart_stats_free(bm_wishart_stats *s)
{
  if (!s) return;
  free(s->A);
  free(s);
}

size_t bm_wishart_stats_dim(const bm_wishart_stats *s) { return s ? s->p : 0; }

int bm_wishart_stats_reset(bm_wishart_stats *s)
{
  if (!s) return BM_EINVAL;
  s->m = 0.0;
  s->sum_logdet = 0.0;
  memset(s->A, 0, s->p * s->p * sizeof(double));
  return BM_SUCCESS;
}

/* s written only once the whole block has been validated and summarized */
static int add_impl(bm_wishart_stats *s, const gsl_matrix *const *X, size_t m, int replace)
{
  if (!s || (m > 0 && !X)) return BM_EINVAL;
  size_t p = s->p;
  for (size_t k = 0; k < m; k++) {
    if (!X[k]) return BM_EINVAL;
    int status = bm_validate_symmetric(X[k], p);
    if (status) return status;
  }
  double logdet = 0.0;
  memset(s->A_b, 0, p * p * sizeof(double));
  gsl_matrix_view W = gsl_matrix_view_array(s->work, p, p);
  for (size_t k = 0; k < m; k++) {
    if (bm_chol_factor(X[k], &W.matrix, NULL)) return BM_EDOM;
    logdet += bm_chol_logdet(&W.matrix);
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j <= i; j++) s->A_b[i * p + j] += gsl_matrix_get(X[k], i, j);
  }
  if (replace) bm_wishart_stats_reset(s);
  s->m += (double)m;
  s->sum_logdet += logdet;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      double v = s->A[i * p + j] + s->A_b[i * p + j];
      s->A[i * p + j] = v;
      s->A[j * p + i] = v;
    }
  return BM_SUCCESS;
}

int bm_wishart_stats_add(bm_wishart_stats *s, const gsl_matrix *const *X, size_t m) { return add_impl(s, X, m, 0); }

int bm_wishart_stats_compute(bm_wishart_stats *s, const gsl_matrix *const *X, size_t m) { return add_impl(s, X, m, 1); }

int bm_wishart_stats_merge(bm_wishart_stats *a, const bm_wishart_stats *b)
{
  if (!a || !b) return BM_EINVAL;
  if (a->p != b->p) return BM_EBADLEN;
  size_t p = a->p;
  a->m += b->m; /* a == b works: each entry is read before it is written */
  a->sum_logdet += b->sum_logdet;
  for (size_t i = 0; i < p * p; i++) a->A[i] += b->A[i];
  return BM_SUCCESS;
}

int bm_wishart_stats_get(const bm_wishart_stats *s, double *m, gsl_matrix *A, double *sum_logdet)
{
  if (!s) return BM_EINVAL;
  size_t p = s->p;
  if (A && (A->size1 != p || A->size2 != p)) return BM_EBADLEN;
  if (m) *m = s->m;
  if (sum_logdet) *sum_logdet = s->sum_logdet;
  if (A)
    for (size_t i = 0; i < p; i++) memcpy(A->data + i * A->tda, s->A + i * p, p * sizeof(double));
  return BM_SUCCESS;
}

size_t bm_wishart_stats_packed_len(const bm_wishart_stats *s) { return s ? 2 + s->p * (s->p + 1) / 2 : 0; }

int bm_wishart_stats_pack(const bm_wishart_stats *s, double *buf)
{
  if (!s || !buf) return BM_EINVAL;
  size_t p = s->p, k = 0;
  buf[k++] = s->m;
  buf[k++] = s->sum_logdet;
  for (size_t j = 0; j < p; j++)
    for (size_t i = j; i < p; i++) buf[k++] = s->A[i * p + j];
  return BM_SUCCESS;
}

int bm_wishart_stats_unpack(bm_wishart_stats *s, const double *buf)
{
  if (!s || !buf) return BM_EINVAL;
  size_t p = s->p, len = bm_wishart_stats_packed_len(s);
  for (size_t k = 0; k < len; k++)
    if (!isfinite(buf[k])) return BM_ENONFINITE;
  double m = buf[0];
  if (m < 0.0 || m != floor(m)) return BM_EINVAL;
  for (size_t k = 1; k < len; k++)
    if (m == 0.0 && buf[k] != 0.0) return BM_EINVAL;
  for (size_t j = 0, k = 2; j < p; j++) {
    if (m > 0.0 && !(buf[k] > 0.0)) return BM_EINVAL; /* diagonal (j, j) of a sum of SPD matrices */
    k += p - j;
  }
  size_t k = 0;
  s->m = buf[k++];
  s->sum_logdet = buf[k++];
  for (size_t j = 0; j < p; j++)
    for (size_t i = j; i < p; i++) {
      s->A[i * p + j] = buf[k];
      s->A[j * p + i] = buf[k++];
    }
  return BM_SUCCESS;
}

int bm_wishart_stats_loglik_grad(const bm_wishart *d, const bm_wishart_stats *s, double *ll, gsl_matrix *d_S, double *d_nu)
{
  if (ll) *ll = NAN;
  if (d_nu) *d_nu = NAN;
  double nu, logdet_P, log_norm;
  const gsl_matrix *L;
  int status = BM_SUCCESS;
  if (!s || bm_wishart_internal_view(d, &nu, &L, &logdet_P, &log_norm)) status = BM_EINVAL;
  size_t p = status ? 0 : s->p;
  if (!status && L->size1 != p) status = BM_EBADLEN;
  if (!status && d_S) status = bm_validate_shape(d_S, p, p);
  double stack[BM_STACK_DOUBLES];
  bm_work w = {NULL, 0};
  double *B = NULL;
  if (!status) {
    B = bm_work_get(&w, stack, BM_STACK_DOUBLES, p * p);
    if (!B) status = BM_ENOMEM;
  }
  if (status) {
    if (d_S) gsl_matrix_set_all(d_S, NAN);
    return status;
  }
  double m = s->m, pd = (double)p;
  if (m == 0.0) {
    if (ll) *ll = 0.0;
    if (d_nu) *d_nu = 0.0;
    if (d_S) gsl_matrix_set_zero(d_S);
    bm_work_release(&w);
    return BM_SUCCESS;
  }
  memcpy(B, s->A, p * p * sizeof(double));
  bm_stats_sandwich(L, B, p);
  double tr = 0.0;
  for (size_t i = 0; i < p; i++) tr += B[i * p + i];
  if (ll) *ll = m * log_norm + 0.5 * (nu - pd - 1.0) * s->sum_logdet - 0.5 * tr;
  if (d_nu) *d_nu = 0.5 * s->sum_logdet - 0.5 * m * pd * M_LN2 - 0.5 * m * logdet_P - 0.5 * m * bm_mvdigamma(p, 0.5 * nu);
  if (d_S) {
    for (size_t i = 0; i < p * p; i++) B[i] *= 0.5;
    for (size_t i = 0; i < p; i++) B[i * p + i] -= 0.5 * m * nu;
    bm_stats_unsandwich(L, B, p);
    for (size_t i = 0; i < p; i++) memcpy(d_S->data + i * d_S->tda, B + i * p, p * sizeof(double));
  }
  bm_work_release(&w);
  return BM_SUCCESS;
}

int bm_wishart_stats_loglik(const bm_wishart *d, const bm_wishart_stats *s, double *ll)
{
  if (!ll) return BM_EINVAL;
  return bm_wishart_stats_loglik_grad(d, s, ll, NULL, NULL);
}
