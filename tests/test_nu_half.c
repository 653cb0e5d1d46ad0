/* Degrees of freedom at the low edge: log Gamma_p(nu/2) and its derivatives
 * formed from nu itself (bayesmat/specfun.h), the cancellation-free digamma
 * and trigamma differences, and every family and conjugate model that uses
 * them, at tiny and subnormal nu (and delta for matf). Each value is either
 * within a few ulps of mpmath with BM_SUCCESS, or BM_EDOM with NaN where the
 * reference is beyond double range; never a wrong value with success.
 * References: tests/data/nu_half_ref.txt from gen_nu_half.py (mpmath, 700
 * digits). The subnormal S = 0x5ca6c1p-1074 has an odd mantissa: S/2 rounds.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "testutil.h"
#include <float.h>
#include <stdlib.h>
#include <string.h>

#define MAXTOK 16

/* One data line split into tokens; numbers by strtod (hex floats, inf, -inf). */
typedef struct {
  char buf[1024];
  char *tok[MAXTOK];
  int n;
} row;

static int next_row(FILE *f, row *r)
{
  if (!tu_next_data_line(f, r->buf, sizeof r->buf)) return 0;
  r->n = 0;
  for (char *t = strtok(r->buf, " \t\n"); t && r->n < MAXTOK; t = strtok(NULL, " \t\n")) r->tok[r->n++] = t;
  return 1;
}
static double num(const row *r, int i) { return strtod(r->tok[i], NULL); }

/* got against ref: within rtol of max(|ref|, floor) with status BM_SUCCESS, or
 * (ref beyond double range) status BM_EDOM and got NaN. */
static int n_checked, n_refused;
static void expect(const char *what, const row *r, int status, double got, double ref, double rtol, double floor)
{
  if (isinf(ref)) {
    if (status != BM_EDOM || !isnan(got))
      fail_msg("%s [%s %s %s]: reference beyond double range, got %.17g with status %d", what, r->tok[0], r->tok[1],
               r->tok[2], got, status);
    n_refused++;
    return;
  }
  if (status != BM_SUCCESS) fail_msg("%s [%s %s %s]: status %d, reference %.17g", what, r->tok[0], r->tok[1], r->tok[2], status, ref);
  double scale = fmax(fabs(ref), floor);
  if (!(fabs(got - ref) <= rtol * scale))
    fail_msg("%s [%s %s %s %s]: got %.17g, reference %.17g, relative error %.3g", what, r->tok[0], r->tok[1], r->tok[2],
             r->n > 3 ? r->tok[3] : "", got, ref, fabs(got - ref) / scale);
  n_checked++;
}

/* A group of outputs of one call: the call fails (BM_EDOM, all NaN) when any reference is beyond range. */
static int any_inf(const double *ref, int n)
{
  for (int i = 0; i < n; i++)
    if (isinf(ref[i])) return 1;
  return 0;
}
static void expect_group(const char *what, const row *r, int status, const double *got, const double *ref, int n,
                         double rtol)
{
  int beyond = any_inf(ref, n);
  for (int i = 0; i < n; i++) {
    char w[64];
    snprintf(w, sizeof w, "%s[%d]", what, i);
    if (beyond) {
      if (status != BM_EDOM || !isnan(got[i])) fail_msg("%s: an entry is beyond range, got %.17g status %d", w, got[i], status);
    } else {
      expect(w, r, status, got[i], ref[i], rtol, 0.0);
    }
  }
  if (beyond) n_refused++;
}

