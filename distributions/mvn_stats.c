/* bayesmat — mergeable sufficient statistics of N_p(mu, Sigma)
 * (declarations at the end of include/bayesmat/mvn.h).
 *
 * Summary of rows x_1..x_n: (n, xbar, S = sum (x_i - xbar)(x_i - xbar)^T).
 * Blocks are summarized two-pass (mean, then one dsyrk of the centred block)
 * and merged by Chan, Golub & LeVeque (1979):
 *   xbar = xbar_a + delta nb/n,  S = S_a + S_b + delta delta^T na nb/n.
 * The summary itself is the one shared with matnorm (scatter_stats.c); this
 * file keeps the row layout and the log-likelihood.
 * Log-likelihood from the summary, with r = xbar - mu, z = L^-1 r,
 * B = L^-1 S L^-T (Sigma = L L^T):
 *   ll     = n lognorm - 1/2 (tr B + n |z|^2)
 *   dmu    = n L^-T z
 *   dSigma = L^-T (B + n z z^T - n I) L^-1 / 2
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include "bayesmat/alloc.h"
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/mvn.h"
#include "stats_internal.h"
#include "mvn_impl.h"
#include "scatter_stats.h"
#include "vector_common.h"
#include "stats_pack.h"
#include "work.h"
#include "../src/error.h"

struct bm_mvn_stats {
  bm_scatter_stats base; /* N = p */
};

#define BASE(s) ((s) ? &(s)->base : NULL)

bm_mvn_stats *bm_mvn_stats_alloc(size_t p)
{
  if (p == 0 || p > ((size_t)1 << 26)) return NULL;
  bm_mvn_stats *s = calloc(1, sizeof *s);
  if (s && bm_scatter_stats_init(&s->base, p)) {
    free(s);
    return NULL;
  }
  return s;
}

void bm_mvn_stats_free(bm_mvn_stats *s)
{
  if (!s) return;
  bm_scatter_stats_release(&s->base);
  free(s);
}

size_t bm_mvn_stats_dim(const bm_mvn_stats *s) { return s ? s->base.N : 0; }

int bm_mvn_stats_reset(bm_mvn_stats *s) { return BM_WRAP(bm_scatter_stats_reset(BASE(s))); }

static void mvn_row(const void *ctx, size_t i, double *row)
{
  const gsl_matrix *X = ctx;
  memcpy(row, X->data + i * X->tda, X->size2 * sizeof(double));
}

/* add (replace = 0) or compute (replace = 1): streamed in fixed-size row
 * blocks (scatter_stats.c); s is written only after the rows' summary exists,
 * so a failure leaves s unchanged */
/* messages without a prefix: the public caller names itself (BM_WRAP) */
#undef BM_FN
#define BM_FN NULL
static int add_impl(bm_mvn_stats *s, const gsl_matrix *X, int replace)
{
  if (!s || !X) return BM_FAIL(BM_EINVAL, "%s is NULL", s ? "X" : "s");
  size_t p = s->base.N;
  if (X->size1 == 0 || X->size2 != p)
    return BM_FAIL(BM_EBADLEN, "X is %zu x %zu, expected n x %zu with n >= 1", X->size1, X->size2, p);
  int status = bm_validate_matrix(X, X->size1, p);
  if (status) return status;
  return BM_WRAP(bm_scatter_stats_add_rows(&s->base, mvn_row, X, X->size1, replace));
}

#undef BM_FN
#define BM_FN __func__

int bm_mvn_stats_add(bm_mvn_stats *s, const gsl_matrix *X) { return BM_WRAP(add_impl(s, X, 0)); }

int bm_mvn_stats_compute(bm_mvn_stats *s, const gsl_matrix *X) { return BM_WRAP(add_impl(s, X, 1)); }

int bm_mvn_stats_merge(bm_mvn_stats *a, const bm_mvn_stats *b) { return BM_WRAP(bm_scatter_stats_merge(BASE(a), BASE(b))); }

int bm_mvn_stats_get(const bm_mvn_stats *s, double *n, gsl_vector *mean, gsl_matrix *scatter)
{
  if (!s) return BM_FAIL(BM_EINVAL, "s is NULL");
  size_t p = s->base.N;
  int status = mean ? bm_validate_length(mean, p) : BM_SUCCESS;
  if (!status && scatter) status = bm_validate_shape(scatter, p, p);
  if (status) return status;
  if (n) *n = s->base.count;
  if (mean)
    for (size_t i = 0; i < p; i++) mean->data[i * mean->stride] = s->base.mean[i];
  if (scatter)
    for (size_t i = 0; i < p; i++) memcpy(scatter->data + i * scatter->tda, s->base.S + i * p, p * sizeof(double));
  return BM_SUCCESS;
}

size_t bm_mvn_stats_packed_len(const bm_mvn_stats *s) { return bm_scatter_stats_packed_len(BASE(s)); }

