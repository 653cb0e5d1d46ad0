/* bayesmat — Fisher information of whole models.
 *
 * Observation models: I(eta) = sum_i J_i^T I_F(theta_i) J_i (the chain rule
 * for the score s_eta = J^T s_theta, whose covariance is J^T I_F J); the
 * observed information adds the curvature term -sum_a s_a d2 theta_a.
 * Gaussian models: I_jk = dmu_j^T Sigma^-1 dmu_k + 1/2 tr(Sigma^-1 dSigma_j
 * Sigma^-1 dSigma_k) (e.g. Rasmussen & Williams 2006, eq. 5.9 for the score;
 * the Fisher form is the classical result for N(mu(eta), Sigma(eta))), from one
 * Cholesky factor: A_j = L^-1 dSigma_j L^-T is symmetric and
 * tr(Sigma^-1 dS_j Sigma^-1 dS_k) = tr(A_j A_k) = sum_ab A_j[a,b] A_k[a,b].
 * Derivations: docs/jeffreys.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <gsl/gsl_blas.h>
#include <stdlib.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_cblas.h>
#include "bayesmat/status.h"
#include "bayesmat/alloc.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "bayesmat/jeffreys.h"
#include "bayesmat/model_fisher.h"
#include "../src/error.h"

#include "internal.h"
#include "conjugate_common.h"

/* out += sign * J^T M J  (J m x d, M m x m, T scratch m x d) */
static void add_sandwich(double sign, const gsl_matrix *J, const gsl_matrix *M, gsl_matrix *T, gsl_matrix *out)
{
  gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, M, J, 0.0, T);
  gsl_blas_dgemm(CblasTrans, CblasNoTrans, sign, J, T, 1.0, out);
}

static void symmetrize(gsl_matrix *A)
{
  size_t d = A->size1;
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < i; j++) {
      double s = 0.5 * (MGET(A, i, j) + MGET(A, j, i));
      MGET(A, i, j) = s;
      MGET(A, j, i) = s;
    }
}

enum { MODE_FISHER, MODE_OBSERVED, MODE_SCORE };

#undef BM_FN
#define BM_FN fn /* the public caller, through the macro below */
#define model_accumulate(...) model_accumulate_fn(__func__, __VA_ARGS__)
static int model_accumulate_fn(const char *fn, const bm_model *model, const gsl_vector *eta, int mode, gsl_matrix *out,
                               gsl_vector *sout)
{
  if (!model || !eta || (mode != MODE_SCORE && !out) || (mode == MODE_SCORE && !sout))
    return BM_FAIL(BM_EINVAL, "%s is NULL", !model ? "model" : !eta ? "eta" : mode == MODE_SCORE ? "s" : "the output matrix");
  size_t n = model->n_obs, d = model->dim_eta, m = model->dim_theta;
  int status = BM_SUCCESS;
  if (!model->theta || n == 0 || d == 0 || m == 0 || (mode == MODE_FISHER && !model->fisher) ||
      (mode != MODE_FISHER && !model->score_hess))
    status = BM_FAIL(BM_EINVAL, "model is incomplete: %s", !model->theta ? "model->theta is NULL" : n == 0 ? "model->n_obs is 0" : d == 0 ? "model->dim_eta is 0" : m == 0 ? "model->dim_theta is 0" : mode == MODE_FISHER ? "model->fisher is NULL" : "model->score_hess is NULL");
  else if (eta->size != d || (out && (out->size1 != d || out->size2 != d)) || (sout && sout->size != d))
    status = BM_FAIL(BM_EBADLEN, "eta has length %zu, the output is %zu x %zu: expected model->dim_eta = %zu", eta->size, out ? out->size1 : sout->size, out ? out->size2 : 1, d);
  else if (!cj_all_finite_vector(eta))
    status = BM_FAIL(BM_ENONFINITE, "eta has a NaN or Inf entry");
  if (status) {
    if (status != BM_EBADLEN) {
      bm_nan_matrix(out);
      bm_nan_vector(sout);
    }
    return status;
  }
  gsl_vector *th = bm_vector_alloc(m), *s = bm_vector_alloc(m);
  gsl_matrix *J = bm_matrix_alloc(m, d), *M = bm_matrix_alloc(m, m), *T = bm_matrix_alloc(m, d);
  gsl_matrix *C = (mode == MODE_OBSERVED && model->theta_curvature) ? bm_matrix_alloc(d, d) : NULL;
  if (!th || !s || !J || !M || !T || (mode == MODE_OBSERVED && model->theta_curvature && !C)) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  if (out) gsl_matrix_set_zero(out);
  if (sout) gsl_vector_set_zero(sout);
  for (size_t i = 0; i < n && !status; i++) {
    if (model->theta(i, eta, model->params, th, J) || !cj_all_finite_vector(th) || !cj_all_finite(J)) {
      status = BM_FAIL(BM_EDOM, "model->theta failed or gave a non-finite value at observation %zu", i);
      break;
    }
    if (mode == MODE_FISHER) {
      if (model->fisher(i, th, model->params, M) || !cj_all_finite(M)) {
        status = BM_FAIL(BM_EDOM, "model->fisher failed or gave a non-finite value at observation %zu", i);
        break;
      }
      add_sandwich(1.0, J, M, T, out);
    } else {
      if (model->score_hess(i, th, model->params, s, mode == MODE_OBSERVED ? M : NULL) || !cj_all_finite_vector(s) ||
          (mode == MODE_OBSERVED && !cj_all_finite(M))) {
        status = BM_FAIL(BM_EDOM, "model->score_hess failed or gave a non-finite value at observation %zu", i);
        break;
      }
      if (mode == MODE_SCORE) {
        for (size_t k = 0; k < d; k++) {
          double v = 0;
          for (size_t a = 0; a < m; a++) v += MGET(J, a, k) * VGET(s, a);
          VGET(sout, k) += v;
        }
      } else {
        add_sandwich(-1.0, J, M, T, out); /* J^T (-H) J */
        if (C) {
          gsl_matrix_set_zero(C);
          if (model->theta_curvature(i, eta, s, model->params, C) || !cj_all_finite(C)) {
            status = BM_FAIL(BM_EDOM, "model->theta_curvature failed or gave a non-finite value at observation %zu", i);
            break;
          }
          gsl_matrix_sub(out, C); /* - sum_a s_a d2 theta_a */
        }
      }
    }
  }
  if (!status && out) symmetrize(out);
done:
  if (status) {
    bm_nan_matrix(out);
    bm_nan_vector(sout);
  }
  bm_vector_free(th);
  bm_vector_free(s);
  bm_matrix_free(J);
  bm_matrix_free(M);
  bm_matrix_free(T);
  bm_matrix_free(C);
  return status;
}
#undef BM_FN
#define BM_FN __func__