static void specfun_half(void **state)
{
  (void)state;
  int rc;
  FILE *f = tu_open_data("nu_half_ref.txt");
  row r;
  n_checked = n_refused = 0;
  int lines = 0;
  while (next_row(f, &r)) {
    if (!strcmp(r.tok[0], "half")) {
      size_t p = (size_t)atoi(r.tok[1]);
      double nu = num(&r, 2), v = NAN;
      rc = bm_lmvgamma_half_e(p, nu, &v);
      expect("lmvgamma_half_e", &r, rc, v, num(&r, 3), 1e-15, 1.0);
      expect("lmvgamma_half", &r, BM_SUCCESS, bm_lmvgamma_half(p, nu), num(&r, 3), 1e-15, 1.0);
      rc = bm_mvdigamma_half_e(p, nu, &v);
      expect("mvdigamma_half_e", &r, rc, v, num(&r, 4), 1e-14, 0.0);
      rc = bm_mvtrigamma_half_e(p, nu, &v);
      expect("mvtrigamma_half_e", &r, rc, v, num(&r, 5), 1e-14, 0.0);
      /* the unchecked ones give the infinity itself */
      if (isinf(num(&r, 4))) assert_true(bm_mvdigamma_half(p, nu) == num(&r, 4));
      if (isinf(num(&r, 5))) assert_true(bm_mvtrigamma_half(p, nu) == num(&r, 5));
      lines++;
    } else if (!strcmp(r.tok[0], "diff")) {
      double x = num(&r, 1), h = num(&r, 2), dg = num(&r, 3), tg = num(&r, 4);
      double gd = bm_digamma_diff(x, h), gt = bm_trigamma_diff(x, h);
      if (isinf(dg)) assert_true(gd == dg);
      else expect("digamma_diff", &r, BM_SUCCESS, gd, dg, 2e-15, 0.0);
      if (isinf(tg)) assert_true(gt == tg);
      else expect("trigamma_diff", &r, BM_SUCCESS, gt, tg, 2e-15, 0.0);
      lines++;
    } else if (!strcmp(r.tok[0], "hdiff")) {
      size_t p = (size_t)atoi(r.tok[1]);
      double nu = num(&r, 2), eta = num(&r, 3), dg = num(&r, 4), tg = num(&r, 5);
      double gd = bm_mvdigamma_half_diff(p, nu, eta), gt = bm_mvtrigamma_half_diff(p, nu, eta);
      if (isinf(dg)) assert_true(gd == dg);
      else expect("mvdigamma_half_diff", &r, BM_SUCCESS, gd, dg, 1e-14, DBL_MIN);
      /* the log Gamma difference: absolute below (nu - j)/2 = 10, relative above */
      expect("lmvgamma_half_diff", &r, BM_SUCCESS, bm_lmvgamma_half_diff(p, nu, eta), num(&r, 6), 4e-15, 1.0);
      if (isinf(tg)) assert_true(gt == tg);
      else expect("mvtrigamma_half_diff", &r, BM_SUCCESS, gt, tg, 1e-14, DBL_MIN); /* subnormal results: absolute */
      lines++;
    }
  }
  fclose(f);
  assert_true(lines >= 35);
  print_message("specfun: %d values within tolerance, %d beyond range\n", n_checked, n_refused);
}

static void specfun_half_domain(void **state)
{
  (void)state;
  double v = 0.0;
  assert_int_equal(bm_lmvgamma_half_e(0, 1.0, &v), BM_EINVAL);
  assert_true(isnan(v));
  assert_int_equal(bm_lmvgamma_half_e(1, 1.0, NULL), BM_EINVAL);
  assert_int_equal(bm_mvdigamma_half_e(1, NAN, &v), BM_ENONFINITE);
  assert_int_equal(bm_mvtrigamma_half_e(1, INFINITY, &v), BM_ENONFINITE);
  assert_int_equal(bm_lmvgamma_half_e(1, 0.0, &v), BM_EDOM);
  assert_int_equal(bm_lmvgamma_half_e(3, 2.0, &v), BM_EDOM); /* nu must exceed p - 1 */
  assert_int_equal(bm_lmvgamma_half_e(3, 2.0000001, &v), BM_SUCCESS);
  assert_int_equal(bm_lmvgamma_half_e(1, 4.9406564584124654e-324, &v), BM_SUCCESS); /* the smallest double */
  tu_assert_rel(v, 745.13321910194120762, 1e-15); /* -log(nu/2) = 1075 log 2 */
  assert_true(isnan(bm_lmvgamma_half(2, 0.5)));
  assert_true(isnan(bm_mvdigamma_half_diff(1, 1.0, -1.0)));
  assert_true(isnan(bm_mvtrigamma_half_diff(1, 0.0, 1.0)));
  assert_true(isnan(bm_digamma_diff(0.0, 1.0)));
  /* exactly the functions of nu/2 where nu/2 is exact */
  for (size_t p = 1; p <= 6; p++)
    for (double nu = (double)p - 0.75; nu < 60.0; nu = 1.7 * nu + 0.3) {
      if (!(nu > (double)p - 1.0)) continue;
      assert_true(bm_lmvgamma_half(p, nu) == bm_lmvgamma(p, 0.5 * nu));
      if (nu >= 1.0) assert_true(bm_mvtrigamma_half(p, nu) == 0.25 * bm_mvtrigamma(p, 0.5 * nu));
      tu_assert_rel(bm_mvdigamma_half(p, nu), 0.5 * bm_mvdigamma(p, 0.5 * nu), 1e-15);
    }
}

