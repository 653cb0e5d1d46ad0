/* The tests the Wishart and inverse-Wishart families share: the same
 * contract (parameters (nu, S), an SPD variate, the same statuses) checked
 * the same way against each family's own reference file, finite
 * differences, Monte Carlo and its own distributional law. Included once by
 * test_wishart.c and once by test_invwishart.c (it holds their main), which
 * first define
 *   WT(name)      the family's function bm_<family>_name
 *   WT_T          its distribution type;  WT_FAMILY its bm_family_type
 *   WT_NAME       its name as a string (reference file <name>_ref.txt)
 * and the family-specific pieces:
 *   wt_p1_x(nu, s, u), wt_p1_ref(nu, s, x)   a p = 1 point (u a multiple of
 *       the scale) and GSL's log-density there
 *   wt_fd_scale_S(nu, u), wt_fd_scale_X(nu)  scales of the random S and X
 *       of the derivative checks (u is uniform in [1, 2))
 *   wt_sampler_ps[], wt_sampler_nus[]        the sampler cases
 *   wt_trace (type), wt_trace_alloc(S), wt_trace_stat(w, X), wt_trace_free(w)
 *       a statistic of a draw X that is chi^2_{nu p} under the family
 *   wt_mean_checked(nu, p), wt_mean_scale(nu, p)  whether the sampler's
 *       mean is checked at (nu, p) (else it must be refused), and E[X] / S
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_WISHART_TYPE_TESTS_H
#define BAYESMAT_WISHART_TYPE_TESTS_H
#include <stdlib.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include "testutil.h"

static void logpdf_matches_reference(void **state)
{
  (void)state;
  FILE *f = tu_open_data(WT_NAME "_ref.txt");
  char line[65536];
  size_t n_cases = 0;
  double worst = 0, worst_scipy = 0;
  while (tu_next_data_line(f, line, sizeof line)) {
    char *s = line, *e;
    size_t p = (size_t)strtoul(s, &e, 10);
    s = e;
    double nu = strtod(s, &e), tol, ref, sp;
    s = e;
    tol = strtod(s, &e);
    s = e;
    ref = strtod(s, &e);
    s = e;
    sp = strtod(s, &e);
    s = e;
    gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p);
    for (size_t k = 0; k < p * p; k++, s = e) S->data[k] = strtod(s, &e);
    for (size_t k = 0; k < p * p; k++, s = e) X->data[k] = strtod(s, &e);
    WT_T *d = WT(alloc)(p);
    assert_int_equal(WT(set)(d, nu, S), BM_SUCCESS);
    double lp;
    assert_int_equal(WT(logpdf)(d, X, &lp), BM_SUCCESS);
    if (!(fabs(lp - ref) <= tol))
      fail_msg("p=%zu nu=%g: logpdf %.17g ref %.17g tol %.3g", p, nu, lp, ref, tol);
    if (!(fabs(lp - sp) <= 2 * tol)) fail_msg("p=%zu nu=%g: logpdf %.17g scipy %.17g", p, nu, lp, sp);
    worst = fmax(worst, fabs(lp - ref) / tol);
    worst_scipy = fmax(worst_scipy, fabs(lp - sp) / tol);
    /* the same value through set_chol and through logpdf_grad */
    bm_chol_factor(S, L, NULL);
    assert_int_equal(WT(set_chol)(d, nu, L), BM_SUCCESS);
    double lp2, lp3;
    assert_int_equal(WT(logpdf)(d, X, &lp2), BM_SUCCESS);
    assert_int_equal(WT(logpdf_grad)(d, X, &lp3, NULL, NULL, NULL), BM_SUCCESS);
    tu_assert_rel(lp2, lp, 1e-14);
    tu_assert_rel(lp3, lp, 1e-14);
    WT(free)(d);
    free_matrices(S, X, L);
    n_cases++;
  }
  fclose(f);
  assert_true(n_cases >= 70);
  printf("  " WT_NAME " reference: %zu cases, worst |err|/tol = %.3g (mpmath), %.3g (scipy)\n", n_cases, worst,
         worst_scipy);
}


