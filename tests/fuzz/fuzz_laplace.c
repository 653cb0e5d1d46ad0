/* libFuzzer harness: bm_laplace with adversarial callbacks. The bytes choose
 * the dimension (1..8), the start, the options, and a target whose log f,
 * gradient and Hessian are quadratic-plus-quartic but may at chosen calls
 * return NaN, +-Inf, garbage of the wrong sign, a failure status, or an
 * asymmetric/indefinite Hessian (or no Hessian: finite differences). The
 * result must be a known status; on success the mode and covariance are
 * finite and the covariance symmetric; on failure the result holds the kept
 * iterate (finite) or nothing (NaN), never an evidence, and the stop reason
 * matches the status.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz_check.h"

typedef struct {
  fz_in *in;
  size_t calls;
  uint8_t sabotage_every, mode;
  double a[8], c[8];
} target;

/* a hostile value at some calls */
static int sabotage(target *t, double *v)
{
  t->calls++;
  if (t->sabotage_every == 0 || t->calls % t->sabotage_every != 0) return 0;
  switch (t->mode % 5) {
  case 0: *v = NAN; return 0;
  case 1: *v = INFINITY; return 0;
  case 2: *v = -1e308; return 0;
  case 3: return 1; /* the callback reports failure */
  default: *v = fz_double(t->in); return 0;
  }
}

static int t_logf(const gsl_vector *x, void *p, double *f)
{
  target *t = p;
  double s = 0.0;
  for (size_t i = 0; i < x->size; i++) {
    double u = gsl_vector_get(x, i) - t->c[i];
    s -= t->a[i] * u * u + 0.01 * u * u * u * u;
  }
  *f = s;
  return sabotage(t, f);
}
static int t_grad(const gsl_vector *x, void *p, gsl_vector *g)
{
  target *t = p;
  for (size_t i = 0; i < x->size; i++) {
    double u = gsl_vector_get(x, i) - t->c[i];
    gsl_vector_set(g, i, -2.0 * t->a[i] * u - 0.04 * u * u * u);
  }
  double v = 0;
  int r = sabotage(t, &v);
  if (t->sabotage_every && t->calls % t->sabotage_every == 0) gsl_vector_set(g, 0, v);
  return r;
}
static int t_hess(const gsl_vector *x, void *p, gsl_matrix *H)
{
  target *t = p;
  gsl_matrix_set_zero(H);
  for (size_t i = 0; i < x->size; i++) {
    double u = gsl_vector_get(x, i) - t->c[i];
    gsl_matrix_set(H, i, i, -2.0 * t->a[i] - 0.12 * u * u);
  }
  double v = 0;
  int r = sabotage(t, &v);
  if (t->sabotage_every && t->calls % t->sabotage_every == 0 && x->size > 1) gsl_matrix_set(H, 1, 0, v);
  return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fz_in in = {data, size, 0};
  size_t dim = fz_dim(&in, 8);
  target t = {&in, 0, 0, 0, {0}, {0}};
  for (size_t i = 0; i < dim; i++) {
    t.a[i] = fz_double(&in); /* may be negative (no maximum), zero, NaN, huge */
    t.c[i] = fz_double(&in);
  }
  t.sabotage_every = fz_byte(&in) % 8;
  t.mode = fz_byte(&in);
  bm_laplace_problem prob = {dim, t_logf, t_grad, (fz_byte(&in) & 1) ? t_hess : NULL, &t};
  bm_laplace_options opts;
  bm_laplace_options_default(&opts);
  opts.max_iter = 1 + fz_byte(&in) % 64;
  if (fz_byte(&in) == 7) opts.grad_tol = fz_double(&in);
  gsl_vector *x0 = bm_vector_alloc(fz_maybe_wrong(&in, dim));
  fz_vector(&in, x0);
  bm_laplace_result *res = bm_laplace_result_alloc(dim);
  if (!res) abort();
  int st = bm_laplace(&prob, x0, &opts, res);
  fz_status(st);
  if (st == BM_SUCCESS) {
    for (size_t i = 0; i < dim; i++) {
      FZ_REQUIRE(isfinite(gsl_vector_get(res->mode, i)));
      for (size_t j = 0; j < dim; j++) {
        double cij = gsl_matrix_get(res->cov, i, j);
        FZ_REQUIRE(isfinite(cij) && cij == gsl_matrix_get(res->cov, j, i));
      }
    }
    FZ_REQUIRE(!isnan(res->log_f_mode) && !isnan(res->log_evidence));
    FZ_REQUIRE(res->reason == BM_LAPLACE_DECREMENT || res->reason == BM_LAPLACE_STEP ||
               res->reason == BM_LAPLACE_GRADIENT);
    FZ_REQUIRE(res->lambda2 >= 0);
  } else {
    /* a failed run keeps its work or nothing: the mode is all finite (then
     * with its log f and gradient norm) or all NaN; the covariance all finite
     * and symmetric or all NaN; never an evidence */
    FZ_REQUIRE(isnan(res->log_evidence));
    int mode_finite = 1, mode_nan = 1, cov_finite = 1, cov_nan = 1;
    for (size_t i = 0; i < dim; i++) {
      double m = gsl_vector_get(res->mode, i);
      mode_finite &= isfinite(m) != 0;
      mode_nan &= isnan(m) != 0;
      for (size_t j = 0; j < dim; j++) {
        double cij = gsl_matrix_get(res->cov, i, j);
        cov_finite &= isfinite(cij) && cij == gsl_matrix_get(res->cov, j, i);
        cov_nan &= isnan(cij) != 0;
      }
    }
    FZ_REQUIRE(mode_finite || mode_nan);
    FZ_REQUIRE(cov_finite || cov_nan);
    if (mode_finite) FZ_REQUIRE(!isnan(res->log_f_mode) && !isnan(res->grad_norm));
    if (mode_nan) FZ_REQUIRE(cov_nan);
    if (st == BM_ENOCONV)
      FZ_REQUIRE(res->reason == BM_LAPLACE_MAX_ITER || res->reason == BM_LAPLACE_LINE_SEARCH);
  }
  FZ_REQUIRE(res->iterations <= opts.max_iter);
  bm_laplace_result_free(res);
  bm_vector_free(x0);
  return 0;
}
