/* Tests of the row-group (OpenMP) batched log-likelihoods of mvn and mvt
 * (policy in src/omp_policy.h and docs/scaling.md).
 * Expected values: the sum of the single-point bm_F_logpdf / bm_F_grad over
 * the rows (independent code path), to 1e-12 relative for the value and
 * 1e-10 relative to the largest entry for gradients; and bit-identity of the
 * batched results for BAYESMAT_NUM_THREADS = 1, 2, 3 and 0 (OpenMP's own
 * setting, OMP_NUM_THREADS in CI). In a build without OpenMP the thread
 * setting is ignored and the same assertions hold trivially for identity.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "testutil.h"

enum { N = 5003, P = 5 };

typedef struct {
  double ll_mvn, ll_mvt, ll_mvn_g, ll_mvt_g, dnu;
  double each[N];
  double dmu[P], dS[P * P], tmu[P], tS[P * P];
} results;

static void run_all(const bm_mvn *d, const bm_mvt *t, const gsl_matrix *X, results *r)
{
  gsl_vector_view each = gsl_vector_view_array(r->each, N);
  gsl_vector_view dmu = gsl_vector_view_array(r->dmu, P), tmu = gsl_vector_view_array(r->tmu, P);
  gsl_matrix_view dS = gsl_matrix_view_array(r->dS, P, P), tS = gsl_matrix_view_array(r->tS, P, P);
  assert_int_equal(bm_mvn_loglik(d, X, &r->ll_mvn, NULL), BM_SUCCESS);
  assert_int_equal(bm_mvt_loglik(t, X, &r->ll_mvt, &each.vector), BM_SUCCESS);
  assert_int_equal(bm_mvn_loglik_grad(d, X, &r->ll_mvn_g, &dmu.vector, &dS.matrix), BM_SUCCESS);
  assert_int_equal(bm_mvt_loglik_grad(t, X, &r->ll_mvt_g, &tmu.vector, &tS.matrix, &r->dnu), BM_SUCCESS);
}

static double rel_max(const double *a, const double *b, size_t n)
{
  double num = 0, den = 0;
  for (size_t i = 0; i < n; i++) {
    num = fmax(num, fabs(a[i] - b[i]));
    den = fmax(den, fabs(b[i]));
  }
  return num / den;
}

static void batched_loglik_independent_of_thread_count(void **state)
{
  (void)state;
  gsl_rng *rng = tu_rng(5);
  gsl_matrix *X = gsl_matrix_alloc(N, P), *Sigma = gsl_matrix_alloc(P, P);
  for (size_t i = 0; i < N; i++)
    for (size_t j = 0; j < P; j++) gsl_matrix_set(X, i, j, gsl_ran_gaussian(rng, 1.0 + (double)j));
  tu_random_spd(rng, 10.0, 1.5, Sigma);
  gsl_vector *mu = gsl_vector_calloc(P);
  gsl_vector_set(mu, 1, 0.4);
  bm_mvn *d = bm_mvn_alloc(P);
  bm_mvt *t = bm_mvt_alloc(P);
  assert_int_equal(bm_mvn_set(d, mu, Sigma), BM_SUCCESS);
  assert_int_equal(bm_mvt_set(t, 3.5, mu, Sigma), BM_SUCCESS);
  static results base, other;
  setenv("BAYESMAT_NUM_THREADS", "1", 1);
  run_all(d, t, X, &base);
  const char *settings[] = {"2", "3", "0", "", "junk"};
  for (size_t s = 0; s < 5; s++) {
    setenv("BAYESMAT_NUM_THREADS", settings[s], 1);
    memset(&other, 0, sizeof other);
    run_all(d, t, X, &other);
    assert_memory_equal(&base, &other, sizeof base); /* bit for bit */
  }
  unsetenv("BAYESMAT_NUM_THREADS");
  /* against single-point evaluations summed in long double */
  long double s_mvn = 0, s_mvt = 0, s_nu = 0;
  double dmu[P] = {0}, dS[P * P] = {0}, tmu[P] = {0}, tS[P * P] = {0};
  gsl_vector *gx = gsl_vector_alloc(P), *gm = gsl_vector_alloc(P);
  gsl_matrix *GS = gsl_matrix_alloc(P, P);
  for (size_t i = 0; i < N; i++) {
    gsl_vector_const_view x = gsl_matrix_const_row(X, i);
    double lp, dnu;
    bm_mvn_logpdf(d, &x.vector, &lp);
    s_mvn += lp;
    bm_mvt_logpdf(t, &x.vector, &lp);
    s_mvt += lp;
    assert_true(fabs(lp - base.each[i]) <= 1e-12 * fabs(lp));
    bm_mvn_grad(d, &x.vector, gx, gm, GS);
    for (size_t j = 0; j < P; j++) dmu[j] += gsl_vector_get(gm, j);
    for (size_t j = 0; j < P * P; j++) dS[j] += GS->data[j];
    bm_mvt_grad(t, &x.vector, gx, gm, GS, &dnu);
    s_nu += dnu;
    for (size_t j = 0; j < P; j++) tmu[j] += gsl_vector_get(gm, j);
    for (size_t j = 0; j < P * P; j++) tS[j] += GS->data[j];
  }
  tu_assert_rel(base.ll_mvn, (double)s_mvn, 1e-12);
  tu_assert_rel(base.ll_mvn_g, (double)s_mvn, 1e-12);
  tu_assert_rel(base.ll_mvt, (double)s_mvt, 1e-12);
  tu_assert_rel(base.ll_mvt_g, (double)s_mvt, 1e-12);
  tu_assert_rel(base.dnu, (double)s_nu, 1e-10);
  assert_true(rel_max(base.dmu, dmu, P) <= 1e-10);
  assert_true(rel_max(base.dS, dS, P * P) <= 1e-10);
  assert_true(rel_max(base.tmu, tmu, P) <= 1e-10);
  assert_true(rel_max(base.tS, tS, P * P) <= 1e-10);
  /* a NaN in the last row group: BM_ENONFINITE and every 'each' NaN, at 2 threads */
  setenv("BAYESMAT_NUM_THREADS", "2", 1);
  gsl_matrix_set(X, N - 3, 2, NAN);
  gsl_vector_view each = gsl_vector_view_array(other.each, N);
  double ll;
  assert_int_equal(bm_mvt_loglik(t, X, &ll, &each.vector), BM_ENONFINITE);
  assert_true(isnan(ll));
  for (size_t i = 0; i < N; i++) assert_true(isnan(other.each[i]));
  assert_int_equal(bm_mvn_loglik_grad(d, X, &ll, gm, GS), BM_ENONFINITE);
  assert_true(isnan(ll) && isnan(gsl_vector_get(gm, 0)) && isnan(gsl_matrix_get(GS, 0, 0)));
  unsetenv("BAYESMAT_NUM_THREADS");
  gsl_vector_free(gx);
  gsl_vector_free(gm);
  gsl_matrix_free(GS);
  gsl_vector_free(mu);
  gsl_matrix_free(X);
  gsl_matrix_free(Sigma);
  bm_mvn_free(d);
  bm_mvt_free(t);
  gsl_rng_free(rng);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(batched_loglik_independent_of_thread_count),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