/* matf at diagonal Psi = diag(1.3, 0.6), X = diag(0.7, 1.1) (first p). */
static void matf_tiny_nu_delta(void **state)
{
  (void)state;
  int rc;
  FILE *f = tu_open_data("nu_half_ref.txt");
  row r;
  n_checked = n_refused = 0;
  int cases = 0;
  const double psi[2] = {1.3, 0.6}, xv[2] = {0.7, 1.1};
  while (next_row(f, &r)) {
    if (strcmp(r.tok[0], "matf")) continue;
    size_t p = (size_t)atoi(r.tok[1]), q = p * (p + 1) / 2;
    double nu = num(&r, 2), delta = num(&r, 3), ref[6];
    for (int i = 0; i < 6; i++) ref[i] = num(&r, 4 + i);
    gsl_matrix *Psi = gsl_matrix_calloc(p, p), *X = gsl_matrix_calloc(p, p), *H = gsl_matrix_alloc(q + 2, q + 2),
               *F = gsl_matrix_alloc(q + 2, q + 2);
    for (size_t i = 0; i < p; i++) {
      gsl_matrix_set(Psi, i, i, psi[i]);
      gsl_matrix_set(X, i, i, xv[i]);
    }
    bm_matf *d = bm_matf_alloc(p);
    assert_int_equal(bm_matf_set(d, nu, delta, Psi), BM_SUCCESS);
    double lp = NAN, g[2] = {NAN, NAN}, l[3] = {NAN, NAN, NAN};
    rc = bm_matf_logpdf(d, X, &lp);
    expect("matf lp", &r, rc, lp, ref[0], 1e-14, 1.0);
    int s = bm_matf_grad(d, X, NULL, NULL, &g[0], &g[1]);
    expect_group("matf grad (nu, delta)", &r, s, g, ref + 1, 2, 1e-13);
    const gsl_matrix *Xs[1] = {X};
    s = bm_matf_loglik_grad(d, Xs, 1, &l[0], NULL, &l[1], &l[2]);
    double lref[3] = {ref[0], ref[1], ref[2]};
    if (any_inf(lref, 3)) {
      assert_int_equal(s, BM_EDOM);
      for (int i = 0; i < 3; i++) assert_true(isnan(l[i]));
    } else {
      expect("matf loglik", &r, s, l[0], ref[0], 1e-14, 1.0);
      expect_group("matf loglik_grad (nu, delta)", &r, s, l + 1, ref + 1, 2, 1e-13);
    }
    s = bm_matf_hess(d, X, H);
    double h[3] = {gsl_matrix_get(H, q, q), gsl_matrix_get(H, q, q + 1), gsl_matrix_get(H, q + 1, q + 1)};
    expect_group("matf hess (nu, delta) block", &r, s, h, ref + 3, 3, 1e-13);
    s = bm_matf_fisher(d, F);
    double fi[3] = {-gsl_matrix_get(F, q, q), -gsl_matrix_get(F, q, q + 1), -gsl_matrix_get(F, q + 1, q + 1)};
    expect_group("matf fisher (nu, delta) block", &r, s, fi, ref + 3, 3, 1e-13);
    bm_matf_free(d);
    gsl_matrix_free(Psi);
    gsl_matrix_free(X);
    gsl_matrix_free(H);
    gsl_matrix_free(F);
    cases++;
  }
  fclose(f);
  assert_true(cases >= 40);
  print_message("matf: %d cases, %d values within tolerance, %d refusals where the value is beyond range\n", cases,
                n_checked, n_refused);
}

