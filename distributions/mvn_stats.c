/* bayesmat — mergeable sufficient statistics of N_p(mu, Sigma) (issue #11;
 * declarations at the end of include/bayesmat/mvn.h).
 *
 * Summary of rows x_1..x_n: (n, xbar, S = sum (x_i - xbar)(x_i - xbar)^T).
 * Blocks are summarized two-pass (mean, then one dsyrk of the centred block)
 * and merged by Chan, Golub & LeVeque (1979):
 *   xbar = xbar_a + delta nb/n,  S = S_a + S_b + delta delta^T na nb/n.
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
#include "work.h"

struct bm_mvn_stats {
  size_t p;
  double n;
  double *mean;    /* p */
  double *scatter; /* p x p, full symmetric, leading dim p */
  double *mean_b;  /* p: the block being added */
  double *scatter_b;
};

bm_mvn_stats *bm_mvn_stats_alloc(size_t p)
{
  if (p == 0 || p > ((size_t)1 << 26)) return NULL;
  bm_mvn_stats *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->p = p;
  s->mean = calloc(2 * p + 2 * p * p, sizeof(double));
  if (!s->mean) {
    free(s);
    return NULL;
  }
  s->scatter = s->mean + p;
  s->mean_b = s->scatter + p * p;
  s->scatter_b = s->mean_b + p;
  return s;
}

void bm_mvn_stats_free(bm_mvn_stats *s)
{
  if (!s) return;
  free(s->mean);
  free(s);
}

size_t bm_mvn_stats_dim(const bm_mvn_stats *s) { return s ? s->p : 0; }

int bm_mvn_stats_reset(bm_mvn_stats *s)
{
  if (!s) return BM_EINVAL;
  s->n = 0.0;
  memset(s->mean, 0, (s->p + s->p * s->p) * sizeof(double));
  return BM_SUCCESS;
}

/* (n, mean, scatter) <- merged with (nb, mean_b, scatter_b) */
static void chan_merge(size_t p, double *n, double *mean, double *scatter, double nb, const double *mean_b,
                       const double *scatter_b)
{
  if (nb == 0.0) return;
  if (*n == 0.0) {
    *n = nb;
    memmove(mean, mean_b, p * sizeof(double));
    memmove(scatter, scatter_b, p * p * sizeof(double));
    return;
  }
  double na = *n, nt = na + nb, w = nb / nt, c = na * nb / nt;
  /* delta_i delta_j c added to the scatter before the mean moves */
  for (size_t i = 0; i < p; i++) {
    double di = mean_b[i] - mean[i];
    for (size_t j = 0; j <= i; j++) {
      double dj = mean_b[j] - mean[j];
      double v = scatter[i * p + j] + scatter_b[i * p + j] + di * dj * c;
      scatter[i * p + j] = v;
      scatter[j * p + i] = v;
    }
  }
  for (size_t i = 0; i < p; i++) mean[i] += (mean_b[i] - mean[i]) * w;
  *n = nt;
}

/* add (replace = 0) or compute (replace = 1): s is written only after the
 * block's summary exists, so a failure leaves s unchanged */
static int add_impl(bm_mvn_stats *s, const gsl_matrix *X, int replace)
{
  if (!s || !X) return BM_EINVAL;
  size_t p = s->p;
  if (X->size1 == 0 || X->size2 != p) return BM_EBADLEN;
  int status = bm_validate_matrix(X, X->size1, p);
  if (status) return status;
  size_t n = X->size1;
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *C = bm_work_get(&w, stack, BM_STACK_DOUBLES, n * p);
  if (!C) return BM_ENOMEM;
  /* two-pass: block mean, then the centred block's scatter by one dsyrk */
  double *m = s->mean_b;
  for (size_t j = 0; j < p; j++) m[j] = 0.0;
  for (size_t i = 0; i < n; i++) {
    const double *x = X->data + i * X->tda;
    for (size_t j = 0; j < p; j++) m[j] += x[j];
  }
  for (size_t j = 0; j < p; j++) m[j] /= (double)n;
  for (size_t i = 0; i < n; i++) {
    const double *x = X->data + i * X->tda;
    for (size_t j = 0; j < p; j++) C[i * p + j] = x[j] - m[j];
  }
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)p, (int)n, 1.0, C, (int)p, 0.0, s->scatter_b, (int)p);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < i; j++) s->scatter_b[j * p + i] = s->scatter_b[i * p + j];
  bm_work_release(&w);
  if (replace) s->n = 0.0;
  chan_merge(p, &s->n, s->mean, s->scatter, (double)n, s->mean_b, s->scatter_b);
  return BM_SUCCESS;
}

int bm_mvn_stats_add(bm_mvn_stats *s, const gsl_matrix *X) { return add_impl(s, X, 0); }

int bm_mvn_stats_compute(bm_mvn_stats *s, const gsl_matrix *X) { return add_impl(s, X, 1); }

