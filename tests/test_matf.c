/* Tests of the matrix-variate F family F_p(nu, delta, Psi) (distributions/matf.c).
 *
 * Where the expected numbers come from:
 *  - log-densities: tests/data/matf_ref.txt, written by tests/data/gen_matf.py
 *    (mpmath, 50 digits, straight from docs/contract.md's formula with log|I + X Psi^-1|);
 *  - p = 1: GSL's F density gsl_ran_fdist_pdf after the change of variables
 *    X = psi nu/delta F, F ~ F(nu, delta), and GSL's F cdf (KS test);
 *    normalization by GSL quadrature (qags on [0,1], qagiu on [1,inf));
 *  - p = 2 normalization: importance sampling in Cholesky coordinates with a
 *    proposal written here (Student-t log-diagonal, Cauchy off-diagonal);
 *  - derivatives: the library's finite-difference engine (fd.h);
 *  - Fisher information: Monte Carlo E[s s^T] and E[-H] from the sampler;
 *  - sampler: E[X] = nu Psi/(delta-2), E tr(Psi^-1 X) = nu p/(delta-2),
 *    E log|X| = log|Psi| + psi_p(nu/2) - psi_p(r/2) (docs/matf-fisher.md).
 * GSL's default (aborting) error handler stays installed throughout.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>
#include "testutil.h"

/* ------------------------------------------------------------- helpers */

static void random_params(gsl_rng *r, size_t p, double *nu, double *delta, gsl_matrix *Psi)
{
  *nu = (double)p - 1.0 + 0.5 + 5.0 * gsl_rng_uniform(r);
  *delta = 0.5 + 6.0 * gsl_rng_uniform(r);
  tu_random_spd(r, 10.0, 0.5 + 2.0 * gsl_rng_uniform(r), Psi);
}

/* the shaped gradient in X, for the X-derivative checks through tu_fd */
static int grad_x(const void *d, const gsl_matrix *X, gsl_matrix *G) { return bm_matf_grad(d, X, G, NULL, NULL, NULL); }

/* ------------------------------------------------ log-density references */

static void logpdf_matches_reference(void **state)
{
  (void)state;
  FILE *fp = tu_open_data("matf_ref.txt");
  char line[8192];
  size_t n_cases = 0;
  double worst_scaled = 0, worst_rel = 0;
  while (tu_next_data_line(fp, line, sizeof line)) {
    char *s = line, *e;
    size_t p = strtoul(s, &e, 10);
    s = e;
    double nu = strtod(s, &e); s = e;
    double delta = strtod(s, &e); s = e;
    gsl_matrix *Psi = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p);
    for (size_t i = 0; i < p * p; i++) { Psi->data[i] = strtod(s, &e); s = e; }
    for (size_t i = 0; i < p * p; i++) { X->data[i] = strtod(s, &e); s = e; }
    double ref = strtod(s, &e); s = e;
    double scale = strtod(s, &e);
    assert_true(e != s);
    bm_matf *d = bm_matf_alloc(p);
    assert_int_equal(bm_matf_set(d, nu, delta, Psi), BM_SUCCESS);
    double lp;
    assert_int_equal(bm_matf_logpdf(d, X, &lp), BM_SUCCESS);
    /* tolerance: 1e-14 of the size of the cancelling terms (each term is
     * itself only known to ~1e-16 relative), and at least 1e-13 absolute */
    double err = fabs(lp - ref);
    if (err > 1e-14 * scale + 1e-13)
      print_error("case %zu (p=%zu nu=%g delta=%g): %.17g vs %.17g (scale %g)\n", n_cases, p, nu, delta, lp, ref,
                  scale);
    assert_true(err <= 1e-14 * scale + 1e-13);
    worst_scaled = fmax(worst_scaled, err / scale);
    worst_rel = fmax(worst_rel, err / fmax(fabs(ref), 1.0));
    n_cases++;
    bm_matf_free(d);
    gsl_matrix_free(Psi);
    gsl_matrix_free(X);
  }
  fclose(fp);
  assert_true(n_cases >= 30);
  print_message("matf logpdf vs mpmath: %zu cases, worst |err|/scale %.2e, worst |err|/max(|ref|,1) %.2e\n", n_cases,
                worst_scaled, worst_rel);
}

/* ---------------------------------------------------- p = 1 against GSL */

typedef struct {
  bm_matf *d;
} quad_ctx;
static double density_1d(double x, void *pp)
{
  quad_ctx *c = pp;
  gsl_matrix_view X = gsl_matrix_view_array(&x, 1, 1);
  double lp;
  bm_matf_logpdf(c->d, &X.matrix, &lp);
  return exp(lp);
}

static void p1_matches_gsl_fdist_and_integrates_to_one(void **state)
{
  (void)state;
  const double cases[][3] = {{3.0, 5.0, 2.0}, {5.5, 2.5, 0.3}, {1.0, 4.0, 1.0}, {40.0, 60.0, 7.0}, {0.7, 3.0, 1.5}};
  bm_matf *d = bm_matf_alloc(1);
  gsl_integration_workspace *ws = gsl_integration_workspace_alloc(2000);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    double nu = cases[c][0], delta = cases[c][1], psi = cases[c][2];
    gsl_matrix_view P = gsl_matrix_view_array(&psi, 1, 1);
    assert_int_equal(bm_matf_set(d, nu, delta, &P.matrix), BM_SUCCESS);
    /* X = psi nu/delta F with F ~ F(nu, delta): f_X(x) = f_F(x delta/(nu psi)) delta/(nu psi) */
    double a = delta / (nu * psi);
    for (double x = 1e-3; x < 1e3; x *= 3.7) {
      gsl_matrix_view X = gsl_matrix_view_array(&x, 1, 1);
      double lp;
      assert_int_equal(bm_matf_logpdf(d, &X.matrix, &lp), BM_SUCCESS);
      double ref = gsl_ran_fdist_pdf(x * a, nu, delta) * a;
      tu_assert_rel(exp(lp), ref, 1e-11);
    }
    quad_ctx qc = {d};
    gsl_function F = {density_1d, &qc};
    double lo, hi, elo, ehi;
    gsl_integration_qags(&F, 0.0, 1.0, 0.0, 1e-11, 2000, ws, &lo, &elo);
    gsl_integration_qagiu(&F, 1.0, 0.0, 1e-11, 2000, ws, &hi, &ehi);
    tu_assert_rel(lo + hi, 1.0, 1e-9);
  }
  gsl_integration_workspace_free(ws);
  bm_matf_free(d);
}

