/* bayesmat — finite differences and derivative checks for callers' functions.
 *
 * This answers "my gradient does not match finite differences": give the
 * function, the analytic gradient (and Hessian), and a point; the checkers
 * report the worst relative error and where it is.
 *
 * Engine: central differences with Richardson extrapolation (a Neville
 * tableau in h^2, step ratio 2, the best entry chosen by its own error
 * estimate, as in Ridders 1982). The initial step of coordinate i is
 * h0 * max(|x_i|, 1); when the function fails (returns non-zero or a
 * non-finite value) at a trial point, the step is halved, so functions with a
 * restricted domain (an SPD matrix, nu > p-1) can be differentiated near their
 * boundary. Second derivatives use the second central difference with the same
 * extrapolation; mixed partials come from the polarization
 * d^2/dt^2 f(x + t(e_i + e_j)) = H_ii + 2 H_ij + H_jj.
 *
 * Callbacks return 0 on success; any non-zero value means "not defined here".
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_FD_H
#define BAYESMAT_FD_H

#include <stddef.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>

#include "bayesmat/export.h"
BM_BEGIN_DECLS

/** Scalar function f(x). */
typedef int (*bm_fn_scalar)(const gsl_vector *x, void *params, double *f);
/** Vector function (e.g. a gradient) g(x), output of a fixed length. */
typedef int (*bm_fn_vector)(const gsl_vector *x, void *params, gsl_vector *g);
/** Matrix function (e.g. a Hessian) H(x). */
typedef int (*bm_fn_matrix)(const gsl_vector *x, void *params, gsl_matrix *H);

/** Options of the engine; a NULL pointer means all defaults. */
typedef struct {
  double h0;      /**< initial relative step; 0 means the default 1e-2 */
  size_t levels;  /**< tableau size (step halvings); 0 means the default 10 */
} bm_fd_options;

/**
 * Gradient of f at x by extrapolated central differences.
 * @param f,params  the function; params is passed through
 * @param x         the point, length n (not modified)
 * @param opts      NULL for defaults
 * @param grad      out, length n
 * @param err       out, may be NULL: length n, the engine's error estimate
 * @return BM_SUCCESS; BM_EINVAL (NULL f, x or grad); BM_EBADLEN; BM_ENONFINITE
 *         (x not finite); BM_EDOM (f fails at x, or at every step tried);
 *         BM_ENOMEM. On failure grad is filled with NaN.
 */
int bm_fd_gradient(bm_fn_scalar f, void *params, const gsl_vector *x, const bm_fd_options *opts,
                   gsl_vector *grad, gsl_vector *err);

/**
 * Jacobian J_ij = d g_i / d x_j of a vector function g: R^n -> R^m at x.
 * @param m     length of g's output
 * @param J     out, m x n;  err: out, may be NULL, m x n
 * @return as bm_fd_gradient.
 */
int bm_fd_jacobian(bm_fn_vector g, void *params, size_t m, const gsl_vector *x, const bm_fd_options *opts,
                   gsl_matrix *J, gsl_matrix *err);

/**
 * Hessian of f at x from function values only (second differences and
 * polarization); symmetric by construction. Costs O(n^2) tableaux.
 * @param H  out n x n;  err: out, may be NULL, n x n
 * @return as bm_fd_gradient.
 */
int bm_fd_hessian(bm_fn_scalar f, void *params, const gsl_vector *x, const bm_fd_options *opts, gsl_matrix *H,
                  gsl_matrix *err);

/**
 * Hessian of f at x as the symmetrized Jacobian of the caller's gradient
 * (more accurate than bm_fd_hessian; what bm_laplace uses without a Hessian).
 * @return as bm_fd_gradient.
 */
int bm_fd_hessian_from_gradient(bm_fn_vector grad, void *params, const gsl_vector *x, const bm_fd_options *opts,
                                gsl_matrix *H, gsl_matrix *err);

