/* bayesmat — unconstrained transforms (docs/transforms.md) for Laplace approximations
 * and reparameterized Jeffreys priors.
 *
 * Each transform maps an unconstrained coordinate u to a constrained
 * ("natural") parameter x(u) and provides
 *   - the forward map x -> u and the inverse u -> x,
 *   - log|det dx/du| (the log-Jacobian a density in u picks up),
 *   - the chain rule: given the gradient g_x (and Hessian H_x) of a function
 *     f of x, the gradient and Hessian of u -> f(x(u)):
 *       g_u = J^T g_x,   H_u = J^T H_x J + sum_k (g_x)_k d^2 x_k / du du^T.
 *
 * Transforms:
 *   log      x = exp(u) > 0;          log|J| = u
 *   logit    x = 1/(1+exp(-u)) in (0,1); log|J| = log x + log(1-x)
 *   logchol  docs/transforms.md: Sigma = L L^T SPD p x p, theta = vech(Lt) with
 *            Lt_ii = log L_ii, Lt_ij = L_ij (i > j), in the vech order of docs/conventions.md;
 *            natural coordinates are vech(Sigma) (a vech coordinate moves
 *            Sigma_ij and Sigma_ji together, docs/conventions.md), and
 *            log|det d vech(Sigma)/d theta| = p log 2 + sum_{i=1..p} (p-i+2) theta_ii.
 *
 * A "transform map" strings blocks of these together so that a caller can
 * Laplace-approximate a posterior over, e.g., (mu, Sigma, nu) in unconstrained
 * coordinates: bm_transform_laplace_problem builds the bm_laplace_problem of
 *   u -> log target(x(u)) + log|det dx/du|.
 * Derivations: docs/transforms.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_TRANSFORM_H
#define BAYESMAT_TRANSFORM_H

#include <stddef.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/laplace.h"

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/* ---------------- positive scalar <-> log ---------------- */

/**
 * u = log x.
 * @return BM_SUCCESS; BM_EINVAL (u NULL); BM_ENONFINITE (x NaN/Inf);
 *         BM_EDOM (x <= 0). On failure *u = NaN.
 */
int bm_transform_log_forward(double x, double *u);

/**
 * x = exp(u) and, when logjac is not NULL, log|dx/du| = u.
 * @return BM_SUCCESS; BM_EINVAL (x NULL); BM_ENONFINITE (u NaN/Inf);
 *         BM_EDOM (exp(u) overflows or underflows to 0). On failure outputs NaN.
 */
int bm_transform_log_inverse(double u, double *x, double *logjac);

/**
 * Chain rule through x = exp(u): g_u = x g_x, h_u = x^2 h_x + x g_x.
 * Also the derivatives of the log-Jacobian u: d/du = 1, d2/du2 = 0 (not added).
 * @param h_x, h_u  may be NULL together (gradient only)
 * @return BM_SUCCESS; BM_EINVAL (g_u NULL, or h_u NULL with h_x given);
 *         BM_ENONFINITE; BM_EDOM (as bm_transform_log_inverse, or g_u or h_u beyond
 *         DBL_MAX, e.g. x^2 h_x for u > ~355 when |h_x| ~ 1). Outputs NaN on failure.
 */
int bm_transform_log_chain(double u, double g_x, double h_x, double *g_u, double *h_u);

/* ---------------- (0,1) <-> logit ---------------- */

/**
 * u = log(x / (1 - x)).
 * @return BM_SUCCESS; BM_EINVAL; BM_ENONFINITE; BM_EDOM (x outside (0,1)).
 */
int bm_transform_logit_forward(double x, double *u);

/**
 * x = 1 / (1 + exp(-u)) and, when logjac is not NULL,
 * log|dx/du| = log x + log(1 - x) = -log(1+e^-u) - log(1+e^u) (stable for large |u|).
 * @return BM_SUCCESS; BM_EINVAL; BM_ENONFINITE; BM_EDOM (x rounds to 0 or 1).
 */
int bm_transform_logit_inverse(double u, double *x, double *logjac);

/**
 * Chain rule through x = logistic(u), with s = x(1-x) = dx/du:
 *   g_u = s g_x,  h_u = s^2 h_x + s (1 - 2x) g_x.
 * Derivatives of the log-Jacobian: d/du = 1 - 2x, d2/du2 = -2 s (not added).
 * s = e^-|u| / (1 + e^-|u|)^2 and 1 - 2x = -tanh(u/2) are computed from u,
 * not from the rounded x, so they keep full relative accuracy for every u
 * (also where x itself rounds to 1, u > ~36.7).
 * @return BM_SUCCESS; BM_EINVAL (g_u NULL); BM_ENONFINITE (u, g_x, or h_x
 *         when h_u is requested); BM_EDOM (|u| > ~708: s below DBL_MIN).
 *         Outputs NaN on failure.
 */