/* ---------------------------------------- p = 2 normalization by Monte Carlo */

static void p2_integrates_to_one_monte_carlo(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(11);
  const size_t N = 200000;
  const double cases[][2] = {{3.5, 4.0}, {1.6, 1.2}};
  for (size_t c = 0; c < 2; c++) {
    size_t p = 2;
    double nu = cases[c][0], delta = cases[c][1];
    gsl_matrix *Psi = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p), *Y = gsl_matrix_alloc(p, p);
    gsl_matrix *X = gsl_matrix_alloc(p, p);
    tu_random_spd(r, 5.0, 1.5, Psi);
    bm_chol_factor(Psi, L, NULL);
    double logdet_Psi = bm_chol_logdet(L);
    bm_matf *d = bm_matf_alloc(p);
    assert_int_equal(bm_matf_set(d, nu, delta, Psi), BM_SUCCESS);
    /* proposal on Y = T T^T, T = [[e^s1, 0], [t, e^s2]], X = L Y L^T:
     * s_i ~ m + sd t_3, t ~ Cauchy(0, 1); dY = 4 T11^3 T22^2 ds1 ds2 dt,
     * dX = |L|^3 dY  (Y -> L Y L^T has Jacobian |L|^{p+1}). */
    const double m = 0.5 * log(nu / (delta + 1.0)), sd = 1.2;
    double sum = 0, sum2 = 0;
    for (size_t n = 0; n < N; n++) {
      double z1 = gsl_ran_tdist(r, 3.0), z2 = gsl_ran_tdist(r, 3.0), t = gsl_ran_cauchy(r, 1.0);
      double s1 = m + sd * z1, s2 = m + sd * z2;
      double T11 = exp(s1), T22 = exp(s2);
      gsl_matrix_set(Y, 0, 0, T11 * T11);
      gsl_matrix_set(Y, 1, 0, t * T11);
      gsl_matrix_set(Y, 0, 1, t * T11);
      gsl_matrix_set(Y, 1, 1, t * t + T22 * T22);
      /* X = L Y L^T */
      gsl_matrix_memcpy(X, Y);
      bm_chol_lower_multiply_matrix(L, X);
      gsl_matrix_transpose(X);
      bm_chol_lower_multiply_matrix(L, X);
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < i; j++) gsl_matrix_set(X, j, i, gsl_matrix_get(X, i, j));
      double lp;
      if (bm_matf_logpdf(d, X, &lp) != BM_SUCCESS) continue; /* numerically singular: weight ~ 0 */
      double log_g = log(gsl_ran_tdist_pdf(z1, 3.0) / sd) + log(gsl_ran_tdist_pdf(z2, 3.0) / sd) +
                     log(gsl_ran_cauchy_pdf(t, 1.0)) - (log(4.0) + 3.0 * s1 + 2.0 * s2) - 1.5 * logdet_Psi;
      double wgt = exp(lp - log_g);
      sum += wgt;
      sum2 += wgt * wgt;
    }
    double mean = sum / (double)N, se = sqrt((sum2 / (double)N - mean * mean) / (double)N);
    print_message("p=2 nu=%g delta=%g: integral %.5f +- %.5f (z = %.2f)\n", nu, delta, mean, se, (mean - 1) / se);
    assert_true(se < 0.01);
    assert_true(fabs(mean - 1.0) < 4.0 * se);
    bm_matf_free(d);
    free_matrices(Psi, L, Y, X);
  }
  gsl_rng_free(r);
}

/* ----------------------------------------------------------- derivatives */

/* One finite-difference check (its status st, result res): it ran and passed;
 * *worst keeps the largest relative error (what names it in a report). */
static void fd_passed(int st, const char *what, size_t p, const bm_check_result *res, double *worst)
{
  assert_int_equal(st, BM_SUCCESS);
  *worst = fmax(*worst, res->worst_rel_err);
  if (!res->passed)
    print_error("%s p=%zu: worst rel err %.3e at %zu (dir %d): analytic %.17g numeric %.17g (+- %.1e)\n", what, p,
                res->worst_rel_err, res->worst_index, res->worst_is_direction, res->analytic, res->numeric,
                res->numeric_err);
  assert_true(res->passed);
}

static void derivatives_match_fd(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(2);
  double worst_g = 0, worst_h = 0, worst_gx = 0, worst_hx = 0, worst_shape = 0;
  for (size_t p = 1; p <= 4; p++) {
    size_t q = bm_vech_len(p);
    for (int rep = 0; rep < 5; rep++) {
      double nu, delta;
      gsl_matrix *Psi = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *W = gsl_matrix_alloc(p, p);
      random_params(r, p, &nu, &delta, Psi);
      if (rep == 3) { /* both near their bounds */
        nu = (double)p - 1.0 + 0.05;
        delta = 0.05;
      } else if (rep == 4) { /* both large */
        nu = 500.0;
        delta = 800.0;
      }
      bm_matf *d = bm_matf_alloc(p);
      assert_int_equal(bm_matf_set(d, nu, delta, Psi), BM_SUCCESS);
      /* a well-conditioned point of the support (FD steps stay inside it) */
      tu_random_spd(r, 20.0, 0.3 + 2.0 * gsl_rng_uniform(r), X);
      gsl_vector *th = gsl_vector_alloc(q + 2), *vx = gsl_vector_alloc(q);
      gsl_vector_view tv = gsl_vector_subvector(th, 0, q);
      bm_vech(Psi, &tv.vector);
      gsl_vector_set(th, q, nu);
      gsl_vector_set(th, q + 1, delta);
      bm_vech(X, vx);
      /* theta = (vech Psi, nu, delta) sets c.d at each step; then X moves */
      tu_fd c = {bm_dist_alloc(&bm_family_matf, p, p), X, W, grad_x};
      bm_check_options o = {{0, 0}, 4, 17 + (unsigned long)rep, NULL, 1e-6};
      bm_check_result res;
      fd_passed(bm_check_gradient(tu_fd_theta_logpdf, tu_fd_theta_score, &c, th, &o, &res), "worst_g", p, &res,
                &worst_g);
      fd_passed(bm_check_hessian(tu_fd_theta_logpdf, tu_fd_theta_score, tu_fd_theta_hess, &c, th, &o, &res), "worst_h",
                p, &res, &worst_h);
      assert_int_equal(bm_dist_set_theta(c.d, th), BM_SUCCESS);
      fd_passed(bm_check_gradient(tu_fd_x_logpdf, tu_fd_x_grad, &c, vx, &o, &res), "worst_gx", p, &res, &worst_gx);
      fd_passed(bm_check_hessian(tu_fd_x_logpdf, tu_fd_x_grad, tu_fd_x_hess, &c, vx, &o, &res), "worst_hx", p, &res,
                &worst_hx);
      bm_vech_unpack(vx, X); /* X as it was before the X-derivative checks */
      /* the shaped gradient agrees with the score (D_p^T vec G_Psi, nu, delta) */
      gsl_matrix *GP = gsl_matrix_alloc(p, p), *GX = gsl_matrix_alloc(p, p);
      gsl_vector *s = gsl_vector_alloc(q + 2), *s2 = gsl_vector_alloc(q + 2);
      double dn, dd;
      assert_int_equal(bm_matf_grad(d, X, GX, GP, &dn, &dd), BM_SUCCESS);
      assert_int_equal(bm_matf_score(d, X, s), BM_SUCCESS);
      gsl_vector_view s2v = gsl_vector_subvector(s2, 0, q);
      bm_vech_from_sym_grad(GP, &s2v.vector);
      gsl_vector_set(s2, q, dn);
      gsl_vector_set(s2, q + 1, dd);
      for (size_t i = 0; i < q + 2; i++)
        worst_shape = fmax(worst_shape, fabs(gsl_vector_get(s, i) - gsl_vector_get(s2, i)));
      tu_assert_vector_close(s, s2, 1e-14, 1e-14);
      gsl_matrix_free(GP);
      gsl_matrix_free(GX);
      free_vectors(s, s2, th, vx);
      free_matrices(Psi, X, W);
      bm_matf_free(d);
      bm_dist_free(c.d);
    }
  }
  print_message("matf vs FD (p=1..4): score %.1e, theta-Hessian %.1e, grad_X %.1e, Hessian vech X %.1e\n", worst_g,
                worst_h, worst_gx, worst_hx);
  gsl_rng_free(r);
}

