/* The inverse-Wishart family IW_p(nu, Psi) (docs/contract.md).
 *
 *   log f(X) = nu/2 log|Psi| - nu p/2 log 2 - log Gamma_p(nu/2) - (nu+p+1)/2 log|X| - tr(Psi X^-1)/2
 *
 * theta = (vech Psi, nu). References: X ~ IW_p(nu, Psi) iff X^-1 ~ W_p(nu,
 * Psi^-1); Bartlett decomposition for real nu > p-1, Smith & Hocking (1972);
 * gradients, Hessians and the Fisher information (docs/fisher.md) derived in
 * docs/invwishart.md.
 * Numerics: log|X|, log|Psi| from Cholesky factors (never det()); the trace
 * tr(Psi X^-1) = ||L_X^-1 L_Psi||_F^2 by one triangular solve (never X^-1 for
 * the value); X^-1 and Psi^-1 (dpotri) only where they are the output;
 * X^-1 Psi X^-1 = N N^T with N = L_X^-T L_X^-1 L_Psi up to BM_KN_MAX, beyond
 * as T^T (M M^T) T with M = L_X^-1 L_Psi and T = L_X^-1 (dsygst;
 * wishart_common.h). The sampler never
 * inverts Psi or a draw: X = T T^T with T = L_Psi A^-T (A the Bartlett factor).
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
#include "bayesmat/invwishart.h"
#include "work.h"
#include "small_linalg.h"
#include "mvgamma_small.h"
#include "wishart_common.h"
#include "invwishart_impl.h"
#include "../src/error.h"

/* The constant of log f: nu/2 log|Psi| - nu p/2 log 2 - log Gamma_p(nu/2). */
static double invwishart_log_norm(size_t p, double nu, double logdet_Psi)
{
  return 0.5 * nu * logdet_Psi - 0.5 * nu * (double)p * M_LN2 - bm_lmvgamma_small_half(p, nu);
}

/* buf (p x p, lower triangular result) <- L_X^-1 L_Psi; returns ||.||_F^2 = tr(Psi X^-1) */
static double whitened_scale(const double *L_X, const gsl_matrix *L_Psi, double *buf, size_t p)
{
  bm_wt_copy_lower(L_Psi, buf, p);
  bm_wt_solve_lower_tri(L_X, p, buf, p, p);
  return bm_wt_lower_sumsq(buf, p, p); /* +inf: tr(Psi X^-1) beyond DBL_MAX, log f = -inf */
}

/* log f from M = L_X^-1 L_Psi (lower triangular, p x p contiguous) and
 * log|X|: the textbook sum below the large-nu threshold, else the form
 * without its ~ nu log nu cancellation (wishart_common.h). Half the trace is
 * formed so that it overflows only when log f is below -DBL_MAX. */
static double logpdf_from_M(const bm_invwishart *d, const double *M, double logdet_X, const double *ss)
{
  size_t p = d->p;
  double nu = d->nu, pd = (double)p;
  int large = bm_wt_large_nu(p, nu);
  double half_tr;
  if (ss && isfinite(ss[0])) { /* the small-p kernel's plain sums: no NaN, the same numbers */
    half_tr = 0.5 * ss[large];
  } else {
    /* finite X and Psi: a NaN in M comes only from an entry of L_X^-1 L_Psi
     * beyond DBL_MAX (inf - inf later in the substitution), so the trace is too */
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j <= i; j++)
        if (isnan(M[i * p + j])) return -INFINITY;
    half_tr = bm_wt_half_sumsq(M, p, p, large);
  }
  if (large)
    return bm_wt_lognorm_large(p, nu) + 0.5 * nu * bm_wt_dev_diag(M, p, p, nu) - half_tr - 0.5 * (pd + 1.0) * logdet_X;
  return d->log_norm - 0.5 * (nu + pd + 1.0) * logdet_X - half_tr;
}

int bm_invwishart_logpdf(const bm_invwishart *d, const gsl_matrix *X, double *lp)
{
  if (!lp) return BM_FAIL(BM_EINVAL, "lp is NULL");
  *lp = NAN;
  if (!d || !d->is_set || !X) return BM_FAIL(BM_EINVAL, "%s", d == NULL ? "d is NULL" : !d->is_set ? "d has not been set" : "X is NULL");
  size_t p = d->p;
  int status = bm_wt_check_symmetric(X, p);
  if (status) return status;
  double stack[2 * BM_STACK_DOUBLES];
  bm_work w;
  double *buf = bm_work_get(&w, stack, 2 * BM_STACK_DOUBLES, 2 * p * p);
  if (!buf) return BM_FAIL(BM_ENOMEM, "out of memory");
  double logdet_X, ss[2], *ssp = NULL;
  if (p <= BM_SL_MAX) { /* the same numbers from one kernel (wishart_small.c) */
    size_t k = bm_wt_small_whiten(X, d->L_Psi, 1, buf + p * p, NULL, &logdet_X, ss);
    ssp = ss;
    if (k) status = bm_wt_not_pd(X, k, p);
  } else {
    gsl_matrix_view LX;
    status = bm_wt_factor_variate(X, buf, p, &LX);
    if (!status) {
      logdet_X = bm_chol_logdet(&LX.matrix);
      whitened_scale(buf, d->L_Psi, buf + p * p, p);
    }
  }
  if (status) {
    *lp = -INFINITY;
    goto done;
  }
  *lp = logpdf_from_M(d, buf + p * p, logdet_X, ssp);
done:
  bm_work_release(&w);
  return status;
}