/* mvt at Sigma = 0.9 I, mu = 0, x = (0.8, -0.3, 1.1) (first p) */
static void mvt_tiny_nu(void **state)
{
  (void)state;
  int rc;
  FILE *f = tu_open_data("nu_half_ref.txt");
  row r;
  n_checked = n_refused = 0;
  int cases = 0;
  const double xs[3] = {0.8, -0.3, 1.1};
  while (next_row(f, &r)) {
    if (strcmp(r.tok[0], "mvt")) continue;
    size_t p = (size_t)atoi(r.tok[1]), np = p + p * (p + 1) / 2 + 1;
    double nu = num(&r, 2), ref[3] = {num(&r, 3), num(&r, 4), num(&r, 5)};
    gsl_matrix *S = gsl_matrix_alloc(p, p), *Xr = gsl_matrix_alloc(1, p), *F = gsl_matrix_alloc(np, np);
    gsl_vector *mu = gsl_vector_calloc(p), *x = gsl_vector_alloc(p), *sc = gsl_vector_alloc(np);
    gsl_matrix_set_identity(S);
    gsl_matrix_scale(S, 0.9);
    for (size_t i = 0; i < p; i++) {
      gsl_vector_set(x, i, xs[i]);
      gsl_matrix_set(Xr, 0, i, xs[i]);
    }
    bm_mvt *d = bm_mvt_alloc(p);
    assert_int_equal(bm_mvt_set(d, nu, mu, S), BM_SUCCESS);
    double lp = NAN, ll = NAN, fn = NAN;
    rc = bm_mvt_logpdf(d, x, &lp);
    expect("mvt lp", &r, rc, lp, ref[0], 1e-14, 1.0);
    rc = bm_mvt_loglik(d, Xr, &ll, NULL);
    expect("mvt loglik", &r, rc, ll, ref[0], 1e-14, 1.0);
    int s = bm_mvt_score(d, x, sc);
    expect("mvt score nu", &r, s, gsl_vector_get(sc, np - 1), ref[1], 1e-12, 0.0);
    rc = bm_mvt_fisher_nunu(p, nu, &fn);
    expect("mvt fisher_nunu", &r, rc, fn, ref[2], 1e-12, 0.0);
    s = bm_mvt_fisher(d, F);
    expect("mvt fisher nunu entry", &r, s, gsl_matrix_get(F, np - 1, np - 1), ref[2], 1e-12, 0.0);
    bm_mvt_free(d);
    gsl_matrix_free(S);
    gsl_matrix_free(Xr);
    gsl_matrix_free(F);
    gsl_vector_free(mu);
    gsl_vector_free(x);
    gsl_vector_free(sc);
    cases++;
  }
  fclose(f);
  assert_true(cases >= 12);
  print_message("mvt: %d cases, %d values within tolerance, %d refusals\n", cases, n_checked, n_refused);
}

