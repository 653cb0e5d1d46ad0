/* bayesmat — the parameter vector theta of every family (docs/contract.md).
 *
 * theta is the vector _score, _hess and _fisher differentiate with respect
 * to, in docs/contract.md's order (nu, delta LAST even though _set takes them first);
 * symmetric matrices enter as vech (column-stacked lower triangle; a vech
 * coordinate moves S_ij and S_ji together), general matrices as vec
 * (columns stacked):
 *   mvn        (mu, vech Sigma)                  p + p(p+1)/2
 *   mvt        (mu, vech Sigma, nu)              p + p(p+1)/2 + 1
 *   wishart    (vech S, nu)                      p(p+1)/2 + 1
 *   invwishart (vech Psi, nu)                    p(p+1)/2 + 1
 *   matnorm    (vec M, vech U, vech V)           np + n(n+1)/2 + p(p+1)/2
 *   matt       (vec M, vech Sigma, vech Omega, nu)   ... + 1
 *   matf       (vech Psi, nu, delta)             p(p+1)/2 + 2
 * bm_F_set_theta unpacks theta and calls bm_F_set, so it validates exactly as
 * bm_F_set does (the unpacked matrices are symmetric by construction, so
 * BM_ENOTSYM cannot occur) and on failure leaves the object as it was.
 * bm_F_get_theta exists where the family's public API exposes every
 * parameter (mvn only: bm_mvn_mean and bm_mvn_cov); the other families keep
 * nu / the scale factors private. Docs: docs/theta.md.
 * Not thread-safe on the same object (set_theta writes it, like bm_F_set).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_THETA_H
#define BAYESMAT_THETA_H

#include <gsl/gsl_vector.h>
#include "bayesmat/mvn.h"
#include "bayesmat/mvt.h"
#include "bayesmat/wishart.h"
#include "bayesmat/invwishart.h"
#include "bayesmat/matnorm.h"
#include "bayesmat/matt.h"
#include "bayesmat/matf.h"

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/**
 * Set N_p(mu, Sigma) from theta = (mu, vech Sigma), length p + p(p+1)/2
 * (any stride). Allocates nothing for p <= 64 (p^2 doubles of scratch).
 * @return BM_SUCCESS; BM_EINVAL (d or theta NULL); BM_EBADLEN (length of theta
 *         not bm_mvn_nparams(d)); BM_ENONFINITE; BM_ENOTSPD (Sigma);
 *         BM_ENOMEM (p > 64 only). On failure d keeps its previous state.
 */
int bm_mvn_set_theta(bm_mvn *d, const gsl_vector *theta);

/**
 * theta = (mu, vech Sigma) of a set N_p object (from bm_mvn_mean and bm_mvn_cov).
 * @param theta  out, length bm_mvn_nparams(d)
 * @return BM_SUCCESS; BM_EINVAL (NULL, or d never set); BM_EBADLEN;
 *         BM_ENOMEM (p > 64 only). theta NaN on failure.
 */
int bm_mvn_get_theta(const bm_mvn *d, gsl_vector *theta);

/**
 * Set t_p(nu, mu, Sigma) from theta = (mu, vech Sigma, nu).
 * @return as bm_mvn_set_theta; BM_ENONFINITE also for nu = +-Inf;
 *         BM_EDOM (nu <= 0). On failure d keeps its previous state.
 */
int bm_mvt_set_theta(bm_mvt *d, const gsl_vector *theta);

/**
 * Set W_p(nu, S) from theta = (vech S, nu).
 * @return as bm_mvn_set_theta; BM_ENOTSPD (S); BM_EDOM (nu <= p - 1).
 */
int bm_wishart_set_theta(bm_wishart *d, const gsl_vector *theta);

/**
 * Set IW_p(nu, Psi) from theta = (vech Psi, nu).
 * @return as bm_mvn_set_theta; BM_ENOTSPD (Psi); BM_EDOM (nu <= p - 1).
 */
int bm_invwishart_set_theta(bm_invwishart *d, const gsl_vector *theta);

/**
 * Set MN_{n,p}(M, U, V) from theta = (vec M, vech U, vech V).
 * The length, s(s+1)/2 with s = n + p, does not tell n from p: the split is
 * the object's own (bm_matnorm_dims).
 * Scratch: np + n^2 + p^2 doubles, on the stack up to 4096.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_ENOTSPD (U or V);
 *         BM_ENOMEM. On failure d keeps its previous state.
 */
int bm_matnorm_set_theta(bm_matnorm *d, const gsl_vector *theta);

/**
 * Set T_{n,p}(nu, M, Sigma, Omega) from theta = (vec M, vech Sigma, vech Omega, nu)
 * (the split n, p from bm_matt_dims).
 * @return as bm_matnorm_set_theta; BM_EDOM (nu <= 0).
 */
int bm_matt_set_theta(bm_matt *d, const gsl_vector *theta);

/**
 * Set F_p(nu, delta, Psi) from theta = (vech Psi, nu, delta).
 * @return as bm_mvn_set_theta; BM_ENOTSPD (Psi); BM_EDOM (nu <= p - 1 or delta <= 0).
 */
int bm_matf_set_theta(bm_matf *d, const gsl_vector *theta);

BM_END_DECLS
#endif