int bm_model_fisher(const bm_model *model, const gsl_vector *eta, gsl_matrix *Fi)
{
  return model_accumulate(model, eta, MODE_FISHER, Fi, NULL);
}

int bm_model_observed_information(const bm_model *model, const gsl_vector *eta, gsl_matrix *J_obs)
{
  return model_accumulate(model, eta, MODE_OBSERVED, J_obs, NULL);
}

int bm_model_score(const bm_model *model, const gsl_vector *eta, gsl_vector *s)
{
  return model_accumulate(model, eta, MODE_SCORE, NULL, s);
}

int bm_model_jeffreys(const bm_model *model, const gsl_vector *eta, const size_t *idx, size_t k, double *log_prior)
{
  if (!log_prior) return BM_FAIL(BM_EINVAL, "log_prior is NULL");
  *log_prior = NAN;
  if (!model || !eta) return BM_FAIL(BM_EINVAL, "%s is NULL", model == NULL ? "model" : "eta");
  size_t d = model->dim_eta;
  if (d == 0) return BM_FAIL(BM_EINVAL, "model->dim_eta is 0");
  gsl_matrix *Fi = bm_matrix_alloc(d, d);
  if (!Fi) return BM_FAIL(BM_ENOMEM, "out of memory");
  int status = bm_model_fisher(model, eta, Fi);
  if (!status) status = bm_jeffreys_from_fisher(Fi, idx, k, log_prior);
  bm_matrix_free(Fi);
  return status;
}