int bm_mvn_stats_pack(const bm_mvn_stats *s, double *buf)
{
  return BM_WRAP(bm_scatter_stats_pack(BASE(s), buf, BM_PACK_MVN, s ? s->base.N : 0, 1));
}

int bm_mvn_stats_unpack(bm_mvn_stats *s, const double *buf, size_t len)
{
  return BM_WRAP(bm_scatter_stats_unpack(BASE(s), buf, len, BM_PACK_MVN, s ? s->base.N : 0, 1));
}

int bm_mvn_stats_loglik_grad(const bm_mvn *d, const bm_mvn_stats *s, double *ll, gsl_vector *dmu,
                             gsl_matrix *dSigma)
{
  if (ll) *ll = NAN;
  const gsl_vector *mu;
  const gsl_matrix *L;
  double lognorm;
  int status = BM_SUCCESS;
  if (!s || !d || !d->is_set) {
    status = BM_FAIL(BM_EINVAL, "%s", s == NULL ? "s is NULL" : d == NULL ? "d is NULL" : "d has not been set");
  } else {
    mu = d->mu;
    L = d->L;
    lognorm = d->lognorm;
  }
  size_t p = status ? 0 : s->base.N;
  if (!status && bm_mvn_dim(d) != p) status = BM_FAIL(BM_EBADLEN, "s and d have different dimensions");
  if (!status && dmu) status = bm_validate_length(dmu, p);
  if (!status && dSigma) status = bm_validate_shape(dSigma, p, p);
  double stack[BM_STACK_DOUBLES];
  bm_work w = {NULL, 0};
  double *B = NULL;
  if (!status) {
    B = bm_work_get(&w, stack, BM_STACK_DOUBLES, p * p + p);
    if (!B) status = BM_FAIL(BM_ENOMEM, "out of memory");
  }
  if (status) {
    if (dmu) gsl_vector_set_all(dmu, NAN);
    if (dSigma) gsl_matrix_set_all(dSigma, NAN);
    return status;
  }
  double n = s->base.count, *z = B + p * p;
  /* z = L^-1 (xbar - mu); B = L^-1 S L^-T */
  for (size_t i = 0; i < p; i++) z[i] = n > 0.0 ? s->base.mean[i] - mu->data[i * mu->stride] : 0.0;
  cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, L->data, (int)L->tda, z, 1);
  memcpy(B, s->base.S, p * p * sizeof(double));
  bm_stats_sandwich(L, B, p);
  double htr = 0.0, hzz = 0.0; /* halves, summed in halves: the sums may pass DBL_MAX where log f does not */
  for (size_t i = 0; i < p; i++) {
    htr += 0.5 * B[i * p + i];
    hzz += 0.5 * (z[i] * z[i]);
  }
  /* finite statistics: a NaN trace or form can only come from overflow (inf - inf) */
  if (isnan(htr)) htr = INFINITY;
  if (isnan(hzz)) hzz = INFINITY;
  double llv = n > 0.0 ? n * lognorm - (htr + n * hzz) : 0.0;
  if (isnan(llv)) { /* n log-normalizer and n zz both overflow: the sum is not representable */
    bm_work_release(&w);
    if (ll) *ll = NAN;
    if (dmu) gsl_vector_set_all(dmu, NAN);
    if (dSigma) gsl_matrix_set_all(dSigma, NAN);
    return BM_FAIL(BM_EDOM, "the log-likelihood of s under d overflows (n = %g)", n);
  }
  if (ll) *ll = llv;
  if (dSigma) {
    for (size_t i = 0; i < p; i++) {
      for (size_t j = 0; j <= i; j++) B[i * p + j] = 0.5 * (B[i * p + j] + n * z[i] * z[j]);
      B[i * p + i] -= 0.5 * n;
    }
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < i; j++) B[j * p + i] = B[i * p + j];
    bm_stats_unsandwich(L, B, p);
    for (size_t i = 0; i < p; i++) memcpy(dSigma->data + i * dSigma->tda, B + i * p, p * sizeof(double));
  }
  if (dmu) {
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, (int)p, L->data, (int)L->tda, z, 1);
    for (size_t i = 0; i < p; i++) dmu->data[i * dmu->stride] = n * z[i];
  }
  bm_work_release(&w);
  /* a gradient beyond double range (rows or Sigma near DBL_MAX / DBL_MIN) is
   * reported, never returned as inf or NaN with success */
  status = bm_vc_finite_or_edom(dmu, NULL, dSigma);
  if (status && ll) *ll = NAN;
  return status;
}

int bm_mvn_stats_loglik(const bm_mvn *d, const bm_mvn_stats *s, double *ll)
{
  if (!ll) return BM_FAIL(BM_EINVAL, "ll is NULL");
  return bm_mvn_stats_loglik_grad(d, s, ll, NULL, NULL);
}
