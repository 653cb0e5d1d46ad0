/* Tests of the Wishart / inverse-Wishart small-p route (p <= 16):
 * distributions/wishart_small.c (factor, log|X| and the whitened matrix from
 * one kernel) and src/mvgamma_small.c (log Gamma_p and psi_p by the
 * duplication formula).
 *  - log Gamma_p, psi_p: against mpmath (tests/data/mvgamma_small_ref.txt,
 *    gen_mvgamma_small.py) and against the term-by-term functions, p = 1..17,
 *    a from just above (p-1)/2 to 1e12; 1e-14 relative to the sum of |terms|
 *    (the rounding scale of any evaluation of the sum); the fallbacks outside
 *    the range are the term-by-term functions themselves.
 *  - the kernel: against the general path's pieces (bm_wt_factor_variate,
 *    bm_chol_logdet, bm_sl_trsm_left), p = 1..17, well and ill conditioned X
 *    (condition 1e12), subnormal-scaled S; 1e-14 relative to the largest
 *    entry (the default build gives the same numbers).
 *  - the public calls at nu from just above p - 1 to 1e6 against the
 *    formulas through LAPACK (dpotrf, dtrsm, dpotri) and the term-by-term
 *    psi_p, 1e-14 relative to the scale of the terms (as test_small_p.c).
 *  - X not positive definite at each leading minor, and non-finite X: the
 *    same status and message as the general path's check, outputs -inf/NaN.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <float.h>
#include <stdlib.h>
#include <string.h>
/* before lapacke.h, whose complex.h defines I (a parameter name there) */
#include "../distributions/wishart_common.h"
#include <lapacke.h>
#include <gsl/gsl_cblas.h>
#include "testutil.h"
#include "lapack_ref.h"
#include "small_linalg.h"
#include "mvgamma_small.h"

#define RTOL 1e-14
#define LN2 0.693147180559945309417232121458176568

static void close_scaled(double a, double b, double scale, const char *what, size_t p, double x)
{
  if (!tu_close_to(a, b, RTOL * scale, RTOL)) {
    print_error("p = %zu (%.17g), %s: %.17g vs %.17g (diff %.3e, scale %.3e)\n", p, x, what, a, b, fabs(a - b), scale);
    fail();
  }
}

static void test_mvgamma_reference(void **state)
{
  (void)state;
  char path[4096];
  FILE *f = fopen(tu_data_path("mvgamma_small_ref.txt", path, sizeof path), "r");
  assert_non_null(f);
  char line[512];
  int n = 0;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#') continue;
    size_t p;
    double a, lmv, mvd, slg, sdg;
    assert_int_equal(sscanf(line, "%zu %lf %lf %lf %lf %lf", &p, &a, &lmv, &mvd, &slg, &sdg), 6);
    double g = bm_lmvgamma_small(p, a), dg = bm_mvdigamma_small(p, a);
    close_scaled(g, lmv, slg, "lmvgamma_small vs mpmath", p, a);
    close_scaled(dg, mvd, sdg, "mvdigamma_small vs mpmath", p, a);
    close_scaled(g, bm_lmvgamma(p, a), slg, "lmvgamma_small vs term by term", p, a);
    close_scaled(dg, bm_mvdigamma(p, a), sdg, "mvdigamma_small vs term by term", p, a);
    n++;
  }
  fclose(f);
  assert_true(n >= 250);
}

static void test_mvgamma_fallbacks(void **state)
{
  (void)state;
  /* beyond the range: the term-by-term functions, to the bit */
  assert_true(bm_lmvgamma_small(17, 20.0) == bm_lmvgamma(17, 20.0));
  assert_true(bm_mvdigamma_small(17, 20.0) == bm_mvdigamma(17, 20.0));
  assert_true(bm_lmvgamma_small(4, 1e200) == bm_lmvgamma(4, 1e200));
  assert_true(bm_mvdigamma_small(4, 1e200) == bm_mvdigamma(4, 1e200));
  /* outside the domain: NaN as the general functions */
  const double bad[] = {1.5, 1.0, -1.0, NAN, INFINITY};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    assert_true(isnan(bm_lmvgamma_small(4, bad[k])) == isnan(bm_lmvgamma(4, bad[k])));
    assert_true(isnan(bm_mvdigamma_small(4, bad[k])) == isnan(bm_mvdigamma(4, bad[k])));
    assert_true(isnan(bm_lmvgamma_small(4, bad[k])));
  }
  assert_true(isnan(bm_lmvgamma_small(0, 3.0)));
}

