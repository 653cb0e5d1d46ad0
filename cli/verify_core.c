/* bayesmat verify: the shared core (special functions, vech, Cholesky
 * algebra, the finite-difference engine itself).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "verify.h"

static int f_lmvgamma(const gsl_vector *x, void *params, double *f)
{
  *f = bm_lmvgamma(*(size_t *)params, gsl_vector_get(x, 0));
  return isfinite(*f) ? 0 : 1;
}
static int f_mvdigamma(const gsl_vector *x, void *params, double *f)
{
  *f = bm_mvdigamma(*(size_t *)params, gsl_vector_get(x, 0));
  return isfinite(*f) ? 0 : 1;
}

/* f(x) = log(1 + |x|^2) + sum sin(x_i): known gradient and Hessian */
static int f_smooth(const gsl_vector *x, void *params, double *f)
{
  (void)params;
  double s = 0, t = 0;
  for (size_t i = 0; i < x->size; i++) {
    s += x->data[i] * x->data[i];
    t += sin(x->data[i]);
  }
  *f = log1p(s) + t;
  return 0;
}
static int g_smooth(const gsl_vector *x, void *params, gsl_vector *g)
{
  (void)params;
  double s = 0;
  for (size_t i = 0; i < x->size; i++) s += x->data[i] * x->data[i];
  for (size_t i = 0; i < x->size; i++) g->data[i] = 2 * x->data[i] / (1 + s) + cos(x->data[i]);
  return 0;
}
static int h_smooth(const gsl_vector *x, void *params, gsl_matrix *H)
{
  (void)params;
  double s = 0;
  size_t n = x->size;
  for (size_t i = 0; i < n; i++) s += x->data[i] * x->data[i];
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++)
      gsl_matrix_set(H, i, j,
                     (i == j ? 2 / (1 + s) - sin(x->data[i]) : 0) - 4 * x->data[i] * x->data[j] / ((1 + s) * (1 + s)));
  return 0;
}

void verify_core(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  /* log Gamma_p recursion: Gamma_p(a) = pi^((p-1)/2) Gamma(a) Gamma_{p-1}(a - 1/2) */
  double worst = 0;
  for (size_t p = 2; p <= 10; p++) {
    double a = 0.5 * (double)(p - 1) + gsl_ran_exponential(r, 3.0) + 1e-3;
    double lhs = bm_lmvgamma(p, a);
    double rhs = 0.5 * (double)(p - 1) * log(M_PI) + bm_lgamma(a) + bm_lmvgamma(p - 1, a - 0.5);
    worst = verify_worst(worst, rhs, lhs);
  }
  verify_row(c, "core", "lmvgamma recursion", worst, 1e-13);

  /* psi_p = d log Gamma_p / da, psi'_p = d psi_p / da, by the FD engine */
  double wd = 0, wt = 0;
  for (size_t p = 1; p <= 6; p++) {
    double a = 0.5 * (double)(p - 1) + 0.5 + gsl_ran_exponential(r, 3.0);
    gsl_vector_view x = gsl_vector_view_array(&a, 1);
    double d, e;
    gsl_vector_view dv = gsl_vector_view_array(&d, 1), ev = gsl_vector_view_array(&e, 1);
    bm_fd_gradient(f_lmvgamma, &p, &x.vector, NULL, &dv.vector, &ev.vector);
    wd = verify_worst(wd, bm_mvdigamma(p, a), d);
    bm_fd_gradient(f_mvdigamma, &p, &x.vector, NULL, &dv.vector, &ev.vector);
    wt = fmax(wt, fabs(d - bm_mvtrigamma(p, a)) / fabs(d));
  }
  verify_row(c, "core", "mvdigamma = FD of lmvgamma", wd, 1e-9);
  verify_row(c, "core", "mvtrigamma = FD of mvdigamma", wt, 1e-8);

  /* vec(S) = D_p vech(S); D_p^T vec = vech-gradient */
  size_t p = 5, q = bm_vech_len(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p), *A = gsl_matrix_alloc(p, p);
  gsl_vector *v = gsl_vector_alloc(q), *w = gsl_vector_alloc(p * p), *u = gsl_vector_alloc(p * p);
  bm_rng_std_normal_matrix(r, A);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      double s = 0;
      for (size_t k = 0; k < p; k++) s += gsl_matrix_get(A, i, k) * gsl_matrix_get(A, j, k);
      gsl_matrix_set(S, i, j, s + (i == j ? 1.0 : 0.0));
      gsl_matrix_set(S, j, i, s + (i == j ? 1.0 : 0.0));
    }
  bm_vech(S, v);
  bm_dup_apply(v, w);
  bm_vec(S, u);
  gsl_vector_sub(u, w);
  verify_row(c, "core", "vec(S) = D_p vech(S)", gsl_vector_max(u) - gsl_vector_min(u), 0.0);

  /* Cholesky: A^{-1} b residual and logdet against LU */
  bm_chol_factor(S, L, NULL);
  gsl_vector *b = gsl_vector_alloc(p), *x = gsl_vector_alloc(p);
  bm_rng_std_normal_vector(r, b);
  gsl_vector_memcpy(x, b);
  bm_chol_solve_vector(L, x);
  double res = 0, bn = 0;
  for (size_t i = 0; i < p; i++) {
    double s = 0;
    for (size_t j = 0; j < p; j++) s += gsl_matrix_get(S, i, j) * gsl_vector_get(x, j);
    res = fmax(res, fabs(s - gsl_vector_get(b, i)));
    bn = fmax(bn, fabs(gsl_vector_get(b, i)));
  }
  verify_row(c, "core", "chol solve residual", res / bn, 1e-12);

  /* FD engine on a smooth function with known derivatives */
  size_t n = 6;
  gsl_vector *t = gsl_vector_alloc(n);
  bm_rng_std_normal_vector(r, t);
  bm_check_result cr;
  bm_check_gradient(f_smooth, g_smooth, NULL, t, NULL, &cr);
  verify_row(c, "core", "fd engine: gradient of smooth test fn", cr.worst_rel_err, 1e-9);
  bm_check_hessian(f_smooth, g_smooth, h_smooth, NULL, t, NULL, &cr);
  verify_row(c, "core", "fd engine: Hessian (from gradient)", cr.worst_rel_err, 1e-8);
  bm_check_hessian(f_smooth, NULL, h_smooth, NULL, t, NULL, &cr);
  verify_row(c, "core", "fd engine: Hessian (from values)", cr.worst_rel_err, 1e-5);
  bm_taylor_result tr;
  bm_check_taylor(f_smooth, g_smooth, NULL, t, NULL, NULL, &tr);
  verify_row(c, "core", "Taylor remainder slope (|slope-2|)", fabs(tr.slope - 2.0), 0.2);

  gsl_vector_free(t);
  gsl_vector_free(b);
  gsl_vector_free(x);
  gsl_vector_free(v);
  gsl_vector_free(w);
  gsl_vector_free(u);
  gsl_matrix_free(S);
  gsl_matrix_free(L);
  gsl_matrix_free(A);
}