/* matt at Sigma = I_n, Omega = 1.2 I_p, M = 0, X_ij = 0.3 + 0.4 i - 0.25 j */
static void matt_tiny_nu(void **state)
{
  (void)state;
  int rc;
  FILE *f = tu_open_data("nu_half_ref.txt");
  row r;
  n_checked = n_refused = 0;
  int cases = 0;
  while (next_row(f, &r)) {
    if (strcmp(r.tok[0], "matt")) continue;
    size_t n = (size_t)atoi(r.tok[1]), p = (size_t)atoi(r.tok[2]);
    double nu = num(&r, 3), ref[3] = {num(&r, 4), num(&r, 5), num(&r, 6)};
    gsl_matrix *Sg = gsl_matrix_alloc(n, n), *Om = gsl_matrix_alloc(p, p), *M = gsl_matrix_calloc(n, p),
               *Y = gsl_matrix_alloc(n, p);
    gsl_matrix_set_identity(Sg);
    gsl_matrix_set_identity(Om);
    gsl_matrix_scale(Om, 1.2);
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < p; j++) gsl_matrix_set(Y, i, j, 0.3 + 0.4 * (double)i - 0.25 * (double)j);
    bm_matt *d = bm_matt_alloc(n, p);
    int s = bm_matt_set(d, nu, M, Sg, Om);
    /* documented refusal: d log f / d nu ~ 1/nu itself beyond range (nu below ~1e-308) */
    if (isinf(ref[1])) {
      assert_true(s == BM_SUCCESS || s == BM_EDOM);
    } else {
      assert_int_equal(s, BM_SUCCESS);
    }
    if (s == BM_SUCCESS) {
      size_t np = bm_matt_nparams(d);
      gsl_vector *sc = gsl_vector_alloc(np);
      gsl_matrix *F = gsl_matrix_alloc(np, np);
      double lp = NAN;
      rc = bm_matt_logpdf(d, Y, &lp);
      expect("matt lp", &r, rc, lp, ref[0], 1e-14, 1.0);
      rc = bm_matt_score(d, Y, sc);
      expect("matt score nu", &r, rc, gsl_vector_get(sc, np - 1), ref[1], 1e-12, 0.0);
      s = bm_matt_fisher(d, F);
      expect("matt fisher nunu", &r, s, gsl_matrix_get(F, np - 1, np - 1), ref[2], 1e-12, 0.0);
      gsl_vector_free(sc);
      gsl_matrix_free(F);
      cases++;
    }
    bm_matt_free(d);
    gsl_matrix_free(Sg);
    gsl_matrix_free(Om);
    gsl_matrix_free(M);
    gsl_matrix_free(Y);
  }
  rewind(f);
  int fis = 0;
  while (next_row(f, &r)) { /* n = p = 1: k - 1 = nu cancels analytically (it rounded to 0) */
    if (strcmp(r.tok[0], "mattF")) continue;
    gsl_matrix *Sg = gsl_matrix_alloc(1, 1), *Om = gsl_matrix_alloc(1, 1), *M = gsl_matrix_calloc(1, 1),
               *F = gsl_matrix_alloc(4, 4);
    gsl_matrix_set(Sg, 0, 0, 1.0);
    gsl_matrix_set(Om, 0, 0, 1.2);
    bm_matt *d = bm_matt_alloc(1, 1);
    assert_int_equal(bm_matt_set(d, num(&r, 1), M, Sg, Om), BM_SUCCESS);
    int st = bm_matt_fisher(d, F);
    double got[3] = {gsl_matrix_get(F, 0, 0), gsl_matrix_get(F, 1, 1), gsl_matrix_get(F, 2, 2)},
           ref[3] = {num(&r, 2), num(&r, 3), num(&r, 4)};
    expect_group("matt fisher (M, Sigma, Omega) diagonal", &r, st, got, ref, 3, 1e-14);
    bm_matt_free(d);
    gsl_matrix_free(Sg);
    gsl_matrix_free(Om);
    gsl_matrix_free(M);
    gsl_matrix_free(F);
    fis++;
  }
  fclose(f);
  assert_int_equal(fis, 4);
  assert_true(cases >= 16);
  print_message("matt: %d cases, %d values within tolerance, %d refusals\n", cases, n_checked, n_refused);
}

/* p = 1 conjugate models with a subnormal or tiny nu0: the prior density and
 * the evidence after one observation */
