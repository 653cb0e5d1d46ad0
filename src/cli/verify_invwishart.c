/* bayesmat verify: invwishart. Derivatives vs the finite-difference engine at
 * random parameters from c->rng, the Fisher information vs a short Monte
 * Carlo (reported as max |z| / 6 against 1), and identities: p = 1 against
 * GSL's gamma density transformed to the inverse gamma, the duality
 * log IW(X; nu, Psi) = log W(X^-1; nu, Psi^-1) - (p+1) log|X|, set_chol =
 * set, batched log-likelihood = sum.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "verify.h"

typedef struct {
  bm_invwishart *d;
  size_t p;
  gsl_matrix *S, *X, *G;
} vw_ctx;

static int vw_set(const gsl_vector *th, vw_ctx *c)
{
  size_t q = bm_vech_len(c->p);
  gsl_vector_const_view v = gsl_vector_const_subvector(th, 0, q);
  bm_vech_unpack(&v.vector, c->S);
  return bm_invwishart_set(c->d, gsl_vector_get(th, q), c->S);
}
static int vw_f(const gsl_vector *th, void *vp, double *f)
{
  vw_ctx *c = vp;
  return vw_set(th, c) ? 1 : bm_invwishart_logpdf(c->d, c->X, f);
}
static int vw_g(const gsl_vector *th, void *vp, gsl_vector *g)
{
  vw_ctx *c = vp;
  return vw_set(th, c) ? 1 : bm_invwishart_score(c->d, c->X, g);
}
static int vw_h(const gsl_vector *th, void *vp, gsl_matrix *H)
{
  vw_ctx *c = vp;
  return vw_set(th, c) ? 1 : bm_invwishart_hess(c->d, c->X, H);
}
static int vw_fx(const gsl_vector *x, void *vp, double *f)
{
  vw_ctx *c = vp;
  bm_vech_unpack(x, c->X);
  return bm_invwishart_logpdf(c->d, c->X, f);
}
static int vw_gx(const gsl_vector *x, void *vp, gsl_vector *g)
{
  vw_ctx *c = vp;
  bm_vech_unpack(x, c->X);
  int st = bm_invwishart_grad(c->d, c->X, c->G, NULL, NULL);
  if (!st) bm_vech_from_sym_grad(c->G, g);
  return st;
}
static int vw_hx(const gsl_vector *x, void *vp, gsl_matrix *H)
{
  vw_ctx *c = vp;
  bm_vech_unpack(x, c->X);
  return bm_invwishart_hess_x(c->d, c->X, H);
}

/* random SPD p x p with moderate condition number: A A^T / p + I/2, scaled */
static void random_spd(gsl_rng *r, double scale, gsl_matrix *S)
{
  size_t p = S->size1;
  gsl_matrix *A = gsl_matrix_alloc(p, p);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(A, i, j, gsl_ran_gaussian(r, 1.0));
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

void verify_invwishart(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  double w_score = 0, w_hess = 0, w_gx = 0, w_hx = 0;
  size_t npts = c->quick ? 2 : 5;
  for (size_t p = 1; p <= 3; p++)
    for (size_t k = 0; k < npts; k++) {
      size_t q = bm_vech_len(p);
      vw_ctx v = {bm_invwishart_alloc(p), p, gsl_matrix_alloc(p, p), gsl_matrix_alloc(p, p), gsl_matrix_alloc(p, p)};
      gsl_vector *th = gsl_vector_alloc(q + 1), *xv = gsl_vector_alloc(q);
      double nu = (double)p - 1.0 + 0.5 + gsl_ran_exponential(r, 3.0);
      random_spd(r, nu * (0.5 + gsl_rng_uniform(r)), v.S); /* so that X = O(1) is typical */
      random_spd(r, 1.0, v.X);
      gsl_vector_view tS = gsl_vector_subvector(th, 0, q);
      bm_vech(v.S, &tS.vector);
      gsl_vector_set(th, q, nu);
      bm_vech(v.X, xv);
      bm_check_result res;
      w_score = fmax(w_score, bm_check_gradient(vw_f, vw_g, &v, th, NULL, &res) ? NAN : res.worst_rel_err);
      w_hess = fmax(w_hess, bm_check_hessian(vw_f, vw_g, vw_h, &v, th, NULL, &res) ? NAN : res.worst_rel_err);
      vw_set(th, &v);
      w_gx = fmax(w_gx, bm_check_gradient(vw_fx, vw_gx, &v, xv, NULL, &res) ? NAN : res.worst_rel_err);
      w_hx = fmax(w_hx, bm_check_hessian(vw_fx, vw_gx, vw_hx, &v, xv, NULL, &res) ? NAN : res.worst_rel_err);
      gsl_vector_free(th);
      gsl_vector_free(xv);
      gsl_matrix_free(v.S);
      gsl_matrix_free(v.X);
      gsl_matrix_free(v.G);
      bm_invwishart_free(v.d);
    }
  verify_row(c, "invwishart", "score = FD of logpdf", w_score, 1e-6);
  verify_row(c, "invwishart", "hess = FD of score", w_hess, 1e-6);
  verify_row(c, "invwishart", "grad X = FD of logpdf (vech X)", w_gx, 1e-6);
  verify_row(c, "invwishart", "hess_x = FD of grad X", w_hx, 1e-6);

  /* Fisher vs Monte Carlo at p = 2: E[s s^T] and E[-H], max |z| / 6 */
  {
    size_t p = 2, n = bm_vech_len(p) + 1, draws = c->quick ? 4000 : 40000;
    bm_invwishart *d = bm_invwishart_alloc(p);
    gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *I = gsl_matrix_alloc(n, n);
    gsl_matrix *H = gsl_matrix_alloc(n, n), *m1 = gsl_matrix_calloc(n, n), *m2 = gsl_matrix_calloc(n, n);
    gsl_matrix *v1 = gsl_matrix_calloc(n, n), *v2 = gsl_matrix_calloc(n, n);
    gsl_vector *s = gsl_vector_alloc(n);
    random_spd(r, 1.0, S);
    bm_invwishart_set(d, 2.5 + 4.0 * gsl_rng_uniform(r), S);
    bm_invwishart_fisher(d, I);
    int ok = 1;
    for (size_t k = 0; k < draws; k++) {
      ok &= !bm_invwishart_sample(d, r, X) && !bm_invwishart_score(d, X, s) && !bm_invwishart_hess(d, X, H);
      for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
          double a = gsl_vector_get(s, i) * gsl_vector_get(s, j), b = -gsl_matrix_get(H, i, j);
          *gsl_matrix_ptr(m1, i, j) += a;
          *gsl_matrix_ptr(v1, i, j) += a * a;
          *gsl_matrix_ptr(m2, i, j) += b;
          *gsl_matrix_ptr(v2, i, j) += b * b;
        }
      if (k % 1000 == 0) verify_progress(c, "invwishart", k, draws);
    }
    verify_progress(c, "invwishart", draws, draws);
    double zmax = ok ? 0 : NAN, N = (double)draws;
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < n; j++) {
        double e = gsl_matrix_get(I, i, j);
        for (int t = 0; t < 2; t++) {
          double mu = gsl_matrix_get(t ? m2 : m1, i, j) / N, sq = gsl_matrix_get(t ? v2 : v1, i, j) / N;
          double se = sqrt(fmax(sq - mu * mu, 0) / N);
          double dlt = fabs(mu - e);
          if (dlt > 1e-10 * (1 + fabs(e))) zmax = fmax(zmax, se > 0 ? dlt / se : INFINITY);
        }
      }
    verify_row(c, "invwishart", "Fisher vs Monte Carlo (max|z|/6)", zmax / 6.0, 1.0);
    bm_invwishart_free(d);
    gsl_matrix_free(S);
    gsl_matrix_free(X);
    gsl_matrix_free(I);
    gsl_matrix_free(H);
    gsl_matrix_free(m1);
    gsl_matrix_free(m2);
    gsl_matrix_free(v1);
    gsl_matrix_free(v2);
    gsl_vector_free(s);
  }

  /* identities */
  {
    /* p = 1: 1/X ~ Gamma(nu/2, scale 2/psi), f(x) = g(1/x)/x^2 */
    bm_invwishart *d1 = bm_invwishart_alloc(1);
    gsl_matrix *s1 = gsl_matrix_alloc(1, 1), *x1 = gsl_matrix_alloc(1, 1);
    double worst = 0;
    for (int k = 0; k < 10; k++) {
      double nu = 0.1 + gsl_ran_exponential(r, 5.0), sc = 0.1 + gsl_ran_exponential(r, 2.0);
      double x = 1.0 / gsl_ran_gamma(r, 0.5 * nu + 1.0, 2 / sc), lp;
      gsl_matrix_set(s1, 0, 0, sc);
      gsl_matrix_set(x1, 0, 0, x);
      if (bm_invwishart_set(d1, nu, s1) || bm_invwishart_logpdf(d1, x1, &lp)) lp = NAN;
      double ref = log(gsl_ran_gamma_pdf(1.0 / x, 0.5 * nu, 2 / sc)) - 2 * log(x);
      worst = fmax(worst, fabs(lp - ref) / fmax(1.0, fabs(ref)));
    }
    verify_row(c, "invwishart", "p=1 logpdf = GSL inverse gamma", worst, 1e-12);
    bm_invwishart_free(d1);
    gsl_matrix_free(s1);
    gsl_matrix_free(x1);

    /* set_chol = set; loglik = sum of logpdf; loglik_grad = sum of grads */
    size_t p = 4, m = 5;
    bm_invwishart *d = bm_invwishart_alloc(p);
    gsl_matrix *S = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p), *Xs[5];
    gsl_matrix *G = gsl_matrix_alloc(p, p), *Gs = gsl_matrix_calloc(p, p);
    random_spd(r, 1.0, S);
    double nu = 4.5 + gsl_ran_exponential(r, 3.0), sum = 0, sum_nu = 0, e1 = 0;
    bm_chol_factor(S, L, NULL);
    bm_invwishart_set_chol(d, nu, L);
    for (size_t k = 0; k < m; k++) {
      Xs[k] = gsl_matrix_alloc(p, p);
      bm_invwishart_sample(d, r, Xs[k]);
      double a, dn;
      bm_invwishart_logpdf(d, Xs[k], &a);
      sum += a;
      bm_invwishart_grad(d, Xs[k], NULL, G, &dn);
      gsl_matrix_add(Gs, G);
      sum_nu += dn;
    }
    for (size_t k = 0; k < m; k++) {
      double a, b;
      bm_invwishart_set_chol(d, nu, L);
      bm_invwishart_logpdf(d, Xs[k], &a);
      bm_invwishart_set(d, nu, S);
      bm_invwishart_logpdf(d, Xs[k], &b);
      e1 = fmax(e1, fabs(a - b) / fmax(1, fabs(a)));
    }
    verify_row(c, "invwishart", "set_chol = set", e1, 1e-13);
    /* duality with the Wishart: log IW(X; nu, Psi) = log W(X^-1; nu, Psi^-1) - (p+1) log|X| */
    {
      bm_wishart *w = bm_wishart_alloc(p);
      gsl_matrix *Si = gsl_matrix_alloc(p, p), *Xi = gsl_matrix_alloc(p, p), *LX = gsl_matrix_alloc(p, p);
      bm_chol_inverse(L, Si);
      bm_wishart_set(w, nu, Si);
      double e2 = 0;
      for (size_t k = 0; k < m; k++) {
        double a = NAN, b = NAN;
        bm_chol_factor(Xs[k], LX, NULL);
        bm_chol_inverse(LX, Xi);
        bm_invwishart_logpdf(d, Xs[k], &a);
        bm_wishart_logpdf(w, Xi, &b);
        b -= (double)(p + 1) * bm_chol_logdet(LX);
        e2 = fmax(e2, fabs(a - b) / fmax(1, fabs(a)));
      }
      verify_row(c, "invwishart", "log IW(X) = log W(X^-1) - (p+1) log|X|", e2, 1e-9);
      bm_wishart_free(w);
      gsl_matrix_free(Si);
      gsl_matrix_free(Xi);
      gsl_matrix_free(LX);
    }
    double ll = NAN, dnu = NAN;
    bm_invwishart_loglik(d, (const gsl_matrix *const *)Xs, m, &ll, NULL);
    verify_row(c, "invwishart", "loglik = sum of logpdf", fabs(ll - sum) / fmax(1, fabs(sum)), 1e-13);
    bm_invwishart_loglik_grad(d, (const gsl_matrix *const *)Xs, m, &ll, G, &dnu);
    double eg = fabs(dnu - sum_nu) / fmax(1, fabs(sum_nu));
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++)
        eg = fmax(eg, fabs(gsl_matrix_get(G, i, j) - gsl_matrix_get(Gs, i, j)) / fmax(1, fabs(gsl_matrix_get(Gs, i, j))));
    verify_row(c, "invwishart", "loglik_grad = sum of grads", eg, 1e-11);
    for (size_t k = 0; k < m; k++) gsl_matrix_free(Xs[k]);
    gsl_matrix_free(S);
    gsl_matrix_free(L);
    gsl_matrix_free(G);
    gsl_matrix_free(Gs);
    bm_invwishart_free(d);
  }
}