static double max_abs(const double *A, size_t n)
{
  double m = 0.0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(A[i]));
  return m;
}

/* the kernel against the general path's three steps, both families */
static void kernel_one(gsl_rng *r, size_t p, double condX, double scaleS)
{
  size_t pp = p * p;
  gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *LS = gsl_matrix_alloc(p, p);
  double *M = calloc(pp, sizeof(double)), *LX = calloc(pp, sizeof(double)), *G = calloc(pp, sizeof(double)),
         *H = calloc(pp, sizeof(double));
  tu_random_spd(r, 1e3, scaleS, S);
  tu_random_spd(r, condX, 2.0, X);
  assert_int_equal(bm_chol_factor(S, LS, NULL), BM_SUCCESS);
  for (int inverse = 0; inverse < 2; inverse++) {
    double ld;
    double ss[2];
    assert_int_equal(bm_wt_small_whiten(X, LS, inverse, M, LX, &ld, ss), 0);
    gsl_matrix_view W;
    assert_int_equal(bm_wt_factor_variate_fn("test", "X", X, G, p, &W), BM_SUCCESS);
    double ldg = bm_chol_logdet(&W.matrix);
    close_scaled(ld, ldg, fabs(ldg) + 1.0, "log|X|", p, condX);
    for (size_t i = 0; i < pp; i++) close_scaled(LX[i], G[i], max_abs(G, pp), "L_X", p, condX);
    if (inverse) { /* H <- L_X^-1 L_Psi */
      bm_wt_copy_lower(LS, H, p);
      bm_sl_trsm_left(CblasNoTrans, p, p, G, p, H, p);
    } else { /* G <- L_S^-1 L_X */
      bm_sl_trsm_left(CblasNoTrans, p, p, LS->data, LS->tda, G, p);
      memcpy(H, G, pp * sizeof(double));
    }
    double sc = max_abs(H, pp);
    /* the sums of squares it returns: those of bm_wt_half_sumsq */
    for (int strict = 0; strict < 2; strict++) {
      double h = bm_wt_half_sumsq(H, p, p, strict);
      close_scaled(0.5 * ss[strict], h, h, strict ? "sum of squares below the diagonal" : "sum of squares", p, condX);
    }
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) {
        close_scaled(M[i * p + j], H[i * p + j], sc, inverse ? "L_X^-1 L_Psi" : "L_S^-1 L_X", p, condX);
        if (j > i) assert_true(M[i * p + j] == 0.0);
      }
  }
  free(M);
  free(LX);
  free(G);
  free(H);
  free_matrices(S, X, LS);
}

static void test_kernel_vs_general(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(515);
  for (size_t p = 1; p <= 17; p++) {
    if (p == 17) continue; /* the kernel's domain ends at BM_SL_MAX = 16 */
    kernel_one(r, p, 10.0, 1.0);
    kernel_one(r, p, 1e12, 1.0);
    kernel_one(r, p, 1e6, 1e-300); /* L_S near the subnormal range: reciprocal pivots overflow */
    kernel_one(r, p, 1e6, 1e300);
  }
  gsl_rng_free(r);
}