static void conjugate_tiny_nu0(void **state)
{
  (void)state;
  int rc;
  FILE *f = tu_open_data("nu_half_ref.txt");
  row r;
  n_checked = n_refused = 0;
  int cases = 0;
  gsl_vector *mu0 = gsl_vector_alloc(1), *mu = gsl_vector_alloc(1);
  gsl_matrix *Psi0 = gsl_matrix_alloc(1, 1), *X = gsl_matrix_alloc(1, 1), *S = gsl_matrix_alloc(1, 1),
             *B0 = gsl_matrix_calloc(1, 1), *V0 = gsl_matrix_alloc(1, 1), *Xd = gsl_matrix_alloc(1, 1),
             *B = gsl_matrix_alloc(1, 1);
  gsl_vector_set(mu0, 0, 0.2);
  gsl_vector_set(mu, 0, 0.4);
  gsl_matrix_set(Psi0, 0, 0, 1.5);
  gsl_matrix_set(X, 0, 0, 1.3);
  gsl_matrix_set(S, 0, 0, 0.8);
  gsl_matrix_set(V0, 0, 0, 2.0);
  gsl_matrix_set(Xd, 0, 0, 0.9);
  gsl_matrix_set(B, 0, 0, 0.4);
  while (next_row(f, &r)) {
    int is_niw = !strcmp(r.tok[0], "niw");
    if (!is_niw && strcmp(r.tok[0], "mniw")) continue;
    double nu0 = num(&r, 1), lp = NAN, lml = NAN;
    if (is_niw) {
      bm_niw *m = bm_niw_alloc(1);
      assert_int_equal(bm_niw_set_prior(m, mu0, 2.0, nu0, Psi0), BM_SUCCESS);
      rc = bm_niw_log_posterior(m, mu, S, &lp);
      expect("niw prior density", &r, rc, lp, num(&r, 2), 1e-14, 1.0);
      assert_int_equal(bm_niw_update(m, X), BM_SUCCESS);
      rc = bm_niw_log_evidence(m, &lml);
      expect("niw evidence", &r, rc, lml, num(&r, 3), 1e-14, 1.0);
      bm_niw_free(m);
    } else {
      bm_mniw *m = bm_mniw_alloc(1, 1);
      assert_int_equal(bm_mniw_set_prior(m, B0, V0, nu0, Psi0), BM_SUCCESS);
      rc = bm_mniw_log_posterior(m, B, S, &lp);
      expect("mniw prior density", &r, rc, lp, num(&r, 2), 1e-14, 1.0);
      assert_int_equal(bm_mniw_update(m, Xd, X), BM_SUCCESS);
      rc = bm_mniw_log_evidence(m, &lml);
      expect("mniw evidence", &r, rc, lml, num(&r, 3), 1e-14, 1.0);
      bm_mniw_free(m);
    }
    cases++;
  }
  fclose(f);
  assert_int_equal(cases, 6);
  gsl_vector_free(mu0);
  gsl_vector_free(mu);
  gsl_matrix_free(Psi0);
  gsl_matrix_free(X);
  gsl_matrix_free(S);
  gsl_matrix_free(B0);
  gsl_matrix_free(V0);
  gsl_matrix_free(Xd);
  gsl_matrix_free(B);
}

/* the evidence at large nu0 (Psi0 = 1.5 nu0): the textbook sum cancels like
 * nu0 eps (3e-8 relative at nu0 = 1e8), and nu0 + n rounds to nu0 from 2^53
 * (-0.2027 for -1.5933 at nu0 = 1e16) */
