/* The Wishart family W_p(nu, S) (docs/contract.md).
 *
 *   log f(X) = (nu-p-1)/2 log|X| - tr(S^-1 X)/2 - nu p/2 log 2 - nu/2 log|S| - log Gamma_p(nu/2)
 *
 * theta = (vech S, nu). References: Bartlett decomposition for real nu > p-1,
 * Smith & Hocking (1972), Appl. Statist. 21, 341; gradients, Hessians and the
 * Fisher information (docs/fisher.md) derived in docs/wishart.md.
 * Numerics: log|X|, log|S| from Cholesky factors (never det()); the trace
 * tr(S^-1 X) = ||L_S^-1 L_X||_F^2 by one triangular solve (never S^-1 for the
 * value); S^-1 and X^-1 (dpotri) only where they are the output (gradients,
 * Hessians, Fisher); S^-1 X S^-1 = N N^T with N = L_S^-T L_S^-1 L_X (dtrsm,
 * dsyrk) up to BM_KN_MAX, beyond as T^T (M M^T) T with M = L_S^-1 L_X and
 * T = L_S^-1 (dsygst; wishart_common.h). Single-point logpdf and sample use stack scratch (src/work.h).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_cblas.h>
#include "bayesmat/alloc.h"
#include "bayesmat/status.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "bayesmat/vech.h"
#include "bayesmat/specfun.h"
#include "bayesmat/random.h"
#include "bayesmat/wishart.h"
#include "work.h"
#include "small_linalg.h"
#include "mvgamma_small.h"
#include "wishart_common.h"
#include "wishart_impl.h"
#include "../src/error.h"

/* The constant of log f: -nu p/2 log 2 - nu/2 log|S| - log Gamma_p(nu/2). */
static double wishart_log_norm(size_t p, double nu, double logdet_S)
{
  return -0.5 * nu * (double)p * M_LN2 - 0.5 * nu * logdet_S - bm_lmvgamma_small_half(p, nu);
}

/* log f from M = L_S^-1 L_X (lower triangular, leading dimension lda) and
 * log|X|: the textbook sum below the large-nu threshold, else the form
 * without its ~ nu log nu cancellation (wishart_common.h). Half the trace is
 * formed so that it overflows only when log f is below -DBL_MAX. */
static double logpdf_from_M(const bm_wishart *d, const double *M, size_t lda, double logdet_X, const double *ss)
{
  size_t p = d->p;
  double nu = d->nu, pd = (double)p;
  int large = bm_wt_large_nu(p, nu);
  /* ss: the small-p kernel's plain sums (bm_wt_small_whiten), the same numbers when finite */
  double half_tr = ss && isfinite(ss[0]) ? 0.5 * ss[large] : bm_wt_half_sumsq(M, p, lda, large);
  if (large)
    return bm_wt_lognorm_large(p, nu) + 0.5 * nu * bm_wt_dev_diag(M, p, lda, nu) - half_tr -
           0.5 * (pd + 1.0) * logdet_X;
  return 0.5 * (nu - pd - 1.0) * logdet_X - half_tr + d->log_norm;
}

int bm_wishart_logpdf(const bm_wishart *d, const gsl_matrix *X, double *lp)
{
  if (!lp) return BM_FAIL(BM_EINVAL, "lp is NULL");
  *lp = NAN;
  if (!d || !d->is_set || !X) return BM_FAIL(BM_EINVAL, "%s", d == NULL ? "d is NULL" : !d->is_set ? "d has not been set" : "X is NULL");
  size_t p = d->p;
  int status = bm_wt_check_symmetric(X, p);
  if (status) return status;
  double stack[BM_STACK_DOUBLES];
  bm_work w;
  double *buf = bm_work_get(&w, stack, BM_STACK_DOUBLES, p * p);
  if (!buf) return BM_FAIL(BM_ENOMEM, "out of memory");
  double logdet_X, ss[2], *ssp = NULL;
  if (p <= BM_SL_MAX) { /* the same numbers from one kernel (wishart_small.c) */
    size_t k = bm_wt_small_whiten(X, d->L_S, 0, buf, NULL, &logdet_X, ss);
    ssp = ss;
    if (k) status = bm_wt_not_pd(X, k, p);
  } else {
    gsl_matrix_view W;
    status = bm_wt_factor_variate(X, buf, p, &W);
    if (!status) {
      logdet_X = bm_chol_logdet(&W.matrix);
      /* W <- L_S^-1 L_X (lower triangular): tr(S^-1 X) = ||W||_F^2 */
      bm_wt_solve_lower_tri(d->L_S->data, d->L_S->tda, buf, p, p);
    }
  }
  if (status) {
    *lp = -INFINITY;
    goto done;
  }
  *lp = logpdf_from_M(d, buf, p, logdet_X, ssp);
done:
  bm_work_release(&w);
  return status;
}