/* value and d_nu of both families at one nu against the formulas through LAPACK */
static void public_one(gsl_rng *r, size_t p, double nu)
{
  size_t pp = p * p;
  gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *GX = gsl_matrix_alloc(p, p),
             *GS = gsl_matrix_alloc(p, p);
  double *LS = malloc(pp * sizeof(double)), *LX = malloc(pp * sizeof(double)), *M = malloc(pp * sizeof(double)),
         *Xi = malloc(pp * sizeof(double)), *Si = malloc(pp * sizeof(double));
  tu_random_spd(r, 20.0, 1.5, S);
  tu_random_spd(r, 20.0, 3.0, X);
  ref_chol(S, LS, p);
  ref_chol(X, LX, p);
  ref_inverse(LS, Si, p);
  ref_inverse(LX, Xi, p);
  double ldS = 0.0, ldX = 0.0, pd = (double)p, a = 0.5 * nu, dg = 0.0, sdg = 0.0;
  for (size_t i = 0; i < p; i++) {
    ldS += 2.0 * log(LS[i * p + i]);
    ldX += 2.0 * log(LX[i * p + i]);
    double t = bm_digamma(a - 0.5 * (double)i); /* term by term */
    dg += t;
    sdg += fabs(t);
  }
  double lmg = bm_lmvgamma(p, a), a2 = 0.5 * nu * pd * LN2;
  double lp, dnu;

  double tr = tr_solve(LS, LX, p, M), a1 = 0.5 * (nu - pd - 1.0) * ldX, a3 = 0.5 * nu * ldS;
  double ref = a1 - 0.5 * tr - a2 - a3 - lmg, scale = fabs(a1) + 0.5 * tr + fabs(a2) + fabs(a3) + fabs(lmg);
  double dref = 0.5 * ldX - 0.5 * pd * LN2 - 0.5 * ldS - 0.5 * dg;
  double dscale = 0.5 * (fabs(ldX) + pd * LN2 + fabs(ldS) + sdg);
  bm_wishart *w = bm_wishart_alloc(p);
  assert_int_equal(bm_wishart_set(w, nu, S), BM_SUCCESS);
  assert_int_equal(bm_wishart_logpdf(w, X, &lp), BM_SUCCESS);
  close_scaled(lp, ref, scale, "wishart logpdf", p, nu);
  assert_int_equal(bm_wishart_logpdf_grad(w, X, &lp, GX, GS, &dnu), BM_SUCCESS);
  close_scaled(lp, ref, scale, "wishart logpdf_grad value", p, nu);
  close_scaled(dnu, dref, dscale, "wishart d_nu", p, nu);
  double sx = (nu + pd) * (max_abs(Xi, pp) + max_abs(Si, pp));
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++)
      close_scaled(gsl_matrix_get(GX, i, j), 0.5 * (nu - pd - 1.0) * Xi[i * p + j] - 0.5 * Si[i * p + j], sx,
                   "wishart d_X", p, nu);

  tr = tr_solve(LX, LS, p, M);
  double b1 = 0.5 * nu * ldS, b3 = 0.5 * (nu + pd + 1.0) * ldX;
  ref = b1 - a2 - lmg - b3 - 0.5 * tr;
  scale = fabs(b1) + fabs(a2) + fabs(lmg) + fabs(b3) + 0.5 * tr;
  dref = 0.5 * ldS - 0.5 * pd * LN2 - 0.5 * dg - 0.5 * ldX;
  bm_invwishart *iw = bm_invwishart_alloc(p);
  assert_int_equal(bm_invwishart_set(iw, nu, S), BM_SUCCESS);
  assert_int_equal(bm_invwishart_logpdf(iw, X, &lp), BM_SUCCESS);
  close_scaled(lp, ref, scale, "invwishart logpdf", p, nu);
  assert_int_equal(bm_invwishart_logpdf_grad(iw, X, &lp, GX, GS, &dnu), BM_SUCCESS);
  close_scaled(lp, ref, scale, "invwishart logpdf_grad value", p, nu);
  close_scaled(dnu, dref, dscale, "invwishart d_nu", p, nu);
  double ss = nu * max_abs(Si, pp) + max_abs(Xi, pp);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++)
      close_scaled(gsl_matrix_get(GS, i, j), 0.5 * nu * Si[i * p + j] - 0.5 * Xi[i * p + j], ss, "invwishart d_Psi",
                   p, nu);
  bm_wishart_free(w);
  bm_invwishart_free(iw);
  free(LS);
  free(LX);
  free(M);
  free(Xi);
  free(Si);
  free_matrices(S, X, GX, GS);
}