static void conjugate_large_nu0(void **state)
{
  (void)state;
  FILE *f = tu_open_data("nu_half_ref.txt");
  row r;
  int cases = 0;
  gsl_vector *mu0 = gsl_vector_alloc(1);
  gsl_matrix *Psi0 = gsl_matrix_alloc(1, 1), *X = gsl_matrix_alloc(1, 1), *B0 = gsl_matrix_calloc(1, 1),
             *V0 = gsl_matrix_alloc(1, 1), *Xd = gsl_matrix_alloc(1, 1);
  gsl_vector_set(mu0, 0, 0.2);
  gsl_matrix_set(X, 0, 0, 1.3);
  gsl_matrix_set(V0, 0, 0, 2.0);
  gsl_matrix_set(Xd, 0, 0, 0.9);
  while (next_row(f, &r)) {
    int tiny = !strcmp(r.tok[0], "tinypsi");
    if (strcmp(r.tok[0], "bigniw") && !tiny) continue;
    double nu0 = num(&r, 1), lml = NAN;
    gsl_matrix_set(Psi0, 0, 0, tiny ? num(&r, 2) : 1.5 * nu0);
    if (tiny) r.tok[2] = r.tok[3], r.tok[3] = r.tok[4]; /* the references where bigniw has them */
    bm_niw *m = bm_niw_alloc(1);
    assert_int_equal(bm_niw_set_prior(m, mu0, 2.0, nu0, Psi0), BM_SUCCESS);
    assert_int_equal(bm_niw_update(m, X), BM_SUCCESS);
    int st = bm_niw_log_evidence(m, &lml);
    expect("niw evidence, large nu0", &r, st, lml, num(&r, 2), 1e-13, 1.0);
    bm_niw_free(m);
    bm_mniw *w = bm_mniw_alloc(1, 1);
    assert_int_equal(bm_mniw_set_prior(w, B0, V0, nu0, Psi0), BM_SUCCESS);
    assert_int_equal(bm_mniw_update(w, Xd, X), BM_SUCCESS);
    st = bm_mniw_log_evidence(w, &lml);
    expect("mniw evidence, large nu0", &r, st, lml, num(&r, 3), 1e-13, 1.0);
    bm_mniw_free(w);
    cases++;
  }
  rewind(f);
  int posts = 0;
  gsl_vector *mu = gsl_vector_alloc(1);
  gsl_matrix *S = gsl_matrix_alloc(1, 1), *B = gsl_matrix_alloc(1, 1);
  gsl_vector_set(mu, 0, 0.4);
  gsl_matrix_set(B, 0, 0, 0.4);
  while (next_row(f, &r)) { /* the prior densities there: the inverse Wishart term cancels like nu log nu */
    if (strcmp(r.tok[0], "bigpost")) continue;
    double nu0 = num(&r, 1), lp = NAN;
    gsl_matrix_set(Psi0, 0, 0, 1.5 * nu0);
    gsl_matrix_set(S, 0, 0, num(&r, 3));
    bm_niw *m = bm_niw_alloc(1);
    assert_int_equal(bm_niw_set_prior(m, mu0, 2.0, nu0, Psi0), BM_SUCCESS);
    int st = bm_niw_log_posterior(m, mu, S, &lp);
    expect("niw prior density, large nu0", &r, st, lp, num(&r, 4), 1e-12, 1.0);
    bm_niw_free(m);
    bm_mniw *w = bm_mniw_alloc(1, 1);
    assert_int_equal(bm_mniw_set_prior(w, B0, V0, nu0, Psi0), BM_SUCCESS);
    st = bm_mniw_log_posterior(w, B, S, &lp);
    expect("mniw prior density, large nu0", &r, st, lp, num(&r, 5), 1e-12, 1.0);
    bm_mniw_free(w);
    posts++;
  }
  rewind(f);
  while (next_row(f, &r)) { /* the same in the precision: the Wishart term */
    if (strcmp(r.tok[0], "bignw")) continue;
    double nu0 = num(&r, 1), lp = NAN;
    gsl_matrix_set(Psi0, 0, 0, 1.5 * nu0);
    gsl_matrix_set(S, 0, 0, num(&r, 3));
    bm_niw *m = bm_niw_alloc(1);
    assert_int_equal(bm_niw_set_prior(m, mu0, 2.0, nu0, Psi0), BM_SUCCESS);
    int st = bm_niw_log_posterior_nw(m, mu, S, &lp);
    expect("niw prior density in the precision, large nu0", &r, st, lp, num(&r, 4), 1e-12, 1.0);
    bm_niw_free(m);
    posts++;
  }
  fclose(f);
  assert_int_equal(posts, 12);
  gsl_vector_free(mu);
  gsl_matrix_free(S);
  gsl_matrix_free(B);
  assert_int_equal(cases, 8);
  gsl_vector_free(mu0);
  gsl_matrix_free(Psi0);
  gsl_matrix_free(X);
  gsl_matrix_free(B0);
  gsl_matrix_free(V0);
  gsl_matrix_free(Xd);
}

/* blr's normal-inverse-gamma evidence: the same cancellation in (a0, n/2)
 * (a0 = 1e8: 1e-7 relative; from a0 = 2^53 the evidence came out 0), and a
 * tiny b0 (rho^2/(2 b0) overflows: the plain form, where nothing cancels) */
