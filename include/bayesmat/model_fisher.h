/* bayesmat — Fisher information of whole models.
 *
 * (a) Observation models: observation i follows a family with parameter
 *     theta_i = theta(eta, x_i) (length m), eta of length d. Then
 *       I(eta)   = sum_i J_i^T I_F(theta_i) J_i,          J_i = d theta_i / d eta  (m x d)
 *       J_obs(eta) = -d2 l / d eta d eta^T
 *                = sum_i [ J_i^T (-H_i) J_i - sum_a s_ia d2 theta_ia / d eta d eta^T ],
 *     with s_i, H_i the score and Hessian of log f(y_i | theta_i) w.r.t. theta.
 *     The family enters only through callbacks, so any family (bm_F_fisher,
 *     bm_F_score, bm_F_hess through a small adapter) or a caller's own
 *     likelihood can be used.
 * (b) The Gaussian model y ~ N_n(mu(eta), Sigma(eta)) in closed form:
 *       I_jk = d_j mu^T Sigma^-1 d_k mu + 1/2 tr(Sigma^-1 d_j Sigma Sigma^-1 d_k Sigma),
 *     through one Cholesky factor of Sigma.
 * Jeffreys priors of such models: bm_model_jeffreys, or bm_jeffreys_from_fisher
 * on the matrix these return. Derivations: docs/jeffreys.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MODEL_FISHER_H
#define BAYESMAT_MODEL_FISHER_H

#include <stddef.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/**
 * An observation model. Callbacks return 0 on success, non-zero on failure.
 * The library calls them for i = 0..n_obs-1 in order, from one thread.
 */
typedef struct {
  size_t n_obs;     /**< number of observations n */
  size_t dim_eta;   /**< d, length of eta */
  size_t dim_theta; /**< m, length of each theta_i */
  /** theta_i (length m) and J_i = d theta_i / d eta (m x d) at eta. Required. */
  int (*theta)(size_t i, const gsl_vector *eta, void *params, gsl_vector *theta_i, gsl_matrix *J_i);
  /** Optional (NULL: theta_i is linear in eta): C += sum_a w_a d2 theta_ia / d eta d eta^T
   *  (C d x d, w length m). Used by the observed information only. */
  int (*theta_curvature)(size_t i, const gsl_vector *eta, const gsl_vector *w, void *params, gsl_matrix *C);
  /** Fisher information I_F(theta_i) of ONE observation i (m x m). Required by bm_model_fisher. */
  int (*fisher)(size_t i, const gsl_vector *theta_i, void *params, gsl_matrix *I_F);
  /** Score s (length m) and Hessian H (m x m) of log f(y_i | theta_i) w.r.t. theta.
   *  Required by bm_model_observed_information and bm_model_score (H may then be NULL). */
  int (*score_hess)(size_t i, const gsl_vector *theta_i, void *params, gsl_vector *s, gsl_matrix *H);
  void *params;
} bm_model;

/**
 * Expected information I(eta) = sum_i J_i^T I_F(theta_i) J_i.
 * @param Fi out d x d (symmetrized)
 * @return BM_SUCCESS; BM_EINVAL (NULL model/eta/Fi, NULL theta or fisher
 *         callback, n_obs, dim_eta or dim_theta 0); BM_EBADLEN; BM_ENONFINITE
 *         (eta); BM_EDOM (a callback fails or returns a non-finite value);
 *         BM_ENOMEM. Fi NaN on failure. Allocates O(m d + m^2).
 */
int bm_model_fisher(const bm_model *model, const gsl_vector *eta, gsl_matrix *Fi);

/**
 * Observed information -d2 l / d eta d eta^T = sum_i [J_i^T (-H_i) J_i - sum_a s_ia d2 theta_ia],
 * the curvature term only when theta_curvature is given (exact without it
 * when theta_i is linear in eta).
 * @param J_obs  out d x d
 * @return as bm_model_fisher (score_hess required instead of fisher).
 */
int bm_model_observed_information(const bm_model *model, const gsl_vector *eta, gsl_matrix *J_obs);

/**
 * Score of the model dl/d eta = sum_i J_i^T s_i.
 * @param s  out length d
 * @return as bm_model_observed_information.
 */