int bm_invwishart_logpdf_grad(const bm_invwishart *d, const gsl_matrix *X, double *lp, gsl_matrix *d_X,
                              gsl_matrix *d_Psi, double *d_nu)
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
  if ((status = bm_wt_check_grad_args(p, X, d_X, d_Psi))) goto fail;

  double stack[BM_STACK_DOUBLES];
  double *buf = bm_work_get(&w, stack, BM_STACK_DOUBLES, 3 * p * p);
  if (!buf) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto fail;
  }
  double *N = buf + p * p;
  gsl_matrix_view LX, Xinv = gsl_matrix_view_array(buf + 2 * p * p, p, p);
  double logdet_X, nu = d->nu, pd = (double)p, ss[2];
  if (p <= BM_SL_MAX) { /* buf <- L_X, N <- L_X^-1 L_Psi: the general path's numbers (wishart_small.c) */
    size_t k = bm_wt_small_whiten(X, d->L_Psi, 1, N, buf, &logdet_X, ss);
    if (k) {
      status = bm_wt_not_pd(X, k, p);
      if (lp) *lp = -INFINITY;
      goto fail;
    }
    LX = gsl_matrix_view_array(buf, p, p);
    if (lp) *lp = logpdf_from_M(d, N, logdet_X, ss);
  } else {
    if ((status = bm_wt_factor_variate(X, buf, p, &LX))) {
      if (lp) *lp = -INFINITY;
      goto fail;
    }
    logdet_X = bm_chol_logdet(&LX.matrix);
    if (lp || d_X) {
      whitened_scale(buf, d->L_Psi, N, p); /* N <- L_X^-1 L_Psi */
      if (lp) *lp = logpdf_from_M(d, N, logdet_X, NULL);
    }
  }
  int sandwich = d_X && p >= BM_WT_SANDWICH_MIN;
  if (sandwich) { /* buf <- T = L_X^-1 (L_X no longer needed), X^-1 = T^T T */
    bm_wt_tri_inverse(&LX.matrix, buf);
    bm_wt_gram_from_tri(buf, p, Xinv.matrix.data, p);
  } else if (d_X || d_Psi) {
    bm_chol_inverse(&LX.matrix, &Xinv.matrix); /* X^-1 */
  }
  if (sandwich) { /* d_X = T^T (M M^T - (nu+p+1) I) T / 2 (wishart_common.h) */
    bm_wt_sandwich_mmt(buf, N, p, 0.5, nu + pd + 1.0, d_X->data, d_X->tda);
  } else if (d_X) {
    /* N <- L_X^-T N = X^-1 L_Psi; X^-1 Psi X^-1 = N N^T */
    bm_sl_trsm_left(CblasTrans, p, p, buf, p, N, p);
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) MGET(d_X, i, j) = -0.5 * (nu + pd + 1.0) * MGET(&Xinv.matrix, i, j);
    bm_sl_syrk(p, p, 0.5, N, p, 1.0, d_X->data, d_X->tda);
    bm_sym_from_lower(d_X);
  }
  if (d_Psi) { /* nu/2 Psi^-1 - X^-1/2 */
    bm_chol_inverse(d->L_Psi, d_Psi);
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++)
        MGET(d_Psi, i, j) = 0.5 * nu * MGET(d_Psi, i, j) - 0.5 * MGET(&Xinv.matrix, i, j);
  }
  if (d_nu) *d_nu = 0.5 * d->logdet_Psi - 0.5 * pd * M_LN2 - bm_mvdigamma_small_halved(p, nu) - 0.5 * logdet_X;
  bm_work_release(&w);
  /* X with an eigenvalue near DBL_MIN: X^-1 (and so d_X, d_Psi) beyond double range; or a subnormal nu
   * (d_nu ~ 1/nu) */
  if ((d_X && !bm_wt_finite(d_X)) || (d_Psi && !bm_wt_finite(d_Psi)) || (d_nu && !isfinite(*d_nu))) {
    if (lp) *lp = NAN; /* a failed call leaves every output NaN */
    if (d_nu) *d_nu = NAN;
    bm_nan_matrix(d_X);
    bm_nan_matrix(d_Psi);
    return BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
  }
  return BM_SUCCESS;