/* ------------------------------------------------ Fisher vs Monte Carlo */

static double fisher_mc(size_t p, double nu, double delta, size_t N, unsigned long seed, double *z_hess)
{
  gsl_rng *r = tu_rng(seed);
  size_t q = bm_vech_len(p), n = q + 2;
  gsl_matrix *Psi = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p);
  tu_random_spd(r, 8.0, 1.3, Psi);
  bm_matf *d = bm_matf_alloc(p);
  assert_int_equal(bm_matf_set(d, nu, delta, Psi), BM_SUCCESS);
  gsl_matrix *I = gsl_matrix_alloc(n, n), *H = gsl_matrix_alloc(n, n);
  gsl_vector *s = gsl_vector_alloc(n);
  assert_int_equal(bm_matf_fisher(d, I), BM_SUCCESS);
  tu_mc *ms = tu_mc_alloc(n), *mh = tu_mc_alloc(n);
  size_t failed = 0;
  for (size_t k = 0; k < N; k++) {
    bm_matf_sample(d, r, X);
    if (bm_matf_score(d, X, s) != BM_SUCCESS || bm_matf_hess(d, X, H) != BM_SUCCESS) {
      failed++;
      continue;
    }
    tu_mc_add_outer(ms, s);
    gsl_matrix_scale(H, -1.0);
    tu_mc_add(mh, H);
  }
  assert_int_equal(failed, 0);
  double atol = 1e-12 * fmax(gsl_matrix_max(I), -gsl_matrix_min(I));
  size_t wi = 0, wj = 0;
  double zs = tu_mc_max_z(ms, I, atol, &wi, &wj);
  *z_hess = tu_mc_max_z(mh, I, atol, &wi, &wj);
  tu_mc_free(ms);
  tu_mc_free(mh);
  gsl_matrix_free(I);
  gsl_matrix_free(H);
  gsl_vector_free(s);
  gsl_matrix_free(Psi);
  gsl_matrix_free(X);
  bm_matf_free(d);
  gsl_rng_free(r);
  return zs;
}

static void fisher_matches_monte_carlo(void **state)
{
  (void)state;
  /* (nu - (p-1), delta): both near their bounds, one near and one large, both large */
  const double cfg[][2] = {{0.5, 0.5}, {0.5, 40.0}, {40.0, 0.5}, {30.0, 25.0}, {2.0, 3.0}};
  double worst = 0;
  for (size_t p = 1; p <= 4; p++) {
    size_t ncfg = p <= 2 ? 5 : 3; /* keep p = 3, 4 affordable: bounds, mixed, large */
    for (size_t c = 0; c < ncfg; c++) {
      size_t ic = p <= 2 ? c : (c == 0 ? 0 : c == 1 ? 2 : 3);
      /* nu - (p-1) = 0.5 and delta = 0.5 are kept for p = 1 only: for p >= 2
       * the chi^2 with 0.5 degrees of freedom in a Bartlett factor (nu - p + 1
       * in W's, delta in IW's) makes ~1e-4 of the draws numerically singular
       * (eigenvalue ratio > 1e16: outside the support in double precision),
       * so the bound is approached at distance 1 there */
      double off = p >= 2 && cfg[ic][0] < 1.0 ? 1.0 : cfg[ic][0];
      double nu = (double)p - 1.0 + off, delta = p >= 2 && cfg[ic][1] < 1.0 ? 1.0 : cfg[ic][1];
      double zh, zs = fisher_mc(p, nu, delta, 200000, 100 + 10 * p + ic, &zh);
      print_message("Fisher MC p=%zu nu=%g delta=%g: max|z| score-outer %.2f, -Hessian %.2f\n", p, nu, delta, zs, zh);
      assert_true(zs < 4.0);
      assert_true(zh < 4.0);
      worst = fmax(worst, fmax(zs, zh));
    }
  }
  print_message("Fisher MC worst |z| %.2f\n", worst);
}

/* A wrong Fisher must be caught by the same machinery (the test can fail). */
static void fisher_monte_carlo_detects_error(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(5);
  size_t p = 2, q = 3, n = 5;
  gsl_matrix *Psi = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *I = gsl_matrix_alloc(n, n);
  gsl_vector *s = gsl_vector_alloc(n);
  tu_random_spd(r, 4.0, 1.0, Psi);
  bm_matf *d = bm_matf_alloc(p);
  bm_matf_set(d, 3.0, 4.0, Psi);
  bm_matf_fisher(d, I);
  /* perturb the (vech Psi, vech Psi) block by 5%, as a k/(k+2) slip would */
  for (size_t i = 0; i < q; i++)
    for (size_t j = 0; j < q; j++) gsl_matrix_set(I, i, j, 1.05 * gsl_matrix_get(I, i, j));
  tu_mc *ms = tu_mc_alloc(n);
  for (size_t k = 0; k < 100000; k++) {
    bm_matf_sample(d, r, X);
    bm_matf_score(d, X, s);
    tu_mc_add_outer(ms, s);
  }
  assert_true(tu_mc_max_z(ms, I, 0.0, NULL, NULL) > 4.0);
  tu_mc_free(ms);
  free_matrices(Psi, X, I);
  gsl_vector_free(s);
  bm_matf_free(d);
  gsl_rng_free(r);
}

