/* Tests of the small-dimension paths (p <= 16: src/small_linalg.c,
 * distributions/small_p.c) against the general path recomputed here with
 * LAPACK/CBLAS (dpotrf, dtrsm, dpotri): the same formulas evaluated by the
 * library's large-p code, so the two must agree to rounding. Tolerance: 1e-14
 * relative to the scale of the terms that are added (a log-density is a sum
 * of terms of both signs; relative to the sum alone the bound would be
 * meaningless where they cancel). Dimensions 1..16 and 17, 24 (the general
 * path itself, as a check of the reference); the inverse from a factor up
 * to 96 and 97.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include "testutil.h"
#include "lapack_ref.h"
#include "../distributions/small_p.h"

#define RTOL 1e-14
#define LN2 0.693147180559945309417232121458176568
#define LOG_2PI 1.83787706640934548356065947281123527

static const size_t dims[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 17, 24};
#define NDIMS (sizeof dims / sizeof dims[0])

static void assert_close_scaled(double a, double b, double scale, const char *what, size_t p)
{
  if (!tu_close_to(a, b, RTOL * scale, RTOL)) {
    print_error("p = %zu, %s: %.17g vs reference %.17g (diff %.3e, scale %.3e)\n", p, what, a, b, fabs(a - b), scale);
    fail();
  }
}

static double ref_logdet(const double *L, size_t p)
{
  double s = 0.0;
  for (size_t i = 0; i < p; i++) s += log(L[i * p + i]);
  return 2.0 * s;
}

static double max_abs(const double *A, size_t n)
{
  double m = 0.0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(A[i]));
  return m;
}

static void mvn_batch_spread(gsl_rng *r, size_t p, size_t n, double spread);
static void mvn_batch_one(gsl_rng *r, size_t p, size_t n) { mvn_batch_spread(r, p, n, 1.0); }

/* spread: coordinate j scaled by spread^(j/(p-1)), so that the factor's
 * diagonal spans a factor ~spread (the scatter route serves the gradient
 * only while it spans at most 100) */
