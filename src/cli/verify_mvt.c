/* bayesmat verify: the mvt family. Score and Hessian against the
 * finite-difference engine at seeded random (mu, Sigma, nu), the Fisher matrix
 * against a short Monte Carlo run (max |z| / 5), I_nunu at large nu against
 * its expansion p(p+6)/(2 nu^4) (1 + O(1/nu)), the nu -> inf limit (mvn),
 * and batched = sum of singles.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "verify.h"

static void random_spd(gsl_rng *r, gsl_matrix *S)
{
  size_t p = S->size1;
  double scale = exp(gsl_ran_flat(r, -1.0, 1.0));
  gsl_matrix *A = gsl_matrix_alloc(p, p);
  bm_rng_std_normal_matrix(r, A);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      double s = 0;
      for (size_t k = 0; k < p; k++) s += gsl_matrix_get(A, i, k) * gsl_matrix_get(A, j, k);
      s = scale * (s / (double)p + (i == j ? 0.5 : 0.0));
      gsl_matrix_set(S, i, j, s);
      gsl_matrix_set(S, j, i, s);
    }
  gsl_matrix_free(A);
}

typedef struct {
  size_t p;
  bm_mvt *d;
  gsl_vector *x;
} ctx;

static int set_theta(ctx *c, const gsl_vector *t)
{
  size_t p = c->p, q = bm_vech_len(p);
  gsl_matrix *M = gsl_matrix_alloc(p, p);
  gsl_vector_const_view m = gsl_vector_const_subvector(t, 0, p), v = gsl_vector_const_subvector(t, p, q);
  bm_vech_unpack(&v.vector, M);
  int st = bm_mvt_set(c->d, gsl_vector_get(t, p + q), &m.vector, M);
  gsl_matrix_free(M);
  return st;
}
static int f(const gsl_vector *t, void *params, double *val)
{
  ctx *c = params;
  return set_theta(c, t) ? 1 : bm_mvt_logpdf(c->d, c->x, val);
}
static int g(const gsl_vector *t, void *params, gsl_vector *out)
{
  ctx *c = params;
  return set_theta(c, t) ? 1 : bm_mvt_score(c->d, c->x, out);
}
static int h(const gsl_vector *t, void *params, gsl_matrix *H)
{
  ctx *c = params;
  return set_theta(c, t) ? 1 : bm_mvt_hess(c->d, c->x, H);
}

void verify_mvt(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  size_t npoints = c->quick ? 3 : 8;
  double w_score = 0, w_hess = 0, w_batch = 0;
  bm_check_options opt = {.tol = 1e-6, .seed = gsl_rng_get(r)};
  for (size_t k = 0; k < npoints; k++) {
    size_t p = 1 + k % 4, q = bm_vech_len(p);
    double nu = 0.3 + gsl_ran_exponential(r, 10.0);
    ctx cx = {.p = p, .d = bm_mvt_alloc(p), .x = gsl_vector_alloc(p)};
    gsl_matrix *S = gsl_matrix_alloc(p, p);
    gsl_vector *t = gsl_vector_alloc(p + q + 1);
    gsl_vector_view m = gsl_vector_subvector(t, 0, p), v = gsl_vector_subvector(t, p, q);
    bm_rng_std_normal_vector(r, &m.vector);
    random_spd(r, S);
    bm_vech(S, &v.vector);
    gsl_vector_set(t, p + q, nu);
    bm_rng_std_normal_vector(r, cx.x);
    gsl_vector_scale(cx.x, 2.0);
    gsl_vector_add(cx.x, &m.vector);
    bm_check_result res;
    bm_check_gradient(f, g, &cx, t, &opt, &res);
    w_score = fmax(w_score, res.worst_rel_err);
    bm_check_hessian(f, g, h, &cx, t, &opt, &res);
    w_hess = fmax(w_hess, res.worst_rel_err);
    set_theta(&cx, t);
    size_t n = 50;
    gsl_matrix *X = gsl_matrix_alloc(n, p);
    bm_rng_std_normal_matrix(r, X);
    double ll, sum = 0;
    for (size_t i = 0; i < n; i++) {
      gsl_vector_view xi = gsl_matrix_row(X, i);
      double lp;
      bm_mvt_logpdf(cx.d, &xi.vector, &lp);
      sum += lp;
    }
    bm_mvt_loglik(cx.d, X, &ll, NULL);
    w_batch = fmax(w_batch, fabs(ll - sum) / fabs(sum));
    gsl_matrix_free(X);
    gsl_matrix_free(S);
    gsl_vector_free(t);
    gsl_vector_free(cx.x);
    bm_mvt_free(cx.d);
  }
  verify_row(c, "mvt", "score = FD of logpdf", w_score, 1e-6);
  verify_row(c, "mvt", "hess = FD of score", w_hess, 1e-6);
  verify_row(c, "mvt", "loglik = sum of logpdf", w_batch, 1e-12);

  /* I_nunu at large nu: p(p+6)/(2 nu^4) to relative O(1/nu) */
  double w_inn = 0;
  for (size_t p = 1; p <= 10; p++) {
    double nu = 1e8 * exp(gsl_ran_flat(r, 0.0, 2.0)), v;
    bm_mvt_fisher_nunu(p, nu, &v);
    double lead = (double)p * ((double)p + 6.0) / (2.0 * pow(nu, 4));
    w_inn = fmax(w_inn, fabs(v - lead) / lead);
  }
  verify_row(c, "mvt", "I_nunu(nu~1e8) vs p(p+6)/(2nu^4)", w_inn, 1e-6);

  /* nu -> inf: t_p(1e12, mu, Sigma) vs N_p(mu, Sigma) */
  {
    size_t p = 4;
    bm_mvt *dt = bm_mvt_alloc(p);
    bm_mvn *dn = bm_mvn_alloc(p);
    gsl_vector *mu = gsl_vector_alloc(p), *x = gsl_vector_alloc(p);
    gsl_matrix *S = gsl_matrix_alloc(p, p);
    bm_rng_std_normal_vector(r, mu);
    random_spd(r, S);
    bm_mvt_set(dt, 1e12, mu, S);
    bm_mvn_set(dn, mu, S);
    double w = 0;
    for (int k = 0; k < 10; k++) {
      bm_mvn_sample(dn, r, x);
      double a, b;
      bm_mvt_logpdf(dt, x, &a);
      bm_mvn_logpdf(dn, x, &b);
      w = fmax(w, fabs(a - b) / fmax(1.0, fabs(b)));
    }
    verify_row(c, "mvt", "logpdf(nu=1e12) = mvn logpdf", w, 1e-10);
    bm_mvt_free(dt);
    bm_mvn_free(dn);
    gsl_vector_free(mu);
    gsl_vector_free(x);
    gsl_matrix_free(S);
  }

  /* Fisher vs Monte Carlo */
  size_t p = 2, n = p + bm_vech_len(p) + 1, draws = c->quick ? 20000 : 200000;
  double nu = 2.0 + gsl_ran_exponential(r, 5.0);
  bm_mvt *d = bm_mvt_alloc(p);
  gsl_vector *mu = gsl_vector_alloc(p), *x = gsl_vector_alloc(p), *s = gsl_vector_alloc(n);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *I = gsl_matrix_alloc(n, n), *H = gsl_matrix_alloc(n, n);
  gsl_matrix *m1 = gsl_matrix_calloc(n, n), *m2 = gsl_matrix_calloc(n, n), *a1 = gsl_matrix_calloc(n, n),
             *a2 = gsl_matrix_calloc(n, n);
  bm_rng_std_normal_vector(r, mu);
  random_spd(r, S);
  bm_mvt_set(d, nu, mu, S);
  bm_mvt_fisher(d, I);
  for (size_t k = 0; k < draws; k++) {
    bm_mvt_sample(d, r, x);
    bm_mvt_score(d, x, s);
    bm_mvt_hess(d, x, H);
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < n; j++) {
        double o = gsl_vector_get(s, i) * gsl_vector_get(s, j), nh = -gsl_matrix_get(H, i, j);
        *gsl_matrix_ptr(m1, i, j) += o;
        *gsl_matrix_ptr(m2, i, j) += o * o;
        *gsl_matrix_ptr(a1, i, j) += nh;
        *gsl_matrix_ptr(a2, i, j) += nh * nh;
      }
    if (k % 10000 == 0) verify_progress(c, "mvt", k, draws);
  }
  verify_progress(c, "mvt", draws, draws);
  double zmax = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      double e = gsl_matrix_get(I, i, j), N = (double)draws;
      double mo = gsl_matrix_get(m1, i, j) / N, vo = gsl_matrix_get(m2, i, j) / N - mo * mo;
      double ma = gsl_matrix_get(a1, i, j) / N, va = gsl_matrix_get(a2, i, j) / N - ma * ma;
      double scale = 1e-9 * (1.0 + fabs(e)); /* deterministic entries (e.g. -H_mumu) differ by rounding only */
      if (fabs(mo - e) > scale) zmax = fmax(zmax, fabs(mo - e) / sqrt(fmax(vo, 0) / N));
      if (fabs(ma - e) > scale) zmax = fmax(zmax, fabs(ma - e) / sqrt(fmax(va, 0) / N));
    }
  verify_row(c, "mvt", "Fisher vs Monte Carlo (max |z| / 5)", zmax / 5.0, 1.0);
  bm_mvt_free(d);
  gsl_vector_free(mu);
  gsl_vector_free(x);
  gsl_vector_free(s);
  gsl_matrix_free(S);
  gsl_matrix_free(I);
  gsl_matrix_free(H);
  gsl_matrix_free(m1);
  gsl_matrix_free(m2);
  gsl_matrix_free(a1);
  gsl_matrix_free(a2);
}
