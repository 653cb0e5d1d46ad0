/* docs/contract.md as one table, across all seven families: the same contract must
 * hold everywhere (alloc(0) is NULL, free(NULL) is a no-op, nparams is the
 * length of the family's theta, a variate outside the support is BM_EDOM with
 * -inf, an infinite nu is BM_ENONFINITE, non-existent moments are BM_EDOM,
 * the non-identified families' full Jeffreys is BM_ESING, an unset object
 * is refused, and on failure outputs are NaN). Each family's own test file
 * goes deeper; this one catches a family drifting from the others.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "testutil.h"

static void alloc_zero_is_null_and_free_null_is_noop(void **state)
{
  (void)state;
  assert_null(bm_mvn_alloc(0));
  assert_null(bm_mvt_alloc(0));
  assert_null(bm_wishart_alloc(0));
  assert_null(bm_invwishart_alloc(0));
  assert_null(bm_matnorm_alloc(0, 3));
  assert_null(bm_matnorm_alloc(3, 0));
  assert_null(bm_matt_alloc(0, 2));
  assert_null(bm_matt_alloc(2, 0));
  assert_null(bm_matf_alloc(0));
  bm_mvn_free(NULL);
  bm_mvt_free(NULL);
  bm_wishart_free(NULL);
  bm_invwishart_free(NULL);
  bm_matnorm_free(NULL);
  bm_matt_free(NULL);
  bm_matf_free(NULL);
}

static void nparams_is_theta_length(void **state)
{
  (void)state;
  for (size_t p = 1; p <= 5; p++) {
    size_t q = p * (p + 1) / 2;
    bm_mvn *a = bm_mvn_alloc(p);
    bm_mvt *b = bm_mvt_alloc(p);
    bm_wishart *c = bm_wishart_alloc(p);
    bm_invwishart *d = bm_invwishart_alloc(p);
    bm_matf *e = bm_matf_alloc(p);
    assert_int_equal(bm_mvn_nparams(a), p + q);
    assert_int_equal(bm_mvt_nparams(b), p + q + 1);
    assert_int_equal(bm_wishart_nparams(c), q + 1);
    assert_int_equal(bm_invwishart_nparams(d), q + 1);
    assert_int_equal(bm_matf_nparams(e), q + 2);
    for (size_t n = 1; n <= 3; n++) {
      size_t qn = n * (n + 1) / 2;
      bm_matnorm *f = bm_matnorm_alloc(n, p);
      bm_matt *g = bm_matt_alloc(n, p);
      assert_int_equal(bm_matnorm_nparams(f), n * p + qn + q);
      size_t rn = 0, rp = 0;
      bm_matnorm_dims(f, &rn, &rp);
      assert_true(rn == n && rp == p);
      bm_matt_dims(g, &rn, &rp);
      assert_true(rn == n && rp == p);
      assert_int_equal(bm_matt_nparams(g), n * p + qn + q + 1);
      bm_matnorm_free(f);
      bm_matt_free(g);
    }
    bm_mvn_free(a);
    bm_mvt_free(b);
    bm_wishart_free(c);
    bm_invwishart_free(d);
    bm_matf_free(e);
  }
}

static void unset_objects_are_refused(void **state)
{
  (void)state;
  gsl_vector *x = gsl_vector_calloc(2);
  gsl_matrix *X = tu_identity(2);
  double lp = 0;
  bm_mvn *a = bm_mvn_alloc(2);
  bm_mvt *b = bm_mvt_alloc(2);
  bm_wishart *c = bm_wishart_alloc(2);
  bm_invwishart *d = bm_invwishart_alloc(2);
  bm_matnorm *e = bm_matnorm_alloc(2, 2);
  bm_matt *f = bm_matt_alloc(2, 2);
  bm_matf *g = bm_matf_alloc(2);
  assert_int_equal(bm_mvn_logpdf(a, x, &lp), BM_EINVAL);
  assert_true(isnan(lp));
  assert_int_equal(bm_mvt_logpdf(b, x, &lp), BM_EINVAL);
  assert_int_equal(bm_wishart_logpdf(c, X, &lp), BM_EINVAL);
  assert_int_equal(bm_invwishart_logpdf(d, X, &lp), BM_EINVAL);
  assert_int_equal(bm_matnorm_logpdf(e, X, &lp), BM_EINVAL);
  assert_int_equal(bm_matt_logpdf(f, X, &lp), BM_EINVAL);
  assert_int_equal(bm_matf_logpdf(g, X, &lp), BM_EINVAL);
  assert_true(isnan(lp));
  bm_mvn_free(a);
  bm_mvt_free(b);
  bm_wishart_free(c);
  bm_invwishart_free(d);
  bm_matnorm_free(e);
  bm_matt_free(f);
  bm_matf_free(g);
  gsl_vector_free(x);
  gsl_matrix_free(X);
}

static void outside_support_is_edom_with_minus_infinity(void **state)
{
  (void)state;
  gsl_matrix *I2 = tu_identity(2), *bad = tu_identity(2);
  gsl_matrix_set(bad, 0, 1, 2.0);
  gsl_matrix_set(bad, 1, 0, 2.0); /* symmetric, indefinite */
  gsl_matrix *G = gsl_matrix_alloc(2, 2);
  gsl_vector *s3 = gsl_vector_alloc(4), *s4 = gsl_vector_alloc(5);
  double lp = 0;
  bm_wishart *c = bm_wishart_alloc(2);
  bm_invwishart *d = bm_invwishart_alloc(2);
  bm_matf *g = bm_matf_alloc(2);
  assert_int_equal(bm_wishart_set(c, 3.0, I2), BM_SUCCESS);
  assert_int_equal(bm_invwishart_set(d, 3.0, I2), BM_SUCCESS);
  assert_int_equal(bm_matf_set(g, 3.0, 2.0, I2), BM_SUCCESS);
  assert_int_equal(bm_wishart_logpdf(c, bad, &lp), BM_EDOM);
  assert_true(isinf(lp) && lp < 0);
  lp = 0;
  assert_int_equal(bm_invwishart_logpdf(d, bad, &lp), BM_EDOM);
  assert_true(isinf(lp) && lp < 0);
  lp = 0;
  assert_int_equal(bm_matf_logpdf(g, bad, &lp), BM_EDOM);
  assert_true(isinf(lp) && lp < 0);
  /* derivative functions: BM_EDOM too, outputs NaN */
  assert_int_equal(bm_wishart_score(c, bad, s3), BM_EDOM);
  assert_true(isnan(gsl_vector_get(s3, 0)));
  assert_int_equal(bm_invwishart_score(d, bad, s3), BM_EDOM);
  assert_int_equal(bm_matf_score(g, bad, s4), BM_EDOM);
  assert_true(isnan(gsl_vector_get(s4, 0)));
  bm_wishart_free(c);
  bm_invwishart_free(d);
  bm_matf_free(g);
  free_matrices(I2, bad, G);
  gsl_vector_free(s3);
  gsl_vector_free(s4);
}

