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

/** Why bm_laplace stopped (bm_laplace_result.reason; named by bm_laplace_reason_name). */
typedef enum {
  BM_LAPLACE_NOT_RUN = 0,     /**< invalid arguments: nothing was evaluated */
  BM_LAPLACE_DECREMENT = 1,   /**< converged: lambda^2/2 at the rounding level of f (f_tol) */
  BM_LAPLACE_STEP = 2,        /**< converged: the Newton step at the rounding level of theta (step_tol) */
  BM_LAPLACE_GRADIENT = 3,    /**< converged: ||g||_inf <= grad_tol */
  BM_LAPLACE_MAX_ITER = 4,    /**< BM_ENOCONV: max_iter Newton steps taken */
  BM_LAPLACE_LINE_SEARCH = 5, /**< BM_ENOCONV (BM_EDOM if no trial point was defined): no acceptable point */
  BM_LAPLACE_CALLBACK = 6,    /**< BM_EDOM/BM_ENOMEM: a callback failed or gave a non-finite value */
  BM_LAPLACE_HESSIAN = 7,     /**< BM_EDOM: -H + tau I could not be factorized for any finite shift */
  BM_LAPLACE_NOT_MAXIMUM = 8, /**< BM_ENOTSPD: -H not positive definite at the final point */
  BM_LAPLACE_COV_OVERFLOW = 9,/**< BM_ESING: (-H)^-1 not representable */
  BM_LAPLACE_NO_MEMORY = 10   /**< BM_ENOMEM: scratch allocation failed */
} bm_laplace_reason;

/**
 * The result; allocate with bm_laplace_result_alloc(dim). The fields after
 * iterations are the record of the run, filled on success and on failure
 * (see bm_laplace for what a failed run keeps).
 */
typedef struct {
  gsl_vector *mode;    /* dim */
  gsl_matrix *cov;     /* (−H)⁻¹ at the mode */
  double log_f_mode;
  double log_evidence; /* log f(θ̂) + dim/2·log 2π − ½ log|−H(θ̂)| */
  size_t iterations;
  bm_laplace_reason reason; /* why it stopped */
  double grad_norm;    /* ||g||_inf at the returned point (NaN if none) */
  double lambda2;      /* Newton decrement g^T (-H)^-1 g there; NaN where -H is not positive definite */
  size_t n_logf;       /* calls of prob->logf */
  size_t n_grad;       /* calls of prob->grad (those of the finite-difference Hessian included) */
  size_t n_hess;       /* calls of prob->hess */
} bm_laplace_result;

/**
 * Options of bm_laplace. Fill with bm_laplace_options_default and adjust.
 * With lambda^2 = g^T (-H)^-1 g the Newton decrement (-H positive definite),
 * the iteration is at the rounding level at theta_k when
 *   (a) lambda^2 / 2 <= f_tol (1 + |f(theta_k)|)  (the gain a Newton step
 *       promises is below the rounding of f), or
 *   (b) the Newton step s satisfies ||s||_inf <= step_tol (1 + ||theta_k||_inf);
 * one last full Newton step is then taken when it does not raise the decrement
 * and the run stops successfully. It also stops successfully when
 *   (c) ||g(theta_k)||_inf <= grad_tol (absolute; 0 by default, i.e. only an
 *       exactly zero gradient).
 * It stops with BM_ENOCONV when max_iter Newton steps were taken first.
 */
typedef struct {
  size_t max_iter;   /**< maximum Newton steps (default 200; must be >= 1) */
  double grad_tol;   /**< absolute sup-norm gradient tolerance (default 0: off but for g = 0) */
  double step_tol;   /**< relative step tolerance (default 1e-12) */
  double f_tol;      /**< relative rounding level of f, the scale of criterion (a) (default 1e-14) */
  size_t max_backtrack; /**< line-search halvings per step (default 60) */
  bm_fd_options fd;  /**< options of the finite-difference Hessian (hess NULL) */
} bm_laplace_options;

/** Fill *opts with the defaults above (no-op on NULL). */
void bm_laplace_options_default(bm_laplace_options *opts);

/**
 * Allocate a result for dimension dim (mode, cov allocated and NaN, scalars
 * NaN, counters 0, reason BM_LAPLACE_NOT_RUN).
 * @return NULL when dim == 0 or out of memory.
 */
bm_laplace_result *bm_laplace_result_alloc(size_t dim);

/** Free a result (NULL is fine). */
void bm_laplace_result_free(bm_laplace_result *r);

/**
 * A short English description of a stop reason, for messages.
 * @param reason  any value; one outside the enum gives "unknown reason"
 * @return a static string (never NULL)
 */
const char *bm_laplace_reason_name(bm_laplace_reason reason);

/**
 * Laplace approximation of exp(logf) around its mode.
 *
 * Method: Newton's method on log f with a backtracking line search. At each
 * iterate A = -H is Cholesky-factorized; when it is not positive definite,
 * A + tau I is used instead, tau starting at
 * max(0, -min_i A_ii) + 1e-3 max(1, max_i |A_ii|) and growing tenfold until
 * the factorization succeeds (a steepest-ascent-like step for large tau).
 * A trial point is accepted by the Armijo test on f or, once the gain it
 * promises is within 100 times the rounding level f_tol (1 + |f|) of f (and
 * tau = 0), by a decrease of g^T A^-1 g: f can no longer rank such points.
 * A trial point where a callback fails or returns a non-finite value is
 * rejected (the step is halved). Stopping rules: bm_laplace_options. After
 * convergence -H at the mode must be positive definite.
 *
 * @param prob    the target (dim >= 1, logf and grad non-NULL)
 * @param theta0  starting point, length dim, finite
 * @param opts    NULL for the defaults
 * @param res     from bm_laplace_result_alloc(dim); on success: mode,
 *                cov = (-H)^-1 (full symmetric), log_f_mode, log_evidence,
 *                iterations (Newton steps taken), and the record: reason,
 *                grad_norm, lambda2 and the call counts.
 * @return BM_SUCCESS;
 *         BM_EINVAL (NULL prob/theta0/res/logf/grad, dim 0, invalid options:
 *                    max_iter 0 or a negative/NaN tolerance);
 *         BM_EBADLEN (theta0 or res not of length dim);
 *         BM_ENONFINITE (theta0 not finite);
 *         BM_EDOM (a callback fails or gives a non-finite value at theta0 or
 *                  at an accepted iterate, or every line-search trial fails,
 *                  or -H + tau I cannot be factorized);
 *         BM_ENOCONV (max_iter steps without convergence, or the line search
 *                     stalls far from a stationary point);
 *         BM_ENOTSPD (-H at the final point is not positive definite: a
 *                     saddle or minimum, never a negated covariance);
 *         BM_ESING (-H positive definite but its inverse overflows, e.g. a
 *                   curvature of 1e-320: the covariance is not representable);
 *         BM_ENOMEM (also when a callback returns BM_ENOMEM).
 *         On failure log_evidence is NaN and the work is kept: when log f and
 *         its gradient were finite at theta0, mode holds the last accepted
 *         iterate (log_f_mode there, never below log f(theta0)), cov its
 *         (-H)^-1 where -H is positive definite there (else NaN), and
 *         reason, grad_norm, lambda2, iterations and the call counts say why
 *         and at what cost it stopped. Otherwise (invalid arguments, or a
 *         callback failing at theta0) mode and cov are NaN-filled.
 *         Allocates O(dim^2) scratch.
 */
int bm_laplace(const bm_laplace_problem *prob, const gsl_vector *theta0, const bm_laplace_options *opts,
               bm_laplace_result *res);

BM_END_DECLS
#endif
