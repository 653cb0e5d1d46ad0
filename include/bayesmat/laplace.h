/* bayesmat — Laplace approximation (docs/contract.md).
 *
 * Given an unnormalized log-density log f(theta) on R^d, find the mode
 * theta_hat by a safeguarded Newton method and approximate
 *   log int f = log f(theta_hat) + d/2 log 2 pi - 1/2 log|-H(theta_hat)|,
 * with the posterior covariance (-H)^-1, both from one Cholesky factor of -H.
 * The approximation is exact for Gaussian f. SPD-matrix, positive and (0,1)
 * parameters go through include/bayesmat/transform.h first.
 * Algorithm and criteria: docs/laplace.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_LAPLACE_H
#define BAYESMAT_LAPLACE_H

#include <stddef.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include "bayesmat/fd.h"

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/**
 * The target. Callbacks return 0 on success and non-zero for "not defined
 * here" (e.g. outside a domain). logf and grad are required; hess may be NULL,
 * in which case the Hessian is the symmetrized finite-difference Jacobian of
 * grad (bm_fd_hessian_from_gradient). grad is d log f / d theta (length dim),
 * hess is d^2 log f / d theta d theta^T (dim x dim; its lower triangle is
 * symmetrized with the upper one).
 */
typedef struct {
  size_t dim;
  int (*logf)(const gsl_vector *theta, void *params, double *f);
  int (*grad)(const gsl_vector *theta, void *params, gsl_vector *g);
  int (*hess)(const gsl_vector *theta, void *params, gsl_matrix *H); /* may be NULL */
  void *params;
} bm_laplace_problem;

/** The result; allocate with bm_laplace_result_alloc(dim). */
typedef struct {
  gsl_vector *mode;    /* dim */
  gsl_matrix *cov;     /* (−H)⁻¹ at the mode */
  double log_f_mode;
  double log_evidence; /* log f(θ̂) + dim/2·log 2π − ½ log|−H(θ̂)| */
  size_t iterations;
} bm_laplace_result;

/**
 * Options of bm_laplace. Fill with bm_laplace_options_default and adjust.
 * The iteration stops successfully at the first iterate theta_k where
 *   (a) ||g(theta_k)||_inf <= grad_tol, or
 *   (b) the last step was a full, unshifted Newton step (-H positive definite,
 *       step length 1) with ||theta_k - theta_{k-1}||_inf <= step_tol (1 + ||theta_k||_inf)
 *       and |f(theta_k) - f(theta_{k-1})| <= f_tol (1 + |f(theta_k)|), or
 *   (c) the line search cannot improve f any more (roundoff) while the
 *       Newton step already satisfies the step criterion of (b).
 * It stops with BM_ENOCONV after max_iter Newton steps.
 */
typedef struct {
  size_t max_iter;   /**< maximum Newton steps (default 200; must be >= 1) */
  double grad_tol;   /**< absolute sup-norm gradient tolerance (default 1e-9) */
  double step_tol;   /**< relative step tolerance (default 1e-12) */
  double f_tol;      /**< relative change-in-f tolerance (default 1e-14) */
  size_t max_backtrack; /**< line-search halvings per step (default 60) */
  bm_fd_options fd;  /**< options of the finite-difference Hessian (hess NULL) */
} bm_laplace_options;

/** Fill *opts with the defaults above (no-op on NULL). */
void bm_laplace_options_default(bm_laplace_options *opts);

/**
 * Allocate a result for dimension dim (mode, cov allocated, scalars NaN).
 * @return NULL when dim == 0 or out of memory.
 */
bm_laplace_result *bm_laplace_result_alloc(size_t dim);

/** Free a result (NULL is fine). */
void bm_laplace_result_free(bm_laplace_result *r);

/**
 * Laplace approximation of exp(logf) around its mode.
 *
 * Method: Newton's method on log f with a backtracking (Armijo) line search.
 * At each iterate A = -H is Cholesky-factorized; when it is not positive
 * definite, A + tau I is used instead, tau starting at
 * max(0, -min_i A_ii) + 1e-3 max(1, max_i |A_ii|) and growing tenfold until
 * the factorization succeeds (a steepest-ascent-like step for large tau).
 * A line-search trial point where a callback fails or returns a non-finite
 * value is rejected (the step is halved). After convergence the Hessian at
 * the mode is computed afresh and -H must be positive definite.
 *
 * @param prob    the target (dim >= 1, logf and grad non-NULL)
 * @param theta0  starting point, length dim, finite
 * @param opts    NULL for the defaults
 * @param res     from bm_laplace_result_alloc(dim); on success: mode,
 *                cov = (-H)^-1 (full symmetric), log_f_mode, log_evidence,
 *                iterations (Newton steps taken).
 * @return BM_SUCCESS;
 *         BM_EINVAL (NULL prob/theta0/res/logf/grad, dim 0, invalid options:
 *                    max_iter 0 or a negative/NaN tolerance);
 *         BM_EBADLEN (theta0 or res not of length dim);
 *         BM_ENONFINITE (theta0 not finite);
 *         BM_EDOM (a callback fails or gives a non-finite value at theta0 or
 *                  at an accepted iterate, or every line-search trial fails);
 *         BM_ENOCONV (max_iter steps without convergence, or the line search
 *                     stalls far from a stationary point);
 *         BM_ENOTSPD (-H at the final point is not positive definite: a
 *                     saddle or minimum, never a negated covariance);
 *         BM_ESING (-H positive definite but its inverse overflows, e.g. a
 *                   curvature of 1e-320: the covariance is not representable);
 *         BM_ENOMEM (also when a callback returns BM_ENOMEM).
 *         On failure res->mode and res->cov are NaN-filled, log_f_mode and
 *         log_evidence are NaN, and iterations holds the steps taken.
 *         Allocates O(dim^2) scratch.
 */
int bm_laplace(const bm_laplace_problem *prob, const gsl_vector *theta0, const bm_laplace_options *opts,
               bm_laplace_result *res);

BM_END_DECLS
#endif
