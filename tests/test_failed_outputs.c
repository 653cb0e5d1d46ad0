/* Regression tests for the fuzz findings at the range limits of double
 * (docs/reliability.md, "Findings so far"): a failed call leaves every output
 * NaN, never a finite log-density beside BM_EDOM; a log-density below
 * -DBL_MAX is -inf, never NaN with success; a subnormal Cholesky pivot is
 * divided by, not multiplied by its overflowing reciprocal. Each expected
 * value is worked out by hand in the comment beside it.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <float.h>
#include "testutil.h"

#define LOG_2PI 1.83787706640934548356065947281123527

/* mvn, p = 1, Sigma = 1e-300 (Lambda = 1e300), x = 1e-140: the form
 * Lambda x^2 = 1e20 is finite, so is log f, but d/dSigma = (Lambda^2 x^2 -
 * Lambda)/2 = 5e319 is beyond DBL_MAX: BM_EDOM and ll NaN with it. */
static void loglik_grad_overflow_leaves_ll_nan(void **state)
{
  (void)state;
  bm_mvn *d = bm_mvn_alloc(1);
  gsl_vector *mu = gsl_vector_calloc(1), *dmu = gsl_vector_alloc(1);
  gsl_matrix *S = gsl_matrix_alloc(1, 1), *X = gsl_matrix_alloc(1, 1), *dS = gsl_matrix_alloc(1, 1);
  gsl_matrix_set(S, 0, 0, 1e-300);
  gsl_matrix_set(X, 0, 0, 1e-140);
  assert_int_equal(bm_mvn_set(d, mu, S), BM_SUCCESS);
  double ll = 0.0;
  assert_int_equal(bm_mvn_loglik(d, X, &ll, NULL), BM_SUCCESS); /* the value alone is fine */
  assert_true(isfinite(ll) && ll < -1e19);
  assert_int_equal(bm_mvn_loglik_grad(d, X, &ll, dmu, dS), BM_EDOM);
  assert_true(isnan(ll));
  assert_true(isnan(gsl_vector_get(dmu, 0)) && isnan(gsl_matrix_get(dS, 0, 0)));
  bm_mvn_free(d);
  gsl_vector_free(mu);
  gsl_vector_free(dmu);
  free_matrices(S, X, dS);
}

/* Wishart p = 1 from its factor L_S = DBL_TRUE_MIN, nu = 100 (large-nu form),
 * X = DBL_TRUE_MIN: log f ~ -X / (2 S) = -1 / (2 DBL_TRUE_MIN) ~ -1e323, below
 * -DBL_MAX: -inf with success (documented), never NaN. The inverse Wishart
 * with L_Psi = 2^983 (Psi = 2^1966) at X = 2^-86: -Psi / (2 X) is again far
 * below -DBL_MAX. */
static void log_density_below_dbl_max_is_minus_inf(void **state)
{
  (void)state;
  gsl_matrix *L = gsl_matrix_alloc(1, 1), *X = gsl_matrix_alloc(1, 1);
  double lp = 0.0;
  bm_wishart *w = bm_wishart_alloc(1);
  gsl_matrix_set(L, 0, 0, 4.9406564584124654e-324);
  gsl_matrix_set(X, 0, 0, 4.9406564584124654e-324);
  assert_int_equal(bm_wishart_set_chol(w, 100.0, L), BM_SUCCESS);
  assert_int_equal(bm_wishart_logpdf(w, X, &lp), BM_SUCCESS);
  assert_true(lp == -INFINITY);
  bm_wishart_free(w);

  bm_invwishart *iw = bm_invwishart_alloc(1);
  gsl_matrix_set(L, 0, 0, ldexp(1.0, 983));
  gsl_matrix_set(X, 0, 0, ldexp(1.0, -86));
  assert_int_equal(bm_invwishart_set_chol(iw, 1778.0, L), BM_SUCCESS);
  assert_int_equal(bm_invwishart_logpdf(iw, X, &lp), BM_SUCCESS);
  assert_true(lp == -INFINITY);
  bm_invwishart_free(iw);
  gsl_matrix_free(L);
  gsl_matrix_free(X);
}