int bm_model_score(const bm_model *model, const gsl_vector *eta, gsl_vector *s);

/**
 * Jeffreys log-prior 1/2 log det I(eta)[idx, idx] of an observation model
 * (bm_model_fisher + bm_jeffreys_from_fisher).
 * @return as both; BM_ESING when singular.
 */
int bm_model_jeffreys(const bm_model *model, const gsl_vector *eta, const size_t *idx, size_t k, double *log_prior);

/**
 * Fisher information of y ~ N_n(mu(eta), Sigma(eta)) (one draw of the n-vector y):
 *   I_jk = dmu_j^T Sigma^-1 dmu_k + 1/2 tr(Sigma^-1 dSigma_j Sigma^-1 dSigma_k).
 * With Sigma = L L^T and A_j = L^-1 dSigma_j L^-T, the trace is sum(A_j .* A_k);
 * the mean term is W^T W with W = L^-1 [dmu_1 ... dmu_d].
 * @param Sigma   n x n SPD
 * @param dmu     n x d, column j = d mu / d eta_j; NULL when mu does not depend on eta
 * @param dSigma  array of d symmetric n x n matrices d Sigma / d eta_j; NULL when
 *                Sigma does not depend on eta; an entry may be NULL (zero)
 * @param d       number of parameters (>= 1)
 * @param Fi      out d x d
 * @return BM_SUCCESS; BM_EINVAL (NULL Sigma or Fi, d = 0); BM_EBADLEN;
 *         BM_ENONFINITE; BM_ENOTSYM (Sigma or a dSigma_j); BM_ENOTSPD (Sigma);
 *         BM_ENOMEM. Fi NaN on failure. Allocates d n^2 + n d.
 */
int bm_gaussian_model_fisher(const gsl_matrix *Sigma, const gsl_matrix *dmu, const gsl_matrix *const *dSigma,
                             size_t d, gsl_matrix *Fi);

/**
 * Score of log N_n(y; mu, Sigma) w.r.t. eta:
 *   s_j = dmu_j^T Sigma^-1 r + 1/2 [r^T Sigma^-1 dSigma_j Sigma^-1 r - tr(Sigma^-1 dSigma_j)],  r = y - mu,
 * and, when lp is not NULL, the log-density itself.
 * @param y, mu  length n;  dmu, dSigma, d as in bm_gaussian_model_fisher
 * @param s      out length d
 * @return as bm_gaussian_model_fisher. s NaN on failure.
 */
int bm_gaussian_model_score(const gsl_matrix *Sigma, const gsl_vector *mu, const gsl_matrix *dmu,
                            const gsl_matrix *const *dSigma, size_t d, const gsl_vector *y, gsl_vector *s, double *lp);

/* C does not convert gsl_matrix ** to const gsl_matrix *const * implicitly
 * (C++ does): these macros let an ordinary array of matrices through as
 * dSigma without a cast. The functions themselves are unchanged, (f)(...) and
 * &f still name them. */
#if !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define BM_CONST_MATRIX_ARRAY(a)                                                                                    \
  _Generic((a), gsl_matrix **: (const gsl_matrix *const *)(a), gsl_matrix *const *: (const gsl_matrix *const *)(a), \
           const gsl_matrix **: (const gsl_matrix *const *)(a), default: (a))
#define bm_gaussian_model_fisher(Sigma, dmu, dSigma, d, Fi) \
  bm_gaussian_model_fisher(Sigma, dmu, BM_CONST_MATRIX_ARRAY(dSigma), d, Fi)
#define bm_gaussian_model_score(Sigma, mu, dmu, dSigma, d, y, s, lp) \
  bm_gaussian_model_score(Sigma, mu, dmu, BM_CONST_MATRIX_ARRAY(dSigma), d, y, s, lp)
#endif

/**
 * Fisher information under a reparameterization eta = eta(zeta):
 *   I_zeta = J^T I_eta J,  J = d eta / d zeta (d x e).
 * @param I_zeta  out e x e (symmetrized)
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_ENOMEM.
 */
int bm_fisher_reparam(const gsl_matrix *I_eta, const gsl_matrix *J, gsl_matrix *I_zeta);

BM_END_DECLS
#endif
