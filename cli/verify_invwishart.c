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
  verify_wishart_type_p1(c, "invwishart", &bm_family_invwishart, &invwishart_wops, 1);
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
      e2 = verify_worst(e2, b, a);
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
