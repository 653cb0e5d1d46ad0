/* Matrix-Normal-Inverse-Wishart multivariate regression (formulas in
 * include/bayesmat/mniw.h; Rowe 2003 "Multivariate Bayesian Statistics" ch. 8,
 * Minka 2000 "Bayesian linear regression").
 *
 * Numerics: the data enter through the upper factor R_d of [X Y] ((k+d) square,
 * mergeable by stacking). The QR of
 *     [ P0   P0 B0 ]      P0 = L_V0^{-1}
 *     [     R_d    ]
 * is [[R_n, Z],[0, T]]: V_n^-1 = R_n^T R_n, B_n = R_n^{-1} Z and
 * T^T T = Y^T Y + B0^T V0^-1 B0 - B_n^T V_n^-1 B_n (the residual of the stacked
 * least-squares problem), so Psi_n's factor is the QR of [R_Psi0 ; T].
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_cblas.h>
#include "bayesmat/status.h"
#include "bayesmat/alloc.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "bayesmat/specfun.h"
#include "bayesmat/random.h"
#include "bayesmat/mniw.h"
#include "bayesmat/matt.h"
#include "conjugate_internal.h"
#include "conjugate_common.h"
#include "stats_pack.h"
#include "qr_stream.h"
#include "../src/error.h"

struct bm_mniw_stats {
  size_t k, d, n;
  gsl_matrix *R; /* (k+d) x (k+d) upper */
};

struct bm_mniw {
  size_t k, d;
  int has_prior;
  gsl_matrix *prior_rows; /* k x (k+d): [P0, P0 B0] */
  gsl_matrix *R_Psi0;     /* d x d upper */
  double nu0, logdet_V0, logdet_Psi0;
  bm_mniw_stats *data;
  /* posterior cache */
  gsl_matrix *R_n;        /* k x k upper: V_n^-1 = R_n^T R_n */
  gsl_matrix *B_n;        /* k x d */
  gsl_matrix *L_Psi_n;    /* d x d lower */
  double nu_n;
  double ld_ratio;        /* log|Psi_n| - log|Psi0| from the data's own rows (cj_logdet_ratio) */
};

bm_mniw_stats *bm_mniw_stats_alloc(size_t k, size_t d)
{
  if (k == 0 || d == 0) return NULL;
  bm_mniw_stats *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->k = k;
  s->d = d;
  s->R = bm_matrix_calloc(k + d, k + d);
  if (s->R == NULL) {
    free(s);
    return NULL;
  }
  return s;
}

void bm_mniw_stats_free(bm_mniw_stats *s)
{
  if (s == NULL) return;
  bm_matrix_free(s->R);
  free(s);
}

static void stats_copy(bm_mniw_stats *dst, const bm_mniw_stats *src)
{
  dst->n = src->n;
  gsl_matrix_memcpy(dst->R, src->R);
}

typedef struct {
  const gsl_matrix *X, *Y;
} mniw_rows;

/* row i of [X Y] */
static void mniw_row(const void *ctx, size_t i, double *row)
{
  const mniw_rows *c = ctx;
  const size_t k = c->X->size2, d = c->Y->size2;
  for (size_t j = 0; j < k; j++) row[j] = gsl_matrix_get(c->X, i, j);
  for (size_t j = 0; j < d; j++) row[k + j] = gsl_matrix_get(c->Y, i, j);
}