static void test_public_over_nu(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(2718);
  for (size_t p = 1; p <= 17; p++) {
    double pd = (double)p;
    const double nus[] = {pd - 1.0 + 1e-9, pd - 0.5, pd + 2.5, pd + 17.3, pd + 40.0, 1e3, 1e6};
    for (size_t k = 0; k < sizeof nus / sizeof nus[0]; k++) public_one(r, p, nus[k]);
  }
  gsl_rng_free(r);
}

/* X not PD at leading minor k, or not finite: the status and message the
 * general path's check gives (bm_wt_factor_variate / the symmetric check) */
static void test_failures_match(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(31);
  for (size_t p = 1; p <= 17; p++) {
    gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *GX = gsl_matrix_alloc(p, p),
               *GS = gsl_matrix_alloc(p, p);
    double *buf = malloc(p * p * sizeof(double));
    tu_random_spd(r, 10.0, 1.0, S);
    bm_wishart *w = bm_wishart_alloc(p);
    bm_invwishart *iw = bm_invwishart_alloc(p);
    assert_int_equal(bm_wishart_set(w, p + 1.0, S), BM_SUCCESS);
    assert_int_equal(bm_invwishart_set(iw, p + 1.0, S), BM_SUCCESS);
    for (size_t k = 0; k <= p; k++) {
      tu_random_spd(r, 10.0, 1.0, X);
      if (k < p) { /* leading minor k + 1 singular: row k a copy of row 0 scaled (k > 0), or X_00 <= 0 */
        if (k == 0) {
          gsl_matrix_set(X, 0, 0, -1.0);
        } else {
          for (size_t j = 0; j < p; j++) {
            gsl_matrix_set(X, k, j, 2.0 * gsl_matrix_get(X, 0, j));
            gsl_matrix_set(X, j, k, 2.0 * gsl_matrix_get(X, j, 0));
          }
          gsl_matrix_set(X, k, k, 4.0 * gsl_matrix_get(X, 0, 0) * (1.0 - 1e-3)); /* a negative pivot */
        }
      } else {
        gsl_matrix_set(X, p - 1, 0, NAN);
        gsl_matrix_set(X, 0, p - 1, NAN);
      }
      const char *fns[] = {"bm_wishart_logpdf", "bm_wishart_logpdf_grad", "bm_invwishart_logpdf",
                           "bm_invwishart_logpdf_grad"};
      for (int c = 0; c < 4; c++) {
        char want[512];
        gsl_matrix_view W;
        int st_want = k < p ? bm_wt_factor_variate_fn(fns[c], "X", X, buf, p, &W)
                            : bm_wt_check_symmetric_fn(fns[c], "X", X, p);
        snprintf(want, sizeof want, "%s", bm_last_error());
        assert_int_equal(st_want, k < p ? BM_EDOM : BM_ENONFINITE);
        double lp = 0.0, dnu = 0.0;
        int st = c == 0   ? bm_wishart_logpdf(w, X, &lp)
                 : c == 1 ? bm_wishart_logpdf_grad(w, X, &lp, GX, GS, &dnu)
                 : c == 2 ? bm_invwishart_logpdf(iw, X, &lp)
                          : bm_invwishart_logpdf_grad(iw, X, &lp, GX, GS, &dnu);
        assert_int_equal(st, st_want);
        assert_string_equal(bm_last_error(), want);
        if (k < p)
          assert_true(lp == -INFINITY);
        else
          assert_true(isnan(lp));
        if (c % 2) {
          assert_true(isnan(dnu));
          assert_true(isnan(gsl_matrix_get(GX, 0, 0)) && isnan(gsl_matrix_get(GS, p - 1, p - 1)));
        }
      }
    }
    bm_wishart_free(w);
    bm_invwishart_free(iw);
    free(buf);
    free_matrices(S, X, GX, GS);
  }
  gsl_rng_free(r);
}