static void fisher_p1_closed_form(void **state)
{
  (void)state;
  /* docs/fisher.md, p = 1: I_psipsi = nu delta / (2 (nu+delta+2) psi^2); also k < 1 */
  const double cases[][3] = {{3.0, 5.0, 2.0}, {0.2, 0.3, 0.7}, {100.0, 0.5, 3.0}};
  bm_matf *d = bm_matf_alloc(1);
  gsl_matrix *I = gsl_matrix_alloc(3, 3);
  for (size_t c = 0; c < 3; c++) {
    double nu = cases[c][0], delta = cases[c][1], psi = cases[c][2];
    gsl_matrix_view P = gsl_matrix_view_array(&psi, 1, 1);
    bm_matf_set(d, nu, delta, &P.matrix);
    assert_int_equal(bm_matf_fisher(d, I), BM_SUCCESS);
    tu_assert_rel(gsl_matrix_get(I, 0, 0), nu * delta / (2 * (nu + delta + 2) * psi * psi), 1e-14);
    double k = nu + delta;
    tu_assert_rel(gsl_matrix_get(I, 0, 1), delta / (2 * k * psi), 1e-14);
    tu_assert_rel(gsl_matrix_get(I, 0, 2), -nu / (2 * k * psi), 1e-14);
    tu_assert_rel(gsl_matrix_get(I, 1, 1), 0.25 * (bm_trigamma(nu / 2) - bm_trigamma(k / 2)), 1e-13);
    tu_assert_rel(gsl_matrix_get(I, 1, 2), -0.25 * bm_trigamma(k / 2), 1e-14);
    tu_assert_rel(gsl_matrix_get(I, 2, 2), 0.25 * (bm_trigamma(delta / 2) - bm_trigamma(k / 2)), 1e-13);
  }
  gsl_matrix_free(I);
  bm_matf_free(d);
}

/* -------------------------------------------------------------- sampler */

static void sampler_moments(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(31);
  size_t p = 3, N = 100000;
  double nu = 4.5, delta = 10.0, rr = delta + p - 1;
  gsl_matrix *Psi = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *M = gsl_matrix_alloc(p, p);
  gsl_matrix *L = gsl_matrix_alloc(p, p), *W = gsl_matrix_alloc(p, p);
  tu_random_spd(r, 20.0, 2.0, Psi);
  bm_chol_factor(Psi, L, NULL);
  bm_matf *d = bm_matf_alloc(p);
  bm_matf_set(d, nu, delta, Psi);
  assert_int_equal(bm_matf_mean(d, M), BM_SUCCESS);
  tu_mc *mx = tu_mc_alloc(p), *ms = tu_mc_alloc(2);
  gsl_matrix *sc = gsl_matrix_alloc(2, 2);
  for (size_t k = 0; k < N; k++) {
    assert_int_equal(bm_matf_sample(d, r, X), BM_SUCCESS);
    tu_mc_add(mx, X);
    /* log|X| and tr(Psi^-1 X) = |L^-1 X L^-T| trace */
    gsl_matrix_memcpy(W, X);
    assert_int_equal(bm_chol_factor(X, W, NULL), BM_SUCCESS);
    double ld = bm_chol_logdet(W);
    gsl_matrix_memcpy(W, X);
    bm_chol_sandwich(L, W);
    double tr = 0;
    for (size_t i = 0; i < p; i++) tr += gsl_matrix_get(W, i, i);
    gsl_matrix_set_all(sc, 0.0);
    gsl_matrix_set(sc, 0, 0, ld);
    gsl_matrix_set(sc, 1, 1, tr);
    tu_mc_add(ms, sc);
  }
  /* expected: E[X] = nu Psi/(delta-2) (docs/contract.md); E log|X| = log|Psi| + psi_p(nu/2) - psi_p(r/2);
   * E tr(Psi^-1 X) = nu p/(delta-2) */
  gsl_matrix *ex = gsl_matrix_calloc(2, 2);
  gsl_matrix_set(ex, 0, 0, bm_chol_logdet(L) + bm_mvdigamma(p, nu / 2) - bm_mvdigamma(p, rr / 2));
  gsl_matrix_set(ex, 1, 1, nu * (double)p / (delta - 2.0));
  double zx = tu_mc_max_z(mx, M, 0.0, NULL, NULL), zs = tu_mc_max_z(ms, ex, 0.0, NULL, NULL);
  print_message("sampler p=3: max|z| E[X] %.2f, E log|X| / E tr(Psi^-1 X) %.2f\n", zx, zs);
  assert_true(zx < 4.0);
  assert_true(zs < 4.0);
  tu_mc_free(mx);
  tu_mc_free(ms);
  free_matrices(ex, sc, Psi, X, M, L, W);
  bm_matf_free(d);
  gsl_rng_free(r);
}

static void sampler_p1_kolmogorov_smirnov(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(41);
  size_t N = 20000;
  double nu = 2.5, delta = 3.5, psi = 1.7;
  gsl_matrix_view P = gsl_matrix_view_array(&psi, 1, 1);
  bm_matf *d = bm_matf_alloc(1);
  bm_matf_set(d, nu, delta, &P.matrix);
  double *x = malloc(N * sizeof(double));
  for (size_t i = 0; i < N; i++) {
    gsl_matrix_view X = gsl_matrix_view_array(&x[i], 1, 1);
    bm_matf_sample(d, r, &X.matrix);
  }
  gsl_sort(x, 1, N);
  double a = delta / (nu * psi), D = 0;
  for (size_t i = 0; i < N; i++) {
    double F = gsl_cdf_fdist_P(x[i] * a, nu, delta);
    D = fmax(D, fmax(fabs(F - (double)i / (double)N), fabs(F - (double)(i + 1) / (double)N)));
  }
  /* 1% critical value 1.63/sqrt(N) */
  print_message("sampler p=1 KS D*sqrt(N) = %.3f (1%% critical 1.63)\n", D * sqrt((double)N));
  assert_true(D * sqrt((double)N) < 1.63);
  free(x);
  bm_matf_free(d);
  gsl_rng_free(r);
}