/** Options of the checkers; NULL means all defaults. */
typedef struct {
  bm_fd_options fd;       /**< engine options */
  size_t n_directions;    /**< random directions checked besides the coordinates; 0: default 4 */
  unsigned long seed;     /**< seed of the random directions (0 is a valid seed) */
  /** optional: project a random direction onto the admissible set (e.g.
   *  symmetrize the part that is a vec'd symmetric matrix); may be NULL */
  void (*project)(gsl_vector *direction, void *params);
  double tol;             /**< pass/fail threshold on the worst relative error; 0: default 1e-6 */
} bm_check_options;

/**
 * What a check found. Relative error of a compared quantity a (analytic)
 * against d (numeric): |a - d| / max(|a|, |d|, floor), where floor is 1e-3
 * times the largest |d| of the same comparison (so an exactly-zero entry is
 * judged against the scale of its neighbours, not against roundoff), and for
 * a directional derivative sum_i |g_i v_i|.
 */
typedef struct {
  double worst_rel_err;   /**< the largest relative error found */
  size_t worst_index;     /**< where: coordinate i (gradient), or i*n+j (Hessian), or n*n + k / n + k for direction k */
  int worst_is_direction; /**< 1 when the worst came from random direction k (see worst_index) */
  double analytic;        /**< the analytic value at the worst place */
  double numeric;         /**< the finite-difference value at the worst place */
  double numeric_err;     /**< the engine's error estimate there */
  size_t n_compared;      /**< number of comparisons made */
  int passed;             /**< worst_rel_err <= tol */
} bm_check_result;

/**
 * Compare a caller's gradient with finite differences of f, coordinate by
 * coordinate and along random directions.
 * @return BM_SUCCESS (the check ran: read res->passed); BM_EINVAL; BM_EBADLEN;
 *         BM_ENONFINITE; BM_EDOM (f or grad fails at x); BM_ENOMEM.
 */
int bm_check_gradient(bm_fn_scalar f, bm_fn_vector grad, void *params, const gsl_vector *x,
                      const bm_check_options *opts, bm_check_result *res);

/**
 * Compare a caller's Hessian with finite differences: of grad when grad is
 * not NULL (Jacobian of the gradient), else of f (second differences).
 * Random directions compare H v with the directional difference of grad
 * (only when grad is given).
 * @return as bm_check_gradient.
 */
int bm_check_hessian(bm_fn_scalar f, bm_fn_vector grad, bm_fn_matrix hess, void *params, const gsl_vector *x,
                     const bm_check_options *opts, bm_check_result *res);

/** What the Taylor-remainder test found. */
typedef struct {
  double slope;        /**< fitted slope of log r(h) against log h; ~2 when the gradient is right, ~1 when wrong */
  size_t n_used;       /**< how many step sizes were above roundoff and fitted */
  int at_roundoff;     /**< 1 when r(h) stayed at roundoff (f linear along v): consistent, slope NaN */
  int passed;          /**< slope >= 1.8, or at_roundoff */
} bm_taylor_result;

/**
 * Step-size-free gradient test: r(h) = |f(x + h v) - f(x) - h g^T v| must
 * shrink as h^2 for a correct gradient g (as h for a wrong one). Steps
 * h = h0 2^-k, k = 0..19, with h0 = 1e-1 / |v|_inf shrunk until f is defined;
 * the slope is fitted over the steps whose r(h) is above 1e3 eps |f(x)|.
 * @param v  the direction; NULL: a random one (seed from opts, else 0)
 * @return BM_SUCCESS (read res->passed); BM_EINVAL; BM_EBADLEN;
 *         BM_ENONFINITE; BM_EDOM (f or grad fails at x); BM_ENOMEM.
 */
int bm_check_taylor(bm_fn_scalar f, bm_fn_vector grad, void *params, const gsl_vector *x, const gsl_vector *v,
                    const bm_check_options *opts, bm_taylor_result *res);

BM_END_DECLS
#endif
