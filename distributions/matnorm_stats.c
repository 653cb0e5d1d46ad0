/* bayesmat — mergeable sufficient statistics of MN_{n,p}(M, U, V)
 * (declarations at the end of include/bayesmat/matnorm.h).
 *
 * With U and V both free the minimal sufficient statistic of X_1..X_m is
 * (m, Xbar, S) with S = sum_i vec(X_i - Xbar) vec(X_i - Xbar)^T, an
 * (np) x (np) scatter in vec order (vec index j n + i holds entry (i, j)),
 * merged as for mvn by Chan, Golub & LeVeque's formula (the summary code is
 * shared with mvn: scatter_stats.c; this file keeps the vec layout and the
 * log-likelihood). With K = L_V (x) L_U
 * (U = L_U L_U^T, V = L_V L_V^T), T = K^-1 S K^-T (the scatter of the
 * whitened residuals L_U^-1 (X_i - Xbar) L_V^-T) and R~ = L_U^-1 (Xbar - M) L_V^-T:
 *   ll = m log_norm - 1/2 (m |R~|_F^2 + tr T)
 *   dM = m U^-1 (Xbar - M) V^-1
 *   dU = L_U^-T [ (m R~ R~^T + C_U)/2 - m p/2 I ] L_U^-1,  C_U[i][k] = sum_j T[(j,i),(j,k)]
 *   dV = L_V^-T [ (m R~^T R~ + C_V)/2 - m n/2 I ] L_V^-1,  C_V[j][l] = sum_i T[(j,i),(l,i)]
 * Cost O((np)^2 (n + p)) per evaluation, independent of m.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/matnorm.h"
#include "stats_internal.h"
#include "matnorm_impl.h"
#include "scatter_stats.h"
#include "stats_pack.h"
#include "work.h"
#include "../src/error.h"

struct bm_matnorm_stats {
  bm_scatter_stats base; /* N = n p, vec order */
  size_t n, p;
};

#define BASE(s) ((s) ? &(s)->base : NULL)

bm_matnorm_stats *bm_matnorm_stats_alloc(size_t n, size_t p)
{
  if (n == 0 || p == 0 || n > ((size_t)1 << 11) / p) return NULL; /* np <= 2048: two (np)^2 blocks <= 64 MiB */
  bm_matnorm_stats *s = calloc(1, sizeof *s);
  if (s && bm_scatter_stats_init(&s->base, n * p)) {
    free(s);
    return NULL;
  }
  if (s) {
    s->n = n;
    s->p = p;
  }
  return s;
}

void bm_matnorm_stats_free(bm_matnorm_stats *s)
{
  if (!s) return;
  bm_scatter_stats_release(&s->base);
  free(s);
}

int bm_matnorm_stats_dims(const bm_matnorm_stats *s, size_t *n, size_t *p)
{
  if (!s || !n || !p) return BM_FAIL(BM_EINVAL, "%s is NULL", s == NULL ? "s" : n == NULL ? "n" : "p");
  *n = s->n;
  *p = s->p;
  return BM_SUCCESS;
}

int bm_matnorm_stats_reset(bm_matnorm_stats *s) { return BM_WRAP(bm_scatter_stats_reset(BASE(s))); }

/* row k of the stream: vec(X_k) (index j n + i holds entry (i, j)) */
static void matnorm_row(const void *ctx, size_t k, double *row)
{
  const gsl_matrix *X = ((const gsl_matrix *const *)ctx)[k];
  size_t n = X->size1, p = X->size2;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) row[j * n + i] = X->data[i * X->tda + j];
}

/* messages without a prefix: the public caller names itself (BM_WRAP) */
#undef BM_FN
#define BM_FN NULL
static int add_impl(bm_matnorm_stats *s, const gsl_matrix *const *X, size_t m, int replace)
{
  if (!s || (m > 0 && !X)) return BM_FAIL(BM_EINVAL, "%s is NULL", s ? "X" : "s");
  size_t n = s->n, p = s->p;
  for (size_t k = 0; k < m; k++) {
    char name[32]; /* X[k] by its index */
    snprintf(name, sizeof name, "X[%zu]", k);
    int status = bm_check_matrix(BM_FN, name, X[k], n, p);
    if (status) return status;
  }
  if (m == 0) return replace ? bm_matnorm_stats_reset(s) : BM_SUCCESS;
  return BM_WRAP(bm_scatter_stats_add_rows(&s->base, matnorm_row, X, m, replace));
}

#undef BM_FN
#define BM_FN __func__

int bm_matnorm_stats_add(bm_matnorm_stats *s, const gsl_matrix *const *X, size_t m) { return BM_WRAP(add_impl(s, X, m, 0)); }