/* a pivot below DBL_MIN at row k (its reciprocal overflows) or near DBL_MAX
 * (its reciprocal subnormal, a few bits short): the root-free factorization
 * (bm_sl_chol_local) finishes the classical way from there; against dpotrf
 * entry by entry, relative to each entry */
static void test_chol_subnormal_pivot(void **state)
{
  (void)state;
  for (int big = 0; big < 2; big++)
  for (size_t p = 2; p <= 16; p++)
    for (size_t k = 0; k < p; k++) {
      gsl_matrix *A = gsl_matrix_calloc(p, p), *L = gsl_matrix_alloc(p, p);
      double *Lr = malloc(p * p * sizeof(double));
      for (size_t i = 0; i < p; i++) gsl_matrix_set(A, i, i, 1.0 + 0.1 * (double)i);
      /* big: a pivot of 1e308, whose reciprocal is subnormal (fewer digits) */
      gsl_matrix_set(A, k, k, big ? 1e308 : 1e-310);
      for (size_t j = k + 1; j < p; j++) { /* couple the later rows to row k: l_jk = 0.1 */
        gsl_matrix_set(A, j, k, big ? 1e153 : 1e-156);
        gsl_matrix_set(A, k, j, big ? 1e153 : 1e-156);
      }
      for (size_t j = 1; j < p; j++) /* and to row 0, so that earlier multipliers are not 0 */
        if (j != k && k != 0) {
          gsl_matrix_set(A, j, 0, 0.3);
          gsl_matrix_set(A, 0, j, 0.3);
        }
      ref_chol(A, Lr, p);
      assert_int_equal(bm_chol_factor(A, L, NULL), BM_SUCCESS);
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j <= i; j++) {
          double ref = Lr[i * p + j];
          close_scaled(gsl_matrix_get(L, i, j), ref, 4.0 * fabs(ref), "chol with a subnormal pivot", p, (double)k);
        }
      free(Lr);
      free_matrices(A, L);
    }
}

/* Large nu (the Stirling form), a diagonal entry of the whitened factor M
 * with M_ii^2 just beyond DBL_MAX while M_ii^2/nu and log f are finite
 * (S_11 subnormal, X_11 = 1e-4): log f must be finite, equal to the
 * textbook sum in long double (lgammal), at p = 1 and p = 2 (the small-p
 * kernel) and p = 17 (the general path); the same for the inverse Wishart
 * with the roles of X and the scale swapped. */