static void infinite_nu_and_domains(void **state)
{
  (void)state;
  gsl_matrix *I2 = tu_identity(2), *M = gsl_matrix_calloc(2, 2);
  gsl_vector *mu = gsl_vector_calloc(2);
  bm_mvt *b = bm_mvt_alloc(2);
  bm_wishart *c = bm_wishart_alloc(2);
  bm_invwishart *d = bm_invwishart_alloc(2);
  bm_matt *f = bm_matt_alloc(2, 2);
  bm_matf *g = bm_matf_alloc(2);
  assert_int_equal(bm_mvt_set(b, INFINITY, mu, I2), BM_ENONFINITE);
  assert_int_equal(bm_wishart_set(c, INFINITY, I2), BM_ENONFINITE);
  assert_int_equal(bm_invwishart_set(d, INFINITY, I2), BM_ENONFINITE);
  assert_int_equal(bm_matt_set(f, INFINITY, M, I2, I2), BM_ENONFINITE);
  assert_int_equal(bm_matf_set(g, INFINITY, 3.0, I2), BM_ENONFINITE);
  assert_int_equal(bm_matf_set(g, 3.0, INFINITY, I2), BM_ENONFINITE);
  assert_int_equal(bm_mvt_set(b, 0.0, mu, I2), BM_EDOM);
  assert_int_equal(bm_wishart_set(c, 1.0, I2), BM_EDOM);         /* nu <= p - 1 */
  assert_int_equal(bm_wishart_set(c, 1.0 + 1e-9, I2), BM_SUCCESS); /* just above */
  assert_int_equal(bm_invwishart_set(d, 1.0, I2), BM_EDOM);
  assert_int_equal(bm_matt_set(f, 0.0, M, I2, I2), BM_EDOM);
  assert_int_equal(bm_matf_set(g, 1.0, 3.0, I2), BM_EDOM);
  assert_int_equal(bm_matf_set(g, 3.0, 0.0, I2), BM_EDOM);
  /* moments that do not exist: mvt mean nu <= 1, matt mean nu <= 1, matf mean delta <= 2 */
  gsl_vector *m = gsl_vector_alloc(2);
  gsl_matrix *Mo = gsl_matrix_alloc(2, 2);
  assert_int_equal(bm_mvt_set(b, 1.0, mu, I2), BM_SUCCESS);
  assert_int_equal(bm_mvt_mean(b, m), BM_EDOM);
  assert_int_equal(bm_matt_set(f, 1.0, M, I2, I2), BM_SUCCESS);
  assert_int_equal(bm_matt_mean(f, Mo), BM_EDOM);
  assert_int_equal(bm_matt_set(f, 1.5, M, I2, I2), BM_SUCCESS);
  assert_int_equal(bm_matt_mean(f, Mo), BM_SUCCESS);
  assert_int_equal(bm_matf_set(g, 3.0, 2.0, I2), BM_SUCCESS);
  assert_int_equal(bm_matf_mean(g, Mo), BM_EDOM);
  assert_int_equal(bm_matf_set(g, 3.0, 2.5, I2), BM_SUCCESS);
  assert_int_equal(bm_matf_mean(g, Mo), BM_SUCCESS);
  /* E[X] = nu Psi / (delta - 2) (docs/contract.md) */
  tu_assert_rel(gsl_matrix_get(Mo, 0, 0), 3.0 / 0.5, 1e-15);
  bm_mvt_free(b);
  bm_wishart_free(c);
  bm_invwishart_free(d);
  bm_matt_free(f);
  bm_matf_free(g);
  free_matrices(I2, M, Mo);
  gsl_vector_free(mu);
  gsl_vector_free(m);
}