static void mvn_batch_spread(gsl_rng *r, size_t p, size_t n, double spread)
{
  gsl_vector *mu = gsl_vector_alloc(p), *each = gsl_vector_alloc(n), *dmu = gsl_vector_alloc(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(n, p), *dS = gsl_matrix_alloc(p, p);
  double *L = malloc(p * p * sizeof(double)), *Z = malloc(n * p * sizeof(double)), *G = malloc(p * p * sizeof(double));
  for (size_t i = 0; i < p; i++) gsl_vector_set(mu, i, gsl_ran_gaussian(r, 2.0));
  tu_random_spd(r, 100.0, 2.0, S); /* rounding differences grow with the condition number */
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++)
      gsl_matrix_set(S, i, j, gsl_matrix_get(S, i, j) * pow(spread, p > 1 ? (double)(i + j) / (double)(p - 1) : 0.0));
  for (size_t k = 0; k < n; k++)
    for (size_t j = 0; j < p; j++)
      gsl_matrix_set(X, k, j,
                     gsl_vector_get(mu, j) + gsl_ran_gaussian(r, 3.0) * pow(spread, p > 1 ? (double)j / (double)(p - 1) : 0.0));
  /* reference: Z = (X - 1 mu^T) L^{-T} by dtrsm */
  ref_chol(S, L, p);
  for (size_t k = 0; k < n; k++)
    for (size_t j = 0; j < p; j++) Z[k * p + j] = gsl_matrix_get(X, k, j) - gsl_vector_get(mu, j);
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)n, (int)p, 1.0, L, (int)p, Z,
              (int)p);
  double lognorm = -0.5 * (double)p * LOG_2PI - 0.5 * ref_logdet(L, p);
  double total = 0.0, scale = 0.0;

  bm_mvn *d = bm_mvn_alloc(p);
  bm_mvt *t = bm_mvt_alloc(p);
  assert_int_equal(bm_mvn_set(d, mu, S), BM_SUCCESS);
  assert_int_equal(bm_mvt_set(t, 4.5, mu, S), BM_SUCCESS);
  double ll;
  assert_int_equal(bm_mvn_loglik(d, X, &ll, each), BM_SUCCESS);
  for (size_t k = 0; k < n; k++) {
    double delta = 0.0;
    for (size_t j = 0; j < p; j++) delta += Z[k * p + j] * Z[k * p + j];
    double lk = lognorm - 0.5 * delta, sk = fabs(lognorm) + 0.5 * delta;
    total += lk;
    scale += sk;
    assert_close_scaled(gsl_vector_get(each, k), lk, sk, "mvn loglik each", p);
    gsl_vector_const_view xk = gsl_matrix_const_row(X, k);
    double lp;
    assert_int_equal(bm_mvn_logpdf(d, &xk.vector, &lp), BM_SUCCESS);
    assert_close_scaled(lp, lk, sk, "mvn logpdf", p);
  }
  assert_close_scaled(ll, total, scale, "mvn loglik", p);
  { /* rows not stored one after another (a view of wider rows): the kernels' gathers */
    gsl_matrix *W = gsl_matrix_alloc(n, p + 3);
    gsl_matrix_set_all(W, NAN); /* never read */
    gsl_matrix_view Xw = gsl_matrix_submatrix(W, 0, 1, n, p);
    gsl_matrix_memcpy(&Xw.matrix, X);
    double llw;
    assert_int_equal(bm_mvn_loglik(d, &Xw.matrix, &llw, NULL), BM_SUCCESS);
    assert_close_scaled(llw, total, scale, "mvn loglik, strided rows", p);
    double llt_w, llt_c;
    assert_int_equal(bm_mvt_loglik(t, &Xw.matrix, &llt_w, NULL), BM_SUCCESS);
    assert_int_equal(bm_mvt_loglik(t, X, &llt_c, NULL), BM_SUCCESS);
    assert_close_scaled(llt_w, llt_c, fabs(llt_c) + (double)n * (fabs(lognorm) + 1.0), "mvt loglik, strided rows", p);
    gsl_matrix_free(W);
  }

  /* mvt batch (the small path's Mahalanobis forms) against its single-point path */
  double llt, sum_t = 0.0, scale_t = 0.0;
  assert_int_equal(bm_mvt_loglik(t, X, &llt, each), BM_SUCCESS);
  for (size_t k = 0; k < n; k++) {
    gsl_vector_const_view xk = gsl_matrix_const_row(X, k);
    double lp;
    assert_int_equal(bm_mvt_logpdf(t, &xk.vector, &lp), BM_SUCCESS);
    assert_close_scaled(gsl_vector_get(each, k), lp, fabs(lp) + fabs(lognorm) + 1.0, "mvt loglik each", p);
    sum_t += lp;
    scale_t += fabs(lp) + fabs(lognorm) + 1.0;
  }
  assert_close_scaled(llt, sum_t, scale_t, "mvt loglik", p);
  double llt_sum; /* without each: the logarithms' sum alone */
  assert_int_equal(bm_mvt_loglik(t, X, &llt_sum, NULL), BM_SUCCESS);
  assert_close_scaled(llt_sum, sum_t, scale_t, "mvt loglik without each", p);

  /* gradient: dmu = L^{-T} sum z, dSigma = L^{-T} (Z^T Z - n I) L^{-1} / 2 */
  double llg;
  assert_int_equal(bm_mvn_loglik_grad(d, X, &llg, dmu, dS), BM_SUCCESS);
  assert_close_scaled(llg, total, scale, "mvn loglik_grad value", p);
  if (p <= 16) { /* the small sizes: the value is the value-only call's, to the bit, whichever outputs are asked for */
    assert_true(llg == ll);
    double ll_none, ll_mu;
    assert_int_equal(bm_mvn_loglik_grad(d, X, &ll_none, NULL, NULL), BM_SUCCESS);
    assert_int_equal(bm_mvn_loglik_grad(d, X, &ll_mu, dmu, NULL), BM_SUCCESS);
    assert_true(ll_none == ll && ll_mu == ll);
  }
  double *s = calloc(p, sizeof(double));
  for (size_t k = 0; k < n; k++)
    for (size_t j = 0; j < p; j++) s[j] += Z[k * p + j];
  cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, (int)p, L, (int)p, s, 1);
  /* scales, norm-wise: dmu = Lambda sum r_k, so |Lambda| sum |r_k|; the
   * Sigma gradient |Lambda|^2 sum |r_k|^2 + n |Lambda| */
  double *Lam = malloc(p * p * sizeof(double)), rabs = 0.0, rsq = 0.0;
  ref_inverse(L, Lam, p);
  for (size_t k = 0; k < n; k++)
    for (size_t j = 0; j < p; j++) {
      double rk = gsl_matrix_get(X, k, j) - gsl_vector_get(mu, j);
      rabs += fabs(rk);
      rsq += rk * rk;
    }
  double lam = max_abs(Lam, p * p) * (double)p;
  for (size_t j = 0; j < p; j++) assert_close_scaled(gsl_vector_get(dmu, j), s[j], lam * rabs, "mvn dmu", p);
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)p, (int)n, 0.5, Z, (int)p, 0.0, G, (int)p);
  for (size_t i = 0; i < p; i++) G[i * p + i] -= 0.5 * (double)n;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < i; j++) G[j * p + i] = G[i * p + j];
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, (int)p, (int)p, 1.0, L, (int)p, G,
              (int)p);
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, (int)p, (int)p, 1.0, L, (int)p, G,
              (int)p);
  /* the entries are sums of n terms that largely cancel: the scale of the terms */
  double gs = 0.5 * (lam * rsq + (double)n) * lam;
  free(Lam);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++)
      assert_close_scaled(gsl_matrix_get(dS, i, j), 0.5 * (G[i * p + j] + G[j * p + i]), gs, "mvn dSigma", p);

  free(s);
  bm_mvn_free(d);
  bm_mvt_free(t);
  free(L);
  free(Z);
  free(G);
  free_vectors(mu, each, dmu);
  free_matrices(S, X, dS);
}

/* Beyond the small sizes the mvn gradient comes from the scatter of the
 * centred rows (distributions/vector_common.c, bm_vc_scatter_grad): the
 * same references; 129 and 150 take LAPACK's dsygst for the sandwiches;
 * n < p too. */