int bm_wishart_logpdf_grad(const bm_wishart *d, const gsl_matrix *X, double *lp, gsl_matrix *d_X,
                           gsl_matrix *d_S, double *d_nu)
{
  if (lp) *lp = NAN;
  if (d_nu) *d_nu = NAN;
  int status = BM_SUCCESS;
  bm_work w = {NULL, 0};
  if (!d || !d->is_set || !X) {
    status = BM_FAIL(BM_EINVAL, "%s", d == NULL ? "d is NULL" : !d->is_set ? "d has not been set" : "X is NULL");
    goto fail;
  }
  size_t p = d->p;
  if ((status = bm_wt_check_grad_args(p, X, d_X, d_S))) goto fail;

  double stack[BM_STACK_DOUBLES];
  double *buf = bm_work_get(&w, stack, BM_STACK_DOUBLES, 3 * p * p);
  if (!buf) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto fail;
  }
  gsl_matrix_view M, Xinv = gsl_matrix_view_array(buf + p * p, p, p), B = gsl_matrix_view_array(buf + 2 * p * p, p, p);
  double logdet_X, nu = d->nu, pd = (double)p, ss[2], *ssp = NULL;
  int sandwich = d_S && p >= BM_WT_SANDWICH_MIN;
  if (p <= BM_SL_MAX) { /* buf <- L_S^-1 L_X, Xinv <- L_X: the general path's numbers (wishart_small.c) */
    size_t k = bm_wt_small_whiten(X, d->L_S, 0, buf, Xinv.matrix.data, &logdet_X, ss);
    ssp = ss;
    if (k) {
      status = bm_wt_not_pd(X, k, p);
      if (lp) *lp = -INFINITY;
      goto fail;
    }
    if (d_X) bm_chol_inverse(&Xinv.matrix, &Xinv.matrix); /* X^-1 */
    if (d_X || d_S) bm_chol_inverse(d->L_S, &B.matrix);    /* B = S^-1 */
  } else {
    if ((status = bm_wt_factor_variate(X, buf, p, &M))) {
      if (lp) *lp = -INFINITY;
      goto fail;
    }
    logdet_X = bm_chol_logdet(&M.matrix);
    if (d_X) bm_chol_inverse(&M.matrix, &Xinv.matrix); /* X^-1 */
    if (sandwich) {                                    /* B <- T = L_S^-1; S^-1 = T^T T when d_X needs it */
      bm_wt_tri_inverse(d->L_S, B.matrix.data);
      if (d_X) bm_wt_gram_from_tri(B.matrix.data, p, d_X->data, d_X->tda);
    } else if (d_X || d_S) {
      bm_chol_inverse(d->L_S, &B.matrix); /* B = S^-1 */
    }
    if (lp || d_S) /* M <- L_S^-1 L_X */
      bm_wt_solve_lower_tri(d->L_S->data, d->L_S->tda, buf, p, p);
  }
  if (lp) *lp = logpdf_from_M(d, buf, p, logdet_X, ssp);
  if (d_X) { /* (nu-p-1)/2 X^-1 - S^-1/2 (S^-1 in B, or already in d_X); at nu = p + 1 the first term is
             * absent even where X^-1 overflows (0 inf) */
    const gsl_matrix *Sinv = sandwich ? d_X : &B.matrix;
    double c = 0.5 * (nu - pd - 1.0);
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++)
        MGET(d_X, i, j) = (c != 0.0 ? c * MGET(&Xinv.matrix, i, j) : 0.0) - 0.5 * MGET(Sinv, i, j);
  }
  if (d_S && sandwich) { /* d_S = T^T (M M^T - nu I) T / 2 (wishart_common.h) */
    bm_wt_sandwich_mmt(B.matrix.data, buf, p, 0.5, nu, d_S->data, d_S->tda);
  } else if (d_S) {
    /* N = L_S^-T M = S^-1 L_X; S^-1 X S^-1 = N N^T */
    bm_sl_trsm_left(CblasTrans, p, p, d->L_S->data, d->L_S->tda, buf, p);
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) MGET(d_S, i, j) = -0.5 * nu * MGET(&B.matrix, i, j);
    bm_sl_syrk(p, p, 0.5, buf, p, 1.0, d_S->data, d_S->tda);
    bm_sym_from_lower(d_S);
  }
  if (d_nu) *d_nu = 0.5 * logdet_X - 0.5 * pd * M_LN2 - 0.5 * d->logdet_S - bm_mvdigamma_small_halved(p, nu);
  bm_work_release(&w);
  /* X with an eigenvalue near DBL_MIN (X^-1), or X near DBL_MAX (S^-1 X S^-1), or a subnormal nu (d_nu ~ 1/nu):
   * beyond double range */
  if ((d_X && !bm_wt_finite(d_X)) || (d_S && !bm_wt_finite(d_S)) || (d_nu && !isfinite(*d_nu))) {
    if (lp) *lp = NAN; /* a failed call leaves every output NaN */
    if (d_nu) *d_nu = NAN;
    bm_nan_matrix(d_X);
    bm_nan_matrix(d_S);
    return BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
  }
  return BM_SUCCESS;