static void mean_value_and_domain(void **state)
{
  (void)state;
  size_t p = 2;
  double psi[] = {2.0, 0.5, 0.5, 1.0};
  gsl_matrix_view P = gsl_matrix_view_array(psi, p, p);
  gsl_matrix *M = gsl_matrix_alloc(p, p);
  bm_matf *d = bm_matf_alloc(p);
  bm_matf_set(d, 3.0, 6.0, &P.matrix);
  assert_int_equal(bm_matf_mean(d, M), BM_SUCCESS);
  for (size_t i = 0; i < 4; i++) tu_assert_rel(M->data[i], 3.0 * psi[i] / 4.0, 1e-15);
  const double bad[] = {2.0, 1.5, 0.1};
  for (size_t i = 0; i < 3; i++) {
    bm_matf_set(d, 3.0, bad[i], &P.matrix);
    assert_int_equal(bm_matf_mean(d, M), BM_EDOM);
    assert_true(isnan(gsl_matrix_get(M, 0, 0)) && isnan(gsl_matrix_get(M, 1, 1)));
  }
  gsl_matrix_free(M);
  bm_matf_free(d);
}

/* ------------------------------------------------------------ batched */

/* ------------------------------------------------- the literature's form */

/* log f_lit(X | Sigma, n, nu') written independently:
 *   log Gamma_p((n+nu')/2) - log Gamma_p(n/2) - log Gamma_p((nu'-p+1)/2) - n/2 log|Sigma|
 *   + (n-p-1)/2 log|X| - (n+nu')/2 log|I + Sigma^-1 X|   (|I + Sigma^-1 X| by LU) */
typedef struct {
  size_t p;
  const gsl_matrix *X;
} lit_ctx;
static double lu_logdet(const gsl_matrix *A)
{
  size_t p = A->size1;
  gsl_matrix *B = gsl_matrix_alloc(p, p);
  gsl_matrix_memcpy(B, A);
  gsl_permutation *perm = gsl_permutation_alloc(p);
  int sg;
  gsl_linalg_LU_decomp(B, perm, &sg);
  double ld = gsl_linalg_LU_lndet(B);
  gsl_matrix_free(B);
  gsl_permutation_free(perm);
  return ld;
}
static int f_lit(const gsl_vector *th, void *pp, double *f)
{
  lit_ctx *c = pp;
  size_t p = c->p, q = bm_vech_len(p);
  double n = gsl_vector_get(th, q), nup = gsl_vector_get(th, q + 1);
  if (!(n > (double)p - 1) || !(nup > (double)p - 1)) return 1;
  gsl_matrix *Sg = gsl_matrix_alloc(p, p), *Si = gsl_matrix_alloc(p, p), *A = gsl_matrix_alloc(p, p);
  gsl_vector_const_view v = gsl_vector_const_subvector(th, 0, q);
  bm_vech_unpack(&v.vector, Sg);
  int st = bm_chol_factor(Sg, Si, NULL);
  if (!st) {
    bm_chol_inverse(Si, Si);
    gsl_matrix_set_identity(A);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, Si, c->X, 1.0, A);
    *f = bm_lmvgamma(p, (n + nup) / 2) - bm_lmvgamma(p, n / 2) - bm_lmvgamma(p, nup / 2) -
         n / 2 * lu_logdet(Sg) + (n - (double)p - 1) / 2 * lu_logdet(c->X) - (n + nup) / 2 * lu_logdet(A);
  }
  free_matrices(Sg, Si, A);
  return st ? 1 : 0;
}

static void literature_form_and_fisher_mapping(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(13);
  size_t p = 2, q = 3, n = 5;
  double nu, delta, nn, nup, nu2, delta2;
  gsl_matrix *Psi = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p);
  random_params(r, p, &nu, &delta, Psi);
  assert_int_equal(bm_matf_to_literature(p, nu, delta, &nn, &nup), BM_SUCCESS);
  tu_assert_rel(nn, nu, 0);
  tu_assert_rel(nup, delta + 1.0, 1e-15);
  assert_int_equal(bm_matf_from_literature(p, nn, nup, &nu2, &delta2), BM_SUCCESS);
  tu_assert_rel(nu2, nu, 0);
  tu_assert_rel(delta2, delta, 1e-15);
  assert_int_equal(bm_matf_from_literature(p, 0.5, 3.0, &nu2, &delta2), BM_EDOM);
  assert_true(isnan(nu2) && isnan(delta2));
  assert_int_equal(bm_matf_from_literature(p, 3.0, 1.0, &nu2, &delta2), BM_EDOM);
  assert_int_equal(bm_matf_from_literature(p, INFINITY, 3.0, &nu2, &delta2), BM_ENONFINITE);
  assert_int_equal(bm_matf_from_literature(0, 3.0, 3.0, &nu2, &delta2), BM_EINVAL);
  assert_int_equal(bm_matf_to_literature(p, 3.0, 0.0, &nn, &nup), BM_EDOM);
  assert_int_equal(bm_matf_to_literature(p, 3.0, NAN, &nn, &nup), BM_ENONFINITE);
  assert_int_equal(bm_matf_to_literature(p, 3.0, 1.0, NULL, &nup), BM_EINVAL);
  bm_matf_to_literature(p, nu, delta, &nn, &nup);

  bm_matf *d = bm_matf_alloc(p);
  bm_matf_set(d, nu, delta, Psi);
  gsl_matrix *J = gsl_matrix_alloc(n, n), *I = gsl_matrix_alloc(n, n), *Il = gsl_matrix_alloc(n, n);
  gsl_matrix *T = gsl_matrix_alloc(n, n), *E = gsl_matrix_alloc(n, n);
  gsl_vector *th = gsl_vector_alloc(n), *gl = gsl_vector_alloc(n), *s = gsl_vector_alloc(n), *Js = gsl_vector_alloc(n);
  assert_int_equal(bm_matf_literature_jacobian(p, J), BM_SUCCESS);
  assert_int_equal(bm_matf_literature_jacobian(3, J), BM_EBADLEN);
  assert_int_equal(bm_matf_fisher(d, I), BM_SUCCESS);
  assert_int_equal(bm_matf_fisher_literature(d, Il), BM_SUCCESS);
  /* I_lit = J^T I J */
  gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, J, I, 0.0, T);
  gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, T, J, 0.0, E);
  tu_assert_matrix_close(Il, E, 1e-14, 0);
  /* the literature density (written above, LU determinants) equals ours, and
   * its FD gradient in theta_lit equals J^T score: the chain rule behind J */
  gsl_vector_view tv = gsl_vector_subvector(th, 0, q);
  bm_vech(Psi, &tv.vector);
  gsl_vector_set(th, q, nn);
  gsl_vector_set(th, q + 1, nup);
  for (int rep = 0; rep < 3; rep++) {
    bm_matf_sample(d, r, X);
    lit_ctx lc = {p, X};
    double fl, lp;
    assert_int_equal(f_lit(th, &lc, &fl), 0);
    bm_matf_logpdf(d, X, &lp);
    tu_assert_rel(lp, fl, 1e-12);
    assert_int_equal(bm_fd_gradient(f_lit, &lc, th, NULL, gl, NULL), BM_SUCCESS);
    bm_matf_score(d, X, s);
    gsl_blas_dgemv(CblasTrans, 1.0, J, s, 0.0, Js);
    tu_assert_vector_close(Js, gl, 1e-7, 1e-9);
  }
  /* Monte Carlo of E[s_lit s_lit^T] with s_lit = J^T s against I_lit */
  tu_mc *ms = tu_mc_alloc(n);
  for (size_t k = 0; k < 100000; k++) {
    bm_matf_sample(d, r, X);
    bm_matf_score(d, X, s);
    gsl_blas_dgemv(CblasTrans, 1.0, J, s, 0.0, Js);
    tu_mc_add_outer(ms, Js);
  }
  double z = tu_mc_max_z(ms, Il, 0.0, NULL, NULL);
  print_message("literature-form Fisher MC max|z| %.2f\n", z);
  assert_true(z < 4.0);
  tu_mc_free(ms);
  free_matrices(J, I, Il, T, E);
  free_vectors(th, gl, s, Js);
  gsl_matrix_free(Psi);
  gsl_matrix_free(X);
  bm_matf_free(d);
  gsl_rng_free(r);
}

