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


/* θ = (mu, vech Sigma, nu) */
static int set_theta(verify_family *f, const gsl_vector *theta)
{
  size_t p = f->rows, at = p;
  gsl_matrix *S = gsl_matrix_alloc(p, p);
  gsl_vector_const_view mu = gsl_vector_const_subvector(theta, 0, p);
  verify_theta_get(theta, &at, S, 1);
  int st = bm_mvt_set(f->d, gsl_vector_get(theta, at), &mu.vector, S);
  gsl_matrix_free(S);
  return st;
}

void verify_mvt(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  size_t npoints = c->quick ? 3 : 8;
  double e[VERIFY_FD_NE] = {0}, w_batch = 0;
  bm_check_options opt = {.tol = 1e-6, .seed = gsl_rng_get(r)};
  for (size_t k = 0; k < npoints; k++) {
    size_t p = 1 + k % 4, at = p + bm_vech_len(p);
    double nu = 0.3 + gsl_ran_exponential(r, 10.0);
    verify_family f = {&bm_family_mvt, bm_mvt_alloc(p), p, 0, 0, set_theta, NULL};
    gsl_vector *t = gsl_vector_alloc(at + 1), *x = gsl_vector_alloc(p);
    gsl_vector_view m = gsl_vector_subvector(t, 0, p);
    verify_location_scale_theta(r, p, t);
    gsl_vector_set(t, at, nu);
    bm_rng_std_normal_vector(r, x);
    gsl_vector_scale(x, 2.0);
    gsl_vector_add(x, &m.vector);
    verify_fd_point(&f, x, t, &opt, e);
    w_batch = fmax(w_batch, verify_loglik_batch(c, &f, 50));
    gsl_vector_free(t);
    gsl_vector_free(x);
    bm_mvt_free(f.d);
  }
  verify_row(c, "mvt", "score = FD of logpdf", e[0], 1e-6);
  verify_row(c, "mvt", "hess = FD of score", e[1], 1e-6);
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
    gsl_vector *mu = gsl_vector_alloc(p);
    gsl_matrix *S = gsl_matrix_alloc(p, p);
    bm_rng_std_normal_vector(r, mu);
    verify_random_spd(r, exp(gsl_ran_flat(r, -1.0, 1.0)), S);
    bm_mvt_set(dt, 1e12, mu, S);
    bm_mvn_set(dn, mu, S);
    double w = verify_same_density(r, &(bm_dist){&bm_family_mvt, dt}, &(bm_dist){&bm_family_mvn, dn}, 10, 0.0);
    verify_row(c, "mvt", "logpdf(nu=1e12) = mvn logpdf", w, 1e-10);
    bm_mvt_free(dt);
    bm_mvn_free(dn);
    gsl_vector_free(mu);
    gsl_matrix_free(S);
  }

  /* Fisher vs Monte Carlo of E[s s^T] and E[-H] */
  double nu = 2.0 + gsl_ran_exponential(r, 5.0);
  verify_family f = {&bm_family_mvt, bm_mvt_alloc(2), 2, 0, 0, set_theta, NULL};
  verify_location_scale_fisher(c, "mvt", &f, &nu, 1, c->quick ? 20000 : 200000);
  bm_mvt_free(f.d);
}