/* shared validation of the Gaussian-model arguments; L <- chol(Sigma) */
#undef BM_FN
#define BM_FN fn /* the public caller, through the macro below */
#define gaussian_check(...) gaussian_check_fn(__func__, __VA_ARGS__)
static int gaussian_check_fn(const char *fn, const gsl_matrix *Sigma, const gsl_matrix *dmu,
                             const gsl_matrix *const *dSigma, size_t d, gsl_matrix **L)
{
  *L = NULL;
  if (!Sigma || d == 0) return BM_FAIL(BM_EINVAL, "%s", !Sigma ? "Sigma is NULL" : "d = 0: no parameters");
  size_t n = Sigma->size1;
  if (Sigma->size2 != n || n == 0) return BM_FAIL(BM_EBADLEN, "Sigma is %zu x %zu, expected square and non-empty", n, Sigma->size2);
  if (dmu && (dmu->size1 != n || dmu->size2 != d))
    return BM_FAIL(BM_EBADLEN, "dmu is %zu x %zu, expected %zu x %zu", dmu->size1, dmu->size2, n, d);
  if (dSigma)
    for (size_t j = 0; j < d; j++)
      if (dSigma[j] && (dSigma[j]->size1 != n || dSigma[j]->size2 != n))
        return BM_FAIL(BM_EBADLEN, "dSigma[%zu] is %zu x %zu, expected %zu x %zu", j, dSigma[j]->size1, dSigma[j]->size2, n, n);
  int status = bm_validate_symmetric(Sigma, n);
  if (status) return status;
  if (dmu && !cj_all_finite(dmu)) return BM_FAIL(BM_ENONFINITE, "dmu has a NaN or Inf entry");
  if (dSigma)
    for (size_t j = 0; j < d; j++)
      if (dSigma[j] && (status = bm_validate_symmetric(dSigma[j], n))) return status;
  *L = bm_matrix_alloc(n, n);
  if (!*L) return BM_FAIL(BM_ENOMEM, "out of memory");
  status = bm_validate_spd(Sigma, n, *L, NULL);
  if (status) {
    bm_matrix_free(*L);
    *L = NULL;
  }
  return status;
}
#undef BM_FN
#define BM_FN __func__

int (bm_gaussian_model_fisher)(const gsl_matrix *Sigma, const gsl_matrix *dmu, const gsl_matrix *const *dSigma,
                             size_t d, gsl_matrix *Fi)
{
  if (!Fi || d == 0) return BM_FAIL(BM_EINVAL, "%s", !Fi ? "Fi is NULL" : "d is 0");
  if (Fi->size1 != d || Fi->size2 != d) return BM_FAIL(BM_EBADLEN, "Fi is %zu x %zu, expected %zu x %zu", Fi->size1, Fi->size2, (size_t)(d), (size_t)(d));
  gsl_matrix *L;
  int status = gaussian_check(Sigma, dmu, dSigma, d, &L);
  if (status) {
    bm_nan_matrix(Fi);
    return status;
  }
  size_t n = Sigma->size1;
  gsl_matrix_set_zero(Fi);
  gsl_matrix **A = NULL;
  gsl_matrix *W = NULL;
  if (dmu) {
    /* W = L^-1 dmu; I += W^T W */
    W = bm_matrix_alloc(n, d);
    if (!W) {
      status = BM_FAIL(BM_ENOMEM, "out of memory");
      goto done;
    }
    gsl_matrix_memcpy(W, dmu);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)n, (int)d, 1.0, L->data,
                (int)L->tda, W->data, (int)W->tda);
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)d, (int)n, 1.0, W->data, (int)W->tda, 0.0, Fi->data,
                (int)Fi->tda);
  }
  if (dSigma) {
    A = calloc(d, sizeof *A);
    if (!A) {
      status = BM_FAIL(BM_ENOMEM, "out of memory");
      goto done;
    }
    for (size_t j = 0; j < d; j++) {
      if (!dSigma[j]) continue;
      A[j] = bm_matrix_alloc(n, n);
      if (!A[j]) {
        status = BM_FAIL(BM_ENOMEM, "out of memory");
        goto done;
      }
      gsl_matrix_memcpy(A[j], dSigma[j]);
      bm_sym_from_lower(A[j]);
      bm_chol_sandwich(L, A[j]); /* A_j = L^-1 dSigma_j L^-T */
    }
    for (size_t j = 0; j < d; j++) {
      if (!A[j]) continue;
      for (size_t k = 0; k <= j; k++) {
        if (!A[k]) continue;
        double s = 0;
        for (size_t a = 0; a < n; a++)
          for (size_t b = 0; b < n; b++) s += MGET(A[j], a, b) * MGET(A[k], a, b);
        MGET(Fi, j, k) += 0.5 * s;
      }
    }
  }
  bm_sym_from_lower(Fi);
done:
  if (status) bm_nan_matrix(Fi);
  if (A)
    for (size_t j = 0; j < d; j++) bm_matrix_free(A[j]);
  free(A);
  bm_matrix_free(W);
  bm_matrix_free(L);
  return status;
}