/* mvn p = 2 from L = diag(DBL_TRUE_MIN, 1), x = (2 DBL_TRUE_MIN, 0.5):
 * z = (2, 0.5) exactly, so log f = -(4 + 0.25)/2 - log(DBL_TRUE_MIN) - log 2pi
 * = 741.32... . 1/DBL_TRUE_MIN overflows; the batched small-p path (which
 * skips its kernel for such a pivot, or redoes an overflowed row on the
 * scaled path) and the single log-density must both give the finite value. */
static void subnormal_pivot_is_divided(void **state)
{
  (void)state;
  const double tmin = 4.9406564584124654e-324;
  bm_mvn *d = bm_mvn_alloc(2);
  gsl_vector *mu = gsl_vector_calloc(2), *x = gsl_vector_alloc(2);
  gsl_matrix *L = gsl_matrix_calloc(2, 2), *X = gsl_matrix_alloc(3, 2);
  gsl_matrix_set(L, 0, 0, tmin);
  gsl_matrix_set(L, 1, 1, 1.0);
  assert_int_equal(bm_mvn_set_chol(d, mu, L), BM_SUCCESS);
  gsl_vector_set(x, 0, 2.0 * tmin);
  gsl_vector_set(x, 1, 0.5);
  for (size_t i = 0; i < 3; i++) gsl_matrix_set_row(X, i, x);
  double ref = -0.5 * 4.25 - log(tmin) - LOG_2PI, lp = 0.0, ll = 0.0;
  assert_int_equal(bm_mvn_logpdf(d, x, &lp), BM_SUCCESS);
  assert_true(fabs(lp - ref) <= 1e-13 * fabs(ref));
  assert_int_equal(bm_mvn_loglik(d, X, &ll, NULL), BM_SUCCESS);
  assert_true(fabs(ll - 3.0 * ref) <= 1e-13 * fabs(3.0 * ref));
  bm_mvn_free(d);
  gsl_vector_free(mu);
  gsl_vector_free(x);
  gsl_matrix_free(L);
  gsl_matrix_free(X);
}

/* mvt p = 2, nu = 3, Sigma = diag(2^1000, 2^-1000), x = (2^1000, 1): whitened
 * z = (2^500, 2^500), delta = 2^1001 overflows, and no power-of-two scaling
 * of x - mu keeps both entries (the far-tail path works in long double).
 * References (mpmath, 50 digits): log f = -1733.6921656960022081,
 * d log f / d nu = -345.53752439258523918; d mu = w Lambda r with
 * w = 5 / (3 + 2^1001): (5 2^-1001, 5/2). */
static void mvt_far_tail_both_scales(void **state)
{
  (void)state;
  bm_mvt *t = bm_mvt_alloc(2);
  gsl_vector *mu = gsl_vector_calloc(2), *x = gsl_vector_alloc(2), *dmu = gsl_vector_alloc(2);
  gsl_matrix *S = gsl_matrix_calloc(2, 2), *dS = gsl_matrix_alloc(2, 2);
  gsl_matrix_set(S, 0, 0, ldexp(1.0, 1000));
  gsl_matrix_set(S, 1, 1, ldexp(1.0, -1000));
  assert_int_equal(bm_mvt_set(t, 3.0, mu, S), BM_SUCCESS);
  gsl_vector_set(x, 0, ldexp(1.0, 1000));
  gsl_vector_set(x, 1, 1.0);
  double lp = 0.0, dnu = 0.0;
  assert_int_equal(bm_mvt_logpdf(t, x, &lp), BM_SUCCESS);
  assert_true(fabs(lp - -1733.6921656960022081) <= 1e-14 * 1733.7);
  assert_int_equal(bm_mvt_grad(t, x, NULL, dmu, dS, &dnu), BM_SUCCESS);
  assert_true(fabs(dnu - -345.53752439258523918) <= 1e-14 * 345.6);
  assert_true(fabs(gsl_vector_get(dmu, 0) - 5.0 * ldexp(1.0, -1001)) <= 1e-14 * 5.0 * ldexp(1.0, -1001));
  assert_true(fabs(gsl_vector_get(dmu, 1) - 2.5) <= 1e-14 * 2.5);
  bm_mvt_free(t);
  free_vectors(mu, x, dmu);
  gsl_matrix_free(S);
  gsl_matrix_free(dS);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(loglik_grad_overflow_leaves_ll_nan),
      cmocka_unit_test(log_density_below_dbl_max_is_minus_inf),
      cmocka_unit_test(subnormal_pivot_is_divided),
      cmocka_unit_test(mvt_far_tail_both_scales),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
