/* bayesmat — Laplace approximation (docs/contract.md).
 *
 *   log Z ~ log f(m) + d/2 log 2 pi - 1/2 log|-H(m)|,   cov = (-H(m))^-1,
 * m the mode of log f, found by Newton's method with a modified-Cholesky
 * (shifted Hessian, Nocedal & Wright 2006, Alg. 3.3) and an Armijo
 * backtracking line search. -H's log-determinant and inverse come from one
 * Cholesky factor (bm_chol_logdet, bm_chol_inverse). Without a Hessian
 * callback, H is the symmetrized Jacobian of the gradient
 * (bm_fd_hessian_from_gradient). Details: docs/laplace.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_math.h>
#include "bayesmat/status.h"
#include "bayesmat/alloc.h"
#include "bayesmat/validate.h"
#include "bayesmat/linalg.h"
#include "bayesmat/fd.h"
#include "bayesmat/laplace.h"
#include "../src/error.h"

#include "internal.h"

void bm_laplace_options_default(bm_laplace_options *opts)
{
  if (!opts) return;
  opts->max_iter = 200;
  opts->grad_tol = 1e-9;
  opts->step_tol = 1e-12;
  opts->f_tol = 1e-14;
  opts->max_backtrack = 60;
  opts->fd.h0 = 0;
  opts->fd.levels = 0;
}

bm_laplace_result *bm_laplace_result_alloc(size_t dim)
{
  if (dim == 0) return NULL;
  bm_laplace_result *r = malloc(sizeof *r);
  if (!r) return NULL;
  r->mode = bm_vector_alloc(dim);
  r->cov = bm_matrix_alloc(dim, dim);
  if (!r->mode || !r->cov) {
    bm_laplace_result_free(r);
    return NULL;
  }
  gsl_vector_set_all(r->mode, NAN);
  gsl_matrix_set_all(r->cov, NAN);
  r->log_f_mode = NAN;
  r->log_evidence = NAN;
  r->iterations = 0;
  return r;
}

void bm_laplace_result_free(bm_laplace_result *r)
{
  if (!r) return;
  if (r->mode) bm_vector_free(r->mode);
  if (r->cov) bm_matrix_free(r->cov);
  free(r);
}

static int vector_finite(const gsl_vector *v)
{
  for (size_t i = 0; i < v->size; i++)
    if (!isfinite(VGET(v, i))) return 0;
  return 1;
}

static double norm_inf(const gsl_vector *v)
{
  double m = 0;
  for (size_t i = 0; i < v->size; i++) m = fmax(m, fabs(VGET(v, i)));
  return m;
}

/* f (and g when g != NULL) at theta; BM_EDOM on callback failure or a non-finite value */
/* a callback's non-zero return: BM_ENOMEM passes through, anything else is BM_EDOM */
static int callback_status(int st) { return st == BM_ENOMEM ? BM_ENOMEM : BM_EDOM; }

static int eval_fg(const bm_laplace_problem *prob, const gsl_vector *theta, double *f, gsl_vector *g)
{
  int st = prob->logf(theta, prob->params, f);
  if (st) return callback_status(st);
  if (!isfinite(*f)) return BM_EDOM;
  if (g) {
    st = prob->grad(theta, prob->params, g);
    if (st) return callback_status(st);
    if (!vector_finite(g)) return BM_EDOM;
  }
  return BM_SUCCESS;
}

/* H at theta (callback or FD of the gradient), symmetrized; BM_EDOM on failure */
static int eval_hess(const bm_laplace_problem *prob, const gsl_vector *theta, const bm_fd_options *fd, gsl_matrix *H)
{
  size_t d = prob->dim;
  if (prob->hess) {
    int st = prob->hess(theta, prob->params, H);
    if (st) return callback_status(st);
  } else {
    int st = bm_fd_hessian_from_gradient(prob->grad, prob->params, theta, fd, H, NULL);
    if (st == BM_ENOMEM) return st;
    if (st) return BM_EDOM;
  }
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < i; j++) {
      double a = MGET(H, i, j), b = MGET(H, j, i);
      if (!isfinite(a) || !isfinite(b)) return BM_EDOM;
      double s = 0.5 * (a + b);
      MGET(H, i, j) = s;
      MGET(H, j, i) = s;
    }
  for (size_t i = 0; i < d; i++)
    if (!isfinite(MGET(H, i, i))) return BM_EDOM;
  return BM_SUCCESS;
}