fail:
  bm_work_release(&w);
  bm_nan_matrix(d_X);
  bm_nan_matrix(d_Psi);
  return status;
}

int bm_invwishart_hess(const bm_invwishart *d, const gsl_matrix *X, gsl_matrix *H)
{
  int status = bm_wt_check_x_and_out(d && d->is_set, d ? d->p : 0, X, H, d ? bm_vech_len(d->p) + 1 : 0);
  gsl_matrix *C = NULL;
  if (status) goto done;
  C = bm_matrix_alloc(d->p, d->p);
  if (!C) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  if (bm_validate_spd(X, d->p, C, NULL)) { /* X outside the support */
    status = BM_FAIL(BM_EDOM, "X is not positive definite: outside the support");
    goto done;
  }
  bm_chol_inverse(d->L_Psi, C);
  bm_wt_theta_blocks(C, -0.5 * d->nu, 0.5, -0.25, d->nu, H);
done:
  if (!status && !bm_wt_finite(H)) status = BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
  if (status) bm_nan_matrix(H);
  if (C) bm_matrix_free(C);
  return status;
}

int bm_invwishart_hess_x(const bm_invwishart *d, const gsl_matrix *X, gsl_matrix *H)
{
  int status = bm_wt_check_x_and_out(d && d->is_set, d ? d->p : 0, X, H, d ? bm_vech_len(d->p) : 0);
  gsl_matrix *Y = NULL, *Z = NULL, *T = NULL;
  if (status) goto done;
  size_t p = d->p;
  Y = bm_matrix_alloc(p, p);
  Z = bm_matrix_alloc(p, p);
  T = bm_matrix_alloc(p, p);
  if (!Y || !Z || !T) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  if (bm_validate_spd(X, p, Y, NULL)) {
    status = BM_FAIL(BM_EDOM, "X is not positive definite: outside the support");
    goto done;
  }
  bm_chol_inverse(Y, Y); /* Y = X^-1 */
  gsl_matrix_memcpy(T, Y);
  cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, (int)p, 1.0,
              d->L_Psi->data, (int)d->L_Psi->tda, T->data, (int)T->tda); /* T = X^-1 L_Psi */
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)p, (int)p, 1.0, T->data, (int)T->tda, 0.0, Z->data,
              (int)Z->tda);
  bm_sym_from_lower(Z); /* Z = X^-1 Psi X^-1 */
  bm_vech_kron(0.5 * (d->nu + (double)p + 1.0), Y, Y, 0.0, H);
  bm_vech_kron(-0.5, Y, Z, 1.0, H);
  bm_vech_kron(-0.5, Z, Y, 1.0, H);
done:
  if (!status && !bm_wt_finite(H)) status = BM_FAIL(BM_EDOM, "an entry of the result is beyond double range");
  if (status) bm_nan_matrix(H);
  if (Y) bm_matrix_free(Y);
  if (Z) bm_matrix_free(Z);
  if (T) bm_matrix_free(T);
  return status;
}

int bm_invwishart_fisher(const bm_invwishart *d, gsl_matrix *I)
{
  /* I_PsiPsi = nu/2 T(Psi^-1,Psi^-1), I_Psinu = -1/2 t(Psi^-1), I_nunu = psi'_p(nu/2)/4 */
  return bm_wt_fisher(d && d->is_set, d ? d->p : 0, d ? d->L_Psi : NULL, d ? d->nu : 0.0, -0.5, I);
}

/* X = T T^T with T = L_Psi A^-T (solve T A^T = L_Psi): no inverse of Psi or of a draw */
static void draw(const void *dv, double *A, double *T, gsl_matrix *X)
{
  const bm_invwishart *d = dv;
  int p = (int)d->p;
  bm_wt_copy_lower(d->L_Psi, T, d->p);
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, p, p, 1.0, A, p, T, p);
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, p, p, 1.0, T, p, 0.0, X->data, (int)X->tda);
  bm_sym_from_lower(X);
}

int bm_invwishart_sample(const bm_invwishart *d, gsl_rng *r, gsl_matrix *X)
{
  return bm_wt_sample(d, d && d->is_set && r, d ? d->p : 0, d ? d->nu : 0.0, r, X, draw,
                      "nu near p - 1: the Bartlett factor nearly singular");
}

