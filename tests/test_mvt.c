/* Tests of the mvt family (distributions/mvt.c).
 * Where the expected numbers come from:
 *  - log-densities and I_nunu: tests/data/mvn_mvt_ref.txt, made by
 *    tests/data/gen_mvn_mvt.py (mpmath at 60-80 digits from the exact
 *    binary64 inputs; scipy.stats.multivariate_t beside it);
 *  - the nu -> inf limit: our own mvn (itself tested against mpmath);
 *  - gradients, score, Hessians: the finite-difference engine (fd.h);
 *  - Fisher information: Monte Carlo with standard errors from the sampler;
 *  - batched log-likelihood: sums of single evaluations.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "testutil.h"

#define VV(name) bm_mvt_##name
#define VV_T bm_mvt
#define VV_FAMILY bm_family_mvt
#define VV_DIM bm_mvt_dim
#define VV_HESS_X bm_mvt_hess_x
#define VV_NAME "mvt"
#define VV_HAS_NU 1
#define VV_SET(d, nu, mu, S) bm_mvt_set((d), (nu), (mu), (S))
#define VV_GRAD(d, x, dx, dmu, G, dnu) bm_mvt_grad((d), (x), (dx), (dmu), (G), (dnu))
#define VV_FISHER_SEED 23
#define VV_FISHER_ATOL 1e-14
#define VV_FISHER_CASES {{1, 0.8}, {1, 6.0}, {2, 3.0}, {2, 30.0}}
#define VV_SAMPLER_CASE {.seed = 24, .p = 3, .nu = 9.0, .cond = 20.0, .draws = 200000, .wrong_scale = 1.1}
#include "vecvar_tests.h"

/* ---- log-density ------------------------------------------------------------- */

static void logpdf_matches_reference(void **state)
{
  (void)state;
  FILE *f = tu_open_data("mvn_mvt_ref.txt");
  vv_record c = {0};
  size_t ncase = 0, nlimit = 0, ntail = 0;
  double worst = 0.0;
  while (vv_next_record(f, &c)) {
    if (strcmp(c.fam, "mvt") != 0) continue;
    size_t p = c.p;
    double nu = c.nu, ref = c.ref, tol;
    bm_mvt *d = bm_mvt_alloc(p);
    double lp = vv_check_record(&c, d, &tol); /* scipy loses ~1e-7 in its log Gamma difference at nu = 1e8 */
    if (tu_cond_number(c.S) < 1e4) worst = fmax(worst, fabs(lp - ref) / fmax(1.0, fabs(ref)));
    if (ref < -5e3) ntail++;
    if (nu >= 1e8) {
      /* t_p(nu, mu, Sigma) -> N_p(mu, Sigma): log f_t - log f_N = O((delta^2 + p^2)/nu) */
      bm_mvn *dn = bm_mvn_alloc(p);
      double lpn, h;
      assert_int_equal(bm_mvn_set(dn, c.mu, c.S), BM_SUCCESS);
      bm_mvn_logpdf(dn, c.x, &lpn);
      bm_mvn_entropy(dn, &h);
      double delta = -2.0 * (lpn + h - 0.5 * (double)p);
      assert_true(fabs(lp - lpn) <= 2.0 * (delta * delta + (double)(p * p) + 1.0) / nu + 1e-13 * fabs(lpn));
      bm_mvn_free(dn);
      nlimit++;
    }
    bm_mvt_free(d);
    ncase++;
  }
  fclose(f);
  print_message("mvt logpdf: %zu cases, worst relative error (cond < 1e4) %.2e\n", ncase, worst);
  assert_true(ncase >= 60);
  assert_true(nlimit >= 10);
  assert_true(ntail >= 4);
}

