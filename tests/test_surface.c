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

#define ARGS_(...) __VA_ARGS__
/* the uniform surface, named in full at each use so that a search for a
 * function's name finds its test: (shape, logpdf_grad, grad, get_theta, set_theta) */
#define SHAPE_(a, b, c, g, h) a
#define LOGPDF_GRAD_(a, b, c, g, h) b
#define GRAD_(a, b, c, g, h) c
#define GET_THETA_(a, b, c, g, h) g
#define SET_THETA_(a, b, c, g, h) h
/* Family F's objects d (set by _set with the parenthesized arguments SET after
 * the object) and e (unset), both of _alloc ALLOC: nparams is M; _shape is
 * R x C; _logpdf_grad at x with the outputs OUT1 gives _logpdf's value, and
 * SAME compares OUT1 with _grad's outputs OUT2 (and checks anything else of d);
 * theta of d set into e reads back equal to rounding (theta passes through a
 * Cholesky factor) and gives e d's log-density at x. */
#define CHECK_SURFACE(F, SURF, d, e, ALLOC, SET, M, R, C, x, OUT1, OUT2, SAME)                                             \
  do {                                                                                                               \
    bm_##F *d = bm_##F##_alloc ALLOC, *e = bm_##F##_alloc ALLOC;                                                     \
    assert_int_equal(bm_##F##_set(d, ARGS_ SET), BM_SUCCESS);                                                        \
    size_t rows_, cols_;                                                                                             \
    double lp1_, lp2_;                                                                                               \
    assert_int_equal(bm_##F##_nparams(d), M);                                                                        \
    gsl_vector *t1_ = gsl_vector_alloc(M), *t2_ = gsl_vector_alloc(M);                                               \
    SHAPE_ SURF(d, &rows_, &cols_);                                                                                   \
    assert_true(rows_ == (R) && cols_ == (C));                                                                       \
    assert_int_equal(LOGPDF_GRAD_ SURF(d, x, &lp1_, ARGS_ OUT1), BM_SUCCESS);                                          \
    assert_int_equal(bm_##F##_logpdf(d, x, &lp2_), BM_SUCCESS);                                                      \
    assert_true(lp1_ == lp2_);                                                                                       \
    assert_int_equal(GRAD_ SURF(d, x, ARGS_ OUT2), BM_SUCCESS);                                                        \
    SAME;                                                                                                            \
    assert_int_equal(GET_THETA_ SURF(d, t1_), BM_SUCCESS);                                                             \
    assert_int_equal(SET_THETA_ SURF(e, t1_), BM_SUCCESS);                                                             \
    assert_int_equal(GET_THETA_ SURF(e, t2_), BM_SUCCESS);                                                             \
    assert_close_vector(t1_, t2_);                                                                                   \
    assert_int_equal(bm_##F##_logpdf(e, x, &lp2_), BM_SUCCESS);                                                      \
    assert_close_lp(lp1_, lp2_);                                                                                     \
    bm_##F##_free(d);                                                                                                \
    bm_##F##_free(e);                                                                                                \
    free_vectors(t1_, t2_);                                                                                             \
  } while (0)

static void vector_families(void **state)
{
  (void)state;
  gsl_vector *mu = gsl_vector_alloc(P), *x = gsl_vector_alloc(P), *g1 = gsl_vector_alloc(P),
             *g2 = gsl_vector_alloc(P);
  gsl_vector *m1 = gsl_vector_alloc(P), *m2 = gsl_vector_alloc(P);
  gsl_matrix *S = gsl_matrix_alloc(P, P), *G1 = gsl_matrix_alloc(P, P), *G2 = gsl_matrix_alloc(P, P);
  for (size_t i = 0; i < P; i++) {
    gsl_vector_set(mu, i, 0.3 * (double)i);
    gsl_vector_set(x, i, 1.0 - 0.4 * (double)i);
  }
  spd(S, 1.0);
  size_t q = P + P * (P + 1) / 2;
  double a, b;
#define SAME_VEC assert_same_vector(g1, g2); assert_same_vector(m1, m2); assert_same_matrix(G1, G2)
  CHECK_SURFACE(mvn, (bm_mvn_shape, bm_mvn_logpdf_grad, bm_mvn_grad, bm_mvn_get_theta, bm_mvn_set_theta),
                n1, n2, (P), (mu, S), q, 1, P, x, (g1, m1, G1), (g2, m2, G2), SAME_VEC);
  CHECK_SURFACE(mvt, (bm_mvt_shape, bm_mvt_logpdf_grad, bm_mvt_grad, bm_mvt_get_theta, bm_mvt_set_theta),
                s1, s2, (P), (4.5, mu, S), q + 1, 1, P, x, (g1, m1, G1, &a), (g2, m2, G2, &b),
                SAME_VEC; assert_true(a == b));
#undef SAME_VEC
  free_vectors(mu, x, g1, g2, m1, m2);
  free_matrices(S, G1, G2);
}

static void square_families(void **state)
{
  (void)state;
  gsl_matrix *S = gsl_matrix_alloc(P, P), *X = gsl_matrix_alloc(P, P);
  gsl_matrix *A1 = gsl_matrix_alloc(P, P), *A2 = gsl_matrix_alloc(P, P), *B1 = gsl_matrix_alloc(P, P),
             *B2 = gsl_matrix_alloc(P, P);
  spd(S, 1.0);
  spd(X, 1.5);
  size_t q = P * (P + 1) / 2 + 1;
  double a, b, c, e;
#define SAME_SQ assert_same_matrix(A1, A2); assert_same_matrix(B1, B2); assert_true(a == b)
  CHECK_SURFACE(wishart, (bm_wishart_shape, bm_wishart_logpdf_grad, bm_wishart_grad, bm_wishart_get_theta, bm_wishart_set_theta),
                w1, w2, (P), (5.5, S), q, P, P, X, (A1, B1, &a), (A2, B2, &b),
                SAME_SQ; assert_int_equal(bm_wishart_dim(w1), P));
  CHECK_SURFACE(invwishart, (bm_invwishart_shape, bm_invwishart_logpdf_grad, bm_invwishart_grad, bm_invwishart_get_theta, bm_invwishart_set_theta),
                i1, i2, (P), (6.5, S), q, P, P, X, (A1, B1, &a), (A2, B2, &b),
                SAME_SQ; assert_int_equal(bm_invwishart_dim(i1), P));
  CHECK_SURFACE(matf, (bm_matf_shape, bm_matf_logpdf_grad, bm_matf_grad, bm_matf_get_theta, bm_matf_set_theta),
                f1, f2, (P), (4.5, 3.5, S), q + 1, P, P, X, (A1, B1, &a, &c), (A2, B2, &b, &e),
                SAME_SQ; assert_true(c == e));
#undef SAME_SQ
  free_matrices(S, X, A1, A2, B1, B2);
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
  size_t q = N * P + N * (N + 1) / 2 + P * (P + 1) / 2;
  double a, b;
#define SAME_MV                                                                                                      \
  assert_same_matrix(dX1, dX2);                                                                                      \
  assert_same_matrix(dM1, dM2);                                                                                      \
  assert_same_matrix(dU1, dU2);                                                                                      \
  assert_same_matrix(dV1, dV2)
  CHECK_SURFACE(matnorm, (bm_matnorm_shape, bm_matnorm_logpdf_grad, bm_matnorm_grad, bm_matnorm_get_theta, bm_matnorm_set_theta),
                n1, n2, (N, P), (M, U, V), q, N, P, X, (dX1, dM1, dU1, dV1), (dX2, dM2, dU2, dV2),
                SAME_MV);
  CHECK_SURFACE(matt, (bm_matt_shape, bm_matt_logpdf_grad, bm_matt_grad, bm_matt_get_theta, bm_matt_set_theta),
                s1, s2, (N, P), (3.5, M, U, V), q + 1, N, P, X, (dX1, dM1, dU1, dV1, &a),
                (dX2, dM2, dU2, dV2, &b), SAME_MV; assert_true(a == b));
#undef SAME_MV
  free_matrices(M, X, U, V, dX1, dX2, dM1, dM2, dU1, dU2, dV1, dV2);
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
  free_matrices(S, B0, Psi);
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
