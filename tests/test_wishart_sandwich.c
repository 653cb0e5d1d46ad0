/* Tests of the Wishart-type gradients' two-sided product on both sides of
 * BM_WT_SANDWICH_MIN: below it the families form A^-1 Y A^-1 as
 * N N^T (N = L^-T L^-1 L_1, a solve), beyond as T^T (M M^T) T (T = L^-1,
 * LAPACK's dsygst); wishart_common.h.
 *  - Wishart d_S and d_X, inverse-Wishart d_X and d_Psi at p =
 *    BM_WT_SANDWICH_MIN - 1 (the solve), BM_WT_SANDWICH_MIN and 256 (the
 *    sandwich; M M^T's recursion down to 32-blocks), X and the scale
 *    well conditioned (10) and ill conditioned (1e8 each), against a
 *    reference in long double: the library's factors, then N = L^-T L^-1 L_1
 *    and N N^T by substitution and sums in long double, A^-1 from the
 *    long-double inverse of the factor. The error bound is 1e-12 of the
 *    largest entry for the well-conditioned case; for the ill-conditioned one
 *    it is the error the solve route itself makes against the same
 *    reference (computed here in double as the families did before), times
 *    4, or 1e-12, whichever is larger: the sandwich must be as accurate as
 *    the route it replaces.
 *  - the scale and X near DBL_MIN and DBL_MAX (1e-300, 1e300) on both sides:
 *    the gradient scales as 1/s, 1e-12 of the largest entry.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>
#include <string.h>
#include "../distributions/wishart_common.h" /* before lapacke.h (complex.h's I) */
#include <lapacke.h>
#include <gsl/gsl_cblas.h>
#include "testutil.h"
#include "bayesmat/linalg.h"
#include "bayesmat/wishart.h"
#include "bayesmat/invwishart.h"

typedef long double ld;

/* the factor the library forms (bm_chol_factor: the families factor X and
 * the scale with it), so that the reference and the routes share their
 * inputs and only the routes' rounding is compared (at condition 1e8 a
 * factor rounded differently moves the result by ~1e-9 relative) */
static void chol(const gsl_matrix *A, double *L, size_t p)
{
  gsl_matrix_view Lv = gsl_matrix_view_array(L, p, p);
  assert_int_equal(bm_chol_factor(A, &Lv.matrix, NULL), BM_SUCCESS);
}

/* R <- L^-T L^-1 L1 L1^T L^-T L^-1 - c (L L^T)^-1, in long double */
static void ref_twosided(const double *L, const double *L1, size_t p, ld c, ld *R)
{
  ld *N = calloc(p * p, sizeof(ld)), *Ti = calloc(p * p, sizeof(ld));
  for (size_t i = 0; i < p * p; i++) N[i] = L1[i];
  for (size_t i = 0; i < p; i++) Ti[i * p + i] = 1.0L;
  ld *B[2] = {N, Ti};
  for (int b = 0; b < 2; b++) {
    ld *Z = B[b];
    for (size_t i = 0; i < p; i++) /* forward: Z <- L^-1 Z */
      for (size_t col = 0; col < p; col++) {
        ld s = Z[i * p + col];
        for (size_t k = 0; k < i; k++) s -= (ld)L[i * p + k] * Z[k * p + col];
        Z[i * p + col] = s / (ld)L[i * p + i];
      }
    for (size_t i = p; i-- > 0;) /* back: Z <- L^-T Z */
      for (size_t col = 0; col < p; col++) {
        ld s = Z[i * p + col];
        for (size_t k = i + 1; k < p; k++) s -= (ld)L[k * p + i] * Z[k * p + col];
        Z[i * p + col] = s / (ld)L[i * p + i];
      }
  }
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      ld s = 0.0L;
      for (size_t k = 0; k < p; k++) s += N[i * p + k] * N[j * p + k];
      R[i * p + j] = s - c * Ti[i * p + j];
    }
  free(N);
  free(Ti);
}

/* the route the families take below BM_WT_SANDWICH_MIN, in double through CBLAS */
static void solve_route(const double *L, const double *L1, size_t p, double c, double *G)
{
  double *N = malloc(p * p * sizeof(double)), *Ai = malloc(p * p * sizeof(double));
  memcpy(N, L1, p * p * sizeof(double));
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, (int)p, 1.0, L, (int)p, N,
              (int)p);
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, (int)p, (int)p, 1.0, L, (int)p, N,
              (int)p);
  memcpy(Ai, L, p * p * sizeof(double));
  assert_int_equal(LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', (int)p, Ai, (int)p), 0);
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)p, (int)p, 1.0, N, (int)p, 0.0, G, (int)p);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) G[j * p + i] = G[i * p + j] = G[i * p + j] - c * Ai[i * p + j];
  free(N);
  free(Ai);
}

