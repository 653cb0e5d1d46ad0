/* bayesmat verify: the matrix-variate t family.
 * Rows: shaped gradient (X, M, Sigma, Omega, nu), score, theta-Hessian and
 * vec-X Hessian against extrapolated finite differences at random points;
 * the closed-form Fisher information against a short Monte Carlo of -H from
 * the family's own sampler; its null vector (0, vech Sigma, -vech Omega, 0);
 * the reduction T_{1,p}(nu, m, s, Omega) = t_p(nu, m, s Omega / nu) against
 * the multivariate t formula; and the nu -> infinity limit MN(M, U, V).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "verify.h"


/* The self-test of the Fisher row (verify --inject matt-fisher-sigma-omega):
 * the closed form with its Sigma-Omega block deleted, which the row must fail. */
static int fisher_without_sigma_omega(const void *d, gsl_matrix *I)
{
  int st = bm_matt_fisher(d, I);
  size_t n, p;
  bm_matt_dims(d, &n, &p);
  size_t a = n * p, qn = bm_vech_len(n), qp = bm_vech_len(p);
  for (size_t i = 0; i < qn; i++)
    for (size_t j = 0; j < qp; j++) {
      gsl_matrix_set(I, a + i, a + qn + j, 0.0);
      gsl_matrix_set(I, a + qn + j, a + i, 0.0);
    }
  return st;
}

/* θ = (vec M, vech Sigma, vech Omega, nu) */
static int set_params(void *d, const gsl_matrix *M, const gsl_matrix *S, const gsl_matrix *O, double nu)
{
  return bm_matt_set(d, nu, M, S, O);
}
static int set_theta(verify_family *f, const gsl_vector *theta) { return verify_kron_set(f, theta, set_params); }
static int grad_x(const verify_family *f, const void *X, void *G)
{
  return bm_matt_grad(f->d, X, G, NULL, NULL, NULL, NULL);
}

void verify_matt(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  size_t shapes[][2] = {{1, 2}, {2, 3}, {3, 2}, {2, 2}};
  size_t npts = c->quick ? 2 : 4;
  double e[VERIFY_MATRIX_NE] = {0}, e_red = 0, e_lim = 0;
  bm_family_type T = bm_family_matt; /* a copy, for the fault injection */
  if (c->inject && !strcmp(c->inject, "matt-fisher-sigma-omega")) T.fisher = fisher_without_sigma_omega;
  for (size_t s = 0; s < npts; s++) {
    size_t n = shapes[s][0], p = shapes[s][1], np = n * p, qp = bm_vech_len(p);
    size_t k = np + bm_vech_len(n) + qp + 1, at = 0;
    verify_family f = {&T, bm_matt_alloc(n, p), n, p, 0, set_theta, grad_x};
    gsl_matrix *M = gsl_matrix_alloc(n, p), *S = gsl_matrix_alloc(n, n), *O = gsl_matrix_alloc(p, p),
               *X = gsl_matrix_alloc(n, p);
    bm_rng_std_normal_matrix(r, M);
    verify_random_spd(r, 1.0, S);
    verify_random_spd(r, 1.0, O);
    double nu = 0.5 + gsl_ran_exponential(r, 5.0);
    bm_matt_set(f.d, nu, M, S, O);
    /* the derivatives at X = M + N(0, 1) entries, not at a draw: a heavy-tailed
     * draw can be nearly rank one with |X| ~ 1e3 (seen at small nu), where the
     * default FD steps cannot resolve the small direction (at one such point
     * the vec-X Hessian still agreed to 1e-6 with FD from h0 = 1e-3) */
    bm_rng_std_normal_matrix(r, X);
    gsl_matrix_add(X, M);
    gsl_vector *t = gsl_vector_alloc(k);
    verify_theta_put(t, &at, M, 0);
    verify_theta_put(t, &at, S, 1);
    verify_theta_put(t, &at, O, 1);
    gsl_vector_set(t, at, nu);
    verify_matrix_point(c, "matt", &f, t, X, S, O, e);
    /* nu -> infinity: T(nu, M, nu U, V) vs MN(M, U, V) at nu = 1e8 */
    {
      gsl_matrix *nuS = gsl_matrix_alloc(n, n);
      gsl_matrix_memcpy(nuS, S);
      gsl_matrix_scale(nuS, 1e8);
      bm_matt *tl = bm_matt_alloc(n, p);
      bm_matnorm *mn = bm_matnorm_alloc(n, p);
      bm_matt_set(tl, 1e8, M, nuS, O);
      bm_matnorm_set(mn, M, S, O);
      e_lim = verify_same_density(r, &(bm_dist){&bm_family_matt, tl}, &(bm_dist){&bm_family_matnorm, mn}, 1, e_lim);
      bm_matt_free(tl);
      bm_matnorm_free(mn);
      gsl_matrix_free(nuS);
    }
    gsl_vector_free(t);
    bm_matt_free(f.d);
    gsl_matrix_free(M);
    gsl_matrix_free(S);
    gsl_matrix_free(O);
    gsl_matrix_free(X);
    verify_progress(c, "matt", s + 1, npts);
  }
  /* T_{1,p}(nu, m, s, Omega) = t_p(nu, m, s Omega / nu), t_p by its definition in docs/contract.md */
  for (size_t p = 1; p <= 4; p++) {
    gsl_matrix *m = gsl_matrix_alloc(1, p), *s1 = gsl_matrix_alloc(1, 1), *O = gsl_matrix_alloc(p, p),
               *X = gsl_matrix_alloc(1, p), *L = gsl_matrix_alloc(p, p);
    double nu = 0.3 + gsl_ran_exponential(r, 4.0), sc = 0.2 + gsl_rng_uniform(r);
    for (size_t j = 0; j < p; j++) {
      gsl_matrix_set(m, 0, j, gsl_ran_gaussian(r, 1.0));
      gsl_matrix_set(X, 0, j, gsl_ran_gaussian(r, 3.0));
    }
    gsl_matrix_set(s1, 0, 0, sc);
    verify_random_spd(r, 1.0, O);
    bm_matt *d = bm_matt_alloc(1, p);
    bm_matt_set(d, nu, m, s1, O);
    double lp = NAN;
    bm_matt_logpdf(d, X, &lp);
    gsl_matrix_memcpy(L, O);
    gsl_matrix_scale(L, sc / nu); /* shape of the multivariate t */
    bm_chol_factor(L, L, NULL);
    gsl_vector *dv = gsl_vector_alloc(p);
    for (size_t j = 0; j < p; j++) gsl_vector_set(dv, j, gsl_matrix_get(X, 0, j) - gsl_matrix_get(m, 0, j));
    double delta = bm_chol_quadform(L, dv, NULL), dp = (double)p;
    double ref = bm_lgamma(0.5 * (nu + dp)) - bm_lgamma(0.5 * nu) - 0.5 * dp * log(nu * M_PI) -
                 0.5 * bm_chol_logdet(L) - 0.5 * (nu + dp) * log1p(delta / nu);
    e_red = verify_worst(e_red, lp, ref);
    bm_matt_free(d);
    gsl_vector_free(dv);
    gsl_matrix_free(m);
    gsl_matrix_free(s1);
    gsl_matrix_free(O);
    gsl_matrix_free(X);
    gsl_matrix_free(L);
  }
  verify_matrix_rows(c, "matt", e, "Fisher null vector (0, vech Sigma, -vech Omega, 0)");
  verify_row(c, "matt", "T_{1,p} = t_p(nu, m, s Omega/nu)", e_red, 1e-12);
  verify_row(c, "matt", "nu = 1e8 limit vs matrix normal", e_lim, 1e-6);
}