/* p = 1 against GSL's gamma density, through the family's wt_p1_x (a
 * point scaled to the distribution) and wt_p1_ref (the reference log-density) */
static void p1_matches_gsl(void **state)
{
  (void)state;
  WT_T *d = WT(alloc)(1);
  gsl_matrix *S = gsl_matrix_alloc(1, 1), *X = gsl_matrix_alloc(1, 1);
  const double nus[] = {0.3, 1.0, 2.5, 17.0, 300.0};
  const double ss[] = {0.01, 1.0, 7.5};
  const double xs[] = {1e-3, 0.4, 2.0, 30.0};
  for (size_t a = 0; a < 5; a++)
    for (size_t b = 0; b < 3; b++)
      for (size_t c = 0; c < 4; c++) {
        gsl_matrix_set(S, 0, 0, ss[b]);
        double x = wt_p1_x(nus[a], ss[b], xs[c]);
        gsl_matrix_set(X, 0, 0, x);
        assert_int_equal(WT(set)(d, nus[a], S), BM_SUCCESS);
        double lp, ref = wt_p1_ref(nus[a], ss[b], x);
        assert_int_equal(WT(logpdf)(d, X, &lp), BM_SUCCESS);
        assert_true(fabs(lp - ref) <= 1e-12 * fmax(1.0, fabs(ref)));
      }
  WT(free)(d);
  gsl_matrix_free(S);
  gsl_matrix_free(X);
}

/* the shaped gradient in X, for the X-derivative checks of tu_fd_check_all */
static int grad_x(const void *d, const gsl_matrix *X, gsl_matrix *G) { return WT(grad)(d, X, G, NULL, NULL); }

static void derivatives_match_fd(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(11);
  double worst = 0;
  for (size_t p = 1; p <= 4; p++)
    for (int rep = 0; rep < 3; rep++) {
      size_t q = bm_vech_len(p);
      gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *G = gsl_matrix_alloc(p, p);
      tu_fd c = {bm_dist_alloc(&WT_FAMILY, p, p), X, G, grad_x};
      double nu = (double)p - 1.0 + 0.3 + gsl_ran_exponential(r, 4.0);
      tu_random_spd(r, 30.0, wt_fd_scale_S(nu, 1.0 + gsl_rng_uniform(r)), S);
      assert_int_equal(WT(set)(c.d->state, nu, S), BM_SUCCESS);
      tu_random_spd(r, 20.0, wt_fd_scale_X(nu), X); /* well inside the support, so FD steps stay SPD */
      gsl_vector *th = gsl_vector_alloc(q + 1);
      gsl_vector_view tS = gsl_vector_subvector(th, 0, q);
      bm_vech(S, &tS.vector);
      gsl_vector_set(th, q, nu);
      worst = fmax(worst, tu_fd_check_all(&c, th, NULL));
      gsl_vector_free(th);
      free_matrices(S, X, G);
      bm_dist_free(c.d);
    }
  printf("  " WT_NAME " derivatives: worst relative error vs FD %.3g\n", worst);
  gsl_rng_free(r);
}

/* ---------- Fisher information vs Monte Carlo ---------- */