static void test_large_nu_diag_overflow(void **state)
{
  (void)state;
  const double tiny = 5.5735545697072231e-313, x11 = 1.0019540786743164e-4, nu0 = 30.875;
  const size_t dims[] = {1, 2, 17};
  for (size_t t = 0; t < 3; t++)
    for (int inv = 0; inv < 2; inv++) {
      size_t p = dims[t];
      double nu = nu0 + (double)p; /* (nu - p + 1)/2 >= 10: the large-nu form */
      gsl_matrix *S = gsl_matrix_calloc(p, p), *X = gsl_matrix_calloc(p, p);
      for (size_t i = 0; i < p; i++) {
        gsl_matrix_set(S, i, i, 1.0 + 0.25 * (double)i);
        gsl_matrix_set(X, i, i, 2.0 - 0.0625 * (double)i);
      }
      /* Wishart: tr(S^-1 X) = x11/tiny + ...; inverse: tr(Psi X^-1) = x11/tiny + ... */
      gsl_matrix_set(inv ? X : S, 0, 0, tiny);
      gsl_matrix_set(inv ? S : X, 0, 0, x11);
      long double ldS = 0, ldX = 0, tr = 0 /* half */, lmg = (long double)p * (p - 1) / 4 * logl(3.14159265358979323846264338327950288L);
      for (size_t i = 0; i < p; i++) {
        long double si = gsl_matrix_get(S, i, i), xi = gsl_matrix_get(X, i, i);
        ldS += logl(si);
        ldX += logl(xi);
        tr += inv ? (si / 2) / xi : (xi / 2) / si; /* half the trace: finite in double too (valgrind's long double) */
      }
      for (size_t j = 1; j <= p; j++) lmg += lgammal((long double)nu / 2 + (1 - (long double)j) / 2);
      long double ref = inv ? (long double)nu / 2 * ldS - ((long double)nu + p + 1) / 2 * ldX - tr -
                                  (long double)nu * p / 2 * logl(2.0L) - lmg
                            : ((long double)nu - p - 1) / 2 * ldX - tr - (long double)nu * p / 2 * logl(2.0L) -
                                  (long double)nu / 2 * ldS - lmg;
      assert_true(ref > -DBL_MAX && ref < -1e307);
      double lp = 0.0;
      if (inv) {
        bm_invwishart *d = bm_invwishart_alloc(p);
        assert_int_equal(bm_invwishart_set(d, nu, S), BM_SUCCESS);
        assert_int_equal(bm_invwishart_logpdf(d, X, &lp), BM_SUCCESS);
        bm_invwishart_free(d);
      } else {
        bm_wishart *d = bm_wishart_alloc(p);
        assert_int_equal(bm_wishart_set(d, nu, S), BM_SUCCESS);
        assert_int_equal(bm_wishart_logpdf(d, X, &lp), BM_SUCCESS);
        bm_wishart_free(d);
      }
      /* (the relative form: 10 |ref| would overflow here) */
      if (!(fabsl((long double)lp - ref) <= 1e-13L * fabsl(ref))) {
        print_error("p = %zu, %s: %.17g vs %.17Lg\n", p, inv ? "invwishart, M_11^2 > DBL_MAX" : "wishart, M_11^2 > DBL_MAX", lp, ref);
        fail();
      }
      free_matrices(S, X);
    }
}

/* nu = p + 1: d_X = (nu-p-1)/2 X^-1 - S^-1/2 is -S^-1/2 exactly, finite even
 * where X^-1 overflows (X ~ 1e-311); it came back BM_EDOM (0 inf = NaN).
 * p = 2 (the small-p kernel; the fuzzer's input) against the 2 x 2 inverse
 * in closed form, p = 17 (the general path) with diagonal S. */
/* p = 1, nu below 2 DBL_MIN: nu/2 rounds, so log Gamma(nu/2) and psi(nu/2)/2
 * must come from nu itself. At X = S = 1 both families' log f is -1/2 - (nu/2) log 2 -
 * log Gamma(nu/2); the references are mpmath's loggamma at 50 digits
 * (mp.loggamma(mp.mpf(nu) / 2)), the (nu/2) log 2 term far below an ulp. */