static void test_mvn_scatter_route(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(1702);
  static const size_t ps[] = {17, 40, 100, 129, 150};
  for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
    mvn_batch_one(r, ps[k], 3);
    mvn_batch_one(r, ps[k], 300);
  }
  gsl_rng_free(r);
}

/* Range edges of the scatter route: rows whose outer products overflow
 * (entries near 1e190 with Sigma near 1e300: the forms are finite) or fall
 * among the subnormals (entries near 1e-155 with Sigma near 1e-300) are
 * redone through the whitened rows; the value equals bm_mvn_loglik's. */
static void test_mvn_scatter_overflow(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(1703);
  for (size_t p = 17, n = 7; p <= 30; p += 13) {
    gsl_vector *mu = gsl_vector_alloc(p), *dmu = gsl_vector_alloc(p);
    gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(n, p), *dS = gsl_matrix_alloc(p, p);
    for (double sc = 1e-300; sc < 1e301; sc *= 1e300) {
      tu_random_spd(r, 10.0, 1.0, S);
      gsl_matrix_scale(S, sc);
      for (size_t j = 0; j < p; j++) gsl_vector_set(mu, j, 0.0);
      for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
          gsl_matrix_set(X, i, j, sqrt(sc) * (sc > 1.0 ? 1e40 : 1e-5) * gsl_ran_gaussian(r, 1.0));
      bm_mvn *d = bm_mvn_alloc(p);
      assert_int_equal(bm_mvn_set(d, mu, S), BM_SUCCESS);
      double ll, llg;
      assert_int_equal(bm_mvn_loglik(d, X, &ll, NULL), BM_SUCCESS);
      assert_int_equal(bm_mvn_loglik_grad(d, X, &llg, dmu, dS), BM_SUCCESS);
      assert_true(isfinite(ll) && isfinite(llg));
      assert_close_scaled(llg, ll, fabs(ll), "mvn loglik_grad value at a range edge", p);
      for (size_t i = 0; i < p; i++) {
        assert_true(isfinite(gsl_vector_get(dmu, i)));
        for (size_t j = 0; j < p; j++) assert_true(isfinite(gsl_matrix_get(dS, i, j)));
      }
      bm_mvn_free(d);
    }
    gsl_vector_free(mu);
    gsl_vector_free(dmu);
    gsl_matrix_free(S);
    gsl_matrix_free(X);
    gsl_matrix_free(dS);
  }
  gsl_rng_free(r);
}

/* every kernel path this processor has (the portable one, AVX2 + FMA,
 * AVX-512), each forced in turn; the loop ends with the automatic choice */
static void test_mvn_mvt_batches(void **state)
{
  (void)state;
  int best = bm_sp_path();
  for (int path = BM_SP_PATH_GENERIC; path <= best; path++) {
    bm_sp_force_path(path);
    assert_int_equal(bm_sp_path(), path);
    gsl_rng *r = tu_rng(1701);
    for (size_t k = 0; k < NDIMS; k++) {
      mvn_batch_one(r, dims[k], 1);
      mvn_batch_one(r, dims[k], 3);
      mvn_batch_one(r, dims[k], 200); /* one partial block */
      mvn_batch_one(r, dims[k], 2 * BM_SP_ROWS + 76); /* two whole blocks and a partial one */
      mvn_batch_spread(r, dims[k], 200, 1e4); /* the gradient through the whitened rows */
    }
    gsl_rng_free(r);
  }
  bm_sp_force_path(BM_SP_PATH_AUTO);
  assert_int_equal(bm_sp_path(), best);
}

/* Failures on the small path: a non-finite entry (NaN, +-inf; first or last
 * column) in rows that each kernel path handles (eight-row, four-row and
 * two-row steps of a partial block: n = 150 = 18 x 8 + 4 + 2), status and
 * each NaN; the single point
 * too; and a non-PD Sigma rejected by the own Cholesky. */