/* Factor A + tau I (A = -H) into L; *tau = the shift used (0 when A is PD). */
static int shifted_cholesky(const gsl_matrix *H, gsl_matrix *L, double *tau)
{
  size_t d = H->size1;
  double min_diag = INFINITY, max_abs = 0;
  for (size_t i = 0; i < d; i++) {
    double a = -MGET(H, i, i);
    min_diag = fmin(min_diag, a);
    max_abs = fmax(max_abs, fabs(a));
  }
  double beta = 1e-3 * fmax(1.0, max_abs);
  double t = 0.0;
  for (int attempt = 0; attempt < 100; attempt++) {
    for (size_t i = 0; i < d; i++)
      for (size_t j = 0; j <= i; j++) MGET(L, i, j) = -MGET(H, i, j) + (i == j ? t : 0.0);
    if (bm_chol_factor(L, L, NULL) == BM_SUCCESS) {
      *tau = t;
      return BM_SUCCESS;
    }
    t = t == 0.0 ? (min_diag > 0 ? beta : -min_diag + beta) : 10.0 * t;
    if (!isfinite(t)) break;
  }
  return BM_EDOM;
}

static void fail_result(bm_laplace_result *res)
{
  gsl_vector_set_all(res->mode, NAN);
  gsl_matrix_set_all(res->cov, NAN);
  res->log_f_mode = NAN;
  res->log_evidence = NAN;
}