static void fisher_matches_monte_carlo(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(21);
  const size_t draws = 100000;
  double worst = 0;
  for (size_t p = 1; p <= 3; p++) {
    size_t q = bm_vech_len(p), n = q + 1;
    WT_T *d = WT(alloc)(p);
    gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p);
    gsl_matrix *I = gsl_matrix_alloc(n, n), *H = gsl_matrix_alloc(n, n);
    gsl_vector *s = gsl_vector_alloc(n);
    tu_random_spd(r, 10.0, 1.5, S);
    double nu = (double)p - 1.0 + 0.6 + (double)p;
    assert_int_equal(WT(set)(d, nu, S), BM_SUCCESS);
    assert_int_equal(WT(fisher)(d, I), BM_SUCCESS);
    tu_mc *outer = tu_mc_alloc(n), *negh = tu_mc_alloc(n);
    for (size_t k = 0; k < draws; k++) {
      WT(sample)(d, r, X);
      assert_int_equal(WT(score)(d, X, s), BM_SUCCESS);
      assert_int_equal(WT(hess)(d, X, H), BM_SUCCESS);
      gsl_matrix_scale(H, -1.0);
      tu_mc_add_outer(outer, s);
      tu_mc_add(negh, H);
    }
    size_t wi = 0, wj = 0;
    double z1 = tu_mc_max_z(outer, I, 1e-12, &wi, &wj);
    double z2 = tu_mc_max_z(negh, I, 1e-10 * gsl_matrix_max(I), &wi, &wj);
    if (!(z1 < 4 && z2 < 4)) fail_msg("p=%zu: max |z| %g (score outer) %g (-H) at %zu,%zu", p, z1, z2, wi, wj);
    worst = fmax(worst, fmax(z1, z2));
    tu_mc_free(outer);
    tu_mc_free(negh);
    WT(free)(d);
    free_matrices(S, X, I, H);
    gsl_vector_free(s);
  }
  printf("  " WT_NAME " Fisher vs Monte Carlo (1e5 draws, p = 1..3): max |z| = %.3g\n", worst);
  gsl_rng_free(r);
}

/* ---------- sampler ---------- */


/* The mean against its formula wt_mean_scale(nu, p) S and the draws in mc
 * (z-scores), where wt_mean_checked(nu, p); elsewhere the mean must be
 * refused (BM_EDOM, NaN). Returns the worst |z| (NaN where not checked). */
static double wt_check_mean(const WT_T *d, const gsl_matrix *S, double nu, const tu_mc *mc)
{
  size_t p = S->size1;
  gsl_matrix *E = gsl_matrix_alloc(p, p), *E2 = gsl_matrix_alloc(p, p);
  double z = NAN;
  if (wt_mean_checked(nu, p)) {
    assert_int_equal(WT(mean)(d, E), BM_SUCCESS);
    gsl_matrix_memcpy(E2, S);
    gsl_matrix_scale(E2, wt_mean_scale(nu, p));
    tu_assert_matrix_close(E, E2, 1e-13, 0);
    z = tu_mc_max_z(mc, E, 0, NULL, NULL);
    if (!(z < 4)) fail_msg("p=%zu nu=%g: E[X] max |z| = %g", p, nu, z);
  } else {
    assert_int_equal(WT(mean)(d, E), BM_EDOM);
    assert_true(isnan(gsl_matrix_get(E, 0, 0)));
  }
  gsl_matrix_free(E);
  gsl_matrix_free(E2);
  return z;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* the sampler's mean (wt_check_mean) and the chi^2_{nu p} law of the
 * family's trace statistic (wt_trace_*; KS, alpha = 1e-3) */
static void sampler_mean_and_trace_law(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(31);
  const size_t *ps = wt_sampler_ps;
  const double *nus = wt_sampler_nus;
  const size_t n = 20000;
  double *t = malloc(n * sizeof(double));
  for (size_t c = 0; c < sizeof wt_sampler_ps / sizeof wt_sampler_ps[0]; c++) {
    size_t p = ps[c];
    WT_T *d = WT(alloc)(p);
    gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p);
    tu_random_spd(r, c == 3 ? 1e8 : 100.0, 0.8, S); /* one ill-conditioned scale */
    assert_int_equal(WT(set)(d, nus[c], S), BM_SUCCESS);
    wt_trace *tw = wt_trace_alloc(S);
    tu_mc *mc = tu_mc_alloc(p);
    for (size_t k = 0; k < n; k++) {
      assert_int_equal(WT(sample)(d, r, X), BM_SUCCESS);
      tu_mc_add(mc, X);
      t[k] = wt_trace_stat(tw, X);
    }
    double z = wt_check_mean(d, S, nus[c], mc);
    qsort(t, n, sizeof(double), cmp_double);
    double D = 0;
    for (size_t k = 0; k < n; k++) {
      double F = gsl_cdf_chisq_P(t[k], nus[c] * (double)p);
      D = fmax(D, fmax(fabs(F - (double)k / (double)n), fabs(F - (double)(k + 1) / (double)n)));
    }
    if (!(sqrt((double)n) * D < 1.95)) fail_msg("p=%zu nu=%g: KS sqrt(n) D = %g", p, nus[c], sqrt((double)n) * D);
    printf("  " WT_NAME " sampler p=%zu nu=%g: E[X] max|z| %.2f, KS sqrt(n)D %.3f\n", p, nus[c], z, sqrt((double)n) * D);
    tu_mc_free(mc);
    WT(free)(d);
    wt_trace_free(tw);
    gsl_matrix_free(S);
    gsl_matrix_free(X);
  }
  free(t);
  gsl_rng_free(r);
}