static void test_small_failures(void **state)
{
  (void)state;
  size_t p = 5, n = 150;
  static const size_t bad_rows[] = {0, 3, 67, 140, 147, 148, 149};
  static const double bad_values[] = {NAN, INFINITY, -INFINITY};
  gsl_rng *r = tu_rng(7);
  gsl_vector *mu = gsl_vector_calloc(p), *each = gsl_vector_alloc(n);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(n, p);
  tu_random_spd(r, 10.0, 1.0, S);
  for (size_t k = 0; k < n; k++)
    for (size_t j = 0; j < p; j++) gsl_matrix_set(X, k, j, gsl_ran_gaussian(r, 1.0));
  bm_mvn *d = bm_mvn_alloc(p);
  bm_mvt *t = bm_mvt_alloc(p);
  assert_int_equal(bm_mvn_set(d, mu, S), BM_SUCCESS);
  assert_int_equal(bm_mvt_set(t, 3.0, mu, S), BM_SUCCESS);
  gsl_matrix *W = gsl_matrix_alloc(n, p + 2);
  int best = bm_sp_path();
  for (int path = BM_SP_PATH_GENERIC; path <= best; path++) {
    bm_sp_force_path(path);
    for (size_t b = 0; b < sizeof bad_rows / sizeof bad_rows[0]; b++)
      for (size_t v = 0; v < 3; v++)
        for (size_t j = 0; j < p; j += p - 1) {
          size_t row = bad_rows[b];
          double keep = gsl_matrix_get(X, row, j);
          gsl_matrix_set(X, row, j, bad_values[v]);
          double ll = 0.0;
          assert_int_equal(bm_mvn_loglik(d, X, &ll, each), BM_ENONFINITE);
          assert_true(isnan(ll));
          for (size_t k = 0; k < n; k++) assert_true(isnan(gsl_vector_get(each, k)));
          ll = 0.0;
          assert_int_equal(bm_mvt_loglik(t, X, &ll, each), BM_ENONFINITE);
          assert_true(isnan(ll));
          for (size_t k = 0; k < n; k++) assert_true(isnan(gsl_vector_get(each, k)));
          gsl_matrix_view Xw = gsl_matrix_submatrix(W, 0, 0, n, p); /* strided rows: the gathers */
          gsl_matrix_memcpy(&Xw.matrix, X);
          assert_int_equal(bm_mvn_loglik(d, &Xw.matrix, &ll, each), BM_ENONFINITE);
          assert_int_equal(bm_mvt_loglik(t, &Xw.matrix, &ll, NULL), BM_ENONFINITE);
          gsl_vector_const_view xr = gsl_matrix_const_row(X, row);
          ll = 0.0;
          assert_int_equal(bm_mvn_logpdf(d, &xr.vector, &ll), BM_ENONFINITE);
          assert_true(isnan(ll));
          gsl_matrix_set(X, row, j, keep);
        }
    double ll;
    assert_int_equal(bm_mvn_loglik(d, X, &ll, NULL), BM_SUCCESS);
    assert_true(isfinite(ll));
  }
  bm_sp_force_path(BM_SP_PATH_AUTO);
  gsl_matrix_free(W);
  /* the single point's shape checks on its short path */
  gsl_vector *x4 = gsl_vector_calloc(p - 1);
  double lp = 0.0;
  assert_int_equal(bm_mvn_logpdf(d, x4, &lp), BM_EBADLEN);
  assert_true(isnan(lp));
  assert_int_equal(bm_mvn_logpdf(d, NULL, &lp), BM_EINVAL);
  gsl_vector_const_view x0 = gsl_matrix_const_row(X, 0);
  assert_int_equal(bm_mvn_logpdf(d, &x0.vector, NULL), BM_EINVAL);
  gsl_vector_free(x4);
  /* a semidefinite Sigma: the own Cholesky's pivot test */
  gsl_matrix_set_all(S, 1.0);
  assert_int_equal(bm_mvn_set(d, mu, S), BM_ENOTSPD);
  bm_mvn_free(d);
  bm_mvt_free(t);
  gsl_vector_free(mu);
  gsl_vector_free(each);
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_rng_free(r);
}

/* The block logarithm against libm's log1p (an independent implementation,
 * correctly rounded to within 1 ulp): u across the whole range, zero,
 * subnormals, the cuts of the mantissa reduction (powers of 2, sqrt 2), the
 * rounding edge of 1 + u (eps/2), 2^53, huge, DBL_MAX, inf; NaN gives +inf.
 * Within 2 ulp of log1p everywhere, on every path. */