int (bm_gaussian_model_score)(const gsl_matrix *Sigma, const gsl_vector *mu, const gsl_matrix *dmu,
                            const gsl_matrix *const *dSigma, size_t d, const gsl_vector *y, gsl_vector *s, double *lp)
{
  if (lp) *lp = NAN;
  if (!s || !mu || !y) return BM_FAIL(BM_EINVAL, "%s is NULL", s == NULL ? "s" : mu == NULL ? "mu" : "y");
  if (s->size != d) return BM_FAIL(BM_EBADLEN, "s has %zu entries, expected %zu", s->size, (size_t)(d));
  size_t n = Sigma ? Sigma->size1 : 0;
  if (Sigma && (mu->size != n || y->size != n)) return BM_FAIL(BM_EBADLEN, "mu (length %zu) and y (length %zu) must have the length of Sigma, %zu", mu->size, y->size, n);
  gsl_matrix *L;
  int status = gaussian_check(Sigma, dmu, dSigma, d, &L);
  if (!status && (!cj_all_finite_vector(mu) || !cj_all_finite_vector(y))) {
    status = BM_FAIL(BM_ENONFINITE, "%s has a NaN or Inf entry", cj_all_finite_vector(mu) ? "y" : "mu");
    bm_matrix_free(L);
  }
  if (status) {
    bm_nan_vector(s);
    return status;
  }
  gsl_vector *z = bm_vector_alloc(n), *u = bm_vector_alloc(n);
  gsl_matrix *Si = bm_matrix_alloc(n, n);
  if (!z || !u || !Si) {
    status = BM_FAIL(BM_ENOMEM, "out of memory");
    goto done;
  }
  /* u = Sigma^-1 r, z = L^-1 r */
  gsl_vector_memcpy(z, y);
  gsl_vector_sub(z, mu);
  gsl_vector_memcpy(u, z);
  bm_chol_solve_vector(L, u);
  bm_chol_whiten_vector(L, z);
  double q = 0;
  for (size_t a = 0; a < n; a++) q += VGET(z, a) * VGET(z, a);
  if (lp) *lp = -0.5 * (double)n * log(2 * M_PI) - 0.5 * bm_chol_logdet(L) - 0.5 * q;
  bm_chol_inverse(L, Si); /* tr(Sigma^-1 dSigma_j) needs the inverse (an output-sized quantity) */
  for (size_t j = 0; j < d; j++) {
    double v = 0;
    if (dmu)
      for (size_t a = 0; a < n; a++) v += MGET(dmu, a, j) * VGET(u, a);
    if (dSigma && dSigma[j]) {
      double quad = 0, tr = 0;
      for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++) {
          double dS = a >= b ? MGET(dSigma[j], a, b) : MGET(dSigma[j], b, a);
          quad += VGET(u, a) * dS * VGET(u, b);
          tr += MGET(Si, a, b) * dS;
        }
      v += 0.5 * (quad - tr);
    }
    VGET(s, j) = v;
  }
done:
  if (status) {
    bm_nan_vector(s);
    if (lp) *lp = NAN;
  }
  bm_vector_free(z);
  bm_vector_free(u);
  bm_matrix_free(Si);
  bm_matrix_free(L);
  return status;
}

int bm_fisher_reparam(const gsl_matrix *I_eta, const gsl_matrix *J, gsl_matrix *I_zeta)
{
  if (!I_eta || !J || !I_zeta) return BM_FAIL(BM_EINVAL, "%s is NULL", I_eta == NULL ? "I_eta" : J == NULL ? "J" : "I_zeta");
  size_t d = I_eta->size1, e = J->size2;
  if (I_eta->size2 != d || J->size1 != d || I_zeta->size1 != e || I_zeta->size2 != e || d == 0 || e == 0)
    return BM_FAIL(BM_EBADLEN, "I_eta is %zu x %zu, J %zu x %zu, I_zeta %zu x %zu: expected d x d, d x e, e x e with d, e > 0", d, I_eta->size2, J->size1, e, I_zeta->size1, I_zeta->size2);
  if (!cj_all_finite(I_eta) || !cj_all_finite(J)) {
    bm_nan_matrix(I_zeta);
    return BM_FAIL(BM_ENONFINITE, "%s has a NaN or Inf entry", cj_all_finite(I_eta) ? "J" : "I_eta");
  }
  gsl_matrix *T = bm_matrix_alloc(d, e);
  if (!T) {
    bm_nan_matrix(I_zeta);
    return BM_FAIL(BM_ENOMEM, "out of memory");
  }
  gsl_matrix_set_zero(I_zeta);
  add_sandwich(1.0, J, I_eta, T, I_zeta);
  symmetrize(I_zeta);
  bm_matrix_free(T);
  return BM_SUCCESS;
}