int bm_mniw_stats_compute(bm_mniw_stats *s, const gsl_matrix *X, const gsl_matrix *Y)
{
  if (s == NULL || X == NULL || Y == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", s == NULL ? "s" : X == NULL ? "X" : "Y");
  const size_t k = s->k, d = s->d, n = X->size1, c = k + d;
  if (X->size2 != k || Y->size1 != n || Y->size2 != d) return BM_FAIL(BM_EBADLEN, "X is %zu x %zu and Y %zu x %zu, expected n x k and n x d with k = %zu, d = %zu", X->size1, X->size2, Y->size1, Y->size2, k, d);
  if (n == 0) {
    s->n = 0;
    gsl_matrix_set_zero(s->R);
    return BM_SUCCESS;
  }
  int st = bm_validate_matrix(X, n, k);
  if (st == BM_SUCCESS) st = bm_validate_matrix(Y, n, d);
  if (st != BM_SUCCESS) return st;
  /* the rows are factorized in blocks (qr_stream.h), never all held at once;
   * s->R is written only on success */
  mniw_rows ctx = {X, Y};
  st = cj_qr_rows(n, c, mniw_row, &ctx, s->R);
  if (st == BM_ENOMEM) return BM_FAIL(BM_ENOMEM, "out of memory");
  if (st == BM_SUCCESS) s->n = n;
  return st;
}

int bm_mniw_stats_merge(bm_mniw_stats *dst, const bm_mniw_stats *src)
{
  if (dst == NULL || src == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", dst == NULL ? "dst" : "src");
  if (dst->k != src->k || dst->d != src->d) return BM_FAIL(BM_EBADLEN, "dst is of dimensions (k, d) = (%zu, %zu), src (%zu, %zu)", dst->k, dst->d, src->k, src->d);
  const gsl_matrix *blocks[2] = {dst->R, src->R};
  const double scale[2] = {1.0, 1.0};
  int st = cj_qr_stack(blocks, scale, 2, dst->k + dst->d, dst->R);
  if (st == BM_SUCCESS) dst->n += src->n;
  return st;
}

bm_mniw *bm_mniw_alloc(size_t k, size_t d)
{
  if (k == 0 || d == 0) return NULL;
  bm_mniw *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  m->k = k;
  m->d = d;
  m->prior_rows = bm_matrix_calloc(k, k + d);
  m->R_Psi0 = bm_matrix_calloc(d, d);
  m->data = bm_mniw_stats_alloc(k, d);
  m->R_n = bm_matrix_calloc(k, k);
  m->B_n = bm_matrix_calloc(k, d);
  m->L_Psi_n = bm_matrix_calloc(d, d);
  if (!m->prior_rows || !m->R_Psi0 || !m->data || !m->R_n || !m->B_n || !m->L_Psi_n) {
    bm_mniw_free(m);
    return NULL;
  }
  return m;
}

void bm_mniw_free(bm_mniw *m)
{
  if (m == NULL) return;
  if (m->prior_rows) bm_matrix_free(m->prior_rows);
  if (m->R_Psi0) bm_matrix_free(m->R_Psi0);
  bm_mniw_stats_free(m->data);
  if (m->R_n) bm_matrix_free(m->R_n);
  if (m->B_n) bm_matrix_free(m->B_n);
  if (m->L_Psi_n) bm_matrix_free(m->L_Psi_n);
  free(m);
}

/* Posterior cache from prior rows, R_Psi0 and the statistics; ENOMEM before touching m. */
static int recompute(bm_mniw *m, const bm_mniw_stats *s)
{
  const size_t k = m->k, d = m->d, c = k + d;
  gsl_matrix *R = bm_matrix_alloc(c, c), *Rpsi = bm_matrix_alloc(d, d), *Rinv = NULL;
  int st = BM_SUCCESS;
  if (R == NULL || Rpsi == NULL) {
    st = BM_ENOMEM;
    goto done;
  }
  const gsl_matrix *blocks[2] = {m->prior_rows, s->n ? s->R : NULL};
  const double scale[2] = {1.0, 1.0};
  st = cj_qr_stack(blocks, scale, 2, c, R);
  if (st != BM_SUCCESS) goto done;
  gsl_matrix_view T = gsl_matrix_submatrix(R, k, k, d, d);
  const gsl_matrix *pblocks[2] = {m->R_Psi0, &T.matrix};
  st = cj_qr_stack(pblocks, scale, 2, d, Rpsi);
  if (st != BM_SUCCESS) goto done;
  /* Finite data whose cross products overflow (entries ~1e308) give inf/NaN
   * factors, and nu0 near DBL_MAX makes log Gamma_d(nu_n/2) inf:
   * the posterior is not representable, BM_EDOM, nothing changes. */
  if (!isfinite(bm_lmvgamma_half(d, m->nu0 + (double)s->n))) st = BM_EDOM;
  if (!cj_all_finite(R) || !cj_all_finite(Rpsi)) st = BM_EDOM;
  if (st != BM_SUCCESS) goto done;
  const gsl_matrix *wblocks[1] = {&T.matrix}; /* T^T T = Psi_n - Psi0 */
  double ld_ratio = cj_logdet_ratio(m->R_Psi0, wblocks, scale, 1, d, &st);
  if (st != BM_SUCCESS) goto done;
  if (!isfinite(ld_ratio)) /* Psi0 tiny: nothing cancels */
    ld_ratio = 2.0 * (cj_half_logdet_upper(Rpsi) - cj_half_logdet_upper(m->R_Psi0));
  if (!isfinite(ld_ratio)) st = BM_EDOM;
  if (st != BM_SUCCESS) goto done;
  /* ... and a nearly singular R_n (diagonal ~1e-300) overflows B_n = R_n^-1 Z
   * and V_n = R_n^-1 R_n^-T: check both, in scratch, before committing. */
  Rinv = bm_matrix_alloc(k, k + d);
  if (Rinv == NULL) {
    st = BM_ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k + d; j++) gsl_matrix_set(Rinv, i, j, j < k ? (double)(i == j) : gsl_matrix_get(R, i, j));
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, (int)k, (int)(k + d), 1.0, R->data,
              (int)R->tda, Rinv->data, (int)Rinv->tda); /* [R_n^-1, B_n] */
  for (size_t i = 0; i < k; i++) {
    double row = 0.0;
    for (size_t j = 0; j < k; j++) row += gsl_matrix_get(Rinv, i, j) * gsl_matrix_get(Rinv, i, j);
    for (size_t j = k; j < k + d; j++) row += fabs(gsl_matrix_get(Rinv, i, j));
    if (!isfinite(row)) st = BM_EDOM;
  }
  if (st != BM_SUCCESS) goto done;
  /* commit */
  gsl_matrix_const_view Rn = gsl_matrix_const_submatrix(R, 0, 0, k, k);
  gsl_matrix_const_view Bn = gsl_matrix_const_submatrix(Rinv, 0, k, k, d);
  gsl_matrix_memcpy(m->R_n, &Rn.matrix);
  gsl_matrix_memcpy(m->B_n, &Bn.matrix);
  cj_lower_from_upper(Rpsi, m->L_Psi_n);
  m->nu_n = m->nu0 + (double)s->n;
  m->ld_ratio = ld_ratio;
done:
  if (R) bm_matrix_free(R);
  if (Rpsi) bm_matrix_free(Rpsi);
  bm_matrix_free(Rinv);
  return st;
}

/* recompute, with what failed for bm_last_error (BM_FN: the public caller) */
#define recompute(m, d) cj_recompute_status(BM_FN, (recompute)(m, d))

int bm_mniw_set_prior(bm_mniw *m, const gsl_matrix *B0, const gsl_matrix *V0, double nu0, const gsl_matrix *Psi0)
{
  if (m == NULL || B0 == NULL || V0 == NULL || Psi0 == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", m == NULL ? "m" : B0 == NULL ? "B0" : V0 == NULL ? "V0" : "Psi0");
  const size_t k = m->k, d = m->d;
  int st = bm_validate_matrix(B0, k, d);
  if (st != BM_SUCCESS) return st;
  gsl_matrix *LV = bm_matrix_alloc(k, k), *LP = bm_matrix_alloc(d, d), *rows = bm_matrix_alloc(k, k + d);
  gsl_matrix *RP = bm_matrix_alloc(d, d), *rows_old = bm_matrix_alloc(k, k + d), *RP_old = bm_matrix_alloc(d, d);
  bm_mniw_stats *empty = bm_mniw_stats_alloc(k, d);
  if (!LV || !LP || !rows || !RP || !rows_old || !RP_old || !empty) {
    st = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  st = bm_validate_spd(V0, k, LV, NULL);
  if (st == BM_SUCCESS) st = bm_check_greater(BM_FN, "nu0", nu0, (double)d - 1.0, "d - 1");
  if (st == BM_SUCCESS) st = bm_validate_spd(Psi0, d, LP, NULL);
  if (st != BM_SUCCESS) goto done;
  gsl_matrix_view P = gsl_matrix_submatrix(rows, 0, 0, k, k);
  gsl_matrix_view PB = gsl_matrix_submatrix(rows, 0, k, k, d);
  cj_lower_inverse(LV, &P.matrix);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)d, (int)k, 1.0, P.matrix.data,
              (int)P.matrix.tda, B0->data, (int)B0->tda, 0.0, PB.matrix.data, (int)PB.matrix.tda);
  cj_upper_from_lower(LP, RP);
  /* commit, keeping the old prior for the (ENOMEM-only) failure of recompute */
  gsl_matrix_memcpy(rows_old, m->prior_rows);
  gsl_matrix_memcpy(RP_old, m->R_Psi0);
  double nu_old = m->nu0;
  gsl_matrix_memcpy(m->prior_rows, rows);
  gsl_matrix_memcpy(m->R_Psi0, RP);
  m->nu0 = nu0;
  st = recompute(m, empty);
  if (st == BM_SUCCESS) {
    m->logdet_V0 = bm_chol_logdet(LV);
    m->logdet_Psi0 = bm_chol_logdet(LP);
    stats_copy(m->data, empty);
    m->has_prior = 1;
  } else {
    gsl_matrix_memcpy(m->prior_rows, rows_old);
    gsl_matrix_memcpy(m->R_Psi0, RP_old);
    m->nu0 = nu_old;
  }
done:
  if (LV) bm_matrix_free(LV);
  if (LP) bm_matrix_free(LP);
  if (rows) bm_matrix_free(rows);
  if (RP) bm_matrix_free(RP);
  if (rows_old) bm_matrix_free(rows_old);
  if (RP_old) bm_matrix_free(RP_old);
  bm_mniw_stats_free(empty);
  return st;
}

int bm_mniw_update_stats(bm_mniw *m, const bm_mniw_stats *s)
{
  if (m == NULL || s == NULL || !m->has_prior) return BM_FAIL(BM_EINVAL, "%s", m == NULL ? "m is NULL" : s == NULL ? "s is NULL" : "m has no prior set");
  if (s->k != m->k || s->d != m->d) return BM_FAIL(BM_EBADLEN, "s is of dimensions (k, d) = (%zu, %zu), m (%zu, %zu)", s->k, s->d, m->k, m->d);
  if (s->n == 0) return BM_SUCCESS;
  bm_mniw_stats *merged = bm_mniw_stats_alloc(m->k, m->d);
  if (merged == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  stats_copy(merged, m->data);
  int st = bm_mniw_stats_merge(merged, s);
  if (st == BM_SUCCESS) st = recompute(m, merged);
  if (st == BM_SUCCESS) stats_copy(m->data, merged);
  bm_mniw_stats_free(merged);
  return st;
}

int bm_mniw_update(bm_mniw *m, const gsl_matrix *X, const gsl_matrix *Y)
{
  if (m == NULL || X == NULL || Y == NULL || !m->has_prior) return BM_FAIL(BM_EINVAL, "%s", m == NULL ? "m is NULL" : X == NULL ? "X is NULL" : Y == NULL ? "Y is NULL" : "m has no prior set");
  bm_mniw_stats *s = bm_mniw_stats_alloc(m->k, m->d);
  if (s == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
  int st = bm_mniw_stats_compute(s, X, Y);
  if (st == BM_SUCCESS) st = bm_mniw_update_stats(m, s);
  bm_mniw_stats_free(s);
  return BM_WRAP(st);
}

/* --- posterior -------------------------------------------------------------- */

int bm_mniw_posterior(const bm_mniw *m, gsl_matrix *B_n, gsl_matrix *V_n, double *nu_n, gsl_matrix *Psi_n)
{
  if (nu_n != NULL) *nu_n = NAN;
  if (m == NULL) {
    bm_nan_matrix(B_n);
    bm_nan_matrix(V_n);
    bm_nan_matrix(Psi_n);
    return BM_FAIL(BM_EINVAL, "m is NULL");
  }
  const size_t k = m->k, d = m->d;
  if (!cj_shape_or_null(B_n, k, d) || !cj_shape_or_null(V_n, k, k) || !cj_shape_or_null(Psi_n, d, d)) return BM_FAIL(BM_EBADLEN, "%s has the wrong shape (B_n k x d, V_n k x k, Psi_n d x d with k = %zu, d = %zu)", !cj_shape_or_null(B_n, k, d) ? "B_n" : !cj_shape_or_null(V_n, k, k) ? "V_n" : "Psi_n", k, d);
  bm_nan_matrix(B_n);
  bm_nan_matrix(V_n);
  bm_nan_matrix(Psi_n);
  if (!m->has_prior) return BM_FAIL(BM_EINVAL, "m has no prior set");
  int st = BM_SUCCESS;
  if (V_n != NULL && (st = cj_inverse_from_upper(m->R_n, V_n)) != BM_SUCCESS) return st;
  if (Psi_n != NULL && (st = bm_chol_product(m->L_Psi_n, Psi_n)) != BM_SUCCESS) return st;
  if (!cj_all_finite(V_n) || !cj_all_finite(Psi_n)) {
    bm_nan_matrix(V_n);
    bm_nan_matrix(Psi_n);
    return BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
  }
  if (B_n != NULL) gsl_matrix_memcpy(B_n, m->B_n);
  if (nu_n != NULL) *nu_n = m->nu_n;
  return BM_SUCCESS;
}

int bm_mniw_log_posterior(const bm_mniw *m, const gsl_matrix *B, const gsl_matrix *Sigma, double *lp)
{
  if (lp != NULL) *lp = NAN;
  if (m == NULL || B == NULL || Sigma == NULL || lp == NULL || !m->has_prior) return BM_FAIL(BM_EINVAL, "%s", m == NULL ? "m is NULL" : B == NULL ? "B is NULL" : Sigma == NULL ? "Sigma is NULL" : lp == NULL ? "lp is NULL" : "m has no prior set");
  const size_t k = m->k, d = m->d;
  int st = bm_validate_matrix(B, k, d);
  if (st != BM_SUCCESS) return st;
  if (Sigma->size1 != d || Sigma->size2 != d) return BM_FAIL(BM_EBADLEN, "Sigma is %zu x %zu, expected %zu x %zu", Sigma->size1, Sigma->size2, (size_t)(d), (size_t)(d));
  gsl_matrix *L = bm_matrix_alloc(d, d), *W = bm_matrix_alloc(d, d), *E = bm_matrix_alloc(k, d);
  if (!L || !W || !E) {
    st = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  st = bm_validate_spd(Sigma, d, L, NULL);
  if (st == BM_ENOTSPD) {
    *lp = -INFINITY;
    st = BM_FAIL(BM_EDOM, "Sigma is not positive definite: outside the support (log posterior -inf)");
  }
  if (st != BM_SUCCESS) goto done;
  /* E = R_n (B - B_n) L^{-T}: tr(Sigma^-1 (B-B_n)^T V_n^-1 (B-B_n)) = |E|_F^2 */
  gsl_matrix_memcpy(E, B);
  gsl_matrix_sub(E, m->B_n);
  cblas_dtrmm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, (int)k, (int)d, 1.0, m->R_n->data,
              (int)m->R_n->tda, E->data, (int)E->tda);
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)k, (int)d, 1.0, L->data,
              (int)L->tda, E->data, (int)E->tda);
  double q = 0.0;
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < d; j++) q += gsl_matrix_get(E, i, j) * gsl_matrix_get(E, i, j);
  if (isnan(q)) q = INFINITY; /* finite operands: NaN only from overflow in the triangular products */
  const double dk = (double)k, dd = (double)d;
  /* -d/2 log|V_n| = d sum log R_n,ii */
  *lp = -0.5 * dk * dd * log(2.0 * M_PI) + dd * cj_half_logdet_upper(m->R_n) - 0.5 * dk * bm_chol_logdet(L) -
        0.5 * q + cj_iw_logpdf(m->L_Psi_n, m->nu_n, L, W);
done:
  if (L) bm_matrix_free(L);
  if (W) bm_matrix_free(W);
  if (E) bm_matrix_free(E);
  return st;
}

