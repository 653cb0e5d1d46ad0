/* bayesmat verify: wishart. Derivatives vs the finite-difference engine at
 * random parameters from c->rng, the Fisher information vs a short Monte
 * Carlo (reported as max |z| / 6 against 1), and identities: p = 1 against
 * GSL's gamma density, set_chol = set, batched log-likelihood = sum.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "verify.h"

VERIFY_FAMILY_OPS(wishart);

/* θ = (vech S, nu) */
static int set_theta(verify_family *f, const gsl_vector *theta)
{
  size_t at = 0;
  gsl_matrix *S = gsl_matrix_alloc(f->rows, f->rows);
  verify_theta_get(theta, &at, S, 1);
  int st = bm_wishart_set(f->d, gsl_vector_get(theta, at), S);
  gsl_matrix_free(S);
  return st;
}
static int grad_x(const verify_family *f, const void *X, void *G) { return bm_wishart_grad(f->d, X, G, NULL, NULL); }

void verify_wishart(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  double w_score = 0, w_hess = 0, w_gx = 0, w_hx = 0;
  size_t npts = c->quick ? 2 : 5;
  for (size_t p = 1; p <= 3; p++)
    for (size_t k = 0; k < npts; k++) {
      verify_family f = {&wishart_ops, bm_wishart_alloc(p), p, p, 1, set_theta, grad_x};
      gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p);
      gsl_vector *th = gsl_vector_alloc(bm_vech_len(p) + 1);
      double nu = (double)p - 1.0 + 0.5 + gsl_ran_exponential(r, 3.0);
      verify_random_spd(r, 0.5 + gsl_rng_uniform(r), S);
      verify_random_spd(r, nu, X);
      size_t at = 0;
      verify_theta_put(th, &at, S, 1);
      gsl_vector_set(th, at, nu);
      w_score = fmax(w_score, verify_score_fd(&f, X, th, NULL));
      w_hess = fmax(w_hess, verify_hess_fd(&f, X, th, NULL));
      w_gx = fmax(w_gx, verify_grad_x_fd(&f, X, NULL));
      w_hx = fmax(w_hx, verify_hess_x_fd(&f, X, NULL));
      gsl_vector_free(th);
      gsl_matrix_free(S);
      gsl_matrix_free(X);
      bm_wishart_free(f.d);
    }
  verify_row(c, "wishart", "score = FD of logpdf", w_score, 1e-6);
  verify_row(c, "wishart", "hess = FD of score", w_hess, 1e-6);
  verify_row(c, "wishart", "grad X = FD of logpdf (vech X)", w_gx, 1e-6);
  verify_row(c, "wishart", "hess_x = FD of grad X", w_hx, 1e-6);

  /* Fisher vs Monte Carlo at p = 2: E[s s^T] and E[-H], max |z| / 6 */
  {
    size_t p = 2;
    verify_family f = {&wishart_ops, bm_wishart_alloc(p), p, p, 1, set_theta, grad_x};
    gsl_matrix *S = gsl_matrix_alloc(p, p);
    verify_random_spd(r, 1.0, S);
    bm_wishart_set(f.d, 2.5 + 4.0 * gsl_rng_uniform(r), S);
    double z = verify_fisher_mc(c, "wishart", &f, c->quick ? 4000 : 40000, NULL);
    verify_row(c, "wishart", "Fisher vs Monte Carlo (max|z|/6)", z / 6.0, 1.0);
    bm_wishart_free(f.d);
    gsl_matrix_free(S);
  }

  /* identities */
  {
    /* p = 1: W_1(nu, s) = Gamma(nu/2, scale 2s) */
    bm_wishart *d1 = bm_wishart_alloc(1);
    gsl_matrix *s1 = gsl_matrix_alloc(1, 1), *x1 = gsl_matrix_alloc(1, 1);
    double worst = 0;
    for (int k = 0; k < 10; k++) {
      double nu = 0.1 + gsl_ran_exponential(r, 5.0), sc = 0.1 + gsl_ran_exponential(r, 2.0);
      double x = gsl_ran_gamma(r, 0.5 * nu + 1.0, 2 * sc), lp;
      gsl_matrix_set(s1, 0, 0, sc);
      gsl_matrix_set(x1, 0, 0, x);
      if (bm_wishart_set(d1, nu, s1) || bm_wishart_logpdf(d1, x1, &lp)) lp = NAN;
      double ref = log(gsl_ran_gamma_pdf(x, 0.5 * nu, 2 * sc));
      worst = fmax(worst, fabs(lp - ref) / fmax(1.0, fabs(ref)));
    }
    verify_row(c, "wishart", "p=1 logpdf = GSL gamma", worst, 1e-12);
    bm_wishart_free(d1);
    gsl_matrix_free(s1);
    gsl_matrix_free(x1);

    /* set_chol = set; loglik = sum of logpdf; loglik_grad = sum of grads */
    size_t p = 4, m = 5;
    bm_wishart *d = bm_wishart_alloc(p);
    gsl_matrix *S = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p), *Xs[5];
    gsl_matrix *G = gsl_matrix_alloc(p, p), *Gs = gsl_matrix_calloc(p, p);
    verify_random_spd(r, 1.0, S);
    double nu = 4.5 + gsl_ran_exponential(r, 3.0), sum = 0, sum_nu = 0, e1 = 0;
    bm_chol_factor(S, L, NULL);
    bm_wishart_set_chol(d, nu, L);
    for (size_t k = 0; k < m; k++) {
      Xs[k] = gsl_matrix_alloc(p, p);
      bm_wishart_sample(d, r, Xs[k]);
      double a, dn;
      bm_wishart_logpdf(d, Xs[k], &a);
      sum += a;
      bm_wishart_grad(d, Xs[k], NULL, G, &dn);
      gsl_matrix_add(Gs, G);
      sum_nu += dn;
    }
    for (size_t k = 0; k < m; k++) {
      double a, b;
      bm_wishart_set_chol(d, nu, L);
      bm_wishart_logpdf(d, Xs[k], &a);
      bm_wishart_set(d, nu, S);
      bm_wishart_logpdf(d, Xs[k], &b);
      e1 = fmax(e1, fabs(a - b) / fmax(1, fabs(a)));
    }
    verify_row(c, "wishart", "set_chol = set", e1, 1e-13);
    double ll = NAN, dnu = NAN;
    bm_wishart_loglik(d, (const gsl_matrix *const *)Xs, m, &ll, NULL);
    verify_row(c, "wishart", "loglik = sum of logpdf", fabs(ll - sum) / fmax(1, fabs(sum)), 1e-13);
    bm_wishart_loglik_grad(d, (const gsl_matrix *const *)Xs, m, &ll, G, &dnu);
    double eg = fabs(dnu - sum_nu) / fmax(1, fabs(sum_nu));
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++)
        eg = fmax(eg, fabs(gsl_matrix_get(G, i, j) - gsl_matrix_get(Gs, i, j)) / fmax(1, fabs(gsl_matrix_get(Gs, i, j))));
    verify_row(c, "wishart", "loglik_grad = sum of grads", eg, 1e-11);
    for (size_t k = 0; k < m; k++) gsl_matrix_free(Xs[k]);
    gsl_matrix_free(S);
    gsl_matrix_free(L);
    gsl_matrix_free(G);
    gsl_matrix_free(Gs);
    bm_wishart_free(d);
  }
}