int bm_laplace(const bm_laplace_problem *prob, const gsl_vector *theta0, const bm_laplace_options *opts,
               bm_laplace_result *res)
{
  if (!prob || !theta0 || !res || !res->mode || !res->cov) return BM_FAIL(BM_EINVAL, "%s is NULL", prob == NULL ? "prob" : theta0 == NULL ? "theta0" : res == NULL ? "res" : res->mode == NULL ? "res->mode" : "res->cov");
  res->iterations = 0;
  size_t d = prob->dim;
  int status = BM_SUCCESS;
  bm_laplace_options o;
  if (opts)
    o = *opts;
  else
    bm_laplace_options_default(&o);
  if (!prob->logf || !prob->grad || d == 0 || o.max_iter == 0 || !(o.grad_tol >= 0) || !(o.step_tol >= 0) ||
      !(o.f_tol >= 0) || !(o.fd.h0 >= 0))
    status = BM_FAIL(BM_EINVAL, "%s", !prob->logf || !prob->grad ? "prob->logf or prob->grad is NULL" : d == 0 ? "prob->dim is 0" : "opts: max_iter is 0 or a tolerance or fd.h0 is negative or NaN");
  else if (theta0->size != d || res->mode->size != d || res->cov->size1 != d || res->cov->size2 != d)
    status = BM_FAIL(BM_EBADLEN, "theta0 (length %zu), res->mode (%zu) or res->cov (%zu x %zu) does not match prob->dim = %zu", theta0->size, res->mode->size, res->cov->size1, res->cov->size2, d);
  else if (!vector_finite(theta0))
    status = BM_FAIL(BM_ENONFINITE, "theta0 has a NaN or Inf entry");
  if (status) {
    if (res->mode->size == res->cov->size1 && res->cov->size1 == res->cov->size2) fail_result(res);
    else {
      res->log_f_mode = NAN;
      res->log_evidence = NAN;
    }
    return status;
  }

  gsl_vector *theta = bm_vector_alloc(d), *g = bm_vector_alloc(d), *step = bm_vector_alloc(d),
             *trial = bm_vector_alloc(d), *gtrial = bm_vector_alloc(d);
  gsl_matrix *H = bm_matrix_alloc(d, d), *L = bm_matrix_alloc(d, d);
  if (!theta || !g || !step || !trial || !gtrial || !H || !L) {
    status = BM_ENOMEM;
    goto done;
  }
  gsl_vector_memcpy(theta, theta0);
  double f;
  status = eval_fg(prob, theta, &f, g);
  if (status) goto done;

  int converged = norm_inf(g) <= o.grad_tol;
  size_t it = 0;
  while (!converged) {
    if (it >= o.max_iter) {
      status = BM_ENOCONV;
      goto done;
    }
    status = eval_hess(prob, theta, &o.fd, H);
    if (status) goto done;
    double tau;
    status = shifted_cholesky(H, L, &tau);
    if (status) goto done;
    /* step = (-H + tau I)^-1 g: an ascent direction */
    gsl_vector_memcpy(step, g);
    bm_chol_solve_vector(L, step);
    double slope = 0; /* g^T step > 0 */
    for (size_t i = 0; i < d; i++) slope += VGET(g, i) * VGET(step, i);
    double step_norm = norm_inf(step), theta_norm = norm_inf(theta);
    int newton_small = tau == 0.0 && step_norm <= o.step_tol * (1.0 + theta_norm);
    /* Armijo backtracking; failing or non-finite trial points are rejected */
    double alpha = 1.0, ftrial = NAN;
    int accepted = 0, any_defined = 0;
    for (size_t bt = 0; bt <= o.max_backtrack; bt++, alpha *= 0.5) {
      for (size_t i = 0; i < d; i++) VGET(trial, i) = VGET(theta, i) + alpha * VGET(step, i);
      int st = eval_fg(prob, trial, &ftrial, NULL);
      if (st == BM_ENOMEM) {
        status = st;
        goto done;
      }
      if (st) continue;
      any_defined = 1;
      if (ftrial >= f + 1e-4 * alpha * slope) {
        accepted = 1;
        break;
      }
    }
    if (!accepted) {
      if (newton_small) { /* at roundoff level: the current point is the mode */
        converged = 1;
        break;
      }
      status = any_defined ? BM_ENOCONV : BM_EDOM;
      goto done;
    }
    {
      int st = prob->grad(trial, prob->params, gtrial);
      if (st || !vector_finite(gtrial)) {
        status = st ? callback_status(st) : BM_EDOM;
        goto done;
      }
    }
    it++;
    res->iterations = it;
    double df = ftrial - f;
    gsl_vector_memcpy(theta, trial);
    gsl_vector_memcpy(g, gtrial);
    f = ftrial;
    if (norm_inf(g) <= o.grad_tol)
      converged = 1;
    else if (tau == 0.0 && alpha == 1.0 && step_norm <= o.step_tol * (1.0 + norm_inf(theta)) &&
             fabs(df) <= o.f_tol * (1.0 + fabs(f)))
      converged = 1;
  }

  /* the Hessian at the mode: -H must be positive definite */
  status = eval_hess(prob, theta, &o.fd, H);
  if (status) goto done;
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j <= i; j++) MGET(L, i, j) = -MGET(H, i, j);
  if (bm_chol_factor(L, L, NULL) != BM_SUCCESS) {
    status = BM_ENOTSPD;
    goto done;
  }
  gsl_vector_memcpy(res->mode, theta);
  if (bm_chol_inverse(L, res->cov) != BM_SUCCESS) {
    status = BM_ENOTSPD;
    goto done;
  }
  /* -H positive definite but so small (e.g. 1e-323) that its inverse overflows:
   * the covariance is not representable; say so rather than return inf */
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++)
      if (!isfinite(gsl_matrix_get(res->cov, i, j))) {
        status = BM_ESING;
        goto done;
      }
  res->log_f_mode = f;
  res->log_evidence = f + 0.5 * (double)d * log(2.0 * M_PI) - 0.5 * bm_chol_logdet(L);

done:
  if (status) fail_result(res);
  bm_vector_free(theta);
  bm_vector_free(g);
  bm_vector_free(step);
  bm_vector_free(trial);
  bm_vector_free(gtrial);
  bm_matrix_free(H);
  bm_matrix_free(L);
  return status;
}