/* --------------------------------------------------------- bad inputs */

/* Drive every variate-taking function with X and expect status `want`. */
static void expect_variate_status(const bm_matf *d, const gsl_matrix *X, int want)
{
  size_t p = bm_matf_dim(d), q = bm_vech_len(p);
  gsl_matrix *GX = gsl_matrix_alloc(p, p), *GP = gsl_matrix_alloc(p, p), *H = gsl_matrix_alloc(q + 2, q + 2);
  gsl_matrix *Hx = gsl_matrix_alloc(q, q);
  gsl_vector *s = gsl_vector_alloc(q + 2), *each = gsl_vector_alloc(1);
  double lp = 0, dn = 0, dd = 0, ll = 0;
  assert_int_equal(bm_matf_logpdf(d, X, &lp), want);
  if (want == BM_EDOM)
    assert_true(isinf(lp) && lp < 0);
  else
    assert_true(isnan(lp));
  assert_int_equal(bm_matf_grad(d, X, GX, GP, &dn, &dd), want);
  assert_true(tu_all_nan_m(GX) && tu_all_nan_m(GP) && isnan(dn) && isnan(dd));
  assert_int_equal(bm_matf_score(d, X, s), want);
  assert_true(tu_all_nan_v(s));
  assert_int_equal(bm_matf_hess(d, X, H), want);
  assert_true(tu_all_nan_m(H));
  assert_int_equal(bm_matf_hess_x(d, X, Hx), want);
  assert_true(tu_all_nan_m(Hx));
  const gsl_matrix *Xs[1] = {X};
  assert_int_equal(bm_matf_loglik(d, Xs, 1, &ll, each), want);
  if (want == BM_EDOM)
    assert_true(isinf(ll) && isinf(gsl_vector_get(each, 0)));
  else
    assert_true(isnan(ll) && isnan(gsl_vector_get(each, 0)));
  assert_int_equal(bm_matf_loglik_grad(d, Xs, 1, &ll, GP, &dn, &dd), want);
  assert_true(tu_all_nan_m(GP) && isnan(dn) && isnan(dd));
  free_matrices(GX, GP, H, Hx);
  gsl_vector_free(s);
  gsl_vector_free(each);
}