static void test_subnormal_nu(void **state)
{
  (void)state;
  static const struct {
    double nu, lgam;
  } ref[] = {{3e-317, 729.5140093050003308896534},
             {4.9406564584124654e-324, 745.1332191019412076235245},
             {1e-310, 714.4945260087141104100618},
             {3.337610787760802e-308, 708.6841006047158871518504},
             {5.562684646268003e-308, 708.1732749809498964686449}};
  gsl_matrix *S = gsl_matrix_alloc(1, 1), *X = gsl_matrix_alloc(1, 1);
  gsl_matrix_set(S, 0, 0, 1.0);
  gsl_matrix_set(X, 0, 0, 1.0);
  bm_wishart *w = bm_wishart_alloc(1);
  bm_invwishart *iw = bm_invwishart_alloc(1);
  for (size_t k = 0; k < sizeof ref / sizeof ref[0]; k++) {
    double want = -0.5 - ref[k].lgam, lp = 0.0;
    assert_int_equal(bm_wishart_set(w, ref[k].nu, S), BM_SUCCESS);
    assert_int_equal(bm_wishart_logpdf(w, X, &lp), BM_SUCCESS);
    tu_assert_rel(lp, want, 4e-16);
    assert_int_equal(bm_invwishart_set(iw, ref[k].nu, S), BM_SUCCESS);
    assert_int_equal(bm_invwishart_logpdf(iw, X, &lp), BM_SUCCESS);
    tu_assert_rel(lp, want, 4e-16);
  }
  /* d_nu = -log(2)/2 - psi(nu/2)/2 at X = S = 1, nu below 2 DBL_MIN where
   * psi(nu/2) ~ -2/nu overflows but its half does not (mpmath digamma) */
  static const struct {
    double nu, dnu;
  } dref[] = {{1e-308, 1.000000000000000090673375e+308},
              {6.7e-309, 1.492537313432835978241198e+308},
              {3.337610787760802e-308, 2.996155224770526512882175e+307},
              {5.562684646268003e-308, 1.797693134862315907729305e+307}};
  for (size_t k = 0; k < sizeof dref / sizeof dref[0]; k++) {
    double lp = 0.0, dnu = 0.0;
    assert_int_equal(bm_wishart_set(w, dref[k].nu, S), BM_SUCCESS);
    assert_int_equal(bm_wishart_logpdf_grad(w, X, &lp, NULL, NULL, &dnu), BM_SUCCESS);
    tu_assert_rel(dnu, dref[k].dnu, 4e-16);
    assert_int_equal(bm_invwishart_set(iw, dref[k].nu, S), BM_SUCCESS);
    assert_int_equal(bm_invwishart_logpdf_grad(iw, X, &lp, NULL, NULL, &dnu), BM_SUCCESS);
    tu_assert_rel(dnu, dref[k].dnu, 4e-16);
  }
  /* nu = 3e-317: d_nu ~ 1/nu is beyond double range, so a call asking for it
   * is BM_EDOM with every output NaN (as for an overflowing d_X); the value
   * alone is fine */
  const gsl_matrix *Xs[1] = {X};
  for (int inverse = 0; inverse < 2; inverse++) {
    double lp = 0.0, dnu = 0.0;
    assert_int_equal(inverse ? bm_invwishart_set(iw, 3e-317, S) : bm_wishart_set(w, 3e-317, S), BM_SUCCESS);
    int st = inverse ? bm_invwishart_logpdf_grad(iw, X, &lp, NULL, NULL, &dnu)
                     : bm_wishart_logpdf_grad(w, X, &lp, NULL, NULL, &dnu);
    assert_int_equal(st, BM_EDOM);
    assert_true(isnan(lp) && isnan(dnu));
    st = inverse ? bm_invwishart_logpdf_grad(iw, X, &lp, NULL, NULL, NULL) : bm_wishart_logpdf_grad(w, X, &lp, NULL, NULL, NULL);
    assert_int_equal(st, BM_SUCCESS);
    tu_assert_rel(lp, -0.5 - ref[0].lgam, 4e-16);
    st = inverse ? bm_invwishart_loglik_grad(iw, Xs, 1, &lp, NULL, &dnu) : bm_wishart_loglik_grad(w, Xs, 1, &lp, NULL, &dnu);
    assert_int_equal(st, BM_EDOM);
    assert_true(isnan(lp) && isnan(dnu));
    /* the summarized batch too */
    if (inverse) {
      bm_invwishart_stats *ss = bm_invwishart_stats_alloc(1);
      assert_int_equal(bm_invwishart_stats_compute(ss, Xs, 1), BM_SUCCESS);
      assert_int_equal(bm_invwishart_stats_loglik_grad(iw, ss, &lp, NULL, &dnu), BM_EDOM);
      assert_true(isnan(lp) && isnan(dnu));
      assert_int_equal(bm_invwishart_stats_loglik_grad(iw, ss, &lp, NULL, NULL), BM_SUCCESS);
      tu_assert_rel(lp, -0.5 - ref[0].lgam, 4e-16);
      bm_invwishart_stats_free(ss);
    } else {
      bm_wishart_stats *ss = bm_wishart_stats_alloc(1);
      assert_int_equal(bm_wishart_stats_compute(ss, Xs, 1), BM_SUCCESS);
      assert_int_equal(bm_wishart_stats_loglik_grad(w, ss, &lp, NULL, &dnu), BM_EDOM);
      assert_true(isnan(lp) && isnan(dnu));
      assert_int_equal(bm_wishart_stats_loglik_grad(w, ss, &lp, NULL, NULL), BM_SUCCESS);
      tu_assert_rel(lp, -0.5 - ref[0].lgam, 4e-16);
      bm_wishart_stats_free(ss);
    }
  }
  bm_wishart_free(w);
  bm_invwishart_free(iw);
  gsl_matrix_free(S);
  gsl_matrix_free(X);
}

