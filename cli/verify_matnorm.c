/* bayesmat verify: the matrix normal family.
 * Rows: score, theta-Hessian and vec-X Hessian against extrapolated finite
 * differences at random points; the closed-form Fisher information against a
 * short Monte Carlo of -H from the family's own sampler; its null vector
 * (0, vech U, -vech V); and the identity MN_{n,p}(M, U, V) = N_np(vec M, V (x) U)
 * checked against the multivariate normal formula on vec X.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "verify.h"


/* θ = (vec M, vech U, vech V) */
static int set_params(void *d, const gsl_matrix *M, const gsl_matrix *U, const gsl_matrix *V, double nu)
{
  (void)nu;
  return bm_matnorm_set(d, M, U, V);
}
static int set_theta(verify_family *f, const gsl_vector *theta) { return verify_kron_set(f, theta, set_params); }
static int grad_x(const verify_family *f, const void *X, void *G)
{
  return bm_matnorm_grad(f->d, X, G, NULL, NULL, NULL);
}

void verify_matnorm(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  size_t shapes[][2] = {{1, 2}, {2, 3}, {3, 2}, {2, 2}};
  size_t npts = c->quick ? 2 : 4;
  double e[VERIFY_MATRIX_NE] = {0}, e_vec = 0;
  for (size_t s = 0; s < npts; s++) {
    size_t n = shapes[s][0], p = shapes[s][1], np = n * p, qn = bm_vech_len(n), qp = bm_vech_len(p);
    size_t k = np + qn + qp, at = 0;
    verify_family f = {&bm_family_matnorm, bm_matnorm_alloc(n, p), n, p, 0, set_theta, grad_x};
    gsl_matrix *M = gsl_matrix_alloc(n, p), *S = gsl_matrix_alloc(n, n), *O = gsl_matrix_alloc(p, p),
               *X = gsl_matrix_alloc(n, p);
    bm_rng_std_normal_matrix(r, M);
    verify_random_spd(r, 1.0, S);
    verify_random_spd(r, 1.0, O);
    bm_matnorm_set(f.d, M, S, O);
    bm_matnorm_sample(f.d, r, X);
    gsl_vector *t = gsl_vector_alloc(k);
    verify_theta_put(t, &at, M, 0);
    verify_theta_put(t, &at, S, 1);
    verify_theta_put(t, &at, O, 1);
    verify_matrix_point(c, "matnorm", &f, t, X, S, O, e);
    /* vec X ~ N_np(vec M, V (x) U): the multivariate normal formula with an explicit Kronecker scale */
    {
      gsl_matrix *K = gsl_matrix_alloc(np, np);
      for (size_t j = 0; j < p; j++)
        for (size_t i = 0; i < n; i++)
          for (size_t bb = 0; bb < p; bb++)
            for (size_t aa = 0; aa < n; aa++)
              gsl_matrix_set(K, j * n + i, bb * n + aa, gsl_matrix_get(O, j, bb) * gsl_matrix_get(S, i, aa));
      bm_chol_factor(K, K, NULL);
      gsl_vector *dv = gsl_vector_alloc(np), *mv = gsl_vector_alloc(np);
      bm_vec(X, dv);
      bm_vec(M, mv);
      gsl_vector_sub(dv, mv);
      double ref = -0.5 * (double)np * log(2 * M_PI) - 0.5 * bm_chol_logdet(K) - 0.5 * bm_chol_quadform(K, dv, NULL);
      double lp = NAN;
      bm_matnorm_logpdf(f.d, X, &lp);
      e_vec = verify_worst(e_vec, lp, ref);
      gsl_matrix_free(K);
      gsl_vector_free(dv);
      gsl_vector_free(mv);
    }
    gsl_vector_free(t);
    bm_matnorm_free(f.d);
    gsl_matrix_free(M);
    gsl_matrix_free(S);
    gsl_matrix_free(O);
    gsl_matrix_free(X);
    verify_progress(c, "matnorm", s + 1, npts);
  }
  verify_matrix_rows(c, "matnorm", e, "Fisher null vector (0, vech U, -vech V)");
  verify_row(c, "matnorm", "logpdf = N_np(vec M, V (x) U) on vec X", e_vec, 1e-12);
}