static void fisher_nunu_matches_reference(void **state)
{
  (void)state;
  FILE *f = tu_open_data("mvn_mvt_ref.txt");
  size_t ncase = 0;
  int saw_1e4 = 0, saw_1e8 = 0;
  double worst = 0;
  while (tu_next_record(f, "inunu")) {
    size_t p;
    double nu, ref, v;
    assert_int_equal(fscanf(f, "%zu %lf %lf", &p, &nu, &ref), 3);
    assert_int_equal(bm_mvt_fisher_nunu(p, nu, &v), BM_SUCCESS);
    /* asymptotic difference form for nu >= 16, recurrence shifted into it below */
    double tol = 1.5e-14;
    tu_assert_rel(v, ref, tol);
    worst = fmax(worst, fabs(v - ref) / ref);
    saw_1e4 |= nu == 1e4;
    saw_1e8 |= nu == 1e8;
    /* the same value sits in the full Fisher matrix */
    if (p <= 3) {
      gsl_rng *r = tu_rng(p);
      bm_mvt *d = random_dist(r, p, nu, 5.0);
      size_t n = bm_mvt_nparams(d);
      gsl_matrix *I = gsl_matrix_alloc(n, n);
      assert_int_equal(bm_mvt_fisher(d, I), BM_SUCCESS);
      assert_true(gsl_matrix_get(I, n - 1, n - 1) == v);
      gsl_matrix_free(I);
      bm_mvt_free(d);
      gsl_rng_free(r);
    }
    ncase++;
  }
  fclose(f);
  print_message("I_nunu: %zu cases, worst relative error %.2e\n", ncase, worst);
  assert_true(ncase >= 50 && saw_1e4 && saw_1e8);
}

/* ---- derivatives against finite differences ------------------------------- */

static void grad_score_hess_match_fd(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(21);
  bm_check_options opt = {.tol = 1e-6, .seed = 4};
  const double nus[] = {0.4, 3.0, 45.0, 2e3};
  for (size_t p = 1; p <= 4; p++)
    for (size_t kn = 0; kn < 4; kn++) {
      double nu = nus[kn];
      size_t q = bm_vech_len(p);
      /* theta = (mu, vech Sigma, nu) sets c.d at each step; then x moves */
      gsl_matrix *X = gsl_matrix_alloc(1, p), *GX = gsl_matrix_alloc(1, p);
      tu_fd c = {bm_dist_alloc(&bm_family_mvt, 1, p), X, GX, grad_x};
      gsl_vector_view xrow = gsl_matrix_row(X, 0);
      gsl_vector *x = &xrow.vector;
      gsl_vector *t = gsl_vector_alloc(p + q + 1);
      gsl_vector_view tm = gsl_vector_subvector(t, 0, p), ts = gsl_vector_subvector(t, p, q);
      gsl_matrix *S = gsl_matrix_alloc(p, p);
      random_params(r, 20.0, &tm.vector, S);
      bm_vech(S, &ts.vector);
      gsl_vector_set(t, p + q, nu);
      for (size_t i = 0; i < p; i++) gsl_vector_set(x, i, gsl_vector_get(t, i) + gsl_ran_gaussian(r, 2.0));
      vv_grad g = vv_grad_alloc(p);
      vv_fd_checks(&c, t, &opt, nu, &g);
      vv_grad_free(&g);
      gsl_matrix_free(S);
      gsl_vector_free(t);
      gsl_matrix_free(X);
      gsl_matrix_free(GX);
      bm_dist_free(c.d);
    }
  gsl_rng_free(r);
}

/* d log f / d nu at large nu: compare with the exact expansion in 1/nu,
 * log f_t - log f_N = [delta^2 - 2p delta + p(p-2)] / (4 nu) + O(nu^-2), so
 * d/dnu log f = -[delta^2 - 2p delta + p(p-2)] / (4 nu^2) + O(nu^-3)
 * (the textbook expression loses everything there). */
