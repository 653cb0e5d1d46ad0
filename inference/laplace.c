/* bayesmat — Laplace approximation (docs/contract.md).
 *
 *   log Z ~ log f(m) + d/2 log 2 pi - 1/2 log|-H(m)|,   cov = (-H(m))^-1,
 * m the mode of log f, found by Newton's method with a modified-Cholesky
 * (shifted Hessian, Nocedal & Wright 2006, Alg. 3.3) and a backtracking line
 * search. It stops on the Newton decrement lambda^2 = g^T (-H)^-1 g, which is
 * affine invariant: the predicted gain of f is lambda^2/2, so once that is at
 * the rounding level of f no f comparison can say more, and one last Newton
 * step, judged by the gradient, finishes the job. -H's log-determinant and
 * inverse come from one Cholesky factor (bm_chol_logdet, bm_chol_inverse).
 * Without a Hessian callback, H is the symmetrized Jacobian of the gradient
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

/* Armijo constant, and how far beyond the estimated rounding level of f the
 * line search still trusts the gradient instead of f (the estimate
 * f_tol (1 + |f|) is a guess: sums with cancellation round worse) */
#define ARMIJO 1e-4
#define NOISE_BAND 100.0

void bm_laplace_options_default(bm_laplace_options *opts)
{
  if (!opts) return;
  opts->max_iter = 200;
  opts->grad_tol = 0.0;
  opts->step_tol = 1e-12;
  opts->f_tol = 1e-14;
  opts->max_backtrack = 60;
  opts->fd.h0 = 0;
  opts->fd.levels = 0;
}

static void clear_record(bm_laplace_result *r)
{
  r->log_f_mode = NAN;
  r->log_evidence = NAN;
  r->iterations = 0;
  r->reason = BM_LAPLACE_NOT_RUN;
  r->grad_norm = NAN;
  r->lambda2 = NAN;
  r->n_logf = r->n_grad = r->n_hess = 0;
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
  clear_record(r);
  return r;
}

void bm_laplace_result_free(bm_laplace_result *r)
{
  if (!r) return;
  if (r->mode) bm_vector_free(r->mode);
  if (r->cov) bm_matrix_free(r->cov);
  free(r);
}

