/* The uniform surface every family has (_shape, _dim, _get_theta,
 * _logpdf_grad), the conjugate models' dimension accessors and the special
 * functions added for the stable large-argument forms, each by name.
 * References: _get_theta against _set_theta (a round trip through a fresh
 * object gives the same theta and log-density to rounding: theta passes
 * through a Cholesky factor);
 * _logpdf_grad against _logpdf and _grad (the same numbers, bit for bit);
 * the special functions against long-double evaluations of their defining
 * formulas at arguments where those do not cancel, and against GSL.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include <gsl/gsl_sf_psi.h>
#include "testutil.h"

#define P 3
#define N 2

static void spd(gsl_matrix *S, double scale)
{
  gsl_matrix_set_zero(S);
  for (size_t i = 0; i < S->size1; i++) {
    gsl_matrix_set(S, i, i, 2.0 * scale);
    if (i + 1 < S->size1) {
      gsl_matrix_set(S, i, i + 1, 0.5 * scale);
      gsl_matrix_set(S, i + 1, i, 0.5 * scale);
    }
  }
}

static void fill(gsl_matrix *A)
{
  for (size_t i = 0; i < A->size1; i++)
    for (size_t j = 0; j < A->size2; j++) gsl_matrix_set(A, i, j, 0.1 * (double)(i + 1) - 0.2 * (double)j);
}

static void assert_same_vector(const gsl_vector *a, const gsl_vector *b)
{
  assert_int_equal(a->size, b->size);
  for (size_t i = 0; i < a->size; i++) assert_true(gsl_vector_get(a, i) == gsl_vector_get(b, i));
}

/* theta through a factorization and back: equal to rounding */
static void assert_close_vector(const gsl_vector *a, const gsl_vector *b)
{
  assert_int_equal(a->size, b->size);
  for (size_t i = 0; i < a->size; i++)
    assert_true(fabs(gsl_vector_get(a, i) - gsl_vector_get(b, i)) <= 1e-14 * (1.0 + fabs(gsl_vector_get(a, i))));
}

#define assert_close_lp(a, b) assert_true(fabs((a) - (b)) <= 1e-13 * (1.0 + fabs(a)))

static void assert_same_matrix(const gsl_matrix *a, const gsl_matrix *b)
{
  for (size_t i = 0; i < a->size1; i++)
    for (size_t j = 0; j < a->size2; j++) assert_true(gsl_matrix_get(a, i, j) == gsl_matrix_get(b, i, j));
}

/* theta of d, set into e, read back: equal; and e's log-density at the
 * variate equals d's (evaluated by the caller through lp_d, lp_e) */
