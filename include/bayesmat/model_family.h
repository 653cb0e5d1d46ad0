/* bayesmat — plug a bayesmat family into bm_model (include/bayesmat/model_fisher.h).
 *
 * An observation model y_i ~ F(theta_i(eta)), i = 0..n_obs-1, for a family F
 * of docs/contract.md with theta in its order there (include/bayesmat/theta.h). The user
 * writes only theta_i(eta) and its Jacobian (and, for the observed information
 * of a non-linear theta, its curvature); bm_family_model_init fills a bm_model
 * whose fisher and score_hess callbacks call bm_F_set_theta on a scratch
 * family object and then the family's closed-form bm_F_fisher, or bm_F_score
 * and bm_F_hess at y_i. Then bm_model_fisher, bm_model_observed_information,
 * bm_model_score and bm_model_jeffreys work on it unchanged.
 *
 * Threading: the scratch object `dist` is overwritten by every callback, so one
 * bm_family_model (and the bm_model filled from it) serves one thread at a
 * time. Give each thread its own bm_family_model with its own dist object
 * (observations and the user's params may be shared if the user's callbacks
 * only read them).
 * Docs and an example: docs/theta.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_MODEL_FAMILY_H
#define BAYESMAT_MODEL_FAMILY_H

#include <stddef.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/model_fisher.h"
#include "bayesmat/family.h"

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/** Which family a bm_family_model's `dist` is. */
typedef enum {
  BM_FAMILY_MVN = 1,   /**< dist is a bm_mvn *;        observations: rows of y_rows */
  BM_FAMILY_MVT,       /**< dist is a bm_mvt *;        observations: rows of y_rows */
  BM_FAMILY_WISHART,   /**< dist is a bm_wishart *;    observations: y_mats[i] (p x p SPD) */
  BM_FAMILY_INVWISHART,/**< dist is a bm_invwishart *; observations: y_mats[i] (p x p SPD) */
  BM_FAMILY_MATNORM,   /**< dist is a bm_matnorm *;    observations: y_mats[i] (n x p) */
  BM_FAMILY_MATT,      /**< dist is a bm_matt *;       observations: y_mats[i] (n x p) */
  BM_FAMILY_MATF,      /**< dist is a bm_matf *;       observations: y_mats[i] (p x p SPD) */
  /** dist is a bm_dist * (bayesmat/family.h) of any family, a user's own
   *  included: observations are rows of y_rows when its variate is
   *  BM_VARIATE_VECTOR, else y_mats[i] of the variate's shape. The family
   *  needs set_theta, logpdf, and fisher (for bm_model_fisher / jeffreys) or
   *  score and hess (for the observed information and the score); an absent
   *  one makes the callback fail. */
  BM_FAMILY_DIST = 100
} bm_family_kind;

/**
 * A family observation model. The caller owns everything it points to; all of
 * it must outlive the bm_model filled by bm_family_model_init.
 */
typedef struct {
  bm_family_kind kind;
  /** A bm_F object of `kind` from bm_F_alloc with the observations' dimensions.
   *  Scratch: every callback re-sets it (its previous parameters are lost). */
  void *dist;
  size_t n_obs;                   /**< number of observations n (>= 1) */
  /** mvn, mvt: n_obs x p, row i = y_i. NULL for the matrix families, or when
   *  only the expected information (bm_model_fisher / jeffreys) is wanted. */
  const gsl_matrix *y_rows;
  /** matrix families: n_obs matrices, y_mats[i] = y_i. NULL for mvn / mvt, or
   *  when only the expected information is wanted. Never written through.
   *  An array of `gsl_matrix *` or of `const gsl_matrix *` (read as
   *  const gsl_matrix *const *): typed const void * because C converts
   *  neither gsl_matrix ** nor const gsl_matrix ** to the other, and a user's
   *  plain array must be taken without a cast. */
  const void *y_mats;
  size_t dim_eta;                 /**< d, length of eta (>= 1) */
  /** theta_i (length bm_F_nparams(dist), docs/contract.md order) and J_i = d theta_i / d eta
   *  (m x d) at eta; 0 on success. Required. Called with the user's `params`. */
  int (*theta)(size_t i, const gsl_vector *eta, void *params, gsl_vector *theta_i, gsl_matrix *J_i);
  /** Optional, as bm_model.theta_curvature: C += sum_a w_a d2 theta_ia / d eta d eta^T.
   *  NULL when theta_i is linear in eta (needed for the exact observed information otherwise). */
  int (*theta_curvature)(size_t i, const gsl_vector *eta, const gsl_vector *w, void *params, gsl_matrix *C);
  void *params;                   /**< passed to theta and theta_curvature */
} bm_family_model;

/**
 * Fill `model` so that bm_model_fisher / _observed_information / _score /
 * _jeffreys evaluate the family model fm: model->params = fm, dim_theta =
 * bm_F_nparams(fm->dist), fisher and score_hess are adapters calling
 * bm_F_set_theta then bm_F_fisher, or bm_F_score and bm_F_hess at y_i.
 * A theta_i the family rejects (e.g. a non-SPD scale) makes the callback fail,
 * which bm_model_* report as BM_EDOM. Allocates nothing.
 * @return BM_SUCCESS; BM_EINVAL (NULL model / fm / fm->dist / fm->theta, an
 *         unknown kind, n_obs or dim_eta 0, y_rows given for a matrix family or
 *         y_mats for a vector family, a NULL y_mats[i]); BM_EBADLEN (y_rows not
 *         n_obs x p; a y_mats[i] not of the variate's shape). model is
 *         zeroed on failure.
 */
int bm_family_model_init(bm_model *model, bm_family_model *fm);

/**
 * Log-likelihood sum_i log f(y_i | theta_i(eta)) of the family model (e.g.
 * for bm_laplace or a finite-difference check). Uses fm->dist as scratch.
 * Allocates m + m d doubles (theta_i and J_i for the theta callback).
 * @param ll  out; NAN on failure
 * @return BM_SUCCESS; BM_EINVAL (NULL, fm not valid as in
 *         bm_family_model_init, no observations given); BM_EBADLEN (eta not of
 *         length dim_eta); BM_ENONFINITE (eta); BM_EDOM (the theta callback
 *         fails, or the family rejects theta_i or y_i: an observation outside
 *         the support gives BM_EDOM); BM_ENOMEM.
 */
int bm_family_model_loglik(bm_family_model *fm, const gsl_vector *eta, double *ll);

/** Length of theta of a family object of `kind` (0 for NULL or an unknown
 *  kind); for BM_FAMILY_DIST, bm_dist_nparams of the bm_dist *. */
size_t bm_family_nparams(bm_family_kind kind, const void *dist);

/**
 * bm_F_set_theta on a family object of `kind` (bm_dist_set_theta for BM_FAMILY_DIST).
 * @return as bm_F_set_theta; BM_EINVAL for an unknown kind.
 */
int bm_family_set_theta(bm_family_kind kind, void *dist, const gsl_vector *theta);

BM_END_DECLS
#endif