/* matnorm and matt: Fisher singular by exactly one direction (docs/contract.md) */
static void non_identified_fisher_is_returned_as_is(void **state)
{
  (void)state;
  size_t n = 2, p = 2, q = 3, N = n * p + 2 * q;
  gsl_matrix *U = tu_identity(2), *V = tu_identity(2), *M = gsl_matrix_calloc(2, 2);
  gsl_matrix_set(U, 0, 1, 0.3);
  gsl_matrix_set(U, 1, 0, 0.3);
  gsl_matrix_set(V, 1, 1, 2.0);
  gsl_matrix *F = gsl_matrix_alloc(N + 1, N + 1);
  gsl_matrix_view Fn = gsl_matrix_submatrix(F, 0, 0, N, N);
  bm_matnorm *e = bm_matnorm_alloc(n, p);
  bm_matt *f = bm_matt_alloc(n, p);
  assert_int_equal(bm_matnorm_set(e, M, U, V), BM_SUCCESS);
  assert_int_equal(bm_matnorm_fisher(e, &Fn.matrix), BM_SUCCESS);
  assert_int_equal(bm_matt_set(f, 4.0, M, U, V), BM_SUCCESS);
  assert_int_equal(bm_matt_fisher(f, F), BM_SUCCESS);
  /* null vector (0, vech U, -vech V[, 0]) */
  double v[11] = {0, 0, 0, 0, 1, 0.3, 1, -1, 0, -2, 0};
  for (int which = 0; which < 2; which++) {
    size_t dim = which ? N + 1 : N;
    double worst = 0, scale = 0;
    for (size_t i = 0; i < dim; i++) {
      double s = 0;
      for (size_t j = 0; j < dim; j++) {
        double fij = which ? gsl_matrix_get(F, i, j) : gsl_matrix_get(&Fn.matrix, i, j);
        s += fij * v[j];
        scale = fmax(scale, fabs(fij));
      }
      worst = fmax(worst, fabs(s));
    }
    assert_true(worst <= 1e-13 * scale);
  }
  double lp;
  assert_int_equal(bm_matnorm_jeffreys(e, NULL, 0, &lp), BM_ESING);
  assert_int_equal(bm_matt_jeffreys(f, NULL, 0, &lp), BM_ESING);
  bm_matnorm_free(e);
  bm_matt_free(f);
  free_matrices(U, V, M, F);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(alloc_zero_is_null_and_free_null_is_noop),
    cmocka_unit_test(nparams_is_theta_length),
    cmocka_unit_test(unset_objects_are_refused),
    cmocka_unit_test(outside_support_is_edom_with_minus_infinity),
    cmocka_unit_test(infinite_nu_and_domains),
    cmocka_unit_test(non_identified_fisher_is_returned_as_is),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