static void bad_inputs_return_status(void **state)
{
  (void)state;
  const size_t p = 3, q = 6;
  assert_null(WT(alloc)(0));
  WT(free)(NULL);
  WT_T *d = WT(alloc)(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *W = gsl_matrix_alloc(p + 1, p + 1);
  gsl_matrix *H = gsl_matrix_alloc(q + 1, q + 1), *Hx = gsl_matrix_alloc(q, q), *G = gsl_matrix_alloc(p, p);
  gsl_vector *s = gsl_vector_alloc(q + 1), *s_bad = gsl_vector_alloc(q);
  gsl_rng *r = tu_rng(1);
  double lp, dnu;
  gsl_matrix_set_identity(S);
  gsl_matrix_set_identity(X);
  /* never set */
  assert_int_equal(WT(logpdf)(d, X, &lp), BM_EINVAL);
  assert_true(isnan(lp));
  assert_int_equal(WT(sample)(d, r, X), BM_EINVAL);
  assert_true(isnan(gsl_matrix_get(X, 0, 0)));
  gsl_matrix_set_identity(X);
  assert_int_equal(WT(fisher)(d, H), BM_EINVAL);
  assert_int_equal(WT(score)(d, X, s), BM_EINVAL);
  assert_true(isnan(gsl_vector_get(s, 0)));
  /* set: NULL, shape, NaN/Inf, asymmetric, not SPD, nu domain */
  assert_int_equal(WT(set)(NULL, 5, S), BM_EINVAL);
  assert_int_equal(WT(set)(d, 5, NULL), BM_EINVAL);
  assert_int_equal(WT(set)(d, 5, W), BM_EBADLEN);
  assert_int_equal(WT(set)(d, INFINITY, S), BM_ENONFINITE);
  assert_int_equal(WT(set)(d, NAN, S), BM_ENONFINITE);
  assert_int_equal(WT(set)(d, 2.0, S), BM_EDOM);
  assert_int_equal(WT(set)(d, -1.0, S), BM_EDOM);
  assert_int_equal(WT(set)(d, 5.0, S), BM_SUCCESS);
  double lp0;
  WT(logpdf)(d, X, &lp0);
  gsl_matrix_set(S, 1, 0, NAN);
  assert_int_equal(WT(set)(d, 5, S), BM_ENONFINITE);
  gsl_matrix_set(S, 1, 0, 0.5);
  assert_int_equal(WT(set)(d, 5, S), BM_ENOTSYM);
  gsl_matrix_set(S, 0, 1, 0.5);
  gsl_matrix_set(S, 2, 2, -1);
  assert_int_equal(WT(set)(d, 5, S), BM_ENOTSPD);
  assert_int_equal(WT(set_chol)(d, 5, S), BM_ENOTSPD);
  assert_int_equal(WT(set_chol)(d, 5, W), BM_EBADLEN);
  assert_int_equal(WT(set_chol)(d, 5, NULL), BM_EINVAL);
  assert_int_equal(WT(set_chol)(d, 1.5, X), BM_EDOM);
  /* the failed sets kept the previous parameters */
  assert_int_equal(WT(logpdf)(d, X, &lp), BM_SUCCESS);
  assert_true(lp == lp0);
  /* logpdf */
  assert_int_equal(WT(logpdf)(d, X, NULL), BM_EINVAL);
  assert_int_equal(WT(logpdf)(NULL, X, &lp), BM_EINVAL);
  assert_int_equal(WT(logpdf)(d, NULL, &lp), BM_EINVAL);
  assert_int_equal(WT(logpdf)(d, W, &lp), BM_EBADLEN);
  assert_true(isnan(lp));
  gsl_matrix_set(X, 2, 1, INFINITY);
  assert_int_equal(WT(logpdf)(d, X, &lp), BM_ENONFINITE);
  gsl_matrix_set(X, 2, 1, 0.3);
  assert_int_equal(WT(logpdf)(d, X, &lp), BM_ENOTSYM);
  assert_true(isnan(lp));
  gsl_matrix_set(X, 1, 2, 0.3);
  gsl_matrix_set(X, 1, 1, -0.5); /* symmetric, not PD: outside the support */
  assert_int_equal(WT(logpdf)(d, X, &lp), BM_EDOM);
  assert_true(lp == -INFINITY);
  assert_int_equal(WT(logpdf_grad)(d, X, &lp, G, NULL, &dnu), BM_EDOM);
  assert_true(lp == -INFINITY && isnan(dnu) && isnan(gsl_matrix_get(G, 0, 0)));
  assert_int_equal(WT(score)(d, X, s), BM_EDOM);
  assert_true(isnan(gsl_vector_get(s, 0)));
  assert_int_equal(WT(hess)(d, X, H), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(H, 0, 0)));
  assert_int_equal(WT(hess_x)(d, X, Hx), BM_EDOM);
  assert_true(isnan(gsl_matrix_get(Hx, 0, 0)));
  gsl_matrix_set_identity(X);
  /* wrong output shapes */
  assert_int_equal(WT(score)(d, X, s_bad), BM_EBADLEN);
  assert_int_equal(WT(hess)(d, X, Hx), BM_EBADLEN);
  assert_int_equal(WT(hess_x)(d, X, H), BM_EBADLEN);
  assert_int_equal(WT(fisher)(d, Hx), BM_EBADLEN);
  assert_int_equal(WT(grad)(d, X, W, NULL, NULL), BM_EBADLEN);
  assert_int_equal(WT(grad)(d, X, NULL, W, NULL), BM_EBADLEN);
  assert_int_equal(WT(sample)(d, r, W), BM_EBADLEN);
  assert_int_equal(WT(sample)(d, NULL, X), BM_EINVAL);
  assert_true(isnan(gsl_matrix_get(X, 1, 1)));
  gsl_matrix_set_identity(X);
  assert_int_equal(WT(mean)(d, W), BM_EBADLEN);
  assert_int_equal(WT(mean)(d, NULL), BM_EINVAL);
  assert_int_equal(WT(fisher)(d, NULL), BM_EINVAL);
  assert_int_equal(WT(hess)(d, NULL, H), BM_EINVAL);
  assert_int_equal(WT(hess_x)(NULL, X, Hx), BM_EINVAL);
  /* batched */
  const gsl_matrix *batch[2] = {X, W};
  double ll;
  assert_int_equal(WT(loglik)(d, batch, 2, &ll, NULL), BM_EBADLEN);
  assert_true(isnan(ll));
  assert_int_equal(WT(loglik)(d, NULL, 2, &ll, NULL), BM_EINVAL);
  assert_int_equal(WT(loglik)(d, batch, 1, NULL, NULL), BM_EINVAL);
  assert_int_equal(WT(loglik)(d, batch, 1, &ll, s), BM_EBADLEN);
  assert_int_equal(WT(loglik_grad)(d, batch, 1, &ll, W, NULL), BM_EBADLEN);
  batch[1] = NULL;
  assert_int_equal(WT(loglik)(d, batch, 2, &ll, NULL), BM_EINVAL);
  assert_int_equal(WT(nparams)(d), q + 1);
  assert_int_equal(WT(nparams)(NULL), 0);
  free_matrices(S, X, W, H, Hx, G);
  gsl_vector_free(s);
  gsl_vector_free(s_bad);
  gsl_rng_free(r);
  WT(free)(d);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(logpdf_matches_reference),
      cmocka_unit_test(p1_matches_gsl),
      cmocka_unit_test(derivatives_match_fd),
      cmocka_unit_test(fisher_matches_monte_carlo),
      cmocka_unit_test(sampler_mean_and_trace_law),
      cmocka_unit_test(bad_inputs_return_status),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