fail:
  bm_work_release(&w);
  bm_nan_matrix(d_X);
  bm_nan_matrix(d_S);
  return status;
}

int bm_wishart_hess(const bm_wishart *d, const gsl_matrix *X, gsl_matrix *H)
{
  int status = bm_wt_check_x_and_out(d && d->is_set, d ? d->p : 0, X, H, d ? bm_vech_len(d->p) + 1 : 0);
  gsl_matrix *B = NULL, *C = NULL, *LX = NULL;
  if (status) goto done;
  size_t p = d->p, q = bm_vech_len(p);
  B = bm_matrix_alloc(p, p);
  C = bm_matrix_alloc(p, p);
  LX = bm_matrix_alloc(p, p);
  if (!B || !C || !LX) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  if (bm_validate_spd(X, p, LX, NULL)) {
    status = BM_FAIL(BM_EDOM, "X is not positive definite: outside the support");
    goto done;
  }
  bm_chol_inverse(d->L_S, B);
  /* C = B X B = (B L_X)(B L_X)^T */
  cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, (int)p, 1.0, LX->data,
              (int)LX->tda, B->data, (int)B->tda); /* B <- B L_X */
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)p, (int)p, 1.0, B->data, (int)B->tda, 0.0, C->data,
              (int)C->tda);
  bm_sym_from_lower(C);
  bm_chol_inverse(d->L_S, B);
  bm_wt_theta_blocks(B, 0.5 * d->nu, -0.5, -0.25, d->nu, H);
  gsl_matrix_view HSS = gsl_matrix_submatrix(H, 0, 0, q, q);
  bm_vech_kron(-0.5, C, B, 1.0, &HSS.matrix);
  bm_vech_kron(-0.5, B, C, 1.0, &HSS.matrix);
done:
  if (!status && !bm_wt_finite(H)) status = BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
  if (status) bm_nan_matrix(H);
  if (B) bm_matrix_free(B);
  if (C) bm_matrix_free(C);
  if (LX) bm_matrix_free(LX);
  return status;
}