int bm_matnorm_stats_compute(bm_matnorm_stats *s, const gsl_matrix *const *X, size_t m)
{
  return BM_WRAP(add_impl(s, X, m, 1));
}

int bm_matnorm_stats_merge(bm_matnorm_stats *a, const bm_matnorm_stats *b)
{
  if (!a || !b) return BM_FAIL(BM_EINVAL, "%s is NULL", a == NULL ? "a" : "b");
  if (a->n != b->n || a->p != b->p) return BM_FAIL(BM_EBADLEN, "a summarizes %zu x %zu observations, b %zu x %zu", a->n, a->p, b->n, b->p);
  return BM_WRAP(bm_scatter_stats_merge(&a->base, &b->base));
}

int bm_matnorm_stats_get(const bm_matnorm_stats *s, double *m, gsl_matrix *mean, gsl_matrix *scatter)
{
  if (!s) return BM_FAIL(BM_EINVAL, "s is NULL");
  size_t n = s->n, p = s->p, N = s->base.N;
  int status = mean ? bm_validate_shape(mean, n, p) : BM_SUCCESS;
  if (!status && scatter) status = bm_validate_shape(scatter, N, N);
  if (status) return status;
  if (m) *m = s->base.count;
  if (mean)
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < p; j++) mean->data[i * mean->tda + j] = s->base.mean[j * n + i];
  if (scatter)
    for (size_t a = 0; a < N; a++) memcpy(scatter->data + a * scatter->tda, s->base.S + a * N, N * sizeof(double));
  return BM_SUCCESS;
}

size_t bm_matnorm_stats_packed_len(const bm_matnorm_stats *s) { return bm_scatter_stats_packed_len(BASE(s)); }

int bm_matnorm_stats_pack(const bm_matnorm_stats *s, double *buf)
{
  return BM_WRAP(bm_scatter_stats_pack(BASE(s), buf, BM_PACK_MATNORM, s ? s->n : 0, s ? s->p : 0));
}

int bm_matnorm_stats_unpack(bm_matnorm_stats *s, const double *buf, size_t len)
{
  return BM_WRAP(bm_scatter_stats_unpack(BASE(s), buf, len, BM_PACK_MATNORM, s ? s->n : 0, s ? s->p : 0));
}

/* Each column c of T (N x N): vec Y <- vec(L_U^-1 Y L_V^-T), Y n x p (scratch). */
static void whiten_columns(double *T, size_t n, size_t p, const gsl_matrix *L_U, const gsl_matrix *L_V, double *Y)
{
  size_t N = n * p;
  for (size_t c = 0; c < N; c++) {
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < p; j++) Y[i * p + j] = T[(j * n + i) * N + c];
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)n, (int)p, 1.0, L_U->data,
                (int)L_U->tda, Y, (int)p);
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)n, (int)p, 1.0, L_V->data,
                (int)L_V->tda, Y, (int)p);
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < p; j++) T[(j * n + i) * N + c] = Y[i * p + j];
  }
}

/* The gradient of one scale from the whitened statistics: T = K^-1 S K^-T
 * (N x N, N = n p, vec order: element (i, j) at j n + i) and R = L_U^-1 (Xbar
 * - M) L_V^-T (n x p). For the row scale U (rows = 1) the k = n indices a, b
 * are rows and s runs over the p columns; for V (rows = 0) the other way:
 *   C_ab = (m sum_s R_as R_bs + sum_s T_(as),(bs))/2 - m (others)/2 [a = b],
 * then G = L^-T C L^-1 (bm_stats_unsandwich) into G. C: k x k scratch. */
static void scale_grad(const double *T, const double *R, size_t n, size_t p, double m, int rows, const gsl_matrix *L,
                       double *C, gsl_matrix *G)
{
  size_t N = n * p, k = rows ? n : p, K = rows ? p : n;
  for (size_t a = 0; a < k; a++)
    for (size_t b = 0; b < k; b++) {
      double c = 0.0, r = 0.0;
      for (size_t t = 0; t < K; t++) {
        size_t ia = rows ? t * n + a : a * n + t, ib = rows ? t * n + b : b * n + t; /* vec positions */
        size_t ra = rows ? a * p + t : t * p + a, rb = rows ? b * p + t : t * p + b; /* R positions */
        c += T[ia * N + ib];
        r += R[ra] * R[rb];
      }
      C[a * k + b] = 0.5 * (m * r + c) - (a == b ? 0.5 * m * (double)K : 0.0);
    }
  bm_stats_unsandwich(L, C, k);
  for (size_t a = 0; a < k; a++) memcpy(G->data + a * G->tda, C + a * k, k * sizeof(double));
}