static double max_err(const gsl_matrix *G, double a, const ld *R, size_t p, double *scale)
{
  double e = 0.0, m = 0.0;
  for (size_t i = 0; i < p * p; i++) {
    e = fmax(e, (double)fabsl((ld)G->data[i] - a * R[i]));
    m = fmax(m, (double)fabsl(a * R[i]));
  }
  *scale = m;
  return e;
}

static double max_err_d(const double *G, const ld *R, size_t p)
{
  double e = 0.0;
  for (size_t i = 0; i < p * p; i++) e = fmax(e, (double)fabsl((ld)G[i] - R[i]));
  return e;
}

static void check(const char *what, size_t p, double cond, double err, double scale, double err_solve)
{
  if (getenv("SANDWICH_VERBOSE")) /* the errors, for bench/README.md */
    print_message("%s p=%zu cond=%g err %.3e scale %.3e solve %.3e\n", what, p, cond, err, scale, err_solve);
  double bound = cond <= 10.0 ? 1e-12 * scale : fmax(1e-12 * scale, 4.0 * err_solve);
  if (!(err <= bound)) {
    print_error("%s, p = %zu, condition %g: error %.3e, bound %.3e (scale %.3e, solve route %.3e)\n", what, p, cond,
                err, bound, scale, err_solve);
    fail();
  }
}

static void one(gsl_rng *r, size_t p, double cond)
{
  size_t pp = p * p;
  gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *GX = gsl_matrix_alloc(p, p),
             *GS = gsl_matrix_alloc(p, p);
  double *LS = malloc(pp * sizeof(double)), *LX = malloc(pp * sizeof(double)), *G = malloc(pp * sizeof(double));
  ld *R = malloc(pp * sizeof(ld)), *Ri = malloc(pp * sizeof(ld));
  tu_random_spd(r, cond, 1.5, S);
  tu_random_spd(r, cond, 3.0, X);
  chol(S, LS, p);
  chol(X, LX, p);
  double nu = (double)p + 3.5, pd = (double)p, lp, dnu, scale, e;

  /* Wishart: d_S = (S^-1 X S^-1 - nu S^-1)/2, d_X = ((nu-p-1) X^-1 - S^-1)/2 */
  bm_wishart *w = bm_wishart_alloc(p);
  assert_int_equal(bm_wishart_set(w, nu, S), BM_SUCCESS);
  assert_int_equal(bm_wishart_logpdf_grad(w, X, &lp, GX, GS, &dnu), BM_SUCCESS);
  ref_twosided(LS, LX, p, nu, R);
  solve_route(LS, LX, p, nu, G);
  double es = 0.5 * max_err_d(G, R, p);
  e = max_err(GS, 0.5, R, p, &scale);
  check("wishart d_S", p, cond, e, scale, es);
  ref_twosided(LX, LX, p, 0.0L, Ri); /* X^-1 X X^-1 = X^-1 */
  ref_twosided(LS, LS, p, 0.0L, R);  /* S^-1 */
  for (size_t i = 0; i < pp; i++) R[i] = (ld)(nu - pd - 1.0) * Ri[i] - R[i];
  e = max_err(GX, 0.5, R, p, &scale);
  check("wishart d_X", p, cond, e, scale, 0.0);
  /* d_S alone (the route without d_X) gives the same numbers */
  gsl_matrix_memcpy(GX, GS);
  assert_int_equal(bm_wishart_logpdf_grad(w, X, NULL, NULL, GS, NULL), BM_SUCCESS);
  for (size_t i = 0; i < pp; i++) assert_true(GS->data[i] == GX->data[i]);

  /* inverse Wishart: d_X = (X^-1 Psi X^-1 - (nu+p+1) X^-1)/2, d_Psi = (nu Psi^-1 - X^-1)/2 */
  bm_invwishart *iw = bm_invwishart_alloc(p);
  assert_int_equal(bm_invwishart_set(iw, nu, S), BM_SUCCESS);
  assert_int_equal(bm_invwishart_logpdf_grad(iw, X, &lp, GX, GS, &dnu), BM_SUCCESS);
  ref_twosided(LX, LS, p, nu + pd + 1.0, R);
  solve_route(LX, LS, p, nu + pd + 1.0, G);
  es = 0.5 * max_err_d(G, R, p);
  e = max_err(GX, 0.5, R, p, &scale);
  check("invwishart d_X", p, cond, e, scale, es);
  ref_twosided(LS, LS, p, 0.0L, R);
  for (size_t i = 0; i < pp; i++) R[i] = (ld)nu * R[i] - Ri[i];
  e = max_err(GS, 0.5, R, p, &scale);
  check("invwishart d_Psi", p, cond, e, scale, 0.0);
  gsl_matrix_memcpy(GS, GX);
  assert_int_equal(bm_invwishart_logpdf_grad(iw, X, NULL, GX, NULL, NULL), BM_SUCCESS);
  for (size_t i = 0; i < pp; i++) assert_true(GS->data[i] == GX->data[i]);

  bm_wishart_free(w);
  bm_invwishart_free(iw);
  free(LS);
  free(LX);
  free(G);
  free(R);
  free(Ri);
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_matrix_free(GX);
  gsl_matrix_free(GS);
}