static void dnu_stable_at_large_nu(void **state)
{
  (void)state;
  size_t p = 3;
  gsl_vector *mu = gsl_vector_calloc(p), *x = gsl_vector_calloc(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p);
  gsl_matrix_set_identity(S);
  bm_mvt *d = bm_mvt_alloc(p);
  const double nus[] = {1e6, 1e8, 1e12};
  for (int k = 0; k < 3; k++) {
    double nu = nus[k], dnu;
    for (double delta = 0.5; delta < 30; delta *= 3) {
      gsl_vector_set(x, 0, sqrt(delta));
      assert_int_equal(bm_mvt_set(d, nu, mu, S), BM_SUCCESS);
      assert_int_equal(bm_mvt_grad(d, x, NULL, NULL, NULL, &dnu), BM_SUCCESS);
      double lead = -(delta * delta - 2.0 * (double)p * delta + (double)p * ((double)p - 2.0)) / (4 * nu * nu);
      /* next order is O(delta^3 / nu^3) */
      assert_true(fabs(dnu - lead) <= 1e-14 * fabs(lead) + 10 * pow(delta + (double)p, 3) / (nu * nu * nu));
    }
  }
  bm_mvt_free(d);
  gsl_vector_free(mu);
  gsl_vector_free(x);
  gsl_matrix_free(S);
}

/* ---- batches ---------------------------------------------------------------- */

static void loglik_matches_single_sums(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(25);
  const size_t ps[] = {1, 4, 30};
  const double nus[] = {0.7, 5.0, 1e6};
  for (size_t k = 0; k < 3; k++) {
    size_t p = ps[k], n = 41;
    bm_mvt *d = random_dist(r, p, nus[k], 50.0);
    gsl_matrix *big = gsl_matrix_alloc(n, p + 2);
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < p + 2; j++) gsl_matrix_set(big, i, j, gsl_ran_cauchy(r, 2.0));
    gsl_matrix_view X = gsl_matrix_submatrix(big, 0, 2, n, p);
    gsl_vector *each = gsl_vector_alloc(n), *dmu = gsl_vector_alloc(p), *g = gsl_vector_alloc(p);
    gsl_vector *gs = gsl_vector_calloc(p);
    gsl_matrix *G = gsl_matrix_alloc(p, p), *Gs = gsl_matrix_calloc(p, p), *Gi = gsl_matrix_alloc(p, p);
    double ll, ll2, sum = 0.0, dnu, dnus = 0.0, dnui;
    for (size_t i = 0; i < n; i++) {
      gsl_vector_view xi = gsl_matrix_row(&X.matrix, i);
      double lp;
      bm_mvt_logpdf(d, &xi.vector, &lp);
      sum += lp;
      bm_mvt_grad(d, &xi.vector, NULL, g, Gi, &dnui);
      gsl_vector_add(gs, g);
      gsl_matrix_add(Gs, Gi);
      dnus += dnui;
    }
    assert_int_equal(bm_mvt_loglik(d, &X.matrix, &ll, each), BM_SUCCESS);
    tu_assert_rel(ll, sum, 1e-12);
    for (size_t i = 0; i < n; i++) {
      gsl_vector_view xi = gsl_matrix_row(&X.matrix, i);
      double lp;
      bm_mvt_logpdf(d, &xi.vector, &lp);
      tu_assert_rel(gsl_vector_get(each, i), lp, 1e-12);
    }
    assert_int_equal(bm_mvt_loglik_grad(d, &X.matrix, &ll2, dmu, G, &dnu), BM_SUCCESS);
    tu_assert_rel(ll2, sum, 1e-12);
    tu_assert_vector_close(dmu, gs, 1e-9, 1e-10 * (gsl_vector_max(gs) - gsl_vector_min(gs) + 1.0));
    tu_assert_matrix_close(G, Gs, 1e-9, 1e-10 * (gsl_matrix_max(Gs) - gsl_matrix_min(Gs)));
    assert_true(fabs(dnu - dnus) <= 1e-10 * fabs(dnus) + 1e-300);
    assert_int_equal(bm_mvt_loglik_grad(d, &X.matrix, NULL, NULL, NULL, &dnu), BM_SUCCESS);
    gsl_matrix_free(big);
    free_vectors(each, dmu, g, gs);
    free_matrices(G, Gs, Gi);
    bm_mvt_free(d);
  }
  gsl_rng_free(r);
}

/* ---- bad inputs -------------------------------------------------------------- */