static void blr_large_a0(void **state)
{
  (void)state;
  FILE *f = tu_open_data("nu_half_ref.txt");
  row r;
  int cases = 0;
  gsl_vector *m0 = gsl_vector_calloc(1), *y = gsl_vector_alloc(1);
  gsl_matrix *V0 = gsl_matrix_alloc(1, 1), *X = gsl_matrix_alloc(1, 1);
  gsl_matrix_set(V0, 0, 0, 2.0);
  gsl_matrix_set(X, 0, 0, 0.9);
  gsl_vector_set(y, 0, 1.3);
  while (next_row(f, &r)) {
    if (strcmp(r.tok[0], "blr")) continue;
    bm_blr *m = bm_blr_alloc(1);
    double lml = NAN;
    assert_int_equal(bm_blr_set_prior_nig(m, m0, V0, num(&r, 1), num(&r, 2)), BM_SUCCESS);
    assert_int_equal(bm_blr_update(m, X, y), BM_SUCCESS);
    int st = bm_blr_log_evidence(m, &lml);
    expect("blr evidence", &r, st, lml, num(&r, 3), 1e-13, 1.0);
    bm_blr_free(m);
    cases++;
  }
  rewind(f);
  int posts = 0;
  gsl_vector *beta = gsl_vector_alloc(1);
  gsl_vector_set(beta, 0, 0.4);
  while (next_row(f, &r)) { /* the prior density: the inverse-gamma term cancels like a log a */
    if (strcmp(r.tok[0], "blrpost")) continue;
    double a0 = num(&r, 1), lp = NAN;
    bm_blr *m = bm_blr_alloc(1);
    assert_int_equal(bm_blr_set_prior_nig(m, m0, V0, a0, 1.5 * a0), BM_SUCCESS);
    int st = bm_blr_log_posterior(m, beta, num(&r, 2), &lp);
    expect("blr prior density, large a0", &r, st, lp, num(&r, 3), 1e-13, 1.0);
    bm_blr_free(m);
    posts++;
  }
  fclose(f);
  assert_int_equal(posts, 6);
  gsl_vector_free(beta);
  assert_int_equal(cases, 6);
  gsl_vector_free(m0);
  gsl_vector_free(y);
  gsl_matrix_free(V0);
  gsl_matrix_free(X);
}

/* the Wishart types' Fisher entry psi'(nu/2)/4 at p = 1 from nu: finite down
 * to nu ~ 7.5e-155 (psi'(nu/2) itself overflows below 3e-154) */
static void wishart_fisher_nunu_tiny(void **state)
{
  (void)state;
  gsl_matrix *P = gsl_matrix_alloc(1, 1), *F = gsl_matrix_alloc(2, 2);
  gsl_matrix_set(P, 0, 0, 1.3);
  bm_wishart *w = bm_wishart_alloc(1);
  bm_invwishart *iw = bm_invwishart_alloc(1);
  /* mpmath: psi'(nu/2)/4 at nu = 1e-154 and 2e-154 (1/nu^2 + pi^2/24 below an ulp) */
  const double nus[2] = {1e-154, 2e-154}, refs[2] = {1.0000000000000000542e+308, 2.5000000000000001355e+307};
  for (int i = 0; i < 2; i++) {
    assert_int_equal(bm_wishart_set(w, nus[i], P), BM_SUCCESS);
    assert_int_equal(bm_wishart_fisher(w, F), BM_SUCCESS);
    tu_assert_rel(gsl_matrix_get(F, 1, 1), refs[i], 1e-15);
    assert_int_equal(bm_invwishart_set(iw, nus[i], P), BM_SUCCESS);
    assert_int_equal(bm_invwishart_fisher(iw, F), BM_SUCCESS);
    tu_assert_rel(gsl_matrix_get(F, 1, 1), refs[i], 1e-15);
  }
  assert_int_equal(bm_wishart_set(w, 1e-160, P), BM_SUCCESS);
  assert_int_equal(bm_wishart_fisher(w, F), BM_EDOM); /* 1e320 */
  assert_true(tu_all_nan_m(F));
  bm_wishart_free(w);
  bm_invwishart_free(iw);
  gsl_matrix_free(P);
  gsl_matrix_free(F);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(specfun_half),
    cmocka_unit_test(specfun_half_domain),
    cmocka_unit_test(matf_tiny_nu_delta),
    cmocka_unit_test(mvt_tiny_nu),
    cmocka_unit_test(matt_tiny_nu),
    cmocka_unit_test(conjugate_tiny_nu0),
    cmocka_unit_test(conjugate_large_nu0),
    cmocka_unit_test(blr_large_a0),
    cmocka_unit_test(wishart_fisher_nunu_tiny),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