int bm_transform_logit_chain(double u, double g_x, double h_x, double *g_u, double *h_u);

/* ---------------- SPD matrix <-> log-Cholesky ---------------- */

/**
 * p from q = p(p+1)/2 (the length of a log-Cholesky vector).
 * @return p; 0 when q is not a triangular number (or q = 0).
 */
size_t bm_transform_logchol_dim(size_t q);

/**
 * theta = vech(Lt) of the SPD p x p Sigma (Sigma = L L^T, Lt_ii = log L_ii).
 * @param Sigma  p x p SPD (validated: symmetric within BM_SYM_RTOL, finite)
 * @param theta  out, length p(p+1)/2
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_ENOTSYM;
 *         BM_ENOTSPD. theta NaN on failure. Allocates only for p > 64.
 */
int bm_transform_logchol_forward(const gsl_matrix *Sigma, gsl_vector *theta);

/**
 * Sigma = L L^T from theta (and L itself when L is not NULL).
 * @param theta  length q = p(p+1)/2, finite
 * @param Sigma  out p x p (full symmetric); may be NULL when L is given
 * @param L      out p x p lower factor (strict upper zeroed); may be NULL
 * @return BM_SUCCESS; BM_EINVAL (theta NULL, or both outputs NULL);
 *         BM_EBADLEN (q not triangular, or outputs not p x p); BM_ENONFINITE
 *         (theta not finite); BM_EDOM (exp(theta_ii) overflows/underflows).
 *         Outputs NaN on failure. Allocates nothing.
 */
int bm_transform_logchol_inverse(const gsl_vector *theta, gsl_matrix *Sigma, gsl_matrix *L);

/**
 * log|det d vech(Sigma) / d theta| = p log 2 + sum_{i=1..p} (p - i + 2) theta_ii
 * and, when grad is not NULL, its gradient w.r.t. theta (p - i + 2 at the
 * diagonal positions, 0 elsewhere). Its Hessian is zero.
 * @return BM_SUCCESS; BM_EINVAL (theta or logjac NULL); BM_EBADLEN;
 *         BM_ENONFINITE. Outputs NaN on failure.
 */
int bm_transform_logchol_log_jacobian(const gsl_vector *theta, double *logjac, gsl_vector *grad);

/**
 * The Jacobian J = d vech(Sigma) / d theta (q x q; column a is vech of
 * dSigma/dtheta_a = dL L^T + L dL^T with dL = e_i e_j^T, times L_ii for a
 * diagonal coordinate). J is lower-triangular in vech order.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_EDOM. J NaN on failure.
 */
int bm_transform_logchol_jacobian(const gsl_vector *theta, gsl_matrix *J);

/**
 * Chain rule from vech(Sigma) coordinates (docs/conventions.md: a vech coordinate moves
 * Sigma_ij and Sigma_ji together, i.e. g_vech = D_p^T vec(G) for the
 * symmetric gradient G) to theta:
 *   g_theta = J^T g_vech,  computed as dF/dL = 2 G L (lower triangle),
 *   times L_ii on the diagonal;
 *   H_theta = J^T H_vech J + C(g),  C_ab = tr(G d2Sigma/dtheta_a dtheta_b)
 *   = 2 c_a c_b [j_a = j_b] G_{i_a i_b} + [a = b diagonal] 2 (G L)_ii L_ii,
 * (c_a = L_ii for a diagonal coordinate, 1 otherwise; (i_a, j_a) its entry of L).
 * @param theta   length q
 * @param g_vech  length q, the gradient w.r.t. vech(Sigma)
 * @param H_vech  q x q, the Hessian w.r.t. vech(Sigma); may be NULL together with H_theta
 * @param g_theta out length q; may be NULL
 * @param H_theta out q x q; may be NULL
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_EDOM;
 *         BM_ENOMEM (only p > 64). Outputs NaN on failure.
 */
int bm_transform_logchol_chain(const gsl_vector *theta, const gsl_vector *g_vech, const gsl_matrix *H_vech,
                               gsl_vector *g_theta, gsl_matrix *H_theta);

/* ---------------- maps of blocks and the Laplace helper ---------------- */