static void bad_inputs_return_status(void **state)
{
  (void)state;
  size_t p = 2, q = 3;
  assert_null(bm_matf_alloc(0));
  bm_matf_free(NULL);
  assert_int_equal(bm_matf_nparams(NULL), 0);
  bm_matf *d = bm_matf_alloc(p);
  assert_int_equal(bm_matf_nparams(d), q + 2);
  double psi[] = {2.0, 0.3, 0.3, 1.0};
  gsl_matrix_view P = gsl_matrix_view_array(psi, p, p);
  gsl_matrix *X = gsl_matrix_alloc(p, p), *M = gsl_matrix_alloc(p, p), *I = gsl_matrix_alloc(q + 2, q + 2);
  gsl_matrix_set_identity(X);
  gsl_rng *r = tu_rng(1);
  double lp;

  /* unset object: BM_EINVAL everywhere */
  expect_variate_status(d, X, BM_EINVAL);
  assert_int_equal(bm_matf_fisher(d, I), BM_EINVAL);
  assert_true(tu_all_nan_m(I));
  assert_int_equal(bm_matf_sample(d, r, M), BM_EINVAL);
  assert_true(tu_all_nan_m(M));
  assert_int_equal(bm_matf_mean(d, M), BM_EINVAL);
  assert_int_equal(bm_matf_fisher_literature(d, I), BM_EINVAL);

  /* _set: NULL, shape, non-finite, asymmetric, indefinite, domain */
  double big[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  gsl_matrix_view B = gsl_matrix_view_array(big, 3, 3);
  assert_int_equal(bm_matf_set(NULL, 3.0, 2.0, &P.matrix), BM_EINVAL);
  assert_int_equal(bm_matf_set(d, 3.0, 2.0, NULL), BM_EINVAL);
  assert_int_equal(bm_matf_set(d, 3.0, 2.0, &B.matrix), BM_EBADLEN);
  assert_int_equal(bm_matf_set(d, NAN, 2.0, &P.matrix), BM_ENONFINITE);
  assert_int_equal(bm_matf_set(d, INFINITY, 2.0, &P.matrix), BM_ENONFINITE);
  assert_int_equal(bm_matf_set(d, 3.0, INFINITY, &P.matrix), BM_ENONFINITE);
  double pn[] = {2.0, NAN, NAN, 1.0}, pa[] = {2.0, 0.3, 0.5, 1.0}, pi_[] = {1.0, 2.0, 2.0, 1.0};
  gsl_matrix_view Pn = gsl_matrix_view_array(pn, p, p), Pa = gsl_matrix_view_array(pa, p, p),
                  Pi = gsl_matrix_view_array(pi_, p, p);
  assert_int_equal(bm_matf_set(d, 3.0, 2.0, &Pn.matrix), BM_ENONFINITE);
  assert_int_equal(bm_matf_set(d, 3.0, 2.0, &Pa.matrix), BM_ENOTSYM);
  assert_int_equal(bm_matf_set(d, 3.0, 2.0, &Pi.matrix), BM_ENOTSPD);
  assert_int_equal(bm_matf_set(d, 1.0, 2.0, &P.matrix), BM_EDOM);  /* nu <= p - 1 */
  assert_int_equal(bm_matf_set(d, 0.5, 2.0, &P.matrix), BM_EDOM);
  assert_int_equal(bm_matf_set(d, 3.0, 0.0, &P.matrix), BM_EDOM);  /* delta <= 0 */
  assert_int_equal(bm_matf_set(d, 3.0, -1.0, &P.matrix), BM_EDOM);
  expect_variate_status(d, X, BM_EINVAL); /* still unset */

  /* set properly; failures afterwards keep the parameters */
  assert_int_equal(bm_matf_set(d, 3.0, 2.5, &P.matrix), BM_SUCCESS);
  double lp0;
  assert_int_equal(bm_matf_logpdf(d, X, &lp0), BM_SUCCESS);
  assert_true(isfinite(lp0));
  assert_int_equal(bm_matf_set(d, 3.0, 2.0, &Pi.matrix), BM_ENOTSPD);
  assert_int_equal(bm_matf_set(d, 1.0, 2.0, &P.matrix), BM_EDOM);
  assert_int_equal(bm_matf_set(d, 3.0, 2.0, &Pa.matrix), BM_ENOTSYM);
  assert_int_equal(bm_matf_logpdf(d, X, &lp), BM_SUCCESS);
  assert_true(lp == lp0);
  assert_int_equal(bm_matf_mean(d, M), BM_SUCCESS);
  tu_assert_rel(gsl_matrix_get(M, 0, 0), 3.0 * 2.0 / 0.5, 1e-15);

  /* variates: NULL, shape, NaN/Inf, asymmetric, not positive definite */
  gsl_matrix *X3 = gsl_matrix_alloc(3, 3);
  gsl_matrix_set_identity(X3);
  expect_variate_status(d, NULL, BM_EINVAL);
  expect_variate_status(d, X3, BM_EBADLEN);
  gsl_matrix_set(X, 0, 1, NAN);
  expect_variate_status(d, X, BM_ENONFINITE);
  gsl_matrix_set(X, 0, 1, INFINITY);
  expect_variate_status(d, X, BM_ENONFINITE);
  gsl_matrix_set(X, 0, 1, 0.3);
  expect_variate_status(d, X, BM_ENOTSYM);
  gsl_matrix_set(X, 0, 1, 2.0);
  gsl_matrix_set(X, 1, 0, 2.0);
  expect_variate_status(d, X, BM_EDOM); /* indefinite */
  gsl_matrix_set_zero(X);
  expect_variate_status(d, X, BM_EDOM); /* singular: boundary of the support */
  gsl_matrix_set_identity(X);
  gsl_matrix_scale(X, -1.0);
  expect_variate_status(d, X, BM_EDOM);
  gsl_matrix_set_identity(X);

  /* NULL and wrongly sized outputs */
  gsl_vector *s = gsl_vector_alloc(q + 2), *s_bad = gsl_vector_alloc(q + 1);
  gsl_matrix *H = gsl_matrix_alloc(q + 2, q + 2), *H_bad = gsl_matrix_alloc(q, q), *Hx_bad = gsl_matrix_alloc(q + 2, q + 2);
  assert_int_equal(bm_matf_logpdf(d, X, NULL), BM_EINVAL);
  assert_int_equal(bm_matf_logpdf(NULL, X, &lp), BM_EINVAL);
  assert_true(isnan(lp));
  assert_int_equal(bm_matf_score(d, X, NULL), BM_EINVAL);
  assert_int_equal(bm_matf_score(d, X, s_bad), BM_EBADLEN);
  assert_true(tu_all_nan_v(s_bad));
  assert_int_equal(bm_matf_hess(d, X, NULL), BM_EINVAL);
  assert_int_equal(bm_matf_hess(d, X, H_bad), BM_EBADLEN);
  assert_true(tu_all_nan_m(H_bad));
  assert_int_equal(bm_matf_hess_x(d, X, Hx_bad), BM_EBADLEN);
  assert_int_equal(bm_matf_hess_x(d, X, NULL), BM_EINVAL);
  assert_int_equal(bm_matf_grad(d, X, X3, NULL, NULL, NULL), BM_EBADLEN);
  assert_int_equal(bm_matf_grad(d, X, NULL, X3, NULL, NULL), BM_EBADLEN);
  assert_int_equal(bm_matf_grad(NULL, X, NULL, NULL, NULL, NULL), BM_EINVAL);
  assert_int_equal(bm_matf_grad(d, X, NULL, NULL, NULL, NULL), BM_SUCCESS); /* all outputs NULL: a check */
  assert_int_equal(bm_matf_fisher(d, NULL), BM_EINVAL);
  assert_int_equal(bm_matf_fisher(NULL, H), BM_EINVAL);
  assert_int_equal(bm_matf_fisher(d, H_bad), BM_EBADLEN);
  assert_true(tu_all_nan_m(H_bad));
  assert_int_equal(bm_matf_fisher_literature(d, H_bad), BM_EBADLEN);
  assert_int_equal(bm_matf_sample(d, NULL, M), BM_EINVAL);
  assert_int_equal(bm_matf_sample(d, r, NULL), BM_EINVAL);
  assert_int_equal(bm_matf_sample(d, r, X3), BM_EBADLEN);
  assert_true(tu_all_nan_m(X3));
  assert_int_equal(bm_matf_mean(d, NULL), BM_EINVAL);
  assert_int_equal(bm_matf_mean(d, X3), BM_EBADLEN);
  assert_int_equal(bm_matf_literature_jacobian(p, NULL), BM_EINVAL);
  assert_int_equal(bm_matf_literature_jacobian(0, H), BM_EINVAL);
  const gsl_matrix *Xs[2] = {X, NULL};
  double ll;
  gsl_vector *each3 = gsl_vector_alloc(3);
  assert_int_equal(bm_matf_loglik(d, Xs, 2, &ll, NULL), BM_EINVAL);
  assert_true(isnan(ll));
  assert_int_equal(bm_matf_loglik(d, Xs, 0, &ll, NULL), BM_EINVAL);
  assert_int_equal(bm_matf_loglik(d, NULL, 1, &ll, NULL), BM_EINVAL);
  assert_int_equal(bm_matf_loglik(d, Xs, 1, NULL, NULL), BM_EINVAL);
  assert_int_equal(bm_matf_loglik(d, Xs, 1, &ll, each3), BM_EBADLEN);
  assert_int_equal(bm_matf_loglik_grad(d, Xs, 2, &ll, NULL, NULL, NULL), BM_EINVAL);
  assert_int_equal(bm_matf_loglik_grad(d, Xs, 1, &ll, X3, NULL, NULL), BM_EBADLEN);
  assert_int_equal(bm_matf_loglik_grad(NULL, Xs, 1, &ll, NULL, NULL, NULL), BM_EINVAL);

  free_vectors(each3, s, s_bad);
  free_matrices(H, H_bad, Hx_bad, X3, X, M, I);
  gsl_rng_free(r);
  bm_matf_free(d);
}

/* views with tda > p work (row-major with padding) */
static void views_with_padding_work(void **state)
{
  (void)state;
  size_t p = 3;
  gsl_rng *r = tu_rng(3);
  gsl_matrix *Psi = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p);
  gsl_matrix *big = gsl_matrix_alloc(8, 8);
  double nu, delta;
  random_params(r, p, &nu, &delta, Psi);
  bm_matf *d = bm_matf_alloc(p), *d2 = bm_matf_alloc(p);
  bm_matf_set(d, nu, delta, Psi);
  bm_matf_sample(d, r, X);
  gsl_matrix_set_all(big, 99.0);
  gsl_matrix_view Pv = gsl_matrix_submatrix(big, 1, 2, p, p), Xv = gsl_matrix_submatrix(big, 4, 4, p, p);
  gsl_matrix_memcpy(&Pv.matrix, Psi);
  gsl_matrix_memcpy(&Xv.matrix, X);
  bm_matf_set(d2, nu, delta, &Pv.matrix);
  double a, b;
  bm_matf_logpdf(d, X, &a);
  bm_matf_logpdf(d2, &Xv.matrix, &b);
  tu_assert_rel(b, a, 1e-15);
  gsl_matrix *S = gsl_matrix_alloc(8, 8);
  gsl_matrix_view Sv = gsl_matrix_submatrix(S, 2, 3, p, p);
  assert_int_equal(bm_matf_sample(d2, r, &Sv.matrix), BM_SUCCESS);
  assert_int_equal(bm_matf_logpdf(d2, &Sv.matrix, &b), BM_SUCCESS);
  free_matrices(S, big, Psi, X);
  bm_matf_free(d);
  bm_matf_free(d2);
  gsl_rng_free(r);
}