int bm_wishart_hess_x(const bm_wishart *d, const gsl_matrix *X, gsl_matrix *H)
{
  int status = bm_wt_check_x_and_out(d && d->is_set, d ? d->p : 0, X, H, d ? bm_vech_len(d->p) : 0);
  gsl_matrix *Xinv = NULL;
  if (status) goto done;
  size_t p = d->p;
  Xinv = bm_matrix_alloc(p, p);
  if (!Xinv) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  if (bm_validate_spd(X, p, Xinv, NULL)) {
    status = BM_FAIL(BM_EDOM, "X is not positive definite: outside the support");
    goto done;
  }
  bm_chol_inverse(Xinv, Xinv);
  bm_vech_kron(-0.5 * (d->nu - (double)p - 1.0), Xinv, Xinv, 0.0, H);
done:
  if (!status && !bm_wt_finite(H)) status = BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
  if (status) bm_nan_matrix(H);
  if (Xinv) bm_matrix_free(Xinv);
  return status;
}

int bm_wishart_fisher(const bm_wishart *d, gsl_matrix *I)
{
  /* I_SS = nu/2 T(S^-1,S^-1), I_Snu = 1/2 t(S^-1), I_nunu = psi'_p(nu/2)/4 */
  return bm_wt_fisher(d && d->is_set, d ? d->p : 0, d ? d->L_S : NULL, d ? d->nu : 0.0, 0.5, I);
}

/* X = (L_S A)(L_S A)^T (T unused: A is overwritten by L_S A) */
static void draw(const void *dv, double *A, double *T, gsl_matrix *X)
{
  const bm_wishart *d = dv;
  int p = (int)d->p;
  (void)T;
  cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, p, p, 1.0, d->L_S->data,
              (int)d->L_S->tda, A, p);
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, p, p, 1.0, A, p, 0.0, X->data, (int)X->tda);
  bm_sym_from_lower(X);
}

int bm_wishart_sample(const bm_wishart *d, gsl_rng *r, gsl_matrix *X)
{
  return bm_wt_sample(d, d && d->is_set && r, d ? d->p : 0, d ? d->nu : 0.0, r, X, draw, "S near DBL_MAX");
}

int bm_wishart_mean(const bm_wishart *d, gsl_matrix *M)
{
  int status = bm_wt_check_out(d && d->is_set, d ? d->p : 0, M);
  if (status) return status;
  bm_chol_product(d->L_S, M);
  gsl_matrix_scale(M, d->nu);
  return BM_SUCCESS;
}

/* Shared by loglik and loglik_grad: validates the batch, factorizes every X_i
 * into the p x (m p) block F (columns i p .. i p + p - 1), fills logdet[i],
 * then F <- L_S^-1 F (one dtrsm). BM_EDOM at the first non-PD X_i. */
/* (batch_factor and loglik_impl name their public caller, fn, in messages) */
#undef BM_FN
#define BM_FN fn
#define batch_factor(...) batch_factor_fn(fn, __VA_ARGS__)
static int batch_factor_fn(const char *fn, const bm_wishart *d, const gsl_matrix *const *X, size_t m, double *F, double *logdet)
{
  size_t p = d->p, ld = m * p;
  int status = bm_wt_check_batch(X, m, p);
  if (status) return status;
  for (size_t k = 0; k < m; k++) {
    gsl_matrix_view Fk = gsl_matrix_view_array_with_tda(F + k * p, p, p, ld);
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j <= i; j++) MGET(&Fk.matrix, i, j) = MGET(X[k], i, j);
    if (bm_chol_factor(&Fk.matrix, &Fk.matrix, NULL)) return BM_FAIL(BM_EDOM, "X[%zu] is not positive definite: outside the support", k);
    logdet[k] = bm_chol_logdet(&Fk.matrix);
  }
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, (int)ld, 1.0, d->L_S->data,
              (int)d->L_S->tda, F, (int)ld);
  return BM_SUCCESS;
}