static void test_log1p_block(void **state)
{
  (void)state;
  enum { N = 4096 };
  static double u[N], out[N], ref_bits[N];
  gsl_rng *r = tu_rng(4242);
  size_t n = 0;
  static const double fixed[] = {0.0, 0x1p-1074, 0x1p-1060, 2.2250738585072009e-308, 0x1p-1022, 1e-300, 1e-200,
                                 1e-20, 0x1p-54, 0x1p-53, 0x1.0000000000001p-53, 0x1.fffffffffffffp-54, 0x1p-52,
                                 3e-16, 1e-15, 1e-8, 0.5, 1.0, 0.41421356237309503, 0.41421356237309515,
                                 -1.0 + 0.70710678118654757 * 2.0, 1.9999999999999998, 2.0, 3.0, 1e8, 0x1p53,
                                 0x1p53 + 2.0, 0x1p53 - 1.0, 1e300, 0x1p999, 0x1.fffffffffffffp999, 0x1p1000, 1e302,
                                 1.7976931348623157e308, INFINITY};
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) u[n++] = fixed[i];
  for (int e = -1074; e <= 1023 && n < N - 8; e += 7) { /* powers of 2 and their neighbours */
    double x = ldexp(1.0, e);
    u[n++] = x;
    u[n++] = nextafter(x, 0.0);
    u[n++] = nextafter(x, INFINITY);
    u[n++] = x * 1.4142135623730951; /* near the sqrt 2 cut of 1 + u */
  }
  while (n < N - 1) u[n++] = pow(10.0, gsl_ran_flat(r, -320.0, 308.0)); /* log-uniform */
  u[n++] = NAN;
  bm_sp_force_path(BM_SP_PATH_GENERIC);
  bm_sp_log1p_block(u, 1.0, n, out);
  for (size_t i = 0; i < n; i++) {
    double ref = isnan(u[i]) ? INFINITY : log1p(u[i]);
    if (isinf(ref) || ref == 0.0) {
      assert_true(out[i] == ref);
    } else if (!(fabs(out[i] - ref) <= 2.0 * 0x1p-52 * fabs(ref) || (ref < 0x1p-1022 && out[i] == u[i]))) {
      print_error("log1p(%a) = %a, libm %a\n", u[i], out[i], ref);
      fail();
    }
    ref_bits[i] = out[i];
  }
  /* the scale is applied before the logarithm: log1p(u / 4) */
  bm_sp_log1p_block(u, 0.25, n, out);
  for (size_t i = 0; i + 1 < n; i++) {
    double ref = log1p(u[i] * 0.25);
    assert_true(ref == 0.0 || isinf(ref) ? out[i] == ref : fabs(out[i] - ref) <= 2.0 * 0x1p-52 * fabs(ref) + 0x1p-1074);
  }
  bm_sp_force_path(BM_SP_PATH_AUTO);
  int best = bm_sp_path();
  for (int path = BM_SP_PATH_GENERIC; path <= best; path++) {
    bm_sp_force_path(path);
    /* the returned sum: of the values written (finite ones here, then with
     * the inf of the fixed entries, then of nothing) */
    for (size_t len = 1; len <= 70; len += 23) {
      double sum = bm_sp_log1p_block(u + 40, 1.0, len, out), amax = 0.0;
      long double ref = 0.0L;
      for (size_t i = 0; i < len; i++) {
        ref += out[i];
        amax = fmax(amax, fabs(out[i]));
      }
      assert_true(fabs(sum - (double)ref) <= 1e-15 * amax * (double)len);
    }
    assert_true(bm_sp_log1p_block(u, 1.0, 40, out) == INFINITY);
    assert_true(bm_sp_log1p_block(u, 1.0, 0, out) == 0.0);
    for (size_t len = n - 1; len + 16 >= n && len > 0; len -= 3) { /* vector tails */
      out[len] = -7.0; /* nothing written beyond the block */
      bm_sp_log1p_block(u, 1.0, len, out);
      assert_true(out[len] == -7.0);
      for (size_t i = 0; i < len; i++) /* the same bits, or (fused steps) within 2 ulp of libm too */
        if (out[i] != ref_bits[i]) {
          double ref = log1p(u[i]);
          assert_false(isinf(ref) || ref == 0.0 || isnan(u[i]));
          assert_true(fabs(out[i] - ref) <= 2.0 * 0x1p-52 * fabs(ref));
        }
    }
  }
  bm_sp_force_path(BM_SP_PATH_AUTO);
  gsl_rng_free(r);
}

/* The sum of logarithms without the values (rows combined sixteen at a time
 * before one logarithm) against the sum of libm's log1p in long double:
 * every term is non-negative, so the bound is relative to the sum (8 ulp, 2 measured:
 * four levels of combination, the logarithm's 1 ulp, the additions).
 * Arguments tiny (subnormal to 1e-8: a product formed as 1 + u would lose
 * them), ordinary, and huge (products beyond 2^1000: the per-row path),
 * scales of nu tiny and huge, every length up to a few blocks (the zero-
 * filled tail), on every path. */
static double ref_log1p_sum(const double *u, double scale, size_t n)
{
  long double s = 0.0L;
  for (size_t i = 0; i < n; i++) s += isnan(u[i]) ? (long double)INFINITY : (long double)log1p(u[i] * scale);
  return (double)s;
}

static void test_log1p_sum(void **state)
{
  (void)state;
  enum { N = 300 };
  static double u[N];
  gsl_rng *r = tu_rng(777);
  static const struct {
    double lo, hi; /* log10 range of u */
  } ranges[] = {{-323.0, -300.0}, {-300.0, -8.0}, {-3.0, 3.0}, {-1.0, 1.0}, {2.0, 30.0}, {5.0, 18.0}, {30.0, 120.0}, {-320.0, 308.0}};
  static const double scales[] = {1.0, 0.25, 1e3, 1e-10, 1.0 / 3.0};
  int best = bm_sp_path();
  for (int path = BM_SP_PATH_GENERIC; path <= best; path++) {
    bm_sp_force_path(path);
    for (size_t g = 0; g < sizeof ranges / sizeof ranges[0]; g++)
      for (size_t sc = 0; sc < sizeof scales / sizeof scales[0]; sc++) {
        for (size_t i = 0; i < N; i++) u[i] = pow(10.0, gsl_ran_flat(r, ranges[g].lo, ranges[g].hi));
        if (g == 3) u[17] = 0.0;
        for (size_t len = 0; len <= N; len += len < 80 ? 1 : 37) {
          double s = bm_sp_log1p_sum(u, scales[sc], len), ref = ref_log1p_sum(u, scales[sc], len);
          if (!(s == ref || fabs(s - ref) <= 8.0 * 0x1p-52 * ref)) {
            print_error("path %d, range %zu, scale %g, n = %zu: %.17g vs %.17g\n", path, g, scales[sc], len, s, ref);
            fail();
          }
        }
      }
    /* zeros: exactly 0; an infinite or NaN form (an overflowed row): +inf;
     * DBL_MAX and 2^1000 with ordinary rows beside them */
    for (size_t i = 0; i < N; i++) u[i] = 0.0;
    assert_true(bm_sp_log1p_sum(u, 1.0, N) == 0.0);
    assert_true(bm_sp_log1p_sum(u, 1.0, 0) == 0.0);
    static const double special[] = {INFINITY, NAN, 1.7976931348623157e308, 0x1p1000, 0x1p999, 1e-310};
    for (size_t k = 0; k < sizeof special / sizeof special[0]; k++)
      for (size_t at = 0; at < 70; at += 23) {
        for (size_t i = 0; i < N; i++) u[i] = gsl_ran_flat(r, 0.0, 10.0);
        u[at] = special[k];
        double s = bm_sp_log1p_sum(u, 1.0, 70), ref = ref_log1p_sum(u, 1.0, 70);
        if (isinf(ref))
          assert_true(s == INFINITY);
        else
          assert_true(fabs(s - ref) <= 8.0 * 0x1p-52 * ref);
      }
  }
  bm_sp_force_path(BM_SP_PATH_AUTO);
  gsl_rng_free(r);
}