/* p = 50 takes the heap path of the scratch (2 p^2 > BM_STACK_DOUBLES):
 * Psi = a I, X = b I give log f in closed form:
 *   c - nu p/2 log a + (nu-p-1) p/2 log b - k p/2 log(1 + b/a) */
static void large_p_heap_scratch(void **state)
{
  (void)state;
  size_t p = 50, q = bm_vech_len(p);
  double a = 1.7, b = 0.6, nu = 55.5, delta = 3.25, k = nu + delta + (double)p - 1, rr = delta + (double)p - 1;
  gsl_matrix *Psi = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *G = gsl_matrix_alloc(p, p);
  gsl_matrix_set_identity(Psi);
  gsl_matrix_scale(Psi, a);
  gsl_matrix_set_identity(X);
  gsl_matrix_scale(X, b);
  bm_matf *d = bm_matf_alloc(p);
  assert_int_equal(bm_matf_set(d, nu, delta, Psi), BM_SUCCESS);
  double lp, ref = bm_lmvgamma(p, k / 2) - bm_lmvgamma(p, nu / 2) - bm_lmvgamma(p, rr / 2) -
                   nu * (double)p / 2 * log(a) + (nu - (double)p - 1) * (double)p / 2 * log(b) -
                   k * (double)p / 2 * log1p(b / a);
  assert_int_equal(bm_matf_logpdf(d, X, &lp), BM_SUCCESS);
  tu_assert_rel(lp, ref, 1e-12);
  double dn, dd;
  assert_int_equal(bm_matf_grad(d, X, G, NULL, &dn, &dd), BM_SUCCESS);
  tu_assert_rel(gsl_matrix_get(G, 3, 3), (nu - (double)p - 1) / (2 * b) - k / (2 * (a + b)), 1e-12);
  assert_true(fabs(gsl_matrix_get(G, 3, 4)) < 1e-14);
  gsl_matrix *H = gsl_matrix_alloc(q + 2, q + 2);
  assert_int_equal(bm_matf_hess(d, X, H), BM_SUCCESS);
  tu_assert_rel(gsl_matrix_get(H, 0, 0), -rr / (2 * a * a) + k / (2 * (a + b) * (a + b)), 1e-12);
  gsl_matrix_free(H);
  gsl_rng *r = tu_rng(9);
  assert_int_equal(bm_matf_sample(d, r, X), BM_SUCCESS);
  assert_int_equal(bm_matf_logpdf(d, X, &lp), BM_SUCCESS);
  assert_true(isfinite(lp));
  const gsl_matrix *Xs[2] = {X, Psi};
  double ll;
  assert_int_equal(bm_matf_loglik_grad(d, Xs, 2, &ll, G, &dn, &dd), BM_SUCCESS);
  assert_true(isfinite(ll));
  gsl_rng_free(r);
  free_matrices(Psi, X, G);
  bm_matf_free(d);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(logpdf_matches_reference),
      cmocka_unit_test(p1_matches_gsl_fdist_and_integrates_to_one),
      cmocka_unit_test(p2_integrates_to_one_monte_carlo),
      cmocka_unit_test(derivatives_match_fd),
      cmocka_unit_test(fisher_p1_closed_form),
      cmocka_unit_test(fisher_matches_monte_carlo),
      cmocka_unit_test(fisher_monte_carlo_detects_error),
      cmocka_unit_test(sampler_moments),
      cmocka_unit_test(sampler_p1_kolmogorov_smirnov),
      cmocka_unit_test(mean_value_and_domain),
      cmocka_unit_test(literature_form_and_fisher_mapping),
      cmocka_unit_test(bad_inputs_return_status),
      cmocka_unit_test(views_with_padding_work),
      cmocka_unit_test(large_p_heap_scratch),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
