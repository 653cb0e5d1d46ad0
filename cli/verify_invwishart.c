/* bayesmat verify: invwishart. Derivatives vs the finite-difference engine at
 * random parameters from c->rng, the Fisher information vs a short Monte
 * Carlo (reported as max |z| / 6 against 1), and identities: p = 1 against
 * GSL's gamma density transformed to the inverse gamma, the duality
 * log IW(X; nu, Psi) = log W(X^-1; nu, Psi^-1) - (p+1) log|X|, set_chol =
 * set, batched log-likelihood = sum. The derivative, Fisher, set_chol and
 * batched rows are shared with wishart (verify_wishart_type_* in verify_util.c).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "verify.h"

VERIFY_WISHART_TYPE_OPS(invwishart);

void verify_invwishart(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  verify_wishart_type_derivatives(c, "invwishart", &bm_family_invwishart, &invwishart_wops, 1);
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
  }
  verify_wishart_type_identities(c, "invwishart", &bm_family_invwishart, &invwishart_wops);

  /* duality with the Wishart: log IW(X; nu, Psi) = log W(X^-1; nu, Psi^-1) - (p+1) log|X| */
  {
    size_t p = 4, m = 5;
    bm_invwishart *d = bm_invwishart_alloc(p);
    bm_wishart *w = bm_wishart_alloc(p);
    gsl_matrix *S = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p), *Si = gsl_matrix_alloc(p, p);
    gsl_matrix *X = gsl_matrix_alloc(p, p), *Xi = gsl_matrix_alloc(p, p), *LX = gsl_matrix_alloc(p, p);
    verify_random_spd(r, 1.0, S);
    double nu = 4.5 + gsl_ran_exponential(r, 3.0), e2 = 0;
    bm_chol_factor(S, L, NULL);
    bm_chol_inverse(L, Si);
    bm_invwishart_set(d, nu, S);
    bm_wishart_set(w, nu, Si);
    for (size_t k = 0; k < m; k++) {
      double a = NAN, b = NAN;
      bm_invwishart_sample(d, r, X);
      bm_chol_factor(X, LX, NULL);
      bm_chol_inverse(LX, Xi);
      bm_invwishart_logpdf(d, X, &a);
      bm_wishart_logpdf(w, Xi, &b);
      b -= (double)(p + 1) * bm_chol_logdet(LX);
      e2 = fmax(e2, fabs(a - b) / fmax(1, fabs(a)));
      if (isnan(a - b)) e2 = NAN;
    }
    verify_row(c, "invwishart", "log IW(X) = log W(X^-1) - (p+1) log|X|", e2, 1e-9);
    bm_invwishart_free(d);
    bm_wishart_free(w);
    gsl_matrix_free(S);
    gsl_matrix_free(L);
    gsl_matrix_free(Si);
    gsl_matrix_free(X);
    gsl_matrix_free(Xi);
    gsl_matrix_free(LX);
  }
}
