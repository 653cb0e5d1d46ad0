/* bayesmat verify: wishart. Derivatives vs the finite-difference engine at
 * random parameters from c->rng, the Fisher information vs a short Monte
 * Carlo (reported as max |z| / 6 against 1), and identities: p = 1 against
 * GSL's gamma density, set_chol = set, batched log-likelihood = sum. All but
 * the p = 1 row are shared with invwishart (verify_wishart_type_* in verify_util.c).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include "bayesmat.h"
#include "verify.h"

VERIFY_WISHART_TYPE_OPS(wishart);

void verify_wishart(verify_ctx *c)
{
  gsl_rng *r = c->rng;
  verify_wishart_type_derivatives(c, "wishart", &bm_family_wishart, &wishart_wops, 0);
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
  }
  verify_wishart_type_identities(c, "wishart", &bm_family_wishart, &wishart_wops);
}