/* d log f / d nu at a tiny nu and x at (or next to) mu, p = 1, Sigma = 1:
 *   d_nu = [psi((nu+1)/2) - psi(nu/2)]/2 - 1/(2 nu) - log1p(t)/2 + (nu+1) t / (2 (nu + delta)),
 * t = delta/nu. With psi(a) = -1/a - gamma + O(a) and nu <= 1e-200 the O(1)
 * and logarithmic terms are below the rounding of the others:
 * d_nu = [1 + delta/(nu + delta)] / (2 nu) to double precision (1/(2 nu) at
 * delta = 0 or delta << nu, 1/nu for delta >> nu). The term delta (p - delta) / (2 nu s) was formed with 2 nu s, which
 * underflows below nu ~ 1e-154: 0/0 at delta = 0 and inf for a tiny delta,
 * BM_EDOM for a representable d_nu. */
static void dnu_at_tiny_nu_near_mu(void **state)
{
  (void)state;
  const double nus[] = {1e-300, 1e-200, 5.7314679979470967e-222}, offs[] = {0.0, 1e-125};
  bm_mvt *d = bm_mvt_alloc(1);
  gsl_vector *mu = gsl_vector_calloc(1), *x = gsl_vector_alloc(1), *g = gsl_vector_alloc(1);
  gsl_matrix *S = gsl_matrix_alloc(1, 1), *G = gsl_matrix_alloc(1, 1), *X = gsl_matrix_alloc(2, 1);
  gsl_matrix_set(S, 0, 0, 1.0);
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 2; k++) {
      double nu = nus[i], dnu = 0, dnub = 0, ll = 0;
      assert_int_equal(bm_mvt_set(d, nu, mu, S), BM_SUCCESS);
      gsl_vector_set(x, 0, offs[k]);
      assert_int_equal(bm_mvt_grad(d, x, NULL, g, G, &dnu), BM_SUCCESS);
      double delta = offs[k] * offs[k], want = 0.5 / nu * (1.0 + delta / (nu + delta));
      assert_true(fabs(dnu - want) <= 1e-14 * want);
      gsl_matrix_set(X, 0, 0, offs[k]);
      gsl_matrix_set(X, 1, 0, offs[k]);
      assert_int_equal(bm_mvt_loglik_grad(d, X, &ll, g, G, &dnub), BM_SUCCESS);
      assert_true(fabs(dnub - 2.0 * want) <= 2e-14 * want);
    }
  bm_mvt_free(d);
  gsl_vector_free(mu);
  gsl_vector_free(x);
  gsl_vector_free(g);
  gsl_matrix_free(S);
  gsl_matrix_free(G);
  gsl_matrix_free(X);
}