/* The mvt batch at the range edges of its forms, each path, nu from 1e-3 to
 * 1e10, with and without the rows' values: rows at mu
 * (delta = 0), a hair away (delta subnormal or tiny: log1p(delta/nu) =
 * delta/nu), ordinary, huge (delta/nu beyond 2^1000, and beyond DBL_MAX:
 * the scaled single point), against bm_mvt_logpdf row by row (its own
 * solve and libm's logarithm). */
static void test_mvt_extreme_forms(void **state)
{
  (void)state;
  size_t p = 5, n = 77;
  gsl_rng *r = tu_rng(99);
  gsl_vector *mu = gsl_vector_alloc(p), *each = gsl_vector_alloc(n);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(n, p);
  tu_random_spd(r, 10.0, 1.0, S);
  for (size_t j = 0; j < p; j++) gsl_vector_set(mu, j, gsl_ran_gaussian(r, 1.0));
  static const double offs[] = {0.0, 1e-170, 1e-160, 1e-150, 1e-9, 1e-3, 1.0, 30.0, 1e20, 1e150, 1e152, 1e160, 1e200};
  size_t no = sizeof offs / sizeof offs[0];
  for (size_t k = 0; k < n; k++)
    for (size_t j = 0; j < p; j++)
      gsl_matrix_set(X, k, j, gsl_vector_get(mu, j) + offs[k % no] * gsl_ran_gaussian(r, 1.0));
  /* a row exactly at mu whatever the offsets' zero does */
  for (size_t j = 0; j < p; j++) gsl_matrix_set(X, 5, j, gsl_vector_get(mu, j));
  bm_mvt *t = bm_mvt_alloc(p);
  int best = bm_sp_path();
  static const double nus[] = {1e-3, 0.5, 150.0, 45000.0, 1e10};
  for (size_t v = 0; v < sizeof nus / sizeof nus[0]; v++) {
    double nu = nus[v];
    assert_int_equal(bm_mvt_set(t, nu, mu, S), BM_SUCCESS);
    for (int path = BM_SP_PATH_GENERIC; path <= best; path++) {
      bm_sp_force_path(path);
      for (size_t rows = n; rows >= n - 20; rows -= 20) { /* the overflowing rows in the batch, then without */
        gsl_matrix_const_view Xv = gsl_matrix_const_submatrix(X, 0, 0, rows, p);
        gsl_vector_view ev = gsl_vector_subvector(each, 0, rows);
        double ll, sum = 0.0, scale = 0.0;
        assert_int_equal(bm_mvt_loglik(t, &Xv.matrix, &ll, &ev.vector), BM_SUCCESS);
        for (size_t k = 0; k < rows; k++) {
          gsl_vector_const_view xk = gsl_matrix_const_row(X, k);
          double lp;
          assert_int_equal(bm_mvt_logpdf(t, &xk.vector, &lp), BM_SUCCESS);
          assert_true(isfinite(lp));
          assert_close_scaled(gsl_vector_get(each, k), lp, fabs(lp) + 1.0, "mvt each at an extreme form", p);
          sum += lp;
          scale += fabs(lp) + 1.0;
        }
        assert_close_scaled(ll, sum, scale, "mvt loglik at extreme forms", p);
        double ll_sum; /* without each: the rows' logarithms combined (products beyond 2^1000 row by row) */
        assert_int_equal(bm_mvt_loglik(t, &Xv.matrix, &ll_sum, NULL), BM_SUCCESS);
        assert_close_scaled(ll_sum, sum, scale, "mvt loglik without each at extreme forms", p);
      }
    }
  }
  bm_sp_force_path(BM_SP_PATH_AUTO);
  bm_mvt_free(t);
  gsl_vector_free(mu);
  gsl_vector_free(each);
  gsl_matrix_free(S);
  gsl_matrix_free(X);
  gsl_rng_free(r);
}

/* bm_mvt_set keeps nu's constants while nu stays: a set object that went
 * through other nu values and failed sets ends with the same bits as a fresh
 * object given the same arguments (value, and the nu derivative, which uses
 * the digamma constant). */
