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
#include <gsl/gsl_eigen.h>
#include "testutil.h"

static void random_params(gsl_rng *r, double cond, gsl_vector *mu, gsl_matrix *S)
{
  for (size_t i = 0; i < mu->size; i++) gsl_vector_set(mu, i, gsl_ran_gaussian(r, 1.0));
  tu_random_spd(r, cond, exp(gsl_ran_flat(r, -1, 1)), S);
}

static bm_mvt *random_mvt(gsl_rng *r, size_t p, double nu, double cond)
{
  bm_mvt *d = bm_mvt_alloc(p);
  gsl_vector *mu = gsl_vector_alloc(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p);
  random_params(r, cond, mu, S);
  assert_int_equal(bm_mvt_set(d, nu, mu, S), BM_SUCCESS);
  gsl_vector_free(mu);
  gsl_matrix_free(S);
  return d;
}

/* ---- log-density ------------------------------------------------------------- */

static void logpdf_matches_reference(void **state)
{
  (void)state;
  FILE *f = tu_open_data("mvn_mvt_ref.txt");
  char fam[32];
  size_t ncase = 0, nlimit = 0, ntail = 0;
  double worst = 0.0;
  while (tu_next_record(f, "logpdf")) {
    size_t p;
    double nu;
    assert_int_equal(fscanf(f, "%31s %zu %lf", fam, &p, &nu), 3);
    gsl_vector *mu = gsl_vector_alloc(p), *x = gsl_vector_alloc(p);
    gsl_matrix *S = gsl_matrix_alloc(p, p);
    tu_read_vector(f, mu);
    tu_read_matrix(f, S);
    tu_read_vector(f, x);
    double ref, ref_scipy;
    assert_int_equal(fscanf(f, "%lf %lf", &ref, &ref_scipy), 2);
    if (strcmp(fam, "mvt") == 0) {
      double cond = tu_cond_number(S);
      double tol = (4e-15 + 2e-16 * cond) * fmax(1.0, fabs(ref));
      bm_mvt *d = bm_mvt_alloc(p);
      double lp;
      assert_int_equal(bm_mvt_set(d, nu, mu, S), BM_SUCCESS);
      assert_int_equal(bm_mvt_logpdf(d, x, &lp), BM_SUCCESS);
      assert_true(isfinite(lp));
      double err = fabs(lp - ref) / fmax(1.0, fabs(ref));
      if (cond < 1e4) worst = fmax(worst, err);
      if (!(fabs(lp - ref) <= tol)) {
        print_error("mvt p=%zu nu=%g cond=%.1e: %.17g vs mpmath %.17g\n", p, nu, cond, lp, ref);
        fail();
      }
      /* scipy is a double-precision reference (its log Gamma difference
       * loses ~1e-7 at nu = 1e8) */
      assert_true(fabs(lp - ref_scipy) <= 1e-6 * fmax(1.0, fabs(ref)));
      if (ref < -5e3) ntail++;
      if (nu >= 1e8) {
        /* t_p(nu, mu, Sigma) -> N_p(mu, Sigma): log f_t - log f_N = O((delta^2 + p^2)/nu) */
        bm_mvn *dn = bm_mvn_alloc(p);
        double lpn, h;
        assert_int_equal(bm_mvn_set(dn, mu, S), BM_SUCCESS);
        bm_mvn_logpdf(dn, x, &lpn);
        bm_mvn_entropy(dn, &h);
        double delta = -2.0 * (lpn + h - 0.5 * (double)p);
        assert_true(fabs(lp - lpn) <= 2.0 * (delta * delta + (double)(p * p) + 1.0) / nu + 1e-13 * fabs(lpn));
        bm_mvn_free(dn);
        nlimit++;
      }
      bm_mvt_free(d);
      ncase++;
    }
    gsl_vector_free(mu);
    gsl_vector_free(x);
    gsl_matrix_free(S);
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
      bm_mvt *d = random_mvt(r, p, nu, 5.0);
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

/* the gradient in x (the row of X), for the x-derivative checks through tu_fd */
static int grad_x(const void *d, const gsl_matrix *X, gsl_matrix *G)
{
  gsl_vector_const_view x = gsl_matrix_const_row(X, 0);
  gsl_vector_view g = gsl_matrix_row(G, 0);
  return bm_mvt_grad(d, &x.vector, &g.vector, NULL, NULL, NULL);
}

static void check_ok(const bm_check_result *res, const char *what, size_t p, double nu)
{
  if (!res->passed) {
    print_error("%s p=%zu nu=%g: worst rel err %.3e at %zu (analytic %.10g numeric %.10g)\n", what, p, nu,
                res->worst_rel_err, res->worst_index, res->analytic, res->numeric);
    fail();
  }
}

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
      bm_check_result res;
      assert_int_equal(bm_check_gradient(tu_fd_theta_logpdf, tu_fd_theta_score, &c, t, &opt, &res), BM_SUCCESS);
      check_ok(&res, "score", p, nu);
      assert_int_equal(bm_check_hessian(tu_fd_theta_logpdf, tu_fd_theta_score, tu_fd_theta_hess, &c, t, &opt, &res),
                       BM_SUCCESS);
      check_ok(&res, "hess", p, nu);
      /* the shaped gradient agrees with the score */
      assert_int_equal(bm_dist_set_theta(c.d, t), BM_SUCCESS);
      bm_mvt *d = c.d->state;
      gsl_vector *s = gsl_vector_alloc(p + q + 1), *dmu = gsl_vector_alloc(p), *dx = gsl_vector_alloc(p),
                 *gv = gsl_vector_alloc(q);
      gsl_matrix *G = gsl_matrix_alloc(p, p);
      double dnu;
      bm_mvt_score(d, x, s);
      assert_int_equal(bm_mvt_grad(d, x, dx, dmu, G, &dnu), BM_SUCCESS);
      bm_vech_from_sym_grad(G, gv);
      gsl_vector_view s1 = gsl_vector_subvector(s, 0, p), s2 = gsl_vector_subvector(s, p, q);
      tu_assert_vector_close(dmu, &s1.vector, 1e-14, 1e-14);
      tu_assert_vector_close(gv, &s2.vector, 1e-14, 1e-14);
      assert_true(dnu == gsl_vector_get(s, p + q));
      /* x */
      gsl_vector *x0 = gsl_vector_alloc(p);
      gsl_vector_memcpy(x0, x);
      assert_int_equal(bm_check_gradient(tu_fd_x_logpdf, tu_fd_x_grad, &c, x0, &opt, &res), BM_SUCCESS);
      check_ok(&res, "grad x", p, nu);
      assert_int_equal(bm_check_hessian(tu_fd_x_logpdf, tu_fd_x_grad, tu_fd_x_hess, &c, x0, &opt, &res), BM_SUCCESS);
      check_ok(&res, "hess x", p, nu);
      gsl_vector_free(x0);
      gsl_vector_free(s);
      gsl_vector_free(dmu);
      gsl_vector_free(dx);
      gsl_vector_free(gv);
      gsl_matrix_free(G);
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

/* ---- Fisher information and the sampler ------------------------------------- */

static void fisher_matches_monte_carlo(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(23);
  const size_t draws = 100000;
  const struct {
    size_t p;
    double nu;
  } cases[] = {{1, 0.8}, {1, 6.0}, {2, 3.0}, {2, 30.0}};
  for (size_t c = 0; c < 4; c++) {
    size_t p = cases[c].p;
    bm_mvt *d = random_mvt(r, p, cases[c].nu, 10.0);
    size_t n = bm_mvt_nparams(d);
    gsl_matrix *I = gsl_matrix_alloc(n, n), *H = gsl_matrix_alloc(n, n);
    gsl_vector *x = gsl_vector_alloc(p), *s = gsl_vector_alloc(n);
    assert_int_equal(bm_mvt_fisher(d, I), BM_SUCCESS);
    tu_mc *outer = tu_mc_alloc(n), *negh = tu_mc_alloc(n);
    for (size_t k = 0; k < draws; k++) {
      assert_int_equal(bm_mvt_sample(d, r, x), BM_SUCCESS);
      bm_mvt_score(d, x, s);
      bm_mvt_hess(d, x, H);
      gsl_matrix_scale(H, -1.0);
      tu_mc_add_outer(outer, s);
      tu_mc_add(negh, H);
    }
    size_t wi = 0, wj = 0;
    double z1 = tu_mc_max_z(outer, I, 1e-14, &wi, &wj);
    double z2 = tu_mc_max_z(negh, I, 1e-14, &wi, &wj);
    print_message("mvt p=%zu nu=%g: max |z| E[s s^T] %.2f, E[-H] %.2f\n", p, cases[c].nu, z1, z2);
    assert_true(z1 < 4.0);
    assert_true(z2 < 4.0);
    tu_mc_free(outer);
    tu_mc_free(negh);
    gsl_matrix_free(I);
    gsl_matrix_free(H);
    gsl_vector_free(x);
    gsl_vector_free(s);
    bm_mvt_free(d);
  }
  gsl_rng_free(r);
}

static void sampler_moments(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(24);
  size_t p = 3, draws = 200000;
  bm_mvt *d = random_mvt(r, p, 9.0, 20.0);
  gsl_vector *x = gsl_vector_alloc(p), *mu = gsl_vector_alloc(p);
  gsl_matrix *C = gsl_matrix_alloc(p, p), *M = gsl_matrix_alloc(p, p);
  assert_int_equal(bm_mvt_mean(d, mu), BM_SUCCESS);
  assert_int_equal(bm_mvt_cov(d, C), BM_SUCCESS);
  tu_mc *cov = tu_mc_alloc(p);
  gsl_vector *m = gsl_vector_calloc(p);
  for (size_t k = 0; k < draws; k++) {
    bm_mvt_sample(d, r, x);
    gsl_vector_sub(x, mu);
    gsl_vector_add(m, x);
    tu_mc_add_outer(cov, x);
  }
  for (size_t i = 0; i < p; i++) {
    double z = gsl_vector_get(m, i) / (double)draws / sqrt(gsl_matrix_get(C, i, i) / (double)draws);
    assert_true(fabs(z) < 4.0);
  }
  assert_true(tu_mc_max_z(cov, C, 0, NULL, NULL) < 4.0);
  gsl_matrix_memcpy(M, C);
  gsl_matrix_scale(M, 1.1);
  assert_true(tu_mc_max_z(cov, M, 0, NULL, NULL) > 4.0);
  tu_mc_free(cov);
  gsl_vector_free(x);
  gsl_vector_free(mu);
  gsl_vector_free(m);
  gsl_matrix_free(C);
  gsl_matrix_free(M);
  bm_mvt_free(d);
  gsl_rng_free(r);
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
    bm_mvt *d = random_mvt(r, p, nus[k], 50.0);
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
    gsl_vector_free(each);
    gsl_vector_free(dmu);
    gsl_vector_free(g);
    gsl_vector_free(gs);
    gsl_matrix_free(G);
    gsl_matrix_free(Gs);
    gsl_matrix_free(Gi);
    bm_mvt_free(d);
  }
  gsl_rng_free(r);
}

/* ---- bad inputs -------------------------------------------------------------- */

static void bad_inputs_return_status(void **state)
{
  (void)state;
  /* GSL's default (aborting) error handler stays installed throughout */
  size_t p = 3, n = 10;
  assert_null(bm_mvt_alloc(0));
  bm_mvt_free(NULL);
  assert_int_equal(bm_mvt_nparams(NULL), 0);
  bm_mvt *d = bm_mvt_alloc(p);
  assert_int_equal(bm_mvt_nparams(d), n);
  gsl_vector *mu = gsl_vector_calloc(p), *x = gsl_vector_calloc(p), *x2 = gsl_vector_calloc(2);
  gsl_vector *s = gsl_vector_alloc(n), *v = gsl_vector_alloc(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *B = gsl_matrix_alloc(p, p), *H = gsl_matrix_alloc(n, n);
  gsl_matrix *S2 = gsl_matrix_alloc(2, 2), *X = gsl_matrix_calloc(5, p), *X2 = gsl_matrix_calloc(5, 2);
  gsl_rng *r = tu_rng(1);
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

  assert_int_equal(bm_mvt_logpdf(d, NULL, &lp), BM_EINVAL);
  assert_true(isnan(lp));
  assert_int_equal(bm_mvt_logpdf(d, x, NULL), BM_EINVAL);
  assert_int_equal(bm_mvt_logpdf(d, x2, &lp), BM_EBADLEN);
  gsl_vector_set(x, 1, NAN);
  assert_int_equal(bm_mvt_logpdf(d, x, &lp), BM_ENONFINITE);
  assert_true(isnan(lp));
  assert_int_equal(bm_mvt_grad(d, x, v, NULL, NULL, &dnu), BM_ENONFINITE);
  assert_true(tu_all_nan_v(v) && isnan(dnu));
  assert_int_equal(bm_mvt_score(d, x, s), BM_ENONFINITE);
  assert_true(tu_all_nan_v(s));
  assert_int_equal(bm_mvt_hess(d, x, H), BM_ENONFINITE);
  assert_true(tu_all_nan_m(H));
  assert_int_equal(bm_mvt_hess_x(d, x, B), BM_ENONFINITE);
  assert_true(tu_all_nan_m(B));
  gsl_vector_set(x, 1, 0.0);
  assert_int_equal(bm_mvt_score(d, x, v), BM_EBADLEN);
  assert_int_equal(bm_mvt_score(d, x, NULL), BM_EINVAL);
  assert_int_equal(bm_mvt_hess(d, x, B), BM_EBADLEN);
  assert_int_equal(bm_mvt_hess_x(d, x, H), BM_EBADLEN);
  assert_int_equal(bm_mvt_fisher(d, B), BM_EBADLEN);
  assert_int_equal(bm_mvt_grad(d, x, s, NULL, NULL, NULL), BM_EBADLEN);
  assert_int_equal(bm_mvt_sample(d, NULL, x), BM_EINVAL);
  assert_int_equal(bm_mvt_sample(d, r, x2), BM_EBADLEN);
  assert_int_equal(bm_mvt_fisher_nunu(3, 0.0, &lp), BM_EDOM);
  assert_true(isnan(lp));
  assert_int_equal(bm_mvt_fisher_nunu(3, INFINITY, &lp), BM_ENONFINITE);
  assert_int_equal(bm_mvt_fisher_nunu(0, 1.0, &lp), BM_EINVAL);
  assert_int_equal(bm_mvt_fisher_nunu(1, 1.0, NULL), BM_EINVAL);
  assert_int_equal(bm_mvt_loglik(d, X2, &lp, NULL), BM_EBADLEN);
  assert_true(isnan(lp));
  assert_int_equal(bm_mvt_loglik(d, NULL, &lp, NULL), BM_EINVAL);
  assert_int_equal(bm_mvt_loglik(d, X, NULL, NULL), BM_EINVAL);
  assert_int_equal(bm_mvt_loglik(d, X, &lp, v), BM_EBADLEN);
  gsl_matrix_set(X, 0, 0, INFINITY);
  gsl_vector_set_zero(v);
  assert_int_equal(bm_mvt_loglik_grad(d, X, &lp, v, NULL, &dnu), BM_ENONFINITE);
  assert_true(isnan(lp) && isnan(dnu) && tu_all_nan_v(v));

  gsl_rng_free(r);
  bm_mvt_free(d);
  gsl_vector_free(mu);
  gsl_vector_free(x);
  gsl_vector_free(x2);
  gsl_vector_free(s);
  gsl_vector_free(v);
  gsl_matrix_free(S);
  gsl_matrix_free(B);
  gsl_matrix_free(H);
  gsl_matrix_free(S2);
  gsl_matrix_free(X);
  gsl_matrix_free(X2);
}

/* bm_mvt_dim: the p given to bm_mvt_alloc, before and after _set and after a failed _set;
 * a mean vector of that length is accepted and holds mu; 0 for NULL. */
static void dim_is_allocated_dimension(void **state)
{
  (void)state;
  size_t ps[] = {1, 2, 5};
  for (size_t t = 0; t < 3; t++) {
    size_t p = ps[t];
    bm_mvt *d = bm_mvt_alloc(p);
    assert_int_equal(bm_mvt_dim(d), p);
    gsl_vector *mu = gsl_vector_alloc(p), *mu2 = gsl_vector_calloc(p + 1);
    gsl_matrix *S = gsl_matrix_alloc(p, p);
    for (size_t i = 0; i < p; i++) gsl_vector_set(mu, i, 0.5 * (double)i - 1.0);
    gsl_matrix_set_identity(S);
    assert_int_equal(bm_mvt_set(d, 4.5, mu, S), BM_SUCCESS);
    assert_int_equal(bm_mvt_dim(d), p);
    assert_int_equal(bm_mvt_nparams(d), p + p * (p + 1) / 2 + 1);
    assert_int_equal(bm_mvt_set(d, 4.5, mu2, S), BM_EBADLEN);
    assert_int_equal(bm_mvt_dim(d), p);
    gsl_vector *v = gsl_vector_alloc(bm_mvt_dim(d));
    assert_int_equal(bm_mvt_mean(d, v), BM_SUCCESS);
    tu_assert_vector_close(v, mu, 0.0, 0.0);
    gsl_vector_free(v);
    gsl_vector_free(mu);
    gsl_vector_free(mu2);
    gsl_matrix_free(S);
    bm_mvt_free(d);
  }
  assert_int_equal(bm_mvt_dim(NULL), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(logpdf_matches_reference),   cmocka_unit_test(fisher_nunu_matches_reference),
      cmocka_unit_test(grad_score_hess_match_fd),   cmocka_unit_test(dnu_stable_at_large_nu),
      cmocka_unit_test(fisher_matches_monte_carlo), cmocka_unit_test(sampler_moments),
      cmocka_unit_test(loglik_matches_single_sums), cmocka_unit_test(bad_inputs_return_status),
      cmocka_unit_test(dim_is_allocated_dimension),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