static void vv_family_bad_inputs(void)
{
  size_t p = 3, n = 10;
  bm_mvt *d = bm_mvt_alloc(p);
  assert_int_equal(bm_mvt_nparams(d), n);
  gsl_vector *mu = gsl_vector_calloc(p), *x = gsl_vector_calloc(p), *x2 = gsl_vector_calloc(2);
  gsl_vector *v = gsl_vector_alloc(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *B = gsl_matrix_alloc(p, p), *H = gsl_matrix_alloc(n, n);
  gsl_matrix *S2 = gsl_matrix_alloc(2, 2), *X = gsl_matrix_calloc(5, p);
  double lp = 0, dnu = 0;
  gsl_matrix_set_identity(S);
  gsl_matrix_set_identity(S2);

  assert_int_equal(bm_mvt_logpdf(d, x, &lp), BM_EINVAL); /* never set */
  assert_true(isnan(lp));
  assert_int_equal(bm_mvt_fisher(d, H), BM_EINVAL);
  assert_true(tu_all_nan_m(H));
  assert_int_equal(bm_mvt_hess(d, x, H), BM_EINVAL);

  assert_int_equal(bm_mvt_set(NULL, 3, mu, S), BM_EINVAL);
  assert_int_equal(bm_mvt_set(d, 3, NULL, S), BM_EINVAL);
  assert_int_equal(bm_mvt_set(d, 3, mu, NULL), BM_EINVAL);
  assert_int_equal(bm_mvt_set(d, 3, x2, S), BM_EBADLEN);
  assert_int_equal(bm_mvt_set(d, 3, mu, S2), BM_EBADLEN);
  assert_int_equal(bm_mvt_set(d, 0.0, mu, S), BM_EDOM);
  assert_int_equal(bm_mvt_set(d, -1.0, mu, S), BM_EDOM);
  assert_int_equal(bm_mvt_set(d, INFINITY, mu, S), BM_ENONFINITE);
  assert_int_equal(bm_mvt_set(d, NAN, mu, S), BM_ENONFINITE);
  gsl_vector_set(mu, 2, -INFINITY);
  assert_int_equal(bm_mvt_set(d, 3, mu, S), BM_ENONFINITE);
  gsl_vector_set(mu, 2, 1.0);
  gsl_matrix_memcpy(B, S);
  gsl_matrix_set(B, 1, 0, NAN);
  assert_int_equal(bm_mvt_set(d, 3, mu, B), BM_ENONFINITE);
  gsl_matrix_set(B, 1, 0, 0.5);
  assert_int_equal(bm_mvt_set(d, 3, mu, B), BM_ENOTSYM);
  gsl_matrix_set(B, 0, 1, 0.5);
  gsl_matrix_set(B, 2, 2, -0.1);
  assert_int_equal(bm_mvt_set(d, 3, mu, B), BM_ENOTSPD);
  assert_int_equal(bm_mvt_logpdf(d, x, &lp), BM_EINVAL); /* still unset */

  assert_int_equal(bm_mvt_set(d, 1.5, mu, S), BM_SUCCESS);
  double lp0;
  assert_int_equal(bm_mvt_logpdf(d, x, &lp0), BM_SUCCESS);
  assert_int_equal(bm_mvt_set(d, 3, mu, B), BM_ENOTSPD);
  assert_int_equal(bm_mvt_set(d, -3, mu, S), BM_EDOM);
  assert_int_equal(bm_mvt_logpdf(d, x, &lp), BM_SUCCESS);
  assert_true(lp == lp0);

  /* moments that do not exist */
  assert_int_equal(bm_mvt_mean(d, v), BM_SUCCESS);
  assert_int_equal(bm_mvt_cov(d, B), BM_EDOM);
  assert_true(tu_all_nan_m(B));
  assert_int_equal(bm_mvt_set(d, 1.0, mu, S), BM_SUCCESS);
  assert_int_equal(bm_mvt_mean(d, v), BM_EDOM);
  assert_true(tu_all_nan_v(v));

  vv_bad_evaluations(d, 1);
  assert_int_equal(bm_mvt_fisher_nunu(3, 0.0, &lp), BM_EDOM);
  assert_true(isnan(lp));
  assert_int_equal(bm_mvt_fisher_nunu(3, INFINITY, &lp), BM_ENONFINITE);
  assert_int_equal(bm_mvt_fisher_nunu(0, 1.0, &lp), BM_EINVAL);
  assert_int_equal(bm_mvt_fisher_nunu(1, 1.0, NULL), BM_EINVAL);
  gsl_matrix_set(X, 0, 0, INFINITY);
  gsl_vector_set_zero(v);
  assert_int_equal(bm_mvt_loglik_grad(d, X, &lp, v, NULL, &dnu), BM_ENONFINITE);
  assert_true(isnan(lp) && isnan(dnu) && tu_all_nan_v(v));

  bm_mvt_free(d);
  free_vectors(mu, x, x2, v);
  free_matrices(S, B, H, S2, X);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      VV_SHARED_TESTS,
      cmocka_unit_test(logpdf_matches_reference),   cmocka_unit_test(fisher_nunu_matches_reference),
      cmocka_unit_test(grad_score_hess_match_fd),   cmocka_unit_test(dnu_stable_at_large_nu),
      cmocka_unit_test(loglik_matches_single_sums),     cmocka_unit_test(dnu_at_tiny_nu_near_mu),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