static void test_grad_nu_p_plus_1_tiny_x(void **state)
{
  (void)state;
  const size_t dims[] = {2, 17};
  for (size_t t = 0; t < 2; t++) {
    size_t p = dims[t];
    gsl_matrix *S = gsl_matrix_calloc(p, p), *X = gsl_matrix_calloc(p, p), *dX = gsl_matrix_alloc(p, p),
               *Ref = gsl_matrix_calloc(p, p);
    if (p == 2) {
      const double s00 = 274763776, s01 = 532354816, s11 = 1379185360;
      gsl_matrix_set(X, 0, 0, 1.9724699805285222e-311);
      gsl_matrix_set(X, 0, 1, 4.2267213868468334e-312);
      gsl_matrix_set(X, 1, 0, 4.2267213868468334e-312);
      gsl_matrix_set(X, 1, 1, 2.0630425816752401e-311);
      gsl_matrix_set(S, 0, 0, s00);
      gsl_matrix_set(S, 0, 1, s01);
      gsl_matrix_set(S, 1, 0, s01);
      gsl_matrix_set(S, 1, 1, s11);
      long double det = (long double)s00 * s11 - (long double)s01 * s01;
      gsl_matrix_set(Ref, 0, 0, (double)(-0.5L * s11 / det));
      gsl_matrix_set(Ref, 1, 1, (double)(-0.5L * s00 / det));
      gsl_matrix_set(Ref, 0, 1, (double)(0.5L * s01 / det));
      gsl_matrix_set(Ref, 1, 0, (double)(0.5L * s01 / det));
    } else {
      for (size_t i = 0; i < p; i++) {
        gsl_matrix_set(X, i, i, 2e-311 * (1.0 + 0.125 * (double)i));
        gsl_matrix_set(S, i, i, 1.0 + 0.25 * (double)i);
        gsl_matrix_set(Ref, i, i, -0.5 / (1.0 + 0.25 * (double)i));
      }
    }
    bm_wishart *d = bm_wishart_alloc(p);
    assert_int_equal(bm_wishart_set(d, (double)p + 1.0, S), BM_SUCCESS);
    double lp = NAN, lp1 = NAN, dnu = NAN;
    assert_int_equal(bm_wishart_logpdf_grad(d, X, &lp, dX, NULL, &dnu), BM_SUCCESS);
    assert_int_equal(bm_wishart_logpdf(d, X, &lp1), BM_SUCCESS);
    assert_true(isfinite(lp) && lp == lp1 && isfinite(dnu));
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) {
        double ref = gsl_matrix_get(Ref, i, j);
        close_scaled(gsl_matrix_get(dX, i, j), ref, 8.0 * fabs(ref) + (ref == 0.0), "d_X at nu = p + 1, X^-1 overflowing",
                     p, (double)(i * p + j));
      }
    bm_wishart_free(d);
    free_matrices(S, X, dX, Ref);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mvgamma_reference), cmocka_unit_test(test_mvgamma_fallbacks),
      cmocka_unit_test(test_kernel_vs_general), cmocka_unit_test(test_public_over_nu),
      cmocka_unit_test(test_failures_match), cmocka_unit_test(test_chol_subnormal_pivot),
      cmocka_unit_test(test_large_nu_diag_overflow), cmocka_unit_test(test_grad_nu_p_plus_1_tiny_x),
      cmocka_unit_test(test_subnormal_nu),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