const char *bm_laplace_reason_name(bm_laplace_reason reason)
{
  switch (reason) {
  case BM_LAPLACE_NOT_RUN: return "not run (invalid arguments)";
  case BM_LAPLACE_DECREMENT: return "Newton decrement at the rounding level of log f";
  case BM_LAPLACE_STEP: return "Newton step at the rounding level of theta";
  case BM_LAPLACE_GRADIENT: return "gradient below grad_tol";
  case BM_LAPLACE_MAX_ITER: return "max_iter Newton steps taken";
  case BM_LAPLACE_LINE_SEARCH: return "line search found no acceptable point";
  case BM_LAPLACE_CALLBACK: return "a callback failed or gave a non-finite value";
  case BM_LAPLACE_HESSIAN: return "the shifted Hessian could not be factorized";
  case BM_LAPLACE_NOT_MAXIMUM: return "-H not positive definite at the final point";
  case BM_LAPLACE_COV_OVERFLOW: return "covariance (-H)^-1 overflows";
  case BM_LAPLACE_NO_MEMORY: return "out of memory";
  }
  return "unknown reason";
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

static double dot(const gsl_vector *a, const gsl_vector *b)
{
  double s = 0;
  for (size_t i = 0; i < a->size; i++) s += VGET(a, i) * VGET(b, i);
  return s;
}

/* the problem and its call counters; the counting gradient is also what the
 * finite-difference Hessian calls, so its gradient calls are counted too */
typedef struct {
  const bm_laplace_problem *prob;
  size_t n_logf, n_grad, n_hess;
} counted;

static int counted_grad(const gsl_vector *theta, void *c, gsl_vector *g)
{
  counted *cp = c;
  cp->n_grad++;
  return cp->prob->grad(theta, cp->prob->params, g);
}

/* a callback's non-zero return: BM_ENOMEM passes through, anything else is BM_EDOM */
static int callback_status(int st) { return st == BM_ENOMEM ? BM_ENOMEM : BM_EDOM; }

static int eval_f(counted *c, const gsl_vector *theta, double *f)
{
  c->n_logf++;
  int st = c->prob->logf(theta, c->prob->params, f);
  if (st) return callback_status(st);
  return isfinite(*f) ? BM_SUCCESS : BM_EDOM;
}

static int eval_g(counted *c, const gsl_vector *theta, gsl_vector *g)
{
  int st = counted_grad(theta, c, g);
  if (st) return callback_status(st);
  return vector_finite(g) ? BM_SUCCESS : BM_EDOM;
}

/* H at theta (callback or FD of the gradient), symmetrized; BM_EDOM on failure */
static int eval_hess(counted *c, const gsl_vector *theta, const bm_fd_options *fd, gsl_matrix *H)
{
  const bm_laplace_problem *prob = c->prob;
  size_t d = prob->dim;
  if (prob->hess) {
    c->n_hess++;
    int st = prob->hess(theta, prob->params, H);
    if (st) return callback_status(st);
  } else {
    int st = bm_fd_hessian_from_gradient(counted_grad, c, theta, fd, H, NULL);
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

/* g^T (L L^T)^-1 g = |L^-1 g|^2 with w as scratch: never negative, and +inf
 * when it overflows (g and L are finite, so a NaN can only come from inf - inf
 * inside the solve) */
static double merit(const gsl_matrix *L, const gsl_vector *g, gsl_vector *w)
{
  gsl_vector_memcpy(w, g);
  bm_chol_whiten_vector(L, w);
  double m = dot(w, w);
  return isnan(m) ? INFINITY : m;
}

/* The covariance and decrement at the returned point from H there: cov =
 * (-H)^-1 when -H is positive definite and its inverse finite. Returns
 * BM_ENOTSPD / BM_ESING as the final-point checks require; on those, cov is
 * NaN. L receives the factor of -H. */
static int cov_at(const gsl_matrix *H, const gsl_vector *g, gsl_matrix *L, gsl_vector *w, bm_laplace_result *res)
{
  size_t d = H->size1;
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j <= i; j++) MGET(L, i, j) = -MGET(H, i, j);
  if (bm_chol_factor(L, L, NULL) != BM_SUCCESS || bm_chol_inverse(L, res->cov) != BM_SUCCESS) {
    gsl_matrix_set_all(res->cov, NAN);
    return BM_ENOTSPD;
  }
  res->lambda2 = merit(L, g, w);
  /* -H positive definite but so small (e.g. 1e-323) that its inverse
   * overflows: the covariance is not representable; say so rather than return inf */
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++)
      if (!isfinite(MGET(res->cov, i, j))) {
        gsl_matrix_set_all(res->cov, NAN);
        return BM_ESING;
      }
  return BM_SUCCESS;
}

int bm_laplace(const bm_laplace_problem *prob, const gsl_vector *theta0, const bm_laplace_options *opts,
               bm_laplace_result *res)
{
  if (!prob || !theta0 || !res || !res->mode || !res->cov) return BM_FAIL(BM_EINVAL, "%s is NULL", prob == NULL ? "prob" : theta0 == NULL ? "theta0" : res == NULL ? "res" : res->mode == NULL ? "res->mode" : "res->cov");
  clear_record(res);
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
    if (res->mode->size == res->cov->size1 && res->cov->size1 == res->cov->size2) {
      gsl_vector_set_all(res->mode, NAN);
      gsl_matrix_set_all(res->cov, NAN);
    }
    return status;
  }

  counted c = {prob, 0, 0, 0};
  bm_laplace_reason reason = BM_LAPLACE_NO_MEMORY;
  /* have: theta holds a point with finite f and g (the best so far);
   * h_state: 1 = H holds the Hessian at theta, -1 = it failed there, 0 = not evaluated */
  int have = 0, h_state = 0;
  size_t it = 0;
  double f = NAN, f0 = NAN;
  gsl_vector *theta = bm_vector_alloc(d), *g = bm_vector_alloc(d), *step = bm_vector_alloc(d),
             *trial = bm_vector_alloc(d), *gtrial = bm_vector_alloc(d), *w = bm_vector_alloc(d);
  gsl_matrix *H = bm_matrix_alloc(d, d), *L = bm_matrix_alloc(d, d);
  if (!theta || !g || !step || !trial || !gtrial || !w || !H || !L) {
    status = BM_ENOMEM;
    goto done;
  }
  gsl_vector_memcpy(theta, theta0);
  reason = BM_LAPLACE_CALLBACK;
  status = eval_f(&c, theta, &f);
  if (status) goto done;
  f0 = f;
  status = eval_g(&c, theta, g);
  if (status) goto done;
  have = 1;

  int converged = norm_inf(g) <= o.grad_tol;
  if (converged) reason = BM_LAPLACE_GRADIENT;
  while (!converged) {
    status = eval_hess(&c, theta, &o.fd, H);
    if (status) {
      h_state = -1;
      reason = BM_LAPLACE_CALLBACK;
      goto done;
    }
    h_state = 1;
    double tau;
    status = shifted_cholesky(H, L, &tau);
    if (status) {
      reason = BM_LAPLACE_HESSIAN;
      goto done;
    }
    /* step = (-H + tau I)^-1 g: an ascent direction; slope = g^T step = lambda^2 when tau = 0 */
    gsl_vector_memcpy(step, g);
    bm_chol_solve_vector(L, step);
    double slope = merit(L, g, w);
    double noise = o.f_tol * (1.0 + fabs(f));
    if (tau == 0.0 && (0.5 * slope <= noise || norm_inf(step) <= o.step_tol * (1.0 + norm_inf(theta)))) {
      /* At the rounding level: f can no longer judge a step, the gradient
       * can. One last full Newton step, kept when it does not raise the
       * decrement (measured with this factor) nor lose f beyond rounding. */
      reason = 0.5 * slope <= noise ? BM_LAPLACE_DECREMENT : BM_LAPLACE_STEP;
      converged = 1;
      if (!(slope > 0) || it >= o.max_iter) break;
      for (size_t i = 0; i < d; i++) VGET(trial, i) = VGET(theta, i) + VGET(step, i);
      double ft;
      int st = eval_f(&c, trial, &ft);
      if (!st) st = eval_g(&c, trial, gtrial);
      if (st == BM_ENOMEM) {
        status = st;
        reason = BM_LAPLACE_CALLBACK;
        goto done;
      }
      if (!st && ft >= f0 && ft >= f - NOISE_BAND * noise && merit(L, gtrial, w) <= slope) {
        gsl_vector_memcpy(theta, trial);
        gsl_vector_memcpy(g, gtrial);
        f = ft;
        it++;
        h_state = 0;
      }
      break;
    }
    if (it >= o.max_iter) {
      status = BM_ENOCONV;
      reason = BM_LAPLACE_MAX_ITER;
      goto done;
    }
    /* Backtracking. A trial is accepted by the Armijo test on f, or, while
     * the predicted gain is within the band of f's rounding (and -H is
     * positive definite), by a decrease of the decrement measured with this
     * factor: there f differences are rounding and cannot rank points. Trial
     * points where a callback fails or gives a non-finite value are rejected. */
    double alpha = 1.0, ftrial = NAN;
    int accepted = 0, any_defined = 0, g_done = 0;
    for (size_t bt = 0; bt <= o.max_backtrack; bt++, alpha *= 0.5) {
      for (size_t i = 0; i < d; i++) VGET(trial, i) = VGET(theta, i) + alpha * VGET(step, i);
      int st = eval_f(&c, trial, &ftrial);
      if (st == BM_ENOMEM) {
        status = st;
        goto done;
      }
      if (st) continue;
      any_defined = 1;
      if (ftrial >= f + ARMIJO * alpha * slope) {
        accepted = 1;
        break;
      }
      if (tau == 0.0 && alpha * slope <= NOISE_BAND * noise && ftrial >= f - NOISE_BAND * noise && ftrial >= f0) {
        st = eval_g(&c, trial, gtrial);
        if (st == BM_ENOMEM) {
          status = st;
          goto done;
        }
        if (!st && merit(L, gtrial, w) <= (1.0 - ARMIJO * alpha) * slope) {
          accepted = g_done = 1;
          break;
        }
      }
    }
    if (!accepted) {
      status = any_defined ? BM_ENOCONV : BM_EDOM;
      reason = BM_LAPLACE_LINE_SEARCH;
      goto done;
    }
    if (!g_done) {
      status = eval_g(&c, trial, gtrial);
      if (status) {
        reason = BM_LAPLACE_CALLBACK;
        goto done;
      }
    }
    it++;
    gsl_vector_memcpy(theta, trial);
    gsl_vector_memcpy(g, gtrial);
    f = ftrial;
    h_state = 0;
    if (norm_inf(g) <= o.grad_tol) {
      converged = 1;
      reason = BM_LAPLACE_GRADIENT;
    }
  }

  /* the Hessian at the mode: -H must be positive definite */
  if (h_state == 0) {
    status = eval_hess(&c, theta, &o.fd, H);
    if (status) {
      h_state = -1;
      reason = BM_LAPLACE_CALLBACK;
      goto done;
    }
  }
  status = cov_at(H, g, L, w, res);
  h_state = 2; /* cov (or its absence) settled */
  if (status) {
    reason = status == BM_ESING ? BM_LAPLACE_COV_OVERFLOW : BM_LAPLACE_NOT_MAXIMUM;
    goto done;
  }
  res->log_evidence = f + 0.5 * (double)d * log(2.0 * M_PI) - 0.5 * bm_chol_logdet(L);

done:
  /* Failure keeps the work: the last accepted iterate (f never below f(theta0))
   * with its covariance where -H is positive definite there. */
  if (have) {
    gsl_vector_memcpy(res->mode, theta);
    res->log_f_mode = f;
    res->grad_norm = norm_inf(g);
    if (status && h_state < 2) {
      int hs = h_state;
      if (hs == 0 && status != BM_ENOMEM) hs = eval_hess(&c, theta, &o.fd, H) == BM_SUCCESS ? 1 : -1;
      if (hs != 1 || cov_at(H, g, L, w, res) != BM_SUCCESS) gsl_matrix_set_all(res->cov, NAN);
    }
  } else {
    gsl_vector_set_all(res->mode, NAN);
    gsl_matrix_set_all(res->cov, NAN);
  }
  if (status) res->log_evidence = NAN;
  res->iterations = it;
  res->reason = reason;
  res->n_logf = c.n_logf;
  res->n_grad = c.n_grad;
  res->n_hess = c.n_hess;
  bm_vector_free(theta);
  bm_vector_free(g);
  bm_vector_free(step);
  bm_vector_free(trial);
  bm_vector_free(gtrial);
  bm_vector_free(w);
  bm_matrix_free(H);
  bm_matrix_free(L);
  return status;
}