static void test_both_routes(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(4242);
  const size_t ps[] = {BM_WT_SANDWICH_MIN - 1, BM_WT_SANDWICH_MIN, 256};
  for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
    one(r, ps[k], 10.0);
    one(r, ps[k], 1e8);
  }
  gsl_rng_free(r);
}

/* scale and variate near DBL_MIN and DBL_MAX: T = L^-1 and M M^T stay in
 * range wherever the result does. (s S, s X) gives d_S / s (Wishart) and
 * d_X / s (inverse Wishart); on both sides of the threshold, 1e-12 of the
 * largest entry (the scaled inputs are themselves rounded). */
static void test_extreme_scales(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(77);
  const size_t ps[] = {BM_WT_SANDWICH_MIN - 1, BM_WT_SANDWICH_MIN};
  const double scales[] = {1e-300, 1e300};
  for (size_t k = 0; k < 2; k++) {
    size_t p = ps[k], pp = p * p;
    gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *Ss = gsl_matrix_alloc(p, p),
               *Xs = gsl_matrix_alloc(p, p), *G0 = gsl_matrix_alloc(p, p), *G = gsl_matrix_alloc(p, p);
    tu_random_spd(r, 10.0, 1.5, S);
    tu_random_spd(r, 10.0, 3.0, X);
    double nu = (double)p + 2.0;
    bm_wishart *w = bm_wishart_alloc(p);
    bm_invwishart *iw = bm_invwishart_alloc(p);
    for (int fam = 0; fam < 2; fam++) {
      if (fam == 0) {
        assert_int_equal(bm_wishart_set(w, nu, S), BM_SUCCESS);
        assert_int_equal(bm_wishart_logpdf_grad(w, X, NULL, NULL, G0, NULL), BM_SUCCESS);
      } else {
        assert_int_equal(bm_invwishart_set(iw, nu, S), BM_SUCCESS);
        assert_int_equal(bm_invwishart_logpdf_grad(iw, X, NULL, G0, NULL, NULL), BM_SUCCESS);
      }
      double m = 0.0;
      for (size_t i = 0; i < pp; i++) m = fmax(m, fabs(G0->data[i]));
      for (size_t t = 0; t < 2; t++) {
        double sc = scales[t];
        gsl_matrix_memcpy(Ss, S);
        gsl_matrix_memcpy(Xs, X);
        gsl_matrix_scale(Ss, sc);
        gsl_matrix_scale(Xs, sc);
        if (fam == 0) {
          assert_int_equal(bm_wishart_set(w, nu, Ss), BM_SUCCESS);
          assert_int_equal(bm_wishart_logpdf_grad(w, Xs, NULL, NULL, G, NULL), BM_SUCCESS);
        } else {
          assert_int_equal(bm_invwishart_set(iw, nu, Ss), BM_SUCCESS);
          assert_int_equal(bm_invwishart_logpdf_grad(iw, Xs, NULL, G, NULL, NULL), BM_SUCCESS);
        }
        double e = 0.0;
        for (size_t i = 0; i < pp; i++) e = fmax(e, fabs(G->data[i] * sc - G0->data[i]));
        if (!(e <= 1e-12 * m)) {
          print_error("%s, p = %zu, scale %g: error %.3e of %.3e\n", fam ? "invwishart d_X" : "wishart d_S", p, sc, e, m);
          fail();
        }
      }
    }
    bm_wishart_free(w);
    bm_invwishart_free(iw);
    gsl_matrix_free(S);
    gsl_matrix_free(X);
    gsl_matrix_free(Ss);
    gsl_matrix_free(Xs);
    gsl_matrix_free(G0);
    gsl_matrix_free(G);
  }
  gsl_rng_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_both_routes), cmocka_unit_test(test_extreme_scales)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