int bm_invwishart_mean(const bm_invwishart *d, gsl_matrix *M)
{
  int status = bm_wt_check_out(d && d->is_set, d ? d->p : 0, M);
  if (status) return status;
  double den = d->nu - (double)d->p - 1.0;
  if (!(den > 0.0)) {
    bm_nan_matrix(M);
    return BM_FAIL(BM_EDOM, "the mean exists only for nu > p + 1: nu = %g, p = %zu", d->nu, d->p);
  }
  bm_chol_product(d->L_Psi, M);
  gsl_matrix_scale(M, 1.0 / den);
  return BM_SUCCESS;
}

/* loglik and loglik_grad share one body (each / d_Psi / d_nu may be NULL).
 * Per observation: one dpotrf, one dtrsm for the trace and, for the
 * gradient, one dpotri accumulated into sum_i X_i^-1. */
/* (loglik_impl names its public caller, fn, in messages) */
#undef BM_FN
#define BM_FN fn
#define loglik_impl(...) loglik_impl_fn(__func__, __VA_ARGS__)
static int loglik_impl_fn(const char *fn, const bm_invwishart *d, const gsl_matrix *const *X, size_t m, double *ll, gsl_vector *each,
                       gsl_matrix *d_Psi, double *d_nu)
{
  if (ll) *ll = NAN;
  if (d_nu) *d_nu = NAN;
  int status = BM_SUCCESS;
  double *buf = NULL;
  if ((status = bm_wt_check_batch_args(d && d->is_set, d ? d->p : 0, X, m, each, d_Psi))) goto fail;
  size_t p = d->p;
  if ((status = bm_wt_check_batch(X, m, p))) goto fail;
  double nu = d->nu, pd = (double)p, md = (double)m;
  buf = malloc(3 * p * p * sizeof(double));
  if (!buf) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto fail;
  }
  double *N = buf + p * p;
  gsl_matrix_view LX, Xinv = gsl_matrix_view_array(buf + 2 * p * p, p, p);
  if (d_Psi) gsl_matrix_set_zero(d_Psi);
  double sum = 0.0, sum_logdet = 0.0;
  for (size_t k = 0; k < m; k++) {
    if (bm_wt_factor_variate(X[k], buf, p, &LX)) {
      status = BM_FAIL(BM_EDOM, "X[%zu] is not positive definite: outside the support", k);
      if (ll) *ll = -INFINITY;
      goto fail;
    }
    double logdet_X = bm_chol_logdet(&LX.matrix);
    sum_logdet += logdet_X;
    if (ll || each) {
      whitened_scale(buf, d->L_Psi, N, p);
      double lk = logpdf_from_M(d, N, logdet_X, NULL);
      if (each) gsl_vector_set(each, k, lk);
      sum += lk;
    }
    if (d_Psi) {
      bm_chol_inverse(&LX.matrix, &Xinv.matrix);
      gsl_matrix_add(d_Psi, &Xinv.matrix);
    }
  }
  if (ll) *ll = sum;
  if (d_Psi) { /* m nu/2 Psi^-1 - sum X_i^-1 / 2 */
    bm_chol_inverse(d->L_Psi, &Xinv.matrix);
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++)
        MGET(d_Psi, i, j) = 0.5 * md * nu * MGET(&Xinv.matrix, i, j) - 0.5 * MGET(d_Psi, i, j);
  }
  if (d_nu)
    *d_nu = 0.5 * md * d->logdet_Psi - 0.5 * md * pd * M_LN2 - md * bm_mvdigamma_small_halved(p, nu) - 0.5 * sum_logdet;
  if ((d_Psi && !bm_wt_finite(d_Psi)) || (d_nu && !isfinite(*d_nu))) { /* some X_i^-1, or m/nu, beyond double range */
    status = BM_FAIL(BM_EDOM, "%s", d_Psi && !bm_wt_finite(d_Psi) ? "d_Psi is beyond double range (some X_i^-1 overflows)"
                                                                  : "d_nu is beyond double range");
    if (ll) *ll = NAN; /* a failed call leaves every output NaN */
    if (d_nu) *d_nu = NAN;
    goto fail;
  }
  free(buf);
  return BM_SUCCESS;
fail:
  free(buf);
  bm_nan_vector(each);
  bm_nan_matrix(d_Psi);
  return status;
}

#undef BM_FN
#define BM_FN __func__

/* ---- the uniform surface and the family descriptor (bayesmat/family.h) ---- */
#include "family_internal.h"

BM_WT_SURFACE(invwishart, Psi)

static const bm_theta_block invwishart_blocks[] = {BM_THETA_VECH("Psi", BM_DIM_ROWS), BM_THETA_SCALAR("nu")};
const bm_family_type bm_family_invwishart = {.name = "invwishart", .description = "inverse Wishart IW_p(nu, Psi)",
                                             .variate = BM_VARIATE_SPD, .blocks = invwishart_blocks, .nblocks = 2,
                                             BM_FAMILY_OPS_INIT(invwishart)};