static void test_mvt_set_keeps_nu(void **state)
{
  (void)state;
  size_t p = 5;
  gsl_rng *r = tu_rng(31);
  gsl_vector *mu = gsl_vector_alloc(p), *x = gsl_vector_alloc(p);
  gsl_matrix *S = gsl_matrix_alloc(p, p), *S2 = gsl_matrix_alloc(p, p), *Bad = gsl_matrix_alloc(p, p);
  tu_random_spd(r, 10.0, 1.0, S);
  tu_random_spd(r, 10.0, 2.0, S2);
  gsl_matrix_set_all(Bad, 1.0); /* singular */
  for (size_t j = 0; j < p; j++) {
    gsl_vector_set(mu, j, gsl_ran_gaussian(r, 1.0));
    gsl_vector_set(x, j, gsl_ran_gaussian(r, 2.0));
  }
  bm_mvt *a = bm_mvt_alloc(p), *b = bm_mvt_alloc(p);
  static const double nus[] = {3.0, 3.0, 40.0, 1e-3, 3.0, 1e6};
  for (size_t k = 0; k < sizeof nus / sizeof nus[0]; k++) {
    double nu = nus[k];
    assert_int_equal(bm_mvt_set(a, nu, mu, k % 2 ? S : S2), BM_SUCCESS);
    assert_int_not_equal(bm_mvt_set(a, nu, mu, Bad), BM_SUCCESS); /* changes nothing */
    assert_int_not_equal(bm_mvt_set(a, -1.0, mu, S), BM_SUCCESS);
    assert_int_equal(bm_mvt_set(a, nu, mu, k % 2 ? S2 : S), BM_SUCCESS);
    bm_mvt_free(b);
    b = bm_mvt_alloc(p);
    assert_int_equal(bm_mvt_set(b, nu, mu, k % 2 ? S2 : S), BM_SUCCESS);
    double la, lb, da, db;
    assert_int_equal(bm_mvt_logpdf_grad(a, x, &la, NULL, NULL, NULL, &da), BM_SUCCESS);
    assert_int_equal(bm_mvt_logpdf_grad(b, x, &lb, NULL, NULL, NULL, &db), BM_SUCCESS);
    assert_true(la == lb && da == db);
  }
  bm_mvt_free(a);
  bm_mvt_free(b);
  free_vectors(mu, x);
  free_matrices(S, S2, Bad);
  gsl_rng_free(r);
}

/* C = A B A (A p x p row-major, M scratch) */
static void sandwich(const double *A, const gsl_matrix *B, size_t p, double *M, double *C)
{
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)p, (int)p, (int)p, 1.0, A, (int)p, B->data,
              (int)B->tda, 0.0, M, (int)p);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)p, (int)p, (int)p, 1.0, M, (int)p, A, (int)p, 0.0, C,
              (int)p);
}

/* Wishart and inverse Wishart: value and gradients at p <= 16 against the
 * formulas of include/bayesmat/wishart.h and invwishart.h through LAPACK. */
static void wishart_one(gsl_rng *r, size_t p)
{
  size_t pp = p * p;
  gsl_matrix *S = gsl_matrix_alloc(p, p), *X = gsl_matrix_alloc(p, p), *GX = gsl_matrix_alloc(p, p),
             *GS = gsl_matrix_alloc(p, p);
  double *LS = malloc(pp * sizeof(double)), *LX = malloc(pp * sizeof(double)), *Si = malloc(pp * sizeof(double)),
         *Xi = malloc(pp * sizeof(double)), *M = malloc(pp * sizeof(double)), *C = malloc(pp * sizeof(double));
  tu_random_spd(r, 50.0, 1.5, S);
  tu_random_spd(r, 50.0, 3.0, X);
  double nu = (double)p + 2.5;
  ref_chol(S, LS, p);
  ref_chol(X, LX, p);
  ref_inverse(LS, Si, p);
  ref_inverse(LX, Xi, p);
  double ldS = ref_logdet(LS, p), ldX = ref_logdet(LX, p), pd = (double)p, lmg = bm_lmvgamma(p, 0.5 * nu);

  /* Wishart: tr(S^-1 X) = ||L_S^-1 L_X||^2; G_S = -nu/2 S^-1 + S^-1 X S^-1 / 2 */
  double tr = tr_solve(LS, LX, p, M);
  double a1 = 0.5 * (nu - pd - 1.0) * ldX, a2 = 0.5 * nu * pd * LN2, a3 = 0.5 * nu * ldS;
  double ref = a1 - 0.5 * tr - a2 - a3 - lmg, scale = fabs(a1) + 0.5 * tr + fabs(a2) + fabs(a3) + fabs(lmg);
  bm_wishart *w = bm_wishart_alloc(p);
  assert_int_equal(bm_wishart_set(w, nu, S), BM_SUCCESS);
  double lp, lp2, dnu;
  assert_int_equal(bm_wishart_logpdf(w, X, &lp), BM_SUCCESS);
  assert_close_scaled(lp, ref, scale, "wishart logpdf", p);
  assert_int_equal(bm_wishart_logpdf_grad(w, X, &lp2, GX, GS, &dnu), BM_SUCCESS);
  assert_close_scaled(lp2, ref, scale, "wishart logpdf_grad value", p);
  /* C = S^-1 X S^-1 */
  sandwich(Si, X, p, M, C);
  double sx = (nu + pd) * (max_abs(Xi, pp) + max_abs(Si, pp)), ss = nu * max_abs(Si, pp) + max_abs(C, pp) * pd;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      assert_close_scaled(gsl_matrix_get(GX, i, j), 0.5 * (nu - pd - 1.0) * Xi[i * p + j] - 0.5 * Si[i * p + j], sx,
                          "wishart d_X", p);
      assert_close_scaled(gsl_matrix_get(GS, i, j), -0.5 * nu * Si[i * p + j] + 0.5 * C[i * p + j], ss,
                          "wishart d_S", p);
    }

  /* inverse Wishart with Psi = S: tr(Psi X^-1) = ||L_X^-1 L_Psi||^2;
   * G_X = -(nu+p+1)/2 X^-1 + X^-1 Psi X^-1 / 2, G_Psi = nu/2 Psi^-1 - X^-1/2 */
  tr = tr_solve(LX, LS, p, M);
  double b1 = 0.5 * nu * ldS, b3 = 0.5 * (nu + pd + 1.0) * ldX;
  ref = b1 - a2 - lmg - b3 - 0.5 * tr;
  scale = fabs(b1) + fabs(a2) + fabs(lmg) + fabs(b3) + 0.5 * tr;
  bm_invwishart *iw = bm_invwishart_alloc(p);
  assert_int_equal(bm_invwishart_set(iw, nu, S), BM_SUCCESS);
  assert_int_equal(bm_invwishart_logpdf(iw, X, &lp), BM_SUCCESS);
  assert_close_scaled(lp, ref, scale, "invwishart logpdf", p);
  assert_int_equal(bm_invwishart_logpdf_grad(iw, X, &lp2, GX, GS, &dnu), BM_SUCCESS);
  assert_close_scaled(lp2, ref, scale, "invwishart logpdf_grad value", p);
  sandwich(Xi, S, p, M, C); /* X^-1 Psi X^-1 */
  sx = (nu + pd) * max_abs(Xi, pp) + max_abs(C, pp) * pd;
  ss = nu * max_abs(Si, pp) + max_abs(Xi, pp);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      assert_close_scaled(gsl_matrix_get(GX, i, j), -0.5 * (nu + pd + 1.0) * Xi[i * p + j] + 0.5 * C[i * p + j], sx,
                          "invwishart d_X", p);
      assert_close_scaled(gsl_matrix_get(GS, i, j), 0.5 * nu * Si[i * p + j] - 0.5 * Xi[i * p + j], ss,
                          "invwishart d_Psi", p);
    }
  bm_wishart_free(w);
  bm_invwishart_free(iw);
  free(LS);
  free(LX);
  free(Si);
  free(Xi);
  free(M);
  free(C);
  free_matrices(S, X, GX, GS);
}

