/* bm_last_error() after failures of the checkers and of the conjugate-model
 * helpers that used to return a bare status: the conjugate checks
 * (bm_check_niw/_blr/_mniw/_conjugate_print), bm_check_dist,
 * bm_check_matrix_gradient, bm_check_report_print, the log-Cholesky
 * transform and the BLR posterior accessors.
 *
 * Each case first records an unrelated message, so that a failure site that
 * records none is caught (the old text would remain), then makes the call and
 * checks the status and that the message starts with the public function's
 * name and names the argument (as the header documents it) as a whole word.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <ctype.h>
#include <string.h>
#include "testutil.h"
#include "message_testutil.h"


static void test_check_niw(void **state)
{
  (void)state;
  const size_t p = 2;
  bm_niw *m = bm_niw_alloc(p);
  gsl_vector *mu0 = gsl_vector_calloc(p);
  gsl_matrix *Psi0 = tm_eye(p, 1.0), *X = gsl_matrix_calloc(5, p);
  assert_int_equal(bm_niw_set_prior(m, mu0, 1.0, 4.0, Psi0), BM_SUCCESS);
  gsl_rng *r = tu_rng(1);
  bm_check_conjugate_report rep;
  EXPECT(bm_check_niw(NULL, X, NULL, r, NULL, &rep), BM_EINVAL, "bm_check_niw", "prior");
  EXPECT(bm_check_niw(m, NULL, NULL, r, NULL, &rep), BM_EINVAL, "bm_check_niw", "X");
  EXPECT(bm_check_niw(m, X, NULL, NULL, NULL, &rep), BM_EINVAL, "bm_check_niw", "r");
  EXPECT(bm_check_niw(m, X, NULL, r, NULL, NULL), BM_EINVAL, "bm_check_niw", "rep");
  /* each refused option, named in the message */
  const struct {
    bm_check_conjugate_options o;
    int status;
    const char *name;
  } bad[] = {
      {{.sbc_bins = 1}, BM_EINVAL, "sbc_bins"},
      {{.sbc_bins = 60, .sbc_draws = 20}, BM_EINVAL, "sbc_bins"},
      {{.is_draws = 1}, BM_EINVAL, "is_draws"},
      {{.tol = 2.0}, BM_EINVAL, "tol"},
      {{.z_tol = INFINITY}, BM_EINVAL, "z_tol"},
      {{.p_min = 1.5}, BM_EINVAL, "p_min"},
      {{.has_claimed_log_evidence = 1, .claimed_log_evidence = NAN}, BM_ENONFINITE, "claimed_log_evidence"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    EXPECT(bm_check_niw(m, X, NULL, r, &bad[i].o, &rep), bad[i].status, "bm_check_niw", bad[i].name);
  /* a model of another dimension: the nested call's message, under the check's name */
  gsl_matrix *X3 = gsl_matrix_calloc(5, 3);
  EXPECT(bm_check_niw(m, X3, NULL, r, NULL, &rep), BM_EBADLEN, "bm_check_niw", "mu_n");
  EXPECT(bm_check_conjugate_print(NULL, &rep, 0), BM_EINVAL, "bm_check_conjugate_print", "f");
  EXPECT(bm_check_conjugate_print(stdout, NULL, 0), BM_EINVAL, "bm_check_conjugate_print", "rep");
  gsl_matrix_free(X3);
  gsl_rng_free(r);
  gsl_vector_free(mu0);
  gsl_matrix_free(Psi0);
  gsl_matrix_free(X);
  bm_niw_free(m);
}

static void test_check_blr_mniw(void **state)
{
  (void)state;
  const size_t k = 2, d = 2, n = 6;
  gsl_rng *r = tu_rng(2);
  bm_check_conjugate_report rep;
  gsl_vector *m0 = gsl_vector_calloc(k), *y = gsl_vector_calloc(n), *y5 = gsl_vector_calloc(n - 1);
  gsl_matrix *V0 = tm_eye(k, 1.0), *X = gsl_matrix_calloc(n, k);
  for (size_t i = 0; i < n; i++) {
    gsl_matrix_set(X, i, 0, 1.0);
    gsl_matrix_set(X, i, 1, (double)i);
    gsl_vector_set(y, i, 0.5 * (double)i);
  }
  bm_blr *nig = bm_blr_alloc(k), *known = bm_blr_alloc(k);
  assert_int_equal(bm_blr_set_prior_nig(nig, m0, V0, 2.0, 1.0), BM_SUCCESS);
  assert_int_equal(bm_blr_set_prior_known_noise(known, m0, V0, 1.0), BM_SUCCESS);
  EXPECT(bm_check_blr(nig, X, NULL, NULL, r, NULL, &rep), BM_EINVAL, "bm_check_blr", "y");
  EXPECT(bm_check_blr(nig, X, y5, NULL, r, NULL, &rep), BM_EBADLEN, "bm_check_blr", "y");
  /* a claimed posterior of the other kind of prior */
  bm_check_conjugate_options o = {.skip_sbc = 1, .npairs = 4, .is_draws = 100, .identity_points = 4};
  EXPECT(bm_check_blr(nig, X, y, known, r, &o, &rep), BM_EINVAL, "bm_check_blr", "claimed");
  /* the accessors of the other kind: the message says which prior m has */
  gsl_vector *mn = gsl_vector_alloc(k);
  gsl_matrix *Vn = gsl_matrix_alloc(k, k);
  double a, b;
  EXPECT(bm_blr_posterior_nig(known, mn, Vn, &a, &b), BM_EINVAL, "bm_blr_posterior_nig", "m");
  assert_non_null(strstr(bm_last_error(), "known-noise"));
  assert_true(isnan(a) && isnan(gsl_vector_get(mn, 0)));

  bm_mniw *mw = bm_mniw_alloc(k, d);
  gsl_matrix *B0 = gsl_matrix_calloc(k, d), *Psi0 = tm_eye(d, 1.0), *Y = gsl_matrix_calloc(n, d),
             *Y5 = gsl_matrix_calloc(n - 1, d);
  assert_int_equal(bm_mniw_set_prior(mw, B0, V0, 5.0, Psi0), BM_SUCCESS);
  EXPECT(bm_check_mniw(mw, X, NULL, NULL, r, NULL, &rep), BM_EINVAL, "bm_check_mniw", "Y");
  EXPECT(bm_check_mniw(mw, X, Y5, NULL, r, NULL, &rep), BM_EBADLEN, "bm_check_mniw", "Y");
  EXPECT(bm_check_mniw(NULL, X, Y, NULL, r, NULL, &rep), BM_EINVAL, "bm_check_mniw", "prior");
  /* the report starts empty even when the arguments are refused */
  assert_string_equal(rep.model, "mniw");
  assert_int_equal(rep.nrows, 0);
  assert_true(isnan(rep.log_evidence));

  gsl_vector_free(mn);
  gsl_matrix_free(Vn);
  gsl_matrix_free(B0);
  gsl_matrix_free(Psi0);
  gsl_matrix_free(Y);
  gsl_matrix_free(Y5);
  bm_mniw_free(mw);
  bm_blr_free(nig);
  bm_blr_free(known);
  gsl_vector_free(m0);
  gsl_vector_free(y);
  gsl_vector_free(y5);
  gsl_matrix_free(V0);
  gsl_matrix_free(X);
  gsl_rng_free(r);
}

static int trace_fn(const gsl_matrix *X, void *params, double *f)
{
  (void)params;
  double t = 0;
  for (size_t i = 0; i < X->size1 && i < X->size2; i++) t += gsl_matrix_get(X, i, i);
  *f = t;
  return BM_SUCCESS;
}

static void test_check_gradient_and_reports(void **state)
{
  (void)state;
  gsl_matrix *X = tm_eye(2, 1.0), *G = tm_eye(2, 1.0), *G3 = tm_eye(3, 1.0);
  bm_grad_diagnosis dg;
  EXPECT(bm_check_matrix_gradient(NULL, NULL, X, 0, G, NULL, &dg), BM_EINVAL, "bm_check_matrix_gradient", "f");
  EXPECT(bm_check_matrix_gradient(trace_fn, NULL, X, 0, G, NULL, NULL), BM_EINVAL, "bm_check_matrix_gradient",
         "diag");
  EXPECT(bm_check_matrix_gradient(trace_fn, NULL, X, 0, G3, NULL, &dg), BM_EBADLEN, "bm_check_matrix_gradient",
         "claimed");
  gsl_matrix_set(X, 0, 1, 0.5);
  EXPECT(bm_check_matrix_gradient(trace_fn, NULL, X, 1, G, NULL, &dg), BM_ENOTSYM, "bm_check_matrix_gradient", "X");
  gsl_matrix_set(X, 0, 1, NAN);
  EXPECT(bm_check_matrix_gradient(trace_fn, NULL, X, 0, G, NULL, &dg), BM_ENONFINITE, "bm_check_matrix_gradient",
         "X");
  gsl_matrix_set(X, 0, 1, 0.0);
  gsl_matrix_set(G, 1, 0, INFINITY);
  EXPECT(bm_check_matrix_gradient(trace_fn, NULL, X, 0, G, NULL, &dg), BM_ENONFINITE, "bm_check_matrix_gradient",
         "claimed");

  bm_check_report *rep = bm_check_report_alloc();
  assert_non_null(rep);
  EXPECT(bm_check_report_print(rep, stdout, (bm_report_format)7), BM_EINVAL, "bm_check_report_print", "format");
  EXPECT(bm_check_report_print(rep, NULL, BM_REPORT_TABLE), BM_EINVAL, "bm_check_report_print", "out");

  /* bm_check_dist on an mvn */
  bm_dist *dd = bm_dist_alloc(bm_family_find("mvn"), 1, 2);
  assert_non_null(dd);
  gsl_rng *r = tu_rng(3);
  EXPECT(bm_check_dist(dd, NULL, NULL, rep), BM_EINVAL, "bm_check_dist", "rng");
  EXPECT(bm_check_dist(NULL, r, NULL, rep), BM_EINVAL, "bm_check_dist", "d");
  EXPECT(bm_check_dist(dd, r, NULL, NULL), BM_EINVAL, "bm_check_dist", "report");
  gsl_vector *th = gsl_vector_calloc(bm_dist_nparams(dd)), *th1 = gsl_vector_calloc(1);
  gsl_vector_set(th, 2, 1.0); /* mu = 0, Sigma = I in vech order (1, 0, 1) */
  gsl_vector_set(th, 4, 1.0);
  assert_int_equal(bm_dist_set_theta(dd, th), BM_SUCCESS);
  bm_check_dist_options o = {.draws = 1};
  EXPECT(bm_check_dist(dd, r, &o, rep), BM_EINVAL, "bm_check_dist", "draws");
  o = (bm_check_dist_options){.theta = th1};
  EXPECT(bm_check_dist(dd, r, &o, rep), BM_EBADLEN, "bm_check_dist", "theta");
  const gsl_matrix *at[1] = {G3};
  o = (bm_check_dist_options){.at = at, .nat = 1};
  EXPECT(bm_check_dist(dd, r, &o, rep), BM_EBADLEN, "bm_check_dist", "at");
  gsl_vector_free(th);
  gsl_vector_free(th1);
  bm_dist_free(dd);
  gsl_rng_free(r);
  bm_check_report_free(rep);
  gsl_matrix_free(X);
  gsl_matrix_free(G);
  gsl_matrix_free(G3);
}

static void test_transform(void **state)
{
  (void)state;
  /* theta = (log L11, L21, log L22): exp(800) is not a double */
  gsl_vector *th = gsl_vector_calloc(3);
  gsl_matrix *S = gsl_matrix_alloc(2, 2);
  gsl_vector_set(th, 0, 800.0);
  EXPECT(bm_transform_logchol_inverse(th, S, NULL), BM_EDOM, "bm_transform_logchol_inverse", "theta");
  assert_true(isnan(gsl_matrix_get(S, 1, 1)));
  gsl_vector_set(th, 0, -800.0);
  EXPECT(bm_transform_logchol_inverse(th, S, NULL), BM_EDOM, "bm_transform_logchol_inverse", "theta");
  gsl_vector_free(th);
  gsl_matrix_free(S);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_check_niw),
      cmocka_unit_test(test_check_blr_mniw),
      cmocka_unit_test(test_check_gradient_and_reports),
      cmocka_unit_test(test_transform),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