int bm_mniw_sample_posterior(const bm_mniw *m, gsl_rng *r, gsl_matrix *B, gsl_matrix *Sigma)
{
  if (m == NULL || r == NULL || (B == NULL && Sigma == NULL) || !m->has_prior) {
    if (m != NULL && cj_shape_or_null(B, m->k, m->d) && cj_shape_or_null(Sigma, m->d, m->d)) {
      bm_nan_matrix(B);
      bm_nan_matrix(Sigma);
    }
    return BM_FAIL(BM_EINVAL, "%s", !m ? "m is NULL" : !r ? "r is NULL" : (!B && !Sigma) ? "B and Sigma are both NULL" : "m has no prior set");
  }
  const size_t k = m->k, d = m->d;
  if (!cj_shape_or_null(B, k, d) || !cj_shape_or_null(Sigma, d, d)) return BM_FAIL(BM_EBADLEN, "%s has the wrong shape (B k x d, Sigma d x d with k = %zu, d = %zu)", !cj_shape_or_null(B, k, d) ? "B" : "Sigma", k, d);
  gsl_matrix *A = bm_matrix_alloc(d, d), *C = bm_matrix_alloc(d, d), *Z = bm_matrix_alloc(k, d);
  int st = BM_SUCCESS;
  if (!A || !C || !Z) {
    st = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  st = cj_iw_draw(r, m->nu_n, m->L_Psi_n, A, C, Sigma); /* Sigma = C C^T ~ IW_d(nu_n, Psi_n) */
  if (st != BM_SUCCESS) goto done;
  bm_rng_std_normal_matrix(r, Z);
  if (B != NULL) {
    /* B = B_n + R_n^{-1} Z C^T */
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, (int)k, (int)d, 1.0, m->R_n->data,
                (int)m->R_n->tda, Z->data, (int)Z->tda);
    gsl_matrix_memcpy(B, m->B_n);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k, (int)d, (int)d, 1.0, Z->data, (int)Z->tda, C->data,
                (int)C->tda, 1.0, B->data, (int)B->tda);
  }
  /* nu_n close to d - 1: the last Bartlett chi-square (nu_n - d + 1 degrees of
   * freedom) can be below 1e-300 and the draw of Sigma beyond DBL_MAX. */
  if (!cj_all_finite(C) || !cj_all_finite(Sigma) || !cj_all_finite(B)) st = BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