/** Kinds of blocks of a transform map. */
typedef enum {
  BM_TRANSFORM_IDENTITY = 0, /**< n unconstrained reals, x = u */
  BM_TRANSFORM_LOG = 1,      /**< n positive reals, x = exp(u) elementwise */
  BM_TRANSFORM_LOGIT = 2,    /**< n reals in (0,1), x = logistic(u) elementwise */
  BM_TRANSFORM_LOGCHOL = 3   /**< one SPD n x n matrix: x = vech(Sigma), u = log-Cholesky theta (length n(n+1)/2) */
} bm_transform_kind;

/** One block: its kind and n (number of scalars, or the matrix order for LOGCHOL). */
typedef struct {
  bm_transform_kind kind;
  size_t n;
} bm_transform_block;

/**
 * Total length of the parameter vector described by blocks (the same in
 * natural and unconstrained coordinates). 0 on a NULL/empty/invalid list.
 */
size_t bm_transform_map_dim(const bm_transform_block *blocks, size_t nblocks);

/**
 * u <- the unconstrained coordinates of the natural parameter x.
 * @return BM_SUCCESS; BM_EINVAL (NULL, no blocks, bad kind or n = 0);
 *         BM_EBADLEN; BM_ENONFINITE; BM_EDOM (x outside a block's domain);
 *         BM_ENOTSYM / BM_ENOTSPD (a LOGCHOL block). u NaN on failure.
 */
int bm_transform_map_forward(const bm_transform_block *blocks, size_t nblocks, const gsl_vector *x, gsl_vector *u);

/**
 * x <- x(u), and the total log|det dx/du| when logjac is not NULL.
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_EDOM. Outputs NaN on failure.
 */
int bm_transform_map_inverse(const bm_transform_block *blocks, size_t nblocks, const gsl_vector *u, gsl_vector *x,
                             double *logjac);

/**
 * Chain rule over a whole map: given g_x (and H_x) of f at x(u), write the
 * gradient (and Hessian) of u -> f(x(u)). Blocks are independent, so H_u's
 * cross-blocks are J_a^T (H_x)_ab J_b. Does NOT add the log-Jacobian.
 * @param H_x, H_u  may both be NULL (gradient only)
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_EDOM; BM_ENOMEM.
 *         Allocates a d x d scratch when H_u is requested.
 */
int bm_transform_map_chain(const bm_transform_block *blocks, size_t nblocks, const gsl_vector *u,
                           const gsl_vector *g_x, const gsl_matrix *H_x, gsl_vector *g_u, gsl_matrix *H_u);

/**
 * Gradient of the total log-Jacobian w.r.t. u (g += d logjac/du) and, when H
 * is not NULL, its Hessian (H += ...; nonzero only for logit blocks). The logit
 * terms 1 - 2x = -tanh(u/2) and -2x(1-x) are computed from u directly (full
 * relative accuracy at every u).
 * @return BM_SUCCESS; BM_EINVAL; BM_EBADLEN; BM_ENONFINITE; BM_EDOM.
 */
int bm_transform_map_log_jacobian_add(const bm_transform_block *blocks, size_t nblocks, const gsl_vector *u,
                                      gsl_vector *g, gsl_matrix *H);

/**
 * A target (log prior + log likelihood, up to the caller) written in natural
 * coordinates x, to be approximated in unconstrained coordinates u.
 * Callbacks return 0 on success, non-zero for "not defined here".
 * logf and grad are required; hess may be NULL (then the Laplace problem has
 * no Hessian and bm_laplace differentiates the gradient).
 * The gradient/Hessian w.r.t. an SPD block are in vech coordinates (docs/conventions.md).
 */
typedef struct {
  const bm_transform_block *blocks; /**< not copied: must outlive the problem */
  size_t nblocks;
  int (*logf)(const gsl_vector *x, void *params, double *f);
  int (*grad)(const gsl_vector *x, void *params, gsl_vector *g);
  int (*hess)(const gsl_vector *x, void *params, gsl_matrix *H); /**< may be NULL */
  void *params;
} bm_transformed_target;

/**
 * Fill prob so that bm_laplace approximates
 *   u -> logf(x(u)) + log|det dx/du|,
 * whose integral over u equals the integral of exp(logf) over x: the Laplace
 * log_evidence is then an approximation of log of the x-integral, and the
 * result's mode/cov are in u coordinates (map the mode back with
 * bm_transform_map_inverse). prob->params points at t, which must outlive
 * prob. Each callback evaluation allocates its scratch (thread-safe).
 * @return BM_SUCCESS; BM_EINVAL (NULL t/prob, NULL logf or grad, bad blocks).
 */
int bm_transform_laplace_problem(const bm_transformed_target *t, bm_laplace_problem *prob);

BM_END_DECLS
#endif