int bm_mvn_stats_merge(bm_mvn_stats *a, const bm_mvn_stats *b)
{
  if (!a || !b) return BM_EINVAL;
  if (a->p != b->p) return BM_EBADLEN;
  size_t p = a->p;
  if (a == b) { /* merging with itself: copy first (the formula reads b while writing a) */
    memcpy(a->mean_b, b->mean, p * sizeof(double));
    memcpy(a->scatter_b, b->scatter, p * p * sizeof(double));
    chan_merge(p, &a->n, a->mean, a->scatter, a->n, a->mean_b, a->scatter_b);
    return BM_SUCCESS;
  }
  chan_merge(p, &a->n, a->mean, a->scatter, b->n, b->mean, b->scatter);
  return BM_SUCCESS;
}

int bm_mvn_stats_get(const bm_mvn_stats *s, double *n, gsl_vector *mean, gsl_matrix *scatter)
{
  if (!s) return BM_EINVAL;
  size_t p = s->p;
  if (mean && mean->size != p) return BM_EBADLEN;
  if (scatter && (scatter->size1 != p || scatter->size2 != p)) return BM_EBADLEN;
  if (n) *n = s->n;
  if (mean)
    for (size_t i = 0; i < p; i++) mean->data[i * mean->stride] = s->mean[i];
  if (scatter)
    for (size_t i = 0; i < p; i++) memcpy(scatter->data + i * scatter->tda, s->scatter + i * p, p * sizeof(double));
  return BM_SUCCESS;
}

size_t bm_mvn_stats_packed_len(const bm_mvn_stats *s) { return s ? 1 + s->p + s->p * (s->p + 1) / 2 : 0; }

int bm_mvn_stats_pack(const bm_mvn_stats *s, double *buf)
{
  if (!s || !buf) return BM_EINVAL;
  size_t p = s->p, k = 0;
  buf[k++] = s->n;
  for (size_t i = 0; i < p; i++) buf[k++] = s->mean[i];
  for (size_t j = 0; j < p; j++)
    for (size_t i = j; i < p; i++) buf[k++] = s->scatter[i * p + j];
  return BM_SUCCESS;
}

int bm_mvn_stats_unpack(bm_mvn_stats *s, const double *buf)
{
  if (!s || !buf) return BM_EINVAL;
  size_t p = s->p, len = bm_mvn_stats_packed_len(s);
  for (size_t k = 0; k < len; k++)
    if (!isfinite(buf[k])) return BM_ENONFINITE;
  double n = buf[0];
  if (n < 0.0 || n != floor(n)) return BM_EINVAL;
  for (size_t k = 1; k < len; k++)
    if (n == 0.0 && buf[k] != 0.0) return BM_EINVAL;
  for (size_t j = 0, k = 1 + p; j < p; j++) {
    if (buf[k] < 0.0) return BM_EINVAL; /* diagonal entry (j, j) */
    k += p - j;
  }
  size_t k = 0;
  s->n = buf[k++];
  for (size_t i = 0; i < p; i++) s->mean[i] = buf[k++];
  for (size_t j = 0; j < p; j++)
    for (size_t i = j; i < p; i++) {
      s->scatter[i * p + j] = buf[k];
      s->scatter[j * p + i] = buf[k++];
    }
  return BM_SUCCESS;
}

int bm_mvn_stats_loglik_grad(const bm_mvn *d, const bm_mvn_stats *s, double *ll, gsl_vector *dmu,
                             gsl_matrix *dSigma)
{
  if (ll) *ll = NAN;
  const gsl_vector *mu;
  const gsl_matrix *L;
  double lognorm;
  int status = BM_SUCCESS;
  if (!s || bm_mvn_internal_view(d, &mu, &L, &lognorm)) status = BM_EINVAL;
  size_t p = status ? 0 : s->p;
  if (!status && bm_mvn_dim(d) != p) status = BM_EBADLEN;
  if (!status && dmu) status = bm_validate_length(dmu, p);
  if (!status && dSigma) status = bm_validate_shape(dSigma, p, p);
  double stack[BM_STACK_DOUBLES];
  bm_work w = {NULL, 0};
  double *B = NULL;
  if (!status) {
    B = bm_work_get(&w, stack, BM_STACK_DOUBLES, p * p + p);
    if (!B) status = BM_ENOMEM;
  }
  if (status) {
    if (dmu) gsl_vector_set_all(dmu, NAN);
    if (dSigma) gsl_matrix_set_all(dSigma, NAN);
    return status;
  }
  double n = s->n, *z = B + p * p;
  /* z = L^-1 (xbar - mu); B = L^-1 S L^-T */
  for (size_t i = 0; i < p; i++) z[i] = n > 0.0 ? s->mean[i] - mu->data[i * mu->stride] : 0.0;
  cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, L->data, (int)L->tda, z, 1);
  memcpy(B, s->scatter, p * p * sizeof(double));
  bm_stats_sandwich(L, B, p);
  double tr = 0.0, zz = 0.0;
  for (size_t i = 0; i < p; i++) {
    tr += B[i * p + i];
    zz += z[i] * z[i];
  }
  if (ll) *ll = n > 0.0 ? n * lognorm - 0.5 * (tr + n * zz) : 0.0;
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
  return BM_SUCCESS;
}

int bm_mvn_stats_loglik(const bm_mvn *d, const bm_mvn_stats *s, double *ll)
{
  if (!ll) return BM_EINVAL;
  return bm_mvn_stats_loglik_grad(d, s, ll, NULL, NULL);
}