done:
  if (st != BM_SUCCESS) {
    bm_nan_matrix(B);
    bm_nan_matrix(Sigma);
  }
  if (A) bm_matrix_free(A);
  if (C) bm_matrix_free(C);
  if (Z) bm_matrix_free(Z);
  return st;
}

int bm_mniw_predictive_params(const bm_mniw *m, const gsl_matrix *X_new, double *nu, gsl_matrix *M,
                              gsl_matrix *Sigma, gsl_matrix *Omega)
{
  if (nu != NULL) *nu = NAN;
  if (m == NULL || X_new == NULL || nu == NULL) {
    bm_nan_matrix(Omega);
    if (X_new != NULL) {
      bm_nan_matrix(M);
      bm_nan_matrix(Sigma);
    }
    return BM_FAIL(BM_EINVAL, "%s is NULL", m == NULL ? "m" : X_new == NULL ? "X_new" : "nu");
  }
  const size_t k = m->k, d = m->d, q = X_new->size1;
  if (X_new->size2 != k || q == 0 || !cj_shape_or_null(M, q, d) || !cj_shape_or_null(Sigma, q, q) ||
      !cj_shape_or_null(Omega, d, d))
    return BM_FAIL(BM_EBADLEN, "%s has the wrong shape (X_new q x k with q > 0, M q x d, Sigma q x q, Omega d x d with k = %zu, d = %zu)", X_new->size2 != k || q == 0 ? "X_new" : !cj_shape_or_null(M, q, d) ? "M" : !cj_shape_or_null(Sigma, q, q) ? "Sigma" : "Omega", k, d);
  bm_nan_matrix(M);
  bm_nan_matrix(Sigma);
  bm_nan_matrix(Omega);
  if (!m->has_prior) return BM_FAIL(BM_EINVAL, "m has no prior set");
  int st = bm_validate_matrix(X_new, q, k);
  if (st != BM_SUCCESS) return st;
  if (Sigma != NULL) {
    /* U = R_n^{-T} X_new^T (k x q); Sigma = I + U^T U */
    gsl_matrix *U = bm_matrix_alloc(k, q);
    if (U == NULL) return BM_FAIL(BM_ENOMEM, "out of memory");
    gsl_matrix_transpose_memcpy(U, X_new);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasTrans, CblasNonUnit, (int)k, (int)q, 1.0, m->R_n->data,
                (int)m->R_n->tda, U->data, (int)U->tda);
    gsl_matrix_set_identity(Sigma);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)q, (int)q, (int)k, 1.0, U->data, (int)U->tda, U->data,
                (int)U->tda, 1.0, Sigma->data, (int)Sigma->tda);
    bm_matrix_free(U);
  }
  if (M != NULL)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)q, (int)d, (int)k, 1.0, X_new->data,
                (int)X_new->tda, m->B_n->data, (int)m->B_n->tda, 0.0, M->data, (int)M->tda);
  if (Omega != NULL && (st = bm_chol_product(m->L_Psi_n, Omega)) != BM_SUCCESS) return st;
  if (!cj_all_finite(M) || !cj_all_finite(Sigma) || !cj_all_finite(Omega)) {
    bm_nan_matrix(M);
    bm_nan_matrix(Sigma);
    bm_nan_matrix(Omega);
    return BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
  }
  *nu = m->nu_n - (double)d + 1.0;
  return BM_SUCCESS;
}