static void test_wishart_family(void **state)
{
  (void)state;
  gsl_rng *r = tu_rng(4242);
  for (size_t k = 0; k < NDIMS; k++)
    for (int rep = 0; rep < 3; rep++) wishart_one(r, dims[k]);
  gsl_rng_free(r);
}

/* The core's own Cholesky and inverse (bm_chol_factor / bm_chol_inverse at
 * p <= 16) against dpotrf / dpotri, entry by entry. */
static void test_core_factor_inverse(void **state)
{
  (void)state;
  /* the own inverse reaches p = 96 (src/small_linalg.h) */
  static const size_t inv_dims[] = {1, 2, 3, 5, 8, 16, 17, 24, 33, 64, 96, 97};
  gsl_rng *r = tu_rng(99);
  for (size_t k = 0; k < sizeof inv_dims / sizeof inv_dims[0]; k++) {
    size_t p = inv_dims[k];
    gsl_matrix *A = gsl_matrix_alloc(p, p), *L = gsl_matrix_alloc(p, p), *Ai = gsl_matrix_alloc(p, p);
    double *Lr = malloc(p * p * sizeof(double)), *Air = malloc(p * p * sizeof(double));
    tu_random_spd(r, 1e4, 1.0, A);
    ref_chol(A, Lr, p);
    ref_inverse(Lr, Air, p);
    assert_int_equal(bm_chol_factor(A, L, NULL), BM_SUCCESS);
    assert_int_equal(bm_chol_inverse(L, Ai), BM_SUCCESS);
    double sl = max_abs(Lr, p * p), si = max_abs(Air, p * p);
    for (size_t i = 0; i < p; i++)
      for (size_t j = 0; j < p; j++) {
        assert_close_scaled(gsl_matrix_get(L, i, j), Lr[i * p + j], 4 * sl, "chol", p);
        /* an inverse carries the condition number (1e4 here) */
        assert_close_scaled(gsl_matrix_get(Ai, i, j), Air[i * p + j], 1e4 * si, "inverse", p);
      }
    free(Lr);
    free(Air);
    free_matrices(A, L, Ai);
  }
  gsl_rng_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mvn_mvt_batches),
      cmocka_unit_test(test_mvn_scatter_route),
      cmocka_unit_test(test_mvn_scatter_overflow),
      cmocka_unit_test(test_small_failures),
      cmocka_unit_test(test_log1p_block),
      cmocka_unit_test(test_log1p_sum),
      cmocka_unit_test(test_mvt_extreme_forms),
      cmocka_unit_test(test_mvt_set_keeps_nu),
      cmocka_unit_test(test_wishart_family),
      cmocka_unit_test(test_core_factor_inverse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
