/* bayesmat verify: the matrix-variate F family (distributions/matf.c).
 * Rows: score, theta-Hessian, X-gradient and vech-X Hessian against the
 * finite-difference engine at seeded random parameters; the closed-form Fisher
 * information against Monte Carlo E[s s^T] and E[-H] (reported as max|z|/5);
 * E[X] = nu Psi/(delta-2) from samples; p = 1 against GSL's F density.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "verify.h"


/* θ = (vech Psi, nu, delta) */
static int set_theta(verify_family *f, const gsl_vector *theta)
{
  size_t at = 0;
  gsl_matrix *Psi = gsl_matrix_alloc(f->rows, f->rows);
  verify_theta_get(theta, &at, Psi, 1);
  int st = bm_matf_set(f->d, gsl_vector_get(theta, at), gsl_vector_get(theta, at + 1), Psi);
  gsl_matrix_free(Psi);
  return st;
}
static int grad_x(const verify_family *f, const void *X, void *G) { return bm_matf_grad(f->d, X, G, NULL, NULL, NULL); }

void verify_matf(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  double e[VERIFY_FD_NE] = {0};
  size_t npoints = c->quick ? 1 : 3;
  for (size_t p = 1; p <= 3; p++)
    for (size_t rep = 0; rep < npoints; rep++) {
      double nu = (double)p - 1.0 + 0.5 + 6.0 * gsl_rng_uniform(r), delta = 0.5 + 6.0 * gsl_rng_uniform(r);
      verify_family f = {&bm_family_matf, bm_matf_alloc(p), p, p, 1, set_theta, grad_x};
      gsl_matrix *Psi = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p);
      gsl_vector *th = gsl_vector_alloc(bm_vech_len(p) + 2);
      verify_random_spd(r, 0.5 + 2.0 * gsl_rng_uniform(r), Psi);
      verify_random_spd(r, 0.5 + 2.0 * gsl_rng_uniform(r), X);
      size_t at = 0;
      verify_theta_put(th, &at, Psi, 1);
      gsl_vector_set(th, at, nu);
      gsl_vector_set(th, at + 1, delta);
      verify_fd_point(&f, X, th, NULL, e);
      gsl_vector_free(th);
      gsl_matrix_free(Psi);
      gsl_matrix_free(X);
      bm_matf_free(f.d);
    }
  verify_row(c, "matf", "score vs FD (p=1..3)", e[0], 1e-6);
  verify_row(c, "matf", "theta-Hessian vs FD of score", e[1], 1e-6);
  verify_row(c, "matf", "gradient wrt X vs FD", e[2], 1e-6);
  verify_row(c, "matf", "Hessian wrt vech X vs FD", e[3], 1e-6);

  /* Fisher vs Monte Carlo, moderate parameters (heavy tails make small-sample SEs unreliable) */
  {
    size_t p = c->quick ? 2 : 3, N = c->quick ? 20000 : 200000;
    double nu = (double)p + 1.0 + 4.0 * gsl_rng_uniform(r), delta = 3.0 + 5.0 * gsl_rng_uniform(r);
    verify_family f = {&bm_family_matf, bm_matf_alloc(p), p, p, 1, set_theta, grad_x};
    gsl_matrix *Psi = gsl_matrix_alloc(p, p);
    verify_random_spd(r, 1.0, Psi);
    bm_matf_set(f.d, nu, delta, Psi);
    double z = verify_fisher_mc(c, "matf", &f, N, NULL);
    verify_row(c, "matf", "Fisher vs MC E[ss^T], E[-H] (max|z|/5)", z / 5.0, 1.0);
    gsl_matrix_free(Psi);
    bm_matf_free(f.d);
  }

  /* E[X] = nu Psi/(delta - 2) from samples (max|z|/5) */
  {
    size_t p = 2, N = c->quick ? 20000 : 100000;
    double nu = 3.0 + 3.0 * gsl_rng_uniform(r), delta = 9.0 + 4.0 * gsl_rng_uniform(r);
    gsl_matrix *Psi = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *M = gsl_matrix_alloc(p, p);
    verify_random_spd(r, 1.0, Psi);
    bm_matf *d = bm_matf_alloc(p);
    bm_matf_set(d, nu, delta, Psi);
    bm_matf_mean(d, M);
    verify_moments mx;
    verify_moments_init(&mx, p, p);
    for (size_t k = 0; k < N; k++) {
      bm_matf_sample(d, r, X);
      verify_moments_add(&mx, 1.0, X);
    }
    verify_row(c, "matf", "sample mean vs nu Psi/(delta-2) (max|z|/5)", verify_moments_maxz(&mx, M) / 5.0, 1.0);
    verify_moments_free(&mx);
    gsl_matrix_free(Psi);
    gsl_matrix_free(X);
    gsl_matrix_free(M);
    bm_matf_free(d);
  }

  /* p = 1: F_1(nu, delta, psi) is psi nu/delta times Snedecor's F(nu, delta) */
  {
    double worst = 0;
    bm_matf *d = bm_matf_alloc(1);
    for (int rep = 0; rep < 5; rep++) {
      double nu = 0.3 + 8.0 * gsl_rng_uniform(r), delta = 0.3 + 8.0 * gsl_rng_uniform(r);
      double psi = 0.2 + 3.0 * gsl_rng_uniform(r), x = exp(4.0 * (gsl_rng_uniform(r) - 0.5));
      gsl_matrix_view P = gsl_matrix_view_array(&psi, 1, 1), X = gsl_matrix_view_array(&x, 1, 1);
      bm_matf_set(d, nu, delta, &P.matrix);
      double lp, a = delta / (nu * psi);
      bm_matf_logpdf(d, &X.matrix, &lp);
      double ref = gsl_ran_fdist_pdf(x * a, nu, delta) * a;
      worst = fmax(worst, fabs(exp(lp) - ref) / ref);
    }
    verify_row(c, "matf", "p=1 density vs GSL F density", worst, 1e-10);
    bm_matf_free(d);
  }
}