int bm_mniw_predictive(const bm_mniw *m, const gsl_matrix *X_new, bm_matt *pred)
{
  if (m == NULL || X_new == NULL || pred == NULL || !m->has_prior) return BM_FAIL(BM_EINVAL, "%s", m == NULL ? "m is NULL" : X_new == NULL ? "X_new is NULL" : pred == NULL ? "pred is NULL" : "m has no prior set");
  const size_t q = X_new->size1, d = m->d;
  if (q == 0 || X_new->size2 != m->k) return BM_FAIL(BM_EBADLEN, "X_new is %zu x %zu, expected rows x k with k = %zu", q, X_new->size2, m->k);
  gsl_matrix *M = bm_matrix_alloc(q, d), *S = bm_matrix_alloc(q, q), *Om = bm_matrix_alloc(d, d);
  double nu;
  int st = M != NULL && S != NULL && Om != NULL ? bm_mniw_predictive_params(m, X_new, &nu, M, S, Om) : BM_ENOMEM;
  /* BM_EBADLEN when pred is not q x d */
  if (st == BM_SUCCESS) st = cj_predictive_status(__func__, bm_matt_set(pred, nu, M, S, Om));
  bm_matrix_free(M);
  bm_matrix_free(S);
  bm_matrix_free(Om);
  return st;
}