int bm_matnorm_stats_loglik_grad(const bm_matnorm *d, const bm_matnorm_stats *s, double *ll, gsl_matrix *dM,
                                 gsl_matrix *dU, gsl_matrix *dV)
{
  if (ll) *ll = NAN;
  const gsl_matrix *M, *L_U, *L_V;
  double log_norm;
  int status = BM_SUCCESS;
  if (!s || !d || !d->sc.is_set) {
    status = BM_FAIL(BM_EINVAL, "%s", !s ? "s is NULL" : "d is NULL or has not been set");
  } else {
    M = d->sc.M;
    L_U = d->sc.L_row;
    L_V = d->sc.L_col;
    log_norm = d->log_norm;
  }
  size_t n = status ? 0 : s->n, p = status ? 0 : s->p, N = n * p;
  if (!status && (L_U->size1 != n || L_V->size1 != p)) status = BM_FAIL(BM_EBADLEN, "d is %zu x %zu, the summary s %zu x %zu", L_U->size1, L_V->size1, n, p);
  if (!status && dM) status = bm_validate_shape(dM, n, p);
  if (!status && dU) status = bm_validate_shape(dU, n, n);
  if (!status && dV) status = bm_validate_shape(dV, p, p);
  double stack[BM_STACK_DOUBLES];
  bm_work w = {NULL, 0};
  double *T = NULL;
  if (!status) {
    T = bm_work_get(&w, stack, BM_STACK_DOUBLES, N * N + 2 * N + n * n + p * p);
    if (!T) status = BM_FAIL(BM_ENOMEM, "out of memory");
  }
  if (status) {
    if (dM) gsl_matrix_set_all(dM, NAN);
    if (dU) gsl_matrix_set_all(dU, NAN);
    if (dV) gsl_matrix_set_all(dV, NAN);
    return status;
  }
  double *Y = T + N * N, *R = Y + N, *CU = R + N, *CV = CU + n * n, m = s->base.count;
  /* R~ = L_U^-1 (Xbar - M) L_V^-T, row-major n x p */
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) R[i * p + j] = m > 0.0 ? s->base.mean[j * n + i] - M->data[i * M->tda + j] : 0.0;
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)n, (int)p, 1.0, L_U->data,
              (int)L_U->tda, R, (int)p);
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)n, (int)p, 1.0, L_V->data,
              (int)L_V->tda, R, (int)p);
  /* T = K^-1 S K^-T: whiten the columns, transpose, whiten the columns again */
  memcpy(T, s->base.S, N * N * sizeof(double));
  whiten_columns(T, n, p, L_U, L_V, Y);
  for (size_t a = 0; a < N; a++)
    for (size_t b = 0; b < a; b++) {
      double t = T[a * N + b];
      T[a * N + b] = T[b * N + a];
      T[b * N + a] = t;
    }
  whiten_columns(T, n, p, L_U, L_V, Y);
  double tr = 0.0, rr = 0.0;
  for (size_t a = 0; a < N; a++) tr += T[a * N + a];
  for (size_t a = 0; a < N; a++) rr += R[a] * R[a];
  /* finite statistics: a NaN trace or form can only come from overflow (inf - inf) */
  if (isnan(tr)) tr = INFINITY;
  if (isnan(rr)) rr = INFINITY;
  double llv = m > 0.0 ? m * log_norm - 0.5 * (m * rr + tr) : 0.0;
  if (isnan(llv)) { /* m log-normalizer and the form both overflow: not representable */
    bm_work_release(&w);
    if (ll) *ll = NAN;
    if (dM) gsl_matrix_set_all(dM, NAN);
    if (dU) gsl_matrix_set_all(dU, NAN);
    if (dV) gsl_matrix_set_all(dV, NAN);
    return BM_FAIL(BM_EDOM, "the log-likelihood of s under d overflows (m = %g)", m);
  }
  if (ll) *ll = llv;
  if (dU) scale_grad(T, R, n, p, m, 1, L_U, CU, dU);
  if (dV) scale_grad(T, R, n, p, m, 0, L_V, CV, dV);
  if (dM) { /* m U^-1 (Xbar - M) V^-1 = m L_U^-T R~ L_V^-1 */
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, (int)n, (int)p, 1.0, L_U->data,
                (int)L_U->tda, R, (int)p);
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, (int)n, (int)p, 1.0, L_V->data,
                (int)L_V->tda, R, (int)p);
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < p; j++) dM->data[i * dM->tda + j] = m * R[i * p + j];
  }
  bm_work_release(&w);
  return BM_SUCCESS;
}

int bm_matnorm_stats_loglik(const bm_matnorm *d, const bm_matnorm_stats *s, double *ll)
{
  if (!ll) return BM_FAIL(BM_EINVAL, "ll is NULL");
  return bm_matnorm_stats_loglik_grad(d, s, ll, NULL, NULL, NULL);
}