#define THETA_ROUND_TRIP(F, d, e, theta, theta2)                                                                     \
  do {                                                                                                               \
    assert_int_equal(bm_##F##_get_theta(d, theta), BM_SUCCESS);                                                      \
    assert_int_equal(bm_##F##_set_theta(e, theta), BM_SUCCESS);                                                      \
    assert_int_equal(bm_##F##_get_theta(e, theta2), BM_SUCCESS);                                                     \
    assert_close_vector(theta, theta2);                                                                              \
  } while (0)

static void vector_families(void **state)
{
  (void)state;
  gsl_vector *mu = gsl_vector_alloc(P), *x = gsl_vector_alloc(P), *g1 = gsl_vector_alloc(P), *g2 = gsl_vector_alloc(P);
  gsl_vector *m1 = gsl_vector_alloc(P), *m2 = gsl_vector_alloc(P);
  gsl_matrix *S = gsl_matrix_alloc(P, P), *G1 = gsl_matrix_alloc(P, P), *G2 = gsl_matrix_alloc(P, P);
  for (size_t i = 0; i < P; i++) {
    gsl_vector_set(mu, i, 0.3 * (double)i);
    gsl_vector_set(x, i, 1.0 - 0.4 * (double)i);
  }
  spd(S, 1.0);
  size_t q = P + P * (P + 1) / 2, rows, cols;
  double lp1, lp2, a, b;

  bm_mvn *n1 = bm_mvn_alloc(P), *n2 = bm_mvn_alloc(P);
  gsl_vector *t1 = gsl_vector_alloc(q), *t2 = gsl_vector_alloc(q);
  assert_int_equal(bm_mvn_set(n1, mu, S), BM_SUCCESS);
  bm_mvn_shape(n1, &rows, &cols);
  assert_true(rows == 1 && cols == P);
  assert_int_equal(bm_mvn_logpdf_grad(n1, x, &lp1, g1, m1, G1), BM_SUCCESS);
  assert_int_equal(bm_mvn_logpdf(n1, x, &lp2), BM_SUCCESS);
  assert_true(lp1 == lp2);
  assert_int_equal(bm_mvn_grad(n1, x, g2, m2, G2), BM_SUCCESS);
  assert_same_vector(g1, g2);
  assert_same_vector(m1, m2);
  assert_same_matrix(G1, G2);
  {
    bm_mvn *d = n1, *e = n2;
    assert_int_equal(bm_mvn_get_theta(d, t1), BM_SUCCESS);
    assert_int_equal(bm_mvn_set_theta(e, t1), BM_SUCCESS);
    assert_int_equal(bm_mvn_get_theta(e, t2), BM_SUCCESS);
    assert_close_vector(t1, t2);
  }
  assert_int_equal(bm_mvn_logpdf(n2, x, &lp2), BM_SUCCESS);
  assert_close_lp(lp1, lp2);
  bm_mvn_free(n1);
  bm_mvn_free(n2);
  gsl_vector_free(t1);
  gsl_vector_free(t2);

  bm_mvt *s1 = bm_mvt_alloc(P), *s2 = bm_mvt_alloc(P);
  t1 = gsl_vector_alloc(q + 1);
  t2 = gsl_vector_alloc(q + 1);
  assert_int_equal(bm_mvt_set(s1, 4.5, mu, S), BM_SUCCESS);
  bm_mvt_shape(s1, &rows, &cols);
  assert_true(rows == 1 && cols == P);
  assert_int_equal(bm_mvt_logpdf_grad(s1, x, &lp1, g1, m1, G1, &a), BM_SUCCESS);
  assert_int_equal(bm_mvt_logpdf(s1, x, &lp2), BM_SUCCESS);
  assert_true(lp1 == lp2);
  assert_int_equal(bm_mvt_grad(s1, x, g2, m2, G2, &b), BM_SUCCESS);
  assert_same_vector(g1, g2);
  assert_same_vector(m1, m2);
  assert_same_matrix(G1, G2);
  assert_true(a == b);
  THETA_ROUND_TRIP(mvt, s1, s2, t1, t2);
  assert_int_equal(bm_mvt_logpdf(s2, x, &lp2), BM_SUCCESS);
  assert_close_lp(lp1, lp2);
  bm_mvt_free(s1);
  bm_mvt_free(s2);
  gsl_vector_free(t1);
  gsl_vector_free(t2);

  TU_FREE_V(mu, x, g1, g2, m1, m2);
  TU_FREE_M(S, G1, G2);
}

static void square_families(void **state)
{
  (void)state;
  gsl_matrix *S = gsl_matrix_alloc(P, P), *X = gsl_matrix_alloc(P, P);
  gsl_matrix *A1 = gsl_matrix_alloc(P, P), *A2 = gsl_matrix_alloc(P, P), *B1 = gsl_matrix_alloc(P, P),
             *B2 = gsl_matrix_alloc(P, P);
  spd(S, 1.0);
  spd(X, 1.5);
  size_t q = P * (P + 1) / 2 + 1, rows, cols;
  double lp1, lp2, a, b, c, e;
  gsl_vector *t1 = gsl_vector_alloc(q), *t2 = gsl_vector_alloc(q);

  bm_wishart *w1 = bm_wishart_alloc(P), *w2 = bm_wishart_alloc(P);
  assert_int_equal(bm_wishart_set(w1, 5.5, S), BM_SUCCESS);
  assert_int_equal(bm_wishart_dim(w1), P);
  bm_wishart_shape(w1, &rows, &cols);
  assert_true(rows == P && cols == P);
  assert_int_equal(bm_wishart_logpdf_grad(w1, X, &lp1, A1, B1, &a), BM_SUCCESS);
  assert_int_equal(bm_wishart_grad(w1, X, A2, B2, &b), BM_SUCCESS);
  assert_same_matrix(A1, A2);
  assert_same_matrix(B1, B2);
  assert_true(a == b);
  THETA_ROUND_TRIP(wishart, w1, w2, t1, t2);
  assert_int_equal(bm_wishart_logpdf(w2, X, &lp2), BM_SUCCESS);
  assert_close_lp(lp1, lp2);
  bm_wishart_free(w1);
  bm_wishart_free(w2);

  bm_invwishart *i1 = bm_invwishart_alloc(P), *i2 = bm_invwishart_alloc(P);
  assert_int_equal(bm_invwishart_set(i1, 6.5, S), BM_SUCCESS);
  assert_int_equal(bm_invwishart_dim(i1), P);
  bm_invwishart_shape(i1, &rows, &cols);
  assert_true(rows == P && cols == P);
  assert_int_equal(bm_invwishart_logpdf(i1, X, &lp1), BM_SUCCESS);
  THETA_ROUND_TRIP(invwishart, i1, i2, t1, t2);
  assert_int_equal(bm_invwishart_logpdf(i2, X, &lp2), BM_SUCCESS);
  assert_close_lp(lp1, lp2);
  bm_invwishart_free(i1);
  bm_invwishart_free(i2);
  gsl_vector_free(t1);
  gsl_vector_free(t2);

  bm_matf *f1 = bm_matf_alloc(P), *f2 = bm_matf_alloc(P);
  t1 = gsl_vector_alloc(q + 1);
  t2 = gsl_vector_alloc(q + 1);
  assert_int_equal(bm_matf_set(f1, 4.5, 3.5, S), BM_SUCCESS);
  bm_matf_shape(f1, &rows, &cols);
  assert_true(rows == P && cols == P);
  assert_int_equal(bm_matf_logpdf_grad(f1, X, &lp1, A1, B1, &a, &c), BM_SUCCESS);
  assert_int_equal(bm_matf_logpdf(f1, X, &lp2), BM_SUCCESS);
  assert_true(lp1 == lp2);
  assert_int_equal(bm_matf_grad(f1, X, A2, B2, &b, &e), BM_SUCCESS);
  assert_same_matrix(A1, A2);
  assert_same_matrix(B1, B2);
  assert_true(a == b && c == e);
  THETA_ROUND_TRIP(matf, f1, f2, t1, t2);
  assert_int_equal(bm_matf_logpdf(f2, X, &lp2), BM_SUCCESS);
  assert_close_lp(lp1, lp2);
  bm_matf_free(f1);
  bm_matf_free(f2);
  gsl_vector_free(t1);
  gsl_vector_free(t2);

  TU_FREE_M(S, X, A1, A2, B1, B2);
}

static void rectangular_families(void **state)
{
  (void)state;
  gsl_matrix *M = gsl_matrix_calloc(N, P), *X = gsl_matrix_alloc(N, P), *U = gsl_matrix_alloc(N, N),
             *V = gsl_matrix_alloc(P, P);
  gsl_matrix *dX1 = gsl_matrix_alloc(N, P), *dX2 = gsl_matrix_alloc(N, P), *dM1 = gsl_matrix_alloc(N, P),
             *dM2 = gsl_matrix_alloc(N, P), *dU1 = gsl_matrix_alloc(N, N), *dU2 = gsl_matrix_alloc(N, N),
             *dV1 = gsl_matrix_alloc(P, P), *dV2 = gsl_matrix_alloc(P, P);
  fill(X);
  spd(U, 1.0);
  spd(V, 0.5);
  size_t q = N * P + N * (N + 1) / 2 + P * (P + 1) / 2, rows, cols;
  double lp1, lp2, a, b;
  gsl_vector *t1 = gsl_vector_alloc(q), *t2 = gsl_vector_alloc(q);

  bm_matnorm *n1 = bm_matnorm_alloc(N, P), *n2 = bm_matnorm_alloc(N, P);
  assert_int_equal(bm_matnorm_set(n1, M, U, V), BM_SUCCESS);
  bm_matnorm_shape(n1, &rows, &cols);
  assert_true(rows == N && cols == P);
  assert_int_equal(bm_matnorm_logpdf_grad(n1, X, &lp1, dX1, dM1, dU1, dV1), BM_SUCCESS);
  assert_int_equal(bm_matnorm_logpdf(n1, X, &lp2), BM_SUCCESS);
  assert_true(lp1 == lp2);
  assert_int_equal(bm_matnorm_grad(n1, X, dX2, dM2, dU2, dV2), BM_SUCCESS);
  assert_same_matrix(dX1, dX2);
  assert_same_matrix(dM1, dM2);
  assert_same_matrix(dU1, dU2);
  assert_same_matrix(dV1, dV2);
  THETA_ROUND_TRIP(matnorm, n1, n2, t1, t2);
  assert_int_equal(bm_matnorm_logpdf(n2, X, &lp2), BM_SUCCESS);
  assert_close_lp(lp1, lp2);
  bm_matnorm_free(n1);
  bm_matnorm_free(n2);
  gsl_vector_free(t1);
  gsl_vector_free(t2);

  bm_matt *s1 = bm_matt_alloc(N, P), *s2 = bm_matt_alloc(N, P);
  t1 = gsl_vector_alloc(q + 1);
  t2 = gsl_vector_alloc(q + 1);
  assert_int_equal(bm_matt_set(s1, 3.5, M, U, V), BM_SUCCESS);
  bm_matt_shape(s1, &rows, &cols);
  assert_true(rows == N && cols == P);
  assert_int_equal(bm_matt_logpdf_grad(s1, X, &lp1, dX1, dM1, dU1, dV1, &a), BM_SUCCESS);
  assert_int_equal(bm_matt_logpdf(s1, X, &lp2), BM_SUCCESS);
  assert_true(lp1 == lp2);
  assert_int_equal(bm_matt_grad(s1, X, dX2, dM2, dU2, dV2, &b), BM_SUCCESS);
  assert_same_matrix(dX1, dX2);
  assert_same_matrix(dM1, dM2);
  assert_same_matrix(dU1, dU2);
  assert_same_matrix(dV1, dV2);
  assert_true(a == b);
  THETA_ROUND_TRIP(matt, s1, s2, t1, t2);
  assert_int_equal(bm_matt_logpdf(s2, X, &lp2), BM_SUCCESS);
  assert_close_lp(lp1, lp2);
  bm_matt_free(s1);
  bm_matt_free(s2);
  gsl_vector_free(t1);
  gsl_vector_free(t2);

  gsl_matrix *mats[] = {M, X, U, V, dX1, dX2, dM1, dM2, dU1, dU2, dV1, dV2};
  for (size_t i = 0; i < sizeof mats / sizeof mats[0]; i++) gsl_matrix_free(mats[i]);
}

static void conjugate_dimensions(void **state)
{
  (void)state;
  gsl_vector *m0 = gsl_vector_calloc(P);
  gsl_matrix *S = gsl_matrix_alloc(P, P), *B0 = gsl_matrix_calloc(P, N), *Psi = gsl_matrix_alloc(N, N);
  spd(S, 1.0);
  spd(Psi, 1.0);
  bm_niw *niw = bm_niw_alloc(P);
  assert_int_equal(bm_niw_set_prior(niw, m0, 1.0, 5.0, S), BM_SUCCESS);
  assert_int_equal(bm_niw_dim(niw), P);
  bm_blr *blr = bm_blr_alloc(P);
  assert_int_equal(bm_blr_set_prior_nig(blr, m0, S, 2.0, 1.0), BM_SUCCESS);
  assert_int_equal(bm_blr_dim(blr), P);
  bm_mniw *mniw = bm_mniw_alloc(P, N);
  assert_int_equal(bm_mniw_set_prior(mniw, B0, S, 4.0, Psi), BM_SUCCESS);
  size_t k = 0, d = 0;
  assert_int_equal(bm_mniw_dims(mniw, &k, &d), BM_SUCCESS);
  assert_true(k == P && d == N);
  bm_niw_free(niw);
  bm_blr_free(blr);
  bm_mniw_free(mniw);
  gsl_vector_free(m0);
  TU_FREE_M(S, B0, Psi);
}

static void special_functions(void **state)
{
  (void)state;
  /* log(1+u) - u where the long-double difference does not cancel much */
  const double us[] = {-0.75, -0.3, 0.2, 0.9, 3.0, 1e3};
  for (size_t i = 0; i < sizeof us / sizeof us[0]; i++) {
    long double ref = log1pl((long double)us[i]) - (long double)us[i];
    assert_true(fabsl((long double)bm_log1pmx(us[i]) - ref) <= 1e-15L * fabsl(ref));
  }
  /* small u: the series -u^2/2 + u^3/3 - u^4/4 */
  double u = 1e-6;
  assert_true(fabs(bm_log1pmx(u) - (-u * u / 2 + u * u * u / 3 - u * u * u * u / 4)) <= 1e-15 * u * u / 2);
  assert_true(bm_log1pmx(-1.0) == -INFINITY && isnan(bm_log1pmx(-1.5)));

  /* Stirling remainder against lgammal; its leading term is 1/(12x) */
  const double xs[] = {10.0, 37.5, 1e3};
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
    long double x = xs[i];
    long double ref = lgammal(x) - ((x - 0.5L) * logl(x) - x + 0.5L * logl(2.0L * 3.14159265358979323846264338327950288L));
    /* the header's bound, plus the reference's own rounding (~1e-19 of the
     * lgamma(x) it cancels) */
    assert_true(fabsl((long double)bm_lgamma_stirling_tail(xs[i]) - ref) <= 4e-15L * ref + 4e-19L * lgammal(x));
  }
  assert_true(fabs(bm_lgamma_stirling_tail(1e8) - 1.0 / 12e8) <= 1e-12 / 12e8);
  assert_true(isnan(bm_lgamma_stirling_tail(5.0)));

  /* psi'(x) - psi'(x + h) against GSL at moderate arguments (no cancellation) */
  const double tx[] = {0.5, 3.0, 25.0}, th[] = {0.25, 2.0, 40.0};
  for (size_t i = 0; i < 3; i++) {
    double ref = gsl_sf_psi_1(tx[i]) - gsl_sf_psi_1(tx[i] + th[i]);
    assert_true(fabs(bm_trigamma_diff(tx[i], th[i]) - ref) <= 1e-13 * fabs(ref));
  }
  /* large x, small h: psi'(x) - psi'(x + h) ~ h / x^2 (psi'' ~ -1/x^2) */
  double x = 1e8, h = 1.0;
  assert_true(fabs(bm_trigamma_diff(x, h) - h / (x * (x + h))) <= 1e-7 * h / (x * x));
  assert_true(fabs(bm_trigamma_diff(2.0, INFINITY) - gsl_sf_psi_1(2.0)) <= 1e-14);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(vector_families),      cmocka_unit_test(square_families),
      cmocka_unit_test(rectangular_families), cmocka_unit_test(conjugate_dimensions),
      cmocka_unit_test(special_functions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