int bm_mniw_log_evidence(const bm_mniw *m, double *lml)
{
  if (lml != NULL) *lml = NAN;
  if (m == NULL || lml == NULL || !m->has_prior) return BM_FAIL(BM_EINVAL, "%s", m == NULL ? "m is NULL" : lml == NULL ? "lml is NULL" : "m has no prior set");
  const size_t d = m->d;
  const double n = (double)m->data->n, dd = (double)d;
  const double logdet_Vn = -2.0 * cj_half_logdet_upper(m->R_n);
  /* as bm_niw_log_evidence: nu0/2 log|Psi0| - nu_n/2 log|Psi_n| and the log Gamma_d
   * difference without the cancellation like nu0 eps of the textbook sum */
  *lml = -0.5 * n * dd * log(M_PI) + bm_lmvgamma_half_diff(d, m->nu0, n) - 0.5 * (m->nu0 + n) * m->ld_ratio -
         0.5 * n * m->logdet_Psi0 + 0.5 * dd * (logdet_Vn - m->logdet_V0);
  return BM_SUCCESS;
}

/* ---- packed form of the statistics (for MPI) ------------------ */
int bm_mniw_stats_dims(const bm_mniw_stats *s, size_t *k, size_t *d)
{
  if (s == NULL || k == NULL || d == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", s == NULL ? "s" : k == NULL ? "k" : "d");
  *k = s->k;
  *d = s->d;
  return BM_SUCCESS;
}

int bm_mniw_dims(const bm_mniw *m, size_t *k, size_t *d)
{
  if (m == NULL || k == NULL || d == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", m == NULL ? "m" : k == NULL ? "k" : "d");
  *k = m->k;
  *d = m->d;
  return BM_SUCCESS;
}

size_t bm_mniw_stats_packed_len(const bm_mniw_stats *s)
{
  return s ? BM_PACK_HEADER + 1 + (s->k + s->d) * (s->k + s->d + 1) / 2 : 0;
}

int bm_mniw_stats_pack(const bm_mniw_stats *s, double *buf)
{
  if (s == NULL || buf == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", s == NULL ? "s" : "buf");
  size_t k = BM_PACK_HEADER;
  bm_pack_header(buf, BM_PACK_MNIW, s->k, s->d, bm_mniw_stats_packed_len(s));
  buf[k++] = (double)s->n;
  cj_pack_upper(s->R, buf + k);
  return BM_SUCCESS;
}

int bm_mniw_stats_unpack(bm_mniw_stats *s, const double *buf, size_t len)
{
  if (s == NULL || buf == NULL) return BM_FAIL(BM_EINVAL, "%s is NULL", s == NULL ? "s" : "buf");
  double n;
  int st = cj_unpack_check(buf, len, BM_PACK_MNIW, s->k, s->d, bm_mniw_stats_packed_len(s), &n);
  if (st == BM_SUCCESS) st = cj_unpack_upper(buf + BM_PACK_HEADER + 1, s->R);
  if (st == BM_SUCCESS) s->n = (size_t)n;
  return st;
}