/* loglik and loglik_grad share one body; G_S / d_nu NULL in plain loglik. */
#define loglik_impl(...) loglik_impl_fn(__func__, __VA_ARGS__)
static int loglik_impl_fn(const char *fn, const bm_wishart *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *each,
                       gsl_matrix *d_S, double *d_nu)
{
  if (ll) *ll = NAN;
  if (d_nu) *d_nu = NAN;
  int status = BM_SUCCESS;
  double *F = NULL, *logdet = NULL;
  if ((status = bm_wt_check_batch_args(d && d->is_set, d ? d->p : 0, X, m, each, d_S))) goto fail;
  size_t p = d->p;
  double nu = d->nu, pd = (double)p, md = (double)m;
  if (m == 0) {
    if (ll) *ll = 0.0;
    if (d_S) gsl_matrix_set_zero(d_S);
    if (d_nu) *d_nu = 0.0;
    return BM_SUCCESS;
  }
  if (p * p > ((size_t)-1) / sizeof(double) / m) {
    status = BM_FAIL(BM_ENOMEM, "m = %zu matrices of %zu x %zu: the scratch size overflows", m, p, p);
    goto fail;
  }
  F = malloc(m * p * p * sizeof(double));
  logdet = malloc(m * sizeof(double));
  if (!F || !logdet) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto fail;
  }
  status = batch_factor(d, X, m, F, logdet);
  if (status) {
    if (status == BM_EDOM && ll) *ll = -INFINITY;
    goto fail;
  }
  size_t ld = m * p;
  double sum = 0.0, sum_logdet = 0.0;
  for (size_t k = 0; k < m; k++) {
    double lk = logpdf_from_M(d, F + k * p, ld, logdet[k], NULL);
    if (each) gsl_vector_set(each, k, lk);
    sum += lk;
    sum_logdet += logdet[k];
  }
  if (ll) *ll = sum;
  if (d_S) {
    /* F <- L_S^-T F = S^-1 [L_X1 .. L_Xm]; S^-1 (sum X_i) S^-1 = F F^T (rank m p) */
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, (int)p, (int)ld, 1.0,
                d->L_S->data, (int)d->L_S->tda, F, (int)ld);
    bm_chol_inverse(d->L_S, d_S);
    gsl_matrix_scale(d_S, -0.5 * md * nu);
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)p, (int)ld, 0.5, F, (int)ld, 1.0, d_S->data,
                (int)d_S->tda);
    bm_sym_from_lower(d_S);
  }
  if (d_nu)
    *d_nu = 0.5 * sum_logdet - 0.5 * md * pd * M_LN2 - 0.5 * md * d->logdet_S - md * bm_mvdigamma_small_halved(p, nu);
  if ((d_S && !bm_wt_finite(d_S)) || (d_nu && !isfinite(*d_nu))) { /* S^-1 (sum X_i) S^-1 or m/nu beyond double range */
    status = BM_FAIL(BM_EDOM, "%s is beyond double range", d_S && !bm_wt_finite(d_S) ? "d_S" : "d_nu");
    if (ll) *ll = NAN; /* a failed call leaves every output NaN */
    if (d_nu) *d_nu = NAN;
    goto fail;
  }
  free(F);
  free(logdet);
  return BM_SUCCESS;
fail:
  free(F);
  free(logdet);
  bm_nan_vector(each);
  bm_nan_matrix(d_S);
  return status;
}

#undef BM_FN
#define BM_FN __func__

/* ---- the uniform surface and the family descriptor (bayesmat/family.h) ---- */
#include "family_internal.h"

BM_WT_SURFACE(wishart, S)

static const bm_theta_block wishart_blocks[] = {BM_THETA_VECH("S", BM_DIM_ROWS), BM_THETA_SCALAR("nu")};
const bm_family_type bm_family_wishart = {.name = "wishart", .description = "Wishart W_p(nu, S)",
                                          .variate = BM_VARIATE_SPD, .blocks = wishart_blocks, .nblocks = 2,
                                          BM_FAMILY_OPS_INIT(wishart)};
